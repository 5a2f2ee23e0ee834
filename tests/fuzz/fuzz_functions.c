/*
** fuzz_functions.c — libFuzzer target for the SQL functions: rfm_breaks
** (aggregate and window), rfm_score (3 and 4 arguments), segment_of (1 to
** 4 arguments, built-in and table maps), segment_map, segment_version,
** the BTYD fits and predictions, ab_test, kmeans_fit and kmeans_assign.
**
**     make fuzz                                   # every target, FUZZ_SECONDS each
**     build/fuzz/fuzz_functions -dict=tests/fuzz/functions.dict build/fuzz/corpus/functions
**     build/fuzz/fuzz_functions crash-file        # replay one input
**
** WHAT IT FEEDS
** The input is a list of up to 64 SQL values, each a tag byte and its
** payload (tag % 8):
**
**     0  NULL
**     1  INTEGER, 1 byte, signed (small numbers: scores, bins, codes)
**     2  INTEGER, 8 bytes little-endian
**     3  REAL, 8 bytes (NaN binds as NULL, as SQLite does)
**     4  TEXT, a length byte, then that many bytes (NULs and bad UTF-8 too)
**     5  BLOB, a length byte, then that many bytes
**     6  one of the interesting values below, by the next byte (NULL
**        past the end of the list)
**     7  TEXT to the end of the input
**
** The values go into a table t(i, v, b) as rows (v = value k, b = value
** k+1) and into the bound parameters of about thirty statements, each
** statement taking them from its own offset in the list: rfm_breaks over
** t as an aggregate, with constant and per-row bins, and as a window with
** sliding, growing, excluding and grouped frames (xInverse); rfm_score
** and segment_of over parameters and over t's rows (the auxdata caches);
** segment_map by name; the model fits and predictions (bgnbd_*, gg_*,
** clv), ab_test, kmeans_fit and kmeans_assign over the same values, alone
** and chained. Errors are expected and ignored.
**
** One connection serves every input: the extension's sources are linked
** into this binary and registered with sqlite3_auto_extension.  It holds
** map tables good and bad (my_map, map9, map_dup, map_badcode,
** map_nosegment, map_nocode, map_text, a view map_v, and a view loop_map
** whose rows call segment_of(545, 'loop_map')) and t, which each input empties
** first; statements are prepared once and reset after use, so nothing
** carries over from one input to the next.
**
** INVARIANTS (each failure aborts, so libFuzzer keeps the input)
**   - No sanitizer report, no leak, no statement that fails to reset.
**   - rfm_breaks as a window over a sliding frame (xInverse) gives, on
**     every row, what rfm_breaks as an aggregate gives over the same rows.
**   - A non-NULL rfm_breaks result is cut points that rfm_score accepts
**     as breaks ({"r":..,"f":..,"m":..} made of it).
**   - When rfm_score(r, f, m) is a code, segment_of(code, map) and
**     segment_of(r, f, m, map) agree (the same text, or both an error).
*/
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"

int sqlite3_segment_init(sqlite3 *db, char **pzErrMsg,
                         const sqlite3_api_routines *pApi);

#define MAX_VALUES 64

static const char *const zSchema =
    "CREATE TEMP TABLE t(i INTEGER PRIMARY KEY, v, b);"
    "CREATE TABLE my_map AS SELECT code, segment FROM segment_map('rfm11');"
    "UPDATE my_map SET segment = 'VIP' WHERE code = 555;"
    "DELETE FROM my_map WHERE code = 111;"
    "CREATE TABLE map9(code, segment);"
    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 9)"
    " INSERT INTO map9 SELECT r.i * 100 + f.i * 10 + m.i, 'R' || r.i || 'F' || f.i"
    " FROM s r, s f, s m;"
    "CREATE TABLE map_dup(code, segment);"
    "INSERT INTO map_dup VALUES (545, 'A'), (545, 'B');"
    "CREATE TABLE map_badcode(code, segment); INSERT INTO map_badcode VALUES ('x', 'A');"
    "CREATE TABLE map_nosegment(code, segment); INSERT INTO map_nosegment VALUES (545, NULL);"
    "CREATE TABLE map_nocode(segment);"
    "CREATE TABLE map_text(code, segment); INSERT INTO map_text VALUES ('545', x'00'), (5.45e2, x'00');"
    "CREATE VIEW map_v AS SELECT code, upper(segment) AS segment FROM my_map;"
    /* A map whose rows call segment_of with itself as the map. */
    "CREATE VIEW loop_map AS SELECT 545 AS code, segment_of(545, 'loop_map') AS segment;";

/* Values tag 6 picks from: map names, breaks, codes, edge numbers. */
typedef struct Pick {
  int eType;
  const char *z;
  double x;
} Pick;

static const Pick aPick[] = {
    {SQLITE_TEXT, "rfm11", 0},
    {SQLITE_TEXT, "rfm5", 0},
    {SQLITE_TEXT, "rf10", 0},
    {SQLITE_TEXT, "my_map", 0},
    {SQLITE_TEXT, "map9", 0},
    {SQLITE_TEXT, "map_dup", 0},
    {SQLITE_TEXT, "map_badcode", 0},
    {SQLITE_TEXT, "map_nosegment", 0},
    {SQLITE_TEXT, "map_nocode", 0},
    {SQLITE_TEXT, "map_text", 0},
    {SQLITE_TEXT, "map_v", 0},
    {SQLITE_TEXT, "nope", 0},
    {SQLITE_TEXT, "t", 0},
    {SQLITE_TEXT, "segment_map", 0},
    {SQLITE_TEXT, "sqlite_schema", 0},
    {SQLITE_TEXT, "RFM11", 0},
    {SQLITE_TEXT, "{\"r\":[30,60,90,180],\"f\":[1,2,3,5],\"m\":[50,100,250,500]}", 0},
    {SQLITE_TEXT, "{\"r\":[1],\"f\":[1,1,1,1,1,1,1,1],\"m\":[-1e308,0,1e308]}", 0},
    {SQLITE_TEXT, "{\"m\":[0.1],\"f\":[2],\"r\":[3]}", 0},
    {SQLITE_TEXT, "{\"r\":[1e999],\"f\":[1],\"m\":[1]}", 0},
    {SQLITE_TEXT, "{\"r\":[],\"f\":[1],\"m\":[1]}", 0},
    {SQLITE_TEXT, "[1,2,3,4]", 0},
    {SQLITE_TEXT, "545", 0},
    {SQLITE_TEXT, " 5 ", 0},
    {SQLITE_TEXT, "5.0", 0},
    {SQLITE_TEXT, "1e999", 0},
    {SQLITE_INTEGER, NULL, 545},
    {SQLITE_INTEGER, NULL, 111},
    {SQLITE_INTEGER, NULL, 999},
    {SQLITE_INTEGER, NULL, 5},
    {SQLITE_INTEGER, NULL, 9},
    {SQLITE_INTEGER, NULL, 10},
    {SQLITE_FLOAT, NULL, 5.0},
    {SQLITE_FLOAT, NULL, 545.5},
    {SQLITE_FLOAT, NULL, 1e300},
    {SQLITE_FLOAT, NULL, -1e300},
    {SQLITE_FLOAT, NULL, 2147483648.0},
    {SQLITE_FLOAT, NULL, -0.0},
    {SQLITE_FLOAT, NULL, 4.9406564584124654e-324},
    {SQLITE_FLOAT, NULL, HUGE_VAL},
    {SQLITE_FLOAT, NULL, -HUGE_VAL},
    {SQLITE_INTEGER, NULL, -9223372036854775807.0 - 1},
    {SQLITE_TEXT, "loop_map", 0},
    {SQLITE_TEXT, "{\"r\":0.243,\"alpha\":4.414,\"a\":0.793,\"b\":2.426}", 0},
    {SQLITE_TEXT, "{\"p\":6.25,\"q\":3.74,\"v\":15.44}", 0},
    {SQLITE_TEXT, "[1.5,2,-3]", 0},
    /* Append only: the inputs kept in regressions/ pick by index. */
};

/* The statements, prepared once.  ?1..?4 take values from the list. */
enum {
  S_DELETE, S_INSERT,
  S_AGG, S_AGG_BINS, S_AGG_ROWBINS, S_AGG_DISTINCT_ORDER,
  S_WIN_SLIDE, S_WIN_GROW, S_WIN_ROWBINS, S_WIN_EXCLUDE, S_WIN_GROUPS,
  S_WIN_RANGE, S_WIN_PARTITION,
  S_CHECK_SLIDE, S_CHECK_BREAKS,
  S_SCORE3, S_SCORE4, S_SCORE4_ROWS, S_SCORE4_ROWBREAKS, S_SCORE_FROM_BREAKS,
  S_OF1, S_OF2, S_OF3, S_OF4, S_OF2_ROWS, S_OF2_ROWMAP, S_OF4_ROWS,
  S_OF_AGREE,
  S_MAP, S_MAP_ALL, S_MAP_WHERE, S_VERSION,
  S_BGNBD_FIT, S_BGNBD_FIT_W, S_GG_FIT, S_P_ALIVE, S_EXPECTED, S_P_K,
  S_GG_VALUE, S_CLV, S_FIT_THEN_PREDICT,
  S_AB, S_AB_VALUE, S_KMEANS_FIT, S_KMEANS_FIT_TEXT, S_KMEANS_ASSIGN, S_KMEANS_ROUND_TRIP,
  N_STMT
};

static const char *const azSql[N_STMT] = {
    [S_DELETE] = "DELETE FROM t",
    [S_INSERT] = "INSERT INTO t(v, b) VALUES(?1, ?2)",
    [S_AGG] = "SELECT rfm_breaks(v) FROM t",
    [S_AGG_BINS] = "SELECT rfm_breaks(v, ?1) FROM t",
    [S_AGG_ROWBINS] = "SELECT rfm_breaks(v, b) FROM t",
    [S_AGG_DISTINCT_ORDER] =
        "SELECT rfm_breaks(v, ?1), rfm_breaks(b, ?2), count(*) FROM t GROUP BY typeof(v)",
    [S_WIN_SLIDE] =
        "SELECT rfm_breaks(v, ?1) OVER (ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t",
    [S_WIN_GROW] =
        "SELECT rfm_breaks(v) OVER (ORDER BY i) FROM t",
    [S_WIN_ROWBINS] =
        "SELECT rfm_breaks(v, b) OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t",
    [S_WIN_EXCLUDE] =
        "SELECT rfm_breaks(v, ?1) OVER (ORDER BY i ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING"
        " EXCLUDE CURRENT ROW) FROM t",
    [S_WIN_GROUPS] =
        "SELECT rfm_breaks(v, ?1) OVER (ORDER BY b GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW"
        " EXCLUDE TIES) FROM t",
    [S_WIN_RANGE] =
        "SELECT rfm_breaks(v) OVER (ORDER BY v RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
        " EXCLUDE GROUP) FROM t",
    [S_WIN_PARTITION] =
        "SELECT rfm_breaks(v, ?1) OVER (PARTITION BY typeof(b) ORDER BY i ROWS 1 PRECEDING),"
        " rfm_breaks(b, ?1) OVER w FROM t WINDOW w AS (ORDER BY i DESC ROWS 2 PRECEDING)",
    [S_CHECK_SLIDE] =
        "SELECT count(*) FROM (SELECT i, rfm_breaks(v, ?1) OVER (ORDER BY i ROWS BETWEEN 2"
        " PRECEDING AND CURRENT ROW) AS w FROM t) AS a WHERE w IS NOT"
        " (SELECT rfm_breaks(v, ?1) FROM t AS t2 WHERE t2.i BETWEEN a.i - 2 AND a.i)",
    [S_CHECK_BREAKS] =
        "SELECT rfm_score(1, 1, 1, json_object('r', json(?1), 'f', json(?1), 'm', json(?1)))",
    [S_SCORE3] = "SELECT rfm_score(?1, ?2, ?3)",
    [S_SCORE4] = "SELECT rfm_score(?1, ?2, ?3, ?4)",
    [S_SCORE4_ROWS] = "SELECT rfm_score(v, b, ?1, ?2) FROM t",
    [S_SCORE4_ROWBREAKS] = "SELECT rfm_score(?1, ?2, ?3, v) FROM t",
    [S_SCORE_FROM_BREAKS] =
        "WITH b AS (SELECT json_object('r', json(rfm_breaks(v, ?4)), 'f', json(rfm_breaks(v)),"
        " 'm', json(rfm_breaks(b))) AS br FROM t)"
        " SELECT rfm_score(?1, ?2, ?3, br), rfm_score(v, v, b, br) FROM b, t",
    [S_OF1] = "SELECT segment_of(?1)",
    [S_OF2] = "SELECT segment_of(?1, ?2)",
    [S_OF3] = "SELECT segment_of(?1, ?2, ?3)",
    [S_OF4] = "SELECT segment_of(?1, ?2, ?3, ?4)",
    [S_OF2_ROWS] = "SELECT segment_of(v, ?1) FROM t",
    [S_OF2_ROWMAP] = "SELECT segment_of(?1, v) FROM t",
    [S_OF4_ROWS] = "SELECT segment_of(v, b, ?1, ?2) FROM t",
    [S_OF_AGREE] =
        "SELECT segment_of(rfm_score(?1, ?2, ?3), ?4) IS segment_of(?1, ?2, ?3, ?4)",
    [S_MAP] = "SELECT * FROM segment_map(?1)",
    [S_MAP_ALL] = "SELECT map, count(*) FROM segment_map GROUP BY map",
    [S_MAP_WHERE] =
        "SELECT code, segment, map FROM segment_map WHERE map = ?1 AND code = ?2",
    [S_VERSION] = "SELECT segment_version()",
    [S_BGNBD_FIT] = "SELECT bgnbd_fit(v, b, ?1) FROM t",
    [S_BGNBD_FIT_W] = "SELECT bgnbd_fit(?1, b, v, ?2, ?3) FROM t",
    [S_GG_FIT] = "SELECT gg_fit(v, b, ?1, ?2) FROM t",
    [S_P_ALIVE] = "SELECT bgnbd_p_alive(?1, ?2, ?3, ?4)",
    [S_EXPECTED] = "SELECT bgnbd_expected(?1, ?2, ?3, ?4, ?2)",
    [S_P_K] = "SELECT bgnbd_p_k(?1, ?2, ?3)",
    [S_GG_VALUE] = "SELECT gg_expected_value(?1, ?2, ?3)",
    [S_CLV] = "SELECT clv(?1, ?2, v, b, ?3, ?4, 12, 4.0, 0.01) FROM t",
    [S_FIT_THEN_PREDICT] =
        "WITH m AS (SELECT bgnbd_fit(abs(i % 4), abs(i % 4) * 2.5, 12.0 + i) AS p,"
        " gg_fit(abs(i % 4), 10.0 + i) AS g FROM t)"
        " SELECT bgnbd_p_alive(p, ?1, ?2, ?3), bgnbd_expected(p, ?4, ?1, ?2, ?3),"
        " gg_expected_value(g, ?1, ?2) FROM m",
    [S_AB] = "SELECT ab_test(v, b) FROM t",
    [S_AB_VALUE] = "SELECT ab_test(i % 3, b, v), ab_test(?1, ?2, ?3) FROM t GROUP BY i % 2",
    [S_KMEANS_FIT] = "SELECT kmeans_fit(json_array(v, b), ?1, ?2) FROM t",
    [S_KMEANS_FIT_TEXT] = "SELECT kmeans_fit(v, ?1) FROM t",
    [S_KMEANS_ASSIGN] = "SELECT kmeans_assign(?1, ?2)",
    [S_KMEANS_ROUND_TRIP] =
        "WITH m AS (SELECT kmeans_fit(json_array(i, i * i % 7), ?1) AS m FROM t)"
        " SELECT kmeans_assign(m, json_array(?2, ?3)), kmeans_assign(m, ?2) FROM m",
};

static sqlite3 *db;
static sqlite3_stmt *aStmt[N_STMT];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  char *zErr = NULL;
  int rc;
  (void)argc, (void)argv;
  /* No lookaside: every allocation goes through ASan's allocator, and a
  ** connection costs less to open. */
  rc = sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot configure SQLite");
  rc = sqlite3_auto_extension((void (*)(void))sqlite3_segment_init);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot register the extension");
  rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                       NULL);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot open :memory:");
  rc = sqlite3_exec(db, zSchema, 0, 0, &zErr);
  FUZZ_CHECK(rc == SQLITE_OK, "cannot build the maps: %s", zErr);
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 100000);
  for (int i = 0; i < N_STMT; i++) {
    rc = sqlite3_prepare_v3(db, azSql[i], -1, SQLITE_PREPARE_PERSISTENT,
                            &aStmt[i], 0);
    FUZZ_CHECK(rc == SQLITE_OK, "cannot prepare %s: %s", azSql[i],
               sqlite3_errmsg(db));
  }
  return 0;
}

/* ---- values ----------------------------------------------------------------- */

typedef struct Value {
  int eType;
  sqlite3_int64 i;
  double x;
  const uint8_t *z; /* TEXT and BLOB: into the input, or a Pick's text */
  int n;
} Value;

static int readValues(const uint8_t *data, size_t size, Value *a) {
  fuzz_input in = {data, size};
  int n = 0;
  while (in.n > 0 && n < MAX_VALUES) {
    Value *v = &a[n++];
    int tag = fuzz_take_byte(&in) % 8;
    size_t got;
    memset(v, 0, sizeof *v);
    switch (tag) {
      case 0:
        v->eType = SQLITE_NULL;
        break;
      case 1:
        v->eType = SQLITE_INTEGER;
        v->i = (int8_t)fuzz_take_byte(&in);
        break;
      case 2:
        v->eType = SQLITE_INTEGER;
        v->i = fuzz_take_int64(&in);
        break;
      case 3:
        v->eType = SQLITE_FLOAT;
        v->x = fuzz_take_double(&in);
        break;
      case 4:
      case 5: {
        size_t len = (size_t)fuzz_take_byte(&in);
        v->eType = tag == 4 ? SQLITE_TEXT : SQLITE_BLOB;
        v->z = fuzz_take_bytes(&in, len, &got);
        v->n = (int)got;
        break;
      }
      case 6: {
        /* By index, not modulo: appending to aPick leaves the meaning of
        ** every kept input alone (an index past the end is NULL). */
        size_t iPick = (size_t)fuzz_take_byte(&in);
        const Pick *p;
        if (iPick >= sizeof aPick / sizeof aPick[0]) {
          v->eType = SQLITE_NULL;
          break;
        }
        p = &aPick[iPick];
        v->eType = p->eType;
        if (p->z) {
          v->z = (const uint8_t *)p->z;
          v->n = (int)strlen(p->z);
        }
        if (p->eType == SQLITE_INTEGER) v->i = (sqlite3_int64)p->x;
        v->x = p->x;
        break;
      }
      default:
        v->eType = SQLITE_TEXT;
        v->z = fuzz_take_bytes(&in, in.n, &got);
        v->n = (int)got;
        break;
    }
  }
  return n;
}

static void bind(sqlite3_stmt *pStmt, int iParam, const Value *v) {
  switch (v->eType) {
    case SQLITE_INTEGER: sqlite3_bind_int64(pStmt, iParam, v->i); break;
    case SQLITE_FLOAT: sqlite3_bind_double(pStmt, iParam, v->x); break;
    case SQLITE_TEXT:
      sqlite3_bind_text(pStmt, iParam, (const char *)(v->z ? v->z : (const uint8_t *)""),
                        v->n, SQLITE_TRANSIENT);
      break;
    case SQLITE_BLOB:
      sqlite3_bind_blob(pStmt, iParam, v->z ? (const void *)v->z : (const void *)"",
                        v->n, SQLITE_TRANSIENT);
      break;
    default: sqlite3_bind_null(pStmt, iParam); break;
  }
}

/* Bind statement k's parameters from the list at offset k, step it to the
** end (making every column's text), reset it.  Returns the result code of
** the last step: SQLITE_DONE, or the error. */
static int runStmt(int k, const Value *a, int n) {
  sqlite3_stmt *pStmt = aStmt[k];
  int rc, nParam = sqlite3_bind_parameter_count(pStmt);
  for (int p = 1; p <= nParam; p++) {
    if (n > 0) bind(pStmt, p, &a[(k + p - 1) % n]);
    else sqlite3_bind_null(pStmt, p);
  }
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(pStmt); i++)
      (void)sqlite3_column_text(pStmt, i);
  }
  sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  return rc;
}

/* The first column of the first row of statement k, as in runStmt; the
** text (copied with sqlite3_mprintf) or NULL, and the result code. */
static char *firstText(int k, const Value *a, int n, int *pType, int *pRc) {
  sqlite3_stmt *pStmt = aStmt[k];
  char *z = NULL;
  int rc, nParam = sqlite3_bind_parameter_count(pStmt);
  for (int p = 1; p <= nParam; p++) {
    if (n > 0) bind(pStmt, p, &a[(k + p - 1) % n]);
    else sqlite3_bind_null(pStmt, p);
  }
  *pType = SQLITE_NULL;
  rc = sqlite3_step(pStmt);
  if (rc == SQLITE_ROW) {
    *pType = sqlite3_column_type(pStmt, 0);
    if (*pType != SQLITE_NULL)
      z = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(pStmt, 0));
    while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    }
  }
  sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  *pRc = rc;
  return z;
}

/* Run statement k with the parameters given. */
static int runWith(int k, const Value *p1, const Value *p2) {
  sqlite3_stmt *pStmt = aStmt[k];
  int rc;
  bind(pStmt, 1, p1);
  if (p2) bind(pStmt, 2, p2);
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
  }
  sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Value a[MAX_VALUES];
  int n = readValues(data, size, a);
  int rc, eType;
  char *z;

  FUZZ_CHECK(runStmt(S_DELETE, a, 0) == SQLITE_DONE, "cannot empty t: %s",
             sqlite3_errmsg(db));
  for (int k = 0; k < n; k++) {
    rc = runWith(S_INSERT, &a[k], &a[(k + 1) % n]);
    FUZZ_CHECK(rc == SQLITE_DONE, "cannot fill t: %s", sqlite3_errmsg(db));
  }

  for (int k = S_AGG; k < N_STMT; k++) {
    if (k == S_CHECK_SLIDE || k == S_CHECK_BREAKS || k == S_OF_AGREE)
      continue; /* below */
    runStmt(k, a, n);
  }

  /* The sliding window (xInverse) agrees with the aggregate, row by row. */
  z = firstText(S_CHECK_SLIDE, a, n, &eType, &rc);
  FUZZ_CHECK(rc != SQLITE_DONE || (z && strcmp(z, "0") == 0),
             "rfm_breaks over a sliding window differs from the aggregate on "
             "%s rows", z ? z : "?");
  sqlite3_free(z);

  /* A non-NULL rfm_breaks result is breaks that rfm_score accepts. */
  for (int k = S_AGG; k <= S_AGG_ROWBINS; k++) {
    z = firstText(k, a, n, &eType, &rc);
    if (rc == SQLITE_DONE && z) {
      Value v;
      int rc2;
      memset(&v, 0, sizeof v);
      v.eType = SQLITE_TEXT;
      v.z = (const uint8_t *)z;
      v.n = (int)strlen(z);
      rc2 = runWith(S_CHECK_BREAKS, &v, NULL);
      FUZZ_CHECK(rc2 == SQLITE_DONE,
                 "rfm_breaks gave %s, which rfm_score refuses: %s", z,
                 sqlite3_errmsg(db));
    }
    sqlite3_free(z);
  }

  /* segment_of(rfm_score(r, f, m), map) is segment_of(r, f, m, map). */
  z = firstText(S_OF_AGREE, a, n, &eType, &rc);
  if (rc == SQLITE_DONE) {
    /* An error in either (a bad score, a bad map) ends the statement;
    ** without one, IS compares text with text and NULL with NULL. */
    FUZZ_CHECK(z && strcmp(z, "1") == 0,
               "segment_of(rfm_score(r,f,m), map) and segment_of(r,f,m,map) "
               "disagree");
  }
  sqlite3_free(z);
  return 0;
}
