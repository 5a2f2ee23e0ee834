/*
** func_kmeans.c — k-means clustering in SQL.
**
**   kmeans_fit(features [, k [, seed]])   aggregate: a model as JSON
**   kmeans_assign(model, features)        scalar: the cluster, 1..k
**
** features is a JSON array of numbers, the same ones in the same order on
** every row (json_array(...) makes it).  k is 2..20, or 0/NULL/absent to
** choose it among 3..6 by silhouette; seed (default 1) picks the k-means++
** draws.  The same rows give the same model whatever order they come in.
**
**     .load ./dist/segment
**     CREATE TEMP TABLE model AS
**     SELECT kmeans_fit(json_array(ln(1 + frequency), ln(1 + monetary), recency_days))
**            AS model FROM shop_rfm WHERE frequency > 0;
**     SELECT kmeans_assign(model, json_array(ln(1 + frequency), ln(1 + monetary),
**                                            recency_days)) AS cluster,
**            count(*), avg(recency_days), avg(frequency), avg(monetary),
**            segment_of(round(avg(r)), round(avg(f)), round(avg(m))) AS name
**     FROM shop_rfm, model WHERE frequency > 0 GROUP BY cluster;
**
** A row whose features are NULL or hold a null (ln() of a negative amount
** gives NULL) is left out of the fit, and kmeans_assign gives NULL for it.
** The algorithm and its determinism are kmeans.h's; docs/clustering.md
** shows the model's keys.
**
** kmeans_assign keeps the last model it parsed, per connection, and reuses
** it while the model text is the same byte for byte, so that assigning a
** table's rows parses the model once.
*/
#include "segment.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/jsonread.h"
#include "core/kmeans.h"

#ifndef SQLITE_RESULT_SUBTYPE
#define SQLITE_RESULT_SUBTYPE 0x001000000
#endif

#define KMEANS_DEFAULT_SEED 1

/* ---- features ---------------------------------------------------------------- */

/* Read a row's features into a[] (SEG_KMEANS_MAX_FEATURES): the count, 0
** for a row to leave out (NULL, a null inside), or -1 with the error
** reported as "<zFunc>: ...". */
static int kmeansFeatures(sqlite3_context *ctx, const char *zFunc,
                          sqlite3_value *v, double *a) {
  const char *z;
  seg_json j;
  int n = 0, rc;
  if (sqlite3_value_type(v) == SQLITE_NULL) return 0;
  if (sqlite3_value_type(v) != SQLITE_TEXT) goto not_array;
  z = (const char *)sqlite3_value_text(v);
  if (!z) {
    sqlite3_result_error_nomem(ctx);
    return -1;
  }
  seg_json_init(&j, z, (size_t)sqlite3_value_bytes(v));
  rc = seg_json_numbers(&j, a, SEG_KMEANS_MAX_FEATURES, &n);
  if (rc != SEG_JSON_SYNTAX && !seg_json_end(&j)) rc = SEG_JSON_SYNTAX;
  switch (rc) {
    case SEG_JSON_SYNTAX:
      goto not_array;
    case SEG_JSON_TOO_MANY: {
      char *zMsg = sqlite3_mprintf("%s: features has %d numbers (at most %d)",
                                   zFunc, n, SEG_KMEANS_MAX_FEATURES);
      if (zMsg) sqlite3_result_error(ctx, zMsg, -1);
      else sqlite3_result_error_nomem(ctx);
      sqlite3_free(zMsg);
      return -1;
    }
    case SEG_JSON_HAS_NULL:
      return 0;
  }
  if (n == 0) goto not_array;
  for (int i = 0; i < n; i++) {
    if (!isfinite(a[i])) {
      char zFmt[80];
      sqlite3_snprintf(sizeof zFmt, zFmt, "%s: features must be finite, got %%s", zFunc);
      segment_error_value(ctx, zFmt, v);
      return -1;
    }
  }
  return n;

not_array : {
  char zFmt[120];
  sqlite3_snprintf(sizeof zFmt, zFmt,
                   "%s: features must be a JSON array of numbers like [1.5, 3, 40], got %%s",
                   zFunc);
  segment_error_value(ctx, zFmt, v);
  return -1;
}
}

/* ---- kmeans_fit ----------------------------------------------------------------- */

typedef struct FitState {
  double *aX;            /* the points, row by row */
  sqlite3_int64 nPoint;
  sqlite3_int64 nAlloc;  /* points aX has room for */
  int nFeature;          /* 0 until the first point */
  int bArgs;             /* k and seed read */
  int bError;            /* a row was refused: the statement fails */
  int k;                 /* 0: choose */
  sqlite3_int64 iSeed;
} FitState;

/* Read k and seed; 0, or -1 with the error reported. */
static int fitReadArgs(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                       int *pK, sqlite3_int64 *pSeed) {
  double x;
  int rc;
  *pK = 0;
  *pSeed = KMEANS_DEFAULT_SEED;
  if (argc > 1) {
    rc = segment_value_number(argv[1], &x);
    if (rc < 0 || (rc == 0 && x != 0 &&
                   !(x >= 2 && x <= SEG_KMEANS_MAX_K && x == floor(x)))) {
      segment_error_value(ctx,
          "kmeans_fit: k must be 0 (choose 3 to 6 by silhouette) or an integer "
          "from 2 to 20, got %s", argv[1]);
      return -1;
    }
    if (rc == 0) *pK = (int)x;
  }
  if (argc > 2) {
    rc = segment_value_number(argv[2], &x);
    if (rc < 0 || (rc == 0 && !(x == floor(x) && x >= -9223372036854775808.0 &&
                                x < 9223372036854775808.0))) {
      segment_error_value(ctx, "kmeans_fit: seed must be an integer, got %s", argv[2]);
      return -1;
    }
    if (rc == 0) {
      *pSeed = sqlite3_value_numeric_type(argv[2]) == SQLITE_INTEGER
                   ? sqlite3_value_int64(argv[2])
                   : (sqlite3_int64)x;
    }
  }
  return 0;
}

static void fitStepRow(sqlite3_context *ctx, FitState *p, int argc,
                       sqlite3_value **argv) {
  double a[SEG_KMEANS_MAX_FEATURES];
  int k, n;
  sqlite3_int64 iSeed;
  if (fitReadArgs(ctx, argc, argv, &k, &iSeed) != 0) {
    p->bError = 1;
    return;
  }
  if (!p->bArgs) {
    p->bArgs = 1;
    p->k = k;
    p->iSeed = iSeed;
  } else if (p->k != k || p->iSeed != iSeed) {
    char *zMsg = p->k != k
        ? sqlite3_mprintf("kmeans_fit: k must be the same on every row, got %d then %d",
                          p->k, k)
        : sqlite3_mprintf("kmeans_fit: seed must be the same on every row, got %lld then %lld",
                          p->iSeed, iSeed);
    if (zMsg) sqlite3_result_error(ctx, zMsg, -1);
    else sqlite3_result_error_nomem(ctx);
    sqlite3_free(zMsg);
    p->bError = 1;
    return;
  }
  n = kmeansFeatures(ctx, "kmeans_fit", argv[0], a);
  if (n < 0) p->bError = 1;
  if (n <= 0) return;
  if (p->nFeature == 0) {
    p->nFeature = n;
  } else if (p->nFeature != n) {
    char *zMsg = sqlite3_mprintf(
        "kmeans_fit: every row must have the same number of features, got %d then %d",
        p->nFeature, n);
    if (zMsg) sqlite3_result_error(ctx, zMsg, -1);
    else sqlite3_result_error_nomem(ctx);
    sqlite3_free(zMsg);
    p->bError = 1;
    return;
  }
  if (p->nPoint == p->nAlloc) {
    sqlite3_int64 nNew = p->nAlloc ? p->nAlloc * 2 : 256;
    double *aNew = sqlite3_realloc64(
        p->aX, (sqlite3_uint64)nNew * (sqlite3_uint64)n * sizeof(double));
    if (!aNew) {
      sqlite3_result_error_nomem(ctx);
      p->bError = 1;
      return;
    }
    p->aX = aNew;
    p->nAlloc = nNew;
  }
  memcpy(&p->aX[p->nPoint * n], a, (size_t)n * sizeof(double));
  p->nPoint++;
}

static void fitStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  FitState *p = sqlite3_aggregate_context(ctx, sizeof(*p));
  if (!p) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!p->bError) fitStepRow(ctx, p, argc, argv);
}

/* Whether to stop: the core asks now and then.  Stepping a small statement
** reports a pending sqlite3_interrupt() (3.40 has no sqlite3_is_interrupted)
** and lets a progress handler run (as vtab_segments.c does). */
typedef struct FitProbe {
  sqlite3 *db;
  sqlite3_stmt *pStmt;
} FitProbe;

static int fitInterrupted(void *pCtx) {
  FitProbe *p = pCtx;
  int rc = SQLITE_OK;
  if (!p->pStmt)
    rc = sqlite3_prepare_v2(p->db,
                            "WITH RECURSIVE n(i) AS (VALUES(1) UNION ALL SELECT i + 1 "
                            "FROM n WHERE i < 64) SELECT count(*) FROM n",
                            -1, &p->pStmt, 0);
  if (rc == SQLITE_OK) {
    sqlite3_step(p->pStmt);
    rc = sqlite3_reset(p->pStmt);
  }
  return rc == SQLITE_INTERRUPT;
}

static void fitFinal(sqlite3_context *ctx) {
  FitState *p = sqlite3_aggregate_context(ctx, 0);
  seg_kmeans_model *pModel;
  FitProbe probe;
  size_t nDistinct = 0;
  int rc;
  char *zJson;
  if (!p || p->nPoint == 0 || p->bError) {
    /* No row (NULL); or a row was refused and the statement is failing
    ** already: only free. */
    sqlite3_result_null(ctx);
    if (p) sqlite3_free(p->aX);
    return;
  }
  pModel = sqlite3_malloc(sizeof(*pModel));
  if (!pModel) {
    sqlite3_result_error_nomem(ctx);
    sqlite3_free(p->aX);
    p->aX = NULL;
    return;
  }
  probe.db = sqlite3_context_db_handle(ctx);
  probe.pStmt = NULL;
  rc = seg_kmeans_fit(p->aX, (size_t)p->nPoint, p->nFeature, p->k,
                      (uint64_t)p->iSeed, pModel, fitInterrupted, &probe, &nDistinct);
  sqlite3_finalize(probe.pStmt);
  sqlite3_free(p->aX);
  p->aX = NULL;
  switch (rc) {
    case 0:
      zJson = seg_kmeans_to_json(pModel);
      if (!zJson) {
        sqlite3_result_error_nomem(ctx);
      } else {
        sqlite3_result_text(ctx, zJson, -1, SQLITE_TRANSIENT);
        sqlite3_result_subtype(ctx, 'J'); /* JSON, as json1 marks it */
      }
      seg_free(zJson);
      break;
    case SEG_KMEANS_TOO_FEW: {
      const char *zS = nDistinct == 1 ? "" : "s";
      char *zMsg = p->k
          ? sqlite3_mprintf("kmeans_fit: k is %d but there %s only %lld distinct point%s",
                            p->k, nDistinct == 1 ? "is" : "are",
                            (sqlite3_int64)nDistinct, zS)
          : sqlite3_mprintf("kmeans_fit: choosing k needs at least %d distinct points, "
                            "got %lld%s",
                            SEG_KMEANS_AUTO_MIN, (sqlite3_int64)nDistinct,
                            nDistinct == 2 ? " (pass k = 2 for two clusters)" : "");
      if (zMsg) sqlite3_result_error(ctx, zMsg, -1);
      else sqlite3_result_error_nomem(ctx);
      sqlite3_free(zMsg);
      break;
    }
    case SEG_KMEANS_STOPPED:
      sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
      break;
    default:
      sqlite3_result_error_nomem(ctx);
  }
  sqlite3_free(pModel);
}

/* ---- kmeans_assign --------------------------------------------------------------- */

/* The last model parsed on this connection (the function's user data). */
typedef struct AssignCache {
  char *zModel;          /* its text, or NULL */
  int nModel;
  seg_kmeans_model model;
} AssignCache;

static void assignCacheFree(void *p) {
  AssignCache *pCache = p;
  if (pCache) sqlite3_free(pCache->zModel);
  sqlite3_free(pCache);
}

static void assignFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  AssignCache *pCache = sqlite3_user_data(ctx);
  const char *zModel;
  int nModel, n;
  double a[SEG_KMEANS_MAX_FEATURES];
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  n = kmeansFeatures(ctx, "kmeans_assign", argv[1], a);
  if (n <= 0) return;
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    segment_error_value(ctx,
        "kmeans_assign: model must be the JSON of kmeans_fit, got %s", argv[0]);
    return;
  }
  zModel = (const char *)sqlite3_value_text(argv[0]);
  nModel = sqlite3_value_bytes(argv[0]);
  if (!zModel) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (!pCache->zModel || pCache->nModel != nModel ||
      memcmp(pCache->zModel, zModel, (size_t)nModel) != 0) {
    seg_kmeans_model model;
    char zErr[200];
    char *zCopy;
    if (seg_kmeans_parse(zModel, (size_t)nModel, &model, zErr, sizeof zErr) != 0) {
      char *zMsg = sqlite3_mprintf("kmeans_assign: %s", zErr);
      if (zMsg) sqlite3_result_error(ctx, zMsg, -1);
      else sqlite3_result_error_nomem(ctx);
      sqlite3_free(zMsg);
      return;
    }
    zCopy = sqlite3_malloc(nModel + 1);
    if (!zCopy) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    memcpy(zCopy, zModel, (size_t)nModel + 1);
    sqlite3_free(pCache->zModel);
    pCache->zModel = zCopy;
    pCache->nModel = nModel;
    pCache->model = model;
  }
  if (n != pCache->model.d) {
    char *zMsg = sqlite3_mprintf(
        "kmeans_assign: features has %d numbers but the model has %d", n,
        pCache->model.d);
    if (zMsg) sqlite3_result_error(ctx, zMsg, -1);
    else sqlite3_result_error_nomem(ctx);
    sqlite3_free(zMsg);
    return;
  }
  sqlite3_result_int(ctx, seg_kmeans_nearest(&pCache->model, a) + 1);
}

int segment_register_kmeans(sqlite3 *db) {
  AssignCache *pCache;
  int rc = SQLITE_OK;
  for (int nArg = 1; rc == SQLITE_OK && nArg <= 3; nArg++)
    rc = sqlite3_create_function(db, "kmeans_fit", nArg,
                                 SEGMENT_PURE | SQLITE_RESULT_SUBTYPE, 0, 0,
                                 fitStep, fitFinal);
  if (rc != SQLITE_OK) return rc;
  pCache = sqlite3_malloc(sizeof(*pCache));
  if (!pCache) return SQLITE_NOMEM;
  memset(pCache, 0, sizeof(*pCache));
  /* The cache is this connection's; SQLite frees it with the function. */
  return sqlite3_create_function_v2(db, "kmeans_assign", 2, SEGMENT_PURE, pCache,
                                    assignFunc, 0, 0, assignCacheFree);
}
