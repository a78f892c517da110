/* cli/cmd_calibrate.c - `bidsim calibrate`: fit a scenario's unknowns to the
 * shop's own promotion report (analysis/calibrate.h), write the fitted
 * scenario atomically, print observed against fitted per plan and day, the
 * held-out days' errors and what the history cannot pin down. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/calibrate.h"
#include "cli/commands.h"
#include "cli/format.h"

static volatile sig_atomic_t interrupted = 0;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

static void usage(FILE *f) {
  fprintf(f,
    "NAME\n"
    "    bidsim calibrate - fit a scenario's market to the shop's own report\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim calibrate SCENARIO.yaml --history REPORT.csv -o FITTED.yaml\n"
    "                     [--fit KEY.PATH[=LO:HI] ...] [--holdout DAYS]\n"
    "                     [--replicates R] [--threads N] [--max-evals N]\n"
    "                     [--no-identifiability] [--quiet] [--format table|json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Chooses the values of some scenario keys so that the simulated daily\n"
    "    figures of the listed plans (exposures, clicks, spend, orders, order\n"
    "    value) match REPORT.csv, the per-date, per-plan report the platform's\n"
    "    back end exports. The scenario is simulated on the report's calendar\n"
    "    (its first date is the start date, its days are the days), R times on\n"
    "    the same random numbers at every trial, so the objective is a\n"
    "    deterministic function of the values: the sum over observed plan-days\n"
    "    and metrics of (observed - simulated mean)^2 / variance, the variance\n"
    "    a day's value has around its mean (from the replicates). A search\n"
    "    (a Latin hypercube around the start, on a few replicates) finds its\n"
    "    basin; GSL's Levenberg-Marquardt minimises it in coordinates that\n"
    "    keep every value inside its bounds, twice (weights at the search's\n"
    "    result, then at the first fit). docs/calibration.md explains the\n"
    "    objective, the bounds and how to read the output.\n"
    "\n"
    "    By default it fits the generated market's base bid (median and sigma\n"
    "    of a lognormal), traffic.impressions_per_day, the ctr and cvr of\n"
    "    every product a plan of the report shows and, under users.relation\n"
    "    per_shop, the reach of each shop whose plans it shows. With\n"
    "    market.redraw per_replicate (the default) every replicate draws its\n"
    "    own competitors: the market's values are fitted as a distribution's,\n"
    "    of which the report's market is one draw (docs/calibration.md says\n"
    "    what one draw can tell). --fit chooses the keys instead (--fit\n"
    "    default adds the default set), in the key-path\n"
    "    syntax of sweeps (scenarios/README.md): plans[Kitchen].bids.ordinary,\n"
    "    shops[Acme Home].products[Box].ctr (a product by its name or its\n"
    "    index in the list, not its id).\n"
    "    Keys of known kinds (bids, caps, rates, shares, traffic, sigmas,\n"
    "    multipliers) get bounds from the platform rules and the format's\n"
    "    ranges; others need =LO:HI.\n"
    "\n"
    "    Writes FITTED.yaml: the input file with the fitted values set where\n"
    "    they stand (comments and layout kept) under a comment block naming\n"
    "    the report and its sha256, the objective and each value's start and\n"
    "    range. The file is written under a temporary name and renamed when\n"
    "    complete; on any error nothing is written.\n"
    "\n"
    "    Prints each parameter (start, fitted, the range of values that fit\n"
    "    as well within the simulation's noise), then observed/fitted per\n"
    "    plan and day; a value outside its 95%% predictive interval (the\n"
    "    spread of one simulated day around the mean) is marked '!'. With\n"
    "    --holdout D the last D days are not fitted but predicted: per metric\n"
    "    the mean absolute percentage error and how many actual values fall\n"
    "    inside their intervals. A parameter the report cannot pin down\n"
    "    (moving it, or it and another together, changes no fitted figure\n"
    "    beyond noise) is named NOT IDENTIFIED with its range of near-equal\n"
    "    fits.\n"
    "\n"
    "OPTIONS\n"
    "    -H, --history FILE     the report (required): CSV or tab-separated, UTF-8,\n"
    "                           columns date, plan, exposures, clicks, spend, orders,\n"
    "                           order value (or 日期, 计划名称, 曝光量, 点击量, 花费,\n"
    "                           成交笔数, 成交金额; docs/calibration.md), optional\n"
    "                           shop and product columns; money in yuan\n"
    "    -o, --output FILE      the fitted scenario (required)\n"
    "    -F, --fit KEY[=LO:HI]  fit this key (repeatable); default: see above\n"
    "    -D, --holdout DAYS     predict the last DAYS days instead of fitting them\n"
    "    -r, --replicates R     replicates per trial (default %d, at least 2)\n"
    "    -t, --threads N        worker threads (default: online CPUs)\n"
    "        --max-evals N      simulations per minimisation (default 40 x (K + 1))\n"
    "        --no-identifiability  skip the curvature analysis (a few simulations\n"
    "                           per value)\n"
    "    -q, --quiet            no progress on stderr\n"
    "    -f, --format FMT       table (default) or json (one object)\n"
    "    -h, --help             this text\n"
    "\n"
    "JSON FIELDS\n"
    "    scenario, history, history_sha256, output, first_date, last_date, days,\n"
    "    fit_days, holdout_days, replicates, simulations, converged, objective,\n"
    "    objective_start, moments, threshold; parameters: [{key, start, fitted,\n"
    "    lo, hi, identified, range_lo, range_hi}]; flat_directions: [{KEY:\n"
    "    component}]; holdout: {METRIC: {n, inside, inside_share, mape}};\n"
    "    days: [{plan, date, held_out, observed, fitted, lo95, hi95}], each a\n"
    "    {exposures, clicks, spend_yuan, orders, order_value_yuan}. Undefined\n"
    "    values are null.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 2 bad usage, an invalid scenario, a bad report (FILE:LINE:COL,\n"
    "    the column and the rule: missing columns, an unknown plan, a negative\n"
    "    count, clicks above exposures, duplicate or unordered dates, not UTF-8,\n"
    "    money finer than fen), a --fit key that is not a number or has no known\n"
    "    bounds; 1 other failures; 130 interrupted.\n"
    "\n"
    "EXAMPLE\n"
    "    bidsim calibrate examples/history/shop.yaml \\\n"
    "        --history examples/history/report.csv --holdout 7 -o fitted.yaml\n",
    BIDSIM_CALIBRATE_REPLICATES);
}

static const char *const metric_keys[BIDSIM_METRIC_COUNT] = { "exposures", "clicks", "spend_yuan", "orders",
                                                              "order_value_yuan" };

static double shown(int m, double v) {
  return m == BIDSIM_METRIC_SPEND_LI || m == BIDSIM_METRIC_ORDER_VALUE_LI ? v / 1000.0 : v;
}

typedef struct { bool quiet, tty; } progress_t;

static void on_progress(void *ctx, const char *stage, uint32_t evaluations, double best) {
  progress_t *p = ctx;
  if (p->quiet) return;
  if (p->tty) fprintf(stderr, "\rbidsim calibrate: %-9s %5u simulations  best J %.1f   ", stage, evaluations, best);
  else if (evaluations % 25 == 0)
    fprintf(stderr, "bidsim calibrate: %s, %u simulations, best J %.1f\n", stage, evaluations, best);
}

static void print_params(const bidsim_calibration_t *c, bool ident) {
  const bidsim_fit_result_t *f = &c->fit;
  printf("%-44s %12s %12s  %s\n", "parameter", "start", "fitted", ident ? "near-equal fits" : "");
  for (uint32_t k = 0; k < c->nparams; k++) {
    const bidsim_fit_param_t *p = &c->params[k];
    char s0[64], a[64], b[64];
    bidsim_fit_format(p, p->start, s0, sizeof s0);
    printf("%-44s %12s %12s", p->key, s0, c->value_text[k]);
    if (ident) {
      bidsim_fit_format(p, f->range_lo[k], a, sizeof a);
      bidsim_fit_format(p, f->range_hi[k], b, sizeof b);
      printf("  %s .. %s%s", a, b, f->identified[k] ? "" : "  NOT IDENTIFIED");
    }
    printf("\n");
  }
  for (uint32_t i = 0; ident && i < f->flat_count; i++) {
    printf("near-flat direction %u (J changes by less than %.1f along it):", i + 1, f->threshold);
    for (uint32_t k = 0; k < c->nparams; k++) {
      double v = f->flat_dir[(size_t)i * c->nparams + k];
      if (v * v >= 0.1) printf(" %+.2f %s", v, c->params[k].key);
    }
    printf("\n");
  }
}

static void cell(char *buf, size_t n, const bidsim_fit_result_t *f, size_t i, int m, double y) {
  char a[32], b[32];
  int dec = m == BIDSIM_METRIC_SPEND_LI || m == BIDSIM_METRIC_ORDER_VALUE_LI ? 2 : m == BIDSIM_METRIC_CONVERSIONS ? 1 : 0;
  bidsim_fmt_number(a, sizeof a, shown(m, y), m == BIDSIM_METRIC_CONVERSIONS ? 0 : dec, false);
  bidsim_fmt_number(b, sizeof b, shown(m, f->mean[i]), dec, false);
  snprintf(buf, n, "%s/%s%s", a, b, y < f->lo95[i] || y > f->hi95[i] ? "!" : "");
}

static void print_days(const bidsim_calibration_t *c) {
  const bidsim_history_t *h = c->history;
  const bidsim_fit_result_t *f = &c->fit;
  for (uint32_t p = 0; p < h->plans; p++) {
    bool any = false;
    for (uint32_t d = 0; d < h->days && !any; d++) any = h->seen[(size_t)p * h->days + d];
    if (!any) continue;
    printf("\nplan %s: observed/fitted per day (money in yuan; H = held out; ! = outside the 95%% interval)\n",
           c->scenario->plans[p].name);
    printf("  %-10s %-15s %-11s %-17s %-9s %s\n", "date", "exposures", "clicks", "spend", "orders", "order value");
    for (uint32_t d = 0; d < h->days; d++) {
      if (!h->seen[(size_t)p * h->days + d]) continue;
      char date[16], cells[BIDSIM_METRIC_COUNT][72];
      for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
        size_t i = ((size_t)p * h->days + d) * BIDSIM_METRIC_COUNT + m;
        cell(cells[m], sizeof cells[m], f, i, m, (double)h->value[i]);
      }
      bidsim_history_date(h, d, date);
      printf("%c %-10s %-15s %-11s %-17s %-9s %s\n", d >= f->fit_days ? 'H' : ' ', date, cells[0], cells[1],
             cells[2], cells[3], cells[4]);
    }
  }
}

static void print_table(const bidsim_calibration_t *c, const char *out_path, bool ident) {
  const bidsim_history_t *h = c->history;
  const bidsim_fit_result_t *f = &c->fit;
  printf("history: %04d-%02d-%02d to %04d-%02d-%02d, %u days, %u rows (sha256 %.16s...)\n", h->first.year,
         h->first.month, h->first.day, h->last.year, h->last.month, h->last.day, h->days, h->rows, h->sha256);
  printf("fit: %u days, %u plan-day figures, %u replicates, %u simulations%s\n", f->fit_days, f->moments,
         f->replicates, f->evaluations, f->converged ? "" : " (stopped at --max-evals: not converged)");
  printf("objective J: %.1f at the fit, %.1f at the start (about %u if the model fits)\n", f->objective,
         f->objective_start, f->moments);
  if (f->objective > 2.0 * f->moments)
    printf("note: J is %.1f times what the history's own noise explains: the model does not reproduce the\n"
           "      report this way (a plan or a rule the scenario lacks), or the search missed the basin\n"
           "      (start from other values, or fit fewer keys)\n", f->objective / f->moments);
  printf("\n");
  print_params(c, ident);
  if (f->fit_days < f->days) {
    printf("\nheld-out days (%u): per metric, mean absolute percentage error and actual values inside the 95%%"
           " interval\n", f->days - f->fit_days);
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
      const bidsim_fit_holdout_t *ho = &f->holdout[m];
      printf("  %-17s MAPE %6.1f%%  inside %u/%u\n", metric_keys[m], ho->mape * 100, ho->inside, ho->n);
    }
  }
  print_days(c);
  printf("\nfitted scenario: %s\n", out_path);
}

static void json_metrics(const char *name, const double *v, int scale_money) {
  printf("\"%s\":{", name);
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
    printf("%s\"%s\":", m ? "," : "", metric_keys[m]);
    bidsim_json_number(stdout, scale_money ? shown(m, v[m]) : v[m]);
  }
  printf("}");
}

static void print_json(const bidsim_calibration_t *c, const bidsim_calibrate_options_t *opt, const char *out_path) {
  const bidsim_history_t *h = c->history;
  const bidsim_fit_result_t *f = &c->fit;
  const uint32_t K = c->nparams;
  char d0[16], d1[16];
  bidsim_history_date(h, 0, d0);
  bidsim_history_date(h, h->days - 1, d1);
  printf("{\"scenario\":");
  bidsim_json_string(stdout, opt->scenario_path);
  printf(",\"history\":");
  bidsim_json_string(stdout, opt->history_path);
  printf(",\"history_sha256\":\"%s\",\"output\":", h->sha256);
  bidsim_json_string(stdout, out_path);
  printf(",\"first_date\":\"%s\",\"last_date\":\"%s\",\"days\":%u,\"fit_days\":%u,\"holdout_days\":%u,"
         "\"replicates\":%u,\"simulations\":%u,\"converged\":%s,\"objective\":",
         d0, d1, h->days, f->fit_days, f->days - f->fit_days, f->replicates, f->evaluations,
         f->converged ? "true" : "false");
  bidsim_json_number(stdout, f->objective);
  printf(",\"objective_start\":");
  bidsim_json_number(stdout, f->objective_start);
  printf(",\"moments\":%u,\"threshold\":", f->moments);
  bidsim_json_number(stdout, opt->identifiability ? f->threshold : NAN);
  printf(",\n\"parameters\":[");
  for (uint32_t k = 0; k < K; k++) {
    const bidsim_fit_param_t *p = &c->params[k];
    printf("%s\n{\"key\":", k ? "," : "");
    bidsim_json_string(stdout, p->key);
    printf(",\"start\":");
    bidsim_json_number(stdout, p->start);
    printf(",\"fitted\":");
    bidsim_json_number(stdout, f->value[k]);
    printf(",\"lo\":");
    bidsim_json_number(stdout, p->lo);
    printf(",\"hi\":");
    bidsim_json_number(stdout, p->hi);
    if (opt->identifiability) {
      printf(",\"identified\":%s,\"range_lo\":", f->identified[k] ? "true" : "false");
      bidsim_json_number(stdout, f->range_lo[k]);
      printf(",\"range_hi\":");
      bidsim_json_number(stdout, f->range_hi[k]);
    } else {
      printf(",\"identified\":null,\"range_lo\":null,\"range_hi\":null");
    }
    printf("}");
  }
  printf("],\n\"flat_directions\":[");
  for (uint32_t i = 0; i < f->flat_count; i++) {
    printf("%s{", i ? "," : "");
    bool first = true;
    for (uint32_t k = 0; k < K; k++) {
      double v = f->flat_dir[(size_t)i * K + k];
      if (v * v < 0.1) continue;
      printf("%s", first ? "" : ",");
      bidsim_json_string(stdout, c->params[k].key);
      printf(":");
      bidsim_json_number(stdout, v);
      first = false;
    }
    printf("}");
  }
  printf("],\n\"holdout\":{");
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
    const bidsim_fit_holdout_t *ho = &f->holdout[m];
    printf("%s\"%s\":{\"n\":%u,\"inside\":%u,\"inside_share\":", m ? "," : "", metric_keys[m], ho->n, ho->inside);
    bidsim_json_number(stdout, ho->n ? (double)ho->inside / ho->n : NAN);
    printf(",\"mape\":");
    bidsim_json_number(stdout, ho->n ? ho->mape : NAN);
    printf("}");
  }
  printf("},\n\"days\":[");
  bool first = true;
  for (uint32_t p = 0; p < h->plans; p++)
    for (uint32_t d = 0; d < h->days; d++) {
      if (!h->seen[(size_t)p * h->days + d]) continue;
      size_t i = ((size_t)p * h->days + d) * BIDSIM_METRIC_COUNT;
      double obs[BIDSIM_METRIC_COUNT];
      for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) obs[m] = (double)h->value[i + m];
      char date[16];
      bidsim_history_date(h, d, date);
      printf("%s\n{\"plan\":", first ? "" : ",");
      bidsim_json_string(stdout, c->scenario->plans[p].name);
      printf(",\"date\":\"%s\",\"held_out\":%s,", date, d >= f->fit_days ? "true" : "false");
      json_metrics("observed", obs, 1);
      printf(",");
      json_metrics("fitted", &f->mean[i], 1);
      printf(",");
      json_metrics("lo95", &f->lo95[i], 1);
      printf(",");
      json_metrics("hi95", &f->hi95[i], 1);
      printf("}");
      first = false;
    }
  printf("\n]}\n");
}

static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (*s == '\0' || *end || *s == '-' || v < lo || v > hi) return false;
  *out = (uint32_t)v;
  return true;
}

int bidsim_cmd_calibrate(int argc, char **argv) {
  enum { OPT_MAX_EVALS = 256, OPT_NO_IDENT };
  static const struct option longopts[] = {
    { "history", required_argument, 0, 'H' }, { "output", required_argument, 0, 'o' },
    { "fit", required_argument, 0, 'F' }, { "holdout", required_argument, 0, 'D' },
    { "replicates", required_argument, 0, 'r' }, { "threads", required_argument, 0, 't' },
    { "max-evals", required_argument, 0, OPT_MAX_EVALS }, { "no-identifiability", no_argument, 0, OPT_NO_IDENT },
    { "quiet", no_argument, 0, 'q' }, { "format", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
    { 0, 0, 0, 0 } };
  static const char *fits[64];
  bidsim_calibrate_options_t opt = { .identifiability = true, .fit = fits };
  const char *out_path = NULL;
  int format = BIDSIM_FORMAT_TABLE, ch;
  progress_t pr = { false, isatty(STDERR_FILENO) != 0 };
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":H:o:F:D:r:t:qf:h", longopts, NULL)) != -1) {
    switch (ch) {
      case 'H': opt.history_path = optarg; break;
      case 'o': out_path = optarg; break;
      case 'F':
        if (opt.fit_count == 64) return bidsim_cli_usage_error("calibrate", "at most 64 --fit keys");
        fits[opt.fit_count++] = optarg;
        break;
      case 'D':
        if (!parse_u32(optarg, 0, BIDSIM_DAYS_MAX, &opt.holdout_days))
          return bidsim_cli_usage_error("calibrate", "--holdout needs a number of days, got '%s'", optarg);
        break;
      case 'r':
        if (!parse_u32(optarg, 2, 100000, &opt.replicates))
          return bidsim_cli_usage_error("calibrate", "--replicates needs a number from 2 to 100000, got '%s'", optarg);
        break;
      case 't':
        if (!parse_u32(optarg, 1, 4096, &opt.threads))
          return bidsim_cli_usage_error("calibrate", "--threads needs a number from 1 to 4096, got '%s'", optarg);
        break;
      case OPT_MAX_EVALS:
        if (!parse_u32(optarg, 1, 1000000, &opt.max_evaluations))
          return bidsim_cli_usage_error("calibrate", "--max-evals needs a positive number, got '%s'", optarg);
        break;
      case OPT_NO_IDENT: opt.identifiability = false; break;
      case 'q': pr.quiet = true; break;
      case 'f':
        format = bidsim_format_parse(optarg);
        if (format != BIDSIM_FORMAT_TABLE && format != BIDSIM_FORMAT_JSON)
          return bidsim_cli_usage_error("calibrate", "--format must be table or json, got '%s'", optarg);
        break;
      case 'h': usage(stdout); return BIDSIM_EXIT_OK;
      default: return bidsim_cli_option_error("calibrate", ch, argv);
    }
  }
  if (optind + 1 != argc) return bidsim_cli_usage_error("calibrate", "expected exactly one scenario file");
  if (opt.history_path == NULL) return bidsim_cli_usage_error("calibrate", "--history REPORT.csv is required");
  if (out_path == NULL) return bidsim_cli_usage_error("calibrate", "-o FITTED.yaml is required");
  opt.scenario_path = argv[optind];
  opt.progress = on_progress;
  opt.progress_ctx = &pr;
  opt.stop = &interrupted;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  bidsim_error_t err;
  bidsim_error_clear(&err);
  bidsim_calibration_t *c = NULL;
  /* the scenario's warnings (and its errors, with their details) as `run`
   * prints them, now rather than after the minute-long fit: a load of its
   * own (milliseconds), before bidsim_calibrate loads it again from its text */
  {
    const bidsim_scenario_options_t lo = { 0 };
    bidsim_scenario_t *sc = NULL;
    int st = bidsim_cli_load_scenario("calibrate", opt.scenario_path, &lo, true, &sc);
    bidsim_scenario_free(sc);
    if (st) return st;
  }
  int rc = bidsim_calibrate(&opt, &c, &err);
  if (!pr.quiet && pr.tty) fputc('\n', stderr);
  if (rc == BIDSIM_OK) rc = bidsim_calibration_write(c, out_path, &err);
  if (rc) {
    bidsim_calibration_free(c);
    return bidsim_cli_fail("calibrate", &err);
  }
  if (format == BIDSIM_FORMAT_JSON) print_json(c, &opt, out_path);
  else print_table(c, out_path, opt.identifiability);
  bidsim_calibration_free(c);
  if (fflush(stdout) != 0) {
    bidsim_error_set(&err, BIDSIM_EIO, "stdout", "cannot write the output");
    return bidsim_cli_fail("calibrate", &err);
  }
  return BIDSIM_EXIT_OK;
}
