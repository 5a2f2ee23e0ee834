/*
** stats.c — distributions and the A/B tests; see stats.h.
**
** HOW IT WORKS
** Normal: P(Z <= z) = erfc(-z/sqrt 2)/2 from the C library, which keeps
** its relative accuracy deep into the tails.  The quantile starts from
** Abramowitz & Stegun 26.2.23 (error < 4.5e-4) and takes three Halley
** steps on erfc, each of which cubes the error, so the result is as good
** as the CDF it inverts.
**
** Gamma family: log Gamma by Lanczos' series (g = 7, 9 terms; relative
** error about 1e-15).  P(a, x) by its power series when x < a + 1, Q(a, x)
** by the continued fraction otherwise, evaluated with the modified Lentz
** method (Numerical Recipes 6.2).
**
** Beta family: I_x(a, b) by its continued fraction (NR 6.4) on whichever
** side of the mean (a+1)/(a+b+2) it converges fast, the other side by
** symmetry, I_x(a, b) = 1 - I_{1-x}(b, a).  The prefactor
** x^a (1-x)^b / B(a, b) is taken in logs.  Student's t with many degrees
** of freedom makes a large, and log B(a, b) = lgamma(a) + lgamma(b) -
** lgamma(a+b) would then lose digits to cancellation (each term about
** a log a); log_beta() subtracts Stirling's series analytically instead
** (as R's lbeta does), so a p-value stays accurate for df in the millions.
** The callers pass x and 1 - x separately so that neither is rounded
** near 1: a t statistic gives x = df/(df+t^2) and 1-x = t^2/(df+t^2).
**
** The t quantile is found by Newton's method on log P(T >= t) inside a
** bracket that bisection keeps when a step leaves it.
*/
#include "stats.h"

#include <float.h>
#include <math.h>

#define STATS_PI 3.14159265358979323846
#define STATS_SQRT1_2 0.70710678118654752440      /* 1/sqrt(2) */
#define STATS_SQRT_2PI 2.50662827463100050242     /* sqrt(2 pi) */
#define STATS_LN_SQRT_2PI 0.91893853320467274178  /* log(sqrt(2 pi)) */

#define STATS_EPS 1e-15     /* relative convergence of series and fractions */
#define STATS_TINY 1e-300   /* Lentz's guard against a zero denominator */
#define STATS_MAXIT 200000  /* far beyond what convergence needs */
#define BGRAT_MIN_A 15.0    /* beta_large_a() from here on */

/* ---- normal ------------------------------------------------------------------ */

double seg_normal_cdf(double z) { return 0.5 * erfc(-z * STATS_SQRT1_2); }

double seg_normal_sf(double z) { return 0.5 * erfc(z * STATS_SQRT1_2); }

double seg_normal_quantile(double p) {
  double q, t, x;
  int upper;
  if (!(p >= 0 && p <= 1)) return NAN;
  if (p == 0) return -INFINITY;
  if (p == 1) return INFINITY;
  if (p == 0.5) return 0;
  /* Solve P(Z <= x) = q in the lower half; 1 - p is exact for p > 0.5. */
  upper = p > 0.5;
  q = upper ? 1.0 - p : p;
  t = sqrt(-2.0 * log(q));
  x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  for (int i = 0; i < 3; i++) {
    /* Halley: u = (Phi(x) - q) / phi(x); exp(x^2/2) in two halves so that
    ** it cannot overflow where q is near the smallest double. */
    double h = exp(0.25 * x * x);
    double u = (seg_normal_cdf(x) - q) * STATS_SQRT_2PI * h * h;
    x -= u / (1.0 + 0.5 * x * u);
  }
  return upper ? -x : x;
}

/* ---- gamma ---------------------------------------------------------------------- */

double seg_log_gamma(double x) {
  static const double c[9] = {
      0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
      771.32342877765313,   -176.61502916214059,   12.507343278686905,
      -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
  double a, t;
  if (!(x > 0)) return NAN;
  if (x == INFINITY) return INFINITY;
  if (x < 0.5) {
    /* Reflection: Gamma(x) Gamma(1-x) = pi / sin(pi x). */
    return log(STATS_PI / sin(STATS_PI * x)) - seg_log_gamma(1.0 - x);
  }
  x -= 1.0;
  a = c[0];
  for (int i = 1; i < 9; i++) a += c[i] / (x + i);
  t = x + 7.5;
  return STATS_LN_SQRT_2PI + (x + 0.5) * log(t) - t + log(a);
}

/* lgamma(x) - ((x - 1/2) log x - x + log sqrt(2 pi)), Stirling's series,
** for x >= 10 (truncation error below 2e-14 there). */
static double stirling_correction(double x) {
  double r = 1.0 / x, r2 = r * r;
  return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 -
              r2 * (1.0 / 1188)))));
}

/* log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), without the
** cancellation of that formula when a or b is large. */
static double log_beta(double a, double b) {
  double p = a < b ? a : b, q = a < b ? b : a; /* p <= q */
  if (q < 10) return seg_log_gamma(p) + seg_log_gamma(q) - seg_log_gamma(p + q);
  if (p < 10) {
    return seg_log_gamma(p) + stirling_correction(q) - stirling_correction(p + q) -
           (q - 0.5) * log1p(p / q) - p * log(p + q) + p;
  }
  return -0.5 * log(q) + STATS_LN_SQRT_2PI + stirling_correction(p) +
         stirling_correction(q) - stirling_correction(p + q) +
         (p - 0.5) * log(p / (p + q)) + q * log1p(-p / (p + q));
}

/* log(1 + x) - x without cancellation: with r = x/(2+x) and y = r^2,
** log(1+x) = 2 atanh(r) = 2r(1 + y/3 + y^2/5 + ...) and x - 2r = x r, so
** log(1+x) - x = 2r(y/3 + y^2/5 + ...) - x r, two terms of different
** orders.  For |x| <= 1/2, y <= 1/9 and 17 terms reach double precision. */
static double log1p_minus_x(double x) {
  double r, y, yk, sum = 0;
  if (fabs(x) > 0.5) return log1p(x) - x;
  r = x / (2.0 + x);
  y = r * r;
  yk = y;
  for (int k = 1; k <= 17; k++) {
    sum += yk / (2 * k + 1);
    yk *= y;
  }
  return 2.0 * r * sum - x * r;
}

/* x^a e^-x / Gamma(a), the factor in front of both expansions.  For
** a >= 10 in Stirling's form, a (log(x/a) - x/a + 1) + log(a)/2 - log
** sqrt(2 pi) - correction(a), whose terms do not cancel: the plain one
** loses about log10(a) digits (chi-square with 10^6 degrees of freedom
** lost 6). */
static double gamma_front(double a, double x) {
  if (a < 10) return exp(-x + a * log(x) - seg_log_gamma(a));
  return exp(a * log1p_minus_x((x - a) / a) + 0.5 * log(a) -
             STATS_LN_SQRT_2PI - stirling_correction(a));
}

/* P(a, x) by the series, for x < a + 1. */
static double gamma_series(double a, double x) {
  double ap = a, term = 1.0 / a, sum = term;
  for (int i = 0; i < STATS_MAXIT; i++) {
    ap += 1.0;
    term *= x / ap;
    sum += term;
    if (fabs(term) < fabs(sum) * STATS_EPS) break;
  }
  return sum * gamma_front(a, x);
}

/* Q(a, x) by the continued fraction, for x >= a + 1 (modified Lentz). */
static double gamma_fraction(double a, double x) {
  double b = x + 1.0 - a, c = 1.0 / STATS_TINY, d = 1.0 / b, h = d;
  for (int i = 1; i < STATS_MAXIT; i++) {
    double an = -i * (i - a), delta;
    b += 2.0;
    d = an * d + b;
    if (fabs(d) < STATS_TINY) d = STATS_TINY;
    c = b + an / c;
    if (fabs(c) < STATS_TINY) c = STATS_TINY;
    d = 1.0 / d;
    delta = d * c;
    h *= delta;
    if (fabs(delta - 1.0) < STATS_EPS) break;
  }
  return gamma_front(a, x) * h;
}

double seg_gamma_p(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return NAN;
  if (x == 0) return 0;
  if (x == INFINITY) return 1;
  return x < a + 1.0 ? gamma_series(a, x) : 1.0 - gamma_fraction(a, x);
}

double seg_gamma_q(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return NAN;
  if (x == 0) return 1;
  if (x == INFINITY) return 0;
  return x < a + 1.0 ? 1.0 - gamma_series(a, x) : gamma_fraction(a, x);
}

double seg_chi2_sf(double x, double df) {
  if (!(df > 0) || x != x) return NAN;
  if (x <= 0) return 1;
  return seg_gamma_q(0.5 * df, 0.5 * x);
}

/* ---- beta -------------------------------------------------------------------------- */

/* The continued fraction of I_x(a, b) (NR's betacf), modified Lentz; y is
** 1 - x.  Its first denominator 1 - (a+b)x/(a+1) nearly cancels when x is
** close to 1 and a is large (a t statistic with many degrees of freedom);
** written (1 - b + (a+b)y)/(a+1) it does not. */
static double beta_fraction(double a, double b, double x, double y) {
  double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0, h;
  double d = x > 0.5 ? (1.0 - b + qab * y) / qap : 1.0 - qab * x / qap;
  if (fabs(d) < STATS_TINY) d = STATS_TINY;
  d = 1.0 / d;
  h = d;
  for (int m = 1; m < STATS_MAXIT; m++) {
    double m2 = 2.0 * m, aa, delta;
    aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < STATS_TINY) d = STATS_TINY;
    c = 1.0 + aa / c;
    if (fabs(c) < STATS_TINY) c = STATS_TINY;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < STATS_TINY) d = STATS_TINY;
    c = 1.0 + aa / c;
    if (fabs(c) < STATS_TINY) c = STATS_TINY;
    d = 1.0 / d;
    delta = d * c;
    h *= delta;
    if (fabs(delta - 1.0) < STATS_EPS) break;
  }
  return h;
}

/* I_x(a, b) for large a and b <= 1 by DiDonato and Morris's asymptotic
** expansion BGRAT (ACM TOMS 708, 1992, eq. 9 to 9.6): with T = a + (b-1)/2
** and u = -T log x,
**   I_x(a, b) = Gamma(a+b)/Gamma(a) T^-b sum_n p_n J_n,
**   J_0 = Q(b, u)/h, h = u^b e^-u / Gamma(b), and J_n by recurrence,
** written here as it is in Boost.Math (beta_small_b_large_a_series).  The
** continued fraction is ill-conditioned there: near the mean of the
** distribution its terms alternate between about -1 and about 0, and a t
** test with 10^8 degrees of freedom lost 9 digits to it. */
static double beta_large_a(double a, double b, double x, double y) {
  enum { TERMS = 30 };
  double p[TERMS], odd_factorial[2 * TERMS + 2];
  double t = a + 0.5 * (b - 1.0);
  double lx = y < 0.35 ? log1p(-y) : log(x);
  double u = -t * lx;
  double log_h = b * log(u) - u - seg_log_gamma(b);
  /* log(Gamma(a+b)/Gamma(a)) without cancellation, as in log_beta(). */
  double log_ratio = (a - 0.5) * log1p(b / a) + b * log(a + b) - b +
                     stirling_correction(a + b) - stirling_correction(a);
  double prefix, j, sum, lx2, lxp = 1.0, t4 = 4.0 * t * t, b2n = b;
  if (log_h < -700) return 0; /* the whole value underflows */
  prefix = exp(log_h + log_ratio - b * log(t));
  j = seg_gamma_q(b, u) / exp(log_h);
  sum = prefix * j;
  lx2 = 0.25 * lx * lx;
  odd_factorial[1] = 1.0;
  for (int i = 2; i < 2 * TERMS + 2; i++)
    odd_factorial[i] = odd_factorial[i - 1] * i; /* i! */
  p[0] = 1.0;
  for (int n = 1; n < TERMS; n++) {
    double r;
    p[n] = 0;
    for (int m = 1; m < n; m++)
      p[n] += (m * b - n) * p[n - m] / odd_factorial[2 * m + 1];
    p[n] /= n;
    p[n] += (b - 1.0) / odd_factorial[2 * n + 1];
    j = (b2n * (b2n + 1.0) * j + (u + b2n + 1.0) * lxp) / t4;
    lxp *= lx2;
    b2n += 2.0;
    r = prefix * p[n] * j;
    sum += r;
    if (fabs(r) <= fabs(sum) * 1e-17) break;
  }
  return sum;
}

double seg_beta_inc_xy(double a, double b, double x, double y) {
  double log_x, log_y, front;
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  log_x = x < 0.5 ? log(x) : log1p(-y);
  log_y = y < 0.5 ? log(y) : log1p(-x);
  if (a >= BGRAT_MIN_A && b <= 1 && x > 0.5) return beta_large_a(a, b, x, y);
  front = exp(a * log_x + b * log_y - log_beta(a, b));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_fraction(a, b, x, y) / a;
  return 1.0 - front * beta_fraction(b, a, y, x) / b;
}

double seg_beta_inc(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) return NAN;
  return seg_beta_inc_xy(a, b, x, 1.0 - x);
}

/* ---- Student's t ---------------------------------------------------------------- */

double seg_t_sf2(double t, double df) {
  double t2;
  if (t != t || !(df > 0)) return NAN;
  t2 = t * t;
  /* x = df/(df+t^2) and 1-x = t^2/(df+t^2), each computed directly; an
  ** infinite t gives x = 0, a zero t gives 1-x = 0. */
  return seg_beta_inc_xy(0.5 * df, 0.5, df / (df + t2), 1.0 / (1.0 + df / t2));
}

double seg_t_cdf(double t, double df) {
  double p2 = seg_t_sf2(t, df);
  if (p2 != p2) return NAN;
  return t > 0 ? 1.0 - 0.5 * p2 : 0.5 * p2;
}

/* The density of t at t. */
static double t_pdf(double t, double df) {
  return exp(-0.5 * (df + 1.0) * log1p(t * t / df) - 0.5 * log(df) -
             log_beta(0.5 * df, 0.5));
}

double seg_t_quantile(double p, double df) {
  double alpha, log_alpha, lo, hi, t;
  int upper;
  if (!(p >= 0 && p <= 1) || !(df > 0)) return NAN;
  if (p == 0) return -INFINITY;
  if (p == 1) return INFINITY;
  if (p == 0.5) return 0;
  /* Find t > 0 with S(t) = P(T >= t) = alpha, then give it its sign. */
  upper = p > 0.5;
  alpha = upper ? 1.0 - p : p;
  log_alpha = log(alpha);
  /* t's tails are heavier than the normal's: the normal quantile is below
  ** the root; double until above it. */
  lo = -seg_normal_quantile(alpha);
  hi = lo > 1.0 ? 2.0 * lo : 2.0;
  while (0.5 * seg_t_sf2(hi, df) > alpha && hi < 1e300) {
    lo = hi;
    hi *= 2.0;
  }
  t = 0.5 * (lo + hi);
  for (int i = 0; i < 200; i++) {
    double s = 0.5 * seg_t_sf2(t, df), next;
    double g = log(s) - log_alpha; /* decreasing in t */
    if (g > 0) lo = t;
    else hi = t;
    /* Newton on log S: d/dt log S = -pdf / S. */
    next = t + g * s / t_pdf(t, df);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (fabs(next - t) <= 4 * DBL_EPSILON * t || hi - lo <= 4 * DBL_EPSILON * hi) {
      t = next;
      break;
    }
    t = next;
  }
  return upper ? t : -t;
}

/* ---- moments ------------------------------------------------------------------ */

void seg_moments_add(seg_moments *m, double x) {
  double delta = x - m->mean;
  m->n += 1.0;
  m->mean += delta / m->n;
  m->m2 += delta * (x - m->mean);
}

double seg_moments_variance(const seg_moments *m) {
  if (m->n < 2) return NAN;
  return m->m2 > 0 ? m->m2 / (m->n - 1.0) : 0.0;
}

/* ---- tests ------------------------------------------------------------------------ */

int seg_two_proportions(double xa, double na, double xb, double nb,
                        double level, seg_two_prop *out) {
  double pooled, se_unpooled, se_pooled, zq, lo;
  if (!(na >= 1 && nb >= 1 && xa >= 0 && xa <= na && xb >= 0 && xb <= nb) ||
      !(level > 0 && level < 1))
    return -1;
  out->rate_a = xa / na;
  out->rate_b = xb / nb;
  out->diff = out->rate_b - out->rate_a;

  se_unpooled = sqrt(out->rate_a * (1.0 - out->rate_a) / na +
                     out->rate_b * (1.0 - out->rate_b) / nb);
  out->has_ci = se_unpooled > 0;
  zq = seg_normal_quantile(0.5 + 0.5 * level);
  out->ci_low = out->has_ci ? out->diff - zq * se_unpooled : NAN;
  out->ci_high = out->has_ci ? out->diff + zq * se_unpooled : NAN;

  pooled = (xa + xb) / (na + nb);
  se_pooled = sqrt(pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb));
  out->has_p = se_pooled > 0;
  out->z = out->has_p ? out->diff / se_pooled : NAN;
  out->p_value = out->has_p ? 2.0 * seg_normal_sf(fabs(out->z)) : NAN;

  lo = pooled < 1.0 - pooled ? pooled : 1.0 - pooled;
  out->min_expected = (na < nb ? na : nb) * lo;
  return 0;
}

int seg_chi2_independence(const double *x, const double *n, int k,
                          seg_chi2_test *out) {
  double total = 0, successes = 0, p, n_min = 0;
  if (k < 2) return -1;
  for (int i = 0; i < k; i++) {
    if (!(n[i] >= 1 && x[i] >= 0 && x[i] <= n[i])) return -1;
    total += n[i];
    successes += x[i];
    if (i == 0 || n[i] < n_min) n_min = n[i];
  }
  p = successes / total;
  out->df = k - 1;
  out->min_expected = n_min * (p < 1.0 - p ? p : 1.0 - p);
  out->ok = successes > 0 && successes < total;
  if (!out->ok) {
    out->chi2 = out->p_value = NAN;
    return 0;
  }
  /* Each row's two cells deviate by the same amount d = x - n p, so their
  ** terms add up to d^2 / (n p (1 - p)). */
  out->chi2 = 0;
  for (int i = 0; i < k; i++) {
    double d = x[i] - n[i] * p;
    out->chi2 += d * d / (n[i] * p * (1.0 - p));
  }
  out->p_value = seg_chi2_sf(out->chi2, out->df);
  return 0;
}

double seg_welch_df(double va, double na, double vb, double nb) {
  double sa = va / na, sb = vb / nb;
  return (sa + sb) * (sa + sb) / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
}

int seg_welch(double na, double mean_a, double var_a, double nb,
              double mean_b, double var_b, double level, seg_welch_test *out) {
  double tq;
  if (!(na >= 2 && nb >= 2 && var_a >= 0 && var_b >= 0) ||
      !(level > 0 && level < 1))
    return -1;
  out->diff = mean_b - mean_a;
  out->se = sqrt(var_a / na + var_b / nb);
  out->ok = out->se > 0;
  if (!out->ok) {
    out->t = out->df = out->p_value = out->ci_low = out->ci_high = NAN;
    return 0;
  }
  out->t = out->diff / out->se;
  out->df = seg_welch_df(var_a, na, var_b, nb);
  out->p_value = seg_t_sf2(out->t, out->df);
  tq = seg_t_quantile(0.5 + 0.5 * level, out->df);
  out->ci_low = out->diff - tq * out->se;
  out->ci_high = out->diff + tq * out->se;
  return 0;
}
