/*
** rounding.c — SQLite's round(x, n) in plain C; see rounding.h.
**
** HOW IT WORKS
** SQLite 3.40 rounds by printing "%.nf" with its own printf and reading
** the text back.  Its printf adds a rounder of 0.5e-n in long double, plus
** x * 3e-16 when the digits asked for are fewer than 15, and truncates.
** We do the same additions and truncate with floorl, then divide the whole
** number of units by 10^n in long double and round once to double: the
** value of the same decimal that SQLite reads back (tests/sql/
** test_rounding_sqlite.c compares the two on many values).
*/
#include "rounding.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

double seg_round(double x, int decimals) {
  static const double half[16] = {5e-1,  5e-2,  5e-3,  5e-4,  5e-5,  5e-6,
                                  5e-7,  5e-8,  5e-9,  5e-10, 5e-11, 5e-12,
                                  5e-13, 5e-14, 5e-15, 5e-16};
  double magnitude = fabs(x);
  if (!(magnitude < 4503599627370496.0)) return x; /* also NaN, inf */
  if (decimals < 0) decimals = 0;
  if (decimals > 15) decimals = 15;
  if (decimals == 0) {
    double r = (double)(int64_t)(magnitude + 0.5);
    return x < 0 ? -r : r;
  }
  long double v = magnitude;
  double rounder = half[decimals]; /* a double in SQLite too */
  uint64_t bits;
  memcpy(&bits, &magnitude, sizeof bits);
  int exponent = -1023 + (int)((bits >> 52) & 0x7ff);
  if (decimals + exponent / 3 < 15) rounder += (double)(v * 3e-16);
  v += rounder;
  long double scale = 1;
  for (int i = 0; i < decimals; i++) scale *= 10;
  /* In long double: the whole units may need more than a double's 53 bits
  ** (999999999999999.875 to 1 place is 9999999999999999 tenths). */
  double r = (double)(floorl(v * scale) / scale);
  return x < 0 ? -r : r;
}
