/* sim/output_hdf5_internal.h - what the result file's writer, reader and
 * table (output_write.c, output_read.c, output_hdf5.c) share: the dataset
 * table, the handles' layouts and small HDF5 helpers. Only those three
 * files include it (and with it hdf5.h). */
#ifndef BIDSIM_SIM_OUTPUT_HDF5_INTERNAL_H
#define BIDSIM_SIM_OUTPUT_HDF5_INTERNAL_H
#include <hdf5.h>
#include "sim/output.h"

#ifndef BIDSIM_VERSION
#define BIDSIM_VERSION "unknown"
#endif

typedef enum { SHAPE_PLAN_SEGMENT, SHAPE_PLAN_HOUR, SHAPE_PRODUCT, SHAPE_PLAN, SHAPE_HOUR_SEGMENT } output_shape_t;

typedef struct {
  const char *group;
  output_shape_t shape;
  const char *description;
} output_table_t;

typedef struct { const char *name, *units, *description; } output_field_t;

#define OUTPUT_TABLE_COUNT 3
extern const output_table_t output_tables[OUTPUT_TABLE_COUNT];
extern const output_field_t output_metrics[BIDSIM_METRIC_COUNT];
extern const output_field_t output_extras[BIDSIM_EXTRA_COUNT];   /* /plan/<name>, (V, R, D, P) */
/* Dimension names of each shape, outermost first; each is a scale in /scales. */
extern const char *const output_shape_dims[][5];

typedef struct { uint32_t variants, replicates, days, plans, products; } output_dims_t;

hsize_t output_dim_size(const output_dims_t *d, const char *name);
int     output_shape_rank(output_shape_t s);
void    output_shape_extent(output_shape_t s, const output_dims_t *d, hsize_t *ext);
/** A variable-length UTF-8 string type (caller closes it). */
hid_t   output_str_type(void);

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
/** Fill @p err for a failure on @p path while trying to @p what: the
 *  system error (BIDSIM_EIO, "no space left on device: the disk is full"),
 *  a damaged file (BIDSIM_EFORMAT), else @p code with "HDF5 failed to".
 *  @p e may be NULL (capture now). Returns the code set. */
int     output_h5_fail(bidsim_error_t *err, const output_h5_error_t *e, int code, const char *path,
                       const char *what);

/* The reader's file handle, for the writer's chunk copy (merge). */
hid_t   output_results_file(const bidsim_results_t *r);

#endif
