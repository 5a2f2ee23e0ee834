/*
** test_kmeans.c — kmeans_fit() and kmeans_assign() through a real
** connection that loads dist/segment.so.
**
** Expected values come from outside the code under test:
**   - blobs made in SQL with known labels, far apart: the clusters must be
**     exactly the blobs;
**   - plain SQL over the same rows: the standardization (avg and the
**     population sd), the sizes (GROUP BY kmeans_assign), every centroid
**     as the avg of its points (Lloyd's fixed point), every point's
**     nearest centroid from the model's numbers through json_each, and
**     the silhouette from its definition as a self-join;
**   - the same rows stored in other orders: the model must be the same
**     text;
**   - the demo shop, as docs/clustering.md uses it.
**
**   make build/sql/test_kmeans && ./build/sql/test_kmeans
*/
#include "sqltest.h"

#include <unistd.h>

static int setup(void **state) {
  *state = sqltest_open();
  return 0;
}

static int teardown(void **state) {
  sqltest_close(*state);
  return 0;
}

/* Three blobs of 100 points, uniform jitter of 10 around (0,0), (100,100)
** and (200,0): the table pts(id, blob, x, y). */
#define BLOBS                                                                  \
  "CREATE TEMP TABLE pts AS WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL"        \
  " SELECT k + 1 FROM i WHERE k < 299)"                                        \
  " SELECT k AS id, k % 3 AS blob,"                                            \
  "  (k % 3) * 100 + (k * 7919 % 1000) / 100.0 AS x,"                          \
  "  CASE k % 3 WHEN 1 THEN 100 ELSE 0 END + (k * 104729 % 1000) / 100.0 AS y" \
  " FROM i;"

/* Overlapping data with no true clusters, ties and a skewed feature: the
** table messy(id, x, y, z), 400 rows. */
#define MESSY                                                                  \
  "CREATE TEMP TABLE messy AS WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL"      \
  " SELECT k + 1 FROM i WHERE k < 400)"                                        \
  " SELECT k AS id, k * 37 % 11 AS x, ln(1 + k * 7919 % 1013) AS y,"           \
  "  (k * 104729 % 997) / 7.0 - 60 AS z FROM i;"

/* ---- clusters ------------------------------------------------------------------- */

static void test_blobs_found(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db, BLOBS
      "CREATE TEMP TABLE m AS SELECT kmeans_fit(json_array(x, y), 3) AS model FROM pts;"
      "CREATE TEMP TABLE a AS SELECT kmeans_fit(json_array(x, y)) AS model FROM pts;");
  /* Each cluster is one blob, all of it; clusters numbered in centroid
  ** order: blob 0 (x near 5) first, then blob 1 (x near 105, y near 105),
  ** then blob 2 (x near 205). */
  assert_sql_text(db,
      "SELECT group_concat(c || ':' || n || ':' || blobs, ' ') FROM (SELECT"
      " kmeans_assign(model, json_array(x, y)) AS c, count(*) AS n,"
      " group_concat(DISTINCT blob) AS blobs FROM pts, m GROUP BY c ORDER BY c)",
      "1:100:0 2:100:1 3:100:2");
  assert_sql_text(db, "SELECT model ->> '$.sizes' FROM m", "[100,100,100]");
  /* Chosen by silhouette among 3..6: 3, and the same clusters. */
  assert_sql_text(db, "SELECT model ->> '$.k' FROM a", "3");
  assert_sql_text(db,
      "SELECT group_concat(key, ' ') FROM a, json_each(a.model, '$.silhouette_by_k')",
      "3 4 5 6");
  assert_sql_text(db,
      "SELECT count(*) FROM pts, m, a WHERE kmeans_assign(m.model, json_array(x, y))"
      " != kmeans_assign(a.model, json_array(x, y))",
      "0");
  assert_sql_text(db, "SELECT json_type(model, '$.silhouette_by_k') FROM m", "NULL");
  assert_sql_text(db,
      "SELECT group_concat(key, ' ') FROM m, json_each(m.model)",
      "k sizes silhouette centroids n features seed mean sd centroids_std inertia"
      " iterations restarts silhouette_points");
}

/* The model against plain SQL on data without true clusters. */
static void test_model_against_plain_sql(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db, MESSY
      "CREATE TEMP TABLE m AS SELECT kmeans_fit(json_array(x, y, z), 4) AS model FROM messy;"
      "CREATE TEMP TABLE std AS SELECT"
      " avg(x) AS mx, sqrt(avg(x * x) - avg(x) * avg(x)) AS sx,"
      " avg(y) AS my, sqrt(avg(y * y) - avg(y) * avg(y)) AS sy,"
      " avg(z) AS mz, sqrt(avg(z * z) - avg(z) * avg(z)) AS sz FROM messy;"
      "CREATE TEMP TABLE lab AS SELECT id, x, y, z,"
      " kmeans_assign(model, json_array(x, y, z)) AS c,"
      " (x - mx) / sx AS zx, (y - my) / sy AS zy, (z - mz) / sz AS zz FROM messy, m, std;");
  /* Standardization: mean and population sd. */
  assert_sql_text(db,
      "SELECT abs(model ->> '$.mean[0]' - mx) < 1e-12 AND abs(model ->> '$.mean[1]' - my) < 1e-12"
      " AND abs(model ->> '$.mean[2]' - mz) < 1e-12 AND abs(model ->> '$.sd[0]' - sx) < 1e-9"
      " AND abs(model ->> '$.sd[1]' - sy) < 1e-9 AND abs(model ->> '$.sd[2]' - sz) < 1e-9"
      " FROM m, std",
      "1");
  /* Sizes, and each centroid the mean of its points (feature units). */
  assert_sql_text(db,
      "SELECT (SELECT json_group_array(n) FROM (SELECT count(*) AS n FROM lab GROUP BY c"
      " ORDER BY c)) = json(model ->> '$.sizes') FROM m",
      "1");
  assert_sql_text(db,
      "SELECT count(*) FROM (SELECT c, avg(x) AS ax, avg(y) AS ay, avg(z) AS az FROM lab"
      " GROUP BY c) g, m WHERE abs(ax - (model -> '$.centroids' -> (c - 1) ->> 0)) < 1e-9"
      " AND abs(ay - (model -> '$.centroids' -> (c - 1) ->> 1)) < 1e-9"
      " AND abs(az - (model -> '$.centroids' -> (c - 1) ->> 2)) < 1e-9",
      "4");
  /* Every point is nearest its own centroid, the distances computed here
  ** from the model's standardized centroids. */
  assert_sql_text(db,
      "WITH cen AS (SELECT key + 1 AS c, value AS v FROM m, json_each(m.model, '$.centroids_std')),"
      " d AS (SELECT lab.id, cen.c, pow(zx - (v ->> 0), 2) + pow(zy - (v ->> 1), 2)"
      "   + pow(zz - (v ->> 2), 2) AS d2 FROM lab, cen)"
      " SELECT count(*) FROM lab WHERE c != (SELECT d.c FROM d WHERE d.id = lab.id"
      "   ORDER BY d2, d.c LIMIT 1)",
      "0");
  /* The silhouette from its definition: a = mean distance to the rest of
  ** the own cluster, b = the least mean distance to another cluster. */
  {
    char *zWant = sqltest_text(db,
        "WITH pair AS (SELECT p.id, p.c AS own, q.c AS other,"
        "   avg(sqrt(pow(p.zx - q.zx, 2) + pow(p.zy - q.zy, 2) + pow(p.zz - q.zz, 2))) AS md"
        "   FROM lab p JOIN lab q ON p.id != q.id GROUP BY p.id, q.c),"
        " s AS (SELECT id, max(CASE WHEN other = own THEN md END) AS a,"
        "   min(CASE WHEN other != own THEN md END) AS b FROM pair GROUP BY id)"
        " SELECT printf('%.9f', avg(CASE WHEN a IS NULL THEN 0 ELSE (b - a) / max(a, b) END))"
        " FROM s");
    char *zGot = sqltest_text(db, "SELECT printf('%.9f', model ->> '$.silhouette') FROM m");
    assert_string_equal(zWant, zGot);
    free(zWant);
    free(zGot);
  }
  /* Inertia: the squared standardized distances to the own centroid. */
  assert_sql_text(db,
      "SELECT abs(model ->> '$.inertia' - (SELECT sum(pow(zx - (model -> '$.centroids_std'"
      " -> (c - 1) ->> 0), 2) + pow(zy - (model -> '$.centroids_std' -> (c - 1) ->> 1), 2)"
      " + pow(zz - (model -> '$.centroids_std' -> (c - 1) ->> 2), 2)) FROM lab)) < 1e-9 FROM m",
      "1");
}

/* The same rows stored in three orders give the same model, byte for byte,
** for a given k and automatically. */
static void test_row_order_does_not_matter(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db, MESSY
      "CREATE TEMP TABLE o1 AS SELECT * FROM messy ORDER BY id;"
      "CREATE TEMP TABLE o2 AS SELECT * FROM messy ORDER BY id DESC;"
      "CREATE TEMP TABLE o3 AS SELECT * FROM messy ORDER BY id * 7 % 400;");
  /* The orders do differ. */
  assert_sql_text(db,
      "SELECT (SELECT id FROM o1 LIMIT 1) || ' ' || (SELECT id FROM o2 LIMIT 1) || ' ' ||"
      " (SELECT id FROM o3 LIMIT 1)",
      "1 400 400");
  for (int k = 0; k <= 5; k += 5) {
    char *zSql = sqlite3_mprintf(
        "SELECT (SELECT kmeans_fit(json_array(x, y, z), %d) FROM o1) ="
        " (SELECT kmeans_fit(json_array(x, y, z), %d) FROM o2) AND"
        " (SELECT kmeans_fit(json_array(x, y, z), %d) FROM o1) ="
        " (SELECT kmeans_fit(json_array(x, y, z), %d) FROM o3)",
        k, k, k, k);
    assert_sql_text(db, zSql, "1");
    sqlite3_free(zSql);
  }
  /* The seed is kept and changes the draws only: the same seed, the same
  ** model. */
  assert_sql_text(db,
      "SELECT (SELECT kmeans_fit(json_array(x, y), 4, 7) FROM o1) ="
      " (SELECT kmeans_fit(json_array(x, y), 4, 7) FROM o3)",
      "1");
  assert_sql_text(db,
      "SELECT (kmeans_fit(json_array(x, y), 4, 7) ->> '$.seed') || ' ' ||"
      " (kmeans_fit(json_array(x, y), 4) ->> '$.seed') FROM o2",
      "7 1");
}

/* ---- NULL, errors, the cache ---------------------------------------------------------- */

static void test_nulls(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db, BLOBS
      "CREATE TEMP TABLE m AS SELECT kmeans_fit(CASE WHEN id % 10 = 0 THEN NULL"
      " WHEN id % 10 = 1 THEN json_array(x, NULL) ELSE json_array(x, y) END, 3) AS model"
      " FROM pts;");
  /* 30 NULL and 30 with a null left out: 240 points. */
  assert_sql_text(db, "SELECT model ->> '$.n' FROM m", "240");
  assert_sql_text(db,
      "SELECT quote(kmeans_assign(model, NULL)) || quote(kmeans_assign(model, '[1, null]'))"
      " || quote(kmeans_assign(NULL, '[1, 2]')) FROM m",
      "NULLNULLNULL");
  assert_sql_text(db, "SELECT kmeans_fit('[1]', 2) FROM (SELECT 1) WHERE 0", "NULL");
  assert_sql_text(db, "SELECT kmeans_fit(NULL) IS NULL AND kmeans_fit('[null]', 2) IS NULL", "1");
}

static void test_errors(void **state) {
  sqlite3 *db = *state;
  assert_sql_error(db, "SELECT kmeans_fit('abc')",
                   "kmeans_fit: features must be a JSON array of numbers like [1.5, 3, 40],"
                   " got 'abc'");
  assert_sql_error(db, "SELECT kmeans_fit(12)",
                   "kmeans_fit: features must be a JSON array of numbers like [1.5, 3, 40],"
                   " got 12");
  assert_sql_error(db, "SELECT kmeans_fit('[]')",
                   "kmeans_fit: features must be a JSON array of numbers like [1.5, 3, 40],"
                   " got '[]'");
  assert_sql_error(db, "SELECT kmeans_fit('[1, 2] x')",
                   "kmeans_fit: features must be a JSON array of numbers like [1.5, 3, 40],"
                   " got '[1, 2] x'");
  assert_sql_error(db, "SELECT kmeans_fit('[1e999]')",
                   "kmeans_fit: features must be finite, got '[1e999]'");
  assert_sql_error(db, "SELECT kmeans_fit('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]')",
                   "kmeans_fit: features has 17 numbers (at most 16)");
  assert_sql_error(db, "SELECT kmeans_fit(x) FROM (SELECT '[1]' x UNION ALL SELECT '[2, 3]')",
                   "kmeans_fit: every row must have the same number of features, got 1 then 2");
  assert_sql_error(db, "SELECT kmeans_fit('[1]', 1)",
                   "kmeans_fit: k must be 0 (choose 3 to 6 by silhouette) or an integer from"
                   " 2 to 20, got 1");
  assert_sql_error(db, "SELECT kmeans_fit('[1]', 21)",
                   "kmeans_fit: k must be 0 (choose 3 to 6 by silhouette) or an integer from"
                   " 2 to 20, got 21");
  assert_sql_error(db, "SELECT kmeans_fit('[1]', 'four')",
                   "kmeans_fit: k must be 0 (choose 3 to 6 by silhouette) or an integer from"
                   " 2 to 20, got 'four'");
  assert_sql_error(db, "SELECT kmeans_fit('[1]', 2, 1.5)",
                   "kmeans_fit: seed must be an integer, got 1.5");
  assert_sql_error(db, "SELECT kmeans_fit('[1]', k) FROM (SELECT 2 k UNION ALL SELECT 3)",
                   "kmeans_fit: k must be the same on every row, got 2 then 3");
  assert_sql_error(db, "SELECT kmeans_fit('[1]', 2, s) FROM (SELECT 2 s UNION ALL SELECT 3)",
                   "kmeans_fit: seed must be the same on every row, got 2 then 3");
  assert_sql_error(db, "SELECT kmeans_fit(x, 3) FROM (SELECT '[1]' x UNION ALL SELECT '[1.0]')",
                   "kmeans_fit: k is 3 but there is only 1 distinct point");
  assert_sql_error(db, "SELECT kmeans_fit(x) FROM (SELECT '[1]' x UNION ALL SELECT '[2]')",
                   "kmeans_fit: choosing k needs at least 3 distinct points, got 2 (pass k = 2"
                   " for two clusters)");
  assert_sql_error(db, "SELECT kmeans_assign('{}', '[1]')",
                   "kmeans_assign: model has no \"k\" (expected the JSON of kmeans_fit)");
  assert_sql_error(db, "SELECT kmeans_assign(3, '[1]')",
                   "kmeans_assign: model must be the JSON of kmeans_fit, got 3");
  assert_sql_error(db, "SELECT kmeans_assign('[1]', '[1]')",
                   "kmeans_assign: model must be the JSON of kmeans_fit, got '[1]'");
  assert_sql_error(db,
      "SELECT kmeans_assign(kmeans_fit(x, 2), '[1, 2]') FROM (SELECT '[1]' x UNION ALL"
      " SELECT '[5]')",
      "kmeans_assign: features has 2 numbers but the model has 1");
  assert_sql_error(db,
      "SELECT kmeans_assign('{\"k\":1,\"mean\":[0],\"sd\":[1],\"centroids_std\":[[0]]}', 'x')",
      "kmeans_assign: features must be a JSON array of numbers like [1.5, 3, 40], got 'x'");
}

/* kmeans_assign keeps the last model per connection: two models taking
** turns in one query still give each its own answers. */
static void test_two_models_in_turn(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db, BLOBS
      "CREATE TEMP TABLE ms(name, model);"
      "INSERT INTO ms SELECT 'x', kmeans_fit(json_array(x), 3) FROM pts;"
      "INSERT INTO ms SELECT 'y', kmeans_fit(json_array(y), 2) FROM pts;"
      "CREATE TEMP TABLE alone AS SELECT id, name, kmeans_assign(model, json_array(x)) AS c"
      " FROM pts, ms WHERE name = 'x' UNION ALL SELECT id, name,"
      " kmeans_assign(model, json_array(y)) FROM pts, ms WHERE name = 'y';");
  assert_sql_text(db,
      "SELECT count(*) FROM pts JOIN ms JOIN alone USING (id, name) WHERE alone.c IS NOT"
      " kmeans_assign(model, json_array(CASE name WHEN 'x' THEN x ELSE y END))",
      "0");
  assert_sql_text(db, "SELECT count(DISTINCT c) FROM alone WHERE name = 'y'", "2");
}

/* sqlite3_interrupt() stops a long fit: a progress handler that answers
** "stop" exactly while the fit's probe statement runs (the statement the
** fit steps now and then to see a pending interrupt) ends the statement
** with SQLITE_INTERRUPT; without it the same fit completes. */
static int gProbed;

static int interruptInProbe(void *pArg) {
  sqlite3 *db = pArg;
  for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p; p = sqlite3_next_stmt(db, p)) {
    if (sqlite3_stmt_busy(p) && strncmp(sqlite3_sql(p), "WITH RECURSIVE n(i)", 19) == 0) {
      gProbed++;
      return 1;
    }
  }
  return 0;
}

static void test_interrupt_stops_the_fit(void **state) {
  sqlite3 *db = *state;
  const char *zFit =
      "SELECT kmeans_fit(json_array(k % 97, k * 7919 % 1009), 3) IS NOT NULL FROM (WITH RECURSIVE"
      " i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < 3000) SELECT k FROM i)";
  assert_sql_text(db, zFit, "1");
  gProbed = 0;
  sqlite3_progress_handler(db, 1, interruptInProbe, db);
  assert_sql_error(db, zFit, "interrupted");
  sqlite3_progress_handler(db, 0, NULL, NULL);
  assert_int_equal(gProbed, 1);
  assert_sql_text(db, zFit, "1");
}

/* ---- the demo shop ------------------------------------------------------------------------ */

static char zShop[] = "/tmp/segment-kmeans-XXXXXX";

static int setup_shop(void **state) {
  *state = sqltest_generate_shop(zShop, "--size demo");
  if (!*state) return -1;
  return 0;
}

static int teardown_shop(void **state) {
  sqltest_close(*state);
  unlink(zShop);
  return 0;
}

/* docs/clustering.md's session: the default features of the segments
** table, k chosen; sizes add up to the customers with orders; the profile
** query gives one row per cluster named by rfm11; and the features in
** two row orders give the same model. */
static void test_demo_shop(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE temp.shop_rfm USING segments(orders = 'orders',"
      " customer = 'customer_id', ordered_at = 'created_at', amount = 'total',"
      " filter = 'status <> ''cancelled''', customers = 'customers', as_of = '2025-01-01');"
      "CREATE TEMP TABLE f1 AS SELECT customer_id, json_array(ln(1 + frequency),"
      " ln(1 + monetary), recency_days) AS f FROM shop_rfm WHERE frequency > 0"
      " ORDER BY customer_id;"
      "CREATE TEMP TABLE f2 AS SELECT * FROM f1 ORDER BY customer_id DESC;"
      "CREATE TEMP TABLE model AS SELECT kmeans_fit(json_array(ln(1 + frequency),"
      " ln(1 + monetary), recency_days)) AS model FROM shop_rfm WHERE frequency > 0;");
  assert_sql_text(db, "SELECT (SELECT kmeans_fit(f) FROM f1) = (SELECT kmeans_fit(f) FROM f2)",
                  "1");
  assert_sql_text(db, "SELECT (SELECT kmeans_fit(f) FROM f1) = (SELECT model FROM model)", "1");
  assert_sql_text(db,
      "SELECT model ->> '$.k' BETWEEN 3 AND 6 AND model ->> '$.n' = (SELECT count(*) FROM"
      " shop_rfm WHERE frequency > 0) AND (SELECT sum(value) FROM json_each(model, '$.sizes'))"
      " = model ->> '$.n' FROM model",
      "1");
  assert_sql_text(db,
      "SELECT count(*) = (SELECT model ->> '$.k' FROM model) AND sum(customers) = (SELECT"
      " count(*) FROM shop_rfm WHERE frequency > 0) AND sum(suggested_name IN (SELECT"
      " DISTINCT segment FROM segment_map('rfm11'))) = count(*) FROM ("
      " SELECT kmeans_assign(model, json_array(ln(1 + frequency), ln(1 + monetary),"
      "   recency_days)) AS cluster, count(*) AS customers,"
      "   segment_of(round(avg(r)), round(avg(f)), round(avg(m))) AS suggested_name"
      " FROM shop_rfm, model WHERE frequency > 0 GROUP BY cluster)",
      "1");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_blobs_found, setup, teardown),
      cmocka_unit_test_setup_teardown(test_model_against_plain_sql, setup, teardown),
      cmocka_unit_test_setup_teardown(test_row_order_does_not_matter, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nulls, setup, teardown),
      cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_two_models_in_turn, setup, teardown),
      cmocka_unit_test_setup_teardown(test_interrupt_stops_the_fit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_demo_shop, setup_shop, teardown_shop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
