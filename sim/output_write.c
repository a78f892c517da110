/* sim/output_write.c - the result file writer: every dataset laid out from
 * the table in output_hdf5.c, day slabs written in unit order, the file
 * written under a temporary name and renamed when complete; and merge's
 * chunk copy. No timestamps are stored, so identical runs give identical
 * files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hdf5_hl.h>
#include "bidsim/alloc.h"
#include "sim/output_hdf5_internal.h"

struct bidsim_writer {
  char    *path, *tmp;
  hid_t    file;
  output_dims_t   dims;
  hid_t    data[OUTPUT_TABLE_COUNT][BIDSIM_METRIC_COUNT];
  hid_t    cap_hit, extra[BIDSIM_EXTRA_COUNT], impressions;
  output_h5_error_t herr;   /* what HDF5 said about the failures so far */
};

static int h5fail(bidsim_error_t *err, bidsim_writer_t *w, const char *what) {
  return output_h5_fail(err, &w->herr, BIDSIM_EHDF5, w->path, what);
}

/* Every object's creation properties: no timestamps (identical runs give
 * identical bytes), and links and attributes kept in the object's header,
 * which HDF5 checksums, rather than in the dense storage it would switch to
 * beyond 8 of them. */
static hid_t object_props(hid_t cls) {
  hid_t p = H5Pcreate(cls);
  H5Pset_obj_track_times(p, 0);
  H5Pset_attr_phase_change(p, 64, 48);
  if (cls != H5P_DATASET_CREATE) H5Pset_link_phase_change(p, 64, 48);
  return p;
}

static hid_t fixed_str(size_t width) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, width ? width : 1);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

/* Strings are fixed-length everywhere: a variable-length string lives in
 * HDF5's global heap, which has no checksum, and a damaged heap reference
 * crashed readers inside HDF5 (format version 1). */
static int attr_string(hid_t obj, const char *name, const char *value) {
  hid_t t = fixed_str(strlen(value) + 1), sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, t, value);
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

/* The root attributes in output_root_attrs' order, and their checksum. */
static int write_root(hid_t file, const bidsim_output_meta_t *meta) {
  char fp[24];
  snprintf(fp, sizeof fp, "%016llx", (unsigned long long)meta->fingerprint);
  const char *str[ROOT_COUNT] = {
    [ROOT_FORMAT] = BIDSIM_FORMAT_NAME, [ROOT_BIDSIM_VERSION] = BIDSIM_VERSION,
    [ROOT_SCENARIO_PATH] = meta->scenario_path ? meta->scenario_path : "",
    [ROOT_SCENARIO_TEXT] = meta->scenario_text ? meta->scenario_text : "",
    [ROOT_RESOLVED] = meta->resolved_text ? meta->resolved_text : "", [ROOT_FINGERPRINT] = fp };
  const uint64_t num[ROOT_COUNT] = { [ROOT_FORMAT_VERSION] = BIDSIM_FORMAT_VERSION, [ROOT_SEED] = meta->seed,
                                     [ROOT_SHARD_INDEX] = meta->shard_index, [ROOT_SHARD_COUNT] = meta->shard_count };
  hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
  int bad = root < 0;
  uint64_t sum = OUTPUT_SUM_BASIS;
  for (int i = 0; i < ROOT_COUNT && !bad; i++) {
    const output_root_attr_t *a = &output_root_attrs[i];
    if (a->optional && meta->shard_count == 0) continue;   /* shard attributes: part files only */
    bad |= a->is_string ? attr_string(root, a->name, str[i]) : attr_u64(root, a->name, num[i]);
    sum = output_sum_attr(sum, a->name, str[i], num[i], a->is_string);
  }
  if (!bad) bad |= attr_u64(root, "checksum", sum);
  if (root >= 0) H5Gclose(root);
  return bad ? -1 : 0;
}

/* A small label dataset (rank 1 or 2), written whole, checksummed: one
 * chunk as large as the dataset with HDF5's Fletcher32 filter. */
static hid_t write_label(hid_t loc, const char *name, hid_t file_type, hid_t mem_type, int rank, const hsize_t *ext,
                         const void *data, const char *units, const char *description) {
  hid_t dcpl = object_props(H5P_DATASET_CREATE);
  hsize_t points = 1;
  for (int i = 0; i < rank; i++) points *= ext[i];
  if (points > 0) {   /* an empty dataset cannot be chunked, and holds nothing to check */
    H5Pset_chunk(dcpl, rank, ext);
    H5Pset_fletcher32(dcpl);
  }
  hid_t sp = H5Screate_simple(rank, ext, NULL);
  hid_t d = H5Dcreate2(loc, name, file_type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Sclose(sp);
  H5Pclose(dcpl);
  if (d < 0) return -1;
  if ((points > 0 && H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) ||
      (units && attr_string(d, "units", units)) || (description && attr_string(d, "description", description))) {
    H5Dclose(d);
    return -1;
  }
  return d;
}

static hid_t write_vector(hid_t loc, const char *name, hid_t file_type, hid_t mem_type, hsize_t n, const void *data,
                          const char *units, const char *description) {
  return write_label(loc, name, file_type, mem_type, 1, &n, data, units, description);
}

/* Label strings as fixed-length UTF-8, as long as the longest (writing
 * 10,000 variable-length strings also went through the global heap one by
 * one and cost more than a day of results). Rank 1 (n) or 2 (n / cols, cols). */
static hid_t write_string_table(hid_t loc, const char *name, hsize_t n, hsize_t cols, const char *const *v,
                                const char *units, const char *description) {
  size_t width = 1;
  for (hsize_t i = 0; i < n; i++) {
    size_t len = v[i] ? strlen(v[i]) + 1 : 1;
    if (len > width) width = len;
  }
  char *buf = bidsim_calloc((size_t)n + 1, width);
  if (buf == NULL) return -1;
  for (hsize_t i = 0; i < n; i++)
    if (v[i]) memcpy(buf + i * width, v[i], strlen(v[i]));
  hid_t t = fixed_str(width);
  hsize_t ext[2] = { cols ? n / cols : n, cols };
  hid_t d = write_label(loc, name, t, t, cols ? 2 : 1, ext, buf, units, description);
  H5Tclose(t);
  bidsim_free(buf);
  return d;
}

static hid_t write_strings(hid_t loc, const char *name, hsize_t n, const char *const *v, const char *description) {
  return write_string_table(loc, name, n, 0, v, NULL, description);
}

/* A chunked, compressed, checksummed result dataset of one shape, one
 * (v, r, d) slab per chunk. */
static hid_t create_result(hid_t loc, const char *name, output_shape_t shape, const output_dims_t *dm, const char *units,
                           const char *description) {
  hsize_t ext[5], chunk[5];
  int rank = output_shape_rank(shape);
  output_shape_extent(shape, dm, ext);
  for (int i = 0; i < rank; i++) chunk[i] = i < 3 ? 1 : ext[i];
  hid_t dcpl = object_props(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, rank, chunk);
  /* deflate alone: on these int64 counters the shuffle filter made files
   * about 14% larger and the day's write about 25% slower (measured on
   * pdd_baseline, strategy_compare, double11 and the 10,000-plan case);
   * then Fletcher32 over the compressed bytes, so any damage to a stored
   * chunk fails its read instead of giving other numbers */
  H5Pset_deflate(dcpl, 1);
  H5Pset_fletcher32(dcpl);
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

static int attach_scales(hid_t d, output_shape_t shape, hid_t scales_group) {
  for (int i = 0; i < output_shape_rank(shape); i++) {
    hid_t s = H5Dopen2(scales_group, output_shape_dims[shape][i], H5P_DEFAULT);
    if (s < 0) return -1;
    herr_t rc = H5DSattach_scale(d, s, (unsigned)i);
    H5Dclose(s);
    if (rc < 0) return -1;
  }
  return 0;
}

static int write_labels(bidsim_writer_t *w, const bidsim_output_meta_t *meta, hid_t scales) {
  const output_dims_t *dm = &w->dims;
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

/* Attach the named scales (NULL: a dimension without one) to a label table. */
static int attach_named(hid_t d, hid_t scales, const char *const dims[2]) {
  int rc = d < 0 ? -1 : 0;
  for (unsigned i = 0; rc == 0 && i < 2; i++) {
    if (dims[i] == NULL) continue;
    hid_t sc = H5Dopen2(scales, dims[i], H5P_DEFAULT);
    if (sc < 0 || H5DSattach_scale(d, sc, i) < 0) rc = -1;
    if (sc >= 0) H5Dclose(sc);
  }
  if (d >= 0) H5Dclose(d);
  return rc;
}

/* /variant/cap_li (V, P): each plan's daily cap as each variant runs it
 * (variants may change listed plans' caps; /plan/cap_li is the scenario's);
 * /variant/units_done (V, R): which units the file holds (a part file of
 * bidsim run --shard holds only its shard's). */
static int write_variant_tables(bidsim_writer_t *w, const bidsim_output_meta_t *meta, hid_t scales, hid_t gcpl) {
  const output_dims_t *dm = &w->dims;
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
    rc |= attach_named(write_label(g, "cap_li", H5T_STD_I64LE, H5T_NATIVE_INT64, 2, ext, caps,
                                   "li (0.001 yuan); 9223372036854775807 = unlimited",
                                   "daily cap of each plan as each variant runs it"), scales, vp);
    rc |= attach_named(write_label(g, "units_done", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, extu, done, "1 = present",
                                   "units (variant, replicate) this file holds; a part file holds its shard's"),
                       scales, vr);
  }
  if (rc == 0 && meta->sweep_key_count) {
    /* a sweep: each variant's value of each swept key path, as written */
    hid_t d = write_strings(g, "sweep_keys", meta->sweep_key_count, meta->sweep_keys, "swept key paths");
    if (d >= 0) H5Dclose(d); else rc = -1;
    static const char *const vk[2] = { "variant", NULL };
    rc |= attach_named(write_string_table(g, "sweep_values", (hsize_t)dm->variants * meta->sweep_key_count,
                                          meta->sweep_key_count, meta->sweep_values, "as written in the scenario",
                                          "each variant's value of each key in /variant/sweep_keys"), scales, vk);
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
  output_h5_init();
  bidsim_writer_t *w = bidsim_calloc(1, sizeof *w);
  if (w == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  w->file = w->cap_hit = w->impressions = -1;
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) w->extra[e] = -1;
  for (int t = 0; t < OUTPUT_TABLE_COUNT; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) w->data[t][m] = -1;
  w->dims = (output_dims_t){ meta->variants, meta->replicates, meta->days, meta->plans, meta->products };
  size_t n = strlen(path) + 32;
  w->path = bidsim_strdup(path);
  w->tmp = bidsim_malloc(n);
  if (!w->path || !w->tmp) { bidsim_writer_abort(w); return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory"); }
  snprintf(w->tmp, n, "%s.tmp.%ld", path, (long)getpid());
  bidsim_output_remove_stale(path, NULL, NULL);   /* best effort: a folder we cannot list fails just below */

  /* the 1.10 file format: every metadata structure (superblock, object
   * headers, chunk indexes) carries a checksum, which HDF5 checks on read */
  hid_t fcpl = object_props(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
  w->file = H5Fcreate(w->tmp, H5F_ACC_TRUNC, fcpl, fapl);
  if (w->file < 0) output_h5_capture(&w->herr);
  H5Pclose(fcpl);
  H5Pclose(fapl);
  if (w->file < 0) {
    int code = output_h5_fail(err, &w->herr, BIDSIM_EIO, path, "create the result file's temporary");
    bidsim_writer_abort(w);
    return code;
  }
  hid_t gcpl = object_props(H5P_GROUP_CREATE);
  int bad = write_root(w->file, meta);

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
      w->extra[e] = create_result(plan, output_extras[e].name, SHAPE_PLAN, &w->dims, output_extras[e].units, output_extras[e].description);
      bad |= w->extra[e] < 0 || attach_scales(w->extra[e], SHAPE_PLAN, scales);
    }
  } else {
    bad = 1;
  }
  for (int t = 0; t < OUTPUT_TABLE_COUNT; t++) {
    hid_t g = H5Gcreate2(w->file, output_tables[t].group, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (g < 0) { bad = 1; continue; }
    attr_string(g, "description", output_tables[t].description);
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
      w->data[t][m] = create_result(g, output_metrics[m].name, output_tables[t].shape, &w->dims, output_metrics[m].units,
                                    output_metrics[m].description);
      bad |= w->data[t][m] < 0 || attach_scales(w->data[t][m], output_tables[t].shape, scales);
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
    int code = h5fail(err, w, "lay out the result file");
    bidsim_writer_abort(w);
    return code;
  }
  *out = w;
  return BIDSIM_OK;
}

static int write_slab(hid_t d, int rank, const hsize_t *ext, const bidsim_day_slab_t *s, const void *buf,
                      output_h5_error_t *herr) {
  hsize_t start[5] = { s->variant, s->replicate, s->day, 0, 0 }, count[5];
  for (int i = 0; i < rank; i++) count[i] = i < 3 ? 1 : ext[i];
  hid_t fs = H5Dget_space(d);
  hid_t ms = H5Screate_simple(rank, count, NULL);
  herr_t rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
  if (rc >= 0) rc = H5Dwrite(d, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, buf);
  if (rc < 0) output_h5_capture(herr);
  H5Sclose(ms);
  H5Sclose(fs);
  return rc < 0 ? -1 : 0;
}

int bidsim_writer_write_day(bidsim_writer_t *w, const bidsim_day_slab_t *s, bidsim_error_t *err) {
  const output_dims_t *dm = &w->dims;
  if (s->variant >= dm->variants || s->replicate >= dm->replicates || s->day >= dm->days || s->plans != dm->plans ||
      s->products != dm->products)
    return bidsim_error_set(err, BIDSIM_EINVAL, w->path, "day slab (%u, %u, %u) does not fit the file", s->variant,
                            s->replicate, s->day);
  hsize_t ext[5];
  for (int t = 0; t < OUTPUT_TABLE_COUNT; t++) {
    output_shape_extent(output_tables[t].shape, dm, ext);
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
      const int64_t *buf = t == BIDSIM_TABLE_PLAN_SEGMENT ? &BIDSIM_SLAB_PS(s, m, 0, 0)
                         : t == BIDSIM_TABLE_PLAN_HOUR    ? &BIDSIM_SLAB_PH(s, m, 0, 0)
                                                          : &BIDSIM_SLAB_PR(s, m, 0);
      if (write_slab(w->data[t][m], output_shape_rank(output_tables[t].shape), ext, s, buf, &w->herr))
        return h5fail(err, w, "write a day of results");
    }
  }
  output_shape_extent(SHAPE_PLAN, dm, ext);
  if (write_slab(w->cap_hit, 4, ext, s, s->cap_hit_s, &w->herr)) return h5fail(err, w, "write cap_hit_s");
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++)
    if (write_slab(w->extra[e], 4, ext, s, s->extra[e], &w->herr)) return h5fail(err, w, "write a plan-day dataset");
  output_shape_extent(SHAPE_HOUR_SEGMENT, dm, ext);
  if (write_slab(w->impressions, 5, ext, s, s->impressions, &w->herr)) return h5fail(err, w, "write impressions");
  return BIDSIM_OK;
}

/* Close a dataset; a close that flushes chunks may fail as a write does. */
static void close_dataset(bidsim_writer_t *w, hid_t *d) {
  if (*d >= 0 && H5Dclose(*d) < 0) output_h5_capture(&w->herr);
  *d = -1;
}

static void writer_close(bidsim_writer_t *w) {
  for (int t = 0; t < OUTPUT_TABLE_COUNT; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) close_dataset(w, &w->data[t][m]);
  close_dataset(w, &w->cap_hit);
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) close_dataset(w, &w->extra[e]);
  close_dataset(w, &w->impressions);
}

/* The rename itself on the disk (best effort: some file systems cannot
 * fsync a directory, and the file is already complete under its name). */
static void sync_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char dir[4096];
  if (slash == NULL) snprintf(dir, sizeof dir, ".");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path == 0 ? 1 : slash - path), path);
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

int bidsim_writer_commit(bidsim_writer_t *w, bidsim_error_t *err) {
  writer_close(w);
  herr_t rc = H5Fclose(w->file);
  if (rc < 0) output_h5_capture(&w->herr);
  w->file = -1;
  if (rc < 0) {
    int code = h5fail(err, w, "write the result file");
    bidsim_writer_abort(w);
    return code;
  }
  /* on the disk before it takes the name: after a crash of the machine the
   * name holds the old file or the whole new one (and a network file
   * system's late write errors, a full disk among them, surface here) */
  int fd = open(w->tmp, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    int code = bidsim_error_set(err, BIDSIM_EIO, w->path, "cannot write the result file: %s%s", strerror(e),
                                e == ENOSPC || e == EDQUOT ? " (the disk is full)" : "");
    bidsim_writer_abort(w);
    return code;
  }
  close(fd);
  if (rename(w->tmp, w->path) != 0) {
    int e = errno;
    int code = bidsim_error_set(err, BIDSIM_EIO, w->path, "cannot rename %s to %s: %s", w->tmp, w->path, strerror(e));
    bidsim_writer_abort(w);
    return code;
  }
  sync_dir(w->path);
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


/* ---- merging: chunks copied as stored --------------------------------------- */

/* One dataset's chunk (v, rep, day) from src to dst, still compressed and
 * with its Fletcher32 sum: every result dataset has one chunk per
 * (variant, replicate, day). The caller verified the source file
 * (bidsim_results_verify), so the bytes copied are the checksummed ones.
 * -1: the source's chunk is missing or unreadable; -2: the write failed. */
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
  /* a filter mask other than 0 (a filter skipped) is not what bidsim writes */
  if (H5Dread_chunk(src, H5P_DEFAULT, off, &filters, *buf) < 0 || filters != 0) return -1;
  return H5Dwrite_chunk(dst, H5P_DEFAULT, filters, off, (size_t)bytes, *buf) < 0 ? -2 : 0;
}

int bidsim_writer_copy_unit(bidsim_writer_t *w, bidsim_results_t *src, uint32_t v, uint32_t rep, bidsim_error_t *err) {
  enum { N = OUTPUT_TABLE_COUNT * BIDSIM_METRIC_COUNT + 2 + BIDSIM_EXTRA_COUNT };
  char paths[N][96];
  hid_t dsts[N];
  int n = 0;
  for (int t = 0; t < OUTPUT_TABLE_COUNT; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++, n++) {
      snprintf(paths[n], sizeof paths[n], "/%s/%s", output_tables[t].group, output_metrics[m].name);
      dsts[n] = w->data[t][m];
    }
  snprintf(paths[n], sizeof paths[n], "/plan/cap_hit_s");
  dsts[n++] = w->cap_hit;
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++, n++) {
    snprintf(paths[n], sizeof paths[n], "/plan/%s", output_extras[e].name);
    dsts[n] = w->extra[e];
  }
  snprintf(paths[n], sizeof paths[n], "/traffic/impressions");
  dsts[n++] = w->impressions;
  void *buf = NULL;
  size_t cap = 0;
  int rc = BIDSIM_OK;
  for (int i = 0; i < n && rc == BIDSIM_OK; i++) {
    hid_t d = H5Dopen2(src->file, paths[i], H5P_DEFAULT);
    for (uint32_t day = 0; day < w->dims.days && rc == BIDSIM_OK; day++) {
      int got = d < 0 ? -1 : copy_chunk(d, dsts[i], v, rep, day, &buf, &cap);
      if (got == -2) {   /* the output's side: a full disk, an I/O error */
        output_h5_capture(&w->herr);
        rc = h5fail(err, w, "write the merged file");
      } else if (got) {
        rc = bidsim_error_set(err, BIDSIM_EFORMAT, src->path, "%s: unit (variant %u, replicate %u) day %u is missing "
                              "or cannot be read (a damaged part?)", paths[i], v, rep, day);
      }
    }
    if (d >= 0) H5Dclose(d);
  }
  bidsim_free(buf);
  return rc;
}
