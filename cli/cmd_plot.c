/* cli/cmd_plot.c - `bidsim plot`: PNG figures of a result file. The
 * figures are drawn by analysis/plot.py with Debian's python3-h5py and
 * python3-matplotlib; this command checks its arguments and the file first,
 * so a bad file gets the same error and exit status as report and compare. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "cli/args.h"
#include "cli/commands.h"

/* The installed script relative to the installed binary's folder (set by
 * cli/CMakeLists.txt from the install layout). */
#ifndef BIDSIM_PLOT_FROM_BIN
#define BIDSIM_PLOT_FROM_BIN "../share/bidsim/plot.py"
#endif

static void usage(FILE *f) {
  fprintf(f,
    "NAME\n"
    "    bidsim plot - PNG figures of a result file\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim plot OUT.h5 -o DIR [--variant V] [--baseline A] [--plan NAME]...\n"
    "                [--shop NAME] [--days FIRST:LAST] [--dpi N]\n"
    "\n"
    "DESCRIPTION\n"
    "    Writes into DIR (created if missing), and prints the path of each:\n"
    "      cumulative_spend.png    spend through the day per plan, mean and 5-95%%\n"
    "                              band over replicate-days, with its cap (variant V)\n"
    "      hourly_exposures.png    hourly share of impressions and of each plan's\n"
    "                              exposures against the scenario's diurnal curve\n"
    "      cap_hit_times.png       distribution of the time each cap was reached\n"
    "      roi_cpc.png             ROI and CPC per plan and variant, 95%% intervals\n"
    "    and, where the file has them:\n"
    "      variants_spend.png      (variants) every variant's cumulative spend\n"
    "                              through the day against the cap, per plan\n"
    "      paired_differences.png  (variants) B - A of orders, spend and ROI per\n"
    "                              plan and variant with compare's paired 95%%\n"
    "                              interval, beside the far wider interval two\n"
    "                              independent runs would give\n"
    "      daily_trend.png         (several days) spend, orders and ROI day by day\n"
    "      sweep.png               (a sweep) the metrics against the first swept\n"
    "                              value, one line per plan and other values\n"
    "    The figures are drawn by plot.py under Debian's /usr/bin/python3\n"
    "    (python3-h5py, python3-matplotlib; Chinese names need fonts-noto-cjk;\n"
    "    `make deps` installs them). Names longer than 40 characters are cut.\n"
    "    The figures are drawn from arrays held in memory: a file that would need\n"
    "    more than 4 GiB (replicates x days x plans) is refused; --days and\n"
    "    --plan draw less.\n"
    "\n"
    "OPTIONS\n"
    "    -o, --output DIR    directory for the PNG files (required)\n"
    "    -v, --variant V     variant for the per-hour figures (default: the first)\n"
    "    -B, --baseline A    variant the paired differences are taken against\n"
    "                        (default: the first)\n"
    "    -p, --plan NAME     draw this plan (repeatable; SHOP/PLAN; default: the\n"
    "                        listed plans)\n"
    "    -s, --shop NAME     draw this shop's plans\n"
    "        --days F:L      only days F to L (indices from 0 or YYYY-MM-DD)\n"
    "    -d, --day D         only day D\n"
    "        --dpi N         resolution (default 100)\n"
    "    -h, --help          this text\n"
    "\n"
    "ENVIRONMENT\n"
    "    BIDSIM_PYTHON       interpreter (default /usr/bin/python3)\n"
    "    BIDSIM_PLOT_SCRIPT  the plotting script. Default: PREFIX/share/bidsim/plot.py\n"
    "                        for a bidsim installed as PREFIX/bin/bidsim (found from\n"
    "                        the binary's own path, so the prefix may move), else the\n"
    "                        source tree's analysis/plot.py for a bidsim run from its\n"
    "                        build tree\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 2 bad usage, an unknown plan, shop, day or variant, a file that\n"
    "    is not a readable bidsim result, holds counters no run writes (negative,\n"
    "    not integers, sums past INT64_MAX), or is too large to plot; 1 other\n"
    "    failures (no Python with h5py and matplotlib, cannot write DIR, a figure\n"
    "    that cannot be drawn: one line; BIDSIM_PLOT_DEBUG=1 shows Python's\n"
    "    traceback).\n"
    "\n"
    "EXAMPLES\n"
    "    bidsim plot results/pdd_baseline.h5 -o results/figures\n"
    "    bidsim plot results/strategies.h5 -o figs --plan Kitchen --days 1:2\n");
}

/* Where the plotting script is: the installed one beside the running
 * binary (/proc/self/exe, BIDSIM_PLOT_FROM_BIN away), else, for a binary in
 * its build tree, the source tree named by bidsim-source-dir.txt beside it.
 * Fills @p script and returns 0, or returns -1 with the places looked at in
 * @p looked. */
static int find_plot_script(char *script, size_t n, char *looked, size_t looked_n) {
  char dir[4096];
  ssize_t len = readlink("/proc/self/exe", dir, sizeof dir - 1);
  if (len <= 0) {
    snprintf(looked, looked_n, "the running binary's path (/proc/self/exe: %s)", strerror(errno));
    return -1;
  }
  dir[len] = '\0';
  char *slash = strrchr(dir, '/');
  if (slash == NULL) {
    snprintf(looked, looked_n, "a folder in the running binary's path '%s'", dir);
    return -1;
  }
  *slash = '\0';   /* the binary's folder */
  const char *rel = BIDSIM_PLOT_FROM_BIN;
  char up[4096];
  snprintf(up, sizeof up, "%s", dir);
  while (!strncmp(rel, "../", 3) && (slash = strrchr(up, '/')) != NULL) {   /* spelt without ".." */
    *slash = '\0';
    rel += 3;
  }
  if (snprintf(script, n, "%s/%s", up, rel) < (int)n && access(script, R_OK) == 0) return 0;
  snprintf(looked, looked_n, "%s", script);

  char marker[4200], src[4096] = "";
  snprintf(marker, sizeof marker, "%s/bidsim-source-dir.txt", dir);
  FILE *f = fopen(marker, "r");
  if (f == NULL) return -1;
  bool ok = fgets(src, sizeof src, f) != NULL;
  fclose(f);
  src[strcspn(src, "\n")] = '\0';
  if (!ok || src[0] == '\0') return -1;
  if (snprintf(script, n, "%s/analysis/plot.py", src) < (int)n && access(script, R_OK) == 0) return 0;
  size_t used = strlen(looked);
  snprintf(looked + used, looked_n - used, ", %s", script);
  return -1;
}

/* Find the script (unless BIDSIM_PLOT_SCRIPT names it) and run it with
 * args (args[1] is set to the script); its exit status is plot's. */
static int plot_run(const char *python, const char *script, char **args) {
  char found[4096], looked[8400] = "";
  if (script == NULL || *script == '\0') {
    if (find_plot_script(found, sizeof found, looked, sizeof looked) != 0) {
      fprintf(stderr, "bidsim plot: error: cannot find the plotting script (looked for %s); "
              "set BIDSIM_PLOT_SCRIPT\n", looked);
      return BIDSIM_EXIT_FAILURE;
    }
    script = found;
  }
  if (access(script, R_OK) != 0) {
    fprintf(stderr, "bidsim plot: error: %s: cannot read the plotting script: %s (set BIDSIM_PLOT_SCRIPT)\n", script,
            strerror(errno));
    return BIDSIM_EXIT_FAILURE;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "bidsim plot: error: fork: %s\n", strerror(errno));
    return BIDSIM_EXIT_FAILURE;
  }
  if (pid == 0) {
    args[1] = (char *)script;
    execv(python, args);
    fprintf(stderr, "bidsim plot: error: cannot run %s: %s (install python3-matplotlib python3-h5py)\n", python,
            strerror(errno));
    _exit(BIDSIM_EXIT_FAILURE);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      fprintf(stderr, "bidsim plot: error: waitpid: %s\n", strerror(errno));
      return BIDSIM_EXIT_FAILURE;
    }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  fprintf(stderr, "bidsim plot: error: %s was killed by signal %d\n", script, WTERMSIG(status));
  return BIDSIM_EXIT_FAILURE;
}

enum { OPT_DPI = 256, OPT_DAYS };

int bidsim_cmd_plot(int argc, char **argv) {
  static const struct option longopts[] = {
    { "output", required_argument, 0, 'o' }, { "variant", required_argument, 0, 'v' },
    { "baseline", required_argument, 0, 'B' }, { "plan", required_argument, 0, 'p' },
    { "shop", required_argument, 0, 's' },   { "days", required_argument, 0, OPT_DAYS },
    { "day", required_argument, 0, 'd' },    { "dpi", required_argument, 0, OPT_DPI },
    { "help", no_argument, 0, 'h' },         { 0, 0, 0, 0 } };
  const char *dir = NULL, *variant_s = NULL, *base_s = NULL, *dpi = "100";
  bidsim_filters_t filters = { .plan_count = 0 };
  bidsim_error_t err;
  bidsim_error_clear(&err);
  int ch;
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":o:v:B:p:s:d:h", longopts, NULL)) != -1) {
    switch (ch) {
      case 'o': dir = optarg; break;
      case 'v': variant_s = optarg; break;
      case 'B': base_s = optarg; break;
      case 'p':
        if (bidsim_filters_add_plan(&filters, optarg, &err)) return bidsim_cli_fail("plot", &err);
        break;
      case 's': filters.shop = optarg; break;
      case 'd': case OPT_DAYS: filters.days = optarg; break;
      case OPT_DPI: {
        char *end;
        long v = strtol(optarg, &end, 10);
        if (*end || v < 20 || v > 1200) {
          fprintf(stderr, "bidsim plot: error: --dpi must be an integer in [20, 1200], got '%s'\n", optarg);
          return BIDSIM_EXIT_INPUT;
        }
        dpi = optarg;
        break;
      }
      case 'h': usage(stdout); return BIDSIM_EXIT_OK;
      default: return bidsim_cli_option_error("plot", ch, argv);
    }
  }
  if (optind + 1 != argc || dir == NULL)
    return bidsim_cli_usage_error("plot", "expected OUT.h5 -o DIR");
  const char *path = argv[optind];
  bidsim_results_t *res = NULL;
  uint32_t v = 0, base = 0;
  bidsim_reptable_options_t opt = { .by = BIDSIM_BY_PLAN };
  int rc = bidsim_results_open(path, &res, &err);
  if (rc == BIDSIM_OK && variant_s) rc = bidsim_args_variant(res, variant_s, &v, &err);
  if (rc == BIDSIM_OK && base_s) rc = bidsim_args_variant(res, base_s, &base, &err);
  if (rc == BIDSIM_OK) rc = bidsim_args_filters(res, &filters, &opt, &err);
  /* the script takes variants, plans and days by index: a name may be longer
   * than an argument can be (the kernel's limit is 128 KiB) or look like an
   * index. Room for every plan's index and the fixed arguments. */
  bidsim_results_dims_t dm = { 0 };
  if (res) bidsim_results_dims(res, &dm);
  size_t max_args = 2 * (size_t)dm.plans + 20;
  char (*numbers)[16] = bidsim_malloc(max_args * sizeof *numbers);
  char **args = bidsim_malloc(max_args * sizeof *args);
  size_t na = 0, nn = 0;
  if (rc == BIDSIM_OK && (!numbers || !args)) rc = bidsim_error_set(&err, BIDSIM_ENOMEM, "plot", "out of memory");
  if (rc) {
    bidsim_free(numbers);
    bidsim_free(args);
    bidsim_filters_free(&filters);
    bidsim_results_close(res);
    return bidsim_cli_fail("plot", &err);
  }
  const char *python = getenv("BIDSIM_PYTHON"), *script = getenv("BIDSIM_PLOT_SCRIPT");
  if (python == NULL || *python == '\0') python = "/usr/bin/python3";
  args[na++] = (char *)python;
  args[na++] = NULL;   /* the script, found below */
  args[na++] = (char *)path;
  args[na++] = "-o";
  args[na++] = (char *)dir;
  snprintf(numbers[nn], sizeof numbers[nn], "%u", v);
  args[na++] = "--variant-index";
  args[na++] = numbers[nn++];
  snprintf(numbers[nn], sizeof numbers[nn], "%u", base);
  args[na++] = "--baseline-index";
  args[na++] = numbers[nn++];
  if (opt.plans || opt.shop) {
    uint32_t drawn = 0;
    for (uint32_t p = 0; p < dm.plans; p++) {
      bool take = opt.plans ? opt.plans[p] : true;
      if (opt.shop) take = take && !strcmp(bidsim_results_plan_shop(res, p), opt.shop);
      if (!take) continue;
      snprintf(numbers[nn], sizeof numbers[nn], "%u", p);
      args[na++] = "--plan-index";
      args[na++] = numbers[nn++];
      drawn++;
    }
    if (drawn == 0) rc = bidsim_error_set(&err, BIDSIM_EINVAL, "plan", "no plan passes --plan and --shop together");
  }
  if (filters.days) {
    snprintf(numbers[nn], sizeof numbers[nn], "%u:%u", opt.day_first, opt.day_first + opt.day_count - 1);
    args[na++] = "--days";
    args[na++] = numbers[nn++];
  }
  args[na++] = "--dpi";
  args[na++] = (char *)dpi;
  args[na] = NULL;
  bidsim_filters_free(&filters);
  bidsim_results_close(res);
  rc = rc ? bidsim_cli_fail("plot", &err) : plot_run(python, script, args);
  bidsim_free(numbers);
  bidsim_free(args);
  return rc;
}
