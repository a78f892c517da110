/* analysis/field_metrics.h - the figures the auto-bidding literature
 * compares strategies by, for one plan (or shop) and one day: pacing
 * evenness as the BAT benchmark measures it, AuctionNet's CPA-constrained
 * score, and the time a daily cap kept the plan out. Pure functions of a
 * day's counters; reptable.c sums them over days per replicate, and the
 * estimators of analysis/stats.h make them figures with intervals.
 * Definitions and sources: docs/analysis.md. */
#ifndef BIDSIM_ANALYSIS_FIELD_METRICS_H
#define BIDSIM_ANALYSIS_FIELD_METRICS_H
#include <stdint.h>
#include "sim/scenario.h"   /* BIDSIM_HOURS */

#define BIDSIM_SECONDS_PER_DAY 86400

/** @brief Pacing evenness of one day: the root mean square, over the 24
 *  hour ends h, of S_h - T_h, where S_h is the share of the day's spend
 *  spent by the end of hour h and T_h the share of the day's impressions
 *  arrived by then (BAT's RMSE of spend against traffic). 0 = spend
 *  followed the traffic exactly; a plan that spends everything in the first
 *  hour of a day with even traffic scores 0.559. NaN when either total
 *  is 0 (no spend, or no traffic: nothing to pace). */
double bidsim_pacing_rmse(const int64_t spend[BIDSIM_HOURS], const int64_t traffic[BIDSIM_HOURS]);

/** @brief AuctionNet's CPA-constrained score of one day:
 *  conversions x min(1, (target / CPA)^2), CPA = spend / conversions, both
 *  in li per order. 0 without conversions; conversions (no penalty) when
 *  they cost nothing. */
double bidsim_cpa_score(int64_t conversions, int64_t spend_li, double target_cpa_li);

/** @brief Seconds of the day the daily cap kept the plan out: from the hit
 *  to midnight, 0 when the cap was not reached (@p cap_hit_s = -1). */
int64_t bidsim_capped_seconds(int64_t cap_hit_s);

#endif
