/*
** grouper.c — integer-id orders grouped on a second thread; see grouper.h.
**
** HOW IT WORKS
** A ring of SEG_GROUPER_CHUNKS chunks.  n_filled counts the chunks the
** caller has handed over, n_done those the worker has grouped; chunk
** number k lives in slot k % SEG_GROUPER_CHUNKS.  The caller fills slot
** n_filled % CHUNKS, which is free while n_filled - n_done < CHUNKS; the
** worker groups slot n_done % CHUNKS while n_done < n_filled.  One mutex
** guards the counters and the flags, two condition variables say "a chunk
** was handed over" and "a chunk was grouped".  The caller locks once per
** chunk, not per order.
*/
#include "grouper.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "alloc.h"

#define CHUNKS SEG_GROUPER_CHUNKS

/* flags: SEG_ORDER_DISCOUNTED, SEG_ORDER_REFUND, and this one */
#define HAS_AMOUNT 4

typedef struct chunk {
  int n;
  int64_t id[SEG_GROUPER_CHUNK];
  double amount[SEG_GROUPER_CHUNK];
  int32_t day[SEG_GROUPER_CHUNK];
  uint8_t flags[SEG_GROUPER_CHUNK];
} chunk;

struct seg_grouper {
  seg_customers *t;
  seg_features *f;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t handed_over;  /* n_filled grew, or closed was set */
  pthread_cond_t grouped;      /* n_done grew */
  unsigned long n_filled, n_done;
  int closed;                  /* the caller hands over nothing more */
  int failed;                  /* the worker ran out of memory */
  chunk ring[CHUNKS];
};

static void *work(void *arg) {
  seg_grouper *g = arg;
  int failed = 0;
  pthread_mutex_lock(&g->mu);
  for (;;) {
    while (g->n_done == g->n_filled && !g->closed)
      pthread_cond_wait(&g->handed_over, &g->mu);
    if (g->n_done == g->n_filled) break; /* closed, and all grouped */
    pthread_mutex_unlock(&g->mu);

    /* After a failure the chunks are only emptied, so the caller never
    ** waits for room that does not come. */
    const chunk *c = &g->ring[g->n_done % CHUNKS];
    for (int k = 0; k < c->n && !failed; k++)
      failed = seg_features_add_int_order(g->f, g->t, c->id[k], c->day[k],
                                          c->flags[k] & HAS_AMOUNT, c->amount[k],
                                          c->flags[k] & ~HAS_AMOUNT) != 0;

    pthread_mutex_lock(&g->mu);
    g->failed = failed;
    g->n_done++;
    pthread_cond_signal(&g->grouped);
  }
  pthread_mutex_unlock(&g->mu);
  return NULL;
}

seg_grouper *seg_grouper_start(seg_customers *t, seg_features *f) {
  seg_grouper *g = seg_malloc(sizeof *g);
  sigset_t all, old;
  int rc;
  if (!g) return NULL;
  memset(g, 0, sizeof *g);
  g->t = t;
  g->f = f;
  if (pthread_mutex_init(&g->mu, NULL) != 0) goto no_mutex;
  if (pthread_cond_init(&g->handed_over, NULL) != 0) goto no_cond1;
  if (pthread_cond_init(&g->grouped, NULL) != 0) goto no_cond2;
  /* Signals stay with the caller's threads (the sqlite3 shell's Ctrl-C). */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  rc = pthread_create(&g->thread, NULL, work, g);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc == 0) return g;
  pthread_cond_destroy(&g->grouped);
no_cond2:
  pthread_cond_destroy(&g->handed_over);
no_cond1:
  pthread_mutex_destroy(&g->mu);
no_mutex:
  seg_free(g);
  return NULL;
}

/* Hand the caller's chunk over; wait for room for the next when the ring
** is full.  0, or -1 when the worker has failed. */
static int hand_over(seg_grouper *g) {
  int failed;
  pthread_mutex_lock(&g->mu);
  g->n_filled++;
  pthread_cond_signal(&g->handed_over);
  while (g->n_filled - g->n_done == CHUNKS) pthread_cond_wait(&g->grouped, &g->mu);
  failed = g->failed;
  pthread_mutex_unlock(&g->mu);
  g->ring[g->n_filled % CHUNKS].n = 0;
  return failed ? -1 : 0;
}

int seg_grouper_add(seg_grouper *g, int64_t id, int32_t day, int has_amount,
                    double amount, unsigned flags) {
  chunk *c = &g->ring[g->n_filled % CHUNKS];
  int k = c->n++;
  c->id[k] = id;
  c->day[k] = day;
  c->amount[k] = amount;
  c->flags[k] = (uint8_t)((flags & (SEG_ORDER_DISCOUNTED | SEG_ORDER_REFUND)) |
                          (has_amount ? HAS_AMOUNT : 0));
  return c->n == SEG_GROUPER_CHUNK ? hand_over(g) : 0;
}

int seg_grouper_finish(seg_grouper *g) {
  int failed;
  if (!g) return 0;
  if (g->ring[g->n_filled % CHUNKS].n > 0) hand_over(g);
  pthread_mutex_lock(&g->mu);
  g->closed = 1;
  pthread_cond_signal(&g->handed_over);
  pthread_mutex_unlock(&g->mu);
  pthread_join(g->thread, NULL);
  failed = g->failed;
  pthread_cond_destroy(&g->grouped);
  pthread_cond_destroy(&g->handed_over);
  pthread_mutex_destroy(&g->mu);
  seg_free(g);
  return failed ? -1 : 0;
}
