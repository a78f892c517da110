/* cli/args.h - command-line values that name things inside a result
 * file (a variant, days, plans, a shop, a grouping and cut), shared by
 * report, compare and plot, and the labels a sweep's variants carry.
 * Errors are BIDSIM_EINVAL with the accepted values in the message. */
#ifndef BIDSIM_CLI_ARGS_H
#define BIDSIM_CLI_ARGS_H
#include <stdint.h>
#include "analysis/reptable.h"

/** @brief A variant by name or index. */
int bidsim_args_variant(const bidsim_results_t *res, const char *s, uint32_t *out, bidsim_error_t *err);
/** @brief A day by index (0 = first) or date label (YYYY-MM-DD). */
int bidsim_args_day(const bidsim_results_t *res, const char *s, int32_t *out, bidsim_error_t *err);
/** @brief Days "FIRST:LAST" (inclusive; each an index or a date; either
 *  side may be empty: from the first, to the last) or one day "D". */
int bidsim_args_days(const bidsim_results_t *res, const char *s, uint32_t *first, uint32_t *count,
                     bidsim_error_t *err);

/* What --by asks for: a grouping, a cut, and (table output) one row per
 * variant. */
typedef struct {
  bidsim_group_by_t by;
  bidsim_cut_t cut;
  bool variant_rows;
} bidsim_by_t;
/** @brief "--by" as a comma list of at most one grouping (shop, plan -
 *  the default - or product), one cut (hour, day, segment, slot) and
 *  "variant" ("segment" is plan,segment). */
int bidsim_args_by(const char *s, bidsim_by_t *out, bidsim_error_t *err);
/** @brief Name of a grouping ("plan"). */
const char *bidsim_group_by_name(bidsim_group_by_t by);

/** @brief "--stats" as a comma list of statistic keys (bidsim_stat_key)
 *  into @p out (at most BIDSIM_STAT_COUNT); the count in @p n. */
int bidsim_args_stats(const char *s, int *out, int *n, bidsim_error_t *err);

/* The filters report, compare and plot share: --plan NAME (repeatable;
 * NAME or SHOP/PLAN), --shop NAME, --days FIRST:LAST (--day D is D:D). */
#define BIDSIM_ARGS_MAX_PLANS 256
typedef struct {
  const char *plan[BIDSIM_ARGS_MAX_PLANS];
  uint32_t plan_count;
  const char *shop;
  const char *days;
  uint8_t *mask;   /* set by bidsim_args_filters when plans are named; bidsim_filters_free */
} bidsim_filters_t;

/** @brief Add one --plan NAME; BIDSIM_ELIMIT past BIDSIM_ARGS_MAX_PLANS. */
int bidsim_filters_add_plan(bidsim_filters_t *f, const char *name, bidsim_error_t *err);
/** @brief Resolve the filters against the file into @p opt (plans, shop,
 *  day_first, day_count): every named plan and shop must exist. */
int bidsim_args_filters(const bidsim_results_t *res, bidsim_filters_t *f, bidsim_reptable_options_t *opt,
                        bidsim_error_t *err);
void bidsim_filters_free(bidsim_filters_t *f);

/* A sweep's swept keys as columns: each variant's value of each key path
 * (docs/output-format.md: /variant/sweep_key, sweep_value); count 0 for
 * files that are not sweeps. Pointers owned by the result file. */
typedef struct {
  uint32_t count;
  const char *const *keys;
  const char *const *values;   /* [variant * count + key] */
} bidsim_sweep_cols_t;
void bidsim_args_sweep(const bidsim_results_t *res, bidsim_sweep_cols_t *out);
/** @brief A short column title for key @p k: the path's last part
 *  ("ordinary" for plans[Kitchen].bids.ordinary), or the whole path when
 *  two keys end alike. */
const char *bidsim_sweep_title(const bidsim_sweep_cols_t *s, uint32_t k);

#endif
