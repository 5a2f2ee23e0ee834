/*
** sql_guard.c — an SQL expression from an option may only read.
**
** filter= (and later rule maps) are SQL that the extension runs.  They sit
** in the schema, so a database file from someone else can hold them: a
** filter of load_extension('evil') or writefile('/home/you/.bashrc', ...)
** must not run when the victim SELECTs.  Two checks, both before the
** expression ever runs:
**
**   1. sqlscan.c: the text is one balanced expression, no ';', nothing
**      that closes the parentheses it is pasted into.
**   2. The compiled program (EXPLAIN of SELECT (expr) FROM stand-in) calls
**      only functions on the allow-list below — pure built-ins and this
**      extension's own — and opens no virtual table (readfile-like table
**      functions, fsdir, ...).
**
** The allow-list is checked by name on the compiled program rather than
** with sqlite3_set_authorizer, because a connection has one authorizer and
** no way to read it back: installing ours would silently remove the
** host's (Datasette, a Python app) for good.
*/
#include "sql_guard.h"

#include <string.h>

#include "core/sqlscan.h"

static const char *const azAllowed[] = {
    /* core scalar functions without side effects */
    "abs", "char", "coalesce", "format", "glob", "hex", "ifnull", "iif",
    "instr", "length", "like", "likelihood", "likely", "lower", "ltrim", "max",
    "min", "nullif", "octet_length", "printf", "quote", "replace", "round",
    "rtrim", "sign", "substr", "substring", "trim", "typeof", "unicode",
    "unlikely", "upper", "concat", "concat_ws", "unhex",
    /* dates */
    "date", "time", "datetime", "julianday", "strftime", "unixepoch",
    /* json */
    "json", "json_array", "json_array_length", "json_extract", "json_object",
    "json_quote", "json_type", "json_valid", "->", "->>",
    /* math */
    "acos", "asin", "atan", "atan2", "ceil", "ceiling", "cos", "degrees",
    "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power",
    "radians", "sin", "sqrt", "tan", "trunc",
    /* aggregates, for subqueries */
    "avg", "count", "group_concat", "sum", "total",
    /* this extension */
    "rfm_score", "segment_of", "segment_version",
};

/* EXPLAIN prints at most 16 bytes of a function's name, so a 16-byte name
** stands for every allowed name it begins (json_array_length). */
static int isAllowed(const char *zName, int nName) {
  for (size_t i = 0; i < sizeof(azAllowed) / sizeof(azAllowed[0]); i++) {
    int nAllowed = (int)strlen(azAllowed[i]);
    if (nAllowed > 16) nAllowed = 16;
    if (nAllowed == nName &&
        sqlite3_strnicmp(azAllowed[i], zName, nName) == 0)
      return 1;
  }
  return 0;
}

static int isCallOpcode(const char *zOp) {
  return strcmp(zOp, "Function") == 0 || strcmp(zOp, "PureFunc") == 0 ||
         strncmp(zOp, "Agg", 3) == 0;
}

int segment_guard_expression(sqlite3 *db, const char *zWho, const char *zWhat,
                             const char *zExpr, const char *zFrom,
                             char **pzErr) {
  char zWhy[64];
  char *zSql;
  sqlite3_stmt *pStmt = NULL;
  int rc;

  *pzErr = NULL;
  if (seg_sql_check_expression(zExpr, zWhy, sizeof(zWhy)) != 0) {
    *pzErr = sqlite3_mprintf(
        "%s: %s must be one SQL expression, found %s in '%s'", zWho, zWhat,
        zWhy, zExpr);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  zSql = sqlite3_mprintf("EXPLAIN SELECT (%s\n) FROM %s", zExpr, zFrom);
  if (!zSql) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_NOMEM) return rc;
    *pzErr = sqlite3_mprintf("%s: %s '%s': %s", zWho, zWhat, zExpr,
                             sqlite3_errmsg(db));
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    const char *zOp = (const char *)sqlite3_column_text(pStmt, 1);
    const char *zP4 = (const char *)sqlite3_column_text(pStmt, 5);
    if (!zOp) continue;
    if (isCallOpcode(zOp) && zP4) {
      const char *zParen = strchr(zP4, '(');
      int nName = zParen ? (int)(zParen - zP4) : (int)strlen(zP4);
      if (!isAllowed(zP4, nName)) {
        *pzErr = sqlite3_mprintf(
            "%s: %s may not call %.*s() (only pure built-in functions and "
            "this extension's are allowed)",
            zWho, zWhat, nName, zP4);
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        break;
      }
    } else if (strcmp(zOp, "VOpen") == 0) {
      *pzErr = sqlite3_mprintf("%s: %s may not read virtual tables", zWho,
                               zWhat);
      rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
      break;
    }
  }
  if (sqlite3_finalize(pStmt) == SQLITE_NOMEM && rc == SQLITE_DONE) rc = SQLITE_NOMEM;
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int segment_guard_source(sqlite3 *db, const char *zWho, const char *zOption,
                         const char *zSchema, const char *zTable,
                         char **pzErr) {
  sqlite3_stmt *pStmt = NULL;
  int nFound = 0, bVirtual = 0;
  int rc = sqlite3_prepare_v2(
      db,
      "SELECT type FROM pragma_table_list WHERE name = ?1 COLLATE NOCASE"
      " AND (?2 IS NULL OR schema = ?2 COLLATE NOCASE)",
      -1, &pStmt, 0);
  *pzErr = NULL;
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
  if (zSchema) sqlite3_bind_text(pStmt, 2, zSchema, -1, SQLITE_STATIC);
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *zType = (const char *)sqlite3_column_text(pStmt, 0);
    nFound++;
    if (zType && strcmp(zType, "virtual") == 0) bVirtual = 1;
  }
  rc = sqlite3_finalize(pStmt);
  if (rc != SQLITE_OK) return rc;
  /* Not in any schema but readable: an eponymous virtual table. */
  if (nFound == 0 || bVirtual) {
    *pzErr = sqlite3_mprintf(
        "%s: %s='%s' is a virtual table or table-valued function, which %s "
        "does not read directly; name a view over it instead (SQLite then "
        "decides, by its trusted_schema rules, whether the schema may read it)",
        zWho, zOption, zTable, zWho);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  return SQLITE_OK;
}
