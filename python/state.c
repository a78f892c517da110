/* python/state.c - bidsim.StrategyState, what a Python strategy's update
 * reads: bidsim_strategy_batch_t (engine/include/bidsim/strategy.h) as
 * numpy arrays, one entry per plan in batch order, plus the current bids;
 * and what update returns, turned into actions for the host's clamp.
 *
 * Each array is made on first access within the call, as a copy: the
 * host's arrays change every period and are freed with the unit, so a view
 * a strategy kept (self.last = state.clicks) would change under it or
 * dangle. The copies cost what the fields read cost, not what the batch
 * holds (a multiplier over 10,000 plans reads three: BENCHMARKS.md), and
 * value_bid_li, which a unit never changes, is copied once per unit. The
 * counters are int64 (uint64 in C), so arithmetic with them stays integer. */
#include "python/bidsim_py.h"
#include <math.h>
#include <stddef.h>
#include <string.h>

enum { K_I64, K_U64, K_VALUE, K_BIDS, K_PART };
typedef struct { const char *name; int kind; size_t offset; const char *doc; } field_t;

#define BATCH(f) offsetof(bidsim_strategy_batch_t, f)
static const field_t fields[] = {
  { "value_bid_li", K_VALUE, 0,
    "(n, 3) int64: the plans' bids as configured (ordinary, shop, similar), li; the same array all unit long" },
  { "bid_li", K_BIDS, 0, "(n, 3) int64: the bids in force now (after the platform's clamp), li" },
  { "participation", K_PART, 0, "(n,) float64: the share of auctions entered now" },
  { "cap_li", K_I64, BATCH(cap_li), "(n,) int64: daily cap, li; bidsim.CAP_UNLIMITED when none" },
  { "spend_today_li", K_I64, BATCH(spend_today_li), "(n,) int64: spent today, li" },
  { "order_value_li", K_I64, BATCH(order_value_li), "(n,) int64: order value today, li" },
  { "exposures", K_U64, BATCH(exposures), "(n,) int64: exposures today" },
  { "top_exposures", K_U64, BATCH(top_exposures), "(n,) int64: exposures in the first slot today" },
  { "clicks", K_U64, BATCH(clicks), "(n,) int64: clicks today" },
  { "conversions", K_U64, BATCH(conversions), "(n,) int64: orders today" },
  { "total_clicks", K_U64, BATCH(total_clicks), "(n,) int64: clicks since the unit began" },
  { "total_conversions", K_U64, BATCH(total_conversions), "(n,) int64: orders since the unit began" },
  { "total_order_value_li", K_I64, BATCH(total_order_value_li), "(n,) int64: order value since the unit began, li" },
  { "total_spend_li", K_I64, BATCH(total_spend_li), "(n,) int64: spend since the unit began, li" },
};
#define FIELD_COUNT (sizeof fields / sizeof fields[0])

typedef struct {
  PyObject_HEAD
  const bidsim_strategy_batch_t *b;       /* NULL once the call is over */
  const bidsim_strategy_action_t *a;      /* the pre-filled actions; NULL at the day's end */
  bidsim_strategy_state_t shared;
  uint32_t count;
  PyObject *names;
  PyObject *cache[FIELD_COUNT];
  PyObject **value_bid;                   /* the instance's copy of value_bid_li, or NULL */
} state_t;

PyObject *bidsim_py_state_new(const bidsim_strategy_batch_t *batch, const bidsim_strategy_action_t *actions,
                              PyObject *names, PyObject **value_bid) {
  state_t *s = PyObject_New(state_t, &bidsim_py_state_type);
  if (s == NULL) return NULL;
  s->b = batch;
  s->a = actions;
  s->shared = *batch->shared;
  s->count = batch->count;
  Py_INCREF(names);
  s->names = names;
  memset(s->cache, 0, sizeof s->cache);
  s->value_bid = value_bid;
  if (value_bid && *value_bid) s->cache[0] = Py_NewRef(*value_bid);
  return (PyObject *)s;
}

void bidsim_py_state_invalidate(PyObject *state) {
  state_t *s = (state_t *)state;
  s->b = NULL;
  s->a = NULL;
}

static void state_dealloc(PyObject *o) {
  state_t *s = (state_t *)o;
  Py_XDECREF(s->names);
  for (size_t i = 0; i < FIELD_COUNT; i++) Py_XDECREF(s->cache[i]);
  PyObject_Free(o);
}

static PyObject *make_array(const state_t *s, const field_t *f) {
  const npy_intp n = s->count;
  npy_intp dims[2] = { n, BIDSIM_SEG_COUNT };
  const bool wide = f->kind == K_VALUE || f->kind == K_BIDS;
  PyObject *arr = PyArray_SimpleNew(wide ? 2 : 1, dims, f->kind == K_PART ? NPY_FLOAT64 : NPY_INT64);
  if (arr == NULL) return NULL;
  void *out = PyArray_DATA((PyArrayObject *)arr);
  switch (f->kind) {
    case K_VALUE: memcpy(out, s->b->value_bid_li, (size_t)n * sizeof *s->b->value_bid_li); break;
    case K_BIDS:
      for (npy_intp i = 0; i < n; i++) memcpy((int64_t *)out + i * BIDSIM_SEG_COUNT, s->a[i].bid_li, sizeof s->a[i].bid_li);
      break;
    case K_PART:
      for (npy_intp i = 0; i < n; i++) ((double *)out)[i] = s->a[i].participation;
      break;
    default: {   /* int64 and uint64 alike: the counters never reach 2^63 */
      const void *src = *(const void *const *)((const char *)s->b + f->offset);
      memcpy(out, src, (size_t)n * sizeof(int64_t));
    }
  }
  PyArray_CLEARFLAGS((PyArrayObject *)arr, NPY_ARRAY_WRITEABLE);   /* a copy, but read as the state */
  return arr;
}

static PyObject *get_field(PyObject *o, void *closure) {
  state_t *s = (state_t *)o;
  const size_t k = (size_t)(uintptr_t)closure;
  if (s->cache[k] == NULL) {
    if (s->b == NULL || ((fields[k].kind == K_BIDS || fields[k].kind == K_PART) && s->a == NULL)) {
      PyErr_Format(PyExc_RuntimeError, "state.%s: %s", fields[k].name,
                   s->b ? "the bids in force are not part of day_end's state"
                        : "the state is valid only during the call that received it (keep copies of what you need)");
      return NULL;
    }
    if ((s->cache[k] = make_array(s, &fields[k])) == NULL) return NULL;
    /* the configured bids do not change within a unit: one copy serves every period */
    if (fields[k].kind == K_VALUE && s->value_bid && *s->value_bid == NULL) *s->value_bid = Py_NewRef(s->cache[k]);
  }
  return Py_NewRef(s->cache[k]);
}

static PyObject *get_count(PyObject *o, void *c) { return PyLong_FromUnsignedLong(((state_t *)o)->count); }
static PyObject *get_names(PyObject *o, void *c) { return Py_NewRef(((state_t *)o)->names); }
#define SH(o) (((state_t *)(o))->shared)
static PyObject *get_now(PyObject *o, void *c) { return PyLong_FromLongLong(SH(o).now_s); }
static PyObject *get_day(PyObject *o, void *c) { return PyLong_FromUnsignedLong(SH(o).day); }
static PyObject *get_sod(PyObject *o, void *c) { return PyLong_FromUnsignedLong(SH(o).second_of_day); }
static PyObject *get_dow(PyObject *o, void *c) { return PyLong_FromUnsignedLong(SH(o).day_of_week); }
static PyObject *get_period(PyObject *o, void *c) { return PyLong_FromUnsignedLong(SH(o).period_s); }
static PyObject *get_done(PyObject *o, void *c) { return PyFloat_FromDouble(SH(o).traffic_done); }

static PyObject *state_repr(PyObject *o) {
  const state_t *s = (const state_t *)o;
  return PyUnicode_FromFormat("<bidsim.StrategyState: %u plan(s), day %u, second %u>", s->count, s->shared.day,
                              s->shared.second_of_day);
}

static PyGetSetDef getset[FIELD_COUNT + 9];

/* the getset table from the fields table, once, before PyType_Ready */
void bidsim_py_state_type_init(void) {
  size_t k = 0;
  getset[k++] = (PyGetSetDef){ "count", get_count, NULL, "plans in this batch", NULL };
  getset[k++] = (PyGetSetDef){ "names", get_names, NULL, "tuple: the plans' names, in batch order", NULL };
  getset[k++] = (PyGetSetDef){ "now_s", get_now, NULL, "seconds since day 0 00:00", NULL };
  getset[k++] = (PyGetSetDef){ "day", get_day, NULL, "day index from 0", NULL };
  getset[k++] = (PyGetSetDef){ "second_of_day", get_sod, NULL, "seconds after midnight (86400 at day_end)", NULL };
  getset[k++] = (PyGetSetDef){ "day_of_week", get_dow, NULL, "0 = Monday", NULL };
  getset[k++] = (PyGetSetDef){ "period_s", get_period, NULL, "seconds until the next update", NULL };
  getset[k++] = (PyGetSetDef){ "traffic_done", get_done, NULL,
                               "expected share of today's traffic already arrived (diurnal forecast)", NULL };
  for (size_t i = 0; i < FIELD_COUNT; i++)
    getset[k++] = (PyGetSetDef){ (char *)fields[i].name, get_field, NULL, (char *)fields[i].doc, (void *)(uintptr_t)i };
  getset[k] = (PyGetSetDef){ NULL, NULL, NULL, NULL, NULL };
}

PyTypeObject bidsim_py_state_type = {
  PyVarObject_HEAD_INIT(NULL, 0)
  .tp_name = "bidsim.StrategyState",
  .tp_basicsize = sizeof(state_t),
  .tp_dealloc = state_dealloc,
  .tp_repr = state_repr,
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "The plans' state at one strategy update (arrays in batch order; money in li). Valid during the call.",
  .tp_getset = getset,
};

/* ---- what update returns ---------------------------------------------------------- */

/* Bids for @p rows plans - all of them in batch order, or plans idx[0..rows)
 * when idx is not NULL - from an (rows, 3) array of numbers in li. */
static int bids_into(PyObject *obj, uint32_t rows, const int64_t *idx, bidsim_strategy_action_t *actions) {
  PyArrayObject *arr = (PyArrayObject *)PyArray_FROMANY(obj, NPY_NOTYPE, 0, 0, NPY_ARRAY_DEFAULT);
  if (arr == NULL) return -1;
  int rc = -1;
  const bool integer = PyArray_ISINTEGER(arr), real = PyArray_ISFLOAT(arr);
  if (!integer && !real) {
    PyErr_Format(PyExc_TypeError, "update returned bids of dtype %R: bids are numbers, in li",
                 (PyObject *)PyArray_DESCR(arr));
  } else if (PyArray_NDIM(arr) != 2 || PyArray_DIM(arr, 0) != rows || PyArray_DIM(arr, 1) != BIDSIM_SEG_COUNT) {
    PyObject *shape = PyObject_GetAttrString((PyObject *)arr, "shape");
    PyErr_Format(PyExc_ValueError,
                 "update returned bids of shape %R; expected (%u, 3): a row per plan (%s), bids in li for the "
                 "ordinary, shop and similar segments", shape, rows, idx ? "of Changes.i" : "state.names' order");
    Py_XDECREF(shape);
  } else {
    PyArrayObject *c = (PyArrayObject *)PyArray_FROM_OTF((PyObject *)arr, integer ? NPY_INT64 : NPY_FLOAT64,
                                                        NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
    if (c && integer) {   /* three int64 a plan, straight into the actions */
      const int64_t *src = PyArray_DATA(c);
      for (uint32_t r = 0; r < rows; r++)
        memcpy(actions[idx ? idx[r] : r].bid_li, src + (size_t)r * BIDSIM_SEG_COUNT, sizeof actions->bid_li);
      rc = 0;
    } else if (c) {
      const double *src = PyArray_DATA(c);
      rc = 0;
      for (size_t k = 0; k < (size_t)rows * BIDSIM_SEG_COUNT; k++) {
        double x = src[k];
        const size_t r = k / BIDSIM_SEG_COUNT, plan = idx ? (size_t)idx[r] : r;
        if (!isfinite(x)) {
          char v[32];
          snprintf(v, sizeof v, "%g", x);
          PyErr_Format(PyExc_ValueError, "update returned a bid of %s li for plan state.names[%zu], segment %zu", v,
                       plan, k % BIDSIM_SEG_COUNT);
          rc = -1;
          break;
        }
        /* to the nearest li, as the built-ins round ((int64_t)(x + 0.5));
         * beyond +-9e18 the platform's clamp gives the same bid anyway */
        x = fmax(-9e18, fmin(9e18, x));
        actions[plan].bid_li[k % BIDSIM_SEG_COUNT] = x >= 0 ? (int64_t)(x + 0.5) : -(int64_t)(0.5 - x);
      }
    }
    Py_XDECREF(c);
  }
  Py_DECREF(arr);
  return rc;
}

static int participation_into(PyObject *obj, uint32_t rows, const int64_t *idx, bidsim_strategy_action_t *actions) {
  PyArrayObject *p = (PyArrayObject *)PyArray_FROM_OTF(obj, NPY_FLOAT64, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
  if (p == NULL) return -1;
  int rc = 0;
  const double *v = PyArray_DATA(p);
  if (PyArray_NDIM(p) == 0) {
    for (uint32_t r = 0; r < rows; r++) actions[idx ? idx[r] : r].participation = v[0];
  } else if (PyArray_NDIM(p) == 1 && PyArray_DIM(p, 0) == rows) {
    for (uint32_t r = 0; r < rows; r++) actions[idx ? idx[r] : r].participation = v[r];
  } else {
    PyErr_Format(PyExc_ValueError, "update returned a participation of %d dimension(s); expected a number or (%u,)",
                 PyArray_NDIM(p), rows);
    rc = -1;
  }
  Py_DECREF(p);
  return rc;
}

/* bidsim.Changes(i, bid_li, participation): only plans i change. */
static int changes_into(PyObject *ch, uint32_t n, bidsim_strategy_action_t *actions) {
  PyObject *i = PyObject_GetAttrString(ch, "i"), *bids = PyObject_GetAttrString(ch, "bid_li"),
           *part = PyObject_GetAttrString(ch, "participation");
  PyArrayObject *idx = i ? (PyArrayObject *)PyArray_FROM_OTF(i, NPY_INT64, NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST) : NULL;
  int rc = -1;
  if (idx && bids && part) {
    const npy_intp k = PyArray_SIZE(idx);
    const int64_t *x = PyArray_DATA(idx);
    rc = 0;
    if (PyArray_NDIM(idx) != 1) {
      PyErr_SetString(PyExc_ValueError, "Changes.i must be a 1-d array of plan indices (state.names' order)");
      rc = -1;
    }
    for (npy_intp j = 0; rc == 0 && j < k; j++)
      if (x[j] < 0 || x[j] >= (int64_t)n) {
        PyErr_Format(PyExc_IndexError, "Changes.i holds %lld; the batch has plans 0 to %u", (long long)x[j], n - 1);
        rc = -1;
      }
    if (rc == 0 && bids != Py_None) rc = bids_into(bids, (uint32_t)k, x, actions);
    if (rc == 0 && part != Py_None) rc = participation_into(part, (uint32_t)k, x, actions);
  }
  Py_XDECREF(idx);
  Py_XDECREF(i);
  Py_XDECREF(bids);
  Py_XDECREF(part);
  return rc;
}

int bidsim_py_actions_from(PyObject *result, uint32_t n, bidsim_strategy_action_t *actions) {
  if (result == Py_None) return 0;
  if (PyTuple_Check(result) && !PyTuple_CheckExact(result)) {   /* a namedtuple: bidsim.Changes */
    PyObject *cls = bidsim_py_helper("Changes");
    const int is = cls ? PyObject_IsInstance(result, cls) : -1;
    Py_XDECREF(cls);
    if (is < 0) return -1;
    if (is) return changes_into(result, n, actions);
  }
  PyObject *bids = result, *part = Py_None;
  if (PyTuple_Check(result)) {
    if (PyTuple_GET_SIZE(result) != 2) {
      PyErr_Format(PyExc_ValueError, "update returned a tuple of %zd; expected (bids, participation)",
                   PyTuple_GET_SIZE(result));
      return -1;
    }
    bids = PyTuple_GET_ITEM(result, 0);
    part = PyTuple_GET_ITEM(result, 1);
  }
  if (bids != Py_None && bids_into(bids, n, NULL, actions)) return -1;
  if (part != Py_None && participation_into(part, n, NULL, actions)) return -1;
  return 0;
}
