/* analysis/landscape_table.h - a bid landscape's table: per point the
 * plan's mean per-day figures with 95% intervals over replicates, and the
 * marginal CPC and ROI from the previous simulated point, paired replicate
 * by replicate (every point saw the same traffic and users). Pure
 * functions over the counts of sim/landscape.h; prints nothing. */
#ifndef BIDSIM_ANALYSIS_LANDSCAPE_TABLE_H
#define BIDSIM_ANALYSIS_LANDSCAPE_TABLE_H
#include <stdbool.h>
#include <stdint.h>
#include "analysis/stats.h"

enum {
  BIDSIM_LSTAT_EXPOSURES = 0, BIDSIM_LSTAT_CLICKS, BIDSIM_LSTAT_SPEND, BIDSIM_LSTAT_ORDERS,
  BIDSIM_LSTAT_ORDER_VALUE, BIDSIM_LSTAT_ROI, BIDSIM_LSTAT_CPC, BIDSIM_LSTAT_TOP_SHARE,
  BIDSIM_LSTAT_MARGINAL_CPC, BIDSIM_LSTAT_MARGINAL_ROI,
  BIDSIM_LSTAT_COUNT
};

/** @brief Field name of a statistic ("exposures", "marginal_cpc", ...). */
const char *bidsim_lstat_key(int stat);

/** @brief Row i's statistics ([n][BIDSIM_LSTAT_COUNT], filled by the
 *  caller's array) from counts [n][replicates][BIDSIM_LS_COUNT]: counts
 *  per day (totals / days), money in yuan, ROI = order value / spend, CPC =
 *  spend / clicks, top share = first-slot exposures / exposures (ratios of
 *  means, delta-method intervals), marginal CPC = extra spend per extra
 *  click and marginal ROI = extra order value per extra yuan from the last
 *  simulated point before i (ratios of mean paired differences). Skipped
 *  points and the first simulated point's marginals are NaN (n = 0).
 *  Returns BIDSIM_EINVAL when days or replicates is 0, BIDSIM_ENOMEM. */
int bidsim_landscape_table(const int64_t *counts, const bool *skipped, uint32_t n, uint32_t replicates,
                           uint32_t days, double level, bidsim_estimate_t *out);

#endif
