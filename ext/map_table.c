/*
** map_table.c — read a user's map table into a core code map.
**
** A user map is any table or view with the columns of segment_map('rfm11'):
** at least `code` (an RFM code such as 545) and `segment` (its name):
**
**     CREATE TABLE my_map AS SELECT * FROM segment_map('rfm11');
**     UPDATE my_map SET segment = 'VIP' WHERE code = 555;
**     SELECT segment_of(545, 'my_map');
**
** Codes the table does not list get "Other".  A code listed twice with two
** different names is an error: a map must say one thing per customer.
** The table name is always quoted as an identifier, and must be a table
** or a view: a virtual table (fsdir) is refused, see sql_guard.h.
*/
#include "map_table.h"

#include <string.h>

#include "sql_guard.h"

/* Which of the columns code and segment zTable has; SQLITE_NOTFOUND when
** there is no such table or view. */
static int mapTableHasColumns(sqlite3 *db, const char *zTable, int *pCode,
                              int *pSegment) {
  sqlite3_stmt *pStmt = NULL;
  int nCol = 0;
  int rc = sqlite3_prepare_v2(
      db, "SELECT name FROM pragma_table_xinfo(?1)", -1, &pStmt, 0);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
  *pCode = *pSegment = 0;
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    const char *zName = (const char *)sqlite3_column_text(pStmt, 0);
    nCol++;
    if (zName && sqlite3_stricmp(zName, "code") == 0) *pCode = 1;
    if (zName && sqlite3_stricmp(zName, "segment") == 0) *pSegment = 1;
  }
  rc = sqlite3_finalize(pStmt);
  if (rc == SQLITE_OK && nCol == 0) rc = SQLITE_NOTFOUND;
  return rc;
}

/* Whether this connection is already reading the map with zSql: then the
** map reads itself, and loading it again would recurse until the stack
** overflows.  The connection's running statements say so, which needs no
** state of our own. */
static int isLoading(sqlite3 *db, const char *zSql) {
  for (sqlite3_stmt *p = sqlite3_next_stmt(db, 0); p; p = sqlite3_next_stmt(db, p)) {
    const char *zRunning = sqlite3_sql(p);
    if (sqlite3_stmt_busy(p) && zRunning && strcmp(zRunning, zSql) == 0) return 1;
  }
  return 0;
}

int segment_map_table_load(sqlite3 *db, const char *zFunc, const char *zTable,
                           const char *zExpected,
                           seg_codemap **ppMap, char **pzErr) {
  sqlite3_stmt *pStmt = NULL;
  seg_codemap *pMap = NULL;
  char *zSql = NULL;
  int hasCode, hasSegment;
  int rc;

  *ppMap = NULL;
  *pzErr = NULL;
  rc = mapTableHasColumns(db, zTable, &hasCode, &hasSegment);
  if (rc == SQLITE_NOTFOUND) {
    if (zExpected)
      *pzErr = sqlite3_mprintf("%s: unknown map '%s' (expected %s)", zFunc, zTable,
                               zExpected);
    else
      *pzErr = sqlite3_mprintf(
          "%s: unknown map '%s' (expected %s, or a table with columns code and "
          "segment)",
          zFunc, zTable, seg_builtin_map_names());
    return SQLITE_ERROR;
  }
  if (rc != SQLITE_OK) goto load_error;
  if (!hasCode || !hasSegment) {
    *pzErr = sqlite3_mprintf(
        "%s: map table \"%s\" has no column \"%s\" (a map has the columns of "
        "segment_map('rfm11'): code and segment)",
        zFunc, zTable, hasCode ? "segment" : "code");
    return SQLITE_ERROR;
  }
  /* A hostile schema could name fsdir or a pragma table here. */
  rc = segment_guard_source(db, zFunc, "map", NULL, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;

  zSql = sqlite3_mprintf("SELECT m.code, m.segment FROM \"%w\" AS m", zTable);
  pMap = seg_codemap_new();
  if (!zSql || !pMap) {
    rc = SQLITE_NOMEM;
    goto load_error;
  }
  if (isLoading(db, zSql)) {
    /* A view whose rows call segment_of() with this very map. */
    *pzErr = sqlite3_mprintf("%s: map table \"%s\" reads itself", zFunc, zTable);
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    goto load_error;
  }
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if (rc != SQLITE_OK) goto load_error;
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    sqlite3_value *pCode = sqlite3_column_value(pStmt, 0);
    const char *zSegment = (const char *)sqlite3_column_text(pStmt, 1);
    const char *zPrevious = NULL;
    sqlite3_int64 iCode;
    int ok = sqlite3_value_numeric_type(pCode) == SQLITE_INTEGER;
    iCode = sqlite3_value_int64(pCode);
    ok = ok && iCode >= 111 && iCode <= 999 && iCode % 10 != 0 &&
         (iCode / 10) % 10 != 0;
    if (!ok) {
      char *zValue = segment_value_describe(pCode);
      *pzErr = sqlite3_mprintf(
          "%s: map table \"%s\": code %s is not an RFM code (three digits 1 to "
          "9, like 545)",
          zFunc, zTable, zValue ? zValue : "?");
      sqlite3_free(zValue);
      rc = SQLITE_ERROR;
      goto load_error;
    }
    if (!zSegment) {
      if (sqlite3_column_type(pStmt, 1) != SQLITE_NULL) {
        rc = SQLITE_NOMEM;
        goto load_error;
      }
      *pzErr = sqlite3_mprintf("%s: map table \"%s\": code %lld has no segment",
                               zFunc, zTable, iCode);
      rc = SQLITE_ERROR;
      goto load_error;
    }
    switch (seg_codemap_add(pMap, (int)iCode, zSegment, &zPrevious)) {
      case 0:
        break;
      case 1:
        *pzErr = sqlite3_mprintf(
            "%s: map table \"%s\" gives code %lld two segments, '%s' and '%s'",
            zFunc, zTable, iCode, zPrevious, zSegment);
        rc = SQLITE_ERROR;
        goto load_error;
      default:
        rc = SQLITE_NOMEM;
        goto load_error;
    }
  }
  if (rc != SQLITE_DONE) goto load_error;
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
  *ppMap = pMap;
  return SQLITE_OK;

load_error:
  if (!*pzErr && rc != SQLITE_NOMEM) {
    const char *zWhy = sqlite3_errmsg(db);
    /* Our own message from inside the map (a view that calls segment_of)
    ** already says what went wrong. */
    if (strncmp(zWhy, "segment", 7) == 0)
      *pzErr = sqlite3_mprintf("%s", zWhy);
    else
      *pzErr = sqlite3_mprintf("%s: cannot read map table \"%s\": %s", zFunc,
                               zTable, zWhy);
  }
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
  seg_codemap_free(pMap);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_ERROR : rc;
}
