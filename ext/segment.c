/*
** segment.c — the extension's entry point: customer segmentation in SQL.
**
**     .load ./dist/segment
**     SELECT segment_version();                    -- '0.1.0'
**     SELECT segment_of(rfm_score(5, 4, 5));       -- 'Champions'
**
** sqlite3_segment_init registers every SQL name the extension provides; the
** README lists them with examples.  Each glue file registers its own names
** (segment.h lists the entry points); a failed registration stops the load
** with its message in *pzErrMsg.
**
** The core (ext/core) allocates through seg_malloc: it is pointed at
** SQLite's allocator here, so that memory limits and out-of-memory tests
** reach it too.
*/
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "segment.h"

#include "core/alloc.h"

static void *coreMalloc(size_t n) { return sqlite3_malloc64(n); }
static void *coreRealloc(void *p, size_t n) { return sqlite3_realloc64(p, n); }
static void coreFree(void *p) { sqlite3_free(p); }

static void segmentVersionFunc(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv) {
  (void)argc, (void)argv;
  sqlite3_result_text(ctx, SEGMENT_VERSION, -1, SQLITE_STATIC);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_segment_init(sqlite3 *db, char **pzErrMsg,
                         const sqlite3_api_routines *pApi) {
  static const struct {
    const char *zWhat;
    int (*xRegister)(sqlite3 *);
  } aPart[] = {
      {"rfm functions", segment_register_rfm},
      {"segment_of", segment_register_segment_of},
      {"segment_map", segment_register_segment_map},
      {"segments", segment_register_segments},
      {"ab_test", segment_register_ab_test},
      {"kmeans functions", segment_register_kmeans},
      {"btyd models", segment_register_btyd},
  };
  int rc;
  SQLITE_EXTENSION_INIT2(pApi);
  /* sqlite3_vtab_in (3.38) and sqlite3_db_name (3.39) are called through
  ** pApi: an older host has no such slots. */
  if (sqlite3_libversion_number() < 3040000) {
    if (pzErrMsg)
      *pzErrMsg = sqlite3_mprintf("segment: needs SQLite 3.40 or later, this is %s",
                                  sqlite3_libversion());
    return SQLITE_ERROR;
  }
  seg_set_allocator(coreMalloc, coreRealloc, coreFree);

  rc = sqlite3_create_function(db, "segment_version", 0, SEGMENT_PURE, 0,
                               segmentVersionFunc, 0, 0);
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof(aPart) / sizeof(aPart[0]);
       i++) {
    rc = aPart[i].xRegister(db);
    if (rc != SQLITE_OK && pzErrMsg) {
      *pzErrMsg = sqlite3_mprintf("segment: cannot register %s: %s",
                                  aPart[i].zWhat, sqlite3_errstr(rc));
    }
  }
  return rc;
}
