/*
** test_demo_shop.c — the demo shop that `make demo` shows, checked against
** plain SQL: the quickstart's functions, the segments table of
** examples/demo.sql, the first rows examples/quickstart.sql prints, and
** every example of the pages in docs/segmentation: each page's first ```sql block
** is run as written in a fresh connection, and each later block's rows
** must equal the same question asked in plain SQL (both ways, EXCEPT).
**
** The shop is generated afresh by build/gen_shop (deterministic) into a
** temporary file, so the test does not depend on examples/shop.db.
*/
#include "sqltest.h"

#include <unistd.h>

#include "reference.h"
#include "reference_features.h"

static char zShop[] = "/tmp/segment-demo-XXXXXX";

static int setup_shop(void **state) {
  *state = sqltest_generate_shop(zShop, "--size demo");
  if (!*state) return -1;
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

/* The issue's quickstart (rfm_breaks + rfm_score + segment_of over a
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


/* ---- docs/segmentation: every example against plain SQL -------------------------- */

/* The ```sql blocks of a doc page, without dot-commands; *pn blocks. */
static char **doc_sql_blocks(const char *zPath, int *pn) {
  FILE *f = fopen(zPath, "r");
  char zLine[1024];
  char **az = NULL;
  sqlite3_str *pBlock = NULL;
  int n = 0;
  assert_non_null(f);
  while (fgets(zLine, sizeof zLine, f)) {
    if (!pBlock && strncmp(zLine, "```sql", 6) == 0) {
      pBlock = sqlite3_str_new(0);
    } else if (pBlock && strncmp(zLine, "```", 3) == 0) {
      az = realloc(az, (size_t)(n + 1) * sizeof(char *));
      assert_non_null(az);
      az[n++] = sqlite3_str_finish(pBlock);
      pBlock = NULL;
    } else if (pBlock && zLine[0] != '.') {
      sqlite3_str_appendall(pBlock, zLine);
    }
  }
  fclose(f);
  *pn = n;
  return az;
}

static void doc_blocks_free(char **az, int n) {
  for (int i = 0; i < n; i++) sqlite3_free(az[i]);
  free(az);
}

/* The rows in which query a and query b differ (both ways), and whether
** they have as many rows. */
static void assert_same_rows(sqlite3 *db, const char *a, const char *b) {
  char *zSql = sqlite3_mprintf(
      "SELECT (SELECT count(*) FROM (SELECT * FROM (%s) EXCEPT SELECT * FROM (%s)))"
      " || ' ' || (SELECT count(*) FROM (SELECT * FROM (%s) EXCEPT SELECT * FROM (%s)))"
      " || ' ' || ((SELECT count(*) FROM (%s)) = (SELECT count(*) FROM (%s)))"
      " || ' ' || ((SELECT count(*) FROM (%s)) > 0)",
      a, b, b, a, a, b, a);
  assert_sql_text(db, zSql, "0 0 1 1");
  sqlite3_free(zSql);
}

/* zSql with every @FEATURES@ replaced by zFeatures. */
static char *with_features(const char *zSql, const char *zFeatures) {
  sqlite3_str *p = sqlite3_str_new(0);
  const char *z;
  while ((z = strstr(zSql, "@FEATURES@")) != NULL) {
    sqlite3_str_append(p, zSql, (int)(z - zSql));
    sqlite3_str_appendall(p, zFeatures);
    zSql = z + 10;
  }
  sqlite3_str_appendall(p, zSql);
  return sqlite3_str_finish(p);
}

/* Run page zPage's setup block in a fresh connection, then compare its
** query blocks, in order, with azRef (where @FEATURES@ stands for the
** plain-SQL features of the counted orders as of 2025-01-01, from
** reference_features.h). */
static void check_doc_page(const char *zPage, const char *const *azRef, int nRef) {
  sqlite3 *db = sqltest_open_file(zShop);
  char *zPath = sqlite3_mprintf("docs/segmentation/%s.md", zPage);
  char *zFeatures = reference_features_sql("counted", "customer_id", "created_at", "total",
                                           "2025-01-01", 90, "discount > 0", "0",
                                           "30, 365, 1.5, 3");
  int n;
  char **az = doc_sql_blocks(zPath, &n);
  sqltest_exec(db,
      "CREATE TEMP VIEW counted AS SELECT * FROM orders WHERE status <> 'cancelled'");
  assert_int_equal(n, nRef + 1);
  sqltest_exec(db, az[0]);
  for (int i = 0; i < nRef; i++) {
    char *zQuery = sqlite3_mprintf("%s", az[i + 1]);
    char *zEnd = strrchr(zQuery, ';');
    char *zRef = with_features(azRef[i], zFeatures);
    assert_non_null(zEnd);
    *zEnd = 0;
    assert_same_rows(db, zQuery, zRef);
    sqlite3_free(zRef);
    sqlite3_free(zQuery);
  }
  doc_blocks_free(az, n);
  sqlite3_free(zFeatures);
  sqlite3_free(zPath);
  sqltest_close(db);
}

/* Per buyer as of 2025-01-01: orders, rounded monetary, recency, orders in
** the last 90 days, average order, discount share, last order. */
#define DEMO_BUYERS                                                            \
  "o AS (SELECT customer_id, count(*) AS n, round(total(total), 2) AS m,"     \
  "   julianday('2025-01-01') - julianday(date(max(created_at))) AS recency," \
  "   sum(julianday('2025-01-01') - julianday(date(created_at)) < 90) AS recent," \
  "   round(total(total), 2) / count(total) AS avg_order,"                    \
  "   avg(discount > 0) AS share FROM counted"                                \
  "   WHERE date(created_at) <= '2025-01-01' GROUP BY 1)"

static void test_doc_demographic(void **state) {
  static const char *const azRef[] = {
      "WITH " DEMO_BUYERS ","
      " x AS (SELECT CASE WHEN birth_year > 1995 THEN 'under 30'"
      "   WHEN birth_year > 1980 THEN '30 to 44' WHEN birth_year > 1965 THEN '45 to 59'"
      "   WHEN birth_year <= 1965 THEN '60 and over' ELSE 'Other' END AS age,"
      "   coalesce(n, 0) AS n, coalesce(m, 0) AS m FROM customers LEFT JOIN o USING (customer_id))"
      "SELECT age, count(*), sum(n > 0), round(avg(n), 2), round(sum(m)) FROM x GROUP BY age"};
  (void)state;
  check_doc_page("demographic", azRef, 1);
}

#define WINTER_ORDERS                                                          \
  "WITH o AS (SELECT customer_id, count(*) AS n, round(total(total), 2) AS m," \
  "   max(date(created_at)) AS last FROM orders WHERE status = 'paid' AND total > 100" \
  "   AND date(created_at) BETWEEN '2023-12-01' AND '2024-02-29' GROUP BY 1)," \
  " x AS (SELECT o.*, CASE WHEN city = 'Moscow' THEN 'Moscow'"                 \
  "   WHEN city IN ('London', 'Berlin', 'Paris', 'Madrid', 'Rome') THEN 'Other capitals'" \
  "   WHEN city IS NOT NULL THEN 'Elsewhere' ELSE 'Other' END AS region"      \
  "   FROM o JOIN customers USING (customer_id))"

static void test_doc_geographic(void **state) {
  static const char *const azRef[] = {
      WINTER_ORDERS "SELECT region, count(*), sum(n), round(sum(m)) FROM x GROUP BY region",
      WINTER_ORDERS "SELECT customer_id, n, m, last FROM x WHERE region = 'Moscow'"
      " ORDER BY m DESC, customer_id LIMIT 5"};
  (void)state;
  check_doc_page("geographic", azRef, 2);
}

/* The four rules of docs/segmentation/behavioural.md in plain SQL. */
#define FOUR_RULES                                                             \
  "WITH " DEMO_BUYERS ","                                                      \
  " x AS (SELECT customer_id, avg_order, share, coalesce(m, 0) AS m,"          \
  "   (recent >= 3) IS TRUE AS m1, (avg_order >= 80) IS TRUE AS m2,"          \
  "   (share >= 0.5) IS TRUE AS m3, (recency > 180) IS TRUE AS m4"            \
  "   FROM customers LEFT JOIN o USING (customer_id)),"                        \
  " y AS (SELECT *, CASE WHEN m1 THEN 'Frequent buyers' WHEN m2 THEN 'High average check'" \
  "   WHEN m3 THEN 'Discount-driven' WHEN m4 THEN 'Sleeping' ELSE 'Other' END AS segment" \
  "   FROM x)"

static void test_doc_behavioural(void **state) {
  static const char *const azRef[] = {
      FOUR_RULES "SELECT segment, count(*), round(avg(avg_order), 2), round(avg(share), 2),"
      " round(sum(m)) FROM y GROUP BY segment"};
  (void)state;
  check_doc_page("behavioural", azRef, 1);
}

static void test_doc_rules(void **state) {
  static const char *const azRef[] = {
      FOUR_RULES "SELECT customer_id, segment, (SELECT json_group_array(s) FROM"
      " (SELECT 'Frequent buyers' AS s WHERE m1 UNION ALL SELECT 'High average check' WHERE m2"
      "  UNION ALL SELECT 'Discount-driven' WHERE m3 UNION ALL SELECT 'Sleeping' WHERE m4))"
      " FROM y WHERE customer_id IN (6, 16, 29, 37)",
      FOUR_RULES "SELECT 'Frequent buyers', sum(m1), sum(m1 AND m2 + m3 + m4 > 0) FROM y"
      " UNION ALL SELECT 'High average check', sum(m2), sum(m2 AND m1 + m3 + m4 > 0) FROM y"
      " UNION ALL SELECT 'Discount-driven', sum(m3), sum(m3 AND m1 + m2 + m4 > 0) FROM y"
      " UNION ALL SELECT 'Sleeping', sum(m4), sum(m4 AND m1 + m2 + m3 > 0) FROM y"
      " UNION ALL SELECT '(no rule)', sum(m1 + m2 + m3 + m4 = 0), NULL FROM y"};
  (void)state;
  check_doc_page("rules", azRef, 2);
}

static void test_doc_rfm(void **state) {
  char *zRfm = reference_rfm_sql("counted", "customer_id", "created_at", "total",
                                 "2025-01-01", 5);
  /* REFERENCE_RFM11_SQL names rfm11's segments from r, f, m; rfm5 merges
  ** them as DESIGN.md says. */
  char *zRef = sqlite3_mprintf(
      "SELECT CASE " REFERENCE_RFM11_SQL " WHEN 'Champions' THEN 'Champions'"
      "  WHEN 'Loyal Customers' THEN 'Loyal' WHEN 'Potential Loyalist' THEN 'Loyal'"
      "  WHEN 'New Customers' THEN 'New' WHEN 'Promising' THEN 'New'"
      "  WHEN 'Hibernating' THEN 'Lost' WHEN 'Lost' THEN 'Lost' ELSE 'Needs Attention' END"
      " AS segment, count(*), round(avg(recency_days)), round(avg(frequency), 1),"
      " round(avg(monetary), 2) FROM (%s) GROUP BY 1", zRfm);
  const char *azRef[1];
  (void)state;
  azRef[0] = zRef;
  check_doc_page("rfm", azRef, 1);
  sqlite3_free(zRef);
  sqlite3_free(zRfm);
}

static void test_doc_lifecycle(void **state) {
  sqlite3 *db = *state;
  static const char *const azRef[] = {
      "WITH f AS (@FEATURES@), " DEMO_BUYERS
      "SELECT lifecycle, count(*), round(avg(recency)), round(avg(avg_gap_days)),"
      " round(sum(recent_monetary)) FROM f JOIN o USING (customer_id) GROUP BY lifecycle",
      "WITH f AS (@FEATURES@), " DEMO_BUYERS
      "SELECT customer_id, date(julianday('2025-01-01') - tenure_days),"
      " date(julianday('2025-01-01') - recency), n, tenure_days, CAST(recency AS INTEGER),"
      " round(avg_gap_days, 1), lifecycle FROM f JOIN o USING (customer_id)"
      " WHERE customer_id IN (2, 6, 13, 855, 1044)"};
  check_doc_page("lifecycle", azRef, 2);
  /* The page's claim about the shop's median gap, in plain SQL. */
  assert_sql_text(db,
      "WITH g AS (SELECT (julianday(date(max(created_at))) - julianday(date(min(created_at))))"
      "   / (count(*) - 1) AS gap FROM counted GROUP BY customer_id HAVING count(*) >= 2),"
      " k AS (SELECT gap, row_number() OVER (ORDER BY gap) AS k, count(*) OVER () AS n FROM g)"
      "SELECT (SELECT count(*) FROM g) || ' ' || (SELECT round(avg(gap), 2) FROM k"
      " WHERE k IN ((n + 1) / 2, (n + 2) / 2))",
      "1538 20.55");
}

static void test_doc_engagement(void **state) {
  char *zMail = reference_email_sql("email_events", "customer_id", "at", "kind", "2025-01-01");
  char *zRef = sqlite3_mprintf(
      "WITH mail_ref AS (%s), feature_ref AS (@FEATURES@)"
      "SELECT coalesce(e.stage, 'No events'), count(*), coalesce(sum(e.opens_30d), 0),"
      " max(e.last_open), round(sum(coalesce(f.recent_monetary, 0)))"
      " FROM customers c LEFT JOIN mail_ref e USING (customer_id)"
      " LEFT JOIN feature_ref f USING (customer_id) GROUP BY 1", zMail);
  const char *azRef[1];
  (void)state;
  azRef[0] = zRef;
  check_doc_page("engagement", azRef, 1);
  sqlite3_free(zRef);
  sqlite3_free(zMail);
}

static void test_doc_channel(void **state) {
  static const char *const azRef[] = {
      "WITH f AS (@FEATURES@), " DEMO_BUYERS
      "SELECT c.channel, count(*), sum(coalesce(n, 0) = 1), round(avg(coalesce(n, 0)), 2),"
      " sum(f.lifecycle IN ('new', 'active')), round(sum(coalesce(m, 0)) / count(*), 2)"
      " FROM customers c LEFT JOIN o USING (customer_id) LEFT JOIN f USING (customer_id)"
      " GROUP BY c.channel"};
  (void)state;
  check_doc_page("channel", azRef, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_functions_equal_plain_sql),
      cmocka_unit_test(test_segments_table_equals_plain_sql),
      cmocka_unit_test(test_quickstart_file_prints_the_reference),
      cmocka_unit_test(test_doc_demographic),
      cmocka_unit_test(test_doc_geographic),
      cmocka_unit_test(test_doc_behavioural),
      cmocka_unit_test(test_doc_rules),
      cmocka_unit_test(test_doc_rfm),
      cmocka_unit_test(test_doc_lifecycle),
      cmocka_unit_test(test_doc_engagement),
      cmocka_unit_test(test_doc_channel),
  };
  return cmocka_run_group_tests_name("demo shop", tests, setup_shop, teardown_shop);
}
