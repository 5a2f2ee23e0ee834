/*
** customers.h — group orders into customers: the per-customer features.
**
** The segments virtual table reads every order once and hands each to this
** table, keyed by customer id (an integer or a text).  When the orders are
** all in, seg_customers_score() computes the R, F and M scores over all
** customers, and seg_customers_sort() puts them in customer-id order.
**
**     seg_customers *t = seg_customers_new();
**     seg_customers_add_int_order(t, 42, day, 1, 19.99);  // day: days since 1970
**     int64_t i = seg_customers_find_text(t, "c7", 2, 1); // text ids: find, then
**     seg_customers_add_order(t, i, day, 0, 0);           //   add (no amount here)
**     ...
**     seg_score_options opt = {.bins = 5, .as_of_day = d, .money_decimals = 2};
**     seg_customers_score(t, &opt, &used);     // codes[] for everyone
**     seg_customers_sort(t);                   // order[] by id
**     seg_customers_free(t);
**
** Semantics (DESIGN.md, "Per-customer features"): frequency counts orders;
** monetary sums the non-NULL amounts (negative ones subtract), 0 when none
** has an amount, then is rounded with seg_round before scoring; recency is
** as_of_day - last_day.  A customer added without orders (from a customers
** table) keeps frequency 0 and code 0.
**
** Ids sort as SQLite sorts them: integers ascending, then texts by their
** bytes (BINARY collation).
**
** Speed: integer-id orders go through seg_customers_add_int_order, which
** buffers a batch and groups it in three passes that prefetch the hash
** slots, then the rows, then update them, so that the cache misses of a
** batch overlap instead of following one another (at a million customers
** the table is far larger than the cache).  Everything that reads the rows
** flushes the batch first; call seg_customers_flush to check it for
** out-of-memory yourself.
*/
#ifndef SEGMENT_CORE_CUSTOMERS_H
#define SEGMENT_CORE_CUSTOMERS_H

#include <stddef.h>
#include <stdint.h>

#include "breaks.h"

/* One customer: 32 bytes, two to a cache line. */
typedef struct seg_customer {
  int64_t id;          /* the integer id, or the text's offset in the arena */
  double monetary;     /* sum of amounts; rounded by seg_customers_score */
  uint32_t frequency;  /* orders */
  uint32_t n_amount;   /* orders with an amount */
  int32_t first_day;   /* days since 1970-01-01 */
  int32_t last_day;
} seg_customer;

#define SEG_BATCH 64
#define SEG_STOP_EVERY 65536

typedef struct seg_customers {
  seg_customer *rows;  /* in the order first seen */
  size_t n;
  size_t n_alloc;
  uint8_t *text_bits;  /* bit i set: row i has a text id (NULL: no text ids) */
  size_t text_bits_len;
  char *arena;         /* text ids: a uint32_t length, then the bytes */
  size_t arena_len;
  size_t arena_alloc;
  uint32_t *slots;     /* open addressing: row index + 1, 0 = empty */
  size_t n_slots;      /* a power of two */
  uint16_t *codes;     /* after scoring: r*100+f*10+m, 0 = no orders */
  uint32_t *order;     /* after seg_customers_sort: rows by id */
  /* Asked every SEG_STOP_EVERY customers while scoring and sorting: a
  ** non-zero answer stops the work, which then returns -2 (NULL: never). */
  int (*stop)(void *ctx);
  void *stop_ctx;
  /* Integer-id orders not yet grouped. */
  int n_batch;
  int64_t batch_id[SEG_BATCH];
  double batch_amount[SEG_BATCH];
  int32_t batch_day[SEG_BATCH];
  uint8_t batch_has_amount[SEG_BATCH];
} seg_customers;

seg_customers *seg_customers_new(void);   /* NULL when out of memory */
void seg_customers_free(seg_customers *t); /* NULL is fine */

/* The row index of a customer, adding it (with no orders) when create is
** set.  Returns -1 when absent (create unset) or out of memory (create set).
** Flushes pending batched orders first. */
int64_t seg_customers_find_int(seg_customers *t, int64_t id, int create);
int64_t seg_customers_find_text(seg_customers *t, const char *z, size_t n,
                                int create);

/* Whether row i has a text id, and that text (not NUL-terminated). */
int seg_customers_is_text(const seg_customers *t, size_t i);
const char *seg_customers_text(const seg_customers *t, size_t i, size_t *n);

/* Count one order of row i on day; amount is summed when has_amount. */
void seg_customers_add_order(seg_customers *t, int64_t i, int32_t day,
                             int has_amount, double amount);

/* Count one order of the integer id, adding the customer when new.  The
** order may wait in a batch; returns -1 when out of memory (the batch that
** failed is lost: treat the table as unusable). */
int seg_customers_add_int_order(seg_customers *t, int64_t id, int32_t day,
                                int has_amount, double amount);

/* Group the batched orders now.  0, or -1 when out of memory. */
int seg_customers_flush(seg_customers *t);

typedef struct seg_score_options {
  int bins;              /* 2..9 */
  int32_t as_of_day;     /* recency is counted to this day */
  int money_decimals;    /* monetary is rounded to this many places */
  const seg_breaks *breaks; /* fixed cut points, or NULL for quantiles */
} seg_score_options;

/* Round monetary and give every customer with orders its code in
** t->codes.  The cut points used (quantiles or the fixed breaks) are
** written to *used when it is not NULL.  Returns 0, -1 when out of
** memory, or -2 when t->stop said stop. */
int seg_customers_score(seg_customers *t, const seg_score_options *opt,
                        seg_breaks *used);

/* The RFM code of row i after scoring (0: no orders). */
static inline int seg_customers_code(const seg_customers *t, size_t i) {
  return t->codes ? t->codes[i] : 0;
}

/* Fill t->order with the row indexes sorted by id.  Returns 0, -1 (out of
** memory) or -2 (t->stop said stop). */
int seg_customers_sort(seg_customers *t);

#endif
