/* sim/world_internal.h - the world's fields, shared by the files that build
 * it (world.c) and read it while simulating (worker.c, strategy_host.c,
 * service.c), with the small helpers they all use. Nothing outside sim/
 * includes this. */
#ifndef BIDSIM_SIM_WORLD_INTERNAL_H
#define BIDSIM_SIM_WORLD_INTERNAL_H
#include <math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "sim/world.h"

struct bidsim_world {
  const bidsim_scenario_t *sc;
  bidsim_market_t *market;              /* template: index built, clock at 0 */
  uint32_t plans, products, units;
  /* per unit (plan, category): the product shown and its base rates */
  double  *unit_ctr, *unit_cvr;
  const bidsim_dist_t **unit_order_value;
  /* per plan / product labels for the output */
  const char **plan_names, **plan_shops, **product_names, **product_shops;
  int64_t  *plan_cap_li;
  uint8_t  *plan_listed;
  uint64_t *product_ids;
  uint32_t *product_plan;
  char   (*gen_names)[BIDSIM_NAME_MAX]; /* generated competitor shop names */
  char   **day_labels;
  /* variants: each listed plan's settings in each variant ([variant][plan]),
   * applied at the start of every unit */
  int64_t (*variant_bids)[BIDSIM_SEG_COUNT];
  int64_t  *variant_cap;
  const bidsim_sc_strategy_t **variant_strategy;   /* NULL = fixed bids */
  /* generated competitors running strategies (market.strategies) */
  uint32_t  comp_strat_count;
  uint32_t *comp_strat_plan;                        /* plan index */
  const bidsim_sc_strategy_t **comp_strat;
  int64_t (*comp_strat_bids)[BIDSIM_SEG_COUNT];     /* their generated bids */
  uint32_t weekday0;                    /* day of week of day 0, 0 = Monday */
  bool     has_service;                 /* some listed shop models its customer service */
  const char **variant_names;
  int64_t  *variant_cap_li;             /* [variant][plan], for the output */
};

/* A draw from a scenario distribution: fixed a; uniform [a, b]; lognormal
 * with median a and log-sd b. */
static inline double bidsim__dist_draw(const bidsim_dist_t *d, gsl_rng *r) {
  switch (d->kind) {
    case BIDSIM_DIST_UNIFORM: return d->a + (d->b - d->a) * gsl_rng_uniform(r);
    case BIDSIM_DIST_LOGNORMAL: return d->a * exp(d->b * gsl_ran_gaussian_ziggurat(r, 1.0));
    default: return d->a;
  }
}

/* A 64-bit finaliser (Stafford's mix 13, as in SplitMix64): every input bit
 * affects every output bit, so hashes of (user, unit) pairs are as good as
 * independent uniform draws. */
static inline uint64_t bidsim__mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Yuan as drawn (a double) to whole fen, in li. */
static inline int64_t bidsim__yuan_to_fen_li(double yuan) {
  return (int64_t)llround(yuan * 100.0) * BIDSIM_LI_PER_FEN;
}

#endif
