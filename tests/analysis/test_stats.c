/* tests/analysis/test_stats.c - Student-t summaries against values computed
 * by hand from textbook quantiles and the closed-form t distribution with 3
 * degrees of freedom (not from GSL, which the code under test uses); ratios
 * of means and their delta-method intervals worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "close.h"
#include <math.h>
#include "analysis/stats.h"

/* t(0.975) quantiles from the standard table */
#define T975_DF3 3.182446305284263
#define T975_DF4 2.776445105197793
#define PI 3.14159265358979323846

static void test_estimate_hand_computed(void **state) {
  (void)state;
  const double x[] = { 1, 2, 3, 4, 5 };   /* mean 3, sd sqrt(2.5) */
  bidsim_estimate_t e = bidsim_estimate(x, 5, 0.95);
  double h = T975_DF4 * sqrt(2.5) / sqrt(5.0);
  assert_int_equal(e.n, 5);
  assert_close(e.mean, 3.0, 1e-12);
  assert_close(e.lo, 3.0 - h, 1e-8);
  assert_close(e.hi, 3.0 + h, 1e-8);
}

static void test_estimate_skips_undefined(void **state) {
  (void)state;
  const double x[] = { NAN, 10, 14, NAN, 12, 16 };   /* defined: 10 12 14 16, sd sqrt(20/3) */
  bidsim_estimate_t e = bidsim_estimate(x, 6, 0.95);
  double h = T975_DF3 * sqrt(20.0 / 3) / 2;
  assert_int_equal(e.n, 4);
  assert_close(e.mean, 13.0, 1e-12);
  assert_close(e.hi - e.mean, h, 1e-8);
}

static void test_estimate_degenerate(void **state) {
  (void)state;
  const double one[] = { NAN, 7 }, none[] = { NAN, NAN }, same[] = { 4, 4, 4 };
  bidsim_estimate_t e = bidsim_estimate(one, 2, 0.95);
  assert_int_equal(e.n, 1);
  assert_close(e.mean, 7, 0);
  assert_true(isnan(e.lo) && isnan(e.hi));     /* one replicate: no interval */
  e = bidsim_estimate(none, 2, 0.95);
  assert_int_equal(e.n, 0);
  assert_true(isnan(e.mean));
  e = bidsim_estimate(same, 3, 0.95);
  assert_close(e.lo, 4, 0);              /* no spread: a point interval */
  assert_close(e.hi, 4, 0);
}

/* two-sided p of t with 3 df: 1 - (2/pi) (x / (1 + x^2) + atan x), x = t / sqrt 3 */
static double p_t3(double t) {
  double x = fabs(t) / sqrt(3.0);
  return 1 - 2 / PI * (x / (1 + x * x) + atan(x));
}

static void test_paired_hand_computed(void **state) {
  (void)state;
  const double a[] = { 10, 20, 30, 40 }, b[] = { 11, 22, 32, 43 };   /* d = 1 2 2 3 */
  bidsim_paired_t p = bidsim_paired(a, b, 4, 0.95);
  double sd = sqrt(2.0 / 3), se = sd / 2;
  assert_int_equal(p.n, 4);
  assert_close(p.diff, 2.0, 1e-12);
  assert_close(p.base_mean, 25.0, 1e-12);
  assert_close(p.other_mean, 27.0, 1e-12);
  assert_close(p.rel, 2.0 / 25, 1e-12);
  assert_close(p.lo, 2 - T975_DF3 * se, 1e-8);
  assert_close(p.hi, 2 + T975_DF3 * se, 1e-8);
  assert_close(p.p, p_t3(2 / se), 1e-9);   /* t = 4.899, p = 0.0163 */
  assert_true(p.p > 0.016 && p.p < 0.017);
}

static void test_paired_pairs_only_defined(void **state) {
  (void)state;
  /* the NaN in either series drops that replicate from both means */
  const double a[] = { 1, NAN, 3, 5, 100 }, b[] = { 2, 9, NAN, 6, 101 };
  bidsim_paired_t p = bidsim_paired(a, b, 5, 0.95);
  assert_int_equal(p.n, 3);
  assert_close(p.base_mean, 106.0 / 3, 1e-12);
  assert_close(p.diff, 1.0, 1e-12);
  assert_close(p.lo, 1.0, 1e-12);   /* constant difference */
  assert_close(p.p, 0.0, 0);
  const double z[] = { 0, 0 };
  p = bidsim_paired(z, z, 2, 0.95);
  assert_close(p.p, 1.0, 0);        /* identical series */
  assert_true(isnan(p.rel));              /* relative to a zero baseline */
}

/* The sign of the statistic does not matter to a two-sided p-value, and a
 * 99% interval is wider than a 95% one. */
static void test_paired_symmetry_and_level(void **state) {
  (void)state;
  const double a[] = { 3, 1, 4, 1, 5, 9 }, b[] = { 2, 7, 1, 8, 2, 8 };
  bidsim_paired_t ab = bidsim_paired(a, b, 6, 0.95), ba = bidsim_paired(b, a, 6, 0.95),
                  wide = bidsim_paired(a, b, 6, 0.99);
  assert_close(ab.p, ba.p, 1e-15);
  assert_close(ab.diff, -ba.diff, 1e-15);
  assert_true(wide.hi - wide.lo > ab.hi - ab.lo);
}

/* The ratio of means by hand: num 3 5 0 4 over den 2 4 0 2 (replicate 2
 * spent nothing: its own ratio is undefined, yet it counts). R = 3 / 2 =
 * 1.5; pseudo-values y = R + (num - R den) / mean(den) = 1.5 1.0 1.5 2.0,
 * mean 1.5, sd sqrt(1/6). The mean of the per-replicate ratios over the
 * three defined ones would be (1.5 + 1.25 + 2) / 3 = 1.583. */
static const double rnum[] = { 3, 5, 0, 4 }, rden[] = { 2, 4, 0, 2 };

static void test_ratio_of_means_hand_computed(void **state) {
  (void)state;
  bidsim_estimate_t e = bidsim_ratio_estimate(rnum, rden, 4, 0.95);
  double h = T975_DF3 * sqrt(1.0 / 6) / 2;
  assert_int_equal(e.n, 4);
  assert_close(e.mean, 1.5, 0);
  assert_close(e.lo, 1.5 - h, 1e-12);
  assert_close(e.hi, 1.5 + h, 1e-12);
  /* the same by the textbook delta method: var(R) = var(num - R den) / (n mean(den)^2) */
  double resid[4], ss = 0;
  for (int i = 0; i < 4; i++) resid[i] = rnum[i] - 1.5 * rden[i];
  for (int i = 0; i < 4; i++) ss += resid[i] * resid[i];   /* residuals have mean 0 */
  assert_close(e.hi - e.mean, T975_DF3 * sqrt(ss / 3 / 4) / 2, 1e-12);
}

static void test_ratio_undefined_only_without_any_denominator(void **state) {
  (void)state;
  const double zero[] = { 0, 0, 0 }, some[] = { 1, 2, 3 }, one_den[] = { 0, 4, 0 };
  bidsim_estimate_t e = bidsim_ratio_estimate(some, zero, 3, 0.95);
  assert_int_equal(e.n, 0);
  assert_true(isnan(e.mean) && isnan(e.lo));
  /* one replicate with a denominator is enough: R = (1 + 2 + 3) / (0 + 4 + 0) */
  e = bidsim_ratio_estimate(some, one_den, 3, 0.95);
  assert_int_equal(e.n, 3);
  assert_close(e.mean, 6.0 / 4, 1e-15);
  /* NaN drops the replicate from num and den alike: (3 + 4) / (2 + 2) over replicates 0 and 3 */
  const double num[] = { 3, 5, NAN, 4 }, den[] = { 2, NAN, 1, 2 };
  e = bidsim_ratio_estimate(num, den, 4, 0.95);
  assert_int_equal(e.n, 2);
  assert_close(e.mean, 7.0 / 4, 1e-15);
  /* den NULL: the plain mean, as bidsim_estimate */
  bidsim_estimate_t plain = bidsim_estimate(rnum, 4, 0.95), ratio = bidsim_ratio_estimate(rnum, NULL, 4, 0.95);
  assert_close(ratio.mean, plain.mean, 0);
  assert_close(ratio.hi, plain.hi, 0);
  /* one replicate: the ratio, no interval */
  e = bidsim_ratio_estimate(rnum, rden, 1, 0.95);
  assert_close(e.mean, 1.5, 0);
  assert_true(isnan(e.lo) && isnan(e.hi));
}

/* Paired ratios: B = num 4 5 1 6 over the same den, R_B = 2, pseudo-values
 * 2 0.5 2.5 3; differences from A's 1.5 1.0 1.5 2.0 are 0.5 -0.5 1 1, mean
 * exactly R_B - R_A = 0.5, sd sqrt(1/2), t = 0.5 / (sqrt(1/2) / 2) = sqrt 2. */
static void test_ratio_paired_hand_computed(void **state) {
  (void)state;
  const double bnum[] = { 4, 5, 1, 6 };
  bidsim_paired_t p = bidsim_ratio_paired(rnum, rden, bnum, rden, 4, 0.95);
  double se = sqrt(0.5) / 2;
  assert_int_equal(p.n, 4);
  assert_close(p.base_mean, 1.5, 0);
  assert_close(p.other_mean, 2.0, 0);
  assert_close(p.diff, 0.5, 0);
  assert_close(p.rel, 0.5 / 1.5, 1e-15);
  assert_close(p.lo, 0.5 - T975_DF3 * se, 1e-12);
  assert_close(p.hi, 0.5 + T975_DF3 * se, 1e-12);
  assert_close(p.p, p_t3(sqrt(2.0)), 1e-9);
  /* against itself: no difference, p = 1 */
  p = bidsim_ratio_paired(rnum, rden, rnum, rden, 4, 0.95);
  assert_close(p.diff, 0, 0);
  assert_close(p.p, 1, 0);
  /* either ratio undefined: nothing to compare */
  const double zero[] = { 0, 0, 0, 0 };
  p = bidsim_ratio_paired(rnum, zero, bnum, rden, 4, 0.95);
  assert_int_equal(p.n, 0);
  assert_true(isnan(p.diff));
  /* NULL dens: the paired mean difference, as bidsim_paired */
  bidsim_paired_t plain = bidsim_paired(rnum, bnum, 4, 0.95);
  bidsim_paired_t ratio = bidsim_ratio_paired(rnum, NULL, bnum, NULL, 4, 0.95);
  assert_close(ratio.diff, plain.diff, 0);
  assert_close(ratio.p, plain.p, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_estimate_hand_computed), cmocka_unit_test(test_estimate_skips_undefined),
    cmocka_unit_test(test_estimate_degenerate), cmocka_unit_test(test_paired_hand_computed),
    cmocka_unit_test(test_paired_pairs_only_defined), cmocka_unit_test(test_paired_symmetry_and_level),
    cmocka_unit_test(test_ratio_of_means_hand_computed),
    cmocka_unit_test(test_ratio_undefined_only_without_any_denominator),
    cmocka_unit_test(test_ratio_paired_hand_computed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
