/*
** test_lifecycle.c — lifecycle stages, the shop's median gap, the window /
** discount / refund counts and the email features (ext/core/lifecycle.c,
** order_features.c, email.c).
**
** The stages are checked against customers worked out by hand in the
** comments (as of day 1000, default thresholds); the counts against a
** naive count per customer kept here, on random orders mixing batched
** integer ids with rows given directly.
**
**   make build/unit/test_lifecycle && ./build/unit/test_lifecycle
*/
#include "testutil.h"
#include "../rng.h"

#include <string.h>

#include "email.h"
#include "order_features.h"
#include "lifecycle.h"

static const seg_lifecycle_options defaults = SEG_LIFECYCLE_DEFAULTS;

/* A table of customers 1..n whose orders are the days listed, -1 ends a
** customer, 0 ends the list. */
static seg_customers *customers_of(const int *days) {
  seg_customers *t = seg_customers_new();
  int64_t id = 1;
  assert_non_null(t);
  for (; *days; days++) {
    if (*days < 0) {
      id++;
      continue;
    }
    assert_int_equal(seg_customers_add_int_order(t, id, *days, 1, 10.0), 0);
  }
  assert_int_equal(seg_customers_flush(t), 0);
  return t;
}

static int stage_of(const seg_customers *t, int64_t id, double shop_gap) {
  for (size_t i = 0; i < t->n; i++) {
    const seg_customer *c = &t->rows[i];
    if (c->id == id)
      return seg_lifecycle_stage(&defaults, 1000, c->frequency, c->first_day,
                                 c->last_day, shop_gap);
  }
  fail();
  return -1;
}

static void test_avg_gap(void **state) {
  (void)state;
  assert_double_near(-1, seg_avg_gap(1, 5, 5), 0);
  assert_double_near(80, seg_avg_gap(3, 800, 960), 0);  /* 160 / 2 */
  assert_double_near(0, seg_avg_gap(2, 950, 950), 0);
  assert_double_near(100.0 / 3, seg_avg_gap(4, 0, 100), 1e-12);
}

/* The hand-worked sample, as of day 1000:
**   1: 800, 900, 960   gap 80, recency 40 <= 1.5 x 80 = 120        active
**   2: 600, 700, 800   gap 100, recency 200: > 150, <= 300         cooling
**   3: 500 .. 560      gap 20, recency 440 >= 365                  lost
**   4: 700, 710        gap 10, recency 290: > 30, < 365            lapsed
**   5: 980             first order 20 days ago < 30                new
**   6: 900             one order: shop gap = median(10, 20, 80, 100) = 50;
**                      recency 100: > 75, <= 150                    cooling
**   7: 960             tenure 40, recency 40 <= 75                 active
**   8: 600             recency 400 >= 365                          lost
**   9: 760             recency 240 > 150, < 365                    lapsed */
static void test_hand_worked_sample(void **state) {
  static const int days[] = {800, 900, 960, -1, 600, 700, 800, -1,
                             500, 520, 540, 560, -1, 700, 710, -1, 980, -1,
                             900, -1, 960, -1, 600, -1, 760, 0};
  static const int expected[] = {SEG_STAGE_ACTIVE, SEG_STAGE_COOLING,
                                 SEG_STAGE_LOST, SEG_STAGE_LAPSED,
                                 SEG_STAGE_NEW, SEG_STAGE_COOLING,
                                 SEG_STAGE_ACTIVE, SEG_STAGE_LOST,
                                 SEG_STAGE_LAPSED};
  seg_customers *t = customers_of(days);
  double gap;
  (void)state;
  assert_int_equal(seg_lifecycle_shop_gap(t, &defaults, &gap), 0);
  assert_double_near(50, gap, 0);
  for (int id = 1; id <= 9; id++) {
    int s = stage_of(t, id, gap);
    if (s != expected[id - 1]) {
      print_error("customer %d: expected %s, got %s\n", id,
                  seg_lifecycle_name(expected[id - 1]), seg_lifecycle_name(s));
      fail();
    }
  }
  seg_customers_free(t);
}

/* Each threshold on its boundary: the rule reads "<" for new, ">=" for
** lost, "<=" for active and cooling. */
static void test_boundaries(void **state) {
  const seg_lifecycle_options *o = &defaults;
  (void)state;
  assert_int_equal(seg_lifecycle_stage(o, 1000, 1, 971, 971, 50), SEG_STAGE_NEW);   /* 29 */
  assert_int_equal(seg_lifecycle_stage(o, 1000, 1, 970, 970, 50), SEG_STAGE_ACTIVE); /* 30 */
  assert_int_equal(seg_lifecycle_stage(o, 1000, 101, 536, 636, 0), SEG_STAGE_LAPSED); /* gap 1, 364 */
  assert_int_equal(seg_lifecycle_stage(o, 1000, 101, 535, 635, 0), SEG_STAGE_LOST);   /* 365 */
  /* gap 100: active up to 150, cooling up to 300 */
  assert_int_equal(seg_lifecycle_stage(o, 1000, 2, 750, 850, 0), SEG_STAGE_ACTIVE);
  assert_int_equal(seg_lifecycle_stage(o, 1000, 2, 749, 849, 0), SEG_STAGE_COOLING);
  assert_int_equal(seg_lifecycle_stage(o, 1000, 2, 600, 700, 0), SEG_STAGE_COOLING);
  assert_int_equal(seg_lifecycle_stage(o, 1000, 2, 599, 699, 0), SEG_STAGE_LAPSED);
  /* all orders on one day: the gap counts as one day */
  assert_int_equal(seg_lifecycle_stage(o, 1000, 2, 950, 950, 0), SEG_STAGE_LAPSED);
  assert_int_equal(seg_lifecycle_stage(o, 1000, 2, 900, 999, 0), SEG_STAGE_ACTIVE);
  assert_int_equal(seg_lifecycle_stage(o, 1000, 0, 0, 0, 0), SEG_STAGE_NONE);
  assert_null(seg_lifecycle_name(SEG_STAGE_NONE));
  assert_string_equal(seg_lifecycle_name(SEG_STAGE_LAPSED), "lapsed");
}

static void test_shop_gap_without_repeat_buyers(void **state) {
  static const int days[] = {10, -1, 20, 0};
  seg_customers *t = customers_of(days);
  double gap;
  (void)state;
  assert_int_equal(seg_lifecycle_shop_gap(t, &defaults, &gap), 0);
  assert_double_near(30, gap, 0); /* new_days */
  seg_customers_free(t);
}

/* ---- window, discount and refund counts ------------------------------------ */

#define N_IDS 300

static void test_features_equal_naive_counts(void **state) {
  uint32_t recent[N_IDS + 1] = {0}, disc[N_IDS + 1] = {0}, ref[N_IDS + 1] = {0};
  double money[N_IDS + 1] = {0};
  seg_customers *t = seg_customers_new();
  seg_features f;
  (void)state;
  rng_state = 5;
  seg_features_init(&f, 900, 1, 1);
  for (int k = 0; k < 20000; k++) {
    int64_t id = 1 + (int64_t)rng_below(N_IDS);
    int32_t day = (int32_t)rng_below(1001);
    int has_amount = rng_below(10) != 0;
    double amount = (double)rng_below(1000) - 100; /* integers: exact sums */
    unsigned flags = (rng_below(5) == 0 ? SEG_ORDER_DISCOUNTED : 0) |
                     (rng_below(7) == 0 ? SEG_ORDER_REFUND : 0);
    if (day >= 900) {
      recent[id]++;
      if (has_amount) money[id] += amount;
    }
    if (flags & SEG_ORDER_DISCOUNTED) disc[id]++;
    if (flags & SEG_ORDER_REFUND) ref[id]++;
    if (id % 11 == 0) {
      /* Given by row, as the glue does for text ids: flushes the batch. */
      int64_t i = seg_customers_find_int(t, id, 1);
      assert_true(i >= 0);
      seg_customers_add_order(t, i, day, has_amount, amount);
      assert_int_equal(seg_features_add_order(&f, t, i, day, has_amount, amount, flags), 0);
    } else {
      assert_int_equal(seg_features_add_int_order(&f, t, id, day, has_amount, amount, flags), 0);
    }
  }
  assert_int_equal(seg_customers_find_int(t, 100000, 1) >= 0, 1); /* no orders */
  assert_int_equal(seg_features_finish(&f, t), 0);
  assert_true(f.n_alloc >= t->n);
  for (int64_t id = 1; id <= N_IDS; id++) {
    int64_t i = seg_customers_find_int(t, id, 0);
    assert_true(i >= 0);
    assert_int_equal(f.recent_orders[i], recent[id]);
    assert_double_near(money[id], f.recent_monetary[i], 0);
    assert_int_equal(f.discounted[i], disc[id]);
    assert_int_equal(f.refunds[i], ref[id]);
  }
  {
    int64_t i = seg_customers_find_int(t, 100000, 0);
    assert_int_equal(f.recent_orders[i], 0);
    assert_int_equal(f.discounted[i], 0);
  }
  seg_features_clear(&f);
  seg_customers_free(t);
}

static void test_features_not_counted_when_not_asked(void **state) {
  seg_customers *t = seg_customers_new();
  seg_features f;
  (void)state;
  seg_features_init(&f, 10, 0, 0);
  assert_int_equal(seg_features_add_int_order(&f, t, 1, 5, 1, 1.0, 3), 0);
  assert_int_equal(seg_features_add_int_order(&f, t, 1, 15, 1, 2.5, 0), 0);
  assert_int_equal(seg_features_finish(&f, t), 0);
  assert_null(f.discounted);
  assert_null(f.refunds);
  assert_int_equal(f.recent_orders[0], 1);
  assert_double_near(2.5, f.recent_monetary[0], 0);
  seg_features_clear(&f);
  seg_customers_free(t);
}

/* ---- email ----------------------------------------------------------------- */

static void test_email_kinds(void **state) {
  (void)state;
  assert_int_equal(seg_email_kind("open", 4), SEG_EVENT_OPEN);
  assert_int_equal(seg_email_kind("Click", 5), SEG_EVENT_CLICK);
  assert_int_equal(seg_email_kind("UNSUBSCRIBE", 11), SEG_EVENT_UNSUBSCRIBE);
  assert_int_equal(seg_email_kind("subscribed", 10), SEG_EVENT_OTHER);
  assert_int_equal(seg_email_kind("ope", 3), SEG_EVENT_OTHER);
}

/* Stages as of day 1000, each worked by hand. */
static void test_email_stages(void **state) {
  seg_email e;
  (void)state;
  seg_email_init(&e);
  assert_int_equal(seg_email_stage(&e, 1000), SEG_EMAIL_NO_EVENTS);
  /* subscribed on 500, opened on 980 (20 days ago) and 950 */
  seg_email_add(&e, SEG_EVENT_SUBSCRIBE, 500, 1000);
  seg_email_add(&e, SEG_EVENT_OPEN, 980, 1000);
  seg_email_add(&e, SEG_EVENT_OPEN, 950, 1000);
  assert_int_equal(e.recent_opens, 1);
  assert_int_equal(e.last_open, 980);
  assert_int_equal(seg_email_stage(&e, 1000), SEG_EMAIL_ACTIVE);
  /* as of 1009: the open of 980 is 29 days old, still active; 1010: fading */
  assert_int_equal(seg_email_stage(&e, 1009), SEG_EMAIL_ACTIVE);
  assert_int_equal(seg_email_stage(&e, 1010), SEG_EMAIL_FADING);
  assert_int_equal(seg_email_stage(&e, 1069), SEG_EMAIL_FADING);  /* 89 days */
  assert_int_equal(seg_email_stage(&e, 1070), SEG_EMAIL_INACTIVE); /* 90 days */
  /* an unsubscribe on the day of a later subscribe wins */
  seg_email_add(&e, SEG_EVENT_SUBSCRIBE, 990, 1000);
  assert_int_equal(seg_email_stage(&e, 1000), SEG_EMAIL_NEW); /* subscribed 10 days ago */
  seg_email_add(&e, SEG_EVENT_UNSUBSCRIBE, 990, 1000);
  assert_int_equal(seg_email_unsubscribed(&e), 1);
  assert_int_equal(seg_email_stage(&e, 1000), SEG_EMAIL_UNSUBSCRIBED);
  /* first seen 5 days ago through a click: new */
  seg_email_init(&e);
  seg_email_add(&e, SEG_EVENT_CLICK, 995, 1000);
  assert_int_equal(seg_email_stage(&e, 1000), SEG_EMAIL_NEW);
  /* seen long ago, never opened: inactive */
  seg_email_init(&e);
  seg_email_add(&e, SEG_EVENT_SUBSCRIBE, 100, 1000);
  assert_int_equal(seg_email_unsubscribed(&e), 0);
  assert_int_equal(seg_email_stage(&e, 1000), SEG_EMAIL_INACTIVE);
  assert_string_equal(seg_email_stage_name(SEG_EMAIL_FADING), "Fading");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_avg_gap),
      cmocka_unit_test(test_hand_worked_sample),
      cmocka_unit_test(test_boundaries),
      cmocka_unit_test(test_shop_gap_without_repeat_buyers),
      cmocka_unit_test(test_features_equal_naive_counts),
      cmocka_unit_test(test_features_not_counted_when_not_asked),
      cmocka_unit_test(test_email_kinds),
      cmocka_unit_test(test_email_stages),
  };
  return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
