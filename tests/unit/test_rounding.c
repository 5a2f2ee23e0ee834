/*
** test_rounding.c — seg_round (ext/core/rounding.c) on hand-worked cases.
**
** The rule (rounding.h) is SQLite's round(x, n): halves away from zero,
** and a double within about 3e-16 (relative) below a half counts as the
** half, because it stands for the decimal the user typed.  Every
** expected value here is worked out in the comment beside it; the
** results are compared exactly (==), since the point of rounding money
** is that equal decimals become the same double.
** tests/sql/test_rounding_sqlite.c compares with SQLite itself at large.
**
**   make build/unit/test_rounding && ./build/unit/test_rounding
*/
#include "testutil.h"

#include <float.h>
#include <string.h>

#include "rounding.h"

#define assert_round(x, n, want)                                               \
  do {                                                                         \
    double x_ = (x), w_ = (want), g_ = seg_round(x_, (n));                     \
    if (!(g_ == w_)) {                                                         \
      print_error("%s:%d: seg_round(%.17g, %d): want %.17g, got %.17g\n",      \
                  __FILE__, __LINE__, x_, (int)(n), w_, g_);                   \
      fail();                                                                  \
    }                                                                          \
  } while (0)

/* The typed decimal wins over its binary neighbour:
**   1.005  is stored as 1.00499999999999989342 (1.1e-16 below the half,
**          1.1e-16 relative < 3e-16): a half, away from zero -> 1.01;
**   2.675  is 2.67499999999999982236 (1.8e-16 below, 6.6e-17 relative)
**          -> 2.68, and -2.675 -> -2.68;
**   0.285  is 0.28499999999999997558 (2.4e-17 below) -> 0.29;
**   1.255  is 1.25499999999999989342 -> 1.26;
**   99999.995 is 99999.994999999995343 (4.7e-12 below, 4.7e-17
**          relative) -> 100000.00;
**   1.45   is 1.44999999999999995559 -> 1.5 at one decimal. */
static void test_typed_halves(void **state) {
  (void)state;
  assert_round(1.005, 2, 1.01);
  assert_round(2.675, 2, 2.68);
  assert_round(-2.675, 2, -2.68);
  assert_round(0.285, 2, 0.29);
  assert_round(1.255, 2, 1.26);
  assert_round(99999.995, 2, 100000.0);
  assert_round(1.45, 1, 1.5);
  assert_round(-1.45, 1, -1.5);
}

/* Exact binary halves go away from zero: 0.125 -> 0.13, -0.125 -> -0.13,
** 0.375 -> 0.38, 2.5e-1 at 1 decimal -> 0.3. */
static void test_exact_halves(void **state) {
  (void)state;
  assert_round(0.125, 2, 0.13);
  assert_round(-0.125, 2, -0.13);
  assert_round(0.375, 2, 0.38);
  assert_round(0.25, 1, 0.3);
  assert_round(-0.25, 1, -0.3);
  assert_round(1234.5625, 3, 1234.563);
}

/* Below the half by more than the tolerance: 1.00499999999999 is 1e-14
** below 1.005 (1e-14 relative, far more than 3e-16) -> 1.00;
** 2.67499999 -> 2.67; 0.0049 -> 0.00. */
static void test_below_half(void **state) {
  (void)state;
  assert_round(1.00499999999999, 2, 1.0);
  assert_round(2.67499999, 2, 2.67);
  assert_round(-2.67499999, 2, -2.67);
  assert_round(0.0049, 2, 0.0);
}

/* Ordinary values: 1234.5678 -> 1234.568 (3), 1234.57 (2), 1234.6 (1),
** 1235 (0); 0.1 + 0.2 (0.30000000000000004) -> 0.3; a whole number of
** cents stays itself: 19.99 -> 19.99. */
static void test_ordinary(void **state) {
  (void)state;
  assert_round(1234.5678, 4, 1234.5678);
  assert_round(1234.5678, 3, 1234.568);
  assert_round(1234.5678, 2, 1234.57);
  assert_round(1234.5678, 1, 1234.6);
  assert_round(1234.5678, 0, 1235.0);
  assert_round(-1234.5678, 2, -1234.57);
  assert_round(0.1 + 0.2, 2, 0.3);
  assert_round(19.99, 2, 19.99);
  assert_round(0.0, 2, 0.0);
  /* 0.07 + 0.01 + 0.01 + 0.01 is 0.099999999999999992 -> 0.1. */
  assert_round(0.07 + 0.01 + 0.01 + 0.01, 2, 0.1);
  /* Results are the same doubles as the decimals typed. */
  assert_round(123.456, 2, 123.46);
  assert_round(0.123456789012345678, 15, 0.123456789012346);
}

/* 0 decimals, SQLite's path: (double)(int64)(x +- 0.5).
**   2.5 -> 3, -2.5 -> -3, 0.5 -> 1, 1.5 -> 2, 1.4999 -> 1, -0.4 -> 0;
**   0.49999999999999994 is 0.5 - 2^-54; + 0.5 is 1 - 2^-54, halfway
**   between the doubles 1 - 2^-53 and 1, so it rounds (to even) to 1.0,
**   and truncates to 1 -- SQLite's answer, so ours;
**   2^52 - 0.5 = 4503599627370495.5 -> 4503599627370496 (away from 0). */
static void test_zero_decimals(void **state) {
  (void)state;
  assert_round(2.5, 0, 3.0);
  assert_round(-2.5, 0, -3.0);
  assert_round(0.5, 0, 1.0);
  assert_round(1.5, 0, 2.0);
  assert_round(1.4999, 0, 1.0);
  assert_round(-1.4999, 0, -1.0);
  assert_round(-0.4, 0, 0.0); /* == also accepts -0 */
  assert_round(0.49999999999999994, 0, 1.0);
  assert_round(4503599627370495.5, 0, 4503599627370496.0);
  assert_round(-4503599627370495.5, 0, -4503599627370496.0);
  assert_round(1e15 + 0.5, 0, 1e15 + 1);
}

/* |x| > 2^52 has no fraction: returned unchanged at every n; so are
** infinities and NaN.  Exactly 2^52 still takes SQLite's printf path,
** whose 16 significant digits and rounder lose the last unit at n >= 1:
** SQLite 3.40.1 gives round(4503599627370496, 4) = 4503599627370495 (seen
** with the sqlite3 shell), and so must we; that case needs the x87 long
** double, so it is checked in test_many_digits. */
static void test_large_unchanged(void **state) {
  (void)state;
  assert_round(4503599627370496.0, 0, 4503599627370496.0);
  static const double big[] = {4503599627370497.0,
                               9007199254740994.0, 1e20, 1e300, DBL_MAX};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
    for (int n = 0; n <= 15; n++) {
      assert_round(big[i], n, big[i]);
      assert_round(-big[i], n, -big[i]);
    }
  }
  assert_round(INFINITY, 2, INFINITY);
  assert_round(-INFINITY, 0, -INFINITY);
  assert_true(isnan(seg_round(NAN, 2)));
  assert_true(isnan(seg_round(NAN, 0)));
}

/* decimals outside 0..15 are clamped:
**   -1 and -5 act as 0: 2.5 -> 3, 1234.5678 -> 1235;
**   16 and 99 act as 15: 1 + 2^-52 (1.000000000000000222) to 15 places is
**   1.000000000000000 -> 1.0; 0.123456789012345678 -> 0.123456789012346. */
static void test_decimals_clamped(void **state) {
  (void)state;
  assert_round(2.5, -1, 3.0);
  assert_round(1234.5678, -5, 1235.0);
  assert_round(1.0000000000000002, 15, 1.0);
  assert_round(1.0000000000000002, 16, 1.0);
  assert_round(1.0000000000000002, 99, 1.0);
  assert_round(0.123456789012345678, 40, 0.123456789012346);
}

/* Many significant digits (x * 10^n above 2^53): the answer is still
** the double nearest the rounded decimal, which here is x itself, and
** SQLite 3.40.1's round() returns x for all three.
**   999999999999999.875 to 1 place is 999999999999999.9; doubles there
**   are 0.125 apart: .875 is 0.025 away, 1e15 is 0.1 away -> x.
**   99999999999999.96875 to 2 places is ...99.97; doubles are 1/64 apart:
**   .96875 is 0.00125 away, .984375 is 0.014375 away -> x.
**   9604276470939.953125 to 3 places is ...939.953 (x is only 0.000125
**   above it); doubles are 2^-9 apart: .953125 is 0.000125 away,
**   .951171875 is 0.001828 away -> x. */
static int long_double_is_extended(void) {
  volatile long double one = 1.0L, tiny = 0x1p-60L;
  return one + tiny != one;
}

static void test_many_digits(void **state) {
  (void)state;
  /* SQLite's printf, and seg_round after it, work in long double; these
  ** values need its 64-bit mantissa.  Valgrind runs x87 arithmetic in
  ** 53 bits, and some platforms have no wider long double. */
  if (!long_double_is_extended()) {
    print_message("skipped: long double arithmetic here has no more precision "
                  "than double (valgrind, or a platform without x87/quad)\n");
    skip();
  }
  /* 2^52 itself: see test_large_unchanged. */
  assert_round(4503599627370496.0, 4, 4503599627370495.0);
  assert_round(999999999999999.875, 1, 999999999999999.875);
  assert_round(99999999999999.96875, 2, 99999999999999.96875);
  assert_round(-99999999999999.96875, 2, -99999999999999.96875);
  assert_round(9604276470939.953125, 3, 9604276470939.953125);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_typed_halves),
      cmocka_unit_test(test_exact_halves),
      cmocka_unit_test(test_below_half),
      cmocka_unit_test(test_ordinary),
      cmocka_unit_test(test_zero_decimals),
      cmocka_unit_test(test_large_unchanged),
      cmocka_unit_test(test_decimals_clamped),
      cmocka_unit_test(test_many_digits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
