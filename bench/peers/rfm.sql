-- bench/peers/rfm.sql — RFM in plain SQL, as an analyst writes it: no
-- extension, a GROUP BY of the orders, recency from julianday, and
-- ntile(5) windows for the scores. It only creates two temp views; the
-- peers that bench/run times read them:
--
--   sqlite3 -readonly shop.db '.read bench/peers/groupby.sql'   -- the GROUP BY alone
--   sqlite3 -readonly shop.db '.read bench/peers/ntile.sql'     -- the whole NTILE query
--
-- (run from the project root). The features are the segments table's,
-- as of 2025-01-01: every order counts, recency in calendar days from the
-- last order's date, monetary = round(total(total), 2). R is
-- 6 - ntile(5) over recency ascending, so with distinct values the scores
-- are the extension's (docs/scoring.md); with ties NTILE splits them by
-- row order, which the extension never does.

CREATE TEMP VIEW peer_features AS
SELECT customer_id,
       CAST(julianday('2025-01-01') - julianday(date(max(created_at))) AS INTEGER) AS recency_days,
       count(*) AS frequency,
       round(total(total), 2) AS monetary
FROM orders
WHERE created_at < '2025-01-02'
GROUP BY customer_id;

CREATE TEMP VIEW peer_scores AS
SELECT customer_id, recency_days, frequency, monetary,
       6 - ntile(5) OVER (ORDER BY recency_days) AS r,
       ntile(5) OVER (ORDER BY frequency) AS f,
       ntile(5) OVER (ORDER BY monetary) AS m
FROM peer_features;
