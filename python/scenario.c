/* python/scenario.c - bidsim.Scenario: a scenario loaded and validated by
 * the same loader, checks and options as `bidsim validate` and `bidsim
 * run` (sim/scenario.h), with the Python resolver for `python:`
 * strategies; what it holds, read-only, and run() (run.c). Every run
 * loads the text again with its own overrides, as the command does. */
#include "python/bidsim_py.h"
#include <string.h>

bidsim_scenario_t *bidsim_py_load(const char *path, const char *text, Py_ssize_t len,
                                  const bidsim_scenario_overrides_t *ov, bidsim_py_run_t *run) {
  bidsim_scenario_options_t opt = { .overrides = *ov, .load_plugins = true, .resolve_external = bidsim_py_resolve,
                                     .resolve_ctx = run };
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  bidsim_error_clear(&err);
  /* with the GIL: the resolver imports and checks Python classes */
  if (bidsim_scenario_load_string_opt(text, (size_t)len, path, &opt, &sc, &err) != BIDSIM_OK) {
    if (PyErr_Occurred()) return NULL;   /* out of memory inside the resolver */
    bidsim_py_scenario_error(&err);
    return NULL;
  }
  return sc;
}

/* An override: None, or an integer in [lo, hi] (the command's ranges). */
static int override_u64(PyObject *v, const char *name, uint64_t lo, uint64_t hi, bool *set, uint64_t *out) {
  *set = false;
  if (v == Py_None) return 0;
  if (!PyLong_Check(v) || PyBool_Check(v)) {
    PyErr_Format(PyExc_TypeError, "%s must be an integer, got %R", name, v);
    return -1;
  }
  unsigned long long u = PyLong_AsUnsignedLongLong(v);   /* OverflowError when negative or too big */
  const bool bad = u == (unsigned long long)-1 && PyErr_Occurred();
  if (bad) PyErr_Clear();
  if (bad || u < lo || u > hi) {
    PyErr_Format(PyExc_ValueError, "%s must be an integer in [%llu, %llu], got %R", name, (unsigned long long)lo,
                 (unsigned long long)hi, v);
    return -1;
  }
  *set = true;
  *out = u;
  return 0;
}

int bidsim_py_overrides(PyObject *seed, PyObject *days, PyObject *replicates, bidsim_scenario_overrides_t *ov) {
  bool set;
  uint64_t v;
  if (override_u64(seed, "seed", 0, UINT64_MAX, &set, &v)) return -1;
  if (set) { ov->seed_set = true; ov->seed = v; }
  if (override_u64(days, "days", 1, BIDSIM_DAYS_MAX, &set, &v)) return -1;
  if (set) ov->days = (uint32_t)v;
  if (override_u64(replicates, "replicates", 1, BIDSIM_REPLICATES_MAX, &set, &v)) return -1;
  if (set) ov->replicates = (uint32_t)v;
  return 0;
}

int bidsim_py_find_plan(const bidsim_scenario_t *sc, PyObject *name) {
  const char *n = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
  if (n == NULL) {
    if (!PyErr_Occurred()) PyErr_Format(PyExc_TypeError, "a plan is named by a str, got %R", name);
    return -1;
  }
  int found = -1, hits = 0;
  for (uint32_t i = 0; i < sc->plan_count; i++)
    if (!strcmp(sc->plans[i].name, n)) { found = (int)i; hits++; }
  if (hits == 1) return found;
  const char *slash = strchr(n, '/');
  for (uint32_t i = 0; hits == 0 && slash && i < sc->plan_count; i++) {
    const char *shop = sc->shops[sc->plans[i].shop].name;
    if (strlen(shop) == (size_t)(slash - n) && !memcmp(shop, n, (size_t)(slash - n)) &&
        !strcmp(sc->plans[i].name, slash + 1))
      return (int)i;
  }
  if (hits > 1) PyErr_Format(PyExc_KeyError, "plan %R is in more than one shop: say SHOP/PLAN", name);
  else PyErr_Format(PyExc_KeyError, "no listed plan %R in the scenario", name);
  return -1;
}

/* ---- the object ---------------------------------------------------------------- */

static void scenario_dealloc(PyObject *o) {
  bidsim_py_scenario_t *self = (bidsim_py_scenario_t *)o;
  bidsim_scenario_free(self->sc);
  bidsim_py_run_decref(self->load_run);
  Py_XDECREF(self->path);
  Py_XDECREF(self->text);
  PyObject_Free(o);
}

#define SC(o) (((bidsim_py_scenario_t *)(o))->sc)

static PyObject *get_path(PyObject *o, void *c) { return Py_NewRef(((bidsim_py_scenario_t *)o)->path); }
static PyObject *get_text(PyObject *o, void *c) {
  PyObject *t = ((bidsim_py_scenario_t *)o)->text;
  return PyUnicode_DecodeUTF8(PyBytes_AS_STRING(t), PyBytes_GET_SIZE(t), "replace");
}
static PyObject *get_seed(PyObject *o, void *c) { return PyLong_FromUnsignedLongLong(SC(o)->seed); }
static PyObject *get_days(PyObject *o, void *c) { return PyLong_FromUnsignedLong(SC(o)->days); }
static PyObject *get_replicates(PyObject *o, void *c) { return PyLong_FromUnsignedLong(SC(o)->replicates); }
static PyObject *get_period(PyObject *o, void *c) { return PyLong_FromUnsignedLong(SC(o)->strategy_period_s); }
static PyObject *get_impressions(PyObject *o, void *c) { return PyFloat_FromDouble(SC(o)->impressions_per_day); }

static PyObject *get_start_date(PyObject *o, void *c) {
  char label[16];
  bidsim_scenario_day_label(SC(o), 0, label);
  return PyUnicode_FromString(label);
}

static PyObject *get_resolved(PyObject *o, void *c) {
  char *text = bidsim_scenario_resolved_yaml(SC(o));
  if (text == NULL) return PyErr_NoMemory();
  PyObject *s = PyUnicode_FromString(text);
  bidsim_free(text);
  return s;
}

static PyObject *get_variants(PyObject *o, void *c) {
  const bidsim_scenario_t *sc = SC(o);
  PyObject *l = PyList_New(sc->variant_count);
  for (uint32_t v = 0; l && v < sc->variant_count; v++) PyList_SET_ITEM(l, v, PyUnicode_FromString(sc->variants[v].name));
  return l;
}

/* The listed plans as dicts: name, shop, cap (yuan, None = unlimited), bids
 * (yuan: ordinary, shop, similar), strategy (kind, or None for fixed). */
static PyObject *get_plans(PyObject *o, void *c) {
  const bidsim_scenario_t *sc = SC(o);
  PyObject *l = PyList_New(sc->plan_count);
  for (uint32_t i = 0; l && i < sc->plan_count; i++) {
    const bidsim_sc_plan_t *p = &sc->plans[i];
    PyObject *cap = p->cap_li == BIDSIM_CAP_UNLIMITED ? Py_NewRef(Py_None) : PyFloat_FromDouble((double)p->cap_li / 1000);
    PyObject *strat = p->strategy ? PyUnicode_FromString(p->strategy->ext_spec ? p->strategy->ext_spec : p->strategy->kind)
                                  : Py_NewRef(Py_None);
    PyObject *d = Py_BuildValue("{s:s,s:s,s:N,s:(ddd),s:N}", "name", p->name, "shop", sc->shops[p->shop].name, "cap", cap,
                                "bids", (double)p->bid_li[0] / 1000, (double)p->bid_li[1] / 1000,
                                (double)p->bid_li[2] / 1000, "strategy", strat);
    if (d == NULL) { Py_DECREF(l); return NULL; }
    PyList_SET_ITEM(l, i, d);
  }
  return l;
}

static PyObject *scenario_repr(PyObject *o) {
  const bidsim_scenario_t *sc = SC(o);
  return PyUnicode_FromFormat("<bidsim.Scenario %R: %u day(s), %u replicate(s), %u plan(s) + %u competitors, "
                              "%u variant(s)>", ((bidsim_py_scenario_t *)o)->path, sc->days, sc->replicates,
                              sc->plan_count, sc->market.plans, sc->variant_count);
}

static PyGetSetDef getset[] = {
  { "path", get_path, NULL, "the scenario file as given to load()", NULL },
  { "text", get_text, NULL, "the scenario's text as read", NULL },
  { "seed", get_seed, NULL, "the run seed (after overrides)", NULL },
  { "days", get_days, NULL, "days simulated", NULL },
  { "replicates", get_replicates, NULL, "replicates (after overrides)", NULL },
  { "start_date", get_start_date, NULL, "day 0 as YYYY-MM-DD", NULL },
  { "strategy_period_s", get_period, NULL, "seconds between strategy updates", NULL },
  { "impressions_per_day", get_impressions, NULL, "mean impressions a day, before calendar phases", NULL },
  { "variants", get_variants, NULL, "variant names (a sweep's points included)", NULL },
  { "plans", get_plans, NULL, "the listed plans: name, shop, cap and bids in yuan, strategy", NULL },
  { "resolved_yaml", get_resolved, NULL, "the scenario with every default filled in, as YAML", NULL },
  { NULL, NULL, NULL, NULL, NULL } };

static PyMethodDef scenario_methods[] = {
  { "run", (PyCFunction)(void (*)(void))bidsim_py_scenario_run, METH_VARARGS | METH_KEYWORDS,
    "run(out, *, threads=0, replicates=None, seed=None, days=None, strategies=None, resume=False)\n"
    "Simulate into the HDF5 file out, as `bidsim run` does (the same file, byte for byte, for the same\n"
    "options). strategies maps plan names to Python strategies (objects or classes). Returns a summary dict." },
  { NULL, NULL, 0, NULL } };

PyTypeObject bidsim_py_scenario_type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "bidsim.Scenario",
  .tp_basicsize = sizeof(bidsim_py_scenario_t),
  .tp_dealloc = scenario_dealloc,
  .tp_repr = scenario_repr,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "A validated scenario (bidsim.load(path)); run() simulates it.",
  .tp_methods = scenario_methods,
  .tp_getset = getset,
};
