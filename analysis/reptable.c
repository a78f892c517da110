/* analysis/reptable.c - per-replicate totals behind the report's figures,
 * read from a result file one (variant, replicate) unit at a time, so
 * memory is the table (variants x groups x hours x 7 totals x replicates
 * doubles) plus one unit's block, whatever the file's size. Every counter
 * read is checked before any arithmetic: a crafted or damaged file must
 * not turn into figures through overflow. Never prints. */
#include "analysis/reptable.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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
  [BIDSIM_STAT_CAP_HIT_HOUR]  = { "cap_hit_hour", "cap hit (hour)" },
  [BIDSIM_STAT_CAP_HIT_SHARE] = { "cap_hit_share", "days cap hit" },
};

/* Each figure as scale x num / den of the replicates' totals. PER_DAY (no
 * denominator total) is a mean per day: den = 1 per replicate and the
 * scale divided by the days covered. */
#define PER_DAY (-1)
static const struct { int num, den; double scale; bool cap; } stat_defs[BIDSIM_STAT_COUNT] = {
  [BIDSIM_STAT_EXPOSURES]     = { BIDSIM_TOTAL_EXPOSURES, PER_DAY, 1, false },
  [BIDSIM_STAT_CLICKS]        = { BIDSIM_TOTAL_CLICKS, PER_DAY, 1, false },
  [BIDSIM_STAT_SPEND]         = { BIDSIM_TOTAL_SPEND_LI, PER_DAY, 1e-3, false },   /* li -> yuan */
  [BIDSIM_STAT_ORDERS]        = { BIDSIM_TOTAL_CONVERSIONS, PER_DAY, 1, false },
  [BIDSIM_STAT_ORDER_VALUE]   = { BIDSIM_TOTAL_ORDER_VALUE_LI, PER_DAY, 1e-3, false },
  [BIDSIM_STAT_CTR]           = { BIDSIM_TOTAL_CLICKS, BIDSIM_TOTAL_EXPOSURES, 1, false },
  [BIDSIM_STAT_CPC]           = { BIDSIM_TOTAL_SPEND_LI, BIDSIM_TOTAL_CLICKS, 1e-3, false },
  [BIDSIM_STAT_CVR]           = { BIDSIM_TOTAL_CONVERSIONS, BIDSIM_TOTAL_CLICKS, 1, false },
  [BIDSIM_STAT_ROI]           = { BIDSIM_TOTAL_ORDER_VALUE_LI, BIDSIM_TOTAL_SPEND_LI, 1, false },
  [BIDSIM_STAT_CAP_HIT_HOUR]  = { BIDSIM_TOTAL_CAP_SECONDS, BIDSIM_TOTAL_CAP_DAYS, 1.0 / 3600, true },
  [BIDSIM_STAT_CAP_HIT_SHARE] = { BIDSIM_TOTAL_CAP_DAYS, PER_DAY, 1, true },
};

const char *bidsim_stat_key(int stat) {
  return stat >= 0 && stat < BIDSIM_STAT_COUNT ? stat_names[stat].key : "unknown";
}
const char *bidsim_stat_label(int stat) {
  return stat >= 0 && stat < BIDSIM_STAT_COUNT ? stat_names[stat].label : "unknown";
}

bool bidsim_stat_is_ratio(int stat) {
  return stat >= 0 && stat < BIDSIM_STAT_COUNT && stat_defs[stat].den != PER_DAY;
}

struct bidsim_reptable {
  bidsim_results_t *res;
  bidsim_reptable_dims_t dims;
  bidsim_group_by_t by;
  uint32_t *source;        /* per group: a plan index (shop: its first plan) or product index */
  const char **name;       /* per group, owned by res */
  bool *capped;            /* [variant][group]: cap figures exist */
  double *totals;          /* [variant][group][hour][total][replicate] */
};

/* Totals of one unit for one (group, hour), over the selected days. */
typedef struct {
  int64_t m[BIDSIM_METRIC_COUNT];
  int64_t cap_days, cap_seconds;   /* days the cap was hit, sum of the hit times */
} cell_t;

void bidsim_reptable_free(bidsim_reptable_t *t) {
  if (t == NULL) return;
  bidsim_free(t->source);
  bidsim_free(t->name);
  bidsim_free(t->capped);
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

static size_t total_index(const bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t h, int total) {
  return ((((size_t)v * t->dims.groups + g) * t->dims.hours + h) * BIDSIM_TOTAL_COUNT + (size_t)total) *
         t->dims.replicates;
}

const double *bidsim_reptable_totals(const bidsim_reptable_t *t, uint32_t variant, uint32_t group, uint32_t hour,
                                     int total) {
  if (variant >= t->dims.variants || group >= t->dims.groups || hour >= t->dims.hours || total < 0 ||
      total >= BIDSIM_TOTAL_COUNT)
    return NULL;
  return &t->totals[total_index(t, variant, group, hour, total)];
}

/* Whether row (v, g, h) has figure `stat`: cap figures only for plans with
 * a cap, over whole days. */
static bool has_stat(const bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t h, int stat) {
  if (v >= t->dims.variants || g >= t->dims.groups || h >= t->dims.hours || stat < 0 || stat >= BIDSIM_STAT_COUNT)
    return false;
  return !stat_defs[stat].cap || (t->dims.hours == 1 && t->capped[(size_t)v * t->dims.groups + g]);
}

/* the statistic's scale: per-day means divide by the days covered */
static double stat_scale(const bidsim_reptable_t *t, int stat) {
  return stat_defs[stat].den == PER_DAY ? stat_defs[stat].scale / t->dims.days : stat_defs[stat].scale;
}

static const double *stat_den(const bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t h, int stat) {
  return stat_defs[stat].den == PER_DAY ? NULL : bidsim_reptable_totals(t, v, g, h, stat_defs[stat].den);
}

bidsim_estimate_t bidsim_reptable_estimate(const bidsim_reptable_t *t, uint32_t variant, uint32_t group,
                                           uint32_t hour, int stat, double level) {
  if (!has_stat(t, variant, group, hour, stat)) return (bidsim_estimate_t){ NAN, NAN, NAN, 0 };
  bidsim_estimate_t e = bidsim_ratio_estimate(bidsim_reptable_totals(t, variant, group, hour, stat_defs[stat].num),
                                              stat_den(t, variant, group, hour, stat), t->dims.replicates, level);
  double k = stat_scale(t, stat);   /* positive: the interval keeps its order */
  e.mean *= k;
  e.lo *= k;
  e.hi *= k;
  return e;
}

bidsim_paired_t bidsim_reptable_paired(const bidsim_reptable_t *t, uint32_t base, uint32_t other, uint32_t group,
                                       uint32_t hour, int stat, double level) {
  if (!has_stat(t, base, group, hour, stat) || !has_stat(t, other, group, hour, stat))
    return (bidsim_paired_t){ NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0 };
  int num = stat_defs[stat].num;
  bidsim_paired_t p = bidsim_ratio_paired(bidsim_reptable_totals(t, base, group, hour, num),
                                          stat_den(t, base, group, hour, stat),
                                          bidsim_reptable_totals(t, other, group, hour, num),
                                          stat_den(t, other, group, hour, stat), t->dims.replicates, level);
  double k = stat_scale(t, stat);   /* p and the relative change do not depend on it */
  p.base_mean *= k;
  p.other_mean *= k;
  p.diff *= k;
  p.lo *= k;
  p.hi *= k;
  return p;
}

/* A shop of the user's, that is one with a listed plan (generated
 * competitors have shops and products of their own). */
static bool listed_shop(const bidsim_results_t *res, const bidsim_results_dims_t *dm, const char *shop) {
  for (uint32_t p = 0; p < dm->plans; p++)
    if (bidsim_results_plan_listed(res, p) && !strcmp(bidsim_results_plan_shop(res, p), shop)) return true;
  return false;
}

/* Group index of every plan (or product); UINT32_MAX = not reported. */
static int make_groups(bidsim_reptable_t *t, const bidsim_results_dims_t *dm, bool all_plans, uint32_t *map,
                       bidsim_error_t *err) {
  uint32_t n = t->by == BIDSIM_BY_PRODUCT ? dm->products : dm->plans;
  t->source = bidsim_malloc((size_t)n * sizeof *t->source);
  t->name = bidsim_malloc((size_t)n * sizeof *t->name);
  if (!t->source || !t->name) return bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory");
  uint32_t groups = 0;
  for (uint32_t i = 0; i < n; i++) {
    map[i] = UINT32_MAX;
    if (t->by == BIDSIM_BY_PRODUCT) {
      if (!all_plans && !listed_shop(t->res, dm, bidsim_results_product_shop(t->res, i))) continue;
      t->source[groups] = i;
      t->name[groups] = bidsim_results_product_name(t->res, i);
      map[i] = groups++;
      continue;
    }
    if (!all_plans && !bidsim_results_plan_listed(t->res, i)) continue;
    if (t->by == BIDSIM_BY_SHOP) {
      const char *shop = bidsim_results_plan_shop(t->res, i);
      for (uint32_t g = 0; g < groups && map[i] == UINT32_MAX; g++)
        if (!strcmp(t->name[g], shop)) map[i] = g;
      if (map[i] != UINT32_MAX) continue;
      t->name[groups] = shop;
    } else {
      t->name[groups] = bidsim_results_plan_name(t->res, i);
    }
    t->source[groups] = i;
    map[i] = groups++;
  }
  if (groups == 0)
    return bidsim_error_set(err, BIDSIM_EINVAL, "report", "the file has no %s to report%s",
                            t->by == BIDSIM_BY_PRODUCT ? "products" : "listed plans",
                            t->by == BIDSIM_BY_PRODUCT ? "" : " (--all includes generated competitors)");
  t->dims.groups = groups;
  return BIDSIM_OK;
}

/* Counters of one unit's block as written by a run: non-negative, and
 * summing to at most INT64_MAX over the block, so that every sum the report
 * takes within a unit (over days, segments, hours, a shop's plans) is
 * exact. A NaN or a huge float stored in a crafted file reaches us as
 * INT64_MIN or INT64_MAX (HDF5's conversion) and is refused here. */
static int check_counts(const int64_t *buf, size_t n, bidsim_table_t table, int m, uint32_t v, uint32_t r,
                        bidsim_error_t *err) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    bool negative = buf[i] < 0;
    if (negative || __builtin_add_overflow(sum, buf[i], &sum)) {
      char where[64];
      bidsim_output_dataset_path(table, m, where, sizeof where);
      if (negative)
        return bidsim_error_set(err, BIDSIM_EFORMAT, where,
                                "variant %u, replicate %u holds %lld, not a count: a damaged file, or not bidsim's",
                                v, r, (long long)buf[i]);
      return bidsim_error_set(err, BIDSIM_EFORMAT, where,
                              "the counts of variant %u, replicate %u sum past INT64_MAX (9.2e18), which no run "
                              "writes: a damaged file, or not bidsim's",
                              v, r);
    }
  }
  return BIDSIM_OK;
}

/* cap_hit_s holds -1 (not hit) or a time of day in seconds. */
static int check_cap_hits(const int64_t *buf, size_t n, uint32_t v, uint32_t r, bidsim_error_t *err) {
  for (size_t i = 0; i < n; i++)
    if (buf[i] < -1 || buf[i] >= 86400)
      return bidsim_error_set(err, BIDSIM_EFORMAT, "/plan/cap_hit_s",
                              "variant %u, replicate %u holds %lld, neither -1 (not hit) nor a time of day in "
                              "[0, 86400) seconds: a damaged file, or not bidsim's",
                              v, r, (long long)buf[i]);
  return BIDSIM_OK;
}

/* Add one unit's selected days into cells[group * hours + hour]. */
static int accumulate(bidsim_reptable_t *t, const bidsim_results_dims_t *dm, const uint32_t *map, uint32_t v,
                      uint32_t r, uint32_t d0, uint32_t d1, int64_t *buf, cell_t *cells, bidsim_error_t *err) {
  const uint32_t H = t->dims.hours;
  bidsim_table_t table = t->by == BIDSIM_BY_PRODUCT ? BIDSIM_TABLE_PRODUCT
                         : H > 1                    ? BIDSIM_TABLE_PLAN_HOUR
                                                    : BIDSIM_TABLE_PLAN_SEGMENT;
  size_t per_day = table == BIDSIM_TABLE_PRODUCT      ? dm->products
                   : table == BIDSIM_TABLE_PLAN_HOUR ? (size_t)BIDSIM_HOURS * dm->plans
                                                     : (size_t)dm->plans * BIDSIM_SEG_COUNT;
  memset(cells, 0, (size_t)t->dims.groups * H * sizeof *cells);
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
    int rc = bidsim_results_read_unit(t->res, table, m, v, r, buf, err);
    if (rc || (rc = check_counts(buf, (size_t)dm->days * per_day, table, m, v, r, err))) return rc;
    for (uint32_t d = d0; d < d1; d++) {
      if (table == BIDSIM_TABLE_PRODUCT) {
        const int64_t *row = &buf[(size_t)d * dm->products];
        for (uint32_t q = 0; q < dm->products; q++)
          if (map[q] != UINT32_MAX) cells[map[q]].m[m] += row[q];
      } else if (table == BIDSIM_TABLE_PLAN_SEGMENT) {
        const int64_t *row = &buf[(size_t)d * dm->plans * BIDSIM_SEG_COUNT];
        for (uint32_t p = 0; p < dm->plans; p++) {
          if (map[p] == UINT32_MAX) continue;
          for (int s = 0; s < BIDSIM_SEG_COUNT; s++) cells[map[p]].m[m] += row[(size_t)p * BIDSIM_SEG_COUNT + s];
        }
      } else {
        for (uint32_t h = 0; h < BIDSIM_HOURS; h++) {
          const int64_t *row = &buf[((size_t)d * BIDSIM_HOURS + h) * dm->plans];
          for (uint32_t p = 0; p < dm->plans; p++)
            if (map[p] != UINT32_MAX) cells[(size_t)map[p] * H + h].m[m] += row[p];
        }
      }
    }
  }
  if (t->by != BIDSIM_BY_PLAN || H > 1) return BIDSIM_OK;
  int rc = bidsim_results_read_cap_hit_unit(t->res, v, r, buf, err);
  if (rc || (rc = check_cap_hits(buf, (size_t)dm->days * dm->plans, v, r, err))) return rc;
  for (uint32_t d = d0; d < d1; d++)
    for (uint32_t p = 0; p < dm->plans; p++) {
      int64_t s = buf[(size_t)d * dm->plans + p];
      if (map[p] == UINT32_MAX || s < 0) continue;
      cells[map[p]].cap_days++;
      cells[map[p]].cap_seconds += s;   /* at most days x 86,399 */
    }
  return BIDSIM_OK;
}

/* One cell's totals as the values of replicate i. */
static void store(bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t h, uint32_t i, const cell_t *c) {
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) t->totals[total_index(t, v, g, h, m) + i] = (double)c->m[m];
  t->totals[total_index(t, v, g, h, BIDSIM_TOTAL_CAP_DAYS) + i] = (double)c->cap_days;
  t->totals[total_index(t, v, g, h, BIDSIM_TOTAL_CAP_SECONDS) + i] = (double)c->cap_seconds;
}

/* n x size bytes, or 0 when that does not fit a size_t (a crafted file's
 * dimensions can ask for more than any machine has). */
static size_t bytes_for(double n, size_t size) {
  double b = n * (double)size;
  return b < 9.0e18 && b <= (double)SIZE_MAX ? (size_t)b : 0;
}

static int no_memory(bidsim_error_t *err, const char *what, const bidsim_results_dims_t *dm, double bytes) {
  return bidsim_error_set(err, BIDSIM_ENOMEM, "memory",
                          "%s of this file (%u variants x %u replicates x %u days) needs %.3g GB, more than "
                          "can be allocated",
                          what, dm->variants, dm->replicates, dm->days, bytes / 1e9);
}

/* The machine's memory: a table larger than that is refused before any
 * allocation (which overcommit might grant, and a page fault later kill). */
static double physical_bytes(void) {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? (double)pages * (double)size : INFINITY;
}

int bidsim_reptable_create(bidsim_results_t *res, const bidsim_reptable_options_t *opt, bidsim_reptable_t **out,
                           bidsim_error_t *err) {
  *out = NULL;
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  if (!bidsim_results_complete(res)) {
    uint32_t i, n;
    bidsim_results_shard(res, &i, &n);
    return bidsim_error_set(err, BIDSIM_EINVAL, "results",
                            "this is part %u of %u of a sharded run: join the parts with bidsim merge first", i, n);
  }
  if (opt->day >= 0 && (uint32_t)opt->day >= dm.days)
    return bidsim_error_set(err, BIDSIM_EINVAL, "day", "day %d is past the file's last day %u (days count from 0)",
                            opt->day, dm.days - 1);
  if (opt->hourly && opt->by == BIDSIM_BY_PRODUCT)
    return bidsim_error_set(err, BIDSIM_EINVAL, "hourly", "hourly figures exist per plan and per shop, not per product");
  uint32_t rep_count = opt->rep_count;
  if (opt->rep_first < dm.replicates && rep_count == 0) rep_count = dm.replicates - opt->rep_first;
  if (opt->rep_first >= dm.replicates || rep_count > dm.replicates - opt->rep_first)
    return bidsim_error_set(err, BIDSIM_EINVAL, "replicates", "replicates [%u, %u) are outside the file's %u",
                            opt->rep_first, opt->rep_first + rep_count, dm.replicates);

  bidsim_reptable_t *t = bidsim_calloc(1, sizeof *t);
  uint32_t *map = bidsim_malloc(((size_t)dm.plans > dm.products ? dm.plans : dm.products) * sizeof *map);
  int64_t *buf = NULL;
  cell_t *cells = NULL;
  int rc = BIDSIM_OK;
  if (!t || !map) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory"); goto out; }
  t->res = res;
  t->by = opt->by;
  uint32_t d0 = opt->day >= 0 ? (uint32_t)opt->day : 0, d1 = opt->day >= 0 ? d0 + 1 : dm.days;
  t->dims = (bidsim_reptable_dims_t){ dm.variants, 0, opt->hourly ? BIDSIM_HOURS : 1, rep_count, d1 - d0 };
  if ((rc = make_groups(t, &dm, opt->all_plans, map, err))) goto out;

  /* one unit's block of the largest table read: (D, P, S), (D, 24, P) or (D, Q) */
  double per_day = (double)dm.plans * BIDSIM_HOURS > dm.products ? (double)dm.plans * BIDSIM_HOURS : dm.products;
  double unit = (double)dm.days * per_day,
         table = (double)dm.variants * t->dims.groups * t->dims.hours * BIDSIM_TOTAL_COUNT * rep_count;
  size_t unit_bytes = bytes_for(unit, sizeof *buf), table_bytes = bytes_for(table, sizeof *t->totals);
  double memory = physical_bytes();
  if ((double)unit_bytes > memory) unit_bytes = 0;
  if ((double)table_bytes > memory) table_bytes = 0;
  buf = unit_bytes ? bidsim_malloc(unit_bytes) : NULL;
  if (!buf) { rc = no_memory(err, "one unit", &dm, unit * sizeof *buf); goto out; }
  t->totals = table_bytes ? bidsim_malloc(table_bytes) : NULL;
  if (!t->totals) {
    rc = no_memory(err, "the table of every replicate's totals", &dm, table * sizeof *t->totals);
    goto out;
  }
  cells = bidsim_malloc((size_t)t->dims.groups * t->dims.hours * sizeof *cells);
  t->capped = bidsim_malloc((size_t)dm.variants * t->dims.groups * sizeof *t->capped);
  if (!cells || !t->capped) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory"); goto out; }
  for (uint32_t v = 0; v < dm.variants; v++)
    for (uint32_t g = 0; g < t->dims.groups; g++)
      t->capped[(size_t)v * t->dims.groups + g] =
        t->by == BIDSIM_BY_PLAN && bidsim_results_variant_cap_li(res, v, t->source[g]) != BIDSIM_CAP_UNLIMITED;

  for (uint32_t v = 0; v < dm.variants; v++)
    for (uint32_t i = 0; i < rep_count; i++) {
      if ((rc = accumulate(t, &dm, map, v, opt->rep_first + i, d0, d1, buf, cells, err))) goto out;
      for (uint32_t g = 0; g < t->dims.groups; g++)
        for (uint32_t h = 0; h < t->dims.hours; h++) store(t, v, g, h, i, &cells[(size_t)g * t->dims.hours + h]);
    }
out:
  bidsim_free(map);
  bidsim_free(buf);
  bidsim_free(cells);
  if (rc) bidsim_reptable_free(t);
  else *out = t;
  return rc;
}
