/* sim/driver.c - the Monte-Carlo driver: worker threads take pending units
 * (variant, replicate) in order and stream each day to the unit's file; when
 * all are done the result file is assembled from the unit files in unit
 * order, so its bytes depend neither on the thread count nor on which unit
 * finished first, and a killed run resumes where it stopped.
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
#include "sim/driver.h"
#include "sim/output.h"
#include "sim/unitstore.h"
#include "sim/world.h"

typedef struct {
  const bidsim_scenario_t *sc;
  const bidsim_world_t *world;
  bidsim_unitstore_t *store;
  const volatile sig_atomic_t *stop;    /* set by the command's signal handler */
  const uint32_t *pending;              /* units to simulate, in order */
  uint32_t pending_count;

  pthread_mutex_t lock;
  uint32_t next;                        /* next index into pending */
  uint32_t done;
  int      rc;                          /* first error wins; others stop early */
  bidsim_error_t err;
  uint64_t impressions;                 /* finished days, for progress */
} shared_t;

typedef struct {
  shared_t *sh;
  pthread_t tid;
  bidsim_worker_t *worker;
  bidsim_day_slab_t slab;               /* one day: memory is plans x hours per thread */
  bidsim_unit_file_t file;
} thread_t;

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fail(shared_t *sh, int rc, const bidsim_error_t *err) {
  pthread_mutex_lock(&sh->lock);
  if (sh->rc == BIDSIM_OK) {
    sh->rc = rc;
    if (err) sh->err = *err;
  }
  pthread_mutex_unlock(&sh->lock);
}

/* Simulate one unit day by day into its unit file. */
static int run_unit(thread_t *th, uint32_t u, bidsim_error_t *err) {
  shared_t *sh = th->sh;
  const uint32_t R = sh->sc->replicates;
  int rc = bidsim_worker_begin(th->worker, u / R, u % R, sh->sc->seed, err);
  if (rc == BIDSIM_OK) rc = bidsim_unitstore_begin(sh->store, u, &th->file, err);
  if (rc) return rc;
  for (uint32_t d = 0; d < sh->sc->days; d++) {
    if (*sh->stop) { rc = bidsim_error_set(err, BIDSIM_ESTATE, "run", "interrupted"); break; }
    uint64_t before = bidsim_worker_impressions(th->worker);
    if ((rc = bidsim_worker_run_day(th->worker, d, &th->slab, err))) break;
    if ((rc = bidsim_unitstore_append(sh->store, &th->file, &th->slab, err))) break;
    pthread_mutex_lock(&sh->lock);
    sh->impressions += bidsim_worker_impressions(th->worker) - before;
    pthread_mutex_unlock(&sh->lock);
  }
  if (rc) { bidsim_unitstore_abandon(&th->file); return rc; }
  return bidsim_unitstore_finish(sh->store, &th->file, err);
}

static void *thread_main(void *arg) {
  thread_t *th = arg;
  shared_t *sh = th->sh;
  bidsim_error_t err;
  for (;;) {
    pthread_mutex_lock(&sh->lock);
    uint32_t i = sh->next;
    bool stop = sh->rc != BIDSIM_OK || i >= sh->pending_count;
    if (!stop) sh->next++;
    pthread_mutex_unlock(&sh->lock);
    if (stop) return NULL;
    int rc = run_unit(th, sh->pending[i], &err);
    if (rc) { fail(sh, rc, &err); return NULL; }
    pthread_mutex_lock(&sh->lock);
    sh->done++;
    pthread_mutex_unlock(&sh->lock);
  }
}

static void fmt_duration(double s, char *buf, size_t n) {
  if (s < 0 || s > 1e7) { snprintf(buf, n, "--:--"); return; }
  unsigned t = (unsigned)(s + 0.5);
  if (t >= 3600) snprintf(buf, n, "%u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
  else snprintf(buf, n, "%u:%02u", t / 60, t % 60);
}

/* One progress report: a redrawn bar on a terminal, plain lines otherwise. */
static void progress(bidsim_progress_mode_t mode, uint32_t done, uint32_t total, uint64_t imps,
                     double expected_imps, double elapsed, bool final) {
  double rate = elapsed > 0 ? (double)imps / elapsed : 0.0;
  double frac = expected_imps > 0 ? (double)imps / expected_imps : 0.0;
  if (frac > 1.0) frac = 1.0;
  char eta[32];
  fmt_duration(final ? 0.0 : (rate > 0 && frac > 0 ? elapsed / frac - elapsed : -1), eta, sizeof eta);
  if (mode == BIDSIM_PROGRESS_BAR) {
    char bar[31];
    int fill = (int)(frac * 30.0);
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %3.0f%%  units %u/%u  %.2fM imp/s  left %s ", bar, frac * 100.0, done, total,
            rate / 1e6, eta);
    if (final) fputc('\n', stderr);
  } else {
    fprintf(stderr, "bidsim run: %3.0f%%  units %u/%u  %.2fM impressions/s  left %s\n", frac * 100.0, done,
            total, rate / 1e6, eta);
  }
  fflush(stderr);
}

void bidsim_run_store_dir(const char *out_path, char *buf, size_t n) { snprintf(buf, n, "%s.units", out_path); }

static bool in_shard(const bidsim_run_options_t *opt, uint32_t u) {
  return opt->shard_count == 0 || u % opt->shard_count == opt->shard_index;
}

/* The result file from the unit files, in unit order: the same bytes
 * whatever ran the units and in what order. */
static int assemble(const bidsim_scenario_t *sc, const char *out_path, bidsim_output_meta_t *meta,
                    bidsim_unitstore_t *store, const bidsim_run_options_t *opt, bidsim_error_t *err) {
  const uint32_t units = sc->variant_count * sc->replicates;
  uint8_t *mask = bidsim_calloc(units + 1, 1);
  bidsim_day_slab_t slab;
  if (mask == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "run", "out of memory");
  int rc = bidsim_day_slab_init(&slab, meta->plans, meta->products, err);
  if (rc) { bidsim_free(mask); return rc; }
  for (uint32_t u = 0; u < units; u++) mask[u] = in_shard(opt, u);
  meta->units_done = mask;
  meta->shard_index = opt->shard_index;
  meta->shard_count = opt->shard_count;
  bidsim_writer_t *w = NULL;
  if ((rc = bidsim_writer_open(out_path, meta, &w, err))) goto out;
  for (uint32_t u = 0; u < units && rc == BIDSIM_OK; u++) {
    if (!mask[u]) continue;
    for (uint32_t d = 0; d < sc->days && rc == BIDSIM_OK; d++) {
      if ((rc = bidsim_unitstore_read_day(store, u, d, &slab, err))) break;
      slab.variant = u / sc->replicates;
      slab.replicate = u % sc->replicates;
      slab.day = d;
      rc = bidsim_writer_write_day(w, &slab, err);
    }
  }
  if (rc) bidsim_writer_abort(w);
  else rc = bidsim_writer_commit(w, err);
out:
  meta->units_done = NULL;
  bidsim_day_slab_free(&slab);
  bidsim_free(mask);
  return rc;
}

int bidsim_run(const bidsim_scenario_t *sc, const char *out_path, const bidsim_run_options_t *opt,
               bidsim_run_summary_t *summary, bidsim_error_t *err) {
  static const volatile sig_atomic_t never = 0;
  double t0 = mono_s();
  if (summary) memset(summary, 0, sizeof *summary);
  if ((uint64_t)sc->variant_count * sc->replicates > UINT32_MAX)
    return bidsim_error_set(err, BIDSIM_ELIMIT, "run", "%u variants x %u replicates is more than %u units",
                            sc->variant_count, sc->replicates, UINT32_MAX);
  if (opt->shard_count && opt->shard_index >= opt->shard_count)
    return bidsim_error_set(err, BIDSIM_EINVAL, "shard", "shard %u of %u does not exist (shards count from 0)",
                            opt->shard_index, opt->shard_count);
  const uint32_t units = sc->variant_count * sc->replicates;
  bidsim_world_t *world = NULL;
  char *resolved = NULL;
  uint32_t *pending = NULL;
  thread_t *th = NULL;
  bidsim_unitstore_t *store = NULL;
  uint32_t nthreads = opt->threads, started = 0;
  shared_t sh;
  memset(&sh, 0, sizeof sh);
  pthread_mutex_init(&sh.lock, NULL);
  int rc = bidsim_world_create(sc, &world, err);
  if (rc) goto out;

  bidsim_output_meta_t meta;
  bidsim_world_output_meta(world, sc->replicates, sc->days, &meta);
  resolved = bidsim_scenario_resolved_yaml(sc);
  if (resolved == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "run", "out of memory"); goto out; }
  meta.resolved_text = resolved;
  meta.fingerprint = bidsim_scenario_fingerprint(sc);

  char dir[4096];
  bidsim_run_store_dir(out_path, dir, sizeof dir);
  bidsim_unitstore_key_t key = { meta.fingerprint, sc->variant_count, sc->replicates, sc->days, meta.plans, meta.products };
  uint32_t discarded = 0;
  if ((rc = bidsim_unitstore_open(dir, &key, opt->resume, &store, &discarded, err))) goto out;
  pending = bidsim_calloc(units + 1, sizeof *pending);
  if (pending == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "run", "out of memory"); goto out; }
  uint32_t npending = 0, resumed = 0;
  for (uint32_t u = 0; u < units; u++) {
    if (!in_shard(opt, u)) continue;
    if (bidsim_unitstore_has(store, u)) resumed++;
    else pending[npending++] = u;
  }
  if (summary) { summary->units_resumed = resumed; summary->units_discarded = discarded; }

  if (nthreads == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = n > 0 ? (uint32_t)n : 1;
  }
  if (nthreads > npending) nthreads = npending;
  sh.sc = sc;
  sh.world = world;
  sh.store = store;
  sh.pending = pending;
  sh.pending_count = npending;
  sh.stop = opt->stop ? opt->stop : &never;
  th = bidsim_calloc(nthreads + 1, sizeof *th);
  if (th == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "run", "out of memory"); goto out; }
  for (uint32_t i = 0; i < nthreads; i++) {
    th[i].sh = &sh;
    if ((rc = bidsim_worker_create(world, &th[i].worker, err))) goto out;
    if ((rc = bidsim_day_slab_init(&th[i].slab, meta.plans, meta.products, err))) goto out;
  }

  bidsim_progress_mode_t mode = opt->progress;
  if (mode == BIDSIM_PROGRESS_AUTO) mode = isatty(STDERR_FILENO) ? BIDSIM_PROGRESS_BAR : BIDSIM_PROGRESS_LINES;
  if (npending == 0) mode = BIDSIM_PROGRESS_NONE;
  double expected = sc->impressions_per_day * (double)sc->days * (double)npending;
  for (uint32_t p = 0; p < sc->phase_count; p++) {
    const bidsim_sc_phase_t *ph = &sc->phases[p];
    uint32_t last = ph->last_day < sc->days ? ph->last_day : sc->days - 1;
    if (ph->first_day <= last)
      expected += sc->impressions_per_day * (ph->traffic_mult - 1.0) * (double)(last - ph->first_day + 1) *
                  (double)npending;
  }

  for (uint32_t i = 0; i < nthreads; i++) {
    if (pthread_create(&th[i].tid, NULL, thread_main, &th[i]) != 0) {
      bidsim_error_t e;
      bidsim_error_set(&e, BIDSIM_ENOMEM, "run", "cannot start worker thread %u", i);
      fail(&sh, BIDSIM_ENOMEM, &e);
      break;
    }
    started++;
  }
  /* the calling thread reports progress until the workers are done */
  double interval = mode == BIDSIM_PROGRESS_BAR ? 0.25 : 5.0, last = mono_s();
  for (;;) {
    pthread_mutex_lock(&sh.lock);
    bool finished = sh.done == npending || sh.rc != BIDSIM_OK || started < nthreads;
    uint32_t done = sh.done;
    uint64_t imps = sh.impressions;
    pthread_mutex_unlock(&sh.lock);
    if (finished) {
      if (mode != BIDSIM_PROGRESS_NONE && sh.rc == BIDSIM_OK)
        progress(mode, done, npending, imps, (double)imps, mono_s() - t0, true);
      break;
    }
    if (*sh.stop) {
      bidsim_error_t e;
      bidsim_error_set(&e, BIDSIM_ESTATE, "run", "interrupted");
      fail(&sh, BIDSIM_ESTATE, &e);
    }
    double now = mono_s();
    if (mode != BIDSIM_PROGRESS_NONE && now - last >= interval) {
      progress(mode, done, npending, imps, expected, now - t0, false);
      last = now;
    }
    struct timespec nap = { 0, 20 * 1000 * 1000 };
    nanosleep(&nap, NULL);
  }
  for (uint32_t i = 0; i < started; i++) pthread_join(th[i].tid, NULL);
  if (mode == BIDSIM_PROGRESS_BAR && sh.rc != BIDSIM_OK) fputc('\n', stderr);
  if (summary) {
    summary->impressions = sh.impressions;
    summary->units = sh.done;
  }
  rc = sh.rc;
  if (rc != BIDSIM_OK) {
    if (err) *err = sh.err;
    goto out;
  }
  if ((rc = assemble(sc, out_path, &meta, store, opt, err))) goto out;
  bidsim_unitstore_close(store, true);   /* the result file holds everything now */
  store = NULL;
out:
  if (summary) summary->seconds = mono_s() - t0;
  /* on failure the finished units stay for --resume */
  bidsim_unitstore_close(store, false);
  if (th) {
    for (uint32_t i = 0; i < nthreads; i++) {
      bidsim_worker_free(th[i].worker);
      bidsim_day_slab_free(&th[i].slab);
    }
    bidsim_free(th);
  }
  bidsim_free(pending);
  pthread_mutex_destroy(&sh.lock);
  bidsim_world_free(world);
  bidsim_free(resolved);
  return rc;
}
