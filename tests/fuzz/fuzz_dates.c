/*
** fuzz_dates.c — libFuzzer target for the date core (ext/core/dates.c),
** without SQLite.
**
**     make fuzz                                   # every target, FUZZ_SECONDS each
**     build/fuzz/fuzz_dates -dict=tests/fuzz/dates.dict build/fuzz/corpus/dates
**     build/fuzz/fuzz_dates crash-file            # replay one input
**
** WHAT IT FEEDS
** The input is read four ways at once:
**   - as text: seg_date_parse_text and seg_day_from_text on its bytes
**     exactly as given (no NUL terminator; NULs inside), then on a copy with
**     a NUL and junk after it;
**   - as a number: strtod of the text, to seg_day_from_unix and
**     seg_day_from_julian (so the seed "1709251200" is unix seconds too);
**   - as raw bits: its first 8 bytes as a double (NaN, Inf, -0, denormals)
**     to the same two, and as an int64 to seg_day_from_ijd and (its low
**     32 bits) seg_day_format;
**   - its first 4 bytes as year (16 bits), month and day to
**     seg_day_from_ymd.
**
** INVARIANTS (each failure aborts, so libFuzzer keeps the input)
**   - seg_day_from_text succeeds exactly when seg_date_parse_text does
**     (date(z) is NULL exactly when julianday(z) is); instants lie in
**     0..SEG_IJD_MAX and days in SEG_DAY_MIN..SEG_DAY_MAX.
**   - The day of the text is the instant's day, or the day before it (a
**     YYYY-MM-DD as written whose time reaches the next midnight); in
**     negative years, where SQLite's printing and parsing disagree, one
**     day either way.
**   - Round trip: seg_day_format of a day reads back (seg_day_from_text)
**     to the same day for years 0000..9999; for negative years it reads
**     back within a day (SQLite does the same), except -4713-11-24, which
**     julianday() itself refuses (it is before julian day 0's noon).
**   - A NUL ends the text: bytes after it change nothing.
**   - Unix seconds: the day d has d*86400 <= secs < (d+1)*86400 and lies
**     in 0000-01-01..9999-12-31; finite seconds in that range never fail;
**     a failure leaves *day alone.
**   - Julian days and instants: seg_day_from_ijd is floor division,
**     checked in 128 bits; in-range days format to 10 or 11 characters,
**     others to "".
**   - seg_day_from_ymd agrees with the Gregorian calendar for years
**     0000..9999, carries days past the month's end into the next month,
**     and refuses what is out of range.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "fuzzutil.h"

#define MS_PER_DAY INT64_C(86400000)
#define DAY_0000_01_01 (-719528)

__extension__ typedef __int128 i128;

/* Read the formatted day back and compare, as the header says. */
static void check_round_trip(int32_t day) {
  char *out = malloc(SEG_DAY_FORMAT_SIZE); /* exact size: ASan sees overruns */
  int32_t back = SEG_DAY_NONE;
  int64_t ijd;
  size_t len;
  FUZZ_CHECK(out != NULL, "out of memory");
  seg_day_format(day, out);
  len = strlen(out);
  if (day < SEG_DAY_MIN || day > SEG_DAY_MAX) {
    FUZZ_CHECK(len == 0, "day %d is out of range but formats as '%s'", day, out);
    free(out);
    return;
  }
  FUZZ_CHECK(len == 10 || (len == 11 && out[0] == '-'),
             "day %d formats as '%s'", day, out);
  if (day == SEG_DAY_MIN) { /* julianday('-4713-11-24') is NULL in SQLite */
    FUZZ_CHECK(seg_day_from_text(out, len, &back) == -1,
               "'%s' should not read back (julianday() is NULL)", out);
    free(out);
    return;
  }
  FUZZ_CHECK(seg_day_from_text(out, len, &back) == 0,
             "day %d formats as '%s', which does not read back", day, out);
  FUZZ_CHECK(seg_date_parse_text(out, len, &ijd) == 0,
             "day %d formats as '%s', which is not an instant", day, out);
  if (out[0] != '-') {
    FUZZ_CHECK(back == day, "day %d formats as '%s', which reads back as %d",
               day, out, back);
    FUZZ_CHECK(seg_day_from_ijd(ijd) == day,
               "'%s' is midnight of day %d, not of %d", out, day,
               seg_day_from_ijd(ijd));
  } else {
    FUZZ_CHECK(back >= day - 1 && back <= day + 1,
               "day %d formats as '%s', which reads back as %d", day, out,
               back);
  }
  free(out);
}

static void check_text(const uint8_t *data, size_t size) {
  int64_t ijd = -1, ijd2 = -1;
  int32_t day = SEG_DAY_NONE, day2 = SEG_DAY_NONE, iday;
  int r1 = seg_date_parse_text((const char *)data, size, &ijd);
  int r2 = seg_day_from_text((const char *)data, size, &day);
  char *copy;

  FUZZ_CHECK(r1 == 0 || r1 == -1, "seg_date_parse_text returned %d", r1);
  FUZZ_CHECK(r1 == r2,
             "seg_date_parse_text says %d but seg_day_from_text says %d", r1,
             r2);
  if (r1 == 0) {
    FUZZ_CHECK(ijd >= 0 && ijd <= SEG_IJD_MAX, "instant %lld out of range",
               (long long)ijd);
    iday = seg_day_from_ijd(ijd);
    FUZZ_CHECK(iday >= SEG_DAY_MIN && iday <= SEG_DAY_MAX,
               "instant %lld has day %d", (long long)ijd, iday);
    FUZZ_CHECK(day >= SEG_DAY_MIN && day <= SEG_DAY_MAX,
               "text's day %d out of range", day);
    if (day != iday) {
      char buf[SEG_DAY_FORMAT_SIZE];
      seg_day_format(iday, buf);
      if (buf[0] == '-' || day < 0) {
        FUZZ_CHECK(day >= iday - 1 && day <= iday + 1,
                   "text's day %d is far from its instant's day %d", day,
                   iday);
      } else {
        FUZZ_CHECK(day == iday - 1,
                   "text's day %d is neither its instant's day %d nor the "
                   "day before",
                   day, iday);
      }
    }
    check_round_trip(day);
    check_round_trip(iday);
  }

  /* A NUL ends the text: what follows it changes nothing. */
  copy = malloc(size + 5);
  FUZZ_CHECK(copy != NULL, "out of memory");
  if (size) memcpy(copy, data, size);
  memcpy(copy + size, "\0 9Z!", 5);
  FUZZ_CHECK(seg_date_parse_text(copy, size + 5, &ijd2) == r1 &&
                 (r1 != 0 || ijd2 == ijd),
             "bytes after a NUL changed the instant");
  FUZZ_CHECK(seg_day_from_text(copy, size + 5, &day2) == r2 &&
                 (r2 != 0 || day2 == day),
             "bytes after a NUL changed the day");
  free(copy);
}

static void check_unix(double secs) {
  int32_t day = 77777; /* a failure must leave it alone */
  int rc = seg_day_from_unix(secs, &day);
  if (rc != 0) {
    FUZZ_CHECK(rc == -1, "seg_day_from_unix returned %d", rc);
    FUZZ_CHECK(day == 77777, "a failed seg_day_from_unix wrote *day");
    if (isfinite(secs)) {
      FUZZ_CHECK(secs < DAY_0000_01_01 * 86400.0 ||
                     secs >= (SEG_DAY_MAX + 1.0) * 86400.0,
                 "unix seconds %.17g are in range but not a day", secs);
    }
    return;
  }
  FUZZ_CHECK(isfinite(secs), "unix seconds %g gave a day", secs);
  FUZZ_CHECK(day >= DAY_0000_01_01 && day <= SEG_DAY_MAX,
             "unix seconds %.17g gave day %d, out of range", secs, day);
  /* day * 86400 is exact in a double: no rounding in these compares. */
  FUZZ_CHECK(day * 86400.0 <= secs && secs < (day + 1) * 86400.0,
             "unix seconds %.17g are not on day %d", secs, day);
  check_round_trip(day);
}

static void check_julian(double jd) {
  int32_t day = 77777;
  int rc = seg_day_from_julian(jd, &day);
  if (rc != 0) {
    FUZZ_CHECK(rc == -1, "seg_day_from_julian returned %d", rc);
    FUZZ_CHECK(day == 77777, "a failed seg_day_from_julian wrote *day");
    FUZZ_CHECK(!(jd >= 0.0 && jd < 5373484.4999),
               "julian day %.17g is in range but not a day", jd);
    return;
  }
  FUZZ_CHECK(jd >= 0.0 && jd < 5373484.5, "julian day %.17g gave a day", jd);
  FUZZ_CHECK(day >= SEG_DAY_MIN && day <= SEG_DAY_MAX,
             "julian day %.17g gave day %d, out of range", jd, day);
  /* The day starts at julian day d + 2440587.5; rounding to the
  ** millisecond can move jd across that boundary, by one day at most. */
  FUZZ_CHECK(fabs(floor(jd - 2440587.5) - day) <= 1.0,
             "julian day %.17g gave day %d", jd, day);
  check_round_trip(day);
}

static void check_ijd(int64_t ijd) {
  int32_t day = seg_day_from_ijd(ijd);
  i128 num = (i128)ijd - (i128)SEG_IJD_UNIX_EPOCH;
  i128 q = num / MS_PER_DAY;
  if (num % MS_PER_DAY < 0) q--; /* floor */
  if (q <= INT32_MIN || q > INT32_MAX) {
    FUZZ_CHECK(day == SEG_DAY_NONE, "instant %lld: day %d, expected none",
               (long long)ijd, day);
  } else {
    FUZZ_CHECK(day == (int32_t)q, "instant %lld: day %d, expected %d",
               (long long)ijd, day, (int)q);
  }
  check_round_trip(day);
  check_round_trip((int32_t)(uint32_t)(uint64_t)ijd);
}

static int is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
  static const int dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dim[m];
}

static void check_ymd(int y, int m, int d) {
  int32_t day = seg_day_from_ymd(y, m, d);
  if (y < -4713 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) {
    FUZZ_CHECK(day == SEG_DAY_NONE, "%d-%d-%d should be no day", y, m, d);
    return;
  }
  FUZZ_CHECK(day != SEG_DAY_NONE, "%d-%d-%d should be a day", y, m, d);
  if (y < 0) return; /* SQLite's own arithmetic there, not a calendar's */
  if (d <= days_in_month(y, m)) {
    char want[16], got[SEG_DAY_FORMAT_SIZE];
    snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
    seg_day_format(day, got);
    FUZZ_CHECK(strcmp(want, got) == 0, "%s is day %d, which formats as %s",
               want, day, got);
  } else {
    FUZZ_CHECK(day == seg_day_from_ymd(y, m, 1) + d - 1,
               "%04d-%02d-%02d does not carry into the next month", y, m, d);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_input in = {data, size};
  char text[64];
  size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
  double x;
  int64_t k;
  int y, m, d;

  check_text(data, size);

  /* The text as a number, both ways. */
  memcpy(text, data, n);
  text[n] = 0;
  x = strtod(text, NULL);
  check_unix(x);
  check_julian(x);

  /* The raw bits. */
  k = fuzz_take_int64(&in);
  memcpy(&x, &k, sizeof x);
  check_unix(x);
  check_julian(x);
  check_ijd(k);

  /* Years -5500..10499, months 0..15, days 0..39: the edges and past them. */
  y = (int)(((size > 0 ? data[0] : 0) | (size > 1 ? data[1] << 8 : 0)) % 16000) - 5500;
  m = size > 2 ? data[2] % 16 : 1;
  d = size > 3 ? data[3] % 40 : 1;
  check_ymd(y, m, d);
  return 0;
}
