/*
** map_table.h — read a user's map table (columns code, segment) into a
** seg_codemap; see map_table.c.
*/
#ifndef SEGMENT_MAP_TABLE_H
#define SEGMENT_MAP_TABLE_H

#include "segment.h"
#include "core/maps.h"

/* Load the map table zTable.  On success *ppMap is the map (the caller
** frees it with seg_codemap_free).  On failure returns an SQLite error
** code, with a message from sqlite3_mprintf in *pzErr (prefixed with zFunc)
** unless the failure is SQLITE_NOMEM.  zExpected is what a name that is no
** table is told was expected; NULL: the built-in maps or a map table. */
int segment_map_table_load(sqlite3 *db, const char *zFunc, const char *zTable,
                           const char *zExpected, seg_codemap **ppMap,
                           char **pzErr);

#endif
