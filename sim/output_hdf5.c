/* sim/output_hdf5.c - what the writer (output_layout.c, output_write.c) and
 * the reader (output_read*.c) share: the root attributes and their
 * checksum, HDF5's types and errors, and the day slab. The datasets are
 * declared in output_table.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/output_hdf5_internal.h"

/* ---- types ------------------------------------------------------------- */

/* Little-endian in the file whatever the machine; a text dataset is an
 * array of one-byte strings (HDF5's single characters), which netCDF reads
 * as char and xarray decodes to strings by its _Encoding attribute. */
hid_t output_h5_file_type(output_type_t t) {
  switch (t) {
    case TYPE_I64: return H5T_STD_I64LE;
    case TYPE_U64: return H5T_STD_U64LE;
    case TYPE_U32: return H5T_STD_U32LE;
    case TYPE_U8: return H5T_STD_U8LE;
    case TYPE_F64: return H5T_IEEE_F64LE;
    default: return H5T_C_S1;
  }
}

hid_t output_h5_mem_type(output_type_t t) {
  switch (t) {
    case TYPE_I64: return H5T_NATIVE_INT64;
    case TYPE_U64: return H5T_NATIVE_UINT64;
    case TYPE_U32: return H5T_NATIVE_UINT32;
    case TYPE_U8: return H5T_NATIVE_UINT8;
    case TYPE_F64: return H5T_NATIVE_DOUBLE;
    default: return H5T_C_S1;
  }
}

const output_root_attr_t output_root_attrs[ROOT_COUNT] = {
  [ROOT_FORMAT]         = { "format", true, false },
  [ROOT_FORMAT_VERSION] = { "format_version", false, false },
  [ROOT_BIDSIM_VERSION] = { "bidsim_version", true, false },
  [ROOT_SEED]           = { "seed", false, false },
  [ROOT_SCENARIO_PATH]  = { "scenario_path", true, false },
  [ROOT_SCENARIO_TEXT]  = { "scenario_text", true, false },
  [ROOT_RESOLVED]       = { "resolved_scenario", true, false },
  [ROOT_FINGERPRINT]    = { "fingerprint", true, false },
  [ROOT_SHARD_INDEX]    = { "shard_index", false, true },
  [ROOT_SHARD_COUNT]    = { "shard_count", false, true },
};

uint64_t output_sum_bytes(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * UINT64_C(0x100000001B3);
  return h;
}

uint64_t output_sum_attr(uint64_t h, const char *name, const char *string, uint64_t number, bool is_string) {
  static const char nul = 0;
  h = output_sum_bytes(h, name, strlen(name) + 1);
  if (is_string) {
    h = output_sum_bytes(h, string, strlen(string));
  } else {
    unsigned char le[8];
    for (int i = 0; i < 8; i++) le[i] = (unsigned char)(number >> (8 * i));
    h = output_sum_bytes(h, le, sizeof le);
  }
  return output_sum_bytes(h, &nul, 1);
}

/* ---- HDF5's errors ----------------------------------------------------- */

/* HDF5's atexit handler closes the files still open, and a file whose
 * H5Fclose failed (a full disk: the last flush could not be written) is
 * still open and half torn down: the handler then segfaults inside
 * H5F__close_cb (HDF5 1.10). Every file bidsim opens is closed or given
 * up explicitly, so there is nothing for the handler to do; without it a
 * failed close ends in a clean exit status. H5dont_atexit only works before
 * the library starts (later calls fail harmlessly). */
void output_h5_init(void) {
  H5dont_atexit();
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);   /* errors come back as codes, not prints */
}

static herr_t capture_one(unsigned n, const H5E_error2_t *e, void *data) {
  (void)n;
  output_h5_error_t *out = data;
  const char *d = e->desc ? e->desc : "";
  /* the sec2 driver writes "..., errno = 28, error message = '...'" */
  const char *at = strstr(d, "errno = ");
  if (at && out->sys_errno == 0) out->sys_errno = atoi(at + 8);
  if (strstr(d, "checksum") || strstr(d, "Checksum")) out->damaged = true;
  return 0;
}

void output_h5_capture(output_h5_error_t *e) { H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, capture_one, e); }

int output_h5_fail(bidsim_error_t *err, const output_h5_error_t *e, int code, const char *path, const char *what) {
  output_h5_error_t now = { 0, false };
  if (e == NULL) {
    output_h5_capture(&now);
    e = &now;
  }
  if (e->damaged)
    return bidsim_error_set(err, BIDSIM_EFORMAT, path, "the file is damaged: a checksum does not match (while trying "
                            "to %s)", what);
  if (e->sys_errno == ENOSPC || e->sys_errno == EDQUOT)
    return bidsim_error_set(err, BIDSIM_EIO, path, "cannot %s: %s (the disk is full)", what, strerror(e->sys_errno));
  if (e->sys_errno == EIO)
    return bidsim_error_set(err, BIDSIM_EIO, path, "cannot %s: %s", what, strerror(e->sys_errno));
  if (e->sys_errno)   /* e.g. a read past the end of a damaged file: the caller's kind of failure */
    return bidsim_error_set(err, code, path, "cannot %s: %s", what, strerror(e->sys_errno));
  if (code == BIDSIM_EFORMAT)
    return bidsim_error_set(err, code, path, "the file is damaged or not a bidsim result: HDF5 cannot %s", what);
  return bidsim_error_set(err, code, path, "HDF5 failed to %s", what);
}

/* ---- slabs ---------------------------------------------------------------- */

int bidsim_day_slab_init_slots(bidsim_day_slab_t *s, uint32_t plans, uint32_t products, uint32_t slots,
                               bidsim_error_t *err) {
  memset(s, 0, sizeof *s);
  s->plans = plans;
  s->products = products;
  s->slots = slots;
  s->plan_segment = bidsim_calloc((size_t)BIDSIM_METRIC_COUNT * plans * BIDSIM_SEG_COUNT + 1, sizeof(int64_t));
  s->plan_hour = bidsim_calloc((size_t)BIDSIM_METRIC_COUNT * BIDSIM_HOURS * plans + 1, sizeof(int64_t));
  s->product = bidsim_calloc((size_t)BIDSIM_METRIC_COUNT * products + 1, sizeof(int64_t));
  s->cap_hit_s = bidsim_calloc((size_t)plans + 1, sizeof(int64_t));
  if (slots) s->plan_slot = bidsim_calloc((size_t)BIDSIM_SLOT_METRIC_COUNT * slots * plans + 1, sizeof(int64_t));
  bool ok_extra = slots == 0 || s->plan_slot != NULL;
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

int bidsim_day_slab_init(bidsim_day_slab_t *s, uint32_t plans, uint32_t products, bidsim_error_t *err) {
  return bidsim_day_slab_init_slots(s, plans, products, 0, err);
}

void bidsim_day_slab_clear(bidsim_day_slab_t *s) {
  memset(s->plan_segment, 0, (size_t)BIDSIM_METRIC_COUNT * s->plans * BIDSIM_SEG_COUNT * sizeof(int64_t));
  memset(s->plan_hour, 0, (size_t)BIDSIM_METRIC_COUNT * BIDSIM_HOURS * s->plans * sizeof(int64_t));
  memset(s->product, 0, (size_t)BIDSIM_METRIC_COUNT * s->products * sizeof(int64_t));
  if (s->plan_slot) memset(s->plan_slot, 0, (size_t)BIDSIM_SLOT_METRIC_COUNT * s->slots * s->plans * sizeof(int64_t));
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
  bidsim_free(s->plan_slot);
  s->plan_segment = s->plan_hour = s->product = s->cap_hit_s = s->plan_slot = NULL;
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) {
    bidsim_free(s->extra[e]);
    s->extra[e] = NULL;
  }
}
