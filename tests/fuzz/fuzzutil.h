/*
** fuzzutil.h — what the libFuzzer targets in tests/fuzz share: an
** invariant check that stops the run with a message, and a reader that
** takes typed values off the front of the fuzzer's input.
**
**     FUZZ_CHECK(day >= SEG_DAY_MIN, "day %d out of range", day);
**
**     fuzz_input in = {data, size};
**     double x = fuzz_take_double(&in);    // 0 when the input ran out
**     int k = fuzz_take_byte(&in);          // 0 when the input ran out
**
** A failed FUZZ_CHECK prints "fuzz: invariant broken at file:line: ..." and
** calls abort(): libFuzzer then saves the input as a crash, exactly as it
** does for a sanitizer report.
*/
#ifndef SEGMENT_FUZZUTIL_H
#define SEGMENT_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "fuzz: invariant broken at %s:%d: ", __FILE__,         \
              __LINE__);                                                     \
      fprintf(stderr, __VA_ARGS__);                                          \
      fputc('\n', stderr);                                                   \
      abort();                                                               \
    }                                                                        \
  } while (0)

typedef struct fuzz_input {
  const uint8_t *p; /* the bytes not taken yet */
  size_t n;
} fuzz_input;

/* The next byte, or 0 when none is left. */
static inline int fuzz_take_byte(fuzz_input *in) {
  if (in->n == 0) return 0;
  in->n--;
  return *in->p++;
}

/* The next n bytes (fewer when the input runs out: *got says how many). */
static inline const uint8_t *fuzz_take_bytes(fuzz_input *in, size_t n,
                                             size_t *got) {
  const uint8_t *p = in->p;
  if (n > in->n) n = in->n;
  in->p += n;
  in->n -= n;
  *got = n;
  return p;
}

/* The next 8 bytes as a double (any bit pattern: NaN, Inf, -0, denormals),
** zero-padded when the input runs short. */
static inline double fuzz_take_double(fuzz_input *in) {
  uint8_t b[8] = {0};
  size_t got;
  double x;
  memcpy(b, fuzz_take_bytes(in, 8, &got), got);
  memcpy(&x, b, sizeof x);
  return x;
}

/* The next 8 bytes as an int64, zero-padded. */
static inline int64_t fuzz_take_int64(fuzz_input *in) {
  uint8_t b[8] = {0};
  size_t got;
  int64_t x;
  memcpy(b, fuzz_take_bytes(in, 8, &got), got);
  memcpy(&x, b, sizeof x);
  return x;
}

#endif
