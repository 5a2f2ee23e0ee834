/*
** test_breaks.c — cut points as JSON, in and out (ext/core/breaks.c).
**
** seg_breaks_parse reads {"r":[..],"f":[..],"m":[..]}: valid objects in
** any key order and spacing, and every error message word for word (they
** reach users as "rfm_score: <message>").  seg_number_format prints the
** shortest text that reads back to the same double; seg_cuts_format a
** JSON array of those.
**
** Expected texts are typed here from the contract (breaks.h) and the
** format strings, never copied from the code's output.
**
**   make build/unit/test_breaks && ./build/unit/test_breaks
**
** test_locale_independent needs a locale whose decimal point is ','; with
** none installed it is skipped.  To run it without touching the system:
**
**   localedef -i de_DE -f UTF-8 /tmp/loc/de_DE.UTF-8
**   LOCPATH=/tmp/loc ./build/unit/test_breaks
*/
#include "testutil.h"

#include <float.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "breaks.h"

/* The example that every syntax error shows. */
#define LIKE                                                                   \
  "breaks must be JSON like {\"r\":[30,60,90,180],\"f\":[1,2,3,5],"            \
  "\"m\":[50,100,250,500]}, got '"

/* ---- helpers ----------------------------------------------------------- */

static seg_breaks parse_ok(const char *json) {
  seg_breaks b;
  char err[300] = "";
  memset(&b, 0xab, sizeof b);
  if (seg_breaks_parse(json, strlen(json), &b, err, sizeof err) != 0) {
    print_error("%s\nshould parse, got error: %s\n", json, err);
    fail();
  }
  return b;
}

static void assert_parse_error(const char *json, const char *want) {
  seg_breaks b;
  char err[300];
  memset(err, 'x', sizeof err);
  err[sizeof err - 1] = 0;
  if (seg_breaks_parse(json, strlen(json), &b, err, sizeof err) != -1) {
    print_error("%s\nshould not parse\n", json);
    fail();
  }
  if (strcmp(err, want) != 0) {
    print_error("%s\n  want: %s\n  got:  %s\n", json, want, err);
    fail();
  }
}

static void assert_cuts(const seg_cuts *c, int n, const double *v) {
  assert_int_equal(c->n, n);
  for (int i = 0; i < n; i++) {
    if (c->v[i] != v[i] || signbit(c->v[i]) != signbit(v[i])) {
      print_error("cut %d: want %.17g, got %.17g\n", i, v[i], c->v[i]);
      fail();
    }
  }
}

static void assert_number(double x, const char *want) {
  char out[SEG_NUMBER_MAX];
  memset(out, 'x', sizeof out);
  seg_number_format(x, out);
  if (strcmp(out, want) != 0) {
    print_error("%.17g: want \"%s\", got \"%s\"\n", x, want, out);
    fail();
  }
}

/* ---- parsing valid objects --------------------------------------------- */

static void test_parse_business_thresholds(void **state) {
  (void)state;
  seg_breaks b = parse_ok(
      "{\"r\":[30,60,90,180], \"f\":[1,2,3,5], \"m\":[50,100,250,500]}");
  assert_cuts(&b.r, 4, (const double[]){30, 60, 90, 180});
  assert_cuts(&b.f, 4, (const double[]){1, 2, 3, 5});
  assert_cuts(&b.m, 4, (const double[]){50, 100, 250, 500});
}

static void test_parse_any_order_and_whitespace(void **state) {
  (void)state;
  static const char *const texts[] = {
      "{\"m\":[3],\"r\":[1],\"f\":[2]}",
      "{\"f\":[2],\"m\":[3],\"r\":[1]}",
      " \t\r\n{ \"r\" : [ 1 ] ,\n\"f\"\t:\t[\t2\t]\r\n, \"m\":[3 ] } \n",
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    seg_breaks b = parse_ok(texts[i]);
    assert_cuts(&b.r, 1, (const double[]){1});
    assert_cuts(&b.f, 1, (const double[]){2});
    assert_cuts(&b.m, 1, (const double[]){3});
  }
}

/* JSON numbers: sign, fraction, exponent in every spelling; equal
** neighbours are fine (a heavily tied column yields them); 1 and 8 cut
** points are the ends of the range. */
static void test_parse_numbers(void **state) {
  (void)state;
  seg_breaks b = parse_ok(
      "{\"r\":[-5,-0.5,-0,0,1e2,1E2,1.5e+2,2.5E3],"
      "\"f\":[1,1,1,1,1,1,1,1],"
      "\"m\":[-1e-3,0.001,12.75,1234567.125]}");
  assert_cuts(&b.r, 8, (const double[]){-5, -0.5, -0.0, 0, 100, 100, 150, 2500});
  assert_cuts(&b.f, 8, (const double[]){1, 1, 1, 1, 1, 1, 1, 1});
  assert_cuts(&b.m, 4, (const double[]){-0.001, 0.001, 12.75, 1234567.125});
}

/* The text need not be NUL-terminated: only n bytes are read. */
static void test_parse_length_not_nul(void **state) {
  (void)state;
  const char *json = "{\"r\":[1],\"f\":[2],\"m\":[3]}garbage";
  seg_breaks b;
  char err[200] = "";
  assert_int_equal(seg_breaks_parse(json, 25, &b, err, sizeof err), 0);
  assert_cuts(&b.m, 1, (const double[]){3});
  /* One byte fewer cuts the closing brace. */
  assert_int_equal(seg_breaks_parse(json, 24, &b, err, sizeof err), -1);
  assert_string_equal(err, LIKE "{\"r\":[1],\"f\":[2],\"m\":[3]'");
  /* "[12]" cut after 23 bytes to "[1": the array is not closed. */
  const char *cut = "{\"r\":[1],\"f\":[2],\"m\":[12]}";
  assert_int_equal(seg_breaks_parse(cut, 23, &b, err, sizeof err), -1);
  assert_string_equal(err, "breaks \"m\" must be an array of numbers, got '[1'");
}

/* ---- error messages ---------------------------------------------------- */

static void test_error_unknown_key(void **state) {
  (void)state;
  assert_parse_error("{\"r\":[1],\"x\":[1],\"f\":[2],\"m\":[3]}",
                     "breaks has an unknown key \"x\" (expected \"r\", \"f\" and \"m\")");
  assert_parse_error("{\"R\":[1],\"f\":[2],\"m\":[3]}",
                     "breaks has an unknown key \"R\" (expected \"r\", \"f\" and \"m\")");
  assert_parse_error("{\"rf\":[1],\"f\":[2],\"m\":[3]}",
                     "breaks has an unknown key \"rf\" (expected \"r\", \"f\" and \"m\")");
  assert_parse_error("{\"\":[1]}",
                     "breaks has an unknown key \"\" (expected \"r\", \"f\" and \"m\")");
  /* A key of 50 bytes shows its first 40. */
  assert_parse_error(
      "{\"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX\":[1]}",
      "breaks has an unknown key \"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN\" "
      "(expected \"r\", \"f\" and \"m\")");
}

static void test_error_key_twice(void **state) {
  (void)state;
  assert_parse_error("{\"r\":[1],\"f\":[2],\"r\":[3],\"m\":[3]}",
                     "breaks has \"r\" twice");
  assert_parse_error("{\"m\":[1],\"m\":[1]}", "breaks has \"m\" twice");
  assert_parse_error("{\"r\":[1],\"f\":[2],\"m\":[3],\"f\":[2]}",
                     "breaks has \"f\" twice");
}

static void test_error_missing_key(void **state) {
  (void)state;
  assert_parse_error("{\"r\":[1],\"m\":[3]}",
                     "breaks has no \"f\" (expected \"r\", \"f\" and \"m\")");
  assert_parse_error("{\"f\":[1],\"m\":[3]}",
                     "breaks has no \"r\" (expected \"r\", \"f\" and \"m\")");
  assert_parse_error("{\"r\":[1],\"f\":[3]}",
                     "breaks has no \"m\" (expected \"r\", \"f\" and \"m\")");
  assert_parse_error("{}", "breaks has no \"r\" (expected \"r\", \"f\" and \"m\")");
  assert_parse_error(" { } ", "breaks has no \"r\" (expected \"r\", \"f\" and \"m\")");
}

/* The excerpt starts at the value (after its leading whitespace) and runs
** to the end of the text, 40 bytes at most, then "...". */
static void test_error_not_numbers(void **state) {
  (void)state;
  assert_parse_error("{\"r\":[1],\"f\":[2],\"m\":\"abc\"}",
                     "breaks \"m\" must be an array of numbers, got '\"abc\"}'");
  assert_parse_error("{\"r\": 5,\"f\":[2],\"m\":[3]}",
                     "breaks \"r\" must be an array of numbers, got '5,\"f\":[2],\"m\":[3]}'");
  assert_parse_error("{\"f\":[1,\"2\"],\"r\":[1],\"m\":[3]}",
                     "breaks \"f\" must be an array of numbers, got '[1,\"2\"],\"r\":[1],\"m\":[3]}'");
  assert_parse_error("{\"r\":[1,],\"f\":[2],\"m\":[3]}",
                     "breaks \"r\" must be an array of numbers, got '[1,],\"f\":[2],\"m\":[3]}'");
  assert_parse_error("{\"r\":[1 2],\"f\":[2],\"m\":[3]}",
                     "breaks \"r\" must be an array of numbers, got '[1 2],\"f\":[2],\"m\":[3]}'");
  assert_parse_error("{\"r\":[null],\"f\":[2],\"m\":[3]}",
                     "breaks \"r\" must be an array of numbers, got '[null],\"f\":[2],\"m\":[3]}'");
  assert_parse_error("{\"r\":[[1]],\"f\":[2],\"m\":[3]}",
                     "breaks \"r\" must be an array of numbers, got '[[1]],\"f\":[2],\"m\":[3]}'");
  /* Not JSON numbers: leading zero, bare point, plus sign, empty exponent,
  ** hex, NaN. */
  static const char *const bad[] = {"01", ".5", "5.", "+1", "1e", "1e+",
                                    "-", "0x10", "NaN", "Infinity", "- 1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char json[100], want[200];
    snprintf(json, sizeof json, "{\"m\":[%s]}", bad[i]);
    snprintf(want, sizeof want,
             "breaks \"m\" must be an array of numbers, got '[%s]}'", bad[i]);
    assert_parse_error(json, want);
  }
  /* A long rest is cut at 40 bytes with "...": from the '[' the text
  ** runs 46 bytes (17 + 5 + 9 + 5 + 10). */
  assert_parse_error(
      "{\"r\":  [1,x,3,4,5,6,7,8],\"f\":[1,2,3,4],\"m\":[1,2,3,4]}",
      "breaks \"r\" must be an array of numbers, got "
      "'[1,x,3,4,5,6,7,8],\"f\":[1,2,3,4],\"m\":[1,2...'");
  /* Control bytes in the excerpt become '?'. */
  assert_parse_error("{\"r\":[1,\t\"a\"\n]}",
                     "breaks \"r\" must be an array of numbers, got '[1,?\"a\"?]}'");
}

static void test_error_count(void **state) {
  (void)state;
  assert_parse_error("{\"r\":[],\"f\":[2],\"m\":[3]}",
                     "breaks \"r\" has 0 cut points (expected 1 to 8, for 2 to 9 bins)");
  assert_parse_error("{\"r\":[1],\"f\":[ ],\"m\":[3]}",
                     "breaks \"f\" has 0 cut points (expected 1 to 8, for 2 to 9 bins)");
  assert_parse_error("{\"r\":[1],\"f\":[2],\"m\":[1,2,3,4,5,6,7,8,9]}",
                     "breaks \"m\" has 9 cut points (expected 1 to 8, for 2 to 9 bins)");
  assert_parse_error("{\"r\":[1,2,3,4,5,6,7,8,9,10,11,12]}",
                     "breaks \"r\" has 12 cut points (expected 1 to 8, for 2 to 9 bins)");
}

static void test_error_not_ascending(void **state) {
  (void)state;
  assert_parse_error("{\"r\":[1],\"f\":[2],\"m\":[50,200,100,500]}",
                     "breaks \"m\" must be ascending, got 200 before 100");
  assert_parse_error("{\"r\":[30,60,59.5],\"f\":[2],\"m\":[3]}",
                     "breaks \"r\" must be ascending, got 60 before 59.5");
  assert_parse_error("{\"f\":[0.1,-1e300],\"r\":[1],\"m\":[3]}",
                     "breaks \"f\" must be ascending, got 0.1 before -1e+300");
}

static void test_error_syntax(void **state) {
  (void)state;
  assert_parse_error("", LIKE "'");
  assert_parse_error("[1,2,3]", LIKE "[1,2,3]'");
  assert_parse_error("{\"r\":[1],\"f\":[2],\"m\":[3]", LIKE "{\"r\":[1],\"f\":[2],\"m\":[3]'");
  assert_parse_error("{\"r\":[1],\"f\":[2],\"m\":[3]} x", LIKE "{\"r\":[1],\"f\":[2],\"m\":[3]} x'");
  assert_parse_error("{\"r\":[1],\"f\":[2],\"m\":[3],}", LIKE "{\"r\":[1],\"f\":[2],\"m\":[3],}'");
  assert_parse_error("{\"r\"[1]}", LIKE "{\"r\"[1]}'");
  assert_parse_error("{r:[1]}", LIKE "{r:[1]}'");
  assert_parse_error("{'r':[1]}", LIKE "{'r':[1]}'");
  assert_parse_error("{\"r", LIKE "{\"r'");
  assert_parse_error("{\"\\u0072\":[1]}", LIKE "{\"\\u0072\":[1]}'");
  /* 54 bytes: the first 40 and "...". */
  assert_parse_error("{\"r\":[30,60,90,180],\"f\":[1,2,3,5],\"m\":[50,100,250,500]",
                     LIKE "{\"r\":[30,60,90,180],\"f\":[1,2,3,5],\"m\":[5...'");
  /* 40 bytes (25 + 14 spaces + 'x'): all shown, no "...". */
  assert_parse_error("{\"r\":[1],\"f\":[2],\"m\":[3]}              x",
                     LIKE "{\"r\":[1],\"f\":[2],\"m\":[3]}              x'");
  /* 41 bytes: the first 40 and "...". */
  assert_parse_error("{\"r\":[1],\"f\":[2],\"m\":[3]}              xy",
                     LIKE "{\"r\":[1],\"f\":[2],\"m\":[3]}              x...'");
  /* Control bytes become '?'. */
  assert_parse_error("\x01{", LIKE "?{'");
}

/* A short err buffer gets a truncated, terminated message. */
static void test_error_buffer(void **state) {
  (void)state;
  seg_breaks b;
  char err[12];
  memset(err, 'x', sizeof err);
  assert_int_equal(seg_breaks_parse("{}", 2, &b, err, sizeof err), -1);
  assert_string_equal(err, "breaks has ");
}

/* ---- printing numbers -------------------------------------------------- */

static void test_number_format_cases(void **state) {
  (void)state;
  assert_number(3, "3");
  assert_number(41.5, "41.5");
  assert_number(0.1, "0.1");
  assert_number(1e300, "1e+300");
  assert_number(-0.0, "0");
  assert_number(0.0, "0");
  assert_number(0.1 + 0.2, "0.30000000000000004");
  assert_number(-2.5, "-2.5");
  /* Whole numbers in full, as business thresholds are typed. */
  assert_number(180, "180");
  assert_number(200, "200");
  assert_number(100000, "100000");
  assert_number(-5, "-5");
  assert_number(10, "10");
  assert_number(1234567.125, "1234567.125");
  assert_number(1.0 / 3.0, "0.3333333333333333");  /* 16 digits suffice */
  assert_number(2.0 / 3.0, "0.6666666666666666");
  assert_number(123456789012345678.0, "1.2345678901234568e+17");
  assert_number(DBL_MAX, "1.7976931348623157e+308");
  assert_number(-DBL_MIN, "-2.2250738585072014e-308");
  assert_number(1e-7, "1e-07");
  assert_number(9007199254740993.0, "9007199254740992"); /* 2^53+1 is 2^53 */
}

/* Subnormals: the shortest text of the smallest double is "5e-324" (and
** strtod("5e-324") is that double), of 2^-1073 "1e-323". */
static void test_number_format_subnormal_shortest(void **state) {
  (void)state;
  assert_true(strtod("5e-324", NULL) == 0x1p-1074);
  assert_true(strtod("1e-323", NULL) == 0x1p-1073);
  assert_number(0x1p-1074, "5e-324");
  assert_number(-0x1p-1073, "-1e-323");
}

/* Independent shortest: the first precision p in 1..17 whose %.*g reads
** back to x (strtod is correct on glibc). */
static int shortest_digits(double x) {
  char buf[64];
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*g", p, x);
    if (strtod(buf, NULL) == x) return p;
  }
  return 99;
}

/* The significant digits of a %g-style text: drop sign, exponent, point,
** leading zeros and trailing zeros of the mantissa. */
static int significant_digits(const char *z) {
  char mant[64];
  size_t k = 0;
  for (const char *p = z; *p && *p != 'e' && *p != 'E'; p++)
    if (*p >= '0' && *p <= '9') mant[k++] = *p;
  mant[k] = 0;
  size_t a = 0;
  while (mant[a] == '0') a++;
  while (k > a && mant[k - 1] == '0') k--;
  return (int)(k - a);
}

static uint64_t rng_state = 0x1234;
static uint64_t rng_next(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Many doubles: random bit patterns (every finite double is possible),
** cents, and short decimals.  Each must read back bit for bit, fit the
** buffer, be a JSON number, and use no more significant digits than the
** shortest %.*g that reads back (normal doubles; subnormals have their own
** test above). */
static void test_number_format_round_trip(void **state) {
  (void)state;
  int checked = 0;
  for (int i = 0; i < 300000; i++) {
    double x;
    uint64_t bits = rng_next();
    switch (i % 3) {
      case 0: memcpy(&x, &bits, sizeof x); break;
      case 1: x = (double)(int64_t)(bits % 20000001) / 100.0 - 100000.0; break;
      default: x = (double)(bits % 1000) * pow(10.0, (double)((int)((bits >> 40) % 40) - 20));
    }
    if (!isfinite(x)) continue;
    char out[SEG_NUMBER_MAX + 8];
    memset(out, 'x', sizeof out);
    out[sizeof out - 1] = 0;
    seg_number_format(x, out);
    size_t len = strlen(out);
    assert_true(len < SEG_NUMBER_MAX);
    char *end;
    double back = strtod(out, &end);
    assert_true(*end == 0);
    double want = x == 0 ? 0.0 : x; /* -0 prints as 0 */
    if (memcmp(&back, &want, sizeof back) != 0) {
      print_error("%.17g printed \"%s\" reads back %.17g\n", x, out, back);
      fail();
    }
    /* JSON: optional '-', then a digit, no '+' before the mantissa. */
    const char *p = out[0] == '-' ? out + 1 : out;
    assert_true(*p >= '0' && *p <= '9');
    if (x != 0 && fabs(x) >= DBL_MIN &&
        significant_digits(out) > shortest_digits(x)) {
      print_error("%.17g printed \"%s\": %d digits, %d suffice\n", x, out,
                  significant_digits(out), shortest_digits(x));
      fail();
    }
    checked++;
  }
  assert_true(checked > 290000);
}

/* The decimal point is '.', whatever LC_NUMERIC says. */
static void test_locale_independent(void **state) {
  (void)state;
  static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE",
                                      "fr_FR.UTF-8", "fr_FR.utf8", "ru_RU.UTF-8"};
  const char *found = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0] && !found; i++)
    if (setlocale(LC_NUMERIC, names[i])) found = names[i];
  if (!found || strcmp(localeconv()->decimal_point, ",") != 0) {
    setlocale(LC_NUMERIC, "C");
    print_message("skipped: no locale with a ',' decimal point is installed\n");
    skip();
  }
  char out[SEG_NUMBER_MAX];
  seg_number_format(41.5, out);
  seg_breaks b = parse_ok("{\"r\":[1.5],\"f\":[2.25],\"m\":[3e-1]}");
  setlocale(LC_NUMERIC, "C");
  assert_string_equal(out, "41.5");
  assert_cuts(&b.r, 1, (const double[]){1.5});
  assert_cuts(&b.f, 1, (const double[]){2.25});
  assert_cuts(&b.m, 1, (const double[]){0.3});
}

/* ---- printing arrays --------------------------------------------------- */

static void test_cuts_format(void **state) {
  (void)state;
  char out[SEG_CUTS_JSON_MAX];
  seg_cuts_format((const double[]){10, 20, 20, 41.5}, 4, out);
  assert_string_equal(out, "[10,20,20,41.5]");
  seg_cuts_format((const double[]){-0.0}, 1, out);
  assert_string_equal(out, "[0]");
  seg_cuts_format((const double[]){0.1 + 0.2, -1e300}, 2, out);
  assert_string_equal(out, "[0.30000000000000004,-1e+300]");
  seg_cuts_format(NULL, 0, out);
  assert_string_equal(out, "[]");
  /* The longest: 8 numbers of the longest form, 24 bytes each. */
  double longest[8];
  for (int i = 0; i < 8; i++) longest[i] = -2.2250738585072014e-308;
  memset(out, 'x', sizeof out);
  seg_cuts_format(longest, 8, out);
  assert_int_equal(strlen(out), 2 + 8 * 24 + 7);
  assert_true(strlen(out) < SEG_CUTS_JSON_MAX);
}

/* What seg_cuts_format prints, seg_breaks_parse reads back exactly. */
static void test_cuts_round_trip(void **state) {
  (void)state;
  rng_state = 99;
  for (int trial = 0; trial < 5000; trial++) {
    double v[8];
    int n = 1 + (int)(rng_next() % 8);
    double x = ((double)(rng_next() >> 11) - 0x1p52) * pow(10.0, (double)(rng_next() % 30) - 20);
    for (int i = 0; i < n; i++) {
      v[i] = x;
      if (rng_next() % 3) x += (double)(rng_next() >> 11) * 0x1p-40;
    }
    char r[SEG_CUTS_JSON_MAX], json[3 * SEG_CUTS_JSON_MAX + 32];
    seg_cuts_format(v, n, r);
    snprintf(json, sizeof json, "{\"r\":%s,\"f\":%s,\"m\":%s}", r, r, r);
    seg_breaks b = parse_ok(json);
    assert_cuts(&b.r, n, v);
    assert_cuts(&b.f, n, v);
    assert_cuts(&b.m, n, v);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_business_thresholds),
      cmocka_unit_test(test_parse_any_order_and_whitespace),
      cmocka_unit_test(test_parse_numbers),
      cmocka_unit_test(test_parse_length_not_nul),
      cmocka_unit_test(test_error_unknown_key),
      cmocka_unit_test(test_error_key_twice),
      cmocka_unit_test(test_error_missing_key),
      cmocka_unit_test(test_error_not_numbers),
      cmocka_unit_test(test_error_count),
      cmocka_unit_test(test_error_not_ascending),
      cmocka_unit_test(test_error_syntax),
      cmocka_unit_test(test_error_buffer),
      cmocka_unit_test(test_number_format_cases),
      cmocka_unit_test(test_number_format_subnormal_shortest),
      cmocka_unit_test(test_number_format_round_trip),
      cmocka_unit_test(test_locale_independent),
      cmocka_unit_test(test_cuts_format),
      cmocka_unit_test(test_cuts_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
