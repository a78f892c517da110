/* cli/report_table.c - the report's output: a block of every figure per
 * row, a grid per cut (hours, days, segments, slots), a row per variant or
 * sweep point with the swept values as columns, and CSV/JSON rows with
 * every field. */
#include "cli/report_table.h"
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bidsim_report_fmt_stat(char *buf, size_t n, int stat, double v, bool group) {
  switch (stat) {
    case BIDSIM_STAT_CTR: case BIDSIM_STAT_CVR: case BIDSIM_STAT_CAP_HIT_SHARE: case BIDSIM_STAT_CAPPED_SHARE:
      bidsim_fmt_number(buf, n, v * 100, 2, false);
      break;
    case BIDSIM_STAT_CAP_HIT_HOUR:
      if (isnan(v)) snprintf(buf, n, "-");
      else {
        long minutes = lround(v * 60);
        if (minutes > 1439) minutes = 1439;   /* a hit in the day's last half minute is 23:59, not 24:00 */
        snprintf(buf, n, "%02ld:%02ld", minutes / 60, minutes % 60);
      }
      break;
    case BIDSIM_STAT_EXPOSURES: case BIDSIM_STAT_CLICKS:
      bidsim_fmt_number(buf, n, v, 1, group);
      break;
    case BIDSIM_STAT_PACING_RMSE:
      bidsim_fmt_number(buf, n, v, 3, false);
      break;
    default:
      bidsim_fmt_number(buf, n, v, 2, group);
  }
}

void bidsim_report_fmt_cell(char *buf, size_t n, int stat, const bidsim_estimate_t *e) {
  char m[32], h[32];
  bidsim_report_fmt_stat(m, sizeof m, stat, e->mean, false);
  if (isnan(e->lo) || stat == BIDSIM_STAT_CAP_HIT_HOUR) {   /* a half-width as a clock time says nothing */
    snprintf(buf, n, "%s", m);
    return;
  }
  bidsim_report_fmt_stat(h, sizeof h, stat, (e->hi - e->lo) / 2, false);
  snprintf(buf, n, "%s±%s", m, h);
}

const char *bidsim_report_stat_title(int stat) {
  switch (stat) {
    case BIDSIM_STAT_CTR: return "CTR (%)";
    case BIDSIM_STAT_CVR: return "CVR (%)";
    case BIDSIM_STAT_CAP_HIT_HOUR: return "cap hit (time)";
    case BIDSIM_STAT_CAP_HIT_SHARE: return "days cap hit (%)";
    case BIDSIM_STAT_CAPPED_SHARE: return "day capped (%)";
    case BIDSIM_STAT_CPA_SCORE: return "CPA score";
    default: return bidsim_stat_label(stat);
  }
}

void bidsim_report_days_label(const bidsim_results_t *res, const bidsim_reptable_t *t, char *buf, size_t n) {
  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(t, &td);
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  if (td.day_first == 0 && td.days == dm.days) snprintf(buf, n, "all");
  else if (td.days == 1) snprintf(buf, n, "%s", bidsim_results_day_label(res, td.day_first));
  else
    snprintf(buf, n, "%s:%s", bidsim_results_day_label(res, td.day_first),
             bidsim_results_day_label(res, td.day_first + td.days - 1));
}

void bidsim_report_sweep_fields(bidsim_rows_t *w, const bidsim_sweep_cols_t *s, uint32_t v) {
  for (uint32_t k = 0; k < s->count; k++) {
    const char *value = s->values[(size_t)v * s->count + k];
    char *end;
    double x = strtod(value, &end);
    if (*value && *end == '\0' && isfinite(x)) bidsim_row_number(w, s->keys[k], x);
    else bidsim_row_string(w, s->keys[k], value);
  }
}

void bidsim_report_cell_fields(bidsim_rows_t *w, const bidsim_reptable_t *t, uint32_t cell) {
  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(t, &td);
  char label[64];
  bidsim_reptable_cell_label(t, cell, label, sizeof label);
  bidsim_row_number(w, "hour", td.cut == BIDSIM_CUT_HOUR ? (double)cell : NAN);
  bidsim_row_string(w, "segment", td.cut == BIDSIM_CUT_SEGMENT ? label : NULL);
  bidsim_row_number(w, "slot", td.cut == BIDSIM_CUT_SLOT ? (double)cell + 1 : NAN);
}

typedef struct {
  const bidsim_results_t *res;
  const bidsim_reptable_t *t;
  const bidsim_report_view_t *view;
  bidsim_sweep_cols_t sweep;
  uint32_t variant, group, cell;
} ctx_t;

static bidsim_estimate_t est(const ctx_t *c, uint32_t v, uint32_t cell, int stat) {
  return bidsim_reptable_estimate(c->t, v, c->group, cell, stat, BIDSIM_REPORT_LEVEL);
}

static void emit_row(bidsim_rows_t *w, const void *p) {
  const ctx_t *c = p;
  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(c->t, &td);
  bidsim_group_by_t by = c->view->by.by;
  char day[64];
  if (td.cut == BIDSIM_CUT_DAY) bidsim_reptable_cell_label(c->t, c->cell, day, sizeof day);
  else bidsim_report_days_label(c->res, c->t, day, sizeof day);
  bidsim_row_string(w, "variant", bidsim_results_variant_name(c->res, c->variant));
  bidsim_report_sweep_fields(w, &c->sweep, c->variant);
  bidsim_row_string(w, "by", bidsim_group_by_name(by));
  bidsim_row_string(w, "name", bidsim_reptable_group_name(c->t, c->group));
  bidsim_row_string(w, "shop", bidsim_reptable_group_shop(c->t, c->group));
  bidsim_row_number(w, "product_id",
                    by == BIDSIM_BY_PRODUCT ? (double)bidsim_reptable_group_product_id(c->t, c->group) : NAN);
  bidsim_row_string(w, "plan", bidsim_reptable_group_plan(c->t, c->group));
  bidsim_row_string(w, "day", day);
  bidsim_report_cell_fields(w, c->t, c->cell);
  bidsim_row_number(w, "replicates", td.replicates);
  bidsim_row_number(w, "days", td.cut == BIDSIM_CUT_DAY ? 1 : td.days);
  bidsim_row_number(w, "target_cpa_yuan", bidsim_reptable_target_cpa(c->t, c->variant, c->group));
  char key[64];
  for (int s = 0; s < BIDSIM_STAT_COUNT; s++) {
    bidsim_estimate_t e = est(c, c->variant, c->cell, s);
    const char *k = bidsim_stat_key(s);
    bidsim_row_number(w, k, e.mean);
    snprintf(key, sizeof key, "%s_ci_low", k);
    bidsim_row_number(w, key, e.lo);
    snprintf(key, sizeof key, "%s_ci_high", k);
    bidsim_row_number(w, key, e.hi);
    snprintf(key, sizeof key, "%s_n", k);
    bidsim_row_number(w, key, (double)e.n);
  }
}

/* a name in a title: quoted, cut to 60 columns (a crafted file's names may
 * be megabytes; bidsim writes at most 63 bytes) */
static void quoted(const char *s) {
  putchar('"');
  bidsim_print_cut(stdout, s ? s : "", 60);
  putchar('"');
}

static void print_group_title(const ctx_t *c, bool show_variant) {
  const char *name = bidsim_reptable_group_name(c->t, c->group), *shop = bidsim_reptable_group_shop(c->t, c->group);
  bidsim_group_by_t by = c->view->by.by;
  printf("%s ", by == BIDSIM_BY_SHOP ? "shop" : by == BIDSIM_BY_PLAN ? "plan" : "product");
  if (by == BIDSIM_BY_PRODUCT) printf("%" PRIu64 " ", bidsim_reptable_group_product_id(c->t, c->group));
  quoted(name);
  if (by != BIDSIM_BY_SHOP) {
    printf(" (shop ");
    quoted(shop);
  }
  if (by == BIDSIM_BY_PRODUCT) {
    /* a plan shows the first of its products in each category (docs) */
    const char *plan = bidsim_reptable_group_plan(c->t, c->group);
    printf(", ");
    if (plan) {
      printf("plan ");
      quoted(plan);
    } else {
      printf("not shown by any plan");
    }
  }
  if (by != BIDSIM_BY_SHOP) printf(")");
  if (show_variant) {
    printf(", variant ");
    quoted(bidsim_results_variant_name(c->res, c->variant));
  }
  printf("\n");
}

static bool is_cap_stat(int s) {
  return s == BIDSIM_STAT_CAP_HIT_HOUR || s == BIDSIM_STAT_CAP_HIT_SHARE || s == BIDSIM_STAT_CAPPED_SHARE;
}

/* Every figure of one row, one line each: the cap's lines only for plans
 * (one "unlimited" line without a cap), pacing for plans and shops, the
 * CPA score (after the target) for plans bidding to one. */
static void print_block(const ctx_t *c, const int *stats, int n) {
  bidsim_group_by_t by = c->view->by.by;
  double target = bidsim_reptable_target_cpa(c->t, c->variant, c->group);
  bool capped = by == BIDSIM_BY_PLAN && est(c, c->variant, 0, BIDSIM_STAT_CAP_HIT_SHARE).n > 0, said_cap = false;
  printf("  %-18s %15s %15s %15s\n", "", "mean", "95% CI low", "95% CI high");
  for (int i = 0; i < n; i++) {
    int s = stats[i];
    if (is_cap_stat(s) && by != BIDSIM_BY_PLAN) continue;
    if (is_cap_stat(s) && !capped) {
      if (!said_cap) printf("  %-18s %15s\n", "daily cap", "unlimited");
      said_cap = true;
      continue;
    }
    if (s == BIDSIM_STAT_PACING_RMSE && by == BIDSIM_BY_PRODUCT) continue;
    if (s == BIDSIM_STAT_CPA_SCORE) {
      if (isnan(target)) continue;
      char tv[32];
      bidsim_fmt_number(tv, sizeof tv, target, 2, true);
      printf("  %-18s %15s\n", "target CPA (yuan)", tv);
    }
    bidsim_estimate_t e = est(c, c->variant, 0, s);
    char m[32], lo[32], hi[32];
    bidsim_report_fmt_stat(m, sizeof m, s, e.mean, true);
    bidsim_report_fmt_stat(lo, sizeof lo, s, e.lo, true);
    bidsim_report_fmt_stat(hi, sizeof hi, s, e.hi, true);
    printf("  %-18s %15s %15s %15s\n", bidsim_report_stat_title(s), m, lo, hi);
  }
}

/* The statistics of a grid when --stats gives none. */
static int default_stats(const bidsim_report_view_t *v, const bidsim_reptable_dims_t *td, int *out) {
  static const int hour[] = { BIDSIM_STAT_EXPOSURES, BIDSIM_STAT_CLICKS, BIDSIM_STAT_SPEND, BIDSIM_STAT_CPC,
                              BIDSIM_STAT_ROI };
  static const int cut[] = { BIDSIM_STAT_EXPOSURES, BIDSIM_STAT_CLICKS, BIDSIM_STAT_SPEND, BIDSIM_STAT_ORDERS,
                             BIDSIM_STAT_ROI };
  static const int slot[] = { BIDSIM_STAT_EXPOSURES, BIDSIM_STAT_CLICKS, BIDSIM_STAT_CTR };
  static const int variants[] = { BIDSIM_STAT_SPEND, BIDSIM_STAT_ORDERS, BIDSIM_STAT_ROI, BIDSIM_STAT_PACING_RMSE };
  const int *s = NULL;
  int n = 0;
  if (v->stat_count) {
    s = v->stats;
    n = v->stat_count;
  } else if (v->by.variant_rows) {
    s = variants;
    n = v->by.by == BIDSIM_BY_PRODUCT ? 3 : 4;
  } else if (td->cut == BIDSIM_CUT_HOUR) {
    s = hour;
    n = 5;
  } else if (td->cut == BIDSIM_CUT_SLOT) {
    s = slot;
    n = 3;
  } else if (td->cut != BIDSIM_CUT_NONE) {
    s = cut;
    n = 5;
  } else {
    for (int i = 0; i < BIDSIM_STAT_COUNT; i++) out[i] = i;
    return BIDSIM_STAT_COUNT;
  }
  memcpy(out, s, (size_t)n * sizeof *s);
  return n;
}

/* One grid of a group: rows are the cut's cells (variant fixed) or the
 * variants (cell 0), columns the statistics. */
static int print_grid(const ctx_t *c, const int *stats, int n, bool variant_rows) {
  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(c->t, &td);
  unsigned labels = variant_rows && c->sweep.count ? c->sweep.count : 1;
  bidsim_grid_t *g = bidsim_grid_create(labels + (unsigned)n, labels);
  if (variant_rows && c->sweep.count)
    for (uint32_t k = 0; k < c->sweep.count; k++) bidsim_grid_add(g, bidsim_sweep_title(&c->sweep, k));
  else bidsim_grid_add(g, variant_rows ? "variant" : bidsim_cut_name(td.cut));
  for (int i = 0; i < n; i++) bidsim_grid_add(g, bidsim_report_stat_title(stats[i]));
  uint32_t rows = variant_rows ? c->view->v1 - c->view->v0 : td.cells;
  for (uint32_t r = 0; r < rows; r++) {
    uint32_t v = variant_rows ? c->view->v0 + r : c->variant, cell = variant_rows ? 0 : r;
    char label[64];
    if (!variant_rows) {
      bidsim_reptable_cell_label(c->t, cell, label, sizeof label);
      bidsim_grid_add(g, label);
    } else if (c->sweep.count) {
      for (uint32_t k = 0; k < c->sweep.count; k++) bidsim_grid_add(g, c->sweep.values[(size_t)v * c->sweep.count + k]);
    } else {
      bidsim_grid_add(g, bidsim_results_variant_name(c->res, v));
    }
    for (int i = 0; i < n; i++) {
      bidsim_estimate_t e = est(c, v, cell, stats[i]);
      char cellbuf[80];
      bidsim_report_fmt_cell(cellbuf, sizeof cellbuf, stats[i], &e);
      bidsim_grid_add(g, cellbuf);
    }
  }
  int rc = bidsim_grid_print(g, stdout, "  ", 80);
  bidsim_grid_free(g);
  return rc;
}

static void print_header(const ctx_t *c) {
  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(c->t, &td);
  printf("results: %s\n%u replicate(s); ", c->view->path, td.replicates);
  if (td.days == 1) printf("day %s\n", bidsim_results_day_label(c->res, td.day_first));
  else
    printf("mean per day over %u day(s), %s to %s\n", td.days, bidsim_results_day_label(c->res, td.day_first),
           bidsim_results_day_label(c->res, td.day_first + td.days - 1));
  printf("95%% intervals across replicates (Student t); money in yuan.\n");
}

int bidsim_report_print(const bidsim_results_t *res, const bidsim_reptable_t *t, const bidsim_report_view_t *view,
                        bidsim_error_t *err) {
  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(t, &td);
  ctx_t c = { .res = res, .t = t, .view = view };
  bidsim_args_sweep(res, &c.sweep);
  if (view->format != BIDSIM_FORMAT_TABLE) {
    bidsim_rows_t w;
    bidsim_rows_begin(&w, stdout, view->format);
    for (c.variant = view->v0; c.variant < view->v1; c.variant++)
      for (c.group = 0; c.group < td.groups; c.group++)
        for (c.cell = 0; c.cell < td.cells; c.cell++) bidsim_rows_emit(&w, emit_row, &c);
    bidsim_rows_end(&w);
    return BIDSIM_OK;
  }
  int stats[BIDSIM_STAT_COUNT];
  /* a sweep's points are rows by default: one block per point does not read */
  bool variant_rows = view->by.variant_rows || (c.sweep.count && td.cut == BIDSIM_CUT_NONE && view->v1 - view->v0 > 1);
  bidsim_report_view_t v = *view;
  v.by.variant_rows = variant_rows;
  int n = default_stats(&v, &td, stats);
  print_header(&c);
  int rc = 0;
  if (variant_rows) {
    for (c.group = 0; c.group < td.groups && rc == 0; c.group++) {
      printf("\n");
      print_group_title(&c, false);
      rc = print_grid(&c, stats, n, true);
    }
  } else {
    for (c.variant = view->v0; c.variant < view->v1 && rc == 0; c.variant++)
      for (c.group = 0; c.group < td.groups && rc == 0; c.group++) {
        printf("\n");
        print_group_title(&c, td.variants > 1);
        if (td.cut == BIDSIM_CUT_NONE) print_block(&c, stats, n);
        else rc = print_grid(&c, stats, n, false);
      }
  }
  if (rc) return bidsim_error_set(err, BIDSIM_ENOMEM, "report", "out of memory");
  if (variant_rows || td.cut != BIDSIM_CUT_NONE)
    printf("\n(mean ± 95%% half-width; --stats picks the columns; CSV/JSON give every figure)\n");
  return BIDSIM_OK;
}
