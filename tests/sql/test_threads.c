/*
** test_threads.c — the segments table grouping its orders on a second
** thread (threads=2, core/grouper.h) gives what one thread gives.
**
** The shop has 150,000 orders, more than the 65,536 integer-id orders the
** table reads before it starts the thread, so the thread does most of the
** grouping.  For several option sets, every column of every customer
** (the model's hidden ones too) is the same with threads=1 and threads=2;
** and, as a check independent of both, frequency and first and last
** order agree with a plain GROUP BY over the orders.  A view whose text
** ids come after 135,000 integer ids makes the table take the grouping
** back from the thread mid-scan.  Bad threads= values are errors.
**
** Whether the second thread ran is seen from SQLite's allocator, wrapped
** here to note any call from a thread other than main's: with threads=2
** the worker grows the customer table (10,762 customers are in the first
** 65,536 orders, 18,631 in all: customers keep signing up), with
** threads=1 nothing does; and
** in single-thread mode (SQLITE_CONFIG_SINGLETHREAD, where SQLite's
** mutexes do nothing) the table must keep to one thread even when asked
** for two.
*/
#include "sqltest.h"

#include <pthread.h>
#include <unistd.h>

/* ---- an allocator that notes calls from other threads ----------------------- */

static sqlite3_mem_methods defaultMem;
static pthread_t mainThread;
static int bOtherThread; /* read after the query, when the worker has ended */

static void noteThread(void) {
  if (!pthread_equal(pthread_self(), mainThread)) bOtherThread = 1;
}
static void *noteMalloc(int n) { noteThread(); return defaultMem.xMalloc(n); }
static void noteFree(void *p) { noteThread(); defaultMem.xFree(p); }
static void *noteRealloc(void *p, int n) { noteThread(); return defaultMem.xRealloc(p, n); }
static int noteSize(void *p) { return defaultMem.xSize(p); }
static int noteRoundup(int n) { return defaultMem.xRoundup(n); }
static int noteInit(void *p) { return defaultMem.xInit(p); }
static void noteShutdown(void *p) { defaultMem.xShutdown(p); }

static void useNotingAllocator(void) {
  static const sqlite3_mem_methods noting = {noteMalloc, noteFree, noteRealloc, noteSize,
                                             noteRoundup, noteInit, noteShutdown, NULL};
  mainThread = pthread_self();
  if (!defaultMem.xMalloc) sqlite3_config(SQLITE_CONFIG_GETMALLOC, &defaultMem);
  sqlite3_config(SQLITE_CONFIG_MALLOC, &noting);
}

/* Whether counting temp.<zTable>'s customers called the allocator from
** another thread. */
static int countsOnAnotherThread(sqlite3 *db, const char *zTable) {
  char *zSql = sqlite3_mprintf("SELECT count(*) > 0 FROM temp.%s", zTable);
  bOtherThread = 0;
  assert_sql_text(db, zSql, "1");
  sqlite3_free(zSql);
  return bOtherThread;
}

static char zShop[] = "/tmp/segment-threads-XXXXXX";

/* The connection to the shop: every test's state, and here too, because
** the last test replaces it (cmocka's group teardown gets the state the
** group setup made, not a test's). */
static sqlite3 *shopDb;

static int setup(void **state) {
  useNotingAllocator();
  *state = shopDb = sqltest_generate_shop(zShop, "--customers 20000 --orders 150000 --no-events");
  return shopDb ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  if (shopDb) sqltest_close(shopDb);
  unlink(zShop);
  return 0;
}

#define ALL_COLUMNS "*, p_alive, expected_orders, expected_value, clv, churn_risk"

/* temp.one and temp.two over the same options, with threads=1 and 2. */
static void create_pair(sqlite3 *db, const char *zOptions) {
  char *zSql = sqlite3_mprintf(
      "DROP TABLE IF EXISTS temp.one; DROP TABLE IF EXISTS temp.two;"
      "CREATE VIRTUAL TABLE temp.one USING segments(%s, threads=1);"
      "CREATE VIRTUAL TABLE temp.two USING segments(%s, threads=2);",
      zOptions, zOptions);
  sqltest_exec(db, zSql);
  sqlite3_free(zSql);
}

static void assert_pair_agrees(sqlite3 *db) {
  assert_sql_text(db,
                  "SELECT (SELECT count(*) FROM temp.one) > 10000"
                  " AND (SELECT count(*) FROM temp.one) = (SELECT count(*) FROM temp.two)",
                  "1");
  assert_sql_text(db,
                  "SELECT count(*) FROM (SELECT " ALL_COLUMNS " FROM temp.one"
                  " EXCEPT SELECT " ALL_COLUMNS " FROM temp.two)",
                  "0");
}

static void test_shop_outgrows_the_first_thread(void **state) {
  sqlite3 *db = *state;
  assert_true(sqlite3_threadsafe() != 0);
  assert_true(sqltest_int(db, "SELECT count(*) FROM orders") > 65536 + 10000);
}

static void test_two_threads_give_what_one_gives(void **state) {
  sqlite3 *db = *state;
  static const char *const azOptions[] = {
      "orders=orders, customer=customer_id, ordered_at=created_at, amount=total",
      "orders=orders, customer=customer_id, ordered_at=created_at, amount=total,"
      " discount='discount > 0', refund='status = ''refunded''', window_days=365,"
      " as_of='2024-06-30'",
      "orders=orders, customer=customer_id, ordered_at=created_at, amount=total,"
      " customers=customers, model='bgnbd', time_unit='weeks', horizon=26,"
      " discount_rate=0.01",
      "orders=orders, customer=customer_id, ordered_at=created_at, amount=total,"
      " filter='status <> ''cancelled''', map=rf10",
  };
  for (size_t i = 0; i < sizeof azOptions / sizeof azOptions[0]; i++) {
    create_pair(db, azOptions[i]);
    assert_pair_agrees(db);
  }
  /* Independent of both: the orders counted and dated as GROUP BY does. */
  create_pair(db, azOptions[0]);
  assert_sql_text(db,
                  "SELECT count(*) = (SELECT count(DISTINCT customer_id) FROM orders)"
                  " AND count(*) = (SELECT count(*) FROM temp.two)"
                  " FROM temp.two AS s JOIN (SELECT customer_id,"
                  " count(*) AS n, date(min(created_at)) AS first,"
                  " date(max(created_at)) AS last FROM orders GROUP BY 1) AS g"
                  " USING (customer_id)"
                  " WHERE s.frequency = g.n AND s.first_order = g.first"
                  " AND s.last_order = g.last",
                  "1");
}

static void test_text_ids_take_the_grouping_back(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
               "CREATE TEMP VIEW mixed AS"
               " SELECT customer_id AS who, created_at, total FROM orders"
               " WHERE order_id <= 135000"
               " UNION ALL SELECT 'c' || customer_id, created_at, total FROM orders"
               " WHERE order_id > 135000");
  create_pair(db, "orders=mixed, customer=who, ordered_at=created_at, amount=total");
  assert_pair_agrees(db);
  assert_sql_text(db, "SELECT count(*) > 1000 FROM temp.two WHERE typeof(customer_id) = 'text'",
                  "1");
}

static void test_second_thread_runs_only_when_it_may(void **state) {
  sqlite3 *db = *state;
  char *zDb = sqlite3_mprintf("%s", zShop);
  create_pair(db, "orders=orders, customer=customer_id, ordered_at=created_at, amount=total");
  assert_true(countsOnAnotherThread(db, "two"));
  assert_false(countsOnAnotherThread(db, "one"));

  /* Single-thread mode: SQLite's mutexes do nothing, so neither may the
  ** thread.  (SQLite is configured again, so the connection goes first.) */
  sqltest_close(db);
  shopDb = NULL;
  assert_int_equal(sqlite3_shutdown(), SQLITE_OK);
  assert_int_equal(sqlite3_config(SQLITE_CONFIG_SINGLETHREAD), SQLITE_OK);
  useNotingAllocator();
  *state = shopDb = db = sqltest_open_file(zDb);
  sqlite3_free(zDb);
  create_pair(db, "orders=orders, customer=customer_id, ordered_at=created_at, amount=total");
  assert_false(countsOnAnotherThread(db, "two"));
  assert_pair_agrees(db);
}

static void test_bad_threads(void **state) {
  sqlite3 *db = *state;
  assert_sql_error(db,
                   "CREATE VIRTUAL TABLE temp.bad USING segments(orders=orders,"
                   " customer=customer_id, ordered_at=created_at, amount=total, threads=3)",
                   "segments: threads must be 1 or 2 (2: group the orders on a second"
                   " core), got '3'");
  assert_sql_error(db,
                   "CREATE VIRTUAL TABLE temp.bad USING segments(orders=orders,"
                   " customer=customer_id, ordered_at=created_at, amount=total, threads=1,"
                   " threads=2)",
                   "segments: option 'threads' given twice");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shop_outgrows_the_first_thread),
      cmocka_unit_test(test_two_threads_give_what_one_gives),
      cmocka_unit_test(test_text_ids_take_the_grouping_back),
      cmocka_unit_test(test_bad_threads),
      cmocka_unit_test(test_second_thread_runs_only_when_it_may), /* last: reconfigures */
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
