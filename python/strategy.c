/* python/strategy.c - Python classes as bid strategies: the external
 * strategy table (sim/strategy_external.h) whose instance is a Python
 * object, called with the GIL from the worker thread that runs its unit;
 * the loader's resolver for `python: module:Class`; and a run's context,
 * which keeps the first exception a strategy raised so that the caller's
 * thread re-raises it, traceback and all, once the run has stopped.
 *
 * The Python protocol (docs/python.md): a fresh instance per unit (variant,
 * replicate) from the setting's factory; begin(plans) once, update(state)
 * every period (the return: None, bids, or (bids, participation)),
 * on_clicks(clicks) or on_click(i, price_li, converted, order_value_li)
 * with the clicks since the last call, before each update and at the day's
 * end, and day_end(state) at 24:00. All but update are optional. */
#include "python/bidsim_py.h"
#include <string.h>

/* ---- a run's context ------------------------------------------------------------ */

bidsim_py_run_t *bidsim_py_run_new(void) {
  bidsim_py_run_t *r = PyMem_Calloc(1, sizeof *r);
  if (r) r->refs = 1;
  return r;
}

void bidsim_py_run_decref(bidsim_py_run_t *r) {
  if (r == NULL || --r->refs > 0) return;
  Py_XDECREF(r->exc_type);
  Py_XDECREF(r->exc_value);
  Py_XDECREF(r->exc_tb);
  Py_XDECREF(r->sig_type);
  Py_XDECREF(r->sig_value);
  Py_XDECREF(r->sig_tb);
  PyMem_Free(r);
}

int bidsim_py_fail(bidsim_py_run_t *run, const char *what, bidsim_error_t *err) {
  PyObject *t, *v, *tb;
  PyErr_Fetch(&t, &v, &tb);
  PyErr_NormalizeException(&t, &v, &tb);
  if (tb && v) PyException_SetTraceback(v, tb);
  PyObject *text = v ? PyObject_Str(v) : NULL;
  const char *name = t ? ((PyTypeObject *)t)->tp_name : "an exception";
  const char *s = text ? PyUnicode_AsUTF8(text) : NULL;
  if (s == NULL) PyErr_Clear();
  bidsim_error_set(err, BIDSIM_EPLUGIN, "strategy", "%s raised %s%s%s", what, name, s && *s ? ": " : "", s ? s : "");
  Py_XDECREF(text);
  if (run && run->exc_value == NULL && run->exc_type == NULL) {   /* the first one is the cause */
    run->exc_type = t;
    run->exc_value = v;
    run->exc_tb = tb;
    snprintf(run->exc_msg, sizeof run->exc_msg, "%s", err->msg);
    run->stop = 1;   /* other threads' units stop too */
  } else {
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
  }
  return BIDSIM_EPLUGIN;
}

/* ---- settings: one per `strategy:` of the file or object passed to run() -------- */

typedef struct {
  int refs;
  bidsim_py_run_t *run;
  PyObject *factory;        /* a fresh instance per unit */
  char spec[200];           /* for messages */
} setting_t;

void *bidsim_py_setting_new(bidsim_py_run_t *run, PyObject *factory, const char *spec) {
  setting_t *s = PyMem_Calloc(1, sizeof *s);
  if (s == NULL) { PyErr_NoMemory(); return NULL; }
  s->refs = 1;
  s->run = run;
  run->refs++;
  Py_INCREF(factory);
  s->factory = factory;
  snprintf(s->spec, sizeof s->spec, "%s", spec);
  return s;
}

static void setting_retain(void *ctx) {
  PyGILState_STATE g = PyGILState_Ensure();
  ((setting_t *)ctx)->refs++;
  PyGILState_Release(g);
}

void bidsim_py_setting_release(void *ctx) {
  setting_t *s = ctx;
  PyGILState_STATE g = PyGILState_Ensure();   /* scenarios may be freed with or without it */
  if (--s->refs == 0) {
    Py_DECREF(s->factory);
    bidsim_py_run_decref(s->run);
    PyMem_Free(s);
  }
  PyGILState_Release(g);
}

/* `python: SPEC` with the file's parameters: bidsim._strategies.resolve
 * imports the class (the scenario's folder first on the path) and makes
 * one instance to check the parameters; its factory is the setting. */
int bidsim_py_resolve(void *ctx, const char *spec, const bidsim_params_t *params, const char *scenario_path,
                      bidsim_sc_strategy_t *st, bidsim_error_t *err) {
  bidsim_py_run_t *run = ctx;
  PyObject *keys = PyTuple_New(params->count), *values = PyTuple_New(params->count), *factory = NULL;
  for (uint32_t i = 0; keys && values && i < params->count; i++) {
    PyTuple_SET_ITEM(keys, i, PyUnicode_FromString(params->items[i].key));
    PyTuple_SET_ITEM(values, i, PyFloat_FromDouble(params->items[i].value));
  }
  PyObject *resolve = keys && values ? bidsim_py_helper("resolve") : NULL;
  if (resolve) factory = PyObject_CallFunction(resolve, "sOOs", spec, keys, values, scenario_path);
  Py_XDECREF(resolve);
  Py_XDECREF(keys);
  Py_XDECREF(values);
  if (factory == NULL) {
    if (PyErr_ExceptionMatches(PyExc_MemoryError)) return bidsim_error_set(err, BIDSIM_ENOMEM, "", "out of memory");
    /* the loader says where; the message is the exception's */
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    PyObject *text = v ? PyObject_Str(v) : NULL;
    const char *s = text ? PyUnicode_AsUTF8(text) : NULL;
    bidsim_error_set(err, BIDSIM_EPLUGIN, "", "python strategy '%s': %s: %s", spec,
                     t ? ((PyTypeObject *)t)->tp_name : "error", s ? s : "?");
    PyErr_Clear();
    Py_XDECREF(text);
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
    return BIDSIM_EPLUGIN;
  }
  void *set = bidsim_py_setting_new(run, factory, spec);
  Py_DECREF(factory);
  if (set == NULL) {
    PyErr_Clear();
    return bidsim_error_set(err, BIDSIM_ENOMEM, "", "out of memory");
  }
  st->ext = &bidsim_py_strategy_table;
  st->ext_ctx = set;
  return BIDSIM_OK;
}

/* ---- an instance: one unit's Python object --------------------------------------- */

typedef struct {
  setting_t *set;
  PyObject *obj, *update, *on_click, *on_clicks, *day_end;   /* bound methods, or NULL */
  PyObject *names;          /* tuple: the plans' names, in batch order */
  PyObject *value_bid;      /* state.value_bid_li once read: the same all unit long */
  uint32_t count;
  /* clicks since they were last delivered (appended by the day loop, no GIL) */
  uint32_t nclicks, capclicks;
  int64_t *click_i, *click_price_li, *click_value_li;
  uint8_t *click_converted;
  bool wants_clicks;
} inst_t;

static PyObject *method_or_null(PyObject *obj, const char *name) {
  PyObject *m = PyObject_GetAttrString(obj, name);
  if (m == NULL) PyErr_Clear();
  else if (!PyCallable_Check(m)) Py_CLEAR(m);
  return m;
}

static void inst_free(inst_t *in) {
  Py_XDECREF(in->obj);
  Py_XDECREF(in->update);
  Py_XDECREF(in->on_click);
  Py_XDECREF(in->on_clicks);
  Py_XDECREF(in->day_end);
  Py_XDECREF(in->names);
  Py_XDECREF(in->value_bid);
  PyMem_RawFree(in->click_i);
  PyMem_RawFree(in->click_price_li);
  PyMem_RawFree(in->click_value_li);
  PyMem_RawFree(in->click_converted);
  PyMem_Free(in);
}

static int py_begin(void *ctx, const bidsim_external_unit_t *unit, void **out, bidsim_error_t *err) {
  setting_t *set = ctx;
  PyGILState_STATE g = PyGILState_Ensure();
  char what[260];
  snprintf(what, sizeof what, "python strategy '%s' (creating it for a unit)", set->spec);
  inst_t *in = PyMem_Calloc(1, sizeof *in);
  int rc = BIDSIM_OK;
  if (in == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "strategy", "out of memory"); goto done; }
  in->set = set;
  in->count = unit->count;
  in->names = PyTuple_New(unit->count);
  for (uint32_t i = 0; in->names && i < unit->count; i++)
    PyTuple_SET_ITEM(in->names, i, PyUnicode_FromString(unit->plan_names[unit->plans[i]]));
  if (in->names == NULL || PyErr_Occurred() || (in->obj = PyObject_CallNoArgs(set->factory)) == NULL) {
    rc = bidsim_py_fail(set->run, what, err);
    goto done;
  }
  if ((in->update = method_or_null(in->obj, "update")) == NULL) {
    PyErr_Format(PyExc_TypeError, "%R has no update(state) method", in->obj);
    rc = bidsim_py_fail(set->run, what, err);
    goto done;
  }
  in->on_clicks = method_or_null(in->obj, "on_clicks");
  in->on_click = in->on_clicks ? NULL : method_or_null(in->obj, "on_click");
  in->day_end = method_or_null(in->obj, "day_end");
  in->wants_clicks = in->on_clicks || in->on_click;
  PyObject *b = method_or_null(in->obj, "begin");
  if (b) {
    PyObject *r = PyObject_CallOneArg(b, in->names);
    Py_DECREF(b);
    if (r == NULL) {
      snprintf(what, sizeof what, "python strategy '%s' in begin()", set->spec);
      rc = bidsim_py_fail(set->run, what, err);
      goto done;
    }
    Py_DECREF(r);
  }
done:
  if (rc && in) {
    inst_free(in);
    in = NULL;
  }
  PyGILState_Release(g);
  *out = in;
  return rc;
}

static bool grow(void *p, size_t bytes) {   /* without the GIL: the raw allocator */
  void *q = PyMem_RawRealloc(*(void **)p, bytes);
  if (q) *(void **)p = q;
  return q != NULL;
}

static void py_click(void *inst, uint32_t i, int64_t price_li, bool converted, int64_t order_value_li) {
  inst_t *in = inst;
  if (!in->wants_clicks) return;
  if (in->nclicks == in->capclicks) {
    const uint32_t cap = in->capclicks ? 2 * in->capclicks : 256;
    if (!grow(&in->click_i, cap * sizeof(int64_t)) || !grow(&in->click_price_li, cap * sizeof(int64_t)) ||
        !grow(&in->click_value_li, cap * sizeof(int64_t)) || !grow(&in->click_converted, cap))
      return;   /* out of memory: this click goes unreported */
    in->capclicks = cap;
  }
  const uint32_t k = in->nclicks++;
  in->click_i[k] = i;
  in->click_price_li[k] = price_li;
  in->click_value_li[k] = order_value_li;
  in->click_converted[k] = converted;
}

static PyObject *array_copy(int type, const void *data, uint32_t n) {
  npy_intp dims[1] = { n };
  PyObject *a = PyArray_SimpleNew(1, dims, type);
  if (a && n) memcpy(PyArray_DATA((PyArrayObject *)a), data, (size_t)n * PyArray_ITEMSIZE((PyArrayObject *)a));
  return a;
}

/* The clicks since the last delivery, to on_clicks (arrays) or on_click
 * (one call each). With the GIL. */
static int deliver_clicks(inst_t *in) {
  if (in->nclicks == 0) return 0;
  const uint32_t n = in->nclicks;
  in->nclicks = 0;
  if (in->on_clicks) {
    PyObject *make = bidsim_py_helper("Clicks");
    PyObject *c = make ? PyObject_CallFunction(make, "NNNN", array_copy(NPY_INT64, in->click_i, n),
                                               array_copy(NPY_INT64, in->click_price_li, n),
                                               array_copy(NPY_BOOL, in->click_converted, n),
                                               array_copy(NPY_INT64, in->click_value_li, n))
                       : NULL;
    Py_XDECREF(make);
    PyObject *r = c ? PyObject_CallOneArg(in->on_clicks, c) : NULL;
    Py_XDECREF(c);
    Py_XDECREF(r);
    return r ? 0 : -1;
  }
  for (uint32_t k = 0; k < n; k++) {
    PyObject *r = PyObject_CallFunction(in->on_click, "LLOL", (long long)in->click_i[k], (long long)in->click_price_li[k],
                                        in->click_converted[k] ? Py_True : Py_False, (long long)in->click_value_li[k]);
    if (r == NULL) return -1;
    Py_DECREF(r);
  }
  return 0;
}

static void when(char *buf, size_t n, const char *call, const inst_t *in, const bidsim_strategy_batch_t *b) {
  const uint32_t s = b->shared->second_of_day;
  snprintf(buf, n, "python strategy '%s' in %s (day %u, %02u:%02u:%02u)", in->set->spec, call, b->shared->day,
           s / 3600, s / 60 % 60, s % 60);
}

static int py_update(void *inst, const bidsim_strategy_batch_t *b, bidsim_strategy_action_t *actions,
                     bidsim_error_t *err) {
  inst_t *in = inst;
  PyGILState_STATE g = PyGILState_Ensure();
  char what[300];
  int rc = BIDSIM_OK;
  when(what, sizeof what, in->on_clicks ? "on_clicks()" : "on_click()", in, b);
  if (deliver_clicks(in)) {
    rc = bidsim_py_fail(in->set->run, what, err);
  } else {
    when(what, sizeof what, "update()", in, b);
    PyObject *state = bidsim_py_state_new(b, actions, in->names, &in->value_bid);
    PyObject *res = state ? PyObject_CallOneArg(in->update, state) : NULL;
    if (state) bidsim_py_state_invalidate(state);
    Py_XDECREF(state);
    if (res == NULL || bidsim_py_actions_from(res, in->count, actions)) rc = bidsim_py_fail(in->set->run, what, err);
    Py_XDECREF(res);
  }
  PyGILState_Release(g);
  return rc;
}

static int py_day_end(void *inst, const bidsim_strategy_batch_t *b, bidsim_error_t *err) {
  inst_t *in = inst;
  if (!in->day_end && in->nclicks == 0) return BIDSIM_OK;
  PyGILState_STATE g = PyGILState_Ensure();
  char what[300];
  int rc = BIDSIM_OK;
  when(what, sizeof what, in->on_clicks ? "on_clicks()" : "on_click()", in, b);
  if (deliver_clicks(in)) {
    rc = bidsim_py_fail(in->set->run, what, err);
  } else if (in->day_end) {
    when(what, sizeof what, "day_end()", in, b);
    PyObject *state = bidsim_py_state_new(b, NULL, in->names, &in->value_bid);
    PyObject *res = state ? PyObject_CallOneArg(in->day_end, state) : NULL;
    if (state) bidsim_py_state_invalidate(state);
    Py_XDECREF(state);
    if (res == NULL) rc = bidsim_py_fail(in->set->run, what, err);
    Py_XDECREF(res);
  }
  PyGILState_Release(g);
  return rc;
}

static void py_end(void *inst) {
  PyGILState_STATE g = PyGILState_Ensure();
  inst_free(inst);
  PyGILState_Release(g);
}

const bidsim_external_strategy_t bidsim_py_strategy_table = { py_begin, py_update, py_click, py_day_end, py_end,
                                                               setting_retain, bidsim_py_setting_release };
