/* sim/output.h - the HDF5 result file: the in-memory slab the simulation
 * fills for one (variant, replicate, day), the writer and the reader.
 * output_table.c declares every dataset once; output_hdf5.c, output_layout.c,
 * output_write.c, output_read.c and output_read_data.c are the only files
 * that call HDF5; docs/output-format.md documents the table (a test checks
 * it against output_table.c). */
#ifndef BIDSIM_SIM_OUTPUT_H
#define BIDSIM_SIM_OUTPUT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bidsim/bidsim.h"
#include "sim/scenario.h"

#define BIDSIM_FORMAT_NAME    "bidsim-result"
/* 3: netCDF-4 readable (each group its own coordinates, labels as char
 * arrays), money as li with CF's scale_factor (yuan to CF readers),
 * per-slot counts, the market's parameters. 2: checksums (Fletcher32 on
 * every dataset, HDF5's 1.10 metadata format, a checksum of the root
 * attributes), fixed-length strings only. Older files are refused with a
 * line saying so. */
#define BIDSIM_FORMAT_VERSION 3

/* Per plan and day, beside the metrics: /plan/<name> datasets. */
typedef enum {
  BIDSIM_EXTRA_CLAMPS   = 0,   /* strategy updates whose bids the platform's rules clamped */
  BIDSIM_EXTRA_CONSULTS = 1,   /* the plan's shop's consulting users that day (08:00-23:00) */
  BIDSIM_EXTRA_REPLIED  = 2,   /* ... of them replied to within the hour */
  BIDSIM_EXTRA_PAUSED   = 3,   /* 1 = the shop's ads were removed that day (service penalty) */
  BIDSIM_EXTRA_PENALTY  = 4,   /* li: the shop's service penalty imposed that day */
  BIDSIM_EXTRA_COUNT    = 5
} bidsim_extra_t;

typedef enum {
  BIDSIM_METRIC_EXPOSURES      = 0,  /* count */
  BIDSIM_METRIC_CLICKS         = 1,  /* count */
  BIDSIM_METRIC_SPEND_LI       = 2,  /* li (0.001 yuan) */
  BIDSIM_METRIC_CONVERSIONS    = 3,  /* orders */
  BIDSIM_METRIC_ORDER_VALUE_LI = 4,  /* li */
  BIDSIM_METRIC_COUNT          = 5
} bidsim_metric_t;

/* /plan_slot holds the first two metrics per slot position. */
#define BIDSIM_SLOT_METRIC_COUNT 2

/** @brief Dataset name of a metric ("exposures", "clicks", "spend", ...). */
const char *bidsim_metric_name(int metric);

/* Results of one (variant, replicate, day). Arrays are metric-major so that
 * each metric's block is one contiguous hyperslab:
 *   plan_segment[m][plan][segment]   m < BIDSIM_METRIC_COUNT
 *   plan_hour[m][hour][plan]
 *   product[m][product]
 *   cap_hit_s[plan]                  seconds after midnight, -1 if not hit
 *   extra[e][plan]                   per plan and day, e < BIDSIM_EXTRA_COUNT (below)
 *   impressions[hour][segment]       impressions that arrived (auctions run)
 *   plan_slot[m][slot][plan]         m < BIDSIM_SLOT_METRIC_COUNT: exposures
 *                                    and clicks per slot position (slot 0 = top) */
typedef struct {
  uint32_t variant, replicate, day;
  uint32_t plans, products;
  int64_t *plan_segment;
  int64_t *plan_hour;
  int64_t *product;
  int64_t *cap_hit_s;
  int64_t *extra[BIDSIM_EXTRA_COUNT];
  int64_t  impressions[BIDSIM_HOURS][BIDSIM_SEG_COUNT];
  uint32_t slots;                       /* the auction's slots (0: a slab without per-slot counts) */
  int64_t *plan_slot;
} bidsim_day_slab_t;

/** @brief Allocate a zeroed slab (cap_hit_s set to -1) with per-slot
 *  counters for @p slots positions (1..BIDSIM_MAX_SLOTS; the file's, see
 *  bidsim_results_dims_t). */
int  bidsim_day_slab_init_slots(bidsim_day_slab_t *s, uint32_t plans, uint32_t products, uint32_t slots,
                                bidsim_error_t *err);
/** @brief A slab without per-slot counters (slots 0): reading a day into it
 *  skips /plan_slot; the writer refuses it for a file that has slots. */
int  bidsim_day_slab_init(bidsim_day_slab_t *s, uint32_t plans, uint32_t products, bidsim_error_t *err);
void bidsim_day_slab_clear(bidsim_day_slab_t *s);   /* zero counters, cap_hit_s = -1 */
void bidsim_day_slab_free(bidsim_day_slab_t *s);
#define BIDSIM_SLAB_PS(s, m, p, g) ((s)->plan_segment[((size_t)(m) * (s)->plans + (p)) * BIDSIM_SEG_COUNT + (g)])
#define BIDSIM_SLAB_PH(s, m, h, p) ((s)->plan_hour[((size_t)(m) * BIDSIM_HOURS + (h)) * (s)->plans + (p)])
#define BIDSIM_SLAB_PR(s, m, q)    ((s)->product[(size_t)(m) * (s)->products + (q)])
#define BIDSIM_SLAB_PK(s, m, k, p) ((s)->plan_slot[((size_t)(m) * (s)->slots + (k)) * (s)->plans + (p)])

/* One draw of the market as a unit starts it: per plan (listed first, then
 * the generated competitors) its segment bids, cap, quality, targeting
 * share and its shop's reach; per product its CTR, CVR, price and category.
 * reach and targeting are NaN under the global relation (no per-shop
 * visitors, no audiences). Arrays owned by the struct. */
typedef struct {
  uint32_t plans, products;
  int64_t  *bid_li;                     /* [plan][segment] */
  int64_t  *cap_li;                     /* BIDSIM_CAP_UNLIMITED = none */
  uint32_t *quality;
  double   *targeting, *reach;
  double   *ctr, *cvr;                  /* [product] */
  int64_t  *price_li;
  uint32_t *category;
} bidsim_market_params_t;
int  bidsim_market_params_init(bidsim_market_params_t *p, uint32_t plans, uint32_t products, bidsim_error_t *err);
void bidsim_market_params_free(bidsim_market_params_t *p);

/* Labels and sizes the file's dimension scales carry. */
typedef struct {
  const char *scenario_text;            /* the scenario file as given */
  const char *resolved_text;            /* the resolved scenario (every default filled in), YAML */
  const char *scenario_path;
  uint64_t seed;
  const char *const *day_labels;        /* days entries, "2026-11-11" */
  uint32_t variants;
  const char *const *variant_names;
  uint32_t replicates, days;
  uint32_t plans;
  const char *const *plan_names;
  const char *const *plan_shops;        /* shop name of each plan */
  const int64_t *plan_cap_li;           /* BIDSIM_CAP_UNLIMITED = none */
  const int64_t *variant_cap_li;        /* [variant][plan] caps as each variant runs them; NULL = plan_cap_li */
  const uint8_t *plan_listed;           /* 1 = from the scenario, 0 = generated competitor */
  uint32_t products;
  const uint64_t *product_ids;
  const char *const *product_names;
  const char *const *product_shops;
  const uint32_t *product_plan;         /* the plan the product is advertised in (first), or BIDSIM_NONE */
  uint64_t fingerprint;                 /* bidsim_scenario_fingerprint: parts of one run share it */
  const uint8_t *units_done;            /* [variant][replicate] 1 = written; NULL = all */
  uint32_t shard_index, shard_count;    /* a part file of bidsim run --shard; count 0 = a complete file */
  uint32_t sweep_key_count;             /* a sweep's key paths and each variant's values, or 0 */
  const char *const *sweep_keys;
  const char *const *sweep_values;      /* [variant][key] */
  uint32_t slots;                       /* the auction's slot positions */
  uint32_t categories;
  const char *const *category_names;
  uint32_t draws;                       /* market draws: 1 (market.redraw once) or replicates (per_replicate) */
  const uint64_t *draw_streams;         /* [draw] the PCG stream of the seed each draw came from */
  const char *redraw;                   /* "once" or "per_replicate" */
} bidsim_output_meta_t;

/** @brief Check, before any work, that @p path can take a result file: not
 *  a directory, in a folder that exists and can be written. Errors:
 *  BIDSIM_EINVAL (a directory, or empty), BIDSIM_ENOTFOUND (the folder does
 *  not exist), BIDSIM_EIO (the folder cannot be written); the message
 *  names @p path as given. (sim/output_path.c) */
int bidsim_output_check_path(const char *path, bidsim_error_t *err);
/** @brief Remove the temporaries "path.tmp.PID" that writers killed before
 *  their commit left: only regular files of exactly that name whose process
 *  no longer exists and which no one holds locked (a reused pid keeps its
 *  file until that process ends too). bidsim_writer_open calls it. *removed
 *  (may be NULL) counts them. Errors: BIDSIM_EIO (the folder cannot be listed). */
int bidsim_output_remove_stale(const char *path, uint32_t *removed, bidsim_error_t *err);

typedef struct bidsim_writer bidsim_writer_t;
typedef struct bidsim_results bidsim_results_t;

/** @brief Create the file under a temporary name beside @p path
 *  ("path.tmp.PID"; stale ones of killed writers are removed first), with
 *  every dataset sized and its scales attached. Nothing exists under @p path
 *  until bidsim_writer_commit. */
int bidsim_writer_open(const char *path, const bidsim_output_meta_t *meta, bidsim_writer_t **out,
                       bidsim_error_t *err);
/** @brief Write one slab into its (variant, replicate, day) place. Callers
 *  write slabs in (variant, replicate, day) order so that identical runs
 *  give byte-identical files. */
int bidsim_writer_write_day(bidsim_writer_t *w, const bidsim_day_slab_t *slab, bidsim_error_t *err);
/** @brief Write the market's parameters of draw @p draw as variant @p v
 *  runs it (one chunk per dataset; any order). */
int bidsim_writer_write_market(bidsim_writer_t *w, uint32_t v, uint32_t draw, const bidsim_market_params_t *p,
                               bidsim_error_t *err);
/** @brief Copy every market chunk of @p src as stored (merge: every part
 *  holds the whole market). */
int bidsim_writer_copy_market(bidsim_writer_t *w, bidsim_results_t *src, bidsim_error_t *err);
/** @brief Copy unit (v, rep) of result file @p src into the writer as
 *  stored (compressed chunks, no decompressing): merge's fast path. The
 *  files must have the same layout (checked by the caller: same
 *  fingerprint). Call in unit order, as for bidsim_writer_write_day. */
int bidsim_writer_copy_unit(bidsim_writer_t *w, bidsim_results_t *src, uint32_t v, uint32_t rep, bidsim_error_t *err);
/** @brief Flush, close and rename onto @p path (replacing it atomically). Frees w. */
int bidsim_writer_commit(bidsim_writer_t *w, bidsim_error_t *err);
/** @brief Close and remove the temporary file; @p path is untouched. Frees w (NULL-safe). */
void bidsim_writer_abort(bidsim_writer_t *w);

/* ---- reading ----------------------------------------------------------- */

typedef enum {
  BIDSIM_TABLE_PLAN_SEGMENT = 0,   /* (V, R, D, P, S) */
  BIDSIM_TABLE_PLAN_HOUR    = 1,   /* (V, R, D, 24, P) */
  BIDSIM_TABLE_PRODUCT      = 2,   /* (V, R, D, Q) */
  BIDSIM_TABLE_PLAN_SLOT    = 3    /* (V, R, D, K, P), metrics exposures and clicks only */
} bidsim_table_t;

/** @brief The dataset path of a table's metric ("/plan_segment/spend")
 *  into buf; BIDSIM_EINVAL for a pair the file does not have. */
int bidsim_output_dataset_path(bidsim_table_t table, int metric, char *buf, size_t n);

/** @brief Open a result file read-only: the root attributes are checked
 *  against their checksum and the labels read (each a checksummed chunk).
 *  Errors: BIDSIM_ENOTFOUND (no such file), BIDSIM_EIO (cannot read it),
 *  BIDSIM_EFORMAT (not a bidsim result, damaged, truncated or
 *  inconsistent), BIDSIM_EVERSION (another format version). Every read
 *  below checks the checksums of what it reads: a damaged chunk is
 *  BIDSIM_EFORMAT, never numbers. */
int  bidsim_results_open(const char *path, bidsim_results_t **out, bidsim_error_t *err);
void bidsim_results_close(bidsim_results_t *r);

typedef struct {
  uint32_t variants, replicates, days, plans, products;
  uint64_t seed;
  const char *bidsim_version;
  uint32_t slots, draws, categories;
} bidsim_results_dims_t;
void bidsim_results_dims(const bidsim_results_t *r, bidsim_results_dims_t *out);
const char *bidsim_results_variant_name(const bidsim_results_t *r, uint32_t v);
const char *bidsim_results_day_label(const bidsim_results_t *r, uint32_t d);
const char *bidsim_results_plan_name(const bidsim_results_t *r, uint32_t p);
const char *bidsim_results_plan_shop(const bidsim_results_t *r, uint32_t p);
int64_t     bidsim_results_plan_cap_li(const bidsim_results_t *r, uint32_t p);
/** @brief The cap plan @p p runs with in variant @p v (variants may change it). */
int64_t     bidsim_results_variant_cap_li(const bidsim_results_t *r, uint32_t v, uint32_t p);
bool        bidsim_results_plan_listed(const bidsim_results_t *r, uint32_t p);
const char *bidsim_results_product_name(const bidsim_results_t *r, uint32_t q);
uint64_t    bidsim_results_product_id(const bidsim_results_t *r, uint32_t q);
const char *bidsim_results_product_shop(const bidsim_results_t *r, uint32_t q);
const char *bidsim_results_category_name(const bidsim_results_t *r, uint32_t c);
uint32_t    bidsim_results_product_plan(const bidsim_results_t *r, uint32_t q);
/** @brief The scenario text stored in the file (owned by r). */
const char *bidsim_results_scenario_text(const bidsim_results_t *r);
uint64_t    bidsim_results_fingerprint(const bidsim_results_t *r);
uint32_t    bidsim_results_format_version(const bidsim_results_t *r);
/** @brief Check every chunk of every dataset of the file against its
 *  Fletcher32 sum, reading the stored bytes (no decompressing; a chunk that
 *  disagrees is read through HDF5's filters, whose verdict stands). Memory:
 *  one chunk. Errors: BIDSIM_EFORMAT (damaged: the message names the
 *  dataset), BIDSIM_EIO. */
int         bidsim_results_verify(bidsim_results_t *r, bidsim_error_t *err);
/** @brief What the last verify checked: chunks, and how many of them had to
 *  be read through HDF5's filters (0 for a sound file; for tests). */
void        bidsim_results_verify_counts(const bidsim_results_t *r, uint64_t *chunks, uint64_t *through_hdf5);
/** @brief Whether unit (v, rep) is in the file (part files hold a shard's). */
bool        bidsim_results_has_unit(const bidsim_results_t *r, uint32_t v, uint32_t rep);
/** @brief True when every unit is present (not a part file). */
bool        bidsim_results_complete(const bidsim_results_t *r);
/** @brief Shard of a part file (count 0 for a complete file). */
void        bidsim_results_shard(const bidsim_results_t *r, uint32_t *index, uint32_t *count);
/** @brief Everything a writer needs to lay out the same file (labels,
 *  texts, seed, fingerprint); pointers owned by r. units_done is NULL. */
void        bidsim_results_meta(const bidsim_results_t *r, bidsim_output_meta_t *meta);
/** @brief Read day @p day of unit (v, rep) into @p slab (sized for the
 *  file's plans and products); sets the slab's indices. */
int bidsim_results_read_day(bidsim_results_t *r, uint32_t v, uint32_t rep, uint32_t day, bidsim_day_slab_t *slab,
                            bidsim_error_t *err);

/** @brief Read one metric of one table whole into @p buf (caller-allocated,
 *  row-major in the table's dimension order above). */
int bidsim_results_read(bidsim_results_t *r, bidsim_table_t table, int metric, int64_t *buf,
                        bidsim_error_t *err);
/** @brief One (variant, replicate) block of a table metric: (D, ...) in the
 *  table's order, e.g. (D, P, S) for plan_segment. Reading per unit keeps a
 *  reader's memory at one unit however many replicates the file holds. */
int bidsim_results_read_unit(bidsim_results_t *r, bidsim_table_t table, int metric, uint32_t variant,
                             uint32_t replicate, int64_t *buf, bidsim_error_t *err);
/** @brief One (variant, replicate) block of cap_hit_s: (D, P). */
int bidsim_results_read_cap_hit_unit(bidsim_results_t *r, uint32_t variant, uint32_t replicate, int64_t *buf,
                                     bidsim_error_t *err);
/** @brief cap_hit_s as (V, R, D, P), -1 where not hit. */
int bidsim_results_read_cap_hit(bidsim_results_t *r, int64_t *buf, bidsim_error_t *err);
/** @brief impressions as (V, R, D, 24, S). */
int bidsim_results_read_impressions(bidsim_results_t *r, int64_t *buf, bidsim_error_t *err);
/** @brief The market's parameters of draw @p draw as variant @p v ran it,
 *  into @p p (initialised for the file's plans and products). */
int bidsim_results_read_market(bidsim_results_t *r, uint32_t v, uint32_t draw, bidsim_market_params_t *p,
                               bidsim_error_t *err);

#endif
