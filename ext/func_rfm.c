/*
** func_rfm.c — the RFM scoring functions.
**
**   rfm_breaks(value [, bins])      aggregate and window: the bins-1 cut
**                                   points of a column as a JSON array
**   rfm_score(r, f, m)              three scores -> the code r*100+f*10+m
**   rfm_score(recency_days, frequency, monetary, breaks)
**                                   raw values scored against cut points
**
**     SELECT rfm_breaks(x) FROM (SELECT 1 x UNION ALL SELECT 2 UNION ALL
**            SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5);   -- [1,2,3,4]
**     SELECT rfm_score(5, 4, 5);                                 -- 545
**     SELECT rfm_score(3, 2, 120.0,
**            '{"r":[30,60,90,180],"f":[1,2,3,5],"m":[50,100,250,500]}'); -- 523
**
** The semantics (ties, cut points, reversed recency) are quantile.h's; this
** file only moves values between SQLite and the core.
*/
#include "segment.h"

#include <string.h>

#include "core/breaks.h"
#include "core/quantile.h"

#define DEFAULT_BINS 5

/* rfm_breaks marks its result as JSON (subtype 'J', as json1 does), so
** json_object('r', rfm_breaks(x)) nests the array instead of quoting it.
** SQLite 3.45 asks such functions to say so with SQLITE_RESULT_SUBTYPE;
** older versions ignore the flag. */
#ifndef SQLITE_RESULT_SUBTYPE
#define SQLITE_RESULT_SUBTYPE 0x001000000
#endif

/* ---- rfm_breaks ------------------------------------------------------------ */

typedef struct BreaksState {
  double *aValue;        /* the non-NULL values of the frame */
  sqlite3_int64 nValue;
  sqlite3_int64 nAlloc;
  int nBins;             /* 0 until the first row */
} BreaksState;

/* Read and check the bins argument; 0, or -1 with the error reported. */
static int breaksReadBins(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                          int *pBins) {
  int nBins = DEFAULT_BINS;
  if (argc > 1 && segment_value_score(argv[1], SEG_MAX_BINS, &nBins) != 0) {
    nBins = 0;
  }
  if (nBins < SEG_MIN_BINS) {
    segment_error_value(ctx,
        "rfm_breaks: bins must be an integer from 2 to 9, got %s", argv[1]);
    return -1;
  }
  *pBins = nBins;
  return 0;
}

static void breaksStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  BreaksState *p = sqlite3_aggregate_context(ctx, sizeof(*p));
  int nBins;
  double x;
  if (!p) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (breaksReadBins(ctx, argc, argv, &nBins) != 0) return;
  if (p->nBins == 0) {
    p->nBins = nBins;
  } else if (p->nBins != nBins) {
    char *zMsg = sqlite3_mprintf(
        "rfm_breaks: bins must be the same on every row, got %d then %d",
        p->nBins, nBins);
    sqlite3_result_error(ctx, zMsg ? zMsg : "out of memory", -1);
    sqlite3_free(zMsg);
    return;
  }
  switch (segment_value_number(argv[0], &x)) {
    case 1:
      return;
    case -1:
      segment_error_value(ctx, "rfm_breaks: value must be a number, got %s",
                          argv[0]);
      return;
  }
  if (x != x || x - x != 0) {
    segment_error_value(ctx, "rfm_breaks: value must be finite, got %s",
                        argv[0]);
    return;
  }
  if (p->nValue == p->nAlloc) {
    sqlite3_int64 nNew = p->nAlloc ? p->nAlloc * 2 : 64;
    double *aNew = sqlite3_realloc64(p->aValue, nNew * sizeof(double));
    if (!aNew) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    p->aValue = aNew;
    p->nAlloc = nNew;
  }
  p->aValue[p->nValue++] = x;
}

/* Window frames: the row leaving the frame takes one equal value with it. */
static void breaksInverse(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  BreaksState *p = sqlite3_aggregate_context(ctx, sizeof(*p));
  double x;
  (void)argc;
  if (!p || segment_value_number(argv[0], &x) != 0) return;
  for (sqlite3_int64 i = 0; i < p->nValue; i++) {
    if (p->aValue[i] == x) {
      p->aValue[i] = p->aValue[--p->nValue];
      return;
    }
  }
}

/* The cut points of aValue[0..nValue) as JSON; aValue is reordered. */
static void breaksResult(sqlite3_context *ctx, double *aValue,
                         sqlite3_int64 nValue, int nBins) {
  double aCut[SEG_MAX_BINS - 1];
  char zJson[SEG_CUTS_JSON_MAX];
  if (nValue == 0) {
    sqlite3_result_null(ctx);
    return;
  }
  seg_quantile_cuts(aValue, (size_t)nValue, nBins, aCut);
  seg_cuts_format(aCut, nBins - 1, zJson);
  sqlite3_result_text(ctx, zJson, -1, SQLITE_TRANSIENT);
  sqlite3_result_subtype(ctx, 'J'); /* JSON, as SQLite's json1 marks it */
}

static void breaksValue(sqlite3_context *ctx) {
  BreaksState *p = sqlite3_aggregate_context(ctx, 0);
  double *aCopy;
  if (!p || p->nValue == 0) {
    sqlite3_result_null(ctx);
    return;
  }
  aCopy = sqlite3_malloc64(p->nValue * sizeof(double));
  if (!aCopy) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  memcpy(aCopy, p->aValue, p->nValue * sizeof(double));
  breaksResult(ctx, aCopy, p->nValue, p->nBins);
  sqlite3_free(aCopy);
}

static void breaksFinal(sqlite3_context *ctx) {
  BreaksState *p = sqlite3_aggregate_context(ctx, 0);
  if (!p) {
    sqlite3_result_null(ctx);
    return;
  }
  breaksResult(ctx, p->aValue, p->nValue, p->nBins);
  sqlite3_free(p->aValue);
  p->aValue = NULL;
}

/* ---- rfm_score --------------------------------------------------------------- */

static void rfmScoreCode(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *const azName[3] = {"r", "f", "m"};
  int aScore[3];
  (void)argc;
  for (int i = 0; i < 3; i++) {
    int rc = segment_value_score(argv[i], SEG_MAX_BINS, &aScore[i]);
    if (rc == 1) return; /* NULL in, NULL out */
    if (rc < 0) {
      char zFmt[64];
      sqlite3_snprintf(sizeof(zFmt), zFmt,
                       "rfm_score: %s must be a score from 1 to 9, got %%s",
                       azName[i]);
      segment_error_value(ctx, zFmt, argv[i]);
      return;
    }
  }
  sqlite3_result_int(ctx, seg_rfm_code(aScore[0], aScore[1], aScore[2]));
}

static void breaksFree(void *p) { sqlite3_free(p); }

static void rfmScoreValues(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv) {
  static const char *const azName[3] = {"recency_days", "frequency",
                                        "monetary"};
  double aValue[3];
  seg_breaks local;
  const seg_breaks *pBreaks;
  (void)argc;
  for (int i = 0; i < 3; i++) {
    int rc = segment_value_number(argv[i], &aValue[i]);
    if (rc == 1) return;
    if (rc < 0) {
      char zFmt[64];
      sqlite3_snprintf(sizeof(zFmt), zFmt,
                       "rfm_score: %s must be a number, got %%s", azName[i]);
      segment_error_value(ctx, zFmt, argv[i]);
      return;
    }
  }
  if (sqlite3_value_type(argv[3]) == SQLITE_NULL) return;
  pBreaks = sqlite3_get_auxdata(ctx, 3);
  if (!pBreaks) {
    const char *zJson = (const char *)sqlite3_value_text(argv[3]);
    char zErr[256];
    seg_breaks *pNew;
    if (!zJson) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    if (seg_breaks_parse(zJson, (size_t)sqlite3_value_bytes(argv[3]), &local,
                         zErr, sizeof(zErr)) != 0) {
      char *zMsg = sqlite3_mprintf("rfm_score: %s", zErr);
      sqlite3_result_error(ctx, zMsg ? zMsg : "out of memory", -1);
      sqlite3_free(zMsg);
      return;
    }
    pBreaks = &local;
    /* Keep a copy for the next rows when the breaks are a constant. */
    pNew = sqlite3_malloc(sizeof(*pNew));
    if (pNew) {
      *pNew = local;
      sqlite3_set_auxdata(ctx, 3, pNew, breaksFree);
    }
  }
  sqlite3_result_int(ctx,
      seg_rfm_code(seg_score_reversed(aValue[0], pBreaks->r.v, pBreaks->r.n),
                   seg_score(aValue[1], pBreaks->f.v, pBreaks->f.n),
                   seg_score(aValue[2], pBreaks->m.v, pBreaks->m.n)));
}

int segment_register_rfm(sqlite3 *db) {
  int rc = sqlite3_create_window_function(
      db, "rfm_breaks", 1, SEGMENT_PURE | SQLITE_RESULT_SUBTYPE, 0, breaksStep, breaksFinal,
      breaksValue, breaksInverse, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_window_function(db, "rfm_breaks", 2,
                                        SEGMENT_PURE | SQLITE_RESULT_SUBTYPE, 0,
                                        breaksStep, breaksFinal, breaksValue,
                                        breaksInverse, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "rfm_score", 3, SEGMENT_PURE, 0,
                                 rfmScoreCode, 0, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "rfm_score", 4, SEGMENT_PURE, 0,
                                 rfmScoreValues, 0, 0);
  return rc;
}
