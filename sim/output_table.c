/* sim/output_table.c - every dimension and dataset of the result file,
 * declared once. The writer creates what this table lists, the reader
 * checks and reads by it, the unit store lays out a day by its STORE_DAY
 * entries, and docs/output-format.md is checked against it
 * (tests/tools/output_table.c). Nothing else in C names a dataset. */
#include "sim/output_table.h"
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"

const output_dim_info_t output_dim_info[DIM_COUNT] = {
  [DIM_VARIANT]   = { "variant", true, "variant", "variant (strategy) name; the scenario's variants, or \"scenario\"" },
  [DIM_REPLICATE] = { "replicate", false, "variant", "replicate r: PCG stream r of the seed, shared by every variant" },
  [DIM_DAY]       = { "day", true, "plan", "calendar date of the simulated day, YYYY-MM-DD" },
  [DIM_HOUR]      = { "hour", false, "plan_hour", "hour of day, 0-23" },
  [DIM_SEGMENT]   = { "segment", true, "plan_segment", "the user's relation to the plan's shop: ordinary, shop, similar" },
  [DIM_SLOT]      = { "slot", false, "plan_slot", "slot position, 0 = the top slot" },
  [DIM_PLAN]      = { "plan", true, "plan", "plan name: listed plans first, then generated competitors" },
  [DIM_PRODUCT]   = { "product", true, "product", "product name: listed products first, then competitors' (named after their shop)" },
  [DIM_DRAW]      = { "draw", false, "market", "market draw: one (market.redraw once) or replicate d's own (per_replicate)" },
  [DIM_CATEGORY]  = { "category", true, "market", "traffic category name" },
  [DIM_SWEEP_KEY] = { "sweep_key", true, "variant", "a swept key path" },
};

const output_group_t output_groups[OUTPUT_GROUP_COUNT] = {
  { "plan_segment", "per variant, replicate, day, plan and user segment" },
  { "plan_hour", "per variant, replicate, day, hour of day and plan" },
  { "plan_slot", "per variant, replicate, day, slot position and plan" },
  { "product", "per variant, replicate, day and advertised product" },
  { "plan", "per plan: its labels, and per variant, replicate and day its cap stop, clamps and service" },
  { "traffic", "impressions that arrived, per variant, replicate, day, hour and segment" },
  { "variant", "what each variant runs, and which units the file holds" },
  { "market", "the market each unit starts from: every plan's and product's parameters per market draw" },
};

#define V DIM_VARIANT
#define R DIM_REPLICATE
#define D DIM_DAY
#define H DIM_HOUR
#define S DIM_SEGMENT
#define K DIM_SLOT
#define P DIM_PLAN
#define Q DIM_PRODUCT
#define W DIM_DRAW
#define E DIM_END
#define LI true
#define NONE_CAP true, INT64_MAX

/* one metric table: the five metrics of bidsim_metric_t over dims d */
#define METRICS(g, d0, d1, d2, d3, d4, per)                                                                  \
  { g, "exposures", { d0, d1, d2, d3, d4 }, TYPE_I64, STORE_DAY, false, false, 0, "count",                     \
    "ad impressions shown (one per filled slot), " per },                                                     \
  { g, "clicks", { d0, d1, d2, d3, d4 }, TYPE_I64, STORE_DAY, false, false, 0, "count", "clicks charged, " per }, \
  { g, "spend", { d0, d1, d2, d3, d4 }, TYPE_I64, STORE_DAY, LI, false, 0, NULL, "amount charged for clicks, " per }, \
  { g, "conversions", { d0, d1, d2, d3, d4 }, TYPE_I64, STORE_DAY, false, false, 0, "orders",                 \
    "orders attributed to a click, " per },                                                                   \
  { g, "order_value", { d0, d1, d2, d3, d4 }, TYPE_I64, STORE_DAY, LI, false, 0, NULL,                          \
    "value of the attributed orders, " per }

const output_dataset_t output_datasets[OUT_COUNT] = {
  METRICS("plan_segment", V, R, D, P, S, "per plan and user segment"),
  METRICS("plan_hour", V, R, D, H, P, "per hour of day and plan"),
  METRICS("product", V, R, D, Q, E, "per product"),
  [OUT_PLAN_SLOT] = { "plan_slot", "exposures", { V, R, D, K, P }, TYPE_I64, STORE_DAY, false, false, 0, "count",
                      "ad impressions shown at each slot position" },
  { "plan_slot", "clicks", { V, R, D, K, P }, TYPE_I64, STORE_DAY, false, false, 0, "count",
    "clicks charged on ads shown at each slot position" },
  [OUT_CAP_HIT] = { "plan", "cap_hit_s", { V, R, D, P, E }, TYPE_I64, STORE_DAY, false, true, -1,
                    "seconds after midnight", "when the daily cap stopped the plan; -1 = not reached that day" },
  [OUT_EXTRA + BIDSIM_EXTRA_CLAMPS] = { "plan", "strategy_clamps", { V, R, D, P, E }, TYPE_I64, STORE_DAY, false, false, 0,
                                        "count", "strategy updates whose bids the platform's rules clamped that day" },
  [OUT_EXTRA + BIDSIM_EXTRA_CONSULTS] = { "plan", "service_consults", { V, R, D, P, E }, TYPE_I64, STORE_DAY, false, false,
                                          0, "users", "the plan's shop's consulting users that day, 08:00-23:00 (docs/model.md §6)" },
  [OUT_EXTRA + BIDSIM_EXTRA_REPLIED] = { "plan", "service_replied", { V, R, D, P, E }, TYPE_I64, STORE_DAY, false, false, 0,
                                         "users", "the plan's shop's consulting users replied to within an hour" },
  [OUT_EXTRA + BIDSIM_EXTRA_PAUSED] = { "plan", "service_paused", { V, R, D, P, E }, TYPE_I64, STORE_DAY, false, false, 0,
                                        "flag", "1 = the shop's ads were removed that day for a service penalty" },
  [OUT_EXTRA + BIDSIM_EXTRA_PENALTY] = { "plan", "service_penalty", { V, R, D, P, E }, TYPE_I64, STORE_DAY, LI, false, 0,
                                         NULL, "the service penalty imposed on the plan's shop that day" },
  [OUT_IMPRESSIONS] = { "traffic", "impressions", { V, R, D, H, S }, TYPE_I64, STORE_DAY, false, false, 0, "count",
                        "impressions that arrived (auctions run), per hour and user segment" },

  [OUT_PLAN_SHOP] = { "plan", "shop", { P, E }, TYPE_TEXT, STORE_LABEL, false, false, 0, NULL, "shop of the plan" },
  [OUT_PLAN_CAP] = { "plan", "cap", { P, E }, TYPE_I64, STORE_LABEL, LI, NONE_CAP, NULL,
                     "daily cap in the scenario; a generated competitor's is the seed's one market's (under market.redraw per_replicate each replicate's is in /market/cap); INT64_MAX li = unlimited" },
  [OUT_PLAN_LISTED] = { "plan", "listed", { P, E }, TYPE_U8, STORE_LABEL, false, false, 0, "flag",
                        "1 = listed in the scenario, 0 = generated competitor" },
  [OUT_PRODUCT_ID] = { "product", "id", { Q, E }, TYPE_U64, STORE_LABEL, false, false, 0, NULL, "product ID within its shop" },
  [OUT_PRODUCT_SHOP] = { "product", "shop", { Q, E }, TYPE_TEXT, STORE_LABEL, false, false, 0, NULL, "shop of the product" },
  [OUT_PRODUCT_PLAN] = { "product", "plan_index", { Q, E }, TYPE_U32, STORE_LABEL, false, false, 0, NULL,
                         "index along plan of the first plan advertising the product; 4294967295 = none" },
  [OUT_VARIANT_CAP] = { "variant", "cap", { V, P, E }, TYPE_I64, STORE_LABEL, LI, NONE_CAP, NULL,
                        "each plan's daily cap as each variant runs it; INT64_MAX li = unlimited" },
  [OUT_UNITS_DONE] = { "variant", "units_done", { V, R, E }, TYPE_U8, STORE_LABEL, false, false, 0, "flag",
                       "1 = the file holds unit (variant, replicate); a part file of run --shard holds its shard's" },
  [OUT_SWEEP_VALUE] = { "variant", "sweep_value", { V, DIM_SWEEP_KEY, E }, TYPE_TEXT, STORE_LABEL, false, false, 0, NULL,
                        "each variant's value of each swept key, as written (sweeps only)" },
  [OUT_DRAW_STREAM] = { "market", "stream", { W, E }, TYPE_U64, STORE_LABEL, false, false, 0, NULL,
                        "the PCG stream of the seed the draw's competitors came from" },
  [OUT_MARKET_BID] = { "market", "bid", { V, W, P, S, E }, TYPE_I64, STORE_DRAW, LI, false, 0, NULL,
                       "segment bids each plan starts a unit with (strategies move them later)" },
  [OUT_MARKET_CAP] = { "market", "cap", { V, W, P, E }, TYPE_I64, STORE_DRAW, LI, NONE_CAP, NULL,
                       "daily cap; INT64_MAX li = unlimited" },
  [OUT_MARKET_QUALITY] = { "market", "quality", { V, W, P, E }, TYPE_U32, STORE_DRAW, false, false, 0, NULL,
                           "the plan's quality (under auction.quality_model ctr a listed product's ads rank with its CTR's)" },
  [OUT_MARKET_TARGETING] = { "market", "targeting", { V, W, P, E }, TYPE_F64, STORE_DRAW, false, false, 0, "1",
                             "share of users the plan bids on (1 for listed plans); NaN under the global relation" },
  [OUT_MARKET_REACH] = { "market", "reach", { V, W, P, E }, TYPE_F64, STORE_DRAW, false, false, 0, "1",
                         "share of each category's users who visited the plan's shop; NaN under the global relation" },
  [OUT_MARKET_CTR] = { "market", "ctr", { V, W, Q, E }, TYPE_F64, STORE_DRAW, false, false, 0, "1",
                       "base probability of a click when examined (ordinary user, top slot)" },
  [OUT_MARKET_CVR] = { "market", "cvr", { V, W, Q, E }, TYPE_F64, STORE_DRAW, false, false, 0, "1",
                       "base probability of an order per click" },
  [OUT_MARKET_PRICE] = { "market", "price", { V, W, Q, E }, TYPE_I64, STORE_DRAW, LI, false, 0, NULL,
                         "the product's price: a competitor's drawn from market.order_value (each order's value is "
                         "drawn anew from it)" },
  [OUT_MARKET_CATEGORY] = { "market", "product_category", { V, W, Q, E }, TYPE_U32, STORE_DRAW, false, false, 0, NULL,
                            "index along category of the product's category" },
};

/* Dimensions a group carries a coordinate for though none of its
 * datasets uses them (the labels its index datasets point into). */
static const struct { const char *group; output_dim_t dim; } also_coordinate[] = {
  { "market", DIM_CATEGORY },
};

uint64_t output_dim_size(const output_dims_t *d, output_dim_t dim) {
  switch (dim) {
    case DIM_VARIANT: return d->variants;
    case DIM_REPLICATE: return d->replicates;
    case DIM_DAY: return d->days;
    case DIM_HOUR: return BIDSIM_HOURS;
    case DIM_SEGMENT: return BIDSIM_SEG_COUNT;
    case DIM_SLOT: return d->slots;
    case DIM_PLAN: return d->plans;
    case DIM_PRODUCT: return d->products;
    case DIM_DRAW: return d->draws;
    case DIM_CATEGORY: return d->categories;
    case DIM_SWEEP_KEY: return d->sweep_keys;
    default: return 0;
  }
}

int output_rank(int id) {
  int n = 0;
  while (n < 5 && output_datasets[id].dims[n] != DIM_END) n++;
  return n;
}

int output_extent(int id, const output_dims_t *d, uint64_t *ext) {
  int n = output_rank(id);
  for (int i = 0; i < n; i++) ext[i] = output_dim_size(d, (output_dim_t)output_datasets[id].dims[i]);
  return n;
}

uint64_t output_chunk_values(int id, const output_dims_t *d) {
  uint64_t ext[5], n = 1;
  int rank = output_extent(id, d, ext);
  int first = output_datasets[id].store == STORE_DAY ? 3 : output_datasets[id].store == STORE_DRAW ? 2 : 0;
  for (int i = first; i < rank; i++) n *= ext[i];
  return n;
}

bool output_present(int id, const output_dims_t *d) {
  uint64_t ext[5];
  int rank = output_extent(id, d, ext);
  for (int i = 0; i < rank; i++)
    if (ext[i] == 0) return false;
  return true;
}

bool output_group_uses(const char *group, output_dim_t dim) {
  for (int id = 0; id < OUT_COUNT; id++) {
    if (strcmp(output_datasets[id].group, group)) continue;
    for (int i = 0; i < output_rank(id); i++)
      if (output_datasets[id].dims[i] == dim) return true;
  }
  for (size_t i = 0; i < sizeof also_coordinate / sizeof also_coordinate[0]; i++)
    if (also_coordinate[i].dim == dim && !strcmp(also_coordinate[i].group, group)) return true;
  return false;
}

int output_metric_id(bidsim_table_t table, int metric) {
  if (metric < 0) return -1;
  switch (table) {
    case BIDSIM_TABLE_PLAN_SEGMENT: return metric < BIDSIM_METRIC_COUNT ? OUT_PLAN_SEGMENT + metric : -1;
    case BIDSIM_TABLE_PLAN_HOUR: return metric < BIDSIM_METRIC_COUNT ? OUT_PLAN_HOUR + metric : -1;
    case BIDSIM_TABLE_PRODUCT: return metric < BIDSIM_METRIC_COUNT ? OUT_PRODUCT + metric : -1;
    case BIDSIM_TABLE_PLAN_SLOT: return metric < BIDSIM_SLOT_METRIC_COUNT ? OUT_PLAN_SLOT + metric : -1;
    default: return -1;
  }
}

const char *bidsim_metric_name(int metric) {
  return metric >= 0 && metric < BIDSIM_METRIC_COUNT ? output_datasets[OUT_PLAN_SEGMENT + metric].name : "unknown";
}

int bidsim_output_dataset_path(bidsim_table_t table, int metric, char *buf, size_t n) {
  int id = output_metric_id(table, metric);
  if (id < 0) return bidsim_error_set(NULL, BIDSIM_EINVAL, "output", "no table %d metric %d", (int)table, metric);
  snprintf(buf, n, "/%s/%s", output_datasets[id].group, output_datasets[id].name);
  return BIDSIM_OK;
}

int64_t *output_slab_part(const bidsim_day_slab_t *s, int id) {
  if (id >= OUT_PLAN_SEGMENT && id < OUT_PLAN_HOUR) return &BIDSIM_SLAB_PS(s, id - OUT_PLAN_SEGMENT, 0, 0);
  if (id >= OUT_PLAN_HOUR && id < OUT_PRODUCT) return &BIDSIM_SLAB_PH(s, id - OUT_PLAN_HOUR, 0, 0);
  if (id >= OUT_PRODUCT && id < OUT_PLAN_SLOT) return &BIDSIM_SLAB_PR(s, id - OUT_PRODUCT, 0);
  if (id >= OUT_PLAN_SLOT && id < OUT_CAP_HIT) return s->plan_slot ? &BIDSIM_SLAB_PK(s, id - OUT_PLAN_SLOT, 0, 0) : NULL;
  if (id == OUT_CAP_HIT) return s->cap_hit_s;
  if (id >= OUT_EXTRA && id < OUT_IMPRESSIONS) return s->extra[id - OUT_EXTRA];
  if (id == OUT_IMPRESSIONS) return (int64_t *)&s->impressions[0][0];
  return NULL;
}

void *output_market_part(const bidsim_market_params_t *p, int id) {
  switch (id) {
    case OUT_MARKET_BID: return p->bid_li;
    case OUT_MARKET_CAP: return p->cap_li;
    case OUT_MARKET_QUALITY: return p->quality;
    case OUT_MARKET_TARGETING: return p->targeting;
    case OUT_MARKET_REACH: return p->reach;
    case OUT_MARKET_CTR: return p->ctr;
    case OUT_MARKET_CVR: return p->cvr;
    case OUT_MARKET_PRICE: return p->price_li;
    case OUT_MARKET_CATEGORY: return p->category;
    default: return NULL;
  }
}

const char *output_type_name(output_type_t t) {
  static const char *const names[] = { "int64", "uint64", "uint32", "uint8", "float64", "text" };
  return names[t];
}

/* ---- a market draw's arrays ------------------------------------------------- */

void bidsim_market_params_free(bidsim_market_params_t *p) {
  if (p == NULL) return;
  bidsim_free(p->bid_li);
  bidsim_free(p->cap_li);
  bidsim_free(p->quality);
  bidsim_free(p->targeting);
  bidsim_free(p->reach);
  bidsim_free(p->ctr);
  bidsim_free(p->cvr);
  bidsim_free(p->price_li);
  bidsim_free(p->category);
  memset(p, 0, sizeof *p);
}

int bidsim_market_params_init(bidsim_market_params_t *p, uint32_t plans, uint32_t products, bidsim_error_t *err) {
  memset(p, 0, sizeof *p);
  p->plans = plans;
  p->products = products;
  const size_t np = (size_t)plans + 1, nq = (size_t)products + 1;
  p->bid_li = bidsim_calloc(np * BIDSIM_SEG_COUNT, sizeof *p->bid_li);
  p->cap_li = bidsim_calloc(np, sizeof *p->cap_li);
  p->quality = bidsim_calloc(np, sizeof *p->quality);
  p->targeting = bidsim_calloc(np, sizeof *p->targeting);
  p->reach = bidsim_calloc(np, sizeof *p->reach);
  p->ctr = bidsim_calloc(nq, sizeof *p->ctr);
  p->cvr = bidsim_calloc(nq, sizeof *p->cvr);
  p->price_li = bidsim_calloc(nq, sizeof *p->price_li);
  p->category = bidsim_calloc(nq, sizeof *p->category);
  if (!p->bid_li || !p->cap_li || !p->quality || !p->targeting || !p->reach || !p->ctr || !p->cvr || !p->price_li ||
      !p->category) {
    bidsim_market_params_free(p);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "output", "out of memory for a market draw of %u plans", plans);
  }
  return BIDSIM_OK;
}
