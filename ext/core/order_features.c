/*
** order_features.c — recent-window, discount and refund counts beside a
** seg_customers table; see order_features.h.
*/
#include "order_features.h"

#include <string.h>

#include "alloc.h"

void seg_features_init(seg_features *f, int32_t window_start,
                       int count_discounts, int count_refunds) {
  memset(f, 0, sizeof *f);
  f->window_start = window_start;
  f->count_discounts = count_discounts != 0;
  f->count_refunds = count_refunds != 0;
}

void seg_features_clear(seg_features *f) {
  if (!f) return;
  seg_free(f->recent_orders);
  seg_free(f->recent_monetary);
  seg_free(f->discounted);
  seg_free(f->refunds);
  memset(f, 0, sizeof *f);
}

/* Grow one array from n_old to n_new entries of size sz, zero-filled. */
static int grow(void **pa, size_t sz, size_t n_old, size_t n_new) {
  char *a = seg_realloc(*pa, n_new * sz);
  if (!a) return -1;
  memset(a + n_old * sz, 0, (n_new - n_old) * sz);
  *pa = a;
  return 0;
}

/* Make the arrays hold at least n entries. */
static int reserve(seg_features *f, size_t n) {
  size_t n_new;
  if (n <= f->n_alloc) return 0;
  n_new = f->n_alloc ? f->n_alloc + f->n_alloc / 2 : 1024;
  if (n_new < n) n_new = n;
  if (grow((void **)&f->recent_orders, sizeof(uint32_t), f->n_alloc, n_new) ||
      grow((void **)&f->recent_monetary, sizeof(double), f->n_alloc, n_new) ||
      (f->count_discounts &&
       grow((void **)&f->discounted, sizeof(uint32_t), f->n_alloc, n_new)) ||
      (f->count_refunds &&
       grow((void **)&f->refunds, sizeof(uint32_t), f->n_alloc, n_new)))
    return -1; /* the arrays that grew are consistent: n_alloc is the least */
  f->n_alloc = n_new;
  return 0;
}

static void count(seg_features *f, size_t i, int recent, int has_amount,
                  double amount, unsigned flags) {
  if (recent) {
    f->recent_orders[i]++;
    if (has_amount) f->recent_monetary[i] += amount;
  }
  if ((flags & SEG_ORDER_DISCOUNTED) && f->count_discounts) f->discounted[i]++;
  if ((flags & SEG_ORDER_REFUND) && f->count_refunds) f->refunds[i]++;
}

/* The waiting orders, once t has grouped every order it was given. */
static int resolve(seg_features *f, seg_customers *t) {
  for (int k = 0; k < f->n_pending; k++) {
    int64_t i = seg_customers_find_int(t, f->pending_id[k], 0);
    if (i < 0 || reserve(f, (size_t)i + 1) != 0) return -1;
    count(f, (size_t)i, f->pending_recent[k], f->pending_flags[k] & 4,
          f->pending_amount[k], f->pending_flags[k]);
  }
  f->n_pending = 0;
  return 0;
}

int seg_features_add_int_order(seg_features *f, seg_customers *t, int64_t id,
                               int32_t day, int has_amount, double amount,
                               unsigned flags) {
  int recent = day >= f->window_start;
  if (seg_customers_add_int_order(t, id, day, has_amount, amount) != 0) return -1;
  if (recent || (flags & (SEG_ORDER_DISCOUNTED | SEG_ORDER_REFUND))) {
    int k = f->n_pending++;
    f->pending_id[k] = id;
    f->pending_amount[k] = amount;
    f->pending_recent[k] = (uint8_t)recent;
    /* bit 4: the order has an amount */
    f->pending_flags[k] = (uint8_t)((flags & 3) | (has_amount ? 4 : 0));
  }
  if (f->n_pending == 0) return 0;
  if (t->n_batch == 0) return resolve(f, t);
  if (f->n_pending == SEG_FEATURES_PENDING) {
    if (seg_customers_flush(t) != 0) return -1;
    return resolve(f, t);
  }
  return 0;
}

int seg_features_add_order(seg_features *f, seg_customers *t, int64_t i,
                           int32_t day, int has_amount, double amount,
                           unsigned flags) {
  (void)t;
  if (reserve(f, (size_t)i + 1) != 0) return -1;
  count(f, (size_t)i, day >= f->window_start, has_amount, amount, flags);
  return 0;
}

int seg_features_finish(seg_features *f, seg_customers *t) {
  if (seg_customers_flush(t) != 0 || resolve(f, t) != 0) return -1;
  return reserve(f, t->n ? t->n : 1);
}
