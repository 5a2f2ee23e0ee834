/*
** func_ab_test.c — ab_test(), an aggregate that reads an A/B test.
**
**   ab_test(variant, converted)          conversion rates and their test
**   ab_test(variant, converted, value)   ... and Welch's t-test on value
**
**     SELECT ab_test(column1, column2) FROM (VALUES
**       ('A',1),('A',0),('A',0),('A',0),('B',1),('B',1),('B',0),('B',0));
**     -- {"variants":[{"variant":"A","n":4,"conversions":1,"rate":0.25},
**     --   {"variant":"B","n":4,"conversions":2,"rate":0.5}],"skipped":0,
**     --   "test":"two-proportion z-test","difference":0.25,...}
**
**     -- Segment by segment, the p-value alone:
**     SELECT segment, ab_test(variant, bought) ->> '$.p_value'
**     FROM offer JOIN shop_rfm USING (customer_id) GROUP BY segment;
**
** variant is text or an integer (a real with an integral value counts as
** that integer); converted is 0 or 1 (true/false, '1', 1.0 too); value is
** any finite number.  A row whose variant or converted is NULL is skipped
** and counted in "skipped"; a NULL value leaves the row out of the value
** test only.  No row at all (or only skipped ones) gives NULL.  Variants are reported in sorted
** order (integers before text, text by bytes), and with two of them the
** difference is the second minus the first.
**
** The statistics are stats.h's: the pooled two-proportion z-test with an
** unpooled 95% normal interval for two variants, Pearson's chi-square test
** of independence for more, Welch's t-test on value.  What cannot be
** computed is null, with the reason in "reason"; docs/ab-tests.md lists
** every key.
*/
#include "segment.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "core/breaks.h"
#include "core/stats.h"

#ifndef SQLITE_RESULT_SUBTYPE
#define SQLITE_RESULT_SUBTYPE 0x001000000
#endif

#define AB_LEVEL 0.95          /* confidence level of the intervals */
#define AB_MIN_EXPECTED 5.0    /* Cochran's rule for the approximations */

typedef struct AbVariant {
  int bText;              /* text (zText) or integer (iValue) */
  sqlite3_int64 iValue;
  char *zText;            /* from sqlite3_malloc */
  int nText;
  sqlite3_int64 nRow;
  sqlite3_int64 nConverted;
  seg_moments value;      /* the non-NULL values */
} AbVariant;

typedef struct AbState {
  AbVariant *aVar;        /* sorted */
  int nVar, nAlloc;
  sqlite3_int64 nSkipped;
} AbState;

/* Order: integers (ascending) before text (bytes, then length). */
static int abCompare(int bText, sqlite3_int64 iValue, const char *z, int n,
                     const AbVariant *p) {
  int c;
  if (bText != p->bText) return bText ? 1 : -1;
  if (!bText) return (iValue > p->iValue) - (iValue < p->iValue);
  c = memcmp(z, p->zText, (size_t)(n < p->nText ? n : p->nText));
  return c ? c : (n > p->nText) - (n < p->nText);
}

/* Read a variant: 0 with its key, 1 for NULL, -1 for another type (a
** blob, a real with a fraction). */
static int abReadVariant(sqlite3_value *v, int *pbText, sqlite3_int64 *piValue,
                         const char **pz, int *pn) {
  *pbText = 0;
  *piValue = 0;
  *pz = NULL;
  *pn = 0;
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
      return 1;
    case SQLITE_INTEGER:
      *piValue = sqlite3_value_int64(v);
      return 0;
    case SQLITE_FLOAT: {
      double r = sqlite3_value_double(v);
      if (r != floor(r) || r < -9223372036854775808.0 || r >= 9223372036854775808.0)
        return -1;
      *piValue = (sqlite3_int64)r;
      return 0;
    }
    case SQLITE_TEXT:
      *pbText = 1;
      *pz = (const char *)sqlite3_value_text(v);
      *pn = sqlite3_value_bytes(v);
      return 0;
    default:
      return -1;
  }
}

/* The variant with this key, found or inserted in order; NULL when out of
** memory. */
static AbVariant *abVariant(AbState *p, int bText, sqlite3_int64 iValue,
                            const char *z, int n) {
  int lo = 0, hi = p->nVar;
  while (lo < hi) {
    int mid = (lo + hi) / 2, c = abCompare(bText, iValue, z, n, &p->aVar[mid]);
    if (c == 0) return &p->aVar[mid];
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  if (p->nVar == p->nAlloc) {
    int nNew = p->nAlloc ? p->nAlloc * 2 : 4;
    AbVariant *aNew = sqlite3_realloc64(p->aVar, (sqlite3_uint64)nNew * sizeof(*aNew));
    if (!aNew) return NULL;
    p->aVar = aNew;
    p->nAlloc = nNew;
  }
  {
    AbVariant var;
    memset(&var, 0, sizeof var);
    var.bText = bText;
    var.iValue = iValue;
    if (bText) {
      var.zText = sqlite3_malloc(n + 1);
      if (!var.zText) return NULL;
      memcpy(var.zText, z, (size_t)n + 1);
      var.nText = n;
    }
    memmove(&p->aVar[lo + 1], &p->aVar[lo], (size_t)(p->nVar - lo) * sizeof(AbVariant));
    p->aVar[lo] = var;
    p->nVar++;
  }
  return &p->aVar[lo];
}

static void abStep(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  AbState *p = sqlite3_aggregate_context(ctx, sizeof(*p));
  AbVariant *pVar;
  double converted = 0, value = 0;
  int rcVariant, rcConverted, rcValue = 1, bText, n;
  sqlite3_int64 iValue;
  const char *z;
  if (!p) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  rcVariant = abReadVariant(argv[0], &bText, &iValue, &z, &n);
  if (rcVariant < 0) {
    segment_error_value(ctx, "ab_test: variant must be text or an integer, got %s", argv[0]);
    return;
  }
  rcConverted = segment_value_number(argv[1], &converted);
  if (rcConverted < 0 || (rcConverted == 0 && converted != 0 && converted != 1)) {
    segment_error_value(ctx, "ab_test: converted must be 0 or 1, got %s", argv[1]);
    return;
  }
  if (argc > 2) {
    rcValue = segment_value_number(argv[2], &value);
    if (rcValue < 0) {
      segment_error_value(ctx, "ab_test: value must be a number, got %s", argv[2]);
      return;
    }
    if (rcValue == 0 && !isfinite(value)) {
      segment_error_value(ctx, "ab_test: value must be finite, got %s", argv[2]);
      return;
    }
  }
  if (rcVariant == 1 || rcConverted == 1) {
    p->nSkipped++;
    return;
  }
  if (bText && !z) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  pVar = abVariant(p, bText, iValue, z, n);
  if (!pVar) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  pVar->nRow++;
  if (converted == 1) pVar->nConverted++;
  if (rcValue == 0) seg_moments_add(&pVar->value, value);
}

/* ---- the result ------------------------------------------------------------ */

/* What the result is written with: the text, and whether a message could
** not be made (out of memory: the result is then SQLITE_NOMEM). */
typedef struct AbOut {
  sqlite3_str *pStr;
  int bNomem;
} AbOut;

static char *abMessage(AbOut *pOut, const char *zFmt, ...) {
  va_list ap;
  char *z;
  va_start(ap, zFmt);
  z = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if (!z) pOut->bNomem = 1;
  return z;
}

/* A variant as a message names it: 'A' or 2. */
static char *abVariantName(AbOut *pOut, const AbVariant *p) {
  if (!p->bText) return abMessage(pOut, "%lld", p->iValue);
  if (p->nText > 40) return abMessage(pOut, "'%.40s...'", p->zText);
  return abMessage(pOut, "'%s'", p->zText);
}

static void jsonString(AbOut *pOut, const char *z, int n) {
  sqlite3_str *s = pOut->pStr;
  sqlite3_str_appendchar(s, 1, '"');
  for (int i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if (c == '"' || c == '\\') {
      sqlite3_str_appendchar(s, 1, '\\');
      sqlite3_str_appendchar(s, 1, (char)c);
    } else if (c < 0x20) {
      sqlite3_str_appendf(s, "\\u%04x", c);
    } else {
      sqlite3_str_appendchar(s, 1, (char)c);
    }
  }
  sqlite3_str_appendchar(s, 1, '"');
}

static void jsonVariant(AbOut *pOut, const AbVariant *p) {
  if (p->bText) jsonString(pOut, p->zText, p->nText);
  else sqlite3_str_appendf(pOut->pStr, "%lld", p->iValue);
}

/* ,"key":number -- null for NaN. */
static void jsonKeyNumber(AbOut *pOut, const char *zKey, double x) {
  char z[SEG_NUMBER_MAX];
  sqlite3_str_appendf(pOut->pStr, ",\"%s\":", zKey);
  if (!isfinite(x)) {
    sqlite3_str_appendall(pOut->pStr, "null");
    return;
  }
  seg_number_format(x, z);
  sqlite3_str_appendall(pOut->pStr, z);
}

/* ,"key":"text" -- null for NULL. */
static void jsonKeyText(AbOut *pOut, const char *zKey, const char *z) {
  sqlite3_str_appendf(pOut->pStr, ",\"%s\":", zKey);
  if (z) jsonString(pOut, z, (int)strlen(z));
  else sqlite3_str_appendall(pOut->pStr, "null");
}

/* The conversion part: the test over all variants.  aCount has room for
** 2 * nVar doubles. */
static void abConversions(AbOut *pOut, const AbState *p, double *aCount) {
  char *zReason = NULL, *zWarning = NULL;
  double minExpected = INFINITY;
  if (p->nVar == 1) {
    char *zName = abVariantName(pOut, &p->aVar[0]);
    if (zName)
      zReason = abMessage(pOut, "only one variant (%s): nothing to compare", zName);
    sqlite3_free(zName);
    jsonKeyText(pOut, "test", NULL);
    jsonKeyNumber(pOut, "p_value", NAN);
  } else if (p->nVar == 2) {
    seg_two_prop r;
    const AbVariant *a = &p->aVar[0], *b = &p->aVar[1];
    seg_two_proportions((double)a->nConverted, (double)a->nRow,
                        (double)b->nConverted, (double)b->nRow, AB_LEVEL, &r);
    jsonKeyText(pOut, "test", "two-proportion z-test");
    jsonKeyNumber(pOut, "difference", r.diff);
    jsonKeyNumber(pOut, "ci_low", r.has_ci ? r.ci_low : NAN);
    jsonKeyNumber(pOut, "ci_high", r.has_ci ? r.ci_high : NAN);
    jsonKeyNumber(pOut, "z", r.has_p ? r.z : NAN);
    jsonKeyNumber(pOut, "p_value", r.has_p ? r.p_value : NAN);
    minExpected = r.min_expected;
    if (!r.has_p) {
      zReason = abMessage(pOut, "%s", a->nConverted == 0 && b->nConverted == 0
                                          ? "no row converted: nothing to compare"
                                          : "every row converted: nothing to compare");
    } else if (!r.has_ci) {
      zReason = abMessage(pOut, "both rates are 0 or 1: the normal interval has no width");
    }
  } else {
    seg_chi2_test c;
    int bNone = 1;
    for (int i = 0; i < p->nVar; i++) {
      aCount[i] = (double)p->aVar[i].nConverted;
      aCount[p->nVar + i] = (double)p->aVar[i].nRow;
      bNone = bNone && p->aVar[i].nConverted == 0;
    }
    seg_chi2_independence(aCount, aCount + p->nVar, p->nVar, &c);
    jsonKeyText(pOut, "test", "chi-square test of independence");
    jsonKeyNumber(pOut, "chi2", c.ok ? c.chi2 : NAN);
    jsonKeyNumber(pOut, "df", c.df);
    jsonKeyNumber(pOut, "p_value", c.ok ? c.p_value : NAN);
    minExpected = c.min_expected;
    if (!c.ok) {
      zReason = abMessage(pOut, "%s", bNone ? "no row converted: nothing to compare"
                                            : "every row converted: nothing to compare");
    }
  }
  if (minExpected < AB_MIN_EXPECTED && p->nVar > 1 && !zReason) {
    zWarning = abMessage(pOut,
                         "an expected count is below 5 (smallest %.3g): the "
                         "approximation is poor, prefer an exact test",
                         minExpected);
  }
  jsonKeyText(pOut, "warning", zWarning);
  jsonKeyText(pOut, "reason", zReason);
  sqlite3_free(zWarning);
  sqlite3_free(zReason);
}

/* The value part: each variant's mean and sd, and Welch's t-test. */
static void abValues(AbOut *pOut, const AbState *p) {
  char *zReason = NULL;
  sqlite3_str_appendall(pOut->pStr, ",\"value\":{\"variants\":[");
  for (int i = 0; i < p->nVar; i++) {
    const AbVariant *v = &p->aVar[i];
    sqlite3_str_appendall(pOut->pStr, i ? ",{\"variant\":" : "{\"variant\":");
    jsonVariant(pOut, v);
    sqlite3_str_appendf(pOut->pStr, ",\"n\":%lld", (sqlite3_int64)v->value.n);
    jsonKeyNumber(pOut, "mean", v->value.n > 0 ? v->value.mean : NAN);
    jsonKeyNumber(pOut, "sd", sqrt(seg_moments_variance(&v->value)));
    sqlite3_str_appendall(pOut->pStr, "}");
  }
  sqlite3_str_appendall(pOut->pStr, "]");
  if (p->nVar != 2) {
    zReason = abMessage(pOut, "the welch t-test compares two variants, got %d", p->nVar);
    jsonKeyText(pOut, "test", NULL);
    jsonKeyNumber(pOut, "p_value", NAN);
  } else {
    seg_welch_test w;
    const AbVariant *a = &p->aVar[0], *b = &p->aVar[1];
    const AbVariant *pFew = a->value.n < 2 ? a : b->value.n < 2 ? b : NULL;
    int ok = 0;
    jsonKeyText(pOut, "test", "welch t-test");
    if (pFew) {
      char *zName = abVariantName(pOut, pFew);
      if (zName)
        zReason = abMessage(pOut, "value needs at least 2 rows in each variant, %s has %lld",
                            zName, (sqlite3_int64)pFew->value.n);
      sqlite3_free(zName);
    } else {
      seg_welch(a->value.n, a->value.mean, seg_moments_variance(&a->value),
                b->value.n, b->value.mean, seg_moments_variance(&b->value),
                AB_LEVEL, &w);
      ok = w.ok;
      if (!ok) zReason = abMessage(pOut, "value does not vary within either variant");
    }
    jsonKeyNumber(pOut, "difference",
                  a->value.n > 0 && b->value.n > 0 ? b->value.mean - a->value.mean : NAN);
    jsonKeyNumber(pOut, "ci_low", ok ? w.ci_low : NAN);
    jsonKeyNumber(pOut, "ci_high", ok ? w.ci_high : NAN);
    jsonKeyNumber(pOut, "t", ok ? w.t : NAN);
    jsonKeyNumber(pOut, "df", ok ? w.df : NAN);
    jsonKeyNumber(pOut, "p_value", ok ? w.p_value : NAN);
  }
  jsonKeyText(pOut, "reason", zReason);
  sqlite3_free(zReason);
  sqlite3_str_appendall(pOut->pStr, "}");
}

static void abFinal(sqlite3_context *ctx) {
  AbState *p = sqlite3_aggregate_context(ctx, 0);
  if (!p || p->nVar == 0) {
    sqlite3_result_null(ctx); /* no row, or every row skipped */
  } else {
    AbOut out;
    double *aCount = sqlite3_malloc64(2 * sizeof(double) * (sqlite3_uint64)p->nVar);
    char *zJson;
    int rc;
    out.pStr = sqlite3_str_new(sqlite3_context_db_handle(ctx));
    out.bNomem = aCount == NULL;
    sqlite3_str_appendall(out.pStr, "{\"variants\":[");
    for (int i = 0; i < p->nVar; i++) {
      const AbVariant *v = &p->aVar[i];
      sqlite3_str_appendall(out.pStr, i ? ",{\"variant\":" : "{\"variant\":");
      jsonVariant(&out, v);
      sqlite3_str_appendf(out.pStr, ",\"n\":%lld,\"conversions\":%lld", v->nRow,
                          v->nConverted);
      jsonKeyNumber(&out, "rate", (double)v->nConverted / (double)v->nRow);
      sqlite3_str_appendall(out.pStr, "}");
    }
    sqlite3_str_appendf(out.pStr, "],\"skipped\":%lld", p->nSkipped);
    if (aCount) abConversions(&out, p, aCount);
    if (sqlite3_user_data(ctx)) abValues(&out, p);
    sqlite3_str_appendall(out.pStr, "}");
    rc = sqlite3_str_errcode(out.pStr);
    zJson = sqlite3_str_finish(out.pStr);
    if (rc != SQLITE_OK || out.bNomem || !zJson) {
      sqlite3_free(zJson);
      sqlite3_result_error_nomem(ctx);
    } else {
      sqlite3_result_text(ctx, zJson, -1, sqlite3_free);
      sqlite3_result_subtype(ctx, 'J'); /* JSON, as json1 marks it */
    }
    sqlite3_free(aCount);
  }
  if (p) {
    for (int i = 0; i < p->nVar; i++) sqlite3_free(p->aVar[i].zText);
    sqlite3_free(p->aVar);
    p->aVar = NULL;
    p->nVar = 0;
  }
}

int segment_register_ab_test(sqlite3 *db) {
  /* The user data of the 3-argument form says that it has a value. */
  static int bWithValue = 1;
  int rc = sqlite3_create_function(db, "ab_test", 2,
                                   SEGMENT_PURE | SQLITE_RESULT_SUBTYPE, 0, 0,
                                   abStep, abFinal);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "ab_test", 3,
                                 SEGMENT_PURE | SQLITE_RESULT_SUBTYPE, &bWithValue,
                                 0, abStep, abFinal);
  return rc;
}
