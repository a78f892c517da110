/* analysis/reptable.h - the report's figures by shop, plan or product (and
 * optionally hour), read unit by unit from a result file. The table keeps
 * each replicate's totals over the selected days; every figure is then a
 * ratio of means across replicates (counts and money: a mean per day;
 * CTR, CPC, CVR, ROI and the cap-hit time: the ratio of the mean
 * numerator to the mean denominator) with a delta-method interval, and a
 * comparison pairs two variants' replicates (analysis/stats.h; why:
 * docs/analysis.md). report, compare and run's summary all read it. */
#ifndef BIDSIM_ANALYSIS_REPTABLE_H
#define BIDSIM_ANALYSIS_REPTABLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/stats.h"
#include "bidsim/error.h"
#include "sim/output.h"

typedef enum { BIDSIM_BY_SHOP = 0, BIDSIM_BY_PLAN = 1, BIDSIM_BY_PRODUCT = 2 } bidsim_group_by_t;

/* The report's figures. Counts and money are means per day over the selected
 * days; money in yuan. */
typedef enum {
  BIDSIM_STAT_EXPOSURES = 0,
  BIDSIM_STAT_CLICKS,
  BIDSIM_STAT_SPEND,          /* yuan per day */
  BIDSIM_STAT_ORDERS,         /* transactions per day */
  BIDSIM_STAT_ORDER_VALUE,    /* yuan per day */
  BIDSIM_STAT_CTR,            /* clicks / exposures */
  BIDSIM_STAT_CPC,            /* yuan: spend / clicks */
  BIDSIM_STAT_CVR,            /* orders / clicks */
  BIDSIM_STAT_ROI,            /* order value / spend (DOMAIN.md §1) */
  BIDSIM_STAT_CAP_HIT_HOUR,   /* hour of day the cap stopped the plan: hit seconds / days hit */
  BIDSIM_STAT_CAP_HIT_SHARE,  /* share of days the cap was reached (plans with a cap) */
  BIDSIM_STAT_COUNT
} bidsim_stat_t;

/* What the table holds per replicate: totals over the selected days. */
typedef enum {
  BIDSIM_TOTAL_EXPOSURES      = BIDSIM_METRIC_EXPOSURES,
  BIDSIM_TOTAL_CLICKS         = BIDSIM_METRIC_CLICKS,
  BIDSIM_TOTAL_SPEND_LI       = BIDSIM_METRIC_SPEND_LI,
  BIDSIM_TOTAL_CONVERSIONS    = BIDSIM_METRIC_CONVERSIONS,
  BIDSIM_TOTAL_ORDER_VALUE_LI = BIDSIM_METRIC_ORDER_VALUE_LI,
  BIDSIM_TOTAL_CAP_DAYS       = BIDSIM_METRIC_COUNT,   /* days the cap stopped the plan */
  BIDSIM_TOTAL_CAP_SECONDS,                            /* sum of those days' hit times */
  BIDSIM_TOTAL_COUNT
} bidsim_total_t;

/** @brief Stable key of a statistic ("exposures", "spend_yuan", "ctr", ...),
 *  used as CSV column and JSON key. */
const char *bidsim_stat_key(int stat);
/** @brief Human label with unit ("spend (yuan)"). */
const char *bidsim_stat_label(int stat);
/** @brief Whether the statistic is a ratio of two totals (CTR, CPC, CVR,
 *  ROI, cap-hit time), not a mean per day. */
bool bidsim_stat_is_ratio(int stat);

typedef struct {
  bidsim_group_by_t by;
  int32_t  day;             /* day index, or -1 for every day */
  bool     hourly;          /* one row per hour of day (shop and plan only) */
  bool     all_plans;       /* include generated competitors, not only listed plans */
  uint32_t rep_first;       /* replicates [rep_first, rep_first + rep_count) */
  uint32_t rep_count;       /* 0 = to the last replicate */
} bidsim_reptable_options_t;

typedef struct bidsim_reptable bidsim_reptable_t;

/** @brief Read every (variant, replicate) unit of @p res and keep each
 *  replicate's totals. Errors: BIDSIM_EINVAL (an option the file cannot
 *  satisfy: day out of range, --hourly by product, empty replicate range;
 *  a part file), BIDSIM_EFORMAT (unreadable data, or counters no run
 *  writes: negative, or summing past INT64_MAX within a unit, as NaN or
 *  huge values in a crafted file become), BIDSIM_ENOMEM. */
int  bidsim_reptable_create(bidsim_results_t *res, const bidsim_reptable_options_t *opt, bidsim_reptable_t **out,
                            bidsim_error_t *err);
void bidsim_reptable_free(bidsim_reptable_t *t);

typedef struct {
  uint32_t variants, groups, hours, replicates;   /* hours: 24 when hourly, else 1 */
  uint32_t days;                                  /* days the per-day means cover */
} bidsim_reptable_dims_t;
void bidsim_reptable_dims(const bidsim_reptable_t *t, bidsim_reptable_dims_t *out);

/* Labels of group g: its name (plan, shop or product name) and shop; for
 * products also the id and the plan advertising it (NULL if none). Owned by
 * the result file the table was built from. */
const char *bidsim_reptable_group_name(const bidsim_reptable_t *t, uint32_t g);
const char *bidsim_reptable_group_shop(const bidsim_reptable_t *t, uint32_t g);
uint64_t    bidsim_reptable_group_product_id(const bidsim_reptable_t *t, uint32_t g);
const char *bidsim_reptable_group_plan(const bidsim_reptable_t *t, uint32_t g);

/** @brief The replicates' totals of one kind over the selected days
 *  (`replicates` values, exact integers in doubles); NULL out of range.
 *  Hour is 0 unless the table is hourly. */
const double *bidsim_reptable_totals(const bidsim_reptable_t *t, uint32_t variant, uint32_t group, uint32_t hour,
                                     int total);

/** @brief One figure of one row across replicates: the ratio of means and
 *  its interval at @p level (bidsim_ratio_estimate), in the statistic's
 *  unit. Cap figures exist for plans with a cap in that variant, in tables
 *  that are not hourly; elsewhere, and for a ratio whose denominator is
 *  zero in every replicate, n = 0 and the values are NaN. */
bidsim_estimate_t bidsim_reptable_estimate(const bidsim_reptable_t *t, uint32_t variant, uint32_t group,
                                           uint32_t hour, int stat, double level);

/** @brief Variant @p other against @p base for one figure, paired
 *  replicate by replicate (bidsim_ratio_paired): diff = B - A of the
 *  figures bidsim_reptable_estimate gives. n = 0 where either is undefined. */
bidsim_paired_t bidsim_reptable_paired(const bidsim_reptable_t *t, uint32_t base, uint32_t other, uint32_t group,
                                       uint32_t hour, int stat, double level);

#endif
