/* sim/output_hdf5_internal.h - what the result file's writer and reader
 * (output_layout.c, output_write.c, output_read.c, output_read_data.c,
 * output_hdf5.c) share: the handles' layouts and small HDF5 helpers. Only
 * those files include it (and with it hdf5.h); the dataset table itself is
 * sim/output_table.h. */
#ifndef BIDSIM_SIM_OUTPUT_HDF5_INTERNAL_H
#define BIDSIM_SIM_OUTPUT_HDF5_INTERNAL_H
#include <hdf5.h>
#include "sim/output.h"
#include "sim/output_table.h"

#ifndef BIDSIM_VERSION
#define BIDSIM_VERSION "unknown"
#endif

/* HDF5's file type and memory type of a table type (TYPE_TEXT: one byte,
 * a char of netCDF's char arrays). */
hid_t output_h5_file_type(output_type_t t);
hid_t output_h5_mem_type(output_type_t t);

/* output_layout.c: the groups, coordinates and datasets of the table,
 * labels written; the result datasets (STORE_DAY, STORE_DRAW) left open in
 * data[id] (others -1; the caller fills data with -1 first). Returns -1 on
 * any failure (HDF5's error stack says which). */
int   output_layout(hid_t file, const bidsim_output_meta_t *meta, const output_dims_t *dims, hid_t data[OUT_COUNT]);
/* Creation properties of every object: no timestamps, attributes and links
 * in the (checksummed) object header. */
hid_t output_object_props(hid_t cls);
/* A scalar fixed-length UTF-8 string attribute. */
int   output_attr_string(hid_t obj, const char *name, const char *value);
/* A scalar unsigned 64-bit integer attribute. */
int   output_attr_u64(hid_t obj, const char *name, uint64_t value);

/* The root attributes, in the order written and checksummed. Their
 * checksum, the root attribute "checksum", is FNV-1a 64 over each present
 * attribute's name, a NUL, its value (a string's bytes; an integer as 8
 * little-endian bytes) and a NUL: HDF5 checksums its object headers, but a
 * large attribute lives in a heap that it does not. */
typedef enum { ROOT_FORMAT, ROOT_FORMAT_VERSION, ROOT_BIDSIM_VERSION, ROOT_SEED, ROOT_SCENARIO_PATH,
               ROOT_SCENARIO_TEXT, ROOT_RESOLVED, ROOT_FINGERPRINT, ROOT_SHARD_INDEX, ROOT_SHARD_COUNT,
               ROOT_COUNT } output_root_t;
typedef struct {
  const char *name;
  bool        is_string;   /* else uint64 */
  bool        optional;    /* only in part files */
} output_root_attr_t;
extern const output_root_attr_t output_root_attrs[ROOT_COUNT];
#define OUTPUT_SUM_BASIS UINT64_C(0xCBF29CE484222325)
uint64_t output_sum_bytes(uint64_t h, const void *p, size_t n);
uint64_t output_sum_attr(uint64_t h, const char *name, const char *string, uint64_t number, bool is_string);

/** Before the first HDF5 call of the writer or the reader: errors come back
 *  as codes (no printing), and HDF5 installs no atexit handler (see
 *  output_hdf5.c for why). */
void    output_h5_init(void);
/* What HDF5's error stack said about a failure. The stack is cleared by the
 * next HDF5 call, so it is captured right after the call that failed. */
typedef struct {
  int  sys_errno;    /* the system error HDF5 met (ENOSPC ...), 0 if none */
  bool damaged;      /* a checksum did not match: the file is damaged */
} output_h5_error_t;
/** Add what the current error stack says to @p e (the first system error
 *  and any checksum failure are kept). */
void    output_h5_capture(output_h5_error_t *e);
/** Fill @p err for a failure on @p path while trying to @p what: a
 *  checksum mismatch is a damaged file (BIDSIM_EFORMAT); a full disk
 *  (ENOSPC, "the disk is full") or EIO is BIDSIM_EIO; anything else is
 *  @p code (the writer's BIDSIM_EHDF5, the reader's BIDSIM_EFORMAT) with
 *  the system's words if HDF5 met a system error. @p e may be NULL (capture
 *  now). Returns the code set. */
int     output_h5_fail(bidsim_error_t *err, const output_h5_error_t *e, int code, const char *path,
                       const char *what);

/* An open result file (output_read.c opens it, output_read_data.c reads
 * its results, output_write.c copies its chunks for merge). */
struct bidsim_results {
  hid_t    file;
  char    *path;
  output_dims_t dims;
  uint64_t seed, format_version;
  char    *version, *scenario_text, *resolved_text, *scenario_path;
  char   **variant, **day, **plan_name, **plan_shop, **product_name, **product_shop, **category;
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
  uint64_t verified_chunks, verified_through_hdf5;   /* the last verify's chunks; of them, read through HDF5 */
  uint64_t *draw_stream;      /* [draw] */
  char     *redraw;
};

#endif
