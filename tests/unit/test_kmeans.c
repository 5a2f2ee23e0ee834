/*
** test_kmeans.c — deterministic k-means and the JSON it reads and writes
** (ext/core/kmeans.c, ext/core/jsonread.c).
**
** What the expected values come from:
**   - hand-worked cases (four points on a line; their silhouette);
**   - the generator: blobs far apart are drawn with known labels, and the
**     clusters must be exactly those blobs;
**   - a reference written here from the definitions: every centroid is
**     the mean of its points, every point is nearest its own centroid (a
**     fixed point of Lloyd's iterations), sizes and inertia recounted,
**     the silhouette recomputed by a plain double loop;
**   - the same points in other orders: the JSON must be byte for byte the
**     same, and so must every point's cluster.
**
**   make build/unit/test_kmeans && ./build/unit/test_kmeans
*/
#include "testutil.h"
#include "../rng.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "jsonread.h"
#include "kmeans.h"

/* ---- helpers ------------------------------------------------------------- */

static double *copy_points(const double *x, size_t n, int d) {
  double *c = malloc(n * (size_t)d * sizeof *c);
  assert_non_null(c);
  memcpy(c, x, n * (size_t)d * sizeof *c);
  return c;
}

/* Shuffle the rows of x (n rows of d). */
static void shuffle_rows(double *x, size_t n, int d) {
  double tmp[SEG_KMEANS_MAX_FEATURES];
  for (size_t i = n; i > 1; i--) {
    size_t j = rng_below(i);
    memcpy(tmp, &x[(i - 1) * d], (size_t)d * sizeof(double));
    memcpy(&x[(i - 1) * d], &x[j * d], (size_t)d * sizeof(double));
    memcpy(&x[j * d], tmp, (size_t)d * sizeof(double));
  }
}

/* n points in each of `blobs` Gaussian blobs of sd 1 around centers 50
** apart in d dimensions; label[i] is the blob of row i. */
static double *make_blobs(int blobs, size_t n, int d, int *label) {
  double *x = malloc((size_t)blobs * n * (size_t)d * sizeof *x);
  assert_non_null(x);
  for (int b = 0; b < blobs; b++) {
    for (size_t i = 0; i < n; i++) {
      size_t row = (size_t)b * n + i;
      label[row] = b;
      for (int f = 0; f < d; f++)
        x[row * d + f] = rng_normal() + (f == b % d ? 50.0 * (1 + b / d) : 0) +
                         (f == 0 ? 1000 : 0) * (d > 1 ? 1 : 0);
    }
  }
  return x;
}

/* Fit a copy of x (so that x keeps its order) and return the JSON. */
static char *fit_json(const double *x, size_t n, int d, int k, uint64_t seed,
                      seg_kmeans_model *m) {
  double *work = copy_points(x, n, d);
  char *json;
  assert_int_equal(seg_kmeans_fit(work, n, d, k, seed, m, NULL, NULL, NULL), 0);
  free(work);
  json = seg_kmeans_to_json(m);
  assert_non_null(json);
  return json;
}

/* The reference checks of a fitted model against the raw points: Lloyd's
** fixed point, sizes, inertia and the silhouette from their definitions. */
static void check_model(const seg_kmeans_model *m, const double *x, size_t n,
                        int d) {
  double *z = malloc(n * (size_t)d * sizeof *z);
  int *label = malloc(n * sizeof *label);
  double sum[SEG_KMEANS_MAX_K][SEG_KMEANS_MAX_FEATURES] = {{0}};
  size_t count[SEG_KMEANS_MAX_K] = {0};
  double inertia = 0, sil = 0;
  assert_non_null(z);
  assert_non_null(label);
  /* Mean and population sd of each feature. */
  for (int f = 0; f < d; f++) {
    double mean = 0, ss = 0;
    for (size_t i = 0; i < n; i++) mean += x[i * d + f];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) ss += (x[i * d + f] - mean) * (x[i * d + f] - mean);
    assert_double_near(mean, m->mean[f], 1e-9 * (1 + fabs(mean)));
    if (ss == 0) {
      assert_double_near(1, m->sd[f], 0); /* a constant feature */
    } else {
      assert_double_near(sqrt(ss / (double)n), m->sd[f], 1e-9 * sqrt(ss / (double)n));
    }
  }
  for (size_t i = 0; i < n; i++) {
    int best = -1;
    double best_d2 = 0;
    for (int f = 0; f < d; f++) z[i * d + f] = (x[i * d + f] - m->mean[f]) / m->sd[f];
    for (int c = 0; c < m->k; c++) {
      double s = 0;
      for (int f = 0; f < d; f++) {
        double t = z[i * d + f] - m->centroid[c][f];
        s += t * t;
      }
      if (best < 0 || s < best_d2) best = c, best_d2 = s;
    }
    label[i] = best;
    assert_int_equal(seg_kmeans_nearest(m, &x[i * d]), best);
    count[best]++;
    inertia += best_d2;
    for (int f = 0; f < d; f++) sum[best][f] += z[i * d + f];
  }
  for (int c = 0; c < m->k; c++) {
    assert_int_equal(count[c], m->size[c]);
    for (int f = 0; f < d; f++)
      assert_double_near(sum[c][f] / (double)count[c], m->centroid[c][f], 1e-9);
    /* Numbered in centroid order. */
    if (c > 0) assert_true(m->centroid[c - 1][0] <= m->centroid[c][0]);
  }
  assert_double_near(inertia, m->inertia, 1e-9 * (1 + inertia));
  if (n <= SEG_KMEANS_SILHOUETTE_MAX) {
    for (size_t i = 0; i < n; i++) {
      double own = 0, other[SEG_KMEANS_MAX_K] = {0}, b = -1, a;
      for (size_t j = 0; j < n; j++) {
        double s = 0;
        for (int f = 0; f < d; f++)
          s += (z[i * d + f] - z[j * d + f]) * (z[i * d + f] - z[j * d + f]);
        if (label[j] == label[i]) own += sqrt(s);
        else other[label[j]] += sqrt(s);
      }
      if (count[label[i]] < 2) continue;
      a = own / (double)(count[label[i]] - 1);
      for (int c = 0; c < m->k; c++)
        if (c != label[i] && count[c] && (b < 0 || other[c] / (double)count[c] < b))
          b = other[c] / (double)count[c];
      sil += (b - a) / (a > b ? a : b);
    }
    assert_double_near(sil / (double)n, m->silhouette, 1e-9);
    assert_int_equal(m->silhouette_n, n);
  }
  free(z);
  free(label);
}

/* ---- hand-worked ---------------------------------------------------------------- */

/* Four points on a line, 0 1 10 11, k = 2: clusters {0,1} and {10,11}
** (centroids 0.5 and 10.5).  Standardized with mean 5.5 and population sd
** sqrt((5.5^2 + 4.5^2 + 4.5^2 + 5.5^2)/4) = sqrt(25.25).  Silhouette
** (scale does not matter): for 0, a = 1 and b = (10 + 11)/2 = 10.5,
** s = 9.5/10.5; for 1, a = 1, b = (9 + 10)/2 = 9.5, s = 8.5/9.5; 10 and 11
** mirror them.  Mean (19/21 + 17/19)/2 = 359/399 = 0.899749. */
static void test_four_points(void **state) {
  double x[] = {10, 0, 11, 1};
  seg_kmeans_model m;
  (void)state;
  assert_int_equal(seg_kmeans_fit(x, 4, 1, 2, 1, &m, NULL, NULL, NULL), 0);
  assert_int_equal(m.k, 2);
  assert_int_equal(m.n, 4);
  assert_double_near(5.5, m.mean[0], 0);
  assert_double_near(sqrt(25.25), m.sd[0], 1e-15);
  assert_double_near((0.5 - 5.5) / sqrt(25.25), m.centroid[0][0], 1e-15);
  assert_double_near((10.5 - 5.5) / sqrt(25.25), m.centroid[1][0], 1e-15);
  assert_int_equal(m.size[0], 2);
  assert_int_equal(m.size[1], 2);
  assert_double_near(359.0 / 399.0, m.silhouette, 1e-15);
  /* Inertia: four points 0.5 from their centroid, squared and scaled:
  ** 4 * 0.25 / 25.25. */
  assert_double_near(1.0 / 25.25, m.inertia, 1e-15);
  {
    double p[1] = {4.9}, q[1] = {6.1};
    assert_int_equal(seg_kmeans_nearest(&m, p), 0);
    assert_int_equal(seg_kmeans_nearest(&m, q), 1);
  }
}

/* The silhouette by hand: clusters {0, 2} and {6} on a line.  For 0:
** a = 2, b = 6, s = 4/6; for 2: a = 2, b = 4, s = 2/4; for 6 (alone): 0.
** Mean (2/3 + 1/2 + 0)/3 = 7/18. */
static void test_silhouette_by_hand(void **state) {
  double z[] = {0, 2, 6};
  int label[] = {0, 0, 1};
  int one[] = {0, 0, 0};
  (void)state;
  assert_double_near(7.0 / 18.0, seg_silhouette(z, 3, 1, label, 2), 1e-15);
  assert_double_near(0, seg_silhouette(z, 3, 1, one, 1), 0);
}

/* ---- recovery ------------------------------------------------------------------------ */

/* Three blobs far apart in 3 dimensions, 150 points each: k = 3 finds them
** exactly (every cluster is one blob), and k = 0 chooses 3. */
static void test_blobs_recovered(void **state) {
  enum { B = 3, N = 150, D = 3 };
  int truth[B * N];
  double *x;
  seg_kmeans_model m;
  char *json;
  (void)state;
  rng_state = 11;
  x = make_blobs(B, N, D, truth);
  for (int k = 0; k <= 3; k += 3) {
    int blob_of[SEG_KMEANS_MAX_K];
    json = fit_json(x, B * N, D, k, 7, &m);
    assert_int_equal(m.k, 3);
    check_model(&m, x, B * N, D);
    for (int c = 0; c < 3; c++) blob_of[c] = -1;
    for (size_t i = 0; i < B * N; i++) {
      int c = seg_kmeans_nearest(&m, &x[i * D]);
      if (blob_of[c] < 0) blob_of[c] = truth[i];
      assert_int_equal(blob_of[c], truth[i]);
      assert_int_equal(m.size[c], N);
    }
    assert_true(m.silhouette > 0.9);
    assert_int_equal(m.auto_k, k == 0);
    if (k == 0) {
      /* Tried 3..6, 3 the best. */
      for (int kk = 4; kk <= 6; kk++) assert_true(m.silhouette_by_k[kk] < m.silhouette);
      assert_non_null(strstr(json, "\"silhouette_by_k\":{\"3\":"));
    } else {
      assert_null(strstr(json, "silhouette_by_k"));
    }
    seg_free(json);
  }
  free(x);
}

/* Five blobs: k = 0 chooses 5. */
static void test_auto_chooses_five(void **state) {
  enum { B = 5, N = 60, D = 2 };
  int truth[B * N];
  double *x;
  seg_kmeans_model m;
  (void)state;
  rng_state = 12;
  x = make_blobs(B, N, D, truth);
  seg_free(fit_json(x, B * N, D, 0, 1, &m));
  assert_int_equal(m.k, 5);
  check_model(&m, x, B * N, D);
  free(x);
}

/* ---- order independence ------------------------------------------------------------ */

/* Overlapping, messy data (no true clusters, duplicates, ties, -0, a
** constant feature): any row order gives the same JSON byte for byte and
** the same cluster for every point, for several k and seeds. */
static void test_row_order_does_not_matter(void **state) {
  enum { N = 700, D = 4 };
  double *x = malloc(N * D * sizeof *x), *y;
  (void)state;
  assert_non_null(x);
  rng_state = 13;
  for (size_t i = 0; i < N; i++) {
    x[i * D + 0] = (double)rng_below(6);                /* many ties */
    x[i * D + 1] = log1p(rng_unit() * 1000);           /* skewed */
    x[i * D + 2] = rng_below(10) == 0 ? -0.0 : rng_normal() * 30;
    x[i * D + 3] = 42;                                 /* constant */
  }
  memcpy(&x[10 * D], &x[20 * D], D * sizeof *x);       /* duplicates */
  memcpy(&x[30 * D], &x[20 * D], D * sizeof *x);
  for (int k = 0; k <= 5; k += 5) {
    for (uint64_t seed = 1; seed <= 2; seed++) {
      seg_kmeans_model m, m2;
      char *json = fit_json(x, N, D, k, seed, &m);
      check_model(&m, x, N, D);
      assert_double_near(42, m.mean[3], 0);
      assert_double_near(1, m.sd[3], 0);
      y = copy_points(x, N, D);
      for (int round = 0; round < 3; round++) {
        char *again;
        if (round == 0) {
          /* reversed */
          for (size_t i = 0; i < N / 2; i++)
            for (int f = 0; f < D; f++) {
              double t = y[i * D + f];
              y[i * D + f] = y[(N - 1 - i) * D + f];
              y[(N - 1 - i) * D + f] = t;
            }
        } else {
          shuffle_rows(y, N, D);
        }
        /* -0 and 0 are the same point. */
        for (size_t i = 0; i < N; i++)
          if (y[i * D + 2] == 0) y[i * D + 2] = round % 2 ? 0.0 : -0.0;
        again = fit_json(y, N, D, k, seed, &m2);
        assert_string_equal(json, again);
        for (size_t i = 0; i < N; i++)
          assert_int_equal(seg_kmeans_nearest(&m, &y[i * D]),
                           seg_kmeans_nearest(&m2, &y[i * D]));
        seg_free(again);
      }
      free(y);
      seg_free(json);
    }
  }
  free(x);
}

/* ---- limits and errors ----------------------------------------------------------------- */

static void test_too_few_and_bad_arguments(void **state) {
  double x[] = {1, 1, 2, 2, 1, 3};
  seg_kmeans_model m;
  size_t distinct = 0;
  (void)state;
  /* 6 points, 3 distinct. */
  assert_int_equal(seg_kmeans_fit(x, 6, 1, 4, 1, &m, NULL, NULL, &distinct),
                   SEG_KMEANS_TOO_FEW);
  assert_int_equal(distinct, 3);
  assert_int_equal(seg_kmeans_fit(x, 6, 1, 3, 1, &m, NULL, NULL, &distinct), 0);
  assert_int_equal(m.size[0] + m.size[1] + m.size[2], 6);
  assert_int_equal(m.size[0], 3); /* the three 1s */
  {
    double two[] = {5, 5, 7};
    assert_int_equal(seg_kmeans_fit(two, 3, 1, 0, 1, &m, NULL, NULL, &distinct),
                     SEG_KMEANS_TOO_FEW);
    assert_int_equal(distinct, 2);
  }
  {
    /* Automatic with 4 distinct points tries k = 3 and 4 only. */
    double four[] = {0, 1, 10, 11, 0, 11};
    assert_int_equal(seg_kmeans_fit(four, 6, 1, 0, 1, &m, NULL, NULL, NULL), 0);
    assert_true(m.silhouette_by_k[3] == m.silhouette_by_k[3]);
    assert_true(m.silhouette_by_k[4] == m.silhouette_by_k[4]);
    assert_true(m.silhouette_by_k[5] != m.silhouette_by_k[5]); /* NaN: not tried */
  }
  assert_int_equal(seg_kmeans_fit(x, 0, 1, 2, 1, &m, NULL, NULL, NULL), -4);
  assert_int_equal(seg_kmeans_fit(x, 6, 0, 2, 1, &m, NULL, NULL, NULL), -4);
  assert_int_equal(seg_kmeans_fit(x, 6, 17, 2, 1, &m, NULL, NULL, NULL), -4);
  assert_int_equal(seg_kmeans_fit(x, 6, 1, 1, 1, &m, NULL, NULL, NULL), -4);
  assert_int_equal(seg_kmeans_fit(x, 6, 1, 21, 1, &m, NULL, NULL, NULL), -4);
}

static int stop_now(void *ctx) {
  (*(int *)ctx)++;
  return 1;
}

/* Above SEG_KMEANS_SILHOUETTE_MAX points the silhouette is computed on a
** sample of that many; the stop hook ends the work. */
static void test_large_sample_and_stop(void **state) {
  enum { B = 3, N = 2000, D = 2 };
  int *truth = malloc(B * N * sizeof *truth), asked = 0;
  double *x;
  seg_kmeans_model m;
  (void)state;
  assert_non_null(truth);
  rng_state = 14;
  x = make_blobs(B, N, D, truth);
  seg_free(fit_json(x, B * N, D, 3, 1, &m));
  assert_int_equal(m.silhouette_n, SEG_KMEANS_SILHOUETTE_MAX);
  assert_true(m.silhouette > 0.9);
  check_model(&m, x, B * N, D);
  assert_int_equal(seg_kmeans_fit(x, B * N, D, 0, 1, &m, stop_now, &asked, NULL),
                   SEG_KMEANS_STOPPED);
  assert_int_equal(asked, 1);
  free(x);
  free(truth);
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void test_json_numbers(void **state) {
  seg_json j;
  double v[4];
  int n;
  (void)state;
  seg_json_init(&j, " [ 1.5, -3e2 ,0,40 ] ", 21);
  assert_int_equal(seg_json_numbers(&j, v, 4, &n), SEG_JSON_OK);
  assert_true(seg_json_end(&j));
  assert_int_equal(n, 4);
  assert_double_near(1.5, v[0], 0);
  assert_double_near(-300, v[1], 0);
  assert_double_near(40, v[3], 0);
  seg_json_init(&j, "[1,null,2]", 10);
  assert_int_equal(seg_json_numbers(&j, v, 4, &n), SEG_JSON_HAS_NULL);
  assert_int_equal(n, 3);
  seg_json_init(&j, "[1,2,3,4,5]", 11);
  assert_int_equal(seg_json_numbers(&j, v, 4, &n), SEG_JSON_TOO_MANY);
  assert_int_equal(n, 5);
  seg_json_init(&j, "[]", 2);
  assert_int_equal(seg_json_numbers(&j, v, 4, &n), SEG_JSON_OK);
  assert_int_equal(n, 0);
  {
    static const char *const bad[] = {"", "[", "[1,]", "[01]", "[1.]", "[.5]",
                                      "[1 2]", "['1']", "[\"1\"]", "{}", "[nul]",
                                      "[1e]", "[-]", "[+1]", "1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      seg_json_init(&j, bad[i], strlen(bad[i]));
      assert_int_equal(seg_json_numbers(&j, v, 4, &n), SEG_JSON_SYNTAX);
    }
  }
  /* Skipping values of every kind, nested. */
  {
    const char *z = "{\"a\":[1,{\"b\":\"x\\\"]\"},true,false,null],\"c\":-0.5e-3}";
    const char *key;
    size_t len;
    seg_json_init(&j, z, strlen(z));
    assert_true(seg_json_accept(&j, '{'));
    assert_int_equal(seg_json_key(&j, &key, &len), 0);
    assert_int_equal(len, 1);
    assert_int_equal(seg_json_skip(&j), 0);
    assert_true(seg_json_accept(&j, ','));
    assert_int_equal(seg_json_key(&j, &key, &len), 0);
    assert_int_equal(key[0], 'c');
    assert_int_equal(seg_json_number(&j, &v[0]), 0);
    assert_double_near(-0.0005, v[0], 0);
    assert_true(seg_json_accept(&j, '}'));
    assert_true(seg_json_end(&j));
  }
  /* Nesting deeper than the skipper's bound is refused, not recursed. */
  {
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    seg_json_init(&j, deep, 200);
    assert_int_equal(seg_json_skip(&j), SEG_JSON_SYNTAX);
  }
}

/* The model survives its JSON bit for bit. */
static void test_model_round_trip(void **state) {
  enum { B = 4, N = 50, D = 3 };
  int truth[B * N];
  double *x;
  seg_kmeans_model m, back;
  char err[200], *json;
  (void)state;
  rng_state = 15;
  x = make_blobs(B, N, D, truth);
  json = fit_json(x, B * N, D, 0, 3, &m);
  assert_int_equal(seg_kmeans_parse(json, strlen(json), &back, err, sizeof err), 0);
  assert_int_equal(back.k, m.k);
  assert_int_equal(back.d, D);
  assert_memory_equal(back.mean, m.mean, D * sizeof(double));
  assert_memory_equal(back.sd, m.sd, D * sizeof(double));
  for (int c = 0; c < m.k; c++)
    assert_memory_equal(back.centroid[c], m.centroid[c], D * sizeof(double));
  for (size_t i = 0; i < B * N; i++)
    assert_int_equal(seg_kmeans_nearest(&back, &x[i * D]),
                     seg_kmeans_nearest(&m, &x[i * D]));
  seg_free(json);
  free(x);
}

static void test_model_parse_errors(void **state) {
  static const struct {
    const char *z, *err;
  } cases[] = {
      {"nope", "model must be the JSON of kmeans_fit, got 'nope'"},
      {"{\"k\":2,\"mean\":[1],\"sd\":[1],\"centroids_std\":[[0],[1]]} x",
       "model must be the JSON of kmeans_fit, got '{\"k\":2,\"mean\":[1],\"sd\":[1],\"centroids_st...'"},
      {"{\"mean\":[1],\"sd\":[1],\"centroids_std\":[[0]]}",
       "model has no \"k\" (expected the JSON of kmeans_fit)"},
      {"{\"k\":1,\"sd\":[1],\"centroids_std\":[[0]]}",
       "model has no \"mean\" (expected the JSON of kmeans_fit)"},
      {"{\"k\":2,\"mean\":[1],\"sd\":[1],\"centroids_std\":[[0]]}",
       "model's k is 2 but it has 1 centroids"},
      {"{\"k\":1.5,\"mean\":[1],\"sd\":[1],\"centroids_std\":[[0]]}",
       "model's k must be an integer from 1 to 20"},
      {"{\"k\":1,\"mean\":[1,2],\"sd\":[1],\"centroids_std\":[[0]]}",
       "model's mean, sd and centroids_std must have the same length (2, 1, 1)"},
      {"{\"k\":2,\"mean\":[1],\"sd\":[1],\"centroids_std\":[[0],[1,2]]}",
       "model's centroids_std rows differ in length (1, then 2)"},
      {"{\"k\":1,\"mean\":[1],\"sd\":[0],\"centroids_std\":[[0]]}",
       "model's sd must be positive and finite"},
      {"{\"k\":1,\"mean\":[1],\"sd\":[1],\"centroids_std\":[[1e999]]}",
       "model's centroids_std must be finite"},
  };
  seg_kmeans_model m;
  char err[200];
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    err[0] = 0;
    assert_int_equal(seg_kmeans_parse(cases[i].z, strlen(cases[i].z), &m, err,
                                      sizeof err),
                     -1);
    assert_string_equal(err, cases[i].err);
  }
  /* Unknown keys are skipped; a hand-made model works. */
  {
    const char *z = "{\"note\":{\"x\":[1,\"a\"]},\"k\":2,\"mean\":[10],\"sd\":[2],"
                    "\"centroids_std\":[[-1],[1]]}";
    double p[1] = {10.5};
    assert_int_equal(seg_kmeans_parse(z, strlen(z), &m, err, sizeof err), 0);
    /* (10.5 - 10)/2 = 0.25: nearer 1 than -1. */
    assert_int_equal(seg_kmeans_nearest(&m, p), 1);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_four_points),
      cmocka_unit_test(test_silhouette_by_hand),
      cmocka_unit_test(test_blobs_recovered),
      cmocka_unit_test(test_auto_chooses_five),
      cmocka_unit_test(test_row_order_does_not_matter),
      cmocka_unit_test(test_too_few_and_bad_arguments),
      cmocka_unit_test(test_large_sample_and_stop),
      cmocka_unit_test(test_json_numbers),
      cmocka_unit_test(test_model_round_trip),
      cmocka_unit_test(test_model_parse_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
