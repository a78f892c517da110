/* tests/engine/test_rules.c - docs/model.md §1's platform rules at and just past
 * every boundary, and the messages naming field, value and limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "bidsim/rules.h"

static void bids3(int64_t *b, int64_t base, int64_t shop, int64_t similar) { b[0] = base; b[1] = shop; b[2] = similar; }

static void bid_below_min_is_rejected(void **state) {
  bidsim_error_t err;
  assert_int_equal(bidsim_rule_check_bid(90, "bids.ordinary", &err), BIDSIM_EBIDRANGE);  /* 0.09 */
  assert_string_equal(err.where, "bids.ordinary");
  assert_non_null(strstr(err.msg, "0.09"));
  assert_non_null(strstr(err.msg, "0.10"));
  assert_int_equal(bidsim_rule_check_bid(100, "b", &err), BIDSIM_OK);                    /* 0.10 */
}

static void bid_above_max_is_rejected(void **state) {
  bidsim_error_t err;
  assert_int_equal(bidsim_rule_check_bid(99000, "b", &err), BIDSIM_OK);                  /* 99.00 */
  assert_int_equal(bidsim_rule_check_bid(99010, "b", &err), BIDSIM_EBIDRANGE);           /* 99.01 */
  assert_non_null(strstr(err.msg, "99.01"));
  assert_non_null(strstr(err.msg, "99.00"));
}

static void bid_must_be_whole_fen(void **state) {
  bidsim_error_t err;
  assert_int_equal(bidsim_rule_check_bid(105, "b", &err), BIDSIM_EBIDUNIT);              /* 0.105 */
  assert_non_null(strstr(err.msg, "0.105"));
  assert_int_equal(bidsim_rule_check_bid(110, "b", &err), BIDSIM_OK);                    /* 0.11 */
}

static void segment_premium_boundaries(void **state) {
  bidsim_error_t err;
  int64_t b[3];
  /* base 1.00: 9% -> 1.09 rejected, 10% -> 1.10 allowed, 300% -> 4.00 allowed, 301% -> 4.01 rejected */
  bids3(b, 1000, 1090, 1100);
  assert_int_equal(bidsim_rule_check_bids(b, "plan.bids", &err), BIDSIM_EPREMIUM);
  assert_string_equal(err.where, "plan.bids.shop");
  assert_non_null(strstr(err.msg, "1.09"));
  assert_non_null(strstr(err.msg, "1.10"));
  bids3(b, 1000, 1100, 4000);
  assert_int_equal(bidsim_rule_check_bids(b, "plan.bids", &err), BIDSIM_OK);
  bids3(b, 1000, 1100, 4010);
  assert_int_equal(bidsim_rule_check_bids(b, "plan.bids", &err), BIDSIM_EPREMIUM);
  assert_string_equal(err.where, "plan.bids.similar");
  assert_non_null(strstr(err.msg, "4.00"));
}

static void segment_premium_is_exact_for_odd_bases(void **state) {
  bidsim_error_t err;
  int64_t b[3];
  /* base 0.33: x1.10 = 0.363, so 0.36 is below and 0.37 is the smallest bid allowed */
  bids3(b, 330, 360, 370);
  assert_int_equal(bidsim_rule_check_bids(b, "p", &err), BIDSIM_EPREMIUM);
  assert_non_null(strstr(err.msg, "0.37"));
  bids3(b, 330, 370, 1320);   /* x4.00 = 1.32 exactly: allowed */
  assert_int_equal(bidsim_rule_check_bids(b, "p", &err), BIDSIM_OK);
  bids3(b, 330, 370, 1330);
  assert_int_equal(bidsim_rule_check_bids(b, "p", &err), BIDSIM_EPREMIUM);
}

static void segment_bids_are_checked_for_range_first(void **state) {
  bidsim_error_t err;
  int64_t b[3];
  bids3(b, 30000, 99010, 40000);   /* shop bid above 99.00 even though within premium */
  assert_int_equal(bidsim_rule_check_bids(b, "p", &err), BIDSIM_EBIDRANGE);
  assert_string_equal(err.where, "p.shop");
}

/* Premiums are compared as 100 x bid against (100 + pct) x base: only once
 * every bid is in range, so a huge bid is a range error, never a signed
 * overflow (the sanitizer build traps one). */
static void huge_bids_are_range_errors_without_overflow(void **state) {
  bidsim_error_t err;
  int64_t b[3];
  bids3(b, INT64_MAX, INT64_MAX, INT64_MAX);
  assert_int_equal(bidsim_rule_check_bids(b, "p", &err), BIDSIM_EBIDRANGE);
  assert_string_equal(err.where, "p.ordinary");
  bids3(b, 1000, INT64_MAX, 1100);
  assert_int_equal(bidsim_rule_check_bids(b, "p", &err), BIDSIM_EBIDRANGE);
  assert_string_equal(err.where, "p.shop");
  bids3(b, INT64_MIN, 1100, INT64_MIN);
  assert_int_equal(bidsim_rule_check_bids(b, "p", &err), BIDSIM_EBIDRANGE);
  assert_string_equal(err.where, "p.ordinary");
  bids3(b, 1000, 1100, INT64_MAX / 50);   /* 100 x bid overflows, 1.10 x base does not */
  assert_int_equal(bidsim_rule_check_bids(b, "p", &err), BIDSIM_EBIDRANGE);
  assert_string_equal(err.where, "p.similar");
}

/* The bounds are the tightest whole-fen bids the premium rule accepts:
 * each bound passes bidsim_rule_check_bids and one fen beyond it fails. */
static void premium_bounds_are_the_rule_s_edges(void **state) {
  (void)state;
  int64_t lo, hi, b[3];
  bidsim_rule_premium_bounds(1000, &lo, &hi);          /* 1.00 yuan: 1.10 .. 4.00 */
  assert_int_equal(lo, 1100);
  assert_int_equal(hi, 4000);
  bidsim_rule_premium_bounds(1230, &lo, &hi);          /* 1.23: 1.353 -> 1.36, 4.92 */
  assert_int_equal(lo, 1360);
  assert_int_equal(hi, 4920);
  for (int64_t base = 100; base <= 90000; base += 10) {
    bidsim_rule_premium_bounds(base, &lo, &hi);
    bids3(b, base, lo, hi);
    assert_int_equal(bidsim_rule_check_bids(b, "bids", NULL), BIDSIM_OK);
    bids3(b, base, lo - 10, hi);
    assert_int_not_equal(bidsim_rule_check_bids(b, "bids", NULL), BIDSIM_OK);
    bids3(b, base, lo, hi + 10);
    assert_int_not_equal(bidsim_rule_check_bids(b, "bids", NULL), BIDSIM_OK);
  }
  bidsim_rule_premium_bounds(30000, &lo, &hi);         /* 300.00 x 4 is capped at 99.00 */
  assert_int_equal(hi, 99000);
  bidsim_rule_premium_bounds(90010, &lo, &hi);         /* above 90.00: nothing fits */
  assert_true(lo > hi);
  bidsim_rule_premium_bounds(INT64_MAX, &lo, &hi);     /* no overflow: clamped to 99.00 first */
  assert_true(lo > hi && hi == 99000);
  bidsim_rule_premium_bounds(-5, &lo, &hi);
  assert_int_equal(lo, 0);
}

/* A premium written the platform's way ("+25%"): whole percent within
 * 10..300, the bid rounded up to whole fen (docs/model.md §1); every such
 * bid of every valid base passes the premium rule, +10% is the rule's own
 * lower bound, and the percent's edges are refused one past them. */
static void premium_bid_rounds_up_within_the_rule(void **state) {
  (void)state;
  bidsim_error_t err;
  int64_t bid = 0, lo, hi, b[3];
  assert_int_equal(bidsim_rule_premium_bid(1300, 25, &bid, "bids.similar", &err), BIDSIM_OK);
  assert_int_equal(bid, 1630);                                   /* 1.30 x 1.25 = 1.625 -> 1.63 */
  assert_int_equal(bidsim_rule_premium_bid(1300, 100, &bid, "b", &err), BIDSIM_OK);
  assert_int_equal(bid, 2600);
  assert_int_equal(bidsim_rule_premium_bid(1050, 23, &bid, "b", &err), BIDSIM_OK);
  assert_int_equal(bid, 1300);                                   /* 1.2915 -> 1.30, not 1.29 */
  assert_int_equal(bidsim_rule_premium_bid(950, 10, &bid, "b", &err), BIDSIM_OK);
  assert_int_equal(bid, 1050);                                   /* 1.045 -> 1.05 */
  assert_int_equal(bidsim_rule_premium_bid(1000, 9, &bid, "plans[0].bids.shop", &err), BIDSIM_EPREMIUM);
  assert_string_equal(err.where, "plans[0].bids.shop");
  assert_non_null(strstr(err.msg, "+9%"));
  assert_non_null(strstr(err.msg, "+10%"));
  assert_int_equal(bidsim_rule_premium_bid(1000, 301, &bid, "b", &err), BIDSIM_EPREMIUM);
  assert_non_null(strstr(err.msg, "+300%"));
  assert_int_equal(bidsim_rule_premium_bid(1000, 300, &bid, "b", &err), BIDSIM_OK);
  assert_int_equal(bid, 4000);
  /* +9% of 0.10 rounds up to 0.11, which the bid rule alone would pass:
   * the percent itself is the rule */
  assert_int_equal(bidsim_rule_premium_bid(100, 9, &bid, "b", &err), BIDSIM_EPREMIUM);
  assert_int_equal(bidsim_rule_premium_bid(INT64_MAX, 300, &bid, "b", &err), BIDSIM_OK);   /* clamped, no overflow */
  assert_int_equal(bid, 396000);
  for (int64_t base = 100; base <= 24750; base += 10)   /* 24.75 x 4 = 99.00 */
    for (int64_t pct = 10; pct <= 300; pct++) {
      assert_int_equal(bidsim_rule_premium_bid(base, pct, &bid, "b", NULL), BIDSIM_OK);
      assert_int_equal(bid % 10, 0);
      assert_true(100 * bid >= (100 + pct) * base && 100 * (bid - 10) < (100 + pct) * base);   /* the next fen up */
      bids3(b, base, bid, bid);
      assert_int_equal(bidsim_rule_check_bids(b, "bids", NULL), BIDSIM_OK);
      if (pct == 10) {
        bidsim_rule_premium_bounds(base, &lo, &hi);
        assert_int_equal(bid, lo);
      }
    }
}

static void cap_boundaries(void **state) {
  bidsim_error_t err;
  assert_int_equal(bidsim_rule_check_cap(99990, "daily_cap", &err), BIDSIM_ECAP);        /* 99.99 */
  assert_non_null(strstr(err.msg, "99.99"));
  assert_non_null(strstr(err.msg, "100"));
  assert_int_equal(bidsim_rule_check_cap(100000, "daily_cap", &err), BIDSIM_OK);         /* 100.00 */
  assert_int_equal(bidsim_rule_check_cap(BIDSIM_CAP_UNLIMITED, "daily_cap", &err), BIDSIM_OK);
  assert_int_equal(bidsim_rule_check_cap(0, "daily_cap", &err), BIDSIM_ECAP);
}

static void product_sales_and_status(void **state) {
  bidsim_error_t err;
  assert_int_equal(bidsim_rule_check_product(499, BIDSIM_PRODUCT_ON_SALE, "p", &err), BIDSIM_ESALES);
  assert_non_null(strstr(err.msg, "499"));
  assert_non_null(strstr(err.msg, "500"));
  assert_int_equal(bidsim_rule_check_product(500, BIDSIM_PRODUCT_ON_SALE, "p", &err), BIDSIM_OK);
  assert_int_equal(bidsim_rule_check_product(5000, BIDSIM_PRODUCT_DELISTED, "p", &err), BIDSIM_ENOTONSALE);
  assert_non_null(strstr(err.msg, "delisted"));
  assert_int_equal(bidsim_rule_check_product(5000, BIDSIM_PRODUCT_REMOVED, "p", &err), BIDSIM_ENOTONSALE);
  assert_non_null(strstr(err.msg, "removed"));
}

static void quality_and_name_limits(void **state) {
  bidsim_error_t err;
  assert_int_equal(bidsim_rule_check_quality(0, "q", &err), BIDSIM_EQUALITY);
  assert_int_equal(bidsim_rule_check_quality(1, "q", &err), BIDSIM_OK);
  assert_int_equal(bidsim_rule_check_quality(10000, "q", &err), BIDSIM_OK);
  assert_int_equal(bidsim_rule_check_quality(10001, "q", &err), BIDSIM_EQUALITY);
  char name[BIDSIM_NAME_MAX + 1];
  memset(name, 'x', sizeof name);
  name[BIDSIM_NAME_MAX] = '\0';       /* 64 bytes: one too many */
  assert_int_equal(bidsim_rule_check_plan_name(name, "n", &err), BIDSIM_EINVAL);
  name[BIDSIM_NAME_MAX - 1] = '\0';   /* 63 bytes: the longest allowed */
  assert_int_equal(bidsim_rule_check_plan_name(name, "n", &err), BIDSIM_OK);
  assert_int_equal(bidsim_rule_check_plan_name("", "n", &err), BIDSIM_EINVAL);
  assert_int_equal(bidsim_rule_check_plan_name(NULL, "n", NULL), BIDSIM_EINVAL);
}

static void li_formats_as_exact_yuan(void **state) {
  char buf[32];
  assert_string_equal(bidsim_li_to_yuan(100, buf), "0.10");
  assert_string_equal(bidsim_li_to_yuan(99000, buf), "99.00");
  assert_string_equal(bidsim_li_to_yuan(105, buf), "0.105");
  assert_string_equal(bidsim_li_to_yuan(-1500, buf), "-1.50");
  assert_string_equal(bidsim_li_to_yuan(BIDSIM_CAP_UNLIMITED, buf), "unlimited");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(bid_below_min_is_rejected),
    cmocka_unit_test(bid_above_max_is_rejected),
    cmocka_unit_test(bid_must_be_whole_fen),
    cmocka_unit_test(segment_premium_boundaries),
    cmocka_unit_test(segment_premium_is_exact_for_odd_bases),
    cmocka_unit_test(segment_bids_are_checked_for_range_first),
    cmocka_unit_test(huge_bids_are_range_errors_without_overflow),
    cmocka_unit_test(premium_bounds_are_the_rule_s_edges),
    cmocka_unit_test(premium_bid_rounds_up_within_the_rule),
    cmocka_unit_test(cap_boundaries),
    cmocka_unit_test(product_sales_and_status),
    cmocka_unit_test(quality_and_name_limits),
    cmocka_unit_test(li_formats_as_exact_yuan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
