/* tests/analysis/test_landscape_table.c - a landscape's statistics
 * (analysis/landscape_table.c) worked by hand: per-day means, money in
 * yuan, ratios of means, and the marginal CPC and ROI as ratios of mean
 * paired differences from the last simulated point (a skipped point is
 * stepped over and has none of its own). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "analysis/landscape_table.h"
#include "sim/landscape.h"

#define R 2
#define N 3
#define STAT(p, s) st[(p) * BIDSIM_LSTAT_COUNT + (s)]

/* counts[point][replicate] = { exposures, clicks, spend_li, orders, order_value_li, top } */
static void fill(int64_t c[N][R][BIDSIM_LS_COUNT]) {
  static const int64_t v[N][R][BIDSIM_LS_COUNT] = {
    { { 200, 10, 10000, 1, 50000, 20 }, { 400, 20, 22000, 2, 90000, 60 } },
    { { 0 } },   /* skipped */
    { { 300, 20, 17000, 2, 80000, 90 }, { 600, 31, 29600, 3, 120000, 120 } },
  };
  memcpy(c, v, sizeof v);
}

static void test_levels_are_per_day_means_in_yuan(void **state) {
  (void)state;
  int64_t c[N][R][BIDSIM_LS_COUNT];
  fill(c);
  const bool skipped[N] = { false, true, false };
  bidsim_estimate_t st[N * BIDSIM_LSTAT_COUNT];
  assert_int_equal(bidsim_landscape_table(&c[0][0][0], skipped, N, R, 2, 0.95, st), BIDSIM_OK);
  assert_true(fabs(STAT(0, BIDSIM_LSTAT_EXPOSURES).mean - 150.0) < 1e-12);   /* (200 + 400) / 2 / 2 days */
  assert_true(fabs(STAT(0, BIDSIM_LSTAT_SPEND).mean - 8.0) < 1e-12);         /* (10 + 22) yuan / 2 / 2 */
  /* ROI = mean order value / mean spend = 140 / 32; CPC = 32 yuan / 30 clicks; top = 80 / 600 */
  assert_true(fabs(STAT(0, BIDSIM_LSTAT_ROI).mean - 140.0 / 32.0) < 1e-12);
  assert_true(fabs(STAT(0, BIDSIM_LSTAT_CPC).mean - 32.0 / 30.0) < 1e-12);
  assert_true(fabs(STAT(0, BIDSIM_LSTAT_TOP_SHARE).mean - 80.0 / 600.0) < 1e-12);
  /* the first simulated point has no marginal; the skipped one nothing */
  assert_true(isnan(STAT(0, BIDSIM_LSTAT_MARGINAL_CPC).mean));
  for (int s = 0; s < BIDSIM_LSTAT_COUNT; s++) assert_true(isnan(STAT(1, s).mean) && STAT(1, s).n == 0);
}

/* Point 2 against point 0 (point 1 skipped), per day (2 days): extra spend
 * 3.5 and 3.8 yuan, extra clicks 5 and 5.5: marginal CPC = 3.65 / 5.25 =
 * 0.695238; pseudo-values 0.695238 + (dS - 0.695238 dC) / 5.25 = 0.699773
 * and 0.690703, whose t interval (1 degree of freedom, t = 12.706) is
 * 0.695238 -+ 12.706 x 0.0064134 / sqrt(2) = -+ 0.05762. */
static void test_marginal_cpc_is_the_ratio_of_paired_differences(void **state) {
  (void)state;
  int64_t c[N][R][BIDSIM_LS_COUNT];
  fill(c);
  const bool skipped[N] = { false, true, false };
  bidsim_estimate_t st[N * BIDSIM_LSTAT_COUNT];
  assert_int_equal(bidsim_landscape_table(&c[0][0][0], skipped, N, R, 2, 0.95, st), BIDSIM_OK);
  const bidsim_estimate_t m = STAT(2, BIDSIM_LSTAT_MARGINAL_CPC);
  assert_true(fabs(m.mean - 3.65 / 5.25) < 1e-12);
  assert_true(fabs((m.hi - m.lo) / 2 - 0.05762) < 5e-5);
  /* marginal ROI: extra order value (15, 15 yuan per day) per extra spend (3.5, 3.8) = 15 / 3.65 */
  assert_true(fabs(STAT(2, BIDSIM_LSTAT_MARGINAL_ROI).mean - 15.0 / 3.65) < 1e-12);
}

/* A cap that binds at both points: spend moves by +0.5 and -0.3 yuan a day
 * (noise: mean 0.1, its interval holds 0), clicks by -5 and -5.5. Extra
 * order value per extra yuan is then undefined (Fieller: the ratio's
 * confidence set is unbounded), not 40 / 0.1 = 400; the marginal CPC,
 * whose denominator is clear of 0, is 0.1 / -5.25 yuan per click. */
static void test_a_denominator_within_its_noise_leaves_the_margin_undefined(void **state) {
  (void)state;
  int64_t c[2][R][BIDSIM_LS_COUNT] = {
    { { 400, 30, 20000, 3, 90000, 60 }, { 400, 32, 20000, 3, 90000, 60 } },
    { { 380, 20, 21000, 3, 170000, 60 }, { 380, 21, 19400, 3, 170000, 60 } },
  };
  bidsim_estimate_t st[2 * BIDSIM_LSTAT_COUNT];
  assert_int_equal(bidsim_landscape_table(&c[0][0][0], NULL, 2, R, 2, 0.95, st), BIDSIM_OK);
  assert_true(isnan(STAT(1, BIDSIM_LSTAT_MARGINAL_ROI).mean));
  assert_true(fabs(STAT(1, BIDSIM_LSTAT_MARGINAL_CPC).mean - 0.1 / -5.25) < 1e-12);
}

static void test_no_extra_clicks_leaves_the_margin_undefined(void **state) {
  (void)state;
  int64_t c[2][R][BIDSIM_LS_COUNT];
  memset(c, 0, sizeof c);
  for (int p = 0; p < 2; p++)
    for (int r = 0; r < R; r++) { c[p][r][BIDSIM_LS_CLICKS] = 7; c[p][r][BIDSIM_LS_SPEND_LI] = 7000 + 1000 * p; }
  bidsim_estimate_t st[2 * BIDSIM_LSTAT_COUNT];
  assert_int_equal(bidsim_landscape_table(&c[0][0][0], NULL, 2, R, 1, 0.95, st), BIDSIM_OK);
  assert_true(isnan(STAT(1, BIDSIM_LSTAT_MARGINAL_CPC).mean));
  assert_int_equal(bidsim_landscape_table(&c[0][0][0], NULL, 2, R, 0, 0.95, st), BIDSIM_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_levels_are_per_day_means_in_yuan),
    cmocka_unit_test(test_marginal_cpc_is_the_ratio_of_paired_differences),
    cmocka_unit_test(test_no_extra_clicks_leaves_the_margin_undefined),
    cmocka_unit_test(test_a_denominator_within_its_noise_leaves_the_margin_undefined),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
