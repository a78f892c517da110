/* sim/output_read.c - the result file reader: the labels read whole at
 * open, the results by table, unit or day. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/output_hdf5_internal.h"

struct bidsim_results {
  hid_t    file;
  output_dims_t   dims;
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
      hid_t t = output_str_type();
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
  hid_t t = output_str_type();
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
static int check_shape(hid_t file, const char *path, output_shape_t shape, const output_dims_t *dm) {
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0) return -1;
  hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t sp = H5Dget_space(d);
  hsize_t got[8], want[5];
  int rank = H5Sget_simple_extent_ndims(sp);
  int ok = rank == output_shape_rank(shape) && H5Sget_simple_extent_dims(sp, got, NULL) == rank;
  output_shape_extent(shape, dm, want);
  for (int i = 0; ok && i < rank; i++) ok = got[i] == want[i];
  H5Sclose(sp);
  H5Dclose(d);
  return ok ? 0 : -1;
}

int bidsim_results_open(const char *path, bidsim_results_t **out, bidsim_error_t *err) {
  *out = NULL;
  output_h5_init();
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
  r->dims = (output_dims_t){ (uint32_t)v, (uint32_t)rep, (uint32_t)d, (uint32_t)p, (uint32_t)q };
  char dpath[96];
  for (int t = 0; t < OUTPUT_TABLE_COUNT; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
      snprintf(dpath, sizeof dpath, "/%s/%s", output_tables[t].group, output_metrics[m].name);
      if (check_shape(r->file, dpath, output_tables[t].shape, &r->dims)) {
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
  for (int t = 0; t < OUTPUT_TABLE_COUNT; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
      int64_t *buf = t == BIDSIM_TABLE_PLAN_SEGMENT ? &BIDSIM_SLAB_PS(s, m, 0, 0)
                   : t == BIDSIM_TABLE_PLAN_HOUR    ? &BIDSIM_SLAB_PH(s, m, 0, 0)
                                                    : &BIDSIM_SLAB_PR(s, m, 0);
      snprintf(path, sizeof path, "/%s/%s", output_tables[t].group, output_metrics[m].name);
      if (read_cell(r, path, v, rep, day, buf)) return bidsim_error_set(err, BIDSIM_EFORMAT, path, "cannot read the dataset (corrupt file?)");
    }
  if (read_cell(r, "/plan/cap_hit_s", v, rep, day, s->cap_hit_s) ||
      read_cell(r, "/traffic/impressions", v, rep, day, s->impressions))
    return bidsim_error_set(err, BIDSIM_EFORMAT, "results", "cannot read cap_hit_s or impressions (corrupt file?)");
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) {
    /* older files lack these datasets: zeros */
    char ep[96];
    snprintf(ep, sizeof ep, "/plan/%s", output_extras[e].name);
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
  if ((int)table < 0 || table >= OUTPUT_TABLE_COUNT || metric < 0 || metric >= BIDSIM_METRIC_COUNT)
    return bidsim_error_set(err, BIDSIM_EINVAL, "results", "no table %d metric %d", (int)table, metric);
  char path[96];
  snprintf(path, sizeof path, "/%s/%s", output_tables[table].group, output_metrics[metric].name);
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
  if ((int)table < 0 || table >= OUTPUT_TABLE_COUNT || metric < 0 || metric >= BIDSIM_METRIC_COUNT)
    return bidsim_error_set(err, BIDSIM_EINVAL, "results", "no table %d metric %d", (int)table, metric);
  char path[96];
  snprintf(path, sizeof path, "/%s/%s", output_tables[table].group, output_metrics[metric].name);
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

hid_t output_results_file(const bidsim_results_t *r) { return r->file; }
