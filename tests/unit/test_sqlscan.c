/*
** test_sqlscan.c — the balanced-expression check (ext/core/sqlscan.c).
**
** The glue pastes a user's filter= into "... WHERE (" filter "\n)".  The
** check must accept any ordinary expression, whatever its strings,
** quoted identifiers and comments hold, and refuse anything that could
** close the parentheses early, start a second statement or leave
** something open, with the reason word for word (the glue puts it in
** "segments: filter ... has <reason>").
**
**   make build/unit/test_sqlscan && ./build/unit/test_sqlscan
*/
#include "testutil.h"

#include <string.h>

#include "sqlscan.h"

static void assert_accepted(const char *z) {
  char err[128] = "untouched";
  if (seg_sql_check_expression(z, err, sizeof err) != 0) {
    print_error("\"%s\" should be accepted, got: %s\n", z, err);
    fail();
  }
}

static void assert_refused(const char *z, const char *reason) {
  char err[128];
  memset(err, 'x', sizeof err);
  err[sizeof err - 1] = 0;
  if (seg_sql_check_expression(z, err, sizeof err) != -1) {
    print_error("\"%s\" should be refused (%s)\n", z, reason);
    fail();
  }
  if (strcmp(err, reason) != 0) {
    print_error("\"%s\": want \"%s\", got \"%s\"\n", z, reason, err);
    fail();
  }
}

static void test_accepted(void **state) {
  (void)state;
  assert_accepted("status = 'paid'");
  assert_accepted("1");
  assert_accepted("x");
  assert_accepted("(a = 1 OR (b = 2 AND (c IN (1, 2, 3))))");
  assert_accepted("coalesce(total, 0) > 0 AND created_at >= date('now', '-1 year')");
  assert_accepted("CASE WHEN a THEN (1) ELSE (2) END = 1");
  /* Parentheses and semicolons inside strings do not count. */
  assert_accepted("note = ')'");
  assert_accepted("note = 'a); DROP TABLE t; --'");
  assert_accepted("note = ';'");
  assert_accepted("note = '('");
  assert_accepted("name = 'it''s'");          /* doubled quote inside */
  assert_accepted("name = 'it'''");           /* ... at the end */
  assert_accepted("x = ''");
  assert_accepted("x = X'41'");               /* a blob literal */
  /* Quoted identifiers of every kind. */
  assert_accepted("[odd)name] = 1");
  assert_accepted("[;(] = 1");
  assert_accepted("\"x\"\"y\" = 1");
  assert_accepted("\"a)b\" = 1");
  assert_accepted("`a)b` = 1");
  assert_accepted("`a``)` = 1");
  /* Comments hide what they hold. */
  assert_accepted("a -- comment");
  assert_accepted("a -- ); DROP TABLE t");
  assert_accepted("a -- )\n AND b");
  assert_accepted("a /* ) ; ( */ = 1");
  assert_accepted("/* lead */ a");
  assert_accepted("a /**/ = 1");
  assert_accepted("a = 1 /* ( */");
  /* A minus and a slash that do not start comments. */
  assert_accepted("a - -1");
  assert_accepted("a - 1 / 2");
  assert_accepted("-a");
  /* Whitespace of every kind around it. */
  assert_accepted(" \t\r\n\f(a)\n");
}

static void test_refused(void **state) {
  (void)state;
  assert_refused("1); DROP TABLE t; --", "an unmatched ')'");
  assert_refused(")", "an unmatched ')'");
  assert_refused("a) OR (b", "an unmatched ')'");
  assert_refused("(a))", "an unmatched ')'");
  assert_refused("a -- x\n)", "an unmatched ')'");  /* the comment ends */
  assert_refused("a /* x */ )", "an unmatched ')'");
  assert_refused("'x' )", "an unmatched ')'");
  assert_refused("a;b", "a ';'");
  assert_refused("a;", "a ';'");
  assert_refused(";", "a ';'");
  assert_refused("(a;b)", "a ';'");
  assert_refused("'x';", "a ';'");
  assert_refused("(1", "an unclosed '('");
  assert_refused("((a)", "an unclosed '('");
  assert_refused("( -- )", "an unclosed '('");
  assert_refused("( /* ) */", "an unclosed '('");
  assert_refused("(')'", "an unclosed '('");
  assert_refused("'abc", "an unterminated quote");
  assert_refused("a = 'it''", "an unterminated quote");
  assert_refused("\"abc", "an unterminated quote");
  assert_refused("`abc", "an unterminated quote");
  assert_refused("a = 'x", "an unterminated quote");
  assert_refused("[abc", "an unterminated [identifier]");
  assert_refused("/* x", "an unterminated comment");
  assert_refused("a /*", "an unterminated comment");
  assert_refused("a /*/", "an unterminated comment");   /* slash-star-slash does not close */
  assert_refused("a /* x *", "an unterminated comment");
  assert_refused("", "nothing");
  assert_refused("  -- only a comment", "nothing");
  assert_refused(" \t\n ", "nothing");
  assert_refused("/* only */", "nothing");
  assert_refused("/**/ -- and this", "nothing");
  assert_refused("/*/ x */", "nothing");  /* one comment, x is inside it */
}

/* A short err buffer gets a truncated, terminated reason. */
static void test_short_buffer(void **state) {
  (void)state;
  char err[6];
  memset(err, 'x', sizeof err);
  assert_int_equal(seg_sql_check_expression("a;b", err, sizeof err), -1);
  assert_string_equal(err, "a ';'");
  char tiny[4];
  memset(tiny, 'x', sizeof tiny);
  assert_int_equal(seg_sql_check_expression(")", tiny, sizeof tiny), -1);
  assert_string_equal(tiny, "an ");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_accepted),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_short_buffer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
