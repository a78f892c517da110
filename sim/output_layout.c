/* sim/output_layout.c - the result file's groups laid out from the table
 * (output_table.c) the way netCDF-4 reads an HDF5 file, so that netCDF,
 * ncdump and xarray (h5netcdf and netcdf4 engines) open every group with
 * named dimensions and labels: in each group a coordinate variable per
 * dimension its datasets use (a dimension scale named like the dimension,
 * visible only from its own group and the groups below it); labels as char
 * arrays with a dimension of their bytes (netCDF-C cannot read HDF5's
 * fixed-length string datasets, and variable-length ones live in HDF5's
 * unchecksummed global heap); netCDF's dimension ids (_Netcdf4Dimid,
 * unique in the file, and _Netcdf4Coordinates on the char coordinates);
 * CF's units, scale_factor, _FillValue and _Encoding. Labels are written
 * here, whole; results are left open for the writer (output_write.c). */
#include <stdio.h>
#include <string.h>
#include <hdf5_hl.h>
#include "bidsim/alloc.h"
#include "sim/output_hdf5_internal.h"

/* netCDF-4's mark of a dimension without a variable (its scale's NAME) */
#define NC_DIM_ONLY "This is a netCDF dimension but not a netCDF variable."

typedef struct {
  hid_t file, gcpl;
  const bidsim_output_meta_t *meta;
  const output_dims_t *dims;
  int   next_dimid;       /* netCDF's dimension ids count across the file */
} layout_t;

/* Every object's creation properties: no timestamps (identical runs give
 * identical bytes), and links and attributes kept in the object's header,
 * which HDF5 checksums, rather than in the dense storage it would switch to
 * beyond 8 of them. */
hid_t output_object_props(hid_t cls) {
  hid_t p = H5Pcreate(cls);
  H5Pset_obj_track_times(p, 0);
  H5Pset_attr_phase_change(p, 64, 48);
  if (cls != H5P_DATASET_CREATE) H5Pset_link_phase_change(p, 64, 48);
  return p;
}

/* Strings are fixed-length everywhere: a variable-length string lives in
 * HDF5's global heap, which has no checksum, and a damaged heap reference
 * crashed readers inside HDF5 (format version 1). */
int output_attr_string(hid_t obj, const char *name, const char *value) {
  hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
  H5Tset_size(t, strlen(value) + 1);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  H5Tset_cset(t, H5T_CSET_UTF8);
  hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, t, value);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
  return rc < 0 ? -1 : 0;
}

int output_attr_u64(hid_t obj, const char *name, uint64_t value) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, H5T_STD_U64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_UINT64, &value);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  return rc < 0 ? -1 : 0;
}

/* A numeric attribute of n values (n 0: a scalar). */
static int attr_numbers(hid_t obj, const char *name, hid_t file_type, hid_t mem_type, hsize_t n, const void *v) {
  hid_t sp = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, file_type, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, mem_type, v);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  return rc < 0 ? -1 : 0;
}

static int attr_dimid(hid_t d, int id) { return attr_numbers(d, "_Netcdf4Dimid", H5T_STD_I32LE, H5T_NATIVE_INT, 0, &id); }

/* Labels as one block of n rows of `width` bytes (the longest label's,
 * at least 1; shorter ones padded with NULs, no terminator stored). */
static char *text_block(const char *const *v, size_t n, size_t *width) {
  size_t w = 1;
  for (size_t i = 0; i < n; i++)
    if (v && v[i] && strlen(v[i]) > w) w = strlen(v[i]);
  char *buf = bidsim_calloc(n * w + 1, 1);
  if (buf == NULL) return NULL;
  for (size_t i = 0; v && buf && i < n; i++)
    if (v[i]) memcpy(buf + i * w, v[i], strlen(v[i]));
  *width = w;
  return buf;
}

/* How a dataset's chunks are stored before their Fletcher32 sum. */
typedef enum { PACK_NONE, PACK_DEFLATE, PACK_SHUFFLE } pack_t;

/* A dataset of rank dimensions ext, chunked by chunk, Fletcher32 last (so
 * it covers the bytes stored, after any compression). */
static hid_t make_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *ext, const hsize_t *chunk,
                          pack_t pack, const int64_t *fill) {
  hid_t dcpl = output_object_props(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, rank, chunk);
  /* the counters: deflate alone (on them the shuffle filter made files
   * about 14% larger and the day's write about 25% slower, measured on
   * pdd_baseline, strategy_compare, double11 and the 10,000-plan case);
   * the market's doubles and prices: shuffle first (on e2e_1m's market 9%
   * smaller and faster than deflate alone) */
  if (pack == PACK_SHUFFLE) H5Pset_shuffle(dcpl);
  if (pack != PACK_NONE) H5Pset_deflate(dcpl, 1);
  H5Pset_fletcher32(dcpl);
  if (fill) H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, fill);
  hid_t sp = H5Screate_simple(rank, ext, NULL);
  hid_t d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Sclose(sp);
  H5Pclose(dcpl);
  return d;
}

/* A dimension without a variable, netCDF's way: an empty scale of the
 * dimension's length (chunked and checksummed like every dataset, and
 * never written, so it stores no bytes). */
static hid_t dim_only(layout_t *L, hid_t g, const char *name, hsize_t len) {
  hid_t d = make_dataset(g, name, H5T_IEEE_F32LE, 1, &len, &len, PACK_NONE, NULL);
  char label[96];
  snprintf(label, sizeof label, "%s%10llu", NC_DIM_ONLY, (unsigned long long)len);
  if (d >= 0 && (H5DSset_scale(d, label) < 0 || attr_dimid(d, L->next_dimid++))) {
    H5Dclose(d);
    return -1;
  }
  return d;
}

/* n labels as a char array (n, width) in @p g with its bytes dimension
 * "<name>_strlen"; *bytes gets that dimension's scale (caller closes). */
static hid_t text_dataset(layout_t *L, hid_t g, const char *name, int rank, const hsize_t *ext, const char *const *v,
                          hid_t *bytes) {
  size_t n = 1, width = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)ext[i];
  char *buf = text_block(v, n, &width);
  char sname[160];
  snprintf(sname, sizeof sname, "%s_strlen", name);
  hsize_t full[6];
  memcpy(full, ext, (size_t)rank * sizeof *full);
  full[rank] = width;
  *bytes = buf ? dim_only(L, g, sname, width) : -1;
  /* deflated: each group's copy of the plan names is a few bytes a plan */
  hid_t d = *bytes < 0 ? -1 : make_dataset(g, name, H5T_C_S1, rank + 1, full, full, PACK_DEFLATE, NULL);
  bool ok = d >= 0 && H5Dwrite(d, H5T_C_S1, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0 &&
            output_attr_string(d, "_Encoding", "utf-8") == 0;
  bidsim_free(buf);
  if (!ok && d >= 0) { H5Dclose(d); d = -1; }
  return d;
}

/* The coordinate variable of @p dim in group g: labels (a char array that
 * is the dimension's scale, with the dimension ids netCDF needs for a
 * two-dimensional coordinate) or the indices 0..n-1. */
static hid_t coordinate(layout_t *L, hid_t g, output_dim_t dim, const char *const *labels) {
  const output_dim_info_t *di = &output_dim_info[dim];
  hsize_t n = output_dim_size(L->dims, dim);
  hid_t d, bytes = -1;
  int id = L->next_dimid++;
  if (di->text) {
    d = text_dataset(L, g, di->name, 1, &n, labels, &bytes);
    int ids[2] = { id, id + 1 };   /* the bytes dimension took the next id */
    if (d >= 0 && attr_numbers(d, "_Netcdf4Coordinates", H5T_STD_I32LE, H5T_NATIVE_INT, 2, ids)) { H5Dclose(d); d = -1; }
  } else {
    uint32_t *idx = bidsim_malloc((size_t)n * sizeof *idx + 1);
    d = idx ? make_dataset(g, di->name, H5T_STD_U32LE, 1, &n, &n, PACK_DEFLATE, NULL) : -1;
    for (uint32_t i = 0; idx && i < n; i++) idx[i] = i;
    if (d >= 0 && H5Dwrite(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx) < 0) { H5Dclose(d); d = -1; }
    bidsim_free(idx);
  }
  if (bytes >= 0) H5Dclose(bytes);
  if (d >= 0 && (H5DSset_scale(d, di->name) < 0 || attr_dimid(d, id) || output_attr_string(d, "description", di->description))) {
    H5Dclose(d);
    d = -1;
  }
  return d;
}

/* The labels of a text dimension. */
static const char *const *dim_labels(const layout_t *L, output_dim_t dim, const char **segs) {
  const bidsim_output_meta_t *m = L->meta;
  switch (dim) {
    case DIM_VARIANT: return m->variant_names;
    case DIM_DAY: return m->day_labels;
    case DIM_SEGMENT:
      for (int s = 0; s < BIDSIM_SEG_COUNT; s++) segs[s] = bidsim_segment_name(s);
      return segs;
    case DIM_PLAN: return m->plan_names;
    case DIM_PRODUCT: return m->product_names;
    case DIM_CATEGORY: return m->category_names;
    case DIM_SWEEP_KEY: return m->sweep_keys;
    default: return NULL;
  }
}

/* A label dataset's values (numbers; *owned is set when computed here). */
static const void *label_numbers(const layout_t *L, int id, void **owned) {
  const bidsim_output_meta_t *m = L->meta;
  const output_dims_t *dm = L->dims;
  *owned = NULL;
  switch (id) {
    case OUT_PLAN_CAP: return m->plan_cap_li;
    case OUT_PLAN_LISTED: return m->plan_listed;
    case OUT_PRODUCT_ID: return m->product_ids;
    case OUT_PRODUCT_PLAN: return m->product_plan;
    case OUT_DRAW_STREAM: return m->draw_streams;
    case OUT_VARIANT_CAP: {
      size_t n = (size_t)dm->variants * dm->plans;
      int64_t *caps = *owned = bidsim_malloc(n * sizeof *caps + 1);
      for (size_t i = 0; caps && i < n; i++)
        caps[i] = m->variant_cap_li ? m->variant_cap_li[i] : m->plan_cap_li[i % dm->plans];
      return caps;
    }
    case OUT_UNITS_DONE: {
      size_t n = (size_t)dm->variants * dm->replicates;
      uint8_t *done = *owned = bidsim_malloc(n + 1);
      for (size_t i = 0; done && i < n; i++) done[i] = m->units_done ? m->units_done[i] : 1;
      return done;
    }
    default: return NULL;
  }
}

static const char *const *label_strings(const layout_t *L, int id) {
  switch (id) {
    case OUT_PLAN_SHOP: return L->meta->plan_shops;
    case OUT_PRODUCT_SHOP: return L->meta->product_shops;
    case OUT_SWEEP_VALUE: return L->meta->sweep_values;
    default: return NULL;
  }
}

/* CF's attributes of a table entry. */
static int dataset_attrs(hid_t d, const output_dataset_t *ds) {
  int bad = 0;
  if (ds->money) {
    /* li stored, yuan read: CF readers multiply by scale_factor; the
     * integers stay exact for h5py and bidsim */
    const double li_to_yuan = 1.0 / BIDSIM_LI_PER_YUAN;
    bad |= output_attr_string(d, "units", "yuan");
    bad |= attr_numbers(d, "scale_factor", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &li_to_yuan);
  } else if (ds->units) {
    bad |= output_attr_string(d, "units", ds->units);
  }
  if (ds->has_fill)
    bad |= attr_numbers(d, "_FillValue", output_h5_file_type(ds->type), H5T_NATIVE_INT64, 0, &ds->fill);
  bad |= output_attr_string(d, "description", ds->description);
  return bad;
}

/* One table entry in group g, its dimensions attached to the group's
 * coordinates; a label is written and closed (returns 0), a result
 * dataset left open in *out. */
static int lay_dataset(layout_t *L, hid_t g, int id, const hid_t *scale, hid_t *out) {
  const output_dataset_t *ds = &output_datasets[id];
  hsize_t ext[6], chunk[6];
  uint64_t e64[5];
  int rank = output_extent(id, L->dims, e64);
  for (int i = 0; i < rank; i++) ext[i] = e64[i];
  hid_t d, bytes = -1;
  void *owned = NULL;
  int bad = 0;
  if (ds->type == TYPE_TEXT) {
    d = text_dataset(L, g, ds->name, rank, ext, label_strings(L, id), &bytes);
  } else if (ds->store == STORE_LABEL) {
    const void *v = label_numbers(L, id, &owned);
    d = v ? make_dataset(g, ds->name, output_h5_file_type(ds->type), rank, ext, ext, PACK_DEFLATE,
                         ds->has_fill ? &ds->fill : NULL) : -1;
    if (d >= 0 && H5Dwrite(d, output_h5_mem_type(ds->type), H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) bad = 1;
  } else {
    /* results: one chunk per (variant, replicate, day), or per (variant, draw) */
    const int fixed = ds->store == STORE_DAY ? 3 : 2;
    for (int i = 0; i < rank; i++) chunk[i] = i < fixed ? 1 : ext[i];
    d = make_dataset(g, ds->name, output_h5_file_type(ds->type), rank, ext, chunk,
                     ds->store == STORE_DAY ? PACK_DEFLATE : PACK_SHUFFLE, ds->has_fill ? &ds->fill : NULL);
  }
  bidsim_free(owned);
  if (d < 0) {
    if (bytes >= 0) H5Dclose(bytes);
    return -1;
  }
  for (int i = 0; i < rank && !bad; i++) bad |= H5DSattach_scale(d, scale[ds->dims[i]], (unsigned)i) < 0;
  if (bytes >= 0) {
    bad |= !bad && H5DSattach_scale(d, bytes, (unsigned)rank) < 0;
    H5Dclose(bytes);
  }
  bad |= dataset_attrs(d, ds);
  if (bad || ds->store == STORE_LABEL) {
    H5Dclose(d);
    return bad ? -1 : 0;
  }
  *out = d;
  return 0;
}

static int lay_group(layout_t *L, const output_group_t *grp, hid_t *data) {
  hid_t g = H5Gcreate2(L->file, grp->name, H5P_DEFAULT, L->gcpl, H5P_DEFAULT);
  if (g < 0) return -1;
  int bad = output_attr_string(g, "description", grp->description);
  if (!strcmp(grp->name, "market") && L->meta->redraw) bad |= output_attr_string(g, "redraw", L->meta->redraw);
  hid_t scale[DIM_COUNT];
  const char *segs[BIDSIM_SEG_COUNT];
  for (int k = 0; k < DIM_COUNT; k++) {
    scale[k] = -1;
    if (!bad && output_group_uses(grp->name, (output_dim_t)k) && output_dim_size(L->dims, (output_dim_t)k) > 0)
      bad |= (scale[k] = coordinate(L, g, (output_dim_t)k, dim_labels(L, (output_dim_t)k, segs))) < 0;
  }
  for (int id = 0; id < OUT_COUNT && !bad; id++)
    if (!strcmp(output_datasets[id].group, grp->name) && output_present(id, L->dims))
      bad |= lay_dataset(L, g, id, scale, &data[id]);
  for (int k = 0; k < DIM_COUNT; k++)
    if (scale[k] >= 0) H5Dclose(scale[k]);
  H5Gclose(g);
  return bad ? -1 : 0;
}

int output_layout(hid_t file, const bidsim_output_meta_t *meta, const output_dims_t *dims, hid_t data[OUT_COUNT]) {
  layout_t L = { file, output_object_props(H5P_GROUP_CREATE), meta, dims, 0 };
  int bad = 0;
  for (int i = 0; i < OUTPUT_GROUP_COUNT && !bad; i++) bad = lay_group(&L, &output_groups[i], data);
  H5Pclose(L.gcpl);
  return bad;
}
