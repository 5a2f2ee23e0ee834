/*
** vtab_segment_map.c — segment_map(map): the rows of the built-in maps.
**
**     SELECT * FROM segment_map('rfm11') WHERE code = 545;
**     -- code=545 r=5 f=4 m=5 segment='Champions'
**     SELECT map, count(DISTINCT segment) FROM segment_map GROUP BY map;
**     CREATE TABLE my_map AS SELECT code, segment FROM segment_map('rfm5');
**
** One row per score triple 1..5 (125 rows a map), ordered by code.  With
** no argument it lists every built-in map.  The shape (code, segment) is
** the shape of a user map table.
**
** HOW IT WORKS
** An eponymous-only table-valued function, like ext/misc/series.c.  The
** hidden column `map` is the argument; xBestIndex takes an = constraint on
** it (idxNum 1) or none (idxNum 0: all maps).  The cursor walks
** (map index, code index 0..124).
*/
#include "segment.h"

#include <string.h>

#include "core/maps.h"

#define MAP_CELLS (SEG_MAP_MAX_SCORE * SEG_MAP_MAX_SCORE * SEG_MAP_MAX_SCORE)

enum { COL_CODE, COL_R, COL_F, COL_M, COL_SEGMENT, COL_MAP };

typedef struct MapCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  int iMap;                 /* index of the current built-in map */
  int iMapEnd;              /* one past the last map to show */
  int iCell;                /* 0 .. MAP_CELLS-1 within the map */
} MapCursor;

static int mapConnect(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  sqlite3_vtab *pNew;
  int rc;
  (void)pAux, (void)argc, (void)argv, (void)pzErr;
  rc = sqlite3_declare_vtab(db,
      "CREATE TABLE x(code INTEGER, r INTEGER, f INTEGER, m INTEGER, "
      "segment TEXT, map TEXT HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  pNew = sqlite3_malloc(sizeof(*pNew));
  if (!pNew) return SQLITE_NOMEM;
  memset(pNew, 0, sizeof(*pNew));
  /* Reads constant data only: safe anywhere, including in the schema of a
  ** database from someone else. */
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *ppVtab = pNew;
  return SQLITE_OK;
}

static int mapDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int mapOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  MapCursor *pCur = sqlite3_malloc(sizeof(*pCur));
  (void)pVtab;
  if (!pCur) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

static int mapClose(sqlite3_vtab_cursor *cur) {
  sqlite3_free(cur);
  return SQLITE_OK;
}

static int mapNext(sqlite3_vtab_cursor *cur) {
  MapCursor *pCur = (MapCursor *)cur;
  if (++pCur->iCell == MAP_CELLS) {
    pCur->iCell = 0;
    pCur->iMap++;
  }
  return SQLITE_OK;
}

static int mapEof(sqlite3_vtab_cursor *cur) {
  MapCursor *pCur = (MapCursor *)cur;
  return pCur->iMap >= pCur->iMapEnd;
}

static int mapColumn(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i) {
  MapCursor *pCur = (MapCursor *)cur;
  const seg_builtin_map *pMap = seg_builtin_map_at(pCur->iMap);
  int r = pCur->iCell / 25 + 1, f = pCur->iCell / 5 % 5 + 1,
      m = pCur->iCell % 5 + 1;
  switch (i) {
    case COL_CODE: sqlite3_result_int(ctx, r * 100 + f * 10 + m); break;
    case COL_R: sqlite3_result_int(ctx, r); break;
    case COL_F: sqlite3_result_int(ctx, f); break;
    case COL_M: sqlite3_result_int(ctx, m); break;
    case COL_SEGMENT:
      sqlite3_result_text(ctx, seg_builtin_map_segment(pMap, r, f, m), -1,
                          SQLITE_STATIC);
      break;
    default: sqlite3_result_text(ctx, pMap->name, -1, SQLITE_STATIC); break;
  }
  return SQLITE_OK;
}

static int mapRowid(sqlite3_vtab_cursor *cur, sqlite_int64 *pRowid) {
  MapCursor *pCur = (MapCursor *)cur;
  *pRowid = (sqlite3_int64)pCur->iMap * MAP_CELLS + pCur->iCell + 1;
  return SQLITE_OK;
}

static int mapFilter(sqlite3_vtab_cursor *cur, int idxNum, const char *idxStr,
                     int argc, sqlite3_value **argv) {
  MapCursor *pCur = (MapCursor *)cur;
  (void)idxStr, (void)argc;
  pCur->iCell = 0;
  if (idxNum == 1) {
    const char *zMap = (const char *)sqlite3_value_text(argv[0]);
    pCur->iMap = pCur->iMapEnd = 0;
    if (!zMap) {
      if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return SQLITE_OK;
      return SQLITE_NOMEM;
    }
    for (int i = 0; i < seg_builtin_map_count(); i++) {
      if (strcmp(seg_builtin_map_at(i)->name, zMap) == 0) {
        pCur->iMap = i;
        pCur->iMapEnd = i + 1;
        return SQLITE_OK;
      }
    }
    sqlite3_free(cur->pVtab->zErrMsg);
    cur->pVtab->zErrMsg = sqlite3_mprintf(
        "segment_map: unknown map '%s' (expected %s)", zMap,
        seg_builtin_map_names());
    return cur->pVtab->zErrMsg ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  pCur->iMap = 0;
  pCur->iMapEnd = seg_builtin_map_count();
  return SQLITE_OK;
}

static int mapBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->idxNum = 0;
  pInfo->estimatedCost = 1000;
  pInfo->estimatedRows = MAP_CELLS * seg_builtin_map_count();
  for (int i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *p = &pInfo->aConstraint[i];
    if (p->iColumn != COL_MAP || p->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!p->usable) return SQLITE_CONSTRAINT; /* try another plan */
    pInfo->aConstraintUsage[i].argvIndex = 1;
    pInfo->aConstraintUsage[i].omit = 1;
    pInfo->idxNum = 1;
    pInfo->estimatedCost = 100;
    pInfo->estimatedRows = MAP_CELLS;
    break;
  }
  /* Rows come in code order within each map. */
  if (pInfo->nOrderBy == 1 && pInfo->aOrderBy[0].iColumn == COL_CODE &&
      !pInfo->aOrderBy[0].desc && pInfo->idxNum == 1)
    pInfo->orderByConsumed = 1;
  return SQLITE_OK;
}

static sqlite3_module segmentMapModule = {
    0,               /* iVersion */
    0,               /* xCreate: eponymous only */
    mapConnect,      /* xConnect */
    mapBestIndex,    /* xBestIndex */
    mapDisconnect,   /* xDisconnect */
    0,               /* xDestroy */
    mapOpen,         /* xOpen */
    mapClose,        /* xClose */
    mapFilter,       /* xFilter */
    mapNext,         /* xNext */
    mapEof,          /* xEof */
    mapColumn,       /* xColumn */
    mapRowid,        /* xRowid */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

int segment_register_segment_map(sqlite3 *db) {
  return sqlite3_create_module(db, "segment_map", &segmentMapModule, 0);
}
