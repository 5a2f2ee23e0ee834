/*
** grouper.h — group integer-id orders on a second thread while the caller
** reads the next ones.
**
** Reading ten million orders out of SQLite and grouping them into a
** million customers cost about the same; on two cores they can overlap.
** The segments table reads and checks each order on its own thread (the
** SQLite statement, the date, the amount) and hands the integer-id ones
** here; a worker thread puts them into the seg_customers table and its
** seg_features, in the order given, exactly as seg_features_add_int_order
** would on the caller's thread.  The results are the same, row for row.
**
**     seg_grouper *g = seg_grouper_start(t, f);   // NULL: group inline
**     while (...) seg_grouper_add(g, id, day, has_amount, amount, flags);
**     if (seg_grouper_finish(g) != 0) ...          // out of memory
**     // t and f are the caller's again, every order grouped
**
** While a grouper runs, t and f belong to its thread: the caller must not
** touch them (to find a text id, say) before seg_grouper_finish.  The
** orders travel in chunks of SEG_GROUPER_CHUNK, at most SEG_GROUPER_CHUNKS
** of them in flight (about 86 KB); the caller waits only when all are
** full.  The grouper allocates nothing per order.
*/
#ifndef SEGMENT_CORE_GROUPER_H
#define SEGMENT_CORE_GROUPER_H

#include <stdint.h>

#include "customers.h"
#include "order_features.h"

#define SEG_GROUPER_CHUNK 1024
#define SEG_GROUPER_CHUNKS 4

typedef struct seg_grouper seg_grouper;

/* Start the worker thread for table t and features f.  NULL when the
** thread or its memory cannot be had: then group on the caller's thread. */
seg_grouper *seg_grouper_start(seg_customers *t, seg_features *f);

/* Hand one order over (the arguments of seg_features_add_int_order).
** 0, or -1 when the worker ran out of memory (the table is then unusable;
** finish the grouper all the same). */
int seg_grouper_add(seg_grouper *g, int64_t id, int32_t day, int has_amount,
                    double amount, unsigned flags);

/* Wait until every order handed over is grouped, stop the thread and free
** the grouper (NULL is fine).  0, or -1 when the worker ran out of memory. */
int seg_grouper_finish(seg_grouper *g);

#endif
