/*
** test_demo_shop.c — the demo shop that `make demo` shows, checked against
** plain SQL: the quickstart's functions, the segments table of
** examples/demo.sql, and the first rows examples/quickstart.sql prints.
**
** The shop is generated afresh by build/gen_shop (deterministic) into a
** temporary file, so the test does not depend on examples/shop.db.
*/
#include "sqltest.h"

#include <unistd.h>

#include "reference.h"

static char zShop[] = "/tmp/segment-demo-XXXXXX";

static int setup_shop(void **state) {
  int fd = mkstemp(zShop);
  char *zCmd;
  int rc;
  if (fd < 0) return -1;
  close(fd);
  unlink(zShop); /* gen_shop refuses to overwrite */
  zCmd = sqlite3_mprintf("./build/gen_shop --size demo %s 2>/dev/null", zShop);
  rc = system(zCmd);
  sqlite3_free(zCmd);
  if (rc != 0) return -1;
  *state = sqltest_open_file(zShop);
  sqltest_exec(*state,
      "CREATE TEMP VIEW counted AS SELECT * FROM orders WHERE status <> 'cancelled'");
  return 0;
}

static int teardown_shop(void **state) {
  sqltest_close(*state);
  unlink(zShop);
  return 0;
}

/* The text of an example file without its dot-commands and comments. */
static char *read_example_sql(const char *zPath) {
  FILE *f = fopen(zPath, "r");
  char zLine[1024];
  sqlite3_str *pOut = sqlite3_str_new(0);
  assert_non_null(f);
  while (fgets(zLine, sizeof zLine, f)) {
    if (zLine[0] == '.' || (zLine[0] == '-' && zLine[1] == '-')) continue;
    sqlite3_str_appendall(pOut, zLine);
  }
  fclose(f);
  return sqlite3_str_finish(pOut);
}

/* The quickstart (rfm_breaks + rfm_score + segment_of over a
** GROUP BY) equals the plain-SQL reference for every customer. */
static void test_functions_equal_plain_sql(void **state) {
  sqlite3 *db = *state;
  char *zRef = reference_rfm_sql("counted", "customer_id", "created_at", "total",
                                 "2025-01-01", 5);
  char *zSql = sqlite3_mprintf(
      "WITH c AS (SELECT customer_id,"
      "   julianday('2025-01-01') - julianday(date(max(created_at))) AS recency_days,"
      "   count(*) AS frequency, round(total(total), 2) AS monetary"
      "  FROM counted GROUP BY customer_id),"
      " b AS (SELECT json_object('r', json(rfm_breaks(recency_days)),"
      "   'f', json(rfm_breaks(frequency)), 'm', json(rfm_breaks(monetary))) AS breaks FROM c),"
      " ours AS (SELECT customer_id, rfm_score(recency_days, frequency, monetary, breaks) AS rfm,"
      "   segment_of(rfm_score(recency_days, frequency, monetary, breaks)) AS segment FROM c, b),"
      " ref AS (SELECT customer_id, rfm, " REFERENCE_RFM11_SQL " AS segment FROM (%s))"
      "SELECT (SELECT count(*) FROM ours) || ' ' || (SELECT count(*) FROM ref) || ' ' ||"
      " (SELECT count(*) FROM (SELECT * FROM ours EXCEPT SELECT * FROM ref))",
      zRef);
  /* 3000 customers, 180 who never ordered, 8 whose only orders were
  ** cancelled: 2812 buyers (counted independently below). */
  assert_sql_text(db,
      "SELECT count(DISTINCT customer_id) FROM orders WHERE status <> 'cancelled'", "2812");
  assert_sql_text(db, zSql, "2812 2812 0");
  sqlite3_free(zSql);
  sqlite3_free(zRef);
}

/* examples/demo.sql's segments table equals the reference, column by
** column, and lists the 188 customers without counted orders. */
static void test_segments_table_equals_plain_sql(void **state) {
  sqlite3 *db = *state;
  char *zRef = reference_rfm_sql("counted", "customer_id", "created_at", "total",
                                 "2025-01-01", 5);
  char *zSql = sqlite3_mprintf(
      "SELECT (SELECT count(*) FROM (SELECT * FROM (%s) EXCEPT SELECT customer_id,"
      " first_order, last_order, recency_days, frequency, monetary, avg_order, r, f, m, rfm"
      " FROM shop_rfm WHERE frequency > 0)) || ' ' ||"
      " (SELECT count(*) FROM shop_rfm WHERE frequency > 0 AND segment <> " REFERENCE_RFM11_SQL ")",
      zRef);
  char *zDemo = read_example_sql("examples/demo.sql");
  /* Run the example's statements (its CREATE and its two reports). */
  sqltest_exec(db, zDemo);
  assert_sql_text(db, zSql, "0 0");
  assert_sql_text(db, "SELECT count(*) FROM shop_rfm", "3000");
  assert_sql_text(db,
      "SELECT count(*) || ' ' || min(segment) || ' ' || max(segment) FROM shop_rfm WHERE frequency = 0",
      "188 No orders No orders");
  /* Every rfm11 segment is present in the demo shop. */
  assert_sql_text(db,
      "SELECT count(*) FROM (SELECT DISTINCT segment FROM segment_map('rfm11')"
      " EXCEPT SELECT segment FROM shop_rfm)", "0");
  sqlite3_free(zDemo);
  sqlite3_free(zSql);
  sqlite3_free(zRef);
}

/* examples/quickstart.sql prints the reference's first eight customers. */
static void test_quickstart_file_prints_the_reference(void **state) {
  sqlite3 *db = *state;
  char *zRef = reference_rfm_sql("counted", "customer_id", "created_at", "total",
                                 "2025-01-01", 5);
  char *zQuick = read_example_sql("examples/quickstart.sql");
  char *zEnd = strrchr(zQuick, ';');
  char *zSql;
  assert_non_null(zEnd);
  *zEnd = 0;
  zSql = sqlite3_mprintf(
      "SELECT count(*) FROM (SELECT customer_id, recency_days, frequency, monetary, rfm,"
      " segment FROM (%s) EXCEPT SELECT customer_id, recency_days, frequency, monetary, rfm, "
      REFERENCE_RFM11_SQL " FROM (%s) WHERE customer_id <= 8)", zQuick, zRef);
  assert_sql_text(db, zSql, "0");
  sqlite3_free(zSql);
  zSql = sqlite3_mprintf("SELECT count(*) FROM (%s)", zQuick);
  assert_sql_text(db, zSql, "8");
  sqlite3_free(zSql);
  sqlite3_free(zQuick);
  sqlite3_free(zRef);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_functions_equal_plain_sql),
      cmocka_unit_test(test_segments_table_equals_plain_sql),
      cmocka_unit_test(test_quickstart_file_prints_the_reference),
  };
  return cmocka_run_group_tests_name("demo shop", tests, setup_shop, teardown_shop);
}
