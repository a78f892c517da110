/* sim/job.h - a run of a scenario: its work units (variant, replicate)
 * across threads, each unit's days streamed to its own unit file
 * (sim/unitstore.h), then the result file assembled in unit order, so its
 * bytes depend on neither the thread count nor the finishing order, and a
 * killed run can be resumed. The library prints nothing: progress reaches
 * the caller through a callback. */
#ifndef BIDSIM_SIM_JOB_H
#define BIDSIM_SIM_JOB_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "bidsim/bidsim.h"
#include "sim/output.h"
#include "sim/scenario.h"

typedef enum {
  BIDSIM_PROGRESS_START = 0,   /* before any unit runs: the pending, resumed and discarded counts are known */
  BIDSIM_PROGRESS_UPDATE,      /* while units run, at most every progress_interval_s */
  BIDSIM_PROGRESS_FINISH       /* every unit simulated (the result file is written next) */
} bidsim_progress_event_t;

typedef struct {
  bidsim_progress_event_t event;
  uint32_t units_done;         /* of the pending units */
  uint32_t units_pending;      /* this run's units to simulate */
  uint32_t units_resumed;      /* found finished in the store (--resume) */
  uint32_t units_discarded;    /* finished units of an earlier run thrown away (no --resume) */
  uint64_t impressions;        /* simulated so far (finished days) */
  double   expected_impressions;   /* of the pending units, phases included */
  double   elapsed_s;
} bidsim_progress_t;

/* Called from the thread that runs bidsim_job_run (never from a worker). */
typedef void (*bidsim_progress_fn)(void *ctx, const bidsim_progress_t *p);

typedef struct {
  uint32_t threads;            /* 0 = number of online CPUs */
  bidsim_progress_fn progress; /* NULL = none */
  void    *progress_ctx;
  double   progress_interval_s;   /* between UPDATE reports; 0 = every poll (about 5 ms) */
  /* When non-NULL and set (by a signal handler), workers stop within a few
   * thousand impressions and the run fails with BIDSIM_EINTR, leaving no
   * output file (the finished units stay in OUT.units for --resume). */
  const volatile sig_atomic_t *stop;
  bool     resume;             /* keep finished units of an earlier run of the same scenario */
  uint32_t shard_index, shard_count;   /* run units u with u % count == index; count 0 = all */
} bidsim_run_options_t;

typedef struct {
  uint64_t impressions;
  double   seconds;
  uint32_t units;              /* units simulated by this run */
  uint32_t units_resumed;      /* units found finished in the store */
  uint32_t units_discarded;    /* finished units of an earlier run thrown away (no --resume) */
} bidsim_run_summary_t;

/** @brief Run the scenario's units (all, or one shard's) on local threads and
 *  write @p out_path atomically: a complete result, or a part file for
 *  bidsim merge when sharded. On error nothing is left under out_path.
 *  Errors: BIDSIM_EINTR (stopped), the store's, the writer's, the model's. */
int bidsim_job_run(const bidsim_scenario_t *sc, const char *out_path, const bidsim_run_options_t *opt,
                   bidsim_run_summary_t *summary, bidsim_error_t *err);

/** @brief The unit store directory of an output path ("OUT.h5.units"). */
void bidsim_job_store_dir(const char *out_path, char *buf, size_t n);

/* ---- the pieces of a run, shared with the MPI run (sim/job_mpi.c) -------- */

typedef struct bidsim_job bidsim_job_t;
struct bidsim_unitstore;
struct bidsim_world;

typedef struct {
  uint32_t done, pending, resumed, discarded;
  uint64_t impressions;
  int      rc;
} bidsim_job_status_t;

/** @brief Build the world, open the unit store (resuming if asked) and list
 *  the pending units of the shard; reports the START event. */
int  bidsim_job_open(const bidsim_scenario_t *sc, const char *out_path, const bidsim_run_options_t *opt,
                     bidsim_job_t **out, bidsim_error_t *err);
/** @brief Start up to @p nthreads local worker threads taking pending units. */
int  bidsim_job_start(bidsim_job_t *job, uint32_t nthreads, bidsim_error_t *err);
/** @brief Hand out the next pending unit (false when none is left or the run failed). Thread-safe. */
bool bidsim_job_take(bidsim_job_t *job, uint32_t *unit);
/** @brief Count unit @p unit finished (in the store), with its impressions. */
void bidsim_job_unit_done(bidsim_job_t *job, uint32_t unit, uint64_t impressions);
void bidsim_job_fail(bidsim_job_t *job, int rc, const bidsim_error_t *err);
/** @brief Counters; notices the stop flag and fails the job with BIDSIM_EINTR. */
void bidsim_job_status(bidsim_job_t *job, bidsim_job_status_t *st);
/** @brief An UPDATE report if the interval has passed (or, with @p final,
 *  the FINISH report). */
void bidsim_job_progress(bidsim_job_t *job, bool final);
void bidsim_job_join(bidsim_job_t *job);
/** @brief Write the next unit to the result file if it is finished
 *  (units go in unit order); *wrote says whether it did. Call from one thread. */
int  bidsim_job_assemble_step(bidsim_job_t *job, bool *wrote, bidsim_error_t *err);
/** @brief Write the remaining units and commit the result (or part) file;
 *  on success the store is removed. */
int  bidsim_job_assemble(bidsim_job_t *job, bidsim_error_t *err);
int  bidsim_job_result(bidsim_job_t *job, bidsim_run_summary_t *summary, bidsim_error_t *err);
void bidsim_job_close(bidsim_job_t *job);
/** @brief The end of a run once its units are simulated: join the threads;
 *  if the job has not failed, the FINISH report and bidsim_job_assemble;
 *  fill @p summary (may be NULL) and close the job. Returns the job's
 *  outcome. */
int  bidsim_job_finish(bidsim_job_t *job, bidsim_run_summary_t *summary, bidsim_error_t *err);
const struct bidsim_world *bidsim_job_world(const bidsim_job_t *job);
struct bidsim_unitstore *bidsim_job_store(bidsim_job_t *job);
const bidsim_output_meta_t *bidsim_job_meta(const bidsim_job_t *job);
const bidsim_scenario_t *bidsim_job_scenario(const bidsim_job_t *job);
const volatile sig_atomic_t *bidsim_job_stop_flag(const bidsim_job_t *job);

#endif
