-- segments.sql — the shop through a segments virtual table.
--
--   sqlite3 -box examples/shop.db < examples/segments.sql
--
-- The table lives in temp, so the shop's file is not changed.
.load ./dist/segment
CREATE VIRTUAL TABLE temp.shop_rfm USING segments(
  orders     = 'orders',
  customer   = 'customer_id',
  ordered_at = 'created_at',
  amount     = 'total',
  filter     = 'status <> ''cancelled''',
  customers  = 'customers',
  as_of      = '2025-01-01'
);
-- Segment sizes and revenue.
SELECT segment, count(*) AS customers, round(sum(monetary)) AS revenue
FROM shop_rfm GROUP BY 1 ORDER BY 3 DESC;
-- One customer.
SELECT * FROM shop_rfm WHERE customer_id = 42;
-- The same customer six months earlier (the hidden as_of column).
SELECT customer_id, as_of, frequency, rfm, segment FROM shop_rfm('2024-06-30') WHERE customer_id = 42;
