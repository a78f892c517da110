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

/* One draw of the generated market beside the listed plans: the engine
 * market (index built, clock at 0) and what the day loop reads per ad
 * unit. The world holds the draw from the seed's market stream (used
 * whenever market.redraw is once); under per_replicate each worker draws
 * its replicate's own (bidsim__world_market_draw). */
typedef struct bidsim_world_market {
  bidsim_market_t *market;
  uint32_t units;
  double  *unit_ctr, *unit_cvr;           /* per unit: the shown product's base rates */
  const bidsim_dist_t **unit_order_value;
  /* generated competitors running strategies (market.strategies): which
   * plans (by a hash of the seed, the same in every draw) and their drawn bids */
  uint32_t  comp_strat_count;
  uint32_t *comp_strat_plan;
  const bidsim_sc_strategy_t **comp_strat;
  int64_t (*comp_strat_bids)[BIDSIM_SEG_COUNT];
} bidsim_world_market_t;

struct bidsim_world {
  const bidsim_scenario_t *sc;
  bidsim_market_t *listed;              /* the scenario's shops, products and plans only (no index) */
  bidsim_world_market_t base;           /* the market drawn from the seed */
  uint32_t plans, products, units;      /* of every draw: one plan, product and unit per competitor */
  uint32_t listed_plans, listed_products, listed_units;
  const bidsim_sc_product_t **listed_product;   /* [engine product] the scenario's product */
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
  uint32_t weekday0;                    /* day of week of day 0, 0 = Monday */
  bool     has_service;                 /* some listed shop models its customer service */
  const char **variant_names;
  int64_t  *variant_cap_li;             /* [variant][plan], for the output */
  const char **category_labels;         /* the scenario's category names, for the output */
  uint64_t *draw_streams;               /* [draw] each market draw's stream, for the output */
};

/* The market stream of replicate r under market.redraw per_replicate
 * (BIDSIM_STREAM_MARKET itself is the seed's single draw). */
static inline uint64_t bidsim__market_stream(uint32_t replicate) {
  return BIDSIM_STREAM_MARKET ^ ((uint64_t)replicate + 1);
}

/** Draw a market from @p stream of the scenario's seed into @p out: the
 *  listed plans and freshly drawn competitors, the index built. */
int  bidsim__world_market_draw(const bidsim_world_t *w, uint64_t stream, bidsim_world_market_t *out,
                               bidsim_error_t *err);
void bidsim__world_market_free(bidsim_world_market_t *wm);

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
