-- rfm_grid.sql — the RFM grid: customers and revenue in each (R, FM) cell
-- of a segments table with 5 bins, in the layout of the rfm11 map
-- (DESIGN.md, docs/maps.md): R rows 5 (most recent) to 1, FM columns 1 to
-- 5, where FM = ceil((F + M) / 2).
--
--   sqlite3 -box -cmd '.read examples/report_setup.sql' examples/shop.db < sql/reports/rfm_grid.sql
--
-- The table: the view report_segments, as for every script in
-- sql/reports (see segment_report.sql): CREATE TEMP VIEW report_segments
-- AS SELECT *, as_of FROM shop_rfm;  The grid is as of the table's as_of.
--
-- Each cell reads "customers / revenue": the customers with that R and
-- FM, and the sum of their monetary rounded to whole units, with
-- thousands separators ("0 / 0" for an empty cell).  Customers without
-- orders have no scores and are in no cell.  Print it with -box (or
-- .mode box): the cells line up as a 5x5 table.
.bail on
.load ./dist/segment
.headers on
WITH cells AS (
       SELECT r, (f + m + 1) / 2 AS fm, count(*) AS customers, total(monetary) AS revenue
       FROM report_segments WHERE r IS NOT NULL GROUP BY r, fm),
     grid_rows(r) AS (VALUES (5), (4), (3), (2), (1))
SELECT grid_rows.r AS "R \ FM",
       coalesce((SELECT printf('%d / %,d', customers, round(revenue)) FROM cells
                 WHERE cells.r = grid_rows.r AND fm = 1), '0 / 0') AS "1",
       coalesce((SELECT printf('%d / %,d', customers, round(revenue)) FROM cells
                 WHERE cells.r = grid_rows.r AND fm = 2), '0 / 0') AS "2",
       coalesce((SELECT printf('%d / %,d', customers, round(revenue)) FROM cells
                 WHERE cells.r = grid_rows.r AND fm = 3), '0 / 0') AS "3",
       coalesce((SELECT printf('%d / %,d', customers, round(revenue)) FROM cells
                 WHERE cells.r = grid_rows.r AND fm = 4), '0 / 0') AS "4",
       coalesce((SELECT printf('%d / %,d', customers, round(revenue)) FROM cells
                 WHERE cells.r = grid_rows.r AND fm = 5), '0 / 0') AS "5"
FROM grid_rows ORDER BY grid_rows.r DESC;
