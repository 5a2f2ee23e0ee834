/*
** test_hostile.c — a database file written by an attacker cannot make a
** victim who SELECTs from it write files, load code, call non-pure
** functions or read what a view may not read, with trusted_schema on and
** off.
**
** The files are crafted: a plain connection, without SQLITE_DBCONFIG_DEFENSIVE
** and without the extension, writes segments tables straight into
** sqlite_schema with PRAGMA writable_schema — tables whose options the
** extension's CREATE would have refused (a filter that calls writefile(),
** load_extension(), readfile(), edit(), fts3_tokenizer(), random(); a ';'
** or a ')' trick; a subquery on a virtual table or on a view that calls
** writefile()), views and a trigger that reach them, a map table with odd
** contents, and options that name virtual tables a view may not read.
**
** The victim is a connection like any host's: the extension loaded
** (sqltest_open_file, defensive on), and stand-ins for the sqlite3 shell's
** writefile(), readfile() and edit() — and for load_extension(),
** fts3_tokenizer() and random() — that count every call (writefile() also
** really writes its file, as the shell's does).  Two ways to register
** them: "bare" (no flags: the worst host, whose functions a trusted schema
** may call) and "shell" (as the sqlite3 shell does: writefile() and
** readfile() SQLITE_DIRECTONLY).  A stand-in for the shell's fsdir table
** (SQLITE_VTAB_DIRECTONLY, as the shell's) counts its scans.  The victim
** SELECTs with SQLITE_DBCONFIG_TRUSTED_SCHEMA on and off; every refusal is
** checked word for word, no stand-in may have run, no file may exist.
*/
#include "sqltest.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the stand-ins --------------------------------------------------------------- */

enum { F_WRITEFILE, F_READFILE, F_EDIT, F_LOAD_EXTENSION, F_FTS3_TOKENIZER, F_RANDOM, F_COUNT };
static const char *const azStandIn[F_COUNT] = {
    "writefile", "readfile", "edit", "load_extension", "fts3_tokenizer", "random"};
static int anCalls[F_COUNT];
static int nFsdirScans;

static void standIn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  int i = (int)(intptr_t)sqlite3_user_data(ctx);
  anCalls[i]++;
  if (i == F_WRITEFILE && argc >= 2) {
    /* As the shell's writefile(FILE, DATA) does. */
    FILE *f = fopen((const char *)sqlite3_value_text(argv[0]), "wb");
    if (f) {
      fwrite(sqlite3_value_blob(argv[1]), 1, (size_t)sqlite3_value_bytes(argv[1]), f);
      fclose(f);
    }
  }
  sqlite3_result_int(ctx, 1);
}

/* fsdir(PATH): one row per file, as the shell's; DIRECTONLY, as the shell's. */
typedef struct FsdirCursor {
  sqlite3_vtab_cursor base;
  int iRow;
} FsdirCursor;

static int fsdirConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                        sqlite3_vtab **ppVtab, char **pzErr) {
  sqlite3_vtab *p;
  int rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(name, mode, mtime, data, level, path HIDDEN, dir HIDDEN)");
  (void)pAux, (void)argc, (void)argv, (void)pzErr;
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (!p) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  *ppVtab = p;
  return SQLITE_OK;
}
static int fsdirDisconnect(sqlite3_vtab *p) {
  sqlite3_free(p);
  return SQLITE_OK;
}
static int fsdirBestIndex(sqlite3_vtab *p, sqlite3_index_info *pInfo) {
  (void)p;
  pInfo->idxNum = 0;
  pInfo->estimatedCost = 1e12;
  for (int i = 0; i < pInfo->nConstraint; i++) {
    if (pInfo->aConstraint[i].iColumn == 5 && pInfo->aConstraint[i].usable &&
        pInfo->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ) {
      pInfo->aConstraintUsage[i].argvIndex = 1;
      pInfo->aConstraintUsage[i].omit = 1;
      pInfo->idxNum = 1;
      pInfo->estimatedCost = 10;
    }
  }
  return SQLITE_OK;
}
static int fsdirOpen(sqlite3_vtab *p, sqlite3_vtab_cursor **ppCur) {
  FsdirCursor *pCur = sqlite3_malloc(sizeof(*pCur));
  (void)p;
  if (!pCur) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCur = &pCur->base;
  return SQLITE_OK;
}
static int fsdirClose(sqlite3_vtab_cursor *pCur) {
  sqlite3_free(pCur);
  return SQLITE_OK;
}
static int fsdirFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr, int argc,
                       sqlite3_value **argv) {
  (void)idxStr, (void)argc, (void)argv;
  nFsdirScans++;
  ((FsdirCursor *)cur)->iRow = 0;
  if (idxNum == 0) {
    cur->pVtab->zErrMsg = sqlite3_mprintf("table function fsdir requires an argument");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}
static int fsdirNext(sqlite3_vtab_cursor *cur) {
  ((FsdirCursor *)cur)->iRow++;
  return SQLITE_OK;
}
static int fsdirEof(sqlite3_vtab_cursor *cur) {
  return ((FsdirCursor *)cur)->iRow >= 2;
}
static int fsdirColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  int iRow = ((FsdirCursor *)cur)->iRow;
  switch (i) {
    case 0: sqlite3_result_text(ctx, iRow ? "/home/victim/.ssh/id_rsa" : "/home/victim/.ssh", -1,
                                SQLITE_STATIC); break;
    case 1: sqlite3_result_int(ctx, iRow ? 0100600 : 040700); break;
    case 2: sqlite3_result_int64(ctx, 1733011200); break;
    case 3: sqlite3_result_text(ctx, "-----BEGIN OPENSSH PRIVATE KEY-----", -1, SQLITE_STATIC); break;
    default: break;
  }
  return SQLITE_OK;
}
static int fsdirRowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *pRowid) {
  *pRowid = ((FsdirCursor *)cur)->iRow;
  return SQLITE_OK;
}
static sqlite3_module fsdirModule = {
    0, 0, fsdirConnect, fsdirBestIndex, fsdirDisconnect, 0, fsdirOpen, fsdirClose,
    fsdirFilter, fsdirNext, fsdirEof, fsdirColumn, fsdirRowid,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

enum { BARE, SHELL };

static void register_stand_ins(sqlite3 *db, int eHow) {
  static const struct {
    int iFunc, nArg, bDirectOnlyInShell;
  } aReg[] = {
      {F_WRITEFILE, -1, 1}, {F_READFILE, 1, 1}, {F_EDIT, 1, 0}, {F_EDIT, 2, 0},
      {F_LOAD_EXTENSION, 1, 1}, {F_LOAD_EXTENSION, 2, 1}, {F_FTS3_TOKENIZER, 1, 1},
      {F_FTS3_TOKENIZER, 2, 1}, {F_RANDOM, 0, 0},
  };
  for (size_t i = 0; i < sizeof(aReg) / sizeof(aReg[0]); i++) {
    int flags = SQLITE_UTF8;
    if (eHow == SHELL && aReg[i].bDirectOnlyInShell) flags |= SQLITE_DIRECTONLY;
    assert_int_equal(sqlite3_create_function(db, azStandIn[aReg[i].iFunc], aReg[i].nArg, flags,
                                             (void *)(intptr_t)aReg[i].iFunc, standIn, 0, 0),
                     SQLITE_OK);
  }
  assert_int_equal(sqlite3_create_module(db, "fsdir", &fsdirModule, 0), SQLITE_OK);
}

/* ---- the crafted file ---------------------------------------------------------------- */

static char zFile[64];    /* the attacker's database */
static char zPwned[80];   /* the file writefile() would write */

#define SHOP_OPTIONS                                                          \
  "orders='orders', customer='customer_id', ordered_at='created_at', "       \
  "amount='total', as_of='2025-01-01'"

#define NOT_ALLOWED "(only pure built-in functions and this extension's are allowed)"

/* The hostile segments tables: a name, its options, and the filter shown
** in the error (NULL: no filter).  %s in an option is the path zPwned. */
static const struct {
  const char *zName, *zOptions;
} aEvil[] = {
    {"evil_writefile", SHOP_OPTIONS ", filter='writefile(''%s'', total) IS NOT NULL'"},
    {"evil_readfile", SHOP_OPTIONS ", filter='readfile(''/etc/passwd'') IS NOT NULL'"},
    {"evil_edit", SHOP_OPTIONS ", filter='edit(status) IS NOT NULL'"},
    {"evil_load", SHOP_OPTIONS ", filter='load_extension(''%s.so'') IS NULL'"},
    {"evil_fts3", SHOP_OPTIONS ", filter='fts3_tokenizer(''simple'') IS NOT NULL'"},
    {"evil_random", SHOP_OPTIONS ", filter='random() > 0'"},
    {"evil_semicolon", SHOP_OPTIONS ", filter='1; DROP TABLE orders'"},
    {"evil_paren", SHOP_OPTIONS ", filter='1) OR writefile(''%s'', total) OR (1'"},
    {"evil_comment", SHOP_OPTIONS ", filter='1 /* ) ; DROP TABLE orders'"},
    {"evil_vtab", SHOP_OPTIONS ", filter='customer_id IN (SELECT customer_id FROM evil_ok)'"},
    {"evil_pragma", SHOP_OPTIONS ", filter='(SELECT count(*) FROM pragma_function_list) > 0'"},
    {"evil_view", SHOP_OPTIONS ", filter='customer_id IN (SELECT customer_id FROM sneaky)'"},
    {"evil_deep", SHOP_OPTIONS ", filter='total > (SELECT max(x) FROM (SELECT length(edit(status)) AS x FROM orders))'"},
    {"evil_manual", SHOP_OPTIONS ", mode='manual', filter='writefile(''%s'', total) IS NOT NULL'"},
    {"evil_ok", SHOP_OPTIONS ", filter='status <> ''cancelled'''"},
    {"evil_map", SHOP_OPTIONS ", map='m'"},
    {"evil_map_view", SHOP_OPTIONS ", map='map_view'"},
    {"evil_orders_view", "orders='orders_view', customer='customer_id', ordered_at='created_at',"
                         " amount='total', as_of='2025-01-01'"},
    {"evil_segment_of", SHOP_OPTIONS ", filter='segment_of(511, ''map_view'') IS NOT NULL'"},
    {"evil_fsdir", "orders='fsdir', customer='name', ordered_at='mtime', amount='mode',"
                   " date_format='unix', as_of='2025-01-01', filter='path = ''/home/victim/.ssh'''"},
    {"evil_oracle", "orders='fsdir', customer='name', ordered_at='mtime', amount='mode',"
                    " date_format='unix', as_of='2025-01-01',"
                    " filter='path = ''/home/victim/.ssh'' AND substr(data, 1, 5) = ''-----'''"},
    {"evil_files", SHOP_OPTIONS ", customers='pragma_database_list', customers_id='file'"},
};

#define N_EVIL (sizeof(aEvil) / sizeof(aEvil[0]))

static void craft_exec(sqlite3 *db, const char *zSql) {
  char *zErr = NULL;
  if (sqlite3_exec(db, zSql, 0, 0, &zErr) != SQLITE_OK) {
    print_error("crafting failed: %s\n  error: %s\n", zSql, zErr ? zErr : "?");
    sqlite3_free(zErr);
    fail();
  }
}

/* Write the attacker's file: ordinary tables, views and a trigger made
** with ordinary SQL, then the segments tables straight into sqlite_schema. */
static int craft(void **state) {
  sqlite3 *db = NULL;
  int fd;
  char *zSql;
  strcpy(zFile, "/tmp/segment-hostile-XXXXXX");
  fd = mkstemp(zFile);
  if (fd < 0) return -1;
  close(fd);
  sqlite3_snprintf(sizeof zPwned, zPwned, "%s.pwned", zFile);
  unlink(zPwned);
  assert_int_equal(sqlite3_open(zFile, &db), SQLITE_OK);
  zSql = sqlite3_mprintf(
      "CREATE TABLE orders(customer_id INTEGER, created_at TEXT, total REAL, status TEXT);"
      "INSERT INTO orders VALUES (1, '2024-12-31', 10, 'paid'), (2, '2024-12-01', 30, 'paid'),"
      " (3, '2024-10-17', 40, 'cancelled');"
      "CREATE TABLE customers(customer_id INTEGER PRIMARY KEY);"
      "INSERT INTO customers VALUES (1), (2), (3), (4);"
      "CREATE TABLE log(x);"
      /* A map is data: odd names are just names. */
      "CREATE TABLE m(code, segment);"
      "INSERT INTO m VALUES (511, '''); DROP TABLE orders; --'),"
      " ('412', 'writefile(''%q'', 1)'), (313, printf('%%.*c', 100000, 'A'));"
      /* Views that call what a filter may not. */
      "CREATE VIEW sneaky AS SELECT customer_id FROM orders WHERE writefile(%Q, total) IS NOT NULL;"
      "CREATE VIEW map_view AS SELECT 511 AS code, writefile(%Q, 'x') AS segment;"
      "CREATE VIEW orders_view AS SELECT customer_id, created_at, writefile(%Q, total) AS total"
      " FROM orders;"
      /* Views and a trigger that reach the hostile tables. */
      "CREATE VIEW report AS SELECT segment, count(*) AS n FROM evil_writefile GROUP BY segment;"
      "CREATE VIEW champions AS SELECT customer_id FROM evil_edit WHERE segment = 'Champions';"
      "CREATE VIEW loaded AS SELECT * FROM evil_load WHERE customer_id = 1;"
      "CREATE VIEW old_news AS SELECT * FROM evil_paren('2024-06-30');"
      "CREATE VIEW keys AS SELECT customer_id FROM evil_fsdir;"
      "CREATE VIEW oracle AS SELECT count(*) AS n FROM evil_oracle;"
      "CREATE VIEW files AS SELECT customer_id FROM evil_files WHERE frequency = 0;"
      "CREATE VIEW direct_fsdir AS SELECT name FROM fsdir('/home/victim/.ssh');"
      "CREATE TRIGGER on_log AFTER INSERT ON log BEGIN"
      "  INSERT INTO evil_writefile(evil_writefile) VALUES('refresh');"
      "  SELECT count(*) FROM evil_readfile;"
      " END;",
      zPwned, zPwned, zPwned, zPwned);
  craft_exec(db, zSql);
  sqlite3_free(zSql);
  for (size_t i = 0; i < N_EVIL; i++) {
    char *zOptions = sqlite3_mprintf(aEvil[i].zOptions, zPwned, zPwned);
    char *zCreate = sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\" USING segments(%s)",
                                    aEvil[i].zName, zOptions);
    zSql = sqlite3_mprintf(
        "CREATE TABLE \"%w_config\"(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
        "INSERT INTO \"%w_config\" VALUES('version', 1);"
        "CREATE TABLE \"%w_members\"(customer_id, first_order TEXT, last_order TEXT,"
        " recency_days INTEGER, frequency INTEGER, monetary REAL, avg_order REAL, r INTEGER,"
        " f INTEGER, m INTEGER, rfm INTEGER, segment TEXT, as_of TEXT,"
        " PRIMARY KEY(customer_id), UNIQUE(segment, customer_id));"
        "PRAGMA writable_schema = ON;"
        "INSERT INTO sqlite_schema(type, name, tbl_name, rootpage, sql)"
        " VALUES('table', %Q, %Q, 0, %Q);"
        "PRAGMA writable_schema = OFF;",
        aEvil[i].zName, aEvil[i].zName, aEvil[i].zName, aEvil[i].zName, aEvil[i].zName,
        zCreate);
    craft_exec(db, zSql);
    sqlite3_free(zSql);
    sqlite3_free(zCreate);
    sqlite3_free(zOptions);
  }
  /* The manual table was "refreshed" by the attacker: its members are data. */
  craft_exec(db,
      "INSERT INTO evil_manual_config VALUES('refreshed_at', '2024-12-31 00:00:00');"
      "INSERT INTO evil_manual_members VALUES('''); DROP TABLE orders; --', '2024-12-01',"
      " '2024-12-01', 31, 1, 10.0, 10.0, 5, 1, 1, 511, 'writefile(''x'', 1)', '2025-01-01');");
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
  *state = NULL;
  return 0;
}

static sqlite3 *pVictim;  /* the victim's connection, while open */

static int remove_crafted(void **state) {
  char *z = sqlite3_mprintf("%s-journal", zFile);
  (void)state;
  if (pVictim) {
    /* A test that failed half way: close what it left open. */
    sqlite3_close_v2(pVictim);
    pVictim = NULL;
  }
  unlink(zFile);
  unlink(z);
  unlink(zPwned);
  sqlite3_free(z);
  return 0;
}

/* ---- the victim -------------------------------------------------------------------------- */

static sqlite3 *open_victim(int bTrusted, int eHow) {
  sqlite3 *db = sqltest_open_file(zFile);
  int bNow = -1;
  register_stand_ins(db, eHow);
  assert_int_equal(sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, bTrusted, &bNow),
                   SQLITE_OK);
  assert_int_equal(bNow, bTrusted);
  memset(anCalls, 0, sizeof anCalls);
  nFsdirScans = 0;
  pVictim = db;
  return db;
}

static void close_victim(sqlite3 *db) {
  pVictim = NULL;
  sqltest_close(db);
}

/* Nothing ran: no stand-in called, no fsdir scanned, no file written, the
** orders whole. */
static void assert_nothing_ran(sqlite3 *db, const char *zAfter) {
  struct stat st;
  for (int i = 0; i < F_COUNT; i++) {
    if (anCalls[i]) {
      print_error("%s() ran %d time(s) after %s\n", azStandIn[i], anCalls[i], zAfter);
      fail();
    }
  }
  if (nFsdirScans) {
    print_error("fsdir was scanned %d time(s) after %s\n", nFsdirScans, zAfter);
    fail();
  }
  if (stat(zPwned, &st) == 0) {
    print_error("%s was written after %s\n", zPwned, zAfter);
    fail();
  }
  assert_sql_text(db, "SELECT count(*) FROM orders", "3");
}

/* The error of zSql, word for word, and nothing ran. */
static void assert_refused(sqlite3 *db, const char *zSql, const char *zError) {
  assert_sql_error(db, zSql, zError);
  assert_nothing_ran(db, zSql);
}

static char *may_not_call(const char *zFunc) {
  return sqlite3_mprintf("segments: filter may not call %s() " NOT_ALLOWED, zFunc);
}

/* The stand-ins record calls and write files, so the assertions below
** could fail: a direct call does both. */
static void test_stand_ins_record_every_call(void **state) {
  struct stat st;
  (void)state;
  for (int eHow = BARE; eHow <= SHELL; eHow++) {
    sqlite3 *db = open_victim(1, eHow);
    char *zSql = sqlite3_mprintf(
        "SELECT writefile(%Q, 'x') + readfile('/etc/passwd') + edit('a') + load_extension('x')"
        " + fts3_tokenizer('simple') + random()", zPwned);
    assert_sql_text(db, zSql, "6");
    sqlite3_free(zSql);
    for (int i = 0; i < F_COUNT; i++) assert_int_equal(anCalls[i], 1);
    assert_int_equal(stat(zPwned, &st), 0);
    unlink(zPwned);
    assert_sql_text(db, "SELECT count(*) FROM fsdir('/home/victim/.ssh')", "2");
    assert_int_equal(nFsdirScans, 1);
    close_victim(db);
  }
}

/* The crafted file is read like any other: a hostile-looking file with a
** harmless filter works, with trusted_schema on and off. */
static void test_crafted_file_with_a_harmless_filter_works(void **state) {
  (void)state;
  for (int bTrusted = 1; bTrusted >= 0; bTrusted--) {
    sqlite3 *db = open_victim(bTrusted, BARE);
    /* 1 and 2 are the buyers (3's order was cancelled): 1 is the more
    ** recent, 2 spent more: 1 scores R 5 F 1 M 1, 2 R 4 F 1 M 2 (two
    ** values: the cut points are 1's and 2's). */
    assert_sql_text(db,
        "SELECT group_concat(customer_id || ':' || rfm, ' ') FROM evil_ok", "1:511 2:412");
    assert_nothing_ran(db, "SELECT FROM evil_ok");
    close_victim(db);
  }
}

/* A filter that calls a function with effects, or any function but the
** pure ones, or that is no single expression, or reads a virtual table:
** every query of the table refuses it before it runs. */
static void test_hostile_filters_are_refused_on_select(void **state) {
  (void)state;
  for (int bTrusted = 1; bTrusted >= 0; bTrusted--) {
    sqlite3 *db = open_victim(bTrusted, BARE);
    char *azError[] = {
        may_not_call("writefile"), may_not_call("readfile"), may_not_call("edit"),
        may_not_call("load_extension"), may_not_call("fts3_tokenizer"), may_not_call("random"),
        sqlite3_mprintf("segments: filter must be one SQL expression, found a ';' in "
                        "'1; DROP TABLE orders'"),
        sqlite3_mprintf("segments: filter must be one SQL expression, found an unmatched ')'"
                        " in '1) OR writefile('%s', total) OR (1'", zPwned),
        sqlite3_mprintf("segments: filter must be one SQL expression, found an unterminated "
                        "comment in '1 /* ) ; DROP TABLE orders'"),
        sqlite3_mprintf("segments: filter may not read virtual tables"),
        sqlite3_mprintf("segments: filter may not read virtual tables"),
        /* The view is compiled into the filter: SQLite itself refuses the
        ** unsafe call in a view when the schema is not trusted. */
        bTrusted ? may_not_call("writefile")
                 : sqlite3_mprintf("segments: filter 'customer_id IN (SELECT customer_id FROM "
                                   "sneaky)': unsafe use of writefile()"),
        may_not_call("edit"),
    };
    static const char *const azTable[] = {
        "evil_writefile", "evil_readfile", "evil_edit", "evil_load", "evil_fts3",
        "evil_random", "evil_semicolon", "evil_paren", "evil_comment", "evil_vtab",
        "evil_pragma", "evil_view", "evil_deep"};
    static const char *const azQuery[] = {
        "SELECT * FROM \"%w\"",
        "SELECT count(*) FROM \"%w\" WHERE customer_id = 1",
        "SELECT count(*) FROM \"%w\" WHERE customer_id IN (1, 2)",
        "SELECT count(*) FROM \"%w\" WHERE segment = 'Champions'",
        "SELECT segment, count(*) FROM \"%w\" GROUP BY segment",
        "SELECT * FROM \"%w\" ORDER BY customer_id",
        "SELECT * FROM \"%w\"('2024-06-30')",
        "INSERT INTO \"%w\"(\"%w\") VALUES('refresh')",
    };
    assert_int_equal(sizeof(azError) / sizeof(azError[0]), sizeof(azTable) / sizeof(azTable[0]));
    for (size_t i = 0; i < sizeof(azTable) / sizeof(azTable[0]); i++) {
      for (size_t k = 0; k < sizeof(azQuery) / sizeof(azQuery[0]); k++) {
        char *zSql = sqlite3_mprintf(azQuery[k], azTable[i], azTable[i]);
        assert_refused(db, zSql, azError[i]);
        sqlite3_free(zSql);
      }
      /* Refused again on the next query, not just the first. */
      {
        char *zSql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", azTable[i]);
        assert_refused(db, zSql, azError[i]);
        sqlite3_free(zSql);
      }
      sqlite3_free(azError[i]);
    }
    close_victim(db);
  }
}

/* Views and a trigger in the schema that reach the hostile tables: the
** table is innocuous, so they may use it with trusted_schema off too, and
** it refuses the filter the same way. */
static void test_views_and_triggers_reach_only_the_refusal(void **state) {
  (void)state;
  for (int bTrusted = 1; bTrusted >= 0; bTrusted--) {
    sqlite3 *db = open_victim(bTrusted, BARE);
    char *zWrite = may_not_call("writefile");
    char *zEdit = may_not_call("edit");
    char *zLoad = may_not_call("load_extension");
    char *zParen = sqlite3_mprintf(
        "segments: filter must be one SQL expression, found an unmatched ')' in "
        "'1) OR writefile('%s', total) OR (1'", zPwned);
    assert_refused(db, "SELECT * FROM report", zWrite);
    assert_refused(db, "SELECT * FROM champions", zEdit);
    assert_refused(db, "SELECT * FROM loaded", zLoad);
    assert_refused(db, "SELECT * FROM old_news", zParen);
    assert_refused(db, "SELECT count(*) FROM report JOIN champions", zWrite);
    assert_refused(db, "INSERT INTO log VALUES(1)", zWrite);
    assert_sql_text(db, "SELECT count(*) FROM log", "0");
    sqlite3_free(zWrite);
    sqlite3_free(zEdit);
    sqlite3_free(zLoad);
    sqlite3_free(zParen);
    close_victim(db);
  }
}

/* mode='manual': a SELECT reads the stored members — data the attacker
** wrote, shown as data — and runs nothing; a refresh, or a SELECT that
** computes (another date), refuses the filter. */
static void test_hostile_manual_table(void **state) {
  (void)state;
  for (int bTrusted = 1; bTrusted >= 0; bTrusted--) {
    sqlite3 *db = open_victim(bTrusted, BARE);
    char *zWrite = may_not_call("writefile");
    assert_sql_text(db, "SELECT customer_id || ' | ' || segment FROM evil_manual",
                    "'); DROP TABLE orders; -- | writefile('x', 1)");
    assert_nothing_ran(db, "SELECT FROM evil_manual");
    assert_refused(db, "INSERT INTO evil_manual(evil_manual) VALUES('refresh')", zWrite);
    assert_refused(db, "SELECT * FROM evil_manual('2024-06-30')", zWrite);
    sqlite3_free(zWrite);
    close_victim(db);
  }
}

/* A map is data: odd names are shown as they are, a code given as text is
** a code, a code not listed is 'Other'; none of it runs.  (1 is 511, 2 is
** 412, 3 is 313: three buyers, fewer than the bins, so the cut points
** are the sorted values, the last repeated: recency 1, 31, 76, 76 -> R 5,
** 4, 3; amounts 10, 30, 40, 40 -> M 1, 2, 3; F 1 for all.) */
static void test_hostile_map_is_data(void **state) {
  (void)state;
  for (int bTrusted = 1; bTrusted >= 0; bTrusted--) {
    sqlite3 *db = open_victim(bTrusted, BARE);
    char *zExpected = sqlite3_mprintf(
        "1:511:'); DROP TABLE orders; -- 2:412:writefile('%s', 1) 3:313:100000", zPwned);
    assert_sql_text(db,
        "SELECT group_concat(customer_id || ':' || rfm || ':' ||"
        " CASE WHEN length(segment) > 1000 THEN length(segment) ELSE segment END, ' ')"
        " FROM evil_map", zExpected);
    assert_nothing_ran(db, "SELECT FROM evil_map");
    sqlite3_free(zExpected);
    close_victim(db);
  }
}

/* Options that name a view which calls writefile() — as the map, as the
** orders, or through segment_of() in the filter: the extension reads them
** as SQLite reads any view, so SQLite's own rule refuses the call (the
** shell's writefile() is SQLITE_DIRECTONLY: never from a view). */
static void test_views_named_by_options_follow_sqlite_rules(void **state) {
  (void)state;
  for (int bTrusted = 1; bTrusted >= 0; bTrusted--) {
    sqlite3 *db = open_victim(bTrusted, SHELL);
    assert_refused(db, "SELECT * FROM evil_map_view",
                   "segments: cannot read map table \"map_view\": unsafe use of writefile()");
    assert_refused(db, "SELECT * FROM evil_orders_view",
                   "segments: cannot read orders_view (orders=): unsafe use of writefile()");
    assert_refused(db, "SELECT * FROM evil_segment_of",
        "segments: cannot read orders: segment_of: cannot read map table \"map_view\": "
        "unsafe use of writefile()");
    close_victim(db);
  }
}

/* BUG: options that name a virtual table a view may not read.  The shell's
** fsdir(PATH) lists files and reads them (its data column); it is
** SQLITE_VTAB_DIRECTONLY, so no view or trigger may read it, trusted
** schema or not.  A segments table is innocuous (views may use it) and
** reads orders= as top-level SQL, so a crafted table with orders='fsdir'
** hands a victim's file names — and, through a filter of pure functions on
** data, their contents bit by bit — to whoever reads the table or its
** members.  Likewise pragma_database_list (not innocuous: a view may not
** read it with trusted_schema off) through customers=.  The right answer
** is a refusal, before anything is read. */
static void test_options_may_not_name_what_a_view_may_not_read(void **state) {
  (void)state;
  for (int bTrusted = 1; bTrusted >= 0; bTrusted--) {
    sqlite3 *db = open_victim(bTrusted, SHELL);
    static const char *const azSql[] = {
        "SELECT * FROM evil_fsdir", "SELECT * FROM keys", "SELECT * FROM oracle",
        "INSERT INTO evil_fsdir(evil_fsdir) VALUES('refresh')"};
    /* A view may not read fsdir itself. */
    assert_refused(db, "SELECT * FROM direct_fsdir", "unsafe use of virtual table \"fsdir\"");
    for (size_t i = 0; i < sizeof(azSql) / sizeof(azSql[0]); i++) {
      char *zErr = sqltest_error(db, azSql[i]);
      if (strncmp(zErr, "segments: ", 10) != 0 || !strstr(zErr, "fsdir")) {
        print_error("%s: expected a refusal naming fsdir, got: %s\n", azSql[i], zErr);
        free(zErr);
        fail();
      }
      free(zErr);
      assert_nothing_ran(db, azSql[i]);
    }
    assert_sql_text(db, "SELECT count(*) FROM evil_fsdir_members", "0");
    if (!bTrusted) {
      char *zErr = sqltest_error(db, "SELECT * FROM files");
      if (strncmp(zErr, "segments: ", 10) != 0 || !strstr(zErr, "pragma_database_list")) {
        print_error("expected a refusal naming pragma_database_list, got: %s\n", zErr);
        free(zErr);
        fail();
      }
      free(zErr);
    }
    close_victim(db);
  }
}

/* The victim can always get rid of a hostile table: DROP works (no filter
** runs for it) and takes its shadow tables along. */
static void test_victim_can_drop_a_hostile_table(void **state) {
  sqlite3 *db = open_victim(0, BARE);
  (void)state;
  sqltest_exec(db, "DROP VIEW report; DROP TRIGGER on_log; DROP TABLE evil_writefile");
  assert_sql_text(db, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'evil_writefile%'", "0");
  assert_nothing_ran(db, "DROP TABLE evil_writefile");
  close_victim(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_stand_ins_record_every_call, craft, remove_crafted),
      cmocka_unit_test_setup_teardown(test_crafted_file_with_a_harmless_filter_works, craft, remove_crafted),
      cmocka_unit_test_setup_teardown(test_hostile_filters_are_refused_on_select, craft, remove_crafted),
      cmocka_unit_test_setup_teardown(test_views_and_triggers_reach_only_the_refusal, craft, remove_crafted),
      cmocka_unit_test_setup_teardown(test_hostile_manual_table, craft, remove_crafted),
      cmocka_unit_test_setup_teardown(test_hostile_map_is_data, craft, remove_crafted),
      cmocka_unit_test_setup_teardown(test_views_named_by_options_follow_sqlite_rules, craft, remove_crafted),
      cmocka_unit_test_setup_teardown(test_options_may_not_name_what_a_view_may_not_read, craft, remove_crafted),
      cmocka_unit_test_setup_teardown(test_victim_can_drop_a_hostile_table, craft, remove_crafted),
  };
  return cmocka_run_group_tests_name("hostile database files", tests, NULL, NULL);
}
