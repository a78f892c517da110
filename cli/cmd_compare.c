/* cli/cmd_compare.c - `bidsim compare`: paired differences between
 * variants of one result file. Every variant of a replicate saw the same
 * traffic and user draws (common random numbers), so B - A is taken
 * replicate by replicate and its interval is far narrower than that of two
 * independent runs. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "analysis/reptable.h"
#include "analysis/stats.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/report_table.h"

static void usage(FILE *f) {
  fprintf(f,
    "NAME\n"
    "    bidsim compare - paired differences between variants\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim compare OUT.h5 --baseline A [--variant B] [--summary] [--by LIST]\n"
    "                   [--days FIRST:LAST] [--plan NAME]... [--shop NAME] [--all]\n"
    "                   [--stats LIST] [--format table|csv|json]\n"
    "\n"
    "DESCRIPTION\n"
    "    For each plan (or shop, or product) and each report metric (see\n"
    "    `bidsim report --help`), the paired difference B - A over replicates:\n"
    "    its mean, 95%% confidence interval (Student t), the two-sided p-value of\n"
    "    the paired t test, and the relative change (B - A) / A. For a ratio\n"
    "    (ROI, CPC, ...) B - A is the difference of the ratios of means, its\n"
    "    interval that of the replicates' linearised differences. Variants of one\n"
    "    replicate share the impression stream and the user randomness, so the\n"
    "    pairing removes most of the noise two independent runs would carry.\n"
    "    Differences whose interval excludes zero are flagged with '*'.\n"
    "    Without --variant, every other variant is compared with A. In a sweep's\n"
    "    file the swept values of B are columns (CSV/JSON) or the row's labels.\n"
    "\n"
    "OPTIONS\n"
    "    -B, --baseline A    the reference variant (name or index; required)\n"
    "    -v, --variant B     the variant to compare (default: all others)\n"
    "    -S, --summary       one line per (variant, plan): the differences in\n"
    "                        orders, spend and ROI (by slot: exposures, clicks\n"
    "                        and CTR; or --stats) with intervals\n"
    "    -b, --by LIST       shop, plan (default) or product, and/or a cut: hour,\n"
    "                        day, segment or slot (as `bidsim report --by`)\n"
    "        --days F:L      only days F to L (indices from 0 or YYYY-MM-DD)\n"
    "    -d, --day D         only day D (the same as --days D:D)\n"
    "    -p, --plan NAME     only this plan (repeatable; SHOP/PLAN)\n"
    "    -s, --shop NAME     only this shop's plans and products\n"
    "    -a, --all           include generated competitors\n"
    "        --stats LIST    the metrics compared (report's CSV keys, comma-separated)\n"
    "    -f, --format FMT    table (default), csv or json\n"
    "    -h, --help          this text\n"
    "\n"
    "CSV AND JSON FIELDS\n"
    "    baseline, variant, the swept key paths (sweeps: B's values), by, name,\n"
    "    shop, day, hour, segment, slot; then metric, n, baseline_mean,\n"
    "    variant_mean, diff, ci_low, ci_high, p_value, rel_change, significant\n"
    "    (1 when the interval excludes zero). With --summary one row per\n"
    "    (variant, group, cell), n, and for each metric KEY: KEY_baseline,\n"
    "    KEY_variant, KEY_diff, KEY_ci_low, KEY_ci_high, KEY_p_value,\n"
    "    KEY_rel_change, KEY_significant. Undefined values are empty/null.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 2 bad usage, unknown variant, plan, shop or day, a file with\n"
    "    one variant, or a file that is not a readable bidsim result; 1 other\n"
    "    failures.\n"
    "\n"
    "EXAMPLES\n"
    "    bidsim compare results/strategies.h5 --baseline fixed --variant pacing\n"
    "    bidsim compare results/sweep.h5 --baseline 0 --summary --plan Kitchen\n");
}

typedef struct {
  const bidsim_results_t *res;
  const bidsim_reptable_t *t;
  bidsim_group_by_t by;
  bidsim_sweep_cols_t sweep;
  uint32_t base, other, group, cell;
  int stat;
  const int *stats;
  int nstats;
  bidsim_paired_t p;
} cmp_ctx_t;

static bool significant(const bidsim_paired_t *p) { return !isnan(p->lo) && (p->lo > 0 || p->hi < 0); }

static bidsim_paired_t paired(const cmp_ctx_t *c, int stat) {
  return bidsim_reptable_paired(c->t, c->base, c->other, c->group, c->cell, stat, BIDSIM_REPORT_LEVEL);
}

/* the fields naming a row: variants, swept values, group, day and cell */
static void emit_keys(bidsim_rows_t *w, const cmp_ctx_t *c) {
  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(c->t, &td);
  char day[64];
  if (td.cut == BIDSIM_CUT_DAY) bidsim_reptable_cell_label(c->t, c->cell, day, sizeof day);
  else bidsim_report_days_label(c->res, c->t, day, sizeof day);
  bidsim_row_string(w, "baseline", bidsim_results_variant_name(c->res, c->base));
  bidsim_row_string(w, "variant", bidsim_results_variant_name(c->res, c->other));
  bidsim_report_sweep_fields(w, &c->sweep, c->other);
  bidsim_row_string(w, "by", bidsim_group_by_name(c->by));
  bidsim_row_string(w, "name", bidsim_reptable_group_name(c->t, c->group));
  bidsim_row_string(w, "shop", bidsim_reptable_group_shop(c->t, c->group));
  bidsim_row_string(w, "day", day);
  bidsim_report_cell_fields(w, c->t, c->cell);
}

static void emit_row(bidsim_rows_t *w, const void *ptr) {
  const cmp_ctx_t *c = ptr;
  emit_keys(w, c);
  bidsim_row_string(w, "metric", bidsim_stat_key(c->stat));
  bidsim_row_number(w, "n", (double)c->p.n);
  bidsim_row_number(w, "baseline_mean", c->p.base_mean);
  bidsim_row_number(w, "variant_mean", c->p.other_mean);
  bidsim_row_number(w, "diff", c->p.diff);
  bidsim_row_number(w, "ci_low", c->p.lo);
  bidsim_row_number(w, "ci_high", c->p.hi);
  bidsim_row_number(w, "p_value", c->p.p);
  bidsim_row_number(w, "rel_change", c->p.rel);
  bidsim_row_number(w, "significant", significant(&c->p) ? 1 : 0);
}

static void emit_summary_row(bidsim_rows_t *w, const void *ptr) {
  const cmp_ctx_t *c = ptr;
  emit_keys(w, c);
  size_t n = 0;
  for (int i = 0; i < c->nstats; i++) {
    size_t m = paired(c, c->stats[i]).n;
    if (m > n) n = m;
  }
  bidsim_row_number(w, "n", (double)n);
  char key[80];
  static const char *const parts[] = { "baseline", "variant", "diff", "ci_low", "ci_high", "p_value", "rel_change",
                                       "significant" };
  for (int i = 0; i < c->nstats; i++) {
    bidsim_paired_t p = paired(c, c->stats[i]);
    const double v[] = { p.base_mean, p.other_mean, p.diff, p.lo, p.hi, p.p, p.rel, significant(&p) ? 1 : 0 };
    for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
      snprintf(key, sizeof key, "%s_%s", bidsim_stat_key(c->stats[i]), parts[k]);
      bidsim_row_number(w, key, v[k]);
    }
  }
}

/* Rates shown in percentage points, times as hours; the rest as they are. */
static double table_scale(int stat) {
  return stat == BIDSIM_STAT_CTR || stat == BIDSIM_STAT_CVR || stat == BIDSIM_STAT_CAP_HIT_SHARE ||
                 stat == BIDSIM_STAT_CAPPED_SHARE
           ? 100
           : 1;
}

static const char *table_label(int stat) {
  switch (stat) {
    case BIDSIM_STAT_CTR: return "CTR (pp)";
    case BIDSIM_STAT_CVR: return "CVR (pp)";
    case BIDSIM_STAT_CAP_HIT_HOUR: return "cap hit (h)";
    case BIDSIM_STAT_CAP_HIT_SHARE: return "days hit (pp)";
    case BIDSIM_STAT_CAPPED_SHARE: return "day capped (pp)";
    default: return bidsim_stat_label(stat);
  }
}

static int decimals(int stat) {
  return stat <= BIDSIM_STAT_CLICKS ? 1 : stat == BIDSIM_STAT_PACING_RMSE ? 3 : 2;
}

static void print_row(const cmp_ctx_t *c) {
  double k = table_scale(c->stat);
  char base[32], diff[32], lo[32], hi[32], ci[48], p[16], rel[16];
  int dec = decimals(c->stat);
  bidsim_fmt_number(base, sizeof base, c->p.base_mean * k, dec, true);
  bidsim_fmt_number(diff, sizeof diff, c->p.diff * k, dec, true);
  bidsim_fmt_number(lo, sizeof lo, c->p.lo * k, dec, false);
  bidsim_fmt_number(hi, sizeof hi, c->p.hi * k, dec, false);
  snprintf(ci, sizeof ci, isnan(c->p.lo) ? "-" : "[%s, %s]", lo, hi);
  if (isnan(c->p.p)) snprintf(p, sizeof p, "-");
  else if (c->p.p < 1e-4) snprintf(p, sizeof p, "<1e-4");
  else snprintf(p, sizeof p, "%.4f", c->p.p);
  if (isnan(c->p.rel)) snprintf(rel, sizeof rel, "-");
  else snprintf(rel, sizeof rel, "%+.1f%%", c->p.rel * 100);
  printf("  %-18s %10s %10s %-19s %6s %7s %s\n", table_label(c->stat), base, diff, ci, p, rel,
         significant(&c->p) ? "*" : "");
}

/* "+1.23±0.45*": a difference, its half-width and the flag */
static void fmt_diff(char *buf, size_t n, int stat, const bidsim_paired_t *p) {
  if (p->n == 0 || isnan(p->diff)) { snprintf(buf, n, "-"); return; }
  double k = table_scale(stat);
  char d[32], h[32];
  bidsim_fmt_number(d, sizeof d, p->diff * k, decimals(stat), false);
  bidsim_fmt_number(h, sizeof h, (p->hi - p->lo) / 2 * k, decimals(stat), false);
  snprintf(buf, n, "%s%s%s%s%s", p->diff * k >= 0 ? "+" : "", d, isnan(p->lo) ? "" : "±", isnan(p->lo) ? "" : h,
           significant(p) ? "*" : " ");
}

/* --summary as a table: one line per (variant, group, cell). */
static int print_summary(cmp_ctx_t *c, uint32_t v0, uint32_t v1) {
  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(c->t, &td);
  unsigned keys = c->sweep.count ? c->sweep.count : 1, labels = keys + 1 + (td.cut != BIDSIM_CUT_NONE);
  bidsim_grid_t *g = bidsim_grid_create(labels + (unsigned)c->nstats, labels);
  if (c->sweep.count)
    for (uint32_t k = 0; k < c->sweep.count; k++) bidsim_grid_add(g, bidsim_sweep_title(&c->sweep, k));
  else bidsim_grid_add(g, "variant");
  bidsim_grid_add(g, bidsim_group_by_name(c->by));
  if (td.cut != BIDSIM_CUT_NONE) bidsim_grid_add(g, bidsim_cut_name(td.cut));
  for (int i = 0; i < c->nstats; i++) bidsim_grid_add(g, table_label(c->stats[i]));
  for (c->other = v0; c->other < v1; c->other++) {
    if (c->other == c->base) continue;
    for (c->group = 0; c->group < td.groups; c->group++)
      for (c->cell = 0; c->cell < td.cells; c->cell++) {
        if (c->sweep.count)
          for (uint32_t k = 0; k < c->sweep.count; k++)
            bidsim_grid_add(g, c->sweep.values[(size_t)c->other * c->sweep.count + k]);
        else bidsim_grid_add(g, bidsim_results_variant_name(c->res, c->other));
        bidsim_grid_add(g, bidsim_reptable_group_name(c->t, c->group));
        char cell[80];
        if (td.cut != BIDSIM_CUT_NONE) {
          bidsim_reptable_cell_label(c->t, c->cell, cell, sizeof cell);
          bidsim_grid_add(g, cell);
        }
        for (int i = 0; i < c->nstats; i++) {
          bidsim_paired_t p = paired(c, c->stats[i]);
          fmt_diff(cell, sizeof cell, c->stats[i], &p);
          bidsim_grid_add(g, cell);
        }
      }
  }
  int rc = bidsim_grid_print(g, stdout, "  ", 80);
  bidsim_grid_free(g);
  return rc;
}

enum { OPT_DAYS = 256, OPT_STATS };

int bidsim_cmd_compare(int argc, char **argv) {
  static const struct option longopts[] = {
    { "baseline", required_argument, 0, 'B' }, { "variant", required_argument, 0, 'v' },
    { "summary", no_argument, 0, 'S' },        { "by", required_argument, 0, 'b' },
    { "day", required_argument, 0, 'd' },      { "days", required_argument, 0, OPT_DAYS },
    { "plan", required_argument, 0, 'p' },     { "shop", required_argument, 0, 's' },
    { "all", no_argument, 0, 'a' },            { "stats", required_argument, 0, OPT_STATS },
    { "format", required_argument, 0, 'f' },   { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *base_s = NULL, *variant_s = NULL, *by_s = NULL, *stats_s = NULL;
  bool summary = false;
  bidsim_filters_t filters = { .plan_count = 0 };
  bidsim_reptable_options_t opt = { .by = BIDSIM_BY_PLAN };
  int format = BIDSIM_FORMAT_TABLE, ch;
  bidsim_error_t err;
  bidsim_error_clear(&err);
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":B:v:Sb:d:p:s:af:h", longopts, NULL)) != -1) {
    switch (ch) {
      case 'B': base_s = optarg; break;
      case 'v': variant_s = optarg; break;
      case 'S': summary = true; break;
      case 'b': by_s = optarg; break;
      case 'd': case OPT_DAYS: filters.days = optarg; break;
      case 'p':
        if (bidsim_filters_add_plan(&filters, optarg, &err)) return bidsim_cli_fail("compare", &err);
        break;
      case 's': filters.shop = optarg; break;
      case 'a': opt.all_plans = true; break;
      case OPT_STATS: stats_s = optarg; break;
      case 'f':
        if ((format = bidsim_format_parse(optarg)) < 0) {
          fprintf(stderr, "bidsim compare: error: --format must be table, csv or json, got '%s'\n", optarg);
          return BIDSIM_EXIT_INPUT;
        }
        break;
      case 'h': usage(stdout); return BIDSIM_EXIT_OK;
      default: return bidsim_cli_option_error("compare", ch, argv);
    }
  }
  if (optind + 1 != argc) return bidsim_cli_usage_error("compare", "expected exactly one result file");
  if (base_s == NULL) return bidsim_cli_usage_error("compare", "--baseline is required");
  bidsim_by_t by = { BIDSIM_BY_PLAN, BIDSIM_CUT_NONE, false };
  if (by_s && bidsim_args_by(by_s, &by, &err)) return bidsim_cli_fail("compare", &err);
  if (by.variant_rows) return bidsim_cli_usage_error("compare", "--by variant is report's: compare's rows are B's");
  int stats[BIDSIM_STAT_COUNT], nstats = 0;
  if (stats_s && bidsim_args_stats(stats_s, stats, &nstats, &err)) return bidsim_cli_fail("compare", &err);
  if (nstats == 0 && summary && by.cut == BIDSIM_CUT_SLOT) {   /* what /plan_slot holds */
    stats[0] = BIDSIM_STAT_EXPOSURES, stats[1] = BIDSIM_STAT_CLICKS, stats[2] = BIDSIM_STAT_CTR;
    nstats = 3;
  } else if (nstats == 0 && summary) {
    stats[0] = BIDSIM_STAT_ORDERS, stats[1] = BIDSIM_STAT_SPEND, stats[2] = BIDSIM_STAT_ROI;
    nstats = 3;
  }
  for (int i = 0; nstats == 0 && i < BIDSIM_STAT_COUNT; i++) stats[i] = i;
  if (nstats == 0) nstats = BIDSIM_STAT_COUNT;
  opt.by = by.by;
  opt.cut = by.cut;

  bidsim_results_t *res = NULL;
  bidsim_reptable_t *t = NULL;
  int rc = bidsim_results_open(argv[optind], &res, &err);
  if (rc) return bidsim_cli_fail("compare", &err);
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  uint32_t base = 0, other = 0;
  if ((rc = bidsim_args_variant(res, base_s, &base, &err))) goto out;
  if (variant_s && (rc = bidsim_args_variant(res, variant_s, &other, &err))) goto out;
  if (dm.variants < 2) {
    rc = bidsim_error_set(&err, BIDSIM_EINVAL, argv[optind],
                          "the file has one variant ('%s'): nothing to compare (list variants in the scenario)",
                          bidsim_results_variant_name(res, 0));
    goto out;
  }
  if (variant_s && other == base) {
    rc = bidsim_error_set(&err, BIDSIM_EINVAL, "variant", "--variant and --baseline name the same variant '%s'",
                          bidsim_results_variant_name(res, base));
    goto out;
  }
  if ((rc = bidsim_args_filters(res, &filters, &opt, &err))) goto out;
  if ((rc = bidsim_reptable_create(res, &opt, &t, &err))) goto out;
  if (bidsim_reptable_note(t)) fprintf(stderr, "bidsim compare: note: %s\n", bidsim_reptable_note(t));

  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(t, &td);
  cmp_ctx_t c = { .res = res, .t = t, .by = opt.by, .base = base, .stats = stats, .nstats = nstats };
  bidsim_args_sweep(res, &c.sweep);
  uint32_t v0 = variant_s ? other : 0, v1 = variant_s ? other + 1 : dm.variants;
  if (format != BIDSIM_FORMAT_TABLE) {
    bidsim_rows_t w;
    bidsim_rows_begin(&w, stdout, format);
    for (c.other = v0; c.other < v1; c.other++) {
      if (c.other == base) continue;
      for (c.group = 0; c.group < td.groups; c.group++)
        for (c.cell = 0; c.cell < td.cells; c.cell++) {
          if (summary) {
            bidsim_rows_emit(&w, emit_summary_row, &c);
            continue;
          }
          for (int i = 0; i < nstats; i++) {
            c.stat = stats[i];
            c.p = paired(&c, c.stat);
            bidsim_rows_emit(&w, emit_row, &c);
          }
        }
    }
    bidsim_rows_end(&w);
  } else {
    char days[64];
    bidsim_report_days_label(res, t, days, sizeof days);
    printf("results: %s\npaired over %u replicate(s)%s%s; B - A with 95%% intervals (Student t); money in yuan.\n",
           argv[optind], td.replicates, strcmp(days, "all") ? ", days " : "", strcmp(days, "all") ? days : "");
    if (summary) {
      printf("B - A per day; * = the interval excludes zero; CTR/CVR in percentage points.\nA = \"");
      bidsim_print_cut(stdout, bidsim_results_variant_name(res, base), 60);
      printf("\"\n\n");
      if (print_summary(&c, v0, v1)) rc = bidsim_error_set(&err, BIDSIM_ENOMEM, "compare", "out of memory");
    } else {
      for (c.other = v0; c.other < v1; c.other++) {
        if (c.other == base) continue;
        printf("\nA = \"");   /* names cut to 60 columns: a crafted file's may be megabytes */
        bidsim_print_cut(stdout, bidsim_results_variant_name(res, base), 60);
        printf("\", B = \"");
        bidsim_print_cut(stdout, bidsim_results_variant_name(res, c.other), 60);
        printf("\"\n");
        for (c.group = 0; c.group < td.groups; c.group++)
          for (c.cell = 0; c.cell < td.cells; c.cell++) {
            char cell[64] = "";
            if (td.cut != BIDSIM_CUT_NONE) {
              char label[48];
              bidsim_reptable_cell_label(t, c.cell, label, sizeof label);
              snprintf(cell, sizeof cell, ", %s %s", bidsim_cut_name(td.cut), label);
            }
            printf("%s \"", bidsim_group_by_name(opt.by));
            bidsim_print_cut(stdout, bidsim_reptable_group_name(t, c.group), 60);
            printf("\"%s\n", cell);
            printf("  %-18s %10s %10s %-19s %6s %7s\n", "metric", "A", "B - A", "95% CI", "p", "change");
            for (int i = 0; i < nstats; i++) {
              c.stat = stats[i];
              c.p = paired(&c, c.stat);
              if (c.p.n > 0) print_row(&c);
            }
          }
      }
      printf("\n(* = the interval excludes zero; CTR/CVR differences in percentage points)\n");
    }
  }
  if (rc == BIDSIM_OK && fflush(stdout) != 0)
    rc = bidsim_error_set(&err, BIDSIM_EIO, "stdout", "cannot write the comparison");
out:
  bidsim_filters_free(&filters);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  return rc ? bidsim_cli_fail("compare", &err) : BIDSIM_EXIT_OK;
}
