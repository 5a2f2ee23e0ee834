/*
** quantile.h — quantile cut points and scores, with exact tie handling.
**
** This is the heart of RFM scoring (DESIGN.md, "Scores: exact semantics").
** For N values and k bins, the cut points are the values at the last
** position of each of the first k-1 NTILE(k) groups of the sorted values
** (group sizes differ by at most one, larger groups first).  A value's
** score is 1 + the number of cut points strictly below it, so:
**
**   - with distinct values the scores equal NTILE(k) OVER (ORDER BY value);
**   - equal values always share a score, whatever the row order (a tie
**     group that straddles a boundary goes to the lower bin);
**   - a value equal to a cut point falls in the lower bin;
**   - the lowest value always scores 1, and no score leaves 1..k.
**
**     double v[] = {10, 20, 20, 20, 50};
**     double cuts[4];
**     seg_quantile_cuts(v, 5, 5, cuts);        // cuts = 10,20,20,20
**     seg_score(20, cuts, 4);                  // 2: only 10 is below 20
**     seg_score(50, cuts, 4);                  // 5
**
** When N < k the missing groups repeat the largest value, so the scores
** are still NTILE's: N distinct values score 1..N.
*/
#ifndef SEGMENT_CORE_QUANTILE_H
#define SEGMENT_CORE_QUANTILE_H

#include <stddef.h>

#define SEG_MIN_BINS 2
#define SEG_MAX_BINS 9

/* Compute the bins-1 cut points of values[0..n) into cuts[0..bins-1).
** The values are reordered in place (partially sorted by selection, not a
** full sort).  They must not be NaN.  Returns 0, or -1 when n is 0 or bins
** is outside SEG_MIN_BINS..SEG_MAX_BINS (cuts is then untouched). */
int seg_quantile_cuts(double *values, size_t n, int bins, double *cuts);

/* The median of values[0..n), n >= 1, not NaN: the middle value, or the
** mean of the two middle ones.  Reorders the values (selection, not a
** sort). */
double seg_median(double *values, size_t n);

/* The score of value against ncuts ascending cut points: 1 + the number of
** cut points strictly below value, so 1..ncuts+1. */
int seg_score(double value, const double *cuts, int ncuts);

/* The reversed score used for recency (fewer days is better):
** ncuts + 2 - seg_score(value). */
int seg_score_reversed(double value, const double *cuts, int ncuts);

/* The RFM code r*100 + f*10 + m, e.g. 545. */
int seg_rfm_code(int r, int f, int m);

#endif
