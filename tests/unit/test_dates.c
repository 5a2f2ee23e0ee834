/*
** test_dates.c — the date core (ext/core/dates.c) alone, on hand-worked
** cases.  tests/sql/test_dates_sqlite.c compares it with SQLite at large;
** this file pins the meaning: which day is day 0, where leap days fall,
** how zones move a date, what is not a date.
**
** Expected values are worked out in the comments, never copied from the
** code's output.  Facts used throughout:
**   - 1970-01-01 is day 0; 2000-01-01 is day 10957 (30 years of 365 days
**     plus the 7 leap days 1972..1996); 2024-01-01 is day 19723 (1704067200
**     Unix seconds / 86400).
**   - The julian day number (noon to noon) of 1970-01-01 is 2440588, of
**     2000-01-01 2451545 (J2000.0), so a date's midnight in SQLite's
**     milliseconds is JDN * 86400000 - 43200000.
**
**   make build/unit/test_dates && ./build/unit/test_dates
*/
#include "testutil.h"

#include <string.h>

#include "dates.h"

#define MS_DAY INT64_C(86400000)
#define MS_HOUR INT64_C(3600000)
#define MS_MIN INT64_C(60000)
/* Midnight of the day whose julian day number is jdn. */
#define MIDNIGHT(jdn) ((int64_t)(jdn) * MS_DAY - MS_DAY / 2)

#define DAY_2000_01_01 10957
#define DAY_2024_01_01 19723

/* ---- helpers ----------------------------------------------------------- */

static int64_t ijd_of(const char *z) {
  int64_t ijd = -1;
  if (seg_date_parse_text(z, strlen(z), &ijd) != 0) {
    print_error("'%s' should be a date\n", z);
    fail();
  }
  return ijd;
}

static int32_t day_of(const char *z) {
  int32_t day = SEG_DAY_NONE;
  if (seg_day_from_text(z, strlen(z), &day) != 0) {
    print_error("'%s' should have a day\n", z);
    fail();
  }
  return day;
}

static void assert_not_date(const char *z, size_t n) {
  int64_t ijd = 12345;
  int32_t day = 12345;
  if (seg_date_parse_text(z, n, &ijd) != -1 ||
      seg_day_from_text(z, n, &day) != -1) {
    print_error("'%.*s' should not be a date\n", (int)n, z);
    fail();
  }
  assert_int_equal(ijd, 12345); /* outputs untouched on failure */
  assert_int_equal(day, 12345);
}

static void assert_format(int32_t day, const char *want) {
  char out[SEG_DAY_FORMAT_SIZE];
  memset(out, 'x', sizeof(out));
  seg_day_format(day, out);
  assert_string_equal(out, want);
}

/* ---- the calendar ------------------------------------------------------ */

static void test_epoch_is_day_zero(void **state) {
  (void)state;
  assert_int_equal(ijd_of("1970-01-01"), MIDNIGHT(2440588));
  assert_int_equal(MIDNIGHT(2440588), SEG_IJD_UNIX_EPOCH);
  assert_int_equal(day_of("1970-01-01"), 0);
  assert_int_equal(seg_day_from_ijd(SEG_IJD_UNIX_EPOCH), 0);
  assert_int_equal(seg_day_from_ymd(1970, 1, 1), 0);
  assert_format(0, "1970-01-01");
  assert_format(-1, "1969-12-31");
  assert_format(1, "1970-01-02");
  assert_int_equal(day_of("1969-12-31"), -1);
}

static void test_2000_03_01(void **state) {
  (void)state;
  /* 10957 + 31 (January) + 29 (February 2000) */
  assert_int_equal(seg_day_from_ymd(2000, 3, 1), 11017);
  assert_int_equal(day_of("2000-03-01"), 11017);
  assert_format(11017, "2000-03-01");
  assert_int_equal(ijd_of("2000-03-01"), MIDNIGHT(2451545 + 60));
}

static void test_leap_years(void **state) {
  (void)state;
  /* 2000 is a leap year (divisible by 400). */
  assert_int_equal(seg_day_from_ymd(2000, 2, 29), DAY_2000_01_01 + 59);
  assert_format(DAY_2000_01_01 + 59, "2000-02-29");
  assert_format(DAY_2000_01_01 + 60, "2000-03-01");
  /* 1900 is not (divisible by 100): February 29 is March 1. */
  assert_int_equal(seg_day_from_ymd(1900, 2, 29), seg_day_from_ymd(1900, 3, 1));
  assert_format(seg_day_from_ymd(1900, 3, 1) - 1, "1900-02-28");
  /* 1900-01-01: 70 years before 1970 with 17 leap days (1904..1968). */
  assert_int_equal(seg_day_from_ymd(1900, 1, 1), -(70 * 365 + 17));
  /* 2024 is (divisible by 4): 19723 + 31 + 28 is February 29. */
  assert_int_equal(day_of("2024-02-29"), 19782);
  assert_format(19782, "2024-02-29");
  assert_format(19783, "2024-03-01");
  /* 2023 is not: the 29th is March 1. */
  assert_int_equal(day_of("2023-02-29"), DAY_2024_01_01 - 365 + 59);
  assert_format(DAY_2024_01_01 - 365 + 59, "2023-03-01");
}

static void test_day_past_month_end_carries_over(void **state) {
  (void)state;
  /* SQLite takes day 31 in every month and counts on: 2023-02-31 is
  ** 2023-03-03, 2023-04-31 is 2023-05-01. */
  int32_t mar1 = DAY_2024_01_01 - 365 + 31 + 28;
  assert_int_equal(day_of("2023-02-31"), mar1 + 2);
  assert_int_equal(day_of("2023-04-31"), mar1 + 31 + 30);
  assert_int_equal(seg_day_from_ymd(2023, 2, 31), mar1 + 2);
}

static void test_range_ends(void **state) {
  (void)state;
  /* 2000-01-01 + 20 cycles of 400 years (146097 days) is 10000-01-01. */
  assert_int_equal(SEG_DAY_MAX, DAY_2000_01_01 + 20 * 146097 - 1);
  /* and 5 cycles back is 0000-01-01. */
  assert_int_equal(seg_day_from_ymd(0, 1, 1), DAY_2000_01_01 - 5 * 146097);
  assert_format(SEG_DAY_MAX, "9999-12-31");
  assert_format(DAY_2000_01_01 - 5 * 146097, "0000-01-01");
  assert_format(DAY_2000_01_01 - 5 * 146097 - 1, "-0001-12-31");
  /* Julian day 0 is -4713-11-24 at noon: its day is 2440588 before 1970. */
  assert_int_equal(SEG_DAY_MIN, -2440588);
  assert_format(SEG_DAY_MIN, "-4713-11-24");
  assert_int_equal(seg_day_from_ijd(0), SEG_DAY_MIN);
  assert_int_equal(seg_day_from_ijd(SEG_IJD_MAX), SEG_DAY_MAX);
  /* Outside, date() has nothing to print. */
  assert_format(SEG_DAY_MIN - 1, "");
  assert_format(SEG_DAY_MAX + 1, "");
  assert_format(SEG_DAY_NONE, "");
  assert_format(INT32_MAX, "");
}

static void test_ymd_arguments(void **state) {
  (void)state;
  assert_int_equal(seg_day_from_ymd(2024, 0, 1), SEG_DAY_NONE);
  assert_int_equal(seg_day_from_ymd(2024, 13, 1), SEG_DAY_NONE);
  assert_int_equal(seg_day_from_ymd(2024, 1, 0), SEG_DAY_NONE);
  assert_int_equal(seg_day_from_ymd(2024, 1, 32), SEG_DAY_NONE);
  assert_int_equal(seg_day_from_ymd(10000, 1, 1), SEG_DAY_NONE);
  assert_int_equal(seg_day_from_ymd(-4714, 12, 31), SEG_DAY_NONE);
  /* SQLite's arithmetic in year -99 (checked with the sqlite3 shell:
  ** julianday('-0099-02-28') = julianday('-0099-03-01')). */
  assert_int_equal(seg_day_from_ymd(-99, 2, 28), seg_day_from_ymd(-99, 3, 1));
  assert_int_equal(day_of("-0099-02-28"), day_of("-0099-03-01"));
}

static void test_ijd_to_day_floors(void **state) {
  (void)state;
  assert_int_equal(seg_day_from_ijd(SEG_IJD_UNIX_EPOCH - 1), -1);
  assert_int_equal(seg_day_from_ijd(SEG_IJD_UNIX_EPOCH + MS_DAY - 1), 0);
  assert_int_equal(seg_day_from_ijd(SEG_IJD_UNIX_EPOCH + MS_DAY), 1);
  assert_int_equal(seg_day_from_ijd(SEG_IJD_UNIX_EPOCH - MS_DAY), -1);
  assert_int_equal(seg_day_from_ijd(SEG_IJD_UNIX_EPOCH - MS_DAY - 1), -2);
  assert_int_equal(seg_day_from_ijd(INT64_MIN), SEG_DAY_NONE);
  assert_int_equal(seg_day_from_ijd(INT64_MAX), SEG_DAY_NONE);
}

/* ---- text -------------------------------------------------------------- */

static void test_times(void **state) {
  (void)state;
  int64_t jan1 = MIDNIGHT(2460311); /* 2024-01-01 */
  assert_int_equal(ijd_of("2024-01-01 10:15"), jan1 + 10 * MS_HOUR + 15 * MS_MIN);
  assert_int_equal(ijd_of("2024-01-01T10:15:30"),
                   jan1 + 10 * MS_HOUR + 15 * MS_MIN + 30000);
  assert_int_equal(ijd_of("2024-01-01T10:15:30.25"),
                   jan1 + 10 * MS_HOUR + 15 * MS_MIN + 30250);
  /* 123.4 ms rounds to 123. */
  assert_int_equal(ijd_of("2024-01-01 00:00:00.1234"), jan1 + 123);
  /* Separators: any run of spaces and 'T'; trailing space. */
  assert_int_equal(ijd_of("2024-01-01  \tT 10:15 "), jan1 + 10 * MS_HOUR + 15 * MS_MIN);
  assert_int_equal(ijd_of("2024-01-01T"), jan1);
  assert_int_equal(ijd_of("2024-01-01 \n"), jan1);
  /* In julian days, as SQLite prints them: 2460310.5 + 6/24. */
  assert_double_near(ijd_of("2024-01-01 06:00") / 86400000.0, 2460310.75, 0);
}

static void test_time_alone_is_2000_01_01(void **state) {
  (void)state;
  int64_t y2k = MIDNIGHT(2451545);
  assert_int_equal(ijd_of("10:00"), y2k + 10 * MS_HOUR);
  assert_int_equal(ijd_of("10:00:30.5"), y2k + 10 * MS_HOUR + 30500);
  assert_int_equal(ijd_of("10:00 +01:00"), y2k + 9 * MS_HOUR);
  assert_int_equal(day_of("10:00"), DAY_2000_01_01);
  /* 24:00 is the next midnight. */
  assert_int_equal(ijd_of("24:00"), y2k + MS_DAY);
  assert_int_equal(day_of("24:00"), DAY_2000_01_01 + 1);
}

static void test_zones_shift_to_utc(void **state) {
  (void)state;
  int64_t jan1 = MIDNIGHT(2460311);
  /* 23:30 at UTC-1 is 00:30 UTC the next day. */
  assert_int_equal(ijd_of("2024-01-01T23:30:00-01:00"), jan1 + 24 * MS_HOUR + 30 * MS_MIN);
  assert_int_equal(day_of("2024-01-01T23:30:00-01:00"), DAY_2024_01_01 + 1);
  /* 00:30 at UTC+1 is 23:30 UTC the day before. */
  assert_int_equal(ijd_of("2024-01-01 00:30+01:00"), jan1 - 30 * MS_MIN);
  assert_int_equal(day_of("2024-01-01 00:30+01:00"), DAY_2024_01_01 - 1);
  /* Half-hour zones, lower-case z, spaces around the zone. */
  assert_int_equal(ijd_of("2024-01-01 10:00+05:30"), jan1 + 4 * MS_HOUR + 30 * MS_MIN);
  assert_int_equal(ijd_of("2024-01-01 10:00 -14:59 "), jan1 + 24 * MS_HOUR + 59 * MS_MIN);
  assert_int_equal(ijd_of("2024-01-01 10:00Z"), jan1 + 10 * MS_HOUR);
  assert_int_equal(ijd_of("2024-01-01 10:00 z"), jan1 + 10 * MS_HOUR);
  assert_int_equal(ijd_of("2024-01-01 10:00+00:00"), jan1 + 10 * MS_HOUR);
}

/* date(z) keeps the written YYYY-MM-DD when z has no zone offset. */
static void test_day_of_text_is_day_of_date(void **state) {
  (void)state;
  int64_t jan2 = MIDNIGHT(2460312);
  assert_int_equal(ijd_of("2024-01-01 24:00"), jan2);
  assert_int_equal(seg_day_from_ijd(jan2), DAY_2024_01_01 + 1);
  assert_int_equal(day_of("2024-01-01 24:00"), DAY_2024_01_01);
  assert_int_equal(day_of("2024-01-01 24:00Z"), DAY_2024_01_01);
  /* 59.9996 s is 59999.6 ms, rounded up to the next midnight. */
  assert_int_equal(ijd_of("2024-01-01 23:59:59.9996"), jan2);
  assert_int_equal(day_of("2024-01-01 23:59:59.9996"), DAY_2024_01_01);
  /* With an offset, date() prints the instant's date. */
  assert_int_equal(day_of("2024-01-01 23:00-01:00"), DAY_2024_01_01 + 1);
}

static void test_julian_numbers_as_text(void **state) {
  (void)state;
  assert_int_equal(ijd_of("2440587.5"), SEG_IJD_UNIX_EPOCH);
  assert_int_equal(ijd_of(" 2451545 "), INT64_C(2451545) * MS_DAY);
  assert_int_equal(ijd_of("+2.4405875e6"), SEG_IJD_UNIX_EPOCH);
  assert_int_equal(ijd_of("24405875E-1"), SEG_IJD_UNIX_EPOCH);
  assert_int_equal(ijd_of(".5"), MS_DAY / 2);
  assert_int_equal(ijd_of("5."), 5 * MS_DAY);
  assert_int_equal(ijd_of("0"), 0);
  assert_int_equal(ijd_of("-0"), 0);
  /* 5373484.4999999 days is 464269060799991.36 ms. */
  assert_int_equal(ijd_of("5373484.4999999"), INT64_C(464269060799991));
  /* A number is never Unix seconds: this one is past 9999. */
  assert_not_date("1709251200", 10);
  assert_not_date("5373484.5", 9);
  assert_not_date("-1", 2);
  assert_not_date("1e", 2);
  assert_not_date(".", 1);
  assert_not_date("0x10", 4);
  assert_not_date("1,5", 3);
}

static void test_not_dates(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",                       /* empty */
      "   ",                    /* blank */
      "yesterday", "now", "NOW",
      "2024-13-01",             /* month 13 */
      "2024-00-01",             /* month 00 */
      "2024-01-00",             /* day 00 */
      "2024-01-32",             /* day 32 */
      "2024-1-01",              /* one-digit month */
      "2024-01-1",              /* one-digit day */
      "24-01-01",               /* two-digit year */
      "20240-01-01",            /* five-digit year */
      "2024/01/01",
      "2024-01-01x",            /* trailing garbage */
      "2024-01-01 10:00 junk",
      "2024-01-01 10:00Z junk", /* ... after a zone too */
      "10:00+01:00x",
      "2024-01-01 10:00:00.",   /* a point with no digits */
      " 2024-01-01",            /* leading space before a date */
      " 10:00",                 /* ... or a time */
      "2024-01-01 25:00",       /* hour 25 */
      "2024-01-01 10:60",       /* minute 60 */
      "2024-01-01 10:00:60",    /* second 60 */
      "2024-01-01 10:00+15:00", /* zone hour 15 */
      "2024-01-01 10:00+0100",  /* zone without a colon */
      "2024-01-01Z",            /* a zone needs a time */
      "2024-01-01t10:00",       /* only upper-case T separates */
      "10:00:", "10:0", "1:00",
      "-4714-01-01",            /* before -4713 */
      "-4713-01-01",            /* before julian day 0 */
      "9999-12-31 23:59:59.9996", /* rounds into year 10000 */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_not_date(bad[i], strlen(bad[i]));
  }
  assert_not_date(NULL, 0);
}

static void test_length_not_nul(void **state) {
  (void)state;
  int64_t ijd;
  /* Only n bytes are read. */
  assert_int_equal(seg_date_parse_text("2024-01-01XYZ", 10, &ijd), 0);
  assert_int_equal(ijd, MIDNIGHT(2460311));
  assert_not_date("2024-01-01XYZ", 9);
  /* A NUL ends the text, as in SQLite. */
  assert_int_equal(seg_date_parse_text("2024-01-01\0junk", 15, &ijd), 0);
  assert_int_equal(ijd, MIDNIGHT(2460311));
  assert_not_date("\0" "2024-01-01", 11);
  assert_int_equal(seg_date_parse_text("2451545\0.5", 10, &ijd), 0);
  assert_int_equal(ijd, INT64_C(2451545) * MS_DAY);
}

/* ---- numbers ----------------------------------------------------------- */

static void assert_unix(double secs, int32_t want) {
  int32_t day = 12345;
  if (seg_day_from_unix(secs, &day) != 0 || day != want) {
    print_error("unix %.17g: want day %d, got %d\n", secs, (int)want, (int)day);
    fail();
  }
}

static void assert_unix_bad(double secs) {
  int32_t day = 12345;
  assert_int_equal(seg_day_from_unix(secs, &day), -1);
  assert_int_equal(day, 12345);
}

static void test_unix_seconds(void **state) {
  (void)state;
  assert_unix(0, 0);
  assert_unix(-1, -1);
  assert_unix(-0.5, -1);
  assert_unix(86399.9, 0);
  assert_unix(86400, 1);
  assert_unix(-86400, -1);
  assert_unix(-86400.5, -2);
  assert_unix(1704067200, DAY_2024_01_01);
  assert_unix(1704067199.999, DAY_2024_01_01 - 1);
  assert_unix(1709251200, 19783); /* 2024-03-01 */
  /* 0000-01-01 is -719528 days; 9999-12-31 ends a second before
  ** 253402300800. */
  assert_unix(-719528 * 86400.0, -719528);
  assert_unix(253402300799.999, SEG_DAY_MAX);
  assert_unix_bad(-719528 * 86400.0 - 0.001);
  assert_unix_bad(253402300800.0);
  assert_unix_bad(1e300);
  assert_unix_bad(-1e300);
  assert_unix_bad(NAN);
  assert_unix_bad(INFINITY);
  assert_unix_bad(-INFINITY);
}

static void assert_julian(double jd, int32_t want) {
  int32_t day = 12345;
  if (seg_day_from_julian(jd, &day) != 0 || day != want) {
    print_error("jd %.17g: want day %d, got %d\n", jd, (int)want, (int)day);
    fail();
  }
}

static void assert_julian_bad(double jd) {
  int32_t day = 12345;
  assert_int_equal(seg_day_from_julian(jd, &day), -1);
  assert_int_equal(day, 12345);
}

static void test_julian_reals(void **state) {
  (void)state;
  assert_julian(2440587.5, 0);
  assert_julian(2440588.0, 0); /* noon */
  assert_julian(2440588.4999, 0);
  assert_julian(2440587.49999, -1);
  /* Rounded to the millisecond first: 0.0000000001 day is 8.64 us. */
  assert_julian(2440588.4999999999, 1);
  assert_julian(2460311.0, DAY_2024_01_01);
  assert_julian(0.0, SEG_DAY_MIN);
  assert_julian(-0.0, SEG_DAY_MIN);
  assert_julian(5373484.4999, SEG_DAY_MAX);
  assert_julian_bad(-0.1);
  assert_julian_bad(5373484.5);
  assert_julian_bad(1e300);
  assert_julian_bad(NAN);
  assert_julian_bad(INFINITY);
  assert_julian_bad(-INFINITY);
}

/* ---- every day of two centuries ---------------------------------------- */

static int is_leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

/* Walk the calendar a day at a time from 1900-01-01 to 2100-12-31 and
** check every representation of every day against the walk. */
static void test_round_trip_1900_to_2100(void **state) {
  (void)state;
  static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = 1900, m = 1, d = 1, count = 0;
  int32_t day = -(70 * 365 + 17); /* 1900-01-01, see test_leap_years */
  char want[40], text[40];
  for (;;) {
    int32_t got;
    int64_t ijd;
    char out[SEG_DAY_FORMAT_SIZE];
    snprintf(want, sizeof(want), "%04d-%02d-%02d", y, m, d);
    seg_day_format(day, out);
    if (strcmp(out, want) != 0) {
      print_error("day %d: want %s, got %s\n", (int)day, want, out);
      fail();
    }
    assert_int_equal(seg_day_from_ymd(y, m, d), day);
    assert_int_equal(seg_day_from_text(out, strlen(out), &got), 0);
    assert_int_equal(got, day);
    assert_int_equal(seg_date_parse_text(out, strlen(out), &ijd), 0);
    assert_int_equal(ijd, ((int64_t)day + 2440588) * MS_DAY - MS_DAY / 2);
    assert_int_equal(seg_day_from_ijd(ijd), day);
    assert_int_equal(seg_day_from_ijd(ijd + MS_DAY - 1), day);
    /* The last millisecond of the day, as text with a zone. */
    snprintf(text, sizeof(text), "%sT23:59:59.999Z", out);
    assert_int_equal(seg_day_from_text(text, strlen(text), &got), 0);
    assert_int_equal(got, day);
    assert_int_equal(seg_day_from_unix(day * 86400.0, &got), 0);
    assert_int_equal(got, day);
    assert_int_equal(seg_day_from_unix(day * 86400.0 + 86399.5, &got), 0);
    assert_int_equal(got, day);
    assert_int_equal(seg_day_from_julian(day + 2440587.5, &got), 0);
    assert_int_equal(got, day);
    count++;
    if (y == 2100 && m == 12 && d == 31) break;
    day++;
    if (++d > month_days[m - 1] + (m == 2 && is_leap(y))) {
      d = 1;
      if (++m > 12) {
        m = 1;
        y++;
      }
    }
  }
  /* 2100-01-01 is 10957 + 36525 (100 years, 25 of them leap); 2100 is not
  ** a leap year, so its December 31 is 364 days later. */
  assert_int_equal(day, 10957 + 36525 + 364);
  assert_int_equal(count, 201 * 365 + 49); /* 49 leap years, 1904..2096 */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_epoch_is_day_zero),
      cmocka_unit_test(test_2000_03_01),
      cmocka_unit_test(test_leap_years),
      cmocka_unit_test(test_day_past_month_end_carries_over),
      cmocka_unit_test(test_range_ends),
      cmocka_unit_test(test_ymd_arguments),
      cmocka_unit_test(test_ijd_to_day_floors),
      cmocka_unit_test(test_times),
      cmocka_unit_test(test_time_alone_is_2000_01_01),
      cmocka_unit_test(test_zones_shift_to_utc),
      cmocka_unit_test(test_day_of_text_is_day_of_date),
      cmocka_unit_test(test_julian_numbers_as_text),
      cmocka_unit_test(test_not_dates),
      cmocka_unit_test(test_length_not_nul),
      cmocka_unit_test(test_unix_seconds),
      cmocka_unit_test(test_julian_reals),
      cmocka_unit_test(test_round_trip_1900_to_2100),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
