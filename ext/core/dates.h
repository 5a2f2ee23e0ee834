/*
** dates.h — read order dates the way SQLite does, without SQLite.
**
** Every date the extension handles becomes a day number: whole days since
** 1970-01-01 (day 0), UTC, negative before.  A day number is what recency
** is computed from and what first_order/last_order are printed from.
** Dates arrive in three shapes (DESIGN.md, "Per-customer features"), and
** each has a function that turns it into a day:
**
**     int32_t day;
**     seg_day_from_text("2024-03-01T23:30:00-01:00", 25, &day); // 19784 (03-02)
**     seg_day_from_unix(1709251200.0, &day);                     // 19783
**     seg_day_from_julian(2460370.5, &day);                      // 19783
**
**     char buf[SEG_DAY_FORMAT_SIZE];
**     seg_day_format(19783, buf);                                // "2024-03-01"
**
** Each returns 0, or -1 when the value is not a date (the glue turns that
** into "... is not a date" or skips the row).  Nothing here allocates.
**
** TEXT follows SQLite 3.40's julianday(z) exactly, 'now' aside (a stored
** date is never "now"):
**
**     [-]YYYY-MM-DD                          2024-03-01
**     [-]YYYY-MM-DD<sep>HH:MM[:SS[.F...]]    2024-03-01T10:15:30.25
**     HH:MM[:SS[.F...]]                      10:15  (means 2000-01-01 10:15)
**     any of the timed forms + zone          ...Z  ...z  ...+05:30  ...-01:00
**     a julian day number                    2460370.5  +2.46e6  .5  5.
**
** where <sep> is any run of 'T' and whitespace (space, \t, \n, \v, \f, \r),
** the zone may have whitespace before and after it, a date-only form may be
** followed by whitespace or 'T's, and a number may be surrounded by
** whitespace.  Fields are exactly as wide as shown; month 01..12, day
** 01..31 in every month (02-31 is 03-03), hour 00..24 (24:00 is the next
** midnight), minute and second 00..59, zone hours 00..14.  Anything else,
** leading whitespace before a date or time included, is not a date.  The
** result must lie between julian day 0 (-4713-11-24 12:00) and
** 9999-12-31 23:59:59.999.
**
** THE DAY OF A TEXT DATE
** SQLite's date(z) does not always name the day that julianday(z) falls
** on: when z spells a YYYY-MM-DD and carries no zone offset, date() prints
** that YYYY-MM-DD back as written, so date('2024-01-01 24:00') is
** '2024-01-01' although julianday() says 2024-01-02 00:00.  Recency is
** defined as julianday(date(as_of)) - julianday(date(last_order)), so
** seg_day_from_text() returns the day of julianday(date(z)), and
** seg_date_parse_text() the exact instant for whoever needs it.
*/
#ifndef SEGMENT_CORE_DATES_H
#define SEGMENT_CORE_DATES_H

#include <stddef.h>
#include <stdint.h>

/* "No day": what seg_day_from_ymd() returns for a year, month or day it
** cannot place. */
#define SEG_DAY_NONE INT32_MIN

/* The days SQLite can print: julian day 0 (-4713-11-24) to 9999-12-31. */
#define SEG_DAY_MIN (-2440588)
#define SEG_DAY_MAX 2932896

/* Instants are SQLite's iJD: the julian day times 86400000, an integer
** count of milliseconds since -4713-11-24 12:00 UTC.  Valid ones lie in
** 0..SEG_IJD_MAX (9999-12-31 23:59:59.999). */
#define SEG_IJD_MAX INT64_C(464269060799999)
#define SEG_IJD_UNIX_EPOCH INT64_C(210866760000000) /* 1970-01-01 00:00 */

/* Room for the longest formatted day, "-4713-11-24", and its NUL. */
#define SEG_DAY_FORMAT_SIZE 12

/* Parse the n bytes at z (no NUL terminator needed) exactly as SQLite
** 3.40's julianday(z) does with a text argument and no modifiers.  On
** success store the instant in *ijd_ms (julianday(z) == *ijd_ms/86400000.0
** bit for bit) and return 0; return -1 wherever julianday(z) is NULL.
**
** Edge cases, all as SQLite:
**   - 'now' (any case) is -1: a stored value is never the current time.
**   - z may be NULL when n is 0 (it is then -1, as '' is).
**   - A zero byte ends the text, as it ends SQLite's C string.
**   - Leading whitespace fails a date or time (' 2024-01-01' is -1) but
**     not a number (' 2460370.5 ' is fine).
**   - A number is a julian day, never unix seconds: '1709251200' is -1
**     (out of range) and '2024' is a day in -4708.  Negative numbers are
**     -1, '-0' is julian day 0.
**   - '2024-02-31' is 2024-03-02; '2024-01-01 24:00' is 2024-01-02 00:00;
**     '2024-01-01 23:59:59.9996' rounds to 2024-01-02 00:00:00.000.
**   - 'YYYY-MM-DDZ' is -1: a zone needs a time.  'Z', '+00:00' and no zone
**     give the same instant.
**   - Negative years follow SQLite's arithmetic, which is not quite the
**     proleptic Gregorian calendar ('-0099-02-28' is '-0099-03-01').
**   - Text longer than 1,000,000,000 bytes (more than SQLite can hold in
**     a value by default) is -1. */
int seg_date_parse_text(const char *z, size_t n, int64_t *ijd_ms);

/* The day of the date that SQLite's date(z) names, that is the day of
** julianday(date(z)): store it in *day and return 0, or return -1 where
** date(z) is NULL.  It differs from seg_day_from_ijd() of
** seg_date_parse_text() only when z spells a YYYY-MM-DD, has no zone
** offset (or a zero one), and its time reaches the next day ('24:00',
** '23:59:59.9996'): then the day is the YYYY-MM-DD as written.  A day
** past the month's end is carried over as SQLite does ('2024-02-31' is
** 2024-03-02 by either function).  (In a few days of negative years,
** where SQLite's printing and parsing of dates disagree, it also follows
** julianday(date(z)); years 0000..9999 have no such days.) */
int seg_day_from_text(const char *z, size_t n, int32_t *day);

/* The calendar day (UTC) that an instant falls on:
** floor((ijd_ms - SEG_IJD_UNIX_EPOCH) / 86400000), correct for instants
** before 1970 too.  Valid instants (0..SEG_IJD_MAX) give days in
** SEG_DAY_MIN..SEG_DAY_MAX; any other int64 is accepted, and one whose
** day does not fit an int32 gives SEG_DAY_NONE. */
int32_t seg_day_from_ijd(int64_t ijd_ms);

/* A julian day number held as a REAL (or INTEGER) value -> its day, as
** SQLite's date(jd) computes it: the number is rounded to the nearest
** millisecond first, so 2440588.4999999999 is already 1970-01-02.
** Return -1 (and leave *day alone) when jd is NaN, infinite, negative or
** not below 5373484.5, or when it rounds past 9999-12-31 23:59:59.999:
** exactly where date(jd) is NULL. */
int seg_day_from_julian(double jd, int32_t *day);

/* Unix seconds (fractional and negative allowed) -> the day they fall on,
** by floor division: -0.5 is 1969-12-31, 86399.9 is 1970-01-01.
** Return -1 (and leave *day alone) when secs is NaN or infinite or its day
** is outside 0000-01-01 .. 9999-12-31.
** This is not quite date(secs, 'unixepoch'): SQLite rounds to the nearest
** millisecond first (so -0.0001 is 1970-01-01 there) and also accepts
** negative years down to -4713. */
int seg_day_from_unix(double secs, int32_t *day);

/* Write the day as SQLite's date() prints it, NUL-terminated, into out:
** "YYYY-MM-DD", or "-YYYY-MM-DD" for years before 0000 (the year then
** counts astronomically: "-0001" is the year before "0000").  Days
** outside SEG_DAY_MIN..SEG_DAY_MAX, where date() has no answer, give "". */
void seg_day_format(int32_t day, char out[SEG_DAY_FORMAT_SIZE]);

/* The day of year y, month m, day d, by the same arithmetic as SQLite's
** julianday('YYYY-MM-DD'): d may run past the month's end up to 31
** (2023-02-31 is 2023-03-03), and for years below 0 the result is SQLite's
** rather than the proleptic Gregorian calendar's.  Returns SEG_DAY_NONE
** unless -4713 <= y <= 9999, 1 <= m <= 12 and 1 <= d <= 31.  The result
** can lie below SEG_DAY_MIN (before julian day 0) for late -4713 dates. */
int32_t seg_day_from_ymd(int y, int m, int d);

#endif
