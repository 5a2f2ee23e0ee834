/*
** breaks.c — cut points as JSON, in and out; see breaks.h.
**
** HOW IT WORKS
** A small recursive-descent reader over exactly the grammar breaks.h
** describes (JSON whitespace, strings without escapes as keys, JSON
** numbers), on the cursor of jsonread.c, whose numbers follow JSON's
** grammar and are converted whatever the locale's decimal point.  Output goes the other way: whole numbers below 1e15 in full,
** anything else as the shortest %.Ng (N = 1..17) that strtod reads back
** bit for bit.
*/
#include "breaks.h"

#include "jsonread.h"
#include "message.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char locale_point(void) {
  const char *p = localeconv()->decimal_point;
  return (p && p[0]) ? p[0] : '.';
}

/* An array of numbers into cuts (at most SEG_MAX_BINS-1 of them, counted
** past that for the message).  Returns 0 or -1 with err set. */
static int read_cuts(seg_json *rd, const char *key, seg_cuts *cuts, char *err,
                     size_t errlen) {
  char got[48];
  size_t start;
  int count = 0;
  seg_json_peek(rd);
  start = rd->i;
  if (!seg_json_accept(rd, '[')) goto not_numbers;
  if (!seg_json_accept(rd, ']')) {
    do {
      double x;
      if (seg_json_number(rd, &x) != 0) goto not_numbers;
      if (count < SEG_MAX_BINS - 1) cuts->v[count] = x;
      count++;
    } while (seg_json_accept(rd, ','));
    if (!seg_json_accept(rd, ']')) goto not_numbers;
  }
  if (count < 1 || count > SEG_MAX_BINS - 1) {
    seg_say(err, errlen,
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
      seg_say(err, errlen, "breaks \"%s\" must be ascending, got %s before %s",
          key, a, b);
      return -1;
    }
  }
  return 0;

not_numbers:
  seg_json_excerpt(rd, start, got);
  seg_say(err, errlen, "breaks \"%s\" must be an array of numbers, got '%s'", key,
      got);
  return -1;
}

int seg_breaks_parse(const char *z, size_t n, seg_breaks *out, char *err,
                     size_t errlen) {
  seg_json rd;
  int seen[3] = {0, 0, 0};
  static const char keys[3] = {'r', 'f', 'm'};
  char got[48];

  seg_json_init(&rd, z, n);
  if (!seg_json_accept(&rd, '{')) goto syntax;
  if (!seg_json_accept(&rd, '}')) {
    do {
      size_t key_start, key_len;
      int which = -1;
      if (!seg_json_accept(&rd, '"')) goto syntax;
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
        seg_say(err, errlen,
            "breaks has an unknown key \"%.*s\" (expected \"r\", \"f\" and \"m\")",
            (int)(key_len > 40 ? 40 : key_len), z + key_start);
        return -1;
      }
      if (seen[which]) {
        seg_say(err, errlen, "breaks has \"%c\" twice", keys[which]);
        return -1;
      }
      seen[which] = 1;
      if (!seg_json_accept(&rd, ':')) goto syntax;
      seg_cuts *cuts = which == 0 ? &out->r : which == 1 ? &out->f : &out->m;
      char key[2] = {keys[which], 0};
      if (read_cuts(&rd, key, cuts, err, errlen) != 0) return -1;
    } while (seg_json_accept(&rd, ','));
    if (!seg_json_accept(&rd, '}')) goto syntax;
  }
  if (!seg_json_end(&rd)) goto syntax;
  for (int k = 0; k < 3; k++) {
    if (!seen[k]) {
      seg_say(err, errlen, "breaks has no \"%c\" (expected \"r\", \"f\" and \"m\")",
          keys[k]);
      return -1;
    }
  }
  return 0;

syntax:
  seg_json_excerpt(&rd, 0, got);
  seg_say(err, errlen,
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
    seg_json rd;
    double back;
    seg_json_init(&rd, out, strlen(out));
    if (seg_json_number(&rd, &back) == 0 && back == x) break;
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
