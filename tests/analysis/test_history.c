/* tests/analysis/test_history.c - the promotion report reader: the header
 * names it accepts, the cells (dates, counts, money in whole fen), the
 * rules with their boundaries on both sides, RFC 4180 quoting, encodings,
 * and where each error points (FILE:LINE:COL: HEADER); SHA-256 against the
 * FIPS 180-4 examples. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "analysis/history.h"
#include "analysis/sha256.h"

static const char scenario[] =
  "traffic: {impressions_per_day: 1000}\n"
  "shops:\n"
  "  - name: 小家居\n"
  "    products:\n"
  "      - {id: 1001, name: 收纳盒, sales: 900}\n"
  "      - {id: 1002, name: Linen, sales: 900}\n"
  "  - name: Other\n"
  "    products: [{id: 7, sales: 900}]\n"
  "plans:\n"
  "  - {name: 厨房, shop: 小家居, products: [1001, 1002], bids: {ordinary: 1.00}}\n"
  "  - {name: \"Home, kitchen\", shop: 小家居, products: [1001], bids: {ordinary: 1.00}}\n"
  "  - {name: 618, shop: Other, products: [7], bids: {ordinary: 1.00}}\n";

static bidsim_scenario_t *sc;

static int setup(void **state) {
  (void)state;
  bidsim_error_t err;
  return bidsim_scenario_load_string(scenario, strlen(scenario), "t.yaml", &sc, &err);
}

static int teardown(void **state) {
  (void)state;
  bidsim_scenario_free(sc);
  return 0;
}

static const char H[] = "日期,计划名称,曝光量,点击量,花费(元),成交笔数,成交金额(元)\n";

/* Parse @p text; on failure the code, with err filled. */
static int parse(const char *text, bidsim_history_t **h, bidsim_error_t *err) {
  return bidsim_history_parse(text, strlen(text), "r.csv", sc, h, err);
}

/* The report @p text is refused with @p code at @p where, the message
 * holding @p msg. */
static void refused(const char *text, int code, const char *where, const char *msg) {
  bidsim_history_t *h = NULL;
  bidsim_error_t err;
  int rc = parse(text, &h, &err);
  if (rc != code || strncmp(err.where, where, strlen(where)) || !strstr(err.msg, msg))
    fail_msg("got %d '%s: %s', want %d '%s...: ...%s...'", rc, err.where, err.msg, code, where, msg);
  assert_null(h);
}

static bidsim_history_t *read_ok(const char *text) {
  bidsim_history_t *h = NULL;
  bidsim_error_t err;
  int rc = parse(text, &h, &err);
  if (rc) fail_msg("refused: %s: %s", err.where, err.msg);
  return h;
}

static void test_chinese_headers_bom_and_units_are_read(void **state) {
  (void)state;
  char text[1024];
  snprintf(text, sizeof text, "\xEF\xBB\xBF%s2026-03-02,厨房,1000,40,50.10,2,199.99\n2026-03-03,厨房,900,30,45,1,99\n", H);
  bidsim_history_t *h = read_ok(text);
  assert_int_equal(h->days, 2);
  assert_int_equal(h->rows, 2);
  assert_int_equal(h->first.year, 2026);
  assert_int_equal(h->first.month, 3);
  assert_int_equal(h->first.day, 2);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 0, 0, BIDSIM_METRIC_EXPOSURES), 1000);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 0, 0, BIDSIM_METRIC_CLICKS), 40);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 0, 0, BIDSIM_METRIC_SPEND_LI), 50100);   /* yuan to li, exactly */
  assert_int_equal(BIDSIM_HISTORY_AT(h, 0, 0, BIDSIM_METRIC_CONVERSIONS), 2);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 0, 0, BIDSIM_METRIC_ORDER_VALUE_LI), 199990);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 0, 1, BIDSIM_METRIC_SPEND_LI), 45000);
  assert_int_equal(h->seen[0], 1);
  assert_int_equal(h->seen[1], 1);
  assert_int_equal(h->seen[h->days], 0);   /* plan 1 has no rows */
  assert_int_equal(h->delimiter, ',');
  bidsim_history_free(h);
}

static void test_english_headers_tabs_and_quotes_are_read(void **state) {
  (void)state;
  bidsim_history_t *h = read_ok(
    "Date\tCampaign\tImpressions\tClicks\tCost\tConversions\tRevenue\tCTR\r\n"
    "2026/3/2\t\"Home, kitchen\"\t\"1,234\"\t\"5\"\t\"¥1,000.5\"\t0\t0\t0.4%\r\n"
    "20260303\t\"Home, kitchen\"\t10\t10\t0.01\t0\t0\t100%\r\n"
    "2026年3月4日\t\"Home, kitchen\"\t0\t0\t0\t0\t0\t-\r\n");
  assert_int_equal(h->delimiter, '\t');
  assert_int_equal(h->days, 3);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 1, 0, BIDSIM_METRIC_EXPOSURES), 1234);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 1, 0, BIDSIM_METRIC_SPEND_LI), 1000500);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 1, 1, BIDSIM_METRIC_CLICKS), 10);   /* clicks = exposures: allowed */
  bidsim_history_free(h);
}

static void test_quoted_line_break_and_doubled_quote_are_one_field(void **state) {
  (void)state;
  const char *text =
    "date,plan,exposures,clicks,spend,orders,order value,note\n"
    "2026-03-02,厨房,10,1,1,0,0,\"two\nlines, and a \"\"quote\"\"\"\n"
    "2026-03-03,厨房,10,1,1,0,0,x\n";
  bidsim_history_t *h = read_ok(text);
  assert_int_equal(h->rows, 2);
  bidsim_history_free(h);
  /* the line numbers after a field that spans two lines */
  refused("date,plan,exposures,clicks,spend,orders,order value,note\n"
          "2026-03-02,厨房,10,1,1,0,0,\"two\nlines\"\n"
          "2026-03-03,厨房,10,-1,1,0,0,x\n", BIDSIM_EINVAL, "r.csv:4:18: clicks", "negative");
}

static void test_product_rows_sum_to_the_plan_day(void **state) {
  (void)state;
  bidsim_history_t *h = read_ok(
    "日期,推广计划,商品ID,展现量,点击量,花费,成交笔数,成交金额\n"
    "2026-03-02,厨房,1001,100,10,10.00,1,50.00\n"
    "2026-03-02,厨房,Linen,50,5,5.50,0,0\n"
    "2026-03-03,厨房,1001,100,10,10.00,1,50.00\n");
  assert_true(h->by_product);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 0, 0, BIDSIM_METRIC_EXPOSURES), 150);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 0, 0, BIDSIM_METRIC_SPEND_LI), 15500);
  bidsim_history_free(h);
  refused("日期,推广计划,商品ID,展现量,点击量,花费,成交笔数,成交金额\n2026-03-02,厨房,7,100,10,10.00,1,50.00\n",
          BIDSIM_EMISMATCH, "r.csv:2:15: 商品ID", "product '7' is not in plan '厨房'");
  refused("日期,推广计划,商品ID,展现量,点击量,花费,成交笔数,成交金额\n"
          "2026-03-02,厨房,1001,100,10,10.00,1,50.00\n2026-03-02,厨房,1001,100,10,10.00,1,50.00\n",
          BIDSIM_EINVAL, "r.csv:3:1: 日期", "duplicate of line 2");
}

static void test_totals_and_blank_rows_are_skipped(void **state) {
  (void)state;
  char text[512];
  snprintf(text, sizeof text, "%s\n2026-03-02,厨房,10,1,1,0,0\n,,,,,,\n合计,,10,1,1,0,0\n", H);
  bidsim_history_t *h = read_ok(text);
  assert_int_equal(h->rows, 1);
  bidsim_history_free(h);
}

static void test_missing_columns_are_named(void **state) {
  (void)state;
  refused("日期,计划名称,曝光量,点击量,花费\n2026-03-02,厨房,1,1,1\n", BIDSIM_EPARSE, "r.csv:1:1",
          "missing column(s): orders, order value");
  refused("日期,计划名称,曝光量,展现量,点击量,花费,成交笔数,成交金额\n", BIDSIM_EPARSE, "r.csv:1:13",
          "two columns for exposures: '曝光量' (column 3) and '展现量'");
  refused("", BIDSIM_EPARSE, "r.csv", "empty");
  refused(H, BIDSIM_EPARSE, "r.csv", "no data rows");
}

static void test_plans_must_be_the_scenarios(void **state) {
  (void)state;
  char text[512];
  snprintf(text, sizeof text, "%s2026-03-02,厨房用品,10,1,1,0,0\n", H);
  refused(text, BIDSIM_EMISMATCH, "r.csv:2:12: 计划名称", "plan '厨房用品' is not in the scenario (its plans: 厨房, Home, kitchen, 618)");
  snprintf(text, sizeof text, "%s2026-03-02,12.5,10,1,1,0,0\n", H);
  refused(text, BIDSIM_EMISMATCH, "r.csv:2:12: 计划名称", "a number (12.5) where a plan name is expected");
  /* a plan named like a number is a plan */
  snprintf(text, sizeof text, "%s2026-03-02,618,10,1,1,0,0\n", H);
  bidsim_history_t *h = read_ok(text);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 2, 0, BIDSIM_METRIC_EXPOSURES), 10);
  bidsim_history_free(h);
}

static void test_counts_are_whole_and_not_negative(void **state) {
  (void)state;
  char text[512];
  snprintf(text, sizeof text, "%s2026-03-02,厨房,10,-1,1,0,0\n", H);
  refused(text, BIDSIM_EINVAL, "r.csv:2:18: 点击量", "clicks -1 is negative");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,10,0,-0.01,0,0\n", H);
  refused(text, BIDSIM_EINVAL, "r.csv:2:20: 花费(元)", "spend -0.01 is negative");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,10.5,0,0,0,0\n", H);
  refused(text, BIDSIM_EINVAL, "r.csv:2:15: 曝光量", "not a whole number");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,1,2,0,0,0\n", H);
  refused(text, BIDSIM_EINVAL, "r.csv:2:17: 点击量", "2 clicks are more than the 1 exposures");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,1,2,3\n", H);
  refused(text, BIDSIM_EPARSE, "r.csv:2:19", "the row has 5 fields");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,1e3,0,0,0,0\n", H);
  refused(text, BIDSIM_EPARSE, "r.csv:2:15: 曝光量", "a number is expected, got '1e3'");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,1,23,0,0,0\n", H);
  refused(text, BIDSIM_EINVAL, "r.csv:2:17", "clicks are more than");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,\"1,23\",0,0,0,0\n", H);
  refused(text, BIDSIM_EPARSE, "r.csv:2:15: 曝光量", "misplaced thousands separators");
  /* -0 and 0 are zero */
  snprintf(text, sizeof text, "%s2026-03-02,厨房,0,-0,0.00,0,-0.00\n", H);
  bidsim_history_free(read_ok(text));
}

static void test_money_has_at_most_two_decimals(void **state) {
  (void)state;
  char text[512];
  snprintf(text, sizeof text, "%s2026-03-02,厨房,10,1,0.001,0,0\n", H);
  refused(text, BIDSIM_EINVAL, "r.csv:2:20: 花费(元)", "more than 2 decimals");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,10,1,0.01,0,99.999\n", H);
  refused(text, BIDSIM_EINVAL, "r.csv:2:27: 成交金额(元)", "more than 2 decimals");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,10,1,0.010,0,99.990\n", H);   /* trailing zeros are not fen */
  refused(text, BIDSIM_EINVAL, "r.csv:2:20", "more than 2 decimals");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,10,1,0.1,0,99.99\n", H);
  bidsim_history_t *h = read_ok(text);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 0, 0, BIDSIM_METRIC_SPEND_LI), 100);
  assert_int_equal(BIDSIM_HISTORY_AT(h, 0, 0, BIDSIM_METRIC_ORDER_VALUE_LI), 99990);
  bidsim_history_free(h);
}

static void test_dates_are_real_unique_and_in_order(void **state) {
  (void)state;
  char text[1024];
  snprintf(text, sizeof text, "%s2026-02-29,厨房,10,1,1,0,0\n", H);
  refused(text, BIDSIM_EPARSE, "r.csv:2:1: 日期", "a date (YYYY-MM-DD) is expected, got '2026-02-29'");
  snprintf(text, sizeof text, "%s2028-02-29,厨房,10,1,1,0,0\n", H);   /* a leap day */
  bidsim_history_free(read_ok(text));
  snprintf(text, sizeof text, "%s2026-03-02,厨房,10,1,1,0,0\n2026-03-02,厨房,10,1,1,0,0\n", H);
  refused(text, BIDSIM_EINVAL, "r.csv:3:1: 日期", "2026-03-02 is a duplicate of line 2 for plan '厨房'");
  snprintf(text, sizeof text, "%s2026-03-02,厨房,1,1,1,0,0\n2026-03-04,厨房,1,1,1,0,0\n2026-03-03,厨房,1,1,1,0,0\n", H);
  refused(text, BIDSIM_EINVAL, "r.csv:4:1: 日期", "2026-03-03 comes after 2026-03-04 (line 3)");
  snprintf(text, sizeof text, "%s2026-03-04,厨房,1,1,1,0,0\n2026-03-02,厨房,1,1,1,0,0\n2026-03-03,厨房,1,1,1,0,0\n", H);
  refused(text, BIDSIM_EINVAL, "r.csv:4:1: 日期", "must be in falling order");
  /* an export newest first, and one grouped by plan, are in order */
  snprintf(text, sizeof text, "%s2026-03-04,厨房,1,1,1,0,0\n2026-03-03,厨房,1,1,1,0,0\n2026-03-02,厨房,1,1,1,0,0\n", H);
  bidsim_history_t *h = read_ok(text);
  assert_int_equal(h->days, 3);
  assert_int_equal(h->last.day, 4);
  bidsim_history_free(h);
  snprintf(text, sizeof text, "%s2026-03-02,厨房,1,1,1,0,0\n2026-03-03,厨房,1,1,1,0,0\n"
                              "2026-03-02,618,1,1,1,0,0\n2026-03-05,618,1,1,1,0,0\n", H);
  h = read_ok(text);
  assert_int_equal(h->days, 4);
  assert_int_equal(h->seen[2 * h->days + 1], 0);   /* 618 on 03-03: not in the report */
  assert_int_equal(h->seen[2 * h->days + 3], 1);
  bidsim_history_free(h);
}

static void test_text_must_be_utf8_and_quotes_closed(void **state) {
  (void)state;
  char text[512];
  snprintf(text, sizeof text, "%s2026-03-02,\xB3\xF8\xB7\xBF,10,1,1,0,0\n", H);   /* 厨房 in GBK */
  refused(text, BIDSIM_EPARSE, "r.csv:2:12", "byte 0xB3 is not UTF-8");
  refused("\xFF\xFE" "d\0a\0", BIDSIM_EPARSE, "r.csv", "UTF-16");
  snprintf(text, sizeof text, "%s2026-03-02,\xED\xA0\x80,10,1,1,0,0\n", H);   /* a surrogate */
  refused(text, BIDSIM_EPARSE, "r.csv:2:12", "byte 0xED is not UTF-8");
  snprintf(text, sizeof text, "%s2026-03-02,\xC0\xAF,10,1,1,0,0\n", H);        /* an overlong '/' */
  refused(text, BIDSIM_EPARSE, "r.csv:2:12", "byte 0xC0 is not UTF-8");
  snprintf(text, sizeof text, "%s2026-03-02,\"厨房,10,1,1,0,0\n", H);
  refused(text, BIDSIM_EPARSE, "r.csv:2:12", "never closed");
  snprintf(text, sizeof text, "%s2026-03-02,\"厨房\"x,10,1,1,0,0\n", H);
  refused(text, BIDSIM_EPARSE, "r.csv:2:16", "text after a closing quote");
}

/* FIPS 180-4 / NIST examples: "abc", the empty string, and the 448-bit
 * message that needs a second padding block. */
static void test_sha256_matches_the_standards_examples(void **state) {
  (void)state;
  char hex[65];
  bidsim_sha256_hex("abc", 3, hex);
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  bidsim_sha256_hex("", 0, hex);
  assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  bidsim_sha256_hex(m, strlen(m), hex);
  assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  char a[1000];
  memset(a, 'a', sizeof a);
  bidsim_sha256_hex(a, 64, hex);   /* exactly one block, then a block of padding */
  assert_string_equal(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chinese_headers_bom_and_units_are_read),
    cmocka_unit_test(test_english_headers_tabs_and_quotes_are_read),
    cmocka_unit_test(test_quoted_line_break_and_doubled_quote_are_one_field),
    cmocka_unit_test(test_product_rows_sum_to_the_plan_day),
    cmocka_unit_test(test_totals_and_blank_rows_are_skipped),
    cmocka_unit_test(test_missing_columns_are_named),
    cmocka_unit_test(test_plans_must_be_the_scenarios),
    cmocka_unit_test(test_counts_are_whole_and_not_negative),
    cmocka_unit_test(test_money_has_at_most_two_decimals),
    cmocka_unit_test(test_dates_are_real_unique_and_in_order),
    cmocka_unit_test(test_text_must_be_utf8_and_quotes_closed),
    cmocka_unit_test(test_sha256_matches_the_standards_examples),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
