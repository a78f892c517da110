/* tests/sim/test_scenario_notes.c - what the loader says besides its result
 * (issue 14): every sweep point that breaks a rule, at the user's file
 * (sim/scenario_sweep_report.c), and warnings for bids and caps most likely
 * typed in fen (sim/scenario_units.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/bidsim.h"
#include "sim/scenario.h"

static int load_notes(const char *text, bidsim_scenario_notes_t *notes, bidsim_scenario_t **sc, bidsim_error_t *err) {
  bidsim_scenario_options_t opt = { .load_plugins = false, .notes = notes };
  return bidsim_scenario_load_string_opt(text, strlen(text), "s.yaml", &opt, sc, err);
}

static uint32_t count_kind(const bidsim_scenario_notes_t *n, bidsim_note_kind_t kind) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < n->count; i++) k += n->note[i].kind == kind;
  return k;
}

/* A sweep point is loaded from a generated text: its error used to name a
 * position there ("sweep point 0:106:11"), and only the first bad point.
 * Now the error names the sweep key's line and column in the file, and
 * each bad point is a line at the key of the file that broke (the swept
 * value itself when it is the one), with the point's values and the rule. */
static void bad_sweep_points_are_each_named_at_the_file(void **state) {
  (void)state;
  static const char text[] =
    "traffic: {impressions_per_day: 1000}\n"                                                   /* 1 */
    "shops: [{name: S, products: [{id: 1, sales: 900}]}]\n"                                    /* 2 */
    "plans:\n"                                                                                 /* 3 */
    "  - {name: P, shop: S, products: [1], bids: {ordinary: 1.00, shop: 2.00, similar: 2.00}}\n" /* 4 */
    "  - {name: Q, shop: S, products: [1], cap: 300, bids: {ordinary: 1.00}}\n"               /* 5 */
    "sweep:\n"                                                                                 /* 6 */
    "  grid:\n"                                                                                /* 7 */
    "    plans[P].bids.ordinary: [1.00, 1.90]\n"                                               /* 8 */
    "    plans[Q].cap: [100, 99]\n";                                                           /* 9 */
  bidsim_scenario_notes_t notes = { 0, 0, NULL };
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  assert_int_equal(load_notes(text, &notes, &sc, &err), BIDSIM_ECAP);   /* point 1's code */
  assert_null(sc);
  assert_string_equal(err.where, "s.yaml:9:5: sweep.grid.plans[Q].cap");
  assert_string_equal(err.msg, "3 of 4 sweep points break a rule:");
  assert_int_equal(count_kind(&notes, BIDSIM_NOTE_DETAIL), 3);
  static const char *const want[][2] = {
    { "s.yaml:9:25: plans[1].cap", "point 1 (plans[P].bids.ordinary=1.00, plans[Q].cap=99): daily cap 99.00 yuan is below" },
    { "s.yaml:4:68: plans[0].bids.shop", "point 2 (plans[P].bids.ordinary=1.90, plans[Q].cap=100): shop bid 2.00 yuan is "
                                         "less than 10% above the base bid 1.90 yuan (minimum 2.09 yuan)" },
    { "s.yaml:4:68: plans[0].bids.shop", "point 3 (plans[P].bids.ordinary=1.90, plans[Q].cap=99): shop bid 2.00" },
  };
  for (uint32_t i = 0; i < 3; i++) {
    assert_int_equal(notes.note[i].kind, BIDSIM_NOTE_DETAIL);
    if (strcmp(notes.note[i].where, want[i][0]) || strncmp(notes.note[i].msg, want[i][1], strlen(want[i][1])))
      fail_msg("point line %u: '%s: %s', want '%s: %s...'", i, notes.note[i].where, notes.note[i].msg, want[i][0], want[i][1]);
  }
  bidsim_scenario_notes_free(&notes);
  assert_int_equal(notes.count, 0);
  /* without a notes list the message carries the first */
  assert_int_equal(load_notes(text, NULL, &sc, &err), BIDSIM_ECAP);
  assert_non_null(strstr(err.msg, "3 of 4 sweep points break a rule; the first at s.yaml:9:25: plans[1].cap: point 1"));

  /* a range is named at the range; a shape change at its sweep key */
  static const char range[] =
    "traffic: {impressions_per_day: 1000}\n"
    "shops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
    "plans: [{name: P, shop: S, products: [1], bids: {ordinary: 1.00}}]\n"
    "sweep:\n  grid:\n    plans[P].bids.ordinary: {start: 98.00, stop: 99.50, step: 0.50}\n";
  assert_int_equal(load_notes(range, &notes, &sc, &err), BIDSIM_EBIDRANGE);
  assert_string_equal(err.where, "s.yaml:6:5: sweep.grid.plans[P].bids.ordinary");
  assert_string_equal(err.msg, "4 of 4 sweep points break a rule:");   /* 98.00 x 1.10 is above 99.00 too */
  assert_string_equal(notes.note[3].where, "s.yaml:6:30: plans[0].bids.ordinary");
  assert_non_null(strstr(notes.note[3].msg, "point 3 (plans[P].bids.ordinary=99.50): bid 99.50 yuan is above the maximum"));
  bidsim_scenario_notes_free(&notes);
  static const char shape[] =
    "traffic: {impressions_per_day: 1000}\nmarket: {plans: 2}\nsweep:\n  grid:\n    market.plans: [2, 3]\n";
  assert_int_equal(load_notes(shape, &notes, &sc, &err), BIDSIM_ESCHEMA);
  assert_string_equal(err.where, "s.yaml:5:5: sweep.grid.market.plans");
  assert_int_equal(notes.count, 1);
  assert_string_equal(notes.note[0].where, "s.yaml:5:5: market.plans");
  assert_string_equal(notes.note[0].msg, "point 1 (market.plans=3): changes the number of shops or plans; every point must keep them");
  bidsim_scenario_notes_free(&notes);
}

/* Past 20 bad points the rest are counted in one last line; every point is
 * still checked (the count is of all of them). */
static void more_than_20_bad_points_are_counted(void **state) {
  (void)state;
  static const char text[] =
    "traffic: {impressions_per_day: 1000}\n"
    "shops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
    "plans: [{name: P, shop: S, products: [1], bids: {ordinary: 0.10, shop: 0.40}}]\n"
    "sweep:\n  grid:\n    plans[P].bids.ordinary: {start: 0.05, stop: 0.35, step: 0.01}\n";
  bidsim_scenario_notes_t notes = { 0, 0, NULL };
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  /* bases 0.05-0.09 are below the 0.10 minimum; from 0.10 to 0.35 the
   * shop bid 0.40 is within base x 1.10 .. base x 4.00 */
  assert_int_not_equal(load_notes(text, &notes, &sc, &err), BIDSIM_OK);
  assert_string_equal(err.msg, "5 of 31 sweep points break a rule:");
  bidsim_scenario_notes_free(&notes);
  static const char many[] =
    "traffic: {impressions_per_day: 1000}\n"
    "shops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
    "plans: [{name: P, shop: S, products: [1], bids: {ordinary: 0.10, shop: 0.40}}]\n"
    "sweep:\n  grid:\n    plans[P].bids.ordinary: {start: 0.50, stop: 0.99, step: 0.01}\n";
  assert_int_equal(load_notes(many, &notes, &sc, &err), BIDSIM_EPREMIUM);
  assert_string_equal(err.msg, "50 of 50 sweep points break a rule:");
  assert_int_equal(notes.count, 21);
  for (uint32_t i = 0; i < 20; i++) {
    char want[64];
    snprintf(want, sizeof want, "point %u (plans[P].bids.ordinary=0.%02u): ", i, 50 + i);
    if (strncmp(notes.note[i].msg, want, strlen(want))) fail_msg("line %u: '%s', want '%s'", i, notes.note[i].msg, want);
  }
  assert_string_equal(notes.note[20].where, "s.yaml:6:5: sweep.grid.plans[P].bids.ordinary");
  assert_string_equal(notes.note[20].msg, "and 30 more points breaking a rule");
  bidsim_scenario_notes_free(&notes);
}

/* A bid or cap typed in fen: a whole number 20 or more times the generated
 * market's median warns at its key, and the load succeeds as before. */
static const char fen[] =
  "traffic: {impressions_per_day: 1000}\n"
  "shops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
  "plans:\n"
  "  - {name: P, shop: S, products: [1], cap: %s, bids: {ordinary: %s, shop: %s}}\n"
  "market:\n"
  "  plans: %s\n"
  "  base_bid: {dist: fixed, value: 1.00}\n"
  "  premium_shop: {dist: fixed, value: 100}\n"
  "  cap: {dist: uniform, min: 100, max: 900}\n"
  "%s";

static void bids_and_caps_typed_in_fen_are_warned(void **state) {
  (void)state;
  static const struct { const char *cap, *ordinary, *shop, *plans; uint32_t warnings; const char *where, *msg; } cases[] = {
    /* the base median 1.00 yuan: 20 warns, 19 does not, 20.00 is meant */
    { "unlimited", "20", "+100%", "5", 1, "s.yaml:4:72: plans[0].bids.ordinary",
      "bid 20.00 yuan is 20 times the generated market's median base bid of 1.00 yuan: bids are in yuan, so 20 is "
      "20.00 yuan; did you mean 0.20? (write 20.00 if it is meant)" },
    { "unlimited", "19", "+100%", "5", 0, NULL, NULL },
    { "unlimited", "20.00", "+100%", "5", 0, NULL, NULL },
    /* the shop median: 1.00 raised by the median premium 100%: 40 warns, 39 not */
    { "unlimited", "10.00", "40", "5", 1, "s.yaml:4:85: plans[0].bids.shop", "median shop bid of 2.00 yuan" },
    { "unlimited", "10.00", "39", "5", 0, NULL, NULL },
    /* the cap median 500: 10000 warns (read as fen: 100.00, a valid cap), 9999 not */
    { "10000", "1.00", "+100%", "5", 1, "s.yaml:4:44: plans[0].cap",
      "cap 10000.00 yuan is 20 times the generated market's median cap of 500.00 yuan: caps are in yuan, so 10000 is "
      "10000.00 yuan; did you mean 100.00?" },
    { "9999", "1.00", "+100%", "5", 0, NULL, NULL },
    { "19000", "1.00", "+100%", "5", 1, "plans[0].cap", "did you mean 190.00?" },
    /* no generated market: nothing to compare with */
    { "50000", "50", "+10%", "0", 0, NULL, NULL },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char text[2048];
    snprintf(text, sizeof text, fen, cases[i].cap, cases[i].ordinary, cases[i].shop, cases[i].plans, "");
    bidsim_scenario_notes_t notes = { 0, 0, NULL };
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    if (load_notes(text, &notes, &sc, &err)) fail_msg("case %zu: %s: %s", i, err.where, err.msg);
    bidsim_scenario_free(sc);
    if (notes.count != cases[i].warnings) fail_msg("case %zu: %u notes, want %u", i, notes.count, cases[i].warnings);
    if (cases[i].warnings && (notes.note[0].kind != BIDSIM_NOTE_WARNING || !strstr(notes.note[0].where, cases[i].where) ||
                              !strstr(notes.note[0].msg, cases[i].msg)))
      fail_msg("case %zu: '%s: %s', want '%s' and '%s'", i, notes.note[0].where, notes.note[0].msg, cases[i].where, cases[i].msg);
    bidsim_scenario_notes_free(&notes);
    /* the same without a notes list: the same result */
    assert_int_equal(load_notes(text, NULL, &sc, &err), BIDSIM_OK);
    bidsim_scenario_free(sc);
  }
  /* a variant's bids and caps; a sweep's value once however many points
   * have it, at the value; a warning kept when a rule then breaks */
  static const char *const rest[] = {
    "variants:\n  - name: v\n    plans: {P: {bids: {ordinary: 30}, cap: 20000}}\n",
    "sweep:\n  grid:\n    plans[P].bids.ordinary: [1.00, 25]\n    auction.slots: [2, 3]\n",
    /* the file's own value of a swept key is in no point: no warning */
    "sweep:\n  grid:\n    plans[P].cap: [100, 200.5]\n",
  };
  static const char *const want[][2] = {
    { "s.yaml:12:34: variants[0].plans.P.bids.ordinary", "s.yaml:12:44: variants[0].plans.P.cap" },
    { "s.yaml:12:36: plans[0].bids.ordinary", NULL },
    { NULL, NULL },
  };
  for (size_t i = 0; i < 3; i++) {
    char text[2048];
    snprintf(text, sizeof text, fen, i == 2 ? "50000" : "unlimited", "1.00", "+100%", "5", rest[i]);
    bidsim_scenario_notes_t notes = { 0, 0, NULL };
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    if (load_notes(text, &notes, &sc, &err)) fail_msg("rest %zu: %s: %s", i, err.where, err.msg);
    bidsim_scenario_free(sc);
    assert_int_equal(notes.count, want[i][1] ? 2 : want[i][0] ? 1 : 0);
    for (uint32_t k = 0; k < notes.count; k++)
      if (strcmp(notes.note[k].where, want[i][k])) fail_msg("rest %zu note %u: '%s', want '%s'", i, k, notes.note[k].where, want[i][k]);
    bidsim_scenario_notes_free(&notes);
  }
  char text[2048];
  snprintf(text, sizeof text, fen, "unlimited", "50", "+100%", "5", "");   /* 100.00 yuan: above the maximum */
  bidsim_scenario_notes_t notes = { 0, 0, NULL };
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  assert_int_equal(load_notes(text, &notes, &sc, &err), BIDSIM_EBIDRANGE);
  assert_non_null(strstr(err.where, "plans[0].bids.shop"));
  assert_int_equal(count_kind(&notes, BIDSIM_NOTE_WARNING), 1);
  assert_non_null(strstr(notes.note[0].msg, "did you mean 0.50?"));
  bidsim_scenario_notes_free(&notes);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(bad_sweep_points_are_each_named_at_the_file),
    cmocka_unit_test(more_than_20_bad_points_are_counted),
    cmocka_unit_test(bids_and_caps_typed_in_fen_are_warned),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
