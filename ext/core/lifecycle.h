/*
** lifecycle.h — a customer's lifecycle stage, judged by its own rhythm.
**
** Each customer with orders is in one stage as of a day (the first rule
** that holds wins; days are whole calendar days):
**
**   new      the first order is less than new_days old
**            (tenure_days = as_of - first order < new_days, default 30);
**   lost     no order for lost_days or more (recency_days >= lost_days,
**            default 365);
**   active   recency_days <= active_factor x gap (default 1.5);
**   cooling  recency_days <= cooling_factor x gap (default 3);
**   lapsed   everyone else: overdue by more than cooling_factor gaps, not
**            yet lost.
**
** gap is the customer's usual gap between orders: its avg_gap_days,
** (last - first) / (orders - 1) — the mean of the gaps between consecutive
** orders — or, for a customer with one order, the shop's median of
** avg_gap_days over customers with two orders or more (new_days when there
** is none).  A gap below one day counts as one day.
**
**     seg_lifecycle_options o = SEG_LIFECYCLE_DEFAULTS;
**     double shop_gap;
**     seg_lifecycle_shop_gap(t, &o, &shop_gap);       // over a seg_customers
**     int s = seg_lifecycle_stage(&o, as_of, c->frequency, c->first_day,
**                                 c->last_day, shop_gap);
**     seg_lifecycle_name(s);                           // "active"
**
** Example (as of day 1000, defaults): orders on days 800, 900, 960 give a
** gap of (960-800)/2 = 80 days and recency 40 <= 1.5 x 80: active.  One
** order on day 700 with a shop gap of 60: recency 300 > 3 x 60, < 365:
** lapsed.
*/
#ifndef SEGMENT_CORE_LIFECYCLE_H
#define SEGMENT_CORE_LIFECYCLE_H

#include <stdint.h>

#include "customers.h"

enum {
  SEG_STAGE_NONE,    /* no orders: no stage */
  SEG_STAGE_NEW,
  SEG_STAGE_ACTIVE,
  SEG_STAGE_COOLING,
  SEG_STAGE_LAPSED,
  SEG_STAGE_LOST
};

typedef struct seg_lifecycle_options {
  int new_days;           /* 1..; less than lost_days */
  int lost_days;
  double active_factor;   /* > 0 */
  double cooling_factor;  /* >= active_factor */
} seg_lifecycle_options;

#define SEG_LIFECYCLE_DEFAULTS {30, 365, 1.5, 3.0}

/* The mean gap between the orders, (last_day - first_day) / (frequency -
** 1); -1 when there are fewer than two orders. */
double seg_avg_gap(uint32_t frequency, int32_t first_day, int32_t last_day);

/* The shop's median avg gap over the customers of t with two orders or
** more (the mean of the two middle values for an even count), or
** opt->new_days when there is none.  Returns 0, or -1 when out of memory. */
int seg_lifecycle_shop_gap(const seg_customers *t,
                           const seg_lifecycle_options *opt, double *gap);

/* The stage (SEG_STAGE_*) of a customer as of as_of_day. */
int seg_lifecycle_stage(const seg_lifecycle_options *opt, int32_t as_of_day,
                        uint32_t frequency, int32_t first_day,
                        int32_t last_day, double shop_gap);

/* "new", "active", "cooling", "lapsed", "lost"; NULL for SEG_STAGE_NONE. */
const char *seg_lifecycle_name(int stage);

#endif
