/*
** customers.c — orders grouped into customers; see customers.h.
**
** HOW IT WORKS
** Rows live in one growing array, in the order first seen.  An open
** addressing hash table (linear probing, kept at most half full) maps an
** id to its row: the slot holds the row index + 1 (4 bytes a slot, so the
** table costs 8 to 16 bytes a customer).  Integer ids are mixed with the
** splitmix64 finalizer, text ids hashed with FNV-1a; text bytes sit back
** to back in one arena, so there is no allocation per customer.
**
** Integer-id orders are grouped a batch at a time (seg_customers_flush):
** pass 1 hashes every id and prefetches its slot, pass 2 reads the slots
** and prefetches the rows they name, pass 3 probes (now in cache) and adds
** the order.  The misses of 64 orders are then in flight together.
**
** Scoring reuses one array of doubles for the three dimensions in turn;
** sorting is a natural merge sort, fast when first-seen order is already
** close to id order (ids handed out at sign-up, orders in time order).
*/
#include "customers.h"

#include <string.h>

#include "alloc.h"
#include "quantile.h"
#include "rounding.h"

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

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

int seg_customers_is_text(const seg_customers *t, size_t i) {
  /* Rows past the end of the bits were added after the last text id. */
  return i / 8 < t->text_bits_len && (t->text_bits[i / 8] >> (i % 8) & 1);
}

const char *seg_customers_text(const seg_customers *t, size_t i, size_t *n) {
  uint32_t len;
  memcpy(&len, t->arena + t->rows[i].id, sizeof len);
  *n = len;
  return t->arena + t->rows[i].id + sizeof len;
}

static uint64_t hash_row(const seg_customers *t, size_t i) {
  if (seg_customers_is_text(t, i)) {
    size_t n;
    const char *z = seg_customers_text(t, i, &n);
    return hash_text(z, n);
  }
  return hash_int(t->rows[i].id);
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
  seg_free(t->text_bits);
  seg_free(t->arena);
  seg_free(t->slots);
  seg_free(t->codes);
  seg_free(t->order);
  seg_free(t);
}

/* Double the slots and place every row again.  -1 when out of memory. */
static int grow_slots(seg_customers *t) {
  size_t n_slots = t->n_slots * 2;
  uint32_t *slots = seg_malloc(n_slots * sizeof *slots);
  if (!slots) return -1;
  memset(slots, 0, n_slots * sizeof *slots);
  for (size_t i = 0; i < t->n; i++) {
    size_t s = (size_t)hash_row(t, i) & (n_slots - 1);
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
static int64_t add_row(seg_customers *t, uint64_t h, int64_t id) {
  if ((t->n + 1) * 2 > t->n_slots && grow_slots(t) != 0) return -1;
  if (t->n == t->n_alloc) {
    /* Grow by half: less slack than doubling at a million customers. */
    size_t n_alloc = t->n_alloc ? t->n_alloc + t->n_alloc / 2 : 1024;
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
  t->slots[s] = (uint32_t)(t->n + 1);
  return (int64_t)(t->n++);
}

/* Find or add an integer id whose hash is h (no flush). */
static int64_t find_int_hashed(seg_customers *t, int64_t id, uint64_t h,
                               int create) {
  size_t mask = t->n_slots - 1, s = (size_t)h & mask;
  uint32_t slot;
  while ((slot = t->slots[s]) != 0) {
    const seg_customer *c = &t->rows[slot - 1];
    if (c->id == id && !seg_customers_is_text(t, slot - 1)) return (int64_t)(slot - 1);
    s = (s + 1) & mask;
  }
  if (!create || t->n >= UINT32_MAX - 1) return -1;
  return add_row(t, h, id);
}

int seg_customers_flush(seg_customers *t) {
  uint64_t h[SEG_BATCH];
  int n = t->n_batch;
  size_t mask = t->n_slots - 1;
  t->n_batch = 0;
  for (int k = 0; k < n; k++) {
    h[k] = hash_int(t->batch_id[k]);
    PREFETCH(&t->slots[h[k] & mask]);
  }
  for (int k = 0; k < n; k++) {
    uint32_t slot = t->slots[h[k] & mask];
    if (slot) PREFETCH(&t->rows[slot - 1]);
  }
  for (int k = 0; k < n; k++) {
    int64_t i = find_int_hashed(t, t->batch_id[k], h[k], 1);
    if (i < 0) return -1;
    seg_customers_add_order(t, i, t->batch_day[k], t->batch_has_amount[k],
                            t->batch_amount[k]);
  }
  return 0;
}

int seg_customers_add_int_order(seg_customers *t, int64_t id, int32_t day,
                                int has_amount, double amount) {
  int k = t->n_batch++;
  t->batch_id[k] = id;
  t->batch_day[k] = day;
  t->batch_has_amount[k] = (uint8_t)(has_amount != 0);
  t->batch_amount[k] = amount;
  return t->n_batch == SEG_BATCH ? seg_customers_flush(t) : 0;
}

int64_t seg_customers_find_int(seg_customers *t, int64_t id, int create) {
  if (t->n_batch && seg_customers_flush(t) != 0) return -1;
  return find_int_hashed(t, id, hash_int(id), create);
}

int64_t seg_customers_find_text(seg_customers *t, const char *z, size_t n,
                                int create) {
  uint64_t h = hash_text(z, n);
  uint32_t len = (uint32_t)n;
  size_t mask, s;
  if (t->n_batch && seg_customers_flush(t) != 0) return -1;
  mask = t->n_slots - 1;
  s = (size_t)h & mask;
  while (t->slots[s]) {
    size_t i = t->slots[s] - 1, m;
    if (seg_customers_is_text(t, i)) {
      const char *zRow = seg_customers_text(t, i, &m);
      if (m == n && memcmp(zRow, z, n) == 0) return (int64_t)i;
    }
    s = (s + 1) & mask;
  }
  if (!create || t->n >= UINT32_MAX - 1 || n > UINT32_MAX - sizeof len) return -1;
  /* Room for the text and for the row's flag bit, before anything changes. */
  if (t->arena_len + sizeof len + n > t->arena_alloc) {
    size_t n_alloc = t->arena_alloc ? t->arena_alloc : 4096;
    while (n_alloc < t->arena_len + sizeof len + n) n_alloc *= 2;
    char *arena = seg_realloc(t->arena, n_alloc);
    if (!arena) return -1;
    t->arena = arena;
    t->arena_alloc = n_alloc;
  }
  if (t->n / 8 + 1 > t->text_bits_len) {
    size_t len_bits = (t->n / 8 + 1) * 2;
    uint8_t *bits = seg_realloc(t->text_bits, len_bits);
    if (!bits) return -1;
    memset(bits + t->text_bits_len, 0, len_bits - t->text_bits_len);
    t->text_bits = bits;
    t->text_bits_len = len_bits;
  }
  int64_t i = add_row(t, h, (int64_t)t->arena_len);
  if (i < 0) return -1;
  memcpy(t->arena + t->arena_len, &len, sizeof len);
  memcpy(t->arena + t->arena_len + sizeof len, z, n);
  t->arena_len += sizeof len + n;
  t->text_bits[i / 8] |= (uint8_t)(1u << (i % 8));
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

/* Whether the caller asks to stop, asked once every SEG_STOP_EVERY
** iterations i of a long loop. */
static int should_stop(const seg_customers *t, size_t i) {
  return t->stop && i % SEG_STOP_EVERY == SEG_STOP_EVERY - 1 &&
         t->stop(t->stop_ctx);
}

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

  if (t->n_batch && seg_customers_flush(t) != 0) return -1;
  seg_free(t->codes);
  t->codes = seg_malloc((t->n ? t->n : 1) * sizeof *t->codes);
  if (!t->codes) return -1;
  for (size_t i = 0; i < t->n; i++) {
    seg_customer *c = &t->rows[i];
    t->codes[i] = 0;
    if (should_stop(t, i)) return -2;
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
    int weight = dim == DIM_R ? 100 : dim == DIM_F ? 10 : 1;
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
      const seg_customer *c = &t->rows[i];
      if (should_stop(t, i)) {
        seg_free(values);
        return -2;
      }
      if (c->frequency == 0) continue;
      double v = dimension_value(c, dim, opt->as_of_day);
      int score = dim == DIM_R ? seg_score_reversed(v, dim_cuts->v, dim_cuts->n)
                               : seg_score(v, dim_cuts->v, dim_cuts->n);
      t->codes[i] = (uint16_t)(t->codes[i] + score * weight);
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
  int a_text = seg_customers_is_text(t, a), b_text = seg_customers_is_text(t, b);
  if (a_text != b_text) return a_text ? 1 : -1;
  if (!a_text) {
    int64_t x = t->rows[a].id, y = t->rows[b].id;
    return (x > y) - (x < y);
  }
  size_t na, nb;
  const char *za = seg_customers_text(t, a, &na);
  const char *zb = seg_customers_text(t, b, &nb);
  int c = memcmp(za, zb, na < nb ? na : nb);
  if (c) return c;
  return (na > nb) - (na < nb);
}

/* Merge the sorted runs src[lo..mid) and src[mid..hi) into dst[lo..hi). */
static void merge(const seg_customers *t, const uint32_t *src, uint32_t *dst,
                  size_t lo, size_t mid, size_t hi) {
  size_t i = lo, j = mid, k = lo;
  if (mid == hi || compare_rows(t, src[mid - 1], src[mid]) <= 0) {
    memcpy(dst + lo, src + lo, (hi - lo) * sizeof *src);
    return;
  }
  while (i < mid && j < hi)
    dst[k++] = compare_rows(t, src[i], src[j]) <= 0 ? src[i++] : src[j++];
  while (i < mid) dst[k++] = src[i++];
  while (j < hi) dst[k++] = src[j++];
}

int seg_customers_sort(seg_customers *t) {
  uint32_t *order, *tmp;
  uint32_t *runs;
  size_t n_runs = 0;
  if (t->n_batch && seg_customers_flush(t) != 0) return -1;
  seg_free(t->order);
  t->order = NULL;
  order = seg_malloc((t->n ? t->n : 1) * sizeof *order);
  tmp = seg_malloc((t->n ? t->n : 1) * sizeof *tmp);
  runs = seg_malloc((t->n + 1) * sizeof *runs);
  if (!order || !tmp || !runs) {
    seg_free(order);
    seg_free(tmp);
    seg_free(runs);
    return -1;
  }
  for (size_t i = 0; i < t->n; i++) order[i] = (uint32_t)i;
  /* Natural merge sort: start from the ascending runs already there. */
  for (size_t i = 0; i < t->n; i++)
    if (i == 0 || compare_rows(t, order[i - 1], order[i]) > 0) runs[n_runs++] = (uint32_t)i;
  runs[n_runs] = (uint32_t)t->n;
  while (n_runs > 1) {
    size_t out = 0, merged = 0;
    for (size_t r = 0; r < n_runs; r += 2) {
      size_t lo = runs[r], mid = runs[r + 1 < n_runs ? r + 1 : n_runs];
      size_t hi = runs[r + 2 < n_runs ? r + 2 : n_runs];
      merge(t, order, tmp, lo, mid, hi);
      runs[out++] = (uint32_t)lo;
      /* Ask to stop about every SEG_STOP_EVERY rows merged. */
      merged += hi - lo;
      if (merged >= SEG_STOP_EVERY) {
        merged = 0;
        if (t->stop && t->stop(t->stop_ctx)) {
          seg_free(order);
          seg_free(tmp);
          seg_free(runs);
          return -2;
        }
      }
    }
    runs[out] = (uint32_t)t->n;
    n_runs = out;
    uint32_t *swap = order;
    order = tmp;
    tmp = swap;
  }
  seg_free(tmp);
  seg_free(runs);
  t->order = order;
  return 0;
}
