/*
** customers.c — orders grouped into customers; see customers.h.
**
** HOW IT WORKS
** Rows live in one growing array, in the order first seen.  An open
** addressing hash table (linear probing, kept at most half full) maps an
** id to its row: the slot holds the row index + 1.  Integer ids are mixed
** with the splitmix64 finalizer, text ids hashed with FNV-1a; text bytes
** sit back to back in one arena, so there is no allocation per customer.
** Scoring reuses one array of doubles for the three dimensions in turn.
*/
#include "customers.h"

#include <string.h>

#include "alloc.h"
#include "quantile.h"
#include "rounding.h"

static uint64_t hash_int(int64_t id) {
  uint64_t x = (uint64_t)id;
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static uint64_t hash_text(const char *z, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)z[i];
    h *= 0x100000001b3ULL;
  }
  return hash_int((int64_t)h);
}

static uint64_t hash_row(const seg_customers *t, const seg_customer *c) {
  return c->is_text ? hash_text(t->arena + c->id, c->text_len)
                    : hash_int(c->id);
}

seg_customers *seg_customers_new(void) {
  seg_customers *t = seg_malloc(sizeof *t);
  if (!t) return NULL;
  memset(t, 0, sizeof *t);
  t->n_slots = 1024;
  t->slots = seg_malloc(t->n_slots * sizeof *t->slots);
  if (!t->slots) {
    seg_free(t);
    return NULL;
  }
  memset(t->slots, 0, t->n_slots * sizeof *t->slots);
  return t;
}

void seg_customers_free(seg_customers *t) {
  if (!t) return;
  seg_free(t->rows);
  seg_free(t->arena);
  seg_free(t->slots);
  seg_free(t->order);
  seg_free(t);
}

const char *seg_customers_text(const seg_customers *t, const seg_customer *c) {
  return t->arena + c->id;
}

/* Double the slots and place every row again.  -1 when out of memory. */
static int grow_slots(seg_customers *t) {
  size_t n_slots = t->n_slots * 2;
  uint32_t *slots = seg_malloc(n_slots * sizeof *slots);
  if (!slots) return -1;
  memset(slots, 0, n_slots * sizeof *slots);
  for (size_t i = 0; i < t->n; i++) {
    size_t s = (size_t)hash_row(t, &t->rows[i]) & (n_slots - 1);
    while (slots[s]) s = (s + 1) & (n_slots - 1);
    slots[s] = (uint32_t)(i + 1);
  }
  seg_free(t->slots);
  t->slots = slots;
  t->n_slots = n_slots;
  return 0;
}

/* Append a row with no orders for an id that is not in the table yet, whose
** hash is h.  Returns its index, or -1 when out of memory (nothing changed). */
static int64_t add_row(seg_customers *t, uint64_t h, int64_t id, int is_text,
                       size_t text_len) {
  if ((t->n + 1) * 2 > t->n_slots && grow_slots(t) != 0) return -1;
  if (t->n == t->n_alloc) {
    size_t n_alloc = t->n_alloc ? t->n_alloc * 2 : 1024;
    seg_customer *rows = seg_realloc(t->rows, n_alloc * sizeof *rows);
    if (!rows) return -1;
    t->rows = rows;
    t->n_alloc = n_alloc;
  }
  size_t mask = t->n_slots - 1, s = (size_t)h & mask;
  while (t->slots[s]) s = (s + 1) & mask;
  seg_customer *c = &t->rows[t->n];
  memset(c, 0, sizeof *c);
  c->id = id;
  c->is_text = (uint8_t)is_text;
  c->text_len = (uint32_t)text_len;
  t->slots[s] = (uint32_t)(t->n + 1);
  return (int64_t)(t->n++);
}

int64_t seg_customers_find_int(seg_customers *t, int64_t id, int create) {
  uint64_t h = hash_int(id);
  size_t mask = t->n_slots - 1, s = (size_t)h & mask;
  while (t->slots[s]) {
    const seg_customer *c = &t->rows[t->slots[s] - 1];
    if (!c->is_text && c->id == id) return (int64_t)(t->slots[s] - 1);
    s = (s + 1) & mask;
  }
  if (!create || t->n >= UINT32_MAX - 1) return -1;
  return add_row(t, h, id, 0, 0);
}

int64_t seg_customers_find_text(seg_customers *t, const char *z, size_t n,
                                int create) {
  uint64_t h = hash_text(z, n);
  size_t mask = t->n_slots - 1, s = (size_t)h & mask;
  while (t->slots[s]) {
    const seg_customer *c = &t->rows[t->slots[s] - 1];
    if (c->is_text && c->text_len == n && memcmp(t->arena + c->id, z, n) == 0)
      return (int64_t)(t->slots[s] - 1);
    s = (s + 1) & mask;
  }
  if (!create || t->n >= UINT32_MAX - 1 || n > UINT32_MAX) return -1;
  if (t->arena_len + n > t->arena_alloc) {
    size_t n_alloc = t->arena_alloc ? t->arena_alloc : 4096;
    while (n_alloc < t->arena_len + n) n_alloc *= 2;
    char *arena = seg_realloc(t->arena, n_alloc);
    if (!arena) return -1;
    t->arena = arena;
    t->arena_alloc = n_alloc;
  }
  memcpy(t->arena + t->arena_len, z, n);
  int64_t i = add_row(t, h, (int64_t)t->arena_len, 1, n);
  if (i >= 0) t->arena_len += n;
  return i;
}

void seg_customers_add_order(seg_customers *t, int64_t i, int32_t day,
                             int has_amount, double amount) {
  seg_customer *c = &t->rows[i];
  if (c->frequency == 0 || day < c->first_day) c->first_day = day;
  if (c->frequency == 0 || day > c->last_day) c->last_day = day;
  c->frequency++;
  if (has_amount) {
    c->monetary += amount;
    c->n_amount++;
  }
}

/* ---- scoring ------------------------------------------------------------- */

enum { DIM_R, DIM_F, DIM_M };

static double dimension_value(const seg_customer *c, int dim,
                              int32_t as_of_day) {
  switch (dim) {
    case DIM_R: return (double)as_of_day - (double)c->last_day;
    case DIM_F: return (double)c->frequency;
    default: return c->monetary;
  }
}

int seg_customers_score(seg_customers *t, const seg_score_options *opt,
                        seg_breaks *used) {
  size_t n_buyers = 0;
  seg_breaks cuts;
  double *values;

  for (size_t i = 0; i < t->n; i++) {
    seg_customer *c = &t->rows[i];
    c->r = c->f = c->m = 0;
    if (c->frequency == 0) continue;
    c->monetary = seg_round(c->monetary, opt->money_decimals);
    n_buyers++;
  }
  if (opt->breaks) cuts = *opt->breaks;
  if (n_buyers == 0) {
    if (!opt->breaks) memset(&cuts, 0, sizeof cuts);
    if (used) *used = cuts;
    return 0;
  }

  values = seg_malloc(n_buyers * sizeof *values);
  if (!values) return -1;
  for (int dim = DIM_R; dim <= DIM_M; dim++) {
    seg_cuts *dim_cuts = dim == DIM_R ? &cuts.r : dim == DIM_F ? &cuts.f : &cuts.m;
    if (!opt->breaks) {
      size_t k = 0;
      for (size_t i = 0; i < t->n; i++) {
        if (t->rows[i].frequency == 0) continue;
        values[k++] = dimension_value(&t->rows[i], dim, opt->as_of_day);
      }
      seg_quantile_cuts(values, n_buyers, opt->bins, dim_cuts->v);
      dim_cuts->n = opt->bins - 1;
    }
    for (size_t i = 0; i < t->n; i++) {
      seg_customer *c = &t->rows[i];
      if (c->frequency == 0) continue;
      double v = dimension_value(c, dim, opt->as_of_day);
      if (dim == DIM_R) c->r = (uint8_t)seg_score_reversed(v, dim_cuts->v, dim_cuts->n);
      else if (dim == DIM_F) c->f = (uint8_t)seg_score(v, dim_cuts->v, dim_cuts->n);
      else c->m = (uint8_t)seg_score(v, dim_cuts->v, dim_cuts->n);
    }
  }
  seg_free(values);
  if (used) *used = cuts;
  return 0;
}

/* ---- ordering -------------------------------------------------------------- */

/* <0, 0, >0 as row a sorts before, with, after row b (SQLite's order:
** integers, then texts by bytes). */
static int compare_rows(const seg_customers *t, uint32_t a, uint32_t b) {
  const seg_customer *x = &t->rows[a], *y = &t->rows[b];
  if (x->is_text != y->is_text) return x->is_text ? 1 : -1;
  if (!x->is_text) return (x->id > y->id) - (x->id < y->id);
  size_t n = x->text_len < y->text_len ? x->text_len : y->text_len;
  int c = memcmp(t->arena + x->id, t->arena + y->id, n);
  if (c) return c;
  return (x->text_len > y->text_len) - (x->text_len < y->text_len);
}

int seg_customers_sort(seg_customers *t) {
  uint32_t *order, *tmp;
  seg_free(t->order);
  t->order = NULL;
  order = seg_malloc((t->n ? t->n : 1) * sizeof *order);
  tmp = seg_malloc((t->n ? t->n : 1) * sizeof *tmp);
  if (!order || !tmp) {
    seg_free(order);
    seg_free(tmp);
    return -1;
  }
  for (size_t i = 0; i < t->n; i++) order[i] = (uint32_t)i;
  /* Bottom-up merge sort: stable, n log n, no recursion. */
  for (size_t width = 1; width < t->n; width *= 2) {
    for (size_t lo = 0; lo < t->n; lo += 2 * width) {
      size_t mid = lo + width < t->n ? lo + width : t->n;
      size_t hi = lo + 2 * width < t->n ? lo + 2 * width : t->n;
      size_t i = lo, j = mid, k = lo;
      if (mid == hi || compare_rows(t, order[mid - 1], order[mid]) <= 0) {
        memcpy(tmp + lo, order + lo, (hi - lo) * sizeof *order);
        continue;
      }
      while (i < mid && j < hi)
        tmp[k++] = compare_rows(t, order[i], order[j]) <= 0 ? order[i++] : order[j++];
      while (i < mid) tmp[k++] = order[i++];
      while (j < hi) tmp[k++] = order[j++];
    }
    uint32_t *swap = order;
    order = tmp;
    tmp = swap;
  }
  seg_free(tmp);
  t->order = order;
  return 0;
}
