/*
** sqltest.h — what every integration test shares: a real SQLite connection
** with dist/segment.so loaded, and asserts on the results of SQL.
**
**     sqlite3 *db = sqltest_open();          // :memory:, defensive, extension loaded
**     sqltest_exec(db, "CREATE TABLE t(x)"); // fails the test on any error
**     assert_sql_text(db, "SELECT rfm_score(5,4,5)", "545");
**     assert_sql_error(db, "SELECT rfm_score('a',1,1)",
**                      "rfm_score: r must be ...");   // word for word
**     sqltest_close(db);                     // fails if a statement leaked
**
** Tests run from the project root (make does that), so the extension is
** at ./dist/segment.  Values are compared as the text SQLite would print:
** NULL reads as "NULL".
*/
#ifndef SEGMENT_SQLTEST_H
#define SEGMENT_SQLTEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

/* The extension to load: ./dist/segment, or $SEGMENT_EXTENSION (make
** sanitize points it at the instrumented build). */
static inline const char *sqltest_extension(void) {
  const char *z = getenv("SEGMENT_EXTENSION");
  return z && z[0] ? z : "./dist/segment";
}

static inline sqlite3 *sqltest_open_file(const char *path) {
  sqlite3 *db = NULL;
  char *err = NULL;
  int rc = sqlite3_open(path, &db);
  if (rc != SQLITE_OK) {
    print_error("cannot open %s: %s\n", path, sqlite3_errmsg(db));
    fail();
  }
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
  sqlite3_enable_load_extension(db, 1);
  rc = sqlite3_load_extension(db, sqltest_extension(), 0, &err);
  if (rc != SQLITE_OK) {
    print_error("cannot load %s: %s\n", sqltest_extension(), err ? err : "?");
    sqlite3_free(err);
    fail();
  }
  sqlite3_enable_load_extension(db, 0);
  return db;
}

static inline sqlite3 *sqltest_open(void) { return sqltest_open_file(":memory:"); }

/* Generate a shop with build/gen_shop (arguments zArgs, e.g. "--size
** demo") into a new temporary file whose name is written to zPath, a
** template like "/tmp/segment-x-XXXXXX" (mkstemp), and open it with the
** extension loaded.  NULL when it cannot: the caller's setup fails. */
static inline sqlite3 *sqltest_generate_shop(char *zPath, const char *zArgs) {
  char *zCmd;
  int rc, fd = mkstemp(zPath);
  if (fd < 0) return NULL;
  close(fd);
  unlink(zPath); /* gen_shop refuses to overwrite */
  zCmd = sqlite3_mprintf("./build/gen_shop %s %s 2>/dev/null", zArgs, zPath);
  rc = zCmd ? system(zCmd) : -1;
  sqlite3_free(zCmd);
  return rc == 0 ? sqltest_open_file(zPath) : NULL;
}

static inline void sqltest_close(sqlite3 *db) {
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static inline void sqltest_exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, 0, 0, &err) != SQLITE_OK) {
    print_error("SQL failed: %s\n  error: %s\n", sql, err ? err : "?");
    sqlite3_free(err);
    fail();
  }
}

/* The first column of the first row as text (NULL -> "NULL", no row ->
** "<no row>"), in a buffer the caller frees with free(). */
static inline char *sqltest_text(sqlite3 *db, const char *sql) {
  sqlite3_stmt *stmt = NULL;
  char *out;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, 0);
  if (rc != SQLITE_OK) {
    print_error("prepare failed: %s\n  error: %s\n", sql, sqlite3_errmsg(db));
    fail();
  }
  rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    const char *z = (const char *)sqlite3_column_text(stmt, 0);
    out = strdup(z ? z : "NULL");
  } else if (rc == SQLITE_DONE) {
    out = strdup("<no row>");
  } else {
    print_error("step failed: %s\n  error: %s\n", sql, sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    fail();
    return NULL;
  }
  sqlite3_finalize(stmt);
  return out;
}

static inline sqlite3_int64 sqltest_int(sqlite3 *db, const char *sql) {
  char *z = sqltest_text(db, sql);
  sqlite3_int64 v = strtoll(z, 0, 10);
  free(z);
  return v;
}

/* The first column of the first row as a number; a NULL or no row fails
** the test. */
static inline double sqltest_double(sqlite3 *db, const char *sql) {
  char *z = sqltest_text(db, sql);
  double v;
  if (strcmp(z, "NULL") == 0 || z[0] == '<') {
    print_error("%s\n  gave %s, not a number\n", sql, z);
    free(z);
    fail();
  }
  v = strtod(z, NULL);
  free(z);
  return v;
}

/* The error message of a statement that must fail (at prepare or step). */
static inline char *sqltest_error(sqlite3 *db, const char *sql) {
  char *err = NULL;
  char *out;
  if (sqlite3_exec(db, sql, 0, 0, &err) == SQLITE_OK) {
    print_error("expected an error, but this succeeded: %s\n", sql);
    fail();
  }
  out = strdup(err ? err : "");
  sqlite3_free(err);
  return out;
}

#define assert_sql_text(db, sql, expected)                                     \
  do {                                                                         \
    char *got_ = sqltest_text((db), (sql));                                    \
    if (strcmp(got_, (expected)) != 0) {                                       \
      print_error("%s:%d: %s\n  expected: %s\n  got:      %s\n", __FILE__,     \
                  __LINE__, (sql), (expected), got_);                          \
      free(got_);                                                              \
      fail();                                                                  \
    }                                                                          \
    free(got_);                                                                \
  } while (0)

#define assert_sql_error(db, sql, expected)                                    \
  do {                                                                         \
    char *got_ = sqltest_error((db), (sql));                                   \
    if (strcmp(got_, (expected)) != 0) {                                       \
      print_error("%s:%d: %s\n  expected error: %s\n  got error:      %s\n",   \
                  __FILE__, __LINE__, (sql), (expected), got_);                \
      free(got_);                                                              \
      fail();                                                                  \
    }                                                                          \
    free(got_);                                                                \
  } while (0)

#define assert_double_near(expected, actual, tolerance)                        \
  do {                                                                         \
    double e_ = (expected), a_ = (actual), t_ = (tolerance);                   \
    if (!(fabs(e_ - a_) <= t_)) {                                              \
      print_error("%s:%d: expected %.17g, got %.17g (tolerance %g)\n",         \
                  __FILE__, __LINE__, e_, a_, t_);                             \
      fail();                                                                  \
    }                                                                          \
  } while (0)

#endif
