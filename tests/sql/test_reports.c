/*
** test_reports.c — the report scripts of sql/reports (segment_report.sql,
** migration.sql, rfm_grid.sql, html_report.sql), run as the sqlite3 shell
** runs them, checked against figures computed without them.
**
** On the demo shop (generated afresh by build/gen_shop into a temporary
** file, as examples/report_setup.sql points the scripts at it) every
** figure is compared with plain SQL over the orders table: each customer's
** recency, frequency, monetary, scores and rfm11 segment come from
** reference.h (no function or table of the extension), and the segment
** figures, medians, matrix, grid and HTML data attributes are aggregated
** from those.  A small hand-made shop checks, with figures worked by hand,
** another segments table (a map table, no customers=), the '(none)' row
** and column of the migration, the @from/@to parameters, an even median
** and the HTML escaping of segment names.
*/
#include "sqltest.h"

#include <unistd.h>

#include "reference.h"

static char zShop[] = "/tmp/segment-reports-XXXXXX";

/* ---------------------------------------------------------------------
** Running a script as the sqlite3 shell does.
*/

/* The SQL of a script: what the shell runs, without its dot-commands
** (.load: the connection has the extension already; .headers, .mode:
** rows are collected here).  As in the shell, a line starting with '.' is
** a dot-command only between statements, and blank or comment-only lines
** between statements are skipped. */
static char *script_sql(const char *zPath) {
  FILE *f = fopen(zPath, "r");
  char zLine[4096];
  sqlite3_str *pOut = sqlite3_str_new(0);
  sqlite3_str *pPending = sqlite3_str_new(0);
  if (f == NULL) {
    print_error("cannot open %s\n", zPath);
    fail();
  }
  while (fgets(zLine, sizeof zLine, f)) {
    if (sqlite3_str_length(pPending) == 0) {
      const char *z = zLine;
      while (*z == ' ' || *z == '\t' || *z == '\r' || *z == '\n') z++;
      if (*z == 0 || (z[0] == '-' && z[1] == '-') || zLine[0] == '.') continue;
    }
    sqlite3_str_appendall(pPending, zLine);
    if (sqlite3_complete(sqlite3_str_value(pPending))) {
      sqlite3_str_appendall(pOut, sqlite3_str_value(pPending));
      sqlite3_str_reset(pPending);
    }
  }
  fclose(f);
  assert_int_equal(sqlite3_str_length(pPending), 0); /* no unfinished statement */
  sqlite3_free(sqlite3_str_finish(pPending));
  return sqlite3_str_finish(pOut);
}

/* Append the rows of a prepared statement to pOut as the shell's list
** mode prints them: columns joined by '|', NULL as nothing, one line per
** row.  Returns the last sqlite3_step() code. */
static int append_rows(sqlite3_stmt *pStmt, sqlite3_str *pOut) {
  int rc;
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    int iCol;
    for (iCol = 0; iCol < sqlite3_column_count(pStmt); iCol++) {
      const char *z = (const char *)sqlite3_column_text(pStmt, iCol);
      if (iCol > 0) sqlite3_str_appendchar(pOut, 1, '|');
      sqlite3_str_appendall(pOut, z ? z : "");
    }
    sqlite3_str_appendchar(pOut, 1, '\n');
  }
  return rc;
}

/* Run the script zPath with the parameters @from and @to set to zFrom and
** zTo (NULL: unset, as when the shell was given no .parameter).  Returns
** SQLITE_OK and the rows of all its statements in *pzOut, or the error
** code and its message in *pzOut; free it with sqlite3_free(). */
static int run_script(sqlite3 *db, const char *zPath, const char *zFrom,
                      const char *zTo, char **pzOut) {
  char *zSql = script_sql(zPath);
  const char *zTail = zSql;
  sqlite3_str *pOut = sqlite3_str_new(0);
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK && zTail && *zTail) {
    sqlite3_stmt *pStmt = NULL;
    rc = sqlite3_prepare_v2(db, zTail, -1, &pStmt, &zTail);
    if (rc != SQLITE_OK || pStmt == NULL) break;
    if (zFrom) {
      int i = sqlite3_bind_parameter_index(pStmt, "@from");
      if (i) sqlite3_bind_text(pStmt, i, zFrom, -1, SQLITE_TRANSIENT);
    }
    if (zTo) {
      int i = sqlite3_bind_parameter_index(pStmt, "@to");
      if (i) sqlite3_bind_text(pStmt, i, zTo, -1, SQLITE_TRANSIENT);
    }
    rc = append_rows(pStmt, pOut);
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
    sqlite3_finalize(pStmt);
  }
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) {
    sqlite3_str_reset(pOut);
    sqlite3_str_appendall(pOut, sqlite3_errmsg(db));
  }
  *pzOut = sqlite3_str_finish(pOut);
  return rc;
}

/* The output of a script that must succeed. */
static char *script_output(sqlite3 *db, const char *zPath, const char *zFrom,
                           const char *zTo) {
  char *zOut = NULL;
  if (run_script(db, zPath, zFrom, zTo, &zOut) != SQLITE_OK) {
    print_error("%s failed: %s\n", zPath, zOut);
    sqlite3_free(zOut);
    fail();
  }
  return zOut;
}

/* The rows of a reference query, formatted as append_rows() does. */
static char *query_rows(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = NULL;
  sqlite3_str *pOut = sqlite3_str_new(0);
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK) {
    print_error("prepare failed: %s\n  error: %s\n", zSql, sqlite3_errmsg(db));
    fail();
  }
  assert_int_equal(append_rows(pStmt, pOut), SQLITE_DONE);
  sqlite3_finalize(pStmt);
  return sqlite3_str_finish(pOut);
}

#define assert_text_equal(zGot, zExpected)                                     \
  do {                                                                         \
    if (strcmp((zGot), (zExpected)) != 0) {                                    \
      print_error("%s:%d: expected:\n%s\ngot:\n%s\n", __FILE__, __LINE__,      \
                  (zExpected), (zGot));                                        \
      fail();                                                                  \
    }                                                                          \
  } while (0)

/* A name as HTML text: & < > " ' as entities (written here, not taken
** from the script). */
static char *html_escape(const char *z) {
  sqlite3_str *pOut = sqlite3_str_new(0);
  for (; *z; z++) {
    switch (*z) {
      case '&': sqlite3_str_appendall(pOut, "&amp;"); break;
      case '<': sqlite3_str_appendall(pOut, "&lt;"); break;
      case '>': sqlite3_str_appendall(pOut, "&gt;"); break;
      case '"': sqlite3_str_appendall(pOut, "&quot;"); break;
      case '\'': sqlite3_str_appendall(pOut, "&#39;"); break;
      default: sqlite3_str_appendchar(pOut, 1, *z);
    }
  }
  return sqlite3_str_finish(pOut);
}

/* How many times zNeedle occurs in zHay. */
static int count_occurrences(const char *zHay, const char *zNeedle) {
  int n = 0;
  const char *z = zHay;
  while ((z = strstr(z, zNeedle)) != NULL) {
    n++;
    z += strlen(zNeedle);
  }
  return n;
}

/* Fails unless zHtml contains zNeedle exactly once. */
static void assert_once_in(const char *zHtml, const char *zNeedle) {
  int n = count_occurrences(zHtml, zNeedle);
  if (n != 1) {
    print_error("expected once in the HTML, found %d times: %s\n", n, zNeedle);
    fail();
  }
}

/* What migration.sql's output adds up to: its summary row (customers,
** unchanged, stability_pct) and the sums over its cells (all of them, and
** those with from_segment = to_segment). */
struct MigrationTotals {
  long summary_customers, summary_unchanged;
  double stability_pct;
  long cell_sum, diagonal_sum;
};

static struct MigrationTotals migration_totals(const char *zOut) {
  struct MigrationTotals t = {0, 0, 0.0, 0, 0};
  char *zCopy = strdup(zOut);
  char *zLine = strtok(zCopy, "\n");
  int first = 1;
  for (; zLine; zLine = strtok(NULL, "\n"), first = 0) {
    char *azField[7];
    int nField = 0;
    char *z = zLine;
    while (nField < 7) {
      azField[nField++] = z;
      z = strchr(z, '|');
      if (z == NULL) break;
      *z++ = 0;
    }
    if (first) { /* from_date|to_date|customers|unchanged|stability_pct|arrived|departed */
      assert_int_equal(nField, 7);
      t.summary_customers = atol(azField[2]);
      t.summary_unchanged = atol(azField[3]);
      t.stability_pct = atof(azField[4]);
    } else { /* from_segment|to_segment|customers|row_pct */
      assert_int_equal(nField, 4);
      t.cell_sum += atol(azField[2]);
      if (strcmp(azField[0], azField[1]) == 0) t.diagonal_sum += atol(azField[2]);
    }
  }
  free(zCopy);
  return t;
}

/* ---------------------------------------------------------------------
** The demo shop and its reference membership.
*/

/* Every demo-shop customer as of zAsOf, in plain SQL, into temp table
** zName: buyers with their reference.h features and rfm11 segment; the
** customers without a counted order on or before zAsOf as 'No orders'. */
static void create_reference_members(sqlite3 *db, const char *zName, const char *zAsOf) {
  char *zRef = reference_rfm_sql("counted", "customer_id", "created_at", "total", zAsOf, 5);
  char *zSql = sqlite3_mprintf(
      "CREATE TEMP TABLE \"%w\" AS"
      " SELECT customer_id, recency_days, frequency, monetary, r, f, m, "
      REFERENCE_RFM11_SQL " AS segment FROM (%s)"
      " UNION ALL SELECT customer_id, NULL, 0, 0.0, NULL, NULL, NULL, 'No orders' FROM customers"
      " WHERE customer_id NOT IN (SELECT customer_id FROM counted"
      "                           WHERE date(created_at) <= date(%Q))",
      zName, zRef, zAsOf);
  sqltest_exec(db, zSql);
  sqlite3_free(zSql);
  sqlite3_free(zRef);
}

static int setup_shop(void **state) {
  char *zOut = NULL;
  sqlite3 *db = sqltest_generate_shop(zShop, "--size demo");
  if (!db) return -1;
  *state = db;
  /* What the docs run first: the demo's segments table and the view. */
  if (run_script(db, "examples/report_setup.sql", NULL, NULL, &zOut) != SQLITE_OK) {
    print_error("examples/report_setup.sql: %s\n", zOut);
    sqlite3_free(zOut);
    return -1;
  }
  sqlite3_free(zOut);
  sqltest_exec(db,
      "CREATE TEMP VIEW counted AS SELECT * FROM orders WHERE status <> 'cancelled'");
  /* The dates the scripts default to: the table's as_of and six months
  ** before it. */
  create_reference_members(db, "ref_to", "2025-01-01");
  create_reference_members(db, "ref_from", "2024-07-01");
  return 0;
}

static int teardown_shop(void **state) {
  sqltest_close(*state);
  unlink(zShop);
  return 0;
}

/* The median recency of each segment of ref_to, worked out in C from the
** sorted values (the script uses row_number() in SQL), into temp table
** ref_medians(segment, median): the middle value, or the mean of the two
** middle values; NULL for a segment without a recency. */
static void create_reference_medians(sqlite3 *db) {
  sqlite3_stmt *pSegments = NULL, *pValues = NULL, *pInsert = NULL;
  sqltest_exec(db, "CREATE TEMP TABLE ref_medians(segment TEXT, median REAL)");
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT DISTINCT segment FROM ref_to", -1,
                                      &pSegments, 0), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db,
      "SELECT recency_days FROM ref_to WHERE segment = ? AND recency_days IS NOT NULL"
      " ORDER BY recency_days", -1, &pValues, 0), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO ref_medians VALUES(?, ?)", -1,
                                      &pInsert, 0), SQLITE_OK);
  while (sqlite3_step(pSegments) == SQLITE_ROW) {
    double aValue[3000];
    int n = 0;
    sqlite3_bind_value(pValues, 1, sqlite3_column_value(pSegments, 0));
    while (sqlite3_step(pValues) == SQLITE_ROW) {
      assert_true(n < 3000);
      aValue[n++] = sqlite3_column_double(pValues, 0);
    }
    sqlite3_reset(pValues);
    sqlite3_bind_value(pInsert, 1, sqlite3_column_value(pSegments, 0));
    if (n == 0) {
      sqlite3_bind_null(pInsert, 2);
    } else if (n % 2) {
      sqlite3_bind_double(pInsert, 2, aValue[n / 2]);
    } else {
      sqlite3_bind_double(pInsert, 2, (aValue[n / 2 - 1] + aValue[n / 2]) / 2);
    }
    assert_int_equal(sqlite3_step(pInsert), SQLITE_DONE);
    sqlite3_reset(pInsert);
  }
  sqlite3_finalize(pSegments);
  sqlite3_finalize(pValues);
  sqlite3_finalize(pInsert);
}

/* segment_report.sql on the demo shop: every figure of every segment
** equals the one aggregated from the reference membership. */
static void test_segment_report_equals_reference(void **state) {
  sqlite3 *db = *state;
  char *zGot = script_output(db, "sql/reports/segment_report.sql", NULL, NULL);
  char *zExpected;
  create_reference_medians(db);
  zExpected = query_rows(db,
      "SELECT '2025-01-01', segment, count(*),"
      " round(100.0 * count(*) / (SELECT count(*) FROM customers), 1),"
      " round(total(monetary), 2) AS revenue,"
      " round(100.0 * total(monetary) / (SELECT total(total) FROM counted"
      "                                  WHERE date(created_at) <= '2025-01-01'), 1),"
      " sum(frequency),"
      " round(total(monetary) / sum(frequency), 2),"
      " round(1.0 * sum(frequency) / count(*), 2),"
      " (SELECT median FROM ref_medians WHERE ref_medians.segment = ref_to.segment)"
      " FROM ref_to GROUP BY segment ORDER BY revenue DESC, segment");
  assert_text_equal(zGot, zExpected);
  /* The 11 segments of rfm11 and No orders; every customer in one. */
  assert_int_equal(count_occurrences(zGot, "\n"), 12);
  assert_sql_text(db, "SELECT count(*) FROM customers", "3000");
  sqlite3_free(zGot);
  sqlite3_free(zExpected);
}

/* The moves between ref_from and ref_to, one row per customer. */
#define REFERENCE_MOVES_SQL                                                    \
  "SELECT coalesce(a.segment, '(none)') AS from_segment,"                     \
  "       coalesce(b.segment, '(none)') AS to_segment"                        \
  " FROM ref_from AS a FULL JOIN ref_to AS b ON a.customer_id = b.customer_id"

/* migration.sql on the demo shop with its default dates (2024-07-01 to
** the table's 2025-01-01): the summary and every cell of the matrix equal
** those of the reference memberships; the counts sum to the customers and
** the stability is the diagonal's share. */
static void test_migration_equals_reference(void **state) {
  sqlite3 *db = *state;
  char *zGot = script_output(db, "sql/reports/migration.sql", NULL, NULL);
  char *zSummary = query_rows(db,
      "SELECT '2024-07-01', '2025-01-01', count(*), sum(from_segment = to_segment),"
      " round(100.0 * sum(from_segment = to_segment) / count(*), 1),"
      " sum(from_segment = '(none)'), sum(to_segment = '(none)')"
      " FROM (" REFERENCE_MOVES_SQL ")");
  char *zMatrix = query_rows(db,
      "WITH moves AS (" REFERENCE_MOVES_SQL "),"
      " cells AS (SELECT from_segment, to_segment, count(*) AS customers FROM moves GROUP BY 1, 2),"
      " rows AS (SELECT from_segment, count(*) AS n FROM moves GROUP BY 1)"
      "SELECT from_segment, to_segment, customers, round(100.0 * customers / n, 1)"
      " FROM cells JOIN rows USING (from_segment)"
      " ORDER BY (SELECT total(monetary) FROM ref_to WHERE segment = from_segment) DESC,"
      "          from_segment, customers DESC, to_segment");
  char *zExpected = sqlite3_mprintf("%s%s", zSummary, zMatrix);
  assert_text_equal(zGot, zExpected);
  /* The order above is the script's only while every segment of
  ** 2024-07-01 is still present on 2025-01-01 (it is, in the demo). */
  assert_sql_text(db,
      "SELECT count(*) FROM (SELECT segment FROM ref_from EXCEPT SELECT segment FROM ref_to)", "0");
  /* Read back from the script's own output: the cells sum to the
  ** customers (all 3000 of the shop), the diagonal to the unchanged, and
  ** the stability is the diagonal's share.  Movement is visible: about
  ** half of the customers changed segment. */
  {
    struct MigrationTotals t = migration_totals(zGot);
    assert_int_equal(t.summary_customers, 3000);
    assert_int_equal(t.cell_sum, 3000);
    assert_int_equal(t.diagonal_sum, t.summary_unchanged);
    assert_double_near(100.0 * t.diagonal_sum / t.cell_sum, t.stability_pct, 0.05);
    assert_true(t.stability_pct > 30.0 && t.stability_pct < 70.0);
  }
  sqlite3_free(zGot);
  sqlite3_free(zSummary);
  sqlite3_free(zMatrix);
  sqlite3_free(zExpected);
}

/* rfm_grid.sql on the demo shop: each cell's customers and revenue equal
** those of the reference customers with that R and FM (FM computed here as
** (f + m) / 2 rounded up by its remainder, the script uses (f + m + 1) / 2). */
static void test_rfm_grid_equals_reference(void **state) {
  sqlite3 *db = *state;
  char *zGot = script_output(db, "sql/reports/rfm_grid.sql", NULL, NULL);
  sqlite3_str *pSql = sqlite3_str_new(0);
  char *zSql;
  char *zExpected;
  int fm;
  sqlite3_str_appendall(pSql, "SELECT g.r");
  for (fm = 1; fm <= 5; fm++) {
    sqlite3_str_appendf(pSql,
        ", (SELECT count(*) || ' / ' || printf('%%,d', round(total(monetary))) FROM ref_to"
        "   WHERE r = g.r AND (f + m) / 2 + (f + m) %% 2 = %d)", fm);
  }
  sqlite3_str_appendall(pSql,
      " FROM (SELECT 5 AS r UNION ALL SELECT 4 UNION ALL SELECT 3 UNION ALL SELECT 2"
      "       UNION ALL SELECT 1) AS g");
  zSql = sqlite3_str_finish(pSql);
  zExpected = query_rows(db, zSql);
  assert_text_equal(zGot, zExpected);
  /* The 2812 buyers are all in the grid (a cell reads "customers / ..."). */
  {
    long nGrid = 0;
    const char *z = zGot;
    while ((z = strchr(z, '|')) != NULL) nGrid += atol(++z);
    assert_int_equal(nGrid, 2812);
  }
  sqlite3_free(zSql);
  sqlite3_free(zExpected);
  sqlite3_free(zGot);
}

/* html_report.sql on the demo shop: a whole document whose bars and
** heat-map cells carry the reference figures: customers and revenue per
** segment as of 2025-01-01, every cell of the 2024-07-01 -> 2025-01-01
** matrix (0 for the empty ones), and the stability in the summary line. */
static void test_html_report_carries_the_reference_figures(void **state) {
  sqlite3 *db = *state;
  char *zHtml = script_output(db, "sql/reports/html_report.sql", NULL, NULL);
  sqlite3_stmt *pStmt = NULL;
  size_t nHtml = strlen(zHtml);
  int nFrom, nTo;
  char *zLine;
  assert_int_equal(strncmp(zHtml, "<!DOCTYPE html>\n<html lang=\"en\">", 31), 0);
  assert_true(nHtml > 8 && strcmp(zHtml + nHtml - 8, "</html>\n") == 0);
  /* The bars: one per segment in each chart. */
  assert_int_equal(sqlite3_prepare_v2(db,
      "SELECT segment, count(*), printf('%.2f', total(monetary)) FROM ref_to GROUP BY segment",
      -1, &pStmt, 0), SQLITE_OK);
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    char *zName = html_escape((const char *)sqlite3_column_text(pStmt, 0));
    zLine = sqlite3_mprintf("data-segment=\"%s\" data-value=\"%d\"", zName,
                            sqlite3_column_int(pStmt, 1));
    assert_once_in(zHtml, zLine);
    sqlite3_free(zLine);
    zLine = sqlite3_mprintf("data-segment=\"%s\" data-value=\"%s\"", zName,
                            (const char *)sqlite3_column_text(pStmt, 2));
    assert_once_in(zHtml, zLine);
    sqlite3_free(zLine);
    sqlite3_free(zName);
  }
  sqlite3_finalize(pStmt);
  assert_int_equal(count_occurrences(zHtml, "<rect class=\"bar\""), 2 * 12);
  /* The heat map: every (from, to) pair of segments, with its count. */
  assert_int_equal(sqlite3_prepare_v2(db,
      "WITH moves AS (" REFERENCE_MOVES_SQL ")"
      " SELECT f.s, t.s, (SELECT count(*) FROM moves WHERE from_segment = f.s AND to_segment = t.s)"
      " FROM (SELECT DISTINCT from_segment AS s FROM moves) AS f,"
      "      (SELECT DISTINCT to_segment AS s FROM moves) AS t",
      -1, &pStmt, 0), SQLITE_OK);
  while (sqlite3_step(pStmt) == SQLITE_ROW) {
    char *zFrom = html_escape((const char *)sqlite3_column_text(pStmt, 0));
    char *zTo = html_escape((const char *)sqlite3_column_text(pStmt, 1));
    zLine = sqlite3_mprintf("data-from=\"%s\" data-to=\"%s\" data-count=\"%d\"", zFrom,
                            zTo, sqlite3_column_int(pStmt, 2));
    assert_once_in(zHtml, zLine);
    sqlite3_free(zLine);
    sqlite3_free(zFrom);
    sqlite3_free(zTo);
  }
  sqlite3_finalize(pStmt);
  nFrom = (int)sqltest_int(db, "SELECT count(DISTINCT segment) FROM ref_from");
  nTo = (int)sqltest_int(db, "SELECT count(DISTINCT segment) FROM ref_to");
  assert_int_equal(count_occurrences(zHtml, " data-count=\""), nFrom * nTo);
  /* The summary line. */
  zLine = sqltest_text(db,
      "SELECT printf('3,000 customers, revenue %,d. Migration from 2024-07-01 to 2025-01-01:"
      " %.1f%% of the customers stayed in their segment.', round(sum(monetary)),"
      " 100.0 * (SELECT count(*) FROM ref_from JOIN ref_to USING (customer_id)"
      "          WHERE ref_from.segment = ref_to.segment) / count(*)) FROM ref_to");
  assert_once_in(zHtml, zLine);
  free(zLine);
  sqlite3_free(zHtml);
}

/* ---------------------------------------------------------------------
** A shop small enough to work by hand (as of 2025-01-01):
**
**   customer  orders (day amount)                            recency f  m      R
**   1         2024-12-01 20, 2024-12-31 10                   1       2  30     5
**   2         2024-12-29 5                                   3       1  5      4
**   3         2024-05-01 NULL, 06-01 -40 (refund), 12-22 100 10      3  60     3
**   4         2024-12-12 7.5                                 20      1  7.5    2
**   5         2023-01-01 1                                   731     1  1      1
**   6         (none: only in people)
**
** Five buyers, five bins: each distinct recency is one R.  The map table
** two_map names codes with R >= 2 'Recent' and the others 'Old'.
*/
static int setup_hand_shop(void **state) {
  sqlite3 *db = sqltest_open();
  sqltest_exec(db,
      "CREATE TABLE sales(who, day, amount);"
      "INSERT INTO sales VALUES (1, '2024-12-31', 10.0), (1, '2024-12-01', 20.0),"
      " (2, '2024-12-29', 5.0), (3, '2024-12-22', 100.0), (3, '2024-06-01', -40.0),"
      " (3, '2024-05-01', NULL), (4, '2024-12-12', 7.5), (5, '2023-01-01', 1.0);"
      "CREATE TABLE people(who INTEGER PRIMARY KEY);"
      "INSERT INTO people VALUES (1), (2), (3), (4), (5), (6);"
      "CREATE TABLE two_map AS SELECT code,"
      " CASE WHEN code >= 200 THEN 'Recent' ELSE 'Old' END AS segment FROM segment_map('rfm11');"
      "CREATE VIRTUAL TABLE temp.hand_all USING segments(orders = 'sales', customer = 'who',"
      " ordered_at = 'day', amount = 'amount', customers = 'people', as_of = '2025-01-01',"
      " map = 'two_map');"
      "CREATE VIRTUAL TABLE temp.hand_buyers USING segments(orders = 'sales', customer = 'who',"
      " ordered_at = 'day', amount = 'amount', as_of = '2025-01-01', map = 'two_map');");
  *state = db;
  return 0;
}

static int teardown_hand_shop(void **state) {
  sqltest_close(*state);
  return 0;
}

/* The segment report of hand_all, worked by hand: Recent holds customers
** 1-4 (revenue 30 + 5 + 60 + 7.5 = 102.5 over 2 + 1 + 3 + 1 = 7 orders:
** the refund and the order without an amount count; median of recency
** 1, 3, 10, 20 = 6.5), Old customer 5, No orders customer 6. */
static void test_segment_report_by_hand(void **state) {
  sqlite3 *db = *state;
  char *zGot;
  sqltest_exec(db, "CREATE TEMP VIEW report_segments AS SELECT *, as_of FROM hand_all");
  zGot = script_output(db, "sql/reports/segment_report.sql", NULL, NULL);
  assert_text_equal(zGot,
      "2025-01-01|Recent|4|66.7|102.5|99.0|7|14.64|1.75|6.5\n"
      "2025-01-01|Old|1|16.7|1.0|1.0|1|1.0|1.0|731.0\n"
      "2025-01-01|No orders|1|16.7|0.0|0.0|0||0.0|\n");
  sqlite3_free(zGot);
}

/* The migration of hand_buyers (no customers=, so customer 2, whose
** first order is on 2024-12-29, is in no row on 2024-12-15).  On
** 2024-12-15 the recencies of customers 4, 1, 3, 5 are 3, 14, 197, 714:
** four values, five bins, cut points 3, 14, 197, 714, so R = 5, 4, 3, 2:
** all Recent.  On 2025-01-01 customer 5 is Old (R 1).  Swapping the dates
** turns the arrival into a departure. */
static void test_migration_by_hand(void **state) {
  sqlite3 *db = *state;
  char *zGot;
  sqltest_exec(db, "CREATE TEMP VIEW report_segments AS SELECT *, as_of FROM hand_buyers");
  zGot = script_output(db, "sql/reports/migration.sql", "2024-12-15", NULL);
  assert_text_equal(zGot,
      "2024-12-15|2025-01-01|5|3|60.0|1|0\n"
      "Recent|Recent|3|75.0\n"
      "Recent|Old|1|25.0\n"
      "(none)|Recent|1|100.0\n");
  sqlite3_free(zGot);
  zGot = script_output(db, "sql/reports/migration.sql", "2025-01-01", "2024-12-15");
  assert_text_equal(zGot,
      "2025-01-01|2024-12-15|5|3|60.0|0|1\n"
      "Recent|Recent|3|75.0\n"
      "Recent|(none)|1|25.0\n"
      "Old|Recent|1|100.0\n");
  sqlite3_free(zGot);
  /* A date the table cannot read is its error, word for word. */
  assert_int_equal(run_script(db, "sql/reports/migration.sql", "June 2024", NULL, &zGot),
                   SQLITE_ERROR);
  assert_text_equal(zGot, "segments: as_of must be a date like '2024-06-30', got 'June 2024'");
  sqlite3_free(zGot);
}

/* The RFM grid of hand_all.  F cut points 1, 1, 1, 2 give f = 4, 1, 5, 1, 1;
** M cut points 1, 5, 7.5, 30 give m = 4, 2, 5, 3, 1; so FM = ceil((f+m)/2)
** = 4, 2, 5, 2, 1 for customers 1-5 (R 5-1).  Customer 6 has no scores. */
static void test_rfm_grid_by_hand(void **state) {
  sqlite3 *db = *state;
  char *zGot;
  sqltest_exec(db, "CREATE TEMP VIEW report_segments AS SELECT *, as_of FROM hand_all");
  zGot = script_output(db, "sql/reports/rfm_grid.sql", NULL, NULL);
  assert_text_equal(zGot,
      "5|0 / 0|0 / 0|0 / 0|1 / 30|0 / 0\n"
      "4|0 / 0|1 / 5|0 / 0|0 / 0|0 / 0\n"
      "3|0 / 0|0 / 0|0 / 0|0 / 0|1 / 60\n"
      "2|0 / 0|1 / 8|0 / 0|0 / 0|0 / 0\n"
      "1|1 / 1|0 / 0|0 / 0|0 / 0|0 / 0\n");
  sqlite3_free(zGot);
}

/* A map table may name a segment anything: the HTML report escapes it
** everywhere (labels, titles, data attributes, heat-map headers).  The
** figures are those of test_migration_by_hand. */
static void test_html_report_escapes_names(void **state) {
  sqlite3 *db = *state;
  const char *zEscaped = "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;";
  char *zHtml;
  char *zNeedle;
  sqltest_exec(db,
      "UPDATE two_map SET segment = '<b>\"Tom\" & ''Jerry''</b>' WHERE segment = 'Recent';"
      "CREATE TEMP VIEW report_segments AS SELECT *, as_of FROM hand_buyers");
  zHtml = script_output(db, "sql/reports/html_report.sql", "2024-12-15", NULL);
  assert_null(strstr(zHtml, "<b>"));
  assert_null(strstr(zHtml, "Tom\""));
  zNeedle = sqlite3_mprintf("data-segment=\"%s\" data-value=\"4\"", zEscaped);
  assert_once_in(zHtml, zNeedle);
  sqlite3_free(zNeedle);
  zNeedle = sqlite3_mprintf("data-segment=\"%s\" data-value=\"102.50\"", zEscaped);
  assert_once_in(zHtml, zNeedle);
  sqlite3_free(zNeedle);
  assert_once_in(zHtml, "data-segment=\"Old\" data-value=\"1\"");
  assert_once_in(zHtml, "data-segment=\"Old\" data-value=\"1.00\"");
  zNeedle = sqlite3_mprintf("data-from=\"%s\" data-to=\"%s\" data-count=\"3\"", zEscaped, zEscaped);
  assert_once_in(zHtml, zNeedle);
  sqlite3_free(zNeedle);
  zNeedle = sqlite3_mprintf("data-from=\"%s\" data-to=\"Old\" data-count=\"1\"", zEscaped);
  assert_once_in(zHtml, zNeedle);
  sqlite3_free(zNeedle);
  zNeedle = sqlite3_mprintf("data-from=\"(none)\" data-to=\"%s\" data-count=\"1\"", zEscaped);
  assert_once_in(zHtml, zNeedle);
  sqlite3_free(zNeedle);
  assert_once_in(zHtml, "data-from=\"(none)\" data-to=\"Old\" data-count=\"0\"");
  assert_int_equal(count_occurrences(zHtml, " data-count=\""), 4);
  /* Label, rect title and heat-map headers carry the name too. */
  zNeedle = sqlite3_mprintf("<th>%s</th>", zEscaped);
  assert_int_equal(count_occurrences(zHtml, zNeedle), 2);
  sqlite3_free(zNeedle);
  sqlite3_free(zHtml);
}

/* Without the view report_segments a script stops at once, saying so. */
static void test_scripts_need_report_segments(void **state) {
  sqlite3 *db = *state;
  const char *azScript[] = {"sql/reports/segment_report.sql", "sql/reports/migration.sql",
                            "sql/reports/rfm_grid.sql", "sql/reports/html_report.sql"};
  size_t i;
  for (i = 0; i < sizeof azScript / sizeof azScript[0]; i++) {
    char *zOut = NULL;
    assert_int_equal(run_script(db, azScript[i], NULL, NULL, &zOut), SQLITE_ERROR);
    assert_text_equal(zOut, "no such table: report_segments");
    sqlite3_free(zOut);
  }
}

int main(void) {
  /* The demo shop is the group's (generated once); the hand-made shop is
  ** set up afresh for each test that uses it. */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_segment_report_equals_reference),
      cmocka_unit_test(test_migration_equals_reference),
      cmocka_unit_test(test_rfm_grid_equals_reference),
      cmocka_unit_test(test_html_report_carries_the_reference_figures),
      cmocka_unit_test_setup_teardown(test_segment_report_by_hand, setup_hand_shop,
                                      teardown_hand_shop),
      cmocka_unit_test_setup_teardown(test_migration_by_hand, setup_hand_shop,
                                      teardown_hand_shop),
      cmocka_unit_test_setup_teardown(test_rfm_grid_by_hand, setup_hand_shop,
                                      teardown_hand_shop),
      cmocka_unit_test_setup_teardown(test_html_report_escapes_names, setup_hand_shop,
                                      teardown_hand_shop),
      cmocka_unit_test_setup_teardown(test_scripts_need_report_segments, setup_hand_shop,
                                      teardown_hand_shop),
  };
  return cmocka_run_group_tests_name("reports", tests, setup_shop, teardown_shop);
}
