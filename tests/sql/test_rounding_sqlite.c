/*
** test_rounding_sqlite.c — seg_round (ext/core/rounding.c) against
** SQLite's own round(x, n), bit for bit.
**
** rounding.h promises SQLite's rule exactly: analysts check our monetary
** with round(sum(total), 2), and a customer whose two numbers differ in
** the last bit lands on the other side of a cut point.  This test asks a
** plain SQLite connection (no extension loaded) about some 700,000
** values, each with n = 0..4 (3.5 million comparisons, about a second),
** and compares the doubles with memcmp (-0 and 0 count as equal: SQLite's
** n = 0 path turns -0.4 into +0):
**
**   - cents k/100, and sums of 2..8 cents values added as doubles (the
**     sums that monetary really is);
**   - values at and within a few ulps of a half unit at 1..4 decimals;
**   - amounts typed with three decimals (1.005, 2.675, ...);
**   - random doubles of magnitudes 1e-6 .. 1e9, both signs;
**   - random doubles from 1e9 to 2^52, where x * 10^n has 14 to 20
**     significant digits (SQLite's printf keeps 16 and truncates);
**   - halves and near-halves for n = 0, the 2^52 boundary, classic cases.
**
** The first mismatches are printed with %.17g and fail the test.
**
** Build and run (make's rule for tests/sql/ also wants dist/segment.so):
**
**   mkdir -p build/sql && cc -std=c99 -Wall -Wextra -Wpedantic -Werror \
**      -D_POSIX_C_SOURCE=200809L -O2 -Iext/core \
**      -o build/sql/test_rounding_sqlite tests/sql/test_rounding_sqlite.c \
**      -lsqlite3 -lcmocka -lm
**   ./build/sql/test_rounding_sqlite
*/
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

/* The core is compiled into this binary directly: make's rule for
** tests/sql/ links -lsqlite3 but no ext/core objects (those tests reach
** the core through dist/segment.so), and this test must not depend on the
** extension building, since it tests only the core. */
#include "../../ext/core/rounding.c"

#include "../rng.h"

#define MAX_REPORTED 20

typedef struct Oracle {
  sqlite3 *db;
  sqlite3_stmt *round; /* SELECT round(?1, ?2) */
  long compared;
  long mismatches;
} Oracle;

static int setup(void **state) {
  Oracle *o = calloc(1, sizeof *o);
  if (!o) return -1;
  if (sqlite3_open(":memory:", &o->db) != SQLITE_OK) return -1;
  if (sqlite3_prepare_v2(o->db, "SELECT round(?1, ?2)", -1, &o->round, NULL) != SQLITE_OK)
    return -1;
  *state = o;
  return 0;
}

static int teardown(void **state) {
  Oracle *o = *state;
  sqlite3_finalize(o->round);
  assert_int_equal(sqlite3_close(o->db), SQLITE_OK);
  free(o);
  return 0;
}

static double sqlite_round(Oracle *o, double x, int n) {
  sqlite3_reset(o->round);
  sqlite3_bind_double(o->round, 1, x);
  sqlite3_bind_int(o->round, 2, n);
  if (sqlite3_step(o->round) != SQLITE_ROW ||
      sqlite3_column_type(o->round, 0) != SQLITE_FLOAT) {
    print_error("round(%.17g, %d) gave no REAL: %s\n", x, n, sqlite3_errmsg(o->db));
    fail();
  }
  return sqlite3_column_double(o->round, 0);
}

/* Compare seg_round with SQLite for x at n = 0..4. */
static void compare(Oracle *o, double x) {
  if (!isfinite(x)) return;
  for (int n = 0; n <= 4; n++) {
    double want = sqlite_round(o, x, n), got = seg_round(x, n);
    if (want == 0) want = 0; /* -0 and 0 are equal here */
    if (got == 0) got = 0;
    o->compared++;
    if (memcmp(&want, &got, sizeof want) != 0) {
      if (o->mismatches < MAX_REPORTED)
        print_message("MISMATCH round(%.17g, %d): sqlite %.17g, seg_round %.17g\n",
                      x, n, want, got);
      o->mismatches++;
    }
  }
}

static void finish(Oracle *o, long at_least) {
  print_message("%ld comparisons, %ld mismatches\n", o->compared, o->mismatches);
  assert_true(o->compared >= at_least);
  assert_int_equal(o->mismatches, 0);
}



/* ---- the values ---------------------------------------------------------- */

/* k/100 for k = -30000..30000 (60,001 values). */
static void test_cents(void **state) {
  Oracle *o = *state;
  for (int k = -30000; k <= 30000; k++) compare(o, k / 100.0);
  /* And prices up to 10 million, sparsely. */
  for (int64_t k = 30001; k < 1000000000; k += 16661) {
    compare(o, (double)k / 100.0);
    compare(o, -(double)k / 100.0);
  }
  finish(o, 5 * 60001);
}

/* Sums of 2..8 cents values, added one by one as doubles, in two orders
** (50,000 sums, 100,000 values). */
static void test_sums_of_cents(void **state) {
  Oracle *o = *state;
  rng_state = 0xc0ffee;
  for (int i = 0; i < 50000; i++) {
    int n = 2 + (int)(rng_next() % 7);
    double v[8], up = 0, down = 0;
    for (int j = 0; j < n; j++) {
      int64_t cents = (int64_t)(rng_next() % (i % 2 ? 100000 : 2000000));
      if (rng_next() % 10 == 0) cents = -cents; /* refunds */
      v[j] = (double)cents / 100.0;
    }
    for (int j = 0; j < n; j++) up += v[j];
    for (int j = n - 1; j >= 0; j--) down += v[j];
    compare(o, up);
    compare(o, down);
  }
  finish(o, 5 * 100000);
}

/* Half units at 1..4 decimals, exactly as typed ((2k+1)/(2*10^d)) and a
** few ulps either side (about 40,000 values). */
static void test_near_halves(void **state) {
  Oracle *o = *state;
  rng_state = 0x4a1f;
  for (int d = 1; d <= 4; d++) {
    double scale = pow(10.0, d);
    for (int i = 0; i < 1000; i++) {
      /* Small ones in order, then spread up to 10^7. */
      int64_t k = i < 500 ? i : (int64_t)(rng_next() % 10000000);
      double half = (2.0 * (double)k + 1.0) / (2.0 * scale);
      double x = half;
      compare(o, x);
      compare(o, -x);
      for (int u = 0; u < 4; u++) {
        x = nextafter(x, INFINITY);
        compare(o, x);
      }
      x = half;
      for (int u = 0; u < 4; u++) {
        x = nextafter(x, -INFINITY);
        compare(o, x);
        compare(o, -x);
      }
    }
  }
  finish(o, 5 * 4 * 1000 * 14);
}

/* Amounts typed with three decimals, m/1000 up to 3,000 (the half cents
** users type: 1.005, 2.675), to 2 decimals and the rest (300,001 values,
** n = 0..4). */
static void test_typed_three_decimals(void **state) {
  Oracle *o = *state;
  for (int m = -300000; m <= 300000; m += 2) compare(o, m / 1000.0);
  finish(o, 5 * 300001);
}

/* Random doubles from 1e-6 to 1e9, both signs (40,000 values): at most 13
** significant digits at 4 decimals. */
static void test_random_magnitudes(void **state) {
  Oracle *o = *state;
  rng_state = 0x3a9;
  for (int i = 0; i < 40000; i++) {
    int e = (int)(rng_next() % 16) - 6;
    double x = rng_unit() * pow(10.0, e);
    compare(o, (rng_next() & 1) ? -x : x);
  }
  finish(o, 5 * 40000);
}

/* Random doubles from 1e9 to 2^52, both signs (20,000 values): 14 to 20
** significant digits at n = 0..4, where SQLite's printf keeps only 16
** digits and x * 10^n no longer fits a double's 53 bits. */
static void test_large_magnitudes(void **state) {
  Oracle *o = *state;
  const char *zPreload = getenv("LD_PRELOAD");
  /* SQLite's round() works in long double here; valgrind computes long
  ** doubles in 64 bits, so under valgrind SQLite itself answers otherwise. */
  if (zPreload && strstr(zPreload, "vgpreload")) {
    print_message("skipped under valgrind: it computes long double in 64 bits, so SQLite's "
                  "round() differs from its native answers here\n");
    skip();
  }
  rng_state = 0x1a29e;
  for (int i = 0; i < 20000; i++) {
    double x = (double)(rng_next() >> 12) / pow(2.0, (double)(rng_next() % 23));
    if (x < 1e9) x += 1e9;
    compare(o, (rng_next() & 1) ? -x : x);
  }
  finish(o, 5 * 20000);
}

/* n = 0: halves and the double just below each (8,002 values), and the
** edges of the fast path. */
static void test_halves_whole_numbers(void **state) {
  Oracle *o = *state;
  for (int k = -2000; k <= 2000; k++) {
    compare(o, k + 0.5);
    compare(o, nextafter(k + 0.5, 0));
  }
  static const double edges[] = {
      0.49999999999999994, 0.5, 1.5, 2.5, -0.5, -2.5, 0.0, -0.0,
      4503599627370495.5, -4503599627370495.5, 4503599627370496.0,
      -4503599627370496.0, 4503599627370497.0, 9007199254740993.0, 1e16,
      1e300, -1e300, 5e-324, -5e-324, 1e-300};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) compare(o, edges[i]);
  finish(o, 5 * 8000);
}

/* The classic cases of rounding.h and friends, at every n. */
static void test_classic_cases(void **state) {
  Oracle *o = *state;
  static const double cases[] = {
      0.005, 0.015, 0.025, 0.035, 0.045, 0.055, 1.005, 2.675, -2.675,
      0.125, 1.0049999999999999, 1.00499999999999, 8.345, 1.255, 0.285,
      1.45, 2.5e-5, 5e-5, 4.9999999999999996e-5, 0.1 + 0.2, 1234.5678,
      99999.995, 1e-7, 123456.789};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    compare(o, cases[i]);
    compare(o, -cases[i]);
  }
  finish(o, 5 * 48);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_cents, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sums_of_cents, setup, teardown),
      cmocka_unit_test_setup_teardown(test_near_halves, setup, teardown),
      cmocka_unit_test_setup_teardown(test_typed_three_decimals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_random_magnitudes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_large_magnitudes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_halves_whole_numbers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_classic_cases, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
