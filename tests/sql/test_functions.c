/*
** test_functions.c — the SQL functions through a real connection that
** loads dist/segment.so: segment_version, rfm_breaks, rfm_score,
** segment_of, segment_map, and the surface of SQL names itself.
**
** Expected values are worked by hand (in the comments) or computed by
** SQLite itself (NTILE over the same data), never copied from our output.
*/
#include "sqltest.h"

static int setup(void **state) {
  *state = sqltest_open();
  return 0;
}

static int teardown(void **state) {
  sqltest_close(*state);
  return 0;
}

/* ---- the surface --------------------------------------------------------- */

/* Every (name, nargs) the extension adds, and nothing else. */
static void test_registered_names_are_pinned(void **state) {
  sqlite3 *plain = NULL;
  sqlite3 *db = *state;
  (void)plain;
  assert_sql_text(db,
      "SELECT group_concat(name || '/' || narg, ' ') FROM ("
      " SELECT DISTINCT name, narg FROM pragma_function_list"
      " WHERE name IN ('segment_version','rfm_breaks','rfm_score','segment_of')"
      " ORDER BY name, narg)",
      "rfm_breaks/1 rfm_breaks/2 rfm_score/3 rfm_score/4 segment_of/1 "
      "segment_of/2 segment_of/3 segment_of/4 segment_version/0");
  assert_sql_text(db,
      "SELECT group_concat(name, ' ') FROM (SELECT name FROM pragma_module_list"
      " WHERE name IN ('segments', 'segment_map') ORDER BY name)",
      "segment_map segments");
  assert_sql_text(db,
      "SELECT group_concat(name || '/' || narg, ' ') FROM ("
      " SELECT DISTINCT name, narg FROM pragma_function_list"
      " WHERE name IN ('bgnbd_fit','gg_fit','bgnbd_p_alive','bgnbd_expected',"
      "  'bgnbd_p_k','gg_expected_value','clv') ORDER BY name, narg)",
      "bgnbd_expected/5 bgnbd_fit/3 bgnbd_fit/4 bgnbd_fit/5 bgnbd_p_alive/4 "
      "bgnbd_p_k/3 clv/9 gg_expected_value/3 gg_fit/2 gg_fit/3 gg_fit/4");
  assert_sql_text(db,
      "SELECT group_concat(name || '/' || narg, ' ') FROM ("
      " SELECT DISTINCT name, narg FROM pragma_function_list"
      " WHERE name IN ('ab_test','kmeans_fit','kmeans_assign') ORDER BY name, narg)",
      "ab_test/2 ab_test/3 kmeans_assign/2 kmeans_fit/1 kmeans_fit/2 kmeans_fit/3");

  /* Compared with a connection that did not load it: exactly these names
  ** are new. */
  assert_int_equal(sqlite3_open(":memory:", &plain), SQLITE_OK);
  {
    sqlite3_stmt *pStmt;
    sqlite3_str *pNames = sqlite3_str_new(plain);
    char *zList, *zSql;
    assert_int_equal(sqlite3_prepare_v2(plain,
        "SELECT DISTINCT name FROM pragma_function_list "
        "UNION SELECT name FROM pragma_module_list", -1, &pStmt, 0), SQLITE_OK);
    while (sqlite3_step(pStmt) == SQLITE_ROW)
      sqlite3_str_appendf(pNames, "%s%Q", sqlite3_str_length(pNames) ? "," : "",
                          sqlite3_column_text(pStmt, 0));
    sqlite3_finalize(pStmt);
    zList = sqlite3_str_finish(pNames);
    zSql = sqlite3_mprintf(
        "SELECT group_concat(name, ' ') FROM (SELECT name FROM ("
        "SELECT DISTINCT name FROM pragma_function_list "
        "UNION SELECT name FROM pragma_module_list) WHERE name NOT IN (%s) "
        "ORDER BY name)", zList);
    assert_sql_text(db, zSql,
                    "ab_test "
                    "bgnbd_expected bgnbd_fit bgnbd_p_alive bgnbd_p_k clv "
                    "gg_expected_value gg_fit "
                    "kmeans_assign kmeans_fit "
                    "rfm_breaks rfm_score segment_map segment_of "
                    "segment_version segments");
    sqlite3_free(zSql);
    sqlite3_free(zList);
  }
  assert_int_equal(sqlite3_close(plain), SQLITE_OK);
}

/* Pure functions are DETERMINISTIC and INNOCUOUS; segment_of with a map
** argument reads a table, so it is INNOCUOUS only (see func_segment_of.c). */
static void test_function_flags(void **state) {
  sqlite3 *db = *state;
  /* pragma_function_list.flags: 0x800 deterministic, 0x200000 innocuous */
  assert_sql_text(db,
      "SELECT group_concat(name || '/' || narg || ':' || "
      "  ((flags & 0x800) != 0) || ((flags & 0x200000) != 0), ' ') FROM ("
      " SELECT DISTINCT name, narg, flags FROM pragma_function_list"
      " WHERE name IN ('segment_version','rfm_breaks','rfm_score','segment_of')"
      " ORDER BY name, narg)",
      "rfm_breaks/1:11 rfm_breaks/2:11 rfm_score/3:11 rfm_score/4:11 "
      "segment_of/1:11 segment_of/2:01 segment_of/3:11 segment_of/4:01 "
      "segment_version/0:11");
  /* ab_test and kmeans_fit are deterministic as SQLite's own aggregates
  ** are (kmeans_fit whatever the row order: see test_kmeans.c);
  ** kmeans_assign depends on its arguments only. */
  assert_sql_text(db,
      "SELECT group_concat(name || '/' || narg || ':' || "
      "  ((flags & 0x800) != 0) || ((flags & 0x200000) != 0), ' ') FROM ("
      " SELECT DISTINCT name, narg, flags FROM pragma_function_list"
      " WHERE name IN ('ab_test','kmeans_fit','kmeans_assign') ORDER BY name, narg)",
      "ab_test/2:11 ab_test/3:11 kmeans_assign/2:11 kmeans_fit/1:11 kmeans_fit/2:11 "
      "kmeans_fit/3:11");
}

static void test_version(void **state) {
  assert_sql_text(*state, "SELECT segment_version()", "0.1.0");
}

/* ---- rfm_breaks ------------------------------------------------------------- */

static void test_breaks_hand_worked(void **state) {
  sqlite3 *db = *state;
  /* 7 values, 5 bins: NTILE group sizes 2,2,1,1,1; groups end at sorted
  ** positions 2,4,5,6 -> cut points 2,4,5,6. */
  assert_sql_text(db,
      "SELECT rfm_breaks(x) FROM (SELECT column1 AS x FROM (VALUES(7),(3),(1),(6),(2),(5),(4)))",
      "[2,4,5,6]");
  /* 3 bins: sizes 3,2,2 -> positions 3,5 -> 3,5. */
  assert_sql_text(db,
      "SELECT rfm_breaks(x, 3) FROM (SELECT column1 AS x FROM (VALUES(7),(3),(1),(6),(2),(5),(4)))",
      "[3,5]");
  /* Ties: 1,1,1,1,2,3,9 -> positions 2,4,5,6 of the sorted list: 1,1,2,3. */
  assert_sql_text(db,
      "SELECT rfm_breaks(x) FROM (SELECT column1 AS x FROM (VALUES(1),(9),(1),(3),(1),(2),(1)))",
      "[1,1,2,3]");
  /* Fewer values than bins: missing groups repeat the largest value. */
  assert_sql_text(db, "SELECT rfm_breaks(x) FROM (SELECT column1 AS x FROM (VALUES(2.5),(1)))",
                  "[1,2.5,2.5,2.5]");
  /* NULLs are skipped; no value at all gives NULL. */
  assert_sql_text(db,
      "SELECT rfm_breaks(x, 2) FROM (SELECT column1 AS x FROM (VALUES(NULL),(4),(NULL),(8)))", "[4]");
  assert_sql_text(db, "SELECT rfm_breaks(x) FROM (SELECT NULL x)", "NULL");
  assert_sql_text(db, "SELECT rfm_breaks(x) FROM (SELECT 1 x) WHERE 0", "NULL");
  /* Numbers round-trip: 0.1 prints as 0.1, text that is a number counts. */
  assert_sql_text(db,
      "SELECT rfm_breaks(x, 2) FROM (SELECT column1 AS x FROM (VALUES(0.1),('0.2'),(0.30000000000000004)))",
      "[0.2]");
  assert_sql_text(db,
      "SELECT rfm_breaks(x, 2) = json(rfm_breaks(x, 2)) FROM (SELECT column1 AS x FROM (VALUES(0.1),(0.5)))",
      "1");
}

/* The result is JSON (subtype), so json_object nests it. */
static void test_breaks_nest_in_json(void **state) {
  assert_sql_text(*state,
      "SELECT json_object('r', rfm_breaks(x, 2)) FROM (SELECT column1 AS x FROM (VALUES(1),(2)))",
      "{\"r\":[1]}");
}

static void test_breaks_as_window(void **state) {
  sqlite3 *db = *state;
  /* Running cut points over a sliding frame of three rows, 2 bins: each
  ** frame of 3 sorted values has NTILE(2) sizes 2,1 -> the middle value;
  ** the first frames are shorter (1 value: itself; 2 values: the smaller). */
  assert_sql_text(db,
      "SELECT group_concat(b, ' ') FROM (SELECT rfm_breaks(x, 2) OVER ("
      "  ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) b"
      "  FROM (SELECT column1 AS i, column2 AS x FROM (VALUES(1,5),(2,1),(3,9),(4,7),(5,3))))",
      "[5] [1] [5] [7] [7]");
  /* A whole-partition window equals the aggregate. */
  assert_sql_text(db,
      "SELECT count(DISTINCT b) || ' ' || max(b) FROM (SELECT rfm_breaks(x) OVER () b"
      "  FROM (SELECT column1 AS x FROM (VALUES(7),(3),(1),(6),(2),(5),(4))))",
      "1 [2,4,5,6]");
}

static void test_breaks_errors(void **state) {
  sqlite3 *db = *state;
  assert_sql_error(db, "SELECT rfm_breaks('abc')",
                   "rfm_breaks: value must be a number, got 'abc'");
  assert_sql_error(db, "SELECT rfm_breaks(x'00')",
                   "rfm_breaks: value must be a number, got a blob");
  assert_sql_error(db, "SELECT rfm_breaks(1, 10)",
                   "rfm_breaks: bins must be an integer from 2 to 9, got 10");
  assert_sql_error(db, "SELECT rfm_breaks(1, 1)",
                   "rfm_breaks: bins must be an integer from 2 to 9, got 1");
  assert_sql_error(db, "SELECT rfm_breaks(1, 2.5)",
                   "rfm_breaks: bins must be an integer from 2 to 9, got 2.5");
  assert_sql_error(db, "SELECT rfm_breaks(1, NULL)",
                   "rfm_breaks: bins must be an integer from 2 to 9, got NULL");
  assert_sql_error(db,
      "SELECT rfm_breaks(x, b) FROM (SELECT column1 AS x, column2 AS b FROM (VALUES(1,5),(2,4)))",
      "rfm_breaks: bins must be the same on every row, got 5 then 4");
  assert_sql_error(db, "SELECT rfm_breaks(9e999)",
                   "rfm_breaks: value must be finite, got Inf");
}

/* Scores from rfm_breaks equal NTILE(5) on distinct values: SQLite's own
** window function is the reference. */
static void test_scores_equal_ntile_on_distinct_values(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TABLE v(id INTEGER PRIMARY KEY, x REAL);"
      "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i<997)"
      "INSERT INTO v SELECT i, (i * 7919) % 997 + i / 1000.0 FROM s;");
  for (int bins = 2; bins <= 9; bins++) {
    char *zSql = sqlite3_mprintf(
        "WITH b AS (SELECT rfm_breaks(x, %d) AS cuts FROM v),"
        " s AS (SELECT id, 1 + (SELECT count(*) FROM json_each(b.cuts)"
        "        WHERE json_each.value < v.x) AS score,"
        "        ntile(%d) OVER (ORDER BY x) AS nt FROM v, b)"
        "SELECT count(*) FROM s WHERE score <> nt", bins, bins);
    assert_sql_text(db, zSql, "0");
    sqlite3_free(zSql);
  }
  /* Also with fewer values than bins. */
  assert_sql_text(db,
      "WITH w AS (SELECT x FROM v LIMIT 3), b AS (SELECT rfm_breaks(x, 7) c FROM w)"
      "SELECT count(*) FROM (SELECT 1 + (SELECT count(*) FROM json_each(b.c)"
      "  WHERE value < w.x) AS s, ntile(7) OVER (ORDER BY x) AS nt FROM w, b)"
      " WHERE s <> nt", "0");
}

/* Identical values share a score whatever the row order: the same multiset
** in three orders gives the same cut points and the same score per value. */
static void test_ties_share_a_score_whatever_the_order(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TABLE t(id INTEGER PRIMARY KEY, x INTEGER);"
      "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i<1000)"
      "INSERT INTO t SELECT i, CASE WHEN i % 3 = 0 THEN 1 ELSE (i * 37) % 11 END FROM s;");
  assert_sql_text(db,
      "SELECT count(DISTINCT c) FROM ("
      " SELECT (SELECT rfm_breaks(x) FROM (SELECT x FROM t ORDER BY id)) c UNION ALL"
      " SELECT (SELECT rfm_breaks(x) FROM (SELECT x FROM t ORDER BY id DESC)) UNION ALL"
      " SELECT (SELECT rfm_breaks(x) FROM (SELECT x FROM t ORDER BY (id * 7919) % 1009)))",
      "1");
  /* And within one order, equal values never get two scores. */
  assert_sql_text(db,
      "WITH b AS (SELECT rfm_breaks(x) AS c FROM t)"
      "SELECT count(*) FROM (SELECT x, count(DISTINCT 1 + (SELECT count(*) FROM"
      "  json_each(b.c) WHERE value < t.x)) AS n FROM t, b GROUP BY x) WHERE n > 1",
      "0");
}

/* ---- rfm_score ----------------------------------------------------------------- */

static void test_score_code(void **state) {
  sqlite3 *db = *state;
  assert_sql_text(db, "SELECT rfm_score(5, 4, 5)", "545");
  assert_sql_text(db, "SELECT rfm_score(1, 1, 1)", "111");
  assert_sql_text(db, "SELECT rfm_score(9, 9, 9)", "999");
  assert_sql_text(db, "SELECT rfm_score('3', 2.0, 1)", "321");
  assert_sql_text(db, "SELECT rfm_score(NULL, 2, 1)", "NULL");
  assert_sql_text(db, "SELECT rfm_score(3, 2, NULL)", "NULL");
}

static void test_score_values_against_breaks(void **state) {
  sqlite3 *db = *state;
  const char *zBreaks =
      "'{\"r\":[30,60,90,180],\"f\":[1,2,3,5],\"m\":[50,100,250,500]}'";
  char *zSql;
  /* recency 3 days: no r cut below 3 -> score 1 -> R = 5+1-1 = 5;
  ** frequency 2: cuts below 2 are {1} -> 2; monetary 120: {50,100} -> 3. */
  zSql = sqlite3_mprintf("SELECT rfm_score(3, 2, 120.0, %s)", zBreaks);
  assert_sql_text(db, zSql, "523");
  sqlite3_free(zSql);
  /* A value equal to a cut falls in the lower bin: recency 30 -> score 1
  ** -> R 5; frequency 5 -> {1,2,3} below -> 4; monetary 500 -> 4. */
  zSql = sqlite3_mprintf("SELECT rfm_score(30, 5, 500, %s)", zBreaks);
  assert_sql_text(db, zSql, "544");
  sqlite3_free(zSql);
  /* recency 181 -> all 4 cuts below -> 5 -> R 1; 0 orders -> 1; refunds
  ** (negative monetary) -> 1. */
  zSql = sqlite3_mprintf("SELECT rfm_score(181, 0, -20, %s)", zBreaks);
  assert_sql_text(db, zSql, "111");
  sqlite3_free(zSql);
  /* Per-dimension bins: r has 2 bins, f 3, m 9. */
  assert_sql_text(db,
      "SELECT rfm_score(10, 7, 8, '{\"m\":[1,2,3,4,5,6,7,8],\"r\":[5],\"f\":[2,6]}')",
      "138");
  /* NULL breaks or a NULL value: NULL. */
  assert_sql_text(db, "SELECT rfm_score(1, 2, 3, NULL)", "NULL");
  zSql = sqlite3_mprintf("SELECT rfm_score(1, NULL, 3, %s)", zBreaks);
  assert_sql_text(db, zSql, "NULL");
  sqlite3_free(zSql);
  /* Breaks that vary per row are read per row. */
  assert_sql_text(db,
      "SELECT group_concat(rfm_score(1, 1, 1, column1), ' ') FROM (VALUES"
      " ('{\"r\":[0],\"f\":[0],\"m\":[0]}'), ('{\"r\":[5],\"f\":[5],\"m\":[5]}'))",
      "122 211");
}

static void test_score_errors(void **state) {
  sqlite3 *db = *state;
  assert_sql_error(db, "SELECT rfm_score('abc', 1, 1)",
                   "rfm_score: r must be a score from 1 to 9, got 'abc'");
  assert_sql_error(db, "SELECT rfm_score(1, 12, 1)",
                   "rfm_score: f must be a score from 1 to 9, got 12");
  assert_sql_error(db, "SELECT rfm_score(1, 1, 0)",
                   "rfm_score: m must be a score from 1 to 9, got 0");
  assert_sql_error(db, "SELECT rfm_score(1, 1, 2.5)",
                   "rfm_score: m must be a score from 1 to 9, got 2.5");
  assert_sql_error(db, "SELECT rfm_score('x', 1, 1, '{}')",
                   "rfm_score: recency_days must be a number, got 'x'");
  assert_sql_error(db, "SELECT rfm_score(1, x'01', 1, '{}')",
                   "rfm_score: frequency must be a number, got a blob");
  assert_sql_error(db, "SELECT rfm_score(1, 1, 'lots', '{}')",
                   "rfm_score: monetary must be a number, got 'lots'");
  assert_sql_error(db, "SELECT rfm_score(1, 1, 1, 'oops')",
      "rfm_score: breaks must be JSON like {\"r\":[30,60,90,180],"
      "\"f\":[1,2,3,5],\"m\":[50,100,250,500]}, got 'oops'");
  assert_sql_error(db,
      "SELECT rfm_score(1, 1, 1, '{\"r\":[1],\"f\":[1]}')",
      "rfm_score: breaks has no \"m\" (expected \"r\", \"f\" and \"m\")");
  assert_sql_error(db,
      "SELECT rfm_score(1, 1, 1, '{\"r\":[1],\"f\":[1],\"m\":[1],\"x\":[1]}')",
      "rfm_score: breaks has an unknown key \"x\" (expected \"r\", \"f\" and \"m\")");
  assert_sql_error(db,
      "SELECT rfm_score(1, 1, 1, '{\"r\":[1],\"f\":[3,2],\"m\":[1]}')",
      "rfm_score: breaks \"f\" must be ascending, got 3 before 2");
  assert_sql_error(db,
      "SELECT rfm_score(1, 1, 1, '{\"r\":[],\"f\":[1],\"m\":[1]}')",
      "rfm_score: breaks \"r\" has 0 cut points (expected 1 to 8, for 2 to 9 bins)");
  assert_sql_error(db,
      "SELECT rfm_score(1, 1, 1, '{\"r\":[1,2,3,4,5,6,7,8,9],\"f\":[1],\"m\":[1]}')",
      "rfm_score: breaks \"r\" has 9 cut points (expected 1 to 8, for 2 to 9 bins)");
  assert_sql_error(db,
      "SELECT rfm_score(1, 1, 1, '{\"r\":[\"a\"],\"f\":[1],\"m\":[1]}')",
      "rfm_score: breaks \"r\" must be an array of numbers, got '[\"a\"],\"f\":[1],\"m\":[1]}'");
}

/* ---- segment_of and segment_map ----------------------------------------------- */

static void test_segment_of_builtin(void **state) {
  sqlite3 *db = *state;
  /* Cells of DESIGN.md's rfm11 grid (R, FM = ceil((F+M)/2)). */
  assert_sql_text(db, "SELECT segment_of(545)", "Champions");        /* R5 FM5 */
  assert_sql_text(db, "SELECT segment_of(511)", "New Customers");    /* R5 FM1 */
  assert_sql_text(db, "SELECT segment_of(412)", "Potential Loyalist"); /* R4 FM2 */
  assert_sql_text(db, "SELECT segment_of(333)", "Need Attention");   /* R3 FM3 */
  assert_sql_text(db, "SELECT segment_of(345)", "Loyal Customers");  /* R3 FM5 */
  assert_sql_text(db, "SELECT segment_of(155)", "Can't Lose Them");  /* R1 FM5 */
  assert_sql_text(db, "SELECT segment_of(1, 1, 2)", "Lost");         /* R1 FM2 */
  assert_sql_text(db, "SELECT segment_of(2, 3, 2)", "At Risk");      /* R2 FM3 */
  assert_sql_text(db, "SELECT segment_of(545, 'rfm5')", "Champions");
  assert_sql_text(db, "SELECT segment_of(5, 1, 1, 'rfm5')", "New");
  assert_sql_text(db, "SELECT segment_of(2, 1, 1, 'rfm5')", "Lost");
  assert_sql_text(db, "SELECT segment_of(3, 3, 1, 'rfm5')", "Needs Attention");
  assert_sql_text(db, "SELECT segment_of(331, 'rf10')", "Need Attention");
  assert_sql_text(db, "SELECT segment_of(115, 'rf10')", "Hibernating");
  assert_sql_text(db, "SELECT segment_of(NULL)", "NULL");
  assert_sql_text(db, "SELECT segment_of(545, NULL)", "NULL");
  assert_sql_text(db, "SELECT segment_of(5, NULL, 5)", "NULL");
}

/* Each built-in map is a partition: 125 rows, one segment per code, every
** segment it lists reached; and segment_of agrees with segment_map. */
static void test_segment_map_rows(void **state) {
  sqlite3 *db = *state;
  assert_sql_text(db,
      "SELECT group_concat(map || ':' || n || ':' || codes || ':' || segs, ' ') FROM ("
      " SELECT map, count(*) n, count(DISTINCT code) codes, count(DISTINCT segment) segs"
      " FROM segment_map GROUP BY map ORDER BY map)",
      "rf10:125:125:10 rfm11:125:125:11 rfm5:125:125:5");
  assert_sql_text(db,
      "SELECT count(*) FROM segment_map WHERE code <> r*100 + f*10 + m"
      " OR r NOT BETWEEN 1 AND 5 OR f NOT BETWEEN 1 AND 5 OR m NOT BETWEEN 1 AND 5",
      "0");
  assert_sql_text(db,
      "SELECT count(*) FROM segment_map WHERE segment_of(code, map) <> segment"
      " OR segment_of(r, f, m, map) <> segment", "0");
  assert_sql_text(db,
      "SELECT segment FROM segment_map('rfm11') WHERE code = 545", "Champions");
  assert_sql_text(db, "SELECT count(*) FROM segment_map('rfm5')", "125");
  /* rf10 ignores M. */
  assert_sql_text(db,
      "SELECT count(*) FROM (SELECT r, f FROM segment_map('rf10')"
      " GROUP BY r, f HAVING count(DISTINCT segment) > 1)", "0");
  assert_sql_error(db, "SELECT * FROM segment_map('rfm12')",
                   "segment_map: unknown map 'rfm12' (expected rfm11, rfm5 or rf10)");
}

static void test_segment_of_user_map(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TABLE my_map AS SELECT code, segment FROM segment_map('rfm5');"
      "UPDATE my_map SET segment = 'VIP' WHERE code = 555;"
      "DELETE FROM my_map WHERE code = 111;");
  assert_sql_text(db, "SELECT segment_of(555, 'my_map')", "VIP");
  assert_sql_text(db, "SELECT segment_of(5, 4, 5, 'my_map')", "Champions");
  assert_sql_text(db, "SELECT segment_of(111, 'my_map')", "Other");
  /* User maps can cover any bins. */
  sqltest_exec(db, "INSERT INTO my_map VALUES(777, 'Seven')");
  assert_sql_text(db, "SELECT segment_of(777, 'my_map')", "Seven");
  /* Read once per statement for a constant map name, with every row
  ** right. */
  assert_sql_text(db,
      "SELECT count(*) FROM segment_map('rfm5') WHERE segment_of(code, 'my_map')"
      " = CASE code WHEN 555 THEN 'VIP' WHEN 111 THEN 'Other' ELSE segment END",
      "125");
  /* A built-in name wins over a table of that name. */
  sqltest_exec(db, "CREATE TABLE rfm5(code, segment); INSERT INTO rfm5 VALUES(545, 'X')");
  assert_sql_text(db, "SELECT segment_of(545, 'rfm5')", "Champions");
}

static void test_segment_of_errors(void **state) {
  sqlite3 *db = *state;
  assert_sql_error(db, "SELECT segment_of('abc')",
                   "segment_of: code must be an RFM code like 545, got 'abc'");
  assert_sql_error(db, "SELECT segment_of(1000)",
                   "segment_of: code must be an RFM code like 545, got 1000");
  assert_sql_error(db, "SELECT segment_of(501)",
                   "segment_of: code must be an RFM code like 545, got 501");
  /* Found by fuzzing: huge codes were cast to int before the range check. */
  assert_sql_error(db, "SELECT segment_of(2147483648.0)",
                   "segment_of: code must be an RFM code like 545, got 2147483648.0");
  assert_sql_error(db, "SELECT segment_of(-1e300)",
                   "segment_of: code must be an RFM code like 545, got -1.0e+300");
  assert_sql_error(db, "SELECT segment_of(6, 1, 1)",
      "segment_of: map 'rfm11' covers scores 1 to 5, got code 611 (use bins=5, "
      "or a map table for other bins)");
  assert_sql_error(db, "SELECT segment_of(1, 0, 1)",
                   "segment_of: f must be a score from 1 to 9, got 0");
  assert_sql_error(db, "SELECT segment_of(545, 'nope')",
      "segment_of: unknown map 'nope' (expected rfm11, rfm5 or rf10, or a table "
      "with columns code and segment)");
  sqltest_exec(db, "CREATE TABLE bad1(code, name); CREATE TABLE bad2(rfm, segment);"
                   "CREATE TABLE bad3(code, segment); INSERT INTO bad3 VALUES(545,'A'),(545,'B');"
                   "CREATE TABLE bad4(code, segment); INSERT INTO bad4 VALUES('x','A');"
                   "CREATE TABLE bad5(code, segment); INSERT INTO bad5 VALUES(545, NULL);");
  assert_sql_error(db, "SELECT segment_of(545, 'bad1')",
      "segment_of: map table \"bad1\" has no column \"segment\" (a map has the "
      "columns of segment_map('rfm11'): code and segment)");
  assert_sql_error(db, "SELECT segment_of(545, 'bad2')",
      "segment_of: map table \"bad2\" has no column \"code\" (a map has the "
      "columns of segment_map('rfm11'): code and segment)");
  assert_sql_error(db, "SELECT segment_of(545, 'bad3')",
      "segment_of: map table \"bad3\" gives code 545 two segments, 'A' and 'B'");
  assert_sql_error(db, "SELECT segment_of(545, 'bad4')",
      "segment_of: map table \"bad4\": code 'x' is not an RFM code (three digits "
      "1 to 9, like 545)");
  assert_sql_error(db, "SELECT segment_of(545, 'bad5')",
      "segment_of: map table \"bad5\": code 545 has no segment");
  /* segment_map has the columns code and segment, but a map read from a
  ** virtual table could be fsdir in someone else's file: views only. */
  assert_sql_error(db, "SELECT segment_of(545, 'segment_map')",
      "segment_of: map='segment_map' is a virtual table or table-valued function, "
      "which segment_of does not read directly; name a view over it instead "
      "(SQLite then decides, by its trusted_schema rules, whether the schema may "
      "read it)");
  sqltest_exec(db, "CREATE VIEW view_map AS SELECT * FROM segment_map('rfm5')");
  assert_sql_text(db, "SELECT segment_of(545, 'view_map')", "Champions");
  /* A view map whose rows call segment_of with itself (found by fuzzing:
  ** it recursed until the stack overflowed). */
  sqltest_exec(db, "CREATE VIEW loop_map AS SELECT 545 AS code,"
                   " segment_of(545, 'loop_map') AS segment");
  assert_sql_error(db, "SELECT segment_of(545, 'loop_map')",
                   "segment_of: map table \"loop_map\" reads itself");
}

/* A map table name is an identifier, never SQL. */
static void test_map_name_is_not_sql(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db, "CREATE TABLE keep(x); INSERT INTO keep VALUES(1);");
  assert_sql_error(db, "SELECT segment_of(545, 'keep\"; DROP TABLE keep; --')",
      "segment_of: unknown map 'keep\"; DROP TABLE keep; --' (expected rfm11, "
      "rfm5 or rf10, or a table with columns code and segment)");
  assert_sql_text(db, "SELECT count(*) FROM keep", "1");
}

/* The quickstart query: functions over a plain GROUP BY. */
static void test_quickstart_query(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TABLE orders(customer_id, created_at, total);"
      "INSERT INTO orders VALUES"
      " (1,'2024-12-30',100),(1,'2024-11-01',50),(2,'2024-06-01',20),"
      " (3,'2023-01-01',500),(3,'2024-12-01',NULL),(4,'2024-12-20',30),"
      " (5,'2024-12-31',5),(6,'2022-05-05',1000);");
  /* recency 2,214,31,12,1,972; frequency 2,1,2,1,1,1; monetary
  ** 150,20,500,30,5,1000.  6 values, 5 bins: NTILE sizes 2,1,1,1,1, cuts
  ** at positions 2,3,4,5: r cuts (1,2,12,31,214,972) -> 2,12,31,214;
  ** f (1,1,1,1,2,2) -> 1,1,1,2; m (5,20,30,150,500,1000) -> 20,30,150,500.
  ** A score is 1 + the cuts strictly below; R = 6 - score(recency).
  **   1: rec 2 -> 0 below -> R5; f 2 -> 3 below -> 4; m 150 -> 2 -> 3: 543,
  **      FM = ceil(7/2) = 4 -> Champions.
  **   2: rec 214 -> 3 below -> R2; f 1 -> 1; m 20 -> 1: 211, FM 1 -> Hibernating.
  **   3: rec 31 -> 2 -> R3; f 2 -> 4; m 500 -> 3 below -> 4: 344 -> Loyal.
  **   4: rec 12 -> 1 -> R4; f 1; m 30 -> 2: 412, FM 2 -> Potential Loyalist.
  **   5: rec 1 -> R5; f 1; m 5 -> 1: 511 -> New Customers.
  **   6: rec 972 -> 4 below -> R1; f 1; m 1000 -> 5: 115, FM 3 -> At Risk. */
  assert_sql_text(db,
      "WITH c AS (SELECT customer_id,"
      "   julianday('2025-01-01') - julianday(date(max(created_at))) AS recency_days,"
      "   count(*) AS frequency, round(total(total), 2) AS monetary"
      "  FROM orders GROUP BY customer_id),"
      " b AS (SELECT json_object('r', json(rfm_breaks(recency_days)),"
      "   'f', json(rfm_breaks(frequency)), 'm', json(rfm_breaks(monetary))) AS breaks FROM c)"
      "SELECT group_concat(customer_id || ':' || rfm_score(recency_days, frequency, monetary, breaks)"
      "  || ':' || segment_of(rfm_score(recency_days, frequency, monetary, breaks)), ' ')"
      " FROM (SELECT * FROM c ORDER BY customer_id), b",
      "1:543:Champions 2:211:Hibernating 3:344:Loyal Customers "
      "4:412:Potential Loyalist 5:511:New Customers 6:115:At Risk");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_registered_names_are_pinned, setup, teardown),
      cmocka_unit_test_setup_teardown(test_function_flags, setup, teardown),
      cmocka_unit_test_setup_teardown(test_version, setup, teardown),
      cmocka_unit_test_setup_teardown(test_breaks_hand_worked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_breaks_nest_in_json, setup, teardown),
      cmocka_unit_test_setup_teardown(test_breaks_as_window, setup, teardown),
      cmocka_unit_test_setup_teardown(test_breaks_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_scores_equal_ntile_on_distinct_values, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ties_share_a_score_whatever_the_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_score_code, setup, teardown),
      cmocka_unit_test_setup_teardown(test_score_values_against_breaks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_score_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_segment_of_builtin, setup, teardown),
      cmocka_unit_test_setup_teardown(test_segment_map_rows, setup, teardown),
      cmocka_unit_test_setup_teardown(test_segment_of_user_map, setup, teardown),
      cmocka_unit_test_setup_teardown(test_segment_of_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_name_is_not_sql, setup, teardown),
      cmocka_unit_test_setup_teardown(test_quickstart_query, setup, teardown),
  };
  return cmocka_run_group_tests_name("functions", tests, NULL, NULL);
}
