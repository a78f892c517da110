/* bench/bench.h - the engine benchmark behind `bidsim bench`: a synthetic
 * market (segmented bids, caps, categories), one simulated day of
 * impressions through it with click and conversion draws and spend
 * accounting, optionally strategies updated every period as `bidsim run`
 * does, and the RNG floor to compare with. A library over the engine only;
 * it prints nothing (cli/cmd_bench.c parses the options and prints). */
#ifndef BIDSIM_BENCH_H
#define BIDSIM_BENCH_H
#include <stdbool.h>
#include <stdint.h>
#include "bidsim/bidsim.h"

typedef struct {
  uint32_t campaigns;        /* plans in the market, each with one shop and one product */
  uint32_t slots, categories;
  uint64_t impressions;      /* per run: one simulated day */
  uint64_t seed;             /* of the market and the traffic */
  int      mechanism;        /* bidsim_mechanism_t */
  bool     eager;            /* price every slot in the auction (default: only clicked slots) */
  const char *strategy;      /* a built-in run by a share of the plans, or NULL */
  double   strategy_share;
  uint32_t strategy_period_s;
  /* the ranking model: personalised (the default) or the static one */
  bool     static_model;
  double   sigma;            /* the affinity's spread (personalised), default 0.5 */
  double   truncate;         /* its truncation T; 0 = the engine's default 2 */
  double   reach_median;     /* median DRAWN reach of a plan's shop; 0 = chosen so that a user has
                              * visited BIDSIM_BENCH_VISITS of a category's shops on average */
} bidsim_bench_config_t;

/* Shops a user of a category has visited on average, by default: the sum
 * of the category's shops' reaches. */
#define BIDSIM_BENCH_VISITS 2.0
/* The log-sd of the shops' lognormal reach (a few large shops, many small). */
#define BIDSIM_BENCH_REACH_SD 1.0

/** @brief The command's defaults: 10,000 plans, 4 slots, 20 categories,
 *  10^7 impressions, seed 1, GSP with deferred prices, no strategy
 *  (share 1 and a 60-second period once one is named), the personalised
 *  ranking with sigma 0.5 and the reach chosen for BIDSIM_BENCH_VISITS. */
void bidsim_bench_config_default(bidsim_bench_config_t *cfg);

/* One run's figures. The times are wall-clock seconds of this process. */
typedef struct {
  double   auction_s;        /* the day, strategy updates included */
  double   cpu_s;            /* the same day in this thread's CPU time: what a loaded machine's
                              * waits for a core leave out */
  double   update_s;         /* of which strategy updates */
  uint64_t draws, clicks, conversions;
  int64_t  spend_li;
  uint64_t scored;           /* units whose score the personalised walk computed */
  uint64_t visited;          /* shops the users had visited, summed over impressions */
} bidsim_bench_run_t;

typedef struct bidsim_bench bidsim_bench_t;

/** @brief Build the market (drawn from cfg->seed) and the strategy host.
 *  The caller owns *out (bidsim_bench_free). Errors: BIDSIM_EINVAL (an
 *  unknown strategy, or the engine refusing the configuration), ENOMEM. */
int  bidsim_bench_create(const bidsim_bench_config_t *cfg, bidsim_bench_t **out, bidsim_error_t *err);
void bidsim_bench_free(bidsim_bench_t *b);

/** @brief One measured day from a fresh start (market reset, strategies
 *  created anew). Errors: those of the strategy's create. */
int  bidsim_bench_run(bidsim_bench_t *b, bidsim_bench_run_t *run, bidsim_error_t *err);

/** @brief The RNG floor: seconds to draw @p draws numbers from the
 *  traffic's generator and nothing else. */
double bidsim_bench_rng_floor(uint64_t seed, uint64_t draws);

/** @brief The median DRAWN reach the market was built with (personalised). */
double bidsim_bench_reach_median(const bidsim_bench_t *b);

/** @brief Plans running the strategy, and plan updates in one run. */
uint32_t bidsim_bench_strategy_plans(const bidsim_bench_t *b);
uint64_t bidsim_bench_updates_per_run(const bidsim_bench_t *b);

#endif
