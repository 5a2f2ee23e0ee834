/*
** test_stats.c — distributions and A/B tests (ext/core/stats.c).
**
** Every expected value is independent of the code under test:
**   - published figures: the 68-95-99.7 rule's probabilities and the normal
**     quantiles to 15 digits (as tabulated, e.g. Wikipedia's "Normal
**     distribution"), the chi-square and t critical values of the NIST/
**     SEMATECH e-Handbook's tables (1.3.6.7.2, 1.3.6.7.4), and worked
**     examples with their published answers (Agresti, R's t.test);
**   - closed forms that use other functions than the code does: chi-square
**     with 1, 2, 3, 4 degrees of freedom through erfc and exp, with 2m
**     degrees of freedom through the Poisson sum, Student's t with 1, 2 and
**     4 degrees of freedom through atan and square roots, the normal tail
**     through its asymptotic series, t with many degrees of freedom through
**     its first-order expansion around the normal;
**   - identities between different code paths: the pooled z-test squared
**     is Pearson's chi-square of the 2x2 table; the quantiles invert the
**     distribution functions.
** The worked A/B arithmetic is written out in the comments.
**
**   make build/unit/test_stats && ./build/unit/test_stats
*/
#include "testutil.h"

#include <float.h>

#include "stats.h"

#define PI 3.14159265358979323846

/* |expected - actual| <= tol * |expected| */
#define assert_relative(expected, actual, tol)                                 \
  do {                                                                         \
    double er_ = (expected);                                                   \
    assert_double_near(er_, (actual), (tol) * fabs(er_));                      \
  } while (0)

/* ---- normal --------------------------------------------------------------- */

/* The 68-95-99.7 rule to 15 digits: P(|Z| < k) for k = 1, 2, 3. */
static void test_normal_rule_68_95_997(void **state) {
  (void)state;
  assert_double_near(0.682689492137086, 2 * seg_normal_cdf(1) - 1, 1e-15);
  assert_double_near(0.954499736103642, 2 * seg_normal_cdf(2) - 1, 1e-15);
  assert_double_near(0.997300203936740, 2 * seg_normal_cdf(3) - 1, 1e-15);
  assert_double_near(0.5, seg_normal_cdf(0), 0);
  for (double z = -8; z <= 8; z += 0.25)
    assert_double_near(1.0, seg_normal_cdf(z) + seg_normal_sf(z), 1e-15);
}

/* Far tails: Q(z) = phi(z)/z (1 - 1/z^2 + 3/z^4 - 15/z^6 + 105/z^8 - ...),
** whose next term at z = 30 is 945/30^10, below 2e-12 relative. */
static void test_normal_tail_asymptotic(void **state) {
  (void)state;
  for (double z = 30; z <= 36; z += 2) {
    double r = 1 / (z * z);
    double series = exp(-0.5 * z * z) / sqrt(2 * PI) / z *
                    (1 - r * (1 - 3 * r * (1 - 5 * r * (1 - 7 * r))));
    assert_relative(series, seg_normal_sf(z), 5e-12);
    assert_relative(series, seg_normal_cdf(-z), 5e-12);
  }
}

/* Published quantiles: z(0.975) = 1.959963984540054, z(0.995) =
** 2.575829303548901, z(0.999) = 3.090232306167814, z(0.95) = 1.644853626951472. */
static void test_normal_quantile(void **state) {
  (void)state;
  assert_double_near(1.959963984540054, seg_normal_quantile(0.975), 4e-15);
  assert_double_near(-1.959963984540054, seg_normal_quantile(0.025), 4e-15);
  assert_double_near(2.575829303548901, seg_normal_quantile(0.995), 4e-15);
  assert_double_near(3.090232306167814, seg_normal_quantile(0.999), 4e-15);
  assert_double_near(1.644853626951472, seg_normal_quantile(0.95), 4e-15);
  assert_double_near(0, seg_normal_quantile(0.5), 0);
  /* It inverts the CDF, deep into the lower tail too (where a last-bit
  ** error in x moves the CDF by about x^2 times as much). */
  for (double p = 1e-300; p < 0.5; p *= 7.3) {
    double x = seg_normal_quantile(p);
    assert_relative(p, seg_normal_cdf(x), (2 + x * x) * 4e-16);
  }
  assert_true(isinf(seg_normal_quantile(0)) && seg_normal_quantile(0) < 0);
  assert_true(isinf(seg_normal_quantile(1)) && seg_normal_quantile(1) > 0);
  assert_true(isnan(seg_normal_quantile(1.5)));
  assert_true(isnan(seg_normal_quantile(NAN)));
}

/* ---- gamma and chi-square ----------------------------------------------------------- */

static void test_log_gamma(void **state) {
  (void)state;
  /* Gamma(1/2) = sqrt(pi); Gamma(n) = (n-1)!. */
  assert_double_near(0.5 * log(PI), seg_log_gamma(0.5), 1e-15);
  assert_double_near(0, seg_log_gamma(1), 1e-15);
  assert_double_near(0, seg_log_gamma(2), 1e-15);
  assert_relative(log(362880.0), seg_log_gamma(10), 1e-15);
  assert_relative(log(6402373705728000.0), seg_log_gamma(19), 1e-15);
  /* Reflection below 1/2: Gamma(0.1) = 9.513507698668732 (tabulated). */
  assert_relative(log(9.513507698668732), seg_log_gamma(0.1), 1e-14);
  assert_true(isnan(seg_log_gamma(0)) && isnan(seg_log_gamma(-1)));
}

/* The NIST/SEMATECH e-Handbook's table of upper critical values of the
** chi-square distribution (1.3.6.7.4), at 5% and 1%: P(X >= table value)
** is the level, to the table's three decimals. */
static void test_chi2_table(void **state) {
  static const struct {
    double df, x05, x01;
  } table[] = {{1, 3.841, 6.635},   {2, 5.991, 9.210},   {3, 7.815, 11.345},
               {5, 11.070, 15.086}, {10, 18.307, 23.209}, {30, 43.773, 50.892},
               {100, 124.342, 135.807}};
  (void)state;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    /* A table value is within 0.0005 of the quantile; the density there
    ** is below 0.15, so the level is within 1e-4. */
    assert_double_near(0.05, seg_chi2_sf(table[i].x05, table[i].df), 1e-4);
    assert_double_near(0.01, seg_chi2_sf(table[i].x01, table[i].df), 1e-4);
  }
  /* chi-square(1) at z(0.975)^2 is exactly the 5% point. */
  assert_double_near(0.05, seg_chi2_sf(1.959963984540054 * 1.959963984540054, 1),
                     1e-15);
}

/* Closed forms: df 1: erfc(sqrt(x/2)); df 2: exp(-x/2); df 3: erfc(sqrt(x/2))
** + sqrt(2x/pi) exp(-x/2); df 4: exp(-x/2)(1 + x/2). */
static void test_chi2_closed_forms(void **state) {
  (void)state;
  for (double x = 0.01; x < 200; x *= 1.7) {
    double h = 0.5 * x;
    assert_relative(erfc(sqrt(h)), seg_chi2_sf(x, 1), 1e-13);
    assert_relative(exp(-h), seg_chi2_sf(x, 2), 1e-13);
    assert_relative(erfc(sqrt(h)) + sqrt(2 * x / PI) * exp(-h), seg_chi2_sf(x, 3),
                    1e-13);
    assert_relative(exp(-h) * (1 + h), seg_chi2_sf(x, 4), 1e-13);
    assert_double_near(1.0, seg_chi2_sf(x, 3) + seg_gamma_p(1.5, h), 1e-14);
  }
  assert_double_near(1, seg_chi2_sf(0, 3), 0);
  assert_double_near(1, seg_chi2_sf(-1, 3), 0);
  assert_true(isnan(seg_chi2_sf(1, 0)));
}

/* With 2m degrees of freedom, P(X >= x) = P(Poisson(x/2) < m) =
** sum_{i<m} e^{-x/2} (x/2)^i / i!: a plain sum of positive terms, taken in
** logs (lgamma from the C library).  Up to 2m = 20000, around the mean and
** in both tails (the Stirling-form prefactor). */
static void test_chi2_even_df_poisson_sum(void **state) {
  static const double dfs[] = {6, 20, 200, 2000, 20000};
  (void)state;
  for (size_t k = 0; k < sizeof dfs / sizeof dfs[0]; k++) {
    double df = dfs[k];
    int m = (int)(df / 2);
    for (double s = -4; s <= 6; s += 1) {
      double x = df + s * sqrt(2 * df), h = 0.5 * x, sum = 0;
      if (x <= 0) continue;
      for (int i = 0; i < m; i++) sum += exp(-h + i * log(h) - lgamma(i + 1.0));
      assert_relative(sum, seg_chi2_sf(x, df), 1e-11);
    }
  }
}

/* ---- Student's t ------------------------------------------------------------------------ */

/* df 1: 1/2 + atan(t)/pi; df 2: 1/2 + t / (2 sqrt(2 + t^2)); df 4:
** 1/2 + (3/8) (t / sqrt(a)) (1 - t^2 / (12 a)), a = 1 + t^2/4. */
static void test_t_closed_forms(void **state) {
  (void)state;
  for (double t = -60; t <= 60; t += 0.37) {
    double a = 1 + t * t / 4;
    assert_double_near(0.5 + atan(t) / PI, seg_t_cdf(t, 1), 2e-15);
    assert_double_near(0.5 + t / (2 * sqrt(2 + t * t)), seg_t_cdf(t, 2), 2e-15);
    assert_double_near(0.5 + 0.375 * (t / sqrt(a)) * (1 - t * t / (12 * a)),
                       seg_t_cdf(t, 4), 2e-15);
    assert_double_near(seg_t_sf2(t, 7.5), 2 * seg_t_cdf(-fabs(t), 7.5), 1e-15);
  }
  /* Far tails keep their relative accuracy: P(T >= t) for df 1 is
  ** atan(1/t)/pi, for df 2 it is (1 - t/sqrt(2 + t^2))/2 = 1/(sqrt(2+t^2)
  ** (sqrt(2+t^2) + t)). */
  for (double t = 10; t < 1e6; t *= 3.1) {
    double r = sqrt(2 + t * t);
    assert_relative(atan(1 / t) / PI, seg_t_cdf(-t, 1), 1e-13);
    assert_relative(1 / (r * (r + t)), seg_t_cdf(-t, 2), 1e-13);
  }
  assert_double_near(0.5, seg_t_cdf(0, 3), 0);
  assert_true(isnan(seg_t_cdf(1, 0)) && isnan(seg_t_cdf(NAN, 3)));
}

/* NIST/SEMATECH e-Handbook 1.3.6.7.2 (upper critical values of Student's
** t, 0.025 column): 12.706, 4.303, 2.571, 2.228, 2.042, 1.984 for df 1, 2,
** 5, 10, 30, 100; and the closed forms of the quantile for df 1
** (-1/tan(pi p), written so that it keeps its digits for small p) and
** df 2 ((2p-1) / sqrt(2p(1-p))). */
static void test_t_quantile(void **state) {
  static const double df[] = {1, 2, 5, 10, 30, 100};
  static const double table[] = {12.706, 4.303, 2.571, 2.228, 2.042, 1.984};
  (void)state;
  for (int i = 0; i < 6; i++)
    assert_double_near(table[i], seg_t_quantile(0.975, df[i]), 5e-4);
  for (double p = 1e-9; p < 1; p += p < 0.01 ? p * 3 : 0.0371) {
    double cauchy = p < 0.5 ? -1 / tan(PI * p) : 1 / tan(PI * (1 - p));
    assert_relative(cauchy, seg_t_quantile(p, 1), 1e-12);
    assert_relative((2 * p - 1) / sqrt(2 * p * (1 - p)), seg_t_quantile(p, 2), 1e-12);
  }
  /* It inverts the CDF for non-integral df as Welch gives them. */
  for (double v = 0.7; v < 1e7; v *= 4.3)
    for (double p = 0.001; p < 1; p += 0.0999)
      assert_double_near(p, seg_t_cdf(seg_t_quantile(p, v), v), 1e-14);
  assert_double_near(0, seg_t_quantile(0.5, 3), 0);
  assert_true(isinf(seg_t_quantile(1, 3)));
}

/* Many degrees of freedom: F(t) = Phi(t) - phi(t) (t^3 + t) / (4 df) +
** O(df^-2) (Fisher's expansion); the next term is below phi(t) (|t|^7/32 +
** 1) / df^2 for |t| <= 4 (5e-14 phi(t) at df = 10^8).  This is where the
** continued fraction lost up to 9 digits (see stats.c: BGRAT takes over). */
static void test_t_many_degrees_of_freedom(void **state) {
  (void)state;
  for (double v = 1e6; v <= 1e8; v *= 10) {
    for (double t = -4; t <= 4; t += 0.5) {
      double phi = exp(-0.5 * t * t) / sqrt(2 * PI);
      double first = seg_normal_cdf(t) - phi * (t * t * t + t) / (4 * v);
      double bound = phi * (1e-13 + (pow(fabs(t), 7) / 32 + 1) / (v * v));
      assert_double_near(first, seg_t_cdf(t, v), bound + 1e-16);
    }
  }
}

/* ---- moments ----------------------------------------------------------------------------- */

/* R's t.test example below: ts1 = 11 9 10 11 10 12 9 11 12 9 has mean 10.4
** and squared deviations summing to 12.4, variance 12.4/9. */
static void test_moments(void **state) {
  static const double ts1[] = {11, 9, 10, 11, 10, 12, 9, 11, 12, 9};
  seg_moments m = {0, 0, 0};
  (void)state;
  assert_true(isnan(seg_moments_variance(&m)));
  for (int i = 0; i < 10; i++) seg_moments_add(&m, ts1[i]);
  assert_double_near(10, m.n, 0);
  assert_double_near(10.4, m.mean, 1e-14);
  assert_double_near(12.4 / 9, seg_moments_variance(&m), 1e-14);
  /* A large offset does not cancel the variance away. */
  m = (seg_moments){0, 0, 0};
  for (int i = 0; i < 10; i++) seg_moments_add(&m, 1e9 + ts1[i]);
  assert_double_near(12.4 / 9, seg_moments_variance(&m), 1e-6);
}

/* ---- the tests ------------------------------------------------------------------------------ */

/* The Physicians' Health Study (Agresti, Categorical Data Analysis):
** myocardial infarction in 189 of 11034 on placebo, 104 of 11037 on
** aspirin.  Agresti: proportions 0.0171 and 0.0094, difference 0.0077
** with standard error 0.0015, 95% interval (0.005, 0.011); Pearson's
** X^2 = 25.01 (df 1), P < 0.0001.
** By hand: rates 189/11034 = 0.0171289, 104/11037 = 0.0094228; pooled
** 293/22071 = 0.0132753; pooled SE sqrt(0.0132753 * 0.9867247 *
** (1/11034 + 1/11037)) = 0.0015407; z = 0.0077061/0.0015407 = 5.0016,
** z^2 = 25.016. */
static void test_aspirin_two_proportions(void **state) {
  seg_two_prop r;
  seg_chi2_test c;
  double x[2] = {104, 189}, n[2] = {11037, 11034};
  (void)state;
  /* A = aspirin, B = placebo: diff = placebo - aspirin. */
  assert_int_equal(seg_two_proportions(104, 11037, 189, 11034, 0.95, &r), 0);
  assert_true(r.has_ci && r.has_p);
  assert_double_near(0.0094, r.rate_a, 5e-5);
  assert_double_near(0.0171, r.rate_b, 5e-5);
  assert_double_near(0.0077, r.diff, 5e-5);
  assert_double_near(0.005, r.ci_low, 5e-4);
  assert_double_near(0.011, r.ci_high, 5e-4);
  assert_double_near(5.0016, r.z, 5e-4);
  assert_double_near(25.01, r.z * r.z, 5e-3);
  assert_true(r.p_value < 0.0001);
  /* The same table through the chi-square test of independence: the same
  ** statistic, and the same p-value through the gamma function instead of
  ** erfc. */
  assert_int_equal(seg_chi2_independence(x, n, 2, &c), 0);
  assert_true(c.ok);
  assert_double_near(1, c.df, 0);
  assert_relative(r.z * r.z, c.chi2, 1e-12);
  assert_relative(r.p_value, c.p_value, 1e-12);
  /* The smallest expected count: 11034 * 0.0132753 = 146.48. */
  assert_double_near(146.48, r.min_expected, 0.01);
  assert_double_near(r.min_expected, c.min_expected, 1e-9);
}

/* A worked two-sample proportion test (usablestats.com, "compare two
** proportions"): 118 of 3303 against 80 of 3303; z = 2.74195, two-sided
** p = 0.00611. */
static void test_two_proportions_worked(void **state) {
  seg_two_prop r;
  (void)state;
  assert_int_equal(seg_two_proportions(80, 3303, 118, 3303, 0.95, &r), 0);
  assert_double_near(2.74195, r.z, 5e-5);
  assert_double_near(0.00611, r.p_value, 5e-6);
}

/* Party identification by gender (Agresti, An Introduction to Categorical
** Data Analysis): Democrat, Independent, Republican; females 762, 327,
** 468; males 484, 239, 477.  X^2 = 30.07 on df 2, P < 0.001.  As variants
** (party) by "converted" (female): 762 of 1246, 327 of 566, 468 of 945.
** With df 2 the p-value is exactly exp(-X^2/2). */
static void test_party_identification_chi2(void **state) {
  seg_chi2_test c;
  double x[3] = {762, 327, 468}, n[3] = {1246, 566, 945};
  (void)state;
  assert_int_equal(seg_chi2_independence(x, n, 3, &c), 0);
  assert_true(c.ok);
  assert_double_near(2, c.df, 0);
  assert_double_near(30.07, c.chi2, 5e-3);
  assert_relative(exp(-0.5 * c.chi2), c.p_value, 1e-13);
  assert_true(c.p_value < 0.001);
}

/* R's t.test (Welch) on ts1 = 11 9 10 11 10 12 9 11 12 9 and
** ts2 = 11 13 10 13 12 9 11 12 12 11:
**   t = -1.8325, df = 17.9, p-value = 0.08356,
**   95 percent confidence interval: -2.1469104  0.1469104
** By hand: means 10.4, 11.4; variances 12.4/9, 14.4/9; se = sqrt(0.137778
** + 0.16) = 0.545690; t = -1/0.545690; df = 0.297778^2 / ((0.137778^2 +
** 0.16^2)/9) = 17.900.  R reports mean(x) - mean(y) with x = ts1, so ts1
** is variant B here. */
static void test_welch_r_example(void **state) {
  seg_welch_test w;
  (void)state;
  assert_int_equal(seg_welch(10, 11.4, 14.4 / 9, 10, 10.4, 12.4 / 9, 0.95, &w), 0);
  assert_true(w.ok);
  assert_double_near(-1, w.diff, 1e-14);
  assert_double_near(-1.8325, w.t, 5e-5);
  assert_double_near(17.9, w.df, 5e-2);
  assert_double_near(0.08356, w.p_value, 5e-6);
  assert_double_near(-2.1469104, w.ci_low, 5e-8);
  assert_double_near(0.1469104, w.ci_high, 5e-8);
  assert_double_near(17.9, seg_welch_df(12.4 / 9, 10, 14.4 / 9, 10), 5e-2);
}

/* What cannot be computed says so. */
static void test_degenerate_cases(void **state) {
  seg_two_prop r;
  seg_chi2_test c;
  seg_welch_test w;
  double x0[2] = {0, 0}, n[2] = {10, 20}, x1[2] = {10, 20};
  (void)state;
  /* Nobody converted: no test, no interval. */
  assert_int_equal(seg_two_proportions(0, 10, 0, 20, 0.95, &r), 0);
  assert_false(r.has_p);
  assert_false(r.has_ci);
  assert_double_near(0, r.diff, 0);
  assert_int_equal(seg_chi2_independence(x0, n, 2, &c), 0);
  assert_false(c.ok);
  assert_int_equal(seg_chi2_independence(x1, n, 2, &c), 0);
  assert_false(c.ok);
  /* 0% against 100%: the unpooled SE is 0 (no interval), the pooled one
  ** is not: z = 1 / sqrt(1/2 * 1/2 * (1/10 + 1/10)) = sqrt(20) = 4.4721. */
  assert_int_equal(seg_two_proportions(0, 10, 10, 10, 0.95, &r), 0);
  assert_false(r.has_ci);
  assert_true(r.has_p);
  assert_double_near(sqrt(20), r.z, 1e-12);
  /* No variance in either variant. */
  assert_int_equal(seg_welch(5, 3, 0, 7, 4, 0, 0.95, &w), 0);
  assert_false(w.ok);
  /* Variance in one only: df = n - 1 of that one. */
  assert_int_equal(seg_welch(5, 3, 0, 7, 4, 2, 0.95, &w), 0);
  assert_true(w.ok);
  assert_double_near(6, w.df, 1e-12);
  /* Bad arguments. */
  assert_int_equal(seg_two_proportions(1, 0, 1, 2, 0.95, &r), -1);
  assert_int_equal(seg_two_proportions(3, 2, 1, 2, 0.95, &r), -1);
  assert_int_equal(seg_two_proportions(1, 2, 1, 2, 1.0, &r), -1);
  assert_int_equal(seg_chi2_independence(x0, n, 1, &c), -1);
  assert_int_equal(seg_welch(1, 3, 0, 7, 4, 2, 0.95, &w), -1);
  assert_int_equal(seg_welch(5, 3, -1, 7, 4, 2, 0.95, &w), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_normal_rule_68_95_997),
      cmocka_unit_test(test_normal_tail_asymptotic),
      cmocka_unit_test(test_normal_quantile),
      cmocka_unit_test(test_log_gamma),
      cmocka_unit_test(test_chi2_table),
      cmocka_unit_test(test_chi2_closed_forms),
      cmocka_unit_test(test_chi2_even_df_poisson_sum),
      cmocka_unit_test(test_t_closed_forms),
      cmocka_unit_test(test_t_quantile),
      cmocka_unit_test(test_t_many_degrees_of_freedom),
      cmocka_unit_test(test_moments),
      cmocka_unit_test(test_aspirin_two_proportions),
      cmocka_unit_test(test_two_proportions_worked),
      cmocka_unit_test(test_party_identification_chi2),
      cmocka_unit_test(test_welch_r_example),
      cmocka_unit_test(test_degenerate_cases),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
