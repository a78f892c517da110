/* tests/analysis/test_report.c - per-replicate report statistics on the
 * synthetic result file (tests/analysis/synth.h), against values worked
 * out by hand from its formulas: each replicate's totals, ratios of means
 * with their delta-method intervals (a replicate without spend included),
 * paired differences; groupings, day and replicate selection, the cuts by
 * hour, day and segment, the plan, shop and day filters; the field's
 * metrics (pacing evenness, capped time, the CPA score with the targets
 * read from the stored scenario); and the reader's errors on files that
 * are not results. */
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
  bidsim_reptable_t *t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN });
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
  bidsim_reptable_t *t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_SHOP });
  bidsim_reptable_dims_t d;
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.groups, 1);   /* Shop A; Shop B is a competitor's */
  /* Shop A = P0 + P1: P1 adds 100 per segment: 6000 (r+1) + 363 per day */
  assert_close(tot(t, 0, 0, 0, BIDSIM_TOTAL_EXPOSURES)[2], 2 * (6000.0 * 3 + 363), 0);
  assert_int_equal(est(t, 0, 0, 0, BIDSIM_STAT_CAP_HIT_HOUR).n, 0);   /* no cap figures for shops */
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_SHOP, .all_plans = true });
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.groups, 2);
  assert_string_equal(bidsim_reptable_group_name(t, 1), "Shop B");
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PRODUCT });
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
  bidsim_reptable_t *t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .day_first = 1, .day_count = 1 });
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

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .rep_first = 2, .rep_count = 2 });
  bidsim_reptable_dims_t d;
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.replicates, 2);
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES).mean, 3000 * 3.5 + 31.5, 1e-9);
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .cut = BIDSIM_CUT_HOUR });
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.cells, 24);
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
    { .by = BIDSIM_BY_PLAN, .day_first = 2 },
    { .by = BIDSIM_BY_PLAN, .day_first = 1, .day_count = 2 },
    { .by = BIDSIM_BY_PRODUCT, .cut = BIDSIM_CUT_HOUR },
    { .by = BIDSIM_BY_PRODUCT, .cut = BIDSIM_CUT_SEGMENT },
    { .by = BIDSIM_BY_PLAN, .cut = BIDSIM_CUT_SLOT },   /* the synthetic file has no slot positions */
    { .by = BIDSIM_BY_PLAN, .rep_first = 4 },
    { .by = BIDSIM_BY_PLAN, .rep_first = 3, .rep_count = 2 },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(bidsim_reptable_create(res, &bad[i], &t, &err), BIDSIM_EINVAL);
    assert_null(t);
  }
  bidsim_results_close(res);
}

/* the reader's per-unit block of /traffic/impressions is (D, 24, S) of
 * that unit: the synthetic file writes 1000 + hour in every cell */
static void test_impressions_of_one_unit(void **state) {
  (void)state;
  bidsim_results_t *res;
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(path, &res, &err), BIDSIM_OK);
  int64_t buf[SYNTH_D * BIDSIM_HOURS * BIDSIM_SEG_COUNT];
  assert_int_equal(bidsim_results_read_impressions_unit(res, 1, 3, buf, &err), BIDSIM_OK);
  for (int d = 0; d < SYNTH_D; d++)
    for (int h = 0; h < BIDSIM_HOURS; h++)
      for (int g = 0; g < BIDSIM_SEG_COUNT; g++)
        assert_int_equal(buf[(d * BIDSIM_HOURS + h) * BIDSIM_SEG_COUNT + g], 1000 + h);
  assert_int_equal(bidsim_results_read_impressions_unit(res, 2, 0, buf, &err), BIDSIM_EINVAL);
  assert_int_equal(bidsim_results_read_impressions_unit(res, 0, 4, buf, &err), BIDSIM_EINVAL);
  bidsim_results_close(res);
}

/* BAT's pacing RMSE of a day whose spend falls in the hours of `spend`
 * (weights), against the synthetic traffic, from its definition. */
static double synth_pacing(const double spend[24]) {
  double st = 0, tt = 0, s = 0, t = 0, ss = 0;
  for (int h = 0; h < 24; h++) st += spend[h], tt += (double)synth_impressions(h);
  for (int h = 0; h < 24; h++) {
    s += spend[h];
    t += (double)synth_impressions(h);
    ss += (s / st - t / tt) * (s / st - t / tt);
  }
  return sqrt(ss / 24);
}

static void test_field_metrics_by_hand(void **state) {
  (void)state;
  bidsim_results_t *res;
  bidsim_reptable_t *t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN });
  assert_null(bidsim_reptable_note(t));
  /* pacing: plan p spends its whole day in hour 12 + p, every day, so each
   * replicate's mean is that day's RMSE; P1 spends nothing in replicate 0,
   * which has no day to pace (0 days with spend) */
  double at12[24] = { 0 }, at13[24] = { 0 };
  at12[12] = 1, at13[13] = 1;
  bidsim_estimate_t e = est(t, 0, 0, 0, BIDSIM_STAT_PACING_RMSE);
  assert_int_equal(e.n, 4);
  assert_close(e.mean, synth_pacing(at12), 1e-12);
  assert_close(e.hi, e.mean, 1e-12);
  const double *days = tot(t, 0, 1, 0, BIDSIM_TOTAL_SPEND_DAYS);
  assert_true(days[0] == 0 && days[1] == 2 && days[3] == 2);
  assert_close(est(t, 0, 1, 0, BIDSIM_STAT_PACING_RMSE).mean, synth_pacing(at13), 1e-12);

  /* capped time: P0 hits at 10 + r + d on the day with r + d even, so
   * 86400 - 3600 (10 + r + (r odd)) seconds over 2 days per replicate:
   * 14, 12, 12, 10 hours; the mean share of a day is 12 / 48 */
  const double *capped = tot(t, 0, 0, 0, BIDSIM_TOTAL_CAPPED_SECONDS);
  for (int r = 0; r < 4; r++) assert_close(capped[r], 86400 - 3600.0 * (10 + r + r % 2), 0);
  e = est(t, 0, 0, 0, BIDSIM_STAT_CAPPED_SHARE);
  assert_close(e.mean, 0.25, 1e-12);
  /* the share per day's values 14/48, 12/48, 12/48, 10/48: sd sqrt(8/3)/48 */
  assert_close(e.hi - e.mean, T975_DF3 * sqrt(8.0 / 3) / 48 / 2, 1e-12);
  assert_int_equal(est(t, 0, 1, 0, BIDSIM_STAT_CAPPED_SHARE).n, 0);   /* P1: no cap */

  /* CPA: spend over orders, 1.5 yuan a click: P0's 1824 clicks over 60 orders */
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_CPA).mean, 1.5 * 1824 / 60, 1e-12);

  /* CPA score: P0 bids to 20 yuan per order (30 in variant 1, read from
   * the stored scenario), P1 to none. Per day P0 has 3r + 3 orders and
   * spends 1500 (30 (r+1)^2 + 3 + 15v) + 3000v li: replicate 0 beats the
   * target (CPA 16.5 yuan: every order counts), the others miss it */
  for (uint32_t v = 0; v < 2; v++) {
    double target = SYNTH_TARGET_CPA_YUAN(v) * 1000, sum = 0;
    assert_close(bidsim_reptable_target_cpa(t, v, 0), SYNTH_TARGET_CPA_YUAN(v), 0);
    assert_true(isnan(bidsim_reptable_target_cpa(t, v, 1)));
    const double *score = tot(t, v, 0, 0, BIDSIM_TOTAL_CPA_SCORE);
    for (int r = 0; r < 4; r++) {
      double orders = 3.0 * r + 3, spend = 1500.0 * (30 * (r + 1) * (r + 1) + 3 + 15 * v) + 3000.0 * v;
      double day = spend / orders <= target ? orders : orders * (target / (spend / orders)) * (target / (spend / orders));
      assert_close(score[r], 2 * day, 1e-9);
      sum += day;
    }
    assert_close(est(t, v, 0, 0, BIDSIM_STAT_CPA_SCORE).mean, sum / 4, 1e-12);
    assert_int_equal(est(t, v, 1, 0, BIDSIM_STAT_CPA_SCORE).n, 0);
  }
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  /* a shop's pacing is that of its plans' summed spend: Shop A spends P0's
   * 1500 (30 (r+1)^2 + 3) li at 12:00 and P1's 1500 (30 (r+1)^2 + 6) at
   * 13:00 (nothing in replicate 0) */
  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_SHOP });
  double y[4], mean = 0;
  for (int r = 0; r < 4; r++) {
    double w[24] = { 0 };
    w[12] = 30.0 * (r + 1) * (r + 1) + 3;
    w[13] = r == 0 ? 0 : 30.0 * (r + 1) * (r + 1) + 6;
    y[r] = synth_pacing(w);
    mean += y[r] / 4;
  }
  e = est(t, 0, 0, 0, BIDSIM_STAT_PACING_RMSE);
  assert_close(e.mean, mean, 1e-12);   /* 2 days with spend in every replicate: the plain mean */
  assert_close(e.hi - e.mean, t_half(y), 1e-12);
  assert_int_equal(est(t, 0, 0, 0, BIDSIM_STAT_CPA_SCORE).n, 0);   /* plans only */
  bidsim_reptable_free(t);
  bidsim_results_close(res);
}

static void test_cuts_by_day_and_segment(void **state) {
  (void)state;
  bidsim_results_t *res;
  bidsim_reptable_t *t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .cut = BIDSIM_CUT_DAY });
  bidsim_reptable_dims_t d;
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.cells, 2);
  char label[32];
  bidsim_reptable_cell_label(t, 1, label, sizeof label);
  assert_string_equal(label, "2026-11-11");
  /* each cell is one day: P0's exposures 3000 (r+1) + 30 + 3d, mean 7530 + 3d */
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES).mean, 7530, 1e-9);
  assert_close(est(t, 0, 0, 1, BIDSIM_STAT_EXPOSURES).mean, 7533, 1e-9);
  /* a day's cap share is 0 or 1 per replicate: day 1 is hit in r = 1, 3 */
  assert_close(est(t, 0, 0, 1, BIDSIM_STAT_CAP_HIT_SHARE).mean, 0.5, 1e-12);
  assert_close(est(t, 0, 0, 1, BIDSIM_STAT_CAPPED_SHARE).mean, (12.0 + 10) / 24 / 4, 1e-12);
  assert_false(isnan(est(t, 0, 0, 1, BIDSIM_STAT_PACING_RMSE).mean));
  bidsim_reptable_free(t);
  bidsim_results_close(res);

  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .cut = BIDSIM_CUT_SEGMENT });
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.cells, 3);
  bidsim_reptable_cell_label(t, 1, label, sizeof label);
  assert_string_equal(label, "shop");
  /* segment g of P0: exposures 1000 (r+1) + 10 g + d, 2 days: mean per day 2510 + 10 g */
  for (uint32_t g = 0; g < 3; g++) assert_close(est(t, 0, 0, g, BIDSIM_STAT_EXPOSURES).mean, 2500.5 + 10 * g, 1e-9);
  /* clicks 10 (r+1)^2 + g: CTR of the shop segment by its totals */
  const double *clicks = tot(t, 0, 0, 1, BIDSIM_TOTAL_CLICKS);
  assert_close(clicks[1], 2 * (40.0 + 1), 0);
  /* whole-day figures do not exist per segment */
  assert_int_equal(est(t, 0, 0, 1, BIDSIM_STAT_PACING_RMSE).n, 0);
  assert_int_equal(est(t, 0, 0, 1, BIDSIM_STAT_CAP_HIT_SHARE).n, 0);
  assert_int_equal(est(t, 0, 0, 1, BIDSIM_STAT_CPA_SCORE).n, 0);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
}

static void test_filters(void **state) {
  (void)state;
  bidsim_results_t *res;
  /* a plan mask: the generated competitor Rival alone, without --all */
  static const uint8_t rival[] = { 0, 0, 1 };
  bidsim_reptable_t *t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .plans = rival });
  bidsim_reptable_dims_t d;
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.groups, 1);
  assert_string_equal(bidsim_reptable_group_name(t, 0), "Rival");
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  /* a shop's share of a mask: Shop A counted with P1 alone */
  static const uint8_t p1[] = { 0, 1, 0 };
  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_SHOP, .plans = p1 });
  assert_close(tot(t, 0, 0, 0, BIDSIM_TOTAL_EXPOSURES)[0], 2 * (3000.0 + 330) + 3, 0);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  /* products of the masked plans */
  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PRODUCT, .plans = p1 });
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.groups, 1);
  assert_int_equal(bidsim_reptable_group_product_id(t, 0), 12);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  /* a named shop: every plan of it, a competitor's too */
  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .shop = "Shop B" });
  bidsim_reptable_dims(t, &d);
  assert_int_equal(d.groups, 1);
  assert_string_equal(bidsim_reptable_group_name(t, 0), "Rival");
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  /* days [1, 2): the same as the day cut's second cell */
  t = table(&res, (bidsim_reptable_options_t){ .by = BIDSIM_BY_PLAN, .day_first = 1 });
  bidsim_reptable_dims(t, &d);
  assert_true(d.day_first == 1 && d.days == 1);
  assert_close(est(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES).mean, 7533, 1e-9);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  /* a mask and a shop that share no plan leave nothing to report */
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(path, &res, &err), BIDSIM_OK);
  bidsim_reptable_options_t none = { .by = BIDSIM_BY_PLAN, .plans = p1, .shop = "Shop B" };
  assert_int_equal(bidsim_reptable_create(res, &none, &t, &err), BIDSIM_EINVAL);
  assert_null(t);
  bidsim_results_close(res);
}

/* A synthetic file storing another scenario text. */
static void synth_with(const char *out, const char *yaml) {
  char text[600], cmd[2000];
  snprintf(text, sizeof text, "%s.yaml", out);
  FILE *f = fopen(text, "w");
  assert_non_null(f);
  fputs(yaml, f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "'%s/tools/synth_result' '%s' --scenario '%s'", BIDSIM_BUILD_DIR, out, text);
  assert_int_equal(system(cmd), 0);
  remove(text);
}

/* The synthetic scenario with P1 bidding through the plugin at @p plugin. */
static void scenario_with_plugin(char *buf, size_t n, const char *plugin) {
  const char *p1 = "  - {name: P1, shop: Shop A, products: [12], bids: {ordinary: 1.00}}\n";
  const char *at = strstr(SYNTH_SCENARIO, p1);
  assert_non_null(at);
  snprintf(buf, n, "%.*s  - {name: P1, shop: Shop A, products: [12], bids: {ordinary: 1.00},\n"
           "     strategy: {plugin: '%s'}}\n%s", (int)(at - SYNTH_SCENARIO), SYNTH_SCENARIO, plugin, at + strlen(p1));
}

/* A plan bidding through a plugin has no target, the others' targets are
 * still read (the plugin is not loaded: tests/analysis/test_report_cli.sh
 * holds that its code never runs, through the bidsim binary, which the
 * plugin links against). */
static void test_targets_are_read_beside_a_plugin(void **state) {
  (void)state;
  char p[600], yaml[4096], plugin[600];
  snprintf(p, sizeof p, "%s/test_report_targets.h5", BIDSIM_BUILD_DIR);
  snprintf(plugin, sizeof plugin, "%s/plugins/hostile.so", BIDSIM_BUILD_DIR);
  scenario_with_plugin(yaml, sizeof yaml, plugin);
  synth_with(p, yaml);
  bidsim_results_t *res;
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(p, &res, &err), BIDSIM_OK);
  bidsim_reptable_t *t = NULL;
  bidsim_reptable_options_t o = { .by = BIDSIM_BY_PLAN };
  assert_int_equal(bidsim_reptable_create(res, &o, &t, &err), BIDSIM_OK);
  assert_null(bidsim_reptable_note(t));
  assert_close(bidsim_reptable_target_cpa(t, 0, 0), 20, 0);   /* P0's target */
  assert_close(bidsim_reptable_target_cpa(t, 1, 0), 30, 0);
  assert_true(isnan(bidsim_reptable_target_cpa(t, 0, 1)));   /* P1 bids through a plugin: none */
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  remove(p);
}

static void test_targets_that_cannot_be_read_are_a_note(void **state) {
  (void)state;
  char p[600], gone[4096];
  snprintf(p, sizeof p, "%s/test_report_targets.h5", BIDSIM_BUILD_DIR);
  scenario_with_plugin(gone, sizeof gone, "/nonexistent/plugin.so");
  const struct { const char *yaml, *note; } cases[] = {
    { gone, "does not load" },   /* a plugin whose file is gone: the scenario does not load */
    { "# target_cpa\nnot: a scenario\n", "does not load" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    synth_with(p, cases[i].yaml);
    bidsim_results_t *res;
    bidsim_error_t err;
    assert_int_equal(bidsim_results_open(p, &res, &err), BIDSIM_OK);
    bidsim_reptable_t *t = NULL;
    bidsim_reptable_options_t o = { .by = BIDSIM_BY_PLAN };
    assert_int_equal(bidsim_reptable_create(res, &o, &t, &err), BIDSIM_OK);
    assert_non_null(bidsim_reptable_note(t));
    assert_non_null(strstr(bidsim_reptable_note(t), cases[i].note));
    assert_true(isnan(bidsim_reptable_target_cpa(t, 0, 0)));
    assert_int_equal(est(t, 0, 0, 0, BIDSIM_STAT_CPA_SCORE).n, 0);
    assert_int_equal(est(t, 0, 0, 0, BIDSIM_STAT_ORDERS).n, 4);   /* the rest of the report stands */
    bidsim_reptable_free(t);
    bidsim_results_close(res);
  }
  /* no target_cpa anywhere: nothing to read, no note */
  synth_with(p, "# a scenario without targets\n");
  bidsim_results_t *res;
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(p, &res, &err), BIDSIM_OK);
  bidsim_reptable_t *t = NULL;
  bidsim_reptable_options_t o = { .by = BIDSIM_BY_PLAN };
  assert_int_equal(bidsim_reptable_create(res, &o, &t, &err), BIDSIM_OK);
  assert_null(bidsim_reptable_note(t));
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  remove(p);
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
    cmocka_unit_test(test_impressions_of_one_unit), cmocka_unit_test(test_field_metrics_by_hand),
    cmocka_unit_test(test_cuts_by_day_and_segment), cmocka_unit_test(test_filters),
    cmocka_unit_test(test_targets_that_cannot_be_read_are_a_note),
    cmocka_unit_test(test_targets_are_read_beside_a_plugin),
    cmocka_unit_test(test_not_a_result),
  };
  return cmocka_run_group_tests(tests, make_file, remove_file);
}
