/*
** breaks.c — cut points as JSON, in and out; see breaks.h.
**
** HOW IT WORKS
** A small recursive-descent reader over exactly the grammar breaks.h
** describes (JSON whitespace, strings without escapes as keys, JSON
** numbers).  Numbers are checked against JSON's grammar here and then
** converted by strtod, after swapping '.' for the locale's decimal point,
** so a host that called setlocale(LC_NUMERIC, "de_DE") reads the same
** values.  Output goes the other way: whole numbers below 1e15 in full,
** anything else as the shortest %.Ng (N = 1..17) that strtod reads back
** bit for bit.
*/
#include "breaks.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
  const char *z;   /* the text */
  size_t n;        /* its length */
  size_t i;        /* the next byte */
} reader;

static char locale_point(void) {
  const char *p = localeconv()->decimal_point;
  return (p && p[0]) ? p[0] : '.';
}

static void say(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  if (!err || errlen == 0) return;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* Up to 40 bytes of the text from position i, for an error message, with a
** "..." when cut; non-printing bytes become '?'. */
static void excerpt(const reader *rd, size_t from, char out[48]) {
  size_t k = 0;
  for (size_t i = from; i < rd->n && k < 40; i++) {
    unsigned char c = (unsigned char)rd->z[i];
    out[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  if (from + k < rd->n) {
    memcpy(out + k, "...", 3);
    k += 3;
  }
  out[k] = 0;
}

static void skip_space(reader *rd) {
  while (rd->i < rd->n) {
    char c = rd->z[rd->i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    rd->i++;
  }
}

static int peek(reader *rd) {
  skip_space(rd);
  return rd->i < rd->n ? (unsigned char)rd->z[rd->i] : -1;
}

static int accept(reader *rd, char c) {
  if (peek(rd) != (unsigned char)c) return 0;
  rd->i++;
  return 1;
}

/* A JSON number at the cursor, converted; -1 if there is none. */
static int read_number(reader *rd, double *out) {
  size_t start, i;
  char buf[64];
  skip_space(rd);
  start = i = rd->i;
  if (i < rd->n && rd->z[i] == '-') i++;
  if (i >= rd->n || rd->z[i] < '0' || rd->z[i] > '9') return -1;
  if (rd->z[i] == '0') i++;
  else while (i < rd->n && rd->z[i] >= '0' && rd->z[i] <= '9') i++;
  if (i < rd->n && rd->z[i] == '.') {
    i++;
    if (i >= rd->n || rd->z[i] < '0' || rd->z[i] > '9') return -1;
    while (i < rd->n && rd->z[i] >= '0' && rd->z[i] <= '9') i++;
  }
  if (i < rd->n && (rd->z[i] == 'e' || rd->z[i] == 'E')) {
    i++;
    if (i < rd->n && (rd->z[i] == '+' || rd->z[i] == '-')) i++;
    if (i >= rd->n || rd->z[i] < '0' || rd->z[i] > '9') return -1;
    while (i < rd->n && rd->z[i] >= '0' && rd->z[i] <= '9') i++;
  }
  if (i - start >= sizeof buf) return -1;
  memcpy(buf, rd->z + start, i - start);
  buf[i - start] = 0;
  char point = locale_point();
  if (point != '.') {
    char *dot = strchr(buf, '.');
    if (dot) *dot = point;
  }
  *out = strtod(buf, NULL);
  rd->i = i;
  return 0;
}

/* An array of numbers into cuts (at most SEG_MAX_BINS-1 of them, counted
** past that for the message).  Returns 0 or -1 with err set. */
static int read_cuts(reader *rd, const char *key, seg_cuts *cuts, char *err,
                     size_t errlen) {
  char got[48];
  size_t start;
  int count = 0;
  skip_space(rd);
  start = rd->i;
  if (!accept(rd, '[')) goto not_numbers;
  if (!accept(rd, ']')) {
    do {
      double x;
      if (read_number(rd, &x) != 0) goto not_numbers;
      if (count < SEG_MAX_BINS - 1) cuts->v[count] = x;
      count++;
    } while (accept(rd, ','));
    if (!accept(rd, ']')) goto not_numbers;
  }
  if (count < 1 || count > SEG_MAX_BINS - 1) {
    say(err, errlen,
        "breaks \"%s\" has %d cut points (expected %d to %d, for %d to %d bins)",
        key, count, SEG_MIN_BINS - 1, SEG_MAX_BINS - 1, SEG_MIN_BINS,
        SEG_MAX_BINS);
    return -1;
  }
  cuts->n = count;
  for (int i = 1; i < count; i++) {
    if (cuts->v[i] < cuts->v[i - 1]) {
      char a[SEG_NUMBER_MAX], b[SEG_NUMBER_MAX];
      seg_number_format(cuts->v[i - 1], a);
      seg_number_format(cuts->v[i], b);
      say(err, errlen, "breaks \"%s\" must be ascending, got %s before %s",
          key, a, b);
      return -1;
    }
  }
  return 0;

not_numbers:
  excerpt(rd, start, got);
  say(err, errlen, "breaks \"%s\" must be an array of numbers, got '%s'", key,
      got);
  return -1;
}

int seg_breaks_parse(const char *z, size_t n, seg_breaks *out, char *err,
                     size_t errlen) {
  reader rd = {z, n, 0};
  int seen[3] = {0, 0, 0};
  static const char keys[3] = {'r', 'f', 'm'};
  char got[48];

  if (!accept(&rd, '{')) goto syntax;
  if (!accept(&rd, '}')) {
    do {
      size_t key_start, key_len;
      int which = -1;
      if (!accept(&rd, '"')) goto syntax;
      key_start = rd.i;
      while (rd.i < rd.n && rd.z[rd.i] != '"' && rd.z[rd.i] != '\\') rd.i++;
      if (rd.i >= rd.n || rd.z[rd.i] != '"') goto syntax;
      key_len = rd.i - key_start;
      rd.i++;
      if (key_len == 1) {
        for (int k = 0; k < 3; k++)
          if (z[key_start] == keys[k]) which = k;
      }
      if (which < 0) {
        say(err, errlen,
            "breaks has an unknown key \"%.*s\" (expected \"r\", \"f\" and \"m\")",
            (int)(key_len > 40 ? 40 : key_len), z + key_start);
        return -1;
      }
      if (seen[which]) {
        say(err, errlen, "breaks has \"%c\" twice", keys[which]);
        return -1;
      }
      seen[which] = 1;
      if (!accept(&rd, ':')) goto syntax;
      seg_cuts *cuts = which == 0 ? &out->r : which == 1 ? &out->f : &out->m;
      char key[2] = {keys[which], 0};
      if (read_cuts(&rd, key, cuts, err, errlen) != 0) return -1;
    } while (accept(&rd, ','));
    if (!accept(&rd, '}')) goto syntax;
  }
  if (peek(&rd) != -1) goto syntax;
  for (int k = 0; k < 3; k++) {
    if (!seen[k]) {
      say(err, errlen, "breaks has no \"%c\" (expected \"r\", \"f\" and \"m\")",
          keys[k]);
      return -1;
    }
  }
  return 0;

syntax:
  rd.i = 0;
  excerpt(&rd, 0, got);
  say(err, errlen,
      "breaks must be JSON like {\"r\":[30,60,90,180],\"f\":[1,2,3,5],"
      "\"m\":[50,100,250,500]}, got '%s'",
      got);
  return -1;
}

void seg_number_format(double x, char *out) {
  char point = locale_point();
  if (x == 0) x = 0; /* -0 prints as 0 */
  if (x == floor(x) && fabs(x) < 1e15) {
    /* Whole numbers in full: 200, not %.1g's 2e+02. */
    snprintf(out, SEG_NUMBER_MAX, "%.0f", x);
    return;
  }
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(out, SEG_NUMBER_MAX, "%.*g", digits, x);
    if (point != '.') {
      char *p = strchr(out, point);
      if (p) *p = '.';
    }
    reader rd = {out, strlen(out), 0};
    double back;
    if (read_number(&rd, &back) == 0 && back == x) break;
  }
}

void seg_cuts_format(const double *cuts, int n, char *out) {
  size_t k = 0;
  out[k++] = '[';
  for (int i = 0; i < n; i++) {
    if (i) out[k++] = ',';
    seg_number_format(cuts[i], out + k);
    k += strlen(out + k);
  }
  out[k++] = ']';
  out[k] = 0;
}
