/* tests/analysis/test_market_uncertainty.c - with market.redraw
 * per_replicate, the report's 95% interval of a plan's mean covers the mean
 * over markets at its nominal rate (issue 13): the generated competitors
 * are drawn again for each replicate, so the spread across replicates
 * includes not knowing them.
 *
 * Run 1 (seed 1): 2,000 replicates of a one-day, 500-impression scenario in
 * a market of 40 competitors with lognormal base bids, cut into 200 groups
 * of 10; run 2 (seed 2): 2,000 more, whose mean exposures estimate the mean
 * over markets independently of run 1 (a market drawn once per seed would
 * make it another market's mean, far outside run 1's intervals). The share
 * of run 1's group intervals covering it must lie in [90.4%, 99.6%]: with
 * 200 groups the share's sd is sqrt(.95 x .05 / 200) = 1.54 points, so the
 * band is +-3 sd; run 2's own error (its sd / sqrt(2000), a tenth of an
 * interval's half-width) moves the coverage by well under a point. Seeds fixed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "analysis/reptable.h"
#include "analysis/stats.h"
#include "sim/job.h"

#define GROUPS 200
#define PER_GROUP 10

static const char scenario[] =
  "days: 1\n"
  "replicates: 2000\n"
  "auction: {slots: 2}\n"
  "traffic:\n"
  "  impressions_per_day: 500\n"
  "  noise: poisson\n"
  "users: {relation: per_shop, affinity: {sigma: 0.5}}\n"
  "shops:\n"
  "  - name: Solo\n"
  "    reach: 0.1\n"
  "    products: [{id: 1, sales: 1000, ctr: 0.05, cvr: 0.02, order_value: {dist: fixed, value: 100}}]\n"
  "plans:\n"
  "  - {name: Only, shop: Solo, products: [1], bids: {ordinary: 1.00}}\n"
  "market:\n"
  "  plans: 40\n"
  "  redraw: per_replicate\n"
  "  base_bid: {dist: lognormal, median: 1.0, sigma: 0.6}\n"
  "  cap: {dist: uniform, min: 100, max: 100}\n"
  "  unlimited_share: 1\n";

/* Run the scenario at @p seed into @p path. */
static void run(uint64_t seed, const char *path) {
  char text[sizeof scenario + 32];
  snprintf(text, sizeof text, "seed: %llu\n%s", (unsigned long long)seed, scenario);
  bidsim_error_t err;
  bidsim_scenario_t *sc = NULL;
  if (bidsim_scenario_load_string(text, strlen(text), "uncertainty.yaml", &sc, &err))
    fail_msg("%s: %s", err.where, err.msg);
  bidsim_run_options_t opt = { .threads = 0 };
  bidsim_run_summary_t sum;
  assert_int_equal(bidsim_job_run(sc, path, &opt, &sum, &err), BIDSIM_OK);
  bidsim_scenario_free(sc);
}

static void test_intervals_cover_the_mean_over_markets(void **state) {
  (void)state;
  char p1[512], p2[512];
  snprintf(p1, sizeof p1, "%s/test_uncertainty_1.h5", BIDSIM_BUILD_DIR);
  snprintf(p2, sizeof p2, "%s/test_uncertainty_2.h5", BIDSIM_BUILD_DIR);
  run(1, p1);
  run(2, p2);
  bidsim_error_t err;
  bidsim_results_t *res = NULL;
  bidsim_reptable_t *t = NULL;
  /* the mean over markets, from run 2 */
  assert_int_equal(bidsim_results_open(p2, &res, &err), BIDSIM_OK);
  bidsim_reptable_options_t all = { .by = BIDSIM_BY_PLAN };
  assert_int_equal(bidsim_reptable_create(res, &all, &t, &err), BIDSIM_OK);
  const double truth = bidsim_reptable_estimate(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES, 0.95).mean;
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  assert_int_equal(bidsim_results_open(p1, &res, &err), BIDSIM_OK);
  int covered = 0;
  double width = 0;
  for (int g = 0; g < GROUPS; g++) {
    bidsim_reptable_options_t ro = { .by = BIDSIM_BY_PLAN, .rep_first = (uint32_t)g * PER_GROUP,
                                     .rep_count = PER_GROUP };
    assert_int_equal(bidsim_reptable_create(res, &ro, &t, &err), BIDSIM_OK);
    bidsim_estimate_t e = bidsim_reptable_estimate(t, 0, 0, 0, BIDSIM_STAT_EXPOSURES, 0.95);
    covered += e.lo <= truth && truth <= e.hi;
    width += e.hi - e.lo;
    bidsim_reptable_free(t);
  }
  printf("# %d of %d intervals (mean width %.1f) cover the mean over markets %.2f exposures a day\n", covered,
         GROUPS, width / GROUPS, truth);
  assert_in_range(covered, 181, 199);
  bidsim_results_close(res);
  remove(p1);
  remove(p2);
}

int main(void) {
  const struct CMUnitTest tests[] = { cmocka_unit_test(test_intervals_cover_the_mean_over_markets) };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
