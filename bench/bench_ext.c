/*
** bench_ext.c — times the `segments` virtual table inside one process.
**
** bench/run drives it; each mode is one process doing one job, and prints
** `key value` lines (seconds, kilobytes, counts) that bench/run parses.
** Every SELECT steps all its rows and reads every column, so nothing is
** left unread.
**
** USAGE (from the project root; the extension is ./dist/segment unless
** --ext names another path)
**
**   build/bench/bench_ext [--ext PATH] inproc  SHOP [WARM [LOOKUPS]]
**   build/bench/bench_ext [--ext PATH] cold    SHOP
**   build/bench/bench_ext [--ext PATH] refresh COPY
**   build/bench/bench_ext               members COPY [SEGMENT]
**
**   inproc   opens SHOP read-only, loads the extension and creates
**              CREATE VIRTUAL TABLE temp.t USING segments(orders='orders',
**                customer='customer_id', ordered_at='created_at',
**                amount='total', as_of='2025-01-01')
**            then times, in this connection:
**              cold_s      the first  SELECT segment, count(*) FROM t GROUP BY 1
**              warm_s      the median of WARM (default 10) more of the same,
**                          each prepared, stepped and finalized, nothing
**                          changed in between
**              lookup_s    the median of LOOKUPS (default 1000) lookups
**                          SELECT * FROM t WHERE customer_id = ?, one
**                          prepared statement re-bound with ids spread
**                          (fixed PRNG) over min..max of t's ids
**            and prints rss_base_kb, the peak RSS (getrusage ru_maxrss)
**            after open + load + create, just before the first query, and
**            rss_peak_kb, the peak after the lookups; customers (rows of
**            t) and lookup_hits (lookups that found a customer).  Then, as
**            the warm count's peer:
**              native_warm_s  the median of WARM runs of the same GROUP BY
**                          over a TEMP table of t's segment names with an
**                          index on segment: SQLite's own speed for it
**   cold     the same open + load + create, then the first query only:
**            bench/run times this whole process as "(a) cold, new process".
**   refresh  COPY is a copy of a shop that the bench may write (never the
**            generated shop): drops and re-creates a non-temp table
**              CREATE VIRTUAL TABLE main.bench_rfm USING segments(...)
**            and times  INSERT INTO bench_rfm(bench_rfm) VALUES('refresh')
**            as the first statement (refresh_s: computes and stores).
**   members  without loading the extension, as a mailer would, reads one
**            segment (default 'Champions') from the stored members:
**              SELECT * FROM bench_rfm_members WHERE segment = ?
**            bench/run times this whole process as "(d)".
**
** Build:
**
**   cc -O2 -std=c99 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L \
**      -o build/bench/bench_ext bench/bench_ext.c -lsqlite3
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <sqlite3.h>

#define DEFAULT_EXT "./dist/segment"
#define SEGMENTS_ARGS                                                          \
  "USING segments(orders='orders', customer='customer_id',"                  \
  " ordered_at='created_at', amount='total', as_of='2025-01-01')"
#define COLD_SQL "SELECT segment, count(*) FROM t GROUP BY 1"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Peak resident set size of this process so far, in kilobytes (Linux). */
static long peak_rss_kb(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
  return ru.ru_maxrss;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of a[0..n-1] (sorts a); n > 0. */
static double median(double *a, int n) {
  qsort(a, (size_t)n, sizeof a[0], cmp_double);
  return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2.0;
}

static void die_db(sqlite3 *db, const char *zWhat) {
  fprintf(stderr, "bench_ext: %s: %s\n", zWhat, db ? sqlite3_errmsg(db) : "out of memory");
  sqlite3_close(db);
  exit(1);
}

static void exec_or_die(sqlite3 *db, const char *zSql) {
  char *zErr = NULL;
  if (sqlite3_exec(db, zSql, NULL, NULL, &zErr) != SQLITE_OK) {
    fprintf(stderr, "bench_ext: %s\n  error: %s\n", zSql, zErr ? zErr : "?");
    sqlite3_free(zErr);
    sqlite3_close(db);
    exit(1);
  }
}

/* Steps pStmt to the end, reading every column of every row with the
** getter of its type. Returns the number of rows; dies on an error. */
static long step_all(sqlite3 *db, sqlite3_stmt *pStmt) {
  static volatile double sink;
  long nRow = 0;
  int rc, iCol, nCol = sqlite3_column_count(pStmt);
  double acc = 0.0;
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    for (iCol = 0; iCol < nCol; iCol++) {
      switch (sqlite3_column_type(pStmt, iCol)) {
        case SQLITE_INTEGER: acc += (double)sqlite3_column_int64(pStmt, iCol); break;
        case SQLITE_FLOAT:   acc += sqlite3_column_double(pStmt, iCol); break;
        case SQLITE_TEXT:
          acc += (double)(sqlite3_column_text(pStmt, iCol) != NULL);
          acc += sqlite3_column_bytes(pStmt, iCol);
          break;
        default: break;
      }
    }
    nRow++;
  }
  if (rc != SQLITE_DONE) die_db(db, sqlite3_sql(pStmt));
  sink = acc;
  (void)sink;
  return nRow;
}

/* Prepares, steps to the end and finalizes zSql; returns its rows. */
static long run_query(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = NULL;
  long nRow;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, NULL) != SQLITE_OK) die_db(db, zSql);
  nRow = step_all(db, pStmt);
  sqlite3_finalize(pStmt);
  return nRow;
}

static sqlite3 *open_shop(const char *zPath, int flags, const char *zExt) {
  sqlite3 *db = NULL;
  char *zErr = NULL;
  if (sqlite3_open_v2(zPath, &db, flags, NULL) != SQLITE_OK) die_db(db, zPath);
  if (zExt == NULL) return db;
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int *)0);
  if (sqlite3_load_extension(db, zExt, NULL, &zErr) != SQLITE_OK) {
    fprintf(stderr, "bench_ext: cannot load %s: %s\n", zExt, zErr ? zErr : "?");
    sqlite3_free(zErr);
    sqlite3_close(db);
    exit(1);
  }
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
  return db;
}

/* xorshift64: a fixed sequence of lookup ids, the same in every run. */
static sqlite3_uint64 next_rand(sqlite3_uint64 *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static int mode_inproc(const char *zShop, const char *zExt, int nWarm, int nLookup) {
  sqlite3 *db = open_shop(zShop, SQLITE_OPEN_READONLY, zExt);
  sqlite3_stmt *pStmt = NULL;
  double *aTime, t0, tCold;
  long rssBase, nSegment, nCustomer, nHit = 0;
  sqlite3_int64 idMin, idMax;
  sqlite3_uint64 seed = 0x9E3779B97F4A7C15ULL;
  int i, n = nWarm > nLookup ? nWarm : nLookup;

  exec_or_die(db, "CREATE VIRTUAL TABLE temp.t " SEGMENTS_ARGS);
  aTime = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
  if (aTime == NULL) die_db(NULL, "timings");
  rssBase = peak_rss_kb();

  t0 = now_s();
  nSegment = run_query(db, COLD_SQL);
  tCold = now_s() - t0;

  for (i = 0; i < nWarm; i++) {
    t0 = now_s();
    run_query(db, COLD_SQL);
    aTime[i] = now_s() - t0;
  }
  printf("cold_s %.6f\n", tCold);
  printf("segments %ld\n", nSegment);
  if (nWarm > 0) printf("warm_s %.6f\n", median(aTime, nWarm));
  printf("warm_runs %d\n", nWarm);

  /* The id range, from the (warm) table itself. */
  if (sqlite3_prepare_v2(db, "SELECT count(*), min(customer_id), max(customer_id) FROM t",
                         -1, &pStmt, NULL) != SQLITE_OK ||
      sqlite3_step(pStmt) != SQLITE_ROW) {
    die_db(db, "the id range of t");
  }
  nCustomer = (long)sqlite3_column_int64(pStmt, 0);
  idMin = sqlite3_column_int64(pStmt, 1);
  idMax = sqlite3_column_int64(pStmt, 2);
  sqlite3_finalize(pStmt);
  if (sqlite3_prepare_v2(db, "SELECT * FROM t WHERE customer_id = ?", -1, &pStmt,
                         NULL) != SQLITE_OK) {
    die_db(db, "the lookup");
  }
  for (i = 0; i < nLookup; i++) {
    sqlite3_int64 id = idMin + (sqlite3_int64)(next_rand(&seed) %
                                               (sqlite3_uint64)(idMax - idMin + 1));
    t0 = now_s();
    sqlite3_bind_int64(pStmt, 1, id);
    nHit += step_all(db, pStmt);
    sqlite3_reset(pStmt);
    aTime[i] = now_s() - t0;
  }
  sqlite3_finalize(pStmt);
  if (nLookup > 0) printf("lookup_s %.9f\n", median(aTime, nLookup));
  printf("lookups %d\n", nLookup);
  printf("lookup_hits %ld\n", nHit);
  printf("customers %ld\n", nCustomer);
  printf("rss_base_kb %ld\n", rssBase);
  printf("rss_peak_kb %ld\n", peak_rss_kb());

  /* The warm count's peer, after the memory figures: SQLite's own GROUP
  ** BY over the same segment names in a native temp table with an index
  ** on segment (so no sorter runs, as none runs over t). */
  exec_or_die(db, "CREATE TEMP TABLE native AS SELECT segment FROM t ORDER BY segment;"
                  "CREATE INDEX temp.native_segment ON native(segment)");
  for (i = 0; i < nWarm; i++) {
    t0 = now_s();
    run_query(db, "SELECT segment, count(*) FROM native GROUP BY 1");
    aTime[i] = now_s() - t0;
  }
  if (nWarm > 0) printf("native_warm_s %.6f\n", median(aTime, nWarm));
  free(aTime);
  if (sqlite3_close(db) != SQLITE_OK) die_db(db, "close");
  return 0;
}

static int mode_cold(const char *zShop, const char *zExt) {
  sqlite3 *db = open_shop(zShop, SQLITE_OPEN_READONLY, zExt);
  double t0;
  long nRow;
  exec_or_die(db, "CREATE VIRTUAL TABLE temp.t " SEGMENTS_ARGS);
  t0 = now_s();
  nRow = run_query(db, COLD_SQL);
  printf("cold_s %.6f\n", now_s() - t0);
  printf("segments %ld\n", nRow);
  printf("rss_peak_kb %ld\n", peak_rss_kb());
  if (sqlite3_close(db) != SQLITE_OK) die_db(db, "close");
  return 0;
}

static int mode_refresh(const char *zCopy, const char *zExt) {
  sqlite3 *db = open_shop(zCopy, SQLITE_OPEN_READWRITE, zExt);
  double t0;
  exec_or_die(db, "DROP TABLE IF EXISTS main.bench_rfm");
  exec_or_die(db, "CREATE VIRTUAL TABLE main.bench_rfm " SEGMENTS_ARGS);
  t0 = now_s();
  exec_or_die(db, "INSERT INTO bench_rfm(bench_rfm) VALUES('refresh')");
  printf("refresh_s %.6f\n", now_s() - t0);
  printf("members %ld\n", run_query(db, "SELECT 1 FROM bench_rfm_members"));
  printf("rss_peak_kb %ld\n", peak_rss_kb());
  if (sqlite3_close(db) != SQLITE_OK) die_db(db, "close");
  return 0;
}

static int mode_members(const char *zCopy, const char *zSegment) {
  sqlite3 *db = open_shop(zCopy, SQLITE_OPEN_READONLY, NULL);
  sqlite3_stmt *pStmt = NULL;
  double t0 = now_s();
  long nRow;
  if (sqlite3_prepare_v2(db, "SELECT * FROM bench_rfm_members WHERE segment = ?", -1,
                         &pStmt, NULL) != SQLITE_OK) {
    die_db(db, "the members (run the refresh mode first)");
  }
  sqlite3_bind_text(pStmt, 1, zSegment, -1, SQLITE_STATIC);
  nRow = step_all(db, pStmt);
  sqlite3_finalize(pStmt);
  printf("members_s %.6f\n", now_s() - t0);
  printf("rows %ld\n", nRow);
  if (sqlite3_close(db) != SQLITE_OK) die_db(db, "close");
  return 0;
}

static int usage(const char *zArgv0) {
  fprintf(stderr,
          "usage: %s [--ext PATH] inproc SHOP [WARM [LOOKUPS]]\n"
          "       %s [--ext PATH] cold SHOP\n"
          "       %s [--ext PATH] refresh COPY\n"
          "       %s members COPY [SEGMENT]\n",
          zArgv0, zArgv0, zArgv0, zArgv0);
  return 2;
}

int main(int argc, char **argv) {
  const char *zExt = DEFAULT_EXT, *zMode, *zFile;
  int i = 1;
  if (argc > 2 && strcmp(argv[1], "--ext") == 0) {
    zExt = argv[2];
    i = 3;
  }
  if (argc - i < 2) return usage(argv[0]);
  zMode = argv[i];
  zFile = argv[i + 1];
  if (strcmp(zMode, "inproc") == 0 && argc - i <= 4) {
    int nWarm = argc - i > 2 ? atoi(argv[i + 2]) : 10;
    int nLookup = argc - i > 3 ? atoi(argv[i + 3]) : 1000;
    if (nWarm < 0 || nLookup < 0) return usage(argv[0]);
    return mode_inproc(zFile, zExt, nWarm, nLookup);
  }
  if (strcmp(zMode, "cold") == 0 && argc - i == 2) return mode_cold(zFile, zExt);
  if (strcmp(zMode, "refresh") == 0 && argc - i == 2) return mode_refresh(zFile, zExt);
  if (strcmp(zMode, "members") == 0 && argc - i <= 3) {
    return mode_members(zFile, argc - i > 2 ? argv[i + 2] : "Champions");
  }
  return usage(argv[0]);
}
