/* sim/evaluate.c - replicates simulated in memory (sim/evaluate.h): the
 * world built once, one worker and one day slab per thread, units taken in
 * order from a shared counter and each written to its own place in the
 * caller's array, so the result depends on neither the thread count nor
 * which thread ran which unit. Prints nothing, writes no file. */
#include "sim/evaluate.h"
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/worker.h"
#include "sim/world.h"

typedef struct {
  const bidsim_scenario_t *sc;
  const bidsim_world_t *world;
  const volatile sig_atomic_t *stop;
  int64_t *out;
  uint32_t variant_first, replicate_first, replicates, units, plans, products;
  pthread_mutex_t lock;
  uint32_t next;           /* next unit, relative to the first variant's first */
  int rc;                  /* the first error; the others stop early */
  bidsim_error_t err;
} eval_t;

typedef struct {
  eval_t *ev;
  pthread_t tid;
  bidsim_worker_t *worker;
  bidsim_day_slab_t slab;
} eval_thread_t;

static bool take(eval_t *ev, uint32_t *u) {
  pthread_mutex_lock(&ev->lock);
  bool ok = ev->rc == BIDSIM_OK && ev->next < ev->units;
  if (ok) *u = ev->next++;
  pthread_mutex_unlock(&ev->lock);
  return ok;
}

static void fail(eval_t *ev, int rc, const bidsim_error_t *err) {
  pthread_mutex_lock(&ev->lock);
  if (ev->rc == BIDSIM_OK) { ev->rc = rc; ev->err = *err; }
  pthread_mutex_unlock(&ev->lock);
}

/* Unit @p u (relative): its days, each listed plan's metrics summed over
 * segments into the unit's block of the output. */
static int run_unit(eval_thread_t *th, uint32_t u, bidsim_error_t *err) {
  eval_t *ev = th->ev;
  const bidsim_scenario_t *sc = ev->sc;
  /* u = chosen variant x chosen replicates + chosen replicate */
  const uint32_t v = ev->variant_first + u / ev->replicates, r = ev->replicate_first + u % ev->replicates;
  int rc = bidsim_worker_begin(th->worker, v * sc->replicates + r, err);
  int64_t *block = ev->out + (size_t)u * sc->plan_count * sc->days * BIDSIM_METRIC_COUNT;
  for (uint32_t d = 0; d < sc->days && rc == BIDSIM_OK; d++) {
    if ((rc = bidsim_worker_run_day(th->worker, d, &th->slab, err))) break;
    for (uint32_t p = 0; p < sc->plan_count; p++)
      for (uint32_t m = 0; m < BIDSIM_METRIC_COUNT; m++) {
        int64_t s = 0;
        for (uint32_t g = 0; g < BIDSIM_SEG_COUNT; g++) s += BIDSIM_SLAB_PS(&th->slab, m, p, g);
        block[((size_t)p * sc->days + d) * BIDSIM_METRIC_COUNT + m] = s;
      }
  }
  return rc;
}

static void *thread_main(void *arg) {
  eval_thread_t *th = arg;
  bidsim_error_t err;
  uint32_t u;
  while (take(th->ev, &u)) {
    int rc = run_unit(th, u, &err);
    if (rc) { fail(th->ev, rc, &err); break; }
  }
  return NULL;
}

static uint32_t chosen(uint32_t total, uint32_t first, uint32_t count) {
  if (first >= total) return 0;
  return count == 0 || count > total - first ? total - first : count;
}

void bidsim_evaluate_shape(const bidsim_scenario_t *sc, const bidsim_evaluate_options_t *opt, uint32_t *variants,
                           uint32_t *replicates) {
  *variants = opt ? chosen(sc->variant_count, opt->variant_first, opt->variant_count) : sc->variant_count;
  *replicates = opt ? chosen(sc->replicates, opt->replicate_first, opt->replicate_count) : sc->replicates;
}

size_t bidsim_evaluate_size(const bidsim_scenario_t *sc, const bidsim_evaluate_options_t *opt) {
  uint32_t V, R;
  bidsim_evaluate_shape(sc, opt, &V, &R);
  return (size_t)V * R * sc->plan_count * sc->days * BIDSIM_METRIC_COUNT;
}

int bidsim_evaluate(const bidsim_scenario_t *sc, const bidsim_evaluate_options_t *opt, int64_t *out,
                    bidsim_error_t *err) {
  static const bidsim_evaluate_options_t defaults = { 0 };
  if (opt == NULL) opt = &defaults;
  uint32_t V, R;
  bidsim_evaluate_shape(sc, opt, &V, &R);
  if (V == 0 || (opt->variant_count && V < opt->variant_count))
    return bidsim_error_set(err, BIDSIM_EINVAL, "evaluate", "variants %u..%u requested, the scenario has %u",
                            opt->variant_first, opt->variant_first + (opt->variant_count ? opt->variant_count : 1) - 1,
                            sc->variant_count);
  if (R == 0 || (opt->replicate_count && R < opt->replicate_count))
    return bidsim_error_set(err, BIDSIM_EINVAL, "evaluate", "replicates %u..%u requested, the scenario has %u",
                            opt->replicate_first,
                            opt->replicate_first + (opt->replicate_count ? opt->replicate_count : 1) - 1,
                            sc->replicates);
  if (sc->plugins_skipped)   /* loaded as validate loads: no strategy to run (as sim/job.c) */
    return bidsim_error_set(err, BIDSIM_EINVAL, "evaluate", "the scenario was loaded without its plugins (%u "
                            "strategy setting(s) have none): load it with load_plugins", sc->plugins_skipped);
  if ((uint64_t)sc->variant_count * sc->replicates > UINT32_MAX)
    return bidsim_error_set(err, BIDSIM_ELIMIT, "evaluate", "%u variants x %u replicates is more than %u units",
                            sc->variant_count, sc->replicates, UINT32_MAX);
  eval_t ev = { .sc = sc, .out = out, .variant_first = opt->variant_first, .replicate_first = opt->replicate_first,
                .replicates = R, .units = V * R };
  bidsim_world_t *world = NULL;
  int rc = bidsim_world_create(sc, &world, err);
  if (rc) return rc;
  ev.world = world;
  bidsim_output_meta_t meta;
  bidsim_world_output_meta(world, sc->replicates, sc->days, &meta);
  ev.plans = meta.plans;
  ev.products = meta.products;
  ev.stop = opt->stop;
  uint32_t n = opt->threads;
  if (n == 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    n = c > 0 ? (uint32_t)c : 1;
  }
  if (n > ev.units) n = ev.units;
  eval_thread_t *th = bidsim_calloc(n, sizeof *th);
  if (th == NULL) { bidsim_world_free(world); return bidsim_error_set(err, BIDSIM_ENOMEM, "evaluate", "out of memory"); }
  pthread_mutex_init(&ev.lock, NULL);
  uint32_t ready = 0, started = 0;
  for (; ready < n; ready++) {
    th[ready].ev = &ev;
    if ((rc = bidsim_worker_create(sc, world, opt->stop, &th[ready].worker, err))) break;
    if ((rc = bidsim_day_slab_init_slots(&th[ready].slab, ev.plans, ev.products, meta.slots, err))) {
      bidsim_worker_free(th[ready].worker);
      break;
    }
  }
  /* the calling thread works as thread 0 */
  for (uint32_t i = 1; rc == BIDSIM_OK && i < ready; i++, started++)
    if (pthread_create(&th[i].tid, NULL, thread_main, &th[i]) != 0) {
      rc = bidsim_error_set(err, BIDSIM_ENOMEM, "evaluate", "cannot start a thread");
      fail(&ev, rc, err);
      break;
    }
  if (rc == BIDSIM_OK) thread_main(&th[0]);
  for (uint32_t i = 1; i <= started; i++) pthread_join(th[i].tid, NULL);
  if (rc == BIDSIM_OK && ev.rc) {
    rc = ev.rc;
    if (err) *err = ev.err;
  }
  for (uint32_t i = 0; i < ready; i++) {
    bidsim_worker_free(th[i].worker);
    bidsim_day_slab_free(&th[i].slab);
  }
  bidsim_free(th);
  pthread_mutex_destroy(&ev.lock);
  bidsim_world_free(world);
  return rc;
}
