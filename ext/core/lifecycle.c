/*
** lifecycle.c — lifecycle stages; see lifecycle.h for the rules.
*/
#include "lifecycle.h"

#include "alloc.h"
#include "quantile.h" /* seg_median */

double seg_avg_gap(uint32_t frequency, int32_t first_day, int32_t last_day) {
  if (frequency < 2) return -1;
  return ((double)last_day - (double)first_day) / (double)(frequency - 1);
}

int seg_lifecycle_shop_gap(const seg_customers *t,
                           const seg_lifecycle_options *opt, double *gap) {
  size_t n = 0, k = 0;
  double *a;
  for (size_t i = 0; i < t->n; i++) n += t->rows[i].frequency >= 2;
  if (n == 0) {
    *gap = opt->new_days;
    return 0;
  }
  a = seg_malloc(n * sizeof *a);
  if (!a) return -1;
  for (size_t i = 0; i < t->n; i++) {
    const seg_customer *c = &t->rows[i];
    if (c->frequency >= 2) a[k++] = seg_avg_gap(c->frequency, c->first_day, c->last_day);
  }
  *gap = seg_median(a, n);
  seg_free(a);
  return 0;
}

int seg_lifecycle_stage(const seg_lifecycle_options *opt, int32_t as_of_day,
                        uint32_t frequency, int32_t first_day,
                        int32_t last_day, double shop_gap) {
  double recency = (double)as_of_day - (double)last_day;
  double tenure = (double)as_of_day - (double)first_day;
  double gap = frequency >= 2 ? seg_avg_gap(frequency, first_day, last_day) : shop_gap;
  if (frequency == 0) return SEG_STAGE_NONE;
  if (gap < 1) gap = 1;
  if (tenure < opt->new_days) return SEG_STAGE_NEW;
  if (recency >= opt->lost_days) return SEG_STAGE_LOST;
  if (recency <= opt->active_factor * gap) return SEG_STAGE_ACTIVE;
  if (recency <= opt->cooling_factor * gap) return SEG_STAGE_COOLING;
  return SEG_STAGE_LAPSED;
}

const char *seg_lifecycle_name(int stage) {
  static const char *const az[] = {NULL, "new", "active", "cooling", "lapsed", "lost"};
  return stage >= 0 && stage <= SEG_STAGE_LOST ? az[stage] : NULL;
}
