/* tests/sim/test_unitstore.c - the unit store: a unit is visible only when
 * complete, survives a reopen with resume, is discarded without it, is
 * refused for another key; a damaged or truncated unit file is detected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim/unitstore.h"

#define PLANS 3
#define PRODUCTS 2
#define DAYS 2

static char dir[512];

static void fill(bidsim_day_slab_t *s, int64_t seed) {
  for (size_t i = 0; i < (size_t)BIDSIM_METRIC_COUNT * PLANS * BIDSIM_SEG_COUNT; i++) s->plan_segment[i] = seed + (int64_t)i;
  for (size_t i = 0; i < (size_t)BIDSIM_METRIC_COUNT * PLANS * BIDSIM_HOURS; i++) s->plan_hour[i] = seed * 7 + (int64_t)i;
  for (size_t i = 0; i < (size_t)BIDSIM_METRIC_COUNT * PRODUCTS; i++) s->product[i] = -seed - (int64_t)i;
  for (size_t i = 0; i < PLANS; i++) s->cap_hit_s[i] = seed % 2 ? -1 : 3600 * (int64_t)i;
  for (int h = 0; h < BIDSIM_HOURS; h++)
    for (int g = 0; g < BIDSIM_SEG_COUNT; g++) s->impressions[h][g] = seed * 100 + h;
}

static void write_unit(bidsim_unitstore_t *st, uint32_t unit, bool finish) {
  bidsim_day_slab_t s;
  bidsim_unit_file_t uf;
  bidsim_error_t err;
  assert_int_equal(bidsim_day_slab_init(&s, PLANS, PRODUCTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_unitstore_begin(st, unit, &uf, &err), BIDSIM_OK);
  for (uint32_t d = 0; d < DAYS; d++) {
    fill(&s, unit * 10 + d);
    assert_int_equal(bidsim_unitstore_append(st, &uf, &s, &err), BIDSIM_OK);
  }
  if (finish) assert_int_equal(bidsim_unitstore_finish(st, &uf, &err), BIDSIM_OK);
  else fclose(uf.f);   /* a unit in flight when the process died: a .tmp file stays */
  bidsim_day_slab_free(&s);
}

static void test_store(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "%s/test_unitstore.units", BIDSIM_BUILD_DIR);
  bidsim_unitstore_key_t key = { 0x1234, 2, 3, DAYS, PLANS, PRODUCTS };
  bidsim_unitstore_t *st = NULL;
  bidsim_error_t err;
  uint32_t discarded = 0;
  assert_int_equal(bidsim_unitstore_open(dir, &key, false, &st, &discarded, &err), BIDSIM_OK);
  write_unit(st, 0, true);
  write_unit(st, 4, true);
  write_unit(st, 5, false);
  assert_true(bidsim_unitstore_has(st, 0) && bidsim_unitstore_has(st, 4));
  assert_false(bidsim_unitstore_has(st, 5));
  bidsim_unitstore_close(st, false);

  /* resume: the complete units are found, the one in flight is not */
  assert_int_equal(bidsim_unitstore_open(dir, &key, true, &st, NULL, &err), BIDSIM_OK);
  assert_int_equal(bidsim_unitstore_count(st), 2);
  assert_true(bidsim_unitstore_has(st, 4));
  assert_false(bidsim_unitstore_has(st, 5));
  bidsim_day_slab_t got, want;
  assert_int_equal(bidsim_day_slab_init(&got, PLANS, PRODUCTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_day_slab_init(&want, PLANS, PRODUCTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_unitstore_read_day(st, 4, 1, &got, &err), BIDSIM_OK);
  fill(&want, 41);
  assert_memory_equal(got.plan_hour, want.plan_hour, sizeof(int64_t) * BIDSIM_METRIC_COUNT * PLANS * BIDSIM_HOURS);
  assert_memory_equal(got.cap_hit_s, want.cap_hit_s, sizeof(int64_t) * PLANS);
  assert_memory_equal(got.impressions, want.impressions, sizeof want.impressions);
  bidsim_unitstore_close(st, false);

  /* a flipped byte in unit 4's second day: the checksum catches it */
  char path[600];
  snprintf(path, sizeof path, "%s/u00000004.bin", dir);
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  fseek(f, -40, SEEK_END);
  int c = fgetc(f);
  fseek(f, -40, SEEK_END);
  fputc(c ^ 0x10, f);
  fclose(f);
  assert_int_equal(bidsim_unitstore_open(dir, &key, true, &st, NULL, &err), BIDSIM_OK);
  assert_false(bidsim_unitstore_has(st, 4));   /* a damaged unit is redone on resume */
  assert_true(bidsim_unitstore_has(st, 0));
  assert_int_equal(bidsim_unitstore_read_day(st, 4, 0, &got, &err), BIDSIM_OK);   /* day 0 intact */
  assert_int_equal(bidsim_unitstore_read_day(st, 4, 1, &got, &err), BIDSIM_EFORMAT);
  assert_non_null(strstr(err.msg, "checksum"));
  bidsim_unitstore_close(st, false);

  /* a truncated unit file is not a finished unit */
  assert_int_equal(truncate(path, 100), 0);
  assert_int_equal(bidsim_unitstore_open(dir, &key, true, &st, NULL, &err), BIDSIM_OK);
  assert_false(bidsim_unitstore_has(st, 4));
  assert_true(bidsim_unitstore_has(st, 0));
  bidsim_unitstore_close(st, false);

  /* another key (scenario, seed or version): resume is refused */
  bidsim_unitstore_key_t other = key;
  other.fingerprint = 0x4321;
  assert_int_equal(bidsim_unitstore_open(dir, &other, true, &st, NULL, &err), BIDSIM_EMISMATCH);
  assert_null(st);
  /* without resume the old units are discarded, and counted */
  assert_int_equal(bidsim_unitstore_open(dir, &other, false, &st, &discarded, &err), BIDSIM_OK);
  assert_int_equal(discarded, 2);   /* the files named as finished units: 0, and 4 though truncated */
  assert_int_equal(bidsim_unitstore_count(st), 0);
  bidsim_unitstore_close(st, true);
  assert_int_not_equal(access(dir, F_OK), 0);   /* removed with the store */
  bidsim_day_slab_free(&got);
  bidsim_day_slab_free(&want);
}

/* pack and unpack are inverse, in the documented order */
static void test_pack(void **state) {
  (void)state;
  bidsim_day_slab_t a, b;
  bidsim_error_t err;
  assert_int_equal(bidsim_day_slab_init(&a, PLANS, PRODUCTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_day_slab_init(&b, PLANS, PRODUCTS, &err), BIDSIM_OK);
  fill(&a, 5);
  size_t n = bidsim_slab_words(PLANS, PRODUCTS);
  assert_int_equal(n, (size_t)5 * PLANS * 27 + 5 * PRODUCTS + (1 + BIDSIM_EXTRA_COUNT) * PLANS + 72);
  int64_t *w = calloc(n, sizeof *w);
  bidsim_slab_pack(&a, w);
  assert_int_equal(w[0], a.plan_segment[0]);
  assert_int_equal(w[n - 1], a.impressions[23][2]);
  bidsim_slab_unpack(w, &b);
  assert_memory_equal(a.plan_segment, b.plan_segment, sizeof(int64_t) * 5 * PLANS * 3);
  assert_memory_equal(a.product, b.product, sizeof(int64_t) * 5 * PRODUCTS);
  free(w);
  bidsim_day_slab_free(&a);
  bidsim_day_slab_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = { cmocka_unit_test(test_store), cmocka_unit_test(test_pack) };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
