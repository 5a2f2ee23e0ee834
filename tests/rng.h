/*
** rng.h — the tests' fixed-seed pseudo-random numbers (splitmix64), so that
** every "random" case is the same on every run and machine.
**
**     rng_state = 42;            // seed
**     uint64_t x = rng_next();
**     size_t i = rng_below(10);  // 0..9
**     double u = rng_unit();     // [0, 1)
**     double g = rng_gamma(2.5);  // Gamma(2.5, 1); rng_normal(), rng_beta(a, b)
*/
#ifndef SEGMENT_TESTS_RNG_H
#define SEGMENT_TESTS_RNG_H

#include <math.h>
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

/* A uniform double in (0, 1]: safe to take the log of. */
static inline double rng_unit_open(void) { return 1 - rng_unit(); }

/* A standard normal (Box-Muller, one of the pair); the radius's draw
** first, then the angle's. */
static inline double rng_normal(void) {
  double u = rng_unit_open(), v = rng_unit();
  return sqrt(-2 * log(u)) * cos(2 * 3.14159265358979323846 * v);
}

/* Gamma(shape, 1) by Marsaglia and Tsang (2000). */
static inline double rng_gamma(double shape) {
  double d, c;
  if (shape < 1) return rng_gamma(shape + 1) * pow(rng_unit_open(), 1 / shape);
  d = shape - 1.0 / 3;
  c = 1 / sqrt(9 * d);
  for (;;) {
    double z = rng_normal(), v = 1 + c * z;
    if (v <= 0) continue;
    v = v * v * v;
    if (log(rng_unit_open()) < 0.5 * z * z + d - d * v + d * log(v)) return d * v;
  }
}

/* Beta(a, b), from two gammas. */
static inline double rng_beta(double a, double b) {
  double g = rng_gamma(a);
  return g / (g + rng_gamma(b));
}

#endif
