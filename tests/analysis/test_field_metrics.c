/* tests/analysis/test_field_metrics.c - pacing evenness (BAT), the
 * CPA-constrained score (AuctionNet) and capped time of one day, against
 * values worked out by hand, at the edges of each definition. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "close.h"
#include <math.h>
#include "analysis/field_metrics.h"

static void pacing_that_follows_the_traffic_scores_zero(void **state) {
  (void)state;
  int64_t traffic[BIDSIM_HOURS], spend[BIDSIM_HOURS];
  for (int h = 0; h < BIDSIM_HOURS; h++) {
    traffic[h] = 1000 + 37 * h;
    spend[h] = 3 * traffic[h];   /* the same shape at any scale */
  }
  assert_close(bidsim_pacing_rmse(spend, traffic), 0, 1e-15);
}

static void spending_everything_in_the_first_hour_scores_0_559(void **state) {
  (void)state;
  /* even traffic: T_h = (h + 1) / 24, S_h = 1, so the differences are
   * k / 24 for k = 23 ... 0 and RMSE = sqrt(sum k^2 / 24^3) =
   * sqrt(4324 / 13824) */
  int64_t traffic[BIDSIM_HOURS], spend[BIDSIM_HOURS] = { 5000 };
  for (int h = 0; h < BIDSIM_HOURS; h++) traffic[h] = 10;
  assert_close(bidsim_pacing_rmse(spend, traffic), sqrt(4324.0 / 13824), 1e-15);
  /* the mirror image, everything in the last hour: differences (h + 1) / 24
   * for h < 23, 0 at the end: sqrt(sum_{k=1}^{23} k^2 / 24^3), the same */
  int64_t late[BIDSIM_HOURS] = { 0 };
  late[23] = 7;
  assert_close(bidsim_pacing_rmse(late, traffic), sqrt(4324.0 / 13824), 1e-15);
}

static void half_the_spend_at_noon_by_hand(void **state) {
  (void)state;
  /* even traffic; half the day's spend in hour 0, half in hour 12:
   * S_h - T_h = 1/2 - (h+1)/24 for h < 12 and 1 - (h+1)/24 after, i.e.
   * (11 - h)/24 and (23 - h)/24: twice sum_{k=0}^{11} k^2 = 2 x 506 over 24^3 */
  int64_t traffic[BIDSIM_HOURS], spend[BIDSIM_HOURS] = { 0 };
  for (int h = 0; h < BIDSIM_HOURS; h++) traffic[h] = 1;
  spend[0] = spend[12] = 250;
  assert_close(bidsim_pacing_rmse(spend, traffic), sqrt(1012.0 / 13824), 1e-15);
}

static void no_spend_or_no_traffic_has_no_pacing(void **state) {
  (void)state;
  int64_t zero[BIDSIM_HOURS] = { 0 }, one[BIDSIM_HOURS] = { 0 };
  one[5] = 1;
  assert_true(isnan(bidsim_pacing_rmse(zero, one)));
  assert_true(isnan(bidsim_pacing_rmse(one, zero)));
  /* the smallest spend there is still has a shape */
  assert_false(isnan(bidsim_pacing_rmse(one, one)));
  assert_close(bidsim_pacing_rmse(one, one), 0, 0);
}

static void cpa_score_is_the_orders_up_to_the_target(void **state) {
  (void)state;
  /* 4 orders for 80 yuan: CPA 20; a target of 20 or more keeps all 4 */
  assert_close(bidsim_cpa_score(4, 80000, 20000), 4, 0);
  assert_close(bidsim_cpa_score(4, 80000, 25000), 4, 0);
  /* one li above the target: penalised, by (20000 / 20000.25)^2 */
  assert_close(bidsim_cpa_score(4, 80001, 20000), 4 * pow(20000 / 20000.25, 2), 1e-12);
  /* CPA twice the target: a quarter of the orders count */
  assert_close(bidsim_cpa_score(4, 160000, 20000), 1, 1e-15);
  /* no orders: 0, whatever the spend; orders for nothing: all of them */
  assert_close(bidsim_cpa_score(0, 50000, 20000), 0, 0);
  assert_close(bidsim_cpa_score(3, 0, 20000), 3, 0);
}

static void capped_time_runs_from_the_hit_to_midnight(void **state) {
  (void)state;
  assert_int_equal(bidsim_capped_seconds(-1), 0);
  assert_int_equal(bidsim_capped_seconds(0), 86400);
  assert_int_equal(bidsim_capped_seconds(43200), 43200);
  assert_int_equal(bidsim_capped_seconds(86399), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(pacing_that_follows_the_traffic_scores_zero),
    cmocka_unit_test(spending_everything_in_the_first_hour_scores_0_559),
    cmocka_unit_test(half_the_spend_at_noon_by_hand),
    cmocka_unit_test(no_spend_or_no_traffic_has_no_pacing),
    cmocka_unit_test(cpa_score_is_the_orders_up_to_the_target),
    cmocka_unit_test(capped_time_runs_from_the_hit_to_midnight),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
