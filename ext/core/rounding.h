/*
** rounding.h — round money the way SQLite's round(x, n) does.
**
** monetary is rounded before scoring (DESIGN.md): sums of the same orders
** taken in another order differ in the last bit, and that must never split
** a tie.  Analysts check our numbers with round(sum(total), 2), so the rule
** is SQLite's own: halves go away from zero, and a value within about
** 3e-16 (relative) below a half counts as the half, because the decimal the
** user typed (1.005) is what it means, not its binary neighbour
** (1.00499999999999989...):
**
**     seg_round(1.005, 2)   // 1.01, as SELECT round(1.005, 2)
**     seg_round(-2.675, 2)  // -2.68
**     seg_round(0.125, 2)   // 0.13
**
** decimals is 0..15; magnitudes above 2^52 are returned unchanged.  The
** answer is SQLite 3.40's, bit for bit, everywhere, quirks included:
** above about 10^14 * 10^-decimals SQLite's printf keeps only 16
** significant digits, so round(262295553960906.25, 2) is
** 262295553960906.19 there and here (tests/sql/test_rounding_sqlite.c
** compares millions of values).
*/
#ifndef SEGMENT_CORE_ROUNDING_H
#define SEGMENT_CORE_ROUNDING_H

double seg_round(double x, int decimals);

#endif
