/*
** kmeans.h — k-means clustering that gives the same clusters for the same
** points, whatever order they come in: the core of kmeans_fit() and
** kmeans_assign().
**
**     double x[] = {0,0, 0,1, 10,10, 10,11};   // 4 points, 2 features
**     seg_kmeans_model m;
**     int rc = seg_kmeans_fit(x, 4, 2, 2, 1, &m, NULL, NULL, NULL); // k = 2, seed 1
**     // m.k == 2, m.size = {2, 2}; clusters numbered by their centroids
**     double p[] = {9, 9};
**     seg_kmeans_nearest(&m, p);                // 1: the cluster near (10, 10)
**     char *json = seg_kmeans_to_json(&m);      // seg_free() it
**     seg_kmeans_model back;
**     seg_kmeans_parse(json, strlen(json), &back, err, sizeof err);
**
** THE ALGORITHM (every step deterministic)
**  1. The points are sorted lexicographically (-0 read as 0), so that what
**     follows sees the same array for any row order.
**  2. Each feature is standardized: z = (x - mean) / sd with the population
**     sd (divisor n, as scikit-learn's StandardScaler); a constant feature
**     gets sd 1.
**  3. k-means++ seeding (Arthur & Vassilvitskii 2007): the first centroid is
**     a uniformly drawn point, each next one a point drawn with probability
**     proportional to its squared distance to the nearest centroid so far.
**     The draws come from splitmix64 (Steele, Lea & Flood 2014), its state
**     started for each k at seed + k * 0x632be59bd9b4e019 (so the clusters
**     for one k do not depend on which other k were tried):
**     u = (next() >> 11) * 2^-53; a point is picked by walking the
**     cumulative weights in sorted order to the first that exceeds
**     u * total.
**  4. Lloyd's iterations: each point goes to its nearest centroid (squared
**     Euclidean distance; a tie goes to the lower centroid), each centroid
**     moves to the mean of its points, until no point moves (at most
**     SEG_KMEANS_MAX_ITER times).  A cluster left empty takes the point
**     farthest from its own centroid (the first in sorted order on a tie)
**     from a cluster of two or more.
**  5. Steps 3-4 run SEG_KMEANS_RESTARTS times on that stream of draws;
**     the run with the least inertia (sum of squared distances) is kept,
**     the first on a tie.
**  6. The clusters are numbered in lexicographic order of their centroids,
**     and the sizes counted by seg_kmeans_nearest() itself, so that
**     assigning the fitted points again gives exactly these sizes.
** With k = 0, steps 3-6 run for each k from SEG_KMEANS_AUTO_MIN to
** SEG_KMEANS_AUTO_MAX (those not above the number of distinct points) and
** the k with the highest mean silhouette is kept (the smaller k on a tie).
**
** The silhouette (Rousseeuw 1987) uses Euclidean distances between
** standardized points: s(i) = (b - a) / max(a, b), a the mean distance to
** the rest of i's cluster, b the least mean distance to another cluster;
** s(i) = 0 in a cluster of one.  It is exact up to SEG_KMEANS_SILHOUETTE_MAX
** points; above that it is computed on the systematic sample of that many
** sorted points at positions floor(i * n / max), among themselves.
**
** Only +, -, *, / and comparisons touch the data, so a build that does
** not contract a*b+c into fused multiply-adds (GCC's default in ISO C
** mode) gives the same bits on every IEEE-754 machine.
*/
#ifndef SEGMENT_CORE_KMEANS_H
#define SEGMENT_CORE_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#define SEG_KMEANS_MAX_FEATURES 16
#define SEG_KMEANS_MAX_K 20
#define SEG_KMEANS_AUTO_MIN 3
#define SEG_KMEANS_AUTO_MAX 6
#define SEG_KMEANS_RESTARTS 10
#define SEG_KMEANS_MAX_ITER 300
#define SEG_KMEANS_SILHOUETTE_MAX 4000

typedef struct seg_kmeans_model {
  int k;                 /* clusters, 1-based in SQL: 1..k */
  int d;                 /* features */
  uint64_t seed;
  size_t n;              /* points fitted */
  double mean[SEG_KMEANS_MAX_FEATURES];
  double sd[SEG_KMEANS_MAX_FEATURES];
  double centroid[SEG_KMEANS_MAX_K][SEG_KMEANS_MAX_FEATURES]; /* standardized */
  size_t size[SEG_KMEANS_MAX_K];
  double inertia;        /* sum of squared standardized distances */
  double silhouette;     /* mean silhouette of the kept clustering */
  size_t silhouette_n;   /* points it was computed on */
  int iterations;        /* Lloyd iterations of the kept run */
  int auto_k;            /* 1 when k was chosen by silhouette */
  double silhouette_by_k[SEG_KMEANS_AUTO_MAX + 1]; /* when auto_k; NaN: not tried */
} seg_kmeans_model;

/* What seg_kmeans_fit returns besides 0. */
#define SEG_KMEANS_NOMEM (-1)
#define SEG_KMEANS_STOPPED (-2)
#define SEG_KMEANS_TOO_FEW (-3) /* fewer distinct points than k (than
                                ** SEG_KMEANS_AUTO_MIN for k = 0);
                                ** *distinct says how many */

/* Fit k clusters (k = 0: choose) to the n points of d finite features in
** x[0..n*d), row by row; x is reordered (sorted) and standardized in place.
** d is 1..SEG_KMEANS_MAX_FEATURES, k is 0 or 2..SEG_KMEANS_MAX_K.  stop, when
** not NULL, is asked now and then (about every 4 million distance terms)
** and a non-zero answer ends the work with SEG_KMEANS_STOPPED.  *distinct,
** when not NULL, receives the number of distinct points.  Returns 0,
** SEG_KMEANS_NOMEM, SEG_KMEANS_STOPPED, SEG_KMEANS_TOO_FEW, or -4 for bad
** arguments. */
int seg_kmeans_fit(double *x, size_t n, int d, int k, uint64_t seed,
                   seg_kmeans_model *m, int (*stop)(void *), void *stop_ctx,
                   size_t *distinct);

/* The 0-based cluster of raw point x[0..m->d): standardized with the
** model's mean and sd, then the nearest centroid (the lower on a tie). */
int seg_kmeans_nearest(const seg_kmeans_model *m, const double *x);

/* The mean silhouette of n standardized points z (row by row, d features)
** labelled 0..k-1 in label[], exactly (O(n^2)).  0 when every point is
** alone in its cluster; the clusters need not all be present. */
double seg_silhouette(const double *z, size_t n, int d, const int *label,
                      int k);

/* The model as JSON (see docs/clustering.md for the keys), from
** seg_malloc; NULL when out of memory. */
char *seg_kmeans_to_json(const seg_kmeans_model *m);

/* Read a model back from its JSON (other keys are ignored; k, mean, sd and
** centroids_std are needed).  Returns 0, or -1 with a message (no prefix)
** in err. */
int seg_kmeans_parse(const char *z, size_t n, seg_kmeans_model *m, char *err,
                     size_t errlen);

#endif
