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

/* The reader's file handle, for the writer's chunk copy (merge). */
hid_t   output_results_file(const bidsim_results_t *r);

#endif
