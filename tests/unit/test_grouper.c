/*
** test_grouper.c — integer-id orders grouped on a second thread
** (ext/core/grouper.c).
**
** The reference is the caller's thread: the same orders through
** seg_features_add_int_order into a second table.  Both tables must then
** hold the same rows in the same order (first seen), with the same
** features, for order counts around the chunk size and across many
** chunks (the ring wraps, the caller waits for room).  Out of memory in
** the worker thread is reported by seg_grouper_finish, for every
** allocation the worker makes, and leaks nothing.
**
**   make build/unit/test_grouper && ./build/unit/test_grouper
*/
#include "testutil.h"
#include "../rng.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "grouper.h"

typedef struct order {
  int64_t id;
  int32_t day;
  int has_amount;
  double amount;
  unsigned flags;
} order;

/* n orders of about n/8 customers, days 0..999 (a window from day 900),
** some without an amount, some discounted or refunds, ids spread out. */
static order *make_orders(size_t n, uint64_t seed) {
  order *a = malloc((n ? n : 1) * sizeof *a);
  size_t n_customers = n / 8 + 1;
  assert_non_null(a);
  rng_state = seed;
  for (size_t i = 0; i < n; i++) {
    a[i].id = (int64_t)(rng_below(n_customers) * 7919) - 1000;
    a[i].day = (int32_t)rng_below(1000);
    a[i].has_amount = rng_below(10) != 0;
    a[i].amount = (double)rng_below(100000) / 100 - 50;
    a[i].flags = (unsigned)rng_below(8) & (SEG_ORDER_DISCOUNTED | SEG_ORDER_REFUND);
  }
  return a;
}

typedef struct grouped {
  seg_customers *t;
  seg_features f;
} grouped;

static void grouped_init(grouped *g) {
  g->t = seg_customers_new();
  assert_non_null(g->t);
  seg_features_init(&g->f, 900, 1, 1);
}

static void grouped_clear(grouped *g) {
  seg_features_clear(&g->f);
  seg_customers_free(g->t);
}

static void assert_same(grouped *want, grouped *got) {
  assert_int_equal(seg_features_finish(&want->f, want->t), 0);
  assert_int_equal(seg_features_finish(&got->f, got->t), 0);
  assert_int_equal(want->t->n, got->t->n);
  for (size_t i = 0; i < want->t->n; i++) {
    const seg_customer *w = &want->t->rows[i], *g = &got->t->rows[i];
    assert_int_equal(w->id, g->id);
    assert_int_equal(w->frequency, g->frequency);
    assert_int_equal(w->n_amount, g->n_amount);
    assert_int_equal(w->first_day, g->first_day);
    assert_int_equal(w->last_day, g->last_day);
    assert_true(w->monetary == g->monetary); /* same sums in the same order */
    assert_int_equal(want->f.recent_orders[i], got->f.recent_orders[i]);
    assert_true(want->f.recent_monetary[i] == got->f.recent_monetary[i]);
    assert_int_equal(want->f.discounted[i], got->f.discounted[i]);
    assert_int_equal(want->f.refunds[i], got->f.refunds[i]);
  }
}

static void test_same_as_on_the_callers_thread(void **state) {
  static const size_t sizes[] = {0, 1, SEG_GROUPER_CHUNK - 1, SEG_GROUPER_CHUNK,
                                 SEG_GROUPER_CHUNK + 1,
                                 SEG_GROUPER_CHUNK * SEG_GROUPER_CHUNKS,
                                 SEG_GROUPER_CHUNK * SEG_GROUPER_CHUNKS * 5 + 17, 300000};
  (void)state;
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    size_t n = sizes[s];
    order *a = make_orders(n, 1000 + s);
    grouped want, got;
    seg_grouper *g;
    grouped_init(&want);
    grouped_init(&got);
    for (size_t i = 0; i < n; i++)
      assert_int_equal(seg_features_add_int_order(&want.f, want.t, a[i].id, a[i].day,
                                                  a[i].has_amount, a[i].amount,
                                                  a[i].flags), 0);
    /* The first orders on the caller's thread, as the segments table does
    ** before it starts the grouper. */
    size_t before = n / 3;
    for (size_t i = 0; i < before; i++)
      assert_int_equal(seg_features_add_int_order(&got.f, got.t, a[i].id, a[i].day,
                                                  a[i].has_amount, a[i].amount,
                                                  a[i].flags), 0);
    g = seg_grouper_start(got.t, &got.f);
    assert_non_null(g);
    for (size_t i = before; i < n; i++)
      assert_int_equal(seg_grouper_add(g, a[i].id, a[i].day, a[i].has_amount,
                                       a[i].amount, a[i].flags), 0);
    assert_int_equal(seg_grouper_finish(g), 0);
    assert_same(&want, &got);
    grouped_clear(&want);
    grouped_clear(&got);
    free(a);
  }
  assert_int_equal(seg_grouper_finish(NULL), 0);
}

/* ---- out of memory in the worker --------------------------------------------- */

/* Only the worker allocates between start and finish, so no lock. */
static long alloc_countdown; /* fail when it reaches 0; < 0: never */
static long alloc_live;      /* blocks not yet freed */

static void *counting_malloc(size_t n) {
  void *p;
  if (alloc_countdown >= 0 && alloc_countdown-- == 0) return NULL;
  p = malloc(n);
  if (p) alloc_live++;
  return p;
}

static void *counting_realloc(void *p, size_t n) {
  void *q;
  if (alloc_countdown >= 0 && alloc_countdown-- == 0) return NULL;
  q = realloc(p, n);
  if (q && !p) alloc_live++;
  return q;
}

static void counting_free(void *p) {
  if (p) alloc_live--;
  free(p);
}

static void test_out_of_memory_in_the_worker(void **state) {
  size_t n = SEG_GROUPER_CHUNK * 12;
  order *a = make_orders(n, 7);
  long fail_at;
  (void)state;
  seg_set_allocator(counting_malloc, counting_realloc, counting_free);
  for (fail_at = 0;; fail_at++) {
    grouped got;
    seg_grouper *g;
    int rc = 0;
    alloc_countdown = -1;
    alloc_live = 0;
    grouped_init(&got);
    g = seg_grouper_start(got.t, &got.f);
    assert_non_null(g);
    alloc_countdown = fail_at; /* the worker's allocations only */
    for (size_t i = 0; i < n && rc == 0; i++)
      rc = seg_grouper_add(g, a[i].id, a[i].day, a[i].has_amount, a[i].amount,
                           a[i].flags);
    /* a failure shows at a hand-over or at the end, never as a hang */
    int finished = seg_grouper_finish(g);
    int failed = alloc_countdown < 0;
    alloc_countdown = -1;
    if (rc != 0) assert_int_equal(finished, -1);
    assert_int_equal(finished, failed ? -1 : 0);
    grouped_clear(&got);
    assert_int_equal(alloc_live, 0);
    if (!failed) break;
  }
  seg_set_allocator(NULL, NULL, NULL);
  assert_true(fail_at > 5); /* the worker did grow the table */
  free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_as_on_the_callers_thread),
      cmocka_unit_test(test_out_of_memory_in_the_worker),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
