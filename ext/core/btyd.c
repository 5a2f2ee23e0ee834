/*
** btyd.c — BG/NBD, Gamma-Gamma and CLV; see btyd.h for the models.
**
** HOW IT WORKS
**
** Special functions.  log Gamma, digamma and trigamma shift their argument
** above 10 with the recurrences and then sum the asymptotic (Stirling)
** series; the C library's lgamma is not used because it writes the global
** signgam, which is not safe in a threaded host.  2F1 is its power series,
** after Euler's transformation when a + b > c; the incomplete beta is
** Lentz's continued fraction.
**
** Conditional expectation (FHL 2005 eq. 10).  With A = r+x, C = a+b+x-1,
** z = t/(alpha+T+t) and L = ln(1-z), Euler's transformation turns
**   C/(a-1) [1 - (1-z)^A 2F1(A, b+x; C; z)]
** into
**   C (1 - (1-z)^(a-1))/(a-1)  -  (1-z)^(a-1) (C-A) S(C-A, a-1, C, z)
** where S is the series of 2F1 after its first term, divided by its
** factor (a'b'/c'): S = sum_{n>=1} (a'+1)_{n-1} (b'+1)_{n-1} / ((c'+1)_{n-1} n!) z^n.
** Nothing is divided by a-1 or by C any more, so a = 1 (where the textbook
** formula is 0/0) and a+b+x-1 = 0 are ordinary points; the first part is
** -expm1((a-1)L)/(a-1), exact to the last bits for any a.
**
** Fitting.  The rows are grouped first (group_records: a hash table
** counts identical rows, the distinct ones are sorted and equal histories
** merged); the distinct x values and the distinct times (t_x and T
** together) are numbered, so that one evaluation computes the lgamma,
** digamma and trigamma terms once per distinct x, ln(alpha + t) and
** 1/(alpha + t) once per distinct time, and per row only one exp and one
** log1p (the log-sum-exp of the two terms of the likelihood).  Each
** evaluation returns the log-likelihood, its gradient and its Hessian.
** The optimizer (newton_minimize) works on theta = ln(parameters): damped
** Newton steps (H + mu I) d = -g, solved by Cholesky, at most 3 in any
** coordinate; a step is taken when the objective falls (or stays level
** within rounding while the gradient shrinks), mu shrinks after a success
** and grows after a failure.  It starts from a point set by the data's
** scale; when that does not converge it restarts from three more and
** keeps the best.
*/
#include "btyd.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "breaks.h" /* seg_number_format */
#include "jsonread.h"
#include "message.h"
#include "stats.h" /* seg_beta_inc_xy */

/* The fits read their rows as arrays of doubles (see group_records). */
typedef char bgnbd_obs_is_4_doubles[sizeof(seg_bgnbd_obs) == 4 * sizeof(double) ? 1 : -1];
typedef char gg_obs_is_3_doubles[sizeof(seg_gg_obs) == 3 * sizeof(double) ? 1 : -1];

/* ---- messages ------------------------------------------------------------ */

/* A number as messages show it: the shortest text that reads back, or
** Inf, -Inf, NaN. */
static const char *num(double v, char out[SEG_NUMBER_MAX]) {
  if (v != v) return strcpy(out, "NaN");
  if (v - v != 0) return strcpy(out, v > 0 ? "Inf" : "-Inf");
  seg_number_format(v, out);
  return out;
}

/* ---- special functions ------------------------------------------------------ */

#define LN_SQRT_2PI 0.91893853320467274178

double seg_lgamma(double x) {
  double shift = 0, prod = 1, ix, ix2;
  if (!(x > 0)) return NAN; /* (and x += 1 would never reach 10 from -1e300) */
  if (x == 1 || x == 2) return 0; /* exactly: P(X(t) = 0) at t = 0 is then 1 */
  if (x < 10) {
    while (x < 10) {
      prod *= x;
      x += 1;
    }
    shift = log(prod);
  }
  ix = 1 / x;
  ix2 = ix * ix;
  /* Bernoulli terms B_2k / (2k (2k-1) x^(2k-1)), k = 1..8 */
  return (x - 0.5) * log(x) - x + LN_SQRT_2PI - shift +
         ix * (1.0 / 12 - ix2 * (1.0 / 360 - ix2 * (1.0 / 1260 - ix2 * (
             1.0 / 1680 - ix2 * (1.0 / 1188 - ix2 * (691.0 / 360360 - ix2 * (
             1.0 / 156 - ix2 * 3617.0 / 122400)))))));
}

double seg_digamma(double x) {
  double acc = 0, ix2;
  if (!(x > 0)) return NAN;
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  ix2 = 1 / (x * x);
  return acc + log(x) - 0.5 / x -
         ix2 * (1.0 / 12 - ix2 * (1.0 / 120 - ix2 * (1.0 / 252 - ix2 * (
             1.0 / 240 - ix2 * (1.0 / 132 - ix2 * (691.0 / 32760 - ix2 / 12.0))))));
}

double seg_trigamma(double x) {
  double acc = 0, ix, ix2;
  if (!(x > 0)) return NAN;
  while (x < 10) {
    acc += 1 / (x * x);
    x += 1;
  }
  ix = 1 / x;
  ix2 = ix * ix;
  return acc + ix + 0.5 * ix2 +
         ix * ix2 * (1.0 / 6 - ix2 * (1.0 / 30 - ix2 * (1.0 / 42 - ix2 * (
             1.0 / 30 - ix2 * (5.0 / 66 - ix2 * (691.0 / 2730 - ix2 * 7.0 / 6))))));
}

static double lbeta(double a, double b) {
  return seg_lgamma(a) + seg_lgamma(b) - seg_lgamma(a + b);
}

/* sup over n >= m of |u+n| / (v+n), for v+m > 0: while u+n < 0 the ratio
** falls as n grows, after that it moves monotonically towards 1, so the
** sup is the larger of its value at m and 1. */
static double ratio_bound(double u, double v, double m) {
  double at = fabs(u + m) / (v + m);
  return at > 1 ? at : 1;
}

/* S(a, b, c, z) = sum_{n>=1} (a+1)_{n-1} (b+1)_{n-1} / ((c+1)_{n-1} n!) z^n,
** so that 2F1(a, b; c; z) = 1 + (a b / c) S.  For 0 <= z < 1 and c > -1.
** Summed until a bound on the rest of the series, from the largest ratio
** of consecutive terms still to come, is below 1e-17 of the sum.  NaN
** for z above SEG_HYP2F1_ZMAX, on overflow, or after SEG_HYP2F1_MAX_TERMS
** terms (large parameters with z near 1: BG/NBD's a = 100 at z = 0.9999
** would need 1.3 million).  The bound holds for negative a and b too, so
** a series whose terms fall fast from the start (a large negative a with
** a small z) ends after a few terms. */
static double hyp_series_tail(double a, double b, double c, double z) {
  double term = z, sum = z;
  if (z == 0) return 0;
  if (z > SEG_HYP2F1_ZMAX) return NAN;
  for (long n = 1; n < SEG_HYP2F1_MAX_TERMS; n++) {
    double m = (double)n;
    term *= (a + m) * (b + m) / ((c + m) * (m + 1)) * z;
    sum += term;
    if (!isfinite(sum)) return NAN;
    if (term == 0) return sum; /* a terminating series, or underflow */
    if (c + m + 1 > 0) {
      double rho1 = ratio_bound(a, c, m + 1) * ratio_bound(b, 1, m + 1);
      double rho2 = ratio_bound(b, c, m + 1) * ratio_bound(a, 1, m + 1);
      double rho = z * (rho1 < rho2 ? rho1 : rho2);
      if (rho < 1 && fabs(term) * rho / (1 - rho) <= 1e-17 * fabs(sum)) return sum;
    }
  }
  return NAN;
}

static double hyp2f1_direct(double a, double b, double c, double z) {
  if (a == 0 || b == 0) return 1;
  return 1 + a * b / c * hyp_series_tail(a, b, c, z);
}

double seg_hyp2f1(double a, double b, double c, double z) {
  if (a + b > c) return pow(1 - z, c - a - b) * hyp2f1_direct(c - a, c - b, c, z);
  return hyp2f1_direct(a, b, c, z);
}

/* ---- checks ------------------------------------------------------------------ */

static int whole_count(double x) { return isfinite(x) && x >= 0 && x == floor(x); }

int seg_bgnbd_check(double x, double t_x, double T, char *err, size_t errlen) {
  char a[SEG_NUMBER_MAX], b[SEG_NUMBER_MAX];
  if (!whole_count(x)) {
    seg_say(err, errlen, "x must be a whole number of repeat purchases (0 or more), got %s",
        num(x, a));
    return -1;
  }
  if (!isfinite(t_x) || t_x < 0) {
    seg_say(err, errlen, "t_x must be a time of 0 or more, got %s", num(t_x, a));
    return -1;
  }
  if (!isfinite(T) || T < 0) {
    seg_say(err, errlen, "T must be a time of 0 or more, got %s", num(T, a));
    return -1;
  }
  if (t_x > T) {
    seg_say(err, errlen, "t_x must not exceed T, got t_x %s and T %s", num(t_x, a),
        num(T, b));
    return -1;
  }
  if (x == 0 && t_x != 0) {
    seg_say(err, errlen, "t_x must be 0 when x is 0 (no repeat purchase), got t_x %s",
        num(t_x, a));
    return -1;
  }
  if (x > 0 && t_x == 0) {
    seg_say(err, errlen,
        "t_x must be above 0 when x is above 0 (the time from the first to the"
        " last purchase), got x %s and t_x 0", num(x, a));
    return -1;
  }
  return 0;
}

int seg_gg_check(double x, double avg_value, char *err, size_t errlen) {
  char a[SEG_NUMBER_MAX];
  if (!whole_count(x)) {
    seg_say(err, errlen, "x must be a whole number of repeat purchases (0 or more), got %s",
        num(x, a));
    return -1;
  }
  if (x > 0 && !(isfinite(avg_value) && avg_value > 0)) {
    seg_say(err, errlen,
        "avg_value must be above 0 when x is above 0 (the mean value of the"
        " repeat purchases), got %s", num(avg_value, a));
    return -1;
  }
  return 0;
}

int seg_btyd_check_weight(double weight, char *err, size_t errlen) {
  char a[SEG_NUMBER_MAX];
  if (isfinite(weight) && weight >= 0) return 0;
  seg_say(err, errlen, "weight must be a number of customers (0 or more), got %s",
      num(weight, a));
  return -1;
}

int seg_btyd_check_penalizer(double penalizer, char *err, size_t errlen) {
  char a[SEG_NUMBER_MAX];
  if (isfinite(penalizer) && penalizer >= 0) return 0;
  seg_say(err, errlen, "penalizer must be 0 or more (0: no penalty), got %s",
      num(penalizer, a));
  return -1;
}

/* ---- the optimizer ------------------------------------------------------------ */

#define MAX_PARAMS 4
#define GRADIENT_TOL 1e-7     /* converged: max |gradient| in theta, per customer */
#define MIN_CURVATURE 1e-5    /* ... and the Hessian's eigenvalues above this */
#define THETA_LIMIT 30.0      /* |ln parameter| beyond this: ran off (1e-13..1e13) */
#define MAX_STEPS 200
#define MAX_STEP 3.0          /* largest change of one ln parameter per step */

/* The log-likelihood at natural parameters p, with its gradient g and
** Hessian h (n x n, row-major). */
typedef void (*loglik_fn)(void *ctx, const double *p, double *ll, double *g,
                          double *h);

typedef struct problem {
  int n;                   /* number of parameters */
  loglik_fn loglik;
  void *ctx;
  double weight;           /* sum of the weights */
  double penalizer;
  double scale[MAX_PARAMS];/* parameter i enters the penalty as scale[i] * p_i */
} problem;

/* The objective at theta: F = -ll / weight + penalizer * sum (scale p)^2,
** with gradient and Hessian in theta.  Also returns ll. */
static double objective(const problem *pb, const double *theta, double *g,
                        double *h, double *ll_out) {
  double p[MAX_PARAMS] = {0}, gp[MAX_PARAMS], hp[MAX_PARAMS * MAX_PARAMS], ll;
  double f;
  int n = pb->n;
  for (int i = 0; i < n; i++) p[i] = exp(theta[i]);
  pb->loglik(pb->ctx, p, &ll, gp, hp);
  f = -ll / pb->weight;
  for (int i = 0; i < n; i++) {
    double s2 = pb->scale[i] * pb->scale[i];
    f += pb->penalizer * s2 * p[i] * p[i];
    gp[i] = -gp[i] / pb->weight + 2 * pb->penalizer * s2 * p[i];
    for (int j = 0; j < n; j++) hp[i * n + j] = -hp[i * n + j] / pb->weight;
    hp[i * n + i] += 2 * pb->penalizer * s2;
  }
  /* d/dtheta_i = p_i d/dp_i;  d2/dtheta_i dtheta_j = p_i p_j H_ij + [i=j] p_i g_i */
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) h[i * n + j] = p[i] * p[j] * hp[i * n + j];
    g[i] = p[i] * gp[i];
    h[i * n + i] += g[i];
  }
  *ll_out = ll;
  return f;
}

/* Solve (h + mu I) d = -g by Cholesky; 0, or -1 when not positive definite. */
static int damped_solve(int n, const double *h, double mu, const double *g,
                        double *d) {
  double l[MAX_PARAMS * MAX_PARAMS], y[MAX_PARAMS];
  for (int i = 0; i < n; i++) {
    for (int j = 0; j <= i; j++) {
      double s = h[i * n + j] + (i == j ? mu : 0);
      for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (!(s > 0)) return -1;
        l[i * n + i] = sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  for (int i = 0; i < n; i++) {
    double s = -g[i];
    for (int k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  for (int i = n - 1; i >= 0; i--) {
    double s = y[i];
    for (int k = i + 1; k < n; k++) s -= l[k * n + i] * d[k];
    d[i] = s / l[i * n + i];
  }
  return 0;
}

static double max_abs(const double *v, int n) {
  double m = 0;
  for (int i = 0; i < n; i++)
    if (fabs(v[i]) > m) m = fabs(v[i]);
  return m;
}

typedef struct optimum {
  double theta[MAX_PARAMS];
  double f, ll;
  int converged, steps;
} optimum;

/* Minimize the objective from theta0 (see the file's header). */
static void newton_minimize(const problem *pb, const double *theta0,
                            optimum *out) {
  int n = pb->n;
  double theta[MAX_PARAMS], g[MAX_PARAMS], h[MAX_PARAMS * MAX_PARAMS];
  double f, ll, mu = 0;
  int steps = 0, off = 0;
  memcpy(theta, theta0, sizeof(double) * (size_t)n);
  f = objective(pb, theta, g, h, &ll);
  while (steps < MAX_STEPS && isfinite(f) && max_abs(g, n) > GRADIENT_TOL) {
    double d[MAX_PARAMS], trial[MAX_PARAMS], gt[MAX_PARAMS];
    double ht[MAX_PARAMS * MAX_PARAMS], ft, llt, big = 0, hscale = 1;
    for (int i = 0; i < n; i++)
      if (fabs(h[i * n + i]) > hscale) hscale = fabs(h[i * n + i]);
    /* mu's limits are relative to hscale, and compared as mu / hscale: with
    ** a curvature near DBL_MAX, 1e12 * hscale is infinite and mu, grown
    ** to infinity, would never pass it. */
    if (!isfinite(hscale)) break;
    if (damped_solve(n, h, mu, g, d) != 0) {
      mu = mu > 0 ? mu * 10 : 1e-6 * hscale;
      if (mu / hscale > 1e12) break;
      continue;
    }
    big = max_abs(d, n);
    for (int i = 0; i < n; i++) {
      trial[i] = theta[i] + (big > MAX_STEP ? d[i] * MAX_STEP / big : d[i]);
      if (trial[i] > THETA_LIMIT) trial[i] = THETA_LIMIT;
      if (trial[i] < -THETA_LIMIT) trial[i] = -THETA_LIMIT;
    }
    ft = objective(pb, trial, gt, ht, &llt);
    if (isfinite(ft) &&
        (ft < f || (ft <= f + 1e-15 * fabs(f) && max_abs(gt, n) < max_abs(g, n)))) {
      memcpy(theta, trial, sizeof(double) * (size_t)n);
      memcpy(g, gt, sizeof g);
      memcpy(h, ht, sizeof h);
      f = ft;
      ll = llt;
      steps++;
      mu = mu / hscale > 1e-9 ? mu / 10 : 0;
      if (max_abs(theta, n) >= THETA_LIMIT) {
        off = 1; /* ran off towards 0 or infinity */
        break;
      }
    } else {
      mu = mu > 0 ? mu * 10 : 1e-4 * hscale;
      if (mu / hscale > 1e12) break; /* no step lowers it: as low as it goes */
    }
  }
  memcpy(out->theta, theta, sizeof(double) * (size_t)n);
  out->f = f;
  out->ll = ll;
  out->steps = steps;
  /* A maximum inside: the gradient vanished and the objective curves up
  ** in every direction.  Where the likelihood only levels off towards a
  ** limit (an estimate running off to 0 or infinity) the gradient
  ** vanishes too, but the curvature along that direction is as small as
  ** the gradient itself. */
  {
    double d[MAX_PARAMS];
    out->converged = !off && isfinite(f) && max_abs(g, n) <= GRADIENT_TOL &&
                     damped_solve(n, h, -MIN_CURVATURE, g, d) == 0;
  }
}

/* Minimize from each start in turn until one converges; the best
** converged optimum (or the best of all when none did). */
static void minimize_with_restarts(const problem *pb, double starts[][MAX_PARAMS],
                                   int nstart, optimum *best) {
  int steps = 0;
  best->converged = -1;
  for (int s = 0; s < nstart; s++) {
    optimum o;
    newton_minimize(pb, starts[s], &o);
    steps += o.steps;
    if (best->converged < 0 || (o.converged && !best->converged) ||
        (o.converged == best->converged && o.f < best->f))
      *best = o;
    if (best->converged) break;
  }
  best->steps = steps;
}

/* ---- grouping rows ------------------------------------------------------------ */

/* Rows are records of `width` doubles: the history, then the weight last.
** They are compared field by field (lexicographically). */

static int record_cmp(const double *a, const double *b, int width) {
  for (int k = 0; k < width; k++)
    if (a[k] != b[k]) return a[k] < b[k] ? -1 : 1;
  return 0;
}

static void record_swap(double *a, double *b, int width) {
  for (int k = 0; k < width; k++) {
    double t = a[k];
    a[k] = b[k];
    b[k] = t;
  }
}

static void insertion_sort(double *a, size_t n, int width) {
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && record_cmp(a + (j - 1) * width, a + j * width, width) > 0; j--)
      record_swap(a + (j - 1) * width, a + j * width, width);
}

static void sift_down(double *a, size_t root, size_t n, int width) {
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && record_cmp(a + child * width, a + (child + 1) * width, width) < 0)
      child++;
    if (record_cmp(a + root * width, a + child * width, width) >= 0) return;
    record_swap(a + root * width, a + child * width, width);
    root = child;
  }
}

static void heap_sort(double *a, size_t n, int width) {
  for (size_t i = n / 2; i-- > 0;) sift_down(a, i, n, width);
  for (size_t i = n; i-- > 1;) {
    record_swap(a, a + i * width, width);
    sift_down(a, 0, i, width);
  }
}

/* Introsort: quicksort (median of three, Hoare partition) that switches to
** heap sort when it recurses too deep, insertion sort for short runs.  The
** C library's qsort is several times slower here (an indirect call per
** comparison, and a merge buffer). */
static void sort_records_depth(double *a, size_t n, int width, int depth) {
  while (n > 16) {
    size_t mid = n / 2, i, j;
    double *lo = a, *m = a + mid * width, *hi = a + (n - 1) * width;
    double pivot[5];
    if (depth-- == 0) {
      heap_sort(a, n, width);
      return;
    }
    if (record_cmp(m, lo, width) < 0) record_swap(m, lo, width);
    if (record_cmp(hi, m, width) < 0) {
      record_swap(hi, m, width);
      if (record_cmp(m, lo, width) < 0) record_swap(m, lo, width);
    }
    memcpy(pivot, m, sizeof(double) * (size_t)width);
    i = 0;
    j = n - 1;
    for (;;) {
      while (record_cmp(a + i * width, pivot, width) < 0) i++;
      while (record_cmp(a + j * width, pivot, width) > 0) j--;
      if (i >= j) break;
      record_swap(a + i * width, a + j * width, width);
      i++;
      j--;
    }
    /* [0, j] <= pivot <= [j+1, n): recurse on the smaller part */
    if (j + 1 < n - j - 1) {
      sort_records_depth(a, j + 1, width, depth);
      a += (j + 1) * width;
      n -= j + 1;
    } else {
      sort_records_depth(a + (j + 1) * width, n - j - 1, width, depth);
      n = j + 1;
    }
  }
  insertion_sort(a, n, width);
}

static void sort_records(double *a, size_t n, int width) {
  int depth = 0;
  for (size_t k = n; k > 1; k >>= 1) depth += 2;
  sort_records_depth(a, n, width, depth);
}

static uint64_t record_hash(const double *r, int width) {
  uint64_t h = 0x243f6a8885a308d3ULL;
  for (int k = 0; k < width; k++) {
    uint64_t bits;
    double v = r[k] + 0.0; /* -0.0 hashes as 0.0 */
    memcpy(&bits, &v, sizeof bits);
    h = (h ^ bits) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  }
  return h ^ (h >> 32);
}

/* Merge the rows of a[0..n) with positive weight that have the same
** history: a[0..*m) receives the distinct histories in ascending order,
** each with the total weight of its rows.  0 or SEG_BTYD_NOMEM.
**
** Identical rows (weight included) are first counted in a hash table that
** holds the rows themselves (so a probe does not reach back into the big
** array), and only the distinct rows are sorted.  When the rows turn out
** to be mostly distinct (more than n/8 + 512 kinds: times not rounded,
** money amounts) the table is dropped and all rows are sorted.  Equal
** histories with different weights are merged in sorted order, so the
** sums, and the fit, do not depend on the order of the rows. */
static int group_records(double *a, size_t n, int width, size_t *m_out) {
  size_t stride = (size_t)width + 1; /* a row, then its count */
  size_t cap = 1024, used = 0, m = 0;
  double *tab = seg_malloc(cap * stride * sizeof(double));
  int hashed = 1;
  if (!tab) return SEG_BTYD_NOMEM;
  for (size_t s = 0; s < cap; s++) tab[s * stride + width] = 0;
  for (size_t i = 0; i < n && hashed; i++) {
    const double *row = a + i * width;
    size_t h;
    if (!(row[width - 1] > 0)) continue;
    if (2 * (used + 1) > cap) { /* keep the table at most half full */
      double *bigger;
      if (used + 1 > n / 8 + 512) {
        hashed = 0;
        break;
      }
      bigger = seg_malloc(2 * cap * stride * sizeof(double));
      if (!bigger) {
        seg_free(tab);
        return SEG_BTYD_NOMEM;
      }
      for (size_t s = 0; s < 2 * cap; s++) bigger[s * stride + width] = 0;
      for (size_t s = 0; s < cap; s++) {
        const double *e = tab + s * stride;
        if (e[width] == 0) continue;
        h = (size_t)record_hash(e, width) & (2 * cap - 1);
        while (bigger[h * stride + width] != 0) h = (h + 1) & (2 * cap - 1);
        memcpy(bigger + h * stride, e, stride * sizeof(double));
      }
      seg_free(tab);
      tab = bigger;
      cap *= 2;
    }
    h = (size_t)record_hash(row, width) & (cap - 1);
    while (tab[h * stride + width] != 0 && record_cmp(tab + h * stride, row, width) != 0)
      h = (h + 1) & (cap - 1);
    if (tab[h * stride + width] == 0) {
      memcpy(tab + h * stride, row, (size_t)width * sizeof(double));
      used++;
    }
    tab[h * stride + width] += 1;
  }
  if (hashed) { /* each kind of row once, its weight times its count */
    for (size_t s = 0; s < cap; s++) {
      const double *e = tab + s * stride;
      if (e[width] == 0) continue;
      memcpy(a + m * width, e, (size_t)width * sizeof(double));
      a[m * width + width - 1] *= e[width];
      m++;
    }
  } else { /* every row with a positive weight */
    for (size_t i = 0; i < n; i++) {
      if (!(a[i * width + width - 1] > 0)) continue;
      if (m != i) memcpy(a + m * width, a + i * width, (size_t)width * sizeof(double));
      m++;
    }
  }
  seg_free(tab);
  sort_records(a, m, width);
  n = m;
  m = 0;
  for (size_t i = 0; i < n; i++) {
    double *row = a + i * width;
    if (m > 0 && record_cmp(a + (m - 1) * width, row, width - 1) == 0) {
      a[(m - 1) * width + width - 1] += row[width - 1];
    } else {
      if (m != i) memcpy(a + m * width, row, sizeof(double) * (size_t)width);
      m++;
    }
  }
  *m_out = m;
  return 0;
}

/* ---- BG/NBD: the data, grouped ------------------------------------------------ */

/* The index of v in the sorted, distinct a[0..n) (v is there). */
static int find_value(const double *a, int n, double v) {
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

typedef struct bg_row {
  int ix;          /* index of x in xs */
  int it;          /* index of t_x in ts */
  int iT;          /* index of T in ts */
  double w;
} bg_row;

typedef struct bg_data {
  bg_row *rows;
  int nrow;
  double *xs, *xw;  /* distinct x values, ascending, and their total weights */
  int nx;
  double *ts;       /* distinct times (t_x and T), ascending */
  int nt;
  double *scratch;  /* per-evaluation tables: 2 nt + 2 nx */
  double weight, sum_wx, sum_wT, Tmax;
} bg_data;

static void bg_data_free(bg_data *d) {
  seg_free(d->rows);
  seg_free(d->xs);
  seg_free(d->ts);
  seg_free(d->scratch);
}

/* Group obs into d (obs keeps the merged rows at its start).  0 or
** SEG_BTYD_NOMEM. */
static int bg_data_build(seg_bgnbd_obs *obs, size_t n, bg_data *d) {
  size_t m = 0;
  memset(d, 0, sizeof(*d));
  if (group_records((double *)obs, n, 4, &m) != 0) return SEG_BTYD_NOMEM;
  if (m == 0) return 0;
  if (m > 0x7fffffff / 2) return SEG_BTYD_NOMEM;
  d->nrow = (int)m;
  d->rows = seg_malloc(m * sizeof(bg_row));
  d->xs = seg_malloc(2 * m * sizeof(double));
  d->ts = seg_malloc(2 * m * sizeof(double));
  if (!d->rows || !d->xs || !d->ts) return SEG_BTYD_NOMEM;
  d->xw = d->xs + m;
  /* distinct x (obs is sorted by x) */
  for (size_t i = 0; i < m; i++) {
    if (d->nx == 0 || d->xs[d->nx - 1] != obs[i].x) {
      d->xs[d->nx] = obs[i].x;
      d->xw[d->nx++] = 0;
    }
    d->xw[d->nx - 1] += obs[i].weight;
    d->rows[i].ix = d->nx - 1;
    d->rows[i].w = obs[i].weight;
    d->weight += obs[i].weight;
    d->sum_wx += obs[i].weight * obs[i].x;
    d->sum_wT += obs[i].weight * obs[i].T;
    if (obs[i].T > d->Tmax) d->Tmax = obs[i].T;
    d->ts[2 * i] = obs[i].t_x;
    d->ts[2 * i + 1] = obs[i].T;
  }
  /* distinct times */
  sort_records(d->ts, 2 * m, 1);
  for (size_t i = 0; i < 2 * m; i++)
    if (d->nt == 0 || d->ts[d->nt - 1] != d->ts[i]) d->ts[d->nt++] = d->ts[i];
  for (size_t i = 0; i < m; i++) {
    d->rows[i].it = find_value(d->ts, d->nt, obs[i].t_x);
    d->rows[i].iT = find_value(d->ts, d->nt, obs[i].T);
  }
  d->scratch = seg_malloc((size_t)(2 * d->nt + 2 * d->nx) * sizeof(double));
  if (!d->scratch) return SEG_BTYD_NOMEM;
  return 0;
}

/* The BG/NBD log-likelihood of the grouped data at p = (r, alpha, a, b),
** with gradient and Hessian (see the file's header). */
static void bg_loglik(void *ctx, const double *p, double *ll_out, double *g,
                      double *h) {
  const bg_data *d = ctx;
  double r = p[0], al = p[1], a = p[2], b = p[3];
  double *lt = d->scratch, *it = lt + d->nt, *xc = it + d->nt, *xib = xc + d->nx;
  double ll = 0, g_r = 0, g_al = 0, g_a = 0, g_b = 0;
  double h_rr = 0, h_ral = 0, h_ra = 0, h_rb = 0, h_alal = 0, h_ala = 0,
         h_alb = 0, h_aa = 0, h_ab = 0, h_bb = 0;
  /* sums over the rows with x > 0, to multiply by 1/a etc. at the end */
  double s_w4 = 0, s_w4ib = 0, s_w4ib2 = 0, s_c = 0, s_cd0 = 0, s_cd1 = 0,
         s_cib = 0, s_cib2 = 0, s_cd0ib = 0, s_cd1ib = 0;
  double lg_r = seg_lgamma(r), dg_r = seg_digamma(r), tg_r = seg_trigamma(r);
  double lg_b = seg_lgamma(b), dg_b = seg_digamma(b), tg_b = seg_trigamma(b);
  double lg_ab = seg_lgamma(a + b), dg_ab = seg_digamma(a + b),
         tg_ab = seg_trigamma(a + b);
  double ln_al = log(al), ln_a = log(a);

  for (int k = 0; k < d->nt; k++) {
    lt[k] = log(al + d->ts[k]);
    it[k] = 1 / (al + d->ts[k]);
  }
  /* The terms that depend on x alone: A1 + A2 of FHL's note 004. */
  for (int k = 0; k < d->nx; k++) {
    double x = d->xs[k], w = d->xw[k];
    double rx = r + x, bx = b + x, abx = a + b + x;
    double dg_rx = seg_digamma(rx), dg_bx = seg_digamma(bx), dg_abx = seg_digamma(abx);
    double tg_rx = seg_trigamma(rx), tg_bx = seg_trigamma(bx), tg_abx = seg_trigamma(abx);
    ll += w * (seg_lgamma(rx) - lg_r + r * ln_al + lg_ab + seg_lgamma(bx) - lg_b -
               seg_lgamma(abx));
    g_r += w * (dg_rx - dg_r + ln_al);
    g_al += w * r / al;
    g_a += w * (dg_ab - dg_abx);
    g_b += w * (dg_ab + dg_bx - dg_b - dg_abx);
    h_rr += w * (tg_rx - tg_r);
    h_ral += w / al;
    h_alal -= w * r / (al * al);
    h_aa += w * (tg_ab - tg_abx);
    h_ab += w * (tg_ab - tg_abx);
    h_bb += w * (tg_ab + tg_bx - tg_b - tg_abx);
    if (x > 0) {
      xc[k] = ln_a - log(b + x - 1);
      xib[k] = 1 / (b + x - 1);
    }
  }
  /* The log-sum-exp of A3 = -(r+x) ln(alpha+T) and, when x > 0,
  ** A4 = ln a - ln(b+x-1) - (r+x) ln(alpha+t_x). */
  for (int i = 0; i < d->nrow; i++) {
    const bg_row *row = &d->rows[i];
    double w = row->w, x = d->xs[row->ix], k = r + x;
    double lT = lt[row->iT], iT = it[row->iT];
    double ltx, itx, ib, a3, a4, e, lse, w3, w4, c, d0, d1;
    if (x == 0) {
      ll -= w * k * lT;
      g_r -= w * lT;
      g_al -= w * k * iT;
      h_ral -= w * iT;
      h_alal += w * k * iT * iT;
      continue;
    }
    ltx = lt[row->it];
    itx = it[row->it];
    ib = xib[row->ix];
    a3 = -k * lT;
    a4 = xc[row->ix] - k * ltx;
    if (a3 >= a4) {
      e = exp(a4 - a3);
      lse = a3 + log1p(e);
      w3 = 1 / (1 + e);
      w4 = e * w3;
    } else {
      e = exp(a3 - a4);
      lse = a4 + log1p(e);
      w4 = 1 / (1 + e);
      w3 = e * w4;
    }
    ll += w * lse;
    /* gradient: w3 dA3 + w4 dA4, dA3 = (-lT, -k iT, 0, 0),
    ** dA4 = (-ltx, -k itx, 1/a, -ib) */
    g_r -= w * (w3 * lT + w4 * ltx);
    g_al -= w * k * (w3 * iT + w4 * itx);
    s_w4 += w * w4;
    s_w4ib += w * w4 * ib;
    /* Hessian: w3 H3 + w4 H4 + w3 w4 (dA3 - dA4)(dA3 - dA4)' with
    ** dA3 - dA4 = (d0, d1, -1/a, ib) */
    h_ral -= w * (w3 * iT + w4 * itx);
    h_alal += w * k * (w3 * iT * iT + w4 * itx * itx);
    s_w4ib2 += w * w4 * ib * ib;
    c = w * w3 * w4;
    d0 = ltx - lT;
    d1 = -k * (iT - itx);
    h_rr += c * d0 * d0;
    h_ral += c * d0 * d1;
    h_alal += c * d1 * d1;
    s_c += c;
    s_cd0 += c * d0;
    s_cd1 += c * d1;
    s_cib += c * ib;
    s_cib2 += c * ib * ib;
    s_cd0ib += c * d0 * ib;
    s_cd1ib += c * d1 * ib;
  }
  g_a += s_w4 / a;
  g_b -= s_w4ib;
  h_ra -= s_cd0 / a;
  h_rb += s_cd0ib;
  h_ala -= s_cd1 / a;
  h_alb += s_cd1ib;
  h_aa += (s_c - s_w4) / (a * a);
  h_ab -= s_cib / a;
  h_bb += s_w4ib2 + s_cib2;

  *ll_out = ll;
  g[0] = g_r; g[1] = g_al; g[2] = g_a; g[3] = g_b;
  h[0] = h_rr;  h[1] = h_ral;  h[2] = h_ra;  h[3] = h_rb;
  h[4] = h_ral; h[5] = h_alal; h[6] = h_ala; h[7] = h_alb;
  h[8] = h_ra;  h[9] = h_ala;  h[10] = h_aa; h[11] = h_ab;
  h[12] = h_rb; h[13] = h_alb; h[14] = h_ab; h[15] = h_bb;
}

/* The reason a set of customers cannot be fitted, or 0. */
static int cannot_fit(const char *what, size_t ndistinct, double weight,
                      double repeat_weight, char *err, size_t errlen) {
  char w[SEG_NUMBER_MAX];
  if (repeat_weight == 0) {
    seg_say(err, errlen,
        "cannot fit: no repeat buyers (x is 0 for all %s customers); the"
        " model needs customers with x above 0", num(weight, w));
    return SEG_BTYD_ERROR;
  }
  if (ndistinct == 1 && weight == 1) {
    seg_say(err, errlen,
        "cannot fit one customer; the model estimates how customers differ"
        " and needs many of them");
    return SEG_BTYD_ERROR;
  }
  if (ndistinct == 1) {
    seg_say(err, errlen,
        "cannot fit: all %s customers have the same %s; the model estimates"
        " how customers differ", num(weight, w), what);
    return SEG_BTYD_ERROR;
  }
  return 0;
}

int seg_bgnbd_fit(seg_bgnbd_obs *obs, size_t n, double penalizer,
                  seg_bgnbd *out, seg_fit_info *info, char *err,
                  size_t errlen) {
  bg_data d;
  problem pb;
  optimum best;
  double starts[4][MAX_PARAMS], al0;
  int rc = bg_data_build(obs, n, &d);
  if (rc == 0 && d.nrow == 0) rc = 1;
  if (rc == 0) rc = cannot_fit("x, t_x and T", (size_t)d.nrow, d.weight,
                               d.sum_wx, err, errlen);
  if (rc != 0) {
    bg_data_free(&d);
    return rc;
  }
  pb.n = 4;
  pb.loglik = bg_loglik;
  pb.ctx = &d;
  pb.weight = d.weight;
  pb.penalizer = penalizer;
  pb.scale[0] = pb.scale[2] = pb.scale[3] = 1;
  pb.scale[1] = 1 / d.Tmax;
  /* r = 1 and alpha so that the mean rate r / alpha is the observed rate
  ** of repeat purchases; then other shapes at the same rate. */
  al0 = log(d.sum_wT / d.sum_wx);
  {
    static const double shape[4][3] = {
        {0, 0, 0}, {-1.5, -1, 1.5}, {1, 1, -1}, {-3, -2, 3}}; /* ln r, ln a, ln b */
    for (int s = 0; s < 4; s++) {
      starts[s][0] = shape[s][0];
      starts[s][1] = al0 + shape[s][0];
      starts[s][2] = shape[s][1];
      starts[s][3] = shape[s][2];
    }
  }
  minimize_with_restarts(&pb, starts, 4, &best);
  out->r = exp(best.theta[0]);
  out->alpha = exp(best.theta[1]);
  out->a = exp(best.theta[2]);
  out->b = exp(best.theta[3]);
  info->ll = best.ll;
  info->n = d.weight;
  info->converged = best.converged;
  info->iterations = best.steps;
  bg_data_free(&d);
  return SEG_BTYD_OK;
}

double seg_bgnbd_loglik(const seg_bgnbd *m, double x, double t_x, double T) {
  double r = m->r, al = m->alpha, a = m->a, b = m->b;
  double a12 = seg_lgamma(r + x) - seg_lgamma(r) + r * log(al) + seg_lgamma(a + b) +
               seg_lgamma(b + x) - seg_lgamma(b) - seg_lgamma(a + b + x);
  double a3 = -(r + x) * log(al + T), a4, hi, lo;
  if (x == 0) return a12 + a3;
  a4 = log(a) - log(b + x - 1) - (r + x) * log(al + t_x);
  hi = a3 > a4 ? a3 : a4;
  lo = a3 > a4 ? a4 : a3;
  return a12 + hi + log1p(exp(lo - hi));
}

/* ---- Gamma-Gamma ------------------------------------------------------------------ */

typedef struct gg_row {
  int ix;
  double m, lm, w;  /* avg_value, its log, weight */
} gg_row;

typedef struct gg_data {
  gg_row *rows;
  int nrow;
  double *xs, *xw, *lx;  /* distinct x, their total weights, ln x */
  int nx;
  double weight, sum_wm;
} gg_data;

static void gg_data_free(gg_data *d) {
  seg_free(d->rows);
  seg_free(d->xs);
}

/* Group the rows with x > 0 into d; *all_weight is the weight of every
** row, x = 0 included.  0 or SEG_BTYD_NOMEM. */
static int gg_data_build(seg_gg_obs *obs, size_t n, gg_data *d,
                         double *all_weight) {
  size_t m = 0;
  memset(d, 0, sizeof(*d));
  *all_weight = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(obs[i].weight > 0)) continue;
    *all_weight += obs[i].weight;
    if (obs[i].x > 0) obs[m++] = obs[i];
  }
  if (group_records((double *)obs, m, 3, &m) != 0) return SEG_BTYD_NOMEM;
  if (m == 0) return 0;
  if (m > 0x7fffffff) return SEG_BTYD_NOMEM;
  d->rows = seg_malloc(m * sizeof(gg_row));
  d->xs = seg_malloc(3 * m * sizeof(double));
  if (!d->rows || !d->xs) return SEG_BTYD_NOMEM;
  d->xw = d->xs + m;
  d->lx = d->xw + m;
  d->nrow = (int)m;
  for (size_t i = 0; i < m; i++) {
    if (d->nx == 0 || d->xs[d->nx - 1] != obs[i].x) {
      d->xs[d->nx] = obs[i].x;
      d->lx[d->nx] = log(obs[i].x);
      d->xw[d->nx++] = 0;
    }
    d->xw[d->nx - 1] += obs[i].weight;
    d->rows[i].ix = d->nx - 1;
    d->rows[i].m = obs[i].avg_value;
    d->rows[i].lm = log(obs[i].avg_value);
    d->rows[i].w = obs[i].weight;
    d->weight += obs[i].weight;
    d->sum_wm += obs[i].weight * obs[i].avg_value;
  }
  return 0;
}

/* The Gamma-Gamma log-likelihood at p = (p, q, v), gradient, Hessian. */
static void gg_loglik(void *ctx, const double *par, double *ll_out, double *g,
                      double *h) {
  const gg_data *d = ctx;
  double p = par[0], q = par[1], v = par[2];
  double ll = 0, g_p = 0, g_q = 0, g_v = 0;
  double h_pp = 0, h_pq = 0, h_pv = 0, h_qq = 0, h_qv = 0, h_vv = 0;
  double lg_q = seg_lgamma(q), dg_q = seg_digamma(q), tg_q = seg_trigamma(q);
  double ln_v = log(v);
  /* the terms that depend on x alone */
  for (int k = 0; k < d->nx; k++) {
    double x = d->xs[k], w = d->xw[k], px = p * x, pxq = px + q;
    double dg_pxq = seg_digamma(pxq), tg_pxq = seg_trigamma(pxq);
    ll += w * (seg_lgamma(pxq) - seg_lgamma(px) - lg_q + q * ln_v + px * d->lx[k]);
    g_p += w * x * (dg_pxq - seg_digamma(px) + d->lx[k]);
    g_q += w * (dg_pxq - dg_q + ln_v);
    g_v += w * q / v;
    h_pp += w * x * x * (tg_pxq - seg_trigamma(px));
    h_pq += w * x * tg_pxq;
    h_qq += w * (tg_pxq - tg_q);
    h_qv += w / v;
    h_vv -= w * q / (v * v);
  }
  /* (p x - 1) ln m - (p x + q) ln(x m + v), row by row */
  for (int i = 0; i < d->nrow; i++) {
    const gg_row *row = &d->rows[i];
    double x = d->xs[row->ix], w = row->w, pxq = p * x + q;
    double u = x * row->m + v, lu = log(u), iu = 1 / u;
    ll += w * ((p * x - 1) * row->lm - pxq * lu);
    g_p += w * x * (row->lm - lu);
    g_q -= w * lu;
    g_v -= w * pxq * iu;
    h_pv -= w * x * iu;
    h_qv -= w * iu;
    h_vv += w * pxq * iu * iu;
  }
  *ll_out = ll;
  g[0] = g_p; g[1] = g_q; g[2] = g_v;
  h[0] = h_pp; h[1] = h_pq; h[2] = h_pv;
  h[3] = h_pq; h[4] = h_qq; h[5] = h_qv;
  h[6] = h_pv; h[7] = h_qv; h[8] = h_vv;
}

int seg_gg_fit(seg_gg_obs *obs, size_t n, double penalizer, seg_gg *out,
               seg_fit_info *info, char *err, size_t errlen) {
  gg_data d;
  problem pb;
  optimum best;
  double starts[4][MAX_PARAMS], all_weight, mean;
  int rc = gg_data_build(obs, n, &d, &all_weight);
  if (rc == 0 && all_weight == 0) rc = 1;
  if (rc == 0) rc = cannot_fit("x and avg_value", (size_t)d.nrow,
                               d.nrow ? d.weight : all_weight, d.weight, err, errlen);
  if (rc != 0) {
    gg_data_free(&d);
    return rc;
  }
  pb.n = 3;
  pb.loglik = gg_loglik;
  pb.ctx = &d;
  pb.weight = d.weight;
  pb.penalizer = penalizer;
  pb.scale[0] = pb.scale[1] = pb.scale[2] = 1;
  /* v so that the mean value p v / (q - 1) is the observed mean */
  mean = d.sum_wm / d.weight;
  {
    static const double shape[4][2] = {{1, 2}, {5, 5}, {0.5, 1.5}, {20, 2}}; /* p, q */
    for (int s = 0; s < 4; s++) {
      starts[s][0] = log(shape[s][0]);
      starts[s][1] = log(shape[s][1]);
      starts[s][2] = log(mean * (shape[s][1] - 1) / shape[s][0]);
    }
  }
  minimize_with_restarts(&pb, starts, 4, &best);
  out->p = exp(best.theta[0]);
  out->q = exp(best.theta[1]);
  out->v = exp(best.theta[2]);
  info->ll = best.ll;
  info->n = d.weight;
  info->converged = best.converged;
  info->iterations = best.steps;
  gg_data_free(&d);
  return SEG_BTYD_OK;
}

double seg_gg_loglik(const seg_gg *m, double x, double avg_value) {
  double p = m->p, q = m->q, v = m->v, px = p * x;
  if (x == 0) return 0;
  return seg_lgamma(px + q) - seg_lgamma(px) - seg_lgamma(q) + q * log(v) +
         (px - 1) * log(avg_value) + px * log(x) - (px + q) * log(x * avg_value + v);
}

/* ---- predictions ------------------------------------------------------------------ */

/* ln of the odds that a customer with x > 0 left after the last purchase. */
static double bgnbd_log_odds_dead(const seg_bgnbd *m, double x, double t_x,
                                  double T) {
  return log(m->a) - log(m->b + x - 1) +
         (m->r + x) * (log(m->alpha + T) - log(m->alpha + t_x));
}

double seg_bgnbd_p_alive(const seg_bgnbd *m, double x, double t_x, double T) {
  double lo;
  if (x == 0) return 1;
  lo = bgnbd_log_odds_dead(m, x, t_x, T);
  return lo > 0 ? exp(-lo) / (1 + exp(-lo)) : 1 / (1 + exp(lo));
}

/* (1 - e^(e L)) / e, and its limit -L at e = 0. */
static double one_minus_exp_over(double e, double L) {
  return e == 0 ? -L : -expm1(e * L) / e;
}

double seg_bgnbd_expected(const seg_bgnbd *m, double t, double x, double t_x,
                          double T) {
  double A = m->r + x, C = m->a + m->b + x - 1, am1 = m->a - 1;
  double z, L, tail, alive_part;
  if (t == 0) return 0;
  z = t / (m->alpha + T + t);
  L = -log1p(t / (m->alpha + T)); /* ln(1 - z) */
  tail = hyp_series_tail(C - A, am1, C, z);
  if (tail != tail) return NAN;
  alive_part = C * one_minus_exp_over(am1, L) - exp(am1 * L) * (C - A) * tail;
  return alive_part * seg_bgnbd_p_alive(m, x, t_x, T);
}

double seg_bgnbd_p_k(const seg_bgnbd *m, double k, double t) {
  double r = m->r, al = m->alpha, a = m->a, b = m->b;
  double ln_p0 = log(al) - log(al + t);          /* ln(alpha / (alpha + t)) */
  double first, second = 0, lb = lbeta(a, b);
  double ln_first = lbeta(a, b + k) - lb + seg_lgamma(r + k) - seg_lgamma(r) -
                    seg_lgamma(k + 1) + r * ln_p0;
  if (k > 0) ln_first += k * (log(t) - log(al + t));
  first = exp(ln_first);
  if (k > 0 && t > 0)
    /* dropped out after the last of at least k purchases in (0, t]:
    ** P(a Poisson-Gamma count >= k) = I_q(k, r), q = t / (alpha + t) */
    second = exp(lbeta(a + 1, b + k - 1) - lb) *
             seg_beta_inc_xy(k, r, t / (al + t), al / (al + t));
  return first + second;
}

double seg_gg_expected_value(const seg_gg *m, double x, double avg_value) {
  double den = m->p * x + m->q - 1;
  if (!(den > 0)) return NAN;
  if (x == 0) return m->p * m->v / den;
  return (m->v + x * avg_value) * m->p / den;
}

double seg_clv(const seg_bgnbd *bg, const seg_gg *gg, double x, double t_x,
               double T, double avg_value, int steps, double step_length,
               double discount_rate) {
  double value = seg_gg_expected_value(gg, x, avg_value);
  double sum = 0, before = 0, discount = 1;
  if (value != value) return NAN;
  for (int i = 1; i <= steps; i++) {
    double upto = seg_bgnbd_expected(bg, i * step_length, x, t_x, T);
    if (upto != upto) return NAN;
    discount /= 1 + discount_rate;
    sum += value * (upto - before) * discount;
    before = upto;
  }
  return sum;
}

/* ---- parameters as JSON --------------------------------------------------------- */

static char *append(char *out, const char *key, double v, int first) {
  char n[SEG_NUMBER_MAX];
  return out + sprintf(out, "%s\"%s\":%s", first ? "{" : ",", key, num(v, n));
}

static void format_info(char *out, const seg_fit_info *info) {
  out = append(out, "ll", info->ll, 0);
  out = append(out, "n", info->n, 0);
  sprintf(out, ",\"converged\":%s}", info->converged ? "true" : "false");
}

void seg_bgnbd_format(const seg_bgnbd *m, const seg_fit_info *info, char *out) {
  out = append(out, "r", m->r, 1);
  out = append(out, "alpha", m->alpha, 0);
  out = append(out, "a", m->a, 0);
  out = append(out, "b", m->b, 0);
  format_info(out, info);
}

void seg_gg_format(const seg_gg *m, const seg_fit_info *info, char *out) {
  out = append(out, "p", m->p, 1);
  out = append(out, "q", m->q, 0);
  out = append(out, "v", m->v, 0);
  format_info(out, info);
}

/* A key: a string of up to 40 bytes without escapes, and its colon.  -1
** if not there. */
static int read_key(seg_json *j, char key[48]) {
  const char *z;
  size_t len;
  if (seg_json_key(j, &z, &len) != 0 || len > 40 || memchr(z, '\\', len)) return -1;
  memcpy(key, z, len);
  key[len] = 0;
  return 0;
}

/* Parse {"key": number, ...} for the model's keys (each required, a number
** above 0) and the fit's extra keys ll, n (numbers) and converged (true
** or false), which are read and ignored. */
static int parse_params(const char *model, const char *const *keys, int nkey,
                        const char *z, size_t n, double *out, char *err,
                        size_t errlen) {
  static const char *const extra[3] = {"ll", "n", "converged"};
  seg_json rd;
  unsigned seen = 0;
  char got[48], key[48], list[64];
  size_t at;
  list[0] = 0;
  for (int k = 0; k < nkey; k++) {
    strcat(list, k ? (k == nkey - 1 ? " and " : ", ") : "");
    strcat(list, keys[k]);
  }
  seg_json_init(&rd, z, n);
  if (!seg_json_accept(&rd, '{')) goto not_json;
  if (!seg_json_accept(&rd, '}')) {
    do {
      int which = -1;
      if (read_key(&rd, key) != 0) goto not_json;
      for (int k = 0; k < nkey; k++)
        if (strcmp(key, keys[k]) == 0) which = k;
      for (int k = 0; k < 3; k++)
        if (strcmp(key, extra[k]) == 0) which = nkey + k;
      if (which < 0) {
        seg_say(err, errlen,
            "params has an unknown key \"%s\" (expected %s, as %s_fit returns them)",
            key, list, model);
        return -1;
      }
      if (seen & (1u << which)) {
        seg_say(err, errlen, "params has the key \"%s\" twice", key);
        return -1;
      }
      seen |= 1u << which;
      seg_json_peek(&rd);
      at = rd.i;
      if (which == nkey + 2) {
        if (!seg_json_word(&rd, "true") && !seg_json_word(&rd, "false")) {
          seg_json_excerpt(&rd, at, got);
          seg_say(err, errlen, "params \"converged\" must be true or false, got %s", got);
          return -1;
        }
      } else {
        double v;
        if (seg_json_number(&rd, &v) != 0) {
          seg_json_excerpt(&rd, at, got);
          seg_say(err, errlen, "params \"%s\" must be a number, got %s", key, got);
          return -1;
        }
        if (which < nkey) {
          if (!(v > 0 && isfinite(v))) {
            char s[SEG_NUMBER_MAX];
            seg_say(err, errlen, "params \"%s\" must be above 0, got %s", key, num(v, s));
            return -1;
          }
          out[which] = v;
        }
      }
    } while (seg_json_accept(&rd, ','));
    if (!seg_json_accept(&rd, '}')) goto not_json;
  }
  if (!seg_json_end(&rd)) goto not_json;
  for (int k = 0; k < nkey; k++) {
    if (!(seen & (1u << k))) {
      seg_say(err, errlen, "params has no key \"%s\" (expected %s, as %s_fit returns them)",
          keys[k], list, model);
      return -1;
    }
  }
  return 0;

not_json:
  seg_json_excerpt(&rd, 0, got);
  seg_say(err, errlen, "params must be the JSON object that %s_fit returns, got '%s'",
      model, got);
  return -1;
}

int seg_bgnbd_parse(const char *z, size_t n, seg_bgnbd *out, char *err,
                    size_t errlen) {
  static const char *const keys[4] = {"r", "alpha", "a", "b"};
  double v[4];
  if (parse_params("bgnbd", keys, 4, z, n, v, err, errlen) != 0) return -1;
  out->r = v[0];
  out->alpha = v[1];
  out->a = v[2];
  out->b = v[3];
  return 0;
}

int seg_gg_parse(const char *z, size_t n, seg_gg *out, char *err,
                 size_t errlen) {
  static const char *const keys[3] = {"p", "q", "v"};
  double v[3];
  if (parse_params("gg", keys, 3, z, n, v, err, errlen) != 0) return -1;
  out->p = v[0];
  out->q = v[1];
  out->v = v[2];
  return 0;
}
