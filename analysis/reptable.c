/* analysis/reptable.c - the report's figures from the per-replicate totals
 * that reptable_read.c gathers: which figure is which ratio of totals,
 * where each exists, their estimates and paired differences. Never
 * prints. */
#include "analysis/reptable.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "analysis/reptable_internal.h"
#include "bidsim/alloc.h"

static const struct { const char *key, *label; } stat_names[BIDSIM_STAT_COUNT] = {
  [BIDSIM_STAT_EXPOSURES]     = { "exposures", "exposures" },
  [BIDSIM_STAT_CLICKS]        = { "clicks", "clicks" },
  [BIDSIM_STAT_SPEND]         = { "spend_yuan", "spend (yuan)" },
  [BIDSIM_STAT_ORDERS]        = { "orders", "orders" },
  [BIDSIM_STAT_ORDER_VALUE]   = { "order_value_yuan", "order value (yuan)" },
  [BIDSIM_STAT_CTR]           = { "ctr", "CTR" },
  [BIDSIM_STAT_CPC]           = { "cpc_yuan", "CPC (yuan)" },
  [BIDSIM_STAT_CVR]           = { "cvr", "CVR" },
  [BIDSIM_STAT_ROI]           = { "roi", "ROI" },
  [BIDSIM_STAT_CPA]           = { "cpa_yuan", "CPA (yuan)" },
  [BIDSIM_STAT_CAP_HIT_HOUR]  = { "cap_hit_hour", "cap hit (hour)" },
  [BIDSIM_STAT_CAP_HIT_SHARE] = { "cap_hit_share", "days cap hit" },
  [BIDSIM_STAT_CAPPED_SHARE]  = { "capped_share", "day capped" },
  [BIDSIM_STAT_PACING_RMSE]   = { "pacing_rmse", "pacing RMSE" },
  [BIDSIM_STAT_CPA_SCORE]     = { "cpa_score", "CPA score" },
};

/* Where a figure exists beyond the counters: for plans with a cap, for
 * plans and shops (pacing), for plans with a target CPA; these need whole
 * days (no cut, or by day). SLOT marks what per-slot data gives. */
enum { ANY = 0, CAP, PACING, TARGET };

/* Each figure as scale x num / den of the replicates' totals. PER_DAY (no
 * denominator total) is a mean per day: den = 1 per replicate and the
 * scale divided by the days a cell covers. */
#define PER_DAY (-1)
static const struct { int num, den; double scale; int where; bool slot; } stat_defs[BIDSIM_STAT_COUNT] = {
  [BIDSIM_STAT_EXPOSURES]     = { BIDSIM_TOTAL_EXPOSURES, PER_DAY, 1, ANY, true },
  [BIDSIM_STAT_CLICKS]        = { BIDSIM_TOTAL_CLICKS, PER_DAY, 1, ANY, true },
  [BIDSIM_STAT_SPEND]         = { BIDSIM_TOTAL_SPEND_LI, PER_DAY, 1e-3, ANY, false },   /* li -> yuan */
  [BIDSIM_STAT_ORDERS]        = { BIDSIM_TOTAL_CONVERSIONS, PER_DAY, 1, ANY, false },
  [BIDSIM_STAT_ORDER_VALUE]   = { BIDSIM_TOTAL_ORDER_VALUE_LI, PER_DAY, 1e-3, ANY, false },
  [BIDSIM_STAT_CTR]           = { BIDSIM_TOTAL_CLICKS, BIDSIM_TOTAL_EXPOSURES, 1, ANY, true },
  [BIDSIM_STAT_CPC]           = { BIDSIM_TOTAL_SPEND_LI, BIDSIM_TOTAL_CLICKS, 1e-3, ANY, false },
  [BIDSIM_STAT_CVR]           = { BIDSIM_TOTAL_CONVERSIONS, BIDSIM_TOTAL_CLICKS, 1, ANY, false },
  [BIDSIM_STAT_ROI]           = { BIDSIM_TOTAL_ORDER_VALUE_LI, BIDSIM_TOTAL_SPEND_LI, 1, ANY, false },
  [BIDSIM_STAT_CPA]           = { BIDSIM_TOTAL_SPEND_LI, BIDSIM_TOTAL_CONVERSIONS, 1e-3, ANY, false },
  [BIDSIM_STAT_CAP_HIT_HOUR]  = { BIDSIM_TOTAL_CAP_SECONDS, BIDSIM_TOTAL_CAP_DAYS, 1.0 / 3600, CAP, false },
  [BIDSIM_STAT_CAP_HIT_SHARE] = { BIDSIM_TOTAL_CAP_DAYS, PER_DAY, 1, CAP, false },
  [BIDSIM_STAT_CAPPED_SHARE]  = { BIDSIM_TOTAL_CAPPED_SECONDS, PER_DAY, 1.0 / 86400, CAP, false },
  [BIDSIM_STAT_PACING_RMSE]   = { BIDSIM_TOTAL_PACING_RMSE, BIDSIM_TOTAL_SPEND_DAYS, 1, PACING, false },
  [BIDSIM_STAT_CPA_SCORE]     = { BIDSIM_TOTAL_CPA_SCORE, PER_DAY, 1, TARGET, false },
};

const char *bidsim_stat_key(int stat) {
  return stat >= 0 && stat < BIDSIM_STAT_COUNT ? stat_names[stat].key : "unknown";
}
const char *bidsim_stat_label(int stat) {
  return stat >= 0 && stat < BIDSIM_STAT_COUNT ? stat_names[stat].label : "unknown";
}
int bidsim_stat_parse(const char *key) {
  for (int s = 0; s < BIDSIM_STAT_COUNT; s++)
    if (!strcmp(key, stat_names[s].key)) return s;
  return -1;
}

bool bidsim_stat_is_ratio(int stat) {
  return stat >= 0 && stat < BIDSIM_STAT_COUNT && stat_defs[stat].den != PER_DAY;
}

static const char *const cut_names[BIDSIM_CUT_COUNT] = { "none", "hour", "day", "segment", "slot" };
const char *bidsim_cut_name(bidsim_cut_t cut) { return (unsigned)cut < BIDSIM_CUT_COUNT ? cut_names[cut] : "unknown"; }

void bidsim_reptable_free(bidsim_reptable_t *t) {
  if (t == NULL) return;
  bidsim_free(t->source);
  bidsim_free(t->name);
  bidsim_free(t->capped);
  bidsim_free(t->target_li);
  bidsim_free(t->totals);
  bidsim_free(t);
}

void bidsim_reptable_dims(const bidsim_reptable_t *t, bidsim_reptable_dims_t *out) { *out = t->dims; }

const char *bidsim_reptable_group_name(const bidsim_reptable_t *t, uint32_t g) {
  return g < t->dims.groups ? t->name[g] : NULL;
}
const char *bidsim_reptable_group_shop(const bidsim_reptable_t *t, uint32_t g) {
  if (g >= t->dims.groups) return NULL;
  return t->by == BIDSIM_BY_PRODUCT ? bidsim_results_product_shop(t->res, t->source[g])
                                    : bidsim_results_plan_shop(t->res, t->source[g]);
}
uint64_t bidsim_reptable_group_product_id(const bidsim_reptable_t *t, uint32_t g) {
  return g < t->dims.groups && t->by == BIDSIM_BY_PRODUCT ? bidsim_results_product_id(t->res, t->source[g]) : 0;
}
const char *bidsim_reptable_group_plan(const bidsim_reptable_t *t, uint32_t g) {
  if (g >= t->dims.groups) return NULL;
  if (t->by == BIDSIM_BY_PLAN) return t->name[g];
  if (t->by != BIDSIM_BY_PRODUCT) return NULL;
  return bidsim_results_plan_name(t->res, bidsim_results_product_plan(t->res, t->source[g]));
}

void bidsim_reptable_cell_label(const bidsim_reptable_t *t, uint32_t c, char *buf, size_t n) {
  static const char *const segments[BIDSIM_SEG_COUNT] = { "ordinary", "shop", "similar" };
  switch (t->dims.cut) {
    case BIDSIM_CUT_HOUR: snprintf(buf, n, "%02u", c); break;
    case BIDSIM_CUT_DAY: snprintf(buf, n, "%s", bidsim_results_day_label(t->res, t->dims.day_first + c)); break;
    case BIDSIM_CUT_SEGMENT: snprintf(buf, n, "%s", c < BIDSIM_SEG_COUNT ? segments[c] : "?"); break;
    case BIDSIM_CUT_SLOT: snprintf(buf, n, "%u", c + 1); break;
    default: snprintf(buf, n, "all");
  }
}

double bidsim_reptable_target_cpa(const bidsim_reptable_t *t, uint32_t v, uint32_t g) {
  if (v >= t->dims.variants || g >= t->dims.groups) return NAN;
  return t->target_li[(size_t)v * t->dims.groups + g] / BIDSIM_LI_PER_YUAN;
}

const char *bidsim_reptable_note(const bidsim_reptable_t *t) { return t->note[0] ? t->note : NULL; }

const double *bidsim_reptable_totals(const bidsim_reptable_t *t, uint32_t variant, uint32_t group, uint32_t cell,
                                     int total) {
  if (variant >= t->dims.variants || group >= t->dims.groups || cell >= t->dims.cells || total < 0 ||
      total >= BIDSIM_TOTAL_COUNT)
    return NULL;
  return &t->totals[bidsim__total_index(t, variant, group, cell, total)];
}

/* Whether row (v, g, c) has figure `stat` (see bidsim_reptable_estimate). */
static bool has_stat(const bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t c, int stat) {
  if (v >= t->dims.variants || g >= t->dims.groups || c >= t->dims.cells || stat < 0 || stat >= BIDSIM_STAT_COUNT)
    return false;
  if (t->dims.cut == BIDSIM_CUT_SLOT && !stat_defs[stat].slot) return false;
  int where = stat_defs[stat].where;
  if (where == ANY) return true;
  if (t->dims.cut != BIDSIM_CUT_NONE && t->dims.cut != BIDSIM_CUT_DAY) return false;   /* whole days only */
  size_t vg = (size_t)v * t->dims.groups + g;
  if (where == CAP) return t->by == BIDSIM_BY_PLAN && t->capped[vg];
  if (where == PACING) return t->by != BIDSIM_BY_PRODUCT;
  return t->by == BIDSIM_BY_PLAN && !isnan(t->target_li[vg]);
}

/* the statistic's scale: per-day means divide by the days a cell covers */
static double stat_scale(const bidsim_reptable_t *t, int stat) {
  if (stat_defs[stat].den != PER_DAY) return stat_defs[stat].scale;
  return stat_defs[stat].scale / (t->dims.cut == BIDSIM_CUT_DAY ? 1 : t->dims.days);
}

static const double *stat_den(const bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t c, int stat) {
  return stat_defs[stat].den == PER_DAY ? NULL : bidsim_reptable_totals(t, v, g, c, stat_defs[stat].den);
}

bidsim_estimate_t bidsim_reptable_estimate(const bidsim_reptable_t *t, uint32_t variant, uint32_t group,
                                           uint32_t cell, int stat, double level) {
  if (!has_stat(t, variant, group, cell, stat)) return (bidsim_estimate_t){ NAN, NAN, NAN, 0 };
  bidsim_estimate_t e = bidsim_ratio_estimate(bidsim_reptable_totals(t, variant, group, cell, stat_defs[stat].num),
                                              stat_den(t, variant, group, cell, stat), t->dims.replicates, level);
  double k = stat_scale(t, stat);   /* positive: the interval keeps its order */
  e.mean *= k;
  e.lo *= k;
  e.hi *= k;
  return e;
}

bidsim_paired_t bidsim_reptable_paired(const bidsim_reptable_t *t, uint32_t base, uint32_t other, uint32_t group,
                                       uint32_t cell, int stat, double level) {
  if (!has_stat(t, base, group, cell, stat) || !has_stat(t, other, group, cell, stat))
    return (bidsim_paired_t){ NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0 };
  int num = stat_defs[stat].num;
  bidsim_paired_t p = bidsim_ratio_paired(bidsim_reptable_totals(t, base, group, cell, num),
                                          stat_den(t, base, group, cell, stat),
                                          bidsim_reptable_totals(t, other, group, cell, num),
                                          stat_den(t, other, group, cell, stat), t->dims.replicates, level);
  double k = stat_scale(t, stat);   /* p and the relative change do not depend on it */
  p.base_mean *= k;
  p.other_mean *= k;
  p.diff *= k;
  p.lo *= k;
  p.hi *= k;
  return p;
}

/* The options a file cannot satisfy, before anything is read. */
static int check_options(bidsim_results_t *res, const bidsim_results_dims_t *dm, const bidsim_reptable_options_t *opt,
                         bidsim_error_t *err) {
  if (!bidsim_results_complete(res)) {
    uint32_t i, n;
    bidsim_results_shard(res, &i, &n);
    return bidsim_error_set(err, BIDSIM_EINVAL, "results",
                            "this is part %u of %u of a sharded run: join the parts with bidsim merge first", i, n);
  }
  if (opt->day_first >= dm->days || opt->day_count > dm->days - opt->day_first)
    return bidsim_error_set(err, BIDSIM_EINVAL, "days", "days %u to %u are past the file's last day %u (days count from 0)",
                            opt->day_first, opt->day_first + (opt->day_count ? opt->day_count - 1 : 0), dm->days - 1);
  if ((unsigned)opt->cut >= BIDSIM_CUT_COUNT)
    return bidsim_error_set(err, BIDSIM_EINVAL, "by", "no cut %d", (int)opt->cut);
  if (opt->by == BIDSIM_BY_PRODUCT && opt->cut != BIDSIM_CUT_NONE && opt->cut != BIDSIM_CUT_DAY)
    return bidsim_error_set(err, BIDSIM_EINVAL, "by", "figures by %s exist per plan and per shop, not per product",
                            bidsim_cut_name(opt->cut));
  if (opt->cut == BIDSIM_CUT_SLOT && dm->slots == 0)   /* written through the library without slots */
    return bidsim_error_set(err, BIDSIM_EINVAL, "by", "this file has no per-slot counts (/plan_slot has no slot "
                            "positions; every `bidsim run` writes them)");
  if (opt->rep_first >= dm->replicates || opt->rep_count > dm->replicates - opt->rep_first)
    return bidsim_error_set(err, BIDSIM_EINVAL, "replicates", "replicates [%u, %u) are outside the file's %u",
                            opt->rep_first, opt->rep_first + (opt->rep_count ? opt->rep_count : 1), dm->replicates);
  return BIDSIM_OK;
}

int bidsim_reptable_create(bidsim_results_t *res, const bidsim_reptable_options_t *opt, bidsim_reptable_t **out,
                           bidsim_error_t *err) {
  *out = NULL;
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  int rc = check_options(res, &dm, opt, err);
  if (rc) return rc;
  bidsim_reptable_t *t = bidsim_calloc(1, sizeof *t);
  if (!t) return bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory");
  t->res = res;
  t->by = opt->by;
  uint32_t days = opt->day_count ? opt->day_count : dm.days - opt->day_first;
  uint32_t cells = opt->cut == BIDSIM_CUT_HOUR ? BIDSIM_HOURS
                   : opt->cut == BIDSIM_CUT_DAY ? days
                   : opt->cut == BIDSIM_CUT_SEGMENT ? BIDSIM_SEG_COUNT
                   : opt->cut == BIDSIM_CUT_SLOT    ? dm.slots
                                                    : 1;
  t->dims = (bidsim_reptable_dims_t){ .variants = dm.variants,
                                      .cells = cells,
                                      .replicates = opt->rep_count ? opt->rep_count : dm.replicates - opt->rep_first,
                                      .day_first = opt->day_first,
                                      .days = days,
                                      .cut = opt->cut };
  if ((rc = bidsim__reptable_read(t, opt, err))) {
    bidsim_reptable_free(t);
    return rc;
  }
  *out = t;
  return BIDSIM_OK;
}
