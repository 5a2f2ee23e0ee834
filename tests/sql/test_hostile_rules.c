/*
** test_hostile_rules.c — a rule map from someone else's database file
** cannot make the victim who SELECTs run anything but reads.
**
** The attacker's file holds a segments table with map='m', a rule map
** table m, and a view that calls writefile().  The map's rules are data,
** so the attacker needs no schema trick: after a harmless CREATE, a plain
** UPDATE puts each hostile rule in place — a call of load_extension(), the
** sqlite3 shell's writefile(), readfile() and edit(), fts3_tokenizer(),
** random() (any function not on the allow-list), a ';' and a second
** statement, a ')' that tries to close the CASE it is pasted into, a view
** that calls writefile(), a table-valued function.
**
** The victim is a host like any (the extension loaded, defensive on) that
** also has stand-ins for those functions, registered with no flags at all
** (the worst host: a trusted schema may call them); each counts its calls,
** and writefile() really writes its file.  With trusted_schema on and off,
** SELECT * and SELECT matched_rules must fail with the refusal that names
** the map row (segment and priority), word for word, no stand-in may have
** run, and no file may exist.
*/
#include "sqltest.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

enum { F_WRITEFILE, F_READFILE, F_EDIT, F_LOAD_EXTENSION, F_FTS3_TOKENIZER, F_RANDOM, F_COUNT };
static const char *const azStandIn[F_COUNT] = {
    "writefile", "readfile", "edit", "load_extension", "fts3_tokenizer", "random"};
static int anCalls[F_COUNT];

static void standIn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  int i = (int)(intptr_t)sqlite3_user_data(ctx);
  anCalls[i]++;
  if (i == F_WRITEFILE && argc >= 2) {
    FILE *f = fopen((const char *)sqlite3_value_text(argv[0]), "wb");
    if (f) {
      fwrite(sqlite3_value_blob(argv[1]), 1, (size_t)sqlite3_value_bytes(argv[1]), f);
      fclose(f);
    }
  }
  sqlite3_result_int(ctx, 1);
}

static char zFile[64];   /* the attacker's database */
static char zPwned[80];  /* the file writefile() would write */

#define NOT_ALLOWED "(only pure built-in functions and this extension's are allowed)"
#define ROW "segments: map \"m\" row 'Evil' (priority 2): rule"

/* Each hostile rule (%s: the path zPwned) and the refusal it must get
** (%s: the rule as stored); zUntrusted: the refusal with trusted_schema
** off, when SQLite's own check comes first (NULL: the same). */
static const struct {
  const char *zRule, *zError, *zUntrusted;
} aEvil[] = {
    {"writefile('%s', 'owned') IS NOT NULL", ROW " may not call writefile() " NOT_ALLOWED, NULL},
    {"readfile('/etc/passwd') IS NOT NULL", ROW " may not call readfile() " NOT_ALLOWED, NULL},
    {"edit(city) IS NOT NULL", ROW " may not call edit() " NOT_ALLOWED, NULL},
    {"load_extension('%s.so') IS NULL", ROW " may not call load_extension() " NOT_ALLOWED, NULL},
    {"fts3_tokenizer('simple') IS NOT NULL", ROW " may not call fts3_tokenizer() " NOT_ALLOWED, NULL},
    {"random() > 0", ROW " may not call random() " NOT_ALLOWED, NULL},
    {"frequency > 0; DROP TABLE orders", ROW " must be one SQL expression, found a ';' in '%s'", NULL},
    {"1; SELECT writefile('%s', 'owned')", ROW " must be one SQL expression, found a ';' in '%s'", NULL},
    {"1) THEN 1 END, writefile('%s', 'owned') FROM orders --",
     ROW " must be one SQL expression, found an unmatched ')' in '%s'", NULL},
    {"customer_id IN (SELECT customer_id FROM sneaky)", ROW " may not call writefile() " NOT_ALLOWED,
     ROW " '%s': unsafe use of writefile()"},
    {"customer_id IN (SELECT value FROM json_each('[1, 2]'))", ROW " may not read virtual tables", NULL},
};
#define N_EVIL (sizeof(aEvil) / sizeof(aEvil[0]))

static int craft(void **state) {
  int fd;
  sqlite3 *db;
  char *zSql;
  (void)state;
  strcpy(zFile, "/tmp/segment-rules-XXXXXX");
  fd = mkstemp(zFile);
  if (fd < 0) return -1;
  close(fd);
  snprintf(zPwned, sizeof zPwned, "%s.pwned", zFile);
  unlink(zPwned);
  db = sqltest_open_file(zFile);
  zSql = sqlite3_mprintf(
      "CREATE TABLE orders(customer_id, created_at, total);"
      "INSERT INTO orders VALUES(1, '2024-12-01', 10), (2, '2024-06-01', 20), (1, '2024-11-01', 5);"
      "CREATE TABLE customers(customer_id INTEGER PRIMARY KEY, city TEXT);"
      "INSERT INTO customers VALUES(1, 'Moscow'), (2, 'Paris'), (3, 'Rome');"
      "CREATE VIEW sneaky AS SELECT customer_id FROM orders WHERE writefile(%Q, 'owned') > 0;"
      "CREATE TABLE m(segment TEXT, rule TEXT, priority INTEGER);"
      "INSERT INTO m VALUES('Fine', 'frequency >= 2', 1), ('Evil', 'city = ''Paris''', 2);"
      "CREATE VIRTUAL TABLE shop USING segments(orders='orders', customer='customer_id',"
      " ordered_at='created_at', amount='total', customers='customers', as_of='2025-01-01',"
      " map='m');",
      zPwned);
  sqltest_exec(db, zSql);
  sqlite3_free(zSql);
  /* The harmless map works, so a refusal below is the rule's doing. */
  assert_sql_text(db, "SELECT group_concat(customer_id || ':' || segment, ' ') FROM shop",
                  "1:Fine 2:Evil 3:Other");
  sqltest_close(db);
  return 0;
}

static int remove_crafted(void **state) {
  (void)state;
  unlink(zFile);
  unlink(zPwned);
  return 0;
}

static sqlite3 *open_victim(int bTrusted) {
  sqlite3 *db = sqltest_open_file(zFile);
  static const struct { int iFunc, nArg; } aReg[] = {
      {F_WRITEFILE, -1}, {F_READFILE, 1}, {F_EDIT, 1}, {F_EDIT, 2}, {F_LOAD_EXTENSION, 1},
      {F_LOAD_EXTENSION, 2}, {F_FTS3_TOKENIZER, 1}, {F_FTS3_TOKENIZER, 2}, {F_RANDOM, 0}};
  for (size_t i = 0; i < sizeof(aReg) / sizeof(aReg[0]); i++)
    assert_int_equal(sqlite3_create_function(db, azStandIn[aReg[i].iFunc], aReg[i].nArg,
                                             SQLITE_UTF8, (void *)(intptr_t)aReg[i].iFunc,
                                             standIn, 0, 0),
                     SQLITE_OK);
  assert_int_equal(sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, bTrusted, (int *)0),
                   SQLITE_OK);
  memset(anCalls, 0, sizeof anCalls);
  return db;
}

static void assert_nothing_ran(void) {
  struct stat st;
  for (int i = 0; i < F_COUNT; i++) {
    if (anCalls[i]) {
      print_error("%s() ran %d times\n", azStandIn[i], anCalls[i]);
      fail();
    }
  }
  assert_int_not_equal(stat(zPwned, &st), 0);
}

static void test_hostile_rules_are_refused_naming_the_row(void **state) {
  (void)state;
  for (size_t i = 0; i < N_EVIL; i++) {
    char *zRule = sqlite3_mprintf(aEvil[i].zRule, zPwned);
    for (int bTrusted = 1; bTrusted >= 0; bTrusted--) {
      sqlite3 *db = open_victim(bTrusted);
      char *zError = sqlite3_mprintf(
          !bTrusted && aEvil[i].zUntrusted ? aEvil[i].zUntrusted : aEvil[i].zError, zRule);
      char *zSet = sqlite3_mprintf("UPDATE m SET rule = %Q WHERE segment = 'Evil'", zRule);
      sqltest_exec(db, zSet);
      sqlite3_free(zSet);
      assert_sql_error(db, "SELECT * FROM shop", zError);
      assert_sql_error(db, "SELECT customer_id, matched_rules FROM shop", zError);
      assert_sql_error(db, "SELECT count(*) FROM shop WHERE segment = 'Evil'", zError);
      assert_sql_error(db, "INSERT INTO shop(shop) VALUES('refresh')", zError);
      assert_nothing_ran();
      sqltest_close(db);
      sqlite3_free(zError);
    }
    sqlite3_free(zRule);
  }
}

/* The stand-ins do run when called directly, so the silence above means
** something. */
static void test_stand_ins_work(void **state) {
  sqlite3 *db = open_victim(1);
  char *zSql = sqlite3_mprintf(
      "SELECT writefile(%Q, 'x') + readfile('/etc/passwd') + edit('a') + load_extension('x')"
      " + fts3_tokenizer('simple') + random()", zPwned);
  struct stat st;
  int rc;
  (void)state;
  assert_sql_text(db, zSql, "6");
  rc = stat(zPwned, &st);
  unlink(zPwned);
  for (int i = 0; i < F_COUNT; i++) assert_int_equal(anCalls[i], 1);
  assert_int_equal(rc, 0);
  sqlite3_free(zSql);
  sqltest_close(db);
}

/* A map row whose rule only reads (a subquery on a table, the
** extension's own functions) is not refused. */
static void test_reading_rules_run(void **state) {
  sqlite3 *db = open_victim(0);
  (void)state;
  sqltest_exec(db,
      "UPDATE m SET rule = 'customer_id IN (SELECT customer_id FROM orders WHERE total >= 20)"
      " AND segment_of(rfm) IS NOT NULL' WHERE segment = 'Evil'");
  assert_sql_text(db, "SELECT group_concat(customer_id || ':' || segment, ' ') FROM shop",
                  "1:Fine 2:Evil 3:Other");
  assert_nothing_ran();
  sqltest_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stand_ins_work),
      cmocka_unit_test(test_hostile_rules_are_refused_naming_the_row),
      cmocka_unit_test(test_reading_rules_run),
  };
  return cmocka_run_group_tests_name("hostile rules", tests, craft, remove_crafted);
}
