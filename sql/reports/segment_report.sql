-- segment_report.sql — one row per segment of a segments table: its
-- customers, revenue and orders, and how recently its customers bought.
--
--   sqlite3 -box -cmd '.read examples/report_setup.sql' examples/shop.db < sql/reports/segment_report.sql
--   sqlite3 -csv shop.db < sql/reports/segment_report.sql > segments.csv   # a cron job
--
-- The table: like every script in sql/reports, this one reads the view
-- report_segments, which names your segments table (any one: its options,
-- map and as_of are its own) and keeps its hidden as_of column:
--
--   CREATE TEMP VIEW report_segments AS SELECT *, as_of FROM shop_rfm;
--
-- Create it in temp for a session (examples/report_setup.sql does so for
-- the demo shop), or once without TEMP in a shop file that stores its
-- segments table, so that a cron job needs nothing else.  Without the
-- view the script stops with "no such table: report_segments".  The
-- output mode is the caller's (-box, -csv, -markdown, ...).
--
-- Columns (the segments table's own columns, summed per segment):
--   as_of                the table's as_of date
--   customers            customers in the segment
--   customers_pct        their share of all customers, in percent
--   revenue              sum of monetary (refunds subtracted)
--   revenue_pct          its share of all revenue, in percent
--   orders               sum of frequency (refund rows and orders without
--                        an amount count, as in frequency)
--   avg_order_value      revenue / orders; NULL without orders
--   orders_per_customer  orders / customers
--   median_recency_days  the median of recency_days over the segment's
--                        customers with orders: the middle value, or the
--                        mean of the two middle values for an even count;
--                        NULL when none has an order (No orders)
-- Percentages are rounded to 1 place, money and ratios to 2; rows come by
-- revenue, highest first.
.bail on
.load ./dist/segment
.headers on
WITH members AS MATERIALIZED (
       SELECT as_of, segment, recency_days, frequency, monetary FROM report_segments),
     ranked AS (
       SELECT segment, recency_days,
              row_number() OVER (PARTITION BY segment ORDER BY recency_days) AS position,
              count(*) OVER (PARTITION BY segment) AS n
       FROM members WHERE recency_days IS NOT NULL),
     medians AS (
       SELECT segment, avg(recency_days) AS median_recency_days FROM ranked
       WHERE position IN ((n + 1) / 2, (n + 2) / 2) GROUP BY segment),
     everyone AS (
       SELECT count(*) AS customers, total(monetary) AS revenue FROM members)
SELECT min(members.as_of) AS as_of, members.segment,
       count(*) AS customers,
       round(100.0 * count(*) / everyone.customers, 1) AS customers_pct,
       round(total(monetary), 2) AS revenue,
       round(100.0 * total(monetary) / everyone.revenue, 1) AS revenue_pct,
       sum(frequency) AS orders,
       round(total(monetary) / sum(frequency), 2) AS avg_order_value,
       round(1.0 * sum(frequency) / count(*), 2) AS orders_per_customer,
       medians.median_recency_days
FROM members, everyone LEFT JOIN medians ON medians.segment = members.segment
GROUP BY members.segment
ORDER BY revenue DESC, members.segment;
