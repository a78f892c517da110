/* analysis/reptable_read.c - per-replicate totals behind the report's
 * figures, read from a result file one (variant, replicate) unit at a
 * time, so memory is the table (variants x groups x cells x totals x
 * replicates doubles) plus one unit's blocks, whatever the file's size.
 * Every counter read is checked before any arithmetic: a crafted or
 * damaged file must not turn into figures through overflow. Never prints. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "analysis/field_metrics.h"
#include "analysis/reptable_internal.h"
#include "analysis/targets.h"
#include "bidsim/alloc.h"

/* Totals of one unit for one (group, cell), over the cell's days. */
typedef struct {
  int64_t m[BIDSIM_METRIC_COUNT];
  int64_t cap_days, cap_seconds, capped_seconds, spend_days;
  double pacing, score;   /* sums of the days' pacing RMSE and CPA scores */
} cell_t;

/* One unit's working memory. */
typedef struct {
  int64_t *buf;           /* the largest block read: (D, P, S), (D, 24, P), (D, K, P) or (D, Q) */
  int64_t *impressions;   /* (D, 24, S) */
  int64_t *day_spend, *day_orders;   /* (selected day, P): each plan's day, for the CPA score */
  int64_t *group_hours;   /* (G, 24): one day's spend per group and hour */
  cell_t *cells;          /* (G, cells) */
} scratch_t;

/* A shop of the user's, that is one with a listed plan (generated
 * competitors have shops and products of their own). */
static bool listed_shop(const bidsim_results_t *res, const bidsim_results_dims_t *dm, const char *shop) {
  for (uint32_t p = 0; p < dm->plans; p++)
    if (bidsim_results_plan_listed(res, p) && !strcmp(bidsim_results_plan_shop(res, p), shop)) return true;
  return false;
}

static bool plan_selected(const bidsim_results_t *res, const bidsim_reptable_options_t *opt, uint32_t p) {
  if (opt->shop && strcmp(bidsim_results_plan_shop(res, p), opt->shop)) return false;
  if (opt->plans) return opt->plans[p];
  return opt->shop || opt->all_plans || bidsim_results_plan_listed(res, p);   /* a named shop: all its plans */
}

static bool product_selected(const bidsim_results_t *res, const bidsim_results_dims_t *dm,
                             const bidsim_reptable_options_t *opt, uint32_t q) {
  const char *shop = bidsim_results_product_shop(res, q);
  if (opt->shop ? strcmp(shop, opt->shop) != 0 : !opt->all_plans && !listed_shop(res, dm, shop)) return false;
  if (!opt->plans) return true;
  uint32_t plan = bidsim_results_product_plan(res, q);
  return plan < dm->plans && opt->plans[plan];
}

/* Group index of every plan (or product); UINT32_MAX = not reported. */
static int make_groups(bidsim_reptable_t *t, const bidsim_results_dims_t *dm, const bidsim_reptable_options_t *opt,
                       uint32_t *map, bidsim_error_t *err) {
  uint32_t n = t->by == BIDSIM_BY_PRODUCT ? dm->products : dm->plans;
  t->source = bidsim_malloc((size_t)(n ? n : 1) * sizeof *t->source);
  t->name = bidsim_malloc((size_t)(n ? n : 1) * sizeof *t->name);
  if (!t->source || !t->name) return bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory");
  uint32_t groups = 0;
  for (uint32_t i = 0; i < n; i++) {
    map[i] = UINT32_MAX;
    if (t->by == BIDSIM_BY_PRODUCT) {
      if (!product_selected(t->res, dm, opt, i)) continue;
      t->source[groups] = i;
      t->name[groups] = bidsim_results_product_name(t->res, i);
      map[i] = groups++;
      continue;
    }
    if (!plan_selected(t->res, opt, i)) continue;
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
  if (groups == 0) {
    bool filtered = opt->plans || opt->shop;
    return bidsim_error_set(err, BIDSIM_EINVAL, "report", "the file has no %s to report%s",
                            t->by == BIDSIM_BY_PRODUCT ? "products" : filtered ? "plans" : "listed plans",
                            filtered                      ? " that pass --plan and --shop together"
                            : t->by == BIDSIM_BY_PRODUCT ? ""
                                                          : " (--all includes generated competitors)");
  }
  t->dims.groups = groups;
  return BIDSIM_OK;
}

/* Counters of one unit's block as written by a run: non-negative, and
 * summing to at most INT64_MAX over the block, so that every sum the report
 * takes within a unit (over days, segments, hours, a shop's plans) is
 * exact. A NaN or a huge float stored in a crafted file reaches us as
 * INT64_MIN or INT64_MAX (HDF5's conversion) and is refused here. */
static int check_counts(const int64_t *buf, size_t n, const char *where, uint32_t v, uint32_t r, bidsim_error_t *err) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    bool negative = buf[i] < 0;
    if (negative || __builtin_add_overflow(sum, buf[i], &sum)) {
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
    if (buf[i] < -1 || buf[i] >= BIDSIM_SECONDS_PER_DAY)
      return bidsim_error_set(err, BIDSIM_EFORMAT, "/plan/cap_hit_s",
                              "variant %u, replicate %u holds %lld, neither -1 (not hit) nor a time of day in "
                              "[0, 86400) seconds: a damaged file, or not bidsim's",
                              v, r, (long long)buf[i]);
  return BIDSIM_OK;
}

/* Read one metric's block of a unit and check it. */
static int read_counts(bidsim_reptable_t *t, const bidsim_results_dims_t *dm, bidsim_table_t table, int m, uint32_t v,
                       uint32_t r, int64_t *buf, bidsim_error_t *err) {
  size_t per_day = table == BIDSIM_TABLE_PRODUCT      ? dm->products
                   : table == BIDSIM_TABLE_PLAN_HOUR ? (size_t)BIDSIM_HOURS * dm->plans
                   : table == BIDSIM_TABLE_PLAN_SLOT ? (size_t)dm->slots * dm->plans
                                                     : (size_t)dm->plans * BIDSIM_SEG_COUNT;
  char where[64];
  bidsim_output_dataset_path(table, m, where, sizeof where);
  int rc = bidsim_results_read_unit(t->res, table, m, v, r, buf, err);
  return rc ? rc : check_counts(buf, (size_t)dm->days * per_day, where, v, r, err);
}

/* Whether the unit's whole-day figures (cap, pacing, CPA score) are kept. */
static bool whole_days(const bidsim_reptable_t *t) {
  return t->by != BIDSIM_BY_PRODUCT && (t->dims.cut == BIDSIM_CUT_NONE || t->dims.cut == BIDSIM_CUT_DAY);
}

/* the cell of selected day i (0 = day_first) */
static uint32_t day_cell(const bidsim_reptable_t *t, uint32_t i) { return t->dims.cut == BIDSIM_CUT_DAY ? i : 0; }

/* The five counters of one unit into s->cells (by slot: the two that
 * /plan_slot holds, exposures and clicks; the others stay 0 and the
 * figures from them are not shown), and each plan's daily spend and orders
 * when whole-day figures are kept. */
static int add_counters(bidsim_reptable_t *t, const bidsim_results_dims_t *dm, const uint32_t *map, uint32_t v,
                        uint32_t r, scratch_t *s, bidsim_error_t *err) {
  const uint32_t C = t->dims.cells, d0 = t->dims.day_first, D = t->dims.days, P = dm->plans;
  bidsim_table_t table = t->by == BIDSIM_BY_PRODUCT         ? BIDSIM_TABLE_PRODUCT
                         : t->dims.cut == BIDSIM_CUT_HOUR ? BIDSIM_TABLE_PLAN_HOUR
                         : t->dims.cut == BIDSIM_CUT_SLOT ? BIDSIM_TABLE_PLAN_SLOT
                                                          : BIDSIM_TABLE_PLAN_SEGMENT;
  int metrics = table == BIDSIM_TABLE_PLAN_SLOT ? BIDSIM_SLOT_METRIC_COUNT : BIDSIM_METRIC_COUNT;
  for (int m = 0; m < metrics; m++) {
    int rc = read_counts(t, dm, table, m, v, r, s->buf, err);
    if (rc) return rc;
    int64_t *daily = !whole_days(t) ? NULL
                     : m == BIDSIM_METRIC_SPEND_LI    ? s->day_spend
                     : m == BIDSIM_METRIC_CONVERSIONS ? s->day_orders
                                                      : NULL;
    for (uint32_t i = 0; i < D; i++) {
      uint32_t d = d0 + i, c = day_cell(t, i);
      if (table == BIDSIM_TABLE_PRODUCT) {
        const int64_t *row = &s->buf[(size_t)d * dm->products];
        for (uint32_t q = 0; q < dm->products; q++)
          if (map[q] != UINT32_MAX) s->cells[(size_t)map[q] * C + c].m[m] += row[q];
      } else if (table == BIDSIM_TABLE_PLAN_SEGMENT) {
        const int64_t *row = &s->buf[(size_t)d * P * BIDSIM_SEG_COUNT];
        for (uint32_t p = 0; p < P; p++) {
          if (map[p] == UINT32_MAX) continue;
          int64_t day = 0;
          for (int g = 0; g < BIDSIM_SEG_COUNT; g++) {
            int64_t x = row[(size_t)p * BIDSIM_SEG_COUNT + g];
            if (t->dims.cut == BIDSIM_CUT_SEGMENT) s->cells[(size_t)map[p] * C + (uint32_t)g].m[m] += x;
            day += x;
          }
          if (t->dims.cut != BIDSIM_CUT_SEGMENT) s->cells[(size_t)map[p] * C + c].m[m] += day;
          if (daily) daily[(size_t)i * P + p] = day;
        }
      } else {   /* (D, 24, P) by hour, (D, K, P) by slot: a cell per hour or slot */
        for (uint32_t h = 0; h < C; h++) {
          const int64_t *row = &s->buf[((size_t)d * C + h) * P];
          for (uint32_t p = 0; p < P; p++)
            if (map[p] != UINT32_MAX) s->cells[(size_t)map[p] * C + h].m[m] += row[p];
        }
      }
    }
  }
  return BIDSIM_OK;
}

/* Cap figures of one unit (plans): the days hit, their hit times and the
 * time capped. */
static int add_caps(bidsim_reptable_t *t, const bidsim_results_dims_t *dm, const uint32_t *map, uint32_t v,
                    uint32_t r, scratch_t *s, bidsim_error_t *err) {
  int rc = bidsim_results_read_cap_hit_unit(t->res, v, r, s->buf, err);
  if (rc || (rc = check_cap_hits(s->buf, (size_t)dm->days * dm->plans, v, r, err))) return rc;
  for (uint32_t i = 0; i < t->dims.days; i++)
    for (uint32_t p = 0; p < dm->plans; p++) {
      int64_t hit = s->buf[(size_t)(t->dims.day_first + i) * dm->plans + p];
      if (map[p] == UINT32_MAX || hit < 0) continue;
      cell_t *c = &s->cells[(size_t)map[p] * t->dims.cells + day_cell(t, i)];
      c->cap_days++;
      c->cap_seconds += hit;   /* at most days x 86,399 */
      c->capped_seconds += bidsim_capped_seconds(hit);
    }
  return BIDSIM_OK;
}

/* Pacing evenness of one unit: each group's hourly spend of each day
 * against that day's arriving impressions. */
static int add_pacing(bidsim_reptable_t *t, const bidsim_results_dims_t *dm, const uint32_t *map, uint32_t v,
                      uint32_t r, scratch_t *s, bidsim_error_t *err) {
  const uint32_t G = t->dims.groups, P = dm->plans;
  int rc = read_counts(t, dm, BIDSIM_TABLE_PLAN_HOUR, BIDSIM_METRIC_SPEND_LI, v, r, s->buf, err);
  if (rc || (rc = bidsim_results_read_impressions_unit(t->res, v, r, s->impressions, err)) ||
      (rc = check_counts(s->impressions, (size_t)dm->days * BIDSIM_HOURS * BIDSIM_SEG_COUNT, "/traffic/impressions",
                         v, r, err)))
    return rc;
  for (uint32_t i = 0; i < t->dims.days; i++) {
    uint32_t d = t->dims.day_first + i;
    int64_t traffic[BIDSIM_HOURS];
    memset(s->group_hours, 0, (size_t)G * BIDSIM_HOURS * sizeof *s->group_hours);
    for (uint32_t h = 0; h < BIDSIM_HOURS; h++) {
      const int64_t *imp = &s->impressions[((size_t)d * BIDSIM_HOURS + h) * BIDSIM_SEG_COUNT];
      traffic[h] = imp[0] + imp[1] + imp[2];   /* within the checked block's sum */
      const int64_t *row = &s->buf[((size_t)d * BIDSIM_HOURS + h) * P];
      for (uint32_t p = 0; p < P; p++)
        if (map[p] != UINT32_MAX) s->group_hours[(size_t)map[p] * BIDSIM_HOURS + h] += row[p];
    }
    for (uint32_t g = 0; g < G; g++) {
      double e = bidsim_pacing_rmse(&s->group_hours[(size_t)g * BIDSIM_HOURS], traffic);
      if (isnan(e)) continue;   /* no spend that day: nothing paced */
      cell_t *c = &s->cells[(size_t)g * t->dims.cells + day_cell(t, i)];
      c->pacing += e;
      c->spend_days++;
    }
  }
  return BIDSIM_OK;
}

/* AuctionNet's score of each plan-day of one unit, for plans with a target. */
static void add_scores(bidsim_reptable_t *t, const bidsim_results_dims_t *dm, const uint32_t *map, uint32_t v,
                       scratch_t *s) {
  for (uint32_t i = 0; i < t->dims.days; i++)
    for (uint32_t p = 0; p < dm->plans; p++) {
      if (map[p] == UINT32_MAX) continue;
      double target = t->target_li[(size_t)v * t->dims.groups + map[p]];
      if (isnan(target)) continue;
      size_t at = (size_t)i * dm->plans + p;
      s->cells[(size_t)map[p] * t->dims.cells + day_cell(t, i)].score +=
        bidsim_cpa_score(s->day_orders[at], s->day_spend[at], target);
    }
}

/* One cell's totals as the values of replicate i. */
static void store(bidsim_reptable_t *t, uint32_t v, uint32_t g, uint32_t c, uint32_t i, const cell_t *x) {
  double *at = &t->totals[bidsim__total_index(t, v, g, c, 0) + i];
  const size_t R = t->dims.replicates;
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) at[(size_t)m * R] = (double)x->m[m];
  at[BIDSIM_TOTAL_CAP_DAYS * R] = (double)x->cap_days;
  at[BIDSIM_TOTAL_CAP_SECONDS * R] = (double)x->cap_seconds;
  at[BIDSIM_TOTAL_CAPPED_SECONDS * R] = (double)x->capped_seconds;
  at[BIDSIM_TOTAL_SPEND_DAYS * R] = (double)x->spend_days;
  at[BIDSIM_TOTAL_PACING_RMSE * R] = x->pacing;
  at[BIDSIM_TOTAL_CPA_SCORE * R] = x->score;
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

/* A block of n elements of `size` bytes, refused (NULL, *need set) when it
 * exceeds the machine's memory. */
static void *alloc_checked(double n, size_t size, double *need) {
  size_t b = bytes_for(n, size);
  *need = n * (double)size;
  return b && (double)b <= physical_bytes() ? bidsim_malloc(b ? b : 1) : NULL;
}

/* Per-group flags: caps as each variant runs them, target CPAs. */
static int make_flags(bidsim_reptable_t *t, const bidsim_results_dims_t *dm, bidsim_error_t *err) {
  size_t vg = (size_t)dm->variants * t->dims.groups;
  t->capped = bidsim_malloc(vg * sizeof *t->capped);
  t->target_li = bidsim_malloc(vg * sizeof *t->target_li);
  double *targets = t->by == BIDSIM_BY_PLAN && whole_days(t)
                      ? bidsim_malloc((size_t)dm->variants * (dm->plans ? dm->plans : 1) * sizeof *targets)
                      : NULL;
  int rc = BIDSIM_OK;
  if (!t->capped || !t->target_li || (t->by == BIDSIM_BY_PLAN && whole_days(t) && !targets))
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory");
  else if (targets && bidsim_targets_cpa(t->res, targets, t->note, sizeof t->note))
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory reading the scenario's targets");
  for (uint32_t v = 0; rc == BIDSIM_OK && v < dm->variants; v++)
    for (uint32_t g = 0; g < t->dims.groups; g++) {
      size_t i = (size_t)v * t->dims.groups + g;
      t->capped[i] = t->by == BIDSIM_BY_PLAN && bidsim_results_variant_cap_li(t->res, v, t->source[g]) != BIDSIM_CAP_UNLIMITED;
      t->target_li[i] = targets ? targets[(size_t)v * dm->plans + t->source[g]] : NAN;
    }
  bidsim_free(targets);
  return rc;
}

int bidsim__reptable_read(bidsim_reptable_t *t, const bidsim_reptable_options_t *opt, bidsim_error_t *err) {
  bidsim_results_dims_t dm;
  bidsim_results_dims(t->res, &dm);
  const uint32_t R = t->dims.replicates, C = t->dims.cells;
  uint32_t *map = bidsim_malloc(((size_t)dm.plans > dm.products ? dm.plans : dm.products) * sizeof *map + 1);
  scratch_t s = { 0 };
  int rc = map ? make_groups(t, &dm, opt, map, err) : bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory");
  if (rc || (rc = make_flags(t, &dm, err))) goto out;

  /* one unit's block of the largest table read: (D, P, S), (D, 24, P), (D, K, P) or (D, Q) */
  double need, per_day = (double)dm.plans * (dm.slots > BIDSIM_HOURS ? dm.slots : BIDSIM_HOURS);
  if (per_day < dm.products) per_day = dm.products;
  if (!(s.buf = alloc_checked((double)dm.days * per_day + 1, sizeof *s.buf, &need))) {
    rc = no_memory(err, "one unit", &dm, need);
    goto out;
  }
  if (!(t->totals = alloc_checked((double)dm.variants * t->dims.groups * C * BIDSIM_TOTAL_COUNT * R,
                                  sizeof *t->totals, &need))) {
    rc = no_memory(err, "the table of every replicate's totals", &dm, need);
    goto out;
  }
  size_t daily = (size_t)t->dims.days * dm.plans + 1;
  s.impressions = bidsim_malloc(((size_t)dm.days * BIDSIM_HOURS * BIDSIM_SEG_COUNT + 1) * sizeof *s.impressions);
  s.day_spend = bidsim_calloc(daily, sizeof *s.day_spend);
  s.day_orders = bidsim_calloc(daily, sizeof *s.day_orders);
  s.group_hours = bidsim_malloc((size_t)t->dims.groups * BIDSIM_HOURS * sizeof *s.group_hours);
  s.cells = bidsim_malloc((size_t)t->dims.groups * C * sizeof *s.cells);
  if (!s.impressions || !s.day_spend || !s.day_orders || !s.group_hours || !s.cells) {
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory");
    goto out;
  }
  for (uint32_t v = 0; v < dm.variants; v++)
    for (uint32_t i = 0; i < R; i++) {
      uint32_t r = opt->rep_first + i;
      memset(s.cells, 0, (size_t)t->dims.groups * C * sizeof *s.cells);
      if ((rc = add_counters(t, &dm, map, v, r, &s, err))) goto out;
      if (whole_days(t)) {
        if (t->by == BIDSIM_BY_PLAN && (rc = add_caps(t, &dm, map, v, r, &s, err))) goto out;
        if ((rc = add_pacing(t, &dm, map, v, r, &s, err))) goto out;
        add_scores(t, &dm, map, v, &s);
      }
      for (uint32_t g = 0; g < t->dims.groups; g++)
        for (uint32_t c = 0; c < C; c++) store(t, v, g, c, i, &s.cells[(size_t)g * C + c]);
    }
out:
  bidsim_free(map);
  bidsim_free(s.buf);
  bidsim_free(s.impressions);
  bidsim_free(s.day_spend);
  bidsim_free(s.day_orders);
  bidsim_free(s.group_hours);
  bidsim_free(s.cells);
  return rc;
}
