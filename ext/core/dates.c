/*
** dates.c — SQLite 3.40's date text rules and calendar, in plain C; see
** dates.h for what is accepted and how to call it.
**
**     int64_t ijd;
**     if (seg_date_parse_text("2024-03-01 10:00", 16, &ijd) == 0) {
**       char buf[SEG_DAY_FORMAT_SIZE];
**       seg_day_format(seg_day_from_ijd(ijd), buf);       // "2024-03-01"
**     }
**
** HOW IT WORKS
** Text is tried as SQLite tries it, first match wins: a [-]YYYY-MM-DD with
** an optional time, then a time alone, then a decimal number (a julian day
** number).  Each field has a fixed width and a range; a zone offset can
** only follow a time.  The parts then become an instant in milliseconds
** (SQLite's "iJD"), which must lie between julian day 0 and the end of
** 9999.
**
** The answers have to agree with SQLite to the millisecond, bit for bit,
** so wherever SQLite rounds, this file rounds the same way with the same
** floating-point operations, in the same order:
**   - fractional seconds are summed digit by digit in a double, divided
**     by a double power of ten, added to the whole seconds, then
**     rounded half up to milliseconds;
**   - numbers are converted as sqlite3AtoF does in 3.40: the first 18
**     or 19 significant digits in an int64 (later ones are dropped, not
**     rounded), scaled by a power of ten built by squaring in long
**     double, then rounded to double.  strtod() rounds correctly and so,
**     now and then, differently, and one unit in the last place is enough
**     to move a julian day across a millisecond (the differential test
**     pins such strings);
**   - the julian day number of a date is the formula in Meeus,
**     "Astronomical Algorithms", chapter 7, with C's truncating division,
**     and a day number goes back to a date by Meeus's inverse.  SQLite
**     evaluates parts of the inverse in double; they are written here as
**     the exact integer fractions they stand for (30.6001 * E is
**     306001 * E / 10000, and so on), which give the same integers over
**     the whole range, as the differential test checks day by day.
** For years below 0 those two formulas truncate towards zero where a
** calendar would floor, so they disagree with the proleptic Gregorian
** calendar, and with each other, in a few days of some centuries.  The
** same truncation here gives SQLite's answers there too.
*/
#include "dates.h"

#include <math.h>
#include <string.h>

#define MS_PER_DAY INT64_C(86400000)
#define HALF_DAY_MS INT64_C(43200000)

/* The julian day number (the one that starts at noon) of 1970-01-01. */
#define JDN_1970 2440588

/* Days since 1970 of 0000-01-01, and Unix seconds are accepted from there
** to the end of 9999. */
#define DAY_0000_01_01 (-719528)

/* SQLite cannot hold a longer string in a value (SQLITE_MAX_LENGTH). */
#define MAX_TEXT_BYTES ((size_t)1000000000)

/* What a text date spells, before it becomes an instant. */
typedef struct DateParts {
  int is_number; /* the text is a julian day number (jd), nothing else */
  double jd;
  int has_ymd; /* a [-]YYYY-MM-DD was given; else 2000-01-01 */
  int y, m, d;
  int has_time; /* a HH:MM[:SS[.F...]] was given */
  int h, mi;
  double s;     /* seconds and their fraction, summed as SQLite does */
  int tz;       /* zone offset in minutes east of UTC; 0 for none or Z */
} DateParts;

/* The byte at z[i], or 0 past the end (the text has no NUL by then). */
static int char_at(const char *z, size_t n, size_t i) {
  return i < n ? (unsigned char)z[i] : 0;
}

/* SQLite's sqlite3Isspace(): ASCII only. */
static int is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* Read exactly width digits at z[*i] into *out and advance *i past them.
** Fails (-1, *i unchanged) on a short field or a value outside lo..hi. */
static int read_field(const char *z, size_t n, size_t *i, int width, int lo,
                      int hi, int *out) {
  int v = 0;
  for (int k = 0; k < width; k++) {
    int c = char_at(z, n, *i + (size_t)k);
    if (!is_digit(c)) return -1;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return -1;
  *i += (size_t)width;
  *out = v;
  return 0;
}

/* Expect the byte c at z[*i] and step over it. */
static int expect(const char *z, size_t n, size_t *i, int c) {
  if (char_at(z, n, *i) != c) return -1;
  (*i)++;
  return 0;
}

static void skip_spaces(const char *z, size_t n, size_t *i) {
  while (is_space(char_at(z, n, *i))) (*i)++;
}

/* What may end a time: whitespace, then nothing, or 'Z'/'z', or
** [+-]HH:MM (HH 00..14, MM 00..59), then whitespace, then the end. */
static int parse_zone(const char *z, size_t n, size_t i, int *tz) {
  int c, sign, hh, mm;
  skip_spaces(z, n, &i);
  c = char_at(z, n, i);
  *tz = 0;
  if (c == 0) return 0;
  if (c == 'Z' || c == 'z') {
    i++;
  } else if (c == '+' || c == '-') {
    sign = c == '-' ? -1 : 1;
    i++;
    if (read_field(z, n, &i, 2, 0, 14, &hh) || expect(z, n, &i, ':') ||
        read_field(z, n, &i, 2, 0, 59, &mm)) {
      return -1;
    }
    *tz = sign * (hh * 60 + mm);
  } else {
    return -1;
  }
  skip_spaces(z, n, &i);
  return char_at(z, n, i) == 0 ? 0 : -1;
}

/* HH:MM[:SS[.F...]] and an optional zone, to the end of the text.  HH may
** be 24.  A '.' not followed by a digit is left for the zone (and fails
** there). */
static int parse_time(const char *z, size_t n, size_t i, DateParts *p) {
  int h, mi, sec = 0;
  double frac = 0.0, scale = 1.0;
  if (read_field(z, n, &i, 2, 0, 24, &h) || expect(z, n, &i, ':') ||
      read_field(z, n, &i, 2, 0, 59, &mi)) {
    return -1;
  }
  if (char_at(z, n, i) == ':') {
    i++;
    if (read_field(z, n, &i, 2, 0, 59, &sec)) return -1;
    if (char_at(z, n, i) == '.' && is_digit(char_at(z, n, i + 1))) {
      i++;
      while (is_digit(char_at(z, n, i))) {
        /* SQLite adds the character code, then takes '0' off: two
        ** roundings once frac passes 2^53, kept for the same bits. */
        frac = frac * 10.0 + char_at(z, n, i);
        frac -= '0';
        scale *= 10.0;
        i++;
      }
      frac /= scale; /* NaN after ~308 nines: fails below, as in SQLite */
    }
  }
  if (parse_zone(z, n, i, &p->tz)) return -1;
  p->has_time = 1;
  p->h = h;
  p->mi = mi;
  p->s = sec + frac;
  return 0;
}

/* [-]YYYY-MM-DD, then any run of whitespace and 'T', then a time or the
** end of the text. */
static int parse_ymd(const char *z, size_t n, DateParts *p) {
  size_t i = 0;
  int neg = 0, y, m, d;
  if (char_at(z, n, 0) == '-') {
    neg = 1;
    i++;
  }
  if (read_field(z, n, &i, 4, 0, 9999, &y) || expect(z, n, &i, '-') ||
      read_field(z, n, &i, 2, 1, 12, &m) || expect(z, n, &i, '-') ||
      read_field(z, n, &i, 2, 1, 31, &d)) {
    return -1;
  }
  while (is_space(char_at(z, n, i)) || char_at(z, n, i) == 'T') i++;
  if (parse_time(z, n, i, p) != 0) {
    if (char_at(z, n, i) != 0) return -1;
    p->has_time = 0; /* the date alone */
    p->tz = 0;
  }
  p->has_ymd = 1;
  p->y = neg ? -y : y;
  p->m = m;
  p->d = d;
  return 0;
}

/* 10^e in long double, by repeated squaring (sqlite3Pow10's order). */
static long double pow10_ld(int e) {
  long double x = 10.0L, r = 1.0L;
  for (;;) {
    if (e & 1) r *= x;
    e >>= 1;
    if (e == 0) break;
    x *= x;
  }
  return r;
}

/* The whole text as a decimal number, sqlite3AtoF's way: optional
** whitespace, [+-], digits with an optional '.', an optional exponent
** e[+-]digits, optional whitespace; at least one digit before the
** exponent.  Returns 1 and sets *out, or 0. */
static int parse_number(const char *z, size_t n, double *out) {
  const int64_t big = (INT64_MAX - 9) / 10; /* more digits would overflow */
  size_t i = 0;
  int neg = 0, ndigit = 0, exp_ok = 1, esign = 1, e = 0, shift = 0;
  int64_t sig = 0;
  double r;

  skip_spaces(z, n, &i);
  if (i >= n) return 0;
  if (z[i] == '-') {
    neg = 1;
    i++;
  } else if (z[i] == '+') {
    i++;
  }
  while (i < n && is_digit(z[i])) {
    sig = sig * 10 + (z[i] - '0');
    i++;
    ndigit++;
    if (sig >= big) {
      /* Later integer digits only scale the value. */
      while (i < n && is_digit(z[i])) {
        i++;
        shift++;
      }
    }
  }
  if (i < n && z[i] == '.') {
    i++;
    for (; i < n && is_digit(z[i]); i++) {
      if (sig < big) { /* later fraction digits are dropped */
        sig = sig * 10 + (z[i] - '0');
        shift--;
        ndigit++;
      }
    }
  }
  if (i < n && (z[i] == 'e' || z[i] == 'E')) {
    i++;
    exp_ok = 0;
    if (i < n && (z[i] == '-' || z[i] == '+')) {
      if (z[i] == '-') esign = -1;
      i++;
    }
    for (; i < n && is_digit(z[i]); i++) {
      e = e < 10000 ? e * 10 + (z[i] - '0') : 10000;
      exp_ok = 1;
    }
  }
  skip_spaces(z, n, &i);
  if (i != n || ndigit == 0 || !exp_ok) return 0;

  e = e * esign + shift;
  esign = e < 0 ? -1 : 1;
  if (e < 0) e = -e;
  if (sig == 0) {
    *out = neg ? -0.0 : 0.0;
    return 1;
  }
  /* Move what of the exponent can be moved into the significand. */
  while (e > 0) {
    if (esign > 0) {
      if (sig >= INT64_MAX / 10) break;
      sig *= 10;
    } else {
      if (sig % 10 != 0) break;
      sig /= 10;
    }
    e--;
  }
  if (neg) sig = -sig;
  if (e == 0) {
    r = (double)sig;
  } else if (e > 307) {
    if (e < 342) {
      long double scale = pow10_ld(e - 308);
      if (esign < 0) {
        r = (double)(sig / scale);
        r /= 1.0e308;
      } else {
        r = (double)(sig * scale);
        r *= 1.0e308;
      }
    } else {
      r = esign < 0 ? 0.0 * (double)sig : INFINITY * (double)sig;
    }
  } else {
    long double scale = pow10_ld(e);
    r = esign < 0 ? (double)(sig / scale) : (double)(sig * scale);
  }
  *out = r;
  return 1;
}

/* Split text into DateParts; 0 on success, -1 when it is not a date. */
static int parse_parts(const char *z, size_t n, DateParts *p) {
  const char *nul;
  p->is_number = p->has_ymd = p->has_time = 0;
  p->tz = 0;
  if (z == NULL || n > MAX_TEXT_BYTES) return -1;
  /* A NUL ends the text, as it ends the C string SQLite parses. */
  nul = memchr(z, 0, n);
  if (nul != NULL) n = (size_t)(nul - z);
  if (parse_ymd(z, n, p) == 0) return 0;
  p->has_time = 0;
  p->tz = 0;
  if (parse_time(z, n, 0, p) == 0) return 0;
  /* 'now' would come next in SQLite; it is not a stored date. */
  if (parse_number(z, n, &p->jd)) {
    p->is_number = 1;
    return 0;
  }
  return -1;
}

/* The instant the parts name, or -1 when julianday() would be NULL. */
static int parts_to_ijd(const DateParts *p, int64_t *ijd_ms) {
  int64_t ijd;
  if (p->is_number) {
    if (!(p->jd >= 0.0 && p->jd < 5373484.5)) return -1;
    ijd = (int64_t)(p->jd * 86400000.0 + 0.5);
  } else {
    int32_t day = p->has_ymd ? seg_day_from_ymd(p->y, p->m, p->d)
                             : seg_day_from_ymd(2000, 1, 1);
    if (day == SEG_DAY_NONE) return -1; /* a year below -4713 */
    ijd = ((int64_t)day + JDN_1970) * MS_PER_DAY - HALF_DAY_MS;
    if (p->has_time) {
      double ms = p->s * 1000 + 0.5;
      /* Fails on NaN too.  SQLite's cast turns NaN into INT64_MIN, which
      ** no julian day survives. */
      if (!(ms < 1.0e15)) return -1;
      ijd += p->h * INT64_C(3600000) + p->mi * INT64_C(60000) + (int64_t)ms;
      ijd -= p->tz * INT64_C(60000);
    }
  }
  if (ijd < 0 || ijd > SEG_IJD_MAX) return -1;
  *ijd_ms = ijd;
  return 0;
}

int seg_date_parse_text(const char *z, size_t n, int64_t *ijd_ms) {
  DateParts p;
  if (parse_parts(z, n, &p)) return -1;
  return parts_to_ijd(&p, ijd_ms);
}

/* Year, month and day of a day in SEG_DAY_MIN..SEG_DAY_MAX, as SQLite's
** date() names them (Meeus's inverse; see the file header). */
static void day_to_ymd(int32_t day, int *y, int *m, int *d) {
  int64_t z = (int64_t)day + JDN_1970; /* julian day number, from noon */
  int64_t alpha = (4 * z - 7468865) / 146097;
  int64_t a = z + 1 + alpha - alpha / 4;
  int64_t b = a + 1524;
  int64_t c = (20 * b - 2442) / 7305; /* (b - 122.1) / 365.25 */
  int64_t dc = 36525 * c / 100;
  int64_t e = (b - dc) * 10000 / 306001; /* (b - dc) / 30.6001 */
  *d = (int)(b - dc - 306001 * e / 10000);
  *m = (int)(e < 14 ? e - 1 : e - 13);
  *y = (int)(*m > 2 ? c - 4716 : c - 4715);
}

/* The digits z[0..count) as a number, or -1 when one is not a digit. */
static int fixed_digits(const char *z, int count) {
  int v = 0;
  for (int i = 0; i < count; i++) {
    if (z[i] < '0' || z[i] > '9') return -1;
    v = v * 10 + (z[i] - '0');
  }
  return v;
}

/* The shapes nearly every order table holds, 'YYYY-MM-DD' and
** 'YYYY-MM-DD HH:MM:SS', read without the general parser: 0 with *day
** set, or -1 to say "use the general parser" (never "not a date").  For
** these shapes date() echoes the date as written, so the day is that of
** y-m-d by computeJD's arithmetic (day 31 of a short month runs into the
** next one, as in SQLite).  Years 0001..9998 and hours 00..23 only: the
** edges of SQLite's range and hour 24 go the long way. */
static int day_from_common_shape(const char *z, size_t n, int32_t *day) {
  int y, m, d;
  if ((n != 10 && n != 19) || z[4] != '-' || z[7] != '-') return -1;
  y = fixed_digits(z, 4);
  m = fixed_digits(z + 5, 2);
  d = fixed_digits(z + 8, 2);
  if (y < 1 || y > 9998 || m < 1 || m > 12 || d < 1 || d > 31) return -1;
  if (n == 19) {
    int hh, mm, ss;
    if (z[10] != ' ' || z[13] != ':' || z[16] != ':') return -1;
    hh = fixed_digits(z + 11, 2);
    mm = fixed_digits(z + 14, 2);
    ss = fixed_digits(z + 17, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59) return -1;
  }
  *day = seg_day_from_ymd(y, m, d);
  return 0;
}

int seg_day_from_text(const char *z, size_t n, int32_t *day) {
  DateParts p;
  int64_t ijd;
  int y, m, d;
  if (day_from_common_shape(z, n, day) == 0) return 0;
  if (parse_parts(z, n, &p) || parts_to_ijd(&p, &ijd)) return -1;
  if (p.has_ymd && p.tz == 0) {
    /* date() prints the YYYY-MM-DD as written. */
    *day = seg_day_from_ymd(p.y, p.m, p.d);
  } else {
    /* date() prints the instant's date, which julianday() reads back. */
    day_to_ymd(seg_day_from_ijd(ijd), &y, &m, &d);
    *day = seg_day_from_ymd(y, m, d);
  }
  return 0;
}

int32_t seg_day_from_ijd(int64_t ijd_ms) {
  /* floor((ijd_ms - SEG_IJD_UNIX_EPOCH) / MS_PER_DAY) without overflow:
  ** the epoch is 2440587 days and a half. */
  int64_t q = ijd_ms / MS_PER_DAY, r = ijd_ms % MS_PER_DAY;
  if (r < 0) {
    q--;
    r += MS_PER_DAY;
  }
  if (r < HALF_DAY_MS) q--;
  q -= JDN_1970 - 1;
  if (q <= INT32_MIN || q > INT32_MAX) return SEG_DAY_NONE;
  return (int32_t)q;
}

int seg_day_from_julian(double jd, int32_t *day) {
  int64_t ijd;
  if (!(jd >= 0.0 && jd < 5373484.5)) return -1; /* NaN fails too */
  ijd = (int64_t)(jd * 86400000.0 + 0.5);
  if (ijd > SEG_IJD_MAX) return -1;
  *day = seg_day_from_ijd(ijd);
  return 0;
}

int seg_day_from_unix(double secs, int32_t *day) {
  double q;
  if (!isfinite(secs)) return -1;
  q = floor(secs / 86400.0);
  /* Far outside: stop before the products below lose whole days. */
  if (q < DAY_0000_01_01 - 2 || q > SEG_DAY_MAX + 2) return -1;
  /* The quotient may have rounded up to the next whole day. */
  if (q * 86400.0 > secs) {
    q -= 1;
  } else if ((q + 1) * 86400.0 <= secs) {
    q += 1;
  }
  if (q < DAY_0000_01_01 || q > SEG_DAY_MAX) return -1;
  *day = (int32_t)q;
  return 0;
}

/* Write v as exactly width decimal digits at out. */
static void put_digits(char *out, int v, int width) {
  for (int k = width - 1; k >= 0; k--) {
    out[k] = (char)('0' + v % 10);
    v /= 10;
  }
}

void seg_day_format(int32_t day, char out[SEG_DAY_FORMAT_SIZE]) {
  int y, m, d;
  char *p = out;
  if (day < SEG_DAY_MIN || day > SEG_DAY_MAX) {
    out[0] = 0;
    return;
  }
  day_to_ymd(day, &y, &m, &d);
  if (y < 0) {
    *p++ = '-';
    y = -y;
  }
  put_digits(p, y, 4);
  p[4] = '-';
  put_digits(p + 5, m, 2);
  p[7] = '-';
  put_digits(p + 8, d, 2);
  p[10] = 0;
}

int32_t seg_day_from_ymd(int y, int m, int d) {
  int a, b, x1, x2;
  if (y < -4713 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) {
    return SEG_DAY_NONE;
  }
  /* Count the year from March, so that a leap day ends it. */
  if (m <= 2) {
    y--;
    m += 12;
  }
  a = y / 100;                     /* truncates for y < 0, as SQLite's */
  b = 2 - a + a / 4;               /* Gregorian leap days left out */
  x1 = 36525 * (y + 4716) / 100;   /* days of whole years */
  x2 = 306001 * (m + 1) / 10000;   /* days of whole months from March */
  return x1 + x2 + d + b - 2442112; /* 2442112: 1524.5 + 2440587.5 */
}
