/* sim/driver.h - the Monte-Carlo driver: replicates across threads, results
 * committed in (variant, replicate, day) order so the file does not depend
 * on the thread count. */
#ifndef BIDSIM_SIM_DRIVER_H
#define BIDSIM_SIM_DRIVER_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "bidsim/bidsim.h"
#include "sim/scenario.h"

typedef enum { BIDSIM_PROGRESS_AUTO = 0, BIDSIM_PROGRESS_BAR, BIDSIM_PROGRESS_LINES, BIDSIM_PROGRESS_NONE } bidsim_progress_mode_t;

typedef struct {
  uint32_t threads;            /* 0 = number of online CPUs */
  bidsim_progress_mode_t progress;
  /* When non-NULL and set (by a signal handler), workers stop at the next
   * day and the run fails with BIDSIM_ESTATE, leaving no output file. */
  const volatile sig_atomic_t *stop;
} bidsim_run_options_t;

typedef struct {
  uint64_t impressions;
  double   seconds;
  uint32_t units;              /* (variant, replicate) pairs run */
} bidsim_run_summary_t;

/** @brief Run every replicate of @p sc (seed, days and replicates as set in
 *  the struct; the command line overrides them before calling) and write
 *  @p out_path atomically. On error nothing is left under out_path. */
int bidsim_run(const bidsim_scenario_t *sc, const char *out_path, const bidsim_run_options_t *opt,
               bidsim_run_summary_t *summary, bidsim_error_t *err);

#endif
