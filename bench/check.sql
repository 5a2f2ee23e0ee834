-- bench/check.sql — the agreement check bench/run makes on shop S before
-- it times anything: the extension's scores against the plain-SQL peer
-- (bench/peers/rfm.sql, NTILE). From the project root:
--
--   sqlite3 -readonly -bail build/bench/shop-S.db '.load ./dist/segment' '.read bench/check.sql'
--
-- (bench/run loads its snapshot of the extension, build/bench/segment.so).
--
-- Each row is  check|compared|mismatches . bench/run stops if any check
-- has a mismatch, or if a check other than ntile_* compared nothing.
--   customers   the same customers on both sides (ids in one and not the other)
--   features    recency_days, frequency, monetary equal per customer
--   cuts        the extension's rfm_breaks() over t equal the cut points
--               found in plain SQL at the row_number() positions of
--               docs/scoring.md (as tests/sql/reference.h does), 3 x 4 values
--   ntile_cuts  the same cut points equal the largest value of each of
--               the peer's first four NTILE groups (exact even with ties:
--               the group ends do not depend on the order of tied rows)
--   rule_r/f/m  every customer's score is 1 + the cut points strictly
--               below its value (R reversed: 5 - that count)
--   ntile_r/f/m on the customers whose value no other customer has, the
--               score equals the peer's NTILE score (there NTILE is exact;
--               recency in days has so many ties that ntile_r may compare
--               no one: ntile_cuts covers R)
-- The last row shows the cut points.
.read bench/peers/rfm.sql
CREATE VIRTUAL TABLE temp.t USING segments(orders='orders', customer='customer_id',
  ordered_at='created_at', amount='total', as_of='2025-01-01');
CREATE TEMP TABLE ext AS SELECT customer_id, recency_days, frequency, monetary, r, f, m FROM t;
CREATE TEMP TABLE peer AS SELECT * FROM peer_scores;
CREATE TEMP TABLE ext_cuts AS
  SELECT rfm_breaks(recency_days) AS r, rfm_breaks(frequency) AS f,
         rfm_breaks(monetary) AS m FROM t;
CREATE TEMP VIEW ext_cut_rows(dim, g, v) AS
  SELECT 'r', key + 1, value FROM ext_cuts, json_each(ext_cuts.r)
  UNION ALL SELECT 'f', key + 1, value FROM ext_cuts, json_each(ext_cuts.f)
  UNION ALL SELECT 'm', key + 1, value FROM ext_cuts, json_each(ext_cuts.m);
CREATE TEMP TABLE sql_cuts AS
  WITH n AS (SELECT count(*) AS n FROM peer), g(g) AS (VALUES (1), (2), (3), (4)),
       pos AS (SELECT g, min(g * (n / 5) + min(g, n % 5), n) AS pos FROM g, n)
  SELECT 'r' AS dim, g, v FROM pos JOIN
    (SELECT recency_days AS v, row_number() OVER (ORDER BY recency_days) AS rn FROM peer) ON rn = pos
  UNION ALL SELECT 'f', g, v FROM pos JOIN
    (SELECT frequency AS v, row_number() OVER (ORDER BY frequency) AS rn FROM peer) ON rn = pos
  UNION ALL SELECT 'm', g, v FROM pos JOIN
    (SELECT monetary AS v, row_number() OVER (ORDER BY monetary) AS rn FROM peer) ON rn = pos;
CREATE TEMP VIEW ntile_cut_rows(dim, g, v) AS
  SELECT 'r', 6 - r, max(recency_days) FROM peer WHERE r > 1 GROUP BY r
  UNION ALL SELECT 'f', f, max(frequency) FROM peer WHERE f < 5 GROUP BY f
  UNION ALL SELECT 'm', m, max(monetary) FROM peer WHERE m < 5 GROUP BY m;

SELECT 'customers', (SELECT count(*) FROM ext) + (SELECT count(*) FROM peer),
  (SELECT count(*) FROM ext WHERE customer_id NOT IN (SELECT customer_id FROM peer))
  + (SELECT count(*) FROM peer WHERE customer_id NOT IN (SELECT customer_id FROM ext));

SELECT 'features', count(*), count(*) FILTER (WHERE e.recency_days IS NOT p.recency_days
  OR e.frequency IS NOT p.frequency OR e.monetary IS NOT p.monetary)
FROM ext e JOIN peer p USING (customer_id);

SELECT 'cuts', (SELECT count(*) FROM ext_cut_rows) + (SELECT count(*) FROM sql_cuts),
  (SELECT count(*) FROM sql_cuts s LEFT JOIN ext_cut_rows e USING (dim, g) WHERE e.v IS NOT s.v)
  + abs((SELECT count(*) FROM ext_cut_rows) - 12) + abs((SELECT count(*) FROM sql_cuts) - 12);

SELECT 'ntile_cuts', (SELECT count(*) FROM ntile_cut_rows),
  (SELECT count(*) FROM sql_cuts s LEFT JOIN ntile_cut_rows n USING (dim, g) WHERE n.v IS NOT s.v)
  + abs((SELECT count(*) FROM ntile_cut_rows) - 12);

SELECT 'rule_r', count(*), count(*) FILTER (WHERE r IS NOT 5 - (SELECT count(*)
  FROM sql_cuts WHERE dim = 'r' AND v < ext.recency_days)) FROM ext;
SELECT 'rule_f', count(*), count(*) FILTER (WHERE f IS NOT 1 + (SELECT count(*)
  FROM sql_cuts WHERE dim = 'f' AND v < ext.frequency)) FROM ext;
SELECT 'rule_m', count(*), count(*) FILTER (WHERE m IS NOT 1 + (SELECT count(*)
  FROM sql_cuts WHERE dim = 'm' AND v < ext.monetary)) FROM ext;

SELECT 'ntile_r', count(*), count(*) FILTER (WHERE e.r IS NOT p.r)
FROM ext e JOIN peer p USING (customer_id)
WHERE p.recency_days IN (SELECT recency_days FROM peer GROUP BY 1 HAVING count(*) = 1);
SELECT 'ntile_f', count(*), count(*) FILTER (WHERE e.f IS NOT p.f)
FROM ext e JOIN peer p USING (customer_id)
WHERE p.frequency IN (SELECT frequency FROM peer GROUP BY 1 HAVING count(*) = 1);
SELECT 'ntile_m', count(*), count(*) FILTER (WHERE e.m IS NOT p.m)
FROM ext e JOIN peer p USING (customer_id)
WHERE p.monetary IN (SELECT monetary FROM peer GROUP BY 1 HAVING count(*) = 1);

SELECT 'cut_points', 'r ' || r || '  f ' || f || '  m ' || m, 0 FROM ext_cuts;
