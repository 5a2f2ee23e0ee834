/*
** rule_map.c — rule maps: segments defined by SQL rules over any customer
** attribute.
**
**     CREATE TABLE my_rules(segment TEXT, rule TEXT, priority INTEGER);
**     INSERT INTO my_rules VALUES
**       ('Frequent buyers',    'recent_orders >= 3',          1),
**       ('High average check', 'avg_order >= 80',             2),
**       ('Discount-driven',    'discount_share >= 0.5',       3),
**       ('Sleeping',           'recency_days > 180',          4);
**     CREATE VIRTUAL TABLE shop USING segments(..., customers = 'customers',
**       discount = 'discount > 0', map = 'my_rules');
**     SELECT segment, count(*) FROM shop GROUP BY 1;   -- first match wins
**     SELECT customer_id, matched_rules FROM shop;     -- every rule matched
**
** A rule is one SQL expression over the segments table's feature columns
** and the columns of its customers= table (city, channel, birth_year, ...).
** Rules are tried by priority, lowest number first; the first that is
** true gives the segment; a customer no rule matches gets 'Other'.
**
** A map table may come from someone else's database file, so every rule
** is vetted before anything runs (sql_guard.c): one expression, no ';',
** only pure built-in functions and this extension's.  A refusal names the
** map row: segments: map "my_rules" row 'VIP' (priority 1): rule may not
** call writefile() (...).  The map itself must be a table or a view.
**
** HOW IT WORKS
** The segments table binds each customer's features as parameters of one
** prepared statement, "SELECT CASE WHEN (rule1) THEN 1 ... END FROM
** (SELECT ?1 AS customer_id, ... , c.city AS city, ... FROM (SELECT 1)
** LEFT JOIN customers AS c ON c.id = ?1)", steps it once per customer and
** keeps the number of the rule that matched (2 bytes a customer).
*/
#include "rule_map.h"

#include <string.h>

#include "sql_guard.h"

int segment_rules_is_rule_map(sqlite3 *db, const char *zTable, int *pIs) {
  sqlite3_stmt *pStmt = NULL;
  int rc = sqlite3_prepare_v2(
      db, "SELECT 1 FROM pragma_table_xinfo(?1) WHERE name = 'rule' COLLATE NOCASE",
      -1, &pStmt, 0);
  *pIs = 0;
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
  rc = sqlite3_step(pStmt);
  *pIs = rc == SQLITE_ROW;
  rc = sqlite3_finalize(pStmt);
  return rc;
}

void segment_rules_free(SegmentRules *p) {
  if (!p) return;
  for (int i = 0; i < p->nRule; i++) {
    sqlite3_free(p->azSegment[i]);
    sqlite3_free(p->azRule[i]);
  }
  sqlite3_free(p->azSegment);
  sqlite3_free(p->azRule);
  sqlite3_free(p->aPriority);
  sqlite3_free(p);
}

/* Append one row to p; SQLITE_NOMEM or SQLITE_OK. */
static int rulesAppend(SegmentRules *p, const char *zSegment, const char *zRule,
                       sqlite3_int64 iPriority) {
  int n = p->nRule + 1;
  char **azS = sqlite3_realloc64(p->azSegment, n * sizeof(char *));
  if (azS) p->azSegment = azS;
  char **azR = azS ? sqlite3_realloc64(p->azRule, n * sizeof(char *)) : NULL;
  if (azR) p->azRule = azR;
  sqlite3_int64 *aP = azR ? sqlite3_realloc64(p->aPriority, n * sizeof(sqlite3_int64)) : NULL;
  if (!aP) return SQLITE_NOMEM;
  p->aPriority = aP;
  p->azSegment[p->nRule] = sqlite3_mprintf("%s", zSegment);
  p->azRule[p->nRule] = sqlite3_mprintf("%s", zRule);
  p->aPriority[p->nRule] = iPriority;
  p->nRule = n;
  if (!p->azSegment[n - 1] || !p->azRule[n - 1]) return SQLITE_NOMEM;
  return SQLITE_OK;
}

int segment_rules_load(sqlite3 *db, const char *zTable, const char *zStandIn,
                       SegmentRules **ppRules, char **pzErr) {
  SegmentRules *p = NULL;
  sqlite3_stmt *pStmt = NULL;
  char *zSql = NULL;
  int rc;

  *ppRules = NULL;
  *pzErr = NULL;
  /* A hostile schema could name fsdir or a pragma table here. */
  rc = segment_guard_source(db, "segments", "map", NULL, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p) memset(p, 0, sizeof(*p));
  zSql = sqlite3_mprintf(
      "SELECT m.segment, m.rule, m.priority FROM \"%w\" AS m ORDER BY m.priority",
      zTable);
  if (!p || !zSql) {
    rc = SQLITE_NOMEM;
    goto load_end;
  }
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if (rc != SQLITE_OK) goto load_end;
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    const char *zSegment = (const char *)sqlite3_column_text(pStmt, 0);
    const char *zRule = (const char *)sqlite3_column_text(pStmt, 1);
    sqlite3_value *pPriority = sqlite3_column_value(pStmt, 2);
    sqlite3_int64 iPriority = sqlite3_value_int64(pPriority);
    if ((!zSegment && sqlite3_column_type(pStmt, 0) != SQLITE_NULL) ||
        (!zRule && sqlite3_column_type(pStmt, 1) != SQLITE_NULL)) {
      rc = SQLITE_NOMEM;
      goto load_end;
    }
    if (sqlite3_value_numeric_type(pPriority) != SQLITE_INTEGER) {
      char *zVal = segment_value_describe(pPriority);
      *pzErr = sqlite3_mprintf(
          "segments: map \"%s\" row '%s': priority %s is not an integer "
          "(rules are tried by priority, lowest first)",
          zTable, zSegment ? zSegment : "NULL", zVal ? zVal : "?");
      sqlite3_free(zVal);
      rc = SQLITE_ERROR;
      goto load_end;
    }
    if (!zSegment || !zRule) {
      *pzErr = sqlite3_mprintf("segments: map \"%s\" row (priority %lld) has no %s",
                               zTable, iPriority, zSegment ? "rule" : "segment");
      rc = SQLITE_ERROR;
      goto load_end;
    }
    if (p->nRule > 0 && p->aPriority[p->nRule - 1] == iPriority) {
      *pzErr = sqlite3_mprintf(
          "segments: map \"%s\" rows '%s' and '%s' have the same priority %lld "
          "(priorities must differ: the first rule that matches wins)",
          zTable, p->azSegment[p->nRule - 1], zSegment, iPriority);
      rc = SQLITE_ERROR;
      goto load_end;
    }
    if (p->nRule == SEGMENT_RULES_MAX) {
      *pzErr = sqlite3_mprintf("segments: map \"%s\" has more than %d rows",
                               zTable, SEGMENT_RULES_MAX);
      rc = SQLITE_ERROR;
      goto load_end;
    }
    rc = rulesAppend(p, zSegment, zRule, iPriority);
    if (rc != SQLITE_OK) goto load_end;
  }
  if (rc != SQLITE_DONE) goto load_end;
  sqlite3_finalize(pStmt);
  pStmt = NULL;
  /* Vet every rule, after the read: the guard prepares statements too. */
  for (int i = 0; i < p->nRule; i++) {
    char *zWhat = sqlite3_mprintf("map \"%s\" row '%s' (priority %lld): rule",
                                  zTable, p->azSegment[i], p->aPriority[i]);
    if (!zWhat) {
      rc = SQLITE_NOMEM;
      goto load_end;
    }
    rc = segment_guard_expression(db, "segments", zWhat, p->azRule[i], zStandIn, pzErr);
    sqlite3_free(zWhat);
    if (rc != SQLITE_OK) goto load_end;
  }
  rc = SQLITE_OK;

load_end:
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM && !*pzErr) {
    const char *zWhy = sqlite3_errmsg(db);
    if (strncmp(zWhy, "segments: ", 10) == 0)
      *pzErr = sqlite3_mprintf("%s", zWhy);
    else
      *pzErr = sqlite3_mprintf("segments: cannot read map table \"%s\": %s", zTable, zWhy);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) rc = SQLITE_ERROR;
  }
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK) {
    *ppRules = p;
  } else {
    segment_rules_free(p);
  }
  return rc;
}

int segment_rules_prepare(const SegmentRules *p, sqlite3 *db,
                          const char *zRowSource, int bAll,
                          sqlite3_stmt **ppStmt) {
  sqlite3_str *pStr = sqlite3_str_new(db);
  char *zSql;
  int rc;
  *ppStmt = NULL;
  if (bAll) {
    sqlite3_str_appendall(pStr, "SELECT ");
    for (int i = 0; i < p->nRule; i++)
      sqlite3_str_appendf(pStr, "%s(%s\n) IS TRUE", i ? ", " : "", p->azRule[i]);
    if (p->nRule == 0) sqlite3_str_appendall(pStr, "NULL");
  } else {
    sqlite3_str_appendall(pStr, "SELECT CASE");
    for (int i = 0; i < p->nRule; i++)
      sqlite3_str_appendf(pStr, " WHEN (%s\n) THEN %d", p->azRule[i], i + 1);
    sqlite3_str_appendall(pStr, p->nRule ? " ELSE 0 END" : " WHEN 0 THEN 0 ELSE 0 END");
  }
  sqlite3_str_appendf(pStr, " FROM %s", zRowSource);
  zSql = sqlite3_str_finish(pStr);
  if (!zSql) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, ppStmt, 0);
  sqlite3_free(zSql);
  return rc;
}

/* Append z as a JSON string. */
static void appendJsonString(sqlite3_str *pStr, const char *z) {
  sqlite3_str_appendchar(pStr, 1, '"');
  for (; *z; z++) {
    unsigned char c = (unsigned char)*z;
    if (c == '"' || c == '\\') sqlite3_str_appendf(pStr, "\\%c", c);
    else if (c < 0x20) sqlite3_str_appendf(pStr, "\\u%04x", c);
    else sqlite3_str_appendchar(pStr, 1, (char)c);
  }
  sqlite3_str_appendchar(pStr, 1, '"');
}

char *segment_rules_matched_json(const SegmentRules *p, sqlite3_stmt *pAll) {
  sqlite3_str *pStr = sqlite3_str_new(0);
  int n = 0;
  sqlite3_str_appendchar(pStr, 1, '[');
  for (int i = 0; i < p->nRule; i++) {
    if (!sqlite3_column_int(pAll, i)) continue;
    if (n++) sqlite3_str_appendchar(pStr, 1, ',');
    appendJsonString(pStr, p->azSegment[i]);
  }
  sqlite3_str_appendchar(pStr, 1, ']');
  return sqlite3_str_finish(pStr);
}
