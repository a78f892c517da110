/* tests/sim/test_evaluate.c - the in-memory evaluator is `bidsim run`
 * without the file: replicate r of variant v is unit (v, r) of the result
 * file, every listed plan's daily figure the sum of its segments there, for
 * any thread count and any choice of variants and replicates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/evaluate.h"
#include "sim/job.h"
#include "sim/output.h"

static const char scenario[] =
  "seed: 99\n"
  "days: 3\n"
  "replicates: 4\n"
  "auction: {slots: 3}\n"
  "traffic:\n"
  "  impressions_per_day: 20000\n"
  "  categories: [{name: a, share: 0.6}, {name: b, share: 0.4}]\n"
  "shops:\n"
  "  - name: S\n"
  "    products: [{id: 1, sales: 900, category: a, ctr: 0.05, cvr: 0.03}, {id: 2, sales: 900, category: b, ctr: 0.04}]\n"
  "plans:\n"
  "  - {name: A, shop: S, cap: 100, products: [1], bids: {ordinary: 0.90}}\n"
  "  - {name: B, shop: S, products: [2], bids: {ordinary: 0.70}, publish: {day: 1, time: \"12:00\"}}\n"
  "market: {plans: 30, base_bid: {dist: lognormal, median: 0.6, sigma: 0.5}}\n"
  "variants:\n"
  "  - name: as is\n"
  "  - name: higher\n"
  "    plans: {A: {bids: {ordinary: 1.40, shop: 1.60, similar: 1.60}}}\n";

static bidsim_scenario_t *sc;

static int setup(void **state) {
  (void)state;
  bidsim_error_t err;
  return bidsim_scenario_load_string(scenario, strlen(scenario), "evaluate.yaml", &sc, &err);
}

static int teardown(void **state) {
  (void)state;
  bidsim_scenario_free(sc);
  return 0;
}

static int64_t *evaluate(const bidsim_evaluate_options_t *opt) {
  int64_t *v = bidsim_calloc(bidsim_evaluate_size(sc, opt) + 1, sizeof *v);
  bidsim_error_t err;
  int rc = bidsim_evaluate(sc, opt, v, &err);
  if (rc) fail_msg("%s: %s", err.where, err.msg);
  return v;
}

static void test_each_replicate_is_the_result_files_unit(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/test_evaluate.h5", BIDSIM_BUILD_DIR);
  bidsim_error_t err;
  bidsim_run_options_t ro = { .threads = 2 };
  bidsim_run_summary_t sum;
  assert_int_equal(bidsim_job_run(sc, path, &ro, &sum, &err), BIDSIM_OK);
  bidsim_results_t *res = NULL;
  assert_int_equal(bidsim_results_open(path, &res, &err), BIDSIM_OK);
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  int64_t *v = evaluate(NULL);
  int64_t *buf = bidsim_calloc((size_t)dm.days * dm.plans * BIDSIM_SEG_COUNT, sizeof *buf);
  int64_t expo = 0;
  for (uint32_t var = 0; var < dm.variants; var++)
    for (uint32_t r = 0; r < dm.replicates; r++)
      for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
        assert_int_equal(bidsim_results_read_unit(res, BIDSIM_TABLE_PLAN_SEGMENT, m, var, r, buf, &err), BIDSIM_OK);
        for (uint32_t d = 0; d < dm.days; d++)
          for (uint32_t p = 0; p < sc->plan_count; p++) {
            int64_t s = 0;
            for (int g = 0; g < BIDSIM_SEG_COUNT; g++) s += buf[((size_t)d * dm.plans + p) * BIDSIM_SEG_COUNT + g];
            assert_int_equal(v[bidsim_evaluate_at(sc, sc->replicates, var, r, p, d, m)], s);
            if (m == BIDSIM_METRIC_EXPOSURES) expo += s;
          }
      }
  assert_true(expo > 1000);   /* the plans were shown: the comparison compared something */
  /* B is published on day 1 at noon: nothing on day 0 */
  assert_int_equal(v[bidsim_evaluate_at(sc, sc->replicates, 0, 0, 1, 0, BIDSIM_METRIC_EXPOSURES)], 0);
  bidsim_free(buf);
  bidsim_free(v);
  bidsim_results_close(res);
  remove(path);
}

static void test_thread_count_changes_nothing(void **state) {
  (void)state;
  bidsim_evaluate_options_t one = { .threads = 1 }, two = { .threads = 2 }, many = { .threads = 7 };
  int64_t *a = evaluate(&one), *b = evaluate(&two), *c = evaluate(&many);
  size_t n = bidsim_evaluate_size(sc, NULL);
  assert_memory_equal(a, b, n * sizeof *a);
  assert_memory_equal(a, c, n * sizeof *a);
  bidsim_free(a);
  bidsim_free(b);
  bidsim_free(c);
}

static void test_chosen_variants_and_replicates_are_the_same_simulations(void **state) {
  (void)state;
  int64_t *all = evaluate(NULL);
  bidsim_evaluate_options_t o = { .variant_first = 1, .variant_count = 1, .replicate_first = 1, .replicate_count = 2 };
  uint32_t V, R;
  bidsim_evaluate_shape(sc, &o, &V, &R);
  assert_int_equal(V, 1);
  assert_int_equal(R, 2);
  assert_int_equal(bidsim_evaluate_size(sc, &o), (size_t)2 * sc->plan_count * sc->days * BIDSIM_METRIC_COUNT);
  int64_t *some = evaluate(&o);
  for (uint32_t r = 0; r < 2; r++)
    for (uint32_t p = 0; p < sc->plan_count; p++)
      for (uint32_t d = 0; d < sc->days; d++)
        for (uint32_t m = 0; m < BIDSIM_METRIC_COUNT; m++)
          assert_int_equal(some[bidsim_evaluate_at(sc, 2, 0, r, p, d, m)],
                           all[bidsim_evaluate_at(sc, sc->replicates, 1, 1 + r, p, d, m)]);
  /* the variant changes plan A's bid: its figures differ from variant 0's */
  assert_int_not_equal(all[bidsim_evaluate_at(sc, sc->replicates, 1, 1, 0, 0, BIDSIM_METRIC_SPEND_LI)],
                       all[bidsim_evaluate_at(sc, sc->replicates, 0, 1, 0, 0, BIDSIM_METRIC_SPEND_LI)]);
  bidsim_free(all);
  bidsim_free(some);
}

static void test_missing_variants_and_replicates_are_refused(void **state) {
  (void)state;
  int64_t v[1];
  bidsim_error_t err;
  bidsim_evaluate_options_t o = { .variant_first = 2 };
  assert_int_equal(bidsim_evaluate_size(sc, &o), 0);
  assert_int_equal(bidsim_evaluate(sc, &o, v, &err), BIDSIM_EINVAL);
  o = (bidsim_evaluate_options_t){ .variant_first = 1, .variant_count = 2 };
  assert_int_equal(bidsim_evaluate(sc, &o, v, &err), BIDSIM_EINVAL);
  o = (bidsim_evaluate_options_t){ .replicate_first = 3, .replicate_count = 2 };
  assert_int_equal(bidsim_evaluate(sc, &o, v, &err), BIDSIM_EINVAL);
  assert_non_null(strstr(err.msg, "replicates 3..4 requested, the scenario has 4"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_each_replicate_is_the_result_files_unit),
    cmocka_unit_test(test_thread_count_changes_nothing),
    cmocka_unit_test(test_chosen_variants_and_replicates_are_the_same_simulations),
    cmocka_unit_test(test_missing_variants_and_replicates_are_refused),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
