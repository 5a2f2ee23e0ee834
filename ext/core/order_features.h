/*
** order_features.h — the per-customer features beyond RFM that the segments
** table gathers in its one pass over the orders: orders and money in a
** recent window, orders with a discount, refunds.
**
** They sit in arrays beside a seg_customers table, indexed by its row
** (12 bytes a customer, 4 more for each of discounts and refunds when
** counted), so the RFM rows stay 32 bytes.  Integer-id orders reach
** seg_customers in batches that do not say which row each order went to;
** an order that adds something here waits (with its id) until the batch
** is grouped, then finds its row — in cache, since the batch has just
** touched it.  Orders that add nothing (older than the window, no
** discount, no refund) cost nothing here.
**
**     seg_features f;
**     seg_features_init(&f, as_of - 90 + 1, 1, 1);  // window: the last 90 days
**     seg_features_add_int_order(&f, t, 42, day, 1, 19.99, SEG_ORDER_DISCOUNTED);
**     seg_features_add_order(&f, t, row, day, 0, 0, 0);  // a row already known
**     seg_features_finish(&f, t);                  // every row has its entry
**     f.recent_orders[row], f.recent_monetary[row], f.discounted[row] ...
**     seg_features_clear(&f);
*/
#ifndef SEGMENT_CORE_ORDER_FEATURES_H
#define SEGMENT_CORE_ORDER_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "customers.h"

#define SEG_ORDER_DISCOUNTED 1
#define SEG_ORDER_REFUND 2
#define SEG_FEATURES_PENDING 128

typedef struct seg_features {
  int32_t window_start;       /* orders on or after this day are recent */
  int count_discounts;        /* discounted[] is kept */
  int count_refunds;          /* refunds[] is kept */
  uint32_t *recent_orders;    /* per row of the seg_customers */
  double *recent_monetary;    /* sum of the recent orders' amounts */
  uint32_t *discounted;       /* orders with a discount (or NULL) */
  uint32_t *refunds;          /* refund orders (or NULL) */
  size_t n_alloc;             /* entries in each array */
  /* Integer-id orders waiting for their row. */
  int n_pending;
  int64_t pending_id[SEG_FEATURES_PENDING];
  double pending_amount[SEG_FEATURES_PENDING];
  uint8_t pending_recent[SEG_FEATURES_PENDING];
  uint8_t pending_flags[SEG_FEATURES_PENDING];
} seg_features;

/* Start empty.  count_discounts / count_refunds: keep those counts. */
void seg_features_init(seg_features *f, int32_t window_start,
                       int count_discounts, int count_refunds);
void seg_features_clear(seg_features *f);  /* frees the arrays */

/* Give the order to t (seg_customers_add_int_order) and count what it
** adds here.  flags: SEG_ORDER_DISCOUNTED, SEG_ORDER_REFUND.  Returns 0,
** or -1 when out of memory (treat both tables as unusable). */
int seg_features_add_int_order(seg_features *f, seg_customers *t, int64_t id,
                               int32_t day, int has_amount, double amount,
                               unsigned flags);

/* Count here an order that the caller gave to row i of t itself
** (seg_customers_add_order).  0, or -1 when out of memory. */
int seg_features_add_order(seg_features *f, seg_customers *t, int64_t i,
                           int32_t day, int has_amount, double amount,
                           unsigned flags);

/* Group every waiting order and make the arrays cover every row of t
** (rows added without orders read 0).  0, or -1 when out of memory. */
int seg_features_finish(seg_features *f, seg_customers *t);

#endif
