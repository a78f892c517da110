/* sim/output_table.h - the result file's layout as data: every dimension
 * and every dataset declared once (group, name, dimensions, type, units,
 * description), which the writer, the reader, the unit store's day layout
 * and the documentation check (tests/tools/output_table.c against
 * docs/output-format.md) all loop over. No HDF5 here. */
#ifndef BIDSIM_SIM_OUTPUT_TABLE_H
#define BIDSIM_SIM_OUTPUT_TABLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/output.h"

/* The dimensions. Each has a coordinate variable named like it, written in
 * every group whose datasets use it (netCDF and xarray see a group's own
 * coordinates; the reader reads the copy in the dimension's home group). */
typedef enum {
  DIM_VARIANT, DIM_REPLICATE, DIM_DAY, DIM_HOUR, DIM_SEGMENT, DIM_SLOT, DIM_PLAN, DIM_PRODUCT, DIM_DRAW,
  DIM_CATEGORY, DIM_SWEEP_KEY, DIM_COUNT
} output_dim_t;
#define DIM_END ((uint8_t)0xFF)

typedef struct {
  const char *name;
  bool        text;         /* labels (a char array, netCDF's way of strings); else uint32 */
  const char *home;         /* the group whose copy the reader reads */
  const char *description;
} output_dim_info_t;
extern const output_dim_info_t output_dim_info[DIM_COUNT];

typedef enum { TYPE_I64, TYPE_U64, TYPE_U32, TYPE_U8, TYPE_F64, TYPE_TEXT } output_type_t;

/* How a dataset is written: one chunk per (variant, replicate, day) from
 * the day slab; whole, from the labels, at open; one chunk per (variant,
 * draw) of the market's parameters. */
typedef enum { STORE_DAY, STORE_LABEL, STORE_DRAW } output_store_t;

typedef struct {
  const char *group, *name;
  uint8_t     dims[5];      /* output_dim_t, DIM_END after the last; a TEXT dataset has one more, its bytes */
  output_type_t type;
  output_store_t store;
  bool        money;        /* li (0.001 yuan) as int64, with CF scale_factor 0.001 and units "yuan" */
  bool        has_fill;     /* fill: HDF5's fill value and CF's _FillValue (a value meaning "none") */
  int64_t     fill;
  const char *units;        /* when not money; NULL = none */
  const char *description;
} output_dataset_t;

/* Dataset ids: the table's order, which is also the order of a unit file's
 * day and of an MPI day message (the STORE_DAY ones). The metric tables are
 * BIDSIM_METRIC_COUNT consecutive entries in bidsim_metric_t's order. */
enum {
  OUT_PLAN_SEGMENT = 0,
  OUT_PLAN_HOUR = OUT_PLAN_SEGMENT + BIDSIM_METRIC_COUNT,
  OUT_PRODUCT = OUT_PLAN_HOUR + BIDSIM_METRIC_COUNT,
  OUT_PLAN_SLOT = OUT_PRODUCT + BIDSIM_METRIC_COUNT,     /* exposures, clicks */
  OUT_CAP_HIT = OUT_PLAN_SLOT + BIDSIM_SLOT_METRIC_COUNT,
  OUT_EXTRA,                                             /* BIDSIM_EXTRA_COUNT of them */
  OUT_IMPRESSIONS = OUT_EXTRA + BIDSIM_EXTRA_COUNT,
  OUT_DAY_END,                                           /* the STORE_DAY datasets end here */
  OUT_PLAN_SHOP = OUT_DAY_END, OUT_PLAN_CAP, OUT_PLAN_LISTED,
  OUT_PRODUCT_ID, OUT_PRODUCT_SHOP, OUT_PRODUCT_PLAN,
  OUT_VARIANT_CAP, OUT_UNITS_DONE, OUT_SWEEP_VALUE,
  OUT_DRAW_STREAM,
  OUT_MARKET_BID, OUT_MARKET_CAP, OUT_MARKET_QUALITY, OUT_MARKET_TARGETING, OUT_MARKET_REACH,
  OUT_MARKET_CTR, OUT_MARKET_CVR, OUT_MARKET_PRICE, OUT_MARKET_CATEGORY,
  OUT_COUNT
};
extern const output_dataset_t output_datasets[OUT_COUNT];

/* The groups, in the order written, each with its description. */
typedef struct { const char *name, *description; } output_group_t;
#define OUTPUT_GROUP_COUNT 8
extern const output_group_t output_groups[OUTPUT_GROUP_COUNT];

typedef struct {
  uint32_t variants, replicates, days, plans, products, slots, draws, categories, sweep_keys;
} output_dims_t;

uint64_t output_dim_size(const output_dims_t *d, output_dim_t dim);
/** Rank of dataset @p id without a TEXT dataset's bytes dimension. */
int      output_rank(int id);
/** Its extent (without the bytes dimension); returns the rank. */
int      output_extent(int id, const output_dims_t *d, uint64_t *ext);
/** Values in one chunk of a STORE_DAY or STORE_DRAW dataset (its
 *  dimensions after the first three or two), or in the whole of a label. */
uint64_t output_chunk_values(int id, const output_dims_t *d);
/** Whether the file holds @p id: a dataset with an empty dimension (no
 *  sweep keys) is not written. */
bool     output_present(int id, const output_dims_t *d);
/** Whether a dataset of @p group uses dimension @p dim. */
bool     output_group_uses(const char *group, output_dim_t dim);
/** The dataset of a (table, metric), or -1. */
int      output_metric_id(bidsim_table_t table, int metric);
/** Where a STORE_DAY dataset's block of one day lives in a slab. */
int64_t *output_slab_part(const bidsim_day_slab_t *s, int id);
/** Where a STORE_DRAW dataset's values live in a market draw. */
void    *output_market_part(const bidsim_market_params_t *p, int id);
/** "int64", "uint32", ..., "text". */
const char *output_type_name(output_type_t t);

#endif
