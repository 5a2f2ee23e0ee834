/*
** test_oom.c — out of memory, everywhere (issue 7).
**
** A counting allocator sits under SQLite (SQLITE_CONFIG_MALLOC around the
** default methods) and so under the core too: the extension points
** seg_malloc at sqlite3_malloc64 when it loads, which
** test_core_allocations_are_counted checks.  For each step of a workload
** (every SQL function, CREATE / SELECT / refresh / DROP of the segments
** virtual table, manual mode) it fails the Nth allocation of the step, for
** N = 1, 2, ... until a run of the step completes with no allocation
** failed.  Two modes, as SQLite's own harness has them: "once" fails
** allocation N only; "persistent" fails N and every allocation after it.
**
** Each run, on a fresh connection:
**   1. counter off: open :memory:, load the extension, deserialize the
**      fixture image, load its schema, run the step's setup SQL;
**   2. counter on: run the step (prepare, step every row, finalize);
**   3. counter off, and check
**      - the step ended in SQLITE_NOMEM, or in exactly the answer it gives
**        with a healthy allocator (rows, or the same error word for word);
**      - the state the step writes (zState: the shadow tables, the schema)
**        is the expected new state after a success and the old one after
**        a failure (a failed refresh keeps the previous members);
**      - after a failure, the same step run again on the same connection
**        gives the right answer (a failure leaves no poisoned cache);
**      - sqlite3_close() returns SQLITE_OK (no leaked statement) and
**        sqlite3_memory_used() is back to what it was before the open (no
**        leaked memory).
**
** Error codes accepted as "out of memory": SQLITE_NOMEM (primary code)
** and SQLITE_IOERR_NOMEM (an I/O-layer allocation, as SQLite reports it).
** One more outcome is accepted, only for a step whose right answer is an
** error: the same error code with SQLite's generic text for it
** (sqlite3_errstr(): "SQL logic error"; or "vtable constructor failed: c"
** from CREATE VIRTUAL TABLE).  SQLite itself gives that when copying an
** error message to the connection fails (sqlite3VdbeTransferError treats
** that allocation as benign), and the extension gives the same when it
** cannot allocate its own message and returns SQLITE_ERROR without one;
** the statement fails either way, with the right code.  Anything else is a
** wrong answer: in particular an out-of-memory reported as some other
** error ("no such column: status" for a valid filter, "not an error").
**
** SQLite rolls back an open transaction when a statement fails with
** SQLITE_NOMEM (lang_transaction.html); the step that runs inside BEGIN
** counts those runs and runs its setup again before the checks.
**
** The workload is in aStep[] below, one statement a step, each with its
** healthy answer computed first (and checked where it is known by hand);
** the fixture is a shop of a few hundred orders, serialized once and
** deserialized for every run.
**
** To rerun one run (under gdb or valgrind):
**     OOM_STEP='refresh' OOM_N=123 OOM_MODE=once ./build/sql/test_oom
**     OOM_STRIDE=17 ./build/sql/test_oom     # N = 1, 18, 35, ... only
** OOM_STEP matches step names by substring; OOM_MODE is once (default)
** or persistent.
*/
#include "sqltest.h"

#include <dlfcn.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h> /* mallopt: speed only, see main() */
#endif

#include "../rng.h"

/* ---- the counting allocator ---------------------------------------------- */

static sqlite3_mem_methods gDefault; /* SQLite's own methods, wrapped */

static struct {
  int bArmed;             /* count (and maybe fail) allocations */
  int bPersistent;        /* fail every allocation from N on, not only N */
  sqlite3_int64 iFailAt;  /* N: the allocation to fail (1-based) */
  sqlite3_int64 nCount;   /* allocations counted since armed */
  sqlite3_int64 nFailed;  /* allocations failed since armed */
} gOom;

static void oomArm(sqlite3_int64 iFailAt, int bPersistent) {
  gOom.iFailAt = iFailAt;
  gOom.bPersistent = bPersistent;
  gOom.nCount = 0;
  gOom.nFailed = 0;
  gOom.bArmed = 1;
}

static void oomDisarm(void) { gOom.bArmed = 0; }

/* Count one allocation; whether it must fail. */
static int oomFailNext(void) {
  if (!gOom.bArmed) return 0;
  gOom.nCount++;
  if (gOom.nCount == gOom.iFailAt ||
      (gOom.bPersistent && gOom.nCount > gOom.iFailAt)) {
    gOom.nFailed++;
    return 1;
  }
  return 0;
}

static void *oomMalloc(int n) {
  return oomFailNext() ? NULL : gDefault.xMalloc(n);
}

/* A realloc that grows is an allocation; one that shrinks cannot fail. */
static void *oomRealloc(void *p, int n) {
  if (n > (p ? gDefault.xSize(p) : 0) && oomFailNext()) return NULL;
  return gDefault.xRealloc(p, n);
}

/* Must run before any other SQLite call (sqlite3_config needs SQLite
** shut down). */
static void oomInstall(void) {
  sqlite3_mem_methods m;
  if (sqlite3_shutdown() != SQLITE_OK ||
      sqlite3_config(SQLITE_CONFIG_GETMALLOC, &gDefault) != SQLITE_OK) {
    fprintf(stderr, "test_oom: cannot read SQLite's allocator\n");
    exit(1);
  }
  m = gDefault;
  m.xMalloc = oomMalloc;
  m.xRealloc = oomRealloc;
  if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK ||
      sqlite3_initialize() != SQLITE_OK) {
    fprintf(stderr, "test_oom: cannot install the counting allocator\n");
    exit(1);
  }
}

/* ---- results as text --------------------------------------------------------- */

typedef struct Buf {
  char *z;
  size_t n, nAlloc;
} Buf;

static void bufAppend(Buf *p, const void *z, size_t n) {
  if (p->n + n + 1 > p->nAlloc) {
    size_t nNew = p->nAlloc ? p->nAlloc * 2 : 256;
    while (nNew < p->n + n + 1) nNew *= 2;
    p->z = realloc(p->z, nNew); /* the C library's: never counted */
    assert_non_null(p->z);
    p->nAlloc = nNew;
  }
  if (n) memcpy(p->z + p->n, z, n);
  p->n += n;
  p->z[p->n] = 0;
}

static void bufText(Buf *p, const char *z) { bufAppend(p, z, strlen(z)); }

static void bufFree(Buf *p) {
  free(p->z);
  memset(p, 0, sizeof(*p));
}

/* One row as "v|v|v\n", reals in C99's exact hex form (0x1.8p+1).  Read
** with accessors that allocate nothing (text through sqlite3_column_blob),
** so that reading the answer cannot fail. */
static void bufRow(Buf *p, sqlite3_stmt *pStmt) {
  char zNum[64];
  for (int i = 0; i < sqlite3_column_count(pStmt); i++) {
    if (i) bufText(p, "|");
    switch (sqlite3_column_type(pStmt, i)) {
      case SQLITE_NULL:
        bufText(p, "NULL");
        break;
      case SQLITE_INTEGER:
        snprintf(zNum, sizeof zNum, "%lld",
                 (long long)sqlite3_column_int64(pStmt, i));
        bufText(p, zNum);
        break;
      case SQLITE_FLOAT:
        /* Hex: exact, and cheaper than %.17g (this runs a lot). */
        snprintf(zNum, sizeof zNum, "%a", sqlite3_column_double(pStmt, i));
        bufText(p, zNum);
        break;
      case SQLITE_TEXT:
        bufAppend(p, sqlite3_column_blob(pStmt, i),
                  (size_t)sqlite3_column_bytes(pStmt, i));
        break;
      default: {
        const unsigned char *a = sqlite3_column_blob(pStmt, i);
        bufText(p, "x'");
        for (int k = 0; k < sqlite3_column_bytes(pStmt, i); k++) {
          snprintf(zNum, sizeof zNum, "%02x", a[k]);
          bufText(p, zNum);
        }
        bufText(p, "'");
      }
    }
  }
  bufText(p, "\n");
}

/* What a run of some SQL gave: rc SQLITE_OK and the rows, or the error
** (primary and extended code) and its message. */
typedef struct Answer {
  int rc, xrc;
  Buf text;
} Answer;

static void answerFree(Answer *p) { bufFree(&p->text); }

static int answerEqual(const Answer *a, const Answer *b) {
  return a->rc == b->rc && a->text.n == b->text.n &&
         (a->text.n == 0 || memcmp(a->text.z, b->text.z, a->text.n) == 0);
}

/* Run every statement of zSql in turn; the first error stops it. */
static void runSql(sqlite3 *db, const char *zSql, Answer *pOut) {
  const char *zTail = zSql;
  memset(pOut, 0, sizeof(*pOut));
  bufText(&pOut->text, "");
  while (zTail && *zTail) {
    sqlite3_stmt *pStmt = NULL;
    const char *zStart = zTail;
    int rc = sqlite3_prepare_v2(db, zStart, -1, &pStmt, &zTail);
    if (rc == SQLITE_OK && pStmt) {
      while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) bufRow(&pOut->text, pStmt);
      if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) {
      pOut->rc = rc;
      pOut->xrc = sqlite3_extended_errcode(db);
      pOut->text.n = 0;
      bufText(&pOut->text, sqlite3_errmsg(db));
      sqlite3_finalize(pStmt);
      return;
    }
    sqlite3_finalize(pStmt);
    if (!pStmt && zTail == zStart) break;
  }
}

/* SQLite's own text for an error that came without a message: the code's
** (sqlite3_errstr) or, from a virtual table constructor,
** "vtable constructor failed: <table>". */
static int isGenericText(const Answer *p) {
  return strcmp(p->text.z, sqlite3_errstr(p->rc)) == 0 ||
         strncmp(p->text.z, "vtable constructor failed: ", 27) == 0;
}

static int isNomem(const Answer *p) {
  return (p->rc & 0xff) == SQLITE_NOMEM || p->xrc == SQLITE_IOERR_NOMEM;
}

/* ---- the fixture --------------------------------------------------------------- */

/* A shop of a few hundred orders: integer and text ids (long enough to
** grow the core's text arena), orders without a customer, NULL amounts,
** refunds, cancelled orders, ISO text dates and unix-second integers,
** and orders after the as_of dates used below. */
#define N_ORDERS 240
#define N_CUSTOMERS 120
#define TEXT_PAD "-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define TEXT_ID_FORMAT "cust-%05d" TEXT_PAD
#define TEXT_ID_5 "cust-00005" TEXT_PAD
#define TEXT_ID_10 "cust-00010" TEXT_PAD

#define SHOP "orders='orders', customer='customer_id', ordered_at='created_at', amount='total'"
#define FILTER "filter='status <> ''cancelled'''"

enum { IMAGE_TABLES, IMAGE_VTABS, IMAGE_BIG, N_IMAGES };

/* The images, and a buffer per image that each run copies it into: one
** buffer for all runs (from the C library, so that it is neither counted
** nor freed by SQLite), with room for the database to grow in. */
static struct {
  unsigned char *a;
  sqlite3_int64 n;
  unsigned char *aCopy;
  sqlite3_int64 nCopy;
} gImage[N_IMAGES];

static sqlite3 *gAnchor; /* keeps the extension loaded between runs */

static void buildTables(sqlite3 *db) {
  static const double amounts[] = {10, 20, 20, 20, 35.5, 50, 99.99, 120, 0.1, 0.2};
  sqlite3_stmt *pIns;
  rng_state = 7;
  sqltest_exec(db,
      "CREATE TABLE orders(order_id INTEGER PRIMARY KEY, customer_id,"
      " created_at, total, status TEXT);"
      "CREATE TABLE customers(id PRIMARY KEY, name TEXT);");
  assert_int_equal(sqlite3_prepare_v2(db,
      "INSERT INTO orders(customer_id, created_at, total, status) VALUES(?1,"
      " CASE WHEN ?3 THEN ?2 ELSE strftime('%Y-%m-%d %H:%M:%S', ?2, 'unixepoch') END,"
      " ?4, ?5)", -1, &pIns, 0), SQLITE_OK);
  sqltest_exec(db, "BEGIN");
  for (int i = 0; i < N_ORDERS; i++) {
    uint64_t u = rng_below(1000);
    int cust = (int)(u * u / 1000 * N_CUSTOMERS / 1000) + 1; /* low ids buy more */
    sqlite3_int64 t = (sqlite3_int64)(19358 + rng_below(790)) * 86400 + /* 2023-01-01 + */
                      (sqlite3_int64)rng_below(86400);
    if (rng_below(60) == 0) {
      sqlite3_bind_null(pIns, 1);
    } else if (cust % 5 == 0) {
      char zId[128];
      snprintf(zId, sizeof zId, TEXT_ID_FORMAT, cust);
      sqlite3_bind_text(pIns, 1, zId, -1, SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_int(pIns, 1, cust);
    }
    sqlite3_bind_int64(pIns, 2, t);
    sqlite3_bind_int(pIns, 3, rng_below(10) == 0); /* unix seconds */
    switch (rng_below(20)) {
      case 0: sqlite3_bind_null(pIns, 4); break;
      case 1: sqlite3_bind_double(pIns, 4, -amounts[rng_below(10)]); break;
      default: sqlite3_bind_double(pIns, 4, amounts[rng_below(10)]); break;
    }
    sqlite3_bind_text(pIns, 5, rng_below(25) ? "paid" : "cancelled", -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(pIns), SQLITE_DONE);
    sqlite3_reset(pIns);
  }
  sqlite3_finalize(pIns);
  sqltest_exec(db,
      "INSERT INTO customers SELECT DISTINCT customer_id, 'buyer' FROM orders"
      " WHERE customer_id IS NOT NULL;"
      "INSERT INTO customers VALUES(900001, 'never'), ('never-ordered', 'never');"
      "COMMIT;"
      /* A user map: rfm11 renamed in part, three codes missing ('Other'). */
      "CREATE TABLE my_map AS SELECT code, segment FROM segment_map('rfm11');"
      "UPDATE my_map SET segment = 'VIP ' || code WHERE code >= 500;"
      "DELETE FROM my_map WHERE code IN (111, 112, 113);");
}

/* More customers than the core's first allocations hold (1024 rows, 512
** before the hash slots double, a 4 KiB text arena): one order each; the
** first 700 integer ids (so that batches of integer orders fill up and
** grow the table), then every other one a long text id.  An image of its
** own, so that the other runs copy less. */
static void buildBig(sqlite3 *db) {
  sqltest_exec(db,
      "CREATE TABLE big(cid, at, amt);"
      "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 1100)"
      " INSERT INTO big SELECT CASE WHEN n > 700 AND n % 2 = 0"
      " THEN printf('big-%05d', n) || '" TEXT_PAD "' ELSE n END,"
      " date('2024-01-01', '+' || (n % 300) || ' days'), n % 17 * 1.5 FROM i;"
      "CREATE VIRTUAL TABLE tb USING segments(orders='big', customer='cid',"
      " ordered_at='at', amount='amt', as_of='2025-01-01');");
}

static void buildVtabs(sqlite3 *db) {
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE t USING segments(" SHOP ", " FILTER ","
      " customers='customers', customers_id='id', as_of='2025-01-01', map='rfm5');"
      "CREATE VIRTUAL TABLE tm USING segments(" SHOP ", map='my_map', as_of='2024-12-01');"
      "CREATE VIRTUAL TABLE tman USING segments(" SHOP ", " FILTER ","
      " as_of='2025-01-01', mode='manual');"
      "CREATE VIRTUAL TABLE tman0 USING segments(" SHOP ", mode='manual');"
      "INSERT INTO t(t) VALUES('refresh');"
      "INSERT INTO tman(tman) VALUES('refresh');"
      /* The orders move on after those refreshes, so that a new refresh
      ** stores other members than the ones already there. */
      "INSERT INTO orders(customer_id, created_at, total, status) VALUES"
      " (3, '2024-12-30 12:00:00', 999, 'paid'),"
      " ('late-text-id', '2024-12-31', 12.5, 'paid');"
      "DELETE FROM orders WHERE order_id % 13 = 0;");
  /* A filter that CREATE would refuse, as a database from someone else
  ** can hold it: written into the schema by hand. */
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, (int *)0);
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE th USING segments(" SHOP ", as_of='2025-01-01',"
      " filter='lower(status) <> ''cancelled'' AND abs(order_id) >= 0');"
      "PRAGMA writable_schema = ON;"
      "UPDATE sqlite_schema SET sql = replace(sql, 'abs(order_id)', 'abs(random())')"
      " WHERE name = 'th';"
      "PRAGMA writable_schema = OFF;");
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
}

static void saveImage(sqlite3 *db, int iImage) {
  gImage[iImage].a = sqlite3_serialize(db, "main", &gImage[iImage].n, 0);
  assert_non_null(gImage[iImage].a);
  gImage[iImage].nCopy = gImage[iImage].n * 2 + 65536;
  gImage[iImage].aCopy = malloc((size_t)gImage[iImage].nCopy);
  assert_non_null(gImage[iImage].aCopy);
}

static int groupSetup(void **state) {
  sqlite3 *db = sqltest_open();
  (void)state;
  buildTables(db);
  saveImage(db, IMAGE_TABLES);
  buildVtabs(db);
  saveImage(db, IMAGE_VTABS);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  db = sqltest_open();
  buildBig(db);
  saveImage(db, IMAGE_BIG);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  gAnchor = sqltest_open();
  return 0;
}

static int groupTeardown(void **state) {
  (void)state;
  for (int i = 0; i < N_IMAGES; i++) {
    sqlite3_free(gImage[i].a);
    free(gImage[i].aCopy);
  }
  sqltest_close(gAnchor);
  return 0;
}

/* A fresh connection on a copy of the image, its schema loaded (so that
** the step does not parse it), and setup SQL run; all with the counter
** off.  The virtual tables of the image are connected by the step itself
** (xConnect runs in the step's prepare). */
static sqlite3 *openImage(int iImage, const char *zSetup) {
  sqlite3 *db = sqltest_open();
  memcpy(gImage[iImage].aCopy, gImage[iImage].a, (size_t)gImage[iImage].n);
  assert_int_equal(sqlite3_deserialize(db, "main", gImage[iImage].aCopy,
                                       gImage[iImage].n, gImage[iImage].nCopy, 0),
                   SQLITE_OK);
  sqltest_exec(db, "SELECT count(*) FROM sqlite_schema");
  if (zSetup) sqltest_exec(db, zSetup);
  return db;
}

/* ---- the workload ----------------------------------------------------------------- */

typedef struct Step {
  const char *zName;
  int iImage;
  const char *zSetup; /* run before the step, counter off; or NULL */
  const char *zSql;   /* the step, counted */
  const char *zState; /* what the step writes, read back; or NULL */
  const char *zExpect;/* the healthy answer must be exactly this; or NULL */
  int bError;         /* the healthy answer is an error */
} Step;

/* The members and the config a refresh stores (not the refresh time). */
#define MEMBERS_STATE(t)                                                       \
  "SELECT (SELECT group_concat(k || '=' || v, ',') FROM (SELECT k, v FROM "   \
  t "_config WHERE k <> 'refreshed_at' ORDER BY k)), * FROM " t "_members "    \
  "ORDER BY customer_id"

#define SCHEMA_STATE "SELECT type, name, sql FROM sqlite_schema ORDER BY name"

/* A four-row rule map (issue 5) over features and the customers' name. */
#define RULES_SETUP                                                            \
  "CREATE TABLE rules(segment TEXT, rule TEXT, priority INTEGER);"             \
  "INSERT INTO rules VALUES('Frequent', 'recent_orders >= 2', 1),"             \
  " ('Big basket', 'avg_order >= 40', 2), ('Never', 'name = ''never''', 3),"  \
  " ('Sleeping', 'lifecycle IN (''lapsed'', ''lost'')', 4);"
#define RULES_OPTIONS                                                          \
  "customers='customers', customers_id='id', as_of='2025-01-01',"              \
  " discount='total < 20', refund='total < 0', map='rules'"

static const Step aStep[] = {
    /* ---- functions ---- */
    {"segment_version()", IMAGE_TABLES, NULL, "SELECT segment_version()", NULL,
     "0.1.0\n", 0},
    {"rfm_breaks aggregate", IMAGE_TABLES, NULL,
     "SELECT status, rfm_breaks(total), rfm_breaks(order_id % 97, 9),"
     " rfm_breaks(total, 2) FROM orders GROUP BY status ORDER BY status",
     NULL, NULL, 0},
    {"rfm_breaks window", IMAGE_TABLES, NULL,
     "SELECT order_id, rfm_breaks(total, 3) OVER (ORDER BY order_id ROWS"
     " BETWEEN 20 PRECEDING AND CURRENT ROW) FROM orders WHERE order_id <= 120",
     NULL, NULL, 0},
    {"rfm_score 3 args", IMAGE_TABLES, NULL,
     "SELECT rfm_score(r, f, m), rfm_score(r || '', f * 1.0, m) FROM (SELECT"
     " 1 + order_id % 5 AS r, 1 + order_id / 5 % 5 AS f, 1 + order_id / 25 % 5 AS m"
     " FROM orders WHERE order_id <= 125)",
     NULL, NULL, 0},
    {"rfm_score 4 args, constant breaks", IMAGE_TABLES, NULL,
     "SELECT order_id, rfm_score(order_id % 200, order_id % 7, total,"
     " '{\"r\":[30,60,90,180],\"f\":[1,2,3,5],\"m\":[10,20,50,100]}')"
     " FROM orders WHERE order_id <= 150",
     NULL, NULL, 0},
    {"rfm_score 4 args, breaks from rfm_breaks (quickstart)", IMAGE_TABLES, NULL,
     "WITH c AS (SELECT customer_id,"
     "   julianday('2025-01-01') - julianday(date(max(created_at))) AS recency_days,"
     "   count(*) AS frequency, round(total(total), 2) AS monetary"
     "  FROM orders WHERE typeof(created_at) = 'text'"
     "   AND (typeof(customer_id) = 'text' OR customer_id <= 15)"
     "  GROUP BY customer_id),"
     " b AS (SELECT json_object('r', json(rfm_breaks(recency_days)),"
     "   'f', json(rfm_breaks(frequency)), 'm', json(rfm_breaks(monetary))) AS breaks FROM c)"
     "SELECT customer_id, rfm_score(recency_days, frequency, monetary, breaks),"
     " segment_of(rfm_score(recency_days, frequency, monetary, breaks))"
     " FROM c, b ORDER BY customer_id",
     NULL, NULL, 0},
    {"segment_of built-in maps", IMAGE_TABLES, NULL,
     "SELECT code, segment_of(code), segment_of(code, 'rfm5'),"
     " segment_of(r, f, m, 'rf10'), segment_of(r, f, m) FROM segment_map('rfm11')",
     NULL, NULL, 0},
    {"segment_of user map table", IMAGE_TABLES, NULL,
     "SELECT code, segment_of(code, 'my_map'), segment_of(r, f, m, 'my_map')"
     " FROM segment_map('rfm11')",
     NULL, NULL, 0},
    {"segment_of map argument not constant", IMAGE_TABLES, NULL,
     "SELECT code, zMap, segment_of(code, zMap) FROM segment_map('rfm11'),"
     " (SELECT 'my_map' AS zMap UNION ALL SELECT 'rfm5') WHERE code % 41 = 0"
     " ORDER BY code, zMap",
     NULL, NULL, 0},
    {"segment_of unknown map (an error)", IMAGE_TABLES, NULL,
     "SELECT segment_of(545, 'nope')", NULL,
     "segment_of: unknown map 'nope' (expected rfm11, rfm5 or rf10, or a table"
     " with columns code and segment)", 1},
    {"segment_map", IMAGE_TABLES, NULL,
     "SELECT * FROM segment_map('rfm5') WHERE code IN (111, 345, 545)"
     " UNION ALL SELECT map, count(*), count(DISTINCT segment), NULL, NULL"
     " FROM segment_map GROUP BY map",
     NULL, NULL, 0},
    {"bgnbd_fit, gg_fit and the predictions (issue 6)", IMAGE_TABLES,
     "CREATE TABLE c AS SELECT customer_id, count(DISTINCT date(created_at)) - 1 AS x,"
     "   (julianday(max(date(created_at))) - julianday(min(date(created_at)))) / 7.0 AS t_x,"
     "   (julianday('2025-06-01') - julianday(min(date(created_at)))) / 7.0 AS T,"
     "   avg(abs(total)) AS v"
     "  FROM orders WHERE typeof(created_at) = 'text' AND customer_id IS NOT NULL"
     "  GROUP BY customer_id;",
     "WITH m AS (SELECT bgnbd_fit(x, t_x, T) AS bg, gg_fit(x, v, 1, 0.01) AS gg FROM c)"
     "SELECT bg, gg, NULL, NULL, NULL FROM m UNION ALL"
     " SELECT customer_id, bgnbd_p_alive(bg, x, t_x, T), bgnbd_expected(bg, 26, x, t_x, T),"
     "  bgnbd_p_k(bg, x, 26), CASE WHEN x > 0 THEN clv(bg, gg, x, t_x, T, v, 6, 4.345, 0.01) END"
     " FROM c, m WHERE customer_id IN (1, 2, 3, 4, '" TEXT_ID_5 "')",
     NULL, NULL, 0},
    {"ab_test: two variants with values, three, GROUP BY (issue 8)", IMAGE_TABLES, NULL,
     "SELECT status, ab_test(CASE WHEN typeof(customer_id) = 'text' THEN 'text id'"
     " ELSE customer_id % 2 END, total > 20, total), ab_test(order_id % 3, total > 20)"
     " FROM orders GROUP BY status ORDER BY status",
     NULL, NULL, 0},
    {"kmeans_fit and kmeans_assign (issue 8)", IMAGE_TABLES, NULL,
     "WITH m AS (SELECT kmeans_fit(json_array(total, order_id % 17), 3) AS model FROM orders)"
     " SELECT model, NULL FROM m UNION ALL SELECT order_id,"
     " kmeans_assign(model, json_array(total, order_id % 17)) FROM orders, m"
     " WHERE order_id <= 40",
     NULL, NULL, 0},

    /* ---- the segments table ---- */
    {"CREATE: filter, customers, as_of, built-in map", IMAGE_TABLES, NULL,
     "CREATE VIRTUAL TABLE c USING segments(" SHOP ", " FILTER ","
     " customers='customers', customers_id='id', as_of='2025-01-01', map='rfm5')",
     SCHEMA_STATE, "", 0},
    {"CREATE: a column that does not exist (an error)", IMAGE_TABLES, NULL,
     "CREATE VIRTUAL TABLE c USING segments(orders='orders', customer='customer_id',"
     " ordered_at='created_at', amount='totl')",
     SCHEMA_STATE, "segments: no column \"totl\" in table \"orders\" (amount=)", 1},
    {"CREATE: map table", IMAGE_TABLES, NULL,
     "CREATE VIRTUAL TABLE c USING segments(" SHOP ", map='my_map', as_of='2024-12-01')",
     SCHEMA_STATE, "", 0},
    {"SELECT segment, count(*) GROUP BY segment", IMAGE_VTABS, NULL,
     "SELECT segment, count(*), round(sum(monetary), 2) FROM t GROUP BY segment",
     NULL, NULL, 0},
    {"lookup customer_id = (integer and text)", IMAGE_VTABS, NULL,
     "SELECT * FROM t WHERE customer_id = 7 UNION ALL"
     " SELECT * FROM t WHERE customer_id = '" TEXT_ID_5 "'",
     NULL, NULL, 0},
    {"lookup customer_id IN (...)", IMAGE_VTABS, NULL,
     "SELECT customer_id, rfm, segment FROM t WHERE customer_id IN"
     " (1, 2, 3, 900001, '" TEXT_ID_5 "', '" TEXT_ID_10 "', 'nobody', 424242)",
     NULL, NULL, 0},
    {"WHERE segment =", IMAGE_VTABS, NULL,
     "SELECT customer_id, rfm FROM t WHERE segment = 'Champions'", NULL, NULL, 0},
    {"ORDER BY customer_id", IMAGE_VTABS, NULL,
     "SELECT * FROM t ORDER BY customer_id", NULL, NULL, 0},
    {"as of another date: t('2024-06-30')", IMAGE_VTABS, NULL,
     "SELECT * FROM t('2024-06-30')", NULL, NULL, 0},
    {"self-join of two dates (two cached memberships)", IMAGE_VTABS, NULL,
     "SELECT a.segment, b.segment, count(*) FROM t('2024-06-30') a"
     " JOIN t b USING (customer_id) GROUP BY 1, 2 ORDER BY 1, 2",
     NULL, NULL, 0},
    {"more customers than the core's first allocations hold", IMAGE_BIG, NULL,
     "SELECT count(*), sum(rfm), NULL FROM tb UNION ALL SELECT * FROM"
     " (SELECT customer_id, rfm, segment FROM tb ORDER BY customer_id LIMIT 3 OFFSET 731)",
     NULL, NULL, 0},
    {"map table: GROUP BY and WHERE segment =", IMAGE_VTABS, NULL,
     "SELECT segment, count(*) FROM tm GROUP BY segment UNION ALL"
     " SELECT customer_id, rfm FROM tm WHERE segment = 'VIP 555'",
     NULL, NULL, 0},
    {"SELECT inside a transaction with a change", IMAGE_VTABS,
     "BEGIN; INSERT INTO orders(customer_id, created_at, total, status)"
     " VALUES (11, '2024-12-31', 5000, 'paid');",
     "SELECT segment, count(*) FROM t GROUP BY segment", NULL, NULL, 0},
    {"refresh", IMAGE_VTABS, NULL, "INSERT INTO t(t) VALUES('refresh')",
     MEMBERS_STATE("t"), "", 0},
    {"mode='manual': all rows", IMAGE_VTABS, NULL,
     "SELECT * FROM tman ORDER BY customer_id", NULL, NULL, 0},
    {"mode='manual': customer_id = text", IMAGE_VTABS, NULL,
     "SELECT * FROM tman WHERE customer_id = '" TEXT_ID_5 "'", NULL, NULL, 0},
    {"mode='manual': WHERE segment =", IMAGE_VTABS, NULL,
     "SELECT customer_id, rfm FROM tman WHERE segment = 'Champions'", NULL, NULL, 0},
    {"mode='manual' before any refresh (an error)", IMAGE_VTABS, NULL,
     "SELECT * FROM tman0",
     NULL,
     "segments: tman0 is in mode 'manual' and has not been refreshed yet"
     " (run INSERT INTO \"tman0\"(\"tman0\") VALUES('refresh'))", 1},
    {"hostile filter in the schema is refused (an error)", IMAGE_VTABS, NULL,
     "SELECT count(*) FROM th", NULL,
     "segments: filter may not call random() (only pure built-in functions and"
     " this extension's are allowed)", 1},
    {"DROP TABLE", IMAGE_VTABS, NULL, "DROP TABLE t", SCHEMA_STATE, "", 0},

    /* ---- issue 5: features, lifecycle, rule maps, email ---- */
    {"CREATE: rule map, discount=, refund=", IMAGE_TABLES, RULES_SETUP,
     "CREATE VIRTUAL TABLE tr USING segments(" SHOP ", " FILTER ", " RULES_OPTIONS ")",
     SCHEMA_STATE, "", 0},
    {"SELECT lifecycle, features and matched_rules over a rule map", IMAGE_TABLES,
     RULES_SETUP "CREATE VIRTUAL TABLE tr USING segments(" SHOP ", " FILTER ", " RULES_OPTIONS ");",
     "SELECT customer_id, segment, lifecycle, tenure_days, avg_gap_days, recent_orders,"
     " recent_monetary, discount_share, refund_count, matched_rules FROM tr"
     " WHERE typeof(customer_id) = 'text' OR customer_id % 4 = 0 ORDER BY customer_id",
     NULL, NULL, 0},
    {"email3: events, GROUP BY segment", IMAGE_TABLES,
     "CREATE TABLE ev AS SELECT customer_id, created_at AS at, CASE WHEN order_id % 3 = 0"
     " THEN 'open' WHEN order_id % 7 = 0 THEN 'unsubscribe' ELSE 'subscribe' END AS kind"
     " FROM orders WHERE customer_id IS NOT NULL;"
     "CREATE VIRTUAL TABLE e USING segments(" SHOP ", customers='customers', customers_id='id',"
     " as_of='2024-06-30', events='ev', events_at='at', events_kind='kind', map='email3');",
     "SELECT segment, count(*), sum(opens_30d), sum(unsubscribed), max(last_open) FROM e"
     " GROUP BY segment",
     NULL, NULL, 0},

    /* ---- issue 6: customer-value models in the segments table ---- */
    {"model='bgnbd': CREATE, then fit and SELECT the model columns", IMAGE_TABLES, NULL,
     /* IF NOT EXISTS: the rerun after a failed SELECT finds the table. */
     "CREATE VIRTUAL TABLE IF NOT EXISTS vm USING segments(" SHOP ", " FILTER ","
     " as_of='2025-01-01', model='bgnbd', time_unit='weeks', horizon=26,"
     " discount_rate=0.01);"
     "SELECT customer_id, p_alive, expected_orders, expected_value, clv, churn_risk"
     " FROM vm ORDER BY customer_id",
     NULL, NULL, 0},
};

#define N_STEPS ((int)(sizeof(aStep) / sizeof(aStep[0])))

/* ---- running a step ------------------------------------------------------------------- */

/* The answers of a healthy run of a step. */
typedef struct Healthy {
  Answer answer;       /* the step's */
  Answer before;       /* zState before the step */
  Answer after;        /* zState after it */
  sqlite3_int64 nAlloc;
} Healthy;

typedef struct Tally {
  sqlite3_int64 nRuns;      /* N tried */
  sqlite3_int64 nNomem;     /* ended in SQLITE_NOMEM */
  sqlite3_int64 nRight;     /* right answer although an allocation failed */
  sqlite3_int64 nLostText;  /* the right error, its message lost (see top) */
  sqlite3_int64 nRolledBack;/* the open transaction rolled back by SQLite */
  sqlite3_int64 nWrong;     /* anything else: the failures of this test */
} Tally;

static const char *gInFlight; /* the run under way, for a crash report */
static int gVerbose;          /* OOM_N given: say what the run gave */
static char gInFlightBuf[256];

static void reportWrong(const Step *p, const char *zMode, sqlite3_int64 iN,
                        Tally *t, const char *zWhat, const Answer *pGot,
                        const Answer *pWant) {
  t->nWrong++;
  if (t->nWrong > 8) return; /* the first few tell the story */
  print_error("  WRONG [%s] %s N=%lld: %s\n", p->zName, zMode, (long long)iN,
              zWhat);
  if (pGot)
    print_error("    got  (rc %d/%d): %.300s\n", pGot->rc, pGot->xrc, pGot->text.z);
  if (pWant)
    print_error("    want (rc %d/%d): %.300s\n", pWant->rc, pWant->xrc, pWant->text.z);
}

static void healthyRun(const Step *p, Healthy *h) {
  sqlite3_int64 nBase = sqlite3_memory_used();
  sqlite3 *db = openImage(p->iImage, p->zSetup);
  memset(h, 0, sizeof(*h));
  if (p->zState) runSql(db, p->zState, &h->before);
  oomArm(INT64_MAX, 0); /* count, fail nothing */
  runSql(db, p->zSql, &h->answer);
  oomDisarm();
  h->nAlloc = gOom.nCount;
  if (p->zState) runSql(db, p->zState, &h->after);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  assert_int_equal(sqlite3_memory_used(), nBase);

  /* The healthy answer is itself checked: the right kind, not empty. */
  if (p->bError) {
    if (h->answer.rc == SQLITE_OK) {
      print_error("[%s] expected an error, got rows: %.300s\n", p->zName,
                  h->answer.text.z);
      fail();
    }
  } else if (h->answer.rc != SQLITE_OK) {
    print_error("[%s] healthy run failed (rc %d): %s\n", p->zName, h->answer.rc,
                h->answer.text.z);
    fail();
  }
  if (p->zExpect && strcmp(h->answer.text.z, p->zExpect) != 0) {
    print_error("[%s] healthy answer\n  got:  %.300s\n  want: %s\n", p->zName,
                h->answer.text.z, p->zExpect);
    fail();
  }
  if (!p->zExpect) assert_true(h->answer.text.n > 0);
  if (p->zState) {
    assert_int_equal(h->before.rc, SQLITE_OK);
    assert_int_equal(h->after.rc, SQLITE_OK);
    /* A step that succeeds writes; one that fails leaves all as it was. */
    assert_true(answerEqual(&h->before, &h->after) == p->bError);
  }
}

/* One run with allocation N failing; returns the number of allocations
** failed (0: the step completed untouched, the loop is over). */
static sqlite3_int64 oomRun(const Step *p, const Healthy *h, int bPersistent,
                            sqlite3_int64 iN, Tally *t) {
  const char *zMode = bPersistent ? "persistent" : "once";
  sqlite3_int64 nBase = sqlite3_memory_used(), nFailed, nUsed;
  sqlite3 *db;
  Answer got, state;
  int rc, bFailed, bInTransaction;

  snprintf(gInFlightBuf, sizeof gInFlightBuf, "step '%s', mode %s, N=%lld",
           p->zName, zMode, (long long)iN);
  gInFlight = gInFlightBuf;
  db = openImage(p->iImage, p->zSetup);
  bInTransaction = !sqlite3_get_autocommit(db);
  oomArm(iN, bPersistent);
  runSql(db, p->zSql, &got);
  oomDisarm();
  nFailed = gOom.nFailed;
  t->nRuns++;

  bFailed = 0;
  if (answerEqual(&got, &h->answer)) {
    if (nFailed) t->nRight++;
  } else if (isNomem(&got) && nFailed) {
    t->nNomem++;
    bFailed = 1;
  } else if (nFailed && h->answer.rc != SQLITE_OK && got.rc == h->answer.rc &&
             isGenericText(&got)) {
    t->nLostText++;
    bFailed = 1;
  } else {
    reportWrong(p, zMode, iN, t,
                nFailed ? "neither SQLITE_NOMEM nor the right answer"
                        : "wrong answer with no allocation failed",
                &got, &h->answer);
    bFailed = got.rc != SQLITE_OK || h->answer.rc == SQLITE_OK;
  }

  /* SQLite rolls back the whole transaction when a statement without a
  ** statement journal fails with SQLITE_NOMEM (sqlite3VdbeHalt; "SQLITE_NOMEM
  ** ... may roll back the transaction", lang_transaction.html).  Then the
  ** setup is run again, for the checks below to see what the step saw. */
  if (bInTransaction && sqlite3_get_autocommit(db)) {
    t->nRolledBack++;
    if (p->zSetup) sqltest_exec(db, p->zSetup);
  }

  /* What the step writes: all of it, or none of it. */
  if (p->zState) {
    runSql(db, p->zState, &state);
    if (got.rc == SQLITE_OK || (p->bError && answerEqual(&got, &h->answer))) {
      if (!answerEqual(&state, &h->after))
        reportWrong(p, zMode, iN, t, "the step succeeded but its writes are wrong",
                    &state, &h->after);
    } else if (!answerEqual(&state, &h->before)) {
      reportWrong(p, zMode, iN, t,
                  "the step failed but changed what it writes (not all or nothing)",
                  &state, &h->before);
    }
    answerFree(&state);
  }

  /* After a failure, the connection still gives the right answer. */
  if (bFailed) {
    Answer again;
    runSql(db, p->zSql, &again);
    if (!answerEqual(&again, &h->answer))
      reportWrong(p, zMode, iN, t,
                  "the same step on the same connection, allocator healthy again",
                  &again, &h->answer);
    answerFree(&again);
    if (p->zState) {
      runSql(db, p->zState, &state);
      if (!answerEqual(&state, &h->after))
        reportWrong(p, zMode, iN, t, "writes of the step run again", &state,
                    &h->after);
      answerFree(&state);
    }
  }
  if (gVerbose)
    print_message("  N=%lld: %lld allocation(s) failed; rc %d/%d: %.500s\n",
                  (long long)iN, (long long)nFailed, got.rc, got.xrc, got.text.z);
  answerFree(&got);

  rc = sqlite3_close(db);
  if (rc != SQLITE_OK) {
    reportWrong(p, zMode, iN, t, "sqlite3_close() is not SQLITE_OK (a statement leaked)",
                NULL, NULL);
    /* Finalize what leaked so that the rest can go on. */
    for (sqlite3_stmt *s; (s = sqlite3_next_stmt(db, NULL)) != NULL;) sqlite3_finalize(s);
    sqlite3_close(db);
  }
  nUsed = sqlite3_memory_used();
  if (nUsed != nBase) {
    char zWhat[128];
    snprintf(zWhat, sizeof zWhat, "memory leaked: %lld bytes still in use after close",
             (long long)(nUsed - nBase));
    reportWrong(p, zMode, iN, t, zWhat, NULL, NULL);
  }
  gInFlight = NULL;
  return nFailed;
}

/* OOM_STRIDE=s fails only N = 1, 1+s, 1+2s, ...: make memcheck sets it,
** as every N under valgrind would take most of an hour.  The full loop
** runs in make test and make sanitize. */
static sqlite3_int64 gStride = 1;

static void tallyText(const Tally *t, char *z, size_t n) {
  int k = snprintf(z, n, "%lld runs (N=1..%lld by %lld): %lld NOMEM, %lld right (%lld after a failed allocation)",
                   (long long)t->nRuns, (long long)(1 + (t->nRuns - 1) * gStride),
                   (long long)gStride, (long long)t->nNomem,
                   (long long)(t->nRuns - t->nNomem - t->nLostText - t->nWrong),
                   (long long)t->nRight);
  if (t->nLostText && k > 0 && (size_t)k < n)
    k += snprintf(z + k, n - (size_t)k, ", %lld right error with its text lost",
                  (long long)t->nLostText);
  if (t->nRolledBack && k > 0 && (size_t)k < n)
    k += snprintf(z + k, n - (size_t)k, ", %lld with the transaction rolled back",
                  (long long)t->nRolledBack);
  if (t->nWrong && k > 0 && (size_t)k < n)
    snprintf(z + k, n - (size_t)k, ", %lld WRONG", (long long)t->nWrong);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define MAX_N 200000


static void runStep(const Step *p) {
  Healthy h;
  Tally tally[2];
  double t0 = now();
  const char *zOnly = getenv("OOM_N");
  const char *zMode = getenv("OOM_MODE");

  healthyRun(p, &h);
  memset(tally, 0, sizeof tally);
  if (zOnly && *zOnly) {
    /* One run, for a debugger. */
    int bPersistent = zMode && strcmp(zMode, "persistent") == 0;
    gVerbose = 1;
    sqlite3_int64 nFailed = oomRun(p, &h, bPersistent, strtoll(zOnly, 0, 10),
                                   &tally[bPersistent]);
    print_message("[%s] N=%s (%s): %lld allocation(s) failed, %s\n", p->zName,
                  zOnly, bPersistent ? "persistent" : "once", (long long)nFailed,
                  tally[bPersistent].nWrong ? "WRONG" : "ok");
  } else {
    for (int bPersistent = 0; bPersistent < 2; bPersistent++) {
      sqlite3_int64 iN;
      for (iN = 1; iN <= MAX_N; iN += gStride)
        if (oomRun(p, &h, bPersistent, iN, &tally[bPersistent]) == 0) break;
      assert_true(iN <= MAX_N);
    }
    char zOnce[256], zPersistent[256];
    tallyText(&tally[0], zOnce, sizeof zOnce);
    tallyText(&tally[1], zPersistent, sizeof zPersistent);
    print_message("[%s] %lld allocations | once: %s | persistent: %s | %.2f s\n",
                  p->zName, (long long)h.nAlloc, zOnce, zPersistent, now() - t0);
  }
  answerFree(&h.answer);
  answerFree(&h.before);
  answerFree(&h.after);
  if (tally[0].nWrong + tally[1].nWrong) {
    print_error("[%s] %lld wrong run(s) (once), %lld (persistent)\n", p->zName,
                (long long)tally[0].nWrong, (long long)tally[1].nWrong);
    fail();
  }
}

/* ---- tests -------------------------------------------------------------------------- */

static int stepTeardown(void **state) {
  (void)state;
  oomDisarm();
  if (gInFlight) {
    print_error("  (the run under way: %s)\n", gInFlight);
    gInFlight = NULL;
  }
  return 0;
}

static void test_step(void **state) {
  const Step *p = *state;
  runStep(p);
}

/* The core's allocator is SQLite's once the extension is loaded: a
** failing sqlite3_malloc64 fails seg_malloc, and the core's memory shows
** in sqlite3_memory_used(). */
static void test_core_allocations_are_counted(void **state) {
  char zPath[512];
  void *pLib = NULL, *pSym;
  void *(*xMalloc)(size_t);
  void (*xFree)(void *);
  void *pMem;
  sqlite3_int64 nBase;
  (void)state;
  /* The copy the anchor connection loaded (same file: same handle). */
  snprintf(zPath, sizeof zPath, "%s.so", sqltest_extension());
  pLib = dlopen(zPath, RTLD_NOW);
  if (!pLib) pLib = dlopen(sqltest_extension(), RTLD_NOW);
  if (!pLib) {
    print_error("cannot dlopen %s: %s\n", zPath, dlerror());
    fail();
  }
  pSym = dlsym(pLib, "seg_malloc");
  assert_non_null(pSym);
  memcpy(&xMalloc, &pSym, sizeof xMalloc);
  pSym = dlsym(pLib, "seg_free");
  assert_non_null(pSym);
  memcpy(&xFree, &pSym, sizeof xFree);

  oomArm(1, 0);
  pMem = xMalloc(100);
  oomDisarm();
  assert_null(pMem);
  assert_int_equal(gOom.nCount, 1);

  nBase = sqlite3_memory_used();
  oomArm(2, 0);
  pMem = xMalloc(100);
  oomDisarm();
  assert_non_null(pMem);
  assert_int_equal(gOom.nCount, 1);
  assert_true(sqlite3_memory_used() >= nBase + 100);
  xFree(pMem);
  assert_int_equal(sqlite3_memory_used(), nBase);
  dlclose(pLib);
}

int main(void) {
  struct CMUnitTest tests[1 + N_STEPS];
  const char *zStep = getenv("OOM_STEP");
  const char *zStride = getenv("OOM_STRIDE");
  int n = 0;
  if (zStride && atoll(zStride) > 1) {
    gStride = atoll(zStride);
    print_message("OOM_STRIDE=%lld: failing every %lldth allocation only\n",
                  (long long)gStride, (long long)gStride);
  }
#ifdef __GLIBC__
  /* Each run frees all it allocated; without this glibc gives the top of
  ** the heap back to the kernel after every run and faults it in again on
  ** the next, which costs more than the runs themselves. */
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
#endif
  oomInstall();
  tests[n].name = "core_allocations_are_counted";
  tests[n].test_func = test_core_allocations_are_counted;
  tests[n].setup_func = NULL;
  tests[n].teardown_func = NULL;
  tests[n].initial_state = NULL;
  n++;
  for (int i = 0; i < N_STEPS; i++) {
    if (zStep && *zStep && !strstr(aStep[i].zName, zStep)) continue;
    tests[n].name = aStep[i].zName;
    tests[n].test_func = test_step;
    tests[n].setup_func = NULL;
    tests[n].teardown_func = stepTeardown;
    tests[n].initial_state = (void *)&aStep[i];
    n++;
  }
  return _cmocka_run_group_tests("oom", tests, (size_t)n, groupSetup,
                                 groupTeardown);
}
