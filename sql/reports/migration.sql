-- migration.sql — how customers moved between segments from one date to
-- another: a stability figure, then the transition matrix.
--
--   sqlite3 -box -cmd '.read examples/report_setup.sql' examples/shop.db < sql/reports/migration.sql
--   sqlite3 -box -cmd '.read examples/report_setup.sql' \
--           -cmd ".parameter set @from date('2024-01-01')" examples/shop.db < sql/reports/migration.sql
--
-- The table: the view report_segments, as for every script in
-- sql/reports (see segment_report.sql): CREATE TEMP VIEW report_segments
-- AS SELECT *, as_of FROM shop_rfm;  Each date's membership comes from the
-- table's hidden as_of column (what shop_rfm('2024-06-30') reads), so the
-- table's options, map and scoring apply at both dates.
--
-- The dates: the parameters @from and @to, set with the shell's
-- .parameter command as date('2024-12-31'): the shell evaluates the value
-- as SQL, so a bare 2024-12-31 would be the number 1981.  @to defaults to
-- the table's own as_of, @from to six months before @to.
--
-- A customer present at only one of the dates (a table without
-- customers= lists only customers with orders) is counted in a row or
-- column named '(none)'.
--
-- First result, one row:
--   from_date, to_date
--   customers      customers present at either date
--   unchanged      customers in the same segment at both dates
--   stability_pct  unchanged / customers, in percent
--   arrived        customers present only at to_date  (row '(none)')
--   departed       customers present only at from_date (column '(none)')
-- Second result, the non-empty cells of the matrix, one row per
-- (from_segment, to_segment):
--   customers      customers in from_segment at from_date and in
--                  to_segment at to_date (the counts sum to customers)
--   row_pct        their share of from_segment's customers, in percent
-- Rows come segment by segment in the order of the segment report (by
-- revenue at to_date; segments absent at to_date after, then '(none)'),
-- and within a segment by customers, most first.
--
-- It leaves two temp tables for further queries in the session:
-- report_moves (from_date, to_date, from_segment, to_segment, to_monetary:
-- one row per customer) and report_segment_order (segment, position).
.bail on
.load ./dist/segment
.headers on
DROP TABLE IF EXISTS temp.report_moves;
CREATE TEMP TABLE report_moves AS
WITH dates AS MATERIALIZED (
       SELECT to_date, coalesce(@from, date(to_date, '-6 months')) AS from_date
       FROM (SELECT coalesce(@to, (SELECT as_of FROM report_segments LIMIT 1)) AS to_date)),
     before AS MATERIALIZED (
       SELECT customer_id, segment FROM report_segments
       WHERE as_of = (SELECT from_date FROM dates)),
     after AS MATERIALIZED (
       SELECT customer_id, segment, monetary FROM report_segments
       WHERE as_of = (SELECT to_date FROM dates))
SELECT dates.from_date, dates.to_date,
       coalesce(before.segment, '(none)') AS from_segment,
       coalesce(after.segment, '(none)') AS to_segment,
       after.monetary AS to_monetary
FROM dates, before FULL JOIN after ON after.customer_id = before.customer_id;
DROP TABLE IF EXISTS temp.report_segment_order;
CREATE TEMP TABLE report_segment_order AS
SELECT segment, row_number() OVER (ORDER BY part, revenue DESC, segment) AS position
FROM (SELECT to_segment AS segment, 1 AS part, total(to_monetary) AS revenue
      FROM report_moves WHERE to_segment <> '(none)' GROUP BY to_segment
      UNION ALL
      SELECT from_segment, 2, 0 FROM report_moves
      WHERE from_segment NOT IN (SELECT to_segment FROM report_moves UNION SELECT '(none)')
      GROUP BY from_segment
      UNION ALL
      SELECT '(none)', 3, 0);
SELECT min(from_date) AS from_date, min(to_date) AS to_date,
       count(*) AS customers,
       sum(from_segment = to_segment) AS unchanged,
       round(100.0 * sum(from_segment = to_segment) / count(*), 1) AS stability_pct,
       sum(from_segment = '(none)') AS arrived,
       sum(to_segment = '(none)') AS departed
FROM report_moves;
SELECT from_segment, to_segment, count(*) AS customers,
       round(100.0 * count(*) / (SELECT count(*) FROM report_moves AS r
                                 WHERE r.from_segment = m.from_segment), 1) AS row_pct
FROM report_moves AS m
GROUP BY from_segment, to_segment
ORDER BY (SELECT position FROM report_segment_order WHERE segment = from_segment),
         customers DESC, to_segment;
