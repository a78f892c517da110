/* sim/evaluate.h - a scenario's replicates simulated in memory: per
 * (variant, replicate, listed plan, day) the five report metrics, with no
 * unit store, no result file and no HDF5. For callers that simulate many
 * scenarios and read only the listed plans' daily totals (calibration,
 * landscapes, the Python module): each call builds the scenario's world
 * once and one worker per thread; replicate r is the same simulation as
 * unit r of `bidsim run` on the same scenario, whatever the thread count. */
#ifndef BIDSIM_SIM_EVALUATE_H
#define BIDSIM_SIM_EVALUATE_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "bidsim/bidsim.h"
#include "sim/output.h"
#include "sim/scenario.h"

typedef struct {
  uint32_t threads;          /* 0 = the online CPUs; never more than the units */
  uint32_t variant_first;    /* the variants simulated: [first, first + count) */
  uint32_t variant_count;    /* 0 = every variant from variant_first on */
  uint32_t replicate_first;  /* the replicates simulated: [first, first + count) of the scenario's */
  uint32_t replicate_count;  /* 0 = every replicate from replicate_first on */
  /* When non-NULL and set (a signal handler), stops within a few thousand
   * impressions with BIDSIM_EINTR. */
  const volatile sig_atomic_t *stop;
} bidsim_evaluate_options_t;

/** @brief The variants and replicates @p opt (NULL: all) chooses of @p sc;
 *  0 variants or replicates when it names none that exist. */
void bidsim_evaluate_shape(const bidsim_scenario_t *sc, const bidsim_evaluate_options_t *opt, uint32_t *variants,
                           uint32_t *replicates);

/** @brief Number of int64 values bidsim_evaluate writes: variants x
 *  replicates chosen x listed plans x days x BIDSIM_METRIC_COUNT. */
size_t bidsim_evaluate_size(const bidsim_scenario_t *sc, const bidsim_evaluate_options_t *opt);

/** @brief Index of (v-th variant chosen, r-th replicate chosen, listed plan
 *  p, day d, metric m) in the output, for @p replicates chosen. */
static inline size_t bidsim_evaluate_at(const bidsim_scenario_t *sc, uint32_t replicates, uint32_t v, uint32_t r,
                                        uint32_t p, uint32_t d, uint32_t m) {
  return ((((size_t)v * replicates + r) * sc->plan_count + p) * sc->days + d) * BIDSIM_METRIC_COUNT + m;
}

/** @brief Simulate the chosen replicates of the chosen variants of @p sc for its
 *  days into @p out (bidsim_evaluate_size values, caller-allocated): the
 *  listed plans' exposures, clicks, spend_li, conversions and
 *  order_value_li per day, summed over segments (bidsim_metric_t order).
 *  Bit-identical for any thread count. Errors: BIDSIM_EINVAL (no such
 *  variant or replicate), BIDSIM_ELIMIT, BIDSIM_ENOMEM, BIDSIM_EINTR, the world's and
 *  the model's; @p out is then unspecified. */
int bidsim_evaluate(const bidsim_scenario_t *sc, const bidsim_evaluate_options_t *opt, int64_t *out,
                    bidsim_error_t *err);

#endif
