/* sim/output_read_data.c - reading results from an open file by the
 * table's names: whole tables, one unit, one day, a market draw; and
 * bidsim_results_verify, which reads every
 * dataset chunk by chunk so that each checksum is checked. A chunk whose
 * checksum fails is an error (BIDSIM_EFORMAT, "damaged"), never numbers. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/output_hdf5_internal.h"

/* The block of a dataset at start[0 .. fixed-1] in its first `fixed`
 * dimensions (one index each) and whole in the others, into buf. A dataset
 * of too few dimensions, or of more than ours ever have, is refused. */
static int read_block(bidsim_results_t *r, const char *path, hid_t mt, const hsize_t start[5], int fixed, void *buf,
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
              H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf) >= 0;
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

static void dataset_path(int id, char *buf, size_t n) {
  snprintf(buf, n, "/%s/%s", output_datasets[id].group, output_datasets[id].name);
}

int bidsim_results_read_day(bidsim_results_t *r, uint32_t v, uint32_t rep, uint32_t day, bidsim_day_slab_t *s,
                            bidsim_error_t *err) {
  if (v >= r->dims.variants || rep >= r->dims.replicates || day >= r->dims.days || s->plans != r->dims.plans ||
      s->products != r->dims.products || (s->slots && s->slots != r->dims.slots))
    return bidsim_error_set(err, BIDSIM_EINVAL, "results", "day (%u, %u, %u) does not fit the file", v, rep, day);
  const hsize_t start[5] = { v, rep, day, 0, 0 };
  char path[96];
  int rc = BIDSIM_OK;
  for (int id = 0; id < OUT_DAY_END && rc == BIDSIM_OK; id++) {
    int64_t *part = output_slab_part(s, id);
    if (part == NULL || !output_present(id, &r->dims)) continue;   /* a slab without slots, a file without them */
    dataset_path(id, path, sizeof path);
    rc = read_block(r, path, H5T_NATIVE_INT64, start, 3, part, err);
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

/* A table's metric: its dataset's path, if the file has it. */
static int metric_path(const bidsim_results_t *r, bidsim_table_t table, int metric, char *path, size_t n,
                       bidsim_error_t *err) {
  int id = output_metric_id(table, metric);
  if (id < 0 || !output_present(id, &r->dims))
    return bidsim_error_set(err, BIDSIM_EINVAL, "results", "no table %d metric %d in this file", (int)table, metric);
  dataset_path(id, path, n);
  return BIDSIM_OK;
}

int bidsim_results_read(bidsim_results_t *r, bidsim_table_t table, int metric, int64_t *buf, bidsim_error_t *err) {
  char path[96];
  int rc = metric_path(r, table, metric, path, sizeof path, err);
  return rc ? rc : read_all(r, path, buf, err);
}

/* Read the (v, rep, ...) block of a dataset whose first two dimensions are
 * variant and replicate. */
static int read_unit(bidsim_results_t *r, const char *path, uint32_t v, uint32_t rep, int64_t *buf,
                     bidsim_error_t *err) {
  if (v >= r->dims.variants || rep >= r->dims.replicates)
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "no unit (variant %u, replicate %u) in a %u x %u file", v, rep,
                            r->dims.variants, r->dims.replicates);
  const hsize_t start[5] = { v, rep, 0, 0, 0 };
  return read_block(r, path, H5T_NATIVE_INT64, start, 2, buf, err);
}

int bidsim_results_read_unit(bidsim_results_t *r, bidsim_table_t table, int metric, uint32_t variant,
                             uint32_t replicate, int64_t *buf, bidsim_error_t *err) {
  char path[96];
  int rc = metric_path(r, table, metric, path, sizeof path, err);
  return rc ? rc : read_unit(r, path, variant, replicate, buf, err);
}

int bidsim_results_read_cap_hit_unit(bidsim_results_t *r, uint32_t variant, uint32_t replicate, int64_t *buf,
                                     bidsim_error_t *err) {
  char path[96];
  dataset_path(OUT_CAP_HIT, path, sizeof path);
  return read_unit(r, path, variant, replicate, buf, err);
}

int bidsim_results_read_cap_hit(bidsim_results_t *r, int64_t *buf, bidsim_error_t *err) {
  char path[96];
  dataset_path(OUT_CAP_HIT, path, sizeof path);
  return read_all(r, path, buf, err);
}

int bidsim_results_read_impressions(bidsim_results_t *r, int64_t *buf, bidsim_error_t *err) {
  char path[96];
  dataset_path(OUT_IMPRESSIONS, path, sizeof path);
  return read_all(r, path, buf, err);
}

int bidsim_results_read_market(bidsim_results_t *r, uint32_t v, uint32_t draw, bidsim_market_params_t *p,
                               bidsim_error_t *err) {
  if (v >= r->dims.variants || draw >= r->dims.draws || p->plans != r->dims.plans || p->products != r->dims.products)
    return bidsim_error_set(err, BIDSIM_EINVAL, "results", "no market draw (variant %u, draw %u) of %u plans in a "
                            "file of %u variants, %u draws", v, draw, p->plans, r->dims.variants, r->dims.draws);
  const hsize_t start[5] = { v, draw, 0, 0, 0 };
  char path[96];
  int rc = BIDSIM_OK;
  for (int id = 0; id < OUT_COUNT && rc == BIDSIM_OK; id++) {
    if (output_datasets[id].store != STORE_DRAW) continue;
    dataset_path(id, path, sizeof path);
    rc = read_block(r, path, output_h5_mem_type(output_datasets[id].type), start, 2, output_market_part(p, id), err);
  }
  return rc;
}

/* ---- verifying: every chunk of every dataset checked once ---------------- */

/* Fletcher-32 as HDF5's filter computes it over a chunk's stored bytes (the
 * HDF5 file format specification): 16-bit big-endian words (an odd last
 * byte as the high byte of one), both sums folded to 16 bits every 360
 * words and at the end; the filter stores the result little-endian in the
 * chunk's last 4 bytes. */
static uint32_t fletcher32(const uint8_t *p, size_t n) {
  uint32_t s1 = 0, s2 = 0;
  for (size_t words = n / 2; words > 0;) {
    size_t k = words > 360 ? 360 : words;
    words -= k;
    for (; k > 0; k--, p += 2) {
      s1 += (uint32_t)p[0] << 8 | p[1];
      s2 += s1;
    }
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
  }
  if (n % 2) {
    s1 += (uint32_t)p[0] << 8;
    s2 += s1;
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
  }
  s1 = (s1 & 0xffff) + (s1 >> 16);
  s2 = (s2 & 0xffff) + (s2 >> 16);
  return s2 << 16 | s1;
}

static bool stored_sum_ok(const uint8_t *b, size_t n) {
  if (n < 4) return false;
  uint32_t stored = (uint32_t)b[n - 4] | (uint32_t)b[n - 3] << 8 | (uint32_t)b[n - 2] << 16 | (uint32_t)b[n - 1] << 24;
  return fletcher32(b, n - 4) == stored;
}

typedef struct {
  bidsim_results_t *r;
  bidsim_error_t *err;
  int rc;
  void *buf;
  size_t cap;
  uint64_t chunks, through_hdf5;   /* chunks checked; of them, read through HDF5's filters */
} verify_t;

static bool grow(verify_t *vt, size_t bytes) {
  if (bytes <= vt->cap) return true;
  void *nb = bidsim_realloc(vt->buf, bytes);
  if (nb == NULL) return false;
  vt->buf = nb;
  vt->cap = bytes;
  return true;
}

/* Read one chunk (at @p at, of @p chunk extents, clipped to ext) through
 * HDF5's filters: its own Fletcher32 check, decompression. */
static bool read_region(verify_t *vt, hid_t d, hid_t fs, hid_t ft, int rank, const hsize_t *at, const hsize_t *chunk,
                        const hsize_t *ext) {
  hsize_t count[H5S_MAX_RANK];
  size_t bytes = H5Tget_size(ft);
  for (int i = 0; i < rank; i++) {
    count[i] = ext[i] - at[i] < chunk[i] ? ext[i] - at[i] : chunk[i];
    bytes *= (size_t)count[i];
  }
  vt->through_hdf5++;
  if (!grow(vt, bytes + 1)) return false;
  hid_t ms = H5Screate_simple(rank, count, NULL);
  bool ok = ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, at, NULL, count, NULL) >= 0 &&
            H5Dread(d, ft, ms, fs, H5P_DEFAULT, vt->buf) >= 0;
  if (ms >= 0) H5Sclose(ms);
  return ok;
}

/* Every allocated chunk of dataset d: its stored bytes against the
 * Fletcher32 sum stored with them (no decompressing: a few instructions a
 * byte). A chunk that disagrees is read through HDF5's filters, whose
 * verdict stands, so that this copy of the algorithm can never refuse a
 * sound file. */
static int verify_dataset(verify_t *vt, hid_t d, const char *name) {
  bidsim_results_t *r = vt->r;
  hid_t ft = H5Dget_type(d), fs = H5Dget_space(d), dcpl = H5Dget_create_plist(d);
  int rank = fs >= 0 ? H5Sget_simple_extent_ndims(fs) : -1;
  hsize_t ext[H5S_MAX_RANK], chunk[H5S_MAX_RANK], n = 0;
  bool ok = ft >= 0 && dcpl >= 0 && rank > 0 && H5Sget_simple_extent_dims(fs, ext, NULL) == rank &&
            H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, rank, chunk) == rank;
  int nf = ok ? H5Pget_nfilters(dcpl) : 0;
  unsigned flags = 0;
  size_t nvals = 0;
  ok = ok && nf > 0 && H5Pget_filter2(dcpl, (unsigned)nf - 1, &flags, &nvals, NULL, 0, NULL, NULL) == H5Z_FILTER_FLETCHER32;
  ok = ok && H5Dget_num_chunks(d, fs, &n) >= 0;
  output_h5_error_t e = { 0, false };
  bool sound = ok;
  for (hsize_t i = 0; sound && i < n; i++) {
    hsize_t at[H5S_MAX_RANK], bytes = 0;
    haddr_t addr;
    unsigned mask = 0;
    uint32_t filters = 0;
    sound = H5Dget_chunk_info(d, fs, i, at, &mask, &addr, &bytes) >= 0 && bytes > 0 && bytes < ((hsize_t)1 << 40) &&
            grow(vt, (size_t)bytes) && H5Dread_chunk(d, H5P_DEFAULT, at, &filters, vt->buf) >= 0;
    vt->chunks++;
    if (sound && (filters != 0 || !stored_sum_ok(vt->buf, (size_t)bytes)))
      sound = read_region(vt, d, fs, ft, rank, at, chunk, ext);
    if (!sound) output_h5_capture(&e);
  }
  if (dcpl >= 0) H5Pclose(dcpl);
  if (fs >= 0) H5Sclose(fs);
  if (ft >= 0) H5Tclose(ft);
  if (!ok) return bidsim_error_set(vt->err, BIDSIM_EFORMAT, r->path, "/%s is not a checksummed bidsim dataset", name);
  if (!sound) {
    e.damaged = true;   /* a chunk whose stored sum, and HDF5's own read, fail */
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
  verify_t vt = { r, err, BIDSIM_OK, NULL, 0, 0, 0 };
  herr_t walked = H5Ovisit2(r->file, H5_INDEX_NAME, H5_ITER_INC, verify_object, &vt, H5O_INFO_BASIC);
  output_h5_error_t e = { 0, false };
  if (walked < 0 && vt.rc == BIDSIM_OK) {
    output_h5_capture(&e);
    vt.rc = output_h5_fail(err, &e, BIDSIM_EFORMAT, r->path, "walk the file's objects");
  }
  r->verified_chunks = vt.chunks;
  r->verified_through_hdf5 = vt.through_hdf5;
  bidsim_free(vt.buf);
  return vt.rc;
}
