/*
** btyd.h — "buy till you die" customer-value models: BG/NBD (how many
** purchases a customer will make, and whether they are still a customer),
** Gamma-Gamma (how much a purchase is worth) and the customer lifetime
** value that combines them.
**
** A customer's history is summarised BTYD-style, in any one time unit:
**   x    repeat purchases: distinct purchase days (or periods) minus 1
**   t_x  time from the first purchase to the last one (0 when x is 0)
**   T    time from the first purchase to the end of the observation
**   avg_value  the mean value of the x repeat purchases (Gamma-Gamma)
** These are not RFM's recency and frequency (docs/models.md shows both).
**
**     seg_bgnbd_obs obs[] = {{2, 30.43, 38.86, 1}, {0, 0, 38.86, 1}, ...};
**     seg_bgnbd m;
**     seg_fit_info info;
**     char err[200];
**     if (seg_bgnbd_fit(obs, n, 0.0, &m, &info, err, sizeof err) != 0) ...
**     double alive = seg_bgnbd_p_alive(&m, 2, 30.43, 38.86);
**     double next  = seg_bgnbd_expected(&m, 39, 2, 30.43, 38.86);
**
** The fits take arrays of per-customer rows (each with a weight: the
** number of customers with that history), so a caller that holds its
** customers in memory (a virtual table, say) fits and then predicts per
** customer with the scalar functions below.
**
** MODELS AND FORMULAS (Fader, Hardie & Lee 2005, "Counting your customers
** the easy way", Marketing Science 24(2); Hardie's note 025, "The
** Gamma-Gamma model of monetary value")
**
** BG/NBD: while alive a customer buys as a Poisson process of rate
** lambda; after each repeat purchase they leave for good with probability
** p; lambda ~ Gamma(r, alpha) (shape r, rate alpha), p ~ Beta(a, b),
** independent.
**   L(x, t_x, T) = B(a, b+x)/B(a, b) G(r+x)/G(r) alpha^r / (alpha+T)^(r+x)
**                + [x > 0] B(a+1, b+x-1)/B(a, b) G(r+x)/G(r) alpha^r / (alpha+t_x)^(r+x)
** summed in logs with log-sum-exp.  Gamma-Gamma: the values of a
** customer's purchases are Gamma(p, nu), nu ~ Gamma(q, v) across
** customers, independent of the purchase process; the density of the
** mean of x purchases is
**   f(m | x) = G(p x + q) / (G(p x) G(q)) v^q m^(p x - 1) x^(p x) / (v + x m)^(p x + q)
** (lifetimes' GammaGammaFitter maximises the same).
**
** FITTING
** Maximum likelihood on the log of the parameters (so they stay
** positive) by Newton's method with Levenberg-Marquardt damping: exact
** gradient and Hessian (digamma, trigamma), a step accepted only when the
** objective falls.  Rows with the same history are merged first (hash
** table, then sort: the result does not depend on the order of the rows),
** and the terms that depend on x alone, or on one time value alone, are
** computed once per distinct value, so a million customers fit in a
** fraction of a second.  The objective is, as in lifetimes,
**   - log-likelihood / (sum of weights) + penalizer * (sum of squared parameters)
** where, for BG/NBD, alpha enters the penalty divided by the largest T,
** so that the penalty does not depend on the time unit (lifetimes 0.11
** rescales time the same way).  The returned ll is the log-likelihood
** itself, summed over customers, without the penalty.
**
** converged is 1 at a maximum inside the parameter space: the gradient
** of the objective vanished (below 1e-7 per customer, in log-parameters),
** the objective curves up in every direction (the eigenvalues of its
** Hessian are above 1e-5) and every parameter lies between 1e-13 and
** 1e13.  Otherwise the best point found is returned with converged 0: an
** estimate running off to 0 or infinity, where the likelihood only
** levels off (too few customers, or data the model does not describe).
** Cases that cannot be fitted at all are errors (SEG_BTYD_ERROR with the
** reason in err): no repeat buyers, one customer, or every customer with
** the same history.
**
** All functions are pure; errors are messages without the SQL name
** (callers add it), e.g. "t_x must not exceed T, got t_x 40 and T 38.86".
*/
#ifndef SEGMENT_CORE_BTYD_H
#define SEGMENT_CORE_BTYD_H

#include <stddef.h>

#define SEG_BTYD_OK 0
#define SEG_BTYD_NOMEM (-1)  /* out of memory */
#define SEG_BTYD_ERROR (-2)  /* cannot fit: err says why */

typedef struct seg_bgnbd {
  double r, alpha;   /* purchase rate across customers ~ Gamma(r, alpha) */
  double a, b;       /* dropout probability across customers ~ Beta(a, b) */
} seg_bgnbd;

typedef struct seg_gg {
  double p;          /* shape of the value of one purchase */
  double q, v;       /* its rate across customers ~ Gamma(q, v) */
} seg_gg;

typedef struct seg_fit_info {
  double ll;         /* log-likelihood at the estimate, no penalty */
  double n;          /* customers used: the sum of their weights */
  int converged;     /* 1: a maximum was found; 0: see above */
  int iterations;    /* Newton steps taken, over all starts */
} seg_fit_info;

/* One row of a BG/NBD fit: a history and how many customers have it. */
typedef struct seg_bgnbd_obs {
  double x, t_x, T, weight;
} seg_bgnbd_obs;

/* One row of a Gamma-Gamma fit.  Rows with x = 0 carry no information
** about value and are ignored (avg_value is then not read). */
typedef struct seg_gg_obs {
  double x, avg_value, weight;
} seg_gg_obs;

/* ---- checking one history -------------------------------------------------- */

/* 0 when (x, t_x, T) is a possible history: x a whole number >= 0, 0 <=
** t_x <= T, all finite, t_x = 0 when x = 0 and t_x > 0 when x > 0;
** otherwise -1 with the reason in err, naming the value, e.g.
** "x must be a whole number of repeat purchases (0 or more), got 1.5". */
int seg_bgnbd_check(double x, double t_x, double T, char *err, size_t errlen);

/* 0 when (x, avg_value) is possible for Gamma-Gamma: x a whole number
** >= 0 and, when x > 0, avg_value finite and above 0; else -1 and err. */
int seg_gg_check(double x, double avg_value, char *err, size_t errlen);

/* 0 when a weight is finite and >= 0, else -1 and err ("weight must ..."). */
int seg_btyd_check_weight(double weight, char *err, size_t errlen);

/* 0 when a penalizer is finite and >= 0, else -1 and err. */
int seg_btyd_check_penalizer(double penalizer, char *err, size_t errlen);

/* ---- fitting ---------------------------------------------------------------- */

/* Fit BG/NBD to obs[0..n) (each row already checked), penalizer >= 0 (0
** for plain maximum likelihood).  obs is reordered and overwritten (rows
** merged).  Returns SEG_BTYD_OK with *out and *info set; 1 when no row
** has a positive weight (nothing to fit: *out untouched); SEG_BTYD_NOMEM;
** or SEG_BTYD_ERROR with the reason in err. */
int seg_bgnbd_fit(seg_bgnbd_obs *obs, size_t n, double penalizer,
                  seg_bgnbd *out, seg_fit_info *info, char *err,
                  size_t errlen);

/* Fit Gamma-Gamma to obs[0..n), as seg_bgnbd_fit.  info->n counts the
** customers with x > 0 only. */
int seg_gg_fit(seg_gg_obs *obs, size_t n, double penalizer, seg_gg *out,
               seg_fit_info *info, char *err, size_t errlen);

/* The log-likelihood of one customer (the formulas above). */
double seg_bgnbd_loglik(const seg_bgnbd *m, double x, double t_x, double T);
double seg_gg_loglik(const seg_gg *m, double x, double avg_value);

/* ---- predictions (for a checked history and valid parameters) ------------- */

/* The probability that a customer with history (x, t_x, T) has not left:
** 1 when x = 0 (BG/NBD customers can only leave right after a purchase). */
double seg_bgnbd_p_alive(const seg_bgnbd *m, double x, double t_x, double T);

/* The expected number of purchases in (T, T + t] of a customer with
** history (x, t_x, T), t >= 0 (FHL 2005, eq. 10).  With x = t_x = T = 0
** it is the expected number of repeat purchases of a new customer in
** (0, t] (eq. 9).  NaN when seg_hyp2f1 is: t over 9999 times alpha + T,
** or parameters so large that its series overflows or would need more
** than SEG_HYP2F1_MAX_TERMS terms. */
double seg_bgnbd_expected(const seg_bgnbd *m, double t, double x, double t_x,
                          double T);

/* The probability that a new customer makes exactly k repeat purchases
** in (0, t], k a whole number >= 0, t >= 0 (FHL 2005, eq. 8). */
double seg_bgnbd_p_k(const seg_bgnbd *m, double k, double t);

/* The expected value of a purchase of a customer whose x repeat purchases
** averaged avg_value:  (v + x avg_value) p / (p x + q - 1), a weighted
** mean of avg_value and the population mean p v / (q - 1); avg_value is
** not read when x = 0.  NaN when p x + q <= 1 (the mean is infinite). */
double seg_gg_expected_value(const seg_gg *m, double x, double avg_value);

/* Customer lifetime value over `steps` periods of step_length time units:
**   sum over i = 1..steps of  V * (E(i L) - E((i-1) L)) / (1 + d)^i
** with V = seg_gg_expected_value, E(t) = seg_bgnbd_expected, L =
** step_length, d = discount_rate per period (lifetimes'
** customer_lifetime_value with time = steps months, discount_rate = d and
** L the length of a month in the model's unit).  NaN when either is. */
double seg_clv(const seg_bgnbd *bg, const seg_gg *gg, double x, double t_x,
               double T, double avg_value, int steps, double step_length,
               double discount_rate);

/* ---- parameters as JSON ------------------------------------------------------ */

/* Room for the longest output of the format functions, NUL included. */
#define SEG_BTYD_JSON_MAX 320

/* {"r":..,"alpha":..,"a":..,"b":..,"ll":..,"n":..,"converged":true}, the
** numbers in the shortest form that reads back to the same double. */
void seg_bgnbd_format(const seg_bgnbd *m, const seg_fit_info *info,
                      char *out);
/* {"p":..,"q":..,"v":..,"ll":..,"n":..,"converged":true} */
void seg_gg_format(const seg_gg *m, const seg_fit_info *info, char *out);

/* Read parameters from z[0..n): a JSON object with the keys r, alpha, a, b
** (each a number above 0) and optionally ll, n and converged (as the fit
** writes them, ignored).  Any other key, a missing or repeated key, or a
** value out of range is an error: -1 with the reason in err, e.g.
** "params has no key \"alpha\" (expected the JSON of bgnbd_fit)". */
int seg_bgnbd_parse(const char *z, size_t n, seg_bgnbd *out, char *err,
                    size_t errlen);
/* The same for p, q, v. */
int seg_gg_parse(const char *z, size_t n, seg_gg *out, char *err,
                 size_t errlen);

/* ---- special functions (exposed for the unit tests) ------------------------- */

/* log Gamma(x), digamma and trigamma for x > 0 (asymptotic series after
** shifting x up by the recurrences; absolute error about 1e-15); NaN for
** x <= 0. */
double seg_lgamma(double x);
double seg_digamma(double x);
double seg_trigamma(double x);

/* Gauss's hypergeometric function 2F1(a, b; c; z) for 0 <= z < 1 and c
** not 0 or a negative integer: its power series, after Euler's
** transformation 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z) when
** a + b > c (whose series then has falling terms).  NaN for z above
** SEG_HYP2F1_ZMAX (the series needs about 40 / (1 - z) terms, more for
** large parameters), on overflow, and past SEG_HYP2F1_MAX_TERMS terms:
** so one call costs at most a few ms, and a query over a million rows
** cannot hang on a hostile parameter.  For BG/NBD, z = t / (alpha + T + t):
** ZMAX lets t be up to 9999 times alpha + T. */
#define SEG_HYP2F1_ZMAX 0.9999
#define SEG_HYP2F1_MAX_TERMS 1000000
double seg_hyp2f1(double a, double b, double c, double z);

#endif
