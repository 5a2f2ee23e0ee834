/*
** breaks.h — cut points as JSON, in and out.
**
** rfm_breaks() prints a column's cut points as a JSON array, and
** rfm_score(recency_days, frequency, monetary, breaks) reads three of them
** back from an object, whether they came from rfm_breaks() or are fixed
** business thresholds typed by hand:
**
**     {"r":[30,60,90,180], "f":[1,2,3,5], "m":[50,100,250,500]}
**
** Each array holds 1..8 ascending cut points (2..9 bins; equal neighbours
** are fine: a heavily tied column yields them).  The keys may come in any
** order; each must appear once; no other key is allowed.
**
**     seg_breaks b;
**     char err[200];
**     if (seg_breaks_parse(json, strlen(json), &b, err, sizeof err) != 0)
**       report(err);   // e.g. breaks "m" must be ascending, got 200 before 100
**
**     char out[SEG_CUTS_JSON_MAX];
**     seg_cuts_format(cuts, 4, out);   // "[10,20,20,41.5]"
**
** Numbers print in the shortest form that reads back to the same double,
** so cut points survive the round trip through JSON exactly.  Neither
** direction depends on the C locale's decimal point.
*/
#ifndef SEGMENT_CORE_BREAKS_H
#define SEGMENT_CORE_BREAKS_H

#include <stddef.h>

#include "quantile.h"

typedef struct seg_cuts {
  int n;                         /* number of cut points: bins - 1 */
  double v[SEG_MAX_BINS - 1];    /* ascending */
} seg_cuts;

typedef struct seg_breaks {
  seg_cuts r, f, m;              /* r is on recency_days, ascending */
} seg_breaks;

/* The longest output of seg_cuts_format, NUL included. */
#define SEG_NUMBER_MAX 32
#define SEG_CUTS_JSON_MAX (2 + (SEG_MAX_BINS - 1) * SEG_NUMBER_MAX)

/* Parse the object {"r":[...],"f":[...],"m":[...]} from z[0..n).  Returns
** 0, or -1 with a message (no prefix, no trailing period) in err. */
int seg_breaks_parse(const char *z, size_t n, seg_breaks *out, char *err,
                     size_t errlen);

/* Write cuts[0..n) as a JSON array into out (SEG_CUTS_JSON_MAX bytes).
** Values must be finite. */
void seg_cuts_format(const double *cuts, int n, char *out);

/* Write one finite number as the shortest text that reads back to it
** ("3", "41.5", "0.1", "1e+300") into out (SEG_NUMBER_MAX bytes). */
void seg_number_format(double x, char *out);

#endif
