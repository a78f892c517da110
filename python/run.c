/* python/run.c - Scenario.run(): the scenario's text loaded again with the
 * run's overrides (as `bidsim run` applies --seed, --days, --replicates),
 * the Python strategies passed put on their plans, and the same job entry
 * the command uses (bidsim_job_run) with the GIL released, so the file is
 * the command's byte for byte. Ctrl-C takes the command's path: the job's
 * stop flag, BIDSIM_EINTR, no file under the output name; then the
 * KeyboardInterrupt is raised. A strategy's exception is re-raised as the
 * cause of a bidsim.StrategyError. */
#include "python/bidsim_py.h"
#include <string.h>

/* Every progress report (the job calls it from this thread, every 50 ms
 * while units run): Python's signal handlers get their turn, and an
 * exception they raise (KeyboardInterrupt) stops the job. */
static void on_progress(void *ctx, const bidsim_progress_t *p) {
  bidsim_py_run_t *run = ctx;
  if (run->sig_type) return;   /* PyErr_CheckSignals does nothing off the main thread */
  PyGILState_STATE g = PyGILState_Ensure();
  if (PyErr_CheckSignals() < 0) {
    PyErr_Fetch(&run->sig_type, &run->sig_value, &run->sig_tb);
    run->stop = 1;
  }
  PyGILState_Release(g);
}

int bidsim_py_set_strategies(bidsim_scenario_t *sc, PyObject *strategies, bidsim_py_run_t *run) {
  if (strategies == Py_None) return 0;
  if (!PyDict_Check(strategies)) {
    PyErr_Format(PyExc_TypeError, "strategies must be a dict of plan name -> strategy, got %R", strategies);
    return -1;
  }
  /* bidsim._strategies.factories: (plan, factory, spec) per entry, one
   * factory per distinct object, so a strategy given to two plans runs
   * both in one instance */
  PyObject *make = bidsim_py_helper("factories");
  PyObject *list = make ? PyObject_CallOneArg(make, strategies) : NULL;
  Py_XDECREF(make);
  if (list == NULL) return -1;
  int rc = 0;
  PyObject *made = PyDict_New();   /* factory -> setting (a capsule-free int) */
  for (Py_ssize_t i = 0; made && rc == 0 && i < PyList_GET_SIZE(list); i++) {
    PyObject *plan, *factory, *spec;
    if (!PyArg_ParseTuple(PyList_GET_ITEM(list, i), "OOU", &plan, &factory, &spec)) { rc = -1; break; }
    const int p = bidsim_py_find_plan(sc, plan);
    if (p < 0) { rc = -1; break; }
    PyObject *key = PyLong_FromVoidPtr(factory), *have = key ? PyDict_GetItemWithError(made, key) : NULL;
    void *set = have ? PyLong_AsVoidPtr(have) : NULL;
    if (set == NULL && !PyErr_Occurred()) {
      if ((set = bidsim_py_setting_new(run, factory, PyUnicode_AsUTF8(spec))) == NULL ||
          PyDict_SetItem(made, key, PyLong_FromVoidPtr(set)) < 0) rc = -1;
    }
    Py_XDECREF(key);
    if (rc || PyErr_Occurred()) { rc = -1; break; }
    bidsim_error_t err;
    if (bidsim_scenario_set_external(sc, (uint32_t)p, &bidsim_py_strategy_table, set, PyUnicode_AsUTF8(spec), &err)) {
      bidsim_py_error("RunError", &err);
      rc = -1;
    }
  }
  /* the settings now belong to the scenario's plans: drop ours */
  PyObject *k, *v;
  Py_ssize_t pos = 0;
  while (made && PyDict_Next(made, &pos, &k, &v)) bidsim_py_setting_release(PyLong_AsVoidPtr(v));
  Py_XDECREF(made);
  Py_DECREF(list);
  return made ? rc : -1;
}

static PyObject *summary_dict(const bidsim_run_summary_t *s, const char *out) {
  return Py_BuildValue("{s:s,s:K,s:d,s:I,s:I,s:I}", "path", out, "impressions", (unsigned long long)s->impressions,
                       "seconds", s->seconds, "units", s->units, "units_resumed", s->units_resumed,
                       "units_discarded", s->units_discarded);
}

/* The run's outcome as an exception: a strategy's first, a signal's, or the job's. */
static PyObject *raise_outcome(bidsim_py_run_t *run, int rc, const bidsim_error_t *err) {
  if (run->exc_type) {
    PyObject *cls = NULL, *e = NULL;
    PyObject *mod = PyImport_ImportModule("bidsim._errors");
    if (mod) cls = PyObject_GetAttrString(mod, "StrategyError");
    Py_XDECREF(mod);
    if (cls) e = PyObject_CallFunction(cls, "s", run->exc_msg);
    Py_XDECREF(cls);
    if (e == NULL) return NULL;
    /* raise StrategyError(...) from the strategy's exception */
    Py_INCREF(run->exc_value);
    PyException_SetCause(e, run->exc_value);
    PyErr_SetObject((PyObject *)Py_TYPE(e), e);
    Py_DECREF(e);
    return NULL;
  }
  if (run->sig_type) {
    PyErr_Restore(run->sig_type, run->sig_value, run->sig_tb);
    run->sig_type = run->sig_value = run->sig_tb = NULL;
    return NULL;
  }
  if (rc == BIDSIM_EINTR) {
    PyErr_SetString(PyExc_KeyboardInterrupt, "the run was stopped; no file was written");
    return NULL;
  }
  return bidsim_py_error("RunError", err);
}

PyObject *bidsim_py_scenario_run(PyObject *o, PyObject *args, PyObject *kw) {
  static char *kwlist[] = { "out", "threads", "replicates", "seed", "days", "strategies", "resume", NULL };
  bidsim_py_scenario_t *self = (bidsim_py_scenario_t *)o;
  PyObject *out_obj, *reps = Py_None, *seed = Py_None, *days = Py_None, *strategies = Py_None;
  unsigned int threads = 0;
  int resume = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|$IOOOOp", kwlist, PyUnicode_FSConverter, &out_obj, &threads, &reps,
                                   &seed, &days, &strategies, &resume))
    return NULL;
  PyObject *result = NULL;
  const char *out = PyBytes_AS_STRING(out_obj);
  bidsim_scenario_overrides_t ov = self->ov;
  if (threads > 1024) {
    PyErr_Format(PyExc_ValueError, "threads must be in [0, 1024] (0: every online CPU), got %u", threads);
    goto done;
  }
  if (bidsim_py_overrides(seed, days, reps, &ov)) goto done;
  bidsim_py_run_t *run = bidsim_py_run_new();
  if (run == NULL) { PyErr_NoMemory(); goto done; }
  const char *text = PyBytes_AS_STRING(self->text), *path = PyUnicode_AsUTF8(self->path);
  const Py_ssize_t len = PyBytes_GET_SIZE(self->text);
  bidsim_scenario_t *sc = text && path ? bidsim_py_load(path, text, len, &ov, run) : NULL;
  if (sc && bidsim_py_set_strategies(sc, strategies, run) == 0) {
    bidsim_run_options_t opt = { .threads = threads, .progress = on_progress, .progress_ctx = run,
                                 .progress_interval_s = 0.05, .stop = &run->stop, .resume = resume != 0 };
    bidsim_run_summary_t sum;
    bidsim_error_t err;
    bidsim_error_clear(&err);
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = bidsim_job_run(sc, out, &opt, &sum, &err);
    Py_END_ALLOW_THREADS
    result = rc == BIDSIM_OK ? summary_dict(&sum, out) : raise_outcome(run, rc, &err);
  }
  bidsim_scenario_free(sc);
  bidsim_py_run_decref(run);
done:
  Py_DECREF(out_obj);
  return result;
}
