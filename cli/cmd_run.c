/* cli/cmd_run.c - `bidsim run`: load a scenario, simulate every replicate,
 * write the HDF5 result file atomically, print a per-plan summary. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/alloc.h"
#include <unistd.h>
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/run_summary.h"
#include "sim/estimate.h"
#include "sim/job.h"
#include "sim/output.h"
#ifdef BIDSIM_MPI
#include <mpi.h>
#include "sim/job_mpi.h"
#endif

/* The one piece of global mutable state in the program: signal handlers
 * can reach nothing else. The workers poll it every few thousand
 * impressions. */
static volatile sig_atomic_t interrupted = 0;

/* The first SIGINT or SIGTERM stops the run cleanly (finished units stay
 * resumable); a second one ends the process at once, for a run stuck where
 * nothing polls the flag, such as a strategy plugin that never returns. */
static void on_signal(int sig) {
  (void)sig;
  if (interrupted) {
    static const char msg[] = "\nbidsim run: interrupted again: stopping now (finished units are kept)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(BIDSIM_EXIT_SIGNAL);
  }
  interrupted = 1;
}

static void usage(FILE *f) {
  fprintf(f,
    "NAME\n"
    "    bidsim run - simulate a scenario and write the results to HDF5\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim run SCENARIO.yaml -o OUT.h5 [--threads N] [--replicates R]\n"
    "               [--seed S] [--days D] [--quiet] [--progress bar|lines|none]\n"
    "               [--no-summary] [--resume] [--shard I/N] [--force]\n"
    "\n"
    "DESCRIPTION\n"
    "    Loads and validates SCENARIO.yaml (see scenarios/README.md), estimates\n"
    "    the run's memory, disk and time, refuses one that cannot fit this\n"
    "    machine's memory or would take a year (exit 2, naming the keys that drive\n"
    "    it; --force insists) and warns when the unit store might not fit its disk,\n"
    "    builds the market (listed plans and generated competitors), and simulates\n"
    "    D days of traffic R times. Replicate r draws only from PCG stream r of\n"
    "    seed S, so the results are identical for any thread count. Exposures, clicks,\n"
    "    spend, conversions and order value per replicate, day, plan, segment,\n"
    "    hour and product go to OUT.h5 (docs/output-format.md). The file is\n"
    "    written under a temporary name and renamed when complete: an existing\n"
    "    OUT.h5 is replaced only by a complete new file.\n"
    "    After the run, prints each listed plan's means per day over the\n"
    "    replicates, per variant (the figures of `bidsim report`).\n"
    "\n"
    "    Work is split into units, one per (variant, replicate). Each finished\n"
    "    unit is kept in OUT.h5.units/ until the result file is complete, so an\n"
    "    interrupted or killed run loses only the units in flight: rerun it with\n"
    "    --resume. The result depends only on the scenario, the seed, and the\n"
    "    unit, never on threads, shards or ranks.\n"
    "\n"
    "    A strategy plugin (strategy: {plugin: PATH.so}) is trusted code: run loads\n"
    "    it into bidsim, where its constructors and every call run with bidsim's\n"
    "    rights. A crash or exit() in a plugin takes the whole run down; the units\n"
    "    finished before it stay in OUT.h5.units/ and --resume keeps them.\n"
    "\n"
    "OPTIONS\n"
    "    -o, --output FILE    result file (required)\n"
    "    -t, --threads N      worker threads (default: online CPUs)\n"
    "    -r, --replicates R   override the scenario's replicates\n"
    "    -s, --seed S         override the scenario's seed\n"
    "    -d, --days D         override the scenario's days\n"
    "    -q, --quiet          no progress and no summary\n"
    "        --progress MODE  bar (default on a terminal), lines, or none\n"
    "        --no-summary     do not print the per-plan summary\n"
    "        --resume         keep the units an earlier, interrupted run of the same\n"
    "                         scenario and seed finished (in OUT.h5.units/); if OUT.h5\n"
    "                         is already complete for them, do nothing\n"
    "        --force          run even when the estimate says it does not fit this\n"
    "                         machine (more memory than it has, or a year or\n"
    "                         more at 2 M impressions/s per thread)\n"
    "        --shard I/N      run only units u with u mod N = I (0 <= I < N) and\n"
    "                         write a part file; `bidsim merge` joins the N parts\n"
    "                         (Slurm job arrays: --shard $SLURM_ARRAY_TASK_ID/N)\n"
    "    -h, --help           this text\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 1 run-time failure (I/O, HDF5, memory); 2 bad usage or an\n"
    "    invalid scenario (the message gives file:line:column and the key);\n"
    "    130 interrupted. On any failure no file is left under OUT.h5 (finished\n"
    "    units stay in OUT.h5.units/ for --resume).\n"
    "\n"
    "EXAMPLE\n"
    "    bidsim run scenarios/pdd_baseline.yaml -o results/baseline.h5 --threads 2\n");
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, const char *opt, uint64_t *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (*s == '\0' || *s == '-' || *end != '\0' || v < lo || v > hi) {
    fprintf(stderr, "bidsim run: error: %s must be an integer in [%" PRIu64 ", %" PRIu64 "], got '%s'\n", opt, lo,
            hi, s);
    return -1;
  }
  *out = v;
  return 0;
}

/* An existing result (or part) of exactly this scenario, seed and shard,
 * every checksum of which holds (a damaged file is run again). */
static bool already_done(const char *out, const bidsim_scenario_t *sc, uint32_t shard_index, uint32_t shard_count) {
  bidsim_results_t *r = NULL;
  if (bidsim_results_open(out, &r, NULL) != BIDSIM_OK) return false;
  uint32_t i, n;
  bidsim_results_shard(r, &i, &n);
  bool done = bidsim_results_fingerprint(r) == bidsim_scenario_fingerprint(sc) && n == shard_count &&
              (n == 0 || i == shard_index) && bidsim_results_verify(r, NULL) == BIDSIM_OK;
  bidsim_results_close(r);
  return done;
}

/* Refuse, before any work, what cannot fit this machine (sim/estimate.h). */
static int check_resources(const bidsim_scenario_t *sc, uint32_t threads, uint32_t shard_index,
                           uint32_t shard_count, const char *out, bool quiet, bidsim_error_t *err) {
  if (threads == 0) {   /* the driver's default */
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n > 0 ? (uint32_t)n : 1;
  }
  bidsim_cost_t e;
  bidsim_cost_estimate(sc, threads, shard_index, shard_count, &e);
  bidsim_machine_t m;
  bidsim_machine_query(out, &m);
  int rc = bidsim_cost_check(&e, &m, err);
  if (rc == BIDSIM_OK && !quiet && bidsim_cost_disk_tight(&e, &m))
    fprintf(stderr, "bidsim run: warning: the unit store may need up to %.3g MiB before compression and the "
                    "output's file system has %.3g MiB free (compressed it is usually 10-100 times smaller; a "
                    "disk that fills stops the run with nothing lost: rerun with --resume)\n",
            e.store_bytes / 1048576.0, m.disk_free_bytes / 1048576.0);
  if (rc) {
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof err->msg - n, " (--force runs it anyway)");
  }
  return rc;
}

int bidsim_cmd_run(int argc, char **argv) {
  static const struct option longopts[] = {
    { "output", required_argument, 0, 'o' }, { "threads", required_argument, 0, 't' },
    { "replicates", required_argument, 0, 'r' }, { "seed", required_argument, 0, 's' },
    { "days", required_argument, 0, 'd' }, { "quiet", no_argument, 0, 'q' },
    { "progress", required_argument, 0, 'P' }, { "no-summary", no_argument, 0, 'N' },
    { "resume", no_argument, 0, 'R' }, { "shard", required_argument, 0, 'S' }, { "force", no_argument, 0, 'F' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *out = NULL;
  uint64_t threads = 0, reps = 0, seed = 0, days = 0, v;
  bool have_seed = false, quiet = false, summary = true, resume = false, force = false;
  uint32_t shard_index = 0, shard_count = 0;
  bidsim_cli_progress_mode_t mode = BIDSIM_CLI_PROGRESS_AUTO;
  optind = 1;
  opterr = 0;
  int ch;
  while ((ch = getopt_long(argc, argv, ":o:t:r:s:d:qh", longopts, NULL)) != -1) {
    switch (ch) {
      case 'o': out = optarg; break;
      case 't': if (parse_u64(optarg, 1, 1024, "--threads", &v)) return BIDSIM_EXIT_INPUT; threads = v; break;
      case 'r': if (parse_u64(optarg, 1, BIDSIM_REPLICATES_MAX, "--replicates", &v)) return BIDSIM_EXIT_INPUT; reps = v; break;
      case 's': if (parse_u64(optarg, 0, UINT64_MAX, "--seed", &v)) return BIDSIM_EXIT_INPUT; seed = v; have_seed = true; break;
      case 'd': if (parse_u64(optarg, 1, BIDSIM_DAYS_MAX, "--days", &v)) return BIDSIM_EXIT_INPUT; days = v; break;
      case 'q': quiet = true; break;
      case 'N': summary = false; break;
      case 'P':
        if (!strcmp(optarg, "bar")) mode = BIDSIM_CLI_PROGRESS_BAR;
        else if (!strcmp(optarg, "lines")) mode = BIDSIM_CLI_PROGRESS_LINES;
        else if (!strcmp(optarg, "none")) mode = BIDSIM_CLI_PROGRESS_NONE;
        else { fprintf(stderr, "bidsim run: error: --progress must be bar, lines or none, got '%s'\n", optarg); return BIDSIM_EXIT_INPUT; }
        break;
      case 'R': resume = true; break;
      case 'F': force = true; break;
      case 'S': {
        unsigned i, n;
        char tail;
        if (sscanf(optarg, "%u/%u%c", &i, &n, &tail) != 2 || n == 0 || n > 1000000 || i >= n) {
          fprintf(stderr, "bidsim run: error: --shard must be I/N with 0 <= I < N <= 1000000, got '%s'\n", optarg);
          return BIDSIM_EXIT_INPUT;
        }
        shard_index = i;
        shard_count = n;
        break;
      }
      case 'h': usage(stdout); return BIDSIM_EXIT_OK;
      default: return bidsim_cli_option_error("run", ch, argv);
    }
  }
  if (optind + 1 != argc)
    return bidsim_cli_usage_error("run", "expected exactly one SCENARIO.yaml");
  if (out == NULL)
    return bidsim_cli_usage_error("run", "-o OUT.h5 is required");
  bidsim_error_t err;
  bidsim_error_clear(&err);
  bidsim_scenario_t *sc = NULL;
  /* the overrides reach every variant and sweep point, checked as the file's values are */
  bidsim_scenario_options_t lopt = { .overrides = { have_seed, seed, (uint32_t)days, (uint32_t)reps }, .load_plugins = true };
  bool warn = true;
#ifdef BIDSIM_MPI
  warn = bidsim_mpi_rank() == 0;   /* one copy of each warning under mpirun */
#endif
  int rc = bidsim_cli_load_scenario("run", argv[optind], &lopt, warn, &sc);
  if (rc) return rc;
  /* a directory or a missing folder as -o: said now, not after the run */
  if ((rc = bidsim_output_check_path(out, &err))) { bidsim_scenario_free(sc); return bidsim_cli_fail("run", &err); }
  bool refuse = false;
#ifdef BIDSIM_MPI
  /* rank 0 (which keeps the store and writes the file) decides for all */
  refuse = bidsim_mpi_agree(!force && bidsim_mpi_rank() == 0 &&
                            (rc = check_resources(sc, (uint32_t)threads, shard_index, shard_count, out, quiet, &err)));
#else
  refuse = !force && (rc = check_resources(sc, (uint32_t)threads, shard_index, shard_count, out, quiet, &err));
#endif
  if (refuse) {
    bidsim_scenario_free(sc);
    return rc ? bidsim_cli_fail("run", &err) : BIDSIM_EXIT_INPUT;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  int nranks = 1;
#ifdef BIDSIM_MPI
  /* under mpirun only rank 0 talks; every rank runs the same decisions */
  nranks = bidsim_mpi_size();
  if (bidsim_mpi_rank() != 0) quiet = true;
  bool done = bidsim_mpi_agree(resume && bidsim_mpi_rank() == 0 && already_done(out, sc, shard_index, shard_count));
#else
  bool done = resume && already_done(out, sc, shard_index, shard_count);
#endif
  /* --resume into a result that is already complete for this scenario: done */
  if (done) {
    if (!quiet) fprintf(stderr, "bidsim run: %s is already complete for this scenario and seed; nothing to do\n", out);
    bidsim_scenario_free(sc);
    return BIDSIM_EXIT_OK;
  }
  bidsim_run_options_t opt = { .threads = (uint32_t)threads, .stop = &interrupted, .resume = resume,
                               .shard_index = shard_index, .shard_count = shard_count };
  bidsim_cli_progress_t progress;
  if (!quiet) bidsim_cli_progress_init(&progress, mode, &opt);
  bidsim_run_summary_t sum;
#ifdef BIDSIM_MPI
  bool abort_all = false;
  if (nranks > 1) rc = bidsim_job_run_mpi(sc, out, &opt, &sum, &abort_all, &err);
  else
#endif
  rc = bidsim_job_run(sc, out, &opt, &sum, &err);
  (void)nranks;
  if (!quiet) bidsim_cli_progress_end(&progress);
  if (rc) {
    bidsim_scenario_free(sc);
    int status = BIDSIM_EXIT_SIGNAL;
    if (rc == BIDSIM_EINTR) {
      char dir[4096];
      bidsim_job_store_dir(out, dir, sizeof dir);
      fprintf(stderr, "bidsim run: interrupted; no file written to %s (%u unit(s) finished this time are kept in "
                      "%s: rerun with --resume)\n", out, sum.units, dir);
    } else {
      status = bidsim_cli_fail("run", &err);
    }
#ifdef BIDSIM_MPI
    /* rank 0 failed while other ranks may still be sending: end them all */
    if (abort_all) MPI_Abort(MPI_COMM_WORLD, status);
#endif
    return status;
  }
  if (!quiet) {
    fprintf(stderr, "bidsim run: %" PRIu64 " impressions in %.3f s (%.2fM/s), %u unit(s)\n", sum.impressions,
            sum.seconds, sum.seconds > 0 ? (double)sum.impressions / sum.seconds / 1e6 : 0.0, sum.units);
    if (shard_count) {
      printf("part %u/%u: %s (join the parts with bidsim merge)\n", shard_index, shard_count, out);
    } else {
      if (summary && (rc = bidsim_run_summary_print(out, &err))) { bidsim_scenario_free(sc); return bidsim_cli_fail("run", &err); }
      printf("results: %s\n", out);
    }
  }
  bidsim_scenario_free(sc);
  return BIDSIM_EXIT_OK;
}
