/* sim/worker.h - simulates the units (variant, replicate) of a scenario one
 * day at a time: one worker per thread, each with its own copy of the
 * market. A sweep point is a scenario of its own with its own world: the
 * worker builds it when it moves to that point's units. */
#ifndef BIDSIM_SIM_WORKER_H
#define BIDSIM_SIM_WORKER_H
#include <signal.h>
#include <stdint.h>
#include "bidsim/bidsim.h"
#include "sim/output.h"
#include "sim/scenario.h"
#include "sim/world.h"

typedef struct bidsim_worker bidsim_worker_t;

/** @brief A worker for any unit of @p sc, whose world @p base is (both must
 *  outlive it). When @p stop is not NULL and becomes nonzero (a signal
 *  handler sets it), a day in progress stops within a few thousand
 *  impressions with BIDSIM_EINTR. Errors: BIDSIM_ENOMEM. */
int  bidsim_worker_create(const bidsim_scenario_t *sc, const bidsim_world_t *base,
                          const volatile sig_atomic_t *stop, bidsim_worker_t **out, bidsim_error_t *err);
void bidsim_worker_free(bidsim_worker_t *k);

/** @brief Start unit @p unit (variant-major: unit = variant x replicates +
 *  replicate): the market back to time 0 with the variant's plan settings,
 *  fresh strategies, the generators on the replicate's streams. The traffic
 *  and the users' draws depend on the replicate only (common random
 *  numbers across variants). Errors: a sweep point's world, the strategies'. */
int  bidsim_worker_begin(bidsim_worker_t *k, uint32_t unit, bidsim_error_t *err);

/** @brief Simulate one day of the unit into @p slab (which is cleared
 *  first; it must have at least the auction's slots,
 *  bidsim_day_slab_init_slots). Call with day = 0, 1, ... in order after bidsim_worker_begin.
 *  Errors: BIDSIM_EINTR (stopped), the market's and the strategies'. */
int  bidsim_worker_run_day(bidsim_worker_t *k, uint32_t day, bidsim_day_slab_t *slab, bidsim_error_t *err);

/** @brief Impressions simulated by this worker so far (for progress). */
uint64_t bidsim_worker_impressions(const bidsim_worker_t *k);

#endif
