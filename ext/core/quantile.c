/*
** quantile.c — cut points by selection, and scores; see quantile.h.
**
** HOW IT WORKS
** The cut points sit at fixed sorted positions (the ends of the NTILE
** groups), so a full sort is not needed: quickselect places each of the
** k-1 positions in turn, each within the part of the array that the
** previous one left above it.  Hoare's partition stops on equal keys from
** both sides, so a column of identical values (very common: a third of a
** shop's customers buy once) splits in the middle instead of degrading.
*/
#include "quantile.h"

static void swap_values(double *a, double *b) {
  double t = *a;
  *a = *b;
  *b = t;
}

static void insertion_sort(double *a, ptrdiff_t lo, ptrdiff_t hi) {
  for (ptrdiff_t i = lo + 1; i <= hi; i++) {
    double x = a[i];
    ptrdiff_t j = i - 1;
    while (j >= lo && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/* Reorder a[lo..hi] (inclusive) so that a[nth] holds the value that a
** sort would put there, with nothing greater before it and nothing smaller
** after it. */
static void select_nth(double *a, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t nth) {
  while (hi - lo > 16) {
    ptrdiff_t mid = lo + (hi - lo) / 2;
    /* Median of three as the pivot value. */
    if (a[mid] < a[lo]) swap_values(&a[mid], &a[lo]);
    if (a[hi] < a[lo]) swap_values(&a[hi], &a[lo]);
    if (a[hi] < a[mid]) swap_values(&a[hi], &a[mid]);
    double pivot = a[mid];
    ptrdiff_t i = lo - 1, j = hi + 1;
    for (;;) {
      do i++; while (a[i] < pivot);
      do j--; while (a[j] > pivot);
      if (i >= j) break;
      swap_values(&a[i], &a[j]);
    }
    /* Now a[lo..j] <= pivot <= a[j+1..hi]. */
    if (nth <= j) hi = j;
    else lo = j + 1;
  }
  insertion_sort(a, lo, hi);
}

int seg_quantile_cuts(double *values, size_t n, int bins, double *cuts) {
  if (n == 0 || bins < SEG_MIN_BINS || bins > SEG_MAX_BINS) return -1;
  size_t base = n / (size_t)bins, extra = n % (size_t)bins;
  ptrdiff_t lo = 0;
  for (int i = 0; i < bins - 1; i++) {
    /* End (exclusive) of NTILE group i: the first `extra` groups hold one
    ** more value.  Empty groups (n < bins) repeat the largest value. */
    size_t groups = (size_t)i + 1;
    size_t end = groups * base + (groups < extra ? groups : extra);
    ptrdiff_t pos = (ptrdiff_t)(end < n ? end : n) - 1;
    if (pos >= lo) {
      select_nth(values, lo, (ptrdiff_t)n - 1, pos);
      lo = pos + 1;
    } else {
      /* Same position as the previous cut (only when n < bins). */
      pos = lo - 1;
    }
    cuts[i] = values[pos];
  }
  return 0;
}

double seg_median(double *values, size_t n) {
  size_t half = n / 2;
  double below;
  select_nth(values, 0, (ptrdiff_t)n - 1, (ptrdiff_t)half);
  if (n % 2) return values[half];
  /* even: the largest of the lower half is the other middle value */
  below = values[0];
  for (size_t i = 1; i < half; i++)
    if (values[i] > below) below = values[i];
  return (below + values[half]) / 2;
}

int seg_score(double value, const double *cuts, int ncuts) {
  int score = 1;
  for (int i = 0; i < ncuts; i++)
    if (cuts[i] < value) score++;
  return score;
}

int seg_score_reversed(double value, const double *cuts, int ncuts) {
  return ncuts + 2 - seg_score(value, cuts, ncuts);
}

int seg_rfm_code(int r, int f, int m) { return r * 100 + f * 10 + m; }
