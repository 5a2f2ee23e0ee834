/*
** test_customers.c — orders grouped into customers (ext/core/customers.c).
**
** Ids: integers and texts (bytes and length, embedded NULs included),
** each found again after the table has grown to 200,000 customers.
** Orders: first and last day, frequency, the number and sum of amounts,
** by row (seg_customers_add_order) and by integer id through the batch
** (seg_customers_add_int_order), which must be invisible to every reader.
** Scores: monetary rounded first; customers without orders get code 0;
** r, f and m checked against a reference computed here from NTILE's
** definition (sort a copy, give each value the NTILE group of its first
** sorted position; recency reversed), the same for fixed breaks, and the
** cut points reported in `used`.  Order: integers ascending, then texts
** by bytes (a prefix first), checked against a qsort done here.
**
**   make build/unit/test_customers && ./build/unit/test_customers
*/
#include "testutil.h"
#include "../rng.h"

#include <stdlib.h>
#include <string.h>

#include "customers.h"



/* ---- the NTILE reference (as in test_quantile.c) ----------------------- */

static int cmp_double(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return (a > b) - (a < b);
}

static int ntile_group(size_t p, size_t n, int k) {
  size_t q = n / (size_t)k, e = n % (size_t)k;
  if (p < e * (q + 1)) return (int)(p / (q + 1)) + 1;
  return (int)(e + (p - e * (q + 1)) / q) + 1;
}

/* Scores of v[0..n) into k bins: NTILE of each value's first sorted
** position; cut points (k-1 of them) read off the sorted copy. */
static void reference_scores(const double *v, size_t n, int k, int *scores,
                             double *cuts) {
  double *s = malloc(n * sizeof *s);
  assert_non_null(s);
  memcpy(s, v, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp_double);
  for (int g = 1; g < k; g++) cuts[g - 1] = s[n - 1];
  for (size_t p = 0; p < n; p++) {
    int g = ntile_group(p, n, k);
    if (g < k) cuts[g - 1] = s[p];
  }
  for (size_t i = 0; i < n; i++) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (s[mid] < v[i]) lo = mid + 1;
      else hi = mid;
    }
    scores[i] = ntile_group(lo, n, k);
  }
  free(s);
}

/* ---- helpers ----------------------------------------------------------- */

static seg_customers *new_table(void) {
  seg_customers *t = seg_customers_new();
  assert_non_null(t);
  assert_int_equal(t->n, 0);
  return t;
}

static int64_t add_text(seg_customers *t, const char *z, size_t n) {
  int64_t i = seg_customers_find_text(t, z, n, 1);
  assert_true(i >= 0);
  return i;
}

static void assert_text_id(seg_customers *t, int64_t i, const char *z, size_t n) {
  size_t len = 12345;
  assert_int_equal(seg_customers_is_text(t, (size_t)i), 1);
  const char *got = seg_customers_text(t, (size_t)i, &len);
  assert_int_equal(len, n);
  if (n) assert_memory_equal(got, z, n);
}

/* The scores of row i, from its code r*100 + f*10 + m (0: none). */
static int R(const seg_customers *t, int64_t i) { return seg_customers_code(t, (size_t)i) / 100; }
static int F(const seg_customers *t, int64_t i) { return seg_customers_code(t, (size_t)i) / 10 % 10; }
static int M(const seg_customers *t, int64_t i) { return seg_customers_code(t, (size_t)i) % 10; }

/* ---- ids ----------------------------------------------------------------- */

static void test_integer_ids(void **state) {
  (void)state;
  seg_customers *t = new_table();
  assert_int_equal(seg_customers_find_int(t, 42, 0), -1); /* absent */
  assert_int_equal(t->n, 0);
  assert_int_equal(seg_customers_find_int(t, 42, 1), 0);
  assert_int_equal(seg_customers_find_int(t, 42, 1), 0);  /* found, not added */
  assert_int_equal(seg_customers_find_int(t, 42, 0), 0);
  assert_int_equal(seg_customers_find_int(t, 43, 0), -1);
  assert_int_equal(seg_customers_find_int(t, 43, 1), 1);
  assert_int_equal(seg_customers_find_int(t, -42, 1), 2);
  assert_int_equal(seg_customers_find_int(t, 0, 1), 3);
  assert_int_equal(seg_customers_find_int(t, INT64_MIN, 1), 4);
  assert_int_equal(seg_customers_find_int(t, INT64_MAX, 1), 5);
  assert_int_equal(t->n, 6);
  assert_int_equal(seg_customers_find_int(t, INT64_MIN, 0), 4);
  assert_int_equal(seg_customers_find_int(t, INT64_MAX, 0), 5);
  assert_int_equal(seg_customers_find_int(t, -42, 0), 2);
  assert_int_equal(t->rows[2].id, -42);
  assert_int_equal(seg_customers_is_text(t, 2), 0);
  /* A new customer has no orders and no scores. */
  assert_int_equal(t->rows[0].frequency, 0);
  assert_int_equal(t->rows[0].n_amount, 0);
  assert_true(t->rows[0].monetary == 0);
  assert_int_equal(seg_customers_code(t, 0), 0);
  seg_customers_free(t);
  seg_customers_free(NULL);
}

/* Text ids are their bytes and length: "a", "a\0b", "a\0c", "", "ab" and
** "A" are six customers, and the text "42" is not the integer 42. */
static void test_text_ids(void **state) {
  (void)state;
  seg_customers *t = new_table();
  assert_int_equal(seg_customers_find_text(t, "a", 1, 0), -1);
  int64_t a = add_text(t, "a", 1);
  int64_t anb = add_text(t, "a\0b", 3);
  int64_t anc = add_text(t, "a\0c", 3);
  int64_t empty = add_text(t, "", 0);
  int64_t ab = add_text(t, "ab", 2);
  int64_t A = add_text(t, "A", 1);
  int64_t s42 = add_text(t, "42", 2);
  int64_t i42 = seg_customers_find_int(t, 42, 1);
  assert_int_equal(a, 0);
  assert_int_equal(anb, 1);
  assert_int_equal(anc, 2);
  assert_int_equal(empty, 3);
  assert_int_equal(ab, 4);
  assert_int_equal(A, 5);
  assert_int_equal(s42, 6);
  assert_int_equal(i42, 7);
  assert_int_equal(t->n, 8);
  /* Found again, by bytes and length only: "a" inside "ab" is still "a". */
  assert_int_equal(seg_customers_find_text(t, "ab", 1, 0), a);
  assert_int_equal(seg_customers_find_text(t, "a\0b", 3, 0), anb);
  assert_int_equal(seg_customers_find_text(t, "a\0bxyz", 3, 1), anb);
  assert_int_equal(seg_customers_find_text(t, "a\0c", 3, 0), anc);
  assert_int_equal(seg_customers_find_text(t, "a\0", 2, 0), -1);
  assert_int_equal(seg_customers_find_text(t, "xyz", 0, 0), empty);
  assert_int_equal(seg_customers_find_text(t, "42", 2, 0), s42);
  assert_int_equal(seg_customers_find_int(t, 42, 0), i42);
  assert_int_equal(t->n, 8);
  assert_text_id(t, a, "a", 1);
  assert_text_id(t, anb, "a\0b", 3);
  assert_text_id(t, anc, "a\0c", 3);
  assert_text_id(t, empty, "", 0);
  assert_text_id(t, ab, "ab", 2);
  assert_text_id(t, s42, "42", 2);
  assert_int_equal(seg_customers_is_text(t, (size_t)i42), 0);
  /* The caller's buffer is copied. */
  char buf[8] = "zz";
  int64_t zz = add_text(t, buf, 2);
  strcpy(buf, "qq");
  assert_text_id(t, zz, "zz", 2);
  assert_int_equal(seg_customers_find_text(t, "zz", 2, 0), zz);
  seg_customers_free(t);
}

/* A long id, longer than the arena's first block. */
static void test_long_text_id(void **state) {
  (void)state;
  seg_customers *t = new_table();
  size_t n = 10000;
  char *z = malloc(n);
  assert_non_null(z);
  for (size_t i = 0; i < n; i++) z[i] = (char)('a' + i % 26);
  int64_t short_id = add_text(t, "short", 5);
  int64_t long_id = add_text(t, z, n);
  assert_text_id(t, long_id, z, n);
  assert_text_id(t, short_id, "short", 5);
  assert_int_equal(seg_customers_find_text(t, z, n, 0), long_id);
  assert_int_equal(seg_customers_find_text(t, z, n - 1, 0), -1);
  free(z);
  seg_customers_free(t);
}

/* 200,000 customers, integers and texts interleaved: every id is found
** again at the index it was given (the order first seen), with its bytes
** intact after the arena and the hash table have grown many times. */
static void test_growth(void **state) {
  (void)state;
  seg_customers *t = new_table();
  const int64_t N = 200000;
  char buf[32];
  for (int64_t i = 0; i < N; i++) {
    int64_t got;
    if (i % 2 == 0) {
      got = seg_customers_find_int(t, i * 7919 - 500000, 1);
    } else {
      int len = snprintf(buf, sizeof buf, "cust-%lld", (long long)i);
      got = seg_customers_find_text(t, buf, (size_t)len, 1);
    }
    assert_int_equal(got, i);
  }
  assert_int_equal(t->n, (size_t)N);
  for (int64_t i = N - 1; i >= 0; i--) {
    if (i % 2 == 0) {
      assert_int_equal(seg_customers_find_int(t, i * 7919 - 500000, 0), i);
      assert_int_equal(t->rows[i].id, i * 7919 - 500000);
    } else {
      int len = snprintf(buf, sizeof buf, "cust-%lld", (long long)i);
      assert_int_equal(seg_customers_find_text(t, buf, (size_t)len, 0), i);
      assert_text_id(t, i, buf, (size_t)len);
    }
  }
  /* Neighbours that were never added. */
  assert_int_equal(seg_customers_find_int(t, 1 * 7919 - 500000, 0), -1);
  assert_int_equal(seg_customers_find_text(t, "cust-0", 6, 0), -1);
  assert_int_equal(seg_customers_find_text(t, "cust-200001", 11, 0), -1);
  /* Adding again changes nothing. */
  assert_int_equal(seg_customers_find_text(t, "cust-199999", 11, 1), 199999);
  assert_int_equal(t->n, (size_t)N);
  seg_customers_free(t);
}

/* Text ids first, then many more integer ids: each integer is still an
** integer, found again, and sorts before the texts. */
static void test_text_then_many_integers(void **state) {
  (void)state;
  seg_customers *t = new_table();
  add_text(t, "first", 5);
  add_text(t, "second", 6);
  const int64_t N = 5000;
  for (int64_t i = 0; i < N; i++) assert_int_equal(seg_customers_find_int(t, 1000 + i, 1), 2 + i);
  for (int64_t i = 0; i < N; i++) {
    assert_int_equal(seg_customers_find_int(t, 1000 + i, 0), 2 + i);
    assert_int_equal(seg_customers_is_text(t, (size_t)(2 + i)), 0);
  }
  assert_int_equal(seg_customers_find_text(t, "second", 6, 0), 1);
  assert_int_equal(seg_customers_sort(t), 0);
  for (int64_t i = 0; i < N; i++) assert_int_equal(t->order[i], 2 + i);
  assert_int_equal(t->order[N], 0);
  assert_int_equal(t->order[N + 1], 1);
  seg_customers_free(t);
}

/* Orders by integer id through the batch: customers appear in the order
** first seen, the sums are those of the orders, and whatever reads the
** table (find, score, sort) sees every order, full batch or not.
** Reference: the same orders counted here in plain arrays. */
static void test_int_order_batches(void **state) {
  (void)state;
  rng_state = 0xba7c;
  for (int round = 0; round < 3; round++) {
    seg_customers *t = new_table();
    size_t n_ids = round == 0 ? 5 : 3000;
    size_t n_orders = round == 0 ? 7 : 20000 + (size_t)round * 37; /* not a multiple of 64 */
    int64_t *first_seen = calloc(n_ids, sizeof *first_seen);
    int64_t *freq = calloc(n_ids, sizeof *freq), *n_amount = calloc(n_ids, sizeof *n_amount);
    int64_t *cents = calloc(n_ids, sizeof *cents);
    int32_t *first = calloc(n_ids, sizeof *first), *last = calloc(n_ids, sizeof *last);
    assert_true(first_seen && freq && n_amount && cents && first && last);
    int64_t next_row = 0;
    for (size_t i = 0; i < n_ids; i++) first_seen[i] = -1;
    for (size_t o = 0; o < n_orders; o++) {
      size_t k = rng_below(n_ids);
      int32_t day = (int32_t)rng_below(1000) - 100;
      int has_amount = rng_below(5) != 0;
      int64_t c = (int64_t)rng_below(10000) - 1000;
      int64_t id = (int64_t)k * 1000003 - 77;
      assert_int_equal(seg_customers_add_int_order(t, id, day, has_amount, (double)c / 100.0), 0);
      if (first_seen[k] < 0) first_seen[k] = next_row++;
      if (freq[k] == 0 || day < first[k]) first[k] = day;
      if (freq[k] == 0 || day > last[k]) last[k] = day;
      freq[k]++;
      if (has_amount) {
        n_amount[k]++;
        cents[k] += c;
      }
    }
    /* find_int flushes the pending batch first. */
    for (size_t k = 0; k < n_ids; k++) {
      int64_t id = (int64_t)k * 1000003 - 77;
      int64_t i = seg_customers_find_int(t, id, 0);
      assert_int_equal(i, first_seen[k]);
      if (i < 0) continue;
      const seg_customer *c = &t->rows[i];
      assert_int_equal(c->frequency, freq[k]);
      assert_int_equal(c->n_amount, n_amount[k]);
      assert_int_equal(c->first_day, first[k]);
      assert_int_equal(c->last_day, last[k]);
      /* Before scoring the sum is not rounded: within 1e-9 of the cents. */
      assert_double_near((double)cents[k] / 100.0, c->monetary, 1e-9);
    }
    assert_int_equal(t->n, (size_t)next_row);
    seg_customers_free(t);
    free(first_seen); free(freq); free(n_amount); free(cents); free(first); free(last);
  }
}

/* A batch that is not full is still seen by score, sort and text lookups,
** and the rows keep the order first seen across them. */
static void test_partial_batch_is_flushed(void **state) {
  (void)state;
  seg_customers *t = new_table();
  assert_int_equal(seg_customers_add_int_order(t, 7, 10, 1, 5.0), 0);
  assert_int_equal(seg_customers_add_int_order(t, 3, 20, 1, 1.0), 0);
  int64_t x = add_text(t, "x", 1); /* after 7 and 3 */
  assert_int_equal(x, 2);
  seg_customers_add_order(t, x, 30, 1, 9.0);
  assert_int_equal(seg_customers_add_int_order(t, 7, 40, 0, 0.0), 0);
  assert_int_equal(seg_customers_add_int_order(t, 5, 25, 1, 2.0), 0);
  /* score flushes: 7 has 2 orders (last day 40), 3 and 5 one each. */
  seg_score_options opt = {.bins = 2, .as_of_day = 50, .money_decimals = 2, .breaks = NULL};
  assert_int_equal(seg_customers_score(t, &opt, NULL), 0);
  assert_int_equal(t->n, 4);
  assert_int_equal(t->rows[0].id, 7);
  assert_int_equal(t->rows[0].frequency, 2);
  assert_int_equal(t->rows[0].last_day, 40);
  assert_int_equal(t->rows[3].id, 5);
  assert_int_equal(seg_customers_is_text(t, 3), 0);
  /* F: frequencies 2, 1, 1, 1 (rows 7, 3, x, 5); 2 bins, cut at the 2nd
  ** sorted value, 1: 7 scores 2, the others 1. */
  assert_int_equal(F(t, 0), 2);
  assert_int_equal(F(t, 1), 1);
  assert_int_equal(F(t, 2), 1);
  assert_int_equal(F(t, 3), 1);
  /* sort flushes too. */
  assert_int_equal(seg_customers_add_int_order(t, -1, 1, 1, 1.0), 0);
  assert_int_equal(seg_customers_sort(t), 0);
  assert_int_equal(t->n, 5);
  static const uint32_t want[] = {4, 1, 3, 0, 2}; /* -1, 3, 5, 7, "x" */
  for (int i = 0; i < 5; i++) assert_int_equal(t->order[i], want[i]);
  /* flush by hand, with and without anything pending. */
  assert_int_equal(seg_customers_add_int_order(t, 8, 1, 1, 1.0), 0);
  assert_int_equal(seg_customers_flush(t), 0);
  assert_int_equal(t->n, 6);
  assert_int_equal(seg_customers_flush(t), 0);
  assert_int_equal(t->n, 6);
  seg_customers_free(t);
}

/* ---- orders ----------------------------------------------------------- */

/* Orders on days 100, 50, 150, 50, -5 with amounts 10.5, none, -3.25,
** 0 and 2: first day -5, last 150, frequency 5, 4 amounts summing to
** 10.5 - 3.25 + 0 + 2 = 9.25 (every term exact in binary). */
static void test_add_order(void **state) {
  (void)state;
  seg_customers *t = new_table();
  int64_t i = seg_customers_find_int(t, 1, 1);
  int64_t j = seg_customers_find_int(t, 2, 1);
  seg_customers_add_order(t, i, 100, 1, 10.5);
  seg_customers_add_order(t, i, 50, 0, 999.0); /* no amount: not summed */
  seg_customers_add_order(t, i, 150, 1, -3.25);
  seg_customers_add_order(t, i, 50, 1, 0.0);
  seg_customers_add_order(t, i, -5, 1, 2.0);
  const seg_customer *c = &t->rows[i];
  assert_int_equal(c->first_day, -5);
  assert_int_equal(c->last_day, 150);
  assert_int_equal(c->frequency, 5);
  assert_int_equal(c->n_amount, 4);
  assert_double_near(9.25, c->monetary, 0);
  /* The other customer is untouched. */
  assert_int_equal(t->rows[j].frequency, 0);
  /* Only orders without amounts: monetary 0, n_amount 0. */
  seg_customers_add_order(t, j, 7, 0, 5.0);
  seg_customers_add_order(t, j, 3, 0, 5.0);
  assert_int_equal(t->rows[j].frequency, 2);
  assert_int_equal(t->rows[j].n_amount, 0);
  assert_true(t->rows[j].monetary == 0);
  assert_int_equal(t->rows[j].first_day, 3);
  assert_int_equal(t->rows[j].last_day, 7);
  /* A single order on a negative day sets both ends. */
  int64_t k = seg_customers_find_int(t, 3, 1);
  seg_customers_add_order(t, k, -20000, 1, -1.5);
  assert_int_equal(t->rows[k].first_day, -20000);
  assert_int_equal(t->rows[k].last_day, -20000);
  assert_double_near(-1.5, t->rows[k].monetary, 0);
  seg_customers_free(t);
}

/* ---- scoring ----------------------------------------------------------- */

/* Monetary is rounded before scoring, so 0.1 + 0.2 (0.30000000000000004)
** ties with 0.3.  Four buyers, 4 bins (groups of one): sorted rounded m
** is 0.3, 0.3, 5, 7 -> cuts 0.3, 0.3, 5: A and B score 1, C (two cuts
** strictly below 5: 0.3, 0.3) 3, D 4.  Unrounded, the cut would be 0.3
** and A (0.30000000000000004 > 0.3) would score 2.
** Frequency 2, 1, 1, 1: sorted 1 1 1 2 -> cuts 1, 1, 1: the 1s score 1,
** A (2) 4.  Last days 10, 20, 30, 40 with as_of 50: recency 40, 30, 20,
** 10 -> cuts 10, 20, 30 -> scores 4, 3, 2, 1 -> R = 5 - score: 1, 2, 3, 4.
** E has no orders: r = f = m = 0. */
static void test_score_rounds_monetary(void **state) {
  (void)state;
  seg_customers *t = new_table();
  int64_t A = seg_customers_find_int(t, 1, 1), B = seg_customers_find_int(t, 2, 1),
          C = seg_customers_find_int(t, 3, 1), D = seg_customers_find_int(t, 4, 1),
          E = seg_customers_find_int(t, 5, 1);
  seg_customers_add_order(t, A, 10, 1, 0.1);
  seg_customers_add_order(t, A, 5, 1, 0.2);
  seg_customers_add_order(t, B, 20, 1, 0.3);
  seg_customers_add_order(t, C, 30, 1, 5.0);
  seg_customers_add_order(t, D, 40, 1, 7.0);
  assert_true(t->rows[A].monetary != 0.3); /* the premise */
  assert_int_equal(seg_customers_code(t, 0), 0); /* no codes before scoring */
  seg_score_options opt = {.bins = 4, .as_of_day = 50, .money_decimals = 2, .breaks = NULL};
  seg_breaks used;
  memset(&used, 0xab, sizeof used);
  assert_int_equal(seg_customers_score(t, &opt, &used), 0);
  assert_true(t->rows[A].monetary == 0.3);
  assert_true(t->rows[B].monetary == 0.3);
  assert_int_equal(M(t, A), 1);
  assert_int_equal(M(t, B), 1);
  assert_int_equal(M(t, C), 3);
  assert_int_equal(M(t, D), 4);
  assert_int_equal(F(t, A), 4);
  assert_int_equal(F(t, B), 1);
  assert_int_equal(F(t, C), 1);
  assert_int_equal(F(t, D), 1);
  assert_int_equal(R(t, A), 1);
  assert_int_equal(R(t, B), 2);
  assert_int_equal(R(t, C), 3);
  assert_int_equal(R(t, D), 4);
  assert_int_equal(R(t, E), 0);
  assert_int_equal(F(t, E), 0);
  assert_int_equal(M(t, E), 0);
  /* The cut points used. */
  assert_int_equal(used.r.n, 3);
  assert_double_near(10, used.r.v[0], 0);
  assert_double_near(20, used.r.v[1], 0);
  assert_double_near(30, used.r.v[2], 0);
  assert_int_equal(used.f.n, 3);
  for (int i = 0; i < 3; i++) assert_double_near(1, used.f.v[i], 0);
  assert_int_equal(used.m.n, 3);
  assert_true(used.m.v[0] == 0.3 && used.m.v[1] == 0.3);
  assert_double_near(5, used.m.v[2], 0);
  /* used may be NULL. */
  assert_int_equal(seg_customers_score(t, &opt, NULL), 0);
  assert_int_equal(M(t, A), 1);
  seg_customers_free(t);
}

/* money_decimals: 1.005 -> 1.01 at 2 places, 1 at 0 places, and
** 12.3456 -> 12.346 at 3. */
static void test_score_money_decimals(void **state) {
  (void)state;
  seg_customers *t = new_table();
  int64_t a = seg_customers_find_int(t, 1, 1), b = seg_customers_find_int(t, 2, 1);
  seg_customers_add_order(t, a, 1, 1, 1.005);
  seg_customers_add_order(t, b, 1, 1, 12.3456);
  seg_score_options opt = {.bins = 2, .as_of_day = 1, .money_decimals = 2, .breaks = NULL};
  assert_int_equal(seg_customers_score(t, &opt, NULL), 0);
  assert_true(t->rows[a].monetary == 1.01);
  assert_true(t->rows[b].monetary == 12.35);
  seg_customers_free(t);

  t = new_table();
  a = seg_customers_find_int(t, 1, 1);
  b = seg_customers_find_int(t, 2, 1);
  seg_customers_add_order(t, a, 1, 1, 1.005);
  seg_customers_add_order(t, b, 1, 1, 12.3456);
  opt.money_decimals = 0;
  assert_int_equal(seg_customers_score(t, &opt, NULL), 0);
  assert_true(t->rows[a].monetary == 1.0);
  assert_true(t->rows[b].monetary == 12.0);
  seg_customers_free(t);

  t = new_table();
  b = seg_customers_find_int(t, 2, 1);
  seg_customers_add_order(t, b, 1, 1, 12.3456);
  opt.money_decimals = 3;
  assert_int_equal(seg_customers_score(t, &opt, NULL), 0);
  assert_true(t->rows[b].monetary == 12.346);
  seg_customers_free(t);
}

/* A shop of random customers scored against the NTILE reference, for
** every bins 2..9.  Amounts are whole cents; the reference sums them as
** integers, so its monetary (cents / 100.0) is the exact decimal rounded
** once, which is what rounding the double sum to 2 places must give. */
static void test_score_against_reference(void **state) {
  (void)state;
  rng_state = 0x5c0;
  for (int bins = 2; bins <= 9; bins++) {
    size_t n = 3000 + rng_below(2000);
    seg_customers *t = new_table();
    int32_t as_of = 20000;
    int64_t *cents = calloc(n, sizeof *cents);
    int64_t *freq = calloc(n, sizeof *freq);
    int32_t *last = calloc(n, sizeof *last);
    assert_true(cents && freq && last);
    for (size_t i = 0; i < n; i++) {
      int64_t id = (int64_t)(i * 31 + 7);
      assert_int_equal(seg_customers_find_int(t, id, 1), (int64_t)i);
    }
    /* Orders in random customer order; a third buy once; one in ten has
    ** no orders at all. */
    size_t n_orders = n * 3;
    for (size_t o = 0; o < n_orders; o++) {
      size_t i = rng_below(n);
      if (i % 10 == 9) continue;
      if (i % 3 == 0 && freq[i] > 0) continue;
      int32_t day = as_of - (int32_t)rng_below(i % 2 ? 60 : 900);
      int has_amount = rng_below(8) != 0;
      int64_t c = (int64_t)rng_below(i % 4 ? 20000 : 500) - (rng_below(20) == 0 ? 3000 : 0);
      if (bins % 2) /* through the batch, by id */
        assert_int_equal(seg_customers_add_int_order(t, (int64_t)(i * 31 + 7), day,
                                                     has_amount, (double)c / 100.0), 0);
      else
        seg_customers_add_order(t, (int64_t)i, day, has_amount, (double)c / 100.0);
      freq[i]++;
      if (has_amount) cents[i] += c;
      if (freq[i] == 1 || day > last[i]) last[i] = day;
    }
    /* The buyers' values, in row order. */
    size_t nb = 0;
    double *rv = malloc(n * sizeof *rv), *fv = malloc(n * sizeof *fv),
           *mv = malloc(n * sizeof *mv);
    int *rs = malloc(n * sizeof *rs), *fs = malloc(n * sizeof *fs),
        *ms = malloc(n * sizeof *ms);
    size_t *row = malloc(n * sizeof *row);
    assert_true(rv && fv && mv && rs && fs && ms && row);
    for (size_t i = 0; i < n; i++) {
      if (freq[i] == 0) continue;
      rv[nb] = (double)(as_of - last[i]);
      fv[nb] = (double)freq[i];
      mv[nb] = (double)cents[i] / 100.0;
      row[nb++] = i;
    }
    double rc[8], fc[8], mc[8];
    reference_scores(rv, nb, bins, rs, rc);
    reference_scores(fv, nb, bins, fs, fc);
    reference_scores(mv, nb, bins, ms, mc);

    seg_score_options opt = {.bins = bins, .as_of_day = as_of, .money_decimals = 2, .breaks = NULL};
    seg_breaks used;
    assert_int_equal(seg_customers_score(t, &opt, &used), 0);
    for (size_t b = 0; b < nb; b++) {
      const seg_customer *c = &t->rows[row[b]];
      assert_int_equal(c->frequency, freq[row[b]]);
      assert_int_equal(c->last_day, last[row[b]]);
      if (c->monetary != mv[b]) {
        print_error("row %zu: monetary %.17g, want %.17g\n", row[b], c->monetary, mv[b]);
        fail();
      }
      assert_int_equal(R(t, (int64_t)row[b]), bins + 1 - rs[b]); /* recency reversed */
      assert_int_equal(F(t, (int64_t)row[b]), fs[b]);
      assert_int_equal(M(t, (int64_t)row[b]), ms[b]);
    }
    for (size_t i = 0; i < n; i++) {
      if (freq[i]) continue;
      assert_int_equal(R(t, i), 0);
      assert_int_equal(F(t, i), 0);
      assert_int_equal(M(t, i), 0);
    }
    assert_int_equal(used.r.n, bins - 1);
    assert_int_equal(used.f.n, bins - 1);
    assert_int_equal(used.m.n, bins - 1);
    for (int g = 0; g < bins - 1; g++) {
      assert_true(used.r.v[g] == rc[g]); /* on recency_days, ascending */
      assert_true(used.f.v[g] == fc[g]);
      assert_true(used.m.v[g] == mc[g]);
    }
    free(rv); free(fv); free(mv); free(rs); free(fs); free(ms); free(row);
    free(cents); free(freq); free(last);
    seg_customers_free(t);
  }
}

/* Fixed business thresholds: r 30,60,90,180 (5 bins), f 1,3 (3 bins),
** m 50,100,250,500 (5 bins).  A value equal to a cut is the lower bin;
** R is reversed (5 + 1 - score for r's 4 cuts).  as_of day 1000.
**   customer  last  recency  r-score R   orders  F   monetary      M
**   1         970   30       1       5   1       1   50.004->50.00  1
**   2         969   31       2       4   2       2   50.005->50.01  2
**   3         820   180      4       2   3       2   500            4
**   4         819   181      5       1   4       3   500.01         5
**   5         1000  0        1       5   1       1   -20            1 */
static void test_score_fixed_breaks(void **state) {
  (void)state;
  seg_breaks br;
  memset(&br, 0, sizeof br);
  br.r.n = 4;
  br.r.v[0] = 30; br.r.v[1] = 60; br.r.v[2] = 90; br.r.v[3] = 180;
  br.f.n = 2;
  br.f.v[0] = 1; br.f.v[1] = 3;
  br.m.n = 4;
  br.m.v[0] = 50; br.m.v[1] = 100; br.m.v[2] = 250; br.m.v[3] = 500;

  seg_customers *t = new_table();
  static const struct {
    int32_t last;
    int orders;
    double amount;
    int r, f, m;
  } rows[] = {
      {970, 1, 50.004, 5, 1, 1},
      {969, 2, 50.005, 4, 2, 2},
      {820, 3, 500.0, 2, 2, 4},
      {819, 4, 500.01, 1, 3, 5},
      {1000, 1, -20.0, 5, 1, 1},
  };
  for (int i = 0; i < 5; i++) {
    int64_t k = seg_customers_find_int(t, i + 1, 1);
    assert_int_equal(k, i);
    /* The whole amount on the last order, zero-amount orders before it. */
    for (int o = 1; o < rows[i].orders; o++) seg_customers_add_order(t, k, rows[i].last - 1, 1, 0.0);
    seg_customers_add_order(t, k, rows[i].last, 1, rows[i].amount);
  }
  seg_customers_find_int(t, 99, 1); /* no orders */
  seg_score_options opt = {.bins = 5, .as_of_day = 1000, .money_decimals = 2, .breaks = &br};
  seg_breaks used;
  memset(&used, 0xab, sizeof used);
  assert_int_equal(seg_customers_score(t, &opt, &used), 0);
  for (int i = 0; i < 5; i++) {
    if (R(t, i) != rows[i].r || F(t, i) != rows[i].f || M(t, i) != rows[i].m) {
      print_error("customer %d: want %d%d%d, got %d%d%d\n", i + 1, rows[i].r, rows[i].f,
                  rows[i].m, R(t, i), F(t, i), M(t, i));
      fail();
    }
  }
  assert_int_equal(R(t, 5) + F(t, 5) + M(t, 5), 0);
  /* used is the fixed breaks. */
  assert_memory_equal(&used.r, &br.r, sizeof br.r);
  assert_memory_equal(&used.f, &br.f, sizeof br.f);
  assert_memory_equal(&used.m, &br.m, sizeof br.m);
  seg_customers_free(t);
}

/* No buyers: nothing to score, every score 0; used is empty (n = 0)
** without breaks and the breaks with them. */
static void test_score_no_buyers(void **state) {
  (void)state;
  seg_customers *t = new_table();
  seg_customers_find_int(t, 1, 1);
  seg_customers_find_text(t, "x", 1, 1);
  seg_score_options opt = {.bins = 5, .as_of_day = 0, .money_decimals = 2, .breaks = NULL};
  seg_breaks used;
  memset(&used, 0xab, sizeof used);
  assert_int_equal(seg_customers_score(t, &opt, &used), 0);
  assert_int_equal(used.r.n, 0);
  assert_int_equal(used.f.n, 0);
  assert_int_equal(used.m.n, 0);
  for (size_t i = 0; i < t->n; i++) assert_int_equal(R(t, i) + F(t, i) + M(t, i), 0);
  seg_breaks br;
  memset(&br, 0, sizeof br);
  br.r.n = br.f.n = br.m.n = 1;
  br.r.v[0] = 7; br.f.v[0] = 8; br.m.v[0] = 9;
  opt.breaks = &br;
  assert_int_equal(seg_customers_score(t, &opt, &used), 0);
  assert_int_equal(used.r.n, 1);
  assert_double_near(7, used.r.v[0], 0);
  assert_double_near(9, used.m.v[0], 0);
  seg_customers_free(t);

  /* An empty table too. */
  t = new_table();
  opt.breaks = NULL;
  assert_int_equal(seg_customers_score(t, &opt, &used), 0);
  assert_int_equal(seg_customers_sort(t), 0);
  seg_customers_free(t);
}

/* ---- ordering ------------------------------------------------------------ */

typedef struct key {
  int is_text;
  int64_t id;
  const char *z;
  size_t n;
  size_t row;
} key;

/* SQLite's order, written here: integers before texts; integers by
** value; texts by memcmp over the common length, then the shorter first. */
static int cmp_key(const void *pa, const void *pb) {
  const key *a = pa, *b = pb;
  if (a->is_text != b->is_text) return a->is_text - b->is_text;
  if (!a->is_text) return (a->id > b->id) - (a->id < b->id);
  size_t n = a->n < b->n ? a->n : b->n;
  int c = n ? memcmp(a->z, b->z, n) : 0;
  if (c) return c;
  return (a->n > b->n) - (a->n < b->n);
}

static void test_sort_hand(void **state) {
  (void)state;
  seg_customers *t = new_table();
  /* Added in a scrambled order; expected order by hand:
  **   INT64_MIN, -5, 0, 3, 42, INT64_MAX, then texts
  **   "" < "A" < "a" < "a\0b" < "ab" < "b" < "\xff"
  ** ("a" is a prefix of "a\0b"; '\0' < 'b'; 0xff is the largest byte). */
  add_text(t, "ab", 2);                     /* row 0 */
  seg_customers_find_int(t, 42, 1);          /* 1 */
  add_text(t, "\xff", 1);                   /* 2 */
  add_text(t, "a\0b", 3);                   /* 3 */
  seg_customers_find_int(t, -5, 1);          /* 4 */
  add_text(t, "", 0);                       /* 5 */
  seg_customers_find_int(t, INT64_MAX, 1);   /* 6 */
  add_text(t, "a", 1);                      /* 7 */
  seg_customers_find_int(t, 0, 1);           /* 8 */
  add_text(t, "b", 1);                      /* 9 */
  seg_customers_find_int(t, INT64_MIN, 1);   /* 10 */
  add_text(t, "A", 1);                      /* 11 */
  seg_customers_find_int(t, 3, 1);           /* 12 */
  static const uint32_t want[] = {10, 4, 8, 12, 1, 6, 5, 11, 7, 3, 0, 9, 2};
  assert_int_equal(seg_customers_sort(t), 0);
  assert_non_null(t->order);
  for (size_t i = 0; i < 13; i++) {
    if (t->order[i] != want[i]) {
      print_error("position %zu: want row %u, got row %u\n", i, want[i], t->order[i]);
      fail();
    }
  }
  /* Sorting again (after more customers) is fine. */
  seg_customers_find_int(t, 1, 1); /* row 13, between 0 and 3 */
  assert_int_equal(seg_customers_sort(t), 0);
  assert_int_equal(t->order[3], 13);
  assert_int_equal(t->order[4], 12);
  seg_customers_free(t);
}

/* 50,000 random ids (integers of all sizes, texts with shared prefixes
** and NUL bytes), compared with a qsort of the same keys. */
static void test_sort_random(void **state) {
  (void)state;
  rng_state = 0x50f7;
  seg_customers *t = new_table();
  size_t n = 50000;
  key *keys = malloc(n * sizeof *keys);
  char *texts = malloc(n * 8);
  assert_true(keys && texts);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    key kk = {0};
    if (rng_below(2)) {
      kk.is_text = 0;
      int64_t v = (int64_t)rng_next();
      kk.id = rng_below(2) ? v : v % 1000;
      if (seg_customers_find_int(t, kk.id, 0) >= 0) continue; /* duplicate */
      kk.row = (size_t)seg_customers_find_int(t, kk.id, 1);
    } else {
      kk.is_text = 1;
      char *z = texts + i * 8;
      kk.n = rng_below(7);
      for (size_t j = 0; j < kk.n; j++) {
        static const char alphabet[] = {'a', 'b', '\0', '\xff', 'A', 'z'};
        z[j] = alphabet[rng_below(sizeof alphabet)];
      }
      kk.z = z;
      if (seg_customers_find_text(t, z, kk.n, 0) >= 0) continue;
      kk.row = (size_t)seg_customers_find_text(t, z, kk.n, 1);
    }
    assert_int_equal(kk.row, k);
    keys[k++] = kk;
  }
  assert_int_equal(t->n, k);
  assert_true(k > 20000); /* most draws are new ids */
  qsort(keys, k, sizeof *keys, cmp_key);
  assert_int_equal(seg_customers_sort(t), 0);
  for (size_t i = 0; i < k; i++) {
    if (t->order[i] != keys[i].row) {
      print_error("position %zu: want row %zu, got row %u\n", i, keys[i].row, t->order[i]);
      fail();
    }
  }
  free(keys);
  free(texts);
  seg_customers_free(t);
}

/* The stop hook: asked every SEG_STOP_EVERY customers; a yes makes
** scoring and sorting return -2, a no (or no hook) lets them finish. */
static int n_asked, stop_after;
static int stop_hook(void *ctx) {
  assert_ptr_equal(ctx, &n_asked);
  return ++n_asked > stop_after;
}

static void test_stop_hook(void **state) {
  (void)state;
  seg_customers *t = new_table();
  const int64_t n = 3 * SEG_STOP_EVERY + 10;
  /* Ids in descending order, so that the sort has work to do. */
  for (int64_t i = 0; i < n; i++)
    assert_int_equal(seg_customers_add_int_order(t, n - i, 100, 1, 1.0), 0);
  seg_score_options opt = {.bins = 5, .as_of_day = 200, .money_decimals = 2};
  t->stop = stop_hook;
  t->stop_ctx = &n_asked;

  n_asked = 0, stop_after = 0;  /* stop at the first question */
  assert_int_equal(seg_customers_score(t, &opt, NULL), -2);
  assert_int_equal(n_asked, 1);
  n_asked = 0, stop_after = 0;
  assert_int_equal(seg_customers_sort(t), -2);
  assert_null(t->order);

  /* Never stopping: asked a few times (n / SEG_STOP_EVERY a pass), and
  ** the results are whole. */
  n_asked = 0, stop_after = 1000000;
  assert_int_equal(seg_customers_score(t, &opt, NULL), 0);
  assert_true(n_asked >= 3);
  n_asked = 0;
  assert_int_equal(seg_customers_sort(t), 0);
  assert_true(n_asked >= 1);
  for (int64_t i = 0; i < n; i++) assert_int_equal(t->rows[t->order[i]].id, i + 1);
  seg_customers_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_integer_ids),
      cmocka_unit_test(test_text_ids),
      cmocka_unit_test(test_long_text_id),
      cmocka_unit_test(test_growth),
      cmocka_unit_test(test_text_then_many_integers),
      cmocka_unit_test(test_int_order_batches),
      cmocka_unit_test(test_partial_batch_is_flushed),
      cmocka_unit_test(test_add_order),
      cmocka_unit_test(test_score_rounds_monetary),
      cmocka_unit_test(test_score_money_decimals),
      cmocka_unit_test(test_score_against_reference),
      cmocka_unit_test(test_score_fixed_breaks),
      cmocka_unit_test(test_score_no_buyers),
      cmocka_unit_test(test_sort_hand),
      cmocka_unit_test(test_sort_random),
      cmocka_unit_test(test_stop_hook),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
