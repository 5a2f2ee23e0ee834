/*
** test_btyd.c — BG/NBD, Gamma-Gamma and CLV (ext/core/btyd.c).
**
** Every expected value comes from somewhere other than the code under
** test:
**   - special functions: closed forms (psi(1) = -gamma, 2F1(1,1;2;z) =
**     -ln(1-z)/z, I_x(a,1) = x^a, ...) and the C library's lgamma;
**   - the log-likelihoods: the models' definitions integrated numerically
**     here (tanh-sinh quadrature over the Gamma and Beta mixing
**     distributions), not the closed forms the code uses;
**   - the conditional expectation: (1/p)(1 - e^(-lambda p t)) averaged
**     over the posterior of p by quadrature, with no hypergeometric
**     function; P(X(t) = k): its sum is 1 and its mean is eq. 9, two
**     independent formulas;
**   - the fits: samples drawn here from known parameters (the fit must
**     recover them), the per-customer log-likelihood summed here (the fit
**     must be at a maximum of it), hand-worked errors.
**
**   make build/unit/test_btyd && ./build/unit/test_btyd
*/
#include "testutil.h"
#include "../rng.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "btyd.h"
#include "stats.h" /* seg_beta_inc, which bgnbd_p_k uses */

#define PI 3.14159265358979323846
#define EULER_GAMMA 0.57721566490153286061

/* ---- quadrature and random variates --------------------------------------- */

/* The integral of f over (0, 1) by tanh-sinh quadrature, which copes with
** integrable singularities at both ends; f gets x and 1 - x (exact near 1). */
typedef double (*integrand)(double x, double one_minus_x, const void *ctx);

static double integrate01(integrand f, const void *ctx) {
  const double h = 1.0 / 256; /* fine enough for the sharp peaks of large x */
  double sum = 0;
  for (int k = -6 * 256; k <= 6 * 256; k++) {
    /* x = (1 + tanh(u)) / 2, u = (pi/2) sinh(t); dx/dt = pi cosh(t) x (1-x) */
    double t = k * h, u = PI / 2 * sinh(t), e = exp(-2 * fabs(u));
    double x = u >= 0 ? 1 / (1 + e) : e / (1 + e), y = u >= 0 ? e / (1 + e) : 1 / (1 + e);
    if (x > 0 && y > 0) sum += PI * cosh(t) * x * y * f(x, y, ctx);
  }
  return sum * h;
}

/* ---- special functions -------------------------------------------------------- */

static void test_lgamma(void **state) {
  (void)state;
  assert_double_near(0.5 * log(PI), seg_lgamma(0.5), 1e-14);
  assert_double_near(0, seg_lgamma(1), 1e-14);
  assert_double_near(0, seg_lgamma(2), 1e-14);
  assert_double_near(log(3628800.0), seg_lgamma(11), 1e-13);
  /* against the C library over 1e-3 .. 1e5 */
  for (double x = 1e-3; x < 1e5; x *= 1.37)
    assert_double_near(lgamma(x), seg_lgamma(x), 1e-13 * (1 + fabs(lgamma(x))));
}

static void test_digamma(void **state) {
  double harmonic = 0;
  (void)state;
  assert_double_near(-EULER_GAMMA, seg_digamma(1), 1e-14);
  assert_double_near(-EULER_GAMMA - 2 * log(2.0), seg_digamma(0.5), 1e-14);
  for (int n = 1; n <= 40; n++) { /* psi(n + 1) = H_n - gamma */
    harmonic += 1.0 / n;
    assert_double_near(harmonic - EULER_GAMMA, seg_digamma(n + 1), 1e-14);
  }
  /* psi(x + 1) - psi(x) = 1/x, also where both come from the asymptotic series */
  for (double x = 0.01; x < 1e4; x *= 1.9)
    assert_double_near(1 / x, seg_digamma(x + 1) - seg_digamma(x), 1e-13 / x + 1e-14);
  /* the derivative of the C library's lgamma (central difference) */
  for (double x = 0.05; x < 500; x *= 2.3) {
    double h = 1e-5 * x;
    assert_double_near((lgamma(x + h) - lgamma(x - h)) / (2 * h), seg_digamma(x),
                       1e-7 * (1 + fabs(seg_digamma(x))));
  }
}

static void test_trigamma(void **state) {
  (void)state;
  assert_double_near(PI * PI / 6, seg_trigamma(1), 1e-14);
  assert_double_near(PI * PI / 2, seg_trigamma(0.5), 1e-13);
  assert_double_near(PI * PI / 6 - 1 - 0.25, seg_trigamma(3), 1e-14);
  for (double x = 0.01; x < 1e4; x *= 1.9)
    assert_double_near(1 / (x * x), seg_trigamma(x) - seg_trigamma(x + 1),
                       1e-13 / (x * x) + 1e-15);
  for (double x = 0.05; x < 500; x *= 2.3) {
    double h = 1e-4 * x;
    assert_double_near((seg_digamma(x + h) - seg_digamma(x - h)) / (2 * h),
                       seg_trigamma(x), 1e-6 * seg_trigamma(x));
  }
  /* outside the domain: NaN, at once (the shifting loop would never end
  ** from -1e300 or -inf) */
  for (int i = 0; i < 4; i++) {
    double x = (double[]){0, -2.5, -1e300, -HUGE_VAL}[i];
    assert_true(isnan(seg_lgamma(x)));
    assert_true(isnan(seg_digamma(x)));
    assert_true(isnan(seg_trigamma(x)));
  }
}

static void test_hyp2f1_closed_forms(void **state) {
  (void)state;
  for (double z = 0.001; z < 0.995; z += 0.0471) {
    double s = sqrt(z);
    /* series with c >= a + b */
    assert_double_near(-log(1 - z) / z, seg_hyp2f1(1, 1, 2, z), 1e-14 * (-log(1 - z) / z));
    assert_double_near(atanh(s) / s, seg_hyp2f1(0.5, 1, 1.5, z), 1e-14 * atanh(s) / s);
    assert_double_near(asin(s) / s, seg_hyp2f1(0.5, 0.5, 1.5, z), 1e-14 * asin(s) / s);
    /* a + b > c: through Euler's transformation */
    assert_double_near(pow(1 - z, -0.7), seg_hyp2f1(0.7, 2.5, 2.5, z), 1e-13 * pow(1 - z, -0.7));
    for (double a = 0.3; a < 2; a += 0.5) {
      /* 2F1(a, a+1/2; 1/2; s^2) = ((1+s)^-2a + (1-s)^-2a) / 2 */
      double want = (pow(1 + s, -2 * a) + pow(1 - s, -2 * a)) / 2;
      assert_double_near(want, seg_hyp2f1(a, a + 0.5, 0.5, z), 1e-12 * want);
    }
  }
  assert_double_near(1, seg_hyp2f1(3, 4, 5, 0), 0);
  /* the domain ends at SEG_HYP2F1_ZMAX */
  assert_true(isnan(seg_hyp2f1(1, 1, 2, 0.999999)));
  /* ... where its hundreds of thousands of terms round to within 1e-12 */
  assert_double_near(-log1p(-SEG_HYP2F1_ZMAX) / SEG_HYP2F1_ZMAX,
                     seg_hyp2f1(1, 1, 2, SEG_HYP2F1_ZMAX), 1e-12 * 9.22);
}

/* 2F1(a, 1; 2; z) = (1 - (1-z)^(1-a)) / ((1-a) z).  With a = -1e8 the
** factors (a+n) stay negative for 1e8 terms: the series must end when its
** terms have fallen (after a few dozen with z = 1e-9), not run past
** SEG_HYP2F1_MAX_TERMS and give up.  (A hostile params JSON makes such a
** series: clv over a million rows must not take a second a row.) */
static void test_hyp2f1_large_negative_parameter(void **state) {
  (void)state;
  for (double z = 1e-11; z < 2e-8; z *= 3) {
    double a = -1e8;
    double want = -expm1((1 - a) * log1p(-z)) / ((1 - a) * z);
    assert_double_near(want, seg_hyp2f1(a, 1, 2, z), 1e-13 * want);
    assert_double_near(want, seg_hyp2f1(1, a, 2, z), 1e-13 * want);
  }
}

static void test_betainc(void **state) {
  (void)state;
  for (double x = 0; x <= 1; x += 0.05) {
    assert_double_near(x, seg_beta_inc(1, 1, x), 1e-15);
    assert_double_near(pow(x, 2.5), seg_beta_inc(2.5, 1, x), 1e-14);
    assert_double_near(1 - pow(1 - x, 0.3), seg_beta_inc(1, 0.3, x), 1e-14);
    /* I_x(k, n-k+1) = P(Binomial(n, x) >= k) */
    for (int n = 1; n <= 12; n += 5) {
      for (int k = 1; k <= n; k++) {
        double tail = 0, choose = 1;
        for (int j = 0; j <= n; j++) {
          if (j >= k) tail += choose * pow(x, j) * pow(1 - x, n - j);
          choose = choose * (n - j) / (j + 1);
        }
        assert_double_near(tail, seg_beta_inc(k, n - k + 1, x), 1e-13);
      }
    }
  }
}

/* ---- checks -------------------------------------------------------------------- */

static void assert_check(int rc, const char *err, const char *expected) {
  assert_int_equal(rc, -1);
  assert_string_equal(err, expected);
}

static void test_checks(void **state) {
  char err[200];
  (void)state;
  assert_int_equal(seg_bgnbd_check(0, 0, 0, err, sizeof err), 0);
  assert_int_equal(seg_bgnbd_check(3, 12.5, 12.5, err, sizeof err), 0);
  assert_check(seg_bgnbd_check(1.5, 2, 3, err, sizeof err), err,
               "x must be a whole number of repeat purchases (0 or more), got 1.5");
  assert_check(seg_bgnbd_check(-1, 2, 3, err, sizeof err), err,
               "x must be a whole number of repeat purchases (0 or more), got -1");
  assert_check(seg_bgnbd_check(INFINITY, 2, 3, err, sizeof err), err,
               "x must be a whole number of repeat purchases (0 or more), got Inf");
  assert_check(seg_bgnbd_check(1, -2, 3, err, sizeof err), err,
               "t_x must be a time of 0 or more, got -2");
  assert_check(seg_bgnbd_check(1, 2, NAN, err, sizeof err), err,
               "T must be a time of 0 or more, got NaN");
  assert_check(seg_bgnbd_check(2, 40, 38.86, err, sizeof err), err,
               "t_x must not exceed T, got t_x 40 and T 38.86");
  assert_check(seg_bgnbd_check(0, 3, 38.86, err, sizeof err), err,
               "t_x must be 0 when x is 0 (no repeat purchase), got t_x 3");
  assert_check(seg_bgnbd_check(2, 0, 38.86, err, sizeof err), err,
               "t_x must be above 0 when x is above 0 (the time from the first to"
               " the last purchase), got x 2 and t_x 0");
  assert_int_equal(seg_gg_check(0, NAN, err, sizeof err), 0);
  assert_int_equal(seg_gg_check(2, 0.01, err, sizeof err), 0);
  assert_check(seg_gg_check(2, 0, err, sizeof err), err,
               "avg_value must be above 0 when x is above 0 (the mean value of the"
               " repeat purchases), got 0");
  assert_check(seg_gg_check(0.5, 1, err, sizeof err), err,
               "x must be a whole number of repeat purchases (0 or more), got 0.5");
  assert_int_equal(seg_btyd_check_weight(0, err, sizeof err), 0);
  assert_check(seg_btyd_check_weight(-3, err, sizeof err), err,
               "weight must be a number of customers (0 or more), got -3");
  assert_int_equal(seg_btyd_check_penalizer(0.1, err, sizeof err), 0);
  assert_check(seg_btyd_check_penalizer(-0.1, err, sizeof err), err,
               "penalizer must be 0 or more (0: no penalty), got -0.1");
}

/* ---- log-likelihoods by quadrature ------------------------------------------------ */

/* The BG/NBD likelihood of one customer is
**   E over lambda ~ Gamma(r, alpha), p ~ Beta(a, b) of
**   (1-p)^x lambda^x e^(-lambda T) + [x > 0] p (1-p)^(x-1) lambda^x e^(-lambda t_x)
** (alive throughout, or left right after the x-th repeat purchase); each
** term is a product of an integral over p and one over lambda. */
typedef struct mix {
  double shape, rate;   /* Gamma(shape, rate) density, times lambda^power e^(-lambda s) */
  double power, s, top; /* lambda runs over (0, top) */
  double a, b;          /* Beta(a, b) density, times p^i (1-p)^j */
  double i, j;
} mix;

static double gamma_part(double y, double one_minus_y, const void *ctx) {
  const mix *m = ctx;
  double lambda = m->top * y;
  (void)one_minus_y;
  return m->top * exp(m->shape * log(m->rate) + (m->shape - 1 + m->power) * log(lambda) -
                      (m->rate + m->s) * lambda - lgamma(m->shape));
}

static double beta_part(double p, double one_minus_p, const void *ctx) {
  const mix *m = ctx;
  return exp((m->a - 1 + m->i) * log(p) + (m->b - 1 + m->j) * log(one_minus_p) -
             lgamma(m->a) - lgamma(m->b) + lgamma(m->a + m->b));
}

static double bgnbd_likelihood_by_quadrature(const seg_bgnbd *m, double x,
                                             double t_x, double T) {
  /* lambda's integrand is a Gamma(r + x, alpha + s) density: cut it off
  ** far out in its tail */
  double shape = m->r + x, far = shape + 80 + 10 * sqrt(shape);
  mix g = {m->r, m->alpha, x, T, far / (m->alpha + T), m->a, m->b, 0, x};
  double alive = integrate01(gamma_part, &g) * integrate01(beta_part, &g);
  if (x == 0) return alive;
  g.s = t_x;
  g.top = far / (m->alpha + t_x);
  g.i = 1;
  g.j = x - 1;
  return alive + integrate01(gamma_part, &g) * integrate01(beta_part, &g);
}

static void test_bgnbd_loglik_by_quadrature(void **state) {
  static const seg_bgnbd models[] = {
      {0.243, 4.414, 0.793, 2.426}, {2.0, 3.0, 1.5, 0.7}, {0.7, 0.2, 3.0, 9.0}};
  static const double histories[][3] = {
      {0, 0, 38.86}, {2, 30.43, 38.86}, {1, 1.71, 38.86}, {7, 29.43, 38.86},
      {1, 0.5, 2}, {12, 11.9, 12}, {0, 0, 0}};
  (void)state;
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
    for (size_t k = 0; k < sizeof histories / sizeof histories[0]; k++) {
      const double *h = histories[k];
      double want = log(bgnbd_likelihood_by_quadrature(&models[i], h[0], h[1], h[2]));
      assert_double_near(want, seg_bgnbd_loglik(&models[i], h[0], h[1], h[2]), 1e-10);
    }
  }
}

/* The Gamma-Gamma density of the mean m of x purchases: the mean of x
** Gamma(p, nu) values is Gamma(p x, x nu); nu ~ Gamma(q, v). */
typedef struct gg_case {
  seg_gg model;
  double x, m, top;
} gg_case;

static double gg_part(double y, double one_minus_y, const void *ctx) {
  const gg_case *c = ctx;
  double nu = c->top * y, px = c->model.p * c->x;
  (void)one_minus_y;
  return c->top * exp(px * log(c->x * nu) + (px - 1) * log(c->m) - c->x * nu * c->m -
                      lgamma(px) + c->model.q * log(c->model.v) +
                      (c->model.q - 1) * log(nu) - c->model.v * nu - lgamma(c->model.q));
}

static void test_gg_loglik_by_quadrature(void **state) {
  static const seg_gg models[] = {{6.25, 3.74, 15.44}, {0.8, 1.5, 2.0}};
  static const double cases[][2] = {{1, 11.77}, {2, 22.35}, {7, 73.74}, {30, 5.5}};
  (void)state;
  for (size_t i = 0; i < 2; i++) {
    for (size_t k = 0; k < 4; k++) {
      gg_case c = {models[i], cases[k][0], cases[k][1], 0};
      /* nu's integrand is a Gamma(p x + q, x m + v) density: cut it off
      ** far out in its tail */
      double shape = c.model.p * c.x + c.model.q;
      c.top = (shape + 80 + 10 * sqrt(shape)) / (c.x * c.m + c.model.v);
      assert_double_near(log(integrate01(gg_part, &c)),
                         seg_gg_loglik(&models[i], c.x, c.m), 1e-10);
    }
  }
  assert_double_near(0, seg_gg_loglik(&models[0], 0, 0), 0); /* x = 0: no information */
}

/* ---- predictions -------------------------------------------------------------------- */

static void test_p_alive(void **state) {
  seg_bgnbd m = {1, 1, 1, 2};
  (void)state;
  assert_double_near(1, seg_bgnbd_p_alive(&m, 0, 0, 50), 0);
  /* x = 1, t_x = 1, T = 3: a/(b+x-1) = 1/2, ((alpha+T)/(alpha+t_x))^(r+x) =
  ** (4/2)^2 = 4, so P = 1 / (1 + 2) */
  assert_double_near(1.0 / 3, seg_bgnbd_p_alive(&m, 1, 1, 3), 1e-15);
  /* bought at the very end: (alpha+T)/(alpha+t_x) = 1, P = 1/(1 + a/(b+x-1)) */
  assert_double_near(1 / (1 + 1 / 6.0), seg_bgnbd_p_alive(&m, 5, 7, 7), 1e-15);
  /* long silence: P tends to 0 without underflowing to NaN */
  assert_true(seg_bgnbd_p_alive(&m, 50, 1, 1e6) >= 0);
  /* odds of having left: 1/51 * ((1 + 1e6)/2)^51, about e^665 */
  assert_true(seg_bgnbd_p_alive(&m, 50, 1, 1e6) < 1e-280);
}

/* E[purchases in (T, T+t] | alive] = E over p ~ Beta(a, b+x) of
** (1/p)(1 - ((alpha+T)/(alpha+T+p t))^(r+x)): the purchases of a customer
** who buys at rate lambda and leaves after each purchase with
** probability p, averaged over lambda ~ Gamma(r+x, alpha+T). */
typedef struct expect_case {
  seg_bgnbd m;
  double t, x, T;
} expect_case;

static double expect_part(double p, double one_minus_p, const void *ctx) {
  const expect_case *c = ctx;
  double u = c->t / (c->m.alpha + c->T), k = c->m.r + c->x;
  double bought = -expm1(-k * log1p(p * u)); /* 1 - (1 + p u)^-k */
  return bought * exp((c->m.a - 2) * log(p) + (c->m.b + c->x - 1) * log(one_minus_p) -
                      lgamma(c->m.a) - lgamma(c->m.b + c->x) +
                      lgamma(c->m.a + c->m.b + c->x));
}

static void test_expected_by_quadrature(void **state) {
  static const seg_bgnbd models[] = {
      {0.243, 4.414, 0.793, 2.426},
      {0.5, 2, 1, 3},        /* a = 1: the textbook formula is 0/0 */
      {0.5, 2, 1 + 1e-9, 3},
      {1.2, 7, 0.4, 0.6},    /* a + b + x - 1 = 0 when x = 0 */
      {3, 0.5, 4, 1.5}};
  static const double histories[][3] = {
      {0, 0, 0}, {0, 0, 38.86}, {2, 30.43, 38.86}, {9, 10, 40}, {1, 0.2, 0.3}};
  static const double horizons[] = {0.01, 1, 39, 400};
  (void)state;
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
    for (size_t k = 0; k < sizeof histories / sizeof histories[0]; k++)
      for (size_t j = 0; j < sizeof horizons / sizeof horizons[0]; j++) {
        const double *h = histories[k];
        expect_case c = {models[i], horizons[j], h[0], h[2]};
        double want = integrate01(expect_part, &c) *
                      seg_bgnbd_p_alive(&models[i], h[0], h[1], h[2]);
        assert_double_near(want, seg_bgnbd_expected(&models[i], c.t, h[0], h[1], h[2]),
                           1e-11 * want);
      }
  assert_double_near(0, seg_bgnbd_expected(&models[0], 0, 2, 30.43, 38.86), 0);
  /* beyond the series' domain: NaN, at once */
  assert_true(isnan(seg_bgnbd_expected(&models[0], 1e8, 0, 0, 0)));
}

static void test_p_k(void **state) {
  static const seg_bgnbd models[] = {{0.243, 4.414, 0.793, 2.426}, {2, 3, 1.5, 0.7}};
  (void)state;
  for (size_t i = 0; i < 2; i++) {
    const seg_bgnbd *m = &models[i];
    for (double t = 0.5; t < 300; t *= 4) {
      double total = 0, mean = 0;
      for (int k = 0; k < 4000; k++) {
        double p = seg_bgnbd_p_k(m, k, t);
        assert_true(p >= 0 && p <= 1);
        total += p;
        mean += k * p;
      }
      /* eq. 8 sums to 1 and has the mean of eq. 9 */
      assert_double_near(1, total, 1e-10);
      assert_double_near(seg_bgnbd_expected(m, t, 0, 0, 0), mean, 1e-9 * mean);
      /* no purchase: nobody leaves before the first repeat purchase */
      assert_double_near(pow(m->alpha / (m->alpha + t), m->r), seg_bgnbd_p_k(m, 0, t), 1e-14);
    }
    assert_double_near(1, seg_bgnbd_p_k(m, 0, 0), 0);
    assert_double_near(0, seg_bgnbd_p_k(m, 3, 0), 0);
  }
}

static void test_gg_expected_value(void **state) {
  seg_gg m = {2, 3, 10};
  (void)state;
  /* (v + x m) p / (p x + q - 1) = (10 + 40) 2 / 6 */
  assert_double_near(100.0 / 6, seg_gg_expected_value(&m, 2, 20), 1e-13);
  /* x = 0: the population mean p v / (q - 1) = 10, avg_value unread */
  assert_double_near(10, seg_gg_expected_value(&m, 0, NAN), 1e-14);
  m.q = 0.9;
  assert_true(isnan(seg_gg_expected_value(&m, 0, 0)));
  assert_double_near((10 + 20.0) * 2 / 1.9, seg_gg_expected_value(&m, 1, 20), 1e-13);
}

static void test_clv(void **state) {
  seg_bgnbd bg = {0.243, 4.414, 0.793, 2.426};
  seg_gg gg = {6.25, 3.74, 15.44};
  double value = seg_gg_expected_value(&gg, 2, 22.35);
  double e1 = seg_bgnbd_expected(&bg, 4, 2, 30.43, 38.86);
  double e2 = seg_bgnbd_expected(&bg, 8, 2, 30.43, 38.86);
  double e52 = seg_bgnbd_expected(&bg, 52, 2, 30.43, 38.86);
  (void)state;
  /* one step, then two: each step's purchases, discounted once more */
  assert_double_near(value * e1 / 1.01, seg_clv(&bg, &gg, 2, 30.43, 38.86, 22.35, 1, 4, 0.01),
                     1e-12);
  assert_double_near(value * (e1 / 1.01 + (e2 - e1) / (1.01 * 1.01)),
                     seg_clv(&bg, &gg, 2, 30.43, 38.86, 22.35, 2, 4, 0.01), 1e-12);
  /* no discount: the steps add up to the whole horizon */
  assert_double_near(value * e52, seg_clv(&bg, &gg, 2, 30.43, 38.86, 22.35, 13, 4, 0), 1e-10);
  gg.q = 0.9; /* infinite mean value */
  assert_true(isnan(seg_clv(&bg, &gg, 0, 0, 38.86, 0, 12, 4.345, 0.01)));
}

/* ---- fitting ---------------------------------------------------------------------------- */

/* n customers drawn from the BG/NBD model, observed for T uniform in
** (T_lo, T_hi), with times not rounded. */
static seg_bgnbd_obs *simulate_bgnbd(const seg_bgnbd *m, size_t n, double T_lo,
                                     double T_hi) {
  seg_bgnbd_obs *obs = malloc(n * sizeof *obs);
  assert_non_null(obs);
  for (size_t i = 0; i < n; i++) {
    double lambda = rng_gamma(m->r) / m->alpha, p = rng_beta(m->a, m->b);
    double T = T_lo + (T_hi - T_lo) * rng_unit(), t = 0, last = 0;
    int x = 0;
    for (;;) {
      t += -log(rng_unit_open()) / lambda;
      if (t > T) break;
      x++;
      last = t;
      if (rng_unit() < p) break; /* leaves after this purchase */
    }
    obs[i].x = x;
    obs[i].t_x = last;
    obs[i].T = T;
    obs[i].weight = 1;
  }
  return obs;
}

/* The sum of seg_bgnbd_loglik over the rows: a second formula for what
** the fit maximises (which works on grouped rows). */
static double bgnbd_total_loglik(const seg_bgnbd *m, const seg_bgnbd_obs *obs, size_t n) {
  double ll = 0;
  for (size_t i = 0; i < n; i++)
    ll += obs[i].weight * seg_bgnbd_loglik(m, obs[i].x, obs[i].t_x, obs[i].T);
  return ll;
}

static void test_bgnbd_fit_recovers_parameters(void **state) {
  const seg_bgnbd truth = {0.243, 4.414, 0.793, 2.426};
  const size_t n = 40000;
  seg_bgnbd_obs *obs, *copy;
  seg_bgnbd m;
  seg_fit_info info;
  char err[200];
  double ll;
  (void)state;
  rng_state = 2005;
  obs = simulate_bgnbd(&truth, n, 20, 78);
  copy = malloc(n * sizeof *copy);
  assert_non_null(copy);
  memcpy(copy, obs, n * sizeof *obs);
  assert_int_equal(seg_bgnbd_fit(copy, n, 0, &m, &info, err, sizeof err), SEG_BTYD_OK);
  assert_int_equal(info.converged, 1);
  assert_double_near(n, info.n, 0);
  /* within four standard errors of the truth at this sample size (the
  ** spread over six other seeds: r 2%, alpha 2.5%, a 3.5%, b 6%) */
  assert_double_near(truth.r, m.r, 0.1 * truth.r);
  assert_double_near(truth.alpha, m.alpha, 0.1 * truth.alpha);
  assert_double_near(truth.a, m.a, 0.15 * truth.a);
  assert_double_near(truth.b, m.b, 0.25 * truth.b);
  /* ll is the log-likelihood of the rows, and it is at a maximum: moving
  ** any parameter by 0.1% either way lowers it */
  ll = bgnbd_total_loglik(&m, obs, n);
  assert_double_near(ll, info.ll, 1e-9 * fabs(ll));
  for (int k = 0; k < 8; k++) {
    seg_bgnbd moved = m;
    double *pk = k / 2 == 0 ? &moved.r : k / 2 == 1 ? &moved.alpha : k / 2 == 2 ? &moved.a : &moved.b;
    *pk *= k % 2 ? 1.001 : 0.999;
    assert_true(bgnbd_total_loglik(&moved, obs, n) < ll);
  }
  free(copy);
  free(obs);
}

static void test_gg_fit_recovers_parameters(void **state) {
  const seg_gg truth = {6.25, 3.74, 15.44};
  const size_t n = 20000;
  seg_gg_obs *obs = malloc(n * sizeof *obs);
  seg_gg m;
  seg_fit_info info;
  char err[200];
  double ll = 0;
  (void)state;
  assert_non_null(obs);
  rng_state = 25;
  for (size_t i = 0; i < n; i++) {
    double nu = rng_gamma(truth.q) / truth.v;
    double x = 1 + (double)rng_below(8);
    obs[i].x = i % 5 == 0 ? 0 : x; /* x = 0 rows are ignored */
    obs[i].avg_value = rng_gamma(truth.p * x) / (x * nu);
    obs[i].weight = 1;
  }
  for (size_t i = 0; i < n; i++) ll += seg_gg_loglik(&truth, obs[i].x, obs[i].avg_value);
  assert_int_equal(seg_gg_fit(obs, n, 0, &m, &info, err, sizeof err), SEG_BTYD_OK);
  assert_int_equal(info.converged, 1);
  assert_double_near(n - n / 5, info.n, 0);
  /* within about five standard errors (over six other seeds: p 4%, q 1%,
  ** v 4%) */
  assert_double_near(truth.p, m.p, 0.2 * truth.p);
  assert_double_near(truth.q, m.q, 0.05 * truth.q);
  assert_double_near(truth.v, m.v, 0.2 * truth.v);
  assert_true(info.ll >= ll); /* the estimate fits at least as well as the truth */
  free(obs);
}

/* Shuffled rows, and rows merged by weight, give the very same fit. */
static void test_fit_ignores_row_order_and_counts_weights(void **state) {
  const seg_bgnbd truth = {0.5, 6, 0.7, 3};
  const size_t n = 3000;
  seg_bgnbd_obs *obs, *shuffled, *merged;
  seg_bgnbd m1, m2, m3;
  seg_fit_info i1, i2, i3;
  char err[200], j1[SEG_BTYD_JSON_MAX], j2[SEG_BTYD_JSON_MAX], j3[SEG_BTYD_JSON_MAX];
  size_t nmerged = 0;
  (void)state;
  rng_state = 99;
  obs = simulate_bgnbd(&truth, n, 30, 30);
  for (size_t i = 0; i < n; i++) { /* rounded to days, as real data is */
    obs[i].t_x = floor(obs[i].t_x * 7) / 7;
    obs[i].x = obs[i].t_x > 0 ? obs[i].x : 0;
  }
  shuffled = malloc(n * sizeof *obs);
  merged = malloc(n * sizeof *obs);
  assert_non_null(shuffled);
  assert_non_null(merged);
  memcpy(shuffled, obs, n * sizeof *obs);
  for (size_t i = n; i > 1; i--) {
    size_t k = rng_below(i);
    seg_bgnbd_obs t = shuffled[i - 1];
    shuffled[i - 1] = shuffled[k];
    shuffled[k] = t;
  }
  /* merged: each history once, weight = how many times it occurs */
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (k < nmerged && !(merged[k].x == obs[i].x && merged[k].t_x == obs[i].t_x &&
                            merged[k].T == obs[i].T))
      k++;
    if (k == nmerged) {
      merged[nmerged] = obs[i];
      merged[nmerged++].weight = 0;
    }
    merged[k].weight += 1;
  }
  assert_true(nmerged < n / 2);
  assert_int_equal(seg_bgnbd_fit(obs, n, 0, &m1, &i1, err, sizeof err), SEG_BTYD_OK);
  assert_int_equal(seg_bgnbd_fit(shuffled, n, 0, &m2, &i2, err, sizeof err), SEG_BTYD_OK);
  assert_int_equal(seg_bgnbd_fit(merged, nmerged, 0, &m3, &i3, err, sizeof err), SEG_BTYD_OK);
  seg_bgnbd_format(&m1, &i1, j1);
  seg_bgnbd_format(&m2, &i2, j2);
  seg_bgnbd_format(&m3, &i3, j3);
  assert_string_equal(j1, j2);
  assert_string_equal(j1, j3);
  assert_int_equal(i1.converged, 1);
  free(obs);
  free(shuffled);
  free(merged);
}

/* The penalty pulls the parameters towards 0 and costs likelihood. */
static void test_penalizer(void **state) {
  const seg_bgnbd truth = {0.243, 4.414, 0.793, 2.426};
  const size_t n = 2000;
  seg_bgnbd_obs *obs, *copy;
  seg_bgnbd m0, m1;
  seg_fit_info i0, i1;
  char err[200];
  double T_max = 0, size0, size1;
  (void)state;
  rng_state = 7;
  obs = simulate_bgnbd(&truth, n, 10, 40);
  copy = malloc(n * sizeof *copy);
  assert_non_null(copy);
  for (size_t i = 0; i < n; i++)
    if (obs[i].T > T_max) T_max = obs[i].T;
  memcpy(copy, obs, n * sizeof *obs);
  assert_int_equal(seg_bgnbd_fit(copy, n, 0, &m0, &i0, err, sizeof err), SEG_BTYD_OK);
  memcpy(copy, obs, n * sizeof *obs);
  assert_int_equal(seg_bgnbd_fit(copy, n, 0.1, &m1, &i1, err, sizeof err), SEG_BTYD_OK);
  assert_int_equal(i1.converged, 1);
  size0 = m0.r * m0.r + pow(m0.alpha / T_max, 2) + m0.a * m0.a + m0.b * m0.b;
  size1 = m1.r * m1.r + pow(m1.alpha / T_max, 2) + m1.a * m1.a + m1.b * m1.b;
  assert_true(size1 < size0);
  assert_true(i1.ll < i0.ll);
  /* and it is the minimum of -ll/n + 0.1 * size: no nearby point is lower */
  for (int k = 0; k < 8; k++) {
    seg_bgnbd moved = m1;
    double *pk = k / 2 == 0 ? &moved.r : k / 2 == 1 ? &moved.alpha : k / 2 == 2 ? &moved.a : &moved.b;
    double size;
    *pk *= k % 2 ? 1.001 : 0.999;
    size = moved.r * moved.r + pow(moved.alpha / T_max, 2) + moved.a * moved.a + moved.b * moved.b;
    assert_true(-bgnbd_total_loglik(&moved, obs, n) / n + 0.1 * size >
                -bgnbd_total_loglik(&m1, obs, n) / n + 0.1 * size1);
  }
  free(copy);
  free(obs);
}

static void test_fit_errors(void **state) {
  seg_bgnbd m;
  seg_gg g;
  seg_fit_info info;
  char err[200];
  seg_bgnbd_obs none[] = {{0, 0, 10, 1}, {0, 0, 20, 2}};
  seg_bgnbd_obs one[] = {{2, 5, 10, 1}};
  seg_bgnbd_obs same[] = {{2, 5, 10, 3}, {2, 5, 10, 1}};
  seg_bgnbd_obs zero[] = {{2, 5, 10, 0}};
  seg_gg_obs gnone[] = {{0, 0, 4}};
  seg_gg_obs gone[] = {{3, 12.5, 1}, {0, 0, 5}};
  seg_gg_obs gsame[] = {{3, 12.5, 1}, {3, 12.5, 1}};
  (void)state;
  assert_int_equal(seg_bgnbd_fit(none, 2, 0, &m, &info, err, sizeof err), SEG_BTYD_ERROR);
  assert_string_equal(err, "cannot fit: no repeat buyers (x is 0 for all 3 customers);"
                           " the model needs customers with x above 0");
  assert_int_equal(seg_bgnbd_fit(one, 1, 0, &m, &info, err, sizeof err), SEG_BTYD_ERROR);
  assert_string_equal(err, "cannot fit one customer; the model estimates how customers"
                           " differ and needs many of them");
  assert_int_equal(seg_bgnbd_fit(same, 2, 0, &m, &info, err, sizeof err), SEG_BTYD_ERROR);
  assert_string_equal(err, "cannot fit: all 4 customers have the same x, t_x and T; the"
                           " model estimates how customers differ");
  assert_int_equal(seg_bgnbd_fit(zero, 1, 0, &m, &info, err, sizeof err), 1);
  assert_int_equal(seg_bgnbd_fit(zero, 0, 0, &m, &info, err, sizeof err), 1);
  assert_int_equal(seg_gg_fit(gnone, 1, 0, &g, &info, err, sizeof err), SEG_BTYD_ERROR);
  assert_string_equal(err, "cannot fit: no repeat buyers (x is 0 for all 4 customers);"
                           " the model needs customers with x above 0");
  assert_int_equal(seg_gg_fit(gone, 2, 0, &g, &info, err, sizeof err), SEG_BTYD_ERROR);
  assert_string_equal(err, "cannot fit one customer; the model estimates how customers"
                           " differ and needs many of them");
  assert_int_equal(seg_gg_fit(gsame, 2, 0, &g, &info, err, sizeof err), SEG_BTYD_ERROR);
  assert_string_equal(err, "cannot fit: all 2 customers have the same x and avg_value;"
                           " the model estimates how customers differ");
}

/* Two customers cannot pin four parameters down: the likelihood keeps
** rising as estimates run off, and the fit says it did not converge. */
static void test_fit_reports_no_convergence(void **state) {
  seg_bgnbd_obs two[] = {{2, 5, 10, 1}, {0, 0, 10, 1}};
  seg_bgnbd m;
  seg_fit_info info;
  char err[200];
  (void)state;
  assert_int_equal(seg_bgnbd_fit(two, 2, 0, &m, &info, err, sizeof err), SEG_BTYD_OK);
  assert_int_equal(info.converged, 0);
  assert_double_near(2, info.n, 0);
}

/* Values near the top of the doubles make curvatures near DBL_MAX, where
** the damping's limit (1e12 times the curvature) is infinite: the search
** once grew its damping forever here (a fuzzer's find).  It must end, and
** say it did not converge. */
static void test_fit_ends_on_extreme_values(void **state) {
  seg_gg_obs huge[] = {{4, 2.849816432636505e154, 1}, {2.849816432636505e154, 2, 1}};
  seg_gg m;
  seg_fit_info info;
  char err[200];
  (void)state;
  assert_int_equal(seg_gg_fit(huge, 2, 0, &m, &info, err, sizeof err), SEG_BTYD_OK);
  assert_int_equal(info.converged, 0);
  assert_double_near(2, info.n, 0);
}

/* ---- out of memory ------------------------------------------------------------------------ */

static long alloc_countdown; /* fail when it reaches 0; < 0: never */
static long alloc_live;      /* blocks not yet freed */

static void *counting_malloc(size_t n) {
  void *p;
  if (alloc_countdown >= 0 && alloc_countdown-- == 0) return NULL;
  p = malloc(n);
  if (p) alloc_live++;
  return p;
}

static void *counting_realloc(void *p, size_t n) {
  (void)p;
  (void)n;
  fail_msg("the fits do not realloc");
  return NULL;
}

static void counting_free(void *p) {
  if (p) alloc_live--;
  free(p);
}

static void test_out_of_memory(void **state) {
  const seg_bgnbd truth = {0.243, 4.414, 0.793, 2.426};
  const size_t n = 3000;
  seg_bgnbd_obs *obs, *copy;
  seg_gg_obs *gobs;
  seg_bgnbd m;
  seg_gg g;
  seg_fit_info info;
  char err[200];
  int rc;
  long fail_at;
  (void)state;
  rng_state = 11;
  obs = simulate_bgnbd(&truth, n, 10, 40);
  copy = malloc(n * sizeof *copy);
  gobs = malloc(n * sizeof *gobs);
  assert_non_null(copy);
  assert_non_null(gobs);
  seg_set_allocator(counting_malloc, counting_realloc, counting_free);
  for (fail_at = 0;; fail_at++) {
    memcpy(copy, obs, n * sizeof *obs);
    alloc_countdown = fail_at;
    alloc_live = 0;
    rc = seg_bgnbd_fit(copy, n, 0, &m, &info, err, sizeof err);
    assert_int_equal(alloc_live, 0);
    if (rc == SEG_BTYD_OK) break;
    assert_int_equal(rc, SEG_BTYD_NOMEM);
  }
  assert_true(fail_at > 3); /* the table grows: several allocations failed in turn */
  for (fail_at = 0;; fail_at++) {
    for (size_t i = 0; i < n; i++) {
      gobs[i].x = obs[i].x;
      gobs[i].avg_value = 10 + (double)(i % 97);
      gobs[i].weight = 1;
    }
    alloc_countdown = fail_at;
    alloc_live = 0;
    rc = seg_gg_fit(gobs, n, 0, &g, &info, err, sizeof err);
    assert_int_equal(alloc_live, 0);
    if (rc == SEG_BTYD_OK) break;
    assert_int_equal(rc, SEG_BTYD_NOMEM);
  }
  assert_true(fail_at > 1);
  seg_set_allocator(NULL, NULL, NULL);
  free(gobs);
  free(copy);
  free(obs);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void test_json_format_and_parse(void **state) {
  seg_bgnbd m = {0.25, 4, 0.5, 2}, back;
  seg_gg g = {6.25, 3.75, 0.1}, gback;
  seg_fit_info info = {-12.5, 3, 1, 7};
  char out[SEG_BTYD_JSON_MAX], err[200];
  (void)state;
  seg_bgnbd_format(&m, &info, out);
  assert_string_equal(out, "{\"r\":0.25,\"alpha\":4,\"a\":0.5,\"b\":2,\"ll\":-12.5,"
                           "\"n\":3,\"converged\":true}");
  assert_int_equal(seg_bgnbd_parse(out, strlen(out), &back, err, sizeof err), 0);
  assert_memory_equal(&m, &back, sizeof m);
  info.converged = 0;
  seg_gg_format(&g, &info, out);
  assert_string_equal(out, "{\"p\":6.25,\"q\":3.75,\"v\":0.1,\"ll\":-12.5,\"n\":3,"
                           "\"converged\":false}");
  assert_int_equal(seg_gg_parse(out, strlen(out), &gback, err, sizeof err), 0);
  assert_memory_equal(&g, &gback, sizeof g);
  /* any order, white space, only the model's keys */
  {
    const char *z = " { \"b\" : 2.426 , \"a\":0.793,\n\"alpha\":4.414e0, \"r\":0.243 } ";
    assert_int_equal(seg_bgnbd_parse(z, strlen(z), &back, err, sizeof err), 0);
    assert_double_near(0.243, back.r, 0);
    assert_double_near(4.414, back.alpha, 0);
    assert_double_near(0.793, back.a, 0);
    assert_double_near(2.426, back.b, 0);
  }
}

static void assert_parse_error(const char *json, const char *expected) {
  seg_bgnbd m;
  char err[200];
  assert_int_equal(seg_bgnbd_parse(json, strlen(json), &m, err, sizeof err), -1);
  assert_string_equal(err, expected);
}

static void test_json_errors(void **state) {
  seg_gg g;
  char err[200];
  (void)state;
  assert_parse_error("{\"r\":1,\"a\":1,\"b\":1}",
                     "params has no key \"alpha\" (expected r, alpha, a and b, as"
                     " bgnbd_fit returns them)");
  assert_parse_error("{\"r\":1,\"alpha\":1,\"a\":1,\"b\":1,\"beta\":1}",
                     "params has an unknown key \"beta\" (expected r, alpha, a and b,"
                     " as bgnbd_fit returns them)");
  assert_parse_error("{\"r\":1,\"alpha\":1,\"a\":1,\"b\":1,\"r\":2}",
                     "params has the key \"r\" twice");
  assert_parse_error("{\"r\":0,\"alpha\":1,\"a\":1,\"b\":1}",
                     "params \"r\" must be above 0, got 0");
  assert_parse_error("{\"r\":\"0.2\",\"alpha\":1,\"a\":1,\"b\":1}",
                     "params \"r\" must be a number, got \"0.2\",\"alpha\":1,\"a\":1,\"b\":1}");
  assert_parse_error("{\"r\":1,\"alpha\":1,\"a\":1,\"b\":1,\"converged\":1}",
                     "params \"converged\" must be true or false, got 1}");
  assert_parse_error("[0.2, 4, 0.8, 2.4]",
                     "params must be the JSON object that bgnbd_fit returns, got"
                     " '[0.2, 4, 0.8, 2.4]'");
  assert_parse_error("{\"r\":1,\"alpha\":1,\"a\":1,\"b\":1} x",
                     "params must be the JSON object that bgnbd_fit returns, got"
                     " '{\"r\":1,\"alpha\":1,\"a\":1,\"b\":1} x'");
  assert_int_equal(seg_gg_parse("{\"r\":1}", 7, &g, err, sizeof err), -1);
  assert_string_equal(err, "params has an unknown key \"r\" (expected p, q and v, as"
                           " gg_fit returns them)");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lgamma),
      cmocka_unit_test(test_digamma),
      cmocka_unit_test(test_trigamma),
      cmocka_unit_test(test_hyp2f1_closed_forms),
      cmocka_unit_test(test_hyp2f1_large_negative_parameter),
      cmocka_unit_test(test_betainc),
      cmocka_unit_test(test_checks),
      cmocka_unit_test(test_bgnbd_loglik_by_quadrature),
      cmocka_unit_test(test_gg_loglik_by_quadrature),
      cmocka_unit_test(test_p_alive),
      cmocka_unit_test(test_expected_by_quadrature),
      cmocka_unit_test(test_p_k),
      cmocka_unit_test(test_gg_expected_value),
      cmocka_unit_test(test_clv),
      cmocka_unit_test(test_bgnbd_fit_recovers_parameters),
      cmocka_unit_test(test_gg_fit_recovers_parameters),
      cmocka_unit_test(test_fit_ignores_row_order_and_counts_weights),
      cmocka_unit_test(test_penalizer),
      cmocka_unit_test(test_fit_errors),
      cmocka_unit_test(test_fit_reports_no_convergence),
      cmocka_unit_test(test_fit_ends_on_extreme_values),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_json_format_and_parse),
      cmocka_unit_test(test_json_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
