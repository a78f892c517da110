/* tests/analysis/synth.h - the closed formulas of the synthetic result file
 * written by tests/tools/synth_result.c (2 variants x 4 replicates x 2 days
 * x 3 plans x 3 segments). Chosen so that ratios of means differ from means
 * of per-replicate ratios (clicks grow with (r+1)^2, exposures with r+1),
 * so that one replicate of a listed plan has no spend, and so that variant
 * "higher" differs from "base" by a known amount. */
#ifndef BIDSIM_TESTS_SYNTH_H
#define BIDSIM_TESTS_SYNTH_H
#include <stdint.h>
#include "sim/output.h"

#define SYNTH_V 2
#define SYNTH_R 4
#define SYNTH_D 2
#define SYNTH_P 3
#define SYNTH_Q 3

static inline int64_t synth_value(uint32_t v, uint32_t r, uint32_t d, uint32_t p, int g, int m) {
  /* P1 buys nothing in replicate 0 (exposures, no clicks, no spend, no
   * orders): its own CPC, CVR and ROI are undefined there, the ratios of
   * the means over replicates are not */
  if (p == 1 && r == 0 && m != BIDSIM_METRIC_EXPOSURES) return 0;
  int64_t clicks = 10 * (int64_t)(r + 1) * (r + 1) + p + g + 5 * v;
  switch (m) {
    case BIDSIM_METRIC_EXPOSURES:      return 1000 * (int64_t)(r + 1) + 100 * p + 10 * g + d;
    case BIDSIM_METRIC_CLICKS:         return clicks;
    case BIDSIM_METRIC_SPEND_LI:       return 1500 * clicks + 1000 * v;
    case BIDSIM_METRIC_CONVERSIONS:    return (int64_t)r + p + g;
    default: /* order value */         return 100000 * ((int64_t)r + p + g) + 12345 * d;
  }
}

/* P0 (cap 200 yuan) stops at 10+r+d o'clock on days where r+d is even; P1
 * has no cap; Rival (cap 150) stops at noon every day. */
static inline int64_t synth_cap_hit(uint32_t v, uint32_t r, uint32_t d, uint32_t p) {
  (void)v;
  if (p == 0) return (r + d) % 2 == 0 ? 3600 * (int64_t)(10 + r + d) : -1;
  return p == 2 ? 43200 : -1;
}

static inline int synth_hour(uint32_t p) { return 12 + (int)p; }

/* Every (hour, segment) of every day: 1000 + hour impressions arrived. */
static inline int64_t synth_impressions(int hour) { return 1000 + hour; }

/* The scenario the file stores: its listed shop, plans and variants, P0
 * bidding to a target CPA of 20 yuan in "base" and 30 in "higher". */
#define SYNTH_TARGET_CPA_YUAN(v) ((v) == 0 ? 20.0 : 30.0)
#define SYNTH_SCENARIO \
  "# synthetic: the listed plans and variants of tests/tools/synth_result.c\n" \
  "seed: 1\ndays: 2\nstart_date: 2026-11-10\nreplicates: 4\n" \
  "traffic: {impressions_per_day: 1000, categories: [{name: a, share: 1}]}\n" \
  "shops:\n" \
  "  - name: Shop A\n" \
  "    products:\n" \
  "      - {id: 11, name: Widget, sales: 1000, category: a}\n" \
  "      - {id: 12, name: 'Gadget, \"deluxe\"', sales: 1000, category: a}\n" \
  "plans:\n" \
  "  - {name: P0, shop: Shop A, cap: 200, products: [11], bids: {ordinary: 1.00},\n" \
  "     strategy: {kind: target_cpa, params: {target: 20}}}\n" \
  "  - {name: P1, shop: Shop A, products: [12], bids: {ordinary: 1.00}}\n" \
  "variants:\n" \
  "  - name: base\n" \
  "  - name: higher\n" \
  "    plans: {P0: {strategy: {kind: target_cpa, params: {target: 30}}}}\n"

#endif
