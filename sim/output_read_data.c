/* sim/output_read_data.c - reading results from an open file: whole
 * tables, one unit, one day; and bidsim_results_verify, which reads every
 * dataset chunk by chunk so that each checksum is checked. A chunk whose
 * checksum fails is an error (BIDSIM_EFORMAT, "damaged"), never numbers. */
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/output_hdf5_internal.h"

/* The block of a dataset at start[0 .. fixed-1] in its first `fixed`
 * dimensions (one index each) and whole in the others, into buf. A dataset
 * of too few dimensions, or of more than ours ever have, is refused. */
static int read_block(bidsim_results_t *r, const char *path, const hsize_t start[5], int fixed, void *buf,
                      bidsim_error_t *err) {
  hid_t d = H5Dopen2(r->file, path, H5P_DEFAULT);
  if (d < 0) return bidsim_error_set(err, BIDSIM_EFORMAT, r->path, "cannot open %s (a damaged file?)", path);
  hid_t fs = H5Dget_space(d);
  hsize_t ext[5], at[5] = { 0, 0, 0, 0, 0 };
  int rank = H5Sget_simple_extent_ndims(fs);
  bool ok = rank > fixed && rank <= 5 && H5Sget_simple_extent_dims(fs, ext, NULL) == rank;
  for (int i = 0; ok && i < fixed; i++) {
    ok = start[i] < ext[i];
    ext[i] = 1;
    at[i] = start[i];
  }
  hid_t ms = ok ? H5Screate_simple(rank, ext, NULL) : -1;
  output_h5_error_t e = { 0, false };
  bool read = ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, at, NULL, ext, NULL) >= 0 &&
              H5Dread(d, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, buf) >= 0;
  if (ok && !read) output_h5_capture(&e);
  if (ms >= 0) H5Sclose(ms);
  H5Sclose(fs);
  H5Dclose(d);
  if (!ok) return bidsim_error_set(err, BIDSIM_EFORMAT, r->path, "%s has the wrong shape", path);
  if (!read) {
    char what[128];
    snprintf(what, sizeof what, "read %s", path);
    return output_h5_fail(err, &e, BIDSIM_EFORMAT, r->path, what);
  }
  return BIDSIM_OK;
}

/* One (v, rep, day) block of a dataset into buf. */
static int read_cell(bidsim_results_t *r, const char *path, uint32_t v, uint32_t rep, uint32_t day, void *buf,
                     bidsim_error_t *err) {
  const hsize_t start[5] = { v, rep, day, 0, 0 };
  return read_block(r, path, start, 3, buf, err);
}

int bidsim_results_read_day(bidsim_results_t *r, uint32_t v, uint32_t rep, uint32_t day, bidsim_day_slab_t *s,
                            bidsim_error_t *err) {
  if (v >= r->dims.variants || rep >= r->dims.replicates || day >= r->dims.days || s->plans != r->dims.plans ||
      s->products != r->dims.products)
    return bidsim_error_set(err, BIDSIM_EINVAL, "results", "day (%u, %u, %u) does not fit the file", v, rep, day);
  char path[96];
  int rc = BIDSIM_OK;
  for (int t = 0; t < OUTPUT_TABLE_COUNT && rc == BIDSIM_OK; t++)
    for (int m = 0; m < BIDSIM_METRIC_COUNT && rc == BIDSIM_OK; m++) {
      int64_t *buf = t == BIDSIM_TABLE_PLAN_SEGMENT ? &BIDSIM_SLAB_PS(s, m, 0, 0)
                   : t == BIDSIM_TABLE_PLAN_HOUR    ? &BIDSIM_SLAB_PH(s, m, 0, 0)
                                                    : &BIDSIM_SLAB_PR(s, m, 0);
      snprintf(path, sizeof path, "/%s/%s", output_tables[t].group, output_metrics[m].name);
      rc = read_cell(r, path, v, rep, day, buf, err);
    }
  if (rc == BIDSIM_OK) rc = read_cell(r, "/plan/cap_hit_s", v, rep, day, s->cap_hit_s, err);
  if (rc == BIDSIM_OK) rc = read_cell(r, "/traffic/impressions", v, rep, day, s->impressions, err);
  for (int e = 0; e < BIDSIM_EXTRA_COUNT && rc == BIDSIM_OK; e++) {
    snprintf(path, sizeof path, "/plan/%s", output_extras[e].name);
    rc = read_cell(r, path, v, rep, day, s->extra[e], err);
  }
  if (rc) return rc;
  s->variant = v;
  s->replicate = rep;
  s->day = day;
  return BIDSIM_OK;
}

static int read_all(bidsim_results_t *r, const char *path, int64_t *buf, bidsim_error_t *err) {
  hid_t d = H5Dopen2(r->file, path, H5P_DEFAULT);
  herr_t rc = d < 0 ? -1 : H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  output_h5_error_t e = { 0, false };
  if (rc < 0) output_h5_capture(&e);
  if (d >= 0) H5Dclose(d);
  if (rc < 0) {
    char what[128];
    snprintf(what, sizeof what, "read %s", path);
    return output_h5_fail(err, &e, BIDSIM_EFORMAT, r->path, what);
  }
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
  return read_block(r, path, start, 2, buf, err);
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

/* ---- verifying: every chunk of every dataset read once -------------------- */

typedef struct {
  bidsim_results_t *r;
  bidsim_error_t *err;
  int rc;
  void *buf;
  size_t cap;
} verify_t;

/* Read dataset d chunk by chunk (whole if it is not chunked), in its own
 * type: HDF5 checks each chunk's Fletcher32 sum as it reads it. */
static int verify_dataset(verify_t *vt, hid_t d, const char *name) {
  bidsim_results_t *r = vt->r;
  hid_t ft = H5Dget_type(d), fs = H5Dget_space(d), dcpl = H5Dget_create_plist(d);
  int rank = fs >= 0 ? H5Sget_simple_extent_ndims(fs) : -1;
  hsize_t ext[H5S_MAX_RANK], chunk[H5S_MAX_RANK], idx[H5S_MAX_RANK] = { 0 };
  bool ok = ft >= 0 && dcpl >= 0 && rank > 0 && H5Sget_simple_extent_dims(fs, ext, NULL) == rank;   /* no scalars */
  bool chunked = ok && H5Pget_layout(dcpl) == H5D_CHUNKED;
  if (ok && chunked) ok = H5Pget_chunk(dcpl, rank, chunk) == rank;
  if (ok && !chunked)
    for (int i = 0; i < rank; i++) chunk[i] = ext[i];
  size_t bytes = ok ? H5Tget_size(ft) : 0;
  bool empty = false;
  for (int i = 0; ok && i < rank; i++) {
    ok = chunk[i] > 0 || ext[i] == 0;
    empty |= ext[i] == 0;
    if (ok && chunk[i] && bytes > ((size_t)1 << 40) / chunk[i]) ok = false;   /* absurd: not ours */
    bytes *= chunk[i] ? chunk[i] : 1;
  }
  if (ok && bytes > vt->cap) {
    void *nb = bidsim_realloc(vt->buf, bytes);
    ok = nb != NULL;
    if (ok) { vt->buf = nb; vt->cap = bytes; }
  }
  output_h5_error_t e = { 0, false };
  bool read_ok = ok;
  for (bool more = ok && !empty; more && read_ok;) {
    hsize_t at[H5S_MAX_RANK], count[H5S_MAX_RANK];
    for (int i = 0; i < rank; i++) {
      at[i] = idx[i] * chunk[i];
      count[i] = ext[i] - at[i] < chunk[i] ? ext[i] - at[i] : chunk[i];
    }
    hid_t ms = H5Screate_simple(rank, count, NULL);
    read_ok = ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, at, NULL, count, NULL) >= 0 &&
              H5Dread(d, ft, ms, fs, H5P_DEFAULT, vt->buf) >= 0;
    if (!read_ok) output_h5_capture(&e);
    if (ms >= 0) H5Sclose(ms);
    /* the next chunk, last dimension fastest */
    more = false;
    for (int i = rank - 1; i >= 0 && !more; i--) {
      if (++idx[i] * chunk[i] < ext[i]) more = true;
      else idx[i] = 0;
    }
  }
  if (dcpl >= 0) H5Pclose(dcpl);
  if (fs >= 0) H5Sclose(fs);
  if (ft >= 0) H5Tclose(ft);
  if (!ok) return bidsim_error_set(vt->err, BIDSIM_EFORMAT, r->path, "/%s cannot be read as a bidsim dataset", name);
  if (!read_ok) {
    char what[160];
    snprintf(what, sizeof what, "read /%.100s", name);
    return output_h5_fail(vt->err, &e, BIDSIM_EFORMAT, r->path, what);
  }
  return BIDSIM_OK;
}

static herr_t verify_object(hid_t obj, const char *name, const H5O_info_t *info, void *data) {
  verify_t *vt = data;
  if (info->type != H5O_TYPE_DATASET) return 0;
  hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
  vt->rc = d < 0 ? bidsim_error_set(vt->err, BIDSIM_EFORMAT, vt->r->path, "cannot open /%s (a damaged file?)", name)
                 : verify_dataset(vt, d, name);
  if (d >= 0) H5Dclose(d);
  return vt->rc == BIDSIM_OK ? 0 : 1;   /* stop at the first failure */
}

int bidsim_results_verify(bidsim_results_t *r, bidsim_error_t *err) {
  verify_t vt = { r, err, BIDSIM_OK, NULL, 0 };
  herr_t walked = H5Ovisit2(r->file, H5_INDEX_NAME, H5_ITER_INC, verify_object, &vt, H5O_INFO_BASIC);
  output_h5_error_t e = { 0, false };
  if (walked < 0 && vt.rc == BIDSIM_OK) {
    output_h5_capture(&e);
    vt.rc = output_h5_fail(err, &e, BIDSIM_EFORMAT, r->path, "walk the file's objects");
  }
  bidsim_free(vt.buf);
  return vt.rc;
}
