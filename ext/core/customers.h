/*
** customers.h — group orders into customers: the per-customer features.
**
** The segments virtual table reads every order once and hands each to this
** table, keyed by customer id (an integer or a text).  When the orders are
** all in, seg_customers_score() computes the R, F and M scores over all
** customers, and seg_customers_sort() puts them in customer-id order.
**
**     seg_customers *t = seg_customers_new();
**     int64_t i = seg_customers_find_int(t, 42, 1);   // add if missing
**     seg_customers_add_order(t, i, day, 1, 19.99);  // day: days since 1970
**     ...
**     seg_score_options opt = {.bins = 5, .as_of_day = d, .money_decimals = 2};
**     seg_customers_score(t, &opt, &used);           // r, f, m for everyone
**     seg_customers_sort(t);                         // t->order[] by id
**     seg_customers_free(t);
**
** Semantics (DESIGN.md, "Per-customer features"): frequency counts orders;
** monetary sums the non-NULL amounts (negative ones subtract), 0 when none
** has an amount, then is rounded with seg_round before scoring; recency is
** as_of_day - last_day.  A customer added without orders (from a customers
** table) keeps frequency 0 and no scores.
**
** Ids sort as SQLite sorts them: integers ascending, then texts by their
** bytes (BINARY collation).
*/
#ifndef SEGMENT_CORE_CUSTOMERS_H
#define SEGMENT_CORE_CUSTOMERS_H

#include <stddef.h>
#include <stdint.h>

#include "breaks.h"

typedef struct seg_customer {
  int64_t id;          /* the integer id, or the text's offset in the arena */
  double monetary;     /* sum of amounts; rounded by seg_customers_score */
  int64_t frequency;   /* orders */
  int64_t n_amount;    /* orders with an amount */
  int32_t first_day;   /* days since 1970-01-01 */
  int32_t last_day;
  uint32_t text_len;   /* length of a text id; unused for integers */
  uint8_t is_text;     /* 1 when the id is a text */
  uint8_t r, f, m;     /* scores 1..bins; 0 before scoring or with no orders */
} seg_customer;

typedef struct seg_customers {
  seg_customer *rows;  /* in the order first seen */
  size_t n;
  size_t n_alloc;
  char *arena;         /* the bytes of text ids, back to back */
  size_t arena_len;
  size_t arena_alloc;
  uint32_t *slots;     /* open addressing: row index + 1, 0 = empty */
  size_t n_slots;      /* a power of two */
  uint32_t *order;     /* after seg_customers_sort: rows by id */
} seg_customers;

seg_customers *seg_customers_new(void);   /* NULL when out of memory */
void seg_customers_free(seg_customers *t); /* NULL is fine */

/* The row index of a customer, adding it (with no orders) when create is
** set.  Returns -1 when absent (create unset) or out of memory (create set). */
int64_t seg_customers_find_int(seg_customers *t, int64_t id, int create);
int64_t seg_customers_find_text(seg_customers *t, const char *z, size_t n,
                                int create);

/* The text of a text id (not NUL-terminated; its length is text_len). */
const char *seg_customers_text(const seg_customers *t, const seg_customer *c);

/* Count one order of row i on day; amount is summed when has_amount. */
void seg_customers_add_order(seg_customers *t, int64_t i, int32_t day,
                             int has_amount, double amount);

typedef struct seg_score_options {
  int bins;              /* 2..9 */
  int32_t as_of_day;     /* recency is counted to this day */
  int money_decimals;    /* monetary is rounded to this many places */
  const seg_breaks *breaks; /* fixed cut points, or NULL for quantiles */
} seg_score_options;

/* Round monetary and give every customer with orders its r, f and m.  The
** cut points used (quantiles or the fixed breaks) are written to *used when
** it is not NULL.  Returns 0, or -1 when out of memory. */
int seg_customers_score(seg_customers *t, const seg_score_options *opt,
                        seg_breaks *used);

/* Fill t->order with the row indexes sorted by id.  Returns 0 or -1 (out of
** memory). */
int seg_customers_sort(seg_customers *t);

#endif
