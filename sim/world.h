/* sim/world.h - a scenario turned into what the simulation loop needs: the
 * engine market (listed plans and generated competitors), per-unit click
 * and conversion parameters, each variant's settings, the output's labels.
 * Immutable once built; each worker (sim/worker.h) clones the market and
 * owns its mutable copy. */
#ifndef BIDSIM_SIM_WORLD_H
#define BIDSIM_SIM_WORLD_H
#include "bidsim/bidsim.h"
#include "sim/output.h"
#include "sim/scenario.h"

typedef struct bidsim_world bidsim_world_t;

/* Stream numbering: replicate r draws from stream r; the market generator
 * from a stream no replicate can reach. */
#define BIDSIM_STREAM_MARKET UINT64_C(0xB1D5B1D5B1D5B1D5)
/* replicate r's user draws use stream r ^ BIDSIM_STREAM_USERS (distinct
 * from every replicate's traffic stream while r < 2^63) */
#define BIDSIM_STREAM_USERS UINT64_C(0x8000000000000000)

/** @brief Build the world for @p sc (which must outlive it). Competitors are
 *  drawn from stream BIDSIM_STREAM_MARKET of the scenario seed, so every
 *  replicate and variant sees the same market. Errors: the engine's rule
 *  codes with the scenario key in err->where, BIDSIM_ENOMEM. */
int  bidsim_world_create(const bidsim_scenario_t *sc, bidsim_world_t **out, bidsim_error_t *err);
void bidsim_world_free(bidsim_world_t *w);
const bidsim_market_t *bidsim_world_market(const bidsim_world_t *w);
/** @brief Labels for the output file (pointers owned by the world). */
void bidsim_world_output_meta(const bidsim_world_t *w, uint32_t replicates, uint32_t days,
                              bidsim_output_meta_t *meta);
/** @brief Market draws a run of the scenario meets: 1 (market.redraw
 *  once) or one per replicate (per_replicate: draw r is replicate r's). */
uint32_t bidsim_world_market_draws(const bidsim_world_t *w);
/** @brief The stream of the seed draw @p draw's competitors come from. */
uint64_t bidsim_world_market_stream(const bidsim_world_t *w, uint32_t draw);
/** @brief The market's parameters as every unit of variant @p variant that
 *  meets draw @p draw starts them (the listed plans with the variant's
 *  bids and caps, the competitors drawn again from the draw's stream: the
 *  same draws, in the same order, as the market the units ran), into @p out
 *  (initialised for the world's plans and products). Errors: BIDSIM_EINVAL
 *  (no such draw or variant, @p out of another size), BIDSIM_ENOMEM. */
int bidsim_world_market_params(const bidsim_world_t *w, uint32_t variant, uint32_t draw, bidsim_market_params_t *out,
                               bidsim_error_t *err);
/** @brief Each plan's cap in each variant ([variant][plan], caller frees):
 *  for sweeps from each point's world, else from the variants' changes. */
int64_t *bidsim_world_variant_caps(const bidsim_world_t *base, const bidsim_scenario_t *sc, bidsim_error_t *err);

#endif
