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
    "    bidsim plot OUT.h5 -o DIR [--variant V] [--dpi N]\n"
    "\n"
    "DESCRIPTION\n"
    "    Writes into DIR (created if missing), and prints the path of each:\n"
    "      cumulative_spend.png  spend through the day per listed plan, mean and\n"
    "                            5-95%% band over replicate-days, with its cap\n"
    "      hourly_exposures.png  hourly share of impressions and of each plan's\n"
    "                            exposures against the scenario's diurnal curve\n"
    "      cap_hit_times.png     distribution of the time each cap was reached\n"
    "      roi_cpc.png           ROI and CPC per plan and variant, 95%% intervals\n"
    "    Figures are drawn by plot.py under Debian's /usr/bin/python3\n"
    "    (python3-h5py, python3-matplotlib; `make deps` installs them).\n"
    "    Plan and variant names longer than 40 characters are cut in the figures.\n"
    "    The figures are drawn from arrays held in memory: a file that would need\n"
    "    more than 4 GiB (replicates x days x listed plans) is refused.\n"
    "\n"
    "OPTIONS\n"
    "    -o, --output DIR    directory for the PNG files (required)\n"
    "    -v, --variant V     variant for the per-day figures (default: the first)\n"
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
    "    0 success; 2 bad usage, a file that is not a readable bidsim result, holds\n"
    "    counters no run writes (negative, not integers, sums past INT64_MAX), or\n"
    "    is too large to plot; 1 other failures (no Python with h5py and\n"
    "    matplotlib, cannot write DIR, a figure that cannot be drawn: one line;\n"
    "    BIDSIM_PLOT_DEBUG=1 shows Python's traceback).\n"
    "\n"
    "EXAMPLE\n"
    "    bidsim plot results/pdd_baseline.h5 -o results/figures\n");
}

/* Where the plotting script is: the installed one beside the running
 * binary (/proc/self/exe, BIDSIM_PLOT_FROM_BIN away), else, for a binary in
 * its build tree, the source tree named by bidsim-source-dir.txt beside it.
 * Fills @p script and returns 0, or returns -1 with the places looked at in
 * @p looked. */
int bidsim_cli_find_plot_script(char *script, size_t n, char *looked, size_t looked_n) {
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

int bidsim_cmd_plot(int argc, char **argv) {
  static const struct option longopts[] = {
    { "output", required_argument, 0, 'o' }, { "variant", required_argument, 0, 'v' },
    { "dpi", required_argument, 0, 'D' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *dir = NULL, *variant_s = NULL, *dpi = "100";
  int ch;
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":o:v:h", longopts, NULL)) != -1) {
    switch (ch) {
      case 'o': dir = optarg; break;
      case 'v': variant_s = optarg; break;
      case 'D': {
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
  bidsim_error_t err;
  bidsim_error_clear(&err);
  bidsim_results_t *res = NULL;
  uint32_t v = 0;
  int rc = bidsim_results_open(path, &res, &err);
  if (rc == BIDSIM_OK && variant_s) rc = bidsim_args_variant(res, variant_s, &v, &err);
  /* the script takes the variant by index: a name may be longer than an
   * argument can be (the kernel's limit is 128 KiB) or look like an index */
  char vindex[16];
  snprintf(vindex, sizeof vindex, "%u", v);
  bidsim_results_close(res);
  if (rc) return bidsim_cli_fail("plot", &err);

  const char *python = getenv("BIDSIM_PYTHON"), *script = getenv("BIDSIM_PLOT_SCRIPT");
  if (python == NULL || *python == '\0') python = "/usr/bin/python3";
  char found[4096], looked[8400] = "";
  if (script == NULL || *script == '\0') {
    if (bidsim_cli_find_plot_script(found, sizeof found, looked, sizeof looked) != 0) {
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
    char *args[] = { (char *)python, (char *)script, (char *)path, "-o", (char *)dir, "--variant-index", vindex,
                     "--dpi", (char *)dpi, NULL };
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
