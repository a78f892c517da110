/* sim/strategy_external.h - bid strategies run by the program that drives
 * the simulation rather than by C code inside bidsim: the Python module's
 * strategies and environments (python/). The sim library links no
 * interpreter: the program fills this table, and the scenario loader's
 * resolver (bidsim_scenario_options_t) or bidsim_scenario_set_external puts
 * it on plans. The strategy host (sim/strategy_host.c) runs it as it runs a
 * built-in - the same period, the same state, the platform's clamp on every
 * action, counted the same way - with three differences: one instance per
 * unit runs every plan of one setting, its update sees all of those plans
 * in one batch, and its calls may fail, which stops the run. */
#ifndef BIDSIM_SIM_STRATEGY_EXTERNAL_H
#define BIDSIM_SIM_STRATEGY_EXTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include "bidsim/error.h"
#include "bidsim/strategy.h"

/* What an instance runs: the plans of one setting in one unit. */
typedef struct {
  uint32_t variant;                /* of the scenario the world was built from */
  uint32_t count;                  /* plans this instance runs ... */
  const uint32_t *plans;           /* ... their market plan indices, in batch order */
  const char *const *plan_names;   /* [market plan] */
} bidsim_external_unit_t;

/* Settings are grouped by (table, ctx): every plan whose setting has the
 * same table and context is run by one instance. The calls come from the
 * worker thread that runs the unit; a table must be safe for several units
 * running at once on other threads. */
typedef struct bidsim_external_strategy {
  /** A fresh instance for one unit. BIDSIM_OK, or a code with @p err filled
   *  (the run stops). */
  int  (*begin)(void *ctx, const bidsim_external_unit_t *unit, void **inst, bidsim_error_t *err);
  /** Every strategy period: the actions of all the instance's plans,
   *  pre-filled with the current ones (as last applied, after the clamp).
   *  A code other than BIDSIM_OK stops the run with @p err. */
  int  (*update)(void *inst, const bidsim_strategy_batch_t *batch, bidsim_strategy_action_t *actions,
                 bidsim_error_t *err);
  /** Plan @p i of the batch was clicked (called per click from the day
   *  loop: keep it cheap). */
  void (*on_click)(void *inst, uint32_t i, int64_t price_li, bool converted, int64_t order_value_li);
  /** Optional (NULL): the day is over - the batch at 24:00 of day
   *  batch->shared->day, before midnight resets the caps and counters. */
  int  (*day_end)(void *inst, const bidsim_strategy_batch_t *batch, bidsim_error_t *err);
  /** The unit is over or abandoned: free the instance. */
  void (*end)(void *inst);
  /** A setting holding @p ctx was copied (bidsim_scenario_set_external) or
   *  freed: count its references. Optional (NULL). */
  void (*retain)(void *ctx);
  void (*release)(void *ctx);
} bidsim_external_strategy_t;

#endif
