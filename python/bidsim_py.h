/* python/bidsim_py.h - between the files of the C extension bidsim._bidsim
 * (python/ .c files): the scenario object, runs, the bridge that runs Python
 * strategies as external strategies (sim/strategy_external.h), the state
 * object they read, and the environments' rendezvous. Nothing here is
 * public: the module's API is python/bidsim/__init__.py. */
#ifndef BIDSIM_PY_H
#define BIDSIM_PY_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "bidsim/bidsim.h"
#include "sim/job.h"
#include "sim/scenario.h"
#include "sim/strategy_external.h"

/* numpy's C API table lives in module.c; the other files see it through
 * this name (numpy's PY_ARRAY_UNIQUE_SYMBOL scheme). */
#define PY_ARRAY_UNIQUE_SYMBOL bidsim_py_numpy_api
#ifndef BIDSIM_PY_MODULE_C
#define NO_IMPORT_ARRAY
#endif
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

/* ---- errors (module.c) -------------------------------------------------------- */

/** Raise bidsim.ScenarioError from a loader's error (file:line:column, key,
 *  rule), or OSError for a file that cannot be read; returns NULL. */
PyObject *bidsim_py_scenario_error(const bidsim_error_t *err);
/** Raise the bidsim.Error subclass @p cls ("RunError", ...) named in
 *  bidsim._errors with the error's text; returns NULL. */
PyObject *bidsim_py_error(const char *cls, const bidsim_error_t *err);
/** An attribute of the pure-Python helpers bidsim._strategies (new reference). */
PyObject *bidsim_py_helper(const char *name);

/* ---- a run's context (strategy.c) ------------------------------------------------ */

/* What the Python strategies of one load or run share: the first exception
 * any of them raised (to re-raise in the caller's thread once the run has
 * stopped), a KeyboardInterrupt seen while the run was going, and the stop
 * flag the job polls. Counted references, under the GIL. */
typedef struct bidsim_py_run {
  int refs;
  PyObject *exc_type, *exc_value, *exc_tb;   /* from a strategy */
  PyObject *sig_type, *sig_value, *sig_tb;   /* from a signal handler (Ctrl-C) */
  char exc_msg[sizeof(((bidsim_error_t *)0)->msg)];
  volatile sig_atomic_t stop;
} bidsim_py_run_t;

bidsim_py_run_t *bidsim_py_run_new(void);
void bidsim_py_run_decref(bidsim_py_run_t *r);
/** The loader's resolver for `python: module:Class` (ctx: a bidsim_py_run_t). */
int bidsim_py_resolve(void *ctx, const char *spec, const bidsim_params_t *params, const char *scenario_path,
                      bidsim_sc_strategy_t *st, bidsim_error_t *err);
/** The table of Python strategies, and a setting's context for it: @p factory
 *  (a callable returning a fresh instance for each unit) under @p run.
 *  Returns a context with one reference, or NULL with an exception set. */
extern const bidsim_external_strategy_t bidsim_py_strategy_table;
void *bidsim_py_setting_new(bidsim_py_run_t *run, PyObject *factory, const char *spec);
/** Drop the caller's reference to a setting context. */
void bidsim_py_setting_release(void *ctx);
/** Record the exception being raised as the run's (the first one wins) and
 *  fill @p err; returns BIDSIM_EPLUGIN. Call with the GIL. */
int bidsim_py_fail(bidsim_py_run_t *run, const char *what, bidsim_error_t *err);

/* ---- the state a strategy reads (state.c) ------------------------------------------- */

extern PyTypeObject bidsim_py_state_type;
void bidsim_py_state_type_init(void);
/** A state over @p batch and the pre-filled @p actions, valid until
 *  bidsim_py_state_invalidate; @p names: a tuple of the plans' names;
 *  @p value_bid: where the instance keeps its value_bid_li array (constant
 *  within a unit: made at its first read, reused after), or NULL. */
PyObject *bidsim_py_state_new(const bidsim_strategy_batch_t *batch, const bidsim_strategy_action_t *actions,
                              PyObject *names, PyObject **value_bid);
void bidsim_py_state_invalidate(PyObject *state);
/** What update returned - None, bids, or (bids, participation) - into
 *  @p actions (n of them). 0, or -1 with a Python exception set. */
int bidsim_py_actions_from(PyObject *result, uint32_t n, bidsim_strategy_action_t *actions);

/* ---- the scenario object and runs (scenario.c, run.c) ---------------------------- */

typedef struct {
  PyObject_HEAD
  bidsim_scenario_t *sc;         /* as loaded: what the properties show */
  bidsim_py_run_t *load_run;     /* the context its `python:` strategies were checked under */
  PyObject *path;                /* str: the file as given to load() */
  PyObject *text;                /* bytes: its text as the loader read it */
  bidsim_scenario_overrides_t ov;   /* load()'s; a run's own go over them */
} bidsim_py_scenario_t;

extern PyTypeObject bidsim_py_scenario_type;
/** Load @p text (from @p path) with the overrides and the Python resolver
 *  under @p run. On failure raises ScenarioError and returns NULL. */
bidsim_scenario_t *bidsim_py_load(const char *path, const char *text, Py_ssize_t len,
                                  const bidsim_scenario_overrides_t *ov, bidsim_py_run_t *run);
/** Plan index by name (or "Shop/Plan"); -1 with KeyError set. */
int bidsim_py_find_plan(const bidsim_scenario_t *sc, PyObject *name);
/** Scenario.run(out, ...) (run.c). */
PyObject *bidsim_py_scenario_run(PyObject *self, PyObject *args, PyObject *kwargs);
/** The overrides given as keyword values over @p ov (None: left as it is),
 *  checked as the command checks --seed, --days and --replicates. 0, or -1
 *  with ValueError. */
int bidsim_py_overrides(PyObject *seed, PyObject *days, PyObject *replicates, bidsim_scenario_overrides_t *ov);
/** Put the Python strategies of mapping @p strategies (plan name ->
 *  strategy object or class) on @p sc under @p run. 0, or -1 with an
 *  exception set. */
int bidsim_py_set_strategies(bidsim_scenario_t *sc, PyObject *strategies, bidsim_py_run_t *run);

/* ---- environments (env.c) ------------------------------------------------------------- */

extern PyTypeObject bidsim_py_env_type;

#endif
