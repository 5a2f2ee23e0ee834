/*
** sql_guard.h — vet SQL expressions that come from options (filter=),
** which a database file from someone else may hold; see sql_guard.c.
*/
#ifndef SEGMENT_SQL_GUARD_H
#define SEGMENT_SQL_GUARD_H

#include "segment.h"

/* Check the user's expression zExpr (named zWhat in messages, e.g.
** "filter") as it will run: "SELECT (zExpr\n) FROM zFrom".  zFrom should
** be a stand-in with the real column names and no functions, such as
** (SELECT NULL AS "status", NULL AS "total"), so that only the
** expression's own calls are vetted.  Returns SQLITE_OK, or an error with
** *pzErr from sqlite3_mprintf prefixed with zWho ("segments"). */
int segment_guard_expression(sqlite3 *db, const char *zWho, const char *zWhat,
                             const char *zExpr, const char *zFrom,
                             char **pzErr);

#endif
