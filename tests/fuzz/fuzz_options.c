/*
** fuzz_options.c — libFuzzer target for the segments virtual table's
** options: CREATE VIRTUAL TABLE x USING segments(<input>), then the table
** in use, on a small shop.
**
**     make fuzz                                   # every target, FUZZ_SECONDS each
**     build/fuzz/fuzz_options -dict=tests/fuzz/options.dict build/fuzz/corpus/options
**     build/fuzz/fuzz_options crash-file          # replay one input
**
** WHAT IT FEEDS
** Each input gets a fresh :memory: connection (so no input depends on
** another) holding the shop below, with the extension registered through
** sqlite3_auto_extension: its sources are linked into this binary, built
** with the same sanitizers and coverage, rather than loaded from a .so.
** The input is the text between the parentheses of
**
**     CREATE VIRTUAL TABLE x USING segments(<input>)
**
** as SQLite's parser hands it over (split at commas); only that one
** statement is prepared, whatever the input appends after a ')'.  If the
** first byte is below 0x08 it is not text but flags: 1 creates the table
** in temp, 2 turns SQLITE_DBCONFIG_DEFENSIVE on, 4 sets trusted_schema off.
**
** When the CREATE succeeds the table is used as the docs show: SELECT *,
** lookups by customer_id (=, IN, a float id), by segment, ORDER BY and
** GROUP BY, the as_of argument, a self-join of two dates, a change inside
** a transaction that is rolled back, 'refresh' (and a misspelled command,
** and an UPDATE), ALTER TABLE ... RENAME, and DROP.  Errors are expected
** and ignored; each statement is finalized.
**
** THE SHOP
**   orders(id, customer_id, created_at, ts, jd, total, status)
**       integer and text ids, a NULL id, ISO dates with times and zones,
**       the same dates as unix seconds (ts) and julian days (jd), NULL,
**       negative and text amounts, cancelled orders
**   customers(id, customer_id, name)     with customers that never ordered
**   messy(customer_id, created_at, total) bad dates, blob, 2.5 and 1e300
**       ids, 'lots' and Inf amounts: every row-level error
**   orders_v                              a view over orders, renamed columns
**   my_map, map3, map_dup, map_badcode, map_nosegment, map_nocode
**                                         good and bad map tables
**   loop_map                              a map view whose rows call
**                                         segment_of(545, 'loop_map')
**   "we""ird"("cu""st", "at;", "amt)")    names that need quoting
**
** INVARIANTS (each failure aborts, so libFuzzer keeps the input)
**   - No sanitizer report, no leak, and sqlite3_close() is SQLITE_OK (no
**     statement left unfinalized).
**   - An injected statement never runs: an authorizer sees every
**     statement prepared on the connection and fails the input on any
**     write, drop, create, attach or rename of something other than the
**     table x (or y after the rename) and its shadow tables, except the
**     harness's own transaction; a function fuzz_canary() exists, and a
**     filter that calls it would be run only if sql_guard let it through.
**   - Afterwards the user's tables are unchanged (row count and a
**     checksum of every value) and the schema (main and temp) is exactly
**     what it was: no shadow table left behind by a failed CREATE or by
**     the DROP.
**
** A progress handler stops any input after about two million VM steps (a
** filter can hold a recursive CTE), and values are limited to 100,000
** bytes, so an input cannot hang or exhaust memory by design.
*/
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"

int sqlite3_segment_init(sqlite3 *db, char **pzErrMsg,
                         const sqlite3_api_routines *pApi);

#define FLAG_TEMP 1
#define FLAG_DEFENSIVE 2
#define FLAG_UNTRUSTED 4

#define PROGRESS_OPS 1000
#define PROGRESS_MAX 2000 /* calls of the handler: ~2M VM steps */

static const char *const zShop =
    "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id, created_at,"
    " ts, jd, total, status);"
    "INSERT INTO orders(customer_id, created_at, total, status) VALUES"
    " (1, '2024-01-05', 10.5, 'paid'),"
    " (1, '2024-03-01 10:00:00', 20, 'paid'),"
    " (1, '2024-11-30T08:15:00Z', 20, 'paid'),"
    " (2, '2023-12-31T23:30:00-01:00', 5, 'cancelled'),"
    " (2, '2022-07-14', 99.99, 'paid'),"
    " (3, '2024-03-01 23:59:59.9996', 100, 'paid'),"
    " (3, '2024-03-02', -20, 'refund'),"
    " ('c4', '2024-02-29', NULL, 'paid'),"
    " ('c4', '2024-02-31 24:00', '12.50', 'paid'),"
    " (5, '2024-06-30', 7.25, 'paid'),"
    " (5, '2024-06-30 12:00:00+05:30', 0.005, 'paid'),"
    " (NULL, '2024-01-01', 1, 'paid'),"
    " (6, '2025-06-01', 3, 'paid'),"
    " (7, '2021-01-01', 1000, 'paid'),"
    " (8, '2024-12-31 23:59:59', 1e15, 'paid'),"
    " (-9, '0001-01-01', 1, 'paid'),"
    " ('', '9999-12-31', 2, 'paid'),"
    " (9223372036854775807, '2024-10-10', 3.5, 'paid');"
    "UPDATE orders SET ts = CAST(unixepoch(created_at) AS INTEGER),"
    " jd = julianday(created_at);"
    "CREATE TABLE customers(id INTEGER PRIMARY KEY, customer_id, name);"
    "INSERT INTO customers(customer_id, name) VALUES (1,'a'), (2,'b'), (3,'c'),"
    " ('c4','d'), (5,'e'), (6,'f'), (7,'g'), (8,'h'), (10,'never'),"
    " ('c11','never'), (NULL,'nobody'), (2.0,'float two');"
    "CREATE TABLE messy(customer_id, created_at, total);"
    "INSERT INTO messy VALUES (1, '2024-01-01', 5), ('x', 'yesterday', 1),"
    " (x'00ff', '2024-01-01', 1), (2, '2024-01-01', 'lots'),"
    " (3, '2024-01-01', 1e999), (2.5, '2024-01-01', 1), (4, NULL, 1),"
    " (5, x'32303234', 1), (6, 1e300, 1), (7, -1.5, 2), (8, 'now', 3),"
    " (1e300, '2024-01-01', 1), (-9.3e18, '2024-01-01', 1), (9.0, '2024-01-01', 1);"
    "CREATE VIEW orders_v AS SELECT customer_id AS cid, created_at AS at,"
    " total AS amt, status FROM orders WHERE id % 2 = 1;"
    "CREATE TABLE my_map AS SELECT code, segment FROM segment_map('rfm11');"
    "UPDATE my_map SET segment = 'VIP' WHERE code = 555;"
    "DELETE FROM my_map WHERE code = 111;"
    "CREATE TABLE map3(code, segment);"
    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3)"
    " INSERT INTO map3 SELECT r.i * 100 + f.i * 10 + m.i, 'R' || r.i FROM s r, s f, s m;"
    "CREATE TABLE map_dup(code, segment); INSERT INTO map_dup VALUES"
    " (545, 'A'), (545, 'B');"
    "CREATE TABLE map_badcode(code, segment); INSERT INTO map_badcode VALUES ('x', 'A');"
    "CREATE TABLE map_nosegment(code, segment); INSERT INTO map_nosegment VALUES (545, NULL);"
    "CREATE TABLE map_nocode(segment);"
    "CREATE VIEW loop_map AS SELECT 545 AS code, segment_of(545, 'loop_map') AS segment;"
    "CREATE TABLE \"we\"\"ird\"(\"cu\"\"st\", \"at;\", \"amt)\");"
    "INSERT INTO \"we\"\"ird\" VALUES (1, '2024-01-01', 1), ('two', '2024-02-02', 2);";

/* The tables whose contents must never change. */
static const char *const azUserTable[] = {
    "orders", "customers", "messy", "my_map", "map3", "map_dup",
    "map_badcode", "map_nosegment", "map_nocode", "we\"ird"};

/* ---- the per-input state ------------------------------------------------- */

static int nProgress;
static int bHarnessWrites; /* the harness's own BEGIN/INSERT/ROLLBACK */
static const char *zViolation; /* what the authorizer refused, if anything */
static char zViolationBuf[256];
static uint64_t iBaseline;

static int progressHandler(void *p) {
  (void)p;
  return ++nProgress > PROGRESS_MAX;
}

/* Is zName the virtual table or one of its shadow tables? */
static int isOurs(const char *zName) {
  if (!zName) return 0;
  if ((zName[0] == 'x' || zName[0] == 'y') &&
      (zName[1] == 0 || strcmp(zName + 1, "_config") == 0 ||
       strcmp(zName + 1, "_members") == 0))
    return 1;
  /* The shadow tables' automatic indexes. */
  return strncmp(zName, "sqlite_autoindex_x_", 19) == 0 ||
         strncmp(zName, "sqlite_autoindex_y_", 19) == 0;
}

static int isSchemaTable(const char *zName) {
  return zName && (strcmp(zName, "sqlite_master") == 0 ||
                   strcmp(zName, "sqlite_temp_master") == 0 ||
                   strcmp(zName, "sqlite_schema") == 0 ||
                   strcmp(zName, "sqlite_temp_schema") == 0);
}

static void violation(int action, const char *z3, const char *z4) {
  if (zViolation) return;
  snprintf(zViolationBuf, sizeof zViolationBuf,
           "authorizer action %d on '%s' '%s'", action, z3 ? z3 : "",
           z4 ? z4 : "");
  zViolation = zViolationBuf;
}

static int authorizer(void *p, int action, const char *z3, const char *z4,
                      const char *zDb, const char *zTrigger) {
  (void)p, (void)zDb, (void)zTrigger;
  switch (action) {
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
      if (!isOurs(z3) && !isSchemaTable(z3) && !bHarnessWrites)
        violation(action, z3, z4);
      break;
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_CREATE_VTABLE:
    case SQLITE_DROP_VTABLE:
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_TEMP_INDEX:
      if (!isOurs(z3)) violation(action, z3, z4);
      break;
    case SQLITE_ALTER_TABLE:
      if (!isOurs(z4)) violation(action, z3, z4);
      break;
    case SQLITE_CREATE_VIEW:
    case SQLITE_CREATE_TEMP_VIEW:
    case SQLITE_DROP_VIEW:
    case SQLITE_DROP_TEMP_VIEW:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_TEMP_TRIGGER:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_TEMP_TRIGGER:
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      violation(action, z3, z4);
      break;
    default:
      break;
  }
  return SQLITE_OK; /* record, never refuse: the extension's paths run */
}

/* A function no filter may ever run: sql_guard must refuse it. */
static void canaryFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)ctx, (void)argc, (void)argv;
  FUZZ_CHECK(0, "fuzz_canary() ran: a filter got past sql_guard");
}

/* ---- helpers ---------------------------------------------------------------- */

/* Run every statement of zSql (the harness's own SQL), ignoring errors,
** reading at most 10,000 rows of each; every statement is finalized. */
static void run(sqlite3 *db, const char *zSql) {
  while (zSql && zSql[0]) {
    sqlite3_stmt *pStmt = NULL;
    const char *zTail = NULL;
    int nRow = 0;
    if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, &zTail) != SQLITE_OK) {
      sqlite3_finalize(pStmt);
      return;
    }
    while (pStmt && sqlite3_step(pStmt) == SQLITE_ROW && ++nRow < 10000) {
      for (int i = 0; i < sqlite3_column_count(pStmt); i++)
        (void)sqlite3_column_text(pStmt, i); /* make every value */
    }
    sqlite3_finalize(pStmt);
    zSql = zTail;
  }
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *z = p;
  for (size_t i = 0; i < n; i++) h = (h ^ z[i]) * UINT64_C(0x100000001b3);
  return h;
}

/* A checksum of every row of zSql's result, types and bytes. */
static uint64_t hashQuery(sqlite3 *db, const char *zSql, uint64_t h) {
  sqlite3_stmt *pStmt = NULL;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot check the shop: %s: %s", zSql,
             sqlite3_errmsg(db));
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    h = fnv(h, "|", 1);
    for (int i = 0; i < sqlite3_column_count(pStmt); i++) {
      int t = sqlite3_column_type(pStmt, i);
      const void *z = sqlite3_column_blob(pStmt, i);
      h = fnv(h, &t, sizeof t);
      if (z) h = fnv(h, z, (size_t)sqlite3_column_bytes(pStmt, i));
    }
  }
  FUZZ_CHECK(rc == SQLITE_DONE, "cannot check the shop: %s: %s", zSql,
             sqlite3_errmsg(db));
  sqlite3_finalize(pStmt);
  return h;
}

/* The user's tables and both schemas, as one number. */
static uint64_t hashShop(sqlite3 *db) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  h = hashQuery(db, "SELECT type, name, tbl_name, sql FROM main.sqlite_schema"
                    " ORDER BY name", h);
  h = hashQuery(db, "SELECT type, name, tbl_name, sql FROM temp.sqlite_schema"
                    " ORDER BY name", h);
  for (size_t i = 0; i < sizeof azUserTable / sizeof azUserTable[0]; i++) {
    /* Every row adds a separator to the hash: the count is in it too. */
    char *zSql = sqlite3_mprintf("SELECT * FROM main.\"%w\"", azUserTable[i]);
    FUZZ_CHECK(zSql != NULL, "out of memory");
    h = hashQuery(db, zSql, h);
    sqlite3_free(zSql);
  }
  return h;
}

/* The shop as built once by LLVMFuzzerInitialize, serialized: each input
** starts from a copy of these bytes, which is faster than building it. */
static unsigned char *aShopImage;
static sqlite3_int64 nShopImage;

static sqlite3 *openDb(void) {
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(":memory:", &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot open :memory:");
  rc = sqlite3_create_function(db, "fuzz_canary", -1, SQLITE_UTF8, 0,
                               canaryFunc, 0, 0);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot register fuzz_canary");
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 100000);
  return db;
}

static sqlite3 *openShop(void) {
  sqlite3 *db = openDb();
  unsigned char *a = sqlite3_malloc64((sqlite3_uint64)nShopImage);
  int rc;
  FUZZ_CHECK(a != NULL, "out of memory");
  memcpy(a, aShopImage, (size_t)nShopImage);
  rc = sqlite3_deserialize(db, "main", a, nShopImage, nShopImage,
                           SQLITE_DESERIALIZE_FREEONCLOSE |
                               SQLITE_DESERIALIZE_RESIZEABLE);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot load the shop: %s", sqlite3_errmsg(db));
  return db;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  sqlite3 *db;
  char *zErr = NULL;
  int rc;
  (void)argc, (void)argv;
  /* No lookaside: every allocation goes through ASan's allocator, and a
  ** connection costs less to open. */
  rc = sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot configure SQLite");
  rc = sqlite3_auto_extension((void (*)(void))sqlite3_segment_init);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot register the extension");
  db = openDb();
  rc = sqlite3_exec(db, zShop, 0, 0, &zErr);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot build the shop: %s", zErr);
  aShopImage = sqlite3_serialize(db, "main", &nShopImage, 0);
  FUZZ_CHECK(aShopImage != NULL, "cannot serialize the shop");
  FUZZ_CHECK(sqlite3_close(db) == SQLITE_OK, "cannot close");
  db = openShop();
  iBaseline = hashShop(db);
  FUZZ_CHECK(sqlite3_close(db) == SQLITE_OK, "cannot close");
  return 0;
}

/* ---- one input ---------------------------------------------------------------- */

static const char *const azUse[] = {
    "SELECT * FROM x",
    "SELECT * FROM x WHERE customer_id = 1",
    "SELECT * FROM x WHERE customer_id = 'c4'",
    "SELECT * FROM x WHERE customer_id = 2.0",
    "SELECT * FROM x WHERE customer_id IN (1, 'c4', 3.0, NULL, x'00', 999)",
    "SELECT * FROM x WHERE customer_id IN (1e300, -1e300, 9.3e18, -9.2e18, 0.5)",
    "SELECT * FROM x WHERE customer_id = 9223372036854775807.0",
    "SELECT customer_id, segment FROM x WHERE segment = 'Champions'",
    "SELECT * FROM x WHERE segment = (SELECT segment FROM x LIMIT 1)",
    "SELECT customer_id FROM x ORDER BY customer_id",
    "SELECT customer_id FROM x ORDER BY customer_id DESC",
    "SELECT segment, count(*), sum(monetary) FROM x GROUP BY segment",
    "SELECT segment FROM x ORDER BY segment",
    "SELECT * FROM x WHERE customer_id = 1 COLLATE NOCASE",
    "SELECT * FROM x('2024-06-30')",
    "SELECT * FROM x('2024-06-30') WHERE customer_id = 1",
    "SELECT * FROM x(NULL)",
    "SELECT * FROM x(20240630)",
    "SELECT * FROM x('junk')",
    "SELECT a.segment, b.segment FROM x('2024-01-31') a JOIN x b USING (customer_id)",
    "SELECT rowid, as_of, x FROM x",
    "INSERT INTO x(x) VALUES('refresh')",
    "SELECT * FROM x_members",
    "SELECT * FROM x_config",
    "SELECT * FROM x WHERE customer_id = 3",
    "SELECT * FROM x WHERE segment = 'Lost'",
    "INSERT INTO x(x) VALUES('refesh')",
    "INSERT INTO x(x) VALUES(NULL)",
    "INSERT INTO x(customer_id) VALUES(1)",
    "UPDATE x SET r = 1",
    "DELETE FROM x",
};

/* A change to the orders inside a transaction, rolled back: the cached
** membership must not outlive it. */
static const char *const zTxn =
    "BEGIN;"
    "INSERT INTO orders(customer_id, created_at, total, status)"
    " VALUES (77, '2024-12-31', 5000, 'paid'), ('c4', '2024-01-01', 1, 'paid');"
    "SAVEPOINT s; DELETE FROM orders WHERE customer_id = 1; ROLLBACK TO s;";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sqlite3 *db;
  sqlite3_stmt *pStmt = NULL;
  int flags = 0, created;
  char *zSql;

  if (size > 0 && data[0] < 0x08) {
    flags = data[0];
    data++, size--;
  }
  db = openShop();
  nProgress = 0;
  zViolation = NULL;
  bHarnessWrites = 0;
  if (flags & FLAG_DEFENSIVE) sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, 0);
  if (flags & FLAG_UNTRUSTED) run(db, "PRAGMA trusted_schema = OFF");
  sqlite3_set_authorizer(db, authorizer, 0);
  sqlite3_progress_handler(db, PROGRESS_OPS, progressHandler, 0);

  zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE %sx USING segments(%.*s)",
                         (flags & FLAG_TEMP) ? "temp." : "", (int)size,
                         (const char *)data);
  FUZZ_CHECK(zSql != NULL, "out of memory");
  /* Only the first statement: what follows a ')' in the input is the
  ** harness's concern, not the extension's. */
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) == SQLITE_OK && pStmt) {
    created = sqlite3_step(pStmt) == SQLITE_DONE;
  } else {
    created = 0;
  }
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);

  if (created) {
    for (size_t i = 0; i < sizeof azUse / sizeof azUse[0]; i++) run(db, azUse[i]);
    bHarnessWrites = 1;
    run(db, zTxn);
    bHarnessWrites = 0;
    run(db, "SELECT * FROM x; SELECT * FROM x WHERE customer_id = 77;"
            "INSERT INTO x(x) VALUES('refresh')");
    bHarnessWrites = 1;
    run(db, "ROLLBACK");
    bHarnessWrites = 0;
    run(db, "SELECT * FROM x WHERE customer_id = 77; SELECT * FROM x_members");
    run(db, "ALTER TABLE x RENAME TO y");
    run(db, "SELECT * FROM y; INSERT INTO y(y) VALUES('refresh');"
            "SELECT count(*) FROM y_members");
    /* Whatever is left, by either name: the schema must be as before. */
    nProgress = 0;
    sqlite3_progress_handler(db, 0, 0, 0);
    run(db, "DROP TABLE IF EXISTS y; DROP TABLE IF EXISTS x;"
            "DROP TABLE IF EXISTS temp.y; DROP TABLE IF EXISTS temp.x");
  }
  if (sqlite3_get_autocommit(db) == 0) {
    bHarnessWrites = 1;
    run(db, "ROLLBACK");
  }

  sqlite3_set_authorizer(db, 0, 0);
  sqlite3_progress_handler(db, 0, 0, 0);
  FUZZ_CHECK(zViolation == NULL, "the extension wrote outside its tables: %s",
             zViolation);
  FUZZ_CHECK(hashShop(db) == iBaseline,
             "the shop changed (a user table or the schema; created=%d)",
             created);
  FUZZ_CHECK(sqlite3_close(db) == SQLITE_OK, "sqlite3_close: %s",
             sqlite3_errmsg(db));
  return 0;
}
