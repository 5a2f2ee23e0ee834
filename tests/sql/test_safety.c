/*
** test_safety.c — the user's data is safe, and long work can be stopped.
**
**   1. The user's tables are never written: every row of orders and
**      customers (rowid, type and bytes of every value) and their schema
**      hash the same before and after CREATE, every kind of SELECT,
**      lookups, refresh, manual mode, ALTER TABLE RENAME, DROP, failed
**      CREATEs, failed and rolled-back refreshes.
**   2. A refresh stopped anywhere — by sqlite3_interrupt from another
**      thread, or by a progress handler that calls sqlite3_interrupt
**      itself — leaves the previous members whole (or, when the stop came
**      after the writes, the new ones whole).
**   3. A reader in WAL mode sees one membership for the whole of its read
**      transaction while another connection commits orders and
**      customers; the segment counts always sum to the customers it sees.
**   4. Long work can be stopped: on a generated shop (build/gen_shop
**      --size M: 100,000 customers, 1,000,000 orders) a stop aimed at each
**      phase of a refresh — the scan of the orders, the read of the
**      customers, the scoring and sorting (C between the last read and the
**      first write), the clearing of <name>_members and the writes, the
**      phases timed by sqlite3_trace_v2 on the extension's own statements
**      — returns SQLITE_INTERRUPT and leaves the members whole.  The time
**      from the stop to the statement's return is printed for every phase,
**      and asserted only when SEGMENT_SAFETY_MAX_MS is set (a speed
**      figure, measured on a quiet machine: docs/benchmarks.md).
**
** The shops are generated afresh into temporary files and removed after.
** SEGMENT_SAFETY_SHOP sets the gen_shop arguments of part 4, e.g.
**
**     SEGMENT_SAFETY_SHOP='--customers 1000000 --orders 1000000' build/sql/test_safety
**     SEGMENT_SAFETY_SHOP='--size L' SEGMENT_SAFETY_MAX_MS=100 build/sql/test_safety
**
** and SEGMENT_SAFETY_JOURNAL its journal mode (e.g. wal; gen_shop writes
** the default, a rollback journal).
**
** Under valgrind or AddressSanitizer the latencies mean nothing: part 4
** then runs on the small demo shop, checks that every stop leaves the
** members whole, and says that it skipped any SEGMENT_SAFETY_MAX_MS assertion.
**
** pthread_create is in the C library itself on glibc 2.34 and later, so
** the Makefile's rule (no -lpthread) links the interrupting thread.
*/
#include "sqltest.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "reference.h"

#define SHOP_OPTIONS                                                          \
  "orders='orders', customer='customer_id', ordered_at='created_at', "       \
  "amount='total'"

/* ---- helpers ---------------------------------------------------------------- */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Whether wall-clock figures mean anything here: not under valgrind (it
** preloads its vgpreload_*.so) nor AddressSanitizer. */
static int timing_is_meaningful(void) {
  const char *z = getenv("LD_PRELOAD");
#ifdef __SANITIZE_ADDRESS__
  return 0;
#endif
  return !(z && strstr(z, "vgpreload"));
}

/* A fresh shop from build/gen_shop in a new temporary file whose name is
** written to zPath (a buffer of at least 64 bytes). */
static void generate_shop(char *zPath, const char *zArgs) {
  char *zCmd;
  int fd;
  strcpy(zPath, "/tmp/segment-safety-XXXXXX");
  fd = mkstemp(zPath);
  assert_true(fd >= 0);
  close(fd);
  unlink(zPath); /* gen_shop never overwrites a file */
  zCmd = sqlite3_mprintf("./build/gen_shop %s --no-events %s 2>/dev/null", zArgs, zPath);
  if (system(zCmd) != 0) {
    print_error("gen_shop failed: %s\n", zCmd);
    sqlite3_free(zCmd);
    fail();
  }
  sqlite3_free(zCmd);
}

static void remove_db_files(const char *zPath) {
  static const char *const azSuffix[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < sizeof(azSuffix) / sizeof(azSuffix[0]); i++) {
    char *z = sqlite3_mprintf("%s%s", zPath, azSuffix[i]);
    unlink(z);
    sqlite3_free(z);
  }
}

/* FNV-1a, 64 bits. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *z = p;
  for (size_t i = 0; i < n; i++) {
    h ^= z[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* A hash of every row zSql returns: the type and the exact bytes of every
** value (integers and reals as their 8 bytes, so 1, 1.0 and '1' differ),
** and the row and column boundaries. */
static uint64_t hash_query(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = NULL;
  uint64_t h = 0xcbf29ce484222325ULL;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if (rc != SQLITE_OK) {
    print_error("prepare failed: %s\n  error: %s\n", zSql, sqlite3_errmsg(db));
    fail();
  }
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    int nCol = sqlite3_column_count(pStmt);
    for (int i = 0; i < nCol; i++) {
      unsigned char type = (unsigned char)sqlite3_column_type(pStmt, i);
      h = fnv(h, &type, 1);
      if (type == SQLITE_INTEGER) {
        sqlite3_int64 v = sqlite3_column_int64(pStmt, i);
        h = fnv(h, &v, sizeof v);
      } else if (type == SQLITE_FLOAT) {
        double v = sqlite3_column_double(pStmt, i);
        h = fnv(h, &v, sizeof v);
      } else if (type != SQLITE_NULL) {
        const void *p = type == SQLITE_BLOB ? sqlite3_column_blob(pStmt, i)
                                            : (const void *)sqlite3_column_text(pStmt, i);
        int n = sqlite3_column_bytes(pStmt, i);
        h = fnv(h, &n, sizeof n);
        h = fnv(h, p, (size_t)n);
      }
    }
    h = fnv(h, "\n", 1);
  }
  if (rc != SQLITE_DONE) {
    print_error("step failed: %s\n  error: %s\n", zSql, sqlite3_errmsg(db));
    sqlite3_finalize(pStmt);
    fail();
  }
  sqlite3_finalize(pStmt);
  return h;
}

/* Every row of the user's tables with its rowid, and their schema. */
static uint64_t hash_user_tables(sqlite3 *db) {
  uint64_t h = hash_query(db, "SELECT rowid, * FROM main.orders ORDER BY rowid");
  h ^= 3 * hash_query(db, "SELECT rowid, * FROM main.customers ORDER BY rowid");
  h ^= 7 * hash_query(db,
      "SELECT type, name, tbl_name, rootpage, sql FROM main.sqlite_schema"
      " WHERE tbl_name IN ('orders', 'customers') ORDER BY name");
  return h;
}

#define assert_user_tables_unchanged(db, h, zAfter)                           \
  do {                                                                         \
    if (hash_user_tables(db) != (h)) {                                         \
      print_error("%s:%d: the user's tables changed after %s\n", __FILE__,     \
                  __LINE__, (zAfter));                                         \
      fail();                                                                  \
    }                                                                          \
  } while (0)

/* The stored members, every column. */
static uint64_t hash_members(sqlite3 *db, const char *zTable) {
  char *zSql = sqlite3_mprintf("SELECT * FROM \"%w_members\" ORDER BY customer_id", zTable);
  uint64_t h = hash_query(db, zSql);
  sqlite3_free(zSql);
  return h;
}

/* The live membership as the members table would store it. */
static uint64_t hash_live(sqlite3 *db, const char *zTable) {
  char *zSql = sqlite3_mprintf("SELECT *, as_of FROM \"%w\" ORDER BY customer_id", zTable);
  uint64_t h = hash_query(db, zSql);
  sqlite3_free(zSql);
  return h;
}

/* ---- 1. the user's tables are never written ------------------------------------ */

static char zDemo[64];

static int setup_demo(void **state) {
  generate_shop(zDemo, "--size demo");
  *state = sqltest_open_file(zDemo);
  return 0;
}

static int teardown_demo(void **state) {
  sqltest_close(*state);
  remove_db_files(zDemo);
  return 0;
}

/* The hash notices a changed value, a changed type, a moved row and a
** changed schema — so the equalities below could fail. */
static void test_checksum_sees_every_change(void **state) {
  sqlite3 *db = *state;
  uint64_t h = hash_user_tables(db);
  static const char *const azChange[] = {
      "UPDATE orders SET total = total + 0.01 WHERE order_id = 17",
      "UPDATE customers SET city = 'Paris ' WHERE customer_id = 3",
      "UPDATE orders SET status = CAST('paid' AS BLOB) WHERE order_id = 5",
      "UPDATE orders SET created_at = created_at || ' ' WHERE order_id = 9",
      "INSERT INTO orders SELECT 1000000, customer_id, created_at, total, status,"
      " discount FROM orders WHERE order_id = 1; DELETE FROM orders WHERE order_id = 1",
      "DELETE FROM customers WHERE customer_id = 2999",
      "CREATE INDEX orders_status ON orders(status)",
  };
  assert_true(sqltest_int(db, "SELECT count(*) FROM orders") > 30000);
  for (size_t i = 0; i < sizeof(azChange) / sizeof(azChange[0]); i++) {
    sqltest_exec(db, "BEGIN");
    sqltest_exec(db, azChange[i]);
    if (hash_user_tables(db) == h) {
      print_error("the hash did not change after: %s\n", azChange[i]);
      fail();
    }
    sqltest_exec(db, "ROLLBACK");
    assert_user_tables_unchanged(db, h, "a rollback");
  }
}

static int nProgressLeft;
static int interrupt_after_n_calls(void *p) {
  if (--nProgressLeft == 0) sqlite3_interrupt((sqlite3 *)p);
  return 0;
}

static void test_user_tables_unchanged_by_every_operation(void **state) {
  sqlite3 *db = *state;
  const uint64_t h = hash_user_tables(db);
  static const char *const azSelect[] = {
      "SELECT * FROM shop",
      "SELECT segment, count(*), sum(monetary) FROM shop GROUP BY segment",
      "SELECT * FROM shop ORDER BY segment",
      "SELECT * FROM shop ORDER BY customer_id",
      "SELECT * FROM shop WHERE customer_id = 42",
      "SELECT * FROM shop WHERE customer_id IN (1, 42, 'x', 99999)",
      "SELECT * FROM shop WHERE segment = 'Champions'",
      "SELECT * FROM shop('2024-06-30') WHERE customer_id = 42",
      "SELECT a.segment, b.segment, count(*) FROM shop('2024-06-30') a"
      " JOIN shop b USING (customer_id) GROUP BY 1, 2",
      "SELECT rfm_breaks(monetary), segment_of(max(rfm)) FROM shop",
  };
  static const char *const azFailingCreate[] = {
      "CREATE VIRTUAL TABLE bad USING segments(orderz='orders')",
      "CREATE VIRTUAL TABLE bad USING segments(" SHOP_OPTIONS ", filter='writefile(''/tmp/x'', total) > 0')",
      "CREATE VIRTUAL TABLE bad USING segments(" SHOP_OPTIONS ", filter='1); DELETE FROM orders; --')",
      "CREATE VIRTUAL TABLE bad USING segments(orders='orders', customer='customer_id',"
      " ordered_at='created_at', amount='total\"; DELETE FROM orders; --')",
      "CREATE VIRTUAL TABLE bad USING segments(" SHOP_OPTIONS ", customers='customers',"
      " customers_id='id')",
      "CREATE VIRTUAL TABLE bad USING segments(" SHOP_OPTIONS ", map='orders')",
      "CREATE VIRTUAL TABLE rfm USING segments(" SHOP_OPTIONS ")",
      "CREATE VIRTUAL TABLE orders_x USING segments(" SHOP_OPTIONS ", as_of='someday')",
  };

  sqltest_exec(db,
      "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS ", filter='status <> ''cancelled''',"
      " customers='customers', as_of='2025-01-01')");
  assert_user_tables_unchanged(db, h, "CREATE");
  for (size_t i = 0; i < sizeof(azSelect) / sizeof(azSelect[0]); i++) {
    (void)hash_query(db, azSelect[i]);
    assert_user_tables_unchanged(db, h, azSelect[i]);
  }
  assert_sql_text(db, "SELECT count(*) FROM shop", "3000");

  sqltest_exec(db, "INSERT INTO shop(shop) VALUES('refresh')");
  assert_user_tables_unchanged(db, h, "refresh");
  assert_sql_text(db, "SELECT count(*) FROM shop_members", "3000");

  /* A refresh rolled back, and one interrupted half way. */
  sqltest_exec(db, "BEGIN; INSERT INTO shop(shop) VALUES('refresh'); ROLLBACK");
  assert_user_tables_unchanged(db, h, "a rolled-back refresh");
  nProgressLeft = 100;
  sqlite3_progress_handler(db, 100, interrupt_after_n_calls, db);
  assert_int_equal(sqlite3_exec(db, "INSERT INTO shop(shop) VALUES('refresh')", 0, 0, 0),
                   SQLITE_INTERRUPT);
  sqlite3_progress_handler(db, 0, 0, 0);
  assert_user_tables_unchanged(db, h, "an interrupted refresh");

  /* Statements the table refuses. */
  assert_sql_error(db, "DELETE FROM shop WHERE customer_id = 1",
      "segments: shop is read-only (its rows come from orders; INSERT INTO "
      "\"shop\"(\"shop\") VALUES('refresh') stores them in shop_members)");
  assert_sql_error(db, "UPDATE shop SET segment = 'x'",
      "segments: shop is read-only (its rows come from orders; INSERT INTO "
      "\"shop\"(\"shop\") VALUES('refresh') stores them in shop_members)");
  assert_sql_error(db, "INSERT INTO shop(shop) VALUES('drop')",
                   "segments: unknown command 'drop' (expected 'refresh')");
  assert_user_tables_unchanged(db, h, "refused writes");

  /* Failed CREATEs: each one is an error, and leaves nothing behind. */
  for (size_t i = 0; i < sizeof(azFailingCreate) / sizeof(azFailingCreate[0]); i++) {
    char *zErr = sqltest_error(db, azFailingCreate[i]);
    assert_true(strncmp(zErr, "segments: ", 10) == 0);
    free(zErr);
    assert_user_tables_unchanged(db, h, azFailingCreate[i]);
  }

  /* Manual mode. */
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE frozen USING segments(" SHOP_OPTIONS ", mode='manual',"
      " as_of='2024-01-01')");
  assert_user_tables_unchanged(db, h, "CREATE (manual)");
  sqltest_exec(db, "INSERT INTO frozen(frozen) VALUES('refresh')");
  (void)hash_query(db, "SELECT * FROM frozen WHERE segment = 'Lost'");
  assert_user_tables_unchanged(db, h, "a manual refresh and SELECT");

  /* Rename and drop. */
  sqltest_exec(db, "ALTER TABLE shop RENAME TO shop2");
  assert_user_tables_unchanged(db, h, "ALTER TABLE RENAME");
  sqltest_exec(db, "INSERT INTO shop2(shop2) VALUES('refresh')");
  (void)hash_query(db, "SELECT * FROM shop2 WHERE customer_id = 7");
  assert_user_tables_unchanged(db, h, "a refresh after RENAME");
  sqltest_exec(db, "DROP TABLE shop2; DROP TABLE frozen");
  assert_user_tables_unchanged(db, h, "DROP TABLE");
  assert_sql_text(db,
      "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema"
      " WHERE type = 'table' ORDER BY name)",
      "customers orders");

  /* And on disk, from a new connection. */
  sqltest_close(db);
  db = *state = sqltest_open_file(zDemo);
  assert_user_tables_unchanged(db, h, "closing and reopening the file");
  assert_sql_text(db, "PRAGMA integrity_check", "ok");
}

/* ---- 2. a stopped refresh leaves the members whole ------------------------------ */

/* Whether the stored members are exactly hOld or exactly the live
** membership (hNew): never a mix. */
static void assert_members_whole(sqlite3 *db, uint64_t hOld, uint64_t hNew, const char *zWhen) {
  uint64_t h = hash_members(db, "shop");
  if (h != hOld && h != hNew) {
    print_error("after %s the members are neither the old ones nor the new ones\n", zWhen);
    fail();
  }
}

/* Change the orders so that a refresh stores other members than before:
** double every third customer's amounts and drop every fifth's orders. */
static void change_the_orders(sqlite3 *db) {
  sqltest_exec(db,
      "UPDATE orders SET total = total * 2 WHERE customer_id % 3 = 0;"
      "DELETE FROM orders WHERE customer_id % 5 = 0;");
}

/* A progress handler that calls sqlite3_interrupt(db) itself after N calls,
** at 60 points spread over the whole refresh. */
static void test_refresh_interrupted_by_progress_handler_keeps_members(void **state) {
  sqlite3 *db = *state;
  uint64_t hOld, hNew;
  int nCalls, nInterrupted = 0;
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                   ", customers='customers', as_of='2025-01-01')");
  sqltest_exec(db, "INSERT INTO shop(shop) VALUES('refresh')");
  hOld = hash_members(db, "shop");
  change_the_orders(db);
  hNew = hash_live(db, "shop");
  assert_true(hOld != hNew); /* so the checks below can tell them apart */

  /* How many calls a whole refresh makes (rolled back). */
  nProgressLeft = -1;
  sqlite3_progress_handler(db, 50, interrupt_after_n_calls, db);
  sqltest_exec(db, "BEGIN; INSERT INTO shop(shop) VALUES('refresh');");
  nCalls = -1 - nProgressLeft;
  sqltest_exec(db, "ROLLBACK");
  assert_true(nCalls > 600);
  assert_true(hash_members(db, "shop") == hOld);

  for (int k = 1; k <= 60; k++) {
    uint64_t h;
    int rc;
    nProgressLeft = (int)((sqlite3_int64)nCalls * k / 61);
    rc = sqlite3_exec(db, "INSERT INTO shop(shop) VALUES('refresh')", 0, 0, 0);
    h = hash_members(db, "shop");
    assert_members_whole(db, hOld, hNew, "a refresh stopped by a progress handler");
    if (rc == SQLITE_OK || h == hNew) {
      /* Only the last points can come after the writes. */
      assert_true(k > 50);
      break;
    }
    assert_int_equal(rc, SQLITE_INTERRUPT);
    nInterrupted++;
  }
  sqlite3_progress_handler(db, 0, 0, 0);
  assert_true(nInterrupted > 50);
  sqltest_exec(db, "INSERT INTO shop(shop) VALUES('refresh')");
  assert_true(hash_members(db, "shop") == hNew);
}

/* ---- the interrupting thread -------------------------------------------------- */

typedef struct Interrupter {
  sqlite3 *db;
  double tAt;      /* when to call sqlite3_interrupt (CLOCK_MONOTONIC seconds) */
  double tFired;   /* when it was called */
} Interrupter;

static void *interrupter_main(void *p) {
  Interrupter *x = p;
  struct timespec at;
  at.tv_sec = (time_t)x->tAt;
  at.tv_nsec = (long)((x->tAt - (double)at.tv_sec) * 1e9);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {
  }
  x->tFired = now();
  sqlite3_interrupt(x->db);
  return NULL;
}

/* Run zSql while another thread calls sqlite3_interrupt(db) tAfter seconds
** after the start.  Returns the seconds from that call to the statement's
** return, or -1 when the statement had returned before it. */
static double run_interrupted_by_thread(sqlite3 *db, const char *zSql, double tAfter, int *pRc) {
  Interrupter x;
  pthread_t th;
  double tReturned;
  x.db = db;
  x.tFired = 0;
  x.tAt = now() + tAfter;
  assert_int_equal(pthread_create(&th, NULL, interrupter_main, &x), 0);
  *pRc = sqlite3_exec(db, zSql, 0, 0, 0);
  tReturned = now();
  assert_int_equal(pthread_join(th, NULL), 0);
  return x.tFired < tReturned ? tReturned - x.tFired : -1;
}

/* sqlite3_interrupt from another thread at 40 moments spread over a
** refresh: each one leaves the members that were there whole.  (A refresh
** that finishes before its interrupt stores the new members; the orders
** are then flipped back, so that the next try again has old members and
** new ones that differ.) */
static void test_refresh_interrupted_by_another_thread_keeps_members(void **state) {
  sqlite3 *db = *state;
  const char *zFlip = "UPDATE orders SET total = -total WHERE customer_id % 3 = 0";
  uint64_t hOld, hNew;
  double t0, tWhole;
  int nInterrupted = 0;
  sqltest_exec(db, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                   ", customers='customers', as_of='2025-01-01')");
  sqltest_exec(db, "INSERT INTO shop(shop) VALUES('refresh')");
  hOld = hash_members(db, "shop");
  sqltest_exec(db, zFlip);
  hNew = hash_live(db, "shop");
  assert_true(hOld != hNew);
  t0 = now();
  sqltest_exec(db, "BEGIN; INSERT INTO shop(shop) VALUES('refresh')");
  tWhole = now() - t0;
  sqltest_exec(db, "ROLLBACK");
  for (int k = 0; k < 40; k++) {
    int rc;
    uint64_t h;
    double dt = run_interrupted_by_thread(db, "INSERT INTO shop(shop) VALUES('refresh')",
                                          tWhole * k / 40.0, &rc);
    h = hash_members(db, "shop");
    assert_members_whole(db, hOld, hNew, "a refresh interrupted from another thread");
    if (h == hNew) {
      /* Done before the interrupt (or as it was finishing): flip back. */
      uint64_t hSwap = hOld;
      assert_true(dt < 0 || rc == SQLITE_OK || rc == SQLITE_INTERRUPT);
      sqltest_exec(db, zFlip);
      hOld = hNew;
      hNew = hSwap;
      assert_true(hash_live(db, "shop") == hNew);
      continue;
    }
    assert_true(dt >= 0);
    assert_int_equal(rc, SQLITE_INTERRUPT);
    nInterrupted++;
  }
  assert_true(nInterrupted >= 20);
}

/* ---- 3. a WAL reader sees one membership per read transaction ------------------- */

static sqlite3 *open_plain(const char *zPath) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(zPath, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

/* Segment sizes sum to the customers this connection sees. */
static void assert_counts_sum_to_customers(sqlite3 *db) {
  assert_sql_text(db,
      "SELECT (SELECT sum(n) FROM (SELECT count(*) AS n FROM shop GROUP BY segment))"
      " = (SELECT count(*) FROM customers)", "1");
  assert_sql_text(db,
      "SELECT (SELECT sum(n) FROM (SELECT count(*) AS n FROM shop WHERE segment = 'Champions'"
      " UNION ALL SELECT count(*) FROM shop WHERE segment <> 'Champions'))"
      " = (SELECT count(*) FROM customers)", "1");
}

#define MEMBERSHIP_SQL "SELECT customer_id, frequency, monetary, rfm, segment FROM shop ORDER BY customer_id"

/* A writer's commit: 200 new orders for 100 existing customers, and one new
** customer with 30 large recent orders (a sure Champion). */
static void writer_commits(sqlite3 *w, int k) {
  char *zSql = sqlite3_mprintf(
      "BEGIN;"
      "INSERT INTO orders(customer_id, created_at, total, status, discount)"
      " SELECT (o.value * 37 + %d) %% 3000 + 1, '2024-12-' || printf('%%02d', 1 + o.value %% 28),"
      "        50 + o.value, 'paid', 0"
      " FROM (WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 200)"
      "       SELECT value FROM s) o;"
      "INSERT INTO customers(customer_id, name, signed_up) VALUES(%d, 'New %d', '2024-12-01');"
      "INSERT INTO orders(customer_id, created_at, total, status, discount)"
      " SELECT %d, '2024-12-30', 5000, 'paid', 0"
      " FROM (WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 30)"
      "       SELECT value FROM s);"
      "COMMIT;",
      k, 100000 + k, k, 100000 + k);
  sqltest_exec(w, zSql);
  sqlite3_free(zSql);
}

static void test_wal_reader_sees_one_membership_per_transaction(void **state) {
  sqlite3 *r = *state, *w;
  uint64_t m0, m1;
  sqlite3_int64 nCustomers;
  assert_sql_text(r, "PRAGMA journal_mode=WAL", "wal");
  sqltest_exec(r, "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                  ", customers='customers', as_of='2025-01-01')");
  w = open_plain(zDemo); /* the writer does not load the extension */
  nCustomers = sqltest_int(r, "SELECT count(*) FROM customers");
  assert_int_equal(nCustomers, 3000);

  /* Outside a transaction a SELECT sees each commit. */
  m0 = hash_query(r, MEMBERSHIP_SQL);
  assert_counts_sum_to_customers(r);
  writer_commits(w, 1);
  assert_true(hash_query(r, MEMBERSHIP_SQL) != m0);
  assert_sql_text(r, "SELECT segment FROM shop WHERE customer_id = 100001", "Champions");
  assert_counts_sum_to_customers(r);

  /* A writer's uncommitted work is not seen. */
  m0 = hash_query(r, MEMBERSHIP_SQL);
  sqltest_exec(w, "BEGIN; DELETE FROM orders WHERE customer_id < 1000;"
                  "DELETE FROM customers WHERE customer_id = 5;");
  assert_int_equal(hash_query(r, MEMBERSHIP_SQL), m0);
  assert_counts_sum_to_customers(r);
  sqltest_exec(w, "ROLLBACK");

  /* Inside a read transaction: the same membership, commit after commit.
  ** (The snapshot starts at the first read, so the first commit below,
  ** after BEGIN but before any read, is seen.) */
  sqltest_exec(r, "BEGIN");
  writer_commits(w, 2);
  m0 = hash_query(r, MEMBERSHIP_SQL);
  nCustomers = sqltest_int(r, "SELECT count(*) FROM customers");
  assert_int_equal(nCustomers, 3002);
  assert_sql_text(r, "SELECT segment FROM shop WHERE customer_id = 100002", "Champions");
  for (int k = 3; k <= 7; k++) {
    char *zSql;
    writer_commits(w, k);
    assert_int_equal(hash_query(r, MEMBERSHIP_SQL), m0);
    assert_int_equal(sqltest_int(r, "SELECT count(*) FROM customers"), nCustomers);
    assert_counts_sum_to_customers(r);
    zSql = sqlite3_mprintf("SELECT count(*) FROM shop WHERE customer_id = %d", 100000 + k);
    assert_sql_text(r, zSql, "0");
    sqlite3_free(zSql);
    assert_sql_text(r, "SELECT count(*) FROM shop WHERE segment = 'Champions' AND"
                       " customer_id > 100002", "0");
    /* Another date is computed from the same snapshot too. */
    assert_int_equal(sqltest_int(r, "SELECT count(*) FROM shop('2024-12-31')"), nCustomers);
  }
  sqltest_exec(r, "COMMIT");

  /* After it: everything the writer committed, and the same answer as
  ** plain SQL over the orders. */
  m1 = hash_query(r, MEMBERSHIP_SQL);
  assert_true(m1 != m0);
  assert_int_equal(sqltest_int(r, "SELECT count(*) FROM customers"), nCustomers + 5);
  assert_counts_sum_to_customers(r);
  assert_sql_text(r, "SELECT group_concat(segment) FROM shop WHERE customer_id BETWEEN 100003 AND 100007",
                  "Champions,Champions,Champions,Champions,Champions");
  {
    char *zRef = reference_rfm_sql("orders", "customer_id", "created_at", "total", "2025-01-01", 5);
    char *zSql = sqlite3_mprintf(
        "SELECT count(*) FROM (SELECT customer_id, recency_days, frequency, monetary, rfm FROM (%s)"
        " EXCEPT SELECT customer_id, recency_days, frequency, monetary, rfm FROM shop WHERE frequency > 0)",
        zRef);
    assert_sql_text(r, zSql, "0");
    sqlite3_free(zSql);
    sqlite3_free(zRef);
  }
  assert_int_equal(sqlite3_close(w), SQLITE_OK);
}

/* ---- 4. long work can be stopped in every phase ----------------------------------- */

/* The phases of a refresh, in order. */
enum { PH_SCAN, PH_CUSTOMERS, PH_BETWEEN, PH_CLEAR, PH_WRITES, PH_COUNT };
static const char *const azPhase[PH_COUNT] = {
    "scan of the orders", "read of the customers", "scoring and sorting",
    "clearing of members", "writes of members"};

/* One refresh, its phases timed by sqlite3_trace_v2 (the extension's own
** statements start and end in it: the SELECT of the orders, the SELECT of
** the customers, the DELETE and the INSERTs of the members; the scoring
** and sorting is the C between the last read and the DELETE).  To stop it,
** the run waits for the start (or end) of an anchor phase; then either another
** thread calls sqlite3_interrupt() dOffset seconds later, or a progress
** handler (every 1000 steps) returns non-zero once that moment has passed
** — a progress handler with a deadline, as Datasette and most hosts use
** one.  Anchoring on a phase rather than on the start keeps the aim true
** when the scan runs faster or slower than it did before. */
typedef struct Run {
  sqlite3 *db;
  double t0;                  /* the start (CLOCK_MONOTONIC seconds) */
  int iAnchor;                /* the phase to wait for; -1: do not stop */
  int bAnchorEnd;             /* wait for its end rather than its start */
  double dOffset;             /* stop this long after that */
  int bDeadline;              /* 1: a progress handler stops it; 0: a thread */
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  double tAnchor;             /* after t0; -1: not seen yet */
  int bDone;                  /* the statement has returned */
  double tStop;               /* when it was told to stop, after t0; -1: never */
  double tReturned;           /* after t0 */
  double aStart[PH_COUNT], aEnd[PH_COUNT]; /* after t0; -1: not seen */
  int rc;
} Run;

static int phase_of_sql(const char *z) {
  if (!z) return -1;
  if (strstr(z, "FROM \"main\".\"orders\"")) return PH_SCAN;
  if (strstr(z, "FROM \"main\".\"customers\"")) return PH_CUSTOMERS;
  if (strncmp(z, "DELETE FROM \"main\".\"shop_members\"", 33) == 0) return PH_CLEAR;
  if (strncmp(z, "INSERT INTO \"main\".\"shop_members\"", 33) == 0) return PH_WRITES;
  return -1;
}

static void set_anchor(Run *x, int ph, int bEnd, double t) {
  if (ph != x->iAnchor || bEnd != x->bAnchorEnd || x->tAnchor >= 0) return;
  pthread_mutex_lock(&x->mutex);
  x->tAnchor = t;
  pthread_cond_signal(&x->cond);
  pthread_mutex_unlock(&x->mutex);
}

static int trace_run(unsigned type, void *pCtx, void *p, void *pX) {
  Run *x = pCtx;
  double t = now() - x->t0;
  int ph = phase_of_sql(sqlite3_sql((sqlite3_stmt *)p));
  (void)pX;
  if (ph < 0) return 0;
  if (type == SQLITE_TRACE_STMT) {
    if (x->aStart[ph] < 0) x->aStart[ph] = t;
    set_anchor(x, ph, 0, t);
  } else if (type == SQLITE_TRACE_PROFILE) {
    x->aEnd[ph] = t;
    set_anchor(x, ph, 1, t);
  }
  return 0;
}

static int deadline_run(void *p) {
  Run *x = p;
  double t = now() - x->t0;
  if (x->tAnchor >= 0 && t >= x->tAnchor + x->dOffset) {
    if (x->tStop < 0) x->tStop = x->tAnchor + x->dOffset;
    return 1;
  }
  return 0;
}

static void *stopper_main(void *p) {
  Run *x = p;
  double tAt;
  struct timespec at;
  pthread_mutex_lock(&x->mutex);
  while (x->tAnchor < 0 && !x->bDone) pthread_cond_wait(&x->cond, &x->mutex);
  tAt = x->bDone ? -1 : x->t0 + x->tAnchor + x->dOffset;
  pthread_mutex_unlock(&x->mutex);
  if (tAt < 0) return NULL;
  at.tv_sec = (time_t)tAt;
  at.tv_nsec = (long)((tAt - (double)at.tv_sec) * 1e9);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {
  }
  x->tStop = now() - x->t0;
  sqlite3_interrupt(x->db);
  return NULL;
}

static void run_refresh(sqlite3 *db, Run *x, int iAnchor, int bAnchorEnd, double dOffset,
                        int bDeadline) {
  pthread_t th;
  int bThread = iAnchor >= 0 && !bDeadline;
  memset(x, 0, sizeof *x);
  x->db = db;
  x->iAnchor = iAnchor;
  x->bAnchorEnd = bAnchorEnd;
  x->dOffset = dOffset;
  x->bDeadline = bDeadline;
  x->tAnchor = x->tStop = -1;
  for (int i = 0; i < PH_COUNT; i++) x->aStart[i] = x->aEnd[i] = -1;
  pthread_mutex_init(&x->mutex, NULL);
  pthread_cond_init(&x->cond, NULL);
  /* A change anywhere: the refresh computes the membership afresh rather
  ** than reuse one that an earlier stopped refresh had finished. */
  sqltest_exec(db, "INSERT INTO bump VALUES(1)");
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, trace_run, x);
  if (bDeadline) sqlite3_progress_handler(db, 1000, deadline_run, x);
  x->t0 = now();
  if (bThread) assert_int_equal(pthread_create(&th, NULL, stopper_main, x), 0);
  x->rc = sqlite3_exec(db, "INSERT INTO shop(shop) VALUES('refresh')", 0, 0, 0);
  x->tReturned = now() - x->t0;
  sqlite3_progress_handler(db, 0, 0, 0);
  sqlite3_trace_v2(db, 0, 0, 0);
  pthread_mutex_lock(&x->mutex);
  x->bDone = 1;
  pthread_cond_signal(&x->cond);
  pthread_mutex_unlock(&x->mutex);
  if (bThread) assert_int_equal(pthread_join(th, NULL), 0);
  pthread_cond_destroy(&x->cond);
  pthread_mutex_destroy(&x->mutex);
  /* The scoring and sorting: from the end of the reads to the DELETE. */
  x->aStart[PH_BETWEEN] = x->aEnd[PH_CUSTOMERS];
  x->aEnd[PH_BETWEEN] = x->aStart[PH_CLEAR];
}

/* The phase the stop came in. */
static int landed_in(const Run *x) {
  double t = x->tStop;
  if (x->aEnd[PH_SCAN] < 0 || t < x->aEnd[PH_SCAN]) return PH_SCAN;
  if (x->aEnd[PH_CUSTOMERS] < 0 || t < x->aEnd[PH_CUSTOMERS]) return PH_CUSTOMERS;
  if (x->aStart[PH_CLEAR] < 0 || t < x->aStart[PH_CLEAR]) return PH_BETWEEN;
  if (x->aStart[PH_WRITES] < 0 || t < x->aStart[PH_WRITES]) return PH_CLEAR;
  return PH_WRITES;
}

static char zBig[64];

static int setup_big(void **state) {
  const char *zArgs = getenv("SEGMENT_SAFETY_SHOP");
  const char *zJournal;
  if (!zArgs || !zArgs[0]) zArgs = timing_is_meaningful() ? "--size M" : "--size demo";
  generate_shop(zBig, zArgs);
  *state = sqltest_open_file(zBig);
  zJournal = getenv("SEGMENT_SAFETY_JOURNAL");
  if (zJournal && zJournal[0]) {
    char *zSql = sqlite3_mprintf("PRAGMA journal_mode=%s", zJournal);
    sqltest_exec(*state, zSql);
    sqlite3_free(zSql);
  }
  return 0;
}

static int teardown_big(void **state) {
  sqltest_close(*state);
  remove_db_files(zBig);
  return 0;
}

static void test_refresh_stops_in_every_phase(void **state) {
  sqlite3 *db = *state;
  const int bTiming = timing_is_meaningful();
  const char *zMaxMs = getenv("SEGMENT_SAFETY_MAX_MS");
  Run cal, x;
  uint64_t hOld;
  double aWorst[2][PH_COUNT];
  static const struct {
    int iAim;           /* the phase aimed at */
    double fInto;       /* how far into it */
  } aTarget[] = {
      {PH_SCAN, 0.5},
      {PH_CUSTOMERS, 0.5},
      {PH_BETWEEN, 0.02},
      {PH_BETWEEN, 0.25},
      {PH_BETWEEN, 0.5},
      {PH_BETWEEN, 0.75},
      {PH_BETWEEN, 0.98},
      {PH_CLEAR, 0.5},
      {PH_WRITES, 0.1},
      {PH_WRITES, 0.5},
      {PH_WRITES, 0.9},
  };
  memset(aWorst, 0, sizeof aWorst);

  sqltest_exec(db, "CREATE TABLE bump(x);"
                   "CREATE VIRTUAL TABLE shop USING segments(" SHOP_OPTIONS
                   ", customers='customers', as_of='2025-01-01')");
  print_message("shop: %lld orders, %lld customers\n",
                sqltest_int(db, "SELECT count(*) FROM orders"),
                sqltest_int(db, "SELECT count(*) FROM customers"));
  sqltest_exec(db, "INSERT INTO shop(shop) VALUES('refresh')"); /* warms the page cache */
  hOld = hash_members(db, "shop");

  /* Where the phases lie, from a whole refresh. */
  run_refresh(db, &cal, -1, 0, 0, 0);
  assert_int_equal(cal.rc, SQLITE_OK);
  for (int i = 0; i < PH_COUNT; i++) {
    if (cal.aStart[i] < 0 || cal.aEnd[i] < cal.aStart[i]) {
      print_error("the calibration run did not see the %s\n", azPhase[i]);
      fail();
    }
  }
  print_message("a whole refresh: %.1f ms:", cal.tReturned * 1e3);
  for (int i = 0; i < PH_COUNT; i++)
    print_message(" %s %.1f-%.1f ms%s", azPhase[i], cal.aStart[i] * 1e3, cal.aEnd[i] * 1e3,
                  i + 1 < PH_COUNT ? "," : "\n");

  for (size_t i = 0; i < sizeof(aTarget) / sizeof(aTarget[0]); i++) {
    int iAim = aTarget[i].iAim;
    /* The scoring and sorting begins as the SELECT of the customers ends. */
    int iAnchor = iAim == PH_BETWEEN ? PH_CUSTOMERS : iAim;
    double dOffset = aTarget[i].fInto * (cal.aEnd[iAim] - cal.aStart[iAim]);
    for (int bDeadline = 0; bDeadline <= 1; bDeadline++) {
      double dt;
      int iLanded;
      /* A run faster than the calibration can end before the aim, or take
      ** the stop after its last step (it then succeeds): aim a little
      ** earlier, up to three times. */
      for (int iTry = 0;; iTry++) {
        run_refresh(db, &x, iAnchor, iAim == PH_BETWEEN, dOffset * (1 - 0.25 * iTry),
                    bDeadline);
        if (x.rc == SQLITE_INTERRUPT && x.tStop >= 0) break;
        assert_int_equal(x.rc, SQLITE_OK);
        assert_true(hash_members(db, "shop") == hOld); /* the same data: the same members */
        if (iTry == 3) {
          print_error("aimed at the %s, the refresh completed (after %.1f ms) despite the stop\n",
                      azPhase[iAim], x.tReturned * 1e3);
          fail();
        }
      }
      dt = x.tReturned - x.tStop;
      iLanded = landed_in(&x);
      print_message("%-17s aimed %3.0f%% into the %-19s landed in the %-19s at %7.1f ms:"
                    " returned %6.1f ms later\n",
                    bDeadline ? "progress deadline" : "sqlite3_interrupt", aTarget[i].fInto * 100,
                    azPhase[iAim], azPhase[iLanded], x.tStop * 1e3, dt * 1e3);
      assert_int_equal(x.rc, SQLITE_INTERRUPT);
      assert_true(hash_members(db, "shop") == hOld);
      if (dt > aWorst[bDeadline][iLanded]) aWorst[bDeadline][iLanded] = dt;
    }
  }
  for (int b = 0; b <= 1; b++) {
    print_message("worst after %s", b ? "a progress deadline:" : "sqlite3_interrupt:");
    for (int i = 0; i < PH_COUNT; i++)
      print_message(" %s %.1f ms%s", azPhase[i], aWorst[b][i] * 1e3, i + 1 < PH_COUNT ? "," : "\n");
  }
  /* How fast a stop returns is a speed figure, for the benchmark's kind
  ** of quiet machine: asserted only when asked (docs/benchmarks.md). */
  if (!zMaxMs) {
    print_message("not asserted: the time to return (SEGMENT_SAFETY_MAX_MS=100 asserts it)\n");
    return;
  }
  if (!bTiming) {
    print_message("skipped: SEGMENT_SAFETY_MAX_MS (valgrind or a sanitizer: times mean nothing)\n");
    return;
  }
  for (int b = 0; b <= 1; b++) {
    for (int i = 0; i < PH_COUNT; i++) {
      if (aWorst[b][i] * 1e3 >= atof(zMaxMs)) {
        print_error("after %s the %s took %.1f ms to return (at most %s ms)\n",
                    b ? "a progress handler's deadline" : "sqlite3_interrupt", azPhase[i],
                    aWorst[b][i] * 1e3, zMaxMs);
        fail();
      }
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_checksum_sees_every_change, setup_demo, teardown_demo),
      cmocka_unit_test_setup_teardown(test_user_tables_unchanged_by_every_operation, setup_demo, teardown_demo),
      cmocka_unit_test_setup_teardown(test_refresh_interrupted_by_progress_handler_keeps_members, setup_demo, teardown_demo),
      cmocka_unit_test_setup_teardown(test_refresh_interrupted_by_another_thread_keeps_members, setup_demo, teardown_demo),
      cmocka_unit_test_setup_teardown(test_wal_reader_sees_one_membership_per_transaction, setup_demo, teardown_demo),
      cmocka_unit_test_setup_teardown(test_refresh_stops_in_every_phase, setup_big, teardown_big),
  };
  return cmocka_run_group_tests_name("safety", tests, NULL, NULL);
}
