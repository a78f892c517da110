/* cli/cmd_bench.c - `bidsim bench`: the options, the repeats and their
 * medians, and the report of the engine benchmark (bench/bench.h builds the
 * market and runs the measured day and the RNG floor). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench/bench.h"
#include "bidsim/bidsim.h"
#include "cli/commands.h"

static void usage(FILE *f) {
  fprintf(f,
    "NAME\n"
    "    bidsim bench - measure the auction engine's throughput against the RNG floor\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim bench [--campaigns N] [--slots K] [--impressions M]\n"
    "                 [--mechanism gsp|vcg|first] [--categories C] [--seed S]\n"
    "                 [--repeat R] [--eager-prices] [--json]\n"
    "                 [--static | --sigma S [--truncate T] [--reach-median R]]\n"
    "                 [--strategy KIND [--strategy-share S] [--strategy-period SEC]]\n"
    "\n"
    "DESCRIPTION\n"
    "    Simulates M impressions of one day against N promotion plans in a\n"
    "    synthetic market: each plan has segmented click bids (ordinary, shop\n"
    "    +10..300%%, similar +10..300%%), a quality score, one product in one of C\n"
    "    categories, and a daily cap (30%% unlimited, the rest 100-600 yuan, so many\n"
    "    bind during the day).\n"
    "\n"
    "    The personalised ranking (the default): each plan's shop has a reach drawn\n"
    "    from a lognormal (log-sd 1; median R, by default such that a category's\n"
    "    shops' reaches sum to 2: a user has visited about two of a category's\n"
    "    advertisers whatever their number; 0.24%% at 10,000 plans in 20\n"
    "    categories), its visitors drawn per impression (DRAWN). Per impression: a\n"
    "    draw for the category and the base relation (similar 15%%, else ordinary),\n"
    "    a draw for the user, the auction ranking bid x quality x relation\n"
    "    multiplier (shop 2x, similar 1.4x) x the user-ad affinity (lognormal,\n"
    "    spread S truncated at T), a click draw per filled slot ((1/r) examination\n"
    "    x 2-6%% CTR x relation multiplier x affinity), a conversion draw per\n"
    "    click, and spend accounting with cap stops.\n"
    "\n"
    "    --static: the first model, one segment per impression for every plan\n"
    "    (shares 70/15/15), ranked by bid x quality, one draw per impression.\n"
    "\n"
    "    Clicked slots are priced on demand\n"
    "    (bidsim_market_auction_deferred), as `bidsim run` does; --eager-prices\n"
    "    prices every filled slot in the auction.\n"
    "\n"
    "    Reports the median over R runs of auctions per second and ns per auction\n"
    "    (wall clock; also in this thread's CPU time, which leaves out the waits\n"
    "    for a core on a loaded machine),\n"
    "    and the RNG floor: the time to draw the same number of random numbers\n"
    "    alone, measured in the same run, and the ratio of the two; for the\n"
    "    personalised ranking also the units scored per auction (what the\n"
    "    threshold walk computed) and the shops visited per impression. With\n"
    "    --strategy, also the time per plan update (state, update, clamp,\n"
    "    re-index), which ns/auction includes. BENCHMARKS.md quotes these figures\n"
    "    as measured by bench/rounds.sh.\n"
    "\n"
    "OPTIONS\n"
    "        --campaigns N        plans in the market (default 10000)\n"
    "        --slots K            ad slots per impression, 1..20 (default 4)\n"
    "        --impressions M      impressions per run (default 10000000)\n"
    "        --mechanism X        gsp, vcg or first (default gsp)\n"
    "        --categories C       categories the plans spread over (default 20)\n"
    "        --seed S             seed of the market and the traffic (default 1)\n"
    "        --repeat R           runs; the median is reported (default 5)\n"
    "        --eager-prices       price every slot in the auction (bidsim_market_auction)\n"
    "        --static             the static ranking model instead of the personalised one\n"
    "        --sigma S            the affinity's spread (log-sd), 0..3 (default 0.5)\n"
    "        --truncate T         its truncation, 0.5..6 standard deviations (default 2)\n"
    "        --reach-median R     median reach of the shops, (0, 0.5] (default: the\n"
    "                             reaches of a category's shops sum to 2)\n"
    "        --strategy KIND      a built-in bid strategy (multiplier, throttle, pid,\n"
    "                             schedule, target_roi, ...) for a share of the plans,\n"
    "                             updated every period as bidsim run does\n"
    "        --strategy-share S   share of the plans running it (default 1)\n"
    "        --strategy-period SEC simulated seconds between updates (default 60)\n"
    "        --json               print one JSON object instead of text\n"
    "    -h, --help               this text\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 1 run-time failure (memory); 2 bad usage.\n"
    "\n"
    "EXAMPLE\n"
    "    bidsim bench --campaigns 100000 --json\n"
    "    bidsim bench --sigma 1 --repeat 3\n"
    "    bidsim bench --static\n");
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, const char *opt, uint64_t *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (*s == '\0' || *s == '-' || *end != '\0' || v < lo || v > hi) {
    fprintf(stderr, "bidsim bench: error: %s must be %" PRIu64 "..%" PRIu64 ", got '%s'\n", opt, lo, hi, s);
    return -1;
  }
  *out = v;
  return 0;
}

/* A number within [lo, hi] (above lo when @p open_lo). */
static int parse_double(const char *s, double lo, double hi, bool open_lo, const char *opt, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (*s == '\0' || *end != '\0' || !(v >= lo && v <= hi) || (open_lo && v == lo)) {
    fprintf(stderr, "bidsim bench: error: %s must be in %c%g, %g], got '%s'\n", opt, open_lo ? '(' : '[', lo, hi, s);
    return -1;
  }
  *out = v;
  return 0;
}

int bidsim_cmd_bench(int argc, char **argv) {
  bidsim_bench_config_t o;
  bidsim_bench_config_default(&o);
  uint32_t repeat = 5;
  int json = 0;
  static const struct option longopts[] = {
    { "campaigns", required_argument, 0, 'n' }, { "slots", required_argument, 0, 'k' },
    { "impressions", required_argument, 0, 'm' }, { "mechanism", required_argument, 0, 'x' },
    { "categories", required_argument, 0, 'c' }, { "seed", required_argument, 0, 's' },
    { "repeat", required_argument, 0, 'r' }, { "json", no_argument, 0, 'j' },
    { "eager-prices", no_argument, 0, 'e' }, { "strategy", required_argument, 0, 'S' },
    { "strategy-share", required_argument, 0, 'F' }, { "strategy-period", required_argument, 0, 'T' },
    { "static", no_argument, 0, 'A' }, { "sigma", required_argument, 0, 'G' },
    { "truncate", required_argument, 0, 'U' }, { "reach-median", required_argument, 0, 'R' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  optind = 1;
  opterr = 0;
  int ch;
  uint64_t v;
  while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    switch (ch) {
      case 'n': if (parse_u64(optarg, 1, 10000000, "--campaigns", &v)) return BIDSIM_EXIT_INPUT; o.campaigns = (uint32_t)v; break;
      case 'k': if (parse_u64(optarg, 1, BIDSIM_MAX_SLOTS, "--slots", &v)) return BIDSIM_EXIT_INPUT; o.slots = (uint32_t)v; break;
      case 'm': if (parse_u64(optarg, 1, UINT64_C(100000000000), "--impressions", &v)) return BIDSIM_EXIT_INPUT; o.impressions = v; break;
      case 'c': if (parse_u64(optarg, 1, 100000, "--categories", &v)) return BIDSIM_EXIT_INPUT; o.categories = (uint32_t)v; break;
      case 's': if (parse_u64(optarg, 0, UINT64_MAX, "--seed", &v)) return BIDSIM_EXIT_INPUT; o.seed = v; break;
      case 'r': if (parse_u64(optarg, 1, 1000, "--repeat", &v)) return BIDSIM_EXIT_INPUT; repeat = (uint32_t)v; break;
      case 'x':
        o.mechanism = bidsim_mechanism_parse(optarg);
        if (o.mechanism < 0) {
          fprintf(stderr, "bidsim bench: error: --mechanism must be gsp, vcg or first, got '%s'\n", optarg);
          return BIDSIM_EXIT_INPUT;
        }
        break;
      case 'j': json = 1; break;
      case 'e': o.eager = true; break;
      case 'S': o.strategy = optarg; break;
      case 'F': {
        char *end;
        o.strategy_share = strtod(optarg, &end);
        if (*end || !(o.strategy_share >= 0 && o.strategy_share <= 1)) {
          fprintf(stderr, "bidsim bench: error: --strategy-share must be in [0, 1], got '%s'\n", optarg);
          return BIDSIM_EXIT_INPUT;
        }
        break;
      }
      case 'A': o.static_model = true; break;
      case 'G': if (parse_double(optarg, 0.0, 3.0, false, "--sigma", &o.sigma)) return BIDSIM_EXIT_INPUT; break;
      case 'U': if (parse_double(optarg, 0.5, 6.0, false, "--truncate", &o.truncate)) return BIDSIM_EXIT_INPUT; break;
      case 'R': if (parse_double(optarg, 0.0, 0.5, true, "--reach-median", &o.reach_median)) return BIDSIM_EXIT_INPUT; break;
      case 'T': if (parse_u64(optarg, 1, 86400, "--strategy-period", &v)) return BIDSIM_EXIT_INPUT; o.strategy_period_s = (uint32_t)v; break;
      case 'h': usage(stdout); return BIDSIM_EXIT_OK;
      default: return bidsim_cli_option_error("bench", ch, argv);
    }
  }
  if (optind < argc) {
    fprintf(stderr, "bidsim bench: error: unexpected argument '%s'\n", argv[optind]);
    return BIDSIM_EXIT_INPUT;
  }

  bidsim_error_t err;
  bidsim_error_clear(&err);
  bidsim_bench_t *b = NULL;
  if (bidsim_bench_create(&o, &b, &err)) return bidsim_cli_fail("bench", &err);
  double *t_auc = calloc(repeat, sizeof(double)), *t_rng = calloc(repeat, sizeof(double));
  double *t_upd = calloc(repeat, sizeof(double)), *t_cpu = calloc(repeat, sizeof(double));
  int status = BIDSIM_EXIT_OK;
  if (!t_auc || !t_rng || !t_upd || !t_cpu) {
    bidsim_error_set(&err, BIDSIM_ENOMEM, "bench", "out of memory");
    status = bidsim_cli_fail("bench", &err);
    goto done;
  }
  bidsim_bench_run_t run = { 0 };
  for (uint32_t r = 0; r < repeat; r++) {
    if (bidsim_bench_run(b, &run, &err)) {
      status = bidsim_cli_fail("bench", &err);
      goto done;
    }
    t_auc[r] = run.auction_s;
    t_cpu[r] = run.cpu_s;
    t_upd[r] = run.update_s;
    t_rng[r] = bidsim_bench_rng_floor(o.seed + r, run.draws);
  }
  qsort(t_auc, repeat, sizeof(double), cmp_double);
  qsort(t_rng, repeat, sizeof(double), cmp_double);
  qsort(t_upd, repeat, sizeof(double), cmp_double);
  qsort(t_cpu, repeat, sizeof(double), cmp_double);
  const double cpu_ns = t_cpu[repeat / 2] * 1e9 / (double)o.impressions;
  /* the time in strategy updates (inside ns/auction), per plan update */
  const uint64_t updates_per_run = bidsim_bench_updates_per_run(b);
  const uint32_t strat_plans = bidsim_bench_strategy_plans(b);
  double upd_ns = updates_per_run ? t_upd[repeat / 2] * 1e9 / (double)updates_per_run : 0.0;
  double ta = t_auc[repeat / 2], tr = t_rng[repeat / 2];
  const bool personal = !o.static_model;
  const double reach = personal ? bidsim_bench_reach_median(b) : 0.0, truncate = o.truncate > 0 ? o.truncate : 2.0;
  double ns = ta * 1e9 / (double)o.impressions, floor_ns = tr * 1e9 / (double)o.impressions;
  if (json) {
    printf("{\"campaigns\": %u, \"slots\": %u, \"impressions\": %" PRIu64 ", \"mechanism\": \"%s\", "
           "\"pricing\": \"%s\", \"strategy\": \"%s\", \"strategy_plans\": %u, \"strategy_updates\": %" PRIu64 ", "
           "\"ns_per_update\": %.2f, "
           "\"categories\": %u, \"repeats\": %u, \"auctions_per_s\": %.0f, \"ns_per_auction\": %.2f, "
           "\"rng_floor_ns_per_auction\": %.2f, \"ratio\": %.2f, \"draws_per_auction\": %.3f, "
           "\"clicks\": %" PRIu64 ", \"conversions\": %" PRIu64 ", \"spend_li\": %" PRId64 ", "
           "\"model\": \"%s\", \"sigma\": %g, \"truncate\": %g, \"reach_median\": %.6g, "
           "\"scored_per_auction\": %.3f, \"visits_per_impression\": %.3f, \"cpu_ns_per_auction\": %.2f}\n",
           o.campaigns, o.slots, o.impressions, bidsim_mechanism_name(o.mechanism), o.eager ? "eager" : "deferred",
           o.strategy ? o.strategy : "fixed", strat_plans, updates_per_run, upd_ns,
           o.categories, repeat, (double)o.impressions / ta, ns, floor_ns, ns / floor_ns,
           (double)run.draws / (double)o.impressions, run.clicks, run.conversions, run.spend_li,
           o.static_model ? "static" : "personal", personal ? o.sigma : 0.0, personal ? truncate : 0.0, reach,
           (double)run.scored / (double)o.impressions, (double)run.visited / (double)o.impressions, cpu_ns);
  } else {
    char y[32];
    printf("bidsim bench: %u plans, %u categories, %u slots, %s, %" PRIu64 " impressions, median of %u\n",
           o.campaigns, o.categories, o.slots, bidsim_mechanism_name(o.mechanism), o.impressions, repeat);
    if (personal)
      printf("  personalised: sigma %g truncated at %g, shops' median reach %.3g%%\n", o.sigma, truncate, 100 * reach);
    else
      printf("  static ranking (bid x quality per segment)\n");
    printf("  auctions/s          %.3g\n", (double)o.impressions / ta);
    printf("  ns/auction          %.2f  (CPU time %.2f)\n", ns, cpu_ns);
    printf("  RNG floor ns/auct.  %.2f  (%.3f draws per auction)\n", floor_ns,
           (double)run.draws / (double)o.impressions);
    printf("  ratio               %.2f\n", ns / floor_ns);
    if (personal)
      printf("  units scored        %.2f per auction, %.2f shops visited per impression\n",
             (double)run.scored / (double)o.impressions, (double)run.visited / (double)o.impressions);
    if (strat_plans)
      printf("  strategy updates    %" PRIu64 " a run (%s on %u plans every %u s), %.2f ns each\n", updates_per_run,
             o.strategy, strat_plans, o.strategy_period_s, upd_ns);
    printf("  last run: %" PRIu64 " clicks, %" PRIu64 " conversions, spend %s yuan\n", run.clicks,
           run.conversions, bidsim_li_to_yuan(run.spend_li, y));
  }
done:
  free(t_auc);
  free(t_rng);
  free(t_upd);
  free(t_cpu);
  bidsim_bench_free(b);
  return status;
}
