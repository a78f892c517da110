/* python/module.c - the C extension bidsim._bidsim: its types (Scenario,
 * the strategy state, the environments' core), load(), and how bidsim's
 * error records become Python exceptions (classes in bidsim/_errors.py).
 * The package python/bidsim/ is the public face; this file holds no state
 * but numpy's API table, filled once at import. */
#define BIDSIM_PY_MODULE_C
#include "python/bidsim_py.h"
#include <string.h>

/* ---- errors --------------------------------------------------------------------- */

static const char *code_name(int code) {
  switch (code) {
/* the names as written in error.h (ENOMEM, EPREMIUM, ...; OK for 0) */
#define BIDSIM_PY_CODE(name, text) case BIDSIM_##name: return "E" #name + 1;
    BIDSIM_ERRNO_MAP(BIDSIM_PY_CODE)
#undef BIDSIM_PY_CODE
    default: return "EUNKNOWN";
  }
}

PyObject *bidsim_py_helper(const char *name) {
  PyObject *mod = PyImport_ImportModule("bidsim._strategies");
  if (mod == NULL) return NULL;
  PyObject *f = PyObject_GetAttrString(mod, name);
  Py_DECREF(mod);
  return f;
}

/* bidsim._errors.make(cls, where, message, code, rule, details): the
 * exception; details (a list of strings, or NULL) are the error's further
 * lines. */
static PyObject *raise_made_details(const char *cls, const bidsim_error_t *err, PyObject *details) {
  PyObject *mod = PyImport_ImportModule("bidsim._errors");
  if (mod == NULL) return NULL;
  const int code = err ? err->code : BIDSIM_EINVAL;
  const char *msg = err && err->msg[0] ? err->msg : bidsim_strerror(code);
  PyObject *e = details ? PyObject_CallMethod(mod, "make", "sssssO", cls, err ? err->where : "", msg,
                                              code_name(code), bidsim_strerror(code), details)
                        : PyObject_CallMethod(mod, "make", "sssss", cls, err ? err->where : "", msg, code_name(code),
                                              bidsim_strerror(code));
  Py_DECREF(mod);
  if (e == NULL) return NULL;
  PyErr_SetObject((PyObject *)Py_TYPE(e), e);
  Py_DECREF(e);
  return NULL;
}

static PyObject *raise_made(const char *cls, const bidsim_error_t *err) { return raise_made_details(cls, err, NULL); }

PyObject *bidsim_py_scenario_error(const bidsim_error_t *err) {
  if (err->code == BIDSIM_ENOMEM) return PyErr_NoMemory();
  if (err->code == BIDSIM_EIO) {
    PyErr_Format(PyExc_OSError, "%s: %s", err->where, err->msg);
    return NULL;
  }
  return raise_made("ScenarioError", err);
}

PyObject *bidsim_py_error(const char *cls, const bidsim_error_t *err) {
  if (err && err->code == BIDSIM_ENOMEM) return PyErr_NoMemory();
  return raise_made(cls, err);
}

/* ---- load ------------------------------------------------------------------------- */

/* The loader's notes as the command shows them: each warning a Python
 * UserWarning ("FILE:LINE:COL: key: message"); on failure the error with its
 * further lines. Returns -1 with an exception set (a warning turned into an
 * error by the warnings filter, or the load's error), 0 otherwise. */
static int load_notes(const bidsim_scenario_notes_t *notes, int rc, const bidsim_error_t *err) {
  for (uint32_t i = 0; i < notes->count; i++)
    if (notes->note[i].kind == BIDSIM_NOTE_WARNING &&
        PyErr_WarnFormat(PyExc_UserWarning, 2, "%s: %s", notes->note[i].where, notes->note[i].msg) < 0)
      return -1;
  if (rc == BIDSIM_OK || PyErr_Occurred()) return rc == BIDSIM_OK ? 0 : -1;
  if (err->code == BIDSIM_ENOMEM || err->code == BIDSIM_EIO) {
    bidsim_py_scenario_error(err);
    return -1;
  }
  PyObject *details = PyList_New(0);
  if (details == NULL) return -1;
  for (uint32_t i = 0; i < notes->count; i++) {
    if (notes->note[i].kind != BIDSIM_NOTE_DETAIL) continue;
    PyObject *line = PyUnicode_FromFormat("%s: %s", notes->note[i].where, notes->note[i].msg);
    if (line == NULL || PyList_Append(details, line) < 0) {
      Py_XDECREF(line);
      Py_DECREF(details);
      return -1;
    }
    Py_DECREF(line);
  }
  raise_made_details("ScenarioError", err, details);
  Py_DECREF(details);
  return -1;
}

/* load(path, seed=None, days=None, replicates=None): the file read and
 * checked by the loader call the command makes (bidsim_scenario_load_opt),
 * with the Python resolver for `python:` strategies. Runs load its text
 * again (sc->source_text, as read) with their own overrides. */
static PyObject *mod_load(PyObject *m, PyObject *args, PyObject *kw) {
  static char *kwlist[] = { "path", "seed", "days", "replicates", NULL };
  PyObject *path, *seed = Py_None, *days = Py_None, *reps = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "U|$OOO", kwlist, &path, &seed, &days, &reps)) return NULL;
  bidsim_scenario_overrides_t ov = { .seed_set = false };
  if (bidsim_py_overrides(seed, days, reps, &ov)) return NULL;
  const char *p = PyUnicode_AsUTF8(path);
  if (p == NULL) return NULL;
  bidsim_py_run_t *run = bidsim_py_run_new();
  if (run == NULL) return PyErr_NoMemory();
  bidsim_scenario_notes_t notes = { 0, 0, NULL };
  bidsim_scenario_options_t opt = { .overrides = ov, .load_plugins = true, .notes = &notes,
                                     .resolve_external = bidsim_py_resolve, .resolve_ctx = run };
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  bidsim_error_clear(&err);
  int rc = bidsim_scenario_load_opt(p, &opt, &sc, &err);
  int failed = load_notes(&notes, rc, &err);
  bidsim_scenario_notes_free(&notes);
  if (failed) {
    bidsim_scenario_free(sc);
    bidsim_py_run_decref(run);
    return NULL;
  }
  bidsim_py_scenario_t *self = PyObject_New(bidsim_py_scenario_t, &bidsim_py_scenario_type);
  PyObject *text = PyBytes_FromString(sc->source_text);   /* the loader refuses NUL bytes */
  if (self == NULL || text == NULL) {
    Py_XDECREF(text);
    if (self) PyObject_Free(self);
    bidsim_scenario_free(sc);
    bidsim_py_run_decref(run);
    return NULL;
  }
  self->sc = sc;
  self->load_run = run;
  Py_INCREF(path);
  self->path = path;
  self->text = text;
  self->ov = ov;
  return (PyObject *)self;
}

static PyMethodDef methods[] = {
  { "load", (PyCFunction)(void (*)(void))mod_load, METH_VARARGS | METH_KEYWORDS,
    "load(path, *, seed=None, days=None, replicates=None): a Scenario (use bidsim.load)" },
  { NULL, NULL, 0, NULL } };

static struct PyModuleDef module = { PyModuleDef_HEAD_INIT, "bidsim._bidsim",
                                     "The C core of the bidsim package (use `import bidsim`).", -1, methods,
                                     NULL, NULL, NULL, NULL };

PyMODINIT_FUNC PyInit__bidsim(void) {
  import_array();
  bidsim_py_state_type_init();
  if (PyType_Ready(&bidsim_py_scenario_type) < 0 || PyType_Ready(&bidsim_py_state_type) < 0 ||
      PyType_Ready(&bidsim_py_env_type) < 0)
    return NULL;
  PyObject *m = PyModule_Create(&module);
  if (m == NULL) return NULL;
  Py_INCREF(&bidsim_py_scenario_type);
  Py_INCREF(&bidsim_py_state_type);
  Py_INCREF(&bidsim_py_env_type);
  if (PyModule_AddObject(m, "Scenario", (PyObject *)&bidsim_py_scenario_type) < 0 ||
      PyModule_AddObject(m, "StrategyState", (PyObject *)&bidsim_py_state_type) < 0 ||
      PyModule_AddObject(m, "EnvCore", (PyObject *)&bidsim_py_env_type) < 0 ||
      PyModule_AddStringConstant(m, "version", BIDSIM_VERSION) < 0 ||
      PyModule_AddIntConstant(m, "STRATEGY_ABI_VERSION", BIDSIM_STRATEGY_ABI_VERSION) < 0 ||
      PyModule_AddObject(m, "CAP_UNLIMITED", PyLong_FromLongLong(BIDSIM_CAP_UNLIMITED)) < 0 ||
      PyModule_AddIntConstant(m, "DAYS_MAX", BIDSIM_DAYS_MAX) < 0 ||
      PyModule_AddIntConstant(m, "REPLICATES_MAX", BIDSIM_REPLICATES_MAX) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
