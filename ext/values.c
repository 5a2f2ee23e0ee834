/*
** values.c — sqlite3_value in, C value out, and values in error messages.
**
** Every SQL function of the extension reads its arguments through these,
** so that "a number" and "a score" mean the same thing everywhere and bad
** input is described the same way:
**
**     rfm_score: r must be a score from 1 to 9, got 'abc'
*/
#include "segment.h"

#include <math.h>

int segment_value_number(sqlite3_value *v, double *out) {
  switch (sqlite3_value_numeric_type(v)) {
    case SQLITE_NULL:
      return 1;
    case SQLITE_INTEGER:
      *out = (double)sqlite3_value_int64(v);
      return 0;
    case SQLITE_FLOAT:
      *out = sqlite3_value_double(v);
      return isnan(*out) ? -1 : 0;
    default:
      return -1;
  }
}

int segment_value_score(sqlite3_value *v, int max, int *out) {
  double x;
  int rc = segment_value_number(v, &x);
  if (rc != 0) return rc;
  if (x < 1 || x > max || x != floor(x)) return -1;
  *out = (int)x;
  return 0;
}

char *segment_value_describe(sqlite3_value *v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
      return sqlite3_mprintf("NULL");
    case SQLITE_INTEGER:
      return sqlite3_mprintf("%lld", sqlite3_value_int64(v));
    case SQLITE_FLOAT:
      return sqlite3_mprintf("%!.15g", sqlite3_value_double(v));
    case SQLITE_BLOB:
      return sqlite3_mprintf("a blob");
    default: {
      const char *z = (const char *)sqlite3_value_text(v);
      int n = sqlite3_value_bytes(v);
      if (!z) return NULL;
      if (n > 40) return sqlite3_mprintf("'%.40s...'", z);
      return sqlite3_mprintf("'%s'", z);
    }
  }
}

void segment_error_value(sqlite3_context *ctx, const char *zFmt,
                         sqlite3_value *v) {
  char *zValue = segment_value_describe(v);
  char *zMsg = zValue ? sqlite3_mprintf(zFmt, zValue) : NULL;
  if (zMsg) {
    sqlite3_result_error(ctx, zMsg, -1);
  } else {
    sqlite3_result_error_nomem(ctx);
  }
  sqlite3_free(zMsg);
  sqlite3_free(zValue);
}
