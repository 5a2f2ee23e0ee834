/*
** fuzz_breaks.c — libFuzzer target for the breaks JSON reader and writer
** (ext/core/breaks.c), without SQLite.
**
**     make fuzz                                   # every target, FUZZ_SECONDS each
**     build/fuzz/fuzz_breaks -dict=tests/fuzz/breaks.dict build/fuzz/corpus/breaks
**     build/fuzz/fuzz_breaks crash-file           # replay one input
**
** WHAT IT FEEDS
** The input's bytes, as they are (no NUL terminator), to seg_breaks_parse
** ({"r":[..],"f":[..],"m":[..]}, what rfm_score's 4th argument and the
** segments table's breaks= option hold), with a roomy error buffer and
** again with a 7-byte one.
**
** INVARIANTS (each failure aborts, so libFuzzer keeps the input)
**   - Success is 0 and failure -1; a failure leaves a non-empty,
**     NUL-terminated message within the buffer, and a short buffer gets a
**     cut one; success and failure do not depend on the buffer.
**   - On success each of r, f, m has 1..8 cut points, none NaN, ascending
**     (equal neighbours allowed).
**   - Every finite cut point prints (seg_number_format) as JSON that
**     strtod reads back to the same double; each array prints
**     (seg_cuts_format) within SEG_CUTS_JSON_MAX, and the object made of
**     the three printed arrays parses back to the same cut points.
**     Non-finite cut points (a number like 1e999 overflows to Inf) cannot
**     print as JSON: they are counted and reported, not checked; see
**     FUZZ_BREAKS_STRICT below.
**
** FUZZ_BREAKS_STRICT=1 in the environment makes an infinite cut point an
** invariant failure too (breaks.h says seg_cuts_format needs finite
** values, and the parser hands out Inf for 1e999).
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breaks.h"
#include "fuzzutil.h"

static int strict = -1;

/* A message in err[0..errlen): NUL-terminated within it and not empty. */
static void check_message(const char *err, size_t errlen) {
  FUZZ_CHECK(memchr(err, 0, errlen) != NULL, "error message not terminated");
  FUZZ_CHECK(err[0] != 0 || errlen == 1, "empty error message");
}

static void check_cuts(const seg_cuts *c, char key, int *all_finite) {
  FUZZ_CHECK(c->n >= 1 && c->n <= SEG_MAX_BINS - 1,
             "\"%c\" has %d cut points", key, c->n);
  for (int i = 0; i < c->n; i++) {
    FUZZ_CHECK(!isnan(c->v[i]), "\"%c\" cut %d is NaN", key, i);
    if (!isfinite(c->v[i])) *all_finite = 0;
    if (i > 0)
      FUZZ_CHECK(c->v[i - 1] <= c->v[i], "\"%c\" is not ascending at %d",
                 key, i);
  }
}

/* Print one array and each number; check what comes back. */
static size_t print_cuts(const seg_cuts *c, char key, char *out) {
  size_t len;
  seg_cuts_format(c->v, c->n, out);
  len = strlen(out);
  FUZZ_CHECK(len < SEG_CUTS_JSON_MAX, "\"%c\" printed %zu bytes", key, len);
  for (int i = 0; i < c->n; i++) {
    char num[SEG_NUMBER_MAX];
    char *end;
    double back;
    seg_number_format(c->v[i], num);
    back = strtod(num, &end);
    FUZZ_CHECK(*end == 0 && back == c->v[i],
               "\"%c\" cut %.17g printed as '%s', which reads back as %.17g",
               key, c->v[i], num, back);
  }
  return len;
}

static void check_same(const seg_cuts *a, const seg_cuts *b, char key) {
  FUZZ_CHECK(a->n == b->n, "\"%c\" had %d cut points, read back %d", key,
             a->n, b->n);
  for (int i = 0; i < a->n; i++)
    FUZZ_CHECK(a->v[i] == b->v[i], "\"%c\" cut %d was %.17g, read back %.17g",
               key, i, a->v[i], b->v[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  seg_breaks b, b2, b3;
  char err[256];
  char *small = malloc(7); /* exact size: ASan sees overruns */
  int rc, rc2, all_finite = 1;

  if (strict < 0) {
    const char *z = getenv("FUZZ_BREAKS_STRICT");
    strict = z && z[0] == '1';
  }
  FUZZ_CHECK(small != NULL, "out of memory");
  memset(&b, 0x5a, sizeof b);
  rc = seg_breaks_parse((const char *)data, size, &b, err, sizeof err);
  rc2 = seg_breaks_parse((const char *)data, size, &b2, small, 7);
  FUZZ_CHECK(rc == 0 || rc == -1, "seg_breaks_parse returned %d", rc);
  FUZZ_CHECK(rc == rc2, "the error buffer's size changed the answer");
  if (rc != 0) {
    check_message(err, sizeof err);
    check_message(small, 7);
    free(small);
    return 0;
  }
  free(small);

  check_cuts(&b.r, 'r', &all_finite);
  check_cuts(&b.f, 'f', &all_finite);
  check_cuts(&b.m, 'm', &all_finite);
  if (!all_finite) {
    FUZZ_CHECK(!strict, "an infinite cut point was accepted");
    return 0;
  }

  /* The three arrays, printed, make an object that reads back the same. */
  {
    char json[3 * SEG_CUTS_JSON_MAX + 32];
    char *p = json;
    p += sprintf(p, "{\"r\":");
    p += print_cuts(&b.r, 'r', p);
    p += sprintf(p, ",\"f\":");
    p += print_cuts(&b.f, 'f', p);
    p += sprintf(p, ",\"m\":");
    p += print_cuts(&b.m, 'm', p);
    p += sprintf(p, "}");
    rc = seg_breaks_parse(json, (size_t)(p - json), &b3, err, sizeof err);
    FUZZ_CHECK(rc == 0, "printed breaks %s do not read back: %s", json, err);
    check_same(&b.r, &b3.r, 'r');
    check_same(&b.f, &b3.f, 'f');
    check_same(&b.m, &b3.m, 'm');
  }
  return 0;
}
