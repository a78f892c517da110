/* tests/sim/test_traffic.c - the impression samplers at the edges of their
 * 32-bit input: the draw 2^32 - 1 (once in 2^32 impressions, so every long
 * run meets it) is the last category, never one past the table; the draw 0
 * is the first category with traffic; one category and the table's full 64
 * both hold; and the shares come out as the thresholds say. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "sim/traffic.h"

static void equal_shares(double *s, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) s[i] = 1.0 / n;
}

static void category_draw_stays_in_the_table_at_both_extremes(void **state) {
  (void)state;
  static const uint32_t counts[] = { 1, 2, 3, 20, 63, 64 };
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
    const uint32_t n = counts[k];
    double shares[BIDSIM_CATEGORY_TABLE];
    equal_shares(shares, n);
    bidsim_category_sampler_t s;
    memset(&s, 0xA5, sizeof s);   /* no help from zeroed memory past the table */
    bidsim_category_sampler_init(&s, shares, n);
    assert_int_equal(bidsim_category_draw(&s, 0), 0);
    assert_int_equal(bidsim_category_draw(&s, UINT32_MAX), n - 1);
    assert_int_equal(bidsim_category_draw(&s, UINT32_MAX - 1), n - 1);
    /* every draw with the top byte of the last one */
    for (uint32_t u = 0xFF000000u; u != 0; u += 0x10001u) assert_true(bidsim_category_draw(&s, u) < n);
  }
}

static void category_draw_skips_leading_categories_without_traffic(void **state) {
  (void)state;
  const double shares[4] = { 0.0, 0.0, 0.5, 0.5 };
  bidsim_category_sampler_t s;
  bidsim_category_sampler_init(&s, shares, 4);
  assert_int_equal(bidsim_category_draw(&s, 0), 2);
  assert_int_equal(bidsim_category_draw(&s, 0x7FFFFFFFu), 2);
  assert_int_equal(bidsim_category_draw(&s, 0x80000000u), 3);
  assert_int_equal(bidsim_category_draw(&s, UINT32_MAX), 3);
}

/* More categories than the table: the scan over the shares, same edges. */
static void category_draw_beyond_the_table_scans_the_shares(void **state) {
  (void)state;
  enum { N = 100 };
  double shares[N];
  equal_shares(shares, N);
  bidsim_category_sampler_t s;
  bidsim_category_sampler_init(&s, shares, N);
  assert_int_equal(bidsim_category_draw(&s, 0), 0);
  assert_int_equal(bidsim_category_draw(&s, UINT32_MAX), N - 1);
  assert_int_equal(bidsim_category_draw(&s, 0x81000000u), N / 2);   /* 0.5039: inside category 50 */
}

/* The threshold walk is exact: category c gets exactly the 32-bit draws
 * below its cumulative threshold, so over an evenly spaced sweep of the
 * draws each of 3 categories with shares .5/.3/.2 gets its share to
 * within one step of the sweep (2^-16 of the range). */
static void category_shares_match_the_thresholds(void **state) {
  (void)state;
  const double shares[3] = { 0.5, 0.3, 0.2 };
  bidsim_category_sampler_t s;
  bidsim_category_sampler_init(&s, shares, 3);
  uint64_t hits[3] = { 0 };
  const uint32_t steps = 1u << 16;
  for (uint32_t i = 0; i < steps; i++) hits[bidsim_category_draw(&s, i << 16 | 0x8000u)]++;
  for (int c = 0; c < 3; c++) assert_true(hits[c] >= shares[c] * steps - 1 && hits[c] <= shares[c] * steps + 1);
}

static void segment_draw_edges(void **state) {
  (void)state;
  const double shares[3] = { 0.70, 0.15, 0.15 };
  bidsim_segment_sampler_t s;
  bidsim_segment_sampler_init(&s, shares);
  assert_int_equal(bidsim_segment_draw(&s, 0), BIDSIM_SEG_ORDINARY);
  assert_int_equal(bidsim_segment_draw(&s, UINT32_MAX), BIDSIM_SEG_SIMILAR);
  assert_int_equal(bidsim_segment_draw(&s, s.thr[0] - 1), BIDSIM_SEG_ORDINARY);
  assert_int_equal(bidsim_segment_draw(&s, s.thr[0]), BIDSIM_SEG_SHOP);
  assert_int_equal(bidsim_segment_draw(&s, s.thr[1]), BIDSIM_SEG_SIMILAR);
  /* everyone ordinary: even the last draw */
  const double all[3] = { 1.0, 0.0, 0.0 };
  bidsim_segment_sampler_init(&s, all);
  assert_int_equal(bidsim_segment_draw(&s, UINT32_MAX - 1), BIDSIM_SEG_ORDINARY);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(category_draw_stays_in_the_table_at_both_extremes),
    cmocka_unit_test(category_draw_skips_leading_categories_without_traffic),
    cmocka_unit_test(category_draw_beyond_the_table_scans_the_shares),
    cmocka_unit_test(category_shares_match_the_thresholds),
    cmocka_unit_test(segment_draw_edges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
