/* cli/cmd_landscape.c - `bidsim landscape`: what one plan gets at each base
 * bid, cap or segment premium (sim/landscape.h), every point on the same
 * traffic and users, with 95% intervals and the marginal CPC and ROI
 * between neighbouring points (analysis/landscape_table.h). Prints the
 * table, CSV or JSON; --plot draws the curves with
 * analysis/landscape_plot.py under Debian's Python. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "analysis/landscape_table.h"
#include "bidsim/alloc.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "sim/landscape.h"
#include "sim/output.h"

#define LEVEL 0.95

static volatile sig_atomic_t interrupted = 0;   /* the handler's only reach */
static void on_signal(int sig) {
  (void)sig;
  if (interrupted) _exit(BIDSIM_EXIT_SIGNAL);
  interrupted = 1;
}

static void usage(FILE *f) {
  fprintf(f,
    "NAME\n"
    "    bidsim landscape - what a plan gets at each bid, cap or premium\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim landscape SCENARIO.yaml --plan NAME\n"
    "                     (--bid A:B:STEP | --cap A:B:STEP | --premium SEGMENT=A%%:B%%:STEP%%)\n"
    "                     [--replicates R] [--days D] [--seed S] [--threads N] [-o OUT.h5]\n"
    "                     [--format table|csv|json] [--plot DIR] [--exact]\n"
    "\n"
    "DESCRIPTION\n"
    "    Simulates plan NAME of the scenario at every point of one axis:\n"
    "      --bid      the base (ordinary) bid in yuan; the segment bids keep the\n"
    "                 scenario's premiums as percentages (rounded up to whole fen)\n"
    "      --cap      the daily spend cap in yuan\n"
    "      --premium  one segment's bid (shop or similar) as a percentage above\n"
    "                 the base bid, e.g. shop=10%%:300%%:10%%\n"
    "    For each point: the plan's mean exposures, clicks, spend, orders, order\n"
    "    value per day, ROI (order value / spend), CPC and top-slot share (the\n"
    "    share of its exposures in the first slot), each with a 95%% interval over\n"
    "    replicates, and the marginal CPC (extra spend per extra click) and\n"
    "    marginal ROI (extra order value per extra yuan) from the previous point,\n"
    "    paired replicate by replicate: every point sees the same impressions and\n"
    "    users (common random numbers). Points that break a platform rule (a bid\n"
    "    above 99.00 yuan, a premium outside 10%%-300%%, a cap below 100 yuan) are\n"
    "    listed with the rule and skipped. The plan need never have run.\n"
    "\n"
    "    By default one pass per replicate: the scenario runs once as written and\n"
    "    after every auction each point's copy of the plan is placed among the\n"
    "    competitors it scored, with its own spend and cap; the competitors do not\n"
    "    react to the points. --exact runs every point as a scenario of its own\n"
    "    (competitors' caps react). One pass falls back to --exact, saying why,\n"
    "    for a plan with a bid strategy or whose shop models customer service,\n"
    "    the global relation model, VCG, or a CTR prediction error. The\n"
    "    scenario's own sweep and variants are set aside. See docs/landscape.md.\n"
    "\n"
    "OPTIONS\n"
    "    -p, --plan NAME        the listed plan (required)\n"
    "        --bid A:B:STEP     base bids from A to B yuan by STEP\n"
    "        --cap A:B:STEP     caps from A to B yuan by STEP\n"
    "        --premium SEG=A%%:B%%:STEP%%   shop or similar premium, percent\n"
    "    -r, --replicates R     override the scenario's replicates (at least 2 for\n"
    "                           intervals)\n"
    "    -d, --days D           override the scenario's days\n"
    "    -s, --seed S           override the scenario's seed\n"
    "    -t, --threads N        worker threads (default: online CPUs)\n"
    "    -o, --output OUT.h5    also write the points, each replicate's counts and\n"
    "                           the statistics to an HDF5 file (docs/landscape.md)\n"
    "    -f, --format FMT       table (default), csv or json\n"
    "        --plot DIR         also write DIR/landscape.png and DIR/landscape.csv\n"
    "        --exact            run the full sweep instead of one pass\n"
    "    -h, --help             this text\n"
    "\n"
    "CSV AND JSON FIELDS\n"
    "    point, value, current (1 at the scenario's setting), skipped, rule,\n"
    "    bid_ordinary, bid_shop, bid_similar, cap (yuan, empty if unlimited), then\n"
    "    for each of exposures, clicks, spend, orders, order_value, roi, cpc,\n"
    "    top_share, marginal_cpc, marginal_roi: NAME, NAME_lo, NAME_hi.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 2 bad usage, an unknown plan, a bad scenario; 1 other\n"
    "    failures; 130 interrupted.\n"
    "\n"
    "EXAMPLE\n"
    "    bidsim landscape scenarios/landscape.yaml --plan Kitchen --bid 0.50:3.00:0.05\n");
}

/* "A:B:STEP" with an optional '%' after each number. */
static int parse_range(const char *s, bool percent, double v[3]) {
  const char *p = s;
  for (int i = 0; i < 3; i++) {
    char *end;
    errno = 0;
    v[i] = strtod(p, &end);
    if (end == p || errno || !isfinite(v[i])) return -1;
    p = end;
    if (percent && *p == '%') p++;
    if (i < 2) {
      if (*p != ':') return -1;
      p++;
    }
  }
  return *p == '\0' ? 0 : -1;
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, const char *opt, uint32_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (*s == '\0' || *s == '-' || *end || errno || v < lo || v > hi)
    return bidsim_cli_usage_error("landscape", "%s must be an integer in [%u, %u], got '%s'", opt, lo, hi, s);
  *out = (uint32_t)v;
  return 0;
}

typedef struct {
  const bidsim_landscape_point_t *pt;
  const bidsim_estimate_t *st;
  uint32_t i;
} row_ctx_t;

static void emit_row(bidsim_rows_t *w, const void *ptr) {
  const row_ctx_t *c = ptr;
  char name[64];
  bidsim_row_number(w, "point", c->i);
  bidsim_row_number(w, "value", c->pt->x);
  bidsim_row_number(w, "current", c->pt->current);
  bidsim_row_number(w, "skipped", c->pt->skipped);
  bidsim_row_string(w, "rule", c->pt->rule);
  bidsim_row_number(w, "bid_ordinary", c->pt->bid_li[0] / 1000.0);
  bidsim_row_number(w, "bid_shop", c->pt->bid_li[1] / 1000.0);
  bidsim_row_number(w, "bid_similar", c->pt->bid_li[2] / 1000.0);
  bidsim_row_number(w, "cap", c->pt->cap_li == BIDSIM_CAP_UNLIMITED ? NAN : c->pt->cap_li / 1000.0);
  for (int s = 0; s < BIDSIM_LSTAT_COUNT; s++) {
    const bidsim_estimate_t *e = &c->st[s];
    bidsim_row_number(w, bidsim_lstat_key(s), e->mean);
    snprintf(name, sizeof name, "%s_lo", bidsim_lstat_key(s));
    bidsim_row_number(w, name, e->lo);
    snprintf(name, sizeof name, "%s_hi", bidsim_lstat_key(s));
    bidsim_row_number(w, name, e->hi);
  }
}

/* "mean ±half" in @p width columns. */
static void cell(const bidsim_estimate_t *e, int dec, double k, int width) {
  char m[32], h[32], out[72];
  bidsim_fmt_number(m, sizeof m, e->mean * k, dec, true);
  if (isnan(e->lo)) snprintf(out, sizeof out, "%s", m);
  else {
    bidsim_fmt_number(h, sizeof h, 0.5 * (e->hi - e->lo) * k, dec, true);
    snprintf(out, sizeof out, "%s ±%s", m, h);
  }
  printf(" %*s", width, out);
}

/* What one pass held fixed that would react to the plan (docs/landscape.md). */
static void caution(FILE *f, const char *prefix, const bidsim_landscape_info_t *info) {
  if (info->exact) return;
  if (info->capped_competitors)
    fprintf(f, "%s%u of %u other plans reached their cap on a day of the scenario's run: one pass holds their "
            "caps as in that run, though the plan's setting would move when they bind; check with --exact\n", prefix,
            info->capped_competitors, info->other_plans);
  if (info->competitor_strategies)
    fprintf(f, "%scompetitors run bid strategies: one pass holds them as in the scenario's run, though they "
            "would react to the plan; check with --exact\n", prefix);
}

static void print_table(const char *path, const char *plan, const char *axis, const bidsim_landscape_point_t *pts,
                        uint32_t n, const bidsim_estimate_t *st, const bidsim_landscape_info_t *info) {
  printf("landscape: plan \"%s\" of %s, %s, %u point(s)\n", plan, path, axis, n);
  printf("%s; %u replicate(s) x %u day(s); per day, mean ± half-width of the 95%% interval; money in yuan\n",
         info->exact ? "exact sweep (every point a run of its own)"
                     : "one pass (competitors as in the scenario's own run)", info->replicates, info->days);
  if (info->why_exact[0]) printf("one pass cannot model this scenario (%s): ran the exact sweep\n", info->why_exact);
  caution(stdout, "note: ", info);
  static const struct { const char *head; int stat, dec; double k; int w; } col[] = {
    { "exposures", BIDSIM_LSTAT_EXPOSURES, 0, 1, 16 }, { "clicks", BIDSIM_LSTAT_CLICKS, 1, 1, 14 },
    { "spend", BIDSIM_LSTAT_SPEND, 2, 1, 17 }, { "orders", BIDSIM_LSTAT_ORDERS, 1, 1, 12 },
    { "order value", BIDSIM_LSTAT_ORDER_VALUE, 1, 1, 17 }, { "ROI", BIDSIM_LSTAT_ROI, 2, 1, 12 },
    { "CPC", BIDSIM_LSTAT_CPC, 2, 1, 12 }, { "top %", BIDSIM_LSTAT_TOP_SHARE, 1, 100, 12 },
    { "marg. CPC", BIDSIM_LSTAT_MARGINAL_CPC, 2, 1, 13 }, { "marg. ROI", BIDSIM_LSTAT_MARGINAL_ROI, 2, 1, 13 } };
  printf("\n%9s", "value");
  for (size_t c = 0; c < sizeof col / sizeof col[0]; c++) printf(" %*s", col[c].w, col[c].head);
  printf("\n");
  uint32_t skipped = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (pts[i].skipped) { skipped++; continue; }
    printf("%8.2f%s", pts[i].x, pts[i].current ? "*" : " ");
    for (size_t c = 0; c < sizeof col / sizeof col[0]; c++)
      cell(&st[(size_t)i * BIDSIM_LSTAT_COUNT + col[c].stat], col[c].dec, col[c].k, col[c].w);
    printf("\n");
  }
  printf("\n(* = the scenario's setting; marginals from the previous point)\n");
  if (skipped) {
    printf("\nskipped %u point(s) that break a platform rule:\n", skipped);
    for (uint32_t i = 0; i < n; i++)
      if (pts[i].skipped) printf("  %.2f: %s\n", pts[i].x, pts[i].rule);
  }
}

static int write_rows(FILE *f, bidsim_format_t format, const bidsim_landscape_point_t *pts, uint32_t n,
                      const bidsim_estimate_t *st) {
  bidsim_rows_t w;
  bidsim_rows_begin(&w, f, format);
  for (uint32_t i = 0; i < n; i++) {
    const row_ctx_t c = { &pts[i], &st[(size_t)i * BIDSIM_LSTAT_COUNT], i };
    bidsim_rows_emit(&w, emit_row, &c);
  }
  bidsim_rows_end(&w);
  return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* DIR/landscape.csv (written to a temporary name and renamed), then the
 * figure by analysis/landscape_plot.py beside plot.py. */
static int plot(const char *dir, const char *plan, const char *xlabel, double current,
                const bidsim_landscape_point_t *pts, uint32_t n, const bidsim_estimate_t *st) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "bidsim landscape: error: %s: cannot create the folder: %s\n", dir, strerror(errno));
    return BIDSIM_EXIT_FAILURE;
  }
  char csv[4200], tmp[4300];
  snprintf(csv, sizeof csv, "%s/landscape.csv", dir);
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", csv, (long)getpid());
  FILE *f = fopen(tmp, "w");
  if (f == NULL || write_rows(f, BIDSIM_FORMAT_CSV, pts, n, st) != 0 || fclose(f) != 0 || rename(tmp, csv) != 0) {
    fprintf(stderr, "bidsim landscape: error: %s: cannot write: %s\n", csv, strerror(errno));
    unlink(tmp);
    return BIDSIM_EXIT_FAILURE;
  }
  char script[4096], looked[8400] = "";
  const char *env = getenv("BIDSIM_LANDSCAPE_PLOT_SCRIPT"), *python = getenv("BIDSIM_PYTHON");
  if (python == NULL || *python == '\0') python = "/usr/bin/python3";
  if (env && *env) snprintf(script, sizeof script, "%s", env);
  else if (bidsim_cli_find_plot_script(script, sizeof script, looked, sizeof looked) == 0) {
    char *slash = strrchr(script, '/');
    snprintf(slash + 1, sizeof script - (size_t)(slash + 1 - script), "landscape_plot.py");
  } else {
    fprintf(stderr, "bidsim landscape: error: cannot find the plotting scripts (looked for %s)\n", looked);
    return BIDSIM_EXIT_FAILURE;
  }
  char cur[64];
  snprintf(cur, sizeof cur, "%.6g", current);
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return BIDSIM_EXIT_FAILURE;
  if (pid == 0) {
    char *args[] = { (char *)python, script, csv, "-o", (char *)dir, "--plan", (char *)plan, "--xlabel",
                     (char *)xlabel, isnan(current) ? NULL : "--current", cur, NULL };
    execv(python, args);
    fprintf(stderr, "bidsim landscape: error: cannot run %s: %s\n", python, strerror(errno));
    _exit(BIDSIM_EXIT_FAILURE);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return BIDSIM_EXIT_FAILURE;
  return WIFEXITED(status) ? WEXITSTATUS(status) : BIDSIM_EXIT_FAILURE;
}

static int write_file(const char *path, const bidsim_scenario_t *sc, uint32_t plan, const bidsim_landscape_axis_t *ax,
                      const bidsim_landscape_point_t *pts, uint32_t n, const int64_t *counts,
                      const bidsim_landscape_info_t *info, const bidsim_estimate_t *st, bidsim_error_t *err) {
  double *stats = bidsim_malloc((size_t)n * BIDSIM_LSTAT_COUNT * 3 * sizeof *stats);
  const char *names[BIDSIM_LSTAT_COUNT];
  char *resolved = bidsim_scenario_resolved_yaml(sc);
  if (stats == NULL || resolved == NULL) {
    bidsim_free(stats);
    bidsim_free(resolved);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "landscape", "out of memory");
  }
  for (int s = 0; s < BIDSIM_LSTAT_COUNT; s++) names[s] = bidsim_lstat_key(s);
  for (size_t i = 0; i < (size_t)n * BIDSIM_LSTAT_COUNT; i++) {
    stats[3 * i] = st[i].mean;
    stats[3 * i + 1] = st[i].lo;
    stats[3 * i + 2] = st[i].hi;
  }
  const bidsim_landscape_file_t lf = {
    .plan_name = sc->plans[plan].name,
    .axis_name = ax->axis == BIDSIM_AXIS_BID ? "bid" : ax->axis == BIDSIM_AXIS_CAP ? "cap"
                 : ax->segment == BIDSIM_SEG_SHOP ? "premium shop" : "premium similar",
    .seed = sc->seed, .resolved_text = resolved, .pts = pts, .n = n, .counts = counts, .info = info,
    .stats = stats, .stat_count = BIDSIM_LSTAT_COUNT, .stat_names = names };
  int rc = bidsim_landscape_write(path, &lf, err);
  bidsim_free(stats);
  bidsim_free(resolved);
  return rc;
}

int bidsim_cmd_landscape(int argc, char **argv) {
  enum { OPT_BID = 256, OPT_CAP, OPT_PREMIUM, OPT_PLOT, OPT_EXACT };
  static const struct option longopts[] = {
    { "plan", required_argument, 0, 'p' }, { "bid", required_argument, 0, OPT_BID },
    { "cap", required_argument, 0, OPT_CAP }, { "premium", required_argument, 0, OPT_PREMIUM },
    { "replicates", required_argument, 0, 'r' }, { "threads", required_argument, 0, 't' },
    { "format", required_argument, 0, 'f' }, { "plot", required_argument, 0, OPT_PLOT },
    { "exact", no_argument, 0, OPT_EXACT }, { "output", required_argument, 0, 'o' },
    { "days", required_argument, 0, 'd' }, { "seed", required_argument, 0, 's' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *plan_s = NULL, *plot_dir = NULL, *axis_s = NULL, *out_path = NULL;
  bidsim_landscape_axis_t ax = { 0 };
  int axes = 0, format = BIDSIM_FORMAT_TABLE, ch;
  uint32_t reps = 0, threads = 0, days = 0;
  bool seed_set = false;
  uint64_t seed = 0;
  bool exact = false;
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":p:r:t:f:o:d:s:h", longopts, NULL)) != -1) {
    double v[3];
    switch (ch) {
      case 'p': plan_s = optarg; break;
      case OPT_BID: case OPT_CAP:
        axes++;
        axis_s = optarg;
        ax.axis = ch == OPT_BID ? BIDSIM_AXIS_BID : BIDSIM_AXIS_CAP;
        if (parse_range(optarg, false, v))
          return bidsim_cli_usage_error("landscape", "--%s takes A:B:STEP in yuan (e.g. 0.50:3.00:0.05), got '%s'",
                                        ch == OPT_BID ? "bid" : "cap", optarg);
        ax.from = v[0]; ax.to = v[1]; ax.step = v[2];
        break;
      case OPT_PREMIUM: {
        axes++;
        axis_s = optarg;
        ax.axis = BIDSIM_AXIS_PREMIUM;
        const char *eq = strchr(optarg, '=');
        size_t len = eq ? (size_t)(eq - optarg) : 0;
        if (eq && len == 4 && !strncmp(optarg, "shop", 4)) ax.segment = BIDSIM_SEG_SHOP;
        else if (eq && len == 7 && !strncmp(optarg, "similar", 7)) ax.segment = BIDSIM_SEG_SIMILAR;
        else
          return bidsim_cli_usage_error("landscape", "--premium takes SEGMENT=A%%:B%%:STEP%% with SEGMENT shop or "
                                        "similar, got '%s'", optarg);
        if (parse_range(eq + 1, true, v))
          return bidsim_cli_usage_error("landscape", "--premium takes SEGMENT=A%%:B%%:STEP%% (e.g. shop=10%%:300%%:10%%), "
                                        "got '%s'", optarg);
        ax.from = v[0]; ax.to = v[1]; ax.step = v[2];
        break;
      }
      case 'r': if (parse_u32(optarg, 1, BIDSIM_REPLICATES_MAX, "--replicates", &reps)) return BIDSIM_EXIT_INPUT; break;
      case 't': if (parse_u32(optarg, 1, 256, "--threads", &threads)) return BIDSIM_EXIT_INPUT; break;
      case 'f':
        if ((format = bidsim_format_parse(optarg)) < 0)
          return bidsim_cli_usage_error("landscape", "--format must be table, csv or json, got '%s'", optarg);
        break;
      case OPT_PLOT: plot_dir = optarg; break;
      case 'o': out_path = optarg; break;
      case 'd': if (parse_u32(optarg, 1, BIDSIM_DAYS_MAX, "--days", &days)) return BIDSIM_EXIT_INPUT; break;
      case 's': {
        char *end;
        errno = 0;
        seed = strtoull(optarg, &end, 10);
        if (*optarg == '\0' || *optarg == '-' || *end || errno)
          return bidsim_cli_usage_error("landscape", "--seed must be an unsigned 64-bit integer, got '%s'", optarg);
        seed_set = true;
        break;
      }
      case OPT_EXACT: exact = true; break;
      case 'h': usage(stdout); return BIDSIM_EXIT_OK;
      default: return bidsim_cli_option_error("landscape", ch, argv);
    }
  }
  if (optind + 1 != argc) return bidsim_cli_usage_error("landscape", "expected exactly one scenario file");
  if (plan_s == NULL) return bidsim_cli_usage_error("landscape", "--plan NAME is required");
  if (axes != 1) return bidsim_cli_usage_error("landscape", "give exactly one of --bid, --cap and --premium");

  bidsim_error_t err;
  bidsim_error_clear(&err);
  bidsim_scenario_options_t lo = { .load_plugins = true };
  lo.overrides.replicates = reps;
  lo.overrides.days = days;
  lo.overrides.seed_set = seed_set;
  lo.overrides.seed = seed;
  bidsim_scenario_t *sc = NULL;
  bidsim_landscape_point_t *pts = NULL;
  int64_t *counts = NULL;
  bidsim_estimate_t *st = NULL;
  bool *skipped = NULL;
  uint32_t n = 0, plan = UINT32_MAX;
  /* a path that cannot take the file is refused before any work */
  if (out_path && bidsim_output_check_path(out_path, &err)) return bidsim_cli_fail("landscape", &err);
  int rc = bidsim_cli_load_scenario("landscape", argv[optind], &lo, true, &sc);   /* its warnings too */
  if (rc) return rc;
  for (uint32_t i = 0; i < sc->plan_count; i++)
    if (!strcmp(sc->plans[i].name, plan_s)) plan = i;
  if (plan == UINT32_MAX) {
    char names[1024] = "";
    for (uint32_t i = 0; i < sc->plan_count && strlen(names) < 900; i++)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s'%s'", i ? ", " : "", sc->plans[i].name);
    rc = bidsim_error_set(&err, BIDSIM_ENOTFOUND, "--plan", "no listed plan '%s' in %s (plans: %s)", plan_s,
                          argv[optind], names);
    goto out;
  }
  if ((rc = bidsim_landscape_points(sc, plan, &ax, &pts, &n, &err))) {
    snprintf(err.where, sizeof err.where, "--%s %s", ax.axis == BIDSIM_AXIS_BID ? "bid" : ax.axis == BIDSIM_AXIS_CAP
             ? "cap" : "premium", axis_s);
    goto out;
  }
  counts = bidsim_calloc((size_t)n * sc->replicates * BIDSIM_LS_COUNT, sizeof *counts);
  st = bidsim_calloc((size_t)n * BIDSIM_LSTAT_COUNT, sizeof *st);
  skipped = bidsim_calloc(n, sizeof *skipped);
  if (!counts || !st || !skipped) { rc = bidsim_error_set(&err, BIDSIM_ENOMEM, "landscape", "out of memory"); goto out; }
  for (uint32_t i = 0; i < n; i++) skipped[i] = pts[i].skipped;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  const bidsim_landscape_options_t opt = { .threads = threads, .exact = exact, .stop = &interrupted };
  bidsim_landscape_info_t info;
  if ((rc = bidsim_landscape_run(sc, plan, pts, n, &opt, counts, &info, &err))) goto out;
  if ((rc = bidsim_landscape_table(counts, skipped, n, sc->replicates, sc->days, LEVEL, st))) {
    bidsim_error_set(&err, rc, "landscape", "cannot compute the table: %s", bidsim_strerror(rc));
    goto out;
  }
  if (out_path && (rc = write_file(out_path, sc, plan, &ax, pts, n, counts, &info, st, &err))) goto out;
  char axis_label[128];
  snprintf(axis_label, sizeof axis_label, "%s",
           ax.axis == BIDSIM_AXIS_BID ? "base bid (yuan)" : ax.axis == BIDSIM_AXIS_CAP ? "daily cap (yuan)"
           : ax.segment == BIDSIM_SEG_SHOP ? "shop premium (%)" : "similar premium (%)");
  if (format == BIDSIM_FORMAT_TABLE) print_table(argv[optind], plan_s, axis_label, pts, n, st, &info);
  else {
    if (info.why_exact[0])
      fprintf(stderr, "bidsim landscape: note: one pass cannot model this scenario (%s): ran the exact sweep\n",
              info.why_exact);
    caution(stderr, "bidsim landscape: note: ", &info);
    if (write_rows(stdout, (bidsim_format_t)format, pts, n, st) != 0)
      rc = bidsim_error_set(&err, BIDSIM_EIO, "stdout", "cannot write the landscape");
  }
  if (rc == BIDSIM_OK && fflush(stdout) != 0) rc = bidsim_error_set(&err, BIDSIM_EIO, "stdout", "cannot write");
out:;
  int status = rc ? bidsim_cli_fail("landscape", &err) : BIDSIM_EXIT_OK;
  if (rc == BIDSIM_OK && plot_dir) {
    /* the scenario's setting on the swept axis (a cap may be unlimited: none) */
    const bidsim_sc_plan_t *pl = &sc->plans[plan];
    const double current = ax.axis == BIDSIM_AXIS_BID ? pl->bid_li[0] / 1000.0
                           : ax.axis == BIDSIM_AXIS_CAP ? (pl->cap_li == BIDSIM_CAP_UNLIMITED ? NAN : pl->cap_li / 1000.0)
                           : 100.0 * ((double)pl->bid_li[ax.segment] / (double)pl->bid_li[0] - 1.0);
    status = plot(plot_dir, plan_s, axis_label, current, pts, n, st);
  }
  bidsim_free(skipped);
  bidsim_free(st);
  bidsim_free(counts);
  bidsim_free(pts);
  bidsim_scenario_free(sc);
  return status;
}
