/* cli/cmd_report.c - `bidsim report`: the platform's promotion reports
 * (shop summary, per plan, per product; by date, hour, segment or slot)
 * and the field's strategy metrics from a result file, each figure a mean
 * over replicates with a 95% Student-t interval. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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
    "    bidsim report - promotion report with Monte-Carlo intervals\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim report OUT.h5 [--by LIST] [--variant V] [--days FIRST:LAST]\n"
    "                  [--plan NAME]... [--shop NAME] [--all] [--stats LIST]\n"
    "                  [--format table|csv|json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Reads a result file written by `bidsim run` and prints the views of the\n"
    "    platform's promotion reports (docs/model.md §1): exposures, clicks, spend,\n"
    "    orders (transactions), order value, CTR, CPC, CVR, ROI, CPA and, for\n"
    "    plans with a daily cap, the time the cap stopped the plan, the share of\n"
    "    days it did and the share of the day it kept the plan out; then the\n"
    "    metrics strategies are compared by: pacing evenness (BAT's RMSE of the\n"
    "    cumulative spend share against the cumulative traffic share over each\n"
    "    day; 0 = spend followed the traffic) and, for plans bidding to a target\n"
    "    CPA, AuctionNet's score (orders x min(1, (target CPA / CPA)^2) a day).\n"
    "    Counts and money are per day (the mean over the selected days), money in\n"
    "    yuan. Each figure is the mean over replicates with a 95%% confidence\n"
    "    interval (Student t, n-1 degrees of freedom); a ratio (CTR, CPC, CVR,\n"
    "    ROI, CPA, cap hit time, pacing evenness) is the ratio of the means over\n"
    "    replicates with a delta-method interval. n in CSV/JSON is the replicates\n"
    "    used (0: undefined). docs/analysis.md says why and how.\n"
    "    In a sweep's file each variant carries its swept values: columns named\n"
    "    by the key paths in CSV/JSON, and one row per point in the table.\n"
    "\n"
    "OPTIONS\n"
    "    -b, --by LIST       a grouping: shop, plan (default) or product; and/or a\n"
    "                        cut: hour, day, segment (ordinary, shop = retargeting,\n"
    "                        similar) or slot (1 = the top slot; exposures, clicks\n"
    "                        and CTR); or variant (the table's rows are the\n"
    "                        variants). Comma-separated:\n"
    "                        --by day is a plan x day table, --by shop,segment\n"
    "    -v, --variant V     only variant V (name or index); default every variant\n"
    "        --days F:L      only days F to L (indices from 0 or YYYY-MM-DD; either\n"
    "                        side may be left out); default all\n"
    "    -d, --day D         only day D (the same as --days D:D)\n"
    "    -p, --plan NAME     only this plan (repeatable; SHOP/PLAN when two shops\n"
    "                        have one; a generated competitor's name works too)\n"
    "    -s, --shop NAME     only this shop's plans and products\n"
    "    -H, --hourly        the same as --by hour\n"
    "    -a, --all           include generated competitors and their shops and\n"
    "                        products, not only listed plans and their shops\n"
    "        --stats LIST    the statistics of the table (keys as in CSV, comma-\n"
    "                        separated; default: all, or a few per cut)\n"
    "    -f, --format FMT    table (default; fits 80 columns), csv (header row)\n"
    "                        or json (an array, one object per row)\n"
    "    -h, --help          this text\n"
    "\n"
    "CSV AND JSON FIELDS\n"
    "    variant, the swept key paths (sweeps only; numbers where the value is\n"
    "    one, else text as written), by, name, shop, product_id,\n"
    "    plan, day (\"all\", the date, or FIRST:LAST), hour, segment, slot (empty/\n"
    "    null unless that cut), replicates, days, target_cpa_yuan; then for each\n"
    "    of exposures clicks spend_yuan orders order_value_yuan ctr cpc_yuan cvr\n"
    "    roi cpa_yuan cap_hit_hour cap_hit_share capped_share pacing_rmse\n"
    "    cpa_score: KEY, KEY_ci_low, KEY_ci_high, KEY_n. Undefined values are\n"
    "    empty (CSV) or null (JSON). Rates and shares are fractions;\n"
    "    cap_hit_hour is hours after midnight.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 2 bad usage, an unknown plan, shop, day or variant, or a file\n"
    "    that is not a bidsim result, is of a newer format version or is\n"
    "    truncated; 1 other failures.\n"
    "\n"
    "EXAMPLES\n"
    "    bidsim report results/pdd_baseline.h5\n"
    "    bidsim report results/pdd_baseline.h5 --by day --plan Kitchen\n"
    "    bidsim report results/double11.h5 --by segment --days 2026-11-11:2026-11-11\n"
    "    bidsim report results/pdd_baseline.h5 --by shop --hourly --format csv > hourly.csv\n");
}

enum { OPT_STATS = 256, OPT_DAYS };

int bidsim_cmd_report(int argc, char **argv) {
  static const struct option longopts[] = {
    { "by", required_argument, 0, 'b' },      { "variant", required_argument, 0, 'v' },
    { "day", required_argument, 0, 'd' },     { "days", required_argument, 0, OPT_DAYS },
    { "plan", required_argument, 0, 'p' },    { "shop", required_argument, 0, 's' },
    { "hourly", no_argument, 0, 'H' },        { "all", no_argument, 0, 'a' },
    { "stats", required_argument, 0, OPT_STATS }, { "format", required_argument, 0, 'f' },
    { "help", no_argument, 0, 'h' },          { 0, 0, 0, 0 } };
  const char *by_s = NULL, *variant_s = NULL, *stats_s = NULL;
  bool hourly = false;
  bidsim_filters_t filters = { .plan_count = 0 };
  bidsim_reptable_options_t opt = { .by = BIDSIM_BY_PLAN };
  int format = BIDSIM_FORMAT_TABLE, ch;
  bidsim_error_t err;
  bidsim_error_clear(&err);
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":b:v:d:p:s:Haf:h", longopts, NULL)) != -1) {
    switch (ch) {
      case 'b': by_s = optarg; break;
      case 'v': variant_s = optarg; break;
      case 'd': case OPT_DAYS: filters.days = optarg; break;
      case 'p':
        if (bidsim_filters_add_plan(&filters, optarg, &err)) return bidsim_cli_fail("report", &err);
        break;
      case 's': filters.shop = optarg; break;
      case 'H': hourly = true; break;
      case 'a': opt.all_plans = true; break;
      case OPT_STATS: stats_s = optarg; break;
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
  if (optind + 1 != argc) return bidsim_cli_usage_error("report", "expected exactly one result file");
  bidsim_by_t by = { BIDSIM_BY_PLAN, BIDSIM_CUT_NONE, false };
  if (by_s && bidsim_args_by(by_s, &by, &err)) return bidsim_cli_fail("report", &err);
  if (hourly) {
    if (by.cut != BIDSIM_CUT_NONE && by.cut != BIDSIM_CUT_HOUR)
      return bidsim_cli_usage_error("report", "--hourly and --by %s: one cut at a time", bidsim_cut_name(by.cut));
    by.cut = BIDSIM_CUT_HOUR;
  }
  bidsim_report_view_t view = { .by = by, .format = format, .stat_count = 0 };
  if (stats_s && bidsim_args_stats(stats_s, view.stats, &view.stat_count, &err)) return bidsim_cli_fail("report", &err);
  opt.by = by.by;
  opt.cut = by.cut;

  bidsim_results_t *res = NULL;
  bidsim_reptable_t *t = NULL;
  int rc = bidsim_results_open(argv[optind], &res, &err);
  if (rc) return bidsim_cli_fail("report", &err);
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  view.v1 = dm.variants;
  if (variant_s && (rc = bidsim_args_variant(res, variant_s, &view.v0, &err))) goto out;
  if (variant_s) view.v1 = view.v0 + 1;
  if ((rc = bidsim_args_filters(res, &filters, &opt, &err))) goto out;
  if ((rc = bidsim_reptable_create(res, &opt, &t, &err))) goto out;
  if (bidsim_reptable_note(t)) fprintf(stderr, "bidsim report: note: %s\n", bidsim_reptable_note(t));
  view.path = argv[optind];
  rc = bidsim_report_print(res, t, &view, &err);
  if (rc == BIDSIM_OK && fflush(stdout) != 0)
    rc = bidsim_error_set(&err, BIDSIM_EIO, "stdout", "cannot write the report");
out:
  bidsim_filters_free(&filters);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  return rc ? bidsim_cli_fail("report", &err) : BIDSIM_EXIT_OK;
}
