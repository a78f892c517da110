/* tests/sim/test_external.c - external strategies (sim/strategy_external.h)
 * through whole runs: one instance per unit for every plan of one (table,
 * context) with their state in one batch, the platform's clamp counted as
 * for C strategies, clicks and the day's end delivered, a failing update
 * that stops the run with nothing written, the loader's resolver (errors at
 * the parameter's key) and bidsim_scenario_set_external over variants. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bidsim/bidsim.h"
#include "sim/job.h"
#include "sim/output.h"
#include "sim/scenario.h"
#include "sim/strategy_external.h"

static const char *scenario_text =
  "seed: 5\n"
  "days: 2\n"
  "replicates: 2\n"
  "traffic: {impressions_per_day: 20000, noise: none}\n"
  "shops:\n"
  "  - name: S\n"
  "    products: [{id: 1, sales: 900}, {id: 2, sales: 900}, {id: 3, sales: 900}]\n"
  "plans:\n"
  "  - {name: A, shop: S, products: [1], bids: {ordinary: 2.50}}\n"
  "  - {name: B, shop: S, products: [2], bids: {ordinary: 1.20}}\n"
  "  - {name: C, shop: S, products: [3], bids: {ordinary: 2.20}}\n"
  "market: {plans: 40}\n"
  "%s";

/* What the recording strategy saw; one per context. */
typedef struct {
  int begins, ends, updates, day_ends, refs, clicks;
  uint32_t count, bad_batches, day_end_second;
  char names[4][16];
  int64_t ask_li;        /* 0: keep the pre-filled bids */
  int fail_at_update;    /* 0: never */
  double day_end_done;
} rec_t;

static int rec_begin(void *ctx, const bidsim_external_unit_t *unit, void **inst, bidsim_error_t *err) {
  rec_t *r = ctx;
  r->begins++;
  r->count = unit->count;
  for (uint32_t i = 0; i < unit->count && i < 4; i++)
    snprintf(r->names[i], sizeof r->names[i], "%s", unit->plan_names[unit->plans[i]]);
  *inst = r;
  return BIDSIM_OK;
}
static int rec_update(void *inst, const bidsim_strategy_batch_t *b, bidsim_strategy_action_t *a, bidsim_error_t *err) {
  rec_t *r = inst;
  r->updates++;
  if (b->count != r->count) r->bad_batches++;
  if (r->fail_at_update && r->updates == r->fail_at_update)
    return bidsim_error_set(err, BIDSIM_EPLUGIN, "strategy", "update %d failed on purpose", r->updates);
  for (uint32_t i = 0; i < b->count && r->ask_li; i++)
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) a[i].bid_li[s] = r->ask_li;
  return BIDSIM_OK;
}
static void rec_click(void *inst, uint32_t i, int64_t price_li, bool converted, int64_t ov_li) {
  ((rec_t *)inst)->clicks++;
}
static int rec_day_end(void *inst, const bidsim_strategy_batch_t *b, bidsim_error_t *err) {
  rec_t *r = inst;
  r->day_ends++;
  r->day_end_second = b->shared->second_of_day;
  r->day_end_done = b->shared->traffic_done;
  return BIDSIM_OK;
}
static void rec_end(void *inst) { ((rec_t *)inst)->ends++; }
static void rec_retain(void *ctx) { ((rec_t *)ctx)->refs++; }
static void rec_release(void *ctx) { ((rec_t *)ctx)->refs--; }

static const bidsim_external_strategy_t rec_table = { rec_begin, rec_update, rec_click, rec_day_end, rec_end,
                                                       rec_retain, rec_release };

static bidsim_scenario_t *load(const char *extra) {
  char text[2048];
  snprintf(text, sizeof text, scenario_text, extra);
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  int rc = bidsim_scenario_load_string(text, strlen(text), "ext.yaml", &sc, &err);
  if (rc) fail_msg("%s: %s", err.where, err.msg);
  return sc;
}

static void out_path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/test_external_%s_%ld.h5", BIDSIM_BUILD_DIR, name, (long)getpid());
}

/* Sum over the file's units and days of one plan's clicks and clamps. */
static void totals(const char *path, uint32_t plan, int64_t *clicks, int64_t *clamps) {
  bidsim_results_t *r = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(path, &r, &err), BIDSIM_OK);
  bidsim_results_dims_t d;
  bidsim_results_dims(r, &d);
  bidsim_day_slab_t slab;
  assert_int_equal(bidsim_day_slab_init(&slab, d.plans, d.products, &err), BIDSIM_OK);
  *clicks = *clamps = 0;
  for (uint32_t v = 0; v < d.variants; v++)
    for (uint32_t rep = 0; rep < d.replicates; rep++)
      for (uint32_t day = 0; day < d.days; day++) {
        assert_int_equal(bidsim_results_read_day(r, v, rep, day, &slab, &err), BIDSIM_OK);
        for (int s = 0; s < BIDSIM_SEG_COUNT; s++) *clicks += BIDSIM_SLAB_PS(&slab, BIDSIM_METRIC_CLICKS, plan, s);
        *clamps += slab.extra[BIDSIM_EXTRA_CLAMPS][plan];
      }
  bidsim_day_slab_free(&slab);
  bidsim_results_close(r);
}

static int run(const bidsim_scenario_t *sc, const char *out, bidsim_error_t *err) {
  bidsim_run_options_t opt = { .threads = 1 };
  return bidsim_job_run(sc, out, &opt, NULL, err);
}

static void test_one_instance_per_unit_runs_every_plan_of_a_setting(void **state) {
  (void)state;
  bidsim_scenario_t *sc = load("");
  rec_t ac = { 0 }, b = { 0 };
  bidsim_error_t err;
  assert_int_equal(bidsim_scenario_set_external(sc, 0, &rec_table, &ac, "t:AC", &err), BIDSIM_OK);
  assert_int_equal(bidsim_scenario_set_external(sc, 2, &rec_table, &ac, "t:AC", &err), BIDSIM_OK);
  assert_int_equal(bidsim_scenario_set_external(sc, 1, &rec_table, &b, "t:B", &err), BIDSIM_OK);
  assert_int_equal(ac.refs, 2);
  char out[512];
  out_path(out, sizeof out, "groups");
  assert_int_equal(run(sc, out, &err), BIDSIM_OK);
  /* 2 replicates x 1 variant: an instance per unit and setting */
  assert_int_equal(ac.begins, 2);
  assert_int_equal(ac.ends, 2);
  assert_int_equal(b.begins, 2);
  assert_int_equal(ac.count, 2);
  assert_string_equal(ac.names[0], "A");
  assert_string_equal(ac.names[1], "C");
  assert_int_equal(b.count, 1);
  assert_string_equal(b.names[0], "B");
  assert_int_equal(ac.bad_batches, 0);
  /* an update at each minute with traffic: far more than the 2 x 2 days */
  assert_true(ac.updates > 2 * 2 * 60);
  assert_int_equal(ac.updates, b.updates);
  /* the day's end once per unit and day, at 24:00 with all traffic in */
  assert_int_equal(ac.day_ends, 4);
  assert_int_equal(ac.day_end_second, 86400);
  assert_true(ac.day_end_done == 1.0);
  /* every click of A and C reached the instance */
  int64_t ca, cc, clamps;
  totals(out, 0, &ca, &clamps);
  totals(out, 2, &cc, &clamps);
  assert_true(ca + cc > 0);
  assert_int_equal(ac.clicks, ca + cc);
  assert_int_equal(clamps, 0);   /* pre-filled bids kept: nothing to clamp */
  unlink(out);
  bidsim_scenario_free(sc);
  assert_int_equal(ac.refs, 0);   /* every setting released its context */
  assert_int_equal(b.refs, 0);
}

static void test_external_bids_are_clamped_and_counted(void **state) {
  (void)state;
  bidsim_scenario_t *sc = load("");
  rec_t r = { .ask_li = 200000 };   /* 200 yuan for every segment: above 99.00 */
  bidsim_error_t err;
  assert_int_equal(bidsim_scenario_set_external(sc, 0, &rec_table, &r, "t:wild", &err), BIDSIM_OK);
  char out[512];
  out_path(out, sizeof out, "clamps");
  assert_int_equal(run(sc, out, &err), BIDSIM_OK);
  int64_t clicks, clamps, clicks_b, clamps_b;
  totals(out, 0, &clicks, &clamps);
  totals(out, 1, &clicks_b, &clamps_b);
  /* the first update is clamped (to 90.00, then 99.00 for the segments); the
   * next ones ask 200 again against the clamped current bids: each of them
   * is clamped and counted too, as the host does for any strategy */
  assert_int_equal(clamps, r.updates);
  assert_int_equal(clamps_b, 0);
  /* at 90-99 yuan against bids near one yuan, A is shown and clicked */
  assert_true(clicks > clicks_b);
  unlink(out);
  bidsim_scenario_free(sc);
}

static void test_a_failing_update_stops_the_run_and_writes_nothing(void **state) {
  (void)state;
  bidsim_scenario_t *sc = load("");
  rec_t r = { .fail_at_update = 5 };
  bidsim_error_t err;
  assert_int_equal(bidsim_scenario_set_external(sc, 1, &rec_table, &r, "t:fail", &err), BIDSIM_OK);
  char out[512];
  out_path(out, sizeof out, "fail");
  unlink(out);
  assert_int_equal(run(sc, out, &err), BIDSIM_EPLUGIN);
  assert_non_null(strstr(err.msg, "update 5 failed on purpose"));
  assert_int_equal(r.updates, 5);   /* nothing ran past the failure */
  assert_int_equal(r.ends, r.begins);
  assert_int_equal(access(out, F_OK), -1);   /* no result file */
  char dir[600];
  bidsim_job_store_dir(out, dir, sizeof dir);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  bidsim_scenario_free(sc);
}

static void test_set_external_overrides_every_variant(void **state) {
  (void)state;
  bidsim_scenario_t *sc = load("variants:\n"
                               "  - {name: base}\n"
                               "  - name: paced\n"
                               "    plans: {B: {strategy: {kind: multiplier}}}\n");
  rec_t r = { 0 };
  bidsim_error_t err;
  assert_int_equal(bidsim_scenario_set_external(sc, 1, &rec_table, &r, "t:every", &err), BIDSIM_OK);
  assert_int_equal(bidsim_scenario_set_external(sc, 3, &rec_table, &r, "t:none", &err), BIDSIM_EINVAL);
  char *text = bidsim_scenario_resolved_yaml(sc);
  assert_non_null(strstr(text, "python: \"t:every\""));
  assert_null(strstr(text, "multiplier"));   /* the variant's own strategy for B is gone */
  bidsim_free(text);
  char out[512];
  out_path(out, sizeof out, "variants");
  assert_int_equal(run(sc, out, &err), BIDSIM_OK);
  assert_int_equal(r.begins, 4);   /* 2 variants x 2 replicates */
  unlink(out);
  bidsim_scenario_free(sc);
  assert_int_equal(r.refs, 0);
}

/* A resolver that takes "ok:..." and refuses anything else, naming the
 * parameter "target" when it is above 1. */
static double seen_target;
static int resolve(void *ctx, const char *spec, const bidsim_params_t *params, const char *path,
                   bidsim_sc_strategy_t *st, bidsim_error_t *err) {
  seen_target = bidsim_params_get(params, "target", -1);
  if (strncmp(spec, "ok:", 3) != 0) return bidsim_error_set(err, BIDSIM_EINVAL, "", "cannot import '%s'", spec);
  if (seen_target > 1) return bidsim_error_set(err, BIDSIM_EINVAL, "target", "target %g is above 1", seen_target);
  st->ext = &rec_table;
  st->ext_ctx = ctx;
  rec_retain(ctx);
  return BIDSIM_OK;
}

static int load_py(const char *spec, const char *target, rec_t *r, bidsim_scenario_t **sc, bidsim_error_t *err) {
  char strat[256], text[2048];
  snprintf(strat, sizeof strat,
           "variants:\n  - name: py\n    plans:\n      A:\n        strategy:\n          python: \"%s\"\n"
           "          params: {k: 2, target: %s}\n", spec, target);
  snprintf(text, sizeof text, scenario_text, strat);
  bidsim_scenario_options_t opt = { .load_plugins = true, .resolve_external = resolve, .resolve_ctx = r };
  return bidsim_scenario_load_string_opt(text, strlen(text), "py.yaml", &opt, sc, err);
}

static void test_the_resolver_makes_python_strategies_and_errors_point_at_the_key(void **state) {
  (void)state;
  rec_t r = { 0 };
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  assert_int_equal(load_py("ok:mod:Class", "0.5", &r, &sc, &err), BIDSIM_OK);
  assert_true(seen_target == 0.5);
  assert_string_equal(sc->variants[0].changes[0].strategy->ext_spec, "ok:mod:Class");
  assert_string_equal(sc->variants[0].changes[0].strategy->kind, "python");
  char *text = bidsim_scenario_resolved_yaml(sc);
  assert_non_null(strstr(text, "python: \"ok:mod:Class\""));
  bidsim_free(text);
  bidsim_scenario_free(sc);
  assert_int_equal(r.refs, 0);
  /* refused as a whole: at the python key */
  assert_int_equal(load_py("nope:mod", "0.5", &r, &sc, &err), BIDSIM_ESCHEMA);
  assert_string_equal(err.where, "py.yaml:18:20: variants[0].plans.A.strategy.python");
  assert_non_null(strstr(err.msg, "cannot import 'nope:mod'"));
  /* a parameter refused: at that parameter */
  assert_int_equal(load_py("ok:mod:Class", "2", &r, &sc, &err), BIDSIM_ESCHEMA);
  assert_string_equal(err.where, "py.yaml:19:34: variants[0].plans.A.strategy.params.target");
  assert_non_null(strstr(err.msg, "target 2 is above 1"));
  assert_int_equal(r.refs, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_one_instance_per_unit_runs_every_plan_of_a_setting),
    cmocka_unit_test(test_external_bids_are_clamped_and_counted),
    cmocka_unit_test(test_a_failing_update_stops_the_run_and_writes_nothing),
    cmocka_unit_test(test_set_external_overrides_every_variant),
    cmocka_unit_test(test_the_resolver_makes_python_strategies_and_errors_point_at_the_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
