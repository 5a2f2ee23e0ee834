/*
** func_btyd.c — customer-value models in SQL: BG/NBD (future purchases,
** P(alive)), Gamma-Gamma (value per purchase) and CLV.
**
**   bgnbd_fit(x, t_x, T [, weight [, penalizer]])     aggregate -> JSON
**   gg_fit(x, avg_value [, weight [, penalizer]])      aggregate -> JSON
**   bgnbd_p_alive(params, x, t_x, T)                   P(still a customer)
**   bgnbd_expected(params, t, x, t_x, T)               purchases in the next t
**   bgnbd_p_k(params, k, t)                            P(k purchases in (0, t])
**   gg_expected_value(params, x, avg_value)            value of a future purchase
**   clv(bgnbd, gg, x, t_x, T, avg_value, steps, step_length, discount_rate)
**
** x is the number of repeat purchases (distinct purchase days minus 1),
** t_x the time from the first purchase to the last, T the time from the
** first purchase to the end of the data, all in one time unit (weeks
** below); avg_value the mean value of the repeat purchases.
**
**     CREATE TABLE c(id, x, t_x, T, avg_value);
**     INSERT INTO c VALUES (1, 2, 30.43, 38.86, 22.35), (2, 1, 1.71, 38.86, 11.77),
**                          (3, 0, 0, 38.86, NULL), ...;
**     CREATE TABLE m AS SELECT bgnbd_fit(x, t_x, T) AS bg,
**                              gg_fit(x, avg_value) AS gg FROM c;
**     SELECT id, bgnbd_p_alive(bg, x, t_x, T),
**            bgnbd_expected(bg, 39, x, t_x, T),           -- next 39 weeks
**            clv(bg, gg, x, t_x, T, avg_value, 12, 4.345, 0.01)  -- 12 months
**     FROM c, m;
**
** The fits skip a row with a NULL in x, t_x, T, avg_value or weight, as
** SQL aggregates skip NULLs (gg_fit also ignores rows with x = 0: they
** say nothing about value); a value of the wrong kind or out of range is
** an error that names it.  No row left: NULL.  The fits return JSON
** (marked as JSON, so json_extract and json_object take it as it is);
** the prediction functions read it back, strictly.  The models, their
** assumptions, the formulas and the optimizer are in core/btyd.h and
** docs/models.md; this file only moves values between SQLite and the core.
*/
#include "segment.h"

#include <math.h>
#include <string.h>

#include "core/btyd.h"

/* The fits mark their result as JSON, as rfm_breaks does (func_rfm.c). */
#ifndef SQLITE_RESULT_SUBTYPE
#define SQLITE_RESULT_SUBTYPE 0x001000000
#endif

#define CLV_MAX_STEPS 10000

/* Report "<fn>: <message>" as the function's error, or SQLITE_NOMEM. */
static void btydError(sqlite3_context *ctx, const char *zFunc,
                      const char *zMsg) {
  char *z = sqlite3_mprintf("%s: %s", zFunc, zMsg);
  if (z) {
    sqlite3_result_error(ctx, z, -1);
    sqlite3_free(z);
  } else {
    sqlite3_result_error_nomem(ctx);
  }
}

/* Read argument v as a number into *out: 0; 1 for NULL; -1 with the error
** "<fn>: <zName> must be a number, got ..." reported. */
static int btydNumber(sqlite3_context *ctx, const char *zFunc,
                      const char *zName, sqlite3_value *v, double *out) {
  int rc = segment_value_number(v, out);
  if (rc < 0) {
    char zFmt[96];
    sqlite3_snprintf(sizeof(zFmt), zFmt, "%s: %s must be a number, got %%s",
                     zFunc, zName);
    segment_error_value(ctx, zFmt, v);
  }
  return rc;
}

/* ---- the fits -------------------------------------------------------------- */

/* The rows of a fit: nWidth doubles each (seg_bgnbd_obs: 4, seg_gg_obs: 3). */
typedef struct FitState {
  double *aRow;
  sqlite3_int64 nRow, nAlloc;
  double penalizer;
  int bPenalizer;        /* penalizer read from a row already */
  int bFailed;           /* a row was refused: xFinal only frees (SQLite
                         ** calls it on the way out after an error too) */
} FitState;

/* The penalizer argument (0 when absent), the same on every row: 0, or -1
** with the error reported. */
static int fitPenalizer(sqlite3_context *ctx, const char *zFunc, FitState *p,
                        sqlite3_value *v) {
  double penalizer = 0;
  char zErr[128];
  if (v) {
    if (segment_value_number(v, &penalizer) != 0) { /* NULL or not a number */
      char zFmt[96];
      sqlite3_snprintf(sizeof(zFmt), zFmt,
                       "%s: penalizer must be 0 or more (0: no penalty), got %%s",
                       zFunc);
      segment_error_value(ctx, zFmt, v);
      return -1;
    }
    if (seg_btyd_check_penalizer(penalizer, zErr, sizeof zErr) != 0) {
      btydError(ctx, zFunc, zErr);
      return -1;
    }
  }
  if (p->bPenalizer && penalizer != p->penalizer) {
    char *z = sqlite3_mprintf(
        "%s: penalizer must be the same on every row, got %!.15g then %!.15g", zFunc,
        p->penalizer, penalizer);
    if (z) sqlite3_result_error(ctx, z, -1);
    else sqlite3_result_error_nomem(ctx);
    sqlite3_free(z);
    return -1;
  }
  p->penalizer = penalizer;
  p->bPenalizer = 1;
  return 0;
}

/* Append one row of nWidth doubles: 0, or -1 with SQLITE_NOMEM reported. */
static int fitAppend(sqlite3_context *ctx, FitState *p, const double *aRow,
                     int nWidth) {
  if (p->nRow == p->nAlloc) {
    sqlite3_int64 nNew = p->nAlloc ? p->nAlloc * 2 : 256;
    double *aNew = sqlite3_realloc64(p->aRow, (sqlite3_uint64)nNew * nWidth * sizeof(double));
    if (!aNew) {
      sqlite3_result_error_nomem(ctx);
      return -1;
    }
    p->aRow = aNew;
    p->nAlloc = nNew;
  }
  memcpy(p->aRow + p->nRow * nWidth, aRow, sizeof(double) * (size_t)nWidth);
  p->nRow++;
  return 0;
}

/* The weight argument (1 when absent): 0; 1 for NULL; -1 with the error. */
static int fitWeight(sqlite3_context *ctx, const char *zFunc, int argc,
                     sqlite3_value **argv, int iArg, double *pWeight) {
  char zErr[128];
  int rc;
  *pWeight = 1;
  if (argc <= iArg) return 0;
  rc = btydNumber(ctx, zFunc, "weight", argv[iArg], pWeight);
  if (rc != 0) return rc;
  if (seg_btyd_check_weight(*pWeight, zErr, sizeof zErr) != 0) {
    btydError(ctx, zFunc, zErr);
    return -1;
  }
  return 0;
}

/* Read one row of bgnbd_fit into aRow (x, t_x, T, weight): 0; 1 to skip
** it (a NULL); -1 with the error reported. */
static int bgnbdFitRow(sqlite3_context *ctx, FitState *p, int argc,
                       sqlite3_value **argv, double *aRow) {
  static const char *const azName[3] = {"x", "t_x", "T"};
  char zErr[200];
  int bNull = 0, rc;
  if (fitPenalizer(ctx, "bgnbd_fit", p, argc > 4 ? argv[4] : NULL) != 0) return -1;
  for (int i = 0; i < 3; i++) {
    if ((rc = btydNumber(ctx, "bgnbd_fit", azName[i], argv[i], &aRow[i])) < 0) return -1;
    bNull |= rc;
  }
  if ((rc = fitWeight(ctx, "bgnbd_fit", argc, argv, 3, &aRow[3])) < 0) return -1;
  if (bNull || rc) return 1;
  if (seg_bgnbd_check(aRow[0], aRow[1], aRow[2], zErr, sizeof zErr) != 0) {
    btydError(ctx, "bgnbd_fit", zErr);
    return -1;
  }
  return 0;
}

/* One row of a fit: xRow reads it into nWidth numbers (0, 1 to skip it,
** -1 after reporting an error), which join the rows of the fit. */
static void fitStep(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                    int (*xRow)(sqlite3_context *, FitState *, int,
                                sqlite3_value **, double *),
                    int nWidth) {
  FitState *p = sqlite3_aggregate_context(ctx, sizeof(*p));
  double aRow[4];
  int rc;
  if (!p) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  rc = xRow(ctx, p, argc, argv, aRow);
  if (rc == 0) rc = fitAppend(ctx, p, aRow, nWidth);
  if (rc < 0) p->bFailed = 1;
}

static void bgnbdFitStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  fitStep(ctx, argc, argv, bgnbdFitRow, 4);
}

/* x and avg_value for Gamma-Gamma into *pX, *pAvg: 0; 1 for a NULL;
** -1 with the error reported.  avg_value is not used when x is 0 and may
** then be NULL. */
static int readValueHistory(sqlite3_context *ctx, const char *zFunc,
                            sqlite3_value *pXArg, sqlite3_value *pAvgArg,
                            double *pX, double *pAvg) {
  char zErr[200];
  int rc = btydNumber(ctx, zFunc, "x", pXArg, pX);
  if (rc != 0) return rc;
  rc = btydNumber(ctx, zFunc, "avg_value", pAvgArg, pAvg);
  if (rc < 0) return rc;
  if (rc == 1) {
    if (*pX != 0) return 1;
    *pAvg = 0;
  }
  if (seg_gg_check(*pX, *pAvg, zErr, sizeof zErr) != 0) {
    btydError(ctx, zFunc, zErr);
    return -1;
  }
  return 0;
}

/* Read one row of gg_fit into aRow (x, avg_value, weight), as bgnbdFitRow. */
static int ggFitRow(sqlite3_context *ctx, FitState *p, int argc,
                    sqlite3_value **argv, double *aRow) {
  int rc, rcWeight;
  if (fitPenalizer(ctx, "gg_fit", p, argc > 3 ? argv[3] : NULL) != 0) return -1;
  if ((rc = readValueHistory(ctx, "gg_fit", argv[0], argv[1], &aRow[0], &aRow[1])) < 0)
    return -1;
  if ((rcWeight = fitWeight(ctx, "gg_fit", argc, argv, 2, &aRow[2])) < 0) return -1;
  return rc || rcWeight;
}

static void ggFitStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  fitStep(ctx, argc, argv, ggFitRow, 3);
}

/* Report what a fit returned (rc from seg_bgnbd_fit or seg_gg_fit). */
static void fitResult(sqlite3_context *ctx, const char *zFunc, int rc,
                      const char *zJson, const char *zErr) {
  switch (rc) {
    case SEG_BTYD_OK:
      sqlite3_result_text(ctx, zJson, -1, SQLITE_TRANSIENT);
      sqlite3_result_subtype(ctx, 'J'); /* JSON, as SQLite's json1 marks it */
      break;
    case SEG_BTYD_NOMEM:
      sqlite3_result_error_nomem(ctx);
      break;
    case SEG_BTYD_ERROR:
      btydError(ctx, zFunc, zErr);
      break;
    default: /* no row with a positive weight */
      sqlite3_result_null(ctx);
  }
}

static void bgnbdFitFinal(sqlite3_context *ctx) {
  FitState *p = sqlite3_aggregate_context(ctx, 0);
  seg_bgnbd m;
  seg_fit_info info;
  char zJson[SEG_BTYD_JSON_MAX], zErr[256];
  int rc;
  if (!p || p->nRow == 0 || p->bFailed) {
    if (p) sqlite3_free(p->aRow);
    sqlite3_result_null(ctx);
    return;
  }
  rc = seg_bgnbd_fit((seg_bgnbd_obs *)p->aRow, (size_t)p->nRow, p->penalizer,
                     &m, &info, zErr, sizeof zErr);
  if (rc == SEG_BTYD_OK) seg_bgnbd_format(&m, &info, zJson);
  fitResult(ctx, "bgnbd_fit", rc, zJson, zErr);
  sqlite3_free(p->aRow);
  p->aRow = NULL;
}

static void ggFitFinal(sqlite3_context *ctx) {
  FitState *p = sqlite3_aggregate_context(ctx, 0);
  seg_gg m;
  seg_fit_info info;
  char zJson[SEG_BTYD_JSON_MAX], zErr[256];
  int rc;
  if (!p || p->nRow == 0 || p->bFailed) {
    if (p) sqlite3_free(p->aRow);
    sqlite3_result_null(ctx);
    return;
  }
  rc = seg_gg_fit((seg_gg_obs *)p->aRow, (size_t)p->nRow, p->penalizer, &m,
                  &info, zErr, sizeof zErr);
  if (rc == SEG_BTYD_OK) seg_gg_format(&m, &info, zJson);
  fitResult(ctx, "gg_fit", rc, zJson, zErr);
  sqlite3_free(p->aRow);
  p->aRow = NULL;
}

/* ---- reading parameters ------------------------------------------------------ */

static void paramsFree(void *p) { sqlite3_free(p); }

/* The parameters in argument iArg (the JSON of a fit) into pOut (nSize
** bytes, parsed by xParse: seg_bgnbd_parse or seg_gg_parse): 0; 1 for a
** NULL argument; -1 with the error reported.  Parsed once per statement
** when the argument is constant: a copy waits in the auxdata. */
static int paramsRead(sqlite3_context *ctx, const char *zFunc,
                      sqlite3_value **argv, int iArg, size_t nSize,
                      int (*xParse)(const char *, size_t, void *, char *, size_t),
                      void *pOut) {
  const void *pCached = sqlite3_get_auxdata(ctx, iArg);
  const char *zJson;
  char zErr[256];
  void *pCopy;
  if (sqlite3_value_type(argv[iArg]) == SQLITE_NULL) return 1;
  if (pCached) {
    memcpy(pOut, pCached, nSize);
    return 0;
  }
  zJson = (const char *)sqlite3_value_text(argv[iArg]);
  if (!zJson) {
    sqlite3_result_error_nomem(ctx);
    return -1;
  }
  if (xParse(zJson, (size_t)sqlite3_value_bytes(argv[iArg]), pOut, zErr,
             sizeof zErr) != 0) {
    btydError(ctx, zFunc, zErr);
    return -1;
  }
  /* Only a cache: without memory for it, the next row parses again. */
  pCopy = sqlite3_malloc64(nSize);
  if (pCopy) {
    memcpy(pCopy, pOut, nSize);
    sqlite3_set_auxdata(ctx, iArg, pCopy, paramsFree);
  }
  return 0;
}

static int parseBgnbd(const char *z, size_t n, void *out, char *err, size_t len) {
  return seg_bgnbd_parse(z, n, out, err, len);
}

static int parseGg(const char *z, size_t n, void *out, char *err, size_t len) {
  return seg_gg_parse(z, n, out, err, len);
}

/* Read nArg numbers from argv[iFirst..] named azName: 0; 1 if one is NULL;
** -1 with the error reported. */
static int readNumbers(sqlite3_context *ctx, const char *zFunc,
                       sqlite3_value **argv, int iFirst, int nArg,
                       const char *const *azName, double *aOut) {
  int bNull = 0;
  for (int i = 0; i < nArg; i++) {
    int rc = btydNumber(ctx, zFunc, azName[i], argv[iFirst + i], &aOut[i]);
    if (rc < 0) return -1;
    bNull |= rc;
  }
  return bNull;
}

/* Check a history (x, t_x, T): 0, or -1 with the error reported. */
static int checkHistory(sqlite3_context *ctx, const char *zFunc,
                        const double *a) {
  char zErr[200];
  if (seg_bgnbd_check(a[0], a[1], a[2], zErr, sizeof zErr) == 0) return 0;
  btydError(ctx, zFunc, zErr);
  return -1;
}

/* Check a length of time t >= 0: 0, or -1 with the error reported. */
static int checkTime(sqlite3_context *ctx, const char *zFunc, const char *zName,
                     sqlite3_value *v, double t) {
  char zFmt[96];
  if (isfinite(t) && t >= 0) return 0;
  sqlite3_snprintf(sizeof(zFmt), zFmt, "%s: %s must be a time of 0 or more, got %%s",
                   zFunc, zName);
  segment_error_value(ctx, zFmt, v);
  return -1;
}

/* The error for an expected number of purchases seg_bgnbd_expected could
** not compute (NaN) over horizon t: t beyond the series' reach
** (SEG_HYP2F1_ZMAX), or params too large for it.  zWhat names the horizon
** with its value (from sqlite3_mprintf; freed here). */
static void seriesError(sqlite3_context *ctx, const char *zFunc, char *zWhat,
                        double t, double alphaT, const seg_bgnbd *m) {
  char *z = NULL;
  if (zWhat && t / (alphaT + t) > SEG_HYP2F1_ZMAX)
    z = sqlite3_mprintf("%s: %s is too long for alpha + T = %!.15g"
                        " (at most 9999 times as long)", zFunc, zWhat, alphaT);
  else if (zWhat)
    z = sqlite3_mprintf("%s: cannot compute the expected purchases over %s for"
                        " alpha + T = %!.15g with a = %!.15g and b = %!.15g (the"
                        " series overflows or needs over %d terms); a shorter"
                        " horizon may work",
                        zFunc, zWhat, alphaT, m->a, m->b, SEG_HYP2F1_MAX_TERMS);
  if (z) sqlite3_result_error(ctx, z, -1);
  else sqlite3_result_error_nomem(ctx);
  sqlite3_free(z);
  sqlite3_free(zWhat);
}

/* The error for an infinite expected value (p x + q <= 1); pX is x. */
static void infiniteValueError(sqlite3_context *ctx, const char *zFunc,
                               const seg_gg *m, sqlite3_value *pX, double x) {
  char *zFmt = sqlite3_mprintf(
      "%s: the expected value is infinite for x %%s when p x + q = %!.15g is"
      " at most 1 (fit with more repeat buyers or a penalizer)",
      zFunc, m->p * x + m->q);
  if (zFmt) segment_error_value(ctx, zFmt, pX);
  else sqlite3_result_error_nomem(ctx);
  sqlite3_free(zFmt);
}

/* ---- predictions ---------------------------------------------------------------- */

static const char *const azHistory[3] = {"x", "t_x", "T"};

static void bgnbdPAliveFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  seg_bgnbd m;
  double a[3];
  (void)argc;
  if (readNumbers(ctx, "bgnbd_p_alive", argv, 1, 3, azHistory, a) != 0 ||
      paramsRead(ctx, "bgnbd_p_alive", argv, 0, sizeof m, parseBgnbd, &m) != 0 ||
      checkHistory(ctx, "bgnbd_p_alive", a) != 0)
    return;
  sqlite3_result_double(ctx, seg_bgnbd_p_alive(&m, a[0], a[1], a[2]));
}

static void bgnbdExpectedFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *const azName[4] = {"t", "x", "t_x", "T"};
  seg_bgnbd m;
  double a[4], e;
  (void)argc;
  if (readNumbers(ctx, "bgnbd_expected", argv, 1, 4, azName, a) != 0 ||
      paramsRead(ctx, "bgnbd_expected", argv, 0, sizeof m, parseBgnbd, &m) != 0 ||
      checkTime(ctx, "bgnbd_expected", "t", argv[1], a[0]) != 0 ||
      checkHistory(ctx, "bgnbd_expected", a + 1) != 0)
    return;
  e = seg_bgnbd_expected(&m, a[0], a[1], a[2], a[3]);
  if (e != e) {
    char *zValue = segment_value_describe(argv[1]);
    seriesError(ctx, "bgnbd_expected", zValue ? sqlite3_mprintf("t %s", zValue) : NULL,
                a[0], m.alpha + a[3], &m);
    sqlite3_free(zValue);
  } else {
    sqlite3_result_double(ctx, e);
  }
}

static void bgnbdPKFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *const azName[2] = {"k", "t"};
  seg_bgnbd m;
  double a[2];
  (void)argc;
  if (readNumbers(ctx, "bgnbd_p_k", argv, 1, 2, azName, a) != 0 ||
      paramsRead(ctx, "bgnbd_p_k", argv, 0, sizeof m, parseBgnbd, &m) != 0)
    return;
  if (!(isfinite(a[0]) && a[0] >= 0 && a[0] == floor(a[0]))) {
    segment_error_value(ctx,
        "bgnbd_p_k: k must be a whole number of purchases (0 or more), got %s", argv[1]);
    return;
  }
  if (checkTime(ctx, "bgnbd_p_k", "t", argv[2], a[1]) != 0) return;
  sqlite3_result_double(ctx, seg_bgnbd_p_k(&m, a[0], a[1]));
}

static void ggExpectedValueFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  seg_gg m;
  double x, avg, v;
  (void)argc;
  if (readValueHistory(ctx, "gg_expected_value", argv[1], argv[2], &x, &avg) != 0 ||
      paramsRead(ctx, "gg_expected_value", argv, 0, sizeof m, parseGg, &m) != 0)
    return;
  v = seg_gg_expected_value(&m, x, avg);
  if (v != v) infiniteValueError(ctx, "gg_expected_value", &m, argv[1], x);
  else sqlite3_result_double(ctx, v);
}

static void clvFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *const azName[3] = {"steps", "step_length", "discount_rate"};
  seg_bgnbd bg;
  seg_gg gg;
  double h[3], a[3], x, avg, v;
  (void)argc;
  if (readNumbers(ctx, "clv", argv, 2, 3, azHistory, h) != 0 ||
      readValueHistory(ctx, "clv", argv[2], argv[5], &x, &avg) != 0 ||
      readNumbers(ctx, "clv", argv, 6, 3, azName, a) != 0 ||
      paramsRead(ctx, "clv", argv, 0, sizeof bg, parseBgnbd, &bg) != 0 ||
      paramsRead(ctx, "clv", argv, 1, sizeof gg, parseGg, &gg) != 0 ||
      checkHistory(ctx, "clv", h) != 0)
    return;
  if (!(a[0] >= 1 && a[0] <= CLV_MAX_STEPS && a[0] == floor(a[0]))) {
    segment_error_value(ctx, "clv: steps must be a whole number from 1 to 10000, got %s",
                        argv[6]);
    return;
  }
  if (!(isfinite(a[1]) && a[1] > 0)) {
    segment_error_value(ctx, "clv: step_length must be a time above 0, got %s", argv[7]);
    return;
  }
  if (!(isfinite(a[2]) && a[2] >= 0)) {
    segment_error_value(ctx,
        "clv: discount_rate must be 0 or more (per step: 0.01 is 1%% a step), got %s",
        argv[8]);
    return;
  }
  if (seg_gg_expected_value(&gg, x, avg) != seg_gg_expected_value(&gg, x, avg)) {
    infiniteValueError(ctx, "clv", &gg, argv[2], x);
    return;
  }
  v = seg_clv(&bg, &gg, h[0], h[1], h[2], avg, (int)a[0], a[1], a[2]);
  if (v != v)
    seriesError(ctx, "clv", sqlite3_mprintf("the horizon (steps times step_length, %!.15g)",
                                            a[0] * a[1]), a[0] * a[1], bg.alpha + h[2], &bg);
  else sqlite3_result_double(ctx, v);
}

int segment_register_btyd(sqlite3 *db) {
  static const struct {
    const char *zName;
    int nArg;
    void (*xFunc)(sqlite3_context *, int, sqlite3_value **);
  } aScalar[] = {
      {"bgnbd_p_alive", 4, bgnbdPAliveFunc},
      {"bgnbd_expected", 5, bgnbdExpectedFunc},
      {"bgnbd_p_k", 3, bgnbdPKFunc},
      {"gg_expected_value", 3, ggExpectedValueFunc},
      {"clv", 9, clvFunc},
  };
  int rc = SQLITE_OK;
  for (int nArg = 3; rc == SQLITE_OK && nArg <= 5; nArg++)
    rc = sqlite3_create_function(db, "bgnbd_fit", nArg,
                                 SEGMENT_PURE | SQLITE_RESULT_SUBTYPE, 0, 0,
                                 bgnbdFitStep, bgnbdFitFinal);
  for (int nArg = 2; rc == SQLITE_OK && nArg <= 4; nArg++)
    rc = sqlite3_create_function(db, "gg_fit", nArg,
                                 SEGMENT_PURE | SQLITE_RESULT_SUBTYPE, 0, 0,
                                 ggFitStep, ggFitFinal);
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof(aScalar) / sizeof(aScalar[0]); i++)
    rc = sqlite3_create_function(db, aScalar[i].zName, aScalar[i].nArg,
                                 SEGMENT_PURE, 0, aScalar[i].xFunc, 0, 0);
  return rc;
}
