-- html_report.sql — a self-contained HTML page about a segments table:
-- customers and revenue per segment as SVG bars, and the migration matrix
-- between two dates as a heat map.  No script, no link, no font to fetch:
-- the file can be mailed or opened offline.
--
--   sqlite3 -cmd '.read examples/report_setup.sql' examples/shop.db < sql/reports/html_report.sql > report.html
--   make report          # the same for the demo shop, into build/report.html
--
-- The table: the view report_segments, as for every script in
-- sql/reports (see segment_report.sql): CREATE TEMP VIEW report_segments
-- AS SELECT *, as_of FROM shop_rfm;  The dates: @to (default the table's
-- as_of) and @from (default six months before @to), as in migration.sql,
-- whose matrix this page draws; the bars are as of @to.
--
-- Every segment name is escaped for HTML (& < > " '), so a map table's
-- names cannot break the page.  Each bar and each cell carries its figures
-- in data- attributes (data-segment, data-value; data-from, data-to,
-- data-count), for checks and for scripts that read the page.
--
-- HOW IT WORKS: three temp tables (report_moves: each customer's segment
-- at both dates, built by the same statement as in migration.sql;
-- report_segment_order: the segments in the order of the segment report,
-- with their escaped names; report_bars: customers and revenue per segment
-- at @to) feed SELECTs that each print lines of the page, in list mode
-- without headers (tests/sql/test_reports.c checks both scripts' figures
-- against the same reference, so they cannot drift apart unseen).
.bail on
.load ./dist/segment
.mode list
.headers off
.nullvalue ''
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
SELECT segment,
       replace(replace(replace(replace(replace(segment, '&', '&amp;'), '<', '&lt;'),
               '>', '&gt;'), '"', '&quot;'), '''', '&#39;') AS html,
       row_number() OVER (ORDER BY part, revenue DESC, segment) AS position
FROM (SELECT to_segment AS segment, 1 AS part, total(to_monetary) AS revenue
      FROM report_moves WHERE to_segment <> '(none)' GROUP BY to_segment
      UNION ALL
      SELECT from_segment, 2, 0 FROM report_moves
      WHERE from_segment NOT IN (SELECT to_segment FROM report_moves UNION SELECT '(none)')
      GROUP BY from_segment
      UNION ALL
      SELECT '(none)', 3, 0);
DROP TABLE IF EXISTS temp.report_bars;
CREATE TEMP TABLE report_bars AS
SELECT o.html, o.position, count(*) AS customers, total(to_monetary) AS revenue,
       10 + 24 * (row_number() OVER (ORDER BY o.position) - 1) AS y
FROM report_moves AS m JOIN report_segment_order AS o ON o.segment = m.to_segment
WHERE m.to_segment <> '(none)'
GROUP BY o.position;
-- The head, the title and the summary line.
SELECT printf('<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Customer segments as of %s</title>
<style>
body { font: 14px/1.45 "DejaVu Sans", Arial, sans-serif; color: #222; margin: 24px 32px; max-width: 1100px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
p.note { color: #555; margin: 4px 0; }
svg.bars text { font-size: 12px; fill: #222; } svg.bars text.label { text-anchor: end; }
svg#customers rect.bar { fill: #4e79a7; } svg#revenue rect.bar { fill: #59a14f; }
table.heat { border-collapse: collapse; font-size: 12px; }
table.heat th, table.heat td { border: 1px solid #d0d0d0; padding: 4px 6px; }
table.heat th { background: #f3f3f3; font-weight: 600; text-align: left; }
table.heat thead th { text-align: center; vertical-align: bottom; max-width: 90px; }
table.heat td { text-align: right; min-width: 58px; }
table.heat td.total { background: #f3f3f3; }
table.heat td.same { outline: 2px solid #222; outline-offset: -2px; }
table.heat td small { display: block; font-size: 10px; opacity: 0.85; }
</style>
</head>
<body>
<h1>Customer segments as of %s</h1>
<p class="note">%s customers, revenue %s. Migration from %s to %s: %s%% of the customers stayed in their segment.</p>',
       min(to_date), min(to_date), printf('%,d', count(*)), printf('%,d', round(total(to_monetary))),
       min(from_date), min(to_date),
       printf('%.1f', 100.0 * sum(from_segment = to_segment) / count(*)))
FROM report_moves;
-- Customers per segment: one bar each, the longest 440 px.
SELECT printf('<h2>Customers per segment</h2>
<svg id="customers" class="bars" xmlns="http://www.w3.org/2000/svg" width="760" height="%d" role="img" aria-label="Customers per segment">',
              20 + 24 * count(*))
FROM report_bars;
SELECT printf('<text class="label" x="180" y="%d">%s</text><rect class="bar" x="190" y="%d" width="%.1f" height="18" data-segment="%s" data-value="%d"><title>%s: %s customers</title></rect><text x="%.1f" y="%d">%s (%.1f%%)</text>',
              y + 13, html, y,
              coalesce(440.0 * customers / (SELECT max(customers) FROM report_bars), 0),
              html, customers, html, printf('%,d', customers),
              196 + coalesce(440.0 * customers / (SELECT max(customers) FROM report_bars), 0),
              y + 13, printf('%,d', customers),
              100.0 * customers / (SELECT sum(customers) FROM report_bars))
FROM report_bars ORDER BY position;
SELECT '</svg>';
-- Revenue per segment: the same, negative revenue drawn as no bar.
SELECT printf('<h2>Revenue per segment</h2>
<svg id="revenue" class="bars" xmlns="http://www.w3.org/2000/svg" width="760" height="%d" role="img" aria-label="Revenue per segment">',
              20 + 24 * count(*))
FROM report_bars;
SELECT printf('<text class="label" x="180" y="%d">%s</text><rect class="bar" x="190" y="%d" width="%.1f" height="18" data-segment="%s" data-value="%.2f"><title>%s: revenue %s</title></rect><text x="%.1f" y="%d">%s (%.1f%%)</text>',
              y + 13, html, y, bar, html, revenue, html, printf('%,d', round(revenue)),
              196 + bar, y + 13, printf('%,d', round(revenue)),
              100.0 * revenue / (SELECT total(revenue) FROM report_bars))
FROM (SELECT *, coalesce(max(0, 440.0 * revenue / (SELECT max(revenue) FROM report_bars)), 0) AS bar
      FROM report_bars)
ORDER BY position;
SELECT '</svg>';
-- The migration matrix: rows are the segments at @from, columns those at
-- @to; each cell shows its customers and their share of the row, shaded by
-- that share; the diagonal (unchanged) is outlined; the last column is the
-- row's customers.
SELECT printf('<h2>Migration from %s to %s</h2>
<p class="note">Rows: segment on %s; columns: segment on %s. A cell counts the customers who moved from its row to its column; the percentage (and the shade) is their share of the row. Outlined: unchanged. (none): not in the table on that date. Total: the row&#39;s customers.</p>
<table class="heat" id="migration">',
              min(from_date), min(to_date), min(from_date), min(to_date))
FROM report_moves;
WITH row_segments AS (
       SELECT o.segment, o.html, o.position, count(*) AS row_total
       FROM report_moves AS m JOIN report_segment_order AS o ON o.segment = m.from_segment
       GROUP BY o.position),
     column_segments AS (
       SELECT DISTINCT o.segment, o.html, o.position
       FROM report_moves AS m JOIN report_segment_order AS o ON o.segment = m.to_segment),
     cells AS (
       SELECT from_segment, to_segment, count(*) AS customers
       FROM report_moves GROUP BY from_segment, to_segment),
     lines(row_position, column_position, line) AS (
       SELECT 0, 0, '<thead><tr><th>from \ to</th>'
       UNION ALL
       SELECT 0, position, printf('<th>%s</th>', html) FROM column_segments
       UNION ALL
       SELECT 0, 1e9, '<th>total</th></tr></thead><tbody>'
       UNION ALL
       SELECT position, 0, printf('<tr><th>%s</th>', html) FROM row_segments
       UNION ALL
       SELECT r.position, c.position,
              printf('<td%s style="background: rgba(78, 121, 167, %.3f); color: %s" data-from="%s" data-to="%s" data-count="%d" title="%s &#8594; %s: %d">%s</td>',
                     iif(r.segment = c.segment, ' class="same"', ''),
                     share, iif(share > 0.55, '#fff', '#222'), r.html, c.html, customers,
                     r.html, c.html, customers,
                     iif(customers > 0, printf('%,d<small>%.1f%%</small>', customers, 100 * share), ''))
       FROM (SELECT r.*, c.segment AS to_segment, coalesce(cells.customers, 0) AS customers,
                    coalesce(cells.customers, 0) * 1.0 / r.row_total AS share
             FROM row_segments AS r CROSS JOIN column_segments AS c
             LEFT JOIN cells ON cells.from_segment = r.segment AND cells.to_segment = c.segment) AS r
       JOIN column_segments AS c ON c.segment = r.to_segment
       UNION ALL
       SELECT position, 1e9, printf('<td class="total">%,d</td></tr>', row_total) FROM row_segments)
SELECT line FROM lines ORDER BY row_position, column_position;
SELECT '</tbody></table>
<p class="note">Made by sql/reports/html_report.sql from the view report_segments.</p>
</body>
</html>';
