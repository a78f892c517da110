/* sim/scenario_units.c - likely unit mistakes in a scenario: a listed plan's
 * bid or cap written as a whole number 20 or more times the generated
 * market's median is most likely typed in fen (50 for 0.50 yuan is a valid
 * 50-yuan bid). A warning in the load's notes, never an error: the value
 * may be meant, and written with decimals (50.00) it says so. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "sim/scenario_internal.h"

/* A value this many times the market's median draws a warning. */
#define UNIT_WARN_RATIO 20

static double dist_median(const bidsim_dist_t *d) {
  return d->kind == BIDSIM_DIST_UNIFORM ? (d->a + d->b) / 2 : d->a;   /* fixed: the value; lognormal: its median */
}

/* The market's median bid for a segment, in li: the base bid's median (the
 * market rounds to fen and clamps to the bid range, which keep the median
 * where it is), raised by the median premium for shop and similar. */
static double median_bid_li(const bidsim_sc_market_t *mk, int seg) {
  double base = llround(dist_median(&mk->base_bid_yuan) * 100) * (double)BIDSIM_LI_PER_FEN;
  base = fmin(fmax(base, BIDSIM_BID_MIN_LI), BIDSIM_BID_MAX_LI);
  if (seg == BIDSIM_SEG_ORDINARY) return base;
  double pct = fmin(fmax(dist_median(&mk->premium_pct[seg - 1]), BIDSIM_PREMIUM_MIN_PCT), BIDSIM_PREMIUM_MAX_PCT);
  return base * (100 + pct) / 100;
}

static double median_cap_li(const bidsim_sc_market_t *mk) {
  return fmax(dist_median(&mk->cap_yuan) * BIDSIM_LI_PER_YUAN, BIDSIM_CAP_MIN_LI);   /* caps are clamped to >= 100 */
}

/* Warn at @p n (the value as written) when @p li is UNIT_WARN_RATIO times
 * @p median_li or more; the suggestion is the value read as fen, when that
 * is itself a valid amount. */
static void check_value(const ctx_t *c, struct fy_node *n, const char *key, int64_t li, double median_li, bool cap,
                        const char *what) {
  const char *text = fy_node_get_scalar0(n);
  /* fen are whole numbers: an amount written with decimals ("15000.00")
   * says it is yuan, and is how to mean a large one without a warning */
  if (text == NULL || strchr(text, '.') || median_li <= 0 || (double)li < UNIT_WARN_RATIO * median_li) return;
  char v[32], m[32], s[32], mean[64] = "";
  const int64_t as_fen_li = li / 100;   /* 50 read as fen: 0.50 yuan */
  const bool whole = li % (100 * BIDSIM_LI_PER_FEN) == 0;
  if (whole && !cap && as_fen_li >= BIDSIM_BID_MIN_LI) snprintf(mean, sizeof mean, "; did you mean %s?", bidsim_li_to_yuan(as_fen_li, s));
  if (whole && cap && as_fen_li >= BIDSIM_CAP_MIN_LI) snprintf(mean, sizeof mean, "; did you mean %s?", bidsim_li_to_yuan(as_fen_li, s));
  bidsim_li_to_yuan(li, v);
  bidsim_li_to_yuan(llround(median_li), m);
  bidsim__note(c, BIDSIM_NOTE_WARNING, bidsim__node_mark(n), key,
               "%s %s yuan is %.0f times the generated market's median %s of %s yuan: %s are in yuan, so %s is %s "
               "yuan%s (write %s if it is meant)", cap ? "cap" : "bid", v, floor((double)li / median_li), what, m,
               cap ? "caps" : "bids", text, v, mean, v);
}

void bidsim__warn_units(const ctx_t *c, struct fy_node *bids, struct fy_node *cap, const char *key,
                        const int64_t bid_li[BIDSIM_SEG_COUNT], const uint16_t premium_pct[BIDSIM_SEG_COUNT],
                        int64_t cap_li) {
  const bidsim_sc_market_t *mk = &c->sc->market;
  if (c->opt == NULL || c->opt->notes == NULL || mk->plans == 0) return;   /* no market to compare with */
  static const char *const what[BIDSIM_SEG_COUNT] = { "base bid", "shop bid", "similar bid" };
  char sub[320];
  for (int s = 0; s < BIDSIM_SEG_COUNT && bids; s++) {
    struct fy_node *b = bidsim__get(bids, bidsim_segment_name(s));
    if (b == NULL || premium_pct[s]) continue;   /* derived from the base: checked there */
    snprintf(sub, sizeof sub, "%s.bids.%s", key, bidsim_segment_name(s));
    check_value(c, b, sub, bid_li[s], median_bid_li(mk, s), false, what[s]);
  }
  if (cap && cap_li != BIDSIM_CAP_UNLIMITED) {
    snprintf(sub, sizeof sub, "%s.cap", key);
    check_value(c, cap, sub, cap_li, median_cap_li(mk), true, "cap");
  }
}
