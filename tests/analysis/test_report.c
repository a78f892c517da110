/* tests/analysis/test_report.c - per-replicate report statistics on the
 * synthetic result file (tests/analysis/synth.h), against values worked
 * out by hand from its formulas; groupings, day and replicate selection,
 * hourly rows; and the reader's errors on files that are not results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>
#include "analysis/reptable.h"
#include "analysis/stats.h"
#include "synth.h"

#define T975_DF3 3.182446305
static char path[512];

static int make_file(void **state) {
  (void)state;
  snprintf(path, sizeof path, "%s/test_report_synth.h5", BIDSIM_BUILD_DIR);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "'%s/tools/synth_result' '%s'", BIDSIM_BUILD_DIR, path);
  return system(cmd) == 0 ? 0 : -1;
}

static int remove_file(void **state) {
  (void)state;
  remove(path);
  return 0;
}

static bidsim_reptable_t *table(bidsim_results_t **res, bidsim_reptable_options_t opt) {
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(path, res, &err), BIDSIM_OK);
  bidsim_reptable_t *t = NULL;
  assert_int_equal(bidsim_reptable_create(*res, &opt, &t, &err), BIDSIM_OK);
  return t;
}

static bidsim_estimate_t est(const bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t h, int stat) {
  bidsim_reptable_dims_t d;
  bidsim_reptable_dims(t, &d);
  return bidsim_estimate(bidsim_reptable_values(t, v, g, h, stat), d.replicates, 0.95);
}

static void test_plan_figures_by_hand(void **state) {
  (void)state;
  bidsim_results_t *res;
  bidsim_reptable_t *t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .day = -1 });
  bidsim_reptable_dims_t d;
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.groups, 2);   /* listed plans only: P0, P1 */
  assert_int_equal(d.replicates, 4);
  assert_int_equal(d.days, 2);
  assert_string_equal(bidsim_reptable_group_name(t, 0), "P0");
  assert_string_equal(bidsim_reptable_group_shop(t, 1), "Shop A");

  /* P0 exposures per day in replicate r: 3 segments x 1000 (r+1) + 10 (0+1+2)
   * + 3d, averaged over d = 0, 1: 3000 (r+1) + 31.5. Mean over r = 7531.5;
   * sd = 3000 sd(1..4) = 3000 sqrt(5/3). */
  const double *x = bidsim_reptable_values(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES);
  for (int r = 0; r < 4; r++) assert_float_equal(x[r], 3000.0 * (r + 1) + 31.5, 1e-9);
  bidsim_estimate_t e = est(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES);
  assert_float_equal(e.mean, 7531.5, 1e-9);
  assert_float_equal(e.hi - e.mean, T975_DF3 * 3000 * sqrt(5.0 / 3) / 2, 1e-6);

  /* CTR is computed per replicate from its two-day totals: clicks
   * 60 (r+1)^2 + 6, exposures 6000 (r+1) + 63. Its mean (0.025413) is not
   * the ratio of the means (1824/4 / 15063 = 0.030273). */
  double ctr = 0;
  for (int r = 0; r < 4; r++) ctr += (60.0 * (r + 1) * (r + 1) + 6) / (6000.0 * (r + 1) + 63) / 4;
  assert_float_equal(est(t, 0, 0, 0, BIDSIM_STAT_CTR).mean, ctr, 1e-12);
  assert_true(fabs(ctr - 456.0 / 15063) > 0.004);

  /* spend = 1.5 yuan per click in variant 0: CPC is exactly 1.5 with no spread;
   * variant 1 adds 1 yuan per (segment, day): 3 yuan per day over clicks. */
  e = est(t, 0, 0, 0, BIDSIM_STAT_CPC);
  assert_float_equal(e.mean, 1.5, 1e-12);
  assert_float_equal(e.lo, 1.5, 1e-12);
  x = bidsim_reptable_values(t, 1, 0, 0, BIDSIM_STAT_CPC);
  assert_float_equal(x[0], (1.5 * 96 + 6) / 96, 1e-12);   /* r=0, variant 1: clicks 2 x (30+3+15) = 96 */
  assert_float_equal(bidsim_reptable_values(t, 0, 0, 0, BIDSIM_STAT_SPEND)[1], 1.5 * (30 * 4 + 3), 1e-9);

  /* ROI = order value / spend of the replicate: r=0 orders 2 x (0+1+2) = 6,
   * value 6 x 100 + 12.345 x 3 (day 1) = 637.035 yuan; spend 1.5 x 66 = 99. */
  assert_float_equal(bidsim_reptable_values(t, 0, 0, 0, BIDSIM_STAT_ROI)[0], 637.035 / 99, 1e-12);
  assert_float_equal(bidsim_reptable_values(t, 0, 0, 0, BIDSIM_STAT_CVR)[0], 6.0 / 66, 1e-12);
  assert_float_equal(bidsim_reptable_values(t, 0, 0, 0, BIDSIM_STAT_ORDERS)[0], 3.0, 1e-12);

  /* P0's cap stops it on one of each replicate's two days, at 10, 12, 12, 14 h */
  x = bidsim_reptable_values(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_HOUR);
  assert_float_equal(x[0], 10, 1e-12);
  assert_float_equal(x[3], 14, 1e-12);
  e = est(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_HOUR);
  assert_float_equal(e.mean, 12, 1e-12);
  assert_float_equal(e.hi - e.mean, T975_DF3 * sqrt(8.0 / 3) / 2, 1e-9);
  assert_float_equal(est(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_SHARE).mean, 0.5, 1e-12);
  /* P1 has no cap: no cap figures at all */
  assert_int_equal(est(t, 0, 1, 0, BIDSIM_STAT_CAP_HIT_SHARE).n, 0);
  assert_int_equal(est(t, 0, 1, 0, BIDSIM_STAT_CAP_HIT_HOUR).n, 0);

  /* paired: variant 1 has 5 more clicks per (segment, day), 15 per day, in
   * every replicate: a point interval and p = 0 */
  bidsim_paired_t p = bidsim_paired(bidsim_reptable_values(t, 0, 0, 0, BIDSIM_STAT_CLICKS),
                                    bidsim_reptable_values(t, 1, 0, 0, BIDSIM_STAT_CLICKS), 4, 0.95);
  assert_float_equal(p.diff, 15, 1e-12);
  assert_float_equal(p.lo, 15, 1e-12);
  assert_float_equal(p.p, 0, 0);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
}

static void test_shop_and_product_groups(void **state) {
  (void)state;
  bidsim_results_t *res;
  bidsim_reptable_t *t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_SHOP, .day = -1 });
  bidsim_reptable_dims_t d;
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.groups, 1);   /* Shop A; Shop B is a competitor's */
  /* Shop A = P0 + P1: P1 adds 100 per segment: 6000 (r+1) + 363 per day */
  assert_float_equal(bidsim_reptable_values(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES)[2], 6000.0 * 3 + 363, 1e-9);
  assert_int_equal(est(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_HOUR).n, 0);   /* no cap figures for shops */
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_SHOP, .day = -1, .all_plans = true });
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.groups, 2);
  assert_string_equal(bidsim_reptable_group_name(t, 1), "Shop B");
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PRODUCT, .day = -1 });
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.groups, 2);   /* the products of Shop A */
  assert_string_equal(bidsim_reptable_group_name(t, 1), "Gadget, \"deluxe\"");
  assert_int_equal(bidsim_reptable_group_product_id(t, 1), 12);
  assert_string_equal(bidsim_reptable_group_plan(t, 1), "P1");
  /* product p carries plan p's totals */
  assert_float_equal(bidsim_reptable_values(t, 0, 1, 0, BIDSIM_STAT_EXPOSURES)[0], 3000.0 + 331.5, 1e-9);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
}

static void test_day_replicates_and_hours(void **state) {
  (void)state;
  bidsim_results_t *res;
  bidsim_reptable_t *t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .day = 1 });
  /* day 1 alone: 3000 (r+1) + 33; P0 hit its cap on day 1 in replicates 1 and 3 */
  assert_float_equal(est(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES).mean, 7533, 1e-9);
  const double *x = bidsim_reptable_values(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_HOUR);
  assert_true(isnan(x[0]) && isnan(x[2]));
  assert_float_equal(x[1], 12, 1e-12);
  assert_float_equal(bidsim_reptable_values(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_SHARE)[0], 0, 0);
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .day = -1, .rep_first = 2, .rep_count = 2 });
  bidsim_reptable_dims_t d;
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.replicates, 2);
  assert_float_equal(est(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES).mean, 3000 * 3.5 + 31.5, 1e-9);
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .day = -1, .hourly = true });
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.hours, 24);
  /* the synthetic file puts all of plan p's day into hour 12 + p */
  assert_float_equal(est(t, 0, 1, 13, BIDSIM_STAT_EXPOSURES).mean, 7831.5, 1e-9);
  assert_float_equal(est(t, 0, 1, 12, BIDSIM_STAT_EXPOSURES).mean, 0, 0);
  assert_int_equal(est(t, 0, 1, 12, BIDSIM_STAT_CTR).n, 0);   /* nothing shown: CTR undefined */
  assert_int_equal(est(t, 0, 0, 12, BIDSIM_STAT_CAP_HIT_HOUR).n, 0);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
}

static void test_bad_options(void **state) {
  (void)state;
  bidsim_results_t *res;
  bidsim_error_t err;
  bidsim_reptable_t *t = NULL;
  assert_int_equal(bidsim_results_open(path, &res, &err), BIDSIM_OK);
  static const bidsim_reptable_options_t bad[] = {
    { .by = BIDSIM_BY_PLAN, .day = 2 },
    { .by = BIDSIM_BY_PRODUCT, .day = -1, .hourly = true },
    { .by = BIDSIM_BY_PLAN, .day = -1, .rep_first = 4 },
    { .by = BIDSIM_BY_PLAN, .day = -1, .rep_first = 3, .rep_count = 2 },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(bidsim_reptable_create(res, &bad[i], &t, &err), BIDSIM_EINVAL);
    assert_null(t);
  }
  bidsim_results_close(res);
}

static void write_bytes(const char *p, const void *data, size_t n) {
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  fclose(f);
}

static void test_not_a_result(void **state) {
  (void)state;
  char p[600];
  bidsim_error_t err;
  bidsim_results_t *res = NULL;
  snprintf(p, sizeof p, "%s/test_report_bad.h5", BIDSIM_BUILD_DIR);
  write_bytes(p, "just text\n", 10);
  assert_int_equal(bidsim_results_open(p, &res, &err), BIDSIM_EFORMAT);
  assert_null(res);

  /* the first 4 KiB of a real result: HDF5 signature, nothing behind it */
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static char head[4096];
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  write_bytes(p, head, n);
  assert_int_equal(bidsim_results_open(p, &res, &err), BIDSIM_EFORMAT);

  /* a result from a newer format version */
  char cmd[1300];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, p);
  assert_int_equal(system(cmd), 0);
  hid_t file = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t a = H5Aopen(file, "format_version", H5P_DEFAULT);
  uint64_t newer = BIDSIM_FORMAT_VERSION + 1;
  assert_true(H5Awrite(a, H5T_NATIVE_UINT64, &newer) >= 0);
  H5Aclose(a);
  H5Fclose(file);
  assert_int_equal(bidsim_results_open(p, &res, &err), BIDSIM_EVERSION);
  assert_non_null(strstr(err.msg, "newer"));

  remove(p);
  assert_int_equal(bidsim_results_open(p, &res, &err), BIDSIM_ENOTFOUND);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_plan_figures_by_hand), cmocka_unit_test(test_shop_and_product_groups),
    cmocka_unit_test(test_day_replicates_and_hours), cmocka_unit_test(test_bad_options),
    cmocka_unit_test(test_not_a_result),
  };
  return cmocka_run_group_tests(tests, make_file, remove_file);
}
