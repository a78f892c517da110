/* tests/sim/test_estimate.c - a run's cost before it starts (sim/estimate.h):
 * impressions with calendar phases (the first phase covering a day applies,
 * as in the simulation), sweep points' own traffic, shards, the exact day
 * slab and unit-file sizes, and the refusals at each limit, both sides. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/bidsim.h"
#include "sim/estimate.h"
#include "sim/scenario.h"
#include "sim/unitstore.h"

static bidsim_scenario_t *load(const char *text) {
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  if (bidsim_scenario_load_string(text, strlen(text), "e.yaml", &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  return sc;
}

/* 10 days of 1000: phases [2,4] x3 and [3,8] x0.5 overlap on 3-4, where
 * the first listed wins: 2 x 1 + 3 x 3 + 4 x 0.5 + 1 x 1 = 14 days' worth. */
static void test_phases_count_once_per_day_first_listed_wins(void **state) {
  (void)state;
  bidsim_scenario_t *sc = load(
    "days: 10\nreplicates: 3\n"
    "traffic: {impressions_per_day: 1000, phases: [{first_day: 2, last_day: 4, traffic_mult: 3},\n"
    "          {first_day: 3, last_day: 8, traffic_mult: 0.5}, {first_day: 9, last_day: 40, traffic_mult: 1}]}\n"
    "market: {plans: 2}\n");
  assert_true(bidsim_cost_unit_impressions(sc, 0) == 1000.0 * 14.0);
  bidsim_cost_t e;
  bidsim_cost_estimate(sc, 2, 0, 0, &e);
  assert_true(e.impressions == 3 * 14000.0);
  assert_true(fabs(e.seconds - 42000.0 / (2 * BIDSIM_COST_IMPRESSIONS_PER_S)) < 1e-12);
  assert_non_null(strstr(e.impressions_keys, "traffic.phases"));
  bidsim_scenario_free(sc);
}

/* The fast day assignment agrees with bidsim_scenario_phase, the per-day
 * rule, on random phase lists (fixed seed 12; 200 scenarios of up to 12
 * phases over up to 60 days, ranges partly past the end). */
static void test_phase_assignment_matches_the_per_day_rule(void **state) {
  (void)state;
  srand(12);
  for (int trial = 0; trial < 200; trial++) {
    char text[4096];
    uint32_t days = 1 + (uint32_t)(rand() % 60);
    int n = snprintf(text, sizeof text, "days: %u\ntraffic:\n  impressions_per_day: 100\n  phases:\n", days);
    int phases = rand() % 13;
    for (int i = 0; i < phases; i++) {
      int a = rand() % 70, b = a + rand() % 20;
      n += snprintf(text + n, sizeof text - n, "    - {first_day: %d, last_day: %d, traffic_mult: %d.%d}\n", a, b,
                    rand() % 5, rand() % 10);
    }
    snprintf(text + n, sizeof text - n, "%smarket: {plans: 1}\n", phases ? "" : "    []\n");
    bidsim_scenario_t *sc = load(text);
    double want = 0.0;
    for (uint32_t d = 0; d < days; d++) {
      const bidsim_sc_phase_t *ph = bidsim_scenario_phase(sc, d);
      want += 100.0 * (ph ? ph->traffic_mult : 1.0);
    }
    double got = bidsim_cost_unit_impressions(sc, 0);
    if (fabs(got - want) > 1e-9 * want) fail_msg("trial %d: %g, the per-day rule %g\n%s", trial, got, want, text);
    bidsim_scenario_free(sc);
  }
}

/* A sweep over the traffic: each point counts its own impressions. */
static void test_sweep_points_count_their_own_traffic(void **state) {
  (void)state;
  bidsim_scenario_t *sc = load(
    "days: 2\nreplicates: 5\ntraffic: {impressions_per_day: 1000}\nmarket: {plans: 2}\n"
    "sweep:\n  grid:\n    traffic.impressions_per_day: [1000, 3000]\n");
  assert_true(bidsim_cost_unit_impressions(sc, 0) == 2000.0);
  assert_true(bidsim_cost_unit_impressions(sc, 1) == 6000.0);
  bidsim_cost_t e;
  bidsim_cost_estimate(sc, 1, 0, 0, &e);
  assert_true(e.impressions == 5 * 8000.0);
  assert_int_equal(e.units, 10);
  /* shards: units u with u mod 3 = i: 4, 3 and 3 of the 10 */
  static const uint64_t want[3] = { 4, 3, 3 };
  double sum = 0.0;
  for (uint32_t i = 0; i < 3; i++) {
    bidsim_cost_estimate(sc, 1, i, 3, &e);
    assert_int_equal(e.units, want[i]);
    sum += e.impressions;
  }
  assert_true(fabs(sum - 40000.0) < 1e-6);
  bidsim_scenario_free(sc);
}

/* The slab and the unit files are sized exactly as the store and the
 * writer lay them out: plans = listed + generated, products likewise. */
static void test_disk_follows_the_slab_layout(void **state) {
  (void)state;
  bidsim_scenario_t *sc = load(
    "days: 3\nreplicates: 2\ntraffic: {impressions_per_day: 10}\n"
    "shops: [{name: S, products: [{id: 1, sales: 900}, {id: 2, sales: 900}]}]\n"
    "plans: [{name: P, shop: S, products: [1], bids: {ordinary: 1.00}}]\nmarket: {plans: 7}\n");
  bidsim_cost_t e;
  bidsim_cost_estimate(sc, 1, 0, 0, &e);
  assert_int_equal(e.plans, 8);
  assert_int_equal(e.products, 9);
  const double slab = 8.0 * (double)bidsim_slab_words(8, 9, sc->auction.slots);
  assert_true(e.mem_slab == slab);
  assert_true(e.result_bytes == 3 * 2 * slab);
  assert_true(e.store_bytes == 2 * (64.0 + 3 * (slab + 8.0)));
  assert_true(e.mem_total > e.mem_world + e.mem_per_thread + e.mem_slab);
  bidsim_scenario_free(sc);
}

/* Refusals at each limit, both sides, first memory, then time; disk only
 * warns. */
static void test_check_refuses_what_does_not_fit(void **state) {
  (void)state;
  bidsim_cost_t e;
  memset(&e, 0, sizeof e);
  e.threads = 2;
  e.mem_total = 1000.0;
  e.store_bytes = 500.0;
  e.seconds = BIDSIM_COST_MAX_SECONDS;
  e.impressions = 1.0;
  e.mem_keys = "M";
  e.disk_keys = "D";
  e.impressions_keys = "T";
  bidsim_error_t err;
  bidsim_machine_t m = { 1000.0, 500.0 };
  assert_int_equal(bidsim_cost_check(&e, &m, &err), BIDSIM_OK);           /* all at their limits */
  m.mem_bytes = 999.0;
  assert_int_equal(bidsim_cost_check(&e, &m, &err), BIDSIM_ELIMIT);
  assert_string_equal(err.where, "M");
  assert_non_null(strstr(err.msg, "memory with 2 thread(s)"));
  m.mem_bytes = 0.0;                                                       /* unknown: not checked */
  /* the store's figure is an upper bound (before compression): a warning */
  assert_false(bidsim_cost_disk_tight(&e, &m));
  m.disk_free_bytes = 499.0;
  assert_int_equal(bidsim_cost_check(&e, &m, &err), BIDSIM_OK);
  assert_true(bidsim_cost_disk_tight(&e, &m));
  m.disk_free_bytes = 0.0;                                                 /* unknown: no warning */
  assert_false(bidsim_cost_disk_tight(&e, &m));
  e.seconds = BIDSIM_COST_MAX_SECONDS * 1.0001;
  assert_int_equal(bidsim_cost_check(&e, &m, &err), BIDSIM_ELIMIT);
  assert_string_equal(err.where, "T");
  assert_non_null(strstr(err.msg, "years"));
}

/* issue 12's nonsense sizes: 1e11 impressions a day x 3,660 days x a million
 * replicates (3.7e20 impressions) is years of work, named by its keys; a
 * wide sweep x a million replicates needs the unit tables' memory. */
static void test_nonsense_sizes_are_refused_by_their_keys(void **state) {
  (void)state;
  bidsim_scenario_t *sc = load("days: 3660\nreplicates: 1000000\ntraffic: {impressions_per_day: 1e11}\nmarket: {plans: 3}\n");
  bidsim_cost_t e;
  bidsim_cost_estimate(sc, 2, 0, 0, &e);
  assert_true(fabs(e.impressions - 3.66e20) < 1e8);
  bidsim_machine_t m = { 0.0, 0.0 };   /* time alone */
  bidsim_error_t err;
  assert_int_equal(bidsim_cost_check(&e, &m, &err), BIDSIM_ELIMIT);
  assert_string_equal(err.where, "traffic.impressions_per_day x days x replicates x variants");
  bidsim_scenario_free(sc);
  sc = load("days: 1\nreplicates: 1000000\ntraffic: {impressions_per_day: 10}\nmarket: {plans: 3}\n"
            "sweep:\n  grid:\n    traffic.impressions_per_day: {start: 10, stop: 649, step: 1}\n");
  assert_int_equal(sc->variant_count, 640);
  bidsim_cost_estimate(sc, 2, 0, 0, &e);
  assert_true(e.mem_units >= 7.0 * 640e6);   /* pending, finished, in shard, done: 7 bytes a unit */
  assert_string_equal(e.mem_keys, "replicates x variants");
  m.mem_bytes = 4e9;
  assert_int_equal(bidsim_cost_check(&e, &m, &err), BIDSIM_ELIMIT);
  assert_string_equal(err.where, "replicates x variants");
  bidsim_scenario_free(sc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_phases_count_once_per_day_first_listed_wins),
    cmocka_unit_test(test_phase_assignment_matches_the_per_day_rule),
    cmocka_unit_test(test_sweep_points_count_their_own_traffic),
    cmocka_unit_test(test_disk_follows_the_slab_layout),
    cmocka_unit_test(test_check_refuses_what_does_not_fit),
    cmocka_unit_test(test_nonsense_sizes_are_refused_by_their_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
