/*
** bench_models.c — how long bgnbd_fit and gg_fit take on a million
** customers (issue 6: "a fit of one million synthetic customers takes
** under a second").
**
** It draws N customers (default 1,000,000) from the models themselves,
** with known parameters, into an in-memory table
**
**     CREATE TABLE c(x INTEGER, t_x REAL, T REAL, avg_value REAL)
**
** then loads the extension and times, RUNS times each (default 3),
**
**     SELECT bgnbd_fit(x, t_x, T) FROM c
**     SELECT gg_fit(x, avg_value) FROM c
**
** (prepare, step, finalize) and prints each time, their median, the number
** of distinct (x, t_x, T) histories, and the parameters the fits recover
** next to the ones drawn from.  Times are wall clock (CLOCK_MONOTONIC) and
** CPU time of the process (CLOCK_PROCESS_CPUTIME_ID): on a busy machine the
** first grows with the load, the second much less.
**
** THE CUSTOMERS (same N, same customers, on every run and machine with the
** same libm): a CDNOW-like cohort in weeks.  First purchases on day 0..83
** (the first 12 weeks), data up to day 273, so T = (273 - first day) / 7.
** Each customer buys at a rate lambda ~ Gamma(r, alpha) per week and, after
** each repeat purchase, leaves with probability p ~ Beta(a, b); purchase
** times are rounded down to whole days, as real data is, and x counts the
** distinct days after the first one, t_x the weeks from the first to the
** last.  Each purchase is worth Gamma(p, nu) with nu ~ Gamma(q, v) per
** customer; avg_value is the mean of the repeat purchases, rounded to the
** cent.  The parameters are those Fader, Hardie and Lee estimated on CDNOW:
** r = 0.243, alpha = 4.414, a = 0.793, b = 2.426; p = 6.25, q = 3.74,
** v = 15.44.  The day rounding and the cent rounding are not in the models,
** so the estimates differ from these a little beyond sampling noise.
**
** USAGE (from the project root; the extension is ./dist/segment unless
** --ext names another path)
**
**   make dist/segment.so
**   cc -O2 -std=c99 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L \
**      -o build/bench/bench_models bench/bench_models.c -lsqlite3 -lm
**   build/bench/bench_models [--ext PATH] [N [RUNS]]
**
** Output: `key value` lines (bench/run's convention), e.g.
**   customers 1000000
**   histories 105727
**   bgnbd_fit_s 0.41 0.39 0.40          wall clock, each run
**   bgnbd_fit_cpu_s 0.38 0.37 0.38      CPU time, each run
**   bgnbd_fit_median_s 0.40
**   bgnbd_fit_cpu_median_s 0.38
**   bgnbd_fit {"r":0.247,...}           the result
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "../tests/rng.h"

#define DEFAULT_EXT "./dist/segment"
#define MAX_RUNS 99

static const double R = 0.243, ALPHA = 4.414, A = 0.793, B = 2.426;
static const double P = 6.25, Q = 3.74, V = 15.44;

static double clock_s(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }

/* CPU time of this process: what the machine's other work does not inflate. */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static void die(sqlite3 *db, const char *zWhat) {
  fprintf(stderr, "bench_models: %s: %s\n", zWhat, db ? sqlite3_errmsg(db) : "out of memory");
  sqlite3_close(db);
  exit(1);
}

static void exec_or_die(sqlite3 *db, const char *zSql) {
  if (sqlite3_exec(db, zSql, NULL, NULL, NULL) != SQLITE_OK) die(db, zSql);
}

/* Fill c with n customers (see the header). */
static void generate(sqlite3 *db, long n) {
  sqlite3_stmt *pIns;
  rng_state = 20050101;
  exec_or_die(db, "CREATE TABLE c(x INTEGER, t_x REAL, T REAL, avg_value REAL)");
  if (sqlite3_prepare_v2(db, "INSERT INTO c VALUES(?, ?, ?, ?)", -1, &pIns, NULL) != SQLITE_OK)
    die(db, "prepare INSERT");
  exec_or_die(db, "BEGIN");
  for (long i = 0; i < n; i++) {
    double lambda = rng_gamma(R) / ALPHA;
    double dropout = rng_beta(A, B);
    double nu = rng_gamma(Q) / V, total = 0, t = 0;
    long first_day = (long)rng_below(84), age = 273 - first_day, last_day = 0;
    int x = 0;
    for (;;) {
      long day;
      t += -log(rng_unit_open()) / lambda; /* weeks since the first purchase */
      if (t * 7 >= age + 1) break;        /* after the data ends */
      day = (long)floor(t * 7);
      if (day == last_day) continue; /* the same day: one purchase day */
      x++;
      last_day = day;
      total += rng_gamma(P) / nu;
      if (rng_unit() < dropout) break; /* leaves after this purchase */
    }
    sqlite3_bind_int(pIns, 1, x);
    sqlite3_bind_double(pIns, 2, last_day / 7.0);
    sqlite3_bind_double(pIns, 3, age / 7.0);
    if (x) sqlite3_bind_double(pIns, 4, round(total / x * 100) / 100);
    else sqlite3_bind_null(pIns, 4);
    if (sqlite3_step(pIns) != SQLITE_DONE) die(db, "INSERT");
    sqlite3_reset(pIns);
  }
  exec_or_die(db, "COMMIT");
  sqlite3_finalize(pIns);
}

/* Run a one-value query; its text into zOut (nOut bytes). */
static void query_text(sqlite3 *db, const char *zSql, char *zOut, size_t nOut) {
  sqlite3_stmt *pStmt;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, NULL) != SQLITE_OK) die(db, zSql);
  if (sqlite3_step(pStmt) != SQLITE_ROW) die(db, zSql);
  snprintf(zOut, nOut, "%s", (const char *)sqlite3_column_text(pStmt, 0));
  if (sqlite3_step(pStmt) != SQLITE_DONE) die(db, zSql);
  sqlite3_finalize(pStmt);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *a, int n) {
  qsort(a, (size_t)n, sizeof a[0], cmp_double);
  return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

/* Time zSql nRuns times (wall clock and CPU); print the times, their
** medians and the result. */
static void time_query(sqlite3 *db, const char *zKey, const char *zSql, int nRuns) {
  double aWall[MAX_RUNS], aCpu[MAX_RUNS];
  char zResult[512];
  for (int i = 0; i < nRuns; i++) {
    double t0 = now_s(), c0 = cpu_s();
    query_text(db, zSql, zResult, sizeof zResult);
    aWall[i] = now_s() - t0;
    aCpu[i] = cpu_s() - c0;
  }
  printf("%s_s", zKey);
  for (int i = 0; i < nRuns; i++) printf(" %.3f", aWall[i]);
  printf("\n%s_cpu_s", zKey);
  for (int i = 0; i < nRuns; i++) printf(" %.3f", aCpu[i]);
  printf("\n%s_median_s %.3f\n", zKey, median(aWall, nRuns));
  printf("%s_cpu_median_s %.3f\n%s %s\n", zKey, median(aCpu, nRuns), zKey, zResult);
}

int main(int argc, char **argv) {
  const char *zExt = DEFAULT_EXT;
  long n = 1000000;
  int nRuns = 3, iArg = 1;
  sqlite3 *db = NULL;
  char *zErr = NULL, zText[64];
  double t0;
  if (argc > 2 && strcmp(argv[1], "--ext") == 0) {
    zExt = argv[2];
    iArg = 3;
  }
  if (argc > iArg) n = atol(argv[iArg]);
  if (argc > iArg + 1) nRuns = atoi(argv[iArg + 1]);
  if (n < 2 || nRuns < 1 || nRuns > MAX_RUNS || argc > iArg + 2) {
    fprintf(stderr, "usage: bench_models [--ext PATH] [N >= 2 [RUNS 1..%d]]\n", MAX_RUNS);
    return 2;
  }
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) die(db, ":memory:");
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int *)0);
  if (sqlite3_load_extension(db, zExt, NULL, &zErr) != SQLITE_OK) {
    fprintf(stderr, "bench_models: cannot load %s: %s\n", zExt, zErr ? zErr : "?");
    sqlite3_free(zErr);
    sqlite3_close(db);
    return 1;
  }

  t0 = now_s();
  generate(db, n);
  printf("customers %ld\ngenerate_s %.2f\n", n, now_s() - t0);
  query_text(db, "SELECT count(*) FROM (SELECT DISTINCT x, t_x, T FROM c)", zText, sizeof zText);
  printf("histories %s\n", zText);
  query_text(db, "SELECT count(*) FROM c WHERE x > 0", zText, sizeof zText);
  printf("repeat_buyers %s\n", zText);
  printf("bgnbd_drawn_from {\"r\":%g,\"alpha\":%g,\"a\":%g,\"b\":%g}\n", R, ALPHA, A, B);
  printf("gg_drawn_from {\"p\":%g,\"q\":%g,\"v\":%g}\n", P, Q, V);
  time_query(db, "bgnbd_fit", "SELECT bgnbd_fit(x, t_x, T) FROM c", nRuns);
  time_query(db, "gg_fit", "SELECT gg_fit(x, avg_value) FROM c", nRuns);
  sqlite3_close(db);
  return 0;
}
