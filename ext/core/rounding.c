/*
** rounding.c — SQLite's round(x, n) in plain C; see rounding.h.
**
** HOW IT WORKS
** SQLite 3.40 rounds by printing "%.nf" with its own printf and reading the
** text back with its own sqlite3AtoF.  We do the same steps, without the
** text:
**   1. printf: add a rounder of 0.5e-n (a double), plus x * 3e-16 when the
**      digits asked for are fewer than 15; scale the long double into
**      [1, 10); take digits by repeated "digit = (int)v; v = (v-digit)*10",
**      16 significant digits at most, zeros after that.
**   2. sqlite3AtoF: the digits as an integer s and a power of ten e; drop
**      trailing zeros of s while e < 0; divide (or multiply) by 10^|e| built
**      in long double, and round once to double.
** n = 0 takes SQLite's shortcut: (double)(int64)(|x| + 0.5).  Values far
** from a rounding boundary take a shortcut of ours (see seg_round) that
** gives the same double at a tenth of the cost.
*/
#include "rounding.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Step 2: s * 10^e as sqlite3AtoF computes it. */
static double atof_like_sqlite(uint64_t s, int e) {
  int negative_e = e < 0;
  long double scale = 1.0L;
  if (s == 0) return 0.0;
  if (negative_e) e = -e;
  while (e > 0) { /* reduce the exponent first */
    if (!negative_e) {
      if (s >= UINT64_MAX / 10) break;
      s *= 10;
    } else {
      if (s % 10 != 0) break;
      s /= 10;
    }
    e--;
  }
  while (e % 22) {
    scale *= 1.0e+1;
    e -= 1;
  }
  while (e > 0) {
    scale *= 1.0e+22;
    e -= 22;
  }
  return negative_e ? (double)((long double)s / scale)
                    : (double)((long double)s * scale);
}

double seg_round(double x, int decimals) {
  static const double half[10] = {5.0e-1, 5.0e-2, 5.0e-3, 5.0e-4, 5.0e-5,
                                  5.0e-6, 5.0e-7, 5.0e-8, 5.0e-9, 5.0e-10};
  double magnitude = fabs(x), r;
  /* Above 2^52 a double has no fraction; SQLite returns it as it is. */
  if (isnan(x) || magnitude > 4503599627370496.0) return x;
  if (decimals < 0) decimals = 0;
  if (decimals > 15) decimals = 15;
  if (decimals == 0) {
    r = (double)(int64_t)(magnitude + 0.5);
    return x < 0 ? -r : r;
  }

  /* Step 1: the rounder, as SQLite's printf builds it. */
  double rounder = half[decimals % 10];
  for (int i = decimals; i >= 10; i -= 10) rounder *= 1.0e-10;
  uint64_t bits;
  memcpy(&bits, &magnitude, sizeof bits);
  int exponent = -1023 + (int)((bits >> 52) & 0x7ff);
  long double v = magnitude;
  double fudge = decimals + exponent / 3 < 15 ? (double)(v * 3e-16) : 0.0;
  rounder += fudge;

  /* The common case, a sum of cents: |x| * 10^n plus the rounder is not
  ** within 0.01 of a whole number (SQLite's digit loop errs by about
  ** 1e-16 relative, far less), and has under 15 digits (the 16-digit cut
  ** is not reached).  Then SQLite prints that whole number m of units and
  ** reads back m / 10^n: what this computes, in long double rounded once,
  ** as sqlite3AtoF does.  A tenth of the cost of the loops below. */
  {
    long double scale10 = 1.0L;
    for (int i = 0; i < decimals; i++) scale10 *= 10;
    long double units = (long double)magnitude * scale10;
    if (units < 1e15L) {
      long double t = units + 0.5L + (long double)fudge * scale10;
      long double m = floorl(t);
      if (t - m > 0.01L && t - m < 0.99L) {
        r = (double)(m / scale10);
        return x < 0 ? -r : r;
      }
    }
  }
  v += rounder;

  /* Scale into [1, 10), counting the decimal exponent. */
  int exp10 = 0;
  long double scale = 1.0L;
  while (v >= 1e100 * scale && exp10 <= 350) { scale *= 1e100; exp10 += 100; }
  while (v >= 1e10 * scale && exp10 <= 350) { scale *= 1e10; exp10 += 10; }
  while (v >= 10.0 * scale && exp10 <= 350) { scale *= 10.0; exp10++; }
  v /= scale;
  while (v < 1e-8) { v *= 1e8; exp10 -= 8; }
  while (v < 1.0) { v *= 10.0; exp10--; }

  /* The digits of "%.nf": s holds the significant ones, zeros counts the
  ** positional zeros after them; every digit moves the point by one. */
  uint64_t s = 0;
  int zeros = 0, significant = 16, precision = decimals;
  #define NEXT_DIGIT(out)                       \
    do {                                        \
      int d_ = 0;                               \
      if (significant-- > 0) {                  \
        d_ = (int)v;                            \
        v = (v - d_) * 10.0;                    \
      }                                         \
      (out) = d_;                               \
    } while (0)
  #define APPEND(d)                             \
    do {                                        \
      if ((d) == 0) {                           \
        zeros++;                                \
      } else {                                  \
        for (; zeros > 0; zeros--) s *= 10;     \
        s = s * 10 + (uint64_t)(d);             \
      }                                         \
    } while (0)
  int e2 = exp10, digit;
  if (e2 < 0) {
    APPEND(0);
  } else {
    for (; e2 >= 0; e2--) {
      NEXT_DIGIT(digit);
      APPEND(digit);
    }
  }
  for (e2++; e2 < 0 && precision > 0; precision--, e2++) APPEND(0);
  while (precision-- > 0) {
    NEXT_DIGIT(digit);
    APPEND(digit);
  }
  #undef NEXT_DIGIT
  #undef APPEND

  /* The digits read ... s 0...0 with `decimals` of them after the point. */
  r = atof_like_sqlite(s, zeros - decimals);
  return x < 0 ? -r : r;
}
