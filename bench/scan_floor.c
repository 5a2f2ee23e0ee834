/*
** scan_floor.c — the floor for one thread reading a shop's orders from
** SQLite: the cost the `segments` table cannot go below.
**
** It steps `SELECT customer_id, created_at, total FROM orders` once and
** reads every value with sqlite3_column_* (the id as an integer, the date
** as text with its length, the total as a double unless NULL), folding
** them into a checksum so that no read can be skipped. It computes nothing
** else: no dates parsed, no grouping, no sort. The extension's cold query
** has to do this scan and more, so `bench/run` reports the extension's
** time as a multiple of this one (target at size L: at most 1.5x).
**
** USAGE
**
**   cc -O2 -std=c99 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L \
**      -o build/bench/scan_floor bench/scan_floor.c -lsqlite3
**   build/bench/scan_floor build/bench/shop-M.db
**
** prints, one `key value` pair a line (bench/run parses them):
**
**   floor_s 0.213456        seconds from prepare to the last row
**   rows 1000701            rows read
**   checksum 1234567        sum of ids and date lengths (to use the values)
**
** The shop is opened read-only; it is never changed. bench/run times the
** whole process as well (start, open, scan, exit) and compares process
** with process.
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  sqlite3 *db = NULL;
  sqlite3_stmt *pStmt = NULL;
  sqlite3_int64 nRow = 0, sumId = 0, sumLen = 0;
  double sumTotal = 0.0, t0, t1;
  int rc;

  if (argc != 2) {
    fprintf(stderr, "usage: %s SHOP.db\n", argv[0]);
    return 2;
  }
  rc = sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK) {
    fprintf(stderr, "scan_floor: cannot open %s: %s\n", argv[1],
            db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return 1;
  }

  t0 = now_s();
  rc = sqlite3_prepare_v2(db, "SELECT customer_id, created_at, total FROM orders",
                          -1, &pStmt, NULL);
  if (rc != SQLITE_OK) goto scan_error;
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    sumId += sqlite3_column_int64(pStmt, 0);
    if (sqlite3_column_text(pStmt, 1) != NULL) {
      sumLen += sqlite3_column_bytes(pStmt, 1);
    }
    if (sqlite3_column_type(pStmt, 2) != SQLITE_NULL) {
      sumTotal += sqlite3_column_double(pStmt, 2);
    }
    nRow++;
  }
  if (rc != SQLITE_DONE) goto scan_error;
  t1 = now_s();

  printf("floor_s %.6f\n", t1 - t0);
  printf("rows %lld\n", (long long)nRow);
  printf("checksum %lld %.2f\n", (long long)(sumId + sumLen), sumTotal);
  sqlite3_finalize(pStmt);
  sqlite3_close(db);
  return 0;

scan_error:
  fprintf(stderr, "scan_floor: %s: %s\n", argv[1], sqlite3_errmsg(db));
  sqlite3_finalize(pStmt);
  sqlite3_close(db);
  return 1;
}
