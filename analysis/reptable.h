/* analysis/reptable.h - per-replicate values of the report's metrics, by
 * shop, plan or product (and optionally hour), read unit by unit from a
 * result file. Reports summarise it across replicates; comparisons pair two
 * variants' values replicate by replicate. Ratios (CTR, CPC, CVR, ROI) are
 * computed within each replicate from its totals, never as ratios of means. */
#ifndef BIDSIM_ANALYSIS_REPTABLE_H
#define BIDSIM_ANALYSIS_REPTABLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bidsim/error.h"
#include "sim/output.h"

typedef enum { BIDSIM_BY_SHOP = 0, BIDSIM_BY_PLAN = 1, BIDSIM_BY_PRODUCT = 2 } bidsim_group_by_t;

/* The report's figures. Counts and money are means per day over the selected
 * days; money in yuan. NaN where undefined in a replicate. */
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
  BIDSIM_STAT_CAP_HIT_HOUR,   /* hour of day the cap stopped the plan, over days it did */
  BIDSIM_STAT_CAP_HIT_SHARE,  /* share of days the cap was reached (plans with a cap) */
  BIDSIM_STAT_COUNT
} bidsim_stat_t;

/** @brief Stable key of a statistic ("exposures", "spend_yuan", "ctr", ...),
 *  used as CSV column and JSON key. */
const char *bidsim_stat_key(int stat);
/** @brief Human label with unit ("spend (yuan)"). */
const char *bidsim_stat_label(int stat);

typedef struct {
  bidsim_group_by_t by;
  int32_t  day;             /* day index, or -1 for every day */
  bool     hourly;          /* one row per hour of day (shop and plan only) */
  bool     all_plans;       /* include generated competitors, not only listed plans */
  uint32_t rep_first;       /* replicates [rep_first, rep_first + rep_count) */
  uint32_t rep_count;       /* 0 = to the last replicate */
} bidsim_reptable_options_t;

typedef struct bidsim_reptable bidsim_reptable_t;

/** @brief Read every (variant, replicate) unit of @p res and compute the
 *  per-replicate statistics. Errors: BIDSIM_EINVAL (an option the file cannot
 *  satisfy: day out of range, --hourly by product, empty replicate range),
 *  BIDSIM_EFORMAT (unreadable data), BIDSIM_ENOMEM. */
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

/** @brief The replicates' values of one statistic: `replicates` doubles,
 *  NaN where undefined. Hour is 0 unless the table is hourly. */
const double *bidsim_reptable_values(const bidsim_reptable_t *t, uint32_t variant, uint32_t group, uint32_t hour,
                                     int stat);

#endif
