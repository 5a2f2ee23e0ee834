-- quickstart.sql — RFM scores with plain functions, no virtual table.
--
--   sqlite3 -box examples/shop.db < examples/quickstart.sql
--
-- One row per customer: recency in days to 2025-01-01, number of orders,
-- money spent (refunds subtract, cancelled orders do not count); cut points
-- from rfm_breaks; scores and segment from rfm_score and segment_of.
.load ./dist/segment
WITH c AS (SELECT customer_id,
                  julianday('2025-01-01') - julianday(date(max(created_at))) AS recency_days,
                  count(*) AS frequency, round(total(total), 2) AS monetary
           FROM orders WHERE status <> 'cancelled' GROUP BY customer_id),
     b AS (SELECT json_object('r', json(rfm_breaks(recency_days)), 'f', json(rfm_breaks(frequency)),
                              'm', json(rfm_breaks(monetary))) AS breaks FROM c)
SELECT customer_id, recency_days, frequency, monetary,
       rfm_score(recency_days, frequency, monetary, breaks) AS rfm,
       segment_of(rfm_score(recency_days, frequency, monetary, breaks)) AS segment
FROM c, b
ORDER BY customer_id
LIMIT 8;
