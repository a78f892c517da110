/* analysis/reptable.h - the report's figures by shop, plan or product, cut
 * by hour, day, segment or slot position if asked, read unit by unit from
 * a result file. The table keeps each replicate's totals over the selected
 * days; every figure is then a ratio of means across replicates (counts
 * and money: a mean per day; CTR, CPC, CVR, ROI, CPA, the cap-hit time and
 * pacing evenness: the ratio of the mean numerator to the mean
 * denominator) with a delta-method interval, and a comparison pairs two
 * variants' replicates (analysis/stats.h; why: docs/analysis.md). report,
 * compare and run's summary all read it. */
#ifndef BIDSIM_ANALYSIS_REPTABLE_H
#define BIDSIM_ANALYSIS_REPTABLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/stats.h"
#include "bidsim/error.h"
#include "sim/output.h"

typedef enum { BIDSIM_BY_SHOP = 0, BIDSIM_BY_PLAN = 1, BIDSIM_BY_PRODUCT = 2 } bidsim_group_by_t;

/* How each group's row is cut into cells. */
typedef enum {
  BIDSIM_CUT_NONE = 0,   /* one cell: the selected days together */
  BIDSIM_CUT_HOUR,       /* 24 cells, hour of day (shop and plan) */
  BIDSIM_CUT_DAY,        /* one cell per selected day */
  BIDSIM_CUT_SEGMENT,    /* 3 cells: ordinary, shop (retargeting), similar (shop and plan) */
  BIDSIM_CUT_SLOT,       /* one cell per slot position, from /plan_slot (plan and shop) */
  BIDSIM_CUT_COUNT
} bidsim_cut_t;

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
  BIDSIM_STAT_ROI,            /* order value / spend (docs/model.md §1) */
  BIDSIM_STAT_CPA,            /* yuan: spend / orders */
  BIDSIM_STAT_CAP_HIT_HOUR,   /* hour of day the cap stopped the plan: hit seconds / days hit */
  BIDSIM_STAT_CAP_HIT_SHARE,  /* share of days the cap was reached (plans with a cap) */
  BIDSIM_STAT_CAPPED_SHARE,   /* share of the day the cap kept the plan out: (24 h - hit time) / 24 h */
  BIDSIM_STAT_PACING_RMSE,    /* BAT's pacing evenness: RMSE of the cumulative spend share against the
                                 cumulative traffic share over the day, on days with spend */
  BIDSIM_STAT_CPA_SCORE,      /* AuctionNet's score per day: orders x min(1, (target CPA / CPA)^2),
                                 plans bidding to a target CPA */
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
  BIDSIM_TOTAL_CAPPED_SECONDS,                         /* sum of 86,400 - hit time over those days */
  BIDSIM_TOTAL_SPEND_DAYS,                             /* days with spend */
  BIDSIM_TOTAL_PACING_RMSE,                            /* sum of those days' pacing RMSE */
  BIDSIM_TOTAL_CPA_SCORE,                              /* sum of the days' CPA-constrained scores */
  BIDSIM_TOTAL_COUNT
} bidsim_total_t;

/** @brief Stable key of a statistic ("exposures", "spend_yuan", "ctr", ...),
 *  used as CSV column and JSON key; -1 from bidsim_stat_parse otherwise. */
const char *bidsim_stat_key(int stat);
int bidsim_stat_parse(const char *key);
/** @brief Human label with unit ("spend (yuan)"). */
const char *bidsim_stat_label(int stat);
/** @brief Whether the statistic is a ratio of two totals (CTR, CPC, CVR,
 *  ROI, CPA, cap-hit time, pacing evenness), not a mean per day. */
bool bidsim_stat_is_ratio(int stat);

/** @brief Name of a cut ("hour", "day", "segment", "slot"; "none"). */
const char *bidsim_cut_name(bidsim_cut_t cut);

typedef struct {
  bidsim_group_by_t by;
  bidsim_cut_t cut;
  uint32_t day_first;        /* days [day_first, day_first + day_count) */
  uint32_t day_count;        /* 0 = to the file's last day */
  bool     all_plans;        /* include generated competitors, not only listed plans */
  const uint8_t *plans;      /* per plan of the file, 1 = report it (its products, its share of a
                                shop); NULL = listed plans, or every plan with all_plans */
  const char *shop;          /* only this shop's plans and products (any shop, listed or not); NULL = all */
  uint32_t rep_first;        /* replicates [rep_first, rep_first + rep_count) */
  uint32_t rep_count;        /* 0 = to the last replicate */
} bidsim_reptable_options_t;

typedef struct bidsim_reptable bidsim_reptable_t;

/** @brief Read every (variant, replicate) unit of @p res and keep each
 *  replicate's totals. Errors: BIDSIM_EINVAL (an option the file cannot
 *  satisfy: days out of range, a cut the grouping has no data for, a slot
 *  cut of a file without slot positions, empty replicate range, nothing
 *  left to report after the filters; a part file), BIDSIM_EFORMAT
 *  (unreadable data, or counters no run writes: negative, or summing past
 *  INT64_MAX within a unit, as NaN or huge values in a crafted file
 *  become), BIDSIM_ENOMEM. */
int  bidsim_reptable_create(bidsim_results_t *res, const bidsim_reptable_options_t *opt, bidsim_reptable_t **out,
                            bidsim_error_t *err);
void bidsim_reptable_free(bidsim_reptable_t *t);

typedef struct {
  uint32_t variants, groups, cells, replicates;   /* cells: 1 without a cut */
  uint32_t day_first, days;                       /* the selected days; per-day means cover them */
  bidsim_cut_t cut;
} bidsim_reptable_dims_t;
void bidsim_reptable_dims(const bidsim_reptable_t *t, bidsim_reptable_dims_t *out);

/* Labels of group g: its name (plan, shop or product name) and shop; for
 * products also the id and the plan advertising it (NULL if none). Owned by
 * the result file the table was built from. */
const char *bidsim_reptable_group_name(const bidsim_reptable_t *t, uint32_t g);
const char *bidsim_reptable_group_shop(const bidsim_reptable_t *t, uint32_t g);
uint64_t    bidsim_reptable_group_product_id(const bidsim_reptable_t *t, uint32_t g);
const char *bidsim_reptable_group_plan(const bidsim_reptable_t *t, uint32_t g);
/** @brief Label of cell @p c of the cut: "07" (hour), the day's date,
 *  "ordinary"/"shop"/"similar", "1".. (slot position, 1 = the top slot: the file's slot
 *  coordinate plus one); "all" without a cut. */
void bidsim_reptable_cell_label(const bidsim_reptable_t *t, uint32_t c, char *buf, size_t n);

/** @brief The target CPA (yuan per order) group g bids to in variant v, NaN
 *  when none (only plans running target_cpa have one). */
double bidsim_reptable_target_cpa(const bidsim_reptable_t *t, uint32_t v, uint32_t g);
/** @brief Why target CPAs could not be read from the file's scenario (so
 *  no CPA score exists), or NULL. */
const char *bidsim_reptable_note(const bidsim_reptable_t *t);

/** @brief The replicates' totals of one kind over the selected days
 *  (`replicates` values; counters are exact integers in doubles); NULL out
 *  of range. Cell is 0 without a cut. */
const double *bidsim_reptable_totals(const bidsim_reptable_t *t, uint32_t variant, uint32_t group, uint32_t cell,
                                     int total);

/** @brief One figure of one row across replicates: the ratio of means and
 *  its interval at @p level (bidsim_ratio_estimate), in the statistic's
 *  unit. Figures exist where the data does: cap figures for plans with a
 *  cap in that variant, pacing evenness for plans and shops, the CPA score
 *  for plans with a target CPA, all three without a cut or by day; by slot
 *  only exposures, clicks and CTR. Elsewhere, and for a ratio whose
 *  denominator is zero in every replicate, n = 0 and the values are NaN. */
bidsim_estimate_t bidsim_reptable_estimate(const bidsim_reptable_t *t, uint32_t variant, uint32_t group,
                                           uint32_t cell, int stat, double level);

/** @brief Variant @p other against @p base for one figure, paired
 *  replicate by replicate (bidsim_ratio_paired): diff = B - A of the
 *  figures bidsim_reptable_estimate gives. n = 0 where either is undefined. */
bidsim_paired_t bidsim_reptable_paired(const bidsim_reptable_t *t, uint32_t base, uint32_t other, uint32_t group,
                                       uint32_t cell, int stat, double level);

#endif
