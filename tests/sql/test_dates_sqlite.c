/*
** test_dates_sqlite.c — ext/core/dates.c checked against SQLite itself.
**
** The core promises to read dates exactly as SQLite's julianday() and
** date() do (dates.h).  This test asks a plain SQLite connection, with no
** extension loaded, about tens of thousands of strings and numbers and
** compares every answer, bit for bit:
**
**   - every day SQLite can print, -4713-11-24 to 9999-12-31, formatted;
**   - strings made by a fixed-seed generator: valid dates and times of
**     every shape, time-only, julian numbers, and near misses (wrong
**     widths, out-of-range fields, stray and missing characters);
**   - julian days held as REALs, and Unix seconds.
**
** The first mismatch fails the test and prints the input.  'now' is the
** one input the core rejects on purpose.
**
** Build and run (make's rule for tests/sql/ also wants dist/segment.so):
**
**   cc -std=c99 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L \
**      -O2 -Iext/core -o build/sql/test_dates_sqlite \
**      tests/sql/test_dates_sqlite.c -lsqlite3 -lcmocka -lm
**   ./build/sql/test_dates_sqlite
*/
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

/* The core is compiled into this binary directly: make's rule for
** tests/sql/ links -lsqlite3 but no ext/core objects (those tests reach
** the core through dist/segment.so), and this test must not depend on
** the extension building, since it tests only the core. */
#include "../../ext/core/dates.c"

#define N_GENERATED 40000

/* ---- a connection and one prepared query ------------------------------ */

typedef struct Oracle {
  sqlite3 *db;
  sqlite3_stmt *text;   /* julianday(?1), date(?1), and the two re-reads */
  sqlite3_stmt *real;   /* date(?1) of a REAL */
  sqlite3_stmt *unix;   /* date(?1, 'unixepoch') */
} Oracle;

static void prepare(Oracle *o, const char *sql, sqlite3_stmt **stmt) {
  if (sqlite3_prepare_v2(o->db, sql, -1, stmt, NULL) != SQLITE_OK) {
    print_error("cannot prepare %s: %s\n", sql, sqlite3_errmsg(o->db));
    fail();
  }
}

static int setup(void **state) {
  Oracle *o = calloc(1, sizeof(*o));
  if (o == NULL) return -1;
  if (sqlite3_open(":memory:", &o->db) != SQLITE_OK) return -1;
  prepare(o,
          "SELECT julianday(?1), date(?1), date(julianday(?1)),"
          " date(julianday(date(?1)))",
          &o->text);
  prepare(o, "SELECT date(?1)", &o->real);
  prepare(o, "SELECT date(?1, 'unixepoch')", &o->unix);
  *state = o;
  return 0;
}

static int teardown(void **state) {
  Oracle *o = *state;
  sqlite3_finalize(o->text);
  sqlite3_finalize(o->real);
  sqlite3_finalize(o->unix);
  assert_int_equal(sqlite3_close(o->db), SQLITE_OK);
  free(o);
  return 0;
}

/* Print z with its control characters escaped, for failure messages. */
static const char *show(const char *z, size_t n) {
  static char buf[2048];
  size_t k = 0;
  for (size_t i = 0; i < n && k + 8 < sizeof(buf); i++) {
    unsigned char c = (unsigned char)z[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      buf[k++] = (char)c;
    } else {
      k += (size_t)snprintf(buf + k, sizeof(buf) - k, "\\x%02x", c);
    }
  }
  if (k + 8 >= sizeof(buf)) k += (size_t)snprintf(buf + k, 4, "...");
  buf[k] = 0;
  return buf;
}

static const char *col_text(sqlite3_stmt *s, int i) {
  const unsigned char *t = sqlite3_column_text(s, i);
  return t ? (const char *)t : "NULL";
}

/* Outcome counts, printed at the end of the generated test. */
static int n_valid, n_null, n_echo;

/* Compare the core with SQLite on the n bytes at z.  Returns 0, or -1
** after printing what differs. */
static int compare_text(Oracle *o, const char *z, size_t n) {
  sqlite3_stmt *s = o->text;
  int64_t ijd = 0;
  int32_t day_text = 0;
  int rc = seg_date_parse_text(z, n, &ijd);
  int rc_day = seg_day_from_text(z, n, &day_text);
  int ok = 0;
  char fmt[SEG_DAY_FORMAT_SIZE];

  sqlite3_reset(s);
  sqlite3_bind_text(s, 1, z, (int)n, SQLITE_TRANSIENT);
  if (sqlite3_step(s) != SQLITE_ROW) {
    print_error("step failed: %s\n", sqlite3_errmsg(o->db));
    return -1;
  }
  if (sqlite3_column_type(s, 0) == SQLITE_NULL) {
    if (rc == -1 && rc_day == -1) {
      n_null++;
      return 0;
    }
    print_error("'%s': SQLite says NULL, core says %lld (day rc %d)\n",
                show(z, n), (long long)ijd, rc_day);
    return -1;
  }
  if (rc != 0 || rc_day != 0) {
    print_error("'%s': SQLite says %.17g, core says not a date (%d, %d)\n",
                show(z, n), sqlite3_column_double(s, 0), rc, rc_day);
    return -1;
  }
  if (sqlite3_column_double(s, 0) != ijd / 86400000.0) {
    print_error("'%s': julianday %.17g, core %.17g (ijd %lld)\n", show(z, n),
                sqlite3_column_double(s, 0), ijd / 86400000.0,
                (long long)ijd);
    return -1;
  }
  /* The day of the instant: date(julianday(z)). */
  seg_day_format(seg_day_from_ijd(ijd), fmt);
  if (strcmp(fmt, col_text(s, 2)) != 0) {
    print_error("'%s': date(julianday(z)) '%s', core '%s'\n", show(z, n),
                col_text(s, 2), fmt);
    return -1;
  }
  /* The day date(z) names, read back: julianday(date(z)).  At julian day
  ** 0 itself SQLite cannot read its own date back (midnight is day -0.5);
  ** date(z) is then the answer. */
  seg_day_format(day_text, fmt);
  if (sqlite3_column_type(s, 3) == SQLITE_NULL) {
    ok = strcmp(fmt, col_text(s, 1)) == 0;
  } else {
    ok = strcmp(fmt, col_text(s, 3)) == 0;
  }
  if (!ok) {
    print_error("'%s': date(z) '%s', date(julianday(date(z))) '%s', core "
                "'%s'\n",
                show(z, n), col_text(s, 1), col_text(s, 3), fmt);
    return -1;
  }
  if (strcmp(col_text(s, 1), col_text(s, 2)) != 0) n_echo++;
  n_valid++;
  return 0;
}

static void check_text(Oracle *o, const char *z) {
  if (compare_text(o, z, strlen(z)) != 0) fail();
}

/* ---- a fixed-seed generator ------------------------------------------ */

static uint64_t rng_state = 0x5eed2024c0ffee01u;

static uint64_t rng_next(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1du;
}

static int rnd(int lo, int hi) { /* lo..hi inclusive */
  return lo + (int)(rng_next() % (uint64_t)(hi - lo + 1));
}

static int chance(int percent) { return rnd(1, 100) <= percent; }

static const char SPACES[] = " \t\n\v\f\r";

/* Append printf output to buf (of size BUF), which must stay a string. */
#define BUF 1200
static void add(char *buf, const char *fmt, ...) {
  size_t k = strlen(buf);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + k, BUF - k, fmt, ap);
  va_end(ap);
}

static void add_spaces(char *buf, int min, int max) {
  int k = rnd(min, max);
  while (k-- > 0) add(buf, "%c", SPACES[rnd(0, 5)]);
}

/* A number of the given width, usually in range, sometimes just outside
** when bad is set; the width itself is sometimes off by one when bad. */
static void add_field(char *buf, int width, int lo, int hi, int bad) {
  int v = rnd(lo, hi);
  if (bad && chance(50)) {
    v = chance(50) ? lo - 1 : hi + 1;
    if (v < 0) v = hi + 1;
  }
  if (bad && chance(30)) width += chance(50) ? -1 : 1;
  add(buf, "%0*d", width, v);
}

/* Which field, if any, a near miss breaks. */
enum { F_NONE, F_YEAR, F_MONTH, F_DAY, F_HOUR, F_MIN, F_SEC, F_ZH, F_ZM };

static void add_time(char *buf, int bad) {
  add_field(buf, 2, 0, 24, bad == F_HOUR);
  add(buf, ":");
  add_field(buf, 2, 0, 59, bad == F_MIN);
  if (chance(70) || bad == F_SEC) {
    add(buf, ":");
    add_field(buf, 2, 0, 59, bad == F_SEC);
    if (chance(50)) {
      int k = chance(5) ? rnd(300, 330) : rnd(1, 20);
      int nines = chance(20);
      add(buf, ".");
      while (k-- > 0) add(buf, "%c", nines ? '9' : '0' + rnd(0, 9));
    }
  }
  if (chance(50) || bad == F_ZH || bad == F_ZM) {
    if (chance(30)) add_spaces(buf, 1, 2);
    if (chance(25) && bad != F_ZH && bad != F_ZM) {
      add(buf, "%c", chance(50) ? 'Z' : 'z');
    } else {
      add(buf, "%c", chance(50) ? '+' : '-');
      add_field(buf, 2, 0, 14, bad == F_ZH);
      add(buf, ":");
      add_field(buf, 2, 0, 59, bad == F_ZM);
    }
  }
  if (chance(15)) add_spaces(buf, 1, 3);
}

/* A [-]YYYY-MM-DD with or without a time, breaking field bad. */
static void gen_datetime(char *buf, int bad) {
  int y;
  buf[0] = 0;
  if (chance(5)) {
    add(buf, "-");
    y = chance(50) ? rnd(4700, 4714) : rnd(0, 4714);
    add(buf, "%04d", y);
  } else if (bad == F_YEAR) {
    add_field(buf, 4, 0, 9999, 1);
  } else {
    y = chance(60) ? rnd(1900, 2100) : chance(10) ? rnd(9990, 9999) : rnd(0, 9999);
    add(buf, "%04d", y);
  }
  add(buf, "-");
  add_field(buf, 2, 1, 12, bad == F_MONTH);
  add(buf, "-");
  add_field(buf, 2, chance(30) ? 28 : 1, 31, bad == F_DAY);
  if (chance(75) || bad >= F_HOUR) {
    switch (rnd(0, 5)) {
    case 0: add(buf, "T"); break;
    case 1: add(buf, " "); break;
    case 2: add_spaces(buf, 1, 3); break;
    case 3: add(buf, "T "); break;
    case 4: add(buf, " T"); break;
    default: add(buf, "TT"); break;
    }
    add_time(buf, bad);
  } else if (chance(20)) {
    if (chance(50)) {
      add_spaces(buf, 1, 3);
    } else {
      add(buf, "T");
    }
  }
}

static void gen_time_only(char *buf, int bad) {
  buf[0] = 0;
  add_time(buf, bad);
}

static void add_digits(char *buf, int k) {
  while (k-- > 0) add(buf, "%d", rnd(0, 9));
}

/* A julian day number as text, in one of the spellings sqlite3AtoF
** takes, or nearly. */
static void gen_number(char *buf) {
  buf[0] = 0;
  if (chance(15)) add_spaces(buf, 1, 2);
  if (chance(10)) add(buf, "%c", chance(70) ? '+' : '-');
  switch (rnd(0, 9)) {
  case 0: add(buf, "%d", rnd(0, 6000000)); break;
  case 1: /* near today, many fraction digits */
    add(buf, "%d.", rnd(2415000, 2470000));
    add_digits(buf, rnd(1, 25));
    break;
  case 2: add(buf, "%d.", rnd(0, 5373484)); add_digits(buf, rnd(0, 12)); break;
  case 3: add(buf, "."); add_digits(buf, rnd(1, 10)); break;
  case 4: /* mantissa and exponent */
    add(buf, "%d.", rnd(0, 99));
    add_digits(buf, rnd(0, 15));
    add(buf, "%c", chance(50) ? 'e' : 'E');
    if (chance(50)) add(buf, "%c", chance(50) ? '+' : '-');
    add(buf, "%d", rnd(0, 8));
    break;
  case 5: /* the top of the range */
    add(buf, "53734%s", chance(50) ? "84.4999" : "84.");
    add_digits(buf, rnd(0, 12));
    break;
  case 6: /* long: more digits than an int64 holds */
    add_digits(buf, rnd(1, 3));
    add_digits(buf, rnd(15, 30));
    if (chance(50)) add(buf, "e-%d", rnd(10, 40));
    break;
  case 7: /* tiny and huge exponents */
    add(buf, "%d", rnd(1, 9));
    add(buf, "e%s%d", chance(50) ? "-" : "", rnd(300, 400));
    break;
  case 8: /* half milliseconds, where rounding decides */
    add(buf, "%d.%09d", rnd(2440000, 2470000), rnd(0, 99999) * 5787 + 2893);
    add_digits(buf, rnd(0, 8));
    break;
  default: /* malformed */
    switch (rnd(0, 7)) {
    case 0: add(buf, "%de", rnd(0, 3000000)); break;
    case 1: add(buf, "%d.5e+", rnd(0, 3000000)); break;
    case 2: add(buf, "."); break;
    case 3: add(buf, "e5"); break;
    case 4: add(buf, "%d..5", rnd(0, 3000000)); break;
    case 5: add(buf, "0x%x", rnd(0, 3000000)); break;
    case 6: add(buf, "%d %d", rnd(0, 3000), rnd(0, 3000)); break;
    default: add(buf, "%d,5", rnd(0, 3000000)); break;
    }
  }
  if (chance(15)) add_spaces(buf, 1, 2);
}

/* Break a valid string by one edit: replace, delete, insert, duplicate. */
static void mutate(char *buf) {
  static const char chars[] = "0123456789-:T .Z+eE/xt\t\xc2\xa0";
  size_t n = strlen(buf);
  size_t at = n ? (size_t)rnd(0, (int)n - 1) : 0;
  char c = chars[rnd(0, (int)sizeof(chars) - 2)];
  switch (rnd(0, 4)) {
  case 0: if (n) buf[at] = c; break;
  case 1: if (n) memmove(buf + at, buf + at + 1, n - at); break;
  case 2:
    if (n + 2 < BUF) {
      memmove(buf + at + 1, buf + at, n - at + 1);
      buf[at] = c;
    }
    break;
  case 3: /* truncate */
    buf[at] = 0;
    break;
  default: /* leading or trailing junk */
    if (n + 2 < BUF) {
      if (chance(50)) {
        memmove(buf + 1, buf, n + 1);
        buf[0] = chance(50) ? ' ' : c;
      } else {
        buf[n] = c;
        buf[n + 1] = 0;
      }
    }
  }
}

static int is_now(const char *z) {
  return strlen(z) == 3 && (z[0] | 32) == 'n' && (z[1] | 32) == 'o' &&
         (z[2] | 32) == 'w';
}

/* ---- tests ------------------------------------------------------------ */

/* The common shapes 'YYYY-MM-DD' and 'YYYY-MM-DD HH:MM:SS' take a fast
** path in the core: every day 01..31 of every month of years around the
** edges and leap rules, with times at and past the valid limits, against
** SQLite. */
static void test_common_shapes(void **state) {
  Oracle *o = *state;
  static const int years[] = {1, 4, 100, 1582, 1900, 1970, 1999, 2000, 2023,
                              2024, 2100, 9998, 9999, 0};
  static const char *const times[] = {"", " 00:00:00", " 23:59:59", " 12:30:45",
                                      " 24:00:00", " 23:60:00", " 23:59:60",
                                      "T10:00:00", " 9:00:00"};
  char buf[40];
  for (size_t yi = 0; yi < sizeof years / sizeof years[0]; yi++)
    for (int m = 0; m <= 13; m++)
      for (int d = 0; d <= 32; d++)
        for (size_t ti = 0; ti < sizeof times / sizeof times[0]; ti++) {
          snprintf(buf, sizeof buf, "%04d-%02d-%02d%s", years[yi], m, d, times[ti]);
          check_text(o, buf);
        }
}

static void test_library_is_3_40(void **state) {
  (void)state;
  /* The core follows 3.40; 3.43 changed how text becomes a number, so a
  ** different library may differ in the last bit of a julian number. */
  print_message("      SQLite library %s\n", sqlite3_libversion());
  assert_true(sqlite3_libversion_number() >= 3040000);
  assert_true(sqlite3_libversion_number() < 3041000);
}

static void test_every_day_formats_as_sqlite(void **state) {
  Oracle *o = *state;
  sqlite3_stmt *s = o->real;
  char fmt[SEG_DAY_FORMAT_SIZE];
  int32_t back;
  long count = 0;
  for (int32_t day = SEG_DAY_MIN; day <= SEG_DAY_MAX; day++) {
    double jd = day + 2440588.0; /* noon: julian day 0 has no midnight */
    seg_day_format(day, fmt);
    sqlite3_reset(s);
    sqlite3_bind_double(s, 1, jd);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    if (strcmp(fmt, col_text(s, 0)) != 0) {
      print_error("day %ld (jd %.1f): SQLite '%s', core '%s'\n", (long)day,
                  jd, col_text(s, 0), fmt);
      fail();
    }
    assert_int_equal(seg_day_from_julian(jd, &back), 0);
    assert_int_equal(back, day);
    if (day > SEG_DAY_MIN) { /* the first midnight would be jd -0.5 */
      assert_int_equal(seg_day_from_julian(jd - 0.5, &back), 0);
      assert_int_equal(back, day);
    }
    count++;
  }
  /* One past each end is outside what date() prints. */
  seg_day_format(SEG_DAY_MIN - 1, fmt);
  assert_string_equal(fmt, "");
  seg_day_format(SEG_DAY_MAX + 1, fmt);
  assert_string_equal(fmt, "");
  print_message("      %ld days, -4713-11-24 .. 9999-12-31\n", count);
}

/* Every printed date read back as text: julianday(date(d)) per day, in
** steps so that every month of every year gets a few. */
static void test_printed_dates_read_back(void **state) {
  Oracle *o = *state;
  char fmt[SEG_DAY_FORMAT_SIZE];
  long count = 0;
  for (int32_t day = SEG_DAY_MIN; day <= SEG_DAY_MAX; day += 7) {
    seg_day_format(day, fmt);
    if (compare_text(o, fmt, strlen(fmt)) != 0) fail();
    count++;
  }
  print_message("      %ld dates read back\n", count);
}

static void test_generated_strings(void **state) {
  Oracle *o = *state;
  char buf[BUF];
  int kinds[6] = {0};
  n_valid = n_null = n_echo = 0;
  for (int i = 0; i < N_GENERATED; i++) {
    int kind = rnd(0, 5);
    switch (kind) {
    case 0: gen_datetime(buf, F_NONE); break;
    case 1: gen_time_only(buf, F_NONE); break;
    case 2: gen_number(buf); break;
    case 3: gen_datetime(buf, rnd(F_YEAR, F_ZM)); break;
    case 4: gen_time_only(buf, rnd(F_HOUR, F_ZM)); break;
    default:
      if (chance(50)) {
        gen_datetime(buf, F_NONE);
      } else {
        gen_time_only(buf, F_NONE);
      }
      mutate(buf);
      if (chance(30)) mutate(buf);
    }
    if (is_now(buf)) continue; /* the one rejection on purpose */
    kinds[kind]++;
    if (compare_text(o, buf, strlen(buf)) != 0) {
      print_error("string %d of the generated set (kind %d)\n", i, kind);
      fail();
    }
  }
  print_message("      %d strings: %d dates, %d times, %d numbers, %d broken"
                " dates, %d broken times, %d mutated\n",
                N_GENERATED, kinds[0], kinds[1], kinds[2], kinds[3], kinds[4],
                kinds[5]);
  print_message("      %d were dates (%d where date(z) is not the day of "
                "julianday(z)), %d NULL\n",
                n_valid, n_echo, n_null);
  /* The generator must reach both outcomes in earnest. */
  assert_true(n_valid > N_GENERATED / 4);
  assert_true(n_null > N_GENERATED / 4);
  assert_true(n_echo > 0);
}

/* Hand-picked strings at the edges of each rule. */
static void test_edge_strings(void **state) {
  Oracle *o = *state;
  static const char *const cases[] = {
      "", " ", "T", "Z", "now ", " now", "yesterday", "2024", "-1", "-0",
      "+0", "0", "-0.0e5", ".5", "5.", ".", "-.5", "+.5e1", "1e", "1e+",
      "5373484.5", "5373484.4999999", "5373484.49999999", "5373484.499999999",
      "1e-400", "-1e-400", "1e400", "9223372036854775807",
      "99999999999999999999999e-17", "2440587.5e0",
      "2024-01-01", "2024-01-01T", "2024-01-01TTT", "2024-01-01 T 10:00",
      "2024-01-01t10:00", "2024-01-01Z", "2024-01-01 Z", "2024-01-01 24:00",
      "2024-01-01 24:59:59.999", "9999-12-31 23:59:59.999",
      "9999-12-31 23:59:59.9995", "9999-12-31 23:59:59.999+00:01",
      "9999-12-31 23:59:59.999-00:01", "0000-01-01", "0000-01-01 00:00+00:01",
      "-4713-11-24 12:00", "-4713-11-24 11:59:59.999", "-4713-11-24",
      "-4713-11-25", "-4714-01-01", "-0099-02-28", "-0100-02-29",
      "2023-02-31", "2023-04-31", "2024-02-30 10:00+01:00",
      "2024-01-01 10:00:00.", "2024-01-01 10:00:00.5z",
      "2024-01-01 10:00:00.99999999999999999999",
      "2024-01-01 23:59:59.9996", "2024-01-01 23:59:59.9995Z",
      "2024-01-01 10:00 +14:59", "2024-01-01 10:00 +15:00",
      "2024-01-01 10:00-0500", "2024-01-01 10:00-05", "2024-01-01 10:00 -05:00 ",
      "10:00", "10:00:00", "24:00", "10:00z", "10:00 Z ", " 10:00",
      "10:00:", "10:0", "1:00", "10:00:00.1234567890123456789",
      "2024-1-01", "2024-01-1", "24-01-01", "20240-01-01", "2024/01/01",
      "2024-13-01", "2024-00-01", "2024-01-00", "2024-01-32",
      "2024-01-01 10:60", "2024-01-01 25:00", "2024-01-01 10:00:60",
      "2024-01-01\v", "2024-01-01\r\n", "\t2451545 ", "2451545\xc2\xa0",
      "2024-01-01\xc2\xa0", "\xef\xbb\xbf" "2024-01-01",
      /* Found by searching: here strtod() and a one-rounding digit sum
      ** land on another millisecond than SQLite does. */
      "2499034.3432531536098353719", "2404492.512332216138494866",
      "2419479.994014195399923", "10:00:08.25449999999999919999999299",
      "10:00:00.72949999999999998999", "10:00:06.784500000000000080000",
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    check_text(o, cases[i]);
  }
  print_message("      %d edge strings\n", (int)(sizeof(cases) / sizeof(cases[0])));
}

/* A 300-nine fraction sums to infinity over infinity: NaN seconds. */
static void test_fraction_overflow(void **state) {
  Oracle *o = *state;
  char buf[BUF];
  for (int k = 300; k <= 320; k++) {
    for (int digit = 0; digit <= 9; digit += 9) {
      snprintf(buf, sizeof(buf), "2024-01-01 10:00:00.");
      for (int j = 0; j < k; j++) add(buf, "%d", digit);
      check_text(o, buf);
    }
  }
}

/* SQLite's text ends at a NUL; so must the core's. */
static void test_embedded_nul(void **state) {
  Oracle *o = *state;
  static const char a[] = "2024-01-01\0junk";
  static const char b[] = "2451545\0.5";
  static const char c[] = "\0" "2024-01-01";
  static const char d[] = "10:00\0Z";
  if (compare_text(o, a, sizeof(a) - 1) != 0) fail();
  if (compare_text(o, b, sizeof(b) - 1) != 0) fail();
  if (compare_text(o, c, sizeof(c) - 1) != 0) fail();
  if (compare_text(o, d, sizeof(d) - 1) != 0) fail();
}

/* 'now' is the one text SQLite takes and the core refuses. */
static void test_now_is_refused(void **state) {
  Oracle *o = *state;
  int64_t ijd;
  sqlite3_stmt *s = o->text;
  sqlite3_reset(s);
  sqlite3_bind_text(s, 1, "NoW", -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  assert_int_equal(sqlite3_column_type(s, 0), SQLITE_FLOAT);
  assert_int_equal(seg_date_parse_text("NoW", 3, &ijd), -1);
  assert_int_equal(seg_date_parse_text("now", 3, &ijd), -1);
}

/* Julian day numbers held as REALs: date(jd) against seg_day_from_julian. */
static void test_julian_reals(void **state) {
  Oracle *o = *state;
  sqlite3_stmt *s = o->real;
  char fmt[SEG_DAY_FORMAT_SIZE];
  int32_t day;
  int count = 0;
  for (int i = 0; i < 200000; i++) {
    double jd;
    switch (i % 5) {
    case 0: jd = rnd(0, 5373484) + rnd(0, 1000000) / 1000000.0; break;
    case 1: /* within a few ulps of midnight */
      jd = nextafter(rnd(0, 5373484) + 0.5, chance(50) ? 0.0 : 1e7);
      if (chance(50)) jd = nextafter(jd, chance(50) ? 0.0 : 1e7);
      break;
    case 2: /* within a few ulps of half a millisecond */
      jd = rnd(2440000, 2470000) + (rnd(0, 86399999) + 0.5) / 86400000.0;
      jd = nextafter(jd, chance(50) ? 0.0 : 1e7);
      break;
    case 3: jd = 5373484.5 - rnd(0, 100) * 1e-9; break;
    default: jd = (double)(int64_t)(rng_next() >> 11) / 9007199254740992.0 * 1.2e7 - 1e6;
    }
    sqlite3_reset(s);
    sqlite3_bind_double(s, 1, jd);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    if (seg_day_from_julian(jd, &day) != 0) {
      if (sqlite3_column_type(s, 0) != SQLITE_NULL) {
        print_error("jd %.17g: SQLite '%s', core not a date\n", jd,
                    col_text(s, 0));
        fail();
      }
      continue;
    }
    seg_day_format(day, fmt);
    if (strcmp(fmt, col_text(s, 0)) != 0) {
      print_error("jd %.17g: SQLite '%s', core '%s'\n", jd, col_text(s, 0),
                  fmt);
      fail();
    }
    count++;
  }
  assert_true(count > 100000);
  /* NaN and infinities: SQLite stores NaN as NULL, so by hand. */
  assert_int_equal(seg_day_from_julian(NAN, &day), -1);
  assert_int_equal(seg_day_from_julian(INFINITY, &day), -1);
  assert_int_equal(seg_day_from_julian(-INFINITY, &day), -1);
}

/* Unix seconds: the same day as date(secs, 'unixepoch') for every whole
** second in 0000..9999; for fractions, except within half a millisecond
** of midnight, where SQLite rounds and the core floors. */
static void test_unix_seconds(void **state) {
  Oracle *o = *state;
  sqlite3_stmt *s = o->unix;
  char fmt[SEG_DAY_FORMAT_SIZE];
  int32_t day;
  int compared = 0;
  const double lo = -62167219200.0, hi = 253402300800.0; /* 0000, 10000 */
  for (int i = 0; i < 200000; i++) {
    double secs;
    int whole = i % 2 == 0;
    if (whole) {
      secs = floor(lo + (double)(rng_next() >> 11) / 9007199254740992.0 * (hi - lo));
      if (i % 8 == 0) secs = floor(secs / 86400.0) * 86400.0 - rnd(0, 1);
    } else {
      secs = rnd(-1000000, 3000000) * 86400.0 + rnd(-86400000, 86400000) / 1000.0 +
             rnd(0, 999) / 1e6;
    }
    double into_day = secs - floor(secs / 86400.0) * 86400.0;
    if (!whole && (into_day < 0.0006 || into_day > 86400.0 - 0.0006)) continue;
    sqlite3_reset(s);
    sqlite3_bind_double(s, 1, secs);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    if (secs < lo || secs >= hi) {
      assert_int_equal(seg_day_from_unix(secs, &day), -1);
      continue;
    }
    assert_int_equal(seg_day_from_unix(secs, &day), 0);
    seg_day_format(day, fmt);
    if (strcmp(fmt, col_text(s, 0)) != 0) {
      print_error("unix %.17g: SQLite '%s', core '%s'\n", secs, col_text(s, 0),
                  fmt);
      fail();
    }
    compared++;
  }
  assert_true(compared > 150000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_library_is_3_40),
      cmocka_unit_test(test_edge_strings),
      cmocka_unit_test(test_common_shapes),
      cmocka_unit_test(test_fraction_overflow),
      cmocka_unit_test(test_embedded_nul),
      cmocka_unit_test(test_now_is_refused),
      cmocka_unit_test(test_generated_strings),
      cmocka_unit_test(test_every_day_formats_as_sqlite),
      cmocka_unit_test(test_printed_dates_read_back),
      cmocka_unit_test(test_julian_reals),
      cmocka_unit_test(test_unix_seconds),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
