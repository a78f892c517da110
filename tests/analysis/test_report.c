/* tests/analysis/test_report.c - per-replicate report statistics on the
 * synthetic result file (tests/analysis/synth.h), against values worked
 * out by hand from its formulas: each replicate's totals, ratios of means
 * with their delta-method intervals (a replicate without spend included),
 * paired differences; groupings, day and replicate selection, hourly rows;
 * and the reader's errors on files that are not results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "close.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>
#include "analysis/reptable.h"
#include "analysis/stats.h"
#include "synth.h"

#define T975_DF3 3.182446305284263
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
  return bidsim_reptable_estimate(t, v, g, h, stat, 0.95);
}

static const double *tot(const bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t h, int total) {
  const double *x = bidsim_reptable_totals(t, v, g, h, total);
  assert_non_null(x);
  return x;
}

/* The delta method over 4 replicates, from its definition: the pseudo-values
 * y_r = R + (num_r - R den_r) / mean(den), R = sum num / sum den, and the
 * half-width of their t interval. */
static void pseudo_values(const double num[4], const double den[4], double y[4]) {
  double sn = 0, sd = 0;
  for (int r = 0; r < 4; r++) { sn += num[r]; sd += den[r]; }
  for (int r = 0; r < 4; r++) y[r] = sn / sd + (num[r] - sn / sd * den[r]) / (sd / 4);
}

static double t_half(const double y[4]) {
  double my = (y[0] + y[1] + y[2] + y[3]) / 4, ss = 0;
  for (int r = 0; r < 4; r++) ss += (y[r] - my) * (y[r] - my);
  return T975_DF3 * sqrt(ss / 3) / 2;
}

static double delta_half(const double num[4], const double den[4]) {
  double y[4];
  pseudo_values(num, den, y);
  return t_half(y);
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

  /* P0's exposures in replicate r over the two days: 3 segments x 1000 (r+1)
   * + 10 (0+1+2) + d, summed over d = 0, 1: 6000 (r+1) + 63; per day the
   * mean over r is 7531.5, sd = 3000 sd(1..4) = 3000 sqrt(5/3). */
  const double *x = tot(t, 0, 0, 0, BIDSIM_TOTAL_EXPOSURES);
  for (int r = 0; r < 4; r++) assert_close(x[r], 6000.0 * (r + 1) + 63, 0);
  bidsim_estimate_t e = est(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES);
  assert_close(e.mean, 7531.5, 1e-9);
  assert_close(e.hi - e.mean, T975_DF3 * 3000 * sqrt(5.0 / 3) / 2, 1e-6);

  /* CTR is the ratio of the means: clicks 60 (r+1)^2 + 6 (sum 1824) over
   * exposures (sum 60252), 0.030273, not the mean of the replicates' own
   * CTRs (0.025413). Its interval is the delta method's. */
  const double *clicks = tot(t, 0, 0, 0, BIDSIM_TOTAL_CLICKS);
  double ctr_of_replicates = 0;
  for (int r = 0; r < 4; r++) {
    assert_close(clicks[r], 60.0 * (r + 1) * (r + 1) + 6, 0);
    ctr_of_replicates += clicks[r] / x[r] / 4;
  }
  e = est(t, 0, 0, 0, BIDSIM_STAT_CTR);
  assert_int_equal(e.n, 4);
  assert_close(e.mean, 1824.0 / 60252, 1e-15);
  assert_close(e.hi - e.mean, delta_half(clicks, x), 1e-12);
  assert_close(e.mean - e.lo, delta_half(clicks, x), 1e-12);
  assert_true(fabs(e.mean - ctr_of_replicates) > 0.004);

  /* spend = 1.5 yuan per click in variant 0: CPC is exactly 1.5 with no spread;
   * variant 1 adds 1 yuan per (segment, day), 24 yuan over 1944 clicks */
  e = est(t, 0, 0, 0, BIDSIM_STAT_CPC);
  assert_close(e.mean, 1.5, 1e-12);
  assert_close(e.lo, 1.5, 1e-12);
  assert_close(est(t, 1, 0, 0, BIDSIM_STAT_CPC).mean, (1.5 * 1944 + 24) / 1944, 1e-12);
  assert_close(tot(t, 0, 0, 0, BIDSIM_TOTAL_SPEND_LI)[1], 1500.0 * 246, 0);

  /* ROI: order value 600,000 (r+1) + 3 x 12,345 li per replicate (sum
   * 6,148,140) over spend 1.5 yuan x 1824 clicks: 2.24713; CVR 60 orders
   * over 1824 clicks; orders per day 3 (r+1), mean 7.5 */
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_ROI).mean, 6148140.0 / 2736000, 1e-12);
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_CVR).mean, 60.0 / 1824, 1e-12);
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_ORDERS).mean, 7.5, 1e-12);

  /* P1 spends nothing in replicate 0: its own ROI is undefined there, the
   * ratio of the means is not. Replicates 1-3: order value 600,000 (r+2) +
   * 37,035 li (sum 7,311,105) over 1.5 x (60 (r+1)^2 + 12) clicks (sum
   * 2,664,000 li); replicate 0 still counts (n = 4, pseudo-value R). */
  const double *spend1 = tot(t, 0, 1, 0, BIDSIM_TOTAL_SPEND_LI);
  const double *value1 = tot(t, 0, 1, 0, BIDSIM_TOTAL_ORDER_VALUE_LI);
  assert_close(spend1[0], 0, 0);
  assert_close(value1[0], 0, 0);
  e = est(t, 0, 1, 0, BIDSIM_STAT_ROI);
  assert_int_equal(e.n, 4);
  assert_close(e.mean, 7311105.0 / 2664000, 1e-12);
  assert_close(e.hi - e.mean, delta_half(value1, spend1), 1e-12);
  assert_int_equal(est(t, 0, 1, 0, BIDSIM_STAT_CPC).n, 4);
  assert_close(est(t, 0, 1, 0, BIDSIM_STAT_CPC).mean, 1.5, 1e-12);

  /* P0's cap stops it on one of each replicate's two days, at 10, 12, 12, 14 h:
   * hit seconds over days hit, one day per replicate, so the pseudo-values
   * are the hit times themselves */
  x = tot(t, 0, 0, 0, BIDSIM_TOTAL_CAP_SECONDS);
  assert_close(x[0], 36000, 0);
  assert_close(x[3], 50400, 0);
  e = est(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_HOUR);
  assert_close(e.mean, 12, 1e-12);
  assert_close(e.hi - e.mean, T975_DF3 * sqrt(8.0 / 3) / 2, 1e-9);
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_SHARE).mean, 0.5, 1e-12);
  /* P1 has no cap: no cap figures at all */
  assert_int_equal(est(t, 0, 1, 0, BIDSIM_STAT_CAP_HIT_SHARE).n, 0);
  assert_int_equal(est(t, 0, 1, 0, BIDSIM_STAT_CAP_HIT_HOUR).n, 0);

  /* paired: variant 1 has 5 more clicks per (segment, day), 15 per day, in
   * every replicate: a point interval and p = 0 */
  bidsim_paired_t p = bidsim_reptable_paired(t, 0, 1, 0, 0, BIDSIM_STAT_CLICKS, 0.95);
  assert_close(p.diff, 15, 1e-12);
  assert_close(p.lo, 15, 1e-12);
  assert_close(p.p, 0, 0);
  /* paired ROI: the same order value over 2,940,000 li of spend in variant 1;
   * the difference is that of the two ratios of means */
  p = bidsim_reptable_paired(t, 0, 1, 0, 0, BIDSIM_STAT_ROI, 0.95);
  assert_int_equal(p.n, 4);
  assert_close(p.base_mean, 6148140.0 / 2736000, 1e-12);
  assert_close(p.other_mean, 6148140.0 / 2940000, 1e-12);
  assert_close(p.diff, 6148140.0 / 2940000 - 6148140.0 / 2736000, 1e-12);
  double ya[4], yb[4], dy[4];
  pseudo_values(tot(t, 0, 0, 0, BIDSIM_TOTAL_ORDER_VALUE_LI), tot(t, 0, 0, 0, BIDSIM_TOTAL_SPEND_LI), ya);
  pseudo_values(tot(t, 1, 0, 0, BIDSIM_TOTAL_ORDER_VALUE_LI), tot(t, 1, 0, 0, BIDSIM_TOTAL_SPEND_LI), yb);
  for (int r = 0; r < 4; r++) dy[r] = yb[r] - ya[r];
  assert_close(p.hi - p.diff, t_half(dy), 1e-12);
  assert_close(p.diff - p.lo, t_half(dy), 1e-12);
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
  assert_close(tot(t, 0, 0, 0, BIDSIM_TOTAL_EXPOSURES)[2], 2 * (6000.0 * 3 + 363), 0);
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
  assert_close(tot(t, 0, 1, 0, BIDSIM_TOTAL_EXPOSURES)[0], 2 * (3000.0 + 331.5), 0);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
}

static void test_day_replicates_and_hours(void **state) {
  (void)state;
  bidsim_results_t *res;
  bidsim_reptable_t *t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .day = 1 });
  /* day 1 alone: 3000 (r+1) + 33; P0 hit its cap on day 1 in replicates 1
   * (12:00) and 3 (14:00) only: the ratio of means is 13 h over all four
   * replicates, two of which have no hit time of their own */
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES).mean, 7533, 1e-9);
  const double *x = tot(t, 0, 0, 0, BIDSIM_TOTAL_CAP_DAYS);
  assert_true(x[0] == 0 && x[1] == 1 && x[2] == 0 && x[3] == 1);
  bidsim_estimate_t e = est(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_HOUR);
  assert_int_equal(e.n, 4);
  assert_close(e.mean, 13, 1e-12);
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_SHARE).mean, 0.5, 1e-12);
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .day = -1, .rep_first = 2, .rep_count = 2 });
  bidsim_reptable_dims_t d;
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.replicates, 2);
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES).mean, 3000 * 3.5 + 31.5, 1e-9);
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .day = -1, .hourly = true });
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.hours, 24);
  /* the synthetic file puts all of plan p's day into hour 12 + p */
  assert_close(est(t, 0, 1, 13, BIDSIM_STAT_EXPOSURES).mean, 7831.5, 1e-9);
  assert_close(est(t, 0, 1, 12, BIDSIM_STAT_EXPOSURES).mean, 0, 0);
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
