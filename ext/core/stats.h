/*
** stats.h — the distributions and tests behind ab_test(): normal, chi-square
** and Student t probabilities, the two-proportion z-test, the chi-square
** test of independence and Welch's t-test.
**
**     seg_normal_quantile(0.975);        // 1.959963984540054
**     seg_chi2_sf(3.841458820694124, 1); // 0.05: P(X >= x), X ~ chi-square(1)
**     seg_t_cdf(2.228138851986274, 10);  // 0.975
**
**     seg_two_prop r;                    // 100/1000 (A) vs 120/1000 (B)
**     seg_two_proportions(100, 1000, 120, 1000, 0.95, &r);
**     // r.diff = 0.02 (B - A), r.ci_low/ci_high: unpooled normal interval,
**     // r.z, r.p_value: pooled two-sided z-test
**
** Accuracy: the normal functions to a few units in the last place (erfc
** from the C library, the quantile refined by Halley steps); the
** chi-square and t probabilities through the regularized incomplete gamma
** and beta functions (series and continued fractions, Numerical Recipes
** ch. 6, with log-beta computed without cancellation for large
** arguments) to about 1e-12 relative in the tails that p-values live in.
** tests/unit/test_stats.c checks them against tabulated values and
** closed forms.
**
** Nothing here allocates.  A test that cannot be computed (a zero standard
** error, too few rows) says so in its ok flags instead of returning NaN.
*/
#ifndef SEGMENT_CORE_STATS_H
#define SEGMENT_CORE_STATS_H

/* ---- distributions -------------------------------------------------------- */

/* The standard normal: P(Z <= z), P(Z >= z) (accurate far into the upper
** tail), and the z with P(Z <= z) = p for 0 < p < 1 (-inf at 0, +inf at 1,
** NaN outside). */
double seg_normal_cdf(double z);
double seg_normal_sf(double z);
double seg_normal_quantile(double p);

/* log(Gamma(x)) for x > 0 (Lanczos, g = 7). */
double seg_log_gamma(double x);

/* The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P,
** for a > 0, x >= 0 (NaN otherwise). */
double seg_gamma_p(double a, double x);
double seg_gamma_q(double a, double x);

/* The regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1
** (NaN otherwise). */
double seg_beta_inc(double a, double b, double x);

/* The same with y = 1 - x given too, each as exact as the caller has it
** (x = t/(alpha+t) and y = alpha/(alpha+t), say): no digits lost to 1 - x
** near 1.  a, b > 0, x + y = 1, both in [0, 1]. */
double seg_beta_inc_xy(double a, double b, double x, double y);

/* Chi-square with df degrees of freedom (df > 0): P(X >= x). */
double seg_chi2_sf(double x, double df);

/* Student's t with df degrees of freedom (df > 0, not necessarily whole):
** P(T <= t); the two-sided P(|T| >= |t|); and the t with P(T <= t) = p. */
double seg_t_cdf(double t, double df);
double seg_t_sf2(double t, double df);
double seg_t_quantile(double p, double df);

/* ---- running moments ------------------------------------------------------ */

/* Count, mean and sum of squared deviations, updated one value at a time
** (Welford), so that a large mean does not cancel the variance away. */
typedef struct seg_moments {
  double n;
  double mean;
  double m2;
} seg_moments;

void seg_moments_add(seg_moments *m, double x);
/* The sample variance (divisor n - 1); NaN when n < 2. */
double seg_moments_variance(const seg_moments *m);

/* ---- tests ----------------------------------------------------------------- */

/* Two proportions: xa successes of na (variant A) against xb of nb (B).
**   diff            rate_b - rate_a
**   ci_low, ci_high the level (e.g. 0.95) confidence interval of diff by the
**                   unpooled normal approximation (Wald):
**                   diff -+ z * sqrt(ra(1-ra)/na + rb(1-rb)/nb)
**   z, p_value      the pooled two-sided z-test of equal rates:
**                   z = diff / sqrt(p(1-p)(1/na + 1/nb)), p = pooled rate;
**                   z^2 is Pearson's chi-square of the 2x2 table without
**                   continuity correction
**   min_expected    the smallest expected cell count of the 2x2 table
** has_ci is 0 when the unpooled standard error is 0 (both rates 0 or 1);
** has_p is 0 when the pooled one is (every row converted, or none did).
** Returns 0, or -1 when na or nb < 1 or a count is out of range. */
typedef struct seg_two_prop {
  double rate_a, rate_b, diff;
  double ci_low, ci_high;
  double z, p_value;
  double min_expected;
  int has_ci, has_p;
} seg_two_prop;

int seg_two_proportions(double xa, double na, double xb, double nb,
                        double level, seg_two_prop *out);

/* Pearson's chi-square test of independence of the k x 2 table whose row i
** holds x[i] successes of n[i] (k >= 2): chi2, df = k - 1, p_value, and the
** smallest expected count.  ok is 0 when a column of the table is empty
** (no success at all, or no failure): the statistic is then undefined.
** Returns 0, or -1 when k < 2 or a row is empty or out of range. */
typedef struct seg_chi2_test {
  double chi2, df, p_value, min_expected;
  int ok;
} seg_chi2_test;

int seg_chi2_independence(const double *x, const double *n, int k,
                          seg_chi2_test *out);

/* Welch's two-sample t-test of mean_b - mean_a from each variant's count,
** mean and sample variance:
**   diff        mean_b - mean_a
**   t, df       diff / sqrt(va/na + vb/nb), Welch-Satterthwaite df
**   p_value     two-sided
**   ci_low/high the level confidence interval of diff, diff -+ t_q * se
** ok is 0 when the standard error is 0 (no variance in either variant).
** Returns 0, or -1 when na or nb < 2 or a variance is negative. */
typedef struct seg_welch_test {
  double diff, se, t, df, p_value, ci_low, ci_high;
  int ok;
} seg_welch_test;

int seg_welch(double na, double mean_a, double var_a, double nb,
              double mean_b, double var_b, double level, seg_welch_test *out);

/* The Welch-Satterthwaite degrees of freedom of two variances of the mean
** sa = va/na and sb = vb/nb: (sa + sb)^2 / (sa^2/(na-1) + sb^2/(nb-1)). */
double seg_welch_df(double va, double na, double vb, double nb);

#endif
