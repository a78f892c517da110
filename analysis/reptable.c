/* analysis/reptable.c - per-replicate report statistics from a result file.
 * Reads one (variant, replicate) unit at a time, so memory is the table of
 * values (variants x groups x hours x statistics x replicates doubles) plus
 * one unit's block, whatever the file's size. Never prints. */
#include "analysis/reptable.h"
#include <math.h>
#include <string.h>
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

const char *bidsim_stat_key(int stat) {
  return stat >= 0 && stat < BIDSIM_STAT_COUNT ? stat_names[stat].key : "unknown";
}
const char *bidsim_stat_label(int stat) {
  return stat >= 0 && stat < BIDSIM_STAT_COUNT ? stat_names[stat].label : "unknown";
}

struct bidsim_reptable {
  bidsim_results_t *res;
  bidsim_reptable_dims_t dims;
  bidsim_group_by_t by;
  uint32_t *source;        /* per group: a plan index (shop: its first plan) or product index */
  const char **name;       /* per group, owned by res */
  double *values;          /* [variant][group][hour][stat][replicate] */
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
  bidsim_free(t->values);
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

static size_t value_index(const bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t h, int stat) {
  return ((((size_t)v * t->dims.groups + g) * t->dims.hours + h) * BIDSIM_STAT_COUNT + (size_t)stat) *
         t->dims.replicates;
}

const double *bidsim_reptable_values(const bidsim_reptable_t *t, uint32_t variant, uint32_t group, uint32_t hour,
                                     int stat) {
  if (variant >= t->dims.variants || group >= t->dims.groups || hour >= t->dims.hours || stat < 0 ||
      stat >= BIDSIM_STAT_COUNT)
    return NULL;
  return &t->values[value_index(t, variant, group, hour, stat)];
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

/* Add one unit's selected days into cells[group * hours + hour]. */
static int accumulate(bidsim_reptable_t *t, const bidsim_results_dims_t *dm, const uint32_t *map, uint32_t v,
                      uint32_t r, uint32_t d0, uint32_t d1, int64_t *buf, cell_t *cells, bidsim_error_t *err) {
  const uint32_t H = t->dims.hours;
  bidsim_table_t table = t->by == BIDSIM_BY_PRODUCT ? BIDSIM_TABLE_PRODUCT
                         : H > 1                    ? BIDSIM_TABLE_PLAN_HOUR
                                                    : BIDSIM_TABLE_PLAN_SEGMENT;
  memset(cells, 0, (size_t)t->dims.groups * H * sizeof *cells);
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
    int rc = bidsim_results_read_unit(t->res, table, m, v, r, buf, err);
    if (rc) return rc;
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
  if (rc) return rc;
  for (uint32_t d = d0; d < d1; d++)
    for (uint32_t p = 0; p < dm->plans; p++) {
      int64_t s = buf[(size_t)d * dm->plans + p];
      if (map[p] == UINT32_MAX || s < 0) continue;
      cells[map[p]].cap_days++;
      cells[map[p]].cap_seconds += s;
    }
  return BIDSIM_OK;
}

static double ratio(int64_t num, int64_t den, double scale) {
  return den ? (double)num / (double)den * scale : NAN;
}

/* The statistics of one cell, as values of replicate r. */
static void store(bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t h, uint32_t r, const cell_t *c,
                  bool capped) {
  const int64_t *m = c->m;
  double days = t->dims.days, st[BIDSIM_STAT_COUNT];
  st[BIDSIM_STAT_EXPOSURES] = (double)m[BIDSIM_METRIC_EXPOSURES] / days;
  st[BIDSIM_STAT_CLICKS] = (double)m[BIDSIM_METRIC_CLICKS] / days;
  st[BIDSIM_STAT_SPEND] = (double)m[BIDSIM_METRIC_SPEND_LI] / 1000.0 / days;   /* li -> yuan */
  st[BIDSIM_STAT_ORDERS] = (double)m[BIDSIM_METRIC_CONVERSIONS] / days;
  st[BIDSIM_STAT_ORDER_VALUE] = (double)m[BIDSIM_METRIC_ORDER_VALUE_LI] / 1000.0 / days;
  st[BIDSIM_STAT_CTR] = ratio(m[BIDSIM_METRIC_CLICKS], m[BIDSIM_METRIC_EXPOSURES], 1);
  st[BIDSIM_STAT_CPC] = ratio(m[BIDSIM_METRIC_SPEND_LI], m[BIDSIM_METRIC_CLICKS], 1e-3);
  st[BIDSIM_STAT_CVR] = ratio(m[BIDSIM_METRIC_CONVERSIONS], m[BIDSIM_METRIC_CLICKS], 1);
  st[BIDSIM_STAT_ROI] = ratio(m[BIDSIM_METRIC_ORDER_VALUE_LI], m[BIDSIM_METRIC_SPEND_LI], 1);
  /* Cap figures exist for plans with a cap, over whole days only. */
  st[BIDSIM_STAT_CAP_HIT_HOUR] = capped ? ratio(c->cap_seconds, c->cap_days, 1.0 / 3600) : NAN;
  st[BIDSIM_STAT_CAP_HIT_SHARE] = capped ? (double)c->cap_days / days : NAN;
  for (int s = 0; s < BIDSIM_STAT_COUNT; s++) t->values[value_index(t, v, g, h, s) + r] = st[s];
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
  size_t per_day = (size_t)dm.plans * BIDSIM_HOURS;
  if ((size_t)dm.products > per_day) per_day = dm.products;
  buf = bidsim_malloc((size_t)dm.days * per_day * sizeof *buf);
  cells = bidsim_malloc((size_t)t->dims.groups * t->dims.hours * sizeof *cells);
  t->values = bidsim_malloc(value_index(t, dm.variants, 0, 0, 0) * sizeof *t->values);
  if (!buf || !cells || !t->values) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory"); goto out; }

  for (uint32_t v = 0; v < dm.variants; v++)
    for (uint32_t i = 0; i < rep_count; i++) {
      if ((rc = accumulate(t, &dm, map, v, opt->rep_first + i, d0, d1, buf, cells, err))) goto out;
      for (uint32_t g = 0; g < t->dims.groups; g++) {
        bool capped = t->by == BIDSIM_BY_PLAN && bidsim_results_variant_cap_li(res, v, t->source[g]) != BIDSIM_CAP_UNLIMITED;
        for (uint32_t h = 0; h < t->dims.hours; h++)
          store(t, v, g, h, i, &cells[(size_t)g * t->dims.hours + h], capped && t->dims.hours == 1);
      }
    }
out:
  bidsim_free(map);
  bidsim_free(buf);
  bidsim_free(cells);
  if (rc) bidsim_reptable_free(t);
  else *out = t;
  return rc;
}
