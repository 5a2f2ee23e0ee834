/*
** test_bad_input.c — what the segments table does with bad input: one
** test per row of the table in docs/bad-input.md (B1, B2, ...), each
** named in the test's comment.  A row's answer is a clear error, quoted
** word for word, or a documented result, worked out by hand from
** docs/segments.md and docs/scoring.md in the comments.
**
** Where the extension's answer is wrong (a silent wrong answer, an
** unhelpful message), the test asserts the right answer and fails until
** the extension is fixed; docs/bad-input.md marks those rows BUG.
*/
#include "sqltest.h"

#include <unistd.h>

#define SHOP_OPTIONS                                                          \
  "orders='orders', customer='customer_id', ordered_at='created_at', "       \
  "amount='total'"

#define NOT_A_DATE "is not a date (ISO-8601, unix seconds or julian day; bad_dates='skip' skips such rows)"

static int setup(void **state) {
  *state = sqltest_open();
  return 0;
}

static int teardown(void **state) {
  sqltest_close(*state);
  return 0;
}

/* orders(customer_id, created_at, total) with three customers:
**   1: 2024-12-31, 10     2: 2024-12-01, 30     3: 2024-10-17, 40
** and customers(customer_id) listing them and 9, who never ordered. */
static void make_small_shop(sqlite3 *db) {
  sqltest_exec(db,
      "CREATE TABLE orders(order_id INTEGER PRIMARY KEY, customer_id, created_at, total);"
      "INSERT INTO orders(customer_id, created_at, total) VALUES"
      " (1, '2024-12-31', 10), (2, '2024-12-01', 30), (3, '2024-10-17', 40);"
      "CREATE TABLE customers(customer_id);"
      "INSERT INTO customers VALUES (1), (2), (3), (9);");
}

/* The names in sqlite_schema, sorted. */
static const char *const zSchemaNames =
    "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema ORDER BY name)";

/* ---- missing tables and columns ------------------------------------------------ */

/* B1: a table that does not exist, named in orders=, customers= or map=.
** CREATE fails naming the table and the option; nothing is left behind.
** Names are identifiers, never qualified: 'main.orders' is a table of
** that name. */
static void test_b1_missing_table(void **state) {
  sqlite3 *db = *state;
  make_small_shop(db);
  assert_sql_error(db,
      "CREATE VIRTUAL TABLE t USING segments(orders='orderz', customer='customer_id',"
      " ordered_at='created_at', amount='total')",
      "segments: no table or view \"orderz\" (orders=)");
  assert_sql_error(db,
      "CREATE VIRTUAL TABLE t USING segments(orders='main.orders', customer='customer_id',"
      " ordered_at='created_at', amount='total')",
      "segments: no table or view \"main.orders\" (orders=)");
  assert_sql_error(db,
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", customers='clients')",
      "segments: no table or view \"clients\" (customers=)");
  assert_sql_error(db,
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", map='my_map')",
      "segments: unknown map 'my_map' (expected rfm11, rfm5, rf10, email3, a table with columns code and segment, "
       "or a rule map with columns segment, rule and priority)");
  assert_sql_text(db, zSchemaNames, "customers orders");
}

/* B2: a column that does not exist.  CREATE fails naming the column, the
** table and the option. */
static void test_b2_missing_column(void **state) {
  sqlite3 *db = *state;
  static const struct {
    const char *zArgs, *zError;
  } cases[] = {
      {"orders='orders', customer='cust', ordered_at='created_at', amount='total'",
       "segments: no column \"cust\" in table \"orders\" (customer=)"},
      {"orders='orders', customer='customer_id', ordered_at='at', amount='total'",
       "segments: no column \"at\" in table \"orders\" (ordered_at=)"},
      {"orders='orders', customer='customer_id', ordered_at='created_at', amount='amount'",
       "segments: no column \"amount\" in table \"orders\" (amount=)"},
      {SHOP_OPTIONS ", customers='customers', customers_id='id'",
       "segments: no column \"id\" in table \"customers\" (customers_id=)"},
      {"orders='orders', customer='order_id', ordered_at='created_at', amount='total',"
       " customers='customers'",
       "segments: no column \"order_id\" in table \"customers\" (customers=)"},
      {SHOP_OPTIONS ", filter='status = ''paid'''",
       "segments: filter 'status = 'paid'': no such column: status"},
  };
  make_small_shop(db);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE t USING segments(%s)", cases[i].zArgs);
    assert_sql_error(db, zSql, cases[i].zError);
    sqlite3_free(zSql);
  }
  assert_sql_text(db, zSchemaNames, "customers orders");
}

/* B3: a table dropped after CREATE.  A SELECT fails with the error CREATE
** would give; the table works again once it is back. */
static void test_b3_table_dropped_after_create(void **state) {
  sqlite3 *db = *state;
  make_small_shop(db);
  sqltest_exec(db,
      "CREATE TABLE m AS SELECT code, segment FROM segment_map('rfm11');"
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", customers='customers',"
      " map='m', as_of='2025-01-01');"
      "ALTER TABLE orders RENAME TO orders_kept;");
  assert_sql_error(db, "SELECT * FROM t",
                   "segments: no table or view \"orders\" (orders=)");
  sqltest_exec(db, "ALTER TABLE orders_kept RENAME TO orders;"
                   "ALTER TABLE customers RENAME TO customers_kept;");
  assert_sql_error(db, "SELECT * FROM t",
                   "segments: no table or view \"customers\" (customers=)");
  sqltest_exec(db, "ALTER TABLE customers_kept RENAME TO customers;"
                   "ALTER TABLE m RENAME TO m_kept;");
  assert_sql_error(db, "SELECT * FROM t",
      "segments: unknown map 'm' (expected rfm11, rfm5, rf10, email3, a table with columns code and segment, "
       "or a rule map with columns segment, rule and priority)");
  sqltest_exec(db, "ALTER TABLE m_kept RENAME TO m");
  assert_sql_text(db, "SELECT count(*) FROM t", "4");
}

/* B4: a column renamed or dropped after CREATE: the error CREATE gives for
** a missing column.  (Names are read as src."customer_id": a bare
** "customer_id" that is no column would be read by SQLite as a string,
** and every order would belong to the customer 'customer_id'.) */
static void test_b4_column_renamed_after_create(void **state) {
  sqlite3 *db = *state;
  make_small_shop(db);
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", as_of='2025-01-01');"
      "CREATE VIRTUAL TABLE tc USING segments(" SHOP_OPTIONS ", as_of='2025-01-01',"
      " customers='customers');");
  assert_sql_text(db, "SELECT count(*) FROM t", "3");

  sqltest_exec(db, "ALTER TABLE orders RENAME COLUMN customer_id TO cust");
  assert_sql_error(db, "SELECT count(*) FROM t",
                   "segments: no column \"customer_id\" in table \"orders\" (customer=)");
  sqltest_exec(db, "ALTER TABLE orders RENAME COLUMN cust TO customer_id;"
                   "ALTER TABLE orders RENAME COLUMN total TO amount;");
  assert_sql_error(db, "SELECT count(*) FROM t",
                   "segments: no column \"total\" in table \"orders\" (amount=)");
  sqltest_exec(db, "ALTER TABLE orders RENAME COLUMN amount TO total;"
                   "ALTER TABLE orders DROP COLUMN created_at;");
  assert_sql_error(db, "SELECT count(*) FROM t",
                   "segments: no column \"created_at\" in table \"orders\" (ordered_at=)");
  sqltest_exec(db, "ALTER TABLE orders ADD COLUMN created_at;"
                   "UPDATE orders SET created_at = '2024-12-01';"
                   "ALTER TABLE customers RENAME COLUMN customer_id TO id;");
  assert_sql_error(db, "SELECT count(*) FROM tc",
                   "segments: no column \"customer_id\" in table \"customers\" (customers=)");
}

/* ---- injection ---------------------------------------------------------------------- */

/* B5: an injection attempt in every option.  Each is refused by the check
** of its own option; no SQL in a value ever runs. */
static void test_b5_injection_in_every_option(void **state) {
  sqlite3 *db = *state;
  static const struct {
    const char *zArgs, *zError;
  } cases[] = {
      {"orders='orders\"; DROP TABLE orders; --', customer='customer_id',"
       " ordered_at='created_at', amount='total'",
       "segments: no table or view \"orders\"; DROP TABLE orders; --\" (orders=)"},
      {"orders='orders', customer='customer_id\" FROM orders; DROP TABLE orders; --',"
       " ordered_at='created_at', amount='total'",
       "segments: no column \"customer_id\" FROM orders; DROP TABLE orders; --\" in table "
       "\"orders\" (customer=)"},
      {"orders='orders', customer='customer_id', ordered_at='created_at\"; DROP TABLE orders; --',"
       " amount='total'",
       "segments: no column \"created_at\"; DROP TABLE orders; --\" in table \"orders\" "
       "(ordered_at=)"},
      {"orders='orders', customer='customer_id', ordered_at='created_at',"
       " amount='total'' OR 1=1; DROP TABLE orders; --'",
       "segments: no column \"total' OR 1=1; DROP TABLE orders; --\" in table \"orders\" "
       "(amount=)"},
      {SHOP_OPTIONS ", filter='1); DROP TABLE orders; --'",
       "segments: filter must be one SQL expression, found an unmatched ')' in "
       "'1); DROP TABLE orders; --'"},
      {SHOP_OPTIONS ", filter='total > 0; DROP TABLE orders'",
       "segments: filter must be one SQL expression, found a ';' in 'total > 0; DROP "
       "TABLE orders'"},
      {SHOP_OPTIONS ", filter='1 UNION SELECT 1, 2, 3, 4'",
       "segments: filter '1 UNION SELECT 1, 2, 3, 4': near \"UNION\": syntax error"},
      {SHOP_OPTIONS ", filter='total > 0 /* ) ; DROP TABLE orders'",
       "segments: filter must be one SQL expression, found an unterminated comment in "
       "'total > 0 /* ) ; DROP TABLE orders'"},
      {SHOP_OPTIONS ", filter='load_extension(''/tmp/evil'') IS NULL'",
       "segments: filter may not call load_extension() (only pure built-in functions "
       "and this extension's are allowed)"},
      {SHOP_OPTIONS ", filter='customer_id IN (SELECT name FROM pragma_table_list)'",
       "segments: filter may not read virtual tables"},
      {SHOP_OPTIONS ", customers='customers\"; DROP TABLE orders; --'",
       "segments: no table or view \"customers\"; DROP TABLE orders; --\" (customers=)"},
      {SHOP_OPTIONS ", customers='customers', customers_id='customer_id\" FROM orders; --'",
       "segments: no column \"customer_id\" FROM orders; --\" in table \"customers\" "
       "(customers_id=)"},
      {SHOP_OPTIONS ", as_of='2025-01-01''); DROP TABLE orders; --'",
       "segments: as_of '2025-01-01'); DROP TABLE orders; --' is not a date (expected "
       "YYYY-MM-DD or 'today')"},
      {SHOP_OPTIONS ", bins='5; DROP TABLE orders'",
       "segments: bins must be an integer from 2 to 9, got '5; DROP TABLE orders'"},
      {SHOP_OPTIONS ", map='rfm11''; DROP TABLE orders; --'",
       "segments: unknown map 'rfm11'; DROP TABLE orders; --' (expected rfm11, rfm5, rf10, email3, a table with columns code and segment, "
       "or a rule map with columns segment, rule and priority)"},
      {SHOP_OPTIONS ", map='m\"; DROP TABLE orders; --'",
       "segments: unknown map 'm\"; DROP TABLE orders; --' (expected rfm11, rfm5, rf10, email3, a table with columns code and segment, "
       "or a rule map with columns segment, rule and priority)"},
      {SHOP_OPTIONS ", breaks='{\"r\":[1,2,3,4],\"f\":[1,2,3,4],\"m\":[1,2,3,4]}''); DROP TABLE orders; --'",
       "segments: breaks must be JSON like {\"r\":[30,60,90,180],\"f\":[1,2,3,5],"
       "\"m\":[50,100,250,500]}, got '{\"r\":[1,2,3,4],\"f\":[1,2,3,4],\"m\":[1,2,3,...'"},
      {SHOP_OPTIONS ", date_format='iso''; DROP TABLE orders; --'",
       "segments: date_format must be 'auto', 'iso', 'unix' or 'julian', got 'iso'; "
       "DROP TABLE orders; --'"},
      {SHOP_OPTIONS ", bad_dates='skip; DROP TABLE orders'",
       "segments: bad_dates must be 'error' or 'skip', got 'skip; DROP TABLE orders'"},
      {SHOP_OPTIONS ", money_decimals='2; DROP TABLE orders'",
       "segments: money_decimals must be an integer from 0 to 6, got '2; DROP TABLE orders'"},
      {SHOP_OPTIONS ", mode='manual''; DROP TABLE orders; --'",
       "segments: mode must be 'live' or 'manual', got 'manual'; DROP TABLE orders; --'"},
  };
  make_small_shop(db);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE t USING segments(%s)", cases[i].zArgs);
    assert_sql_error(db, zSql, cases[i].zError);
    sqlite3_free(zSql);
    assert_sql_text(db, "SELECT count(*) FROM orders", "3");
  }
  assert_sql_text(db, zSchemaNames, "customers orders");
  /* A filter that is only a string is an expression like any other: it
  ** counts no order, and runs nothing. */
  sqltest_exec(db, "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS
                   ", filter='''DROP TABLE orders''', as_of='2025-01-01')");
  assert_sql_text(db, "SELECT count(*) FROM t", "0");
  assert_sql_text(db, "SELECT count(*) FROM orders", "3");
}

/* ---- dates -------------------------------------------------------------------------- */

/* A table w(c, at, amount): customer 1 with a good order, customer 2 with
** the value zAt as its date. */
static void make_w(sqlite3 *db, const char *zAt) {
  char *zSql = sqlite3_mprintf(
      "DROP TABLE IF EXISTS w; CREATE TABLE w(c, at, amount);"
      "INSERT INTO w VALUES(1, '2024-12-01', 5), (2, %s, 5);", zAt);
  sqltest_exec(db, zSql);
  sqlite3_free(zSql);
}

/* B6: dates that cannot be read.  The default is an error naming the row,
** the column and the value (40 characters at most); bad_dates='skip' skips
** those orders and a refresh counts them. */
static void test_b6_unreadable_dates(void **state) {
  sqlite3 *db = *state;
  static const struct {
    const char *zValue, *zShown;
  } cases[] = {
      {"'yesterday'", "'yesterday'"},
      {"'01/12/2024'", "'01/12/2024'"},
      {"'2024-13-01'", "'2024-13-01'"},
      {"'2024-12-01 25:00'", "'2024-12-01 25:00'"},
      {"''", "''"},
      {"'now'", "'now'"},
      {"' 2024-12-01'", "' 2024-12-01'"},
      {"NULL", "NULL"},
      {"x'323032342d31322d3031'", "a blob"},
      {"'2024-12-01 and then a great deal more text than anyone needs'",
       "'2024-12-01 and then a great deal more te...'"},
  };
  make_w(db, "'2024-12-01'");
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE t USING segments(orders='w', customer='c', ordered_at='at',"
      " amount='amount', as_of='2025-01-01');"
      "CREATE VIRTUAL TABLE s USING segments(orders='w', customer='c', ordered_at='at',"
      " amount='amount', as_of='2025-01-01', bad_dates='skip');");
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *zError = sqlite3_mprintf("segments: w row 2: at %s " NOT_A_DATE, cases[i].zShown);
    make_w(db, cases[i].zValue);
    assert_sql_error(db, "SELECT * FROM t", zError);
    assert_sql_text(db, "SELECT group_concat(customer_id) FROM s", "1");
    sqlite3_free(zError);
  }
  sqltest_exec(db, "INSERT INTO s(s) VALUES('refresh')");
  assert_sql_text(db, "SELECT v FROM s_config WHERE k = 'skipped_bad_dates'", "1");
  assert_sql_text(db, "SELECT group_concat(customer_id) FROM s_members", "1");
}

/* B7: dates out of range.  Orders dated outside what SQLite can print
** (0000-01-01 .. 9999-12-31 for text and unix seconds, julian day 0 on for
** reals) are unreadable dates (B6); the extremes themselves are dates.
** Orders after as_of do not count.  as_of itself must be a date. */
static void test_b7_dates_out_of_range(void **state) {
  sqlite3 *db = *state;
  static const struct {
    const char *zValue, *zShown;
  } bad[] = {
      {"'10000-01-01'", "'10000-01-01'"},
      {"'-4713-11-24'", "'-4713-11-24'"},      /* julian day -0.5 */
      {"253402300800", "253402300800"},        /* unix 10000-01-01 */
      {"-62167219201", "-62167219201"},        /* unix -0001-12-31 23:59:59 */
      {"9223372036854775807", "9223372036854775807"},
      {"-1.0", "-1.0"},                        /* julian */
      {"1e18", "1.0e+18"},
      {"5373484.5", "5373484.5"},              /* julian 10000-01-01 */
  };
  make_w(db, "'2024-12-01'");
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE t USING segments(orders='w', customer='c', ordered_at='at',"
      " amount='amount', as_of='2025-01-01')");
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *zError = sqlite3_mprintf("segments: w row 2: at %s " NOT_A_DATE, bad[i].zShown);
    make_w(db, bad[i].zValue);
    assert_sql_error(db, "SELECT * FROM t", zError);
    sqlite3_free(zError);
  }
  /* The extremes are dates: 0000-01-01 is 739,617 days before 2025-01-01
  ** (2025 years of 365.2425 days: 739,618.6, less the days 0000 has
  ** over a Gregorian average... counted by SQLite itself below). */
  make_w(db, "'0000-01-01'");
  assert_sql_text(db,
      "SELECT (SELECT recency_days FROM t WHERE customer_id = 2) ="
      " CAST(julianday('2025-01-01') - julianday('0000-01-01') AS INTEGER)", "1");
  make_w(db, "-62167219200"); /* unix seconds of 0000-01-01 00:00 */
  assert_sql_text(db, "SELECT first_order FROM t WHERE customer_id = 2", "0000-01-01");
  make_w(db, "'9999-12-31'"); /* after as_of: does not count */
  assert_sql_text(db, "SELECT group_concat(customer_id) FROM t", "1");
  assert_sql_text(db, "SELECT recency_days FROM t('9999-12-31') WHERE customer_id = 2", "0");
  /* as_of out of range. */
  assert_sql_error(db,
      "CREATE VIRTUAL TABLE u USING segments(orders='w', customer='c', ordered_at='at',"
      " amount='amount', as_of='10000-01-01')",
      "segments: as_of '10000-01-01' is not a date (expected YYYY-MM-DD or 'today')");
  assert_sql_error(db, "SELECT * FROM t('10000-01-01')",
                   "segments: as_of must be a date like '2024-06-30', got '10000-01-01'");
  /* Before every order: no customer has an order yet. */
  assert_sql_text(db, "SELECT count(*) FROM t('0000-01-01')", "0");
}

/* ---- amounts ---------------------------------------------------------------------------- */

/* A table x(c, at, amount): customer 1 with the amount zAmount, customer 2
** with 5. */
static void make_x(sqlite3 *db, const char *zAmount) {
  char *zSql = sqlite3_mprintf(
      "DROP TABLE IF EXISTS x; CREATE TABLE x(c, at, amount);"
      "INSERT INTO x VALUES(1, '2024-12-01', %s), (2, '2024-12-01', 5);", zAmount);
  sqltest_exec(db, zSql);
  sqlite3_free(zSql);
}

#define X_TABLE                                                                \
  "CREATE VIRTUAL TABLE t USING segments(orders='x', customer='c', ordered_at='at',"\
  " amount='amount', as_of='2025-01-01')"

/* An amount as SQL (zValue) and as the error shows it (zShown). */
typedef struct BadAmount {
  const char *zValue, *zShown;
} BadAmount;

/* Each amount in x's only order makes SELECT fail naming row 1 and it. */
static void assert_amounts_refused(sqlite3 *db, const BadAmount *aBad, size_t nBad) {
  for (size_t i = 0; i < nBad; i++) {
    char *zError = sqlite3_mprintf("segments: x row 1: amount %s is not a finite number",
                                   aBad[i].zShown);
    make_x(db, aBad[i].zValue);
    assert_sql_error(db, "SELECT * FROM t", zError);
    sqlite3_free(zError);
  }
}

/* B8: amounts that are not numbers: an error naming the row and the value.
** Text that SQLite reads as a number counts as that number; NULL is
** skipped (the order counts, its amount does not). */
static void test_b8_non_numeric_amounts(void **state) {
  sqlite3 *db = *state;
  static const BadAmount bad[] = {
      {"'lots'", "'lots'"},
      {"''", "''"},
      {"'12abc'", "'12abc'"},
      {"'$12.50'", "'$12.50'"},
      {"'12,50'", "'12,50'"},
      {"x'3132'", "a blob"},
  };
  make_x(db, "1");
  sqltest_exec(db, X_TABLE);
  assert_amounts_refused(db, bad, sizeof(bad) / sizeof(bad[0]));
  make_x(db, "'12.50'");
  assert_sql_text(db, "SELECT monetary FROM t WHERE customer_id = 1", "12.5");
  make_x(db, "' 12.5 '");
  assert_sql_text(db, "SELECT monetary FROM t WHERE customer_id = 1", "12.5");
  make_x(db, "'1e2'");
  assert_sql_text(db, "SELECT monetary FROM t WHERE customer_id = 1", "100.0");
  make_x(db, "NULL");
  assert_sql_text(db,
      "SELECT frequency || ' ' || monetary || ' ' || ifnull(avg_order, 'NULL') FROM t"
      " WHERE customer_id = 1", "1 0.0 NULL");
}

/* B9: huge amounts.  Any finite double is an amount; monetary is their sum
** rounded to money_decimals (round() leaves magnitudes above 2^52 as they
** are).  A sum that overflows a double is an error naming the customer,
** as a single infinite amount is (B10). */
static void test_b9_huge_amounts(void **state) {
  sqlite3 *db = *state;
  char *zErr;
  make_x(db, "1e300");
  sqltest_exec(db, X_TABLE);
  assert_sql_text(db, "SELECT monetary = 1e300 FROM t WHERE customer_id = 1", "1");
  make_x(db, "9223372036854775807");
  assert_sql_text(db, "SELECT monetary = 9223372036854775807.0 FROM t WHERE customer_id = 1", "1");
  /* Not -1.7976931348623157e308: under valgrind, which computes long
  ** doubles in 64 bits, SQLite itself reads that text as -Inf. */
  make_x(db, "-1.7e308");
  assert_sql_text(db, "SELECT monetary = -1.7e308 FROM t WHERE customer_id = 1", "1");
  /* Two orders of 1e308: the sum is not a finite number. */
  sqltest_exec(db, "INSERT INTO x VALUES(1, '2024-12-02', 1e308); UPDATE x SET amount = 1e308");
  zErr = sqltest_error(db, "SELECT * FROM t");
  if (strncmp(zErr, "segments: ", 10) != 0 || !strstr(zErr, "customer 1") ||
      !strstr(zErr, "not a finite number")) {
    print_error("expected an error naming customer 1 and 'not a finite number', got: %s\n", zErr);
    free(zErr);
    fail();
  }
  free(zErr);
}

/* B10: NaN and infinities.  An infinite amount is an error (SQLite reads
** 9e999 as Inf); 'NaN' and 'Infinity' are text that is no number.  SQLite
** itself stores a NaN bound from C as NULL: a NULL amount (B8). */
static void test_b10_nan_and_infinities(void **state) {
  sqlite3 *db = *state;
  sqlite3_stmt *pStmt;
  static const BadAmount bad[] = {
      {"9e999", "Inf"},
      {"-9e999", "-Inf"},
      {"'NaN'", "'NaN'"},
      {"'Infinity'", "'Infinity'"},
      {"'-inf'", "'-inf'"},
  };
  make_x(db, "1");
  sqltest_exec(db, X_TABLE);
  assert_amounts_refused(db, bad, sizeof(bad) / sizeof(bad[0]));
  /* Infinite dates too (reals are julian days). */
  sqltest_exec(db, "UPDATE x SET amount = 1, at = 9e999 WHERE c = 1");
  assert_sql_error(db, "SELECT * FROM t", "segments: x row 1: at Inf " NOT_A_DATE);
  make_x(db, "1");
  assert_int_equal(sqlite3_prepare_v2(db, "UPDATE x SET amount = ? WHERE c = 1", -1, &pStmt, 0),
                   SQLITE_OK);
  sqlite3_bind_double(pStmt, 1, nan(""));
  assert_int_equal(sqlite3_step(pStmt), SQLITE_DONE);
  sqlite3_finalize(pStmt);
  assert_sql_text(db, "SELECT typeof(amount) FROM x WHERE c = 1", "null");
  assert_sql_text(db,
      "SELECT frequency || ' ' || monetary || ' ' || ifnull(avg_order, 'NULL') FROM t"
      " WHERE customer_id = 1", "1 0.0 NULL");
}

/* ---- shapes of the data ---------------------------------------------------------------- */

/* B11: empty tables.  No orders: no rows, whatever the plan; with
** customers= every listed customer, in 'No orders'; a refresh stores none.
** No customers listed: the buyers only. */
static void test_b11_empty_tables(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TABLE orders(customer_id, created_at, total);"
      "CREATE TABLE customers(customer_id);"
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", as_of='2025-01-01');"
      "CREATE VIRTUAL TABLE tc USING segments(" SHOP_OPTIONS ", as_of='2025-01-01',"
      " customers='customers');");
  assert_sql_text(db, "SELECT count(*) FROM t", "0");
  assert_sql_text(db, "SELECT count(*) FROM t WHERE customer_id = 1", "0");
  assert_sql_text(db, "SELECT count(*) FROM t WHERE customer_id IN (1, 2)", "0");
  assert_sql_text(db, "SELECT count(*) FROM t WHERE segment = 'Lost'", "0");
  assert_sql_text(db, "SELECT count(*) FROM (SELECT * FROM t ORDER BY customer_id)", "0");
  assert_sql_text(db, "SELECT count(*) FROM (SELECT segment FROM t GROUP BY segment)", "0");
  assert_sql_text(db, "SELECT count(*) FROM tc", "0");
  sqltest_exec(db, "INSERT INTO t(t) VALUES('refresh')");
  assert_sql_text(db, "SELECT count(*) FROM t_members", "0");
  assert_sql_text(db, "SELECT v FROM t_config WHERE k = 'customers'", "0");
  sqltest_exec(db, "INSERT INTO customers VALUES (1), (2)");
  assert_sql_text(db,
      "SELECT group_concat(customer_id || ':' || segment || ':' || frequency || ':' ||"
      " ifnull(rfm, 'NULL'), ' ') FROM tc",
      "1:No orders:0:NULL 2:No orders:0:NULL");
  sqltest_exec(db, "DELETE FROM customers; INSERT INTO orders VALUES(5, '2024-12-01', 1)");
  assert_sql_text(db, "SELECT group_concat(customer_id) FROM tc", "5");
}

/* B12: one customer.  Every cut point is its own value (N < bins: the
** missing groups repeat the largest), no cut point is below it, so every
** score is 1 and R is reversed to 5: 511, New Customers (rfm11: R 5, FM
** ceil(2/2) = 1).  Recency: 2024-06-01 to 2025-01-01 is 30+31+31+30+31+
** 30+31 = 214 days. */
static void test_b12_one_customer(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TABLE orders(customer_id, created_at, total);"
      "INSERT INTO orders VALUES(7, '2024-06-01', 10), (7, '2024-03-01', 1000);"
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", as_of='2025-01-01');");
  assert_sql_text(db,
      "SELECT customer_id || ' ' || recency_days || ' ' || frequency || ' ' || monetary ||"
      " ' ' || rfm || ' ' || segment FROM t",
      "7 214 2 1010.0 511 New Customers");
}

/* B13: all ties.  Twenty customers with the same orders: one value per
** dimension, so (as in B12) every customer is 511, New Customers; never
** split by row order as NTILE would split them. */
static void test_b13_all_ties(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TABLE orders(customer_id, created_at, total);"
      "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20)"
      " INSERT INTO orders SELECT i, '2024-06-01', 10 FROM s;"
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", as_of='2025-01-01');");
  assert_sql_text(db,
      "SELECT group_concat(n || ' x ' || rfm || ' ' || segment) FROM"
      " (SELECT rfm, segment, count(*) AS n FROM t GROUP BY rfm, segment)",
      "20 x 511 New Customers");
  /* The same in reverse row order. */
  sqltest_exec(db, "CREATE TABLE o2 AS SELECT * FROM orders ORDER BY customer_id DESC;"
                   "DELETE FROM orders; INSERT INTO orders SELECT * FROM o2;");
  assert_sql_text(db, "SELECT count(DISTINCT rfm) || ' ' || min(rfm) FROM t", "1 511");
}

/* B14: NULL customer ids.  Such an order belongs to no one: skipped, and a
** refresh counts it; no row has a NULL id.  (Its date is still read: an
** unreadable one is still B6.)  A NULL in the customers table lists no
** one. */
static void test_b14_null_customer_ids(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TABLE orders(customer_id, created_at, total);"
      "INSERT INTO orders VALUES(NULL, '2024-06-01', 10), (1, '2024-06-01', 10),"
      " (NULL, 'not even a date', 'nor an amount');"
      "CREATE TABLE customers(customer_id); INSERT INTO customers VALUES(1), (NULL), (2);"
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", as_of='2025-01-01',"
      " customers='customers');");
  assert_sql_error(db, "SELECT * FROM t",
                   "segments: orders row 3: created_at 'not even a date' " NOT_A_DATE);
  sqltest_exec(db, "UPDATE orders SET created_at = '2024-01-01', total = 1 WHERE rowid = 3");
  assert_sql_text(db, "SELECT group_concat(customer_id || ':' || frequency, ' ') FROM t",
                  "1:1 2:0");
  assert_sql_text(db, "SELECT count(*) FROM t WHERE customer_id IS NULL", "0");
  sqltest_exec(db, "INSERT INTO t(t) VALUES('refresh')");
  assert_sql_text(db, "SELECT v FROM t_config WHERE k = 'skipped_no_customer'", "2");
  assert_sql_text(db, "SELECT count(*) FROM t_members WHERE customer_id IS NULL", "0");
}

/* B15: ids that are neither integers nor text: an error naming the row.
** A real with an integral value is that integer; 2 and '2' are two
** customers, as SQLite's GROUP BY over a column without affinity has it. */
static void test_b15_ids_neither_integer_nor_text(void **state) {
  sqlite3 *db = *state;
  sqltest_exec(db,
      "CREATE TABLE orders(customer_id, created_at, total);"
      "INSERT INTO orders VALUES(1.5, '2024-06-01', 10);"
      "CREATE TABLE customers(customer_id);"
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", as_of='2025-01-01');"
      "CREATE VIRTUAL TABLE tc USING segments(" SHOP_OPTIONS ", as_of='2025-01-01',"
      " customers='customers');");
  assert_sql_error(db, "SELECT * FROM t",
      "segments: orders row 1: customer_id 1.5 is not a customer id (expected an "
      "integer or a text)");
  sqltest_exec(db, "UPDATE orders SET customer_id = x'02'");
  assert_sql_error(db, "SELECT * FROM t",
      "segments: orders row 1: customer_id a blob is not a customer id (expected an "
      "integer or a text)");
  sqltest_exec(db, "UPDATE orders SET customer_id = 2.0;"
                   "INSERT INTO orders VALUES(2, '2024-07-01', 5), ('2', '2024-08-01', 1);");
  assert_sql_text(db,
      "SELECT group_concat(typeof(customer_id) || ':' || frequency, ' ') FROM"
      " (SELECT * FROM t ORDER BY customer_id)", "integer:2 text:1");
  sqltest_exec(db, "INSERT INTO customers VALUES(0.5)");
  assert_sql_error(db, "SELECT * FROM tc",
      "segments: customers: id 0.5 is not a customer id (expected an integer or a text)");
}

/* B16: a customer listed twice in the customers table is one customer,
** listed once (also as 3 and 3.0). */
static void test_b16_duplicate_customers(void **state) {
  sqlite3 *db = *state;
  make_small_shop(db);
  sqltest_exec(db,
      "INSERT INTO customers VALUES (1), (9), (9), (3.0), ('9');"
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", customers='customers',"
      " as_of='2025-01-01');");
  assert_sql_text(db,
      "SELECT group_concat(quote(customer_id), ' ') FROM (SELECT * FROM t ORDER BY customer_id)",
      "1 2 3 9 '9'");
  assert_sql_text(db, "SELECT count(*) FROM t WHERE customer_id = 9", "1");
  sqltest_exec(db, "INSERT INTO t(t) VALUES('refresh')");
  assert_sql_text(db, "SELECT count(*) FROM t_members", "5");
}

/* B17: a view instead of a table, for the orders and for the customers:
** the same rows as over the table; an error counts the rows read (a view
** has no rowid). */
static void test_b17_view_instead_of_table(void **state) {
  sqlite3 *db = *state;
  make_small_shop(db);
  sqltest_exec(db,
      "CREATE VIEW ov AS SELECT customer_id AS who, created_at AS at, total AS amt FROM orders;"
      "CREATE VIEW cv AS SELECT customer_id AS who FROM customers;"
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", customers='customers',"
      " as_of='2025-01-01');"
      "CREATE VIRTUAL TABLE v USING segments(orders='ov', customer='who', ordered_at='at',"
      " amount='amt', customers='cv', as_of='2025-01-01');");
  assert_sql_text(db,
      "SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM v)", "0");
  assert_sql_text(db, "SELECT count(*) FROM v", "4");
  sqltest_exec(db, "INSERT INTO orders(customer_id, created_at, total) VALUES(4, 'someday', 1)");
  assert_sql_error(db, "SELECT * FROM v", "segments: ov row #4: at 'someday' " NOT_A_DATE);
  assert_sql_error(db, "SELECT * FROM t", "segments: orders row 4: created_at 'someday' " NOT_A_DATE);
}

/* B18: orders that read the segments table itself — a view over it.  An
** error that says so: at SELECT the table's own words, at CREATE SQLite's
** words after the view's name and the option. */
static void test_b18_orders_that_read_the_table_itself(void **state) {
  sqlite3 *db = *state;
  make_small_shop(db);
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", as_of='2025-01-01');"
      "ALTER TABLE orders RENAME TO orders_kept;"
      "CREATE VIEW orders AS SELECT customer_id, last_order AS created_at,"
      " monetary AS total FROM t;");
  assert_sql_error(db, "SELECT * FROM t", "segments: orders reads t itself");
  sqltest_exec(db, "CREATE VIEW loop2 AS SELECT customer_id, last_order AS created_at,"
                   " monetary AS total FROM t2;");
  assert_sql_error(db,
      "CREATE VIRTUAL TABLE t2 USING segments(orders='loop2', customer='customer_id',"
      " ordered_at='created_at', amount='total')",
      "segments: cannot read loop2 (orders=): vtable constructor called recursively: t2");
}

/* ---- the database itself ------------------------------------------------------------------ */

static char zFile[64];

static int setup_file(void **state) {
  sqlite3 *db;
  int fd;
  strcpy(zFile, "/tmp/segment-bad-input-XXXXXX");
  fd = mkstemp(zFile);
  if (fd < 0) return -1;
  close(fd);
  db = sqltest_open_file(zFile);
  make_small_shop(db);
  sqltest_exec(db,
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", customers='customers',"
      " as_of='2025-01-01');"
      "INSERT INTO t(t) VALUES('refresh');");
  sqltest_close(db);
  *state = NULL;
  return 0;
}

static int teardown_file(void **state) {
  char *z = sqlite3_mprintf("%s-journal", zFile);
  (void)state;
  unlink(zFile);
  unlink(z);
  sqlite3_free(z);
  return 0;
}

/* sqltest_open_file, read-only. */
static sqlite3 *open_read_only(const char *zPath) {
  sqlite3 *db = NULL;
  char *zErr = NULL;
  assert_int_equal(sqlite3_open_v2(zPath, &db, SQLITE_OPEN_READONLY, 0), SQLITE_OK);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
  sqlite3_enable_load_extension(db, 1);
  if (sqlite3_load_extension(db, sqltest_extension(), 0, &zErr) != SQLITE_OK) {
    print_error("cannot load: %s\n", zErr ? zErr : "?");
    sqlite3_free(zErr);
    fail();
  }
  sqlite3_enable_load_extension(db, 0);
  return db;
}

/* B19: a read-only database.  SELECTs work (live and from the members);
** what must write — refresh, CREATE, DROP — fails with SQLite's own
** "attempt to write a readonly database"; a temp table reads the file. */
static void test_b19_read_only_database(void **state) {
  sqlite3 *db = open_read_only(zFile);
  (void)state;
  assert_sql_text(db, "SELECT count(*) FROM t", "4");
  assert_sql_text(db, "SELECT count(*) FROM t_members", "4");
  assert_sql_error(db, "INSERT INTO t(t) VALUES('refresh')",
                   "attempt to write a readonly database");
  assert_sql_error(db, "CREATE VIRTUAL TABLE u USING segments(" SHOP_OPTIONS ")",
                   "attempt to write a readonly database");
  assert_sql_error(db, "DROP TABLE t", "attempt to write a readonly database");
  sqltest_exec(db, "CREATE VIRTUAL TABLE temp.u USING segments(" SHOP_OPTIONS
                   ", as_of='2025-01-01');"
                   "INSERT INTO u(u) VALUES('refresh');");
  assert_sql_text(db, "SELECT count(*) FROM temp.u_members", "3");
  sqltest_close(db);
}

/* B20: a database locked by a writer (rollback journal; no busy timeout).
** While another connection holds an EXCLUSIVE lock, a SELECT fails with
** SQLite's "database is locked" (prefixed with what the table was reading
** when the table is in temp); while it holds RESERVED (writing, not yet
** committing), SELECTs see the last commit and a refresh is "database is
** locked" and leaves the members as they were. */
static void test_b20_database_locked_by_a_writer(void **state) {
  sqlite3 *db = sqltest_open_file(zFile);
  sqlite3 *w = NULL;
  (void)state;
  assert_int_equal(sqlite3_open(zFile, &w), SQLITE_OK);
  sqltest_exec(db, "CREATE VIRTUAL TABLE temp.u USING segments(" SHOP_OPTIONS
                   ", as_of='2025-01-01')");
  sqltest_exec(w, "BEGIN EXCLUSIVE; INSERT INTO orders(customer_id, created_at, total)"
                  " VALUES (5, '2024-12-30', 1)");
  assert_sql_error(db, "SELECT count(*) FROM t", "database is locked");
  assert_sql_error(db, "SELECT count(*) FROM u", "segments: cannot read orders: database is locked");
  assert_sql_error(db, "INSERT INTO t(t) VALUES('refresh')", "database is locked");
  sqltest_exec(w, "ROLLBACK");

  sqltest_exec(w, "BEGIN IMMEDIATE; INSERT INTO orders(customer_id, created_at, total)"
                  " VALUES (5, '2024-12-30', 1)");
  assert_sql_text(db, "SELECT count(*) FROM t", "4");
  assert_sql_text(db, "SELECT count(*) FROM u", "3");
  assert_sql_error(db, "INSERT INTO t(t) VALUES('refresh')", "database is locked");
  assert_sql_text(db, "SELECT count(*) FROM t_members", "4");
  sqltest_exec(w, "COMMIT");
  assert_sql_text(db, "SELECT count(*) FROM t", "5");
  sqltest_exec(db, "INSERT INTO t(t) VALUES('refresh')");
  assert_sql_text(db, "SELECT count(*) FROM t_members", "5");
  assert_int_equal(sqlite3_close(w), SQLITE_OK);
  sqltest_close(db);
}

/* B21: a map table with bad contents: an error naming the table, the code
** and the fix; a code a map does not list is 'Other'; a segment's name is
** data, shown as it is. */
static void test_b21_bad_map_tables(void **state) {
  sqlite3 *db = *state;
  static const struct {
    const char *zRows, *zError;
  } bad[] = {
      {"(545, 'A'), (545, 'B')",
       "segments: map table \"m\" gives code 545 two segments, 'A' and 'B'"},
      {"(605, 'A')",
       "segments: map table \"m\": code 605 is not an RFM code (three digits 1 to 9, like 545)"},
      {"(5450, 'A')",
       "segments: map table \"m\": code 5450 is not an RFM code (three digits 1 to 9, like 545)"},
      {"('abc', 'A')",
       "segments: map table \"m\": code 'abc' is not an RFM code (three digits 1 to 9, like 545)"},
      {"(NULL, 'A')",
       "segments: map table \"m\": code NULL is not an RFM code (three digits 1 to 9, like 545)"},
      {"(545.5, 'A')",
       "segments: map table \"m\": code 545.5 is not an RFM code (three digits 1 to 9, like 545)"},
      {"(545, NULL)", "segments: map table \"m\": code 545 has no segment"},
  };
  make_small_shop(db);
  sqltest_exec(db,
      "CREATE TABLE m(code, segment); INSERT INTO m VALUES(511, 'Fresh');"
      "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", map='m', as_of='2025-01-01');");
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *zSql = sqlite3_mprintf("DELETE FROM m; INSERT INTO m VALUES %s", bad[i].zRows);
    sqltest_exec(db, zSql);
    assert_sql_error(db, "SELECT * FROM t", bad[i].zError);
    sqlite3_free(zSql);
  }
  /* 1: recency 1, the lowest of 1, 31, 76 -> R5; m 10 lowest -> M1; F1: 511. */
  sqltest_exec(db, "DELETE FROM m; INSERT INTO m VALUES (511, '''); DROP TABLE orders; --')");
  assert_sql_text(db, "SELECT group_concat(customer_id || ':' || segment, ' ') FROM t",
                  "1:'); DROP TABLE orders; -- 2:Other 3:Other");
  assert_sql_text(db, "SELECT count(*) FROM orders", "3");
  sqltest_exec(db, "DROP TABLE m; CREATE TABLE m(segment)");
  assert_sql_error(db, "SELECT * FROM t",
      "segments: map table \"m\" has no column \"code\" (a map has the columns of "
      "segment_map('rfm11'): code and segment)");
}

/* B22: a virtual table or a table-valued function named by orders=,
** customers= or map=: refused at CREATE, naming it; a view over it is read
** (under SQLite's own rules for views). */
static void test_b22_virtual_table_as_source(void **state) {
  sqlite3 *db = *state;
  static const char *const zFix =
      " is a virtual table or table-valued function, which segments does not "
      "read directly; name a view over it instead (SQLite then decides, by its "
      "trusted_schema rules, whether the schema may read it)";
  char *zWant;
  make_small_shop(db);
  sqltest_exec(db, "CREATE VIRTUAL TABLE t USING segments(" SHOP_OPTIONS ", as_of='2025-01-01')");

  zWant = sqlite3_mprintf("segments: orders='json_each'%s", zFix);
  assert_sql_error(db,
      "CREATE VIRTUAL TABLE v1 USING segments(orders='json_each', customer='key',"
      " ordered_at='value', amount='id')", zWant);
  sqlite3_free(zWant);
  zWant = sqlite3_mprintf("segments: orders='t'%s", zFix);
  assert_sql_error(db,
      "CREATE VIRTUAL TABLE v2 USING segments(orders='t', customer='customer_id',"
      " ordered_at='last_order', amount='monetary')", zWant);
  sqlite3_free(zWant);
  zWant = sqlite3_mprintf("segments: customers='t'%s", zFix);
  assert_sql_error(db,
      "CREATE VIRTUAL TABLE v3 USING segments(" SHOP_OPTIONS ", customers='t')", zWant);
  sqlite3_free(zWant);
  zWant = sqlite3_mprintf("segments: map='segment_map'%s", zFix);
  assert_sql_error(db,
      "CREATE VIRTUAL TABLE v4 USING segments(" SHOP_OPTIONS ", map='segment_map')", zWant);
  sqlite3_free(zWant);
  assert_sql_text(db, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'v_%'", "0");

  /* Through a view: the last orders of t's customers, as orders. */
  sqltest_exec(db,
      "CREATE VIEW last_orders AS SELECT customer_id, last_order, monetary FROM t;"
      "CREATE VIRTUAL TABLE v5 USING segments(orders='last_orders', customer='customer_id',"
      " ordered_at='last_order', amount='monetary', as_of='2025-01-01')");
  assert_sql_text(db, "SELECT group_concat(customer_id || ':' || frequency, ' ') FROM v5",
                  "1:1 2:1 3:1");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_b1_missing_table, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b2_missing_column, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b3_table_dropped_after_create, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b4_column_renamed_after_create, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b5_injection_in_every_option, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b6_unreadable_dates, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b7_dates_out_of_range, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b8_non_numeric_amounts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b9_huge_amounts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b10_nan_and_infinities, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b11_empty_tables, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b12_one_customer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b13_all_ties, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b14_null_customer_ids, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b15_ids_neither_integer_nor_text, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b16_duplicate_customers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b17_view_instead_of_table, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b18_orders_that_read_the_table_itself, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b19_read_only_database, setup_file, teardown_file),
      cmocka_unit_test_setup_teardown(test_b20_database_locked_by_a_writer, setup_file, teardown_file),
      cmocka_unit_test_setup_teardown(test_b21_bad_map_tables, setup, teardown),
      cmocka_unit_test_setup_teardown(test_b22_virtual_table_as_source, setup, teardown),
  };
  return cmocka_run_group_tests_name("bad input", tests, NULL, NULL);
}
