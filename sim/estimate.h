/* sim/estimate.h - what a run of a loaded scenario will cost before any work
 * starts: the expected impressions (calendar phases included), memory,
 * unit-store disk, result-file size and time, and whether they fit this
 * machine. Numbers only: the command prints them and picks the exit status. */
#ifndef BIDSIM_SIM_ESTIMATE_H
#define BIDSIM_SIM_ESTIMATE_H
#include <stdint.h>
#include "bidsim/bidsim.h"
#include "sim/scenario.h"

/* The planning rate for time estimates: impressions simulated per second by
 * one thread. BENCHMARKS.md measures the personalised model (the default)
 * end to end (bench/e2e_10k.yaml) at about 300 ns of CPU time per
 * impression at 10,000 plans (about 3 M/s), and the cost grows with the
 * plans per category (about 3x at 100,000 plans); 2 M/s leaves room for
 * larger markets and strategies, so an estimate errs on the long side. */
#define BIDSIM_COST_IMPRESSIONS_PER_S 2e6

/* A run this long at the planning rate is refused unless forced: no run
 * can be watched to completion that way. */
#define BIDSIM_COST_MAX_SECONDS (365.0 * 86400.0)

typedef struct {
  uint32_t threads;            /* as estimated for */
  uint64_t units;              /* (variant, replicate) pairs this run (shard) simulates */
  uint32_t plans, products;    /* listed and generated, as the output holds them */
  double   impressions;        /* expected over those units, calendar phases included */
  double   seconds;            /* impressions / (BIDSIM_COST_IMPRESSIONS_PER_S x threads) */
  /* memory, bytes: the loaded scenario (sweep points included), the world
   * (market, ranking index, labels; one more per thread for a sweep), per
   * thread (market copy, scratch, day slab), the assembler's day slab, and
   * the per-unit tables (pending, finished, caps) */
  double   mem_scenario, mem_world, mem_per_thread, mem_slab, mem_units, mem_total;
  /* disk, bytes, both upper bounds: the unit store at its peak (every unit
   * of the shard, before the store's zero-run coding, which makes it 10 to
   * 100 times smaller on the shipped scenarios) and the result file before
   * its compression (counters that stay zero compress to nearly nothing) */
  double   store_bytes, result_bytes;
  /* the scenario keys behind each figure's largest term, for messages
   * ("traffic.impressions_per_day x days x replicates x variants") */
  const char *impressions_keys, *mem_keys, *disk_keys;
} bidsim_cost_t;

/** @brief Expected impressions of one unit of variant @p variant: the days'
 *  impressions_per_day times the traffic multiplier of the calendar phase
 *  in force each day (the first listed phase covering it, as the simulation
 *  applies them), from the variant's own scenario for a sweep point. The
 *  one formula for estimates and for the driver's progress. */
double bidsim_cost_unit_impressions(const bidsim_scenario_t *sc, uint32_t variant);

/** @brief The cost of running @p sc with @p threads worker threads (at
 *  least 1) as shard @p shard_index of @p shard_count (count 0: the whole
 *  run). Never fails; every figure is an estimate (see the fields). */
void bidsim_cost_estimate(const bidsim_scenario_t *sc, uint32_t threads, uint32_t shard_index, uint32_t shard_count,
                     bidsim_cost_t *out);

/* What this machine offers, for bidsim_cost_check. */
typedef struct {
  double mem_bytes;            /* physical memory; 0 = unknown (not checked) */
  double disk_free_bytes;      /* free space of the output's file system; 0 = unknown */
} bidsim_machine_t;

/** @brief Physical memory and the free space of the file system that
 *  @p out_path (or its directory, when it does not exist yet) is on. A
 *  figure that cannot be read is 0. */
void bidsim_machine_query(const char *out_path, bidsim_machine_t *out);

/** @brief BIDSIM_OK when @p e fits @p m: memory within physical memory,
 *  the time under BIDSIM_COST_MAX_SECONDS. Else BIDSIM_ELIMIT with
 *  err->where the keys that drive the figure and err->msg the figure and
 *  the limit (the first that does not fit, in that order). Disk is not
 *  refused: its figures are upper bounds (bidsim_cost_disk_tight). */
int bidsim_cost_check(const bidsim_cost_t *e, const bidsim_machine_t *m, bidsim_error_t *err);

/** @brief Whether the unit store's upper bound exceeds the free disk of
 *  @p m: worth a warning, never a refusal (the compressed store is far
 *  smaller, and a disk that fills is a clean failure, exit 1). */
bool bidsim_cost_disk_tight(const bidsim_cost_t *e, const bidsim_machine_t *m);

#endif
