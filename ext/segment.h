/*
** segment.h — what the glue files share: the SQLite extension API, the
** version, the flags of pure functions, each file's registration entry
** point, and the helpers of values.c.
**
** Every glue file includes this header (which says SQLITE_EXTENSION_INIT3);
** only segment.c says SQLITE_EXTENSION_INIT1.
*/
#ifndef SEGMENT_H
#define SEGMENT_H

#include <stddef.h>

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#define SEGMENT_VERSION "0.1.0"

/* Pure functions: the same arguments give the same result, and nothing is
** read or written outside the arguments, so they are safe in views,
** triggers, indexes and generated columns of a database from anyone. */
#define SEGMENT_PURE (SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS)

/* Registration, one per glue file; each returns an SQLite result code. */
int segment_register_rfm(sqlite3 *db);         /* func_rfm.c */
int segment_register_segment_of(sqlite3 *db);  /* func_segment_of.c */
int segment_register_segment_map(sqlite3 *db); /* vtab_segment_map.c */
int segment_register_segments(sqlite3 *db);    /* vtab_segments.c */
int segment_register_ab_test(sqlite3 *db);      /* func_ab_test.c */
int segment_register_kmeans(sqlite3 *db);       /* func_kmeans.c */
int segment_register_btyd(sqlite3 *db);        /* func_btyd.c */

/* values.c: reading sqlite3_values for the core. */

/* The number in v: 0 and *out set; 1 for NULL; -1 when v is not a number
** (text that does not read entirely as a number, a blob). */
int segment_value_number(sqlite3_value *v, double *out);

/* The integer score 1..max in v: 0 and *out set; 1 for NULL; -1 when it is
** not an integer in that range (5.0 and '5' are fine). */
int segment_value_score(sqlite3_value *v, int max, int *out);

/* v as an error message shows it: 'text' (cut at 40 bytes), 12, 1.5,
** NULL, a blob.  From sqlite3_mprintf; NULL when out of memory. */
char *segment_value_describe(sqlite3_value *v);

/* Report zFmt (with a value description at its %s) as the function's
** error, or SQLITE_NOMEM.  Example:
**   segment_error_value(ctx, "rfm_score: r must be a score from 1 to 9, got %s", v); */
void segment_error_value(sqlite3_context *ctx, const char *zFmt,
                         sqlite3_value *v);

#endif
