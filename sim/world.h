/* sim/world.h - a scenario turned into what the simulation loop needs: the
 * engine market (listed plans and generated competitors), per-unit click and
 * conversion parameters, traffic samplers. Immutable once built; each worker
 * thread clones the market and owns its own mutable copy. */
#ifndef BIDSIM_SIM_WORLD_H
#define BIDSIM_SIM_WORLD_H
#include "bidsim/bidsim.h"
#include "sim/output.h"
#include "sim/scenario.h"

typedef struct bidsim_world bidsim_world_t;

/** @brief Build the world for @p sc (which must outlive it). Competitors are
 *  drawn from stream BIDSIM_STREAM_MARKET of the scenario seed, so every
 *  replicate and variant sees the same market. */
int  bidsim_world_create(const bidsim_scenario_t *sc, bidsim_world_t **out, bidsim_error_t *err);
void bidsim_world_free(bidsim_world_t *w);
const bidsim_market_t *bidsim_world_market(const bidsim_world_t *w);
/** @brief Labels for the output file (pointers owned by the world). */
void bidsim_world_output_meta(const bidsim_world_t *w, uint32_t replicates, uint32_t days,
                              bidsim_output_meta_t *meta);

/* Stream numbering: replicate r draws from stream r; the market generator
 * from a stream no replicate can reach. */
#define BIDSIM_STREAM_MARKET UINT64_C(0xB1D5B1D5B1D5B1D5)
/* replicate r's user draws use stream r ^ BIDSIM_STREAM_USERS (distinct
 * from every replicate's traffic stream while r < 2^63) */
#define BIDSIM_STREAM_USERS UINT64_C(0x8000000000000000)

/* Per-thread simulation state (a cloned market, scratch buffers). */
typedef struct bidsim_worker bidsim_worker_t;
int  bidsim_worker_create(const bidsim_world_t *w, bidsim_worker_t **out, bidsim_error_t *err);
void bidsim_worker_free(bidsim_worker_t *k);

/** @brief Start unit (variant, replicate): the market back to time 0 with
 *  the variant's plan settings, the generators on the replicate's streams.
 *  The traffic and user draws do not depend on the variant. */
int  bidsim_worker_begin(bidsim_worker_t *k, uint32_t variant, uint32_t replicate, uint64_t seed,
                         bidsim_error_t *err);
/** @brief Simulate one day of the unit into @p slab (which is cleared
 *  first). Call with day = 0, 1, ... in order after bidsim_worker_begin. */
int  bidsim_worker_run_day(bidsim_worker_t *k, uint32_t day, bidsim_day_slab_t *slab,
                           bidsim_error_t *err);
/** @brief Impressions simulated by this worker so far (for progress). */
uint64_t bidsim_worker_impressions(const bidsim_worker_t *k);

/* A worker for any unit of a scenario. Variants from `variants:` share the
 * base world; each point of a sweep has its own scenario and so its own
 * world, built when the runner moves to that variant (units are handed out
 * variant by variant, so that is rare). */
typedef struct {
  const bidsim_scenario_t *sc;
  const bidsim_world_t *base;
  bidsim_world_t *own;          /* the current sweep point's world */
  bidsim_worker_t *worker;      /* ready after bidsim_runner_begin */
  uint32_t variant;             /* of own and worker; UINT32_MAX = none yet */
  uint64_t impressions;         /* of workers already replaced */
} bidsim_runner_t;

int  bidsim_runner_init(bidsim_runner_t *r, const bidsim_scenario_t *sc, const bidsim_world_t *base, bidsim_error_t *err);
/** @brief Prepare r->worker for unit @p unit (variant-major). */
int  bidsim_runner_begin(bidsim_runner_t *r, uint32_t unit, bidsim_error_t *err);
uint64_t bidsim_runner_impressions(const bidsim_runner_t *r);
void bidsim_runner_free(bidsim_runner_t *r);
/** @brief Each plan's cap in each variant ([variant][plan], caller frees):
 *  for sweeps from each point's world, else from the variants' changes. */
int64_t *bidsim_world_variant_caps(const bidsim_world_t *base, const bidsim_scenario_t *sc, bidsim_error_t *err);

#endif
