/*
** test_segments.c — the segments virtual table through a real connection.
**
** Every column is checked against reference.h (plain SQL, no extension
** function) on random shops with heavy ties, refunds, NULL amounts, text
** ids and orders after as_of; then freshness, caching, plans, options and
** their errors word for word, injection, hostile filters, the shadow
** tables, refresh, manual mode and trust.  Issue 5's columns (tenure,
** gap, recent window, discount share, refunds, lifecycle, email features,
** email3) against reference_features.h's plain SQL; lifecycle against a
** hand-worked sample; a four-row rule map against the same rules as a
** plain CASE, with matched_rules and the documented overlap check.
*/
#include "sqltest.h"

#include <unistd.h>

#include "../rng.h"
#include "reference.h"
#include "reference_features.h"

#define SHOP_OPTIONS                                                          \
  "orders='orders', customer='customer_id', ordered_at='created_at', "       \
  "amount='total'"

/* Every option, as the errors list them. */
#define OPTION_LIST                                                           \
  "orders=, customer=, ordered_at=, amount=, filter=, customers=, "          \
  "customers_id=, as_of=, bins=, map=, breaks=, date_format=, bad_dates=, "  \
  "money_decimals=, mode=, window_days=, new_days=, lost_days=, "            \
  "active_factor=, cooling_factor=, discount=, refund=, events=, "           \
  "events_customer=, events_at=, events_kind=, model=, horizon=, time_unit=, discount_rate=, threads="

static int setup(void **state) {
  *state = sqltest_open();
  return 0;
}

static int teardown(void **state) {
  sqltest_close(*state);
  return 0;
}

/* ---- a random shop ------------------------------------------------------- */

/* nOrders orders over nCustomers customers, 2023-01-01 .. 2025-03-01:
** amounts from a small set (heavy ties), refunds, NULLs, some text ids,
** times of day, and a few orders after the as_of used in the tests. */
static void make_shop(sqlite3 *db, uint64_t seed, int nCustomers, int nOrders,
                      int bTextIds) {
  static const double amounts[] = {10, 20, 20, 20, 35.5, 50, 99.99, 120, 0.1, 0.2};
  sqlite3_stmt *pIns;
  rng_state = seed;
  sqltest_exec(db,
      "CREATE TABLE orders(order_id INTEGER PRIMARY KEY, customer_id, created_at,"
      " total, status TEXT);"
      "CREATE TABLE customers(customer_id PRIMARY KEY, city TEXT);");
  assert_int_equal(sqlite3_prepare_v2(db,
      "INSERT INTO orders(customer_id, created_at, total, status) VALUES(?,?,?,?)",
      -1, &pIns, 0), SQLITE_OK);
  sqltest_exec(db, "BEGIN");
  for (int i = 0; i < nOrders; i++) {
    /* Skewed: low ids buy much more often. */
    uint64_t u = rng_next() % 1000;
    int cust = (int)((u * u / 1000) * (uint64_t)nCustomers / 1000) + 1;
    int day = (int)(rng_next() % 790);   /* days after 2023-01-01 */
    char zDate[40];
    {
      char *z = sqlite3_mprintf(
          "SELECT strftime('%%Y-%%m-%%d %%H:%%M:%%S', '2023-01-01', '+%d days', '+%d seconds')",
          day, (int)(rng_next() % 86400));
      char *zOut = sqltest_text(db, z);
      sqlite3_snprintf(sizeof zDate, zDate, "%s", zOut);
      free(zOut);
      sqlite3_free(z);
    }
    if (bTextIds && cust % 7 == 0) {
      char zId[16];
      sqlite3_snprintf(sizeof zId, zId, "c%d", cust);
      sqlite3_bind_text(pIns, 1, zId, -1, SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_int(pIns, 1, cust);
    }
    sqlite3_bind_text(pIns, 2, zDate, -1, SQLITE_TRANSIENT);
    switch (rng_next() % 20) {
      case 0: sqlite3_bind_null(pIns, 3); break;
      case 1: sqlite3_bind_double(pIns, 3, -amounts[rng_next() % 10]); break;
      default: sqlite3_bind_double(pIns, 3, amounts[rng_next() % 10]); break;
    }
    sqlite3_bind_text(pIns, 4, rng_next() % 30 ? "paid" : "cancelled", -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(pIns), SQLITE_DONE);
    sqlite3_reset(pIns);
  }
  sqlite3_finalize(pIns);
  sqltest_exec(db,
      "INSERT INTO customers SELECT DISTINCT customer_id, 'x' FROM orders;"
      "INSERT OR IGNORE INTO customers VALUES(1000001, 'never'), (1000002, 'never');"
      "COMMIT");
}

/* The number of rows in which query a and query b differ (both ways). */
static sqlite3_int64 count_differences(sqlite3 *db, const char *a, const char *b) {
  char *zSql = sqlite3_mprintf(
      "SELECT (SELECT count(*) FROM (SELECT * FROM (%s) EXCEPT SELECT * FROM (%s)))"
      " + (SELECT count(*) FROM (SELECT * FROM (%s) EXCEPT SELECT * FROM (%s)))",
      a, b, b, a);
  sqlite3_int64 n = sqltest_int(db, zSql);
  sqlite3_free(zSql);
  return n;
}

#define TABLE_COLUMNS                                                          \
  "customer_id, first_order, last_order, recency_days, frequency, monetary, " \
  "avg_order, r, f, m, rfm"

/* Every column equals the plain-SQL reference, and segment equals the
** rfm11 grid typed in SQL; the count of rows too. */
static void check_against_reference(sqlite3 *db, const char *zTable,
                                    const char *zAsOf, const char *zWhere) {
  char *zRef = reference_rfm_sql("orders", "customer_id", "created_at", "total",
                                 zAsOf, 5);
  char *zOurs = sqlite3_mprintf("SELECT " TABLE_COLUMNS " FROM %s('%s') WHERE frequency > 0 %s",
                                zTable, zAsOf, zWhere);
  char *zSql;
  assert_true(sqltest_int(db, "SELECT count(*) FROM orders") > 0);
  assert_int_equal(count_differences(db, zRef, zOurs), 0);
  zSql = sqlite3_mprintf("SELECT (SELECT count(*) FROM (%s)) = (SELECT count(*) FROM (%s))",
                         zRef, zOurs);
  assert_sql_text(db, zSql, "1");
  sqlite3_free(zSql);
  zSql = sqlite3_mprintf("SELECT count(*) FROM %s('%s') WHERE frequency > 0 AND segment <> "
                         REFERENCE_RFM11_SQL, zTable, zAsOf);
  assert_sql_text(db, zSql, "0");
  sqlite3_free(zSql);
  sqlite3_free(zRef);
  sqlite3_free(zOurs);
}

static void test_columns_equal_plain_sql_on_random_shops(void **state) {
  sqlite3 *db = *state;
  make_shop(db, 42, 400, 6000, 1);
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS ")");
  check_against_reference(db, "shop", "2025-01-01", "");
  check_against_reference(db, "shop", "2024-06-30", "");
  check_against_reference(db, "shop", "2023-02-01", "");
  /* Few customers: fewer than bins. */
  check_against_reference(db, "shop", "2023-01-03", "");
}

static void test_columns_equal_plain_sql_integer_ids_many_ties(void **state) {
  sqlite3 *db = *state;
  make_shop(db, 7, 3000, 5000, 0);
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS ")");
  check_against_reference(db, "shop", "2025-01-01", "");
  /* The functions give the same scores as the table (the foundation's
  ** rfm_breaks + rfm_score over the same features). */
  assert_sql_text(db,
      "WITH b AS (SELECT json_object('r', json(rfm_breaks(recency_days)),"
      "  'f', json(rfm_breaks(frequency)), 'm', json(rfm_breaks(monetary))) AS k"
      "  FROM shop('2025-01-01') WHERE frequency > 0)"
      "SELECT count(*) FROM shop('2025-01-01'), b WHERE frequency > 0 AND"
      " (rfm <> rfm_score(recency_days, frequency, monetary, k)"
      "  OR segment <> segment_of(rfm))",
      "0");
}

/* ---- lookups, plans, caching ---------------------------------------------------- */

static int nScans;

static int count_scans(unsigned type, void *ctx, void *p, void *x) {
  const char *zSql = sqlite3_sql((sqlite3_stmt *)p);
  (void)type, (void)ctx, (void)x;
  if (zSql && strncmp(zSql, "SELECT src.\"customer_id\", src.\"created_at\"", 42) == 0) nScans++;
  return 0;
}

/* The detail of the one-line query plan of zSql. */
static void assert_plan(sqlite3 *db, const char *zSql, const char *zExpected) {
  sqlite3_stmt *pStmt;
  char *zEqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", zSql);
  assert_int_equal(sqlite3_prepare_v2(db, zEqp, -1, &pStmt, 0), SQLITE_OK);
  assert_int_equal(sqlite3_step(pStmt), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(pStmt, 3), zExpected);
  sqlite3_finalize(pStmt);
  sqlite3_free(zEqp);
}

static void test_lookups_and_plans(void **state) {
  sqlite3 *db = *state;
  make_shop(db, 3, 200, 2000, 1);
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                   ", as_of='2025-01-01')");
  /* A lookup equals the row of a full scan. */
  assert_int_equal(count_differences(db,
      "SELECT * FROM shop WHERE customer_id = 3",
      "SELECT * FROM (SELECT * FROM shop) WHERE customer_id = 3"), 0);
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = 3", "1");
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = 'c7'", "1");
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = 3.0", "1");
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = '3'", "0");
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = 99999", "0");
  /* Reals far outside the integers are no id (and no undefined cast). */
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = 1e300", "0");
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = -9.3e18", "0");
  assert_sql_text(db,
      "SELECT group_concat(customer_id, ' ') FROM shop WHERE customer_id IN (5, 'c7', 3, 99999)",
      "3 5 c7");
  assert_int_equal(count_differences(db,
      "SELECT * FROM shop WHERE segment = 'Champions'",
      "SELECT * FROM (SELECT * FROM shop) WHERE segment = 'Champions'"), 0);
  assert_sql_text(db,
      "SELECT (SELECT count(*) FROM shop WHERE segment = 'Lost') = "
      "(SELECT count(*) FROM (SELECT * FROM shop) WHERE segment = 'Lost')", "1");
  /* ORDER BY customer_id and ORDER BY / GROUP BY segment are served by the
  ** table (no sorter in the plan), and the order is right: integers, then
  ** texts; segments by name. */
  assert_plan(db, "SELECT * FROM shop ORDER BY customer_id", "SCAN shop VIRTUAL TABLE INDEX 16:");
  assert_plan(db, "SELECT * FROM shop ORDER BY segment", "SCAN shop VIRTUAL TABLE INDEX 32:");
  assert_plan(db, "SELECT segment, count(*) FROM shop GROUP BY segment",
              "SCAN shop VIRTUAL TABLE INDEX 32:");
  assert_sql_text(db,
      "SELECT count(*) FROM (SELECT customer_id, lag(customer_id) OVER () AS prev"
      " FROM (SELECT customer_id FROM shop ORDER BY customer_id))"
      " WHERE prev IS NOT NULL AND prev >= customer_id", "0");
  assert_sql_text(db,
      "SELECT count(*) FROM (SELECT segment, lag(segment) OVER () AS prev"
      " FROM (SELECT segment FROM shop ORDER BY segment))"
      " WHERE prev IS NOT NULL AND prev > segment", "0");
  assert_sql_text(db,
      "SELECT (SELECT group_concat(segment || count, ',') FROM (SELECT segment, count(*) AS count"
      "   FROM shop GROUP BY segment)) = (SELECT group_concat(segment || count, ',') FROM"
      "  (SELECT segment, count(*) AS count FROM (SELECT * FROM shop ORDER BY rfm) GROUP BY segment"
      "   ORDER BY segment))", "1");
  assert_sql_text(db,
      "SELECT (SELECT group_concat(customer_id) FROM (SELECT customer_id FROM shop ORDER BY customer_id))"
      " = (SELECT group_concat(customer_id) FROM (SELECT customer_id FROM shop ORDER BY +customer_id))",
      "1");

  /* The planner uses the lookup plans (idxNum 2 and 8). */
  assert_plan(db, "SELECT * FROM shop WHERE customer_id = 3",
              "SCAN shop VIRTUAL TABLE INDEX 2:");
  assert_plan(db, "SELECT * FROM shop WHERE customer_id IN (1, 2)",
              "SCAN shop VIRTUAL TABLE INDEX 4:");
  assert_plan(db, "SELECT * FROM shop WHERE segment = 'Lost'",
              "SCAN shop VIRTUAL TABLE INDEX 8:");
  assert_plan(db, "SELECT * FROM shop('2024-01-01') WHERE customer_id = 3",
              "SCAN shop VIRTUAL TABLE INDEX 3:");
}

static void test_repeated_selects_do_not_read_orders_again(void **state) {
  sqlite3 *db = *state;
  make_shop(db, 5, 100, 1000, 0);
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                   ", as_of='2025-01-01')");
  nScans = 0;
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT, count_scans, 0);
  sqltest_exec(db, "SELECT segment, count(*) FROM shop GROUP BY 1");
  assert_int_equal(nScans, 1);
  sqltest_exec(db, "SELECT segment, count(*) FROM shop GROUP BY 1");
  sqltest_exec(db, "SELECT * FROM shop WHERE customer_id = 5");
  sqltest_exec(db, "SELECT * FROM shop WHERE segment = 'Lost'");
  assert_int_equal(nScans, 1);
  /* A join that looks every customer up again reads the orders once. */
  sqltest_exec(db, "SELECT count(*) FROM shop a JOIN shop b USING(customer_id)");
  assert_int_equal(nScans, 1);
  /* Two dates: one more scan for the other date, then both are cached. */
  sqltest_exec(db, "SELECT count(*) FROM shop('2024-06-30') a JOIN shop b USING(customer_id)");
  assert_int_equal(nScans, 2);
  sqltest_exec(db, "SELECT count(*) FROM shop('2024-06-30') a JOIN shop b USING(customer_id)");
  assert_int_equal(nScans, 2);
  /* Inside a transaction that changed nothing: still cached. */
  sqltest_exec(db, "BEGIN; SELECT count(*) FROM shop; SELECT count(*) FROM shop; COMMIT");
  assert_int_equal(nScans, 2);
  /* A change to anything: read again. */
  sqltest_exec(db, "CREATE TABLE unrelated(x); INSERT INTO unrelated VALUES(1)");
  sqltest_exec(db, "SELECT count(*) FROM shop");
  assert_int_equal(nScans, 3);
  /* Inside a transaction after a change: each statement reads again (a
  ** rollback would not show in any counter). */
  sqltest_exec(db, "BEGIN; INSERT INTO unrelated VALUES(2);"
                   "SELECT count(*) FROM shop; SELECT count(*) FROM shop; ROLLBACK");
  assert_int_equal(nScans, 5);
  sqlite3_trace_v2(db, 0, 0, 0);
}

/* ---- freshness ---------------------------------------------------------------------- */

static void check_fresh(sqlite3 *reader, sqlite3 *writer) {
  /* Customer 77 does not exist; then buys; then the order changes; then
  ** goes away. */
  assert_sql_text(reader, "SELECT count(*) FROM shop WHERE customer_id = 77", "0");
  sqltest_exec(writer,
      "INSERT INTO orders(customer_id, created_at, total) VALUES(77, '2024-12-31', 5000)");
  assert_sql_text(reader,
      "SELECT frequency || ' ' || monetary || ' ' || recency_days FROM shop WHERE customer_id = 77",
      "1 5000.0 1");
  sqltest_exec(writer, "UPDATE orders SET total = 1 WHERE customer_id = 77");
  assert_sql_text(reader, "SELECT monetary FROM shop WHERE customer_id = 77", "1.0");
  sqltest_exec(writer, "DELETE FROM orders WHERE customer_id = 77");
  assert_sql_text(reader, "SELECT count(*) FROM shop WHERE customer_id = 77", "0");
}

static void test_fresh_after_changes_by_the_same_connection(void **state) {
  sqlite3 *db = *state;
  make_shop(db, 9, 50, 300, 0);
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                   ", as_of='2025-01-01')");
  check_fresh(db, db);
  /* Inside a transaction, and after its rollback. */
  sqltest_exec(db, "BEGIN; INSERT INTO orders(customer_id, created_at, total)"
                   " VALUES(88, '2024-12-01', 1)");
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = 88", "1");
  sqltest_exec(db, "ROLLBACK");
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = 88", "0");
  sqltest_exec(db, "BEGIN; SAVEPOINT a; INSERT INTO orders(customer_id, created_at, total)"
                   " VALUES(89, '2024-12-01', 1)");
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = 89", "1");
  sqltest_exec(db, "ROLLBACK TO a");
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = 89", "0");
  sqltest_exec(db, "COMMIT");
}

static void test_fresh_after_changes_by_another_connection(void **state) {
  char zPath[] = "/tmp/segment-test-XXXXXX";
  int fd = mkstemp(zPath);
  sqlite3 *db, *other;
  (void)state;
  assert_true(fd >= 0);
  close(fd);
  db = sqltest_open_file(zPath);
  make_shop(db, 11, 50, 300, 0);
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                   ", as_of='2025-01-01')");
  assert_int_equal(sqlite3_open(zPath, &other), SQLITE_OK); /* no extension */
  check_fresh(db, other);
  /* The same in WAL mode. */
  sqltest_exec(db, "PRAGMA journal_mode=WAL");
  check_fresh(db, other);
  assert_int_equal(sqlite3_close(other), SQLITE_OK);
  sqltest_close(db);
  unlink(zPath);
  {
    char *z = sqlite3_mprintf("%s-wal", zPath);
    unlink(z);
    sqlite3_free(z);
    z = sqlite3_mprintf("%s-shm", zPath);
    unlink(z);
    sqlite3_free(z);
  }
}

/* ---- options ---------------------------------------------------------------------------- */

static void test_options(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TABLE o(cust, at, amount, status, disc);"
      "INSERT INTO o VALUES"
      " (1, '2024-12-31', 10, 'paid', 0), (1, '2024-12-01', 20, 'cancelled', 0),"
      " (2, 1733011200, 30, 'paid', 0),"          /* unix seconds: 2024-12-01 */
      " (3, 2460600.5, 40, 'paid', 0),"            /* julian day: 2024-10-16 */
      " ('t', '2024-11-30T23:30:00-02:00', 50, 'paid', 0),"  /* = 12-01 01:30 UTC */
      " (5, '2025-01-02', 60, 'paid', 0);"         /* after as_of */
      "CREATE TABLE people(pid, name); INSERT INTO people VALUES(1,'a'),(9,'never');");
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE t1 USING segments(orders = o, customer = cust,"
      " ordered_at = \"at\", amount = 'amount', filter = 'status <> ''cancelled''',"
      " customers = 'people', customers_id = 'pid', as_of = '2025-01-01')");
  /* Four buyers (1, 2, 3, t), one order each: fewer than 5 values, so
  ** the cut points are the sorted values, the last repeated.
  ** recency 1, 31, 76, 31 -> cuts 1,31,31,76; monetary 10,30,40,50 ->
  ** cuts 10,30,40,50; frequency all 1 -> F 1.
  **   1: rec 1 -> R5, m 10 -> 1: 511 New Customers
  **   2: rec 31 -> 1 below -> R4, m 30 -> 2: 412, FM 2 -> Potential Loyalist
  **   3: rec 76 -> 3 below -> R2, m 40 -> 3: 213, FM 2 -> Hibernating
  **   t: rec 31 -> R4, m 50 -> 4: 414, FM 3 -> Loyal Customers
  ** (julian day 2460600.5 is 2024-10-17 00:00; the -02:00 order is
  ** 2024-12-01 01:30 UTC; the cancelled order and the one after as_of
  ** do not count; 9 is listed from people with no orders.) */
  assert_sql_text(db,
      "SELECT group_concat(customer_id || ':' || ifnull(last_order, '-') || ':' ||"
      " frequency || ':' || ifnull(recency_days, '-') || ':' || segment, ' ')"
      " FROM (SELECT * FROM t1 ORDER BY customer_id)",
      "1:2024-12-31:1:1:New Customers 2:2024-12-01:1:31:Potential Loyalist "
      "3:2024-10-17:1:76:Hibernating 9:-:0:-:No orders t:2024-12-01:1:31:Loyal Customers");
  /* Fixed business thresholds instead of quantiles, bins from breaks. */
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE t2 USING segments(orders='o', customer='cust',"
      " ordered_at='at', amount='amount', as_of='2025-01-01', map='rf10',"
      " breaks='{\"r\":[7,30,60,90],\"f\":[1,2,3,4],\"m\":[15,25,35,45]}')");
  /* 1: recency 1 -> R5, 2 orders -> F2, 30 -> M3 (15,25 below). */
  assert_sql_text(db, "SELECT rfm || ' ' || segment FROM t2 WHERE customer_id = 1",
                  "523 Potential Loyalist");
  /* Pinned date formats. */
  sqltest_exec(db,
      "CREATE TABLE u(c, at, amount); INSERT INTO u VALUES(1, 1733011200, 5), (1, 1733097600.5, 5);"
      "CREATE VIRTUAL TABLE t3 USING segments(orders='u', customer='c', ordered_at='at',"
      " amount='amount', date_format='unix', as_of='2025-01-01');"
      "CREATE VIRTUAL TABLE t4 USING segments(orders='u', customer='c', ordered_at='at',"
      " amount='amount', date_format='iso', as_of='2025-01-01');");
  assert_sql_text(db, "SELECT first_order || ' ' || last_order FROM t3",
                  "2024-12-01 2024-12-02");
  assert_sql_error(db, "SELECT * FROM t4",
      "segments: u row 1: at 1733011200 is not a date (ISO-8601, unix seconds or "
      "julian day; bad_dates='skip' skips such rows)");
  /* Unreadable dates: an error naming the row, or skipped. */
  sqltest_exec(db,
      "CREATE TABLE w(c, at, amount); INSERT INTO w VALUES(1, '2024-12-01', 5),"
      " (2, 'yesterday', 5), (3, NULL, 5);"
      "CREATE VIRTUAL TABLE t5 USING segments(orders='w', customer='c', ordered_at='at',"
      " amount='amount', as_of='2025-01-01');"
      "CREATE VIRTUAL TABLE t6 USING segments(orders='w', customer='c', ordered_at='at',"
      " amount='amount', as_of='2025-01-01', bad_dates='skip');"
      "CREATE VIEW wv AS SELECT * FROM w;"
      "CREATE VIRTUAL TABLE t7 USING segments(orders='wv', customer='c', ordered_at='at',"
      " amount='amount', as_of='2025-01-01');");
  assert_sql_error(db, "SELECT * FROM t5",
      "segments: w row 2: at 'yesterday' is not a date (ISO-8601, unix seconds or "
      "julian day; bad_dates='skip' skips such rows)");
  assert_sql_text(db, "SELECT group_concat(customer_id) FROM t6", "1");
  /* Skipped rows are counted where a refresh stores its facts: the two bad
  ** dates, and an order with no customer. */
  sqltest_exec(db, "INSERT INTO w VALUES(NULL, '2024-12-01', 5);"
                   "INSERT INTO t6(t6) VALUES('refresh')");
  assert_sql_text(db,
      "SELECT group_concat(k || '=' || v, ' ') FROM (SELECT * FROM t6_config"
      " WHERE k LIKE 'skipped%' ORDER BY k)",
      "skipped_bad_dates=2 skipped_no_customer=1");
  assert_sql_error(db, "SELECT * FROM t7",
      "segments: wv row #2: at 'yesterday' is not a date (ISO-8601, unix seconds or "
      "julian day; bad_dates='skip' skips such rows)");
  /* Amounts that are not numbers. */
  sqltest_exec(db,
      "CREATE TABLE x(c, at, amount); INSERT INTO x VALUES(1, '2024-12-01', '12.5'),"
      " (1, '2024-12-02', 'lots');"
      "CREATE VIRTUAL TABLE t8 USING segments(orders='x', customer='c', ordered_at='at',"
      " amount='amount', as_of='2025-01-01');");
  assert_sql_error(db, "SELECT * FROM t8",
                   "segments: x row 2: amount 'lots' is not a finite number");
  sqltest_exec(db, "DELETE FROM x WHERE amount = 'lots'");
  assert_sql_text(db, "SELECT monetary FROM t8", "12.5");
  /* as_of as the hidden column. */
  assert_sql_error(db, "SELECT * FROM t8(20240101)",
                   "segments: as_of must be a date like '2024-06-30', got 20240101");
  assert_sql_text(db, "SELECT count(*) FROM t8('2024-11-30')", "0");
  assert_sql_text(db, "SELECT as_of FROM t8(NULL)", "2025-01-01");
}

static void test_option_errors(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db, "CREATE TABLE orders(customer_id, created_at, total, status);"
                   "CREATE TABLE people(id);");
  static const struct {
    const char *zArgs, *zError;
  } cases[] = {
      {"orderz='orders'",
       "segments: unknown option 'orderz' (expected " OPTION_LIST ")"},
      {SHOP_OPTIONS ", orders='orders'", "segments: option 'orders' given twice"},
      {SHOP_OPTIONS ", bins=5, bins=5", "segments: option 'bins' given twice"},
      {"orders='orders', customer='customer_id', ordered_at='created_at'",
       "segments: missing option amount= (the column of the order value)"},
      {"customer='customer_id', ordered_at='created_at', amount='total'",
       "segments: missing option orders= (the table or view of orders)"},
      {SHOP_OPTIONS ", nonsense",
       "segments: option 'nonsense' must be key=value (expected " OPTION_LIST ")"},
      {SHOP_OPTIONS ", filter=''", "segments: option 'filter' is empty"},
      {SHOP_OPTIONS ", bins=12",
       "segments: bins must be an integer from 2 to 9, got '12'"},
      {SHOP_OPTIONS ", bins=4",
       "segments: map 'rfm11' covers scores 1 to 5, so it needs 5 bins (give "
       "bins=5, or a map table for other bins)"},
      {SHOP_OPTIONS ", bins=5, breaks='{\"r\":[1,2,3,4],\"f\":[1,2,3,4],\"m\":[1,2,3,4]}'",
       "segments: bins= and breaks= conflict (breaks= sets the bins: n cut "
       "points make n+1 bins)"},
      {SHOP_OPTIONS ", breaks='{\"r\":[1],\"f\":[1]}'",
       "segments: breaks has no \"m\" (expected \"r\", \"f\" and \"m\")"},
      {SHOP_OPTIONS ", date_format='us'",
       "segments: date_format must be 'auto', 'iso', 'unix' or 'julian', got 'us'"},
      {SHOP_OPTIONS ", bad_dates='ignore'",
       "segments: bad_dates must be 'error' or 'skip', got 'ignore'"},
      {SHOP_OPTIONS ", mode='auto'",
       "segments: mode must be 'live' or 'manual', got 'auto'"},
      {SHOP_OPTIONS ", money_decimals=9",
       "segments: money_decimals must be an integer from 0 to 6, got '9'"},
      {SHOP_OPTIONS ", as_of='yesterday'",
       "segments: as_of 'yesterday' is not a date (expected YYYY-MM-DD or 'today')"},
      {SHOP_OPTIONS ", customers_id='id'",
       "segments: customers_id= needs customers= (the table it is a column of)"},
      {"orders='orderz', customer='customer_id', ordered_at='created_at', amount='total'",
       "segments: no table or view \"orderz\" (orders=)"},
      {"orders='orders', customer='customer_id', ordered_at='created_at', amount='totl'",
       "segments: no column \"totl\" in table \"orders\" (amount=)"},
      {SHOP_OPTIONS ", customers='people'",
       "segments: no column \"customer_id\" in table \"people\" (customers=)"},
      {SHOP_OPTIONS ", customers='people', customers_id='pid'",
       "segments: no column \"pid\" in table \"people\" (customers_id=)"},
      {SHOP_OPTIONS ", map='mymap'",
       "segments: unknown map 'mymap' (expected rfm11, rfm5, rf10, email3, a table with columns code and segment, "
       "or a rule map with columns segment, rule and priority)"},
      {SHOP_OPTIONS ", filter='statuz = 1'",
       "segments: filter 'statuz = 1': no such column: statuz"},
      /* issue 5's options */
      {SHOP_OPTIONS ", window_days=0",
       "segments: window_days must be a number of days from 1 to 36500, got '0'"},
      {SHOP_OPTIONS ", window_days=30, window_days=60",
       "segments: option 'window_days' given twice"},
      {SHOP_OPTIONS ", lost_days='a year'",
       "segments: lost_days must be a number of days from 1 to 36500, got 'a year'"},
      {SHOP_OPTIONS ", active_factor=0",
       "segments: active_factor must be a number greater than 0 (at most 1000), got '0'"},
      {SHOP_OPTIONS ", cooling_factor='2x'",
       "segments: cooling_factor must be a number greater than 0 (at most 1000), got '2x'"},
      {SHOP_OPTIONS ", new_days=400",
       "segments: new_days (400) must be less than lost_days (365)"},
      {SHOP_OPTIONS ", active_factor=4",
       "segments: active_factor (4) must not exceed cooling_factor (3)"},
      {SHOP_OPTIONS ", events_at='at'",
       "segments: events_at= needs events= (the table of email events)"},
      {SHOP_OPTIONS ", events='ev', events_at='at'",
       "segments: events= needs events_kind= (the column of the event's kind: "
       "open, click, subscribe, unsubscribe)"},
      {SHOP_OPTIONS ", map='email3'",
       "segments: map 'email3' needs events= (the table of email events)"},
      {SHOP_OPTIONS ", events='nowhere', events_at='at', events_kind='kind'",
       "segments: no table or view \"nowhere\" (events=)"},
      {SHOP_OPTIONS ", events='orders', events_at='at', events_kind='kind'",
       "segments: no column \"at\" in table \"orders\" (events_at=)"},
      {SHOP_OPTIONS ", discount='discont > 0'",
       "segments: discount 'discont > 0': no such column: discont"},
      {SHOP_OPTIONS ", refund='random() > 0'",
       "segments: refund may not call random() (only pure built-in functions and "
       "this extension's are allowed)"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE bad USING segments(%s)",
                                 cases[i].zArgs);
    assert_sql_error(db, zSql, cases[i].zError);
    sqlite3_free(zSql);
  }
  assert_sql_error(db, "CREATE VIRTUAL TABLE rfm USING segments(" SHOP_OPTIONS ")",
      "segments: a segments table cannot be named 'rfm', the name of one of its "
      "columns (try shop_rfm)");
  /* Nothing was left behind by the failed CREATEs. */
  assert_sql_text(db,
      "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema ORDER BY name)",
      "orders people");
}

/* Names reach SQL only as quoted identifiers: an injection attempt in any
** option that names a table or column is a missing table or column. */
static void test_injection_in_every_name_option(void **state) {
  sqlite3 *db = *state;
  static const char *const azEvil[] = {
      "orders='orders\"; DROP TABLE orders; --', customer='customer_id', "
      "ordered_at='created_at', amount='total'",
      "orders='orders', customer='customer_id\" FROM orders; DROP TABLE orders; --', "
      "ordered_at='created_at', amount='total'",
      "orders='orders', customer='customer_id', ordered_at='created_at\"; DROP TABLE orders; --', "
      "amount='total'",
      "orders='orders', customer='customer_id', ordered_at='created_at', "
      "amount='total\"; DROP TABLE orders; --'",
      SHOP_OPTIONS ", customers='people\"; DROP TABLE orders; --'",
      SHOP_OPTIONS ", customers='people', customers_id='id\"; DROP TABLE orders; --'",
      SHOP_OPTIONS ", map='m\"; DROP TABLE orders; --'",
  };
  sqltest_exec(db, "CREATE TABLE orders(customer_id, created_at, total);"
                   "INSERT INTO orders VALUES(1, '2024-01-01', 5);"
                   "CREATE TABLE people(id);");
  for (size_t i = 0; i < sizeof(azEvil) / sizeof(azEvil[0]); i++) {
    char *zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE bad USING segments(%s)", azEvil[i]);
    char *zErr = sqltest_error(db, zSql);
    assert_true(strstr(zErr, "segments: no ") == zErr ||
                strstr(zErr, "segments: unknown map") == zErr);
    free(zErr);
    sqlite3_free(zSql);
    assert_sql_text(db, "SELECT count(*) FROM orders", "1");
  }
}

/* A filter runs only if it is one expression calling pure functions. */
static int nWrites;
static void fake_writefile(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc, (void)argv;
  nWrites++;
  sqlite3_result_int(ctx, 1);
}

static void test_hostile_filters_are_refused(void **state) {
  sqlite3 *db = *state;
  static const struct {
    const char *zFilter, *zError;
  } cases[] = {
      {"load_extension(''x'') IS NULL",
       "segments: filter may not call load_extension() (only pure built-in "
       "functions and this extension's are allowed)"},
      {"writefile(''/tmp/x'', total) > 0",
       "segments: filter may not call writefile() (only pure built-in functions "
       "and this extension's are allowed)"},
      {"readfile(''/etc/passwd'') IS NOT NULL",
       "segments: filter may not call readfile() (only pure built-in functions "
       "and this extension's are allowed)"},
      {"edit(total) IS NOT NULL",
       "segments: filter may not call edit() (only pure built-in functions and "
       "this extension's are allowed)"},
      {"fts3_tokenizer(''simple'') IS NOT NULL",
       "segments: filter may not call fts3_tokenizer() (only pure built-in "
       "functions and this extension's are allowed)"},
      {"random() > 0",
       "segments: filter may not call random() (only pure built-in functions "
       "and this extension's are allowed)"},
      {"1); DROP TABLE orders; --",
       "segments: filter must be one SQL expression, found an unmatched ')' in "
       "'1); DROP TABLE orders; --'"},
      {"1; DROP TABLE orders",
       "segments: filter must be one SQL expression, found a ';' in '1; DROP "
       "TABLE orders'"},
      {"customer_id IN (SELECT segment FROM segment_map)",
       "segments: filter may not read virtual tables"},
  };
  sqltest_exec(db, "CREATE TABLE orders(customer_id, created_at, total);"
                   "INSERT INTO orders VALUES(1, '2024-01-01', 5);");
  /* Stand-ins for the shell's functions, to prove they never run. */
  sqlite3_create_function(db, "writefile", 2, SQLITE_UTF8, 0, fake_writefile, 0, 0);
  sqlite3_create_function(db, "readfile", 1, SQLITE_UTF8, 0, fake_writefile, 0, 0);
  sqlite3_create_function(db, "edit", 1, SQLITE_UTF8, 0, fake_writefile, 0, 0);
  nWrites = 0;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *zSql = sqlite3_mprintf(
        "CREATE VIRTUAL TABLE bad USING segments(" SHOP_OPTIONS ", filter='%s')",
        cases[i].zFilter);
    assert_sql_error(db, zSql, cases[i].zError);
    sqlite3_free(zSql);
  }
  assert_int_equal(nWrites, 0);
  assert_sql_text(db, "SELECT count(*) FROM orders", "1");
  /* Allowed: pure functions, subqueries on tables, comments. */
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE ok USING segments(" SHOP_OPTIONS ", as_of='2025-01-01',"
      " filter='upper(''a'') = ''A'' AND date(created_at) >= ''2020-01-01'' -- a comment\n"
      " AND customer_id IN (SELECT customer_id FROM orders)')");
  assert_sql_text(db, "SELECT count(*) FROM ok", "1");
}

/* ---- refresh, shadow tables, manual mode ------------------------------------------------- */

static void test_refresh_and_shadow_tables(void **state) {
  sqlite3 *db = *state;
  make_shop(db, 13, 100, 800, 1);
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                   ", as_of='2025-01-01', customers='customers')");
  assert_sql_text(db,
      "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema"
      " WHERE name LIKE 'shop%' AND type = 'table' ORDER BY name)",
      "shop shop_config shop_members");
  assert_sql_text(db, "SELECT v FROM shop_config WHERE k = 'version'", "2");
  sqltest_exec(db, "INSERT INTO shop(shop) VALUES('refresh')");
  /* The stored members equal the live table. */
  assert_int_equal(count_differences(db,
      "SELECT *, as_of FROM shop", "SELECT * FROM shop_members"), 0);
  assert_sql_text(db, "SELECT v FROM shop_config WHERE k = 'as_of'", "2025-01-01");
  assert_sql_text(db,
      "SELECT (SELECT v FROM shop_config WHERE k = 'customers') = (SELECT count(*) FROM shop)", "1");
  assert_sql_text(db,
      "SELECT count(*) FROM shop_config WHERE k = 'refreshed_at' AND v LIKE '2___-__-__ __:__:__'", "1");
  /* Defensive mode: the shadow tables cannot be written by hand. */
  assert_sql_error(db, "UPDATE shop_members SET segment = 'x'",
                   "table shop_members may not be modified");
  assert_sql_error(db, "DELETE FROM shop_config", "table shop_config may not be modified");
  /* Read-only table, unknown commands. */
  assert_sql_error(db, "DELETE FROM shop",
      "segments: shop is read-only (its rows come from orders; INSERT INTO "
      "\"shop\"(\"shop\") VALUES('refresh') stores them in shop_members)");
  assert_sql_error(db, "INSERT INTO shop(shop) VALUES('refesh')",
                   "segments: unknown command 'refesh' (expected 'refresh')");
  /* Rename moves the shadow tables; drop removes them. */
  sqltest_exec(db, "ALTER TABLE shop RENAME TO shop2");
  assert_sql_text(db,
      "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema"
      " WHERE name LIKE 'shop%' AND type = 'table' ORDER BY name)",
      "shop2 shop2_config shop2_members");
  assert_sql_text(db, "SELECT count(*) = (SELECT count(*) FROM shop2) FROM shop2_members", "1");
  sqltest_exec(db, "DROP TABLE shop2");
  assert_sql_text(db, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'shop%'", "0");
  /* The user's tables are untouched. */
  assert_sql_text(db, "SELECT count(*) FROM orders", "800");
}

static int stop_after_limit(void *p) {
  int *pnLeft = p;
  return --*pnLeft < 0;
}

static void test_failed_refresh_keeps_previous_members(void **state) {
  sqlite3 *db = *state;
  int nLeft;
  make_shop(db, 17, 100, 2000, 0);
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                   ", as_of='2025-01-01')");
  sqltest_exec(db, "INSERT INTO shop(shop) VALUES('refresh');"
                   "CREATE TABLE before AS SELECT * FROM shop_members;");
  sqltest_exec(db, "DELETE FROM orders WHERE customer_id % 2 = 0");
  /* Interrupt the refresh at later and later points until it completes:
  ** each interrupted one leaves the old members whole. */
  int nFailed = 0;
  for (int limit = 0;; limit++) {
    int rc;
    nLeft = limit;
    sqlite3_progress_handler(db, 20, stop_after_limit, &nLeft);
    rc = sqlite3_exec(db, "INSERT INTO shop(shop) VALUES('refresh')", 0, 0, 0);
    sqlite3_progress_handler(db, 0, 0, 0);
    if (rc == SQLITE_OK) break;
    assert_int_equal(rc, SQLITE_INTERRUPT);
    nFailed++;
    /* All or nothing: the old members whole, or (when the interrupt came
    ** after the refresh was written) the new ones whole. */
    if (count_differences(db, "SELECT * FROM before", "SELECT * FROM shop_members") != 0)
      assert_int_equal(count_differences(db, "SELECT *, as_of FROM shop",
                                         "SELECT * FROM shop_members"), 0);
  }
  assert_true(nFailed > 10); /* the loop did interrupt it many times */
  assert_int_equal(count_differences(db, "SELECT *, as_of FROM shop",
                                     "SELECT * FROM shop_members"), 0);
  assert_sql_text(db, "SELECT count(*) FROM shop_members WHERE customer_id % 2 = 0", "0");
}

static void test_manual_mode(void **state) {
  sqlite3 *db = *state;
  make_shop(db, 19, 100, 800, 0);
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                   ", as_of='2025-01-01', mode='manual')");
  assert_sql_error(db, "SELECT * FROM shop",
      "segments: shop is in mode 'manual' and has not been refreshed yet (run "
      "INSERT INTO \"shop\"(\"shop\") VALUES('refresh'))");
  sqltest_exec(db, "INSERT INTO shop(shop) VALUES('refresh');"
                   "CREATE TABLE before AS SELECT * FROM shop;");
  /* A stable picture: changes to orders do not show until refresh. */
  sqltest_exec(db, "DELETE FROM orders WHERE customer_id < 50");
  assert_int_equal(count_differences(db, "SELECT * FROM before", "SELECT * FROM shop"), 0);
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id = 1", "1");
  assert_sql_text(db,
      "SELECT (SELECT count(*) FROM shop WHERE segment = 'Lost') ="
      " (SELECT count(*) FROM before WHERE segment = 'Lost')", "1");
  /* Another date is computed live. */
  assert_sql_text(db, "SELECT count(*) FROM shop('2025-01-01') WHERE customer_id < 50", "0");
  sqltest_exec(db, "INSERT INTO shop(shop) VALUES('refresh')");
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE customer_id < 50", "0");
  check_against_reference(db, "shop", "2025-01-01", "");
}

/* INNOCUOUS: views and triggers over a segments table work, also with
** trusted_schema off (see the reason in vtab_segments.c). */
static void test_views_and_triggers_over_the_table(void **state) {
  sqlite3 *db = *state;
  make_shop(db, 23, 50, 300, 0);
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS ", as_of='2025-01-01');"
      "CREATE VIEW champions AS SELECT customer_id FROM shop WHERE segment = 'Champions';"
      "CREATE TABLE log(x);"
      "CREATE TRIGGER refresh_on_log AFTER INSERT ON log BEGIN"
      "  INSERT INTO shop(shop) VALUES('refresh'); END;");
  for (int trusted = 1; trusted >= 0; trusted--) {
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, trusted, (int *)0);
    assert_sql_text(db,
        "SELECT (SELECT count(*) FROM champions) ="
        " (SELECT count(*) FROM shop WHERE segment = 'Champions')", "1");
    sqltest_exec(db, "INSERT INTO log VALUES(1)");
    assert_sql_text(db,
        "SELECT (SELECT count(*) FROM shop_members) = (SELECT count(*) FROM shop)", "1");
  }
}


/* ---- issue 5: features, lifecycle, rule maps, email -------------------------- */

/* Random email events for customers 1..nCustomers (and some strangers):
** kinds in mixed case, some unknown, dates 2023-01-01 .. 2025-03-01. */
static void make_events(sqlite3 *db, uint64_t seed, int nCustomers, int nEvents) {
  static const char *const azKind[] = {"open", "open", "open", "click", "subscribe",
                                       "open", "Open", "bounce", "open", "click",
                                       "subscribe", "open", "open", "open", "open",
                                       "unsubscribe"};
  sqlite3_stmt *pIns;
  rng_state = seed;
  sqltest_exec(db, "CREATE TABLE events(customer_id, at TEXT, kind TEXT); BEGIN");
  assert_int_equal(sqlite3_prepare_v2(db,
      "INSERT INTO events VALUES(?1, date('2023-01-01', '+' || ?2 || ' days'), ?3)",
      -1, &pIns, 0), SQLITE_OK);
  for (int i = 0; i < nEvents; i++) {
    sqlite3_bind_int(pIns, 1, 1 + (int)rng_below((size_t)nCustomers + 20));
    sqlite3_bind_int(pIns, 2, (int)rng_below(790));
    sqlite3_bind_text(pIns, 3, azKind[rng_below(16)], -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(pIns), SQLITE_DONE);
    sqlite3_reset(pIns);
  }
  sqlite3_finalize(pIns);
  sqltest_exec(db, "COMMIT");
}

/* docs/segmentation/rules.md's overlap and coverage check, over "shop":
** per rule, the customers it matches and how many of them another rule
** matches too; then the customers no rule matches. */
#define RULES_CHECK_SQL                                                         \
  "SELECT value AS rule, count(*) AS matched,"                                  \
  " sum(json_array_length(matched_rules) > 1) AS overlapping"                  \
  " FROM shop, json_each(shop.matched_rules) GROUP BY value"                   \
  " UNION ALL SELECT '(no rule)', count(*), NULL FROM shop WHERE matched_rules = '[]'"

#define FEATURE_COLUMNS                                                         \
  "customer_id, tenure_days, avg_gap_days, recent_orders, recent_monetary, "   \
  "discount_share, refund_count, lifecycle"

/* Every new feature column equals reference_features.h's plain SQL. */
static void check_features(sqlite3 *db, const char *zTable, const char *zAsOf,
                           int nWindow, const char *zLifecycle) {
  char *zRef = reference_features_sql("orders", "customer_id", "created_at", "total",
                                      zAsOf, nWindow, "total < 20", "total < 0",
                                      zLifecycle);
  char *zOurs = sqlite3_mprintf("SELECT " FEATURE_COLUMNS " FROM %s('%s') WHERE frequency > 0",
                                zTable, zAsOf);
  char *zCount = sqlite3_mprintf("SELECT (SELECT count(*) FROM (%s)) = (SELECT count(*) FROM (%s))"
                                 " AND (SELECT count(*) FROM (%s)) > 0", zRef, zOurs, zRef);
  assert_sql_text(db, zCount, "1");
  assert_int_equal(count_differences(db, zRef, zOurs), 0);
  sqlite3_free(zCount);
  sqlite3_free(zRef);
  sqlite3_free(zOurs);
}

static void test_feature_columns_equal_plain_sql(void **state) {
  sqlite3 *db = *state;
  make_shop(db, 42, 400, 6000, 1);
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS ", discount='total < 20',"
      " refund='total < 0');"
      "CREATE VIRTUAL TABLE shop2 USING segments(" SHOP_OPTIONS ", discount='total < 20',"
      " refund='total < 0', window_days=365, new_days=60, lost_days=200,"
      " active_factor=1, cooling_factor=2.5)");
  check_features(db, "shop", "2025-01-01", 90, "30, 365, 1.5, 3");
  check_features(db, "shop", "2024-06-30", 90, "30, 365, 1.5, 3");
  check_features(db, "shop", "2023-02-01", 90, "30, 365, 1.5, 3");
  check_features(db, "shop2", "2024-06-30", 365, "60, 200, 1, 2.5");
  /* Every stage occurs, so each branch of the rule was compared. */
  assert_sql_text(db, "SELECT count(DISTINCT lifecycle) FROM (SELECT lifecycle FROM shop('2025-01-01')"
                      " UNION ALL SELECT lifecycle FROM shop('2024-06-30')"
                      " UNION ALL SELECT lifecycle FROM shop('2023-02-01'))", "5");
  /* Without discount= and refund= the columns are NULL; a customer
  ** without orders has NULL features but 0 recent orders. */
  sqltest_exec(db, "CREATE VIRTUAL TABLE plain USING segments(" SHOP_OPTIONS ","
                   " customers='customers', as_of='2025-01-01')");
  assert_sql_text(db, "SELECT count(*) FROM plain WHERE discount_share IS NOT NULL"
                      " OR refund_count IS NOT NULL", "0");
  assert_sql_text(db,
      "SELECT quote(tenure_days) || quote(avg_gap_days) || recent_orders ||"
      " quote(lifecycle) FROM plain WHERE customer_id = 1000001", "NULLNULL0NULL");
}

/* The lifecycle of a hand-worked sample (docs/segmentation/lifecycle.md),
** as of 2025-01-01 with the default thresholds; orders k days before. */
static void test_lifecycle_hand_worked_sample(void **state) {
  sqlite3 *db = *state;
  static const struct { int id; const char *zDaysAgo; const char *zStage; } aCase[] = {
      {1, "200,100,40", "active"},     /* gap 80: 40 <= 1.5 x 80 */
      {2, "400,300,200", "cooling"},   /* gap 100: 150 < 200 <= 300 */
      {3, "500,480,460,440", "lost"},  /* 440 >= 365 */
      {4, "300,290", "lapsed"},        /* gap 10: 290 > 30 */
      {5, "20", "new"},                /* first order 20 days ago < 30 */
      {6, "100", "cooling"},           /* shop gap median(10, 20, 80, 100) = 50: 75 < 100 <= 150 */
      {7, "40", "active"},             /* 40 <= 75 */
      {8, "400", "lost"},
      {9, "240", "lapsed"},            /* 240 > 150 */
  };
  sqltest_exec(db, "CREATE TABLE orders(customer_id, created_at, total)");
  for (size_t i = 0; i < sizeof(aCase) / sizeof(aCase[0]); i++) {
    char *zSql = sqlite3_mprintf(
        "INSERT INTO orders SELECT %d, date('2025-01-01', '-' || value || ' days'), 10"
        " FROM json_each('[%s]')", aCase[i].id, aCase[i].zDaysAgo);
    sqltest_exec(db, zSql);
    sqlite3_free(zSql);
  }
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS ", as_of='2025-01-01')");
  for (size_t i = 0; i < sizeof(aCase) / sizeof(aCase[0]); i++) {
    char *zSql = sqlite3_mprintf("SELECT lifecycle FROM shop WHERE customer_id = %d", aCase[i].id);
    assert_sql_text(db, zSql, aCase[i].zStage);
    sqlite3_free(zSql);
  }
}

/* The plain-SQL answer of the four-row map below: per customer of the
** customers table, the segment and whether each rule matches (m1..m4). */
#define FOUR_RULES_REFERENCE                                                   \
  "WITH f AS (%s), b AS (SELECT customer_id,"                                   \
  "   julianday('2025-01-01') - julianday(date(max(created_at))) AS recency_days," \
  "   round(total(total), 2) / count(total) AS avg_order FROM orders"         \
  "   WHERE date(created_at) <= '2025-01-01' GROUP BY 1),"                      \
  " m AS (SELECT c.customer_id, (f.recent_orders >= 3) IS TRUE AS m1,"         \
  "   (b.avg_order >= 40 AND c.city = 'Moscow') IS TRUE AS m2,"                \
  "   (f.discount_share >= 0.5) IS TRUE AS m3, (b.recency_days > 180) IS TRUE AS m4" \
  "   FROM customers c LEFT JOIN f USING(customer_id) LEFT JOIN b USING(customer_id))," \
  " ref AS (SELECT *, CASE WHEN m1 THEN 'Frequent buyers' WHEN m2 THEN 'High average check'" \
  "   WHEN m3 THEN 'Discount-driven' WHEN m4 THEN 'Sleeping' ELSE 'Other' END AS segment FROM m)"

/* The sources' four segments as a four-row map, against the same rules
** written as a plain CASE over plain-SQL features. */
static void test_rule_map_equals_plain_sql(void **state) {
  sqlite3 *db = *state;
  char *zRef, *zSql;
  make_shop(db, 11, 300, 5000, 0);
  sqltest_exec(db,
      "UPDATE customers SET city = CASE customer_id % 3 WHEN 0 THEN 'Moscow' WHEN 1 THEN 'Paris'"
      " END;"
      "CREATE TABLE four(segment TEXT, rule TEXT, priority INTEGER);"
      "INSERT INTO four VALUES"
      " ('Frequent buyers', 'recent_orders >= 3', 1),"
      " ('High average check', 'avg_order >= 40 AND city = ''Moscow''', 2),"
      " ('Discount-driven', 'discount_share >= 0.5', 3),"
      " ('Sleeping', 'recency_days > 180', 4);"
      "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS ", customers='customers',"
      " discount='total < 20', refund='total < 0', as_of='2025-01-01', map='four')");
  zRef = reference_features_sql("orders", "customer_id", "created_at", "total", "2025-01-01",
                                90, "total < 20", "total < 0", "30, 365, 1.5, 3");
  zSql = sqlite3_mprintf(FOUR_RULES_REFERENCE
      "SELECT (SELECT count(*) FROM ref) || ' ' || (SELECT count(*) FROM shop) || ' ' ||"
      " (SELECT count(*) FROM ref JOIN shop USING(customer_id) WHERE ref.segment <> shop.segment"
      "  OR json_array_length(shop.matched_rules) <> m1 + m2 + m3 + m4"
      "  OR m2 <> (shop.matched_rules LIKE '%%High average check%%'))", zRef);
  assert_sql_text(db, zSql, "302 302 0");
  sqlite3_free(zSql);
  /* All four segments and Other occur; some customers match two rules. */
  assert_sql_text(db, "SELECT count(DISTINCT segment) FROM shop", "5");
  assert_true(sqltest_int(db, "SELECT count(*) FROM shop WHERE json_array_length(matched_rules) > 1") > 0);
  /* The documented overlap and coverage check (docs/segmentation/rules.md)
  ** against the plain-SQL matches. */
  zSql = sqlite3_mprintf(FOUR_RULES_REFERENCE
      ", ours AS (" RULES_CHECK_SQL "),"
      " theirs AS (SELECT 'Frequent buyers' AS rule, sum(m1) AS matched,"
      "   sum(m1 AND m2 + m3 + m4 > 0) AS overlapping FROM ref"
      "  UNION ALL SELECT 'High average check', sum(m2), sum(m2 AND m1 + m3 + m4 > 0) FROM ref"
      "  UNION ALL SELECT 'Discount-driven', sum(m3), sum(m3 AND m1 + m2 + m4 > 0) FROM ref"
      "  UNION ALL SELECT 'Sleeping', sum(m4), sum(m4 AND m1 + m2 + m3 > 0) FROM ref"
      "  UNION ALL SELECT '(no rule)', sum(m1 + m2 + m3 + m4 = 0), NULL FROM ref)"
      "SELECT (SELECT count(*) FROM ours) || ' ' || (SELECT count(*) FROM"
      " (SELECT * FROM ours EXCEPT SELECT * FROM theirs))", zRef);
  assert_sql_text(db, zSql, "5 0");
  sqlite3_free(zSql);
  sqlite3_free(zRef);
  /* Segment plans work on a rule map: segment = ? and ORDER BY segment. */
  assert_sql_text(db,
      "SELECT (SELECT count(*) FROM shop WHERE segment = 'Sleeping') ="
      " (SELECT count(*) FROM (SELECT * FROM shop) WHERE segment = 'Sleeping')", "1");
  assert_sql_text(db,
      "SELECT group_concat(segment, '|') FROM (SELECT DISTINCT segment FROM shop ORDER BY segment)",
      "Discount-driven|Frequent buyers|High average check|Other|Sleeping");
  /* r, f, m still show the RFM scores. */
  assert_sql_text(db, "SELECT count(*) FROM shop WHERE frequency > 0 AND rfm IS NULL", "0");
  /* Not a rule map: matched_rules is NULL. */
  sqltest_exec(db, "CREATE VIRTUAL TABLE by_rfm USING segments(" SHOP_OPTIONS ")");
  assert_sql_text(db, "SELECT count(*) FROM by_rfm WHERE matched_rules IS NOT NULL", "0");
}

static void test_rule_map_errors(void **state) {
  sqlite3 *db = *state;
  static const struct { const char *zRows, *zError; } aCase[] = {
      {"('A', 'frequency > 1', 1), ('B', 'monetary > 1', 1)",
       "segments: map \"rules\" rows 'A' and 'B' have the same priority 1 (priorities "
       "must differ: the first rule that matches wins)"},
      {"('A', NULL, 1)", "segments: map \"rules\" row (priority 1) has no rule"},
      {"(NULL, 'frequency > 1', 2)", "segments: map \"rules\" row (priority 2) has no segment"},
      {"('A', 'frequency > 1', 'first')",
       "segments: map \"rules\" row 'A': priority 'first' is not an integer (rules are "
       "tried by priority, lowest first)"},
      {"('A', 'frequency > 1', 1), ('B', 'citty = 1', 2)",
       "segments: map \"rules\" row 'B' (priority 2): rule 'citty = 1': no such column: citty"},
      {"('A', 'segment = ''x''', 1)",
       "segments: map \"rules\" row 'A' (priority 1): rule 'segment = 'x'': no such column: segment"},
  };
  make_shop(db, 3, 20, 100, 0);
  for (size_t i = 0; i < sizeof(aCase) / sizeof(aCase[0]); i++) {
    char *zSql = sqlite3_mprintf(
        "DROP TABLE IF EXISTS rules; CREATE TABLE rules(segment, rule, priority);"
        "INSERT INTO rules VALUES %s", aCase[i].zRows);
    sqltest_exec(db, zSql);
    sqlite3_free(zSql);
    assert_sql_error(db,
        "CREATE VIRTUAL TABLE bad USING segments(" SHOP_OPTIONS ", customers='customers', map='rules')",
        aCase[i].zError);
  }
  /* A rule may read the customers table's columns (city) only when
  ** customers= is given. */
  sqltest_exec(db, "DELETE FROM rules; INSERT INTO rules VALUES('Paris', 'city = ''x''', 1)");
  assert_sql_error(db, "CREATE VIRTUAL TABLE bad USING segments(" SHOP_OPTIONS ", map='rules')",
                   "segments: map \"rules\" row 'Paris' (priority 1): rule 'city = 'x'': "
                   "no such column: city");
  sqltest_exec(db, "CREATE VIRTUAL TABLE good USING segments(" SHOP_OPTIONS ","
                   " customers='customers', map='rules')");
  assert_sql_text(db, "SELECT (SELECT count(*) FROM good WHERE segment = 'Paris') ="
                      " (SELECT count(*) FROM customers WHERE city = 'x')", "1");
  /* A row changed after CREATE is vetted when it is read. */
  sqltest_exec(db, "UPDATE rules SET rule = 'random() > 0'");
  assert_sql_error(db, "SELECT * FROM good",
                   "segments: map \"rules\" row 'Paris' (priority 1): rule may not call "
                   "random() (only pure built-in functions and this extension's are allowed)");
}

/* Email features and email3, against reference_features.h's plain SQL. */
static void test_email_features_equal_plain_sql(void **state) {
  sqlite3 *db = *state;
  const char *azAsOf[] = {"2025-01-01", "2024-03-15"};
  make_shop(db, 5, 200, 2000, 0);
  make_events(db, 9, 200, 800);
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE mail USING segments(" SHOP_OPTIONS ", customers='customers',"
      " events='events', events_at='at', events_kind='kind', map='email3')");
  for (int k = 0; k < 2; k++) {
    char *zRef = reference_email_sql("events", "customer_id", "at", "kind", azAsOf[k]);
    char *zSql = sqlite3_mprintf(
        "WITH ref AS (%s), ours AS (SELECT * FROM mail('%s'))"
        "SELECT count(*) || ' ' || sum(ours.last_open IS r.last_open"
        " AND ours.last_click IS r.last_click AND ours.opens_30d = coalesce(r.opens_30d, 0)"
        " AND ours.unsubscribed = coalesce(r.unsubscribed, 0)"
        " AND ours.segment = coalesce(r.stage, 'No events'))"
        " FROM ours LEFT JOIN ref r USING(customer_id)", zRef, azAsOf[k]);
    char *zCount = sqlite3_mprintf("SELECT count(*) || ' ' || count(*) FROM mail('%s')", azAsOf[k]);
    char *zExpected = sqltest_text(db, zCount);
    assert_sql_text(db, zSql, zExpected);
    free(zExpected);
    sqlite3_free(zCount);
    sqlite3_free(zSql);
    sqlite3_free(zRef);
  }
  /* Every stage occurs as of 2025-01-01, so each branch was compared. */
  assert_sql_text(db, "SELECT count(DISTINCT segment) FROM mail('2025-01-01')", "6");
  /* Without events= the email columns are NULL. */
  sqltest_exec(db, "CREATE VIRTUAL TABLE nomail USING segments(" SHOP_OPTIONS ")");
  assert_sql_text(db, "SELECT count(*) FROM nomail WHERE last_open IS NOT NULL"
                      " OR opens_30d IS NOT NULL OR unsubscribed IS NOT NULL", "0");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_columns_equal_plain_sql_on_random_shops, setup, teardown),
      cmocka_unit_test_setup_teardown(test_columns_equal_plain_sql_integer_ids_many_ties, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lookups_and_plans, setup, teardown),
      cmocka_unit_test_setup_teardown(test_repeated_selects_do_not_read_orders_again, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fresh_after_changes_by_the_same_connection, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fresh_after_changes_by_another_connection, setup, teardown),
      cmocka_unit_test_setup_teardown(test_options, setup, teardown),
      cmocka_unit_test_setup_teardown(test_option_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_injection_in_every_name_option, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hostile_filters_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refresh_and_shadow_tables, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failed_refresh_keeps_previous_members, setup, teardown),
      cmocka_unit_test_setup_teardown(test_manual_mode, setup, teardown),
      cmocka_unit_test_setup_teardown(test_views_and_triggers_over_the_table, setup, teardown),
      cmocka_unit_test_setup_teardown(test_feature_columns_equal_plain_sql, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lifecycle_hand_worked_sample, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rule_map_equals_plain_sql, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rule_map_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_email_features_equal_plain_sql, setup, teardown),
  };
  return cmocka_run_group_tests_name("segments", tests, NULL, NULL);
}
