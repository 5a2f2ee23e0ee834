-- bench/peers/groupby.sql — peer: the GROUP BY of the orders alone (the
-- per-customer features, no scores), every column used so none is skipped.
--   sqlite3 -readonly shop.db '.read bench/peers/groupby.sql'
.read bench/peers/rfm.sql
SELECT count(*), sum(recency_days), sum(frequency), round(sum(monetary), 2)
FROM peer_features;
