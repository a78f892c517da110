/* sim/output_write.c - the result file writer: the file laid out from the
 * table (output_layout.c), day slabs written in unit order and the
 * market's draws, the file written under a temporary name and renamed when
 * complete; and merge's chunk copy. No timestamps are stored, so identical
 * runs give identical files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/output_hdf5_internal.h"

struct bidsim_writer {
  char    *path, *tmp;
  hid_t    file;
  output_dims_t dims;
  hid_t    data[OUT_COUNT];   /* the open result datasets (STORE_DAY, STORE_DRAW); -1 otherwise */
  output_h5_error_t herr;   /* what HDF5 said about the failures so far */
};

static int h5fail(bidsim_error_t *err, bidsim_writer_t *w, const char *what) {
  return output_h5_fail(err, &w->herr, BIDSIM_EHDF5, w->path, what);
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
    bad |= a->is_string ? output_attr_string(root, a->name, str[i]) : output_attr_u64(root, a->name, num[i]);
    sum = output_sum_attr(sum, a->name, str[i], num[i], a->is_string);
  }
  if (!bad) bad |= output_attr_u64(root, "checksum", sum);
  if (root >= 0) H5Gclose(root);
  return bad ? -1 : 0;
}

int bidsim_writer_open(const char *path, const bidsim_output_meta_t *meta, bidsim_writer_t **out,
                       bidsim_error_t *err) {
  *out = NULL;
  if (meta->plans == 0 || meta->products == 0 || meta->days == 0 || meta->replicates == 0 || meta->variants == 0)
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "nothing to write: %u plans, %u products, %u days, %u replicates",
                            meta->plans, meta->products, meta->days, meta->replicates);
  if (meta->slots > BIDSIM_MAX_SLOTS || (meta->draws && !meta->draw_streams) || (meta->categories && !meta->category_names))
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "%u slots, %u market draws or %u categories without their labels",
                            meta->slots, meta->draws, meta->categories);
  output_h5_init();
  bidsim_writer_t *w = bidsim_calloc(1, sizeof *w);
  if (w == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  w->file = -1;
  for (int i = 0; i < OUT_COUNT; i++) w->data[i] = -1;
  w->dims = (output_dims_t){ meta->variants, meta->replicates, meta->days, meta->plans, meta->products, meta->slots,
                             meta->draws, meta->categories, meta->sweep_key_count };
  size_t n = strlen(path) + 32;
  w->path = bidsim_strdup(path);
  w->tmp = bidsim_malloc(n);
  if (!w->path || !w->tmp) { bidsim_writer_abort(w); return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory"); }
  snprintf(w->tmp, n, "%s.tmp.%ld", path, (long)getpid());
  bidsim_output_remove_stale(path, NULL, NULL);   /* best effort: a folder we cannot list fails just below */

  /* the 1.10 file format: every metadata structure (superblock, object
   * headers, chunk indexes) carries a checksum, which HDF5 checks on read */
  hid_t fcpl = output_object_props(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
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
  if (write_root(w->file, meta) || output_layout(w->file, meta, &w->dims, w->data)) {
    output_h5_capture(&w->herr);
    int code = h5fail(err, w, "lay out the result file");
    bidsim_writer_abort(w);
    return code;
  }
  *out = w;
  return BIDSIM_OK;
}

/* The block at (i0, i1[, i2]) of dataset id: its first `fixed` indices
 * given, whole in the others. */
static int write_block(bidsim_writer_t *w, int id, int fixed, const hsize_t *at, const void *buf) {
  hsize_t start[5] = { 0 }, count[5];
  uint64_t ext[5];
  int rank = output_extent(id, &w->dims, ext);
  for (int i = 0; i < rank; i++) {
    start[i] = i < fixed ? at[i] : 0;
    count[i] = i < fixed ? 1 : ext[i];
  }
  hid_t d = w->data[id], fs = H5Dget_space(d);
  hid_t ms = H5Screate_simple(rank, count, NULL);
  herr_t rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
  if (rc >= 0) rc = H5Dwrite(d, output_h5_mem_type(output_datasets[id].type), ms, fs, H5P_DEFAULT, buf);
  if (rc < 0) output_h5_capture(&w->herr);
  H5Sclose(ms);
  H5Sclose(fs);
  return rc < 0 ? -1 : 0;
}

int bidsim_writer_write_day(bidsim_writer_t *w, const bidsim_day_slab_t *s, bidsim_error_t *err) {
  const output_dims_t *dm = &w->dims;
  if (s->variant >= dm->variants || s->replicate >= dm->replicates || s->day >= dm->days || s->plans != dm->plans ||
      s->products != dm->products || (dm->slots && (s->slots != dm->slots || !s->plan_slot)))
    return bidsim_error_set(err, BIDSIM_EINVAL, w->path, "day slab (%u, %u, %u) does not fit the file", s->variant,
                            s->replicate, s->day);
  const hsize_t at[3] = { s->variant, s->replicate, s->day };
  for (int id = 0; id < OUT_DAY_END; id++) {
    if (w->data[id] < 0) continue;   /* not in this file (no slots) */
    if (write_block(w, id, 3, at, output_slab_part(s, id))) {
      char what[96];
      snprintf(what, sizeof what, "write %s/%s", output_datasets[id].group, output_datasets[id].name);
      return h5fail(err, w, what);
    }
  }
  return BIDSIM_OK;
}

int bidsim_writer_write_market(bidsim_writer_t *w, uint32_t v, uint32_t draw, const bidsim_market_params_t *p,
                               bidsim_error_t *err) {
  const output_dims_t *dm = &w->dims;
  if (v >= dm->variants || draw >= dm->draws || p->plans != dm->plans || p->products != dm->products)
    return bidsim_error_set(err, BIDSIM_EINVAL, w->path, "market draw (%u, %u) of %u plans does not fit the file", v,
                            draw, p->plans);
  const hsize_t at[2] = { v, draw };
  for (int id = OUT_DAY_END; id < OUT_COUNT; id++)
    if (output_datasets[id].store == STORE_DRAW && w->data[id] >= 0 && write_block(w, id, 2, at, output_market_part(p, id)))
      return h5fail(err, w, "write the market's parameters");
  return BIDSIM_OK;
}

/* Close a dataset; a close that flushes chunks may fail as a write does. */
static void close_dataset(bidsim_writer_t *w, hid_t *d) {
  if (*d >= 0 && H5Dclose(*d) < 0) output_h5_capture(&w->herr);
  *d = -1;
}

static void writer_close(bidsim_writer_t *w) {
  for (int id = 0; id < OUT_COUNT; id++) close_dataset(w, &w->data[id]);
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

/* One dataset's chunk at @p at (a day's: variant, replicate, day; a market
 * draw's: variant, draw) from src to dst, still compressed and with its
 * Fletcher32 sum. The caller verified the source file
 * (bidsim_results_verify), so the bytes copied are the checksummed ones.
 * -1: the source's chunk is missing or unreadable; -2: the write failed. */
static int copy_chunk(hid_t src, hid_t dst, const uint32_t *at, int fixed, void **buf, size_t *cap) {
  hsize_t off[5] = { 0, 0, 0, 0, 0 }, bytes = 0;
  for (int i = 0; i < fixed; i++) off[i] = at[i];
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

/* Every chunk at (i0[, i1[, i2]]) = at[0..fixed-1] of the result datasets
 * of one store kind, from src to w. */
static int copy_chunks(bidsim_writer_t *w, bidsim_results_t *src, output_store_t store, const uint32_t *at, int fixed,
                       void **buf, size_t *cap, bidsim_error_t *err) {
  int rc = BIDSIM_OK;
  for (int id = 0; id < OUT_COUNT && rc == BIDSIM_OK; id++) {
    if (output_datasets[id].store != store || w->data[id] < 0) continue;
    char path[96];
    snprintf(path, sizeof path, "/%s/%s", output_datasets[id].group, output_datasets[id].name);
    hid_t d = H5Dopen2(src->file, path, H5P_DEFAULT);
    int got = d < 0 ? -1 : copy_chunk(d, w->data[id], at, fixed, buf, cap);
    if (got == -2) {   /* the output's side: a full disk, an I/O error */
      output_h5_capture(&w->herr);
      rc = h5fail(err, w, "write the merged file");
    } else if (got) {
      rc = bidsim_error_set(err, BIDSIM_EFORMAT, src->path, "%s: the chunk at (%u, %u%s) is missing or cannot be read "
                            "(a damaged part?)", path, at[0], at[1], fixed == 3 ? ", day" : "");
    }
    if (d >= 0) H5Dclose(d);
  }
  return rc;
}

int bidsim_writer_copy_unit(bidsim_writer_t *w, bidsim_results_t *src, uint32_t v, uint32_t rep, bidsim_error_t *err) {
  void *buf = NULL;
  size_t cap = 0;
  int rc = BIDSIM_OK;
  for (uint32_t day = 0; day < w->dims.days && rc == BIDSIM_OK; day++) {
    const uint32_t at[3] = { v, rep, day };
    rc = copy_chunks(w, src, STORE_DAY, at, 3, &buf, &cap, err);
  }
  bidsim_free(buf);
  return rc;
}

int bidsim_writer_copy_market(bidsim_writer_t *w, bidsim_results_t *src, bidsim_error_t *err) {
  void *buf = NULL;
  size_t cap = 0;
  int rc = BIDSIM_OK;
  for (uint32_t v = 0; v < w->dims.variants && rc == BIDSIM_OK; v++)
    for (uint32_t draw = 0; draw < w->dims.draws && rc == BIDSIM_OK; draw++) {
      const uint32_t at[2] = { v, draw };
      rc = copy_chunks(w, src, STORE_DRAW, at, 2, &buf, &cap, err);
    }
  bidsim_free(buf);
  return rc;
}
