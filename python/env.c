/* python/env.c - bidsim._bidsim.EnvCore, the engine of bidsim.Env and
 * ParallelEnv (python/bidsim/env.py): an episode is a `bidsim run` of one
 * unit on a thread of its own, in which the agents' plans run an external
 * strategy (sim/strategy_external.h) whose update, at every period boundary
 * of the environment, publishes the agents' state and waits until step()
 * supplies their actions (a mutex and a condition variable; the simulation
 * thread never takes the GIL for it). The day loop (sim/worker.c) stays as
 * it is, so an episode fed a schedule is exactly the run of that schedule.
 *
 * Boundaries: step k of day d starts at d x 86400 + k x period_s. The host
 * updates strategies at the first impression of each of its own periods,
 * and the environment's period is a multiple of it (env.py checks), so the
 * agents' update at or after a boundary is the first impression at or
 * after it; a boundary no impression reached is delivered at the next
 * update (or the day's end) with the same state, so every day has exactly
 * 86400 / period_s steps. The last day's end publishes the terminal state
 * without waiting; the thread then writes the result file. */
#include "python/bidsim_py.h"
#include <pthread.h>
#include <string.h>
#include <time.h>

enum { RUNNING, OBS_READY, TERMINAL_READY };

typedef struct {
  PyObject_HEAD
  uint32_t n, period_s, steps_per_day, days;
  uint32_t *agent_plan;             /* [agent] the scenario's plan index */
  uint32_t *entry_of;               /* [agent] its index in the batch */
  bidsim_scenario_t *sc;
  bidsim_py_run_t *run;
  char *out;
  pthread_t thread;
  bool started;
  int job_rc;
  bidsim_error_t job_err;
  bidsim_run_summary_t summary;

  pthread_mutex_t mu;
  pthread_cond_t cv;
  int phase;
  bool action_ready, abort, finished, pending;
  uint32_t next_step, obs_step;
  double traffic_done;
  /* the published state, per agent (copied by the simulation thread) */
  int64_t (*value_bid_li)[BIDSIM_SEG_COUNT], (*bid_li)[BIDSIM_SEG_COUNT];
  double *participation;
  int64_t *cap_li, *spend_today_li, *total_spend_li, *total_order_value_li;
  uint64_t *exposures, *clicks, *conversions, *total_clicks, *total_conversions;
  uint64_t *total_exposures, *total_top, *seen_exposures, *seen_top;
  /* the action step() supplied */
  int64_t (*act_bid_li)[BIDSIM_SEG_COUNT];
  double *act_part;
} env_t;

/* ---- the simulation thread's side ---------------------------------------------------- */

static void fold_exposures(env_t *e, const bidsim_strategy_batch_t *b) {
  for (uint32_t a = 0; a < e->n; a++) {
    const uint32_t i = e->entry_of[a];
    e->total_exposures[a] += b->exposures[i] - e->seen_exposures[a];
    e->total_top[a] += b->top_exposures[i] - e->seen_top[a];
    e->seen_exposures[a] = b->exposures[i];
    e->seen_top[a] = b->top_exposures[i];
  }
}

static void copy_state(env_t *e, const bidsim_strategy_batch_t *b, const bidsim_strategy_action_t *actions) {
  fold_exposures(e, b);
  e->traffic_done = b->shared->traffic_done;
  for (uint32_t a = 0; a < e->n; a++) {
    const uint32_t i = e->entry_of[a];
    memcpy(e->value_bid_li[a], b->value_bid_li[i], sizeof e->value_bid_li[a]);
    if (actions) {
      memcpy(e->bid_li[a], actions[i].bid_li, sizeof e->bid_li[a]);
      e->participation[a] = actions[i].participation;
    }
    e->cap_li[a] = b->cap_li[i];
    e->spend_today_li[a] = b->spend_today_li[i];
    e->total_spend_li[a] = b->total_spend_li[i];
    e->total_order_value_li[a] = b->total_order_value_li[i];
    e->exposures[a] = b->exposures[i];
    e->clicks[a] = b->clicks[i];
    e->conversions[a] = b->conversions[i];
    e->total_clicks[a] = b->total_clicks[i];
    e->total_conversions[a] = b->total_conversions[i];
  }
}

static void apply_action(env_t *e, bidsim_strategy_action_t *actions) {
  for (uint32_t a = 0; a < e->n; a++) {
    bidsim_strategy_action_t *x = &actions[e->entry_of[a]];
    memcpy(x->bid_li, e->act_bid_li[a], sizeof x->bid_li);
    x->participation = e->act_part[a];
  }
}

/* Publish the state at boundary @p step; unless terminal, wait for the
 * action, applied to @p actions (or kept for the next update when there are
 * none: a boundary delivered at the day's end). */
static int rendezvous(env_t *e, const bidsim_strategy_batch_t *b, bidsim_strategy_action_t *actions, uint32_t step,
                      bool terminal, bidsim_error_t *err) {
  pthread_mutex_lock(&e->mu);
  copy_state(e, b, actions);   /* without actions, bid_li keeps the last action's bids */
  e->obs_step = step;
  e->phase = terminal ? TERMINAL_READY : OBS_READY;
  pthread_cond_broadcast(&e->cv);
  int rc = BIDSIM_OK;
  if (!terminal) {
    while (!e->action_ready && !e->abort) pthread_cond_wait(&e->cv, &e->mu);
    if (e->abort) {
      rc = bidsim_error_set(err, BIDSIM_EINTR, "env", "the episode was closed");
    } else {
      if (actions) apply_action(e, actions);
      e->pending = actions == NULL;
      memcpy(e->bid_li, e->act_bid_li, e->n * sizeof *e->bid_li);   /* as asked: the host clamps them next */
      memcpy(e->participation, e->act_part, e->n * sizeof *e->participation);
      e->action_ready = false;
      e->phase = RUNNING;
    }
  }
  pthread_mutex_unlock(&e->mu);
  return rc;
}

static int env_begin(void *ctx, const bidsim_external_unit_t *unit, void **inst, bidsim_error_t *err) {
  env_t *e = ctx;
  if (unit->count != e->n) return bidsim_error_set(err, BIDSIM_ESTATE, "env", "%u agents, %u plans", e->n, unit->count);
  for (uint32_t a = 0; a < e->n; a++) {
    e->entry_of[a] = UINT32_MAX;
    for (uint32_t i = 0; i < unit->count; i++)
      if (unit->plans[i] == e->agent_plan[a]) e->entry_of[a] = i;
    if (e->entry_of[a] == UINT32_MAX) return bidsim_error_set(err, BIDSIM_ESTATE, "env", "agent %u has no plan", a);
    e->total_exposures[a] = e->total_top[a] = e->seen_exposures[a] = e->seen_top[a] = 0;
  }
  e->next_step = 0;
  e->pending = false;
  *inst = e;
  return BIDSIM_OK;
}

static int env_update(void *inst, const bidsim_strategy_batch_t *b, bidsim_strategy_action_t *actions,
                      bidsim_error_t *err) {
  env_t *e = inst;
  if (e->pending) {   /* chosen at a boundary the day's end delivered */
    pthread_mutex_lock(&e->mu);
    apply_action(e, actions);
    e->pending = false;
    pthread_mutex_unlock(&e->mu);
  }
  const uint32_t now = b->shared->day * e->steps_per_day + b->shared->second_of_day / e->period_s;
  for (; e->next_step <= now; e->next_step++) {
    int rc = rendezvous(e, b, actions, e->next_step, false, err);
    if (rc) return rc;
  }
  return BIDSIM_OK;
}

static int env_day_end(void *inst, const bidsim_strategy_batch_t *b, bidsim_error_t *err) {
  env_t *e = inst;
  const uint32_t day = b->shared->day, end = (day + 1) * e->steps_per_day;
  for (; e->next_step < end; e->next_step++) {   /* boundaries no impression reached */
    int rc = rendezvous(e, b, NULL, e->next_step, false, err);
    if (rc) return rc;
  }
  int rc = BIDSIM_OK;
  if (day + 1 == e->days) {
    rc = rendezvous(e, b, NULL, end, true, err);
  } else {
    pthread_mutex_lock(&e->mu);
    fold_exposures(e, b);
    pthread_mutex_unlock(&e->mu);
  }
  /* midnight restarts the day's counters */
  memset(e->seen_exposures, 0, e->n * sizeof *e->seen_exposures);
  memset(e->seen_top, 0, e->n * sizeof *e->seen_top);
  return rc;
}

static void env_end(void *inst) {}

static const bidsim_external_strategy_t env_table = { env_begin, env_update, NULL, env_day_end, env_end, NULL, NULL };

static void *episode_main(void *arg) {
  env_t *e = arg;
  bidsim_run_options_t opt = { .threads = 1, .stop = &e->run->stop };
  bidsim_error_t err;
  bidsim_error_clear(&err);
  int rc = bidsim_job_run(e->sc, e->out, &opt, &e->summary, &err);
  pthread_mutex_lock(&e->mu);
  e->job_rc = rc;
  e->job_err = err;
  e->finished = true;
  pthread_cond_broadcast(&e->cv);
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

/* ---- the Python side ---------------------------------------------------------------------- */

/* Wait for the episode's thread, then drop the episode's scenario. */
static void episode_join(env_t *e) {
  if (!e->started) return;
  Py_BEGIN_ALLOW_THREADS
  pthread_join(e->thread, NULL);
  Py_END_ALLOW_THREADS
  e->started = false;
  bidsim_scenario_free(e->sc);
  e->sc = NULL;
}

static void episode_abort(env_t *e) {
  if (!e->started) return;
  pthread_mutex_lock(&e->mu);
  e->abort = true;
  if (e->run) e->run->stop = 1;
  pthread_cond_broadcast(&e->cv);
  pthread_mutex_unlock(&e->mu);
  episode_join(e);
}

static void free_arrays(env_t *e) {
  void *arrays[] = { e->agent_plan, e->entry_of, e->value_bid_li, e->bid_li, e->participation, e->cap_li,
                     e->spend_today_li, e->total_spend_li, e->total_order_value_li, e->exposures, e->clicks,
                     e->conversions, e->total_clicks, e->total_conversions, e->total_exposures, e->total_top,
                     e->seen_exposures, e->seen_top, e->act_bid_li, e->act_part };
  for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++) PyMem_Free(arrays[i]);
}

static void env_dealloc(PyObject *o) {
  env_t *e = (env_t *)o;
  episode_abort(e);
  bidsim_py_run_decref(e->run);
  free_arrays(e);
  PyMem_Free(e->out);
  pthread_mutex_destroy(&e->mu);
  pthread_cond_destroy(&e->cv);
  Py_TYPE(o)->tp_free(o);
}

/* EnvCore(scenario, plans, period_s): plans are the agents' plan names. */
static int env_init(PyObject *o, PyObject *args, PyObject *kw) {
  static char *kwlist[] = { "scenario", "plans", "period_s", NULL };
  env_t *e = (env_t *)o;
  PyObject *scobj, *plans;
  unsigned int period;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O!OI", kwlist, &bidsim_py_scenario_type, &scobj, &plans, &period)) return -1;
  PyObject *seq = PySequence_Fast(plans, "plans must be a list of plan names");
  if (seq == NULL) return -1;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  if (n < 1 || n > 4096 || period == 0 || 86400 % period) {
    PyErr_Format(PyExc_ValueError, "an environment needs 1 to 4096 agents and a period that divides 86400 s");
    Py_DECREF(seq);
    return -1;
  }
  e->n = (uint32_t)n;
  e->period_s = period;
  e->steps_per_day = 86400 / period;
#define ALLOC(f) (e->f = PyMem_Calloc((size_t)n, sizeof *e->f)) == NULL
  if (ALLOC(agent_plan) || ALLOC(entry_of) || ALLOC(value_bid_li) || ALLOC(bid_li) || ALLOC(participation) ||
      ALLOC(cap_li) || ALLOC(spend_today_li) || ALLOC(total_spend_li) || ALLOC(total_order_value_li) ||
      ALLOC(exposures) || ALLOC(clicks) || ALLOC(conversions) || ALLOC(total_clicks) || ALLOC(total_conversions) ||
      ALLOC(total_exposures) || ALLOC(total_top) || ALLOC(seen_exposures) || ALLOC(seen_top) || ALLOC(act_bid_li) ||
      ALLOC(act_part)) {
#undef ALLOC
    Py_DECREF(seq);
    PyErr_NoMemory();
    return -1;
  }
  const bidsim_scenario_t *sc = ((bidsim_py_scenario_t *)scobj)->sc;
  for (Py_ssize_t a = 0; a < n; a++) {
    int p = bidsim_py_find_plan(sc, PySequence_Fast_GET_ITEM(seq, a));
    if (p < 0) { Py_DECREF(seq); return -1; }
    for (Py_ssize_t b = 0; b < a; b++)
      if (e->agent_plan[b] == (uint32_t)p) {
        PyErr_Format(PyExc_ValueError, "plan %R is given twice", PySequence_Fast_GET_ITEM(seq, a));
        Py_DECREF(seq);
        return -1;
      }
    e->agent_plan[a] = (uint32_t)p;
  }
  Py_DECREF(seq);
  return 0;
}

static PyObject *env_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  env_t *e = (env_t *)type->tp_alloc(type, 0);
  if (e == NULL) return NULL;
  pthread_mutex_init(&e->mu, NULL);
  pthread_cond_init(&e->cv, NULL);
  return (PyObject *)e;
}

/* start(scenario, out, seed, days): a new episode (the previous one ends). */
static PyObject *env_start(PyObject *o, PyObject *args, PyObject *kw) {
  static char *kwlist[] = { "scenario", "out", "seed", "days", NULL };
  env_t *e = (env_t *)o;
  PyObject *scobj, *out, *seed = Py_None, *days = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O!O&|OO", kwlist, &bidsim_py_scenario_type, &scobj, PyUnicode_FSConverter,
                                   &out, &seed, &days))
    return NULL;
  episode_abort(e);
  bidsim_py_run_decref(e->run);
  e->run = NULL;
  PyMem_Free(e->out);
  e->out = PyMem_Malloc((size_t)PyBytes_GET_SIZE(out) + 1);
  if (e->out) memcpy(e->out, PyBytes_AS_STRING(out), (size_t)PyBytes_GET_SIZE(out) + 1);
  Py_DECREF(out);
  bidsim_scenario_overrides_t ov = ((bidsim_py_scenario_t *)scobj)->ov;
  if (e->out == NULL) return PyErr_NoMemory();
  if (bidsim_py_overrides(seed, days, Py_None, &ov)) return NULL;
  ov.replicates = 1;
  if ((e->run = bidsim_py_run_new()) == NULL) return PyErr_NoMemory();
  bidsim_py_scenario_t *s = (bidsim_py_scenario_t *)scobj;
  const char *text = PyBytes_AS_STRING(s->text), *path = PyUnicode_AsUTF8(s->path);
  const Py_ssize_t len = PyBytes_GET_SIZE(s->text);
  bidsim_scenario_t *sc = text && path ? bidsim_py_load(path, text, len, &ov, e->run) : NULL;
  if (sc == NULL) return NULL;
  if (sc->variant_count != 1) {
    const uint32_t variants = sc->variant_count;
    bidsim_scenario_free(sc);
    return PyErr_Format(PyExc_ValueError, "an environment runs one variant; the scenario has %u", variants);
  }
  for (uint32_t a = 0; a < e->n; a++) {
    bidsim_error_t err;
    if (bidsim_scenario_set_external(sc, e->agent_plan[a], &env_table, e, "bidsim.Env agent", &err)) {
      bidsim_scenario_free(sc);
      return bidsim_py_error("RunError", &err);
    }
  }
  e->sc = sc;
  e->days = sc->days;
  e->phase = RUNNING;
  e->action_ready = e->abort = e->finished = e->pending = false;
  e->job_rc = BIDSIM_OK;
  if (pthread_create(&e->thread, NULL, episode_main, e) != 0) {
    bidsim_scenario_free(sc);
    e->sc = NULL;
    return PyErr_Format(PyExc_RuntimeError, "cannot start the episode's thread");
  }
  e->started = true;
  Py_RETURN_NONE;
}

static PyObject *arr_i64(const void *data, uint32_t n, int cols) {
  npy_intp dims[2] = { n, cols };
  PyObject *a = PyArray_SimpleNew(cols > 1 ? 2 : 1, dims, NPY_INT64);
  if (a) memcpy(PyArray_DATA((PyArrayObject *)a), data, (size_t)n * cols * sizeof(int64_t));
  return a;
}

static PyObject *state_dict(env_t *e) {
  npy_intp dims[1] = { e->n };
  PyObject *part = PyArray_SimpleNew(1, dims, NPY_FLOAT64);
  if (part) memcpy(PyArray_DATA((PyArrayObject *)part), e->participation, e->n * sizeof(double));
  const uint32_t step = e->obs_step;
  const bool terminal = e->phase == TERMINAL_READY;   /* 24:00 of the last day, not 00:00 after it */
  const uint32_t day = step / e->steps_per_day - terminal, second = terminal ? 86400 : (step % e->steps_per_day) * e->period_s;
  return Py_BuildValue("{s:I,s:I,s:I,s:d,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N}",
    "step", step, "day", day, "second_of_day", second,
    "traffic_done", e->traffic_done, "value_bid_li", arr_i64(e->value_bid_li, e->n, 3),
    "bid_li", arr_i64(e->bid_li, e->n, 3), "participation", part, "cap_li", arr_i64(e->cap_li, e->n, 1),
    "spend_today_li", arr_i64(e->spend_today_li, e->n, 1), "total_spend_li", arr_i64(e->total_spend_li, e->n, 1),
    "total_order_value_li", arr_i64(e->total_order_value_li, e->n, 1), "exposures", arr_i64(e->exposures, e->n, 1),
    "clicks", arr_i64(e->clicks, e->n, 1), "conversions", arr_i64(e->conversions, e->n, 1),
    "total_clicks", arr_i64(e->total_clicks, e->n, 1), "total_conversions", arr_i64(e->total_conversions, e->n, 1),
    "total_exposures", arr_i64(e->total_exposures, e->n, 1), "total_top_exposures", arr_i64(e->total_top, e->n, 1),
    "terminal", PyBool_FromLong(terminal));
}

/* wait() -> the state at the next boundary (a dict; "terminal" says whether
 * it is the episode's end), or None when the episode ended without one (an
 * error: join() raises it). Ctrl-C while waiting closes the episode. */
static PyObject *env_wait(PyObject *o, PyObject *unused) {
  env_t *e = (env_t *)o;
  if (!e->started) return PyErr_Format(PyExc_RuntimeError, "no episode is running: call reset()");
  for (;;) {
    bool ready, finished;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&e->mu);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 50 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
    if (e->phase == RUNNING && !e->finished) pthread_cond_timedwait(&e->cv, &e->mu, &until);
    ready = e->phase != RUNNING;
    finished = e->finished;
    pthread_mutex_unlock(&e->mu);
    Py_END_ALLOW_THREADS
    if (ready) return state_dict(e);
    if (finished) Py_RETURN_NONE;
    if (PyErr_CheckSignals() < 0) {
      episode_abort(e);
      return NULL;
    }
  }
}

/* act(bid_li (n, 3) int64, participation (n,) float64): the agents' action
 * for the period that starts now; the simulation goes on. */
static PyObject *env_act(PyObject *o, PyObject *args) {
  env_t *e = (env_t *)o;
  PyObject *bids, *part;
  if (!PyArg_ParseTuple(args, "OO", &bids, &part)) return NULL;
  PyArrayObject *b = (PyArrayObject *)PyArray_FROM_OTF(bids, NPY_INT64, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
  PyArrayObject *p = b ? (PyArrayObject *)PyArray_FROM_OTF(part, NPY_FLOAT64, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST) : NULL;
  PyObject *ret = NULL;
  if (p == NULL) goto out;
  if (PyArray_NDIM(b) != 2 || PyArray_DIM(b, 0) != e->n || PyArray_DIM(b, 1) != 3 || PyArray_NDIM(p) != 1 ||
      PyArray_DIM(p, 0) != e->n) {
    PyErr_Format(PyExc_ValueError, "act needs bids (%u, 3) and participation (%u,)", e->n, e->n);
    goto out;
  }
  pthread_mutex_lock(&e->mu);
  const bool waiting = e->phase == OBS_READY;
  if (waiting) {
    memcpy(e->act_bid_li, PyArray_DATA(b), e->n * sizeof *e->act_bid_li);
    memcpy(e->act_part, PyArray_DATA(p), e->n * sizeof *e->act_part);
    e->action_ready = true;
    e->phase = RUNNING;
    pthread_cond_broadcast(&e->cv);
  }
  pthread_mutex_unlock(&e->mu);
  if (!waiting) PyErr_SetString(PyExc_RuntimeError, "the episode is not waiting for an action (call reset())");
  else ret = Py_NewRef(Py_None);
out:
  Py_XDECREF(b);
  Py_XDECREF(p);
  return ret;
}

/* join() -> the run's summary once the episode's thread is done (after the
 * terminal state), or the episode's error raised. */
static PyObject *env_join(PyObject *o, PyObject *unused) {
  env_t *e = (env_t *)o;
  if (!e->started) return PyErr_Format(PyExc_RuntimeError, "no episode is running");
  episode_join(e);
  if (e->job_rc == BIDSIM_OK)
    return Py_BuildValue("{s:s,s:K,s:d}", "path", e->out, "impressions", (unsigned long long)e->summary.impressions,
                         "seconds", e->summary.seconds);
  if (e->run && e->run->exc_type) {
    PyObject *mod = PyImport_ImportModule("bidsim._errors"), *cls = mod ? PyObject_GetAttrString(mod, "StrategyError") : NULL;
    PyObject *x = cls ? PyObject_CallFunction(cls, "s", e->run->exc_msg) : NULL;
    Py_XDECREF(mod);
    Py_XDECREF(cls);
    if (x == NULL) return NULL;
    Py_INCREF(e->run->exc_value);
    PyException_SetCause(x, e->run->exc_value);
    PyErr_SetObject((PyObject *)Py_TYPE(x), x);
    Py_DECREF(x);
    return NULL;
  }
  return bidsim_py_error("RunError", &e->job_err);
}

static PyObject *env_close(PyObject *o, PyObject *unused) {
  episode_abort((env_t *)o);
  Py_RETURN_NONE;
}

static PyMethodDef env_methods[] = {
  { "start", (PyCFunction)(void (*)(void))env_start, METH_VARARGS | METH_KEYWORDS, "start(scenario, out, seed, days)" },
  { "wait", env_wait, METH_NOARGS, "wait() -> the state at the next boundary, or None" },
  { "act", env_act, METH_VARARGS, "act(bid_li, participation)" },
  { "join", env_join, METH_NOARGS, "join() -> the run's summary" },
  { "close", env_close, METH_NOARGS, "close(): end the episode, writing nothing" },
  { NULL, NULL, 0, NULL } };

PyTypeObject bidsim_py_env_type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "bidsim.EnvCore",
  .tp_basicsize = sizeof(env_t),
  .tp_dealloc = env_dealloc,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "The rendezvous behind bidsim.Env and bidsim.ParallelEnv (use those).",
  .tp_methods = env_methods,
  .tp_init = env_init,
  .tp_new = env_new,
};
