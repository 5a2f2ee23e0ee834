/*
** func_segment_of.c — segment_of(): an RFM code's segment under a map.
**
**     SELECT segment_of(545);                  -- 'Champions' (map rfm11)
**     SELECT segment_of(5, 4, 5, 'rfm5');      -- 'Champions'
**     SELECT segment_of(rfm, 'my_map') FROM t; -- a user map table
**
** The map is a built-in name (rfm11, rfm5, rf10: maps.h) or the name of a
** table with the columns code and segment (map_table.c).  A built-in name
** wins over a table of the same name.  A user map is read once per
** statement when the map argument is a constant.
**
** TRUST
** The forms without a map (1 and 3 arguments) are pure: DETERMINISTIC and
** INNOCUOUS.  The forms naming a map may read a table, which can change, so
** they are not DETERMINISTIC (an index on them could go stale); they are
** INNOCUOUS because they only read, and only the table named in the call:
** a schema that can call segment_of(x, 'secrets') could SELECT from
** 'secrets' directly.
*/
#include "segment.h"

#include "core/maps.h"
#include "map_table.h"

static void codemapFree(void *p) { seg_codemap_free(p); }

/* Report code's segment under the map named by argument iMap (or rfm11). */
static void segmentOfCode(sqlite3_context *ctx, sqlite3_value **argv,
                          int iMap, int code) {
  const char *zMap = "rfm11";
  const seg_builtin_map *pBuiltin;
  seg_codemap *pUser;

  if (iMap >= 0) {
    zMap = (const char *)sqlite3_value_text(argv[iMap]);
    if (!zMap) {
      if (sqlite3_value_type(argv[iMap]) != SQLITE_NULL)
        sqlite3_result_error_nomem(ctx);
      return; /* NULL map, NULL segment */
    }
  }
  pBuiltin = seg_builtin_map_find(zMap);
  if (pBuiltin) {
    const char *zSeg = seg_builtin_map_segment(pBuiltin, code / 100,
                                               code / 10 % 10, code % 10);
    if (!zSeg) {
      char *zMsg = sqlite3_mprintf(
          "segment_of: map '%s' covers scores 1 to 5, got code %d (use "
          "bins=5, or a map table for other bins)",
          zMap, code);
      sqlite3_result_error(ctx, zMsg ? zMsg : "out of memory", -1);
      sqlite3_free(zMsg);
      return;
    }
    sqlite3_result_text(ctx, zSeg, -1, SQLITE_STATIC);
    return;
  }

  pUser = sqlite3_get_auxdata(ctx, iMap);
  if (!pUser) {
    char *zErr = NULL;
    int rc = segment_map_table_load(sqlite3_context_db_handle(ctx),
                                    "segment_of", zMap, NULL, &pUser, &zErr);
    if (rc != SQLITE_OK) {
      if (zErr) sqlite3_result_error(ctx, zErr, -1);
      else sqlite3_result_error_code(ctx, rc);
      sqlite3_free(zErr);
      return;
    }
    sqlite3_result_text(ctx, seg_codemap_segment(pUser, code), -1,
                        SQLITE_TRANSIENT);
    /* Keep it for the next rows when the map argument is a constant
    ** (SQLite frees it at once otherwise). */
    sqlite3_set_auxdata(ctx, iMap, pUser, codemapFree);
    return;
  }
  sqlite3_result_text(ctx, seg_codemap_segment(pUser, code), -1,
                      SQLITE_TRANSIENT);
}

/* segment_of(code [, map]) */
static void segmentOfCodeFunc(sqlite3_context *ctx, int argc,
                              sqlite3_value **argv) {
  double x;
  int code;
  switch (segment_value_number(argv[0], &x)) {
    case 1:
      return;
    case 0:
      /* Range first: converting 2147483648.0 to int is undefined. */
      code = x >= 111 && x <= 999 ? (int)x : 0;
      if (code && x == code && code % 10 != 0 && code / 10 % 10 != 0) break;
      /* fall through */
    default:
      segment_error_value(
          ctx, "segment_of: code must be an RFM code like 545, got %s",
          argv[0]);
      return;
  }
  segmentOfCode(ctx, argv, argc == 2 ? 1 : -1, code);
}

/* segment_of(r, f, m [, map]) */
static void segmentOfScoresFunc(sqlite3_context *ctx, int argc,
                                sqlite3_value **argv) {
  static const char *const azName[3] = {"r", "f", "m"};
  int aScore[3];
  for (int i = 0; i < 3; i++) {
    int rc = segment_value_score(argv[i], 9, &aScore[i]);
    if (rc == 1) return;
    if (rc < 0) {
      char zFmt[64];
      sqlite3_snprintf(sizeof(zFmt), zFmt,
                       "segment_of: %s must be a score from 1 to 9, got %%s",
                       azName[i]);
      segment_error_value(ctx, zFmt, argv[i]);
      return;
    }
  }
  segmentOfCode(ctx, argv, argc == 4 ? 3 : -1,
                aScore[0] * 100 + aScore[1] * 10 + aScore[2]);
}

int segment_register_segment_of(sqlite3 *db) {
  /* See TRUST above for the flags. */
  const int reads = SQLITE_UTF8 | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_function(db, "segment_of", 1, SEGMENT_PURE, 0,
                                   segmentOfCodeFunc, 0, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "segment_of", 2, reads, 0,
                                 segmentOfCodeFunc, 0, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "segment_of", 3, SEGMENT_PURE, 0,
                                 segmentOfScoresFunc, 0, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "segment_of", 4, reads, 0,
                                 segmentOfScoresFunc, 0, 0);
  return rc;
}
