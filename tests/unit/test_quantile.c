/*
** test_quantile.c — cut points and scores (ext/core/quantile.c).
**
** DESIGN.md, "Scores: exact semantics": for N values and k bins the cut
** points are the values at the last sorted position of each of the first
** k-1 NTILE(k) groups; a value scores 1 + (cut points strictly below it).
**
** The hand cases work the arithmetic out in comments.  The random cases
** compare with a reference written here from NTILE's definition alone
** (sort a copy with qsort, give each position its NTILE group), never with
** the code's own output:
**
**   - distinct values: the score is the NTILE group of the value's sorted
**     position;
**   - ties: the score is the NTILE group of the FIRST sorted position of
**     the value (the lowest bin the tie group touches), the same whatever
**     order the rows come in;
**   - the cut points equal those read off the fully sorted copy, and the
**     array comes back as a permutation of what went in.
**
**   make build/unit/test_quantile && ./build/unit/test_quantile
*/
#include "testutil.h"
#include "../rng.h"

#include <stdlib.h>
#include <string.h>

#include "quantile.h"


/* 0 .. n-1 */


static void shuffle(double *a, size_t n) {
  for (size_t i = n; i > 1; i--) {
    size_t j = rng_below(i);
    double t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
  }
}

/* ---- the reference: NTILE written from its definition ------------------ */

static int cmp_double(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return (a > b) - (a < b);
}

/* NTILE(k) of the row at 0-based position p among n rows: with q = n / k
** and e = n % k, the first e groups hold q+1 rows, the others q. */
static int ntile_group(size_t p, size_t n, int k) {
  size_t q = n / (size_t)k, e = n % (size_t)k;
  if (p < e * (q + 1)) return (int)(p / (q + 1)) + 1;
  return (int)(e + (p - e * (q + 1)) / q) + 1;
}

/* The k-1 cut points read off the sorted array s[0..n): cut g (1-based) is
** the value at the largest position whose NTILE group is g, or the largest
** value when group g is empty (n < k). */
static void reference_cuts(const double *s, size_t n, int k, double *cuts) {
  for (int g = 1; g < k; g++) cuts[g - 1] = s[n - 1];
  for (size_t p = 0; p < n; p++) {
    int g = ntile_group(p, n, k);
    if (g < k) cuts[g - 1] = s[p];
  }
}

/* The first position of x in the sorted s[0..n) (x must be present). */
static size_t first_position(const double *s, size_t n, double x) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  assert_true(lo < n && s[lo] == x);
  return lo;
}

static double *sorted_copy(const double *a, size_t n) {
  double *s = malloc(n * sizeof *s);
  assert_non_null(s);
  memcpy(s, a, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp_double);
  return s;
}

/* Run seg_quantile_cuts on a copy of a[0..n) and check everything the
** reference says: the cuts, that the copy is still the same multiset, and
** every value's score (NTILE of its first sorted position).  The scores
** are written into scores[] (by the index in a) when it is not NULL. */
static void check_against_reference(const double *a, size_t n, int k,
                                    int *scores) {
  double cuts[SEG_MAX_BINS], want[SEG_MAX_BINS];
  double *work = malloc(n * sizeof *work);
  assert_non_null(work);
  memcpy(work, a, n * sizeof *work);
  double *s = sorted_copy(a, n);
  reference_cuts(s, n, k, want);

  cuts[k - 1] = 12345.0; /* sentinel: only k-1 cuts may be written */
  assert_int_equal(seg_quantile_cuts(work, n, k, cuts), 0);
  assert_true(cuts[k - 1] == 12345.0);
  for (int i = 0; i < k - 1; i++) {
    if (cuts[i] != want[i]) {
      print_error("n=%zu k=%d: cut %d is %.17g, sorted copy says %.17g\n", n,
                  k, i, cuts[i], want[i]);
      fail();
    }
  }
  /* The values were only reordered. */
  qsort(work, n, sizeof *work, cmp_double);
  assert_memory_equal(work, s, n * sizeof *s);

  for (size_t i = 0; i < n; i++) {
    int expect = ntile_group(first_position(s, n, a[i]), n, k);
    int got = seg_score(a[i], cuts, k - 1);
    if (got != expect) {
      print_error("n=%zu k=%d: value %.17g scores %d, NTILE reference %d\n",
                  n, k, a[i], got, expect);
      fail();
    }
    if (scores) scores[i] = got;
  }
  free(s);
  free(work);
}

/* n distinct values in random order: half the time random doubles of all
** signs and magnitudes, half the time a shuffled arithmetic sequence. */
static void fill_distinct(double *a, size_t n) {
  if (rng_next() & 1) {
    for (size_t i = 0; i < n; i++) {
      double x = rng_unit() * pow(10.0, (double)rng_below(12) - 4.0);
      a[i] = (rng_next() & 1) ? -x : x;
    }
  } else {
    double step = 0.25 + (double)rng_below(100), base = (double)rng_below(1000) - 500;
    for (size_t i = 0; i < n; i++) a[i] = base + step * (double)i;
    shuffle(a, n);
  }
  /* The reference below needs them distinct; make that a checked fact. */
  double *s = sorted_copy(a, n);
  for (size_t i = 1; i < n; i++) {
    if (s[i] == s[i - 1]) {
      print_error("test generator made a duplicate %.17g\n", s[i]);
      fail();
    }
  }
  free(s);
}

/* ---- hand-worked cases ------------------------------------------------- */

/* 7 values into 5 bins: 7 = 5*1 + 2, so NTILE's group sizes are 2,2,1,1,1
** (the 2 larger groups first).  The groups end at sorted positions 2, 4, 5,
** 6 (1-based), so the cuts are the 2nd, 4th, 5th and 6th smallest values.
** Sorted: 10 20 30 40 50 60 70 -> cuts 20, 40, 50, 60.
** Scores: 10 -> 1 (no cut below), 20 -> 1 (20 is a cut: lower bin),
** 30 -> 2 (20 below), 40 -> 2, 50 -> 3 (20, 40 below), 60 -> 4, 70 -> 5. */
static void test_seven_values_five_bins(void **state) {
  (void)state;
  double v[] = {70, 10, 50, 30, 20, 60, 40};
  double cuts[4];
  assert_int_equal(seg_quantile_cuts(v, 7, 5, cuts), 0);
  assert_double_near(20, cuts[0], 0);
  assert_double_near(40, cuts[1], 0);
  assert_double_near(50, cuts[2], 0);
  assert_double_near(60, cuts[3], 0);
  assert_int_equal(seg_score(10, cuts, 4), 1);
  assert_int_equal(seg_score(20, cuts, 4), 1);
  assert_int_equal(seg_score(30, cuts, 4), 2);
  assert_int_equal(seg_score(40, cuts, 4), 2);
  assert_int_equal(seg_score(50, cuts, 4), 3);
  assert_int_equal(seg_score(60, cuts, 4), 4);
  assert_int_equal(seg_score(70, cuts, 4), 5);
}

/* 10 values into 4 bins: 10 = 4*2 + 2, sizes 3,3,2,2, groups end at
** positions 3, 6, 8: sorted 1..10 -> cuts 3, 6, 8; NTILE gives
** 1,1,1,2,2,2,3,3,4,4, and so do the scores. */
static void test_ten_values_four_bins(void **state) {
  (void)state;
  double v[] = {9, 2, 7, 4, 10, 1, 6, 3, 8, 5};
  static const int want[11] = {0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4};
  double cuts[3];
  assert_int_equal(seg_quantile_cuts(v, 10, 4, cuts), 0);
  assert_double_near(3, cuts[0], 0);
  assert_double_near(6, cuts[1], 0);
  assert_double_near(8, cuts[2], 0);
  for (int x = 1; x <= 10; x++) assert_int_equal(seg_score(x, cuts, 3), want[x]);
}

/* The example of quantile.h: 10 20 20 20 50 into 5 bins, groups of one:
** cuts are the first four sorted values 10, 20, 20, 20.  20 has only 10
** below it -> 2 (NTILE would split the three 20s over 2, 3, 4); 50 -> 5. */
static void test_header_example_ties(void **state) {
  (void)state;
  double v[] = {20, 50, 20, 10, 20};
  double cuts[4];
  assert_int_equal(seg_quantile_cuts(v, 5, 5, cuts), 0);
  assert_double_near(10, cuts[0], 0);
  assert_double_near(20, cuts[1], 0);
  assert_double_near(20, cuts[2], 0);
  assert_double_near(20, cuts[3], 0);
  assert_int_equal(seg_score(10, cuts, 4), 1);
  assert_int_equal(seg_score(20, cuts, 4), 2);
  assert_int_equal(seg_score(50, cuts, 4), 5);
}

/* A tie group straddling a boundary goes to the lower bin:
** 1 2 2 2 3 4 into 2 bins, sizes 3,3, the cut is the 3rd value, 2.  NTILE
** would put the 2s at positions 2, 3 in group 1 and the one at 4 in group
** 2; here all three 2s score 1, and 3 and 4 score 2. */
static void test_tie_straddling_boundary_goes_low(void **state) {
  (void)state;
  double v[] = {2, 4, 2, 1, 3, 2};
  double cuts[1];
  assert_int_equal(seg_quantile_cuts(v, 6, 2, cuts), 0);
  assert_double_near(2, cuts[0], 0);
  assert_int_equal(seg_score(1, cuts, 1), 1);
  assert_int_equal(seg_score(2, cuts, 1), 1);
  assert_int_equal(seg_score(3, cuts, 1), 2);
  assert_int_equal(seg_score(4, cuts, 1), 2);
}

/* A third of the customers bought once (the case that breaks pandas'
** qcut): nine 1s and 2..19 into 3 bins: 27 values, sizes 9,9,9; the cuts
** are the 9th value (1) and the 18th (sorted: nine 1s at positions 1..9,
** then 2..19 at 10..27, so position 18 holds 10).
** 1 -> 1, 2..10 -> 2, 11..19 -> 3. */
static void test_many_ones(void **state) {
  (void)state;
  double v[27];
  int k = 0;
  for (int i = 0; i < 9; i++) v[k++] = 1;
  for (int x = 2; x <= 19; x++) v[k++] = x;
  rng_state = 7;
  shuffle(v, 27);
  double cuts[2];
  assert_int_equal(seg_quantile_cuts(v, 27, 3, cuts), 0);
  assert_double_near(1, cuts[0], 0);
  assert_double_near(10, cuts[1], 0);
  assert_int_equal(seg_score(1, cuts, 2), 1);
  for (int x = 2; x <= 10; x++) assert_int_equal(seg_score(x, cuts, 2), 2);
  for (int x = 11; x <= 19; x++) assert_int_equal(seg_score(x, cuts, 2), 3);
}

/* n < bins: NTILE(5) over 3 rows gives 1, 2, 3.  The cuts are the three
** values and then the largest again: 1, 2, 3, 3; scores 1, 2, 3. */
static void test_fewer_values_than_bins(void **state) {
  (void)state;
  double v[] = {3, 1, 2};
  double cuts[4];
  assert_int_equal(seg_quantile_cuts(v, 3, 5, cuts), 0);
  assert_double_near(1, cuts[0], 0);
  assert_double_near(2, cuts[1], 0);
  assert_double_near(3, cuts[2], 0);
  assert_double_near(3, cuts[3], 0);
  assert_int_equal(seg_score(1, cuts, 4), 1);
  assert_int_equal(seg_score(2, cuts, 4), 2);
  assert_int_equal(seg_score(3, cuts, 4), 3);

  /* One value, 9 bins: every cut is that value, it scores 1. */
  double one[] = {-4.5};
  double cuts8[8];
  assert_int_equal(seg_quantile_cuts(one, 1, 9, cuts8), 0);
  for (int i = 0; i < 8; i++) assert_double_near(-4.5, cuts8[i], 0);
  assert_int_equal(seg_score(-4.5, cuts8, 8), 1);

  /* N distinct values score 1..N for every N < bins. */
  for (int bins = 2; bins <= 9; bins++) {
    for (int n = 1; n < bins; n++) {
      double w[9], c[8];
      for (int i = 0; i < n; i++) w[i] = 100.0 - 7.0 * i; /* descending */
      assert_int_equal(seg_quantile_cuts(w, (size_t)n, bins, c), 0);
      for (int i = 0; i < n; i++)
        assert_int_equal(seg_score(100.0 - 7.0 * i, c, bins - 1), n - i);
    }
  }
}

static void test_bad_arguments(void **state) {
  (void)state;
  double v[] = {1, 2, 3};
  double cuts[10];
  static const int bad_bins[] = {-1, 0, 1, 10, 100};
  for (int i = 0; i < 10; i++) cuts[i] = -99;
  assert_int_equal(seg_quantile_cuts(v, 0, 5, cuts), -1);
  for (size_t b = 0; b < sizeof bad_bins / sizeof bad_bins[0]; b++)
    assert_int_equal(seg_quantile_cuts(v, 3, bad_bins[b], cuts), -1);
  for (int i = 0; i < 10; i++) assert_double_near(-99, cuts[i], 0); /* untouched */
  /* The values are untouched too. */
  assert_double_near(1, v[0], 0);
  assert_double_near(2, v[1], 0);
  assert_double_near(3, v[2], 0);
  /* The ends of the range are fine. */
  assert_int_equal(seg_quantile_cuts(v, 3, 2, cuts), 0);
  assert_int_equal(seg_quantile_cuts(v, 3, 9, cuts), 0);
}

/* All equal: every cut is the value, nothing is strictly below it. */
static void test_all_equal(void **state) {
  (void)state;
  for (int bins = 2; bins <= 9; bins++) {
    double v[100], cuts[8];
    for (int i = 0; i < 100; i++) v[i] = 7.25;
    assert_int_equal(seg_quantile_cuts(v, 100, bins, cuts), 0);
    for (int i = 0; i < bins - 1; i++) assert_double_near(7.25, cuts[i], 0);
    assert_int_equal(seg_score(7.25, cuts, bins - 1), 1);
  }
}

/* A value equal to a cut falls in the lower bin: (c1, c2] is bin 2. */
static void test_score_at_cut_is_lower_bin(void **state) {
  (void)state;
  double cuts[] = {10, 20, 30};
  assert_int_equal(seg_score(-1e300, cuts, 3), 1);
  assert_int_equal(seg_score(10, cuts, 3), 1);
  assert_int_equal(seg_score(nextafter(10, 11), cuts, 3), 2);
  assert_int_equal(seg_score(20, cuts, 3), 2);
  assert_int_equal(seg_score(20.5, cuts, 3), 3);
  assert_int_equal(seg_score(30, cuts, 3), 3);
  assert_int_equal(seg_score(30.000001, cuts, 3), 4);
  assert_int_equal(seg_score(INFINITY, cuts, 3), 4);
  /* Repeated cuts (a tied column): 5 is above neither 5. */
  double tied[] = {1, 5, 5, 9};
  assert_int_equal(seg_score(5, tied, 4), 2);
  assert_int_equal(seg_score(6, tied, 4), 4);
  assert_int_equal(seg_score(9, tied, 4), 4);
  assert_int_equal(seg_score(9.5, tied, 4), 5);
  /* No cuts at all: everything scores 1. */
  assert_int_equal(seg_score(42, cuts, 0), 1);
}

/* Recency: R = ncuts + 2 - score, so the fewest days get the most.
** Cuts on recency_days 30, 60, 90, 180 (5 bins):
**   10 days -> score 1 -> R 5;  30 -> 1 -> 5 (a cut is the lower bin);
**   31 -> 2 -> 4;  90 -> 3 -> 3;  180 -> 4 -> 2;  181 -> 5 -> 1. */
static void test_score_reversed(void **state) {
  (void)state;
  double cuts[] = {30, 60, 90, 180};
  assert_int_equal(seg_score_reversed(10, cuts, 4), 5);
  assert_int_equal(seg_score_reversed(30, cuts, 4), 5);
  assert_int_equal(seg_score_reversed(31, cuts, 4), 4);
  assert_int_equal(seg_score_reversed(60, cuts, 4), 4);
  assert_int_equal(seg_score_reversed(90, cuts, 4), 3);
  assert_int_equal(seg_score_reversed(180, cuts, 4), 2);
  assert_int_equal(seg_score_reversed(181, cuts, 4), 1);
  /* Every value, both directions: always in 1..ncuts+1 and they add up. */
  for (int x = -10; x <= 200; x++) {
    int s = seg_score(x, cuts, 4), r = seg_score_reversed(x, cuts, 4);
    assert_in_range(s, 1, 5);
    assert_in_range(r, 1, 5);
    assert_int_equal(s + r, 6);
  }
}

static void test_rfm_code(void **state) {
  (void)state;
  assert_int_equal(seg_rfm_code(5, 4, 5), 545);
  assert_int_equal(seg_rfm_code(1, 1, 1), 111);
  assert_int_equal(seg_rfm_code(3, 5, 2), 352);
  assert_int_equal(seg_rfm_code(9, 9, 9), 999);
  for (int r = 1; r <= 9; r++)
    for (int f = 1; f <= 9; f++)
      for (int m = 1; m <= 9; m++) {
        int code = seg_rfm_code(r, f, m);
        assert_int_equal(code / 100, r);
        assert_int_equal(code / 10 % 10, f);
        assert_int_equal(code % 10, m);
      }
}

/* ---- against the NTILE reference ------------------------------------- */

/* Every n in 1..200, every bins 2..9, distinct values in random order. */
static void test_distinct_equals_ntile(void **state) {
  (void)state;
  rng_state = 0x5e6e17;
  double a[200];
  for (size_t n = 1; n <= 200; n++) {
    for (int k = SEG_MIN_BINS; k <= SEG_MAX_BINS; k++) {
      for (int rep = 0; rep < 3; rep++) {
        fill_distinct(a, n);
        check_against_reference(a, n, k, NULL);
      }
    }
  }
}

/* Orders that defeat a naive quickselect: sorted, reversed, organ pipe. */
static void test_adversarial_orders(void **state) {
  (void)state;
  size_t n = 5001;
  double *a = malloc(n * sizeof *a);
  assert_non_null(a);
  for (int k = SEG_MIN_BINS; k <= SEG_MAX_BINS; k++) {
    for (size_t i = 0; i < n; i++) a[i] = (double)i;
    check_against_reference(a, n, k, NULL);
    for (size_t i = 0; i < n; i++) a[i] = (double)(n - i);
    check_against_reference(a, n, k, NULL);
    for (size_t i = 0; i < n; i++) a[i] = (double)(i < n / 2 ? i : n - i);
    check_against_reference(a, n, k, NULL);
    for (size_t i = 0; i < n; i++) a[i] = (double)(i % 7);
    check_against_reference(a, n, k, NULL);
  }
  free(a);
}

/* Large n, distinct and tied. */
static void test_large(void **state) {
  (void)state;
  size_t n = 100000;
  double *a = malloc(n * sizeof *a);
  assert_non_null(a);
  rng_state = 0xb16;
  for (int k = SEG_MIN_BINS; k <= SEG_MAX_BINS; k++) {
    fill_distinct(a, n);
    check_against_reference(a, n, k, NULL);
    /* Frequency-like: a third bought once, a long tail. */
    for (size_t i = 0; i < n; i++)
      a[i] = i % 3 == 0 ? 1.0 : (double)(1 + rng_below(1 + rng_below(40)));
    check_against_reference(a, n, k, NULL);
  }
  /* 100001 and 99999 too (every remainder pattern of 9 bins differs). */
  for (size_t m = n - 1; m <= n + 1; m += 2) {
    double *b = malloc(m * sizeof *b);
    assert_non_null(b);
    for (int k = SEG_MIN_BINS; k <= SEG_MAX_BINS; k++) {
      fill_distinct(b, m);
      check_against_reference(b, m, k, NULL);
    }
    free(b);
  }
  free(a);
}

/* With ties: the same multiset shuffled several times gives every value
** the same score each time (and the reference's score). */
static void test_ties_independent_of_order(void **state) {
  (void)state;
  rng_state = 0x7135;
  double a[300];
  int first[300], again[300];
  for (int trial = 0; trial < 400; trial++) {
    size_t n = 1 + rng_below(300);
    size_t distinct = 1 + rng_below(trial % 2 ? 12 : 60);
    for (size_t i = 0; i < n; i++) a[i] = (double)rng_below(distinct) * 2.5 - 3;
    int k = SEG_MIN_BINS + (int)rng_below(SEG_MAX_BINS - SEG_MIN_BINS + 1);
    check_against_reference(a, n, k, first);
    /* Remember the score of each value, by value. */
    double *s = sorted_copy(a, n);
    int *by_pos = malloc(n * sizeof *by_pos);
    assert_non_null(by_pos);
    for (size_t i = 0; i < n; i++) by_pos[first_position(s, n, a[i])] = first[i];
    for (int shuffles = 0; shuffles < 5; shuffles++) {
      shuffle(a, n);
      check_against_reference(a, n, k, again);
      for (size_t i = 0; i < n; i++)
        assert_int_equal(again[i], by_pos[first_position(s, n, a[i])]);
    }
    free(by_pos);
    free(s);
  }
}

/* seg_median: by hand, then against the middle of a sorted copy for
** every size from 1 to 300, with ties and in sorted and reversed order. */
static int cmp_median(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return (a > b) - (a < b);
}

static void test_median(void **state) {
  double odd[] = {5, 1, 4}, even[] = {10, 100, 20, 80}, one[] = {-3};
  (void)state;
  assert_true(seg_median(odd, 3) == 4);
  assert_true(seg_median(even, 4) == 50);
  assert_true(seg_median(one, 1) == -3);
  rng_state = 0x3ed1a;
  for (size_t n = 1; n <= 300; n++) {
    double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *v);
    assert_non_null(v);
    assert_non_null(sorted);
    for (int shape = 0; shape < 3; shape++) {
      for (size_t i = 0; i < n; i++)
        v[i] = shape == 0 ? (double)rng_below(n / 3 + 1) : shape == 1 ? (double)i : (double)(n - i);
      memcpy(sorted, v, n * sizeof *v);
      qsort(sorted, n, sizeof *v, cmp_median);
      double want = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      assert_true(seg_median(v, n) == want);
    }
    free(v);
    free(sorted);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seven_values_five_bins),
      cmocka_unit_test(test_ten_values_four_bins),
      cmocka_unit_test(test_header_example_ties),
      cmocka_unit_test(test_tie_straddling_boundary_goes_low),
      cmocka_unit_test(test_many_ones),
      cmocka_unit_test(test_fewer_values_than_bins),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_all_equal),
      cmocka_unit_test(test_score_at_cut_is_lower_bin),
      cmocka_unit_test(test_score_reversed),
      cmocka_unit_test(test_rfm_code),
      cmocka_unit_test(test_distinct_equals_ntile),
      cmocka_unit_test(test_adversarial_orders),
      cmocka_unit_test(test_large),
      cmocka_unit_test(test_ties_independent_of_order),
      cmocka_unit_test(test_median),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
