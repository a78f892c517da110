/* tests/analysis/close.h - assert_close(a, b, tol): |a - b| <= tol in
 * double precision. cmocka 1.1.5's assert_float_equal compares floats (7
 * digits, whatever the tolerance) and casts only the first term of an
 * unbracketed expression, so it cannot hold a hand-computed double. */
#ifndef BIDSIM_TESTS_CLOSE_H
#define BIDSIM_TESTS_CLOSE_H
#include <math.h>

#define assert_close(a, b, tol) \
  assert_close_at((double)(a), (double)(b), (double)(tol), #a, #b, __FILE__, __LINE__)

static inline void assert_close_at(double a, double b, double tol, const char *sa, const char *sb, const char *file,
                                   int line) {
  if (a == b || fabs(a - b) <= tol) return;
  print_error("%s = %.17g, expected %s = %.17g within %g\n", sa, a, sb, b, tol);
  _fail(file, line);
}

#endif
