/* tests/analysis/test_calibration.c - the report's 95% intervals cover the
 * true mean 95% of the time. A plan alone in one slot with CTR 0.05 sees
 * Poisson(1000) impressions a day, so its expected figures are known:
 * 1000 exposures, 50 clicks, 5 yuan (every click at the 0.10 reserve).
 * 10,000 replicates (independent PCG streams of one seed) are cut into
 * 1,000 groups of 10, the report's interval is computed for each group,
 * and the share covering the truth must lie in [93%, 97%]: with 1,000
 * groups the share's sd is sqrt(.95 x .05 / 1000) = 0.69 points, so the
 * band is +-2.9 sd (a false alarm about 1 time in 250 for a random seed;
 * the seed is fixed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "analysis/reptable.h"
#include "analysis/stats.h"
#include "sim/job.h"

#define GROUPS 1000
#define PER_GROUP 10

static const char scenario[] =
  "seed: 20261126\n"
  "days: 1\n"
  "replicates: 10000\n"
  "auction: {slots: 1}\n"
  "traffic:\n"
  "  impressions_per_day: 1000\n"
  "  noise: poisson\n"
  "  segments: {ordinary: 1.0, shop: 0.0, similar: 0.0}\n"
  "shops:\n"
  "  - name: Solo\n"
  "    products: [{id: 1, sales: 1000, ctr: 0.05, cvr: 0.02, order_value: {dist: fixed, value: 100}}]\n"
  "plans:\n"
  "  - {name: Only, shop: Solo, products: [1], bids: {ordinary: 1.00}}\n";

static void test_interval_coverage(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/test_calibration.h5", BIDSIM_BUILD_DIR);
  bidsim_error_t err;
  bidsim_scenario_t *sc = NULL;
  assert_int_equal(bidsim_scenario_load_string(scenario, strlen(scenario), "calibration.yaml", &sc, &err), BIDSIM_OK);
  bidsim_run_options_t opt = { .threads = 0 };
  bidsim_run_summary_t sum;
  assert_int_equal(bidsim_job_run(sc, path, &opt, &sum, &err), BIDSIM_OK);
  bidsim_scenario_free(sc);

  /* one table per group of 10 replicates: each interval is the one
   * `bidsim report` would print for a run of 10 */
  bidsim_results_t *res = NULL;
  assert_int_equal(bidsim_results_open(path, &res, &err), BIDSIM_OK);
  static const struct { int stat; double truth; } checks[] = {
    { BIDSIM_STAT_EXPOSURES, 1000 }, { BIDSIM_STAT_CLICKS, 50 }, { BIDSIM_STAT_SPEND, 5 },
    { BIDSIM_STAT_CTR, 0.05 }, { BIDSIM_STAT_ROI, 20 },
  };
  enum { CHECKS = sizeof checks / sizeof *checks };
  int covered[CHECKS] = { 0 };
  for (int g = 0; g < GROUPS; g++) {
    bidsim_reptable_t *t = NULL;
    bidsim_reptable_options_t ro = { .by = BIDSIM_BY_PLAN, .rep_first = (uint32_t)g * PER_GROUP,
                                     .rep_count = PER_GROUP };
    assert_int_equal(bidsim_reptable_create(res, &ro, &t, &err), BIDSIM_OK);
    for (int c = 0; c < CHECKS; c++) {
      bidsim_estimate_t e = bidsim_reptable_estimate(t, 0, 0, 0, checks[c].stat, 0.95);
      covered[c] += e.lo <= checks[c].truth && checks[c].truth <= e.hi;
    }
    bidsim_reptable_free(t);
  }
  for (int c = 0; c < CHECKS; c++) {
    printf("# %s: %d of %d intervals cover %g\n", bidsim_stat_key(checks[c].stat), covered[c], GROUPS,
           checks[c].truth);
    assert_in_range(covered[c], 930, 970);
  }
  bidsim_results_close(res);
  remove(path);
}

int main(void) {
  const struct CMUnitTest tests[] = { cmocka_unit_test(test_interval_coverage) };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
