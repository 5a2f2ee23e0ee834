-- demo.sql — what `make demo` prints: the demo shop's segments as of
-- 2025-01-01, through a segments table (in temp: the file is not changed).
.load ./dist/segment
CREATE VIRTUAL TABLE temp.shop_rfm USING segments(
  orders = 'orders', customer = 'customer_id', ordered_at = 'created_at',
  amount = 'total', filter = 'status <> ''cancelled''',
  customers = 'customers', as_of = '2025-01-01');
.print 'The demo shop as of 2025-01-01 (map rfm11):'
SELECT segment, count(*) AS customers,
       round(100.0 * count(*) / (SELECT count(*) FROM shop_rfm), 1) AS "% customers",
       round(sum(monetary)) AS revenue,
       round(100.0 * sum(monetary) / (SELECT sum(monetary) FROM shop_rfm), 1) AS "% revenue"
FROM shop_rfm GROUP BY segment ORDER BY revenue DESC;
.print 'The same customers in five segments (map rfm5):'
SELECT segment_of(rfm, 'rfm5') AS segment, count(*) AS customers, round(sum(monetary)) AS revenue
FROM shop_rfm WHERE rfm IS NOT NULL GROUP BY 1 ORDER BY 3 DESC;
