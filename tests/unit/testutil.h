/*
** testutil.h — what every cmocka unit test of ext/core shares.
**
** cmocka 1.1.5 has no assertion for doubles, so this is the one helper:
**
**     assert_double_near(expected, actual, 1e-9);
**
** It prints both values when they differ, which cmocka's integer asserts
** cannot do for a double.
*/
#ifndef SEGMENT_TESTUTIL_H
#define SEGMENT_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#define assert_double_near(expected, actual, tolerance)                        \
  do {                                                                         \
    double e_ = (expected), a_ = (actual), t_ = (tolerance);                   \
    if (!(fabs(e_ - a_) <= t_)) {                                              \
      print_error("%s:%d: expected %.17g, got %.17g (tolerance %g)\n",         \
                  __FILE__, __LINE__, e_, a_, t_);                             \
      fail();                                                                  \
    }                                                                          \
  } while (0)

#endif
