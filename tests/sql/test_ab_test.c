/*
** test_ab_test.c — ab_test() through a real connection that loads
** dist/segment.so.
**
** Expected values come from outside the code under test:
**   - published worked examples (Agresti's aspirin and party tables, R's
**     t.test output), rebuilt as rows with recursive CTEs;
**   - plain SQL over the same rows: counts, rates, means and sample
**     standard deviations by GROUP BY, and the pooled z statistic from its
**     formula; the p-value from that z through the C library's erfc;
**   - the demo shop, segment by segment (GROUP BY segment), against the
**     same plain-SQL z and the same test run one segment at a time.
**
**   make build/sql/test_ab_test && ./build/sql/test_ab_test
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

/* n rows (variant, converted) with x conversions: the table t(v, c). */
static void add_rows(sqlite3 *db, const char *zVariant, int n, int x) {
  char *zSql = sqlite3_mprintf(
      "WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM i WHERE k < %d)"
      " INSERT INTO t(v, c) SELECT %Q, k <= %d FROM i",
      n, zVariant, x);
  sqltest_exec(db, zSql);
  sqlite3_free(zSql);
}

/* ---- published examples ----------------------------------------------------- */

/* Agresti's Physicians' Health Study table: heart attacks in 104 of 11037
** on aspirin, 189 of 11034 on placebo.  Published: difference 0.0077, 95%
** interval (0.005, 0.011), X^2 = 25.01.  Variants sort 'aspirin' <
** 'placebo', so the difference is placebo - aspirin. */
static void test_aspirin(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db, "CREATE TEMP TABLE t(v, c)");
  add_rows(db, "aspirin", 11037, 104);
  add_rows(db, "placebo", 11034, 189);
  sqltest_exec(db, "CREATE TEMP TABLE r AS SELECT ab_test(v, c) AS j FROM t");
  assert_sql_text(db, "SELECT j ->> '$.test' FROM r", "two-proportion z-test");
  assert_sql_text(db,
      "SELECT group_concat(value ->> 'variant' || ':' || (value ->> 'n') || ':' ||"
      " (value ->> 'conversions'), ' ') FROM r, json_each(r.j, '$.variants')",
      "aspirin:11037:104 placebo:11034:189");
  assert_double_near(0.0077, sqltest_double(db, "SELECT j ->> '$.difference' FROM r"), 5e-5);
  assert_double_near(0.005, sqltest_double(db, "SELECT j ->> '$.ci_low' FROM r"), 5e-4);
  assert_double_near(0.011, sqltest_double(db, "SELECT j ->> '$.ci_high' FROM r"), 5e-4);
  assert_double_near(25.01, sqltest_double(db, "SELECT pow(j ->> '$.z', 2) FROM r"), 5e-3);
  assert_true(sqltest_double(db, "SELECT j ->> '$.p_value' FROM r") < 1e-4);
  assert_sql_text(db, "SELECT j ->> '$.warning' IS NULL AND j ->> '$.reason' IS NULL FROM r", "1");
}

/* Agresti's party identification by gender as variants (party) by
** converted (female): X^2 = 30.07 on df 2; with df 2 the p-value is exactly
** exp(-X^2/2). */
static void test_party_chi_square(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db, "CREATE TEMP TABLE t(v, c)");
  add_rows(db, "Democrat", 1246, 762);
  add_rows(db, "Independent", 566, 327);
  add_rows(db, "Republican", 945, 468);
  sqltest_exec(db, "CREATE TEMP TABLE r AS SELECT ab_test(v, c) AS j FROM t");
  assert_sql_text(db, "SELECT j ->> '$.test' FROM r", "chi-square test of independence");
  assert_sql_text(db, "SELECT j ->> '$.df' FROM r", "2");
  assert_double_near(30.07, sqltest_double(db, "SELECT j ->> '$.chi2' FROM r"), 5e-3);
  {
    double chi2 = sqltest_double(db, "SELECT j ->> '$.chi2' FROM r");
    double p = sqltest_double(db, "SELECT j ->> '$.p_value' FROM r");
    assert_double_near(exp(-chi2 / 2), p, 1e-13 * p);
  }
  /* No difference, interval or z with more than two variants. */
  assert_sql_text(db,
      "SELECT json_type(j, '$.difference') IS NULL AND json_type(j, '$.z') IS NULL FROM r",
      "1");
}

/* R's t.test(ts1, ts2) (Welch): t = -1.8325, df = 17.9, p-value = 0.08356,
** 95 percent interval -2.1469104 0.1469104 for mean(ts1) - mean(ts2).
** Variant 'x' holds ts2 and 'y' ts1, so that y - x = ts1 - ts2. */
static void test_welch_r_example(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TEMP TABLE r AS SELECT ab_test(v, 0, x) AS j FROM ("
      " SELECT 'y' AS v, value AS x FROM json_each('[11,9,10,11,10,12,9,11,12,9]')"
      " UNION ALL"
      " SELECT 'x', value FROM json_each('[11,13,10,13,12,9,11,12,12,11]'))");
  assert_sql_text(db, "SELECT j ->> '$.value.test' FROM r", "welch t-test");
  assert_double_near(-1, sqltest_double(db, "SELECT j ->> '$.value.difference' FROM r"), 1e-14);
  assert_double_near(-1.8325, sqltest_double(db, "SELECT j ->> '$.value.t' FROM r"), 5e-5);
  assert_double_near(17.9, sqltest_double(db, "SELECT j ->> '$.value.df' FROM r"), 5e-2);
  assert_double_near(0.08356, sqltest_double(db, "SELECT j ->> '$.value.p_value' FROM r"), 5e-6);
  assert_double_near(-2.1469104, sqltest_double(db, "SELECT j ->> '$.value.ci_low' FROM r"), 5e-8);
  assert_double_near(0.1469104, sqltest_double(db, "SELECT j ->> '$.value.ci_high' FROM r"), 5e-8);
  /* Nobody converted: the conversion test says why it has no p-value. */
  assert_sql_text(db, "SELECT j ->> '$.reason' FROM r", "no row converted: nothing to compare");
  assert_sql_text(db, "SELECT json_type(j, '$.p_value') FROM r", "null");
}

/* ---- against plain SQL ----------------------------------------------------------- */

/* Random rows: the counts, rates, means and sds equal GROUP BY's; z
** equals its formula written in SQL; the p-value is erfc(|z|/sqrt 2). */
static void test_against_plain_sql(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TEMP TABLE t AS WITH RECURSIVE i(k) AS (SELECT 1 UNION ALL SELECT k + 1"
      " FROM i WHERE k < 3000)"
      " SELECT k, CASE WHEN k % 7 < 3 THEN 'control' ELSE 'offer' END AS v,"
      "  (k * 2654435761 % 1000) < CASE WHEN k % 7 < 3 THEN 100 ELSE 125 END AS c,"
      "  (k * 40503 % 997) / 10.0 + CASE WHEN k % 7 < 3 THEN 0 ELSE 3 END AS x"
      " FROM i;"
      "CREATE TEMP TABLE r AS SELECT ab_test(v, c, x) AS j FROM t;"
      "CREATE TEMP TABLE s AS SELECT v, count(*) AS n, sum(c) AS conv, avg(c) AS rate,"
      "  avg(x) AS mean, sqrt((sum(x * x) - sum(x) * sum(x) / count(*)) / (count(*) - 1)) AS sd"
      " FROM t GROUP BY v ORDER BY v;");
  {
    char *zWant = sqltest_text(db,
        "SELECT group_concat(printf('%s %d %d %.12f', v, n, conv, rate), ', ') FROM s");
    assert_sql_text(db,
        "SELECT group_concat(printf('%s %d %d %.12f', value ->> 'variant', value ->> 'n',"
        " value ->> 'conversions', value ->> 'rate'), ', ') FROM r, json_each(r.j, '$.variants')",
        zWant);
    free(zWant);
  }
  assert_sql_text(db,
      "SELECT sum(abs(a.value ->> 'mean' - s.mean) < 1e-9 AND abs(a.value ->> 'sd' - s.sd) < 1e-9"
      " AND a.value ->> 'n' = s.n) FROM r, json_each(r.j, '$.value.variants') a"
      " JOIN s ON s.v = a.value ->> 'variant'",
      "2");
  {
    double z_sql = sqltest_double(db,
        "SELECT (b.rate - a.rate) / sqrt(p * (1 - p) * (1.0 / a.n + 1.0 / b.n)) FROM"
        " (SELECT * FROM s WHERE v = 'control') a, (SELECT * FROM s WHERE v = 'offer') b,"
        " (SELECT avg(c) AS p FROM t)");
    double z = sqltest_double(db, "SELECT j ->> '$.z' FROM r");
    double p = sqltest_double(db, "SELECT j ->> '$.p_value' FROM r");
    assert_double_near(z_sql, z, 1e-12);
    assert_double_near(erfc(fabs(z_sql) / sqrt(2)), p, 1e-14);
    /* The unpooled interval, written out: diff -+ 1.959963984540054 se. */
    assert_double_near(
        sqltest_double(db,
            "SELECT b.rate - a.rate - 1.959963984540054 * sqrt(a.rate * (1 - a.rate) / a.n"
            " + b.rate * (1 - b.rate) / b.n) FROM (SELECT * FROM s WHERE v = 'control') a,"
            " (SELECT * FROM s WHERE v = 'offer') b"),
        sqltest_double(db, "SELECT j ->> '$.ci_low' FROM r"), 1e-14);
  }
}

/* ---- the shape of the result ---------------------------------------------------------- */

/* The small example of the docs, worked by hand: A converts 1 of 4, B 2 of
** 4.  difference 0.25; pooled p = 3/8, SE = sqrt(3/8 * 5/8 * (1/4 + 1/4))
** = sqrt(15/128) = 0.3423266, z = 0.7302967, p = erfc(z/sqrt 2) =
** 0.4652088; unpooled SE = sqrt(.25*.75/4 + .5*.5/4) = 0.3307189, interval
** 0.25 -+ 1.959964 * 0.3307189 = (-0.3981972, 0.8981972).  Expected cells
** 4 * 3/8 = 1.5 < 5: a warning. */
static void test_small_example_by_hand(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TEMP TABLE r AS SELECT ab_test(column1, column2) AS j FROM (VALUES"
      " ('A',1),('A',0),('A',0),('A',0),('B',1),('B',1),('B',0),('B',0))");
  assert_sql_text(db,
      "SELECT json_array(j -> '$.variants', j -> '$.skipped', j -> '$.test', j -> '$.difference') FROM r",
      "[[{\"variant\":\"A\",\"n\":4,\"conversions\":1,\"rate\":0.25},"
      "{\"variant\":\"B\",\"n\":4,\"conversions\":2,\"rate\":0.5}],0,"
      "\"two-proportion z-test\",0.25]");
  assert_double_near(0.7302967, sqltest_double(db, "SELECT j ->> '$.z' FROM r"), 5e-8);
  assert_double_near(0.4652088, sqltest_double(db, "SELECT j ->> '$.p_value' FROM r"), 5e-8);
  assert_double_near(-0.3981972, sqltest_double(db, "SELECT j ->> '$.ci_low' FROM r"), 5e-8);
  assert_double_near(0.8981972, sqltest_double(db, "SELECT j ->> '$.ci_high' FROM r"), 5e-8);
  assert_sql_text(db, "SELECT j ->> '$.warning' FROM r",
                  "an expected count is below 5 (smallest 1.5): the approximation is "
                  "poor, prefer an exact test");
  /* The keys, in order. */
  assert_sql_text(db, "SELECT group_concat(key, ' ') FROM r, json_each(r.j)",
                  "variants skipped test difference ci_low ci_high z p_value warning reason");
  /* Valid JSON that nests as JSON. */
  assert_sql_text(db, "SELECT json_valid(j) FROM r", "1");
  assert_sql_text(db,
      "SELECT json_object('t', ab_test(column1, column2)) ->> '$.t.difference'"
      " FROM (VALUES ('A',1),('B',0))",
      "-1");
}

/* Variants in sorted order: integers (a real with an integral value is that
** integer) before text, text by bytes; text is escaped. */
static void test_variant_order_and_types(void **state) {
  sqlite3 *db = *state;
  assert_sql_text(db,
      "SELECT group_concat(typeof(value ->> 'variant') || ':' || (value ->> 'variant')"
      " || ':' || (value ->> 'n'), ' ')"
      " FROM json_each((SELECT ab_test(v, 1) FROM (SELECT column1 AS v FROM (VALUES"
      " ('b'),(10),('B'),(2),(2.0),('a'),(-1),('b'),('10')))), '$.variants')",
      "integer:-1:1 integer:2:2 integer:10:1 text:10:1 text:B:1 text:a:1 text:b:2");
  assert_sql_text(db,
      "SELECT ab_test(v, 0) ->> '$.variants[0].variant' FROM (SELECT 'say \"hi\"\\' || char(10) AS v)",
      "say \"hi\"\\\n");
}

/* NULL variant or converted: the row is skipped and counted; no row at all,
** or only skipped ones, gives NULL; a NULL value leaves the row out of the
** value test only. */
static void test_nulls(void **state) {
  sqlite3 *db = *state;
  assert_sql_text(db, "SELECT ab_test(1, 1) FROM (SELECT 1) WHERE 0", "NULL");
  assert_sql_text(db, "SELECT quote(ab_test(NULL, 1)) || quote(ab_test('A', NULL, 5))",
                  "NULLNULL");
  sqltest_exec(db,
      "CREATE TEMP TABLE r AS SELECT ab_test(column1, column2, column3) AS j FROM (VALUES"
      " ('A',1,10),('A',0,NULL),('A',1,12),('B',0,3),('B',1,5),('B',0,7),"
      " (NULL,1,1),('A',NULL,1),('B',NULL,NULL))");
  /* A: 3 rows (2 converted), values 10 and 12; B: 3 rows (1), values 3 5 7
  ** (mean 5, sd 2); difference 5 - 11 = -6. */
  assert_sql_text(db, "SELECT j ->> '$.skipped' FROM r", "3");
  assert_sql_text(db,
      "SELECT json_array(j -> '$.variants[0].n', j -> '$.variants[0].conversions',"
      " j -> '$.variants[1].n', j -> '$.variants[1].conversions', j -> '$.value.variants[0].n',"
      " j -> '$.value.variants[0].mean', j -> '$.value.variants[1].n', j -> '$.value.variants[1].mean',"
      " j -> '$.value.variants[1].sd', j -> '$.value.difference') FROM r",
      "[3,2,3,1,2,11,3,5,2,-6]");
}

/* What cannot be computed is null, with the reason. */
static void test_degenerate(void **state) {
  sqlite3 *db = *state;
  /* One variant. */
  assert_sql_text(db,
      "SELECT json_array(j -> '$.test', j -> '$.p_value', j -> '$.reason') FROM (SELECT"
      " ab_test(column1, column2) AS j FROM (VALUES (7,1),(7,0)))",
      "[null,null,\"only one variant (7): nothing to compare\"]");
  /* Nobody, or everybody, converted. */
  assert_sql_text(db,
      "SELECT json_array(j -> '$.difference', j -> '$.ci_low', j -> '$.z', j -> '$.p_value',"
      " j -> '$.reason')"
      " FROM (SELECT ab_test(column1, column2) AS j FROM (VALUES ('A',0),('B',0),('B',0)))",
      "[0,null,null,null,\"no row converted: nothing to compare\"]");
  assert_sql_text(db,
      "SELECT json_array(j -> '$.chi2', j -> '$.df', j -> '$.p_value', j -> '$.reason') FROM"
      " (SELECT ab_test(column1, column2) AS j FROM (VALUES ('A',1),('B',1),('C',1)))",
      "[null,2,null,\"every row converted: nothing to compare\"]");
  /* 0% against 100%, 3 rows each: z = 1 / sqrt(1/4 (1/3 + 1/3)) = sqrt(6)
  ** = 2.449489742783178, but no interval. */
  assert_sql_text(db,
      "SELECT printf('%.12f', j ->> '$.z') || ' ' || json_array(j -> '$.ci_low', j -> '$.reason')"
      " FROM (SELECT ab_test(column1, column2) AS j FROM (VALUES"
      " ('A',0),('A',0),('A',0),('B',1),('B',1),('B',1)))",
      "2.449489742783 [null,\"both rates are 0 or 1: the normal interval has no width\"]");
  /* Values: too few rows, no variance, more than two variants. */
  assert_sql_text(db,
      "SELECT json_array(j -> '$.value.test', j -> '$.value.difference', j -> '$.value.p_value',"
      " j -> '$.value.reason') FROM (SELECT ab_test(column1, 0, column2) AS j FROM (VALUES"
      " ('A',1),('A',2),('B',5)))",
      "[\"welch t-test\",3.5,null,\"value needs at least 2 rows in each variant, 'B' has 1\"]");
  assert_sql_text(db,
      "SELECT json_array(j -> '$.value.difference', j -> '$.value.t', j -> '$.value.reason') FROM"
      " (SELECT ab_test(column1, 0, column2) AS j FROM (VALUES"
      " ('A',1),('A',1),('B',5),('B',5)))",
      "[4,null,\"value does not vary within either variant\"]");
  assert_sql_text(db,
      "SELECT json_array(j -> '$.value.test', j -> '$.value.reason') FROM (SELECT"
      " ab_test(column1, 0, column2) AS j FROM (VALUES ('A',1),('A',2),('B',5),('B',6),('C',1)))",
      "[null,\"the welch t-test compares two variants, got 3\"]");
}

static void test_errors(void **state) {
  sqlite3 *db = *state;
  assert_sql_error(db, "SELECT ab_test('A', 'yes')",
                   "ab_test: converted must be 0 or 1, got 'yes'");
  assert_sql_error(db, "SELECT ab_test('A', 2)", "ab_test: converted must be 0 or 1, got 2");
  assert_sql_error(db, "SELECT ab_test('A', 0.5)",
                   "ab_test: converted must be 0 or 1, got 0.5");
  assert_sql_error(db, "SELECT ab_test(1.5, 1)",
                   "ab_test: variant must be text or an integer, got 1.5");
  assert_sql_error(db, "SELECT ab_test(x'00', 1)",
                   "ab_test: variant must be text or an integer, got a blob");
  assert_sql_error(db, "SELECT ab_test('A', 1, 'abc')",
                   "ab_test: value must be a number, got 'abc'");
  assert_sql_error(db, "SELECT ab_test('A', 1, 1e999)",
                   "ab_test: value must be finite, got Inf");
  /* A bad value on a row that would be skipped is still an error. */
  assert_sql_error(db, "SELECT ab_test(NULL, 'no')",
                   "ab_test: converted must be 0 or 1, got 'no'");
  /* true/false, '1', 1.0 are fine. */
  assert_sql_text(db,
      "SELECT ab_test(v, c) ->> '$.variants[0].conversions' FROM (SELECT 'A' v, true c"
      " UNION ALL SELECT 'A', '1' UNION ALL SELECT 'A', 1.0 UNION ALL SELECT 'A', false)",
      "3");
}

/* ---- GROUP BY segment on the demo shop ------------------------------------------------ */

static char zShop[] = "/tmp/segment-abtest-XXXXXX";

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

/* The example of docs/ab-tests.md: customers split in two by a hash of
** their id; converted = bought in December 2024; segments as of
** 2024-11-30.  Per segment, ab_test's counts equal GROUP BY's, its z the
** formula in SQL, its p-value erfc(|z|/sqrt 2), and its whole result the
** result of the test run on that segment alone. */
static void test_group_by_segment(void **state) {
  sqlite3 *db = *state;
  sqlite3_stmt *pStmt;
  int nSegment = 0;
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE temp.shop_rfm USING segments(orders = 'orders',"
      " customer = 'customer_id', ordered_at = 'created_at', amount = 'total',"
      " filter = 'status <> ''cancelled''', customers = 'customers', as_of = '2025-01-01');"
      "CREATE TEMP TABLE december AS SELECT c.customer_id,"
      " CASE WHEN abs(c.customer_id * 2654435761 % 1000) < 500 THEN 'A' ELSE 'B' END AS variant,"
      " EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id"
      "   AND o.status <> 'cancelled' AND o.created_at >= '2024-12-01') AS bought"
      " FROM customers c;"
      "CREATE TEMP TABLE seg AS SELECT customer_id, segment FROM shop_rfm('2024-11-30');"
      "CREATE TEMP TABLE per AS SELECT segment, ab_test(variant, bought) AS j"
      " FROM december JOIN seg USING (customer_id) GROUP BY segment;"
      "CREATE TEMP TABLE plain AS SELECT segment,"
      " sum(variant = 'A') AS na, sum(variant = 'A' AND bought) AS xa,"
      " sum(variant = 'B') AS nb, sum(variant = 'B' AND bought) AS xb, avg(bought) AS p"
      " FROM december JOIN seg USING (customer_id) GROUP BY segment;");
  assert_int_equal(sqlite3_prepare_v2(db,
      "SELECT per.segment, per.j ->> '$.variants[0].n', per.j ->> '$.variants[0].conversions',"
      " per.j ->> '$.variants[1].n', per.j ->> '$.variants[1].conversions', per.j ->> '$.z',"
      " per.j ->> '$.p_value', na, xa, nb, xb,"
      " (1.0 * xb / nb - 1.0 * xa / na) / sqrt(p * (1 - p) * (1.0 / na + 1.0 / nb)),"
      " per.j FROM per JOIN plain USING (segment) ORDER BY 1", -1, &pStmt, 0),
      SQLITE_OK);
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    char *zAlone;
    nSegment++;
    for (int i = 0; i < 4; i++)
      assert_int_equal(sqlite3_column_int64(pStmt, 1 + i), sqlite3_column_int64(pStmt, 7 + i));
    if (sqlite3_column_type(pStmt, 11) == SQLITE_NULL) {
      /* Nobody (or everybody) in this segment bought: no z either. */
      assert_int_equal(sqlite3_column_type(pStmt, 5), SQLITE_NULL);
    } else {
      double z = sqlite3_column_double(pStmt, 11);
      assert_double_near(z, sqlite3_column_double(pStmt, 5), 1e-12);
      assert_double_near(erfc(fabs(z) / sqrt(2)), sqlite3_column_double(pStmt, 6), 1e-14);
    }
    zAlone = sqlite3_mprintf(
        "SELECT ab_test(variant, bought) FROM december JOIN seg USING (customer_id)"
        " WHERE segment = %Q", sqlite3_column_text(pStmt, 0));
    assert_sql_text(db, zAlone, (const char *)sqlite3_column_text(pStmt, 12));
    sqlite3_free(zAlone);
  }
  assert_int_equal(sqlite3_finalize(pStmt), SQLITE_OK);
  assert_int_equal(nSegment, 12); /* the 11 of rfm11 and No orders */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_aspirin, setup, teardown),
      cmocka_unit_test_setup_teardown(test_party_chi_square, setup, teardown),
      cmocka_unit_test_setup_teardown(test_welch_r_example, setup, teardown),
      cmocka_unit_test_setup_teardown(test_against_plain_sql, setup, teardown),
      cmocka_unit_test_setup_teardown(test_small_example_by_hand, setup, teardown),
      cmocka_unit_test_setup_teardown(test_variant_order_and_types, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nulls, setup, teardown),
      cmocka_unit_test_setup_teardown(test_degenerate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_group_by_segment, setup_shop, teardown_shop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
