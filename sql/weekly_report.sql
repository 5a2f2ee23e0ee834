-- weekly_report.sql — segment sizes and revenue as CSV, for a cron job.
--
--   sqlite3 shop.db < sql/weekly_report.sql > report.csv
--
-- Written for the demo shop's schema (orders: customer_id, created_at,
-- total, status); change the four names in the CREATE for your own tables.
-- The table is created in temp, so the shop's file is not changed, and
-- as_of is today (UTC).
.load ./dist/segment
.headers on
.mode csv
CREATE VIRTUAL TABLE temp.weekly USING segments(
  orders = 'orders', customer = 'customer_id', ordered_at = 'created_at',
  amount = 'total', filter = 'status <> ''cancelled''', customers = 'customers');
SELECT as_of, segment, count(*) AS customers, round(sum(monetary), 2) AS revenue,
       round(avg(recency_days), 1) AS avg_recency_days
FROM weekly GROUP BY segment ORDER BY revenue DESC;
