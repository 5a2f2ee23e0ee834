/*
** jsonread.h — a small cursor over JSON text, for the numbers the
** extension reads: breaks ({"r":[30,60,90,180], ...}, breaks.c), model
** parameters ({"r":0.24, ...}, btyd.c), a row's features ([1.5, 3, 40])
** and a model from kmeans_fit ({"k":4, "mean":[...], ...}).
**
**     seg_json j;
**     double v[16];
**     int n;
**     seg_json_init(&j, "[1.5, 3, null]", 14);
**     switch (seg_json_numbers(&j, v, 16, &n)) {   // then seg_json_end(&j)
**       case SEG_JSON_OK:       ...  // n numbers in v
**       case SEG_JSON_HAS_NULL: ...  // a null among them
**       case SEG_JSON_TOO_MANY: ...  // n is the count, only 16 stored
**       case SEG_JSON_SYNTAX:   ...
**     }
**
** Numbers follow JSON's grammar and are read with strtod after putting the
** locale's decimal point in place of '.', so a host that called
** setlocale(LC_NUMERIC, "de_DE") reads the same values (as breaks.c does).
** Strings are skipped or compared as raw bytes: escapes are stepped over,
** never decoded, which is all a key lookup needs.
*/
#ifndef SEGMENT_CORE_JSONREAD_H
#define SEGMENT_CORE_JSONREAD_H

#include <stddef.h>

typedef struct seg_json {
  const char *z; /* the text */
  size_t n;      /* its length */
  size_t i;      /* the next byte */
} seg_json;

enum {
  SEG_JSON_OK = 0,
  SEG_JSON_SYNTAX = -1,
  SEG_JSON_HAS_NULL = 1,
  SEG_JSON_TOO_MANY = 2
};

void seg_json_init(seg_json *j, const char *z, size_t n);

/* The next byte after whitespace, or -1 at the end. */
int seg_json_peek(seg_json *j);

/* Step over byte c (after whitespace) if it is next; 1 if it was. */
int seg_json_accept(seg_json *j, char c);

/* 1 when only whitespace is left. */
int seg_json_end(seg_json *j);

/* Step over the literal word w (after whitespace), e.g. "true"; 1 if it
** was next. */
int seg_json_word(seg_json *j, const char *w);

/* Up to 40 bytes of the text from position from, for an error message,
** with "..." when cut; non-printing bytes become '?'. */
void seg_json_excerpt(const seg_json *j, size_t from, char out[48]);

/* A number: 0 and *out, or SEG_JSON_SYNTAX (cursor unchanged). */
int seg_json_number(seg_json *j, double *out);

/* An array of numbers, [] included: SEG_JSON_OK with *count numbers in
** out[0..max); SEG_JSON_HAS_NULL when an element is null (the others are
** still read; out[i] is 0 for a null); SEG_JSON_TOO_MANY when there are
** more than max (*count says how many); SEG_JSON_SYNTAX otherwise. */
int seg_json_numbers(seg_json *j, double *out, int max, int *count);

/* An object key and its colon: 0 with the raw bytes between the quotes in
** *key, *len; SEG_JSON_SYNTAX otherwise. */
int seg_json_key(seg_json *j, const char **key, size_t *len);

/* Step over one value of any kind: 0, or SEG_JSON_SYNTAX. */
int seg_json_skip(seg_json *j);

#endif
