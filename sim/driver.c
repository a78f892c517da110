/* sim/driver.c - the Monte-Carlo driver: worker threads take units
 * (variant, replicate) in order, simulate all their days into their own
 * slabs, and hand them to the writer strictly in unit order, so the file's
 * bytes do not depend on the thread count or on which unit finishes first.
 *
 * Memory: each thread holds `days` day slabs of plans x (3 + 24) x 5 metrics
 * plus products x 5 int64 counters; nothing grows with the impressions. */
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
#include "sim/world.h"

typedef struct {
  const bidsim_scenario_t *sc;
  const bidsim_world_t *world;
  bidsim_writer_t *writer;
  const volatile sig_atomic_t *stop;    /* set by the command's signal handler */

  pthread_mutex_t lock;
  pthread_cond_t  turn_changed;
  uint32_t units;                       /* variants x replicates; unit u = (u / R, u % R) */
  uint32_t next_unit;                   /* next unit to hand out */
  uint32_t next_to_write;               /* unit whose days the writer takes next */
  uint32_t done;
  int      rc;                          /* first error wins; others stop early */
  bidsim_error_t err;
  uint64_t impressions;                 /* finished days, for progress */
} shared_t;

typedef struct {
  shared_t *sh;
  pthread_t tid;
  bidsim_worker_t *worker;
  bidsim_day_slab_t *slabs;             /* days of the current replicate */
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
  pthread_cond_broadcast(&sh->turn_changed);
  pthread_mutex_unlock(&sh->lock);
}

static void *thread_main(void *arg) {
  thread_t *th = arg;
  shared_t *sh = th->sh;
  const uint32_t days = sh->sc->days;
  bidsim_error_t err;
  for (;;) {
    pthread_mutex_lock(&sh->lock);
    uint32_t u = sh->next_unit;
    bool stop = sh->rc != BIDSIM_OK || u >= sh->units;
    if (!stop) sh->next_unit++;
    pthread_mutex_unlock(&sh->lock);
    if (stop) return NULL;

    int brc = bidsim_worker_begin(th->worker, u / sh->sc->replicates, u % sh->sc->replicates, sh->sc->seed, &err);
    if (brc) { fail(sh, brc, &err); return NULL; }
    for (uint32_t d = 0; d < days; d++) {
      if (*sh->stop) { bidsim_error_set(&err, BIDSIM_ESTATE, "run", "interrupted"); fail(sh, BIDSIM_ESTATE, &err); return NULL; }
      uint64_t before = bidsim_worker_impressions(th->worker);
      int rc = bidsim_worker_run_day(th->worker, d, &th->slabs[d], &err);
      if (rc) { fail(sh, rc, &err); return NULL; }
      pthread_mutex_lock(&sh->lock);
      sh->impressions += bidsim_worker_impressions(th->worker) - before;
      pthread_mutex_unlock(&sh->lock);
    }
    /* wait for this replicate's turn at the writer */
    pthread_mutex_lock(&sh->lock);
    while (sh->next_to_write != u && sh->rc == BIDSIM_OK) pthread_cond_wait(&sh->turn_changed, &sh->lock);
    if (sh->rc != BIDSIM_OK) { pthread_mutex_unlock(&sh->lock); return NULL; }
    pthread_mutex_unlock(&sh->lock);
    /* only the thread whose turn it is writes, so no lock is held across HDF5 */
    for (uint32_t d = 0; d < days; d++) {
      int rc = bidsim_writer_write_day(sh->writer, &th->slabs[d], &err);
      if (rc) { fail(sh, rc, &err); return NULL; }
    }
    pthread_mutex_lock(&sh->lock);
    sh->next_to_write++;
    sh->done++;
    pthread_cond_broadcast(&sh->turn_changed);
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

int bidsim_run(const bidsim_scenario_t *sc, const char *out_path, const bidsim_run_options_t *opt,
               bidsim_run_summary_t *summary, bidsim_error_t *err) {
  static const volatile sig_atomic_t never = 0;
  double t0 = mono_s();
  bidsim_world_t *world = NULL;
  char *resolved = NULL;
  int rc = bidsim_world_create(sc, &world, err);
  if (rc) return rc;

  uint32_t nthreads = opt->threads;
  if (nthreads == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    nthreads = n > 0 ? (uint32_t)n : 1;
  }
  if ((uint64_t)sc->variant_count * sc->replicates > UINT32_MAX) {
    bidsim_world_free(world);
    return bidsim_error_set(err, BIDSIM_ELIMIT, "run", "%u variants x %u replicates is more than %u units",
                            sc->variant_count, sc->replicates, UINT32_MAX);
  }
  const uint32_t units = sc->variant_count * sc->replicates;
  if (nthreads > units) nthreads = units;
  if (nthreads < 1) nthreads = 1;

  bidsim_output_meta_t meta;
  bidsim_world_output_meta(world, sc->replicates, sc->days, &meta);
  resolved = bidsim_scenario_resolved_yaml(sc);
  meta.resolved_text = resolved;
  shared_t sh;
  memset(&sh, 0, sizeof sh);
  sh.sc = sc;
  sh.world = world;
  sh.units = units;
  sh.stop = opt->stop ? opt->stop : &never;
  pthread_mutex_init(&sh.lock, NULL);
  pthread_cond_init(&sh.turn_changed, NULL);
  thread_t *th = bidsim_calloc(nthreads, sizeof *th);
  if (th == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "run", "out of memory"); goto out; }
  for (uint32_t i = 0; i < nthreads; i++) {
    th[i].sh = &sh;
    if ((rc = bidsim_worker_create(world, &th[i].worker, err))) goto out;
    th[i].slabs = bidsim_calloc(sc->days, sizeof *th[i].slabs);
    if (th[i].slabs == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "run", "out of memory"); goto out; }
    for (uint32_t d = 0; d < sc->days; d++)
      if ((rc = bidsim_day_slab_init(&th[i].slabs[d], meta.plans, meta.products, err))) goto out;
  }
  if ((rc = bidsim_writer_open(out_path, &meta, &sh.writer, err))) goto out;

  bidsim_progress_mode_t mode = opt->progress;
  if (mode == BIDSIM_PROGRESS_AUTO) mode = isatty(STDERR_FILENO) ? BIDSIM_PROGRESS_BAR : BIDSIM_PROGRESS_LINES;
  double expected = sc->impressions_per_day * (double)sc->days * (double)units;
  for (uint32_t p = 0; p < sc->phase_count; p++) {
    const bidsim_sc_phase_t *ph = &sc->phases[p];
    uint32_t last = ph->last_day < sc->days ? ph->last_day : sc->days - 1;
    if (ph->first_day <= last)
      expected += sc->impressions_per_day * (ph->traffic_mult - 1.0) * (double)(last - ph->first_day + 1) *
                  (double)units;
  }

  uint32_t started = 0;
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
    bool finished = sh.done == units || sh.rc != BIDSIM_OK;
    uint32_t done = sh.done;
    uint64_t imps = sh.impressions;
    pthread_mutex_unlock(&sh.lock);
    if (finished) {
      if (mode != BIDSIM_PROGRESS_NONE && sh.rc == BIDSIM_OK)
        progress(mode, done, units, imps, (double)imps, mono_s() - t0, true);
      break;
    }
    if (*sh.stop) {
      bidsim_error_t e;
      bidsim_error_set(&e, BIDSIM_ESTATE, "run", "interrupted");
      fail(&sh, BIDSIM_ESTATE, &e);
    }
    double now = mono_s();
    if (mode != BIDSIM_PROGRESS_NONE && now - last >= interval) {
      progress(mode, done, units, imps, expected, now - t0, false);
      last = now;
    }
    struct timespec nap = { 0, 50 * 1000 * 1000 };
    nanosleep(&nap, NULL);
  }
  for (uint32_t i = 0; i < started; i++) pthread_join(th[i].tid, NULL);
  if (mode == BIDSIM_PROGRESS_BAR && sh.rc != BIDSIM_OK) fputc('\n', stderr);

  rc = sh.rc;
  if (rc != BIDSIM_OK) {
    if (err) *err = sh.err;
    bidsim_writer_abort(sh.writer);
  } else {
    rc = bidsim_writer_commit(sh.writer, err);
  }
  sh.writer = NULL;
  if (summary) {
    summary->impressions = sh.impressions;
    summary->seconds = mono_s() - t0;
    summary->units = sh.done;
  }
out:
  if (sh.writer) bidsim_writer_abort(sh.writer);
  if (th) {
    for (uint32_t i = 0; i < nthreads; i++) {
      bidsim_worker_free(th[i].worker);
      if (th[i].slabs)
        for (uint32_t d = 0; d < sc->days; d++) bidsim_day_slab_free(&th[i].slabs[d]);
      bidsim_free(th[i].slabs);
    }
    bidsim_free(th);
  }
  pthread_cond_destroy(&sh.turn_changed);
  pthread_mutex_destroy(&sh.lock);
  bidsim_world_free(world);
  bidsim_free(resolved);
  return rc;
}
