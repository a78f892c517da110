/* sim/output_hdf5.c - the HDF5 result file: the only file that calls HDF5.
 * Every result dataset is declared once in `tables` below; the writer, the
 * reader and docs/output-format.md follow that table. No timestamps are
 * stored, so identical runs give identical files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include "bidsim/alloc.h"
#include "sim/output.h"

#ifndef BIDSIM_VERSION
#define BIDSIM_VERSION "unknown"
#endif

/* ---- the dataset table ------------------------------------------------- */

typedef enum { SHAPE_PLAN_SEGMENT, SHAPE_PLAN_HOUR, SHAPE_PRODUCT, SHAPE_PLAN, SHAPE_HOUR_SEGMENT } shape_t;

typedef struct {
  const char *group;
  shape_t shape;
  const char *description;
} table_t;

static const table_t tables[] = {
  [BIDSIM_TABLE_PLAN_SEGMENT] = { "plan_segment", SHAPE_PLAN_SEGMENT, "per variant, replicate, day, plan and user segment" },
  [BIDSIM_TABLE_PLAN_HOUR]    = { "plan_hour", SHAPE_PLAN_HOUR, "per variant, replicate, day, hour of day and plan" },
  [BIDSIM_TABLE_PRODUCT]      = { "product", SHAPE_PRODUCT, "per variant, replicate, day and advertised product" },
};
#define TABLE_COUNT 3

static const struct { const char *name, *units, *description; } metrics[BIDSIM_METRIC_COUNT] = {
  { "exposures", "count", "ad impressions shown (one per filled slot)" },
  { "clicks", "count", "clicks charged" },
  { "spend_li", "li (0.001 yuan)", "amount charged for clicks" },
  { "conversions", "orders", "orders attributed to a click" },
  { "order_value_li", "li (0.001 yuan)", "value of attributed orders" },
};

const char *bidsim_metric_name(int metric) {
  return metric >= 0 && metric < BIDSIM_METRIC_COUNT ? metrics[metric].name : "unknown";
}

/* Dimension names of each shape, outermost first; each is a scale in /scales. */
static const char *const shape_dims[][5] = {
  [SHAPE_PLAN_SEGMENT] = { "variant", "replicate", "day", "plan", "segment" },
  [SHAPE_PLAN_HOUR]    = { "variant", "replicate", "day", "hour", "plan" },
  [SHAPE_PRODUCT]      = { "variant", "replicate", "day", "product", NULL },
  [SHAPE_PLAN]         = { "variant", "replicate", "day", "plan", NULL },
  [SHAPE_HOUR_SEGMENT] = { "variant", "replicate", "day", "hour", "segment" },
};

typedef struct { uint32_t variants, replicates, days, plans, products; } dims_t;

static hsize_t dim_size(const dims_t *d, const char *name) {
  if (!strcmp(name, "variant")) return d->variants;
  if (!strcmp(name, "replicate")) return d->replicates;
  if (!strcmp(name, "day")) return d->days;
  if (!strcmp(name, "plan")) return d->plans;
  if (!strcmp(name, "product")) return d->products;
  if (!strcmp(name, "hour")) return BIDSIM_HOURS;
  return BIDSIM_SEG_COUNT;   /* segment */
}

static int shape_rank(shape_t s) { return shape_dims[s][4] ? 5 : 4; }

static void shape_extent(shape_t s, const dims_t *d, hsize_t *ext) {
  for (int i = 0; i < shape_rank(s); i++) ext[i] = dim_size(d, shape_dims[s][i]);
}

/* ---- slabs ---------------------------------------------------------------- */

int bidsim_day_slab_init(bidsim_day_slab_t *s, uint32_t plans, uint32_t products, bidsim_error_t *err) {
  memset(s, 0, sizeof *s);
  s->plans = plans;
  s->products = products;
  s->plan_segment = bidsim_calloc((size_t)BIDSIM_METRIC_COUNT * plans * BIDSIM_SEG_COUNT + 1, sizeof(int64_t));
  s->plan_hour = bidsim_calloc((size_t)BIDSIM_METRIC_COUNT * BIDSIM_HOURS * plans + 1, sizeof(int64_t));
  s->product = bidsim_calloc((size_t)BIDSIM_METRIC_COUNT * products + 1, sizeof(int64_t));
  s->cap_hit_s = bidsim_calloc((size_t)plans + 1, sizeof(int64_t));
  bool ok_extra = true;
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) ok_extra &= (s->extra[e] = bidsim_calloc((size_t)plans + 1, sizeof(int64_t))) != NULL;
  if (!s->plan_segment || !s->plan_hour || !s->product || !s->cap_hit_s || !ok_extra) {
    bidsim_day_slab_free(s);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "output", "out of memory for a day slab of %u plans", plans);
  }
  /* calloc zeroed the counters (touching them now would only fault the
   * pages in twice); cap_hit_s starts at "not hit" */
  for (uint32_t p = 0; p < plans; p++) s->cap_hit_s[p] = -1;
  return BIDSIM_OK;
}

void bidsim_day_slab_clear(bidsim_day_slab_t *s) {
  memset(s->plan_segment, 0, (size_t)BIDSIM_METRIC_COUNT * s->plans * BIDSIM_SEG_COUNT * sizeof(int64_t));
  memset(s->plan_hour, 0, (size_t)BIDSIM_METRIC_COUNT * BIDSIM_HOURS * s->plans * sizeof(int64_t));
  memset(s->product, 0, (size_t)BIDSIM_METRIC_COUNT * s->products * sizeof(int64_t));
  for (uint32_t p = 0; p < s->plans; p++) s->cap_hit_s[p] = -1;
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) memset(s->extra[e], 0, s->plans * sizeof(int64_t));
  memset(s->impressions, 0, sizeof s->impressions);
}

void bidsim_day_slab_free(bidsim_day_slab_t *s) {
  if (s == NULL) return;
  bidsim_free(s->plan_segment);
  bidsim_free(s->plan_hour);
  bidsim_free(s->product);
  bidsim_free(s->cap_hit_s);
  s->plan_segment = s->plan_hour = s->product = s->cap_hit_s = NULL;
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) {
    bidsim_free(s->extra[e]);
    s->extra[e] = NULL;
  }
}

/* ---- writing -------------------------------------------------------------- */

struct bidsim_writer {
  char    *path, *tmp;
  hid_t    file;
  dims_t   dims;
  hid_t    data[TABLE_COUNT][BIDSIM_METRIC_COUNT];
  hid_t    cap_hit, extra[BIDSIM_EXTRA_COUNT], impressions;
};

/* The per-plan, per-day datasets beside the metrics, under /plan. */
static const struct { const char *name, *units, *description; } extras[BIDSIM_EXTRA_COUNT] = {
  [BIDSIM_EXTRA_CLAMPS]   = { "strategy_clamps", "count", "strategy updates whose bids the platform's rules clamped that day" },
  [BIDSIM_EXTRA_CONSULTS] = { "service_consults", "users", "the plan's shop's consulting users that day, 08:00-23:00 (DOMAIN.md section 6)" },
  [BIDSIM_EXTRA_REPLIED]  = { "service_replied", "users", "the plan's shop's consulting users replied to within an hour" },
  [BIDSIM_EXTRA_PAUSED]   = { "service_paused", "flag", "1 = the shop's ads were removed that day for a service penalty" },
  [BIDSIM_EXTRA_PENALTY]  = { "service_penalty_li", "li (0.001 yuan)", "the service penalty imposed on the plan's shop that day" },
};

static int h5fail(bidsim_error_t *err, const char *path, const char *what) {
  return bidsim_error_set(err, BIDSIM_EHDF5, path, "HDF5 failed to %s", what);
}

static hid_t str_type(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

static hid_t group_props(void) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  H5Pset_obj_track_times(gcpl, 0);
  return gcpl;
}

static int attr_string(hid_t obj, const char *name, const char *value) {
  hid_t t = str_type(), sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, t, &value);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
  return rc < 0 ? -1 : 0;
}

static int attr_u64(hid_t obj, const char *name, uint64_t value) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, H5T_STD_U64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_UINT64, &value);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  return rc < 0 ? -1 : 0;
}

/* A small one-dimensional label dataset, written whole. */
static hid_t write_vector(hid_t loc, const char *name, hid_t file_type, hid_t mem_type, hsize_t n, const void *data,
                          const char *units, const char *description) {
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_obj_track_times(dcpl, 0);
  hsize_t dims[1] = { n };
  hid_t sp = H5Screate_simple(1, dims, NULL);
  hid_t d = H5Dcreate2(loc, name, file_type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Sclose(sp);
  H5Pclose(dcpl);
  if (d < 0) return -1;
  if ((n > 0 && H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) ||
      (units && attr_string(d, "units", units)) || (description && attr_string(d, "description", description))) {
    H5Dclose(d);
    return -1;
  }
  return d;
}

/* Label vectors as fixed-length UTF-8 strings, as long as the longest:
 * writing 10,000 variable-length strings goes through HDF5's global heap
 * one by one and cost more than a day of results. */
static hid_t write_strings(hid_t loc, const char *name, hsize_t n, const char *const *v, const char *description) {
  size_t width = 1;
  for (hsize_t i = 0; i < n; i++) {
    size_t len = v[i] ? strlen(v[i]) + 1 : 1;
    if (len > width) width = len;
  }
  char *buf = bidsim_calloc((size_t)n + 1, width);
  if (buf == NULL) return -1;
  for (hsize_t i = 0; i < n; i++)
    if (v[i]) memcpy(buf + i * width, v[i], strlen(v[i]));
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, width);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  H5Tset_cset(t, H5T_CSET_UTF8);
  hid_t d = write_vector(loc, name, t, t, n, buf, NULL, description);
  H5Tclose(t);
  bidsim_free(buf);
  return d;
}

/* A chunked, compressed result dataset of one shape, one (v, r, d) slab per chunk. */
static hid_t create_result(hid_t loc, const char *name, shape_t shape, const dims_t *dm, const char *units,
                           const char *description) {
  hsize_t ext[5], chunk[5];
  int rank = shape_rank(shape);
  shape_extent(shape, dm, ext);
  for (int i = 0; i < rank; i++) chunk[i] = i < 3 ? 1 : ext[i];
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_obj_track_times(dcpl, 0);
  H5Pset_chunk(dcpl, rank, chunk);
  /* deflate alone: on these int64 counters the shuffle filter made files
   * about 14% larger and the day's write about 25% slower (measured on
   * pdd_baseline, strategy_compare, double11 and the 10,000-plan case) */
  H5Pset_deflate(dcpl, 1);
  int64_t fill = shape == SHAPE_PLAN && !strcmp(name, "cap_hit_s") ? -1 : 0;
  H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, &fill);
  hid_t sp = H5Screate_simple(rank, ext, NULL);
  hid_t d = H5Dcreate2(loc, name, H5T_STD_I64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Sclose(sp);
  H5Pclose(dcpl);
  if (d < 0) return -1;
  if (attr_string(d, "units", units) || attr_string(d, "description", description)) {
    H5Dclose(d);
    return -1;
  }
  return d;
}

static int attach_scales(hid_t d, shape_t shape, hid_t scales_group) {
  for (int i = 0; i < shape_rank(shape); i++) {
    hid_t s = H5Dopen2(scales_group, shape_dims[shape][i], H5P_DEFAULT);
    if (s < 0) return -1;
    herr_t rc = H5DSattach_scale(d, s, (unsigned)i);
    H5Dclose(s);
    if (rc < 0) return -1;
  }
  return 0;
}

static int write_labels(bidsim_writer_t *w, const bidsim_output_meta_t *meta, hid_t scales) {
  const dims_t *dm = &w->dims;
  uint32_t *reps = bidsim_malloc(((size_t)dm->replicates + 1) * sizeof *reps);
  if (reps == NULL) return -1;
  for (uint32_t r = 0; r < dm->replicates; r++) reps[r] = r;
  uint32_t hours[BIDSIM_HOURS];
  for (uint32_t h = 0; h < BIDSIM_HOURS; h++) hours[h] = h;
  const char *segs[BIDSIM_SEG_COUNT];
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) segs[s] = bidsim_segment_name(s);
  hid_t ids[7] = {
    write_strings(scales, "variant", dm->variants, meta->variant_names, "variant (strategy) name"),
    write_vector(scales, "replicate", H5T_STD_U32LE, H5T_NATIVE_UINT32, dm->replicates, reps, NULL,
                 "replicate index r: draws from PCG stream r of the seed"),
    write_strings(scales, "day", dm->days, meta->day_labels, "calendar date of the simulated day"),
    write_vector(scales, "hour", H5T_STD_U32LE, H5T_NATIVE_UINT32, BIDSIM_HOURS, hours, "hour of day", "hour of day 0-23"),
    write_strings(scales, "segment", BIDSIM_SEG_COUNT, segs, "user segment (DOMAIN.md section 1)"),
    write_strings(scales, "plan", dm->plans, meta->plan_names, "promotion plan name (see /plan for its shop)"),
    write_vector(scales, "product", H5T_STD_U64LE, H5T_NATIVE_UINT64, dm->products, meta->product_ids, NULL,
                 "product ID within its shop (see /product for names)"),
  };
  bidsim_free(reps);
  int rc = 0;
  for (int i = 0; i < 7; i++) {
    if (ids[i] < 0) { rc = -1; continue; }
    static const char *const names[7] = { "variant", "replicate", "day", "hour", "segment", "plan", "product" };
    if (H5DSset_scale(ids[i], names[i]) < 0) rc = -1;
    H5Dclose(ids[i]);
  }
  return rc;
}

/* A small 2-D dataset with dimension scales, written whole. */
static int write_2d(hid_t loc, hid_t scales, const char *name, hid_t file_type, hid_t mem_type, const hsize_t ext[2],
                    const char *const dims[2], const void *data, const char *units, const char *description) {
  hid_t sp = H5Screate_simple(2, ext, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_obj_track_times(dcpl, 0);   /* no timestamps: identical runs, identical bytes */
  hid_t d = sp < 0 ? -1 : H5Dcreate2(loc, name, file_type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  int rc = d < 0 || H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 ? -1 : 0;
  if (d >= 0) {
    rc |= attr_string(d, "units", units);
    rc |= attr_string(d, "description", description);
    for (unsigned i = 0; i < 2; i++) {
      if (dims[i] == NULL) continue;   /* a dimension without a scale */
      hid_t sc = H5Dopen2(scales, dims[i], H5P_DEFAULT);
      if (sc < 0 || H5DSattach_scale(d, sc, i) < 0) rc = -1;
      if (sc >= 0) H5Dclose(sc);
    }
    H5Dclose(d);
  }
  if (sp >= 0) H5Sclose(sp);
  return rc;
}

/* /variant/cap_li (V, P): each plan's daily cap as each variant runs it
 * (variants may change listed plans' caps; /plan/cap_li is the scenario's);
 * /variant/units_done (V, R): which units the file holds (a part file of
 * bidsim run --shard holds only its shard's). */
static int write_variant_tables(bidsim_writer_t *w, const bidsim_output_meta_t *meta, hid_t scales, hid_t gcpl) {
  const dims_t *dm = &w->dims;
  size_t n = (size_t)dm->variants * dm->plans, nu = (size_t)dm->variants * dm->replicates;
  int64_t *caps = bidsim_malloc(n * sizeof *caps + 1);
  uint8_t *done = bidsim_malloc(nu + 1);
  hid_t g = H5Gcreate2(w->file, "variant", H5P_DEFAULT, gcpl, H5P_DEFAULT);
  int rc = !caps || !done || g < 0 ? -1 : 0;
  if (rc == 0) {
    for (size_t i = 0; i < n; i++) caps[i] = meta->variant_cap_li ? meta->variant_cap_li[i] : meta->plan_cap_li[i % dm->plans];
    for (size_t i = 0; i < nu; i++) done[i] = meta->units_done ? meta->units_done[i] : 1;
    static const char *const vp[2] = { "variant", "plan" }, *const vr[2] = { "variant", "replicate" };
    hsize_t ext[2] = { dm->variants, dm->plans }, extu[2] = { dm->variants, dm->replicates };
    rc |= write_2d(g, scales, "cap_li", H5T_STD_I64LE, H5T_NATIVE_INT64, ext, vp, caps,
                   "li (0.001 yuan); 9223372036854775807 = unlimited", "daily cap of each plan as each variant runs it");
    rc |= write_2d(g, scales, "units_done", H5T_STD_U8LE, H5T_NATIVE_UINT8, extu, vr, done, "1 = present",
                   "units (variant, replicate) this file holds; a part file holds its shard's");
  }
  if (rc == 0 && meta->sweep_key_count) {
    /* a sweep: each variant's value of each swept key path, as written */
    hid_t d = write_strings(g, "sweep_keys", meta->sweep_key_count, meta->sweep_keys, "swept key paths");
    if (d >= 0) H5Dclose(d); else rc = -1;
    static const char *const vk[2] = { "variant", NULL };
    hsize_t ext[2] = { dm->variants, meta->sweep_key_count };
    hid_t t = str_type();
    rc |= write_2d(g, scales, "sweep_values", t, t, ext, vk, meta->sweep_values, "as written in the scenario",
                   "each variant's value of each key in /variant/sweep_keys");
    H5Tclose(t);
  }
  if (g >= 0) H5Gclose(g);
  bidsim_free(caps);
  bidsim_free(done);
  return rc;
}

int bidsim_writer_open(const char *path, const bidsim_output_meta_t *meta, bidsim_writer_t **out,
                       bidsim_error_t *err) {
  *out = NULL;
  if (meta->plans == 0 || meta->products == 0 || meta->days == 0 || meta->replicates == 0 || meta->variants == 0)
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "nothing to write: %u plans, %u products, %u days, %u replicates",
                            meta->plans, meta->products, meta->days, meta->replicates);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);   /* errors come back as codes, not prints */
  bidsim_writer_t *w = bidsim_calloc(1, sizeof *w);
  if (w == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  w->file = w->cap_hit = w->impressions = -1;
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) w->extra[e] = -1;
  for (int t = 0; t < TABLE_COUNT; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) w->data[t][m] = -1;
  w->dims = (dims_t){ meta->variants, meta->replicates, meta->days, meta->plans, meta->products };
  size_t n = strlen(path) + 32;
  w->path = bidsim_strdup(path);
  w->tmp = bidsim_malloc(n);
  if (!w->path || !w->tmp) { bidsim_writer_abort(w); return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory"); }
  snprintf(w->tmp, n, "%s.tmp.%ld", path, (long)getpid());

  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  w->file = H5Fcreate(w->tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  H5Pclose(fcpl);
  if (w->file < 0) {
    int e = errno;
    bidsim_writer_abort(w);
    return bidsim_error_set(err, BIDSIM_EIO, path, "cannot create %s.tmp.*: %s", path, e ? strerror(e) : "HDF5 error");
  }
  hid_t gcpl = group_props();
  hid_t root = H5Gopen2(w->file, "/", H5P_DEFAULT);
  int bad = root < 0;
  bad |= attr_string(root, "format", BIDSIM_FORMAT_NAME);
  bad |= attr_u64(root, "format_version", BIDSIM_FORMAT_VERSION);
  bad |= attr_string(root, "bidsim_version", BIDSIM_VERSION);
  bad |= attr_u64(root, "seed", meta->seed);
  bad |= attr_string(root, "scenario_path", meta->scenario_path ? meta->scenario_path : "");
  bad |= attr_string(root, "scenario_text", meta->scenario_text ? meta->scenario_text : "");
  bad |= attr_string(root, "resolved_scenario", meta->resolved_text ? meta->resolved_text : "");
  char fp[24];
  snprintf(fp, sizeof fp, "%016llx", (unsigned long long)meta->fingerprint);
  bad |= attr_string(root, "fingerprint", fp);
  if (meta->shard_count) {
    bad |= attr_u64(root, "shard_index", meta->shard_index);
    bad |= attr_u64(root, "shard_count", meta->shard_count);
  }
  if (root >= 0) H5Gclose(root);

  hid_t scales = H5Gcreate2(w->file, "scales", H5P_DEFAULT, gcpl, H5P_DEFAULT);
  bad |= scales < 0 || write_labels(w, meta, scales);
  /* per-plan and per-product labels beside their results */
  hid_t plan = H5Gcreate2(w->file, "plan", H5P_DEFAULT, gcpl, H5P_DEFAULT);
  hid_t prod_labels = -1;
  if (plan >= 0) {
    hid_t d;
    if ((d = write_strings(plan, "name", meta->plans, meta->plan_names, "plan name")) >= 0) H5Dclose(d); else bad = 1;
    if ((d = write_strings(plan, "shop", meta->plans, meta->plan_shops, "shop of the plan")) >= 0) H5Dclose(d); else bad = 1;
    if ((d = write_vector(plan, "cap_li", H5T_STD_I64LE, H5T_NATIVE_INT64, meta->plans, meta->plan_cap_li,
                          "li (0.001 yuan)", "daily cap; 9223372036854775807 = unlimited")) >= 0) H5Dclose(d); else bad = 1;
    if ((d = write_vector(plan, "listed", H5T_STD_U8LE, H5T_NATIVE_UINT8, meta->plans, meta->plan_listed, NULL,
                          "1 = plan listed in the scenario, 0 = generated competitor")) >= 0) H5Dclose(d); else bad = 1;
    w->cap_hit = create_result(plan, "cap_hit_s", SHAPE_PLAN, &w->dims, "seconds after midnight",
                               "when the plan's daily cap stopped it; -1 = not reached that day");
    bad |= w->cap_hit < 0 || attach_scales(w->cap_hit, SHAPE_PLAN, scales);
    for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) {
      w->extra[e] = create_result(plan, extras[e].name, SHAPE_PLAN, &w->dims, extras[e].units, extras[e].description);
      bad |= w->extra[e] < 0 || attach_scales(w->extra[e], SHAPE_PLAN, scales);
    }
  } else {
    bad = 1;
  }
  for (int t = 0; t < TABLE_COUNT; t++) {
    hid_t g = H5Gcreate2(w->file, tables[t].group, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (g < 0) { bad = 1; continue; }
    attr_string(g, "description", tables[t].description);
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
      w->data[t][m] = create_result(g, metrics[m].name, tables[t].shape, &w->dims, metrics[m].units,
                                    metrics[m].description);
      bad |= w->data[t][m] < 0 || attach_scales(w->data[t][m], tables[t].shape, scales);
    }
    if (t == BIDSIM_TABLE_PRODUCT) prod_labels = g; else H5Gclose(g);
  }
  if (prod_labels >= 0) {
    hid_t d;
    if ((d = write_strings(prod_labels, "name", meta->products, meta->product_names, "product name")) >= 0) H5Dclose(d); else bad = 1;
    if ((d = write_strings(prod_labels, "shop", meta->products, meta->product_shops, "shop of the product")) >= 0) H5Dclose(d); else bad = 1;
    if ((d = write_vector(prod_labels, "plan", H5T_STD_U32LE, H5T_NATIVE_UINT32, meta->products, meta->product_plan,
                          NULL, "index of the plan advertising the product; 4294967295 = none")) >= 0) H5Dclose(d); else bad = 1;
    H5Gclose(prod_labels);
  }
  if (write_variant_tables(w, meta, scales, gcpl)) bad = 1;
  hid_t traffic = H5Gcreate2(w->file, "traffic", H5P_DEFAULT, gcpl, H5P_DEFAULT);
  if (traffic >= 0) {
    w->impressions = create_result(traffic, "impressions", SHAPE_HOUR_SEGMENT, &w->dims, "count",
                                   "impressions that arrived (auctions run), per hour and user segment");
    bad |= w->impressions < 0 || attach_scales(w->impressions, SHAPE_HOUR_SEGMENT, scales);
    H5Gclose(traffic);
  } else {
    bad = 1;
  }
  if (plan >= 0) H5Gclose(plan);
  if (scales >= 0) H5Gclose(scales);
  H5Pclose(gcpl);
  if (bad) {
    bidsim_writer_abort(w);
    return h5fail(err, path, "lay out the result file");
  }
  *out = w;
  return BIDSIM_OK;
}

static int write_slab(hid_t d, int rank, const hsize_t *ext, const bidsim_day_slab_t *s, const void *buf) {
  hsize_t start[5] = { s->variant, s->replicate, s->day, 0, 0 }, count[5];
  for (int i = 0; i < rank; i++) count[i] = i < 3 ? 1 : ext[i];
  hid_t fs = H5Dget_space(d);
  hid_t ms = H5Screate_simple(rank, count, NULL);
  herr_t rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
  if (rc >= 0) rc = H5Dwrite(d, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, buf);
  H5Sclose(ms);
  H5Sclose(fs);
  return rc < 0 ? -1 : 0;
}

int bidsim_writer_write_day(bidsim_writer_t *w, const bidsim_day_slab_t *s, bidsim_error_t *err) {
  const dims_t *dm = &w->dims;
  if (s->variant >= dm->variants || s->replicate >= dm->replicates || s->day >= dm->days || s->plans != dm->plans ||
      s->products != dm->products)
    return bidsim_error_set(err, BIDSIM_EINVAL, w->path, "day slab (%u, %u, %u) does not fit the file", s->variant,
                            s->replicate, s->day);
  hsize_t ext[5];
  for (int t = 0; t < TABLE_COUNT; t++) {
    shape_extent(tables[t].shape, dm, ext);
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
      const int64_t *buf = t == BIDSIM_TABLE_PLAN_SEGMENT ? &BIDSIM_SLAB_PS(s, m, 0, 0)
                         : t == BIDSIM_TABLE_PLAN_HOUR    ? &BIDSIM_SLAB_PH(s, m, 0, 0)
                                                          : &BIDSIM_SLAB_PR(s, m, 0);
      if (write_slab(w->data[t][m], shape_rank(tables[t].shape), ext, s, buf))
        return h5fail(err, w->path, "write a day of results");
    }
  }
  shape_extent(SHAPE_PLAN, dm, ext);
  if (write_slab(w->cap_hit, 4, ext, s, s->cap_hit_s)) return h5fail(err, w->path, "write cap_hit_s");
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++)
    if (write_slab(w->extra[e], 4, ext, s, s->extra[e])) return h5fail(err, w->path, "write a plan-day dataset");
  shape_extent(SHAPE_HOUR_SEGMENT, dm, ext);
  if (write_slab(w->impressions, 5, ext, s, s->impressions)) return h5fail(err, w->path, "write impressions");
  return BIDSIM_OK;
}

static void writer_close(bidsim_writer_t *w) {
  for (int t = 0; t < TABLE_COUNT; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++)
      if (w->data[t][m] >= 0) { H5Dclose(w->data[t][m]); w->data[t][m] = -1; }
  if (w->cap_hit >= 0) { H5Dclose(w->cap_hit); w->cap_hit = -1; }
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++)
    if (w->extra[e] >= 0) { H5Dclose(w->extra[e]); w->extra[e] = -1; }
  if (w->impressions >= 0) { H5Dclose(w->impressions); w->impressions = -1; }
}

int bidsim_writer_commit(bidsim_writer_t *w, bidsim_error_t *err) {
  writer_close(w);
  herr_t rc = H5Fclose(w->file);
  w->file = -1;
  if (rc < 0) {
    int code = h5fail(err, w->path, "close the result file");
    bidsim_writer_abort(w);
    return code;
  }
  if (rename(w->tmp, w->path) != 0) {
    int e = errno;
    int code = bidsim_error_set(err, BIDSIM_EIO, w->path, "cannot rename %s to %s: %s", w->tmp, w->path, strerror(e));
    bidsim_writer_abort(w);
    return code;
  }
  bidsim_free(w->tmp);
  w->tmp = NULL;
  bidsim_writer_abort(w);   /* frees what is left */
  return BIDSIM_OK;
}

void bidsim_writer_abort(bidsim_writer_t *w) {
  if (w == NULL) return;
  writer_close(w);
  if (w->file >= 0) H5Fclose(w->file);
  if (w->tmp) unlink(w->tmp);
  bidsim_free(w->tmp);
  bidsim_free(w->path);
  bidsim_free(w);
}

/* ---- reading -------------------------------------------------------------- */

struct bidsim_results {
  hid_t    file;
  dims_t   dims;
  uint64_t seed;
  char    *version, *scenario_text, *resolved_text, *scenario_path;
  char   **variant, **day, **plan_name, **plan_shop, **product_name, **product_shop;
  int64_t *plan_cap;
  uint8_t *plan_listed;
  uint64_t *product_id;
  uint32_t *product_plan;
  int64_t  *variant_cap;      /* [variant][plan] */
  uint8_t  *units_done;       /* [variant][replicate] */
  uint64_t fingerprint, shard_index, shard_count;
  bool     complete;
  uint32_t sweep_key_count;
  char   **sweep_keys, **sweep_values;
};

static char *read_attr_string(hid_t obj, const char *name) {
  if (H5Aexists(obj, name) <= 0) return NULL;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return NULL;
  hid_t ft = H5Aget_type(a);
  char *out = NULL;
  if (H5Tget_class(ft) == H5T_STRING) {
    if (H5Tis_variable_str(ft) > 0) {
      hid_t t = str_type();
      char *v = NULL;
      if (H5Aread(a, t, &v) >= 0 && v) {
        out = bidsim_strdup(v);
        H5free_memory(v);
      }
      H5Tclose(t);
    } else {
      size_t n = H5Tget_size(ft);
      out = bidsim_calloc(n + 1, 1);
      if (out && H5Aread(a, ft, out) < 0) { bidsim_free(out); out = NULL; }
    }
  }
  H5Tclose(ft);
  H5Aclose(a);
  return out;
}

static int read_attr_u64(hid_t obj, const char *name, uint64_t *v) {
  if (H5Aexists(obj, name) <= 0) return -1;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return -1;
  herr_t rc = H5Aread(a, H5T_NATIVE_UINT64, v);
  H5Aclose(a);
  return rc < 0 ? -1 : 0;
}

/* Length of a 1-D dataset, or -1. */
static long vector_len(hid_t file, const char *path) {
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0) return -1;
  hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t sp = H5Dget_space(d);
  hsize_t n = 0;
  int rank = H5Sget_simple_extent_ndims(sp);
  if (rank == 1) H5Sget_simple_extent_dims(sp, &n, NULL);
  H5Sclose(sp);
  H5Dclose(d);
  return rank == 1 && n < (hsize_t)UINT32_MAX ? (long)n : -1;
}

static void free_strings(char **v, uint32_t n);

static char **read_strings(hid_t file, const char *path, uint32_t n) {
  char **v = bidsim_calloc((size_t)n + 1, sizeof *v);
  if (v == NULL) return NULL;
  if (n == 0) return v;
  hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  if (d < 0) { bidsim_free(v); return NULL; }
  /* fixed-length labels (what the writer makes) or variable-length ones */
  hid_t ft = H5Dget_type(d);
  bool fixed = H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) == 0;
  size_t width = fixed ? H5Tget_size(ft) : 0;
  /* read in the file's own string type: HDF5 does not convert between
   * character sets */
  hid_t mt = fixed ? H5Tcopy(ft) : -1;
  H5Tclose(ft);
  if (fixed) {
    char *buf = bidsim_calloc((size_t)n + 1, width + 1);
    herr_t rc = buf ? H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : -1;
    H5Tclose(mt);
    H5Dclose(d);
    bool ok = rc >= 0;
    for (uint32_t i = 0; ok && i < n; i++) {
      char *c = bidsim_malloc(width + 1);
      if (c == NULL) { ok = false; break; }
      memcpy(c, buf + (size_t)i * width, width);
      c[width] = '\0';
      v[i] = c;
    }
    bidsim_free(buf);
    if (!ok) { free_strings(v, n); return NULL; }
    return v;
  }
  hid_t t = str_type();
  herr_t rc = d < 0 ? -1 : H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  H5Tclose(t);
  if (d >= 0) H5Dclose(d);
  if (rc < 0) { bidsim_free(v); return NULL; }
  /* copy out of HDF5's allocations so one free function owns them */
  for (uint32_t i = 0; i < n; i++) {
    char *c = bidsim_strdup(v[i] ? v[i] : "");
    if (v[i]) H5free_memory(v[i]);
    v[i] = c;
  }
  return v;
}

static void free_strings(char **v, uint32_t n) {
  if (v == NULL) return;
  for (uint32_t i = 0; i < n; i++) bidsim_free(v[i]);
  bidsim_free(v);
}

static void *read_vector(hid_t file, const char *path, hid_t mem_type, size_t elem, uint32_t n) {
  void *buf = bidsim_calloc((size_t)n + 1, elem);
  if (buf == NULL) return NULL;
  hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  herr_t rc = d < 0 ? -1 : H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  if (d >= 0) H5Dclose(d);
  if (rc < 0) { bidsim_free(buf); return NULL; }
  return buf;
}

/* A result dataset must exist with exactly the extent the scales give. */
static int check_shape(hid_t file, const char *path, shape_t shape, const dims_t *dm) {
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0) return -1;
  hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t sp = H5Dget_space(d);
  hsize_t got[8], want[5];
  int rank = H5Sget_simple_extent_ndims(sp);
  int ok = rank == shape_rank(shape) && H5Sget_simple_extent_dims(sp, got, NULL) == rank;
  shape_extent(shape, dm, want);
  for (int i = 0; ok && i < rank; i++) ok = got[i] == want[i];
  H5Sclose(sp);
  H5Dclose(d);
  return ok ? 0 : -1;
}

int bidsim_results_open(const char *path, bidsim_results_t **out, bidsim_error_t *err) {
  *out = NULL;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  if (access(path, R_OK) != 0)   /* a wrong name is bad input (exit 2), not an I/O failure */
    return bidsim_error_set(err, errno == ENOENT ? BIDSIM_ENOTFOUND : BIDSIM_EIO, path, "cannot read the file: %s",
                            strerror(errno));
  if (H5Fis_hdf5(path) <= 0)
    return bidsim_error_set(err, BIDSIM_EFORMAT, path, "not an HDF5 file (or a truncated one)");
  bidsim_results_t *r = bidsim_calloc(1, sizeof *r);
  if (r == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  int rc = BIDSIM_OK;
  r->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (r->file < 0) { rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "HDF5 cannot open the file (truncated?)"); goto fail; }
  char *fmt = read_attr_string(r->file, "format");
  bool is_ours = fmt && !strcmp(fmt, BIDSIM_FORMAT_NAME);
  bidsim_free(fmt);
  if (!is_ours) { rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "no format=\"%s\" attribute: not a bidsim result file", BIDSIM_FORMAT_NAME); goto fail; }
  uint64_t version = 0;
  if (read_attr_u64(r->file, "format_version", &version)) { rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "format_version attribute missing"); goto fail; }
  if (version > BIDSIM_FORMAT_VERSION) {
    rc = bidsim_error_set(err, BIDSIM_EVERSION, path, "format version %llu is newer than this bidsim reads (%d)",
                          (unsigned long long)version, BIDSIM_FORMAT_VERSION);
    goto fail;
  }
  read_attr_u64(r->file, "seed", &r->seed);
  r->version = read_attr_string(r->file, "bidsim_version");
  r->scenario_text = read_attr_string(r->file, "scenario_text");
  r->resolved_text = read_attr_string(r->file, "resolved_scenario");
  r->scenario_path = read_attr_string(r->file, "scenario_path");
  char *fp = read_attr_string(r->file, "fingerprint");
  if (fp) r->fingerprint = strtoull(fp, NULL, 16);
  bidsim_free(fp);
  read_attr_u64(r->file, "shard_index", &r->shard_index);
  read_attr_u64(r->file, "shard_count", &r->shard_count);
  long v = vector_len(r->file, "/scales/variant"), rep = vector_len(r->file, "/scales/replicate"),
       d = vector_len(r->file, "/scales/day"), p = vector_len(r->file, "/scales/plan"),
       q = vector_len(r->file, "/scales/product");
  if (v <= 0 || rep <= 0 || d <= 0 || p <= 0 || q <= 0) { rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "dimension scales under /scales are missing or empty"); goto fail; }
  r->dims = (dims_t){ (uint32_t)v, (uint32_t)rep, (uint32_t)d, (uint32_t)p, (uint32_t)q };
  char dpath[96];
  for (int t = 0; t < TABLE_COUNT; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
      snprintf(dpath, sizeof dpath, "/%s/%s", tables[t].group, metrics[m].name);
      if (check_shape(r->file, dpath, tables[t].shape, &r->dims)) {
        rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "dataset %s is missing or its shape disagrees with the scales", dpath);
        goto fail;
      }
    }
  if (check_shape(r->file, "/plan/cap_hit_s", SHAPE_PLAN, &r->dims) ||
      check_shape(r->file, "/traffic/impressions", SHAPE_HOUR_SEGMENT, &r->dims) ||
      vector_len(r->file, "/plan/name") != p || vector_len(r->file, "/plan/shop") != p ||
      vector_len(r->file, "/plan/cap_li") != p || vector_len(r->file, "/plan/listed") != p ||
      vector_len(r->file, "/product/name") != q || vector_len(r->file, "/product/shop") != q ||
      vector_len(r->file, "/product/plan") != q) {
    rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "plan or product labels are missing or of the wrong length");
    goto fail;
  }
  r->variant = read_strings(r->file, "/scales/variant", r->dims.variants);
  r->day = read_strings(r->file, "/scales/day", r->dims.days);
  r->plan_name = read_strings(r->file, "/plan/name", r->dims.plans);
  r->plan_shop = read_strings(r->file, "/plan/shop", r->dims.plans);
  r->product_name = read_strings(r->file, "/product/name", r->dims.products);
  r->product_shop = read_strings(r->file, "/product/shop", r->dims.products);
  r->plan_cap = read_vector(r->file, "/plan/cap_li", H5T_NATIVE_INT64, sizeof(int64_t), r->dims.plans);
  r->plan_listed = read_vector(r->file, "/plan/listed", H5T_NATIVE_UINT8, 1, r->dims.plans);
  r->product_id = read_vector(r->file, "/scales/product", H5T_NATIVE_UINT64, sizeof(uint64_t), r->dims.products);
  r->product_plan = read_vector(r->file, "/product/plan", H5T_NATIVE_UINT32, sizeof(uint32_t), r->dims.products);
  /* /variant/cap_li (written since variants exist); older files: the plans' caps */
  r->variant_cap = bidsim_malloc((size_t)r->dims.variants * r->dims.plans * sizeof *r->variant_cap + 1);
  if (r->variant_cap && r->plan_cap) {
    hid_t vd = H5Lexists(r->file, "/variant", H5P_DEFAULT) > 0 && H5Lexists(r->file, "/variant/cap_li", H5P_DEFAULT) > 0
                   ? H5Dopen2(r->file, "/variant/cap_li", H5P_DEFAULT) : -1;
    bool ok = false;
    if (vd >= 0) {
      hid_t sp = H5Dget_space(vd);
      hsize_t ext[2];
      ok = H5Sget_simple_extent_ndims(sp) == 2 && H5Sget_simple_extent_dims(sp, ext, NULL) == 2 &&
           ext[0] == r->dims.variants && ext[1] == r->dims.plans &&
           H5Dread(vd, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, r->variant_cap) >= 0;
      H5Sclose(sp);
      H5Dclose(vd);
      if (!ok) { rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "/variant/cap_li has the wrong shape or cannot be read"); goto fail; }
    } else {
      for (size_t i = 0; i < (size_t)r->dims.variants * r->dims.plans; i++) r->variant_cap[i] = r->plan_cap[i % r->dims.plans];
    }
  }
  /* /variant/units_done: which units a part file holds; older files hold all */
  size_t nu = (size_t)r->dims.variants * r->dims.replicates;
  r->units_done = bidsim_malloc(nu + 1);
  if (r->units_done) {
    memset(r->units_done, 1, nu);
    if (H5Lexists(r->file, "/variant", H5P_DEFAULT) > 0 && H5Lexists(r->file, "/variant/units_done", H5P_DEFAULT) > 0) {
      hid_t ud = H5Dopen2(r->file, "/variant/units_done", H5P_DEFAULT);
      hid_t sp = ud < 0 ? -1 : H5Dget_space(ud);
      hsize_t ext[2] = { 0, 0 };
      bool ok = sp >= 0 && H5Sget_simple_extent_ndims(sp) == 2 && H5Sget_simple_extent_dims(sp, ext, NULL) == 2 &&
                ext[0] == r->dims.variants && ext[1] == r->dims.replicates &&
                H5Dread(ud, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, r->units_done) >= 0;
      if (sp >= 0) H5Sclose(sp);
      if (ud >= 0) H5Dclose(ud);
      if (!ok) { rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "/variant/units_done has the wrong shape or cannot be read"); goto fail; }
    }
    r->complete = true;
    for (size_t i = 0; i < nu; i++) r->complete &= r->units_done[i] != 0;
  }
  /* a sweep's keys and values, if any (merge passes them on) */
  long nk = H5Lexists(r->file, "/variant", H5P_DEFAULT) > 0 ? vector_len(r->file, "/variant/sweep_keys") : -1;
  if (nk > 0 && nk <= 64) {
    r->sweep_key_count = (uint32_t)nk;
    r->sweep_keys = read_strings(r->file, "/variant/sweep_keys", r->sweep_key_count);
    r->sweep_values = read_strings(r->file, "/variant/sweep_values", r->dims.variants * r->sweep_key_count);
    if (!r->sweep_keys || !r->sweep_values) { rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "cannot read /variant/sweep_keys or sweep_values"); goto fail; }
  }
  if (!r->variant || !r->day || !r->plan_name || !r->plan_shop || !r->product_name || !r->product_shop || !r->variant_cap || !r->units_done ||
      !r->plan_cap || !r->plan_listed || !r->product_id || !r->product_plan) {
    rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "cannot read the label datasets");
    goto fail;
  }
  *out = r;
  return BIDSIM_OK;
fail:
  bidsim_results_close(r);
  return rc;
}

void bidsim_results_close(bidsim_results_t *r) {
  if (r == NULL) return;
  if (r->file >= 0 && r->file != 0) H5Fclose(r->file);
  bidsim_free(r->version);
  bidsim_free(r->scenario_text);
  free_strings(r->variant, r->dims.variants);
  free_strings(r->day, r->dims.days);
  free_strings(r->plan_name, r->dims.plans);
  free_strings(r->plan_shop, r->dims.plans);
  free_strings(r->product_name, r->dims.products);
  free_strings(r->product_shop, r->dims.products);
  bidsim_free(r->plan_cap);
  bidsim_free(r->plan_listed);
  bidsim_free(r->product_id);
  bidsim_free(r->product_plan);
  bidsim_free(r->variant_cap);
  bidsim_free(r->units_done);
  free_strings(r->sweep_keys, r->sweep_key_count);
  free_strings(r->sweep_values, r->dims.variants * r->sweep_key_count);
  bidsim_free(r->resolved_text);
  bidsim_free(r->scenario_path);
  bidsim_free(r);
}

void bidsim_results_dims(const bidsim_results_t *r, bidsim_results_dims_t *out) {
  out->variants = r->dims.variants;
  out->replicates = r->dims.replicates;
  out->days = r->dims.days;
  out->plans = r->dims.plans;
  out->products = r->dims.products;
  out->seed = r->seed;
  out->bidsim_version = r->version ? r->version : "unknown";
}

const char *bidsim_results_variant_name(const bidsim_results_t *r, uint32_t v) { return v < r->dims.variants ? r->variant[v] : NULL; }
const char *bidsim_results_day_label(const bidsim_results_t *r, uint32_t d) { return d < r->dims.days ? r->day[d] : NULL; }
const char *bidsim_results_plan_name(const bidsim_results_t *r, uint32_t p) { return p < r->dims.plans ? r->plan_name[p] : NULL; }
const char *bidsim_results_plan_shop(const bidsim_results_t *r, uint32_t p) { return p < r->dims.plans ? r->plan_shop[p] : NULL; }
int64_t bidsim_results_plan_cap_li(const bidsim_results_t *r, uint32_t p) { return p < r->dims.plans ? r->plan_cap[p] : 0; }
int64_t bidsim_results_variant_cap_li(const bidsim_results_t *r, uint32_t v, uint32_t p) {
  return v < r->dims.variants && p < r->dims.plans ? r->variant_cap[(size_t)v * r->dims.plans + p] : 0;
}
bool bidsim_results_plan_listed(const bidsim_results_t *r, uint32_t p) { return p < r->dims.plans && r->plan_listed[p]; }
const char *bidsim_results_product_name(const bidsim_results_t *r, uint32_t q) { return q < r->dims.products ? r->product_name[q] : NULL; }
uint64_t bidsim_results_product_id(const bidsim_results_t *r, uint32_t q) { return q < r->dims.products ? r->product_id[q] : 0; }
const char *bidsim_results_product_shop(const bidsim_results_t *r, uint32_t q) { return q < r->dims.products ? r->product_shop[q] : NULL; }
uint32_t bidsim_results_product_plan(const bidsim_results_t *r, uint32_t q) { return q < r->dims.products ? r->product_plan[q] : UINT32_MAX; }
const char *bidsim_results_scenario_text(const bidsim_results_t *r) { return r->scenario_text ? r->scenario_text : ""; }
uint64_t bidsim_results_fingerprint(const bidsim_results_t *r) { return r->fingerprint; }
bool bidsim_results_has_unit(const bidsim_results_t *r, uint32_t v, uint32_t rep) {
  return v < r->dims.variants && rep < r->dims.replicates && r->units_done[(size_t)v * r->dims.replicates + rep];
}
bool bidsim_results_complete(const bidsim_results_t *r) { return r->complete; }
void bidsim_results_shard(const bidsim_results_t *r, uint32_t *index, uint32_t *count) {
  *index = (uint32_t)r->shard_index;
  *count = (uint32_t)r->shard_count;
}

void bidsim_results_meta(const bidsim_results_t *r, bidsim_output_meta_t *meta) {
  memset(meta, 0, sizeof *meta);
  meta->scenario_text = r->scenario_text ? r->scenario_text : "";
  meta->resolved_text = r->resolved_text ? r->resolved_text : "";
  meta->scenario_path = r->scenario_path ? r->scenario_path : "";
  meta->seed = r->seed;
  meta->day_labels = (const char *const *)r->day;
  meta->variants = r->dims.variants;
  meta->variant_names = (const char *const *)r->variant;
  meta->replicates = r->dims.replicates;
  meta->days = r->dims.days;
  meta->plans = r->dims.plans;
  meta->plan_names = (const char *const *)r->plan_name;
  meta->plan_shops = (const char *const *)r->plan_shop;
  meta->plan_cap_li = r->plan_cap;
  meta->variant_cap_li = r->variant_cap;
  meta->plan_listed = r->plan_listed;
  meta->products = r->dims.products;
  meta->product_ids = r->product_id;
  meta->product_names = (const char *const *)r->product_name;
  meta->product_shops = (const char *const *)r->product_shop;
  meta->product_plan = r->product_plan;
  meta->fingerprint = r->fingerprint;
  meta->sweep_key_count = r->sweep_key_count;
  meta->sweep_keys = (const char *const *)r->sweep_keys;
  meta->sweep_values = (const char *const *)r->sweep_values;
}

/* The block of a dataset at start[0 .. fixed-1] in its first `fixed`
 * dimensions (one index each) and whole in the others, into buf: 0, -1 if
 * the dataset cannot be opened, -2 if it cannot be read as such a block
 * (too few dimensions, or more than ours ever have). */
static int read_block(hid_t file, const char *path, const hsize_t start[5], int fixed, void *buf) {
  hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t fs = H5Dget_space(d);
  hsize_t ext[5], at[5] = { 0, 0, 0, 0, 0 };
  int rank = H5Sget_simple_extent_ndims(fs);
  bool ok = rank > fixed && rank <= 5 && H5Sget_simple_extent_dims(fs, ext, NULL) == rank;
  for (int i = 0; ok && i < fixed; i++) {
    ext[i] = 1;
    at[i] = start[i];
  }
  hid_t ms = ok ? H5Screate_simple(rank, ext, NULL) : -1;
  ok = ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, at, NULL, ext, NULL) >= 0 &&
       H5Dread(d, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, buf) >= 0;
  if (ms >= 0) H5Sclose(ms);
  H5Sclose(fs);
  H5Dclose(d);
  return ok ? 0 : -2;
}

/* One (v, rep, day) block of a dataset into buf. */
static int read_cell(bidsim_results_t *r, const char *path, uint32_t v, uint32_t rep, uint32_t day, void *buf) {
  const hsize_t start[5] = { v, rep, day, 0, 0 };
  return read_block(r->file, path, start, 3, buf) ? -1 : 0;
}

int bidsim_results_read_day(bidsim_results_t *r, uint32_t v, uint32_t rep, uint32_t day, bidsim_day_slab_t *s,
                            bidsim_error_t *err) {
  if (v >= r->dims.variants || rep >= r->dims.replicates || day >= r->dims.days || s->plans != r->dims.plans ||
      s->products != r->dims.products)
    return bidsim_error_set(err, BIDSIM_EINVAL, "results", "day (%u, %u, %u) does not fit the file", v, rep, day);
  char path[96];
  for (int t = 0; t < TABLE_COUNT; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
      int64_t *buf = t == BIDSIM_TABLE_PLAN_SEGMENT ? &BIDSIM_SLAB_PS(s, m, 0, 0)
                   : t == BIDSIM_TABLE_PLAN_HOUR    ? &BIDSIM_SLAB_PH(s, m, 0, 0)
                                                    : &BIDSIM_SLAB_PR(s, m, 0);
      snprintf(path, sizeof path, "/%s/%s", tables[t].group, metrics[m].name);
      if (read_cell(r, path, v, rep, day, buf)) return bidsim_error_set(err, BIDSIM_EFORMAT, path, "cannot read the dataset (corrupt file?)");
    }
  if (read_cell(r, "/plan/cap_hit_s", v, rep, day, s->cap_hit_s) ||
      read_cell(r, "/traffic/impressions", v, rep, day, s->impressions))
    return bidsim_error_set(err, BIDSIM_EFORMAT, "results", "cannot read cap_hit_s or impressions (corrupt file?)");
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) {
    /* older files lack these datasets: zeros */
    char ep[96];
    snprintf(ep, sizeof ep, "/plan/%s", extras[e].name);
    memset(s->extra[e], 0, s->plans * sizeof(int64_t));
    if (H5Lexists(r->file, ep, H5P_DEFAULT) > 0 && read_cell(r, ep, v, rep, day, s->extra[e]))
      return bidsim_error_set(err, BIDSIM_EFORMAT, ep, "cannot read the dataset (corrupt file?)");
  }
  s->variant = v;
  s->replicate = rep;
  s->day = day;
  return BIDSIM_OK;
}

static int read_all(bidsim_results_t *r, const char *path, int64_t *buf, bidsim_error_t *err) {
  hid_t d = H5Dopen2(r->file, path, H5P_DEFAULT);
  herr_t rc = d < 0 ? -1 : H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  if (d >= 0) H5Dclose(d);
  if (rc < 0) return bidsim_error_set(err, BIDSIM_EFORMAT, path, "cannot read the dataset (corrupt file?)");
  return BIDSIM_OK;
}

int bidsim_results_read(bidsim_results_t *r, bidsim_table_t table, int metric, int64_t *buf, bidsim_error_t *err) {
  if ((int)table < 0 || table >= TABLE_COUNT || metric < 0 || metric >= BIDSIM_METRIC_COUNT)
    return bidsim_error_set(err, BIDSIM_EINVAL, "results", "no table %d metric %d", (int)table, metric);
  char path[96];
  snprintf(path, sizeof path, "/%s/%s", tables[table].group, metrics[metric].name);
  return read_all(r, path, buf, err);
}

/* Read the (v, rep, ...) block of a dataset whose first two dimensions are
 * variant and replicate. */
static int read_unit(bidsim_results_t *r, const char *path, uint32_t v, uint32_t rep, int64_t *buf,
                     bidsim_error_t *err) {
  if (v >= r->dims.variants || rep >= r->dims.replicates)
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "no unit (variant %u, replicate %u) in a %u x %u file", v, rep,
                            r->dims.variants, r->dims.replicates);
  const hsize_t start[5] = { v, rep, 0, 0, 0 };
  int rc = read_block(r->file, path, start, 2, buf);
  if (rc == -1) return bidsim_error_set(err, BIDSIM_EFORMAT, path, "cannot open the dataset (corrupt file?)");
  if (rc) return bidsim_error_set(err, BIDSIM_EFORMAT, path, "cannot read the dataset (corrupt file?)");
  return BIDSIM_OK;
}

int bidsim_results_read_unit(bidsim_results_t *r, bidsim_table_t table, int metric, uint32_t variant,
                             uint32_t replicate, int64_t *buf, bidsim_error_t *err) {
  if ((int)table < 0 || table >= TABLE_COUNT || metric < 0 || metric >= BIDSIM_METRIC_COUNT)
    return bidsim_error_set(err, BIDSIM_EINVAL, "results", "no table %d metric %d", (int)table, metric);
  char path[96];
  snprintf(path, sizeof path, "/%s/%s", tables[table].group, metrics[metric].name);
  return read_unit(r, path, variant, replicate, buf, err);
}

int bidsim_results_read_cap_hit_unit(bidsim_results_t *r, uint32_t variant, uint32_t replicate, int64_t *buf,
                                     bidsim_error_t *err) {
  return read_unit(r, "/plan/cap_hit_s", variant, replicate, buf, err);
}

int bidsim_results_read_cap_hit(bidsim_results_t *r, int64_t *buf, bidsim_error_t *err) {
  return read_all(r, "/plan/cap_hit_s", buf, err);
}

int bidsim_results_read_impressions(bidsim_results_t *r, int64_t *buf, bidsim_error_t *err) {
  return read_all(r, "/traffic/impressions", buf, err);
}

int bidsim_results_read_impressions_unit(bidsim_results_t *r, uint32_t variant, uint32_t replicate, int64_t *buf,
                                         bidsim_error_t *err) {
  return read_unit(r, "/traffic/impressions", variant, replicate, buf, err);
}

/* ---- merging: chunks copied as stored --------------------------------------- */

/* One dataset's chunk (v, rep, day) from src to dst, still compressed:
 * every result dataset has one chunk per (variant, replicate, day). */
static int copy_chunk(hid_t src, hid_t dst, uint32_t v, uint32_t rep, uint32_t day, void **buf, size_t *cap) {
  hsize_t off[5] = { v, rep, day, 0, 0 }, bytes = 0;
  if (H5Dget_chunk_storage_size(src, off, &bytes) < 0 || bytes == 0) return -1;
  if (bytes > *cap) {
    void *nb = bidsim_realloc(*buf, (size_t)bytes);
    if (nb == NULL) return -1;
    *buf = nb;
    *cap = (size_t)bytes;
  }
  uint32_t filters = 0;
  if (H5Dread_chunk(src, H5P_DEFAULT, off, &filters, *buf) < 0) return -1;
  return H5Dwrite_chunk(dst, H5P_DEFAULT, filters, off, (size_t)bytes, *buf) < 0 ? -1 : 0;
}

int bidsim_writer_copy_unit(bidsim_writer_t *w, bidsim_results_t *src, uint32_t v, uint32_t rep, bidsim_error_t *err) {
  const char *paths[TABLE_COUNT * BIDSIM_METRIC_COUNT + 2 + BIDSIM_EXTRA_COUNT];
  hid_t dsts[TABLE_COUNT * BIDSIM_METRIC_COUNT + 2 + BIDSIM_EXTRA_COUNT];
  char names[TABLE_COUNT * BIDSIM_METRIC_COUNT][96];
  int n = 0;
  for (int t = 0; t < TABLE_COUNT; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++, n++) {
      snprintf(names[n], sizeof names[n], "/%s/%s", tables[t].group, metrics[m].name);
      paths[n] = names[n];
      dsts[n] = w->data[t][m];
    }
  paths[n] = "/plan/cap_hit_s";
  dsts[n++] = w->cap_hit;
  char extra_paths[BIDSIM_EXTRA_COUNT][96];
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) {
    snprintf(extra_paths[e], sizeof extra_paths[e], "/plan/%s", extras[e].name);
    paths[n] = extra_paths[e];
    dsts[n++] = w->extra[e];
  }
  paths[n] = "/traffic/impressions";
  dsts[n++] = w->impressions;
  void *buf = NULL;
  size_t cap = 0;
  int rc = BIDSIM_OK;
  for (int i = 0; i < n && rc == BIDSIM_OK; i++) {
    hid_t d = H5Dopen2(src->file, paths[i], H5P_DEFAULT);
    for (uint32_t day = 0; day < w->dims.days && rc == BIDSIM_OK; day++)
      if (d < 0 || copy_chunk(d, dsts[i], v, rep, day, &buf, &cap))
        rc = bidsim_error_set(err, BIDSIM_EHDF5, paths[i], "cannot copy unit (variant %u, replicate %u) day %u", v, rep, day);
    if (d >= 0) H5Dclose(d);
  }
  bidsim_free(buf);
  return rc;
}
