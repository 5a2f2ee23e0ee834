-- report_setup.sql — points the report scripts of sql/reports at the demo
-- shop: a segments table as of 2025-01-01 (the options of examples/demo.sql)
-- and the view report_segments over it, both in temp, so the shop's file is
-- not changed.  Run it before a report with -cmd:
--
--   sqlite3 -box -cmd '.read examples/report_setup.sql' examples/shop.db < sql/reports/segment_report.sql
--
-- For your own shop, write the same two statements with your table's
-- options (or store both in the shop's file once; see docs/reports.md).
.load ./dist/segment
CREATE VIRTUAL TABLE temp.shop_rfm USING segments(
  orders = 'orders', customer = 'customer_id', ordered_at = 'created_at',
  amount = 'total', filter = 'status <> ''cancelled''',
  customers = 'customers', as_of = '2025-01-01');
CREATE TEMP VIEW report_segments AS SELECT *, as_of FROM shop_rfm;
