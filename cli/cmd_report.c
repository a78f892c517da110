/* cli/cmd_report.c - `bidsim report`: the platform's promotion reports
 * (shop summary, per plan, per product; by date or hour) from a result file,
 * each figure a mean over replicates with a 95% Student-t interval. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "cli/args.h"
#include "cli/format.h"
#include "analysis/reptable.h"
#include "analysis/stats.h"
#include "cli/commands.h"

#define LEVEL 0.95

static void usage(FILE *f) {
  fprintf(f,
    "NAME\n"
    "    bidsim report - promotion report with Monte-Carlo intervals\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim report OUT.h5 [--by shop|plan|product] [--variant V] [--day D]\n"
    "                  [--hourly] [--all] [--format table|csv|json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Reads a result file written by `bidsim run` and prints the views of the\n"
    "    platform's promotion reports (DOMAIN.md §1): exposures, clicks, spend,\n"
    "    orders (transactions), order value, CTR, CPC, CVR, ROI and, for plans\n"
    "    with a daily cap, the time the cap stopped the plan and the share of\n"
    "    days it did. Counts and money are per day (the mean over the selected\n"
    "    days), money in yuan. Each figure is the mean over replicates with a 95%%\n"
    "    confidence interval (Student t, n-1 degrees of freedom). A ratio (CTR,\n"
    "    CPC, CVR, ROI, cap hit time) is the ratio of the means over replicates\n"
    "    (ROI = mean order value / mean spend, as the totals give it), with a\n"
    "    delta-method interval; a replicate without spend still counts. n in\n"
    "    CSV/JSON is the replicates used (0: undefined). docs/analysis.md says why.\n"
    "\n"
    "OPTIONS\n"
    "    -b, --by KIND       shop, plan (default) or product\n"
    "    -v, --variant V     only variant V (name or index); default every variant\n"
    "    -d, --day D         only day D (index from 0, or YYYY-MM-DD); default all\n"
    "    -H, --hourly        one row per hour of day (shop and plan only)\n"
    "    -a, --all           include generated competitors and their shops and\n"
    "                        products, not only listed plans and their shops\n"
    "    -f, --format FMT    table (default; fits 80 columns), csv (header row)\n"
    "                        or json (an array, one object per row)\n"
    "    -h, --help          this text\n"
    "\n"
    "CSV AND JSON FIELDS\n"
    "    variant, by, name, shop, product_id, plan, day (\"all\" or the date),\n"
    "    hour (empty/null unless --hourly), replicates, days; then for each of\n"
    "    exposures clicks spend_yuan orders order_value_yuan ctr cpc_yuan cvr\n"
    "    roi cap_hit_hour cap_hit_share: KEY, KEY_ci_low, KEY_ci_high, KEY_n.\n"
    "    Undefined values are empty (CSV) or null (JSON). CTR and CVR are\n"
    "    fractions; cap_hit_hour is hours after midnight.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 2 bad usage, or a file that is not a bidsim result, is of a\n"
    "    newer format version or is truncated; 1 other failures.\n"
    "\n"
    "EXAMPLES\n"
    "    bidsim report results/pdd_baseline.h5\n"
    "    bidsim report results/pdd_baseline.h5 --by shop --day 2026-11-16\n"
    "    bidsim report results/pdd_baseline.h5 --hourly --format csv > hourly.csv\n");
}

typedef struct {
  bidsim_results_t *res;
  const bidsim_reptable_t *t;
  bidsim_group_by_t by;
  int32_t day;
  uint32_t variant, group, hour;
  bool hourly;
} row_ctx_t;

static void est(const row_ctx_t *c, int stat, bidsim_estimate_t *e) {
  *e = bidsim_reptable_estimate(c->t, c->variant, c->group, c->hour, stat, LEVEL);
}

static void emit_row(bidsim_rows_t *w, const void *p) {
  const row_ctx_t *c = p;
  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(c->t, &td);
  bidsim_row_string(w, "variant", bidsim_results_variant_name(c->res, c->variant));
  bidsim_row_string(w, "by", bidsim_group_by_name(c->by));
  bidsim_row_string(w, "name", bidsim_reptable_group_name(c->t, c->group));
  bidsim_row_string(w, "shop", bidsim_reptable_group_shop(c->t, c->group));
  bidsim_row_number(w, "product_id", c->by == BIDSIM_BY_PRODUCT ? (double)bidsim_reptable_group_product_id(c->t, c->group) : NAN);
  bidsim_row_string(w, "plan", bidsim_reptable_group_plan(c->t, c->group));
  bidsim_row_string(w, "day", c->day >= 0 ? bidsim_results_day_label(c->res, (uint32_t)c->day) : "all");
  bidsim_row_number(w, "hour", c->hourly ? (double)c->hour : NAN);
  bidsim_row_number(w, "replicates", td.replicates);
  bidsim_row_number(w, "days", td.days);
  char key[64];
  for (int s = 0; s < BIDSIM_STAT_COUNT; s++) {
    bidsim_estimate_t e;
    est(c, s, &e);
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

/* Table rendering of one statistic's value: percent for rates, HH:MM for
 * the cap-hit time, grouped thousands for counts. */
static void fmt_stat(char *buf, size_t n, int stat, double v, bool group) {
  switch (stat) {
    case BIDSIM_STAT_CTR: case BIDSIM_STAT_CVR: case BIDSIM_STAT_CAP_HIT_SHARE:
      bidsim_fmt_number(buf, n, v * 100, 2, false);
      break;
    case BIDSIM_STAT_CAP_HIT_HOUR:
      if (isnan(v)) snprintf(buf, n, "-");
      else {
        long minutes = lround(v * 60);
        snprintf(buf, n, "%02ld:%02ld", minutes / 60, minutes % 60);
      }
      break;
    case BIDSIM_STAT_EXPOSURES: case BIDSIM_STAT_CLICKS:
      bidsim_fmt_number(buf, n, v, 1, group);
      break;
    default:
      bidsim_fmt_number(buf, n, v, 2, group);
  }
}

static const char *table_label(int stat) {
  switch (stat) {
    case BIDSIM_STAT_CTR: return "CTR (%)";
    case BIDSIM_STAT_CVR: return "CVR (%)";
    case BIDSIM_STAT_CAP_HIT_HOUR: return "cap hit (time)";
    case BIDSIM_STAT_CAP_HIT_SHARE: return "days cap hit (%)";
    default: return bidsim_stat_label(stat);
  }
}

static void print_group_title(const row_ctx_t *c, bool show_variant) {
  const char *name = bidsim_reptable_group_name(c->t, c->group), *shop = bidsim_reptable_group_shop(c->t, c->group);
  if (c->by == BIDSIM_BY_SHOP) printf("shop \"%s\"", name);
  else if (c->by == BIDSIM_BY_PLAN) printf("plan \"%s\" (shop \"%s\")", name, shop);
  else {
    const char *plan = bidsim_reptable_group_plan(c->t, c->group);
    printf("product %" PRIu64 " \"%s\" (shop \"%s\", ", bidsim_reptable_group_product_id(c->t, c->group), name, shop);
    /* a plan shows the first of its products in each category (docs) */
    if (plan) printf("plan \"%s\")", plan);
    else printf("not shown by any plan)");
  }
  if (show_variant) printf(", variant \"%s\"", bidsim_results_variant_name(c->res, c->variant));
  printf("\n");
}

static void print_block(const row_ctx_t *c) {
  printf("  %-18s %15s %15s %15s\n", "", "mean", "95% CI low", "95% CI high");
  for (int s = 0; s < BIDSIM_STAT_COUNT; s++) {
    /* cap figures exist for plans only, and only for plans with a cap (the
     * share of days is then defined in every replicate) */
    if (s >= BIDSIM_STAT_CAP_HIT_HOUR && c->by != BIDSIM_BY_PLAN) break;
    bidsim_estimate_t e;
    est(c, s, &e);
    if (s == BIDSIM_STAT_CAP_HIT_HOUR) {
      bidsim_estimate_t share;
      est(c, BIDSIM_STAT_CAP_HIT_SHARE, &share);
      if (share.n == 0) { printf("  %-18s %15s\n", "daily cap", "unlimited"); break; }
    }
    char m[32], lo[32], hi[32];
    fmt_stat(m, sizeof m, s, e.mean, true);
    fmt_stat(lo, sizeof lo, s, e.lo, true);
    fmt_stat(hi, sizeof hi, s, e.hi, true);
    printf("  %-18s %15s %15s %15s\n", table_label(s), m, lo, hi);
  }
}

/* mean ± half-width in one 14-character cell */
static void fmt_cell(char *buf, size_t n, int stat, const bidsim_estimate_t *e) {
  char m[32], h[32];
  fmt_stat(m, sizeof m, stat, e->mean, false);
  if (isnan(e->lo)) { snprintf(buf, n, "%s", m); return; }
  fmt_stat(h, sizeof h, stat, (e->hi - e->lo) / 2, false);
  snprintf(buf, n, "%s±%s", m, h);
}

static const int hourly_stats[] = { BIDSIM_STAT_EXPOSURES, BIDSIM_STAT_CLICKS, BIDSIM_STAT_SPEND, BIDSIM_STAT_CPC,
                                    BIDSIM_STAT_ROI };

static void print_hourly(row_ctx_t *c) {
  printf("hour");
  for (size_t i = 0; i < sizeof hourly_stats / sizeof *hourly_stats; i++)
    printf(" %*s", 14, bidsim_stat_label(hourly_stats[i]));
  printf("\n");
  for (c->hour = 0; c->hour < BIDSIM_HOURS; c->hour++) {
    printf("  %02u", c->hour);
    for (size_t i = 0; i < sizeof hourly_stats / sizeof *hourly_stats; i++) {
      bidsim_estimate_t e;
      char cell[80];
      est(c, hourly_stats[i], &e);
      fmt_cell(cell, sizeof cell, hourly_stats[i], &e);
      /* "±" is two bytes in UTF-8 but one column */
      printf(" %*s", strstr(cell, "±") ? 15 : 14, cell);
    }
    printf("\n");
  }
}

int bidsim_cmd_report(int argc, char **argv) {
  static const struct option longopts[] = {
    { "by", required_argument, 0, 'b' }, { "variant", required_argument, 0, 'v' },
    { "day", required_argument, 0, 'd' }, { "hourly", no_argument, 0, 'H' }, { "all", no_argument, 0, 'a' },
    { "format", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *by_s = "plan", *variant_s = NULL, *day_s = NULL;
  bidsim_reptable_options_t opt = { BIDSIM_BY_PLAN, -1, false, false, 0, 0 };
  int format = BIDSIM_FORMAT_TABLE, ch;
  bidsim_error_t err;
  bidsim_error_clear(&err);
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":b:v:d:Haf:h", longopts, NULL)) != -1) {
    switch (ch) {
      case 'b': by_s = optarg; break;
      case 'v': variant_s = optarg; break;
      case 'd': day_s = optarg; break;
      case 'H': opt.hourly = true; break;
      case 'a': opt.all_plans = true; break;
      case 'f':
        if ((format = bidsim_format_parse(optarg)) < 0) {
          fprintf(stderr, "bidsim report: error: --format must be table, csv or json, got '%s'\n", optarg);
          return BIDSIM_EXIT_INPUT;
        }
        break;
      case 'h': usage(stdout); return BIDSIM_EXIT_OK;
      default: return bidsim_cli_option_error("report", ch, argv);
    }
  }
  if (optind + 1 != argc)
    return bidsim_cli_usage_error("report", "expected exactly one result file");
  if (bidsim_args_group_by(by_s, &opt.by, &err)) return bidsim_cli_fail("report", &err);
  bidsim_results_t *res = NULL;
  bidsim_reptable_t *t = NULL;
  uint32_t v0 = 0, v1;
  int rc = bidsim_results_open(argv[optind], &res, &err);
  if (rc) return bidsim_cli_fail("report", &err);
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  v1 = dm.variants;
  if (variant_s && (rc = bidsim_args_variant(res, variant_s, &v0, &err))) goto out;
  if (variant_s) v1 = v0 + 1;
  if (day_s && (rc = bidsim_args_day(res, day_s, &opt.day, &err))) goto out;
  if ((rc = bidsim_reptable_create(res, &opt, &t, &err))) goto out;

  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(t, &td);
  row_ctx_t c = { res, t, opt.by, opt.day, 0, 0, 0, opt.hourly };
  if (format != BIDSIM_FORMAT_TABLE) {
    bidsim_rows_t w;
    bidsim_rows_begin(&w, stdout, format);
    for (c.variant = v0; c.variant < v1; c.variant++)
      for (c.group = 0; c.group < td.groups; c.group++)
        for (c.hour = 0; c.hour < td.hours; c.hour++) bidsim_rows_emit(&w, emit_row, &c);
    bidsim_rows_end(&w);
  } else {
    printf("results: %s\n%u replicate(s); ", argv[optind], td.replicates);
    if (opt.day >= 0) printf("day %s\n", bidsim_results_day_label(res, (uint32_t)opt.day));
    else printf("mean per day over %u day(s), %s to %s\n", td.days, bidsim_results_day_label(res, 0),
                bidsim_results_day_label(res, dm.days - 1));
    printf("95%% intervals across replicates (Student t); money in yuan.\n");
    for (c.variant = v0; c.variant < v1; c.variant++)
      for (c.group = 0; c.group < td.groups; c.group++) {
        printf("\n");
        print_group_title(&c, dm.variants > 1);
        if (opt.hourly) print_hourly(&c);
        else print_block(&c);
      }
    if (opt.hourly) printf("\n(per hour: mean ± 95%% half-width; CSV/JSON give every metric)\n");
  }
  if (fflush(stdout) != 0) rc = bidsim_error_set(&err, BIDSIM_EIO, "stdout", "cannot write the report");
out:
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  return rc ? bidsim_cli_fail("report", &err) : BIDSIM_EXIT_OK;
}
