/* sim/job.c - a run: worker threads take pending units (variant,
 * replicate) in order and stream each day to the unit's file; the result
 * file is assembled from the unit files in unit order, so its bytes depend
 * neither on the thread count nor on which unit finished first, and a
 * killed run resumes where it stopped. Prints nothing: progress goes to the
 * caller's callback.
 *
 * Memory: each thread holds one day slab of plans x (3 + 24) x 5 metrics
 * plus products x 5 int64 counters, and the assembler one more: bounded by
 * plans x hours x threads, whatever the days, replicates or impressions. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/estimate.h"
#include "sim/job.h"
#include "sim/output.h"
#include "sim/unitstore.h"
#include "sim/worker.h"
#include "sim/world.h"

/* A run in progress: the world, the unit store, the pending units and the
 * local worker threads. The threaded run and the MPI run (sim/job_mpi.c)
 * both use it; only the way units reach workers differs. */
struct bidsim_job {
  const bidsim_scenario_t *sc;
  bidsim_run_options_t opt;
  char    *out_path;
  bidsim_world_t *world;
  char    *resolved;
  int64_t *variant_caps;                /* [variant][plan] */
  bidsim_output_meta_t meta;
  bidsim_unitstore_t *store;
  const volatile sig_atomic_t *stop;    /* set by the command's signal handler */
  bidsim_progress_fn progress;          /* the caller's, or NULL */
  uint32_t *pending;                    /* units to simulate, in order */
  uint32_t pending_count, resumed, discarded;
  double   t0, expected_impressions, last_progress;

  pthread_mutex_t lock;
  uint32_t next;                        /* next index into pending */
  uint32_t done;                        /* units finished (locally or reported by ranks) */
  int      rc;                          /* first error wins; others stop early */
  bidsim_error_t err;
  uint64_t impressions;                 /* finished days, for progress */

  struct job_thread *threads;
  uint32_t nthreads, started;

  /* the result file, written unit by unit in unit order as soon as the
   * next unit is finished, so writing overlaps the simulation */
  uint8_t *finished;                    /* [unit] done: in the store (under lock) */
  uint8_t *in_shard;                    /* [unit] this run's */
  bidsim_writer_t *writer;
  bidsim_day_slab_t out_slab;
  uint32_t next_out;                    /* next unit to write */
};

typedef struct job_thread {
  bidsim_job_t *job;
  pthread_t tid;
  bidsim_worker_t *worker;
  bidsim_day_slab_t slab;               /* one day: memory is plans x hours per thread */
  bidsim_unit_file_t file;
} job_thread_t;

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void bidsim_job_fail(bidsim_job_t *job, int rc, const bidsim_error_t *err) {
  pthread_mutex_lock(&job->lock);
  if (job->rc == BIDSIM_OK) {
    job->rc = rc;
    if (err) job->err = *err;
  }
  pthread_mutex_unlock(&job->lock);
}

bool bidsim_job_take(bidsim_job_t *job, uint32_t *unit) {
  pthread_mutex_lock(&job->lock);
  bool ok = job->rc == BIDSIM_OK && job->next < job->pending_count;
  if (ok) *unit = job->pending[job->next++];
  pthread_mutex_unlock(&job->lock);
  return ok;
}

void bidsim_job_unit_done(bidsim_job_t *job, uint32_t unit, uint64_t impressions) {
  pthread_mutex_lock(&job->lock);
  job->done++;
  job->impressions += impressions;
  job->finished[unit] = 1;
  pthread_mutex_unlock(&job->lock);
}

/* Simulate one unit day by day into its unit file. */
static int run_unit(job_thread_t *th, uint32_t u, bidsim_error_t *err) {
  bidsim_job_t *job = th->job;
  int rc = bidsim_worker_begin(th->worker, u, err);
  if (rc == BIDSIM_OK) rc = bidsim_unitstore_begin(job->store, u, &th->file, err);
  if (rc) return rc;
  uint64_t before = bidsim_worker_impressions(th->worker);
  for (uint32_t d = 0; d < job->sc->days && rc == BIDSIM_OK; d++) {
    if (*job->stop) { rc = bidsim_error_set(err, BIDSIM_EINTR, "run", "interrupted"); break; }
    if ((rc = bidsim_worker_run_day(th->worker, d, &th->slab, err))) break;
    rc = bidsim_unitstore_append(job->store, &th->file, &th->slab, err);
  }
  if (rc) { bidsim_unitstore_abandon(&th->file); return rc; }
  if ((rc = bidsim_unitstore_finish(job->store, &th->file, err))) return rc;
  bidsim_job_unit_done(job, u, bidsim_worker_impressions(th->worker) - before);
  return BIDSIM_OK;
}

static void *thread_main(void *arg) {
  job_thread_t *th = arg;
  bidsim_error_t err;
  uint32_t u;
  while (bidsim_job_take(th->job, &u)) {
    int rc = run_unit(th, u, &err);
    if (rc) { bidsim_job_fail(th->job, rc, &err); break; }
  }
  return NULL;
}

static void report(bidsim_job_t *job, bidsim_progress_event_t event, double now);

void bidsim_job_store_dir(const char *out_path, char *buf, size_t n) { snprintf(buf, n, "%s.units", out_path); }

static bool in_shard(const bidsim_run_options_t *opt, uint32_t u) {
  return opt->shard_count == 0 || u % opt->shard_count == opt->shard_index;
}

void bidsim_job_close(bidsim_job_t *job) {
  if (job == NULL) return;
  /* finished units stay for --resume unless the result was committed */
  bidsim_unitstore_close(job->store, false);
  if (job->threads) {
    for (uint32_t i = 0; i < job->nthreads; i++) {
      bidsim_worker_free(job->threads[i].worker);
      bidsim_day_slab_free(&job->threads[i].slab);
    }
    bidsim_free(job->threads);
  }
  bidsim_free(job->pending);
  bidsim_writer_abort(job->writer);
  bidsim_day_slab_free(&job->out_slab);
  bidsim_free(job->finished);
  bidsim_free(job->in_shard);
  pthread_mutex_destroy(&job->lock);
  bidsim_world_free(job->world);
  bidsim_free(job->resolved);
  bidsim_free(job->variant_caps);
  bidsim_free(job->out_path);
  bidsim_free(job);
}

int bidsim_job_open(const bidsim_scenario_t *sc, const char *out_path, const bidsim_run_options_t *opt,
                    bidsim_job_t **out, bidsim_error_t *err) {
  static const volatile sig_atomic_t never = 0;
  *out = NULL;
  if ((uint64_t)sc->variant_count * sc->replicates > UINT32_MAX)
    return bidsim_error_set(err, BIDSIM_ELIMIT, "run", "%u variants x %u replicates is more than %u units",
                            sc->variant_count, sc->replicates, UINT32_MAX);
  if (sc->plugins_skipped)   /* loaded as validate loads: no strategy to run */
    return bidsim_error_set(err, BIDSIM_EINVAL, "run", "the scenario was loaded without its plugins (%u strategy "
                            "setting(s) have none): load it with load_plugins to run it", sc->plugins_skipped);
  if (opt->shard_count && opt->shard_index >= opt->shard_count)
    return bidsim_error_set(err, BIDSIM_EINVAL, "shard", "shard %u of %u does not exist (shards count from 0)",
                            opt->shard_index, opt->shard_count);
  bidsim_job_t *job = bidsim_calloc(1, sizeof *job);
  if (job == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "run", "out of memory");
  pthread_mutex_init(&job->lock, NULL);
  job->t0 = mono_s();
  job->sc = sc;
  job->opt = *opt;
  job->stop = opt->stop ? opt->stop : &never;
  job->progress = opt->progress;
  job->out_path = bidsim_strdup(out_path);
  const uint32_t units = sc->variant_count * sc->replicates;
  int rc = job->out_path ? bidsim_world_create(sc, &job->world, err)
                         : bidsim_error_set(err, BIDSIM_ENOMEM, "run", "out of memory");
  if (rc) goto fail;
  bidsim_world_output_meta(job->world, sc->replicates, sc->days, &job->meta);
  job->resolved = bidsim_scenario_resolved_yaml(sc);
  job->pending = bidsim_calloc(units + 1, sizeof *job->pending);
  job->finished = bidsim_calloc(units + 1, 1);
  job->in_shard = bidsim_calloc(units + 1, 1);
  if (!job->resolved || !job->pending || !job->finished || !job->in_shard) {
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "run", "out of memory");
    goto fail;
  }
  job->meta.resolved_text = job->resolved;
  job->meta.fingerprint = bidsim_scenario_fingerprint(sc);
  if ((job->variant_caps = bidsim_world_variant_caps(job->world, sc, err)) == NULL) { rc = err ? err->code : BIDSIM_ENOMEM; goto fail; }
  job->meta.variant_cap_li = job->variant_caps;
  job->meta.sweep_key_count = sc->sweep_key_count;
  job->meta.sweep_keys = (const char *const *)sc->sweep_keys;
  job->meta.sweep_values = (const char *const *)sc->sweep_values;
  char dir[4096];
  bidsim_job_store_dir(out_path, dir, sizeof dir);
  bidsim_unitstore_key_t key = { job->meta.fingerprint, sc->variant_count, sc->replicates, sc->days,
                                 job->meta.plans, job->meta.products, job->meta.slots };
  if ((rc = bidsim_unitstore_open(dir, &key, opt->resume, &job->store, &job->discarded, err))) goto fail;
  for (uint32_t u = 0; u < units; u++) {
    if (!(job->in_shard[u] = in_shard(opt, u))) continue;
    if (bidsim_unitstore_has(job->store, u)) { job->resumed++; job->finished[u] = 1; }
    else job->pending[job->pending_count++] = u;
  }
  /* the progress bar's total: each pending unit's expected impressions,
   * from its own sweep point and the phase in force each day (the
   * estimate's formula) */
  for (uint32_t i = 0; i < job->pending_count; i++)
    job->expected_impressions += bidsim_cost_unit_impressions(sc, job->pending[i] / sc->replicates);
  if (job->progress) report(job, BIDSIM_PROGRESS_START, mono_s());
  *out = job;
  return BIDSIM_OK;
fail:
  bidsim_job_close(job);
  return rc;
}

int bidsim_job_start(bidsim_job_t *job, uint32_t nthreads, bidsim_error_t *err) {
  if (nthreads > job->pending_count) nthreads = job->pending_count;
  job->threads = bidsim_calloc(nthreads + 1, sizeof *job->threads);
  if (job->threads == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "run", "out of memory");
  job->nthreads = nthreads;
  int rc;
  for (uint32_t i = 0; i < nthreads; i++) {
    job->threads[i].job = job;
    if ((rc = bidsim_worker_create(job->sc, job->world, job->stop, &job->threads[i].worker, err))) return rc;
    if ((rc = bidsim_day_slab_init_slots(&job->threads[i].slab, job->meta.plans, job->meta.products,
                                          job->meta.slots, err))) return rc;
  }
  for (uint32_t i = 0; i < nthreads; i++) {
    if (pthread_create(&job->threads[i].tid, NULL, thread_main, &job->threads[i]) != 0) {
      bidsim_error_t e;
      bidsim_error_set(&e, BIDSIM_ENOMEM, "run", "cannot start worker thread %u", i);
      bidsim_job_fail(job, BIDSIM_ENOMEM, &e);
      break;
    }
    job->started++;
  }
  return BIDSIM_OK;
}

void bidsim_job_join(bidsim_job_t *job) {
  for (uint32_t i = 0; i < job->started; i++) pthread_join(job->threads[i].tid, NULL);
  job->started = 0;
}

void bidsim_job_status(bidsim_job_t *job, bidsim_job_status_t *st) {
  pthread_mutex_lock(&job->lock);
  st->done = job->done;
  st->pending = job->pending_count;
  st->resumed = job->resumed;
  st->discarded = job->discarded;
  st->impressions = job->impressions;
  st->rc = job->rc;
  pthread_mutex_unlock(&job->lock);
  if (st->rc == BIDSIM_OK && *job->stop) {
    bidsim_error_t e;
    bidsim_error_set(&e, BIDSIM_EINTR, "run", "interrupted");
    bidsim_job_fail(job, BIDSIM_EINTR, &e);
    st->rc = BIDSIM_EINTR;
  }
}

const bidsim_world_t *bidsim_job_world(const bidsim_job_t *job) { return job->world; }
bidsim_unitstore_t *bidsim_job_store(bidsim_job_t *job) { return job->store; }
const bidsim_output_meta_t *bidsim_job_meta(const bidsim_job_t *job) { return &job->meta; }
const bidsim_scenario_t *bidsim_job_scenario(const bidsim_job_t *job) { return job->sc; }
const volatile sig_atomic_t *bidsim_job_stop_flag(const bidsim_job_t *job) { return job->stop; }

/* The caller's progress callback with the job's counters. */
static void report(bidsim_job_t *job, bidsim_progress_event_t event, double now) {
  bidsim_job_status_t st;
  bidsim_job_status(job, &st);
  const bidsim_progress_t p = { event, st.done, st.pending, st.resumed, st.discarded, st.impressions,
                                event == BIDSIM_PROGRESS_FINISH ? (double)st.impressions : job->expected_impressions,
                                now - job->t0 };
  job->progress(job->opt.progress_ctx, &p);
}

void bidsim_job_progress(bidsim_job_t *job, bool final) {
  if (job->progress == NULL) return;
  double now = mono_s();
  if (!final && now - job->last_progress < job->opt.progress_interval_s) return;
  job->last_progress = now;
  report(job, final ? BIDSIM_PROGRESS_FINISH : BIDSIM_PROGRESS_UPDATE, now);
}

/* The market every unit started from, each variant's and draw's, drawn
 * again from the worlds (the same draws as the workers': bit for bit
 * whatever the threads, ranks or shards, and far cheaper than carrying
 * each unit's market through the store). Every part file of a sharded run
 * holds the whole market, so merge copies it from any. */
static int write_market(bidsim_job_t *job, bidsim_error_t *err) {
  const bidsim_scenario_t *sc = job->sc;
  bidsim_market_params_t p;
  int rc = bidsim_market_params_init(&p, job->meta.plans, job->meta.products, err);
  for (uint32_t v = 0; v < sc->variant_count && rc == BIDSIM_OK; v++) {
    /* a sweep point's world of its own (the market's keys may be swept) */
    bidsim_world_t *own = NULL;
    if (sc->variant_sc && (rc = bidsim_world_create(sc->variant_sc[v], &own, err))) break;
    const bidsim_world_t *w = own ? own : job->world;
    const uint32_t plans = bidsim_market_plan_count(bidsim_world_market(w));
    if (plans != job->meta.plans)   /* the sweep loader keeps them equal */
      rc = bidsim_error_set(err, BIDSIM_EINVAL, "run", "variant %u has %u plans, not %u", v, plans, job->meta.plans);
    for (uint32_t d = 0; d < job->meta.draws && rc == BIDSIM_OK; d++) {
      rc = bidsim_world_market_params(w, own ? 0 : v, d, &p, err);
      if (rc == BIDSIM_OK) rc = bidsim_writer_write_market(job->writer, v, d, &p, err);
    }
    bidsim_world_free(own);
  }
  bidsim_market_params_free(&p);
  return rc;
}

/* The result file from the unit files, in unit order: the same bytes
 * whatever ran the units and in what order. Opened at the first step. */
static int writer_open(bidsim_job_t *job, bidsim_error_t *err) {
  bidsim_output_meta_t *meta = &job->meta;
  int rc = bidsim_day_slab_init_slots(&job->out_slab, meta->plans, meta->products, meta->slots, err);
  if (rc) return rc;
  meta->units_done = job->in_shard;
  meta->shard_index = job->opt.shard_index;
  meta->shard_count = job->opt.shard_count;
  rc = bidsim_writer_open(job->out_path, meta, &job->writer, err);
  meta->units_done = NULL;
  if (rc == BIDSIM_OK) rc = write_market(job, err);
  return rc;
}

int bidsim_job_assemble_step(bidsim_job_t *job, bool *wrote, bidsim_error_t *err) {
  const bidsim_scenario_t *sc = job->sc;
  const uint32_t units = sc->variant_count * sc->replicates;
  *wrote = false;
  while (job->next_out < units && !job->in_shard[job->next_out]) job->next_out++;
  if (job->next_out >= units) return BIDSIM_OK;
  pthread_mutex_lock(&job->lock);
  bool ready = job->finished[job->next_out] != 0;
  pthread_mutex_unlock(&job->lock);
  if (!ready) return BIDSIM_OK;
  int rc = job->writer ? BIDSIM_OK : writer_open(job, err);
  const uint32_t u = job->next_out;
  for (uint32_t d = 0; d < sc->days && rc == BIDSIM_OK; d++) {
    if ((rc = bidsim_unitstore_read_day(job->store, u, d, &job->out_slab, err))) break;
    job->out_slab.variant = u / sc->replicates;
    job->out_slab.replicate = u % sc->replicates;
    job->out_slab.day = d;
    rc = bidsim_writer_write_day(job->writer, &job->out_slab, err);
  }
  if (rc == BIDSIM_OK) {
    job->next_out++;
    *wrote = true;
  }
  return rc;
}

int bidsim_job_assemble(bidsim_job_t *job, bidsim_error_t *err) {
  const uint32_t units = job->sc->variant_count * job->sc->replicates;
  int rc = BIDSIM_OK;
  bool wrote = true;
  while (rc == BIDSIM_OK && wrote) rc = bidsim_job_assemble_step(job, &wrote, err);
  while (rc == BIDSIM_OK && job->next_out < units && !job->in_shard[job->next_out]) job->next_out++;
  if (rc == BIDSIM_OK && job->next_out < units)
    rc = bidsim_error_set(err, BIDSIM_ESTATE, "run", "unit %u is not finished", job->next_out);
  if (rc == BIDSIM_OK && job->writer == NULL) rc = writer_open(job, err);   /* a shard without units */
  if (rc) return rc;
  rc = bidsim_writer_commit(job->writer, err);
  job->writer = NULL;
  if (rc == BIDSIM_OK) {
    bidsim_unitstore_close(job->store, true);   /* the result file holds everything now */
    job->store = NULL;
  }
  return rc;
}

/* The run's outcome: the first error, if any (copied to err). */
int bidsim_job_result(bidsim_job_t *job, bidsim_run_summary_t *summary, bidsim_error_t *err) {
  bidsim_job_status_t st;
  bidsim_job_status(job, &st);
  if (summary) {
    summary->impressions = st.impressions;
    summary->units = st.done;
    summary->units_resumed = st.resumed;
    summary->units_discarded = st.discarded;
    summary->seconds = mono_s() - job->t0;
  }
  if (st.rc && err) {
    pthread_mutex_lock(&job->lock);
    *err = job->err;
    pthread_mutex_unlock(&job->lock);
  }
  return st.rc;
}

int bidsim_job_run(const bidsim_scenario_t *sc, const char *out_path, const bidsim_run_options_t *opt,
                   bidsim_run_summary_t *summary, bidsim_error_t *err) {
  if (summary) memset(summary, 0, sizeof *summary);
  bidsim_job_t *job = NULL;
  int rc = bidsim_job_open(sc, out_path, opt, &job, err);
  if (rc) return rc;
  uint32_t nthreads = opt->threads;
  if (nthreads == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = n > 0 ? (uint32_t)n : 1;
  }
  if ((rc = bidsim_job_start(job, nthreads, err))) bidsim_job_fail(job, rc, err);
  /* the calling thread reports progress and writes finished units while the others run */
  for (;;) {
    bidsim_job_status_t st;
    bidsim_job_status(job, &st);
    if (st.done == st.pending || st.rc != BIDSIM_OK) break;
    bidsim_job_progress(job, false);
    bool wrote = false;
    bidsim_error_t e;
    if ((rc = bidsim_job_assemble_step(job, &wrote, &e))) { bidsim_job_fail(job, rc, &e); break; }
    if (!wrote) {
      struct timespec nap = { 0, 5 * 1000 * 1000 };
      nanosleep(&nap, NULL);
    }
  }
  return bidsim_job_finish(job, summary, err);
}

int bidsim_job_finish(bidsim_job_t *job, bidsim_run_summary_t *summary, bidsim_error_t *err) {
  bidsim_job_join(job);
  int rc = bidsim_job_result(job, NULL, err);
  if (rc == BIDSIM_OK) {
    bidsim_job_progress(job, true);
    rc = bidsim_job_assemble(job, err);
  }
  bidsim_job_result(job, summary, NULL);
  bidsim_job_close(job);
  return rc;
}
