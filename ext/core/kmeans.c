/*
** kmeans.c — deterministic k-means; see kmeans.h for the algorithm.
**
** HOW IT WORKS
** seg_kmeans_fit sorts the rows (a merge sort of row indices, then one
** copy), standardizes them in place and hands them to fit_k() for each k
** it tries.  fit_k() runs k-means++ and Lloyd SEG_KMEANS_RESTARTS times
** (run_once), keeps the run of least inertia, renumbers its clusters in
** centroid order, counts the sizes with the same nearest-centroid code
** that seg_kmeans_nearest uses, and scores the result by silhouette.
** Every loop walks the points in sorted order, so every sum is taken in
** the same order whatever order the rows came in.
**
** Work is counted in distance terms (a point against a centroid, one
** feature); every STOP_EVERY of them the caller's stop hook is asked.
*/
#include "kmeans.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "breaks.h"
#include "jsonread.h"
#include "message.h"

#define STOP_EVERY ((uint64_t)1 << 22)

typedef double centroids[SEG_KMEANS_MAX_K][SEG_KMEANS_MAX_FEATURES];

typedef struct fit_ctx {
  const double *z; /* the sorted, standardized points */
  size_t n;
  int d;
  uint64_t rng;    /* splitmix64 state */
  int (*stop)(void *);
  void *stop_ctx;
  uint64_t work, next_check;
  int *label;      /* n: a run's labels */
  double *d2;      /* n: k-means++'s squared distances */
} fit_ctx;

/* ---- small pieces ---------------------------------------------------------- */

/* splitmix64: the seed's stream of draws. */
static uint64_t next_draw(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* A uniform double in [0, 1). */
static double next_unit(uint64_t *state) {
  return (double)(next_draw(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* Count work; 1 when the stop hook says stop. */
static int count_work(fit_ctx *c, uint64_t terms) {
  c->work += terms;
  if (c->work < c->next_check) return 0;
  c->next_check = c->work + STOP_EVERY;
  return c->stop != NULL && c->stop(c->stop_ctx) != 0;
}

static double dist2(const double *a, const double *b, int d) {
  double s = 0;
  for (int f = 0; f < d; f++) {
    double t = a[f] - b[f];
    s += t * t;
  }
  return s;
}

/* The nearest of k centroids to z; the lower index on a tie. */
static int nearest(const double *z, const centroids cent, int k, int d) {
  int best = 0;
  double best_d2 = dist2(z, cent[0], d);
  for (int c = 1; c < k; c++) {
    double t = dist2(z, cent[c], d);
    if (t < best_d2) {
      best_d2 = t;
      best = c;
    }
  }
  return best;
}

static int compare_rows(const double *a, const double *b, int d) {
  for (int f = 0; f < d; f++) {
    if (a[f] < b[f]) return -1;
    if (a[f] > b[f]) return 1;
  }
  return 0;
}

/* Sort idx[0..n) by the rows of x they point at (stable merge sort, bottom
** up, through tmp). */
static void sort_rows(size_t *idx, size_t *tmp, size_t n, const double *x,
                      int d) {
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n;
      size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi)
        tmp[o++] = compare_rows(&x[idx[j] * d], &x[idx[i] * d], d) < 0 ? idx[j++]
                                                                       : idx[i++];
      while (i < mid) tmp[o++] = idx[i++];
      while (j < hi) tmp[o++] = idx[j++];
    }
    memcpy(idx, tmp, n * sizeof *idx);
  }
}

/* ---- silhouette ------------------------------------------------------------ */

/* The mean silhouette; -2 when the stop hook said stop (c may be NULL). */
static double silhouette_of(fit_ctx *c, const double *z, size_t n, int d,
                            const int *label, int k) {
  size_t count[SEG_KMEANS_MAX_K] = {0};
  double total = 0;
  for (size_t i = 0; i < n; i++) count[label[i]]++;
  for (size_t i = 0; i < n; i++) {
    double sum[SEG_KMEANS_MAX_K] = {0}, a, b = -1, s;
    int own = label[i];
    for (size_t j = 0; j < n; j++) {
      if (j != i) sum[label[j]] += sqrt(dist2(&z[i * d], &z[j * d], d));
    }
    if (c && count_work(c, (uint64_t)n * (uint64_t)d)) return -2;
    if (count[own] < 2) continue; /* s(i) = 0 */
    a = sum[own] / (double)(count[own] - 1);
    for (int o = 0; o < k; o++) {
      if (o == own || count[o] == 0) continue;
      double mean = sum[o] / (double)count[o];
      if (b < 0 || mean < b) b = mean;
    }
    if (b < 0) continue; /* one cluster only */
    s = (a < b ? b : a) > 0 ? (b - a) / (a < b ? b : a) : 0;
    total += s;
  }
  return n ? total / (double)n : 0;
}

double seg_silhouette(const double *z, size_t n, int d, const int *label,
                      int k) {
  return silhouette_of(NULL, z, n, d, label, k);
}

/* ---- one k ------------------------------------------------------------------- */

/* k-means++ seeding and Lloyd's iterations once.  Returns 0 with cent,
** c->label, *iterations and *inertia set, or SEG_KMEANS_STOPPED. */
static int run_once(fit_ctx *c, int k, centroids cent, int *iterations,
                    double *inertia) {
  const double *z = c->z;
  size_t n = c->n, count[SEG_KMEANS_MAX_K];
  int d = c->d, it = 0;
  int *label = c->label;
  double *d2 = c->d2;
  size_t first = (size_t)(next_unit(&c->rng) * (double)n);

  /* k-means++ */
  if (first >= n) first = n - 1;
  memcpy(cent[0], &z[first * d], (size_t)d * sizeof(double));
  for (size_t i = 0; i < n; i++) d2[i] = dist2(&z[i * d], cent[0], d);
  for (int j = 1; j < k; j++) {
    double total = 0, target, acc = 0;
    size_t pick = n, last = n;
    for (size_t i = 0; i < n; i++) total += d2[i];
    target = next_unit(&c->rng) * total;
    for (size_t i = 0; i < n; i++) {
      if (d2[i] > 0) {
        acc += d2[i];
        last = i;
        if (acc > target) {
          pick = i;
          break;
        }
      }
    }
    if (pick == n) pick = last; /* rounding; never n: there are >= k distinct points */
    memcpy(cent[j], &z[pick * d], (size_t)d * sizeof(double));
    for (size_t i = 0; i < n; i++) {
      double t = dist2(&z[i * d], cent[j], d);
      if (t < d2[i]) d2[i] = t;
    }
    if (count_work(c, (uint64_t)n * (uint64_t)d)) return SEG_KMEANS_STOPPED;
  }

  /* Lloyd */
  for (size_t i = 0; i < n; i++) label[i] = -1;
  for (;;) {
    size_t changed = 0;
    double sum[SEG_KMEANS_MAX_K][SEG_KMEANS_MAX_FEATURES];
    for (size_t i = 0; i < n; i++) {
      int best = nearest(&z[i * d], (const double(*)[SEG_KMEANS_MAX_FEATURES])cent, k, d);
      if (best != label[i]) {
        label[i] = best;
        changed++;
      }
    }
    if (count_work(c, (uint64_t)n * (uint64_t)k * (uint64_t)d))
      return SEG_KMEANS_STOPPED;
    if (changed == 0 || it == SEG_KMEANS_MAX_ITER) break;
    it++;

    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++) count[label[i]]++;
    /* An empty cluster takes the point farthest from its own centroid
    ** from a cluster of two or more (none is off its centroid only when
    ** there are fewer distinct points than k; then it stays empty). */
    for (int e = 0; e < k; e++) {
      size_t far = n;
      double far_d2 = 0;
      if (count[e] != 0) continue;
      for (size_t i = 0; i < n; i++) {
        if (count[label[i]] < 2) continue;
        double t = dist2(&z[i * d], cent[label[i]], d);
        if (t > far_d2) {
          far_d2 = t;
          far = i;
        }
      }
      if (far == n) continue;
      count[label[far]]--;
      label[far] = e;
      count[e] = 1;
    }

    memset(sum, 0, sizeof sum);
    for (size_t i = 0; i < n; i++)
      for (int f = 0; f < d; f++) sum[label[i]][f] += z[i * d + f];
    for (int j = 0; j < k; j++) {
      if (count[j] == 0) continue; /* keeps its place */
      for (int f = 0; f < d; f++) cent[j][f] = sum[j][f] / (double)count[j];
    }
  }

  *iterations = it;
  *inertia = 0;
  for (size_t i = 0; i < n; i++) *inertia += dist2(&z[i * d], cent[label[i]], d);
  return 0;
}

/* The best of the restarts for this k, its clusters renumbered in centroid
** order, sizes counted by nearest centroid, and its silhouette, into m. */
static int fit_k(fit_ctx *c, int k, seg_kmeans_model *m) {
  centroids cent, best;
  double best_inertia = 0;
  int best_iterations = 0, order[SEG_KMEANS_MAX_K], rc;
  const double *z = c->z;
  size_t n = c->n;
  int d = c->d;

  for (int r = 0; r < SEG_KMEANS_RESTARTS; r++) {
    int iterations;
    double inertia;
    rc = run_once(c, k, cent, &iterations, &inertia);
    if (rc != 0) return rc;
    if (r == 0 || inertia < best_inertia) {
      best_inertia = inertia;
      best_iterations = iterations;
      memcpy(best, cent, sizeof best);
    }
  }

  /* Number the clusters in lexicographic order of their centroids. */
  for (int j = 0; j < k; j++) order[j] = j;
  for (int j = 1; j < k; j++) {
    int o = order[j], i = j - 1;
    while (i >= 0 && compare_rows(best[order[i]], best[o], d) > 0) {
      order[i + 1] = order[i];
      i--;
    }
    order[i + 1] = o;
  }
  m->k = k;
  for (int j = 0; j < k; j++) memcpy(m->centroid[j], best[order[j]], sizeof best[0]);
  m->iterations = best_iterations;

  /* Sizes, inertia and labels as seg_kmeans_nearest sees the points. */
  memset(m->size, 0, sizeof m->size);
  m->inertia = 0;
  for (size_t i = 0; i < n; i++) {
    int j = nearest(&z[i * d], (const double(*)[SEG_KMEANS_MAX_FEATURES])m->centroid, k, d);
    c->label[i] = j;
    m->size[j]++;
    m->inertia += dist2(&z[i * d], m->centroid[j], d);
  }

  /* Silhouette, on the systematic sample above SEG_KMEANS_SILHOUETTE_MAX. */
  if (n <= SEG_KMEANS_SILHOUETTE_MAX) {
    m->silhouette = silhouette_of(c, z, n, d, c->label, k);
    m->silhouette_n = n;
  } else {
    size_t ns = SEG_KMEANS_SILHOUETTE_MAX;
    double *zs = seg_malloc(ns * (size_t)d * sizeof(double));
    int *ls = seg_malloc(ns * sizeof(int));
    if (!zs || !ls) {
      seg_free(zs);
      seg_free(ls);
      return SEG_KMEANS_NOMEM;
    }
    for (size_t i = 0; i < ns; i++) {
      size_t p = (size_t)((uint64_t)i * (uint64_t)n / (uint64_t)ns);
      memcpy(&zs[i * d], &z[p * d], (size_t)d * sizeof(double));
      ls[i] = c->label[p];
    }
    m->silhouette = silhouette_of(c, zs, ns, d, ls, k);
    m->silhouette_n = ns;
    seg_free(zs);
    seg_free(ls);
  }
  return m->silhouette == -2 ? SEG_KMEANS_STOPPED : 0;
}

/* ---- the fit ------------------------------------------------------------------ */

int seg_kmeans_fit(double *x, size_t n, int d, int k, uint64_t seed,
                   seg_kmeans_model *m, int (*stop)(void *), void *stop_ctx,
                   size_t *distinct) {
  fit_ctx c;
  size_t *idx = NULL, *tmp = NULL, n_distinct;
  double *sorted = NULL;
  int rc = SEG_KMEANS_NOMEM, k_lo, k_hi;

  if (n == 0 || d < 1 || d > SEG_KMEANS_MAX_FEATURES ||
      (k != 0 && (k < 2 || k > SEG_KMEANS_MAX_K)))
    return -4;
  memset(m, 0, sizeof *m);
  memset(&c, 0, sizeof c);

  /* 1. Sort (-0 is 0 first, so that equal points are equal bits). */
  for (size_t i = 0; i < n * (size_t)d; i++)
    if (x[i] == 0) x[i] = 0;
  idx = seg_malloc(n * sizeof *idx);
  tmp = seg_malloc(n * sizeof *tmp);
  sorted = seg_malloc(n * (size_t)d * sizeof *sorted);
  c.label = seg_malloc(n * sizeof *c.label);
  c.d2 = seg_malloc(n * sizeof *c.d2);
  if (!idx || !tmp || !sorted || !c.label || !c.d2) goto done;
  for (size_t i = 0; i < n; i++) idx[i] = i;
  sort_rows(idx, tmp, n, x, d);
  for (size_t i = 0; i < n; i++)
    memcpy(&sorted[i * d], &x[idx[i] * d], (size_t)d * sizeof(double));
  memcpy(x, sorted, n * (size_t)d * sizeof(double));

  n_distinct = n ? 1 : 0;
  for (size_t i = 1; i < n; i++)
    if (compare_rows(&x[(i - 1) * d], &x[i * d], d) != 0) n_distinct++;
  if (distinct) *distinct = n_distinct;
  k_lo = k ? k : SEG_KMEANS_AUTO_MIN;
  k_hi = k ? k : SEG_KMEANS_AUTO_MAX;
  if (n_distinct < (size_t)k_lo) {
    rc = SEG_KMEANS_TOO_FEW;
    goto done;
  }
  if ((size_t)k_hi > n_distinct) k_hi = (int)n_distinct;

  /* 2. Standardize. */
  for (int f = 0; f < d; f++) {
    double sum = 0, ss = 0, lo = x[f], hi = x[f], mean, sd;
    for (size_t i = 0; i < n; i++) {
      double v = x[i * d + f];
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    mean = sum / (double)n;
    for (size_t i = 0; i < n; i++) {
      double t = x[i * d + f] - mean;
      ss += t * t;
    }
    sd = sqrt(ss / (double)n);
    if (lo == hi) {
      mean = lo; /* a constant: exactly 0 after standardizing */
      sd = 1;
    } else if (!(sd > 0) || !isfinite(sd)) {
      sd = 1;
    }
    m->mean[f] = mean;
    m->sd[f] = sd;
    for (size_t i = 0; i < n; i++) x[i * d + f] = (x[i * d + f] - mean) / sd;
  }

  /* 3-6, for each k. */
  c.z = x;
  c.n = n;
  c.d = d;
  c.rng = seed;
  c.stop = stop;
  c.stop_ctx = stop_ctx;
  c.next_check = STOP_EVERY;
  m->d = d;
  m->n = n;
  m->seed = seed;
  m->auto_k = k == 0;
  for (int j = 0; j <= SEG_KMEANS_AUTO_MAX; j++) m->silhouette_by_k[j] = NAN;
  for (int kk = k_lo; kk <= k_hi; kk++) {
    seg_kmeans_model trial = *m;
    /* Each k draws from the seed's own stream: the clusters for k = 4
    ** do not depend on whether k = 3 was tried first. */
    c.rng = seed + (uint64_t)kk * 0x632be59bd9b4e019ULL;
    rc = fit_k(&c, kk, &trial);
    if (rc != 0) goto done;
    if (k == 0) m->silhouette_by_k[kk] = trial.silhouette;
    if (kk == k_lo || trial.silhouette > m->silhouette) {
      double by_k[SEG_KMEANS_AUTO_MAX + 1];
      memcpy(by_k, m->silhouette_by_k, sizeof by_k);
      *m = trial;
      memcpy(m->silhouette_by_k, by_k, sizeof by_k);
    }
  }
  rc = 0;

done:
  seg_free(idx);
  seg_free(tmp);
  seg_free(sorted);
  seg_free(c.label);
  seg_free(c.d2);
  return rc;
}

int seg_kmeans_nearest(const seg_kmeans_model *m, const double *x) {
  double z[SEG_KMEANS_MAX_FEATURES];
  for (int f = 0; f < m->d; f++) z[f] = (x[f] - m->mean[f]) / m->sd[f];
  return nearest(z, (const double(*)[SEG_KMEANS_MAX_FEATURES])m->centroid, m->k, m->d);
}

/* ---- JSON out ------------------------------------------------------------------- */

typedef struct text {
  char *z;
  size_t n, alloc;
  int oom;
} text;

static void put(text *t, const char *z) {
  size_t len = strlen(z);
  if (t->oom) return;
  if (t->n + len + 1 > t->alloc) {
    size_t want = t->alloc ? t->alloc * 2 : 1024;
    char *p;
    while (want < t->n + len + 1) want *= 2;
    p = seg_realloc(t->z, want);
    if (!p) {
      t->oom = 1;
      return;
    }
    t->z = p;
    t->alloc = want;
  }
  memcpy(t->z + t->n, z, len + 1);
  t->n += len;
}

static void put_number(text *t, double x) {
  char buf[SEG_NUMBER_MAX];
  seg_number_format(x, buf);
  put(t, buf);
}

static void put_size(text *t, size_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
  put(t, buf);
}

static void put_numbers(text *t, const double *v, int n) {
  put(t, "[");
  for (int i = 0; i < n; i++) {
    if (i) put(t, ",");
    put_number(t, v[i]);
  }
  put(t, "]");
}

char *seg_kmeans_to_json(const seg_kmeans_model *m) {
  text t = {NULL, 0, 0, 0};
  char buf[64];
  put(&t, "{\"k\":");
  put_size(&t, (size_t)m->k);
  put(&t, ",\"sizes\":[");
  for (int j = 0; j < m->k; j++) {
    if (j) put(&t, ",");
    put_size(&t, m->size[j]);
  }
  put(&t, "],\"silhouette\":");
  put_number(&t, m->silhouette);
  if (m->auto_k) {
    int first = 1;
    put(&t, ",\"silhouette_by_k\":{");
    for (int k = SEG_KMEANS_AUTO_MIN; k <= SEG_KMEANS_AUTO_MAX; k++) {
      if (m->silhouette_by_k[k] != m->silhouette_by_k[k]) continue; /* not tried */
      snprintf(buf, sizeof buf, "%s\"%d\":", first ? "" : ",", k);
      put(&t, buf);
      put_number(&t, m->silhouette_by_k[k]);
      first = 0;
    }
    put(&t, "}");
  }
  put(&t, ",\"centroids\":[");
  for (int j = 0; j < m->k; j++) {
    double v[SEG_KMEANS_MAX_FEATURES];
    for (int f = 0; f < m->d; f++) v[f] = m->centroid[j][f] * m->sd[f] + m->mean[f];
    if (j) put(&t, ",");
    put_numbers(&t, v, m->d);
  }
  put(&t, "],\"n\":");
  put_size(&t, m->n);
  put(&t, ",\"features\":");
  put_size(&t, (size_t)m->d);
  snprintf(buf, sizeof buf, ",\"seed\":%lld", (long long)m->seed);
  put(&t, buf);
  put(&t, ",\"mean\":");
  put_numbers(&t, m->mean, m->d);
  put(&t, ",\"sd\":");
  put_numbers(&t, m->sd, m->d);
  put(&t, ",\"centroids_std\":[");
  for (int j = 0; j < m->k; j++) {
    if (j) put(&t, ",");
    put_numbers(&t, m->centroid[j], m->d);
  }
  put(&t, "],\"inertia\":");
  put_number(&t, m->inertia);
  put(&t, ",\"iterations\":");
  put_size(&t, (size_t)m->iterations);
  put(&t, ",\"restarts\":");
  put_size(&t, SEG_KMEANS_RESTARTS);
  put(&t, ",\"silhouette_points\":");
  put_size(&t, m->silhouette_n);
  put(&t, "}");
  if (t.oom) {
    seg_free(t.z);
    return NULL;
  }
  return t.z;
}

/* ---- JSON in --------------------------------------------------------------------- */

static int key_is(const char *key, size_t len, const char *want) {
  return len == strlen(want) && memcmp(key, want, len) == 0;
}

int seg_kmeans_parse(const char *z, size_t n, seg_kmeans_model *m, char *err,
                     size_t errlen) {
  seg_json j;
  int seen_k = 0, n_mean = -1, n_sd = -1, rows = -1, count;
  double k = 0;
  memset(m, 0, sizeof *m);
  seg_json_init(&j, z, n);
  if (!seg_json_accept(&j, '{')) goto syntax;
  if (!seg_json_accept(&j, '}')) {
    do {
      const char *key;
      size_t len;
      if (seg_json_key(&j, &key, &len) != 0) goto syntax;
      if (key_is(key, len, "k")) {
        if (seg_json_number(&j, &k) != 0) goto syntax;
        seen_k = 1;
      } else if (key_is(key, len, "mean") || key_is(key, len, "sd")) {
        int is_mean = key[0] == 'm';
        double *v = is_mean ? m->mean : m->sd;
        int rc = seg_json_numbers(&j, v, SEG_KMEANS_MAX_FEATURES, &count);
        if (rc != SEG_JSON_OK) goto syntax;
        if (is_mean) n_mean = count;
        else n_sd = count;
      } else if (key_is(key, len, "centroids_std")) {
        rows = 0;
        if (!seg_json_accept(&j, '[')) goto syntax;
        if (!seg_json_accept(&j, ']')) {
          do {
            int rc;
            if (rows >= SEG_KMEANS_MAX_K) {
              seg_say(err, errlen, "model has more than %d centroids", SEG_KMEANS_MAX_K);
              return -1;
            }
            rc = seg_json_numbers(&j, m->centroid[rows], SEG_KMEANS_MAX_FEATURES,
                                  &count);
            if (rc != SEG_JSON_OK) goto syntax;
            if (rows == 0) m->d = count;
            else if (count != m->d) {
              seg_say(err, errlen,
                  "model's centroids_std rows differ in length (%d, then %d)",
                  m->d, count);
              return -1;
            }
            rows++;
          } while (seg_json_accept(&j, ','));
          if (!seg_json_accept(&j, ']')) goto syntax;
        }
      } else if (seg_json_skip(&j) != 0) {
        goto syntax;
      }
    } while (seg_json_accept(&j, ','));
    if (!seg_json_accept(&j, '}')) goto syntax;
  }
  if (!seg_json_end(&j)) goto syntax;

  if (!seen_k || n_mean < 0 || n_sd < 0 || rows < 0) {
    seg_say(err, errlen, "model has no \"%s\" (expected the JSON of kmeans_fit)",
        !seen_k ? "k" : n_mean < 0 ? "mean" : n_sd < 0 ? "sd" : "centroids_std");
    return -1;
  }
  if (!(k >= 1 && k <= SEG_KMEANS_MAX_K && k == floor(k))) {
    seg_say(err, errlen, "model's k must be an integer from 1 to %d", SEG_KMEANS_MAX_K);
    return -1;
  }
  m->k = (int)k;
  if (rows != m->k) {
    seg_say(err, errlen, "model's k is %d but it has %d centroids", m->k, rows);
    return -1;
  }
  if (m->d < 1 || n_mean != m->d || n_sd != m->d) {
    seg_say(err, errlen,
        "model's mean, sd and centroids_std must have the same length (%d, %d, %d)",
        n_mean, n_sd, m->d);
    return -1;
  }
  for (int f = 0; f < m->d; f++) {
    if (!isfinite(m->mean[f]) || !isfinite(m->sd[f]) || !(m->sd[f] > 0)) {
      seg_say(err, errlen, "model's sd must be positive and finite");
      return -1;
    }
    for (int c = 0; c < m->k; c++) {
      if (!isfinite(m->centroid[c][f])) {
        seg_say(err, errlen, "model's centroids_std must be finite");
        return -1;
      }
    }
  }
  return 0;

syntax : {
  char got[48];
  size_t len = n < 40 ? n : 40;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)z[i];
    got[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
  }
  if (n > 40) memcpy(got + len, "...", 3), len += 3;
  got[len] = 0;
  seg_say(err, errlen, "model must be the JSON of kmeans_fit, got '%s'", got);
  return -1;
}
}
