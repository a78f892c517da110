/* sim/output_read.c - opening a result file: the format version first (read
 * as a number, before any string), the root attributes against their
 * checksum, every dataset of the table (output_table.c) checked for its
 * shape, the labels read whole (each a checksummed chunk), by name only:
 * HDF5's dimension scale lists (DIMENSION_LIST, in the unchecksummed
 * global heap) are never read. A file that
 * fails any of this is refused as damaged with one message; nothing is
 * read from it as numbers. Results are read in output_read_data.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/output_hdf5_internal.h"

/* The longest string attribute a reader accepts: the scenario loader's
 * limit on a file is 64 MiB, and the resolved text is of the same order. */
#define MAX_ATTR_BYTES ((size_t)256 << 20)

/* A fixed-length string attribute, or NULL (missing, another type, or
 * unreadable). Variable-length strings are refused unread: their bytes
 * live in HDF5's unchecksummed global heap. */
static char *read_attr_string(hid_t obj, const char *name) {
  if (H5Aexists(obj, name) <= 0) return NULL;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return NULL;
  hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
  char *out = NULL;
  size_t n = ft >= 0 ? H5Tget_size(ft) : 0;
  if (ft >= 0 && H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) == 0 && n > 0 && n <= MAX_ATTR_BYTES &&
      sp >= 0 && H5Sget_simple_extent_type(sp) == H5S_SCALAR) {
    out = bidsim_calloc(n + 1, 1);
    if (out && H5Aread(a, ft, out) < 0) { bidsim_free(out); out = NULL; }
  }
  if (sp >= 0) H5Sclose(sp);
  if (ft >= 0) H5Tclose(ft);
  H5Aclose(a);
  return out;
}

static int read_attr_u64(hid_t obj, const char *name, uint64_t *v) {
  if (H5Aexists(obj, name) <= 0) return -1;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return -1;
  hid_t ft = H5Aget_type(a);
  bool integer = ft >= 0 && H5Tget_class(ft) == H5T_INTEGER;
  herr_t rc = integer ? H5Aread(a, H5T_NATIVE_UINT64, v) : -1;
  if (ft >= 0) H5Tclose(ft);
  H5Aclose(a);
  return rc < 0 ? -1 : 0;
}

/* The format version decides everything else: read it alone first. */
static int check_version(bidsim_results_t *r, bidsim_error_t *err) {
  if (read_attr_u64(r->file, "format_version", &r->format_version))
    return bidsim_error_set(err, BIDSIM_EFORMAT, r->path, "no format_version attribute: not a bidsim result file");
  if (r->format_version > BIDSIM_FORMAT_VERSION)
    return bidsim_error_set(err, BIDSIM_EVERSION, r->path, "format version %llu is newer than this bidsim reads (%d)",
                            (unsigned long long)r->format_version, BIDSIM_FORMAT_VERSION);
  if (r->format_version < BIDSIM_FORMAT_VERSION)
    return bidsim_error_set(err, BIDSIM_EVERSION, r->path,
                            "format version %llu was written by an older bidsim: rerun the scenario to rewrite it "
                            "(this bidsim reads version %d)", (unsigned long long)r->format_version,
                            BIDSIM_FORMAT_VERSION);
  return BIDSIM_OK;
}

/* Every root attribute, folded into the checksum in the writer's order. */
static int read_root(bidsim_results_t *r, bidsim_error_t *err) {
  char *str[ROOT_COUNT] = { 0 };
  uint64_t num[ROOT_COUNT] = { 0 }, sum = OUTPUT_SUM_BASIS, stored = 0;
  bool ok = true;
  for (int i = 0; i < ROOT_COUNT && ok; i++) {
    const output_root_attr_t *a = &output_root_attrs[i];
    if (a->optional && H5Aexists(r->file, a->name) <= 0) continue;
    if (a->is_string) ok = (str[i] = read_attr_string(r->file, a->name)) != NULL;
    else ok = read_attr_u64(r->file, a->name, &num[i]) == 0;
    if (ok) sum = output_sum_attr(sum, a->name, str[i], num[i], a->is_string);
  }
  int rc = BIDSIM_OK;
  if (!ok || read_attr_u64(r->file, "checksum", &stored) || stored != sum)
    rc = bidsim_error_set(err, BIDSIM_EFORMAT, r->path, "the file is damaged: its root attributes %s",
                          ok ? "do not match their checksum" : "cannot be read");
  else if (strcmp(str[ROOT_FORMAT], BIDSIM_FORMAT_NAME))
    rc = bidsim_error_set(err, BIDSIM_EFORMAT, r->path, "format is \"%.40s\", not \"%s\": not a bidsim result file",
                          str[ROOT_FORMAT], BIDSIM_FORMAT_NAME);
  if (rc == BIDSIM_OK) {
    r->seed = num[ROOT_SEED];
    r->shard_index = num[ROOT_SHARD_INDEX];
    r->shard_count = num[ROOT_SHARD_COUNT];
    r->fingerprint = strtoull(str[ROOT_FINGERPRINT], NULL, 16);
    r->version = str[ROOT_BIDSIM_VERSION];
    r->scenario_path = str[ROOT_SCENARIO_PATH];
    r->scenario_text = str[ROOT_SCENARIO_TEXT];
    r->resolved_text = str[ROOT_RESOLVED];
    str[ROOT_BIDSIM_VERSION] = str[ROOT_SCENARIO_PATH] = str[ROOT_SCENARIO_TEXT] = str[ROOT_RESOLVED] = NULL;
  }
  for (int i = 0; i < ROOT_COUNT; i++) bidsim_free(str[i]);
  return rc;
}

/* The rank and extent of the dataset at path into ext (up to 6), or -1. */
static int extent(hid_t file, const char *path, hsize_t *ext) {
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0) return -1;
  hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t sp = H5Dget_space(d);
  int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
  if (rank < 1 || rank > 6 || H5Sget_simple_extent_dims(sp, ext, NULL) != rank) rank = -1;
  if (sp >= 0) H5Sclose(sp);
  H5Dclose(d);
  return rank;
}

static void dataset_path(int id, char *buf, size_t n) {
  snprintf(buf, n, "/%s/%s", output_datasets[id].group, output_datasets[id].name);
}

static void coordinate_path(output_dim_t dim, char *buf, size_t n) {
  snprintf(buf, n, "/%s/%s", output_dim_info[dim].home, output_dim_info[dim].name);
}

/* The length of a dimension from its coordinate in its home group (a char
 * coordinate has its bytes as a second dimension): -1 if missing or
 * malformed, 0 if absent and @p optional. */
static long dim_length(hid_t file, output_dim_t dim, bool optional) {
  char path[96];
  coordinate_path(dim, path, sizeof path);
  hsize_t ext[6];
  if (optional && H5Lexists(file, path, H5P_DEFAULT) <= 0) return 0;
  int rank = extent(file, path, ext);
  return rank == (output_dim_info[dim].text ? 2 : 1) && ext[0] < (hsize_t)UINT32_MAX ? (long)ext[0] : -1;
}

/* A dataset of the table must have exactly the extent the coordinates give
 * (a char array any width of at most MAX_ATTR_BYTES in its last). */
static int check_shape(hid_t file, int id, const output_dims_t *dm) {
  char path[96];
  dataset_path(id, path, sizeof path);
  hsize_t got[6];
  uint64_t want[5];
  int rank = output_extent(id, dm, want), text = output_datasets[id].type == TYPE_TEXT;
  if (extent(file, path, got) != rank + text) return -1;
  for (int i = 0; i < rank; i++)
    if (got[i] != want[i]) return -1;
  return text && (got[rank] == 0 || got[rank] > MAX_ATTR_BYTES) ? -1 : 0;
}

static void free_strings(char **v, size_t n) {
  if (v == NULL) return;
  for (size_t i = 0; i < n; i++) bidsim_free(v[i]);
  bidsim_free(v);
}

/* A whole dataset into buf in memory type mt; a failed read is a damaged
 * file (the labels are checksummed chunks) or an I/O error. */
static int read_whole(bidsim_results_t *r, const char *path, hid_t mt, void *buf, bidsim_error_t *err) {
  hid_t d = H5Dopen2(r->file, path, H5P_DEFAULT);
  herr_t rc = d < 0 ? -1 : H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  output_h5_error_t e = { 0, false };
  if (rc < 0) output_h5_capture(&e);
  if (d >= 0) H5Dclose(d);
  if (rc >= 0) return BIDSIM_OK;
  char what[128];
  snprintf(what, sizeof what, "read %s", path);
  return output_h5_fail(err, &e, BIDSIM_EFORMAT, r->path, what);
}

/* n labels of a char array (n rows of its last dimension's bytes, the only
 * strings version 3 writes), as NUL-terminated copies. */
static int read_text(bidsim_results_t *r, const char *path, size_t n, char ***out, bidsim_error_t *err) {
  char **v = bidsim_calloc(n + 1, sizeof *v);
  if (v == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, r->path, "out of memory");
  *out = v;
  hsize_t ext[6];
  int rank = extent(r->file, path, ext);
  hid_t d = rank > 1 ? H5Dopen2(r->file, path, H5P_DEFAULT) : -1;
  hid_t ft = d < 0 ? -1 : H5Dget_type(d);
  bool chars = ft >= 0 && H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) == 0 && H5Tget_size(ft) == 1;
  size_t width = rank > 1 ? (size_t)ext[rank - 1] : 0;
  if (d >= 0) H5Dclose(d);
  if (!chars || width == 0 || width > MAX_ATTR_BYTES / (n + 1)) {
    if (ft >= 0) H5Tclose(ft);
    return bidsim_error_set(err, BIDSIM_EFORMAT, r->path, "%s is not a char array of labels", path);
  }
  char *buf = bidsim_calloc(n + 1, width);
  /* read in the file's own type: HDF5 converts nothing, so a one-byte
   * string type's terminator rule never touches the bytes */
  int rc = buf ? read_whole(r, path, ft, buf, err) : bidsim_error_set(err, BIDSIM_ENOMEM, r->path, "out of memory");
  H5Tclose(ft);
  for (size_t i = 0; rc == BIDSIM_OK && i < n; i++) {
    if ((v[i] = bidsim_malloc(width + 1)) == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, r->path, "out of memory"); break; }
    memcpy(v[i], buf + i * width, width);
    v[i][width] = '\0';
  }
  bidsim_free(buf);
  return rc;
}

static int read_numbers(bidsim_results_t *r, const char *path, hid_t mt, size_t elem, size_t n, void *out,
                        bidsim_error_t *err) {
  void **p = out;
  if ((*p = bidsim_calloc(n + 1, elem)) == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, r->path, "out of memory");
  return read_whole(r, path, mt, *p, err);
}

/* Table entry @p id's labels (text) or numbers (in its own memory type). */
static int read_label(bidsim_results_t *r, int id, size_t n, void *out, bidsim_error_t *err) {
  char path[96];
  dataset_path(id, path, sizeof path);
  const output_type_t t = output_datasets[id].type;
  if (t == TYPE_TEXT) return read_text(r, path, n, out, err);
  static const size_t size[] = { [TYPE_I64] = 8, [TYPE_U64] = 8, [TYPE_U32] = 4, [TYPE_U8] = 1, [TYPE_F64] = 8 };
  return read_numbers(r, path, output_h5_mem_type(t), size[t], n, out, err);
}

static int read_dim_labels(bidsim_results_t *r, output_dim_t dim, size_t n, char ***out, bidsim_error_t *err) {
  char path[96];
  coordinate_path(dim, path, sizeof path);
  return read_text(r, path, n, out, err);
}

/* The dimensions, from the coordinates in their home groups, and every
 * dataset of the table present with the extent they give. */
static int read_layout(bidsim_results_t *r, bidsim_error_t *err) {
  hid_t f = r->file;
  long v = dim_length(f, DIM_VARIANT, false), rep = dim_length(f, DIM_REPLICATE, false),
       d = dim_length(f, DIM_DAY, false), p = dim_length(f, DIM_PLAN, false), q = dim_length(f, DIM_PRODUCT, false),
       k = dim_length(f, DIM_SLOT, true), dr = dim_length(f, DIM_DRAW, true), c = dim_length(f, DIM_CATEGORY, true),
       sk = dim_length(f, DIM_SWEEP_KEY, true);
  if (v <= 0 || rep <= 0 || d <= 0 || p <= 0 || q <= 0 || k < 0 || k > BIDSIM_MAX_SLOTS || dr < 0 || c < 0 || sk < 0 ||
      sk > 64)
    return bidsim_error_set(err, BIDSIM_EFORMAT, r->path, "the coordinates (variant, replicate, day, plan, product, "
                            "slot, draw, category, sweep_key) are missing, empty or malformed");
  r->dims = (output_dims_t){ (uint32_t)v, (uint32_t)rep, (uint32_t)d, (uint32_t)p, (uint32_t)q, (uint32_t)k,
                             (uint32_t)dr, (uint32_t)c, (uint32_t)sk };
  for (int id = 0; id < OUT_COUNT; id++) {
    if (!output_present(id, &r->dims)) continue;
    if (check_shape(f, id, &r->dims)) {
      char path[96];
      dataset_path(id, path, sizeof path);
      return bidsim_error_set(err, BIDSIM_EFORMAT, r->path, "dataset %s is missing or its shape disagrees with the "
                              "coordinates", path);
    }
  }
  return BIDSIM_OK;
}

static int read_labels(bidsim_results_t *r, bidsim_error_t *err) {
  const output_dims_t *dm = &r->dims;
  size_t nu = (size_t)dm->variants * dm->replicates;
  int rc = read_dim_labels(r, DIM_VARIANT, dm->variants, &r->variant, err);
  if (!rc) rc = read_dim_labels(r, DIM_DAY, dm->days, &r->day, err);
  if (!rc) rc = read_dim_labels(r, DIM_PLAN, dm->plans, &r->plan_name, err);
  if (!rc) rc = read_dim_labels(r, DIM_PRODUCT, dm->products, &r->product_name, err);
  if (!rc && dm->categories) rc = read_dim_labels(r, DIM_CATEGORY, dm->categories, &r->category, err);
  if (!rc) rc = read_label(r, OUT_PLAN_SHOP, dm->plans, &r->plan_shop, err);
  if (!rc) rc = read_label(r, OUT_PRODUCT_SHOP, dm->products, &r->product_shop, err);
  if (!rc) rc = read_label(r, OUT_PLAN_CAP, dm->plans, &r->plan_cap, err);
  if (!rc) rc = read_label(r, OUT_PLAN_LISTED, dm->plans, &r->plan_listed, err);
  if (!rc) rc = read_label(r, OUT_PRODUCT_ID, dm->products, &r->product_id, err);
  if (!rc) rc = read_label(r, OUT_PRODUCT_PLAN, dm->products, &r->product_plan, err);
  if (!rc) rc = read_label(r, OUT_VARIANT_CAP, (size_t)dm->variants * dm->plans, &r->variant_cap, err);
  if (!rc) rc = read_label(r, OUT_UNITS_DONE, nu, &r->units_done, err);
  if (!rc && dm->draws) rc = read_label(r, OUT_DRAW_STREAM, dm->draws, &r->draw_stream, err);
  if (rc) return rc;
  r->complete = true;
  for (size_t i = 0; i < nu; i++) r->complete &= r->units_done[i] != 0;
  if (dm->draws) {
    hid_t g = H5Gopen2(r->file, "/market", H5P_DEFAULT);
    r->redraw = g >= 0 ? read_attr_string(g, "redraw") : NULL;
    if (g >= 0) H5Gclose(g);
  }
  /* a sweep's keys and values, if any (merge passes them on) */
  if (dm->sweep_keys) {
    r->sweep_key_count = dm->sweep_keys;
    rc = read_dim_labels(r, DIM_SWEEP_KEY, dm->sweep_keys, &r->sweep_keys, err);
    if (!rc) rc = read_label(r, OUT_SWEEP_VALUE, (size_t)dm->variants * dm->sweep_keys, &r->sweep_values, err);
  }
  return rc;
}

int bidsim_results_open(const char *path, bidsim_results_t **out, bidsim_error_t *err) {
  *out = NULL;
  output_h5_init();
  if (access(path, R_OK) != 0)   /* a wrong name is bad input (exit 2), not an I/O failure */
    return bidsim_error_set(err, errno == ENOENT ? BIDSIM_ENOTFOUND : BIDSIM_EIO, path, "cannot read the file: %s",
                            strerror(errno));
  if (H5Fis_hdf5(path) <= 0)
    return bidsim_error_set(err, BIDSIM_EFORMAT, path, "not an HDF5 file (or a truncated or damaged one)");
  bidsim_results_t *r = bidsim_calloc(1, sizeof *r);
  if (r == NULL || (r->path = bidsim_strdup(path)) == NULL) {
    bidsim_free(r);
    return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  }
  int rc = BIDSIM_OK;
  r->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (r->file < 0) {
    rc = output_h5_fail(err, NULL, BIDSIM_EFORMAT, path, "open the file (truncated or damaged?)");
  }
  if (!rc) rc = check_version(r, err);
  if (!rc) rc = read_root(r, err);
  if (!rc) rc = read_layout(r, err);
  if (!rc) rc = read_labels(r, err);
  if (rc) {
    bidsim_results_close(r);
    return rc;
  }
  *out = r;
  return BIDSIM_OK;
}

void bidsim_results_close(bidsim_results_t *r) {
  if (r == NULL) return;
  if (r->file > 0) H5Fclose(r->file);
  bidsim_free(r->path);
  bidsim_free(r->version);
  bidsim_free(r->scenario_text);
  bidsim_free(r->resolved_text);
  bidsim_free(r->scenario_path);
  free_strings(r->variant, r->dims.variants);
  free_strings(r->day, r->dims.days);
  free_strings(r->plan_name, r->dims.plans);
  free_strings(r->plan_shop, r->dims.plans);
  free_strings(r->product_name, r->dims.products);
  free_strings(r->product_shop, r->dims.products);
  free_strings(r->category, r->dims.categories);
  bidsim_free(r->draw_stream);
  bidsim_free(r->redraw);
  bidsim_free(r->plan_cap);
  bidsim_free(r->plan_listed);
  bidsim_free(r->product_id);
  bidsim_free(r->product_plan);
  bidsim_free(r->variant_cap);
  bidsim_free(r->units_done);
  free_strings(r->sweep_keys, r->sweep_key_count);
  free_strings(r->sweep_values, (size_t)r->dims.variants * r->sweep_key_count);
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
  out->slots = r->dims.slots;
  out->draws = r->dims.draws;
  out->categories = r->dims.categories;
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
const char *bidsim_results_category_name(const bidsim_results_t *r, uint32_t c) { return c < r->dims.categories ? r->category[c] : NULL; }
uint32_t bidsim_results_product_plan(const bidsim_results_t *r, uint32_t q) { return q < r->dims.products ? r->product_plan[q] : UINT32_MAX; }
const char *bidsim_results_scenario_text(const bidsim_results_t *r) { return r->scenario_text ? r->scenario_text : ""; }
uint64_t bidsim_results_fingerprint(const bidsim_results_t *r) { return r->fingerprint; }
uint32_t bidsim_results_format_version(const bidsim_results_t *r) { return (uint32_t)r->format_version; }
bool bidsim_results_has_unit(const bidsim_results_t *r, uint32_t v, uint32_t rep) {
  return v < r->dims.variants && rep < r->dims.replicates && r->units_done[(size_t)v * r->dims.replicates + rep];
}
bool bidsim_results_complete(const bidsim_results_t *r) { return r->complete; }
void bidsim_results_verify_counts(const bidsim_results_t *r, uint64_t *chunks, uint64_t *through_hdf5) {
  *chunks = r->verified_chunks;
  *through_hdf5 = r->verified_through_hdf5;
}
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
  meta->slots = r->dims.slots;
  meta->categories = r->dims.categories;
  meta->category_names = (const char *const *)r->category;
  meta->draws = r->dims.draws;
  meta->draw_streams = r->draw_stream;
  meta->redraw = r->redraw;
}
