/*
** test_segments_models.c — the customer-value columns of the `segments`
** table (model='bgnbd': p_alive, expected_orders, expected_value, clv,
** churn_risk), checked against the SQL functions of func_btyd.c applied to
** a plain-SQL BTYD summary of the same orders (docs/models.md): x =
** distinct purchase days - 1, t_x and T from julianday, avg_value the mean
** of the repeat days' totals, counting only orders with a positive total;
** parameters from bgnbd_fit / gg_fit over that summary.  In days and in
** weeks, with integer ids in date order and text ids in shuffled order.
** Also: the option errors word for word, fit failures, churn_risk's
** bands, rule maps over the model columns, and that the columns stay
** hidden, NULL without model= and out of <name>_members.
**
** The shop is generated afresh by build/gen_shop (deterministic): 3,000
** customers, 30,000 orders with refunds (negative totals), NULL totals and
** several orders on one day.
*/
#include "sqltest.h"

#include <unistd.h>

static char zShop[] = "/tmp/segment-models-XXXXXX";

static int setup_shop(void **state) {
  *state = sqltest_generate_shop(zShop, "--size demo");
  if (!*state) return -1;
  /* The same orders with text ids, in an order that is not by date. */
  sqltest_exec(*state,
      "CREATE TABLE shuffled AS SELECT 'c' || customer_id AS cid, created_at,"
      " total, status FROM orders ORDER BY (order_id * 7919) % 30011, order_id");
  return 0;
}

static int teardown_shop(void **state) {
  sqltest_close(*state);
  unlink(zShop);
  return 0;
}

static int setup_memory(void **state) {
  *state = sqltest_open();
  return *state ? 0 : -1;
}

static int teardown_memory(void **state) {
  sqltest_close(*state);
  return 0;
}

/* temp.ref: the BTYD summary of zTable's orders (customer column zId)
** with status <> 'cancelled' and total > 0 up to zAsOf, times divided by
** zDays (1.0 or 7.0); temp.refm: the fits over it. */
static void make_reference(sqlite3 *db, const char *zTable, const char *zId,
                           const char *zAsOf, const char *zDays) {
  char *zSql = sqlite3_mprintf(
      "DROP TABLE IF EXISTS temp.ref; DROP TABLE IF EXISTS temp.refm;"
      "CREATE TEMP TABLE ref AS"
      " WITH days AS (SELECT %s AS customer_id, date(created_at) AS day,"
      "   sum(total) AS value FROM %s"
      "   WHERE status <> 'cancelled' AND total > 0 AND date(created_at) <= '%s'"
      "   GROUP BY 1, 2),"
      " first AS (SELECT customer_id, min(day) AS first_day FROM days GROUP BY 1)"
      " SELECT customer_id, count(*) - 1 AS x,"
      "   (julianday(max(day)) - julianday(first_day)) / %s AS t_x,"
      "   (julianday('%s') - julianday(first_day)) / %s AS T,"
      "   (sum(value) - sum(CASE WHEN day = first_day THEN value END))"
      "     / nullif(count(*) - 1, 0) AS avg_value"
      " FROM days JOIN first USING (customer_id) GROUP BY customer_id;"
      "CREATE TEMP TABLE refm AS SELECT bgnbd_fit(x, t_x, T) AS bg,"
      " gg_fit(x, avg_value) AS gg FROM ref;",
      zId, zTable, zAsOf, zDays, zAsOf, zDays);
  sqltest_exec(db, zSql);
  sqlite3_free(zSql);
}

/* SQL: a and b agree to 1e-9 relative (true, never NULL). */
#define NEAR(a, b) \
  "coalesce((" a ") = (" b ") OR abs((" a ") - (" b ")) <= 1e-9 * abs(" b "), 0)"

/* Count the customers of segments table zTab whose model
** columns differ from the functions over temp.ref, with the horizon
** zHorizon and the discount per time unit zDiscount; also that exactly
** the customers of temp.ref have them.  Returns "<compared> <differing>
** <with columns> <all five set>". */
static char *compare_with_reference(sqlite3 *db, const char *zTab,
                                    const char *zHorizon, const char *zDiscount) {
  char *zSql = sqlite3_mprintf(
      "WITH want AS (SELECT customer_id, bgnbd_p_alive(bg, x, t_x, T) AS p_alive,"
      "   bgnbd_expected(bg, %s, x, t_x, T) AS expected_orders,"
      "   gg_expected_value(gg, x, avg_value) AS expected_value,"
      "   clv(bg, gg, x, t_x, T, avg_value, %s, 1, %s) AS clv FROM ref, refm)"
      "SELECT (SELECT count(*) FROM %s AS v JOIN want AS w USING (customer_id))"
      " || ' ' || (SELECT count(*) FROM %s AS v JOIN want AS w USING (customer_id)"
      "  WHERE NOT (" NEAR("v.p_alive", "w.p_alive")
      "   AND " NEAR("v.expected_orders", "w.expected_orders")
      "   AND " NEAR("v.expected_value", "w.expected_value")
      "   AND " NEAR("v.clv", "w.clv")
      "   AND v.churn_risk IS CASE WHEN w.p_alive >= 0.7 THEN 'low'"
      "     WHEN w.p_alive >= 0.3 THEN 'medium' ELSE 'high' END))"
      " || ' ' || (SELECT count(*) FROM %s WHERE p_alive IS NOT NULL OR expected_orders"
      "  IS NOT NULL OR expected_value IS NOT NULL OR clv IS NOT NULL OR churn_risk IS NOT NULL)"
      " || ' ' || (SELECT count(*) FROM %s WHERE p_alive IS NOT NULL AND expected_orders"
      "  IS NOT NULL AND expected_value IS NOT NULL AND clv IS NOT NULL AND churn_risk"
      "  IS NOT NULL)",
      zHorizon, zHorizon, zDiscount, zTab, zTab, zTab, zTab);
  char *zOut = sqltest_text(db, zSql);
  sqlite3_free(zSql);
  return zOut;
}

static void assert_matches_reference(sqlite3 *db, const char *zTab,
                                     const char *zHorizon, const char *zDiscount) {
  char *zN = sqltest_text(db, "SELECT count(*) FROM ref");
  char *zGot = compare_with_reference(db, zTab, zHorizon, zDiscount);
  char zWant[128];
  snprintf(zWant, sizeof zWant, "%s 0 %s %s", zN, zN, zN);
  if (strcmp(zGot, zWant) != 0) {
    print_error("%s: expected \"%s\" (compared, differing, with columns, complete),"
                " got \"%s\"\n", zTab, zWant, zGot);
    free(zN);
    free(zGot);
    fail();
  }
  free(zN);
  free(zGot);
}

/* Days (the default unit and horizon, no discount), integer ids: refunds
** and NULL totals are not purchases; several orders of a day are one. */
static void test_days_equal_the_functions(void **state) {
  sqlite3 *db = *state;
  make_reference(db, "orders", "customer_id", "2025-01-01", "1.0");
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE temp.vd USING segments(orders = 'orders',"
      " customer = 'customer_id', ordered_at = 'created_at', amount = 'total',"
      " filter = 'status <> ''cancelled''', as_of = '2025-01-01', model = 'bgnbd')");
  /* The reference sees repeat buyers and one-time buyers, and customers
  ** whose only orders are refunds or NULL totals stay out of it. */
  assert_sql_text(db, "SELECT count(*) > 1000 AND sum(x = 0) > 100 FROM ref", "1");
  assert_sql_text(db,
      "SELECT count(*) > 0 FROM vd WHERE frequency > 0 AND customer_id NOT IN"
      " (SELECT customer_id FROM ref)", "1");
  assert_matches_reference(db, "vd", "365", "0");
}

/* Weeks, horizon 52, a discount per week, an as_of inside the data (later
** orders ignored), text ids read in shuffled order. */
static void test_weeks_equal_the_functions(void **state) {
  sqlite3 *db = *state;
  make_reference(db, "shuffled", "cid", "2024-06-30", "7.0");
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE temp.vw USING segments(orders = 'shuffled',"
      " customer = 'cid', ordered_at = 'created_at', amount = 'total',"
      " filter = 'status <> ''cancelled''', as_of = '2024-06-30', model = 'bgnbd',"
      " time_unit = 'weeks', horizon = 52, discount_rate = 0.002)");
  assert_sql_text(db, "SELECT count(*) > 1000 FROM ref", "1");
  assert_matches_reference(db, "vw", "52", "0.002");
  /* Another horizon, in days, with a discount: clv() summed day by day. */
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE temp.vw2 USING segments(orders = 'shuffled',"
      " customer = 'cid', ordered_at = 'created_at', amount = 'total',"
      " filter = 'status <> ''cancelled''', as_of = '2024-06-30', model = 'bgnbd',"
      " horizon = 90, discount_rate = 0.0005)");
  make_reference(db, "shuffled", "cid", "2024-06-30", "1.0");
  assert_matches_reference(db, "vw2", "90", "0.0005");
}

/* churn_risk: 'low' from p_alive 0.7, 'medium' from 0.3, 'high' below,
** checked on the customers nearest each bound on either side. */
static void test_churn_risk_bands(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE temp.vc USING segments(orders = 'orders',"
      " customer = 'customer_id', ordered_at = 'created_at', amount = 'total',"
      " as_of = '2025-01-01', model = 'bgnbd', time_unit = 'weeks')");
  assert_sql_text(db,
      "SELECT count(*) FROM vc WHERE churn_risk IS NOT CASE WHEN p_alive IS NULL"
      " THEN NULL WHEN p_alive >= 0.7 THEN 'low' WHEN p_alive >= 0.3 THEN 'medium'"
      " ELSE 'high' END", "0");
  /* The customers nearest each bound: within 0.02 of it, on the right side. */
  assert_sql_text(db,
      "SELECT (SELECT min(p_alive) FROM vc WHERE churn_risk = 'low') BETWEEN 0.7 AND 0.72,"
      " (SELECT max(p_alive) FROM vc WHERE churn_risk = 'medium') BETWEEN 0.68 AND 0.7 - 1e-12,"
      " (SELECT min(p_alive) FROM vc WHERE churn_risk = 'medium') BETWEEN 0.3 AND 0.32,"
      " (SELECT max(p_alive) FROM vc WHERE churn_risk = 'high') BETWEEN 0.28 AND 0.3 - 1e-12",
      "1");
  /* One purchase day: P(alive) is exactly 1 under BG/NBD, so 'low'. */
  assert_sql_text(db,
      "SELECT count(*) = sum(p_alive = 1.0 AND churn_risk = 'low') AND count(*) > 0"
      " FROM vc JOIN (SELECT customer_id FROM orders WHERE total > 0"
      "  GROUP BY customer_id HAVING count(DISTINCT date(created_at)) = 1) USING (customer_id)",
      "1");
}

/* A rule map reads the model columns like any feature. */
static void test_rule_map_reads_model_columns(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TEMP TABLE value_rules(segment TEXT, rule TEXT, priority INTEGER);"
      "INSERT INTO value_rules VALUES"
      " ('Win back', 'churn_risk = ''high'' AND expected_value >= 45', 1),"
      " ('Grow', 'clv >= 100 AND p_alive >= 0.5', 2),"
      " ('Watch', 'churn_risk = ''medium''', 3);"
      "CREATE VIRTUAL TABLE temp.vr USING segments(orders = 'orders',"
      " customer = 'customer_id', ordered_at = 'created_at', amount = 'total',"
      " as_of = '2025-01-01', model = 'bgnbd', time_unit = 'weeks', map = 'value_rules')");
  assert_sql_text(db,
      "SELECT count(*) FROM vr WHERE segment IS NOT CASE"
      " WHEN churn_risk = 'high' AND expected_value >= 45 THEN 'Win back'"
      " WHEN clv >= 100 AND p_alive >= 0.5 THEN 'Grow'"
      " WHEN churn_risk = 'medium' THEN 'Watch' ELSE 'Other' END", "0");
  assert_sql_text(db,
      "SELECT count(DISTINCT segment) FROM vr", "4");
}

/* Hidden, NULL without model=, not stored in <name>_members. */
static void test_columns_hidden_and_not_stored(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE plain USING segments(orders = 'orders',"
      " customer = 'customer_id', ordered_at = 'created_at', amount = 'total',"
      " as_of = '2025-01-01');"
      "CREATE VIRTUAL TABLE modelled USING segments(orders = 'orders',"
      " customer = 'customer_id', ordered_at = 'created_at', amount = 'total',"
      " as_of = '2025-01-01', model = 'bgnbd', mode = 'manual');"
      "INSERT INTO modelled(modelled) VALUES('refresh');");
  assert_sql_text(db,
      "SELECT group_concat(name || ':' || hidden, ' ') FROM pragma_table_xinfo('plain')"
      " WHERE name IN ('p_alive', 'expected_orders', 'expected_value', 'clv', 'churn_risk')",
      "p_alive:1 expected_orders:1 expected_value:1 clv:1 churn_risk:1");
  assert_sql_text(db,
      "SELECT (count(p_alive) + count(expected_orders) + count(expected_value)"
      " + count(clv) + count(churn_risk)) || ' ' || (count(*) ="
      " (SELECT count(DISTINCT customer_id) FROM orders)) FROM plain", "0 1");
  /* The stored members have the same columns with or without model=. */
  assert_sql_text(db,
      "SELECT (SELECT group_concat(name) FROM pragma_table_info('modelled_members'))"
      " = (SELECT group_concat(name) FROM pragma_table_info('plain_members'))", "1");
  /* Manual mode reads the members: no model columns there. */
  assert_sql_text(db,
      "SELECT count(p_alive) || ' ' || (count(*) = (SELECT count(*) FROM plain))"
      " FROM modelled", "0 1");
  /* Live, through the as_of argument, they are computed. */
  assert_sql_text(db,
      "SELECT count(p_alive) = (SELECT count(DISTINCT customer_id) FROM orders"
      " WHERE total > 0) FROM modelled('2025-01-01')", "1");
}

/* Option errors, word for word. */
static void test_option_errors(void **state) {
  sqlite3 *db = *state;
  static const struct {
    const char *zOptions, *zError;
  } aCase[] = {
      {"model = 'pareto'",
       "segments: model must be 'bgnbd' (BG/NBD with Gamma-Gamma), got 'pareto'"},
      {"model = 'bgnbd', model = 'bgnbd'", "segments: option 'model' given twice"},
      {"model = ''", "segments: option 'model' is empty"},
      {"model = 'bgnbd', horizon = 0",
       "segments: horizon must be a whole number of time units from 1 to 10000"
       " (days, or weeks with time_unit='weeks'), got '0'"},
      {"model = 'bgnbd', horizon = 10001",
       "segments: horizon must be a whole number of time units from 1 to 10000"
       " (days, or weeks with time_unit='weeks'), got '10001'"},
      {"model = 'bgnbd', horizon = 2.5",
       "segments: horizon must be a whole number of time units from 1 to 10000"
       " (days, or weeks with time_unit='weeks'), got '2.5'"},
      {"model = 'bgnbd', horizon = 10, horizon = 20", "segments: option 'horizon' given twice"},
      {"model = 'bgnbd', time_unit = 'months'",
       "segments: time_unit must be 'days' or 'weeks', got 'months'"},
      {"model = 'bgnbd', time_unit = 'days', time_unit = 'weeks'",
       "segments: option 'time_unit' given twice"},
      {"model = 'bgnbd', discount_rate = 1",
       "segments: discount_rate must be a number from 0 to below 1, per time unit"
       " (0.001 is 0.1% a day with the default time_unit='days'), got '1'"},
      {"model = 'bgnbd', discount_rate = '-0.01'",
       "segments: discount_rate must be a number from 0 to below 1, per time unit"
       " (0.001 is 0.1% a day with the default time_unit='days'), got '-0.01'"},
      {"model = 'bgnbd', discount_rate = 0.1, discount_rate = 0.1",
       "segments: option 'discount_rate' given twice"},
      {"horizon = 52",
       "segments: horizon= needs model= (model='bgnbd' adds p_alive, expected_orders,"
       " expected_value, clv and churn_risk)"},
      {"time_unit = 'weeks'",
       "segments: time_unit= needs model= (model='bgnbd' adds p_alive, expected_orders,"
       " expected_value, clv and churn_risk)"},
      {"discount_rate = 0.01",
       "segments: discount_rate= needs model= (model='bgnbd' adds p_alive,"
       " expected_orders, expected_value, clv and churn_risk)"},
  };
  sqltest_exec(db, "CREATE TABLE o(c, at, amt)");
  for (size_t i = 0; i < sizeof(aCase) / sizeof(aCase[0]); i++) {
    char *zSql = sqlite3_mprintf(
        "CREATE VIRTUAL TABLE t USING segments(orders = 'o', customer = 'c',"
        " ordered_at = 'at', amount = 'amt', %s)", aCase[i].zOptions);
    assert_sql_error(db, zSql, aCase[i].zError);
    sqlite3_free(zSql);
  }
}

/* A fit that cannot be made fails the SELECT with the fit's message. */
static void test_fit_failures(void **state) {
  sqlite3 *db = *state;
  char *zFit, *zWant;
  sqltest_exec(db,
      "CREATE TABLE o(c, at, amt);"
      /* Three one-time buyers (two orders of customer 1 on one day, and a
      ** refund of customer 2 on another day: still no repeat purchase). */
      "INSERT INTO o VALUES (1, '2024-03-01 10:00', 10), (1, '2024-03-01 18:00', 5),"
      " (2, '2024-04-01', 20), (2, '2024-05-01', -20), (3, '2024-06-01', 7),"
      " (3, '2024-07-01', NULL);"
      "CREATE VIRTUAL TABLE t USING segments(orders = 'o', customer = 'c',"
      " ordered_at = 'at', amount = 'amt', as_of = '2025-01-01', model = 'bgnbd');"
      "CREATE TABLE z(c, at, amt);"
      "INSERT INTO z VALUES (1, '2024-03-01', 0), (2, '2024-04-01', -3), (3, '2024-05-01', NULL);"
      "CREATE VIRTUAL TABLE tz USING segments(orders = 'z', customer = 'c',"
      " ordered_at = 'at', amount = 'amt', as_of = '2025-01-01', model = 'bgnbd');");
  /* The same three histories through bgnbd_fit. */
  zFit = sqltest_error(db,
      "WITH h(d) AS (VALUES ('2024-03-01'), ('2024-04-01'), ('2024-06-01'))"
      " SELECT bgnbd_fit(0, 0, julianday('2025-01-01') - julianday(d)) FROM h");
  assert_true(strncmp(zFit, "bgnbd_fit: ", 11) == 0);
  zWant = sqlite3_mprintf("segments: %s", zFit + 11);
  assert_sql_error(db, "SELECT p_alive FROM t", zWant);
  assert_sql_error(db, "SELECT count(*) FROM t", zWant);
  sqlite3_free(zWant);
  free(zFit);
  assert_sql_error(db, "SELECT * FROM tz",
                   "segments: cannot fit model 'bgnbd' as of 2025-01-01: no customer"
                   " has an order with a positive amount by then");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_days_equal_the_functions),
      cmocka_unit_test(test_weeks_equal_the_functions),
      cmocka_unit_test(test_churn_risk_bands),
      cmocka_unit_test(test_rule_map_reads_model_columns),
      cmocka_unit_test(test_columns_hidden_and_not_stored),
  };
  const struct CMUnitTest hand_made[] = {
      cmocka_unit_test_setup_teardown(test_option_errors, setup_memory, teardown_memory),
      cmocka_unit_test_setup_teardown(test_fit_failures, setup_memory, teardown_memory),
  };
  int nFailed = cmocka_run_group_tests(tests, setup_shop, teardown_shop);
  return nFailed + cmocka_run_group_tests(hand_made, NULL, NULL);
}
