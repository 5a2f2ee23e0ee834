/*
** rule_map.h — rule maps: a table of (segment, rule, priority) rows whose
** rules are SQL expressions over a customer's features; see rule_map.c.
*/
#ifndef SEGMENT_RULE_MAP_H
#define SEGMENT_RULE_MAP_H

#include "segment.h"

#define SEGMENT_RULES_MAX 999

typedef struct SegmentRules {
  int nRule;             /* rows, in priority order (lowest number first) */
  char **azSegment;      /* each row's segment */
  char **azRule;         /* each row's rule */
  sqlite3_int64 *aPriority;
} SegmentRules;

/* Whether zTable (a table or view of the database) has a column "rule":
** then it is a rule map, not a code map.  SQLITE_OK with *pIs set. */
int segment_rules_is_rule_map(sqlite3 *db, const char *zTable, int *pIs);

/* Read and vet the rule map zTable: every row must have a segment, a rule
** and an integer priority, no two rows the same priority, at most
** SEGMENT_RULES_MAX rows; every rule must pass segment_guard_expression
** against zStandIn (the feature columns and the customers table's, with no
** code).  Errors name the map row.  SQLITE_OK with *ppRules (free with
** segment_rules_free), or an error with *pzErr (NULL for SQLITE_NOMEM). */
int segment_rules_load(sqlite3 *db, const char *zTable, const char *zStandIn,
                       SegmentRules **ppRules, char **pzErr);

void segment_rules_free(SegmentRules *p);  /* NULL is fine */

/* "SELECT CASE WHEN (rule 1) THEN 1 WHEN ... ELSE 0 END FROM zRowSource"
** (bAll unset: the first rule that matches, 0 for none) or "SELECT (rule
** 1) IS TRUE, (rule 2) IS TRUE, ... FROM zRowSource" (bAll set: every
** rule), prepared on db. */
int segment_rules_prepare(const SegmentRules *p, sqlite3 *db,
                          const char *zRowSource, int bAll,
                          sqlite3_stmt **ppStmt);

/* The JSON array of the segments of the rules that the bAll statement,
** just stepped to its row, says match (in priority order), from
** sqlite3_mprintf; NULL when out of memory. */
char *segment_rules_matched_json(const SegmentRules *p, sqlite3_stmt *pAll);

#endif
