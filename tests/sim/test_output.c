/* tests/sim/test_output.c - the result file writer and reader: nothing
 * appears under the target name before commit, abort leaves an existing file
 * untouched, labels and every dataset read back as written (whole, per unit
 * and per day), and a unit copied chunk by chunk (merge's path) equals the
 * original. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/output.h"

#define V 2
#define R 2
#define D 3
#define P 3
#define Q 2

static const char *const variants[V] = { "a", "b" };
static const char *const days[D] = { "2026-11-10", "2026-11-11", "2026-11-12" };
static const char *const plans[P] = { "P0", "P1", "P2" };
static const char *const shops[P] = { "S", "S", "T" };
static const int64_t caps[P] = { 100000, BIDSIM_CAP_UNLIMITED, 250000 };
static const uint8_t listed[P] = { 1, 1, 0 };
static const uint64_t ids[Q] = { 7, 9 };
static const char *const pnames[Q] = { "seven", "nine" };
static const char *const pshops[Q] = { "S", "T" };
static const uint32_t pplan[Q] = { 0, UINT32_MAX };

static bidsim_output_meta_t meta(void) {
  bidsim_output_meta_t m = {
    .scenario_text = "seed: 1\n", .resolved_text = "# resolved\n", .scenario_path = "x.yaml", .seed = 99,
    .day_labels = days, .variants = V, .variant_names = variants, .replicates = R, .days = D, .plans = P,
    .plan_names = plans, .plan_shops = shops, .plan_cap_li = caps, .plan_listed = listed, .products = Q,
    .product_ids = ids, .product_names = pnames, .product_shops = pshops, .product_plan = pplan,
    .fingerprint = 0xABCDEF };
  return m;
}

/* every value of slab (v, r, d) a distinct function of its place */
static void fill(bidsim_day_slab_t *s, uint32_t v, uint32_t r, uint32_t d) {
  bidsim_day_slab_clear(s);
  s->variant = v, s->replicate = r, s->day = d;
  int64_t base = 1000000 * v + 10000 * r + 100 * d;
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++)
    for (uint32_t p = 0; p < P; p++) {
      for (int g = 0; g < BIDSIM_SEG_COUNT; g++) BIDSIM_SLAB_PS(s, m, p, g) = base + 30 * m + 3 * p + g;
      for (int h = 0; h < BIDSIM_HOURS; h++) BIDSIM_SLAB_PH(s, m, h, p) = base + 1000 * m + 24 * p + h;
    }
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++)
    for (uint32_t q = 0; q < Q; q++) BIDSIM_SLAB_PR(s, m, q) = base - 7 * m - q;
  for (uint32_t p = 0; p < P; p++) {
    s->cap_hit_s[p] = p == 1 ? -1 : (int64_t)(3600 * (d + p));
    for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) s->extra[e][p] = base + 11 * e + p;
  }
  for (int h = 0; h < BIDSIM_HOURS; h++)
    for (int g = 0; g < BIDSIM_SEG_COUNT; g++) s->impressions[h][g] = base + 3 * h + g;
}

static char path[512], tmpname[600];

static void write_file(const char *p) {
  bidsim_output_meta_t m = meta();
  bidsim_writer_t *w = NULL;
  bidsim_error_t err;
  bidsim_day_slab_t s;
  assert_int_equal(bidsim_writer_open(p, &m, &w, &err), BIDSIM_OK);
  snprintf(tmpname, sizeof tmpname, "%s.tmp.%d", p, (int)getpid());
  assert_int_equal(access(tmpname, F_OK), 0);      /* written under a temporary name */
  assert_int_equal(bidsim_day_slab_init(&s, P, Q, &err), BIDSIM_OK);
  for (uint32_t v = 0; v < V; v++)
    for (uint32_t r = 0; r < R; r++)
      for (uint32_t d = 0; d < D; d++) {
        fill(&s, v, r, d);
        assert_int_equal(bidsim_writer_write_day(w, &s, &err), BIDSIM_OK);
      }
  s.plans = P + 1;   /* a slab of the wrong shape is refused */
  assert_int_equal(bidsim_writer_write_day(w, &s, &err), BIDSIM_EINVAL);
  s.plans = P;
  bidsim_day_slab_free(&s);
  assert_int_equal(bidsim_writer_commit(w, &err), BIDSIM_OK);
  assert_int_not_equal(access(tmpname, F_OK), 0);
  assert_int_equal(access(p, F_OK), 0);
}

static void test_round_trip(void **state) {
  (void)state;
  snprintf(path, sizeof path, "%s/test_output.h5", BIDSIM_BUILD_DIR);
  write_file(path);
  bidsim_results_t *r = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(path, &r, &err), BIDSIM_OK);
  bidsim_results_dims_t dm;
  bidsim_results_dims(r, &dm);
  assert_true(dm.variants == V && dm.replicates == R && dm.days == D && dm.plans == P && dm.products == Q);
  assert_int_equal(dm.seed, 99);
  assert_string_equal(bidsim_results_variant_name(r, 1), "b");
  assert_string_equal(bidsim_results_day_label(r, 2), "2026-11-12");
  assert_string_equal(bidsim_results_plan_shop(r, 2), "T");
  assert_int_equal(bidsim_results_plan_cap_li(r, 1), BIDSIM_CAP_UNLIMITED);
  assert_false(bidsim_results_plan_listed(r, 2));
  assert_int_equal(bidsim_results_product_id(r, 1), 9);
  assert_int_equal(bidsim_results_product_plan(r, 1), UINT32_MAX);
  assert_true(bidsim_results_fingerprint(r) == 0xABCDEF);
  assert_true(bidsim_results_complete(r));
  assert_string_equal(bidsim_results_scenario_text(r), "seed: 1\n");

  /* whole-table, per-unit and per-day reads agree with what was written */
  int64_t *all = malloc(sizeof(int64_t) * V * R * D * BIDSIM_HOURS * P);
  int64_t *unit = malloc(sizeof(int64_t) * D * BIDSIM_HOURS * P);
  bidsim_day_slab_t want, got;
  assert_int_equal(bidsim_day_slab_init(&want, P, Q, &err), BIDSIM_OK);
  assert_int_equal(bidsim_day_slab_init(&got, P, Q, &err), BIDSIM_OK);
  assert_int_equal(bidsim_results_read(r, BIDSIM_TABLE_PLAN_HOUR, BIDSIM_METRIC_SPEND_LI, all, &err), BIDSIM_OK);
  assert_int_equal(bidsim_results_read_unit(r, BIDSIM_TABLE_PLAN_HOUR, BIDSIM_METRIC_SPEND_LI, 1, 0, unit, &err), BIDSIM_OK);
  for (uint32_t v = 0; v < V; v++)
    for (uint32_t rep = 0; rep < R; rep++)
      for (uint32_t d = 0; d < D; d++) {
        fill(&want, v, rep, d);
        assert_int_equal(bidsim_results_read_day(r, v, rep, d, &got, &err), BIDSIM_OK);
        assert_memory_equal(got.plan_segment, want.plan_segment, sizeof(int64_t) * BIDSIM_METRIC_COUNT * P * 3);
        assert_memory_equal(got.plan_hour, want.plan_hour, sizeof(int64_t) * BIDSIM_METRIC_COUNT * BIDSIM_HOURS * P);
        assert_memory_equal(got.product, want.product, sizeof(int64_t) * BIDSIM_METRIC_COUNT * Q);
        assert_memory_equal(got.cap_hit_s, want.cap_hit_s, sizeof(int64_t) * P);
        for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) assert_memory_equal(got.extra[e], want.extra[e], sizeof(int64_t) * P);
        assert_memory_equal(got.impressions, want.impressions, sizeof want.impressions);
        /* (V, R, D, 24, P) row-major; plan_hour[m][h][p] in the slab */
        for (int h = 0; h < BIDSIM_HOURS; h++)
          for (uint32_t p = 0; p < P; p++) {
            int64_t x = BIDSIM_SLAB_PH(&want, BIDSIM_METRIC_SPEND_LI, h, p);
            assert_int_equal(all[(((size_t)(v * R + rep) * D + d) * BIDSIM_HOURS + h) * P + p], x);
            if (v == 1 && rep == 0) assert_int_equal(unit[((size_t)d * BIDSIM_HOURS + h) * P + p], x);
          }
      }
  free(all);
  free(unit);

  /* merge's path: every unit copied as stored gives the same datasets */
  char copy[600];
  snprintf(copy, sizeof copy, "%s/test_output_copy.h5", BIDSIM_BUILD_DIR);
  bidsim_output_meta_t m;
  bidsim_results_meta(r, &m);
  bidsim_writer_t *w = NULL;
  assert_int_equal(bidsim_writer_open(copy, &m, &w, &err), BIDSIM_OK);
  for (uint32_t v = 0; v < V; v++)
    for (uint32_t rep = 0; rep < R; rep++) assert_int_equal(bidsim_writer_copy_unit(w, r, v, rep, &err), BIDSIM_OK);
  assert_int_equal(bidsim_writer_commit(w, &err), BIDSIM_OK);
  bidsim_results_t *c = NULL;
  assert_int_equal(bidsim_results_open(copy, &c, &err), BIDSIM_OK);
  for (uint32_t d = 0; d < D; d++) {
    assert_int_equal(bidsim_results_read_day(c, 1, 1, d, &got, &err), BIDSIM_OK);
    fill(&want, 1, 1, d);
    assert_memory_equal(got.plan_hour, want.plan_hour, sizeof(int64_t) * BIDSIM_METRIC_COUNT * BIDSIM_HOURS * P);
    assert_memory_equal(got.extra[BIDSIM_EXTRA_PAUSED], want.extra[BIDSIM_EXTRA_PAUSED], sizeof(int64_t) * P);
  }
  bidsim_results_close(c);
  remove(copy);
  bidsim_day_slab_free(&want);
  bidsim_day_slab_free(&got);
  bidsim_results_close(r);
}

/* abort: the temporary file goes, an existing file of the name stays */
static void test_abort_keeps_existing(void **state) {
  (void)state;
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long before = ftell(f);
  fclose(f);
  bidsim_output_meta_t m = meta();
  bidsim_writer_t *w = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_writer_open(path, &m, &w, &err), BIDSIM_OK);
  bidsim_writer_abort(w);
  assert_int_not_equal(access(tmpname, F_OK), 0);
  f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  assert_int_equal(ftell(f), before);
  fclose(f);
  bidsim_results_t *r = NULL;
  assert_int_equal(bidsim_results_open(path, &r, &err), BIDSIM_OK);   /* still the complete old file */
  bidsim_results_close(r);
  remove(path);
}

int main(void) {
  const struct CMUnitTest tests[] = { cmocka_unit_test(test_round_trip), cmocka_unit_test(test_abort_keeps_existing) };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
