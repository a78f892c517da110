/* cli/cmd_compare.c - `bidsim compare`: paired differences between
 * variants of one result file. Every variant of a replicate saw the same
 * traffic and user draws (common random numbers), so B - A is taken
 * replicate by replicate and its interval is far narrower than that of two
 * independent runs. */
#include <getopt.h>
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
    "    bidsim compare - paired differences between variants\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim compare OUT.h5 --baseline A [--variant B] [--by shop|plan|product]\n"
    "                   [--day D] [--all] [--format table|csv|json]\n"
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
    "    Without --variant, every other variant is compared with A.\n"
    "\n"
    "OPTIONS\n"
    "    -B, --baseline A    the reference variant (name or index; required)\n"
    "    -v, --variant B     the variant to compare (default: all others)\n"
    "    -b, --by KIND       shop, plan (default) or product\n"
    "    -d, --day D         only day D (index from 0, or YYYY-MM-DD)\n"
    "    -a, --all           include generated competitors\n"
    "    -f, --format FMT    table (default), csv or json\n"
    "    -h, --help          this text\n"
    "\n"
    "CSV AND JSON FIELDS\n"
    "    baseline, variant, by, name, shop, metric, n, baseline_mean,\n"
    "    variant_mean, diff, ci_low, ci_high, p_value, rel_change, significant\n"
    "    (1 when the interval excludes zero). Undefined values are empty/null.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 2 bad usage, unknown variant, a file with one variant, or a\n"
    "    file that is not a readable bidsim result; 1 other failures.\n"
    "\n"
    "EXAMPLE\n"
    "    bidsim compare results/strategies.h5 --baseline fixed --variant pacing\n");
}

typedef struct {
  const bidsim_results_t *res;
  const bidsim_reptable_t *t;
  bidsim_group_by_t by;
  uint32_t base, other, group;
  int stat;
  bidsim_paired_t p;
} cmp_ctx_t;

static bool significant(const bidsim_paired_t *p) { return !isnan(p->lo) && (p->lo > 0 || p->hi < 0); }

static void emit_row(bidsim_rows_t *w, const void *ptr) {
  const cmp_ctx_t *c = ptr;
  bidsim_row_string(w, "baseline", bidsim_results_variant_name(c->res, c->base));
  bidsim_row_string(w, "variant", bidsim_results_variant_name(c->res, c->other));
  bidsim_row_string(w, "by", bidsim_group_by_name(c->by));
  bidsim_row_string(w, "name", bidsim_reptable_group_name(c->t, c->group));
  bidsim_row_string(w, "shop", bidsim_reptable_group_shop(c->t, c->group));
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

/* Rates shown in percentage points, times as hours; the rest as they are. */
static double table_scale(int stat) {
  return stat == BIDSIM_STAT_CTR || stat == BIDSIM_STAT_CVR || stat == BIDSIM_STAT_CAP_HIT_SHARE ? 100 : 1;
}

static const char *table_label(int stat) {
  switch (stat) {
    case BIDSIM_STAT_CTR: return "CTR (pp)";
    case BIDSIM_STAT_CVR: return "CVR (pp)";
    case BIDSIM_STAT_CAP_HIT_HOUR: return "cap hit (h)";
    case BIDSIM_STAT_CAP_HIT_SHARE: return "days hit (pp)";
    default: return bidsim_stat_label(stat);
  }
}

static void print_row(const cmp_ctx_t *c) {
  double k = table_scale(c->stat);
  char base[32], diff[32], lo[32], hi[32], ci[48], p[16], rel[16];
  int dec = c->stat <= BIDSIM_STAT_CLICKS ? 1 : 2;
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

int bidsim_cmd_compare(int argc, char **argv) {
  static const struct option longopts[] = {
    { "baseline", required_argument, 0, 'B' }, { "variant", required_argument, 0, 'v' },
    { "by", required_argument, 0, 'b' }, { "day", required_argument, 0, 'd' }, { "all", no_argument, 0, 'a' },
    { "format", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *base_s = NULL, *variant_s = NULL, *by_s = "plan", *day_s = NULL;
  bidsim_reptable_options_t opt = { BIDSIM_BY_PLAN, -1, false, false, 0, 0 };
  int format = BIDSIM_FORMAT_TABLE, ch;
  bidsim_error_t err;
  bidsim_error_clear(&err);
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":B:v:b:d:af:h", longopts, NULL)) != -1) {
    switch (ch) {
      case 'B': base_s = optarg; break;
      case 'v': variant_s = optarg; break;
      case 'b': by_s = optarg; break;
      case 'd': day_s = optarg; break;
      case 'a': opt.all_plans = true; break;
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
  if (optind + 1 != argc)
    return bidsim_cli_usage_error("compare", "expected exactly one result file");
  if (base_s == NULL)
    return bidsim_cli_usage_error("compare", "--baseline A is required");
  if (bidsim_args_group_by(by_s, &opt.by, &err)) return bidsim_cli_fail("compare", &err);
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
  if (day_s && (rc = bidsim_args_day(res, day_s, &opt.day, &err))) goto out;
  if ((rc = bidsim_reptable_create(res, &opt, &t, &err))) goto out;

  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(t, &td);
  cmp_ctx_t c = { .res = res, .t = t, .by = opt.by, .base = base };
  bidsim_rows_t w;
  if (format != BIDSIM_FORMAT_TABLE) bidsim_rows_begin(&w, stdout, format);
  else printf("results: %s\npaired over %u replicate(s); B - A with 95%% intervals (Student t); money in yuan.\n",
              argv[optind], td.replicates);
  for (uint32_t v = variant_s ? other : 0; v < (variant_s ? other + 1 : dm.variants); v++) {
    if (v == base) continue;
    c.other = v;
    if (format == BIDSIM_FORMAT_TABLE)
      printf("\nA = \"%s\", B = \"%s\"\n", bidsim_results_variant_name(res, base), bidsim_results_variant_name(res, v));
    for (c.group = 0; c.group < td.groups; c.group++) {
      if (format == BIDSIM_FORMAT_TABLE) {
        printf("%s \"%s\"\n", bidsim_group_by_name(opt.by), bidsim_reptable_group_name(t, c.group));
        printf("  %-18s %10s %10s %-19s %6s %7s\n", "metric", "A", "B - A", "95% CI", "p", "change");
      }
      for (c.stat = 0; c.stat < BIDSIM_STAT_COUNT; c.stat++) {
        c.p = bidsim_reptable_paired(t, base, v, c.group, 0, c.stat, LEVEL);
        if (format != BIDSIM_FORMAT_TABLE) bidsim_rows_emit(&w, emit_row, &c);
        else if (c.p.n > 0) print_row(&c);
      }
    }
  }
  if (format != BIDSIM_FORMAT_TABLE) bidsim_rows_end(&w);
  else printf("\n(* = the interval excludes zero; CTR/CVR differences in percentage points)\n");
  if (fflush(stdout) != 0) rc = bidsim_error_set(&err, BIDSIM_EIO, "stdout", "cannot write the comparison");
out:
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  return rc ? bidsim_cli_fail("compare", &err) : BIDSIM_EXIT_OK;
}
