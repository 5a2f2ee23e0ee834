/*
** jsonread.c — a small cursor over JSON text; see jsonread.h.
**
** HOW IT WORKS
** Recursive descent over RFC 8259's grammar, with the nesting of skipped
** values bounded (SKIP_DEPTH) so that hostile text cannot exhaust the
** stack.  Nothing is allocated.
*/
#include "jsonread.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#define SKIP_DEPTH 32

void seg_json_init(seg_json *j, const char *z, size_t n) {
  j->z = z;
  j->n = n;
  j->i = 0;
}

static void skip_space(seg_json *j) {
  while (j->i < j->n) {
    char c = j->z[j->i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    j->i++;
  }
}

int seg_json_peek(seg_json *j) {
  skip_space(j);
  return j->i < j->n ? (unsigned char)j->z[j->i] : -1;
}

int seg_json_accept(seg_json *j, char c) {
  if (seg_json_peek(j) != (unsigned char)c) return 0;
  j->i++;
  return 1;
}

int seg_json_end(seg_json *j) { return seg_json_peek(j) == -1; }

static int is_digit(const seg_json *j, size_t i) {
  return i < j->n && j->z[i] >= '0' && j->z[i] <= '9';
}

int seg_json_number(seg_json *j, double *out) {
  size_t start, i;
  char buf[64];
  const char *point;
  skip_space(j);
  start = i = j->i;
  if (i < j->n && j->z[i] == '-') i++;
  if (!is_digit(j, i)) return SEG_JSON_SYNTAX;
  if (j->z[i] == '0') i++;
  else while (is_digit(j, i)) i++;
  if (i < j->n && j->z[i] == '.') {
    i++;
    if (!is_digit(j, i)) return SEG_JSON_SYNTAX;
    while (is_digit(j, i)) i++;
  }
  if (i < j->n && (j->z[i] == 'e' || j->z[i] == 'E')) {
    i++;
    if (i < j->n && (j->z[i] == '+' || j->z[i] == '-')) i++;
    if (!is_digit(j, i)) return SEG_JSON_SYNTAX;
    while (is_digit(j, i)) i++;
  }
  if (i - start >= sizeof buf) return SEG_JSON_SYNTAX;
  memcpy(buf, j->z + start, i - start);
  buf[i - start] = 0;
  point = localeconv()->decimal_point;
  if (point && point[0] && point[0] != '.') {
    char *dot = strchr(buf, '.');
    if (dot) *dot = point[0];
  }
  *out = strtod(buf, NULL);
  j->i = i;
  return 0;
}

int seg_json_word(seg_json *j, const char *w) {
  size_t len = strlen(w);
  skip_space(j);
  if (j->n - j->i < len || memcmp(j->z + j->i, w, len) != 0) return 0;
  j->i += len;
  return 1;
}

void seg_json_excerpt(const seg_json *j, size_t from, char out[48]) {
  size_t k = 0;
  for (size_t i = from; i < j->n && k < 40; i++) {
    unsigned char c = (unsigned char)j->z[i];
    out[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  if (from + k < j->n) {
    memcpy(out + k, "...", 3);
    k += 3;
  }
  out[k] = 0;
}

int seg_json_numbers(seg_json *j, double *out, int max, int *count) {
  int n = 0, has_null = 0;
  if (!seg_json_accept(j, '[')) return SEG_JSON_SYNTAX;
  if (!seg_json_accept(j, ']')) {
    do {
      double x = 0;
      if (seg_json_word(j, "null")) has_null = 1;
      else if (seg_json_number(j, &x) != 0) return SEG_JSON_SYNTAX;
      if (n < max) out[n] = x;
      n++;
    } while (seg_json_accept(j, ','));
    if (!seg_json_accept(j, ']')) return SEG_JSON_SYNTAX;
  }
  *count = n;
  if (n > max) return SEG_JSON_TOO_MANY;
  return has_null ? SEG_JSON_HAS_NULL : SEG_JSON_OK;
}

/* A string: the cursor moves past its closing quote. */
static int skip_string(seg_json *j) {
  if (!seg_json_accept(j, '"')) return SEG_JSON_SYNTAX;
  while (j->i < j->n) {
    unsigned char c = (unsigned char)j->z[j->i++];
    if (c == '"') return 0;
    if (c < 0x20) return SEG_JSON_SYNTAX;
    if (c == '\\') {
      if (j->i >= j->n) return SEG_JSON_SYNTAX;
      j->i++; /* the escaped byte; \uXXXX's digits pass as plain bytes */
    }
  }
  return SEG_JSON_SYNTAX;
}

int seg_json_key(seg_json *j, const char **key, size_t *len) {
  size_t start;
  if (seg_json_peek(j) != '"') return SEG_JSON_SYNTAX;
  start = j->i + 1;
  if (skip_string(j) != 0) return SEG_JSON_SYNTAX;
  *key = j->z + start;
  *len = j->i - 1 - start;
  return seg_json_accept(j, ':') ? 0 : SEG_JSON_SYNTAX;
}

static int skip_value(seg_json *j, int depth) {
  int c = seg_json_peek(j);
  double x;
  if (depth > SKIP_DEPTH) return SEG_JSON_SYNTAX;
  switch (c) {
    case '"':
      return skip_string(j);
    case '[':
      j->i++;
      if (seg_json_accept(j, ']')) return 0;
      do {
        if (skip_value(j, depth + 1) != 0) return SEG_JSON_SYNTAX;
      } while (seg_json_accept(j, ','));
      return seg_json_accept(j, ']') ? 0 : SEG_JSON_SYNTAX;
    case '{':
      j->i++;
      if (seg_json_accept(j, '}')) return 0;
      do {
        const char *key;
        size_t len;
        if (seg_json_key(j, &key, &len) != 0 || skip_value(j, depth + 1) != 0)
          return SEG_JSON_SYNTAX;
      } while (seg_json_accept(j, ','));
      return seg_json_accept(j, '}') ? 0 : SEG_JSON_SYNTAX;
    default:
      if (seg_json_word(j, "null") || seg_json_word(j, "true") ||
          seg_json_word(j, "false"))
        return 0;
      return seg_json_number(j, &x);
  }
}

int seg_json_skip(seg_json *j) { return skip_value(j, 0); }
