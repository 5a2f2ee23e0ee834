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

/* Check that zTable, named by option zOption, is a table or a view of the
** database (in schema zSchema, or any schema when zSchema is NULL), and
** not a virtual table or a table-valued function such as fsdir or
** pragma_database_list.  The extension reads the option's table as
** top-level SQL, where SQLite would let it read anything; a view over a
** virtual table is instead checked by SQLite itself, as for any view in
** the schema (DIRECTONLY, trusted_schema).  The caller first checks that
** zTable exists: a name in no schema looks like an eponymous virtual table
** here.  Returns SQLITE_OK, or an error with *pzErr from sqlite3_mprintf
** prefixed with zWho. */
int segment_guard_source(sqlite3 *db, const char *zWho, const char *zOption,
                         const char *zSchema, const char *zTable,
                         char **pzErr);

#endif
