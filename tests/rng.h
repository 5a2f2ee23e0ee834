/*
** rng.h — the tests' fixed-seed pseudo-random numbers (splitmix64), so that
** every "random" case is the same on every run and machine.
**
**     rng_state = 42;            // seed
**     uint64_t x = rng_next();
**     size_t i = rng_below(10);  // 0..9
**     double u = rng_unit();     // [0, 1)
*/
#ifndef SEGMENT_TESTS_RNG_H
#define SEGMENT_TESTS_RNG_H

#include <stddef.h>
#include <stdint.h>

static uint64_t rng_state;

static inline uint64_t rng_next(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* 0 .. n-1 */
static inline size_t rng_below(size_t n) { return (size_t)(rng_next() % n); }

/* A uniform double in [0, 1). */
static inline double rng_unit(void) { return (double)(rng_next() >> 11) * 0x1p-53; }

#endif
