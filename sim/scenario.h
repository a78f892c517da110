/* sim/scenario.h - a scenario resolved from YAML: every default filled in,
 * every platform rule already checked by the engine's rules module.
 * The loader (sim/scenario_*.c) is the only code that parses YAML. */
#ifndef BIDSIM_SIM_SCENARIO_H
#define BIDSIM_SIM_SCENARIO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bidsim/bidsim.h"

#define BIDSIM_HOURS 24

typedef enum { BIDSIM_NOISE_NONE = 0, BIDSIM_NOISE_POISSON = 1, BIDSIM_NOISE_NEGBIN = 2 } bidsim_noise_t;
typedef enum { BIDSIM_QUALITY_FIXED = 0, BIDSIM_QUALITY_CTR = 1 } bidsim_quality_model_t;
typedef enum { BIDSIM_DIST_FIXED = 0, BIDSIM_DIST_UNIFORM = 1, BIDSIM_DIST_LOGNORMAL = 2 } bidsim_dist_kind_t;

/* A scalar distribution for the synthetic market and order values.
 * fixed: a; uniform: [a, b]; lognormal: median a, log-sd b. Draws may be
 * clamped to [lo, hi] by the user of the distribution. */
typedef struct { bidsim_dist_kind_t kind; double a, b; } bidsim_dist_t;

typedef struct { int year, month, day; } bidsim_date_t;

typedef struct {
  char     name[BIDSIM_NAME_MAX];
  uint64_t id;
  int64_t  historical_sales;
  bidsim_product_status_t status;
  int64_t  price_li;
  uint32_t category;           /* index into traffic.categories */
  double   ctr;                /* base probability of click when examined (ordinary user, slot 1) */
  double   cvr;                /* base probability of an order per click */
  bidsim_dist_t order_value_yuan;
  /* derived, not written: "product-ID", and a fixed order value at the
   * price (the resolved scenario leaves them to be derived again) */
  bool     name_derived, order_value_derived;
} bidsim_sc_product_t;

typedef struct {
  char     name[BIDSIM_NAME_MAX];
  uint32_t product_count;
  bidsim_sc_product_t *products;
  /* service health (docs/model.md §6), off when consult_share is 0: each click
   * brings a consulting user with this probability; customer service
   * replies within the hour to at most capacity_per_hour of them */
  double   consult_share;
  double   capacity_per_hour;
  /* users.relation per_shop: the share of users who visited the shop (its
   * plans bid their shop bid for them); < 0 = traffic.segments.shop */
  double   reach;
} bidsim_sc_shop_t;

/* A plan's bid strategy (engine/include/bidsim/strategy.h): a built-in by
 * kind, or a plugin's, with its parameters. Checked at load by creating it.
 * Or an external one (sim/strategy_external.h: `python: SPEC`, run by the
 * program driving the simulation): impl is NULL, ext set. */
struct bidsim_external_strategy;
typedef struct bidsim_sc_strategy {
  const bidsim_strategy_t *impl;
  char     kind[BIDSIM_NAME_MAX];      /* the built-in's name, or the plugin's; "python" for an external */
  char    *plugin_path;                /* as written, or NULL for a built-in */
  void    *plugin_handle;              /* dlopen handle, owned */
  uint32_t param_count;
  bidsim_param_t *params;              /* keys owned here */
  const struct bidsim_external_strategy *ext;   /* an external strategy's table, or NULL */
  void    *ext_ctx;                    /* its context (released with the setting) */
  char    *ext_spec;                   /* `python: SPEC` as written */
} bidsim_sc_strategy_t;

typedef struct {
  char     name[BIDSIM_NAME_MAX];
  uint32_t shop;               /* index into shops */
  int64_t  cap_li;             /* BIDSIM_CAP_UNLIMITED if none */
  int64_t  bid_li[BIDSIM_SEG_COUNT];   /* resolved: what the engine and strategies see */
  bool     bid_derived[BIDSIM_SEG_COUNT];   /* defaulted from the base: the smallest premium */
  /* shop and similar written as the platform's premium over the base
   * ("+100%"): the percent, kept so that a variant or a sweep point moving
   * the base moves them too; 0 = written in yuan. A derived bid is +10%. */
  uint16_t premium_pct[BIDSIM_SEG_COUNT];
  uint32_t quality;            /* 0 = from the quality model (only the fixed model takes one) */
  uint32_t publish_day;        /* day index from the start date */
  uint32_t publish_second;     /* seconds after midnight */
  uint32_t product_count;
  uint64_t *product_ids;       /* external IDs within the shop */
  bidsim_sc_strategy_t *strategy;   /* NULL = fixed bids */
} bidsim_sc_plan_t;

/* A calendar phase: days [first_day, last_day] (indices from the start
 * date) multiply traffic, CTR and CVR; hour_mult reshapes the diurnal curve
 * (1.0 = unchanged; the shares are renormalised after multiplying). */
typedef struct {
  char     name[BIDSIM_NAME_MAX];
  uint32_t first_day, last_day;
  double   traffic_mult, ctr_mult, cvr_mult;
  double   hour_mult[BIDSIM_HOURS];
} bidsim_sc_phase_t;

/* The synthetic competitor market: `plans` generated plans, each in its own
 * generated shop with one product, drawn from the distributions below with
 * the scenario's market seed stream (identical in every replicate). */
typedef struct {
  uint32_t plans;
  bidsim_dist_t base_bid_yuan;     /* clamped to [0.10, 99.00], rounded to fen */
  bidsim_dist_t premium_pct[2];    /* shop, similar: percent above base, clamped to [10, 300] */
  bidsim_dist_t quality;           /* clamped to [1, 10000] when the quality model is fixed */
  double        unlimited_share;   /* share of plans with no cap */
  bidsim_dist_t cap_yuan;          /* clamped to >= 100 */
  bidsim_dist_t ctr, cvr;          /* per product */
  bidsim_dist_t order_value_yuan;
  double       *category_shares;   /* traffic.category_count entries, sum 1 */
  bool          category_shares_derived;   /* the traffic's mix (not written) */
  /* competitors' strategies: a share of the generated plans runs each
   * (assigned by a hash of the seed and the plan, the same in every replicate) */
  uint32_t      strategy_count;
  double       *strategy_share;
  struct bidsim_sc_strategy **strategies;
  /* users.relation per_shop: each generated shop's reach (clamped to
   * [0, 0.5]) and each generated plan's targeting (share of users it bids
   * for, clamped to [0, 1]) */
  bidsim_dist_t reach, targeting;
  /* once: the market is drawn once from the scenario's seed, the same in
   * every replicate; per_replicate: drawn again for each replicate from a
   * market stream of its own, so intervals include not knowing it */
  enum { BIDSIM_REDRAW_ONCE = 0, BIDSIM_REDRAW_PER_REPLICATE = 1 } redraw;
} bidsim_sc_market_t;

/* A variant changes listed plans' settings; every variant of a replicate is
 * simulated on the same impressions and the same user draws (common random
 * numbers), so differences between variants are paired. */
#define BIDSIM_MAX_VARIANTS 4096

typedef struct {
  uint32_t plan;                       /* index into plans */
  int64_t  bid_li[BIDSIM_SEG_COUNT];   /* the plan's bids in this variant (merged, checked) */
  uint16_t premium_pct[BIDSIM_SEG_COUNT];   /* as the plan's: a premium over this variant's base, 0 = yuan */
  int64_t  cap_li;                     /* the plan's cap in this variant */
  bidsim_sc_strategy_t *strategy;      /* the plan's strategy in this variant; NULL = the plan's */
} bidsim_sc_change_t;

typedef struct {
  char     name[BIDSIM_NAME_MAX];
  uint32_t change_count;
  bidsim_sc_change_t *changes;
} bidsim_sc_variant_t;

typedef struct bidsim_scenario {
  /* text as given and the file it came from */
  char    *source_path;
  char    *source_text;
  /* strategy plugins not loaded (bidsim_scenario_options_t.load_plugins
   * false; their impl is NULL): such a scenario is checked, not runnable */
  uint32_t plugins_skipped;

  uint64_t seed;
  uint32_t days;
  bidsim_date_t start_date;
  uint32_t replicates;

  /* auction */
  bidsim_auction_config_t auction;     /* mechanism, slots, reserve, weights */
  double   examination_eta;            /* weights = (1/r)^eta unless listed */
  bool     position_weights_listed;    /* else derived from eta (not written) */
  bool     strict_caps;
  uint32_t strategy_period_s;          /* seconds between strategy updates (default 60) */
  bidsim_quality_model_t quality_model;
  uint32_t quality_fixed;              /* quality of every plan under the fixed model */

  /* traffic */
  double   impressions_per_day;        /* mean, before phases */
  double   diurnal[BIDSIM_HOURS];      /* shares, sum 1 */
  double   segment_shares[BIDSIM_SEG_COUNT];
  uint32_t category_count;
  char   (*category_names)[BIDSIM_NAME_MAX];
  double  *category_shares;            /* sum 1 */
  bidsim_noise_t noise;
  double   negbin_dispersion;          /* k: variance = mean + mean^2 / k */
  uint32_t phase_count;
  bidsim_sc_phase_t *phases;

  /* users */
  /* global: one segment per impression for every plan (the first model);
   * per_shop: each plan's segment is the user's relation to its shop
   * (docs/model.md §3) and ranking is personalised */
  enum { BIDSIM_RELATION_GLOBAL = 0, BIDSIM_RELATION_PER_SHOP = 1 } relation;
  double   affinity_sigma;             /* log-sd of the user-ad affinity (per_shop); 0 = none */
  double   affinity_truncate;          /* the affinity's normal truncated to [-T, T] */
  double   prediction_error;           /* log-sd of the true CTR around the platform's prediction */
  double   ctr_mult[BIDSIM_SEG_COUNT];
  double   cvr_mult[BIDSIM_SEG_COUNT];
  double   conversion_delay_hours;     /* mean of an exponential delay; 0 = immediate */
  double   attribution_window_days;    /* conversions later than this after the click are lost */

  /* shops, plans, market */
  uint32_t shop_count;
  bidsim_sc_shop_t *shops;
  uint32_t plan_count;
  bidsim_sc_plan_t *plans;
  bidsim_sc_market_t market;

  /* variants: at least one; without a `variants` key, one named "scenario"
   * that changes nothing */
  uint32_t variant_count;
  bidsim_sc_variant_t *variants;

  /* sweep: when the file has a `sweep` key, each point is a variant with
   * its own complete scenario (variant_sc[v]); NULL otherwise */
  struct bidsim_scenario **variant_sc;
  bool     sweep_zip;                  /* zip the keys' value lists instead of a grid */
  uint32_t sweep_key_count;
  char   **sweep_keys;                 /* [key] key path, "plans[1].bids.ordinary" */
  uint32_t *sweep_list_count;          /* [key] values listed (start/stop/step expanded) */
  char  ***sweep_lists;                /* [key][i] value texts */
  char   **sweep_values;               /* [variant * keys + key] the point's value texts */
} bidsim_scenario_t;

/* Source positions of the parsed keys, so errors found after loading (e.g.
 * by the engine while building the market) still point into the file. */
typedef struct bidsim_scenario_map bidsim_scenario_map_t;

/* The limits of the run's shape, the same for the file's keys and for
 * overrides. */
#define BIDSIM_DAYS_MAX       3660u
#define BIDSIM_REPLICATES_MAX 1000000u
/* The largest scenario file read (64 MiB). */
#define BIDSIM_SCENARIO_MAX_BYTES ((size_t)64 << 20)

/* The command line's --seed, --days and --replicates: applied while loading,
 * exactly as if the file said so, so every variant and every sweep point's
 * own scenario gets them and every check the file's values get (a plan
 * published after the last day, the double11 preset's phases over the days)
 * runs on them. Messages name the options (--days). */
typedef struct {
  bool     seed_set;
  uint64_t seed;
  uint32_t days;          /* 1..BIDSIM_DAYS_MAX, or 0: as written */
  uint32_t replicates;    /* 1..BIDSIM_REPLICATES_MAX, or 0: as written */
} bidsim_scenario_overrides_t;

/* What the loader has to say besides its result: warnings (a likely mistake
 * that is no error, e.g. a bid typed in fen) and, when a load fails, the
 * error's further lines (every sweep point that breaks a rule). The library
 * prints nothing; the command prints these. */
typedef enum { BIDSIM_NOTE_WARNING = 0, BIDSIM_NOTE_DETAIL = 1 } bidsim_note_kind_t;

typedef struct {
  bidsim_note_kind_t kind;
  char where[160];   /* "FILE:LINE:COL: key.path", as an error's */
  char msg[352];
} bidsim_scenario_note_t;

/* At most BIDSIM_NOTES_MAX notes are kept; `dropped` counts the rest. */
#define BIDSIM_NOTES_MAX 256
typedef struct {
  uint32_t count, dropped;
  bidsim_scenario_note_t *note;   /* owned: bidsim_scenario_notes_free */
} bidsim_scenario_notes_t;

/** @brief Free the notes' storage and empty the list (NULL-safe). */
void bidsim_scenario_notes_free(bidsim_scenario_notes_t *notes);

/* `strategy: {python: SPEC, params: {...}}`: the program that runs such
 * strategies (the Python module) makes @p st an external strategy (sets
 * st->ext and st->ext_ctx), checking SPEC and the parameters, or fails with
 * a code and err->msg saying why (err->where: the parameter at fault, or
 * ""); the loader reports it at the key. */
typedef int (*bidsim_external_resolver_fn)(void *ctx, const char *spec, const bidsim_params_t *params,
                                           const char *scenario_path, bidsim_sc_strategy_t *st, bidsim_error_t *err);

/* How to load. Zero-initialised: no overrides, plugins not loaded, no notes,
 * and a `python:` strategy refused at its key with how to run it (only the
 * Python module can). */
typedef struct {
  bidsim_scenario_overrides_t overrides;
  /* Strategy plugins are trusted code: loading one runs its constructors
   * inside bidsim (a crash or exit() in it ends the process). true: dlopen
   * each plugin and check its parameters by creating the strategy once
   * (what a run needs). false: check that the file is there and every other
   * key, leave impl NULL and count the plugin in plugins_skipped. */
  bool     load_plugins;
  /* NULL: no notes kept. Else warnings and an error's further lines are
   * appended (the caller frees them, whether the load succeeds or not). */
  bidsim_scenario_notes_t *notes;
  bidsim_external_resolver_fn resolve_external;
  void    *resolve_ctx;
} bidsim_scenario_options_t;

/** @brief Parse and validate a scenario file. On success *out is owned by the
 *  caller (bidsim_scenario_free). On failure err->where is
 *  "FILE:LINE:COL: key.path" and err->msg names the rule and the limit;
 *  returns BIDSIM_ENOTFOUND (no such file), BIDSIM_EINVAL (a directory),
 *  BIDSIM_ELIMIT (over BIDSIM_SCENARIO_MAX_BYTES), BIDSIM_EIO (unreadable),
 *  BIDSIM_EPARSE, BIDSIM_ESCHEMA or a rule's code. */
int bidsim_scenario_load(const char *path, bidsim_scenario_t **out, bidsim_error_t *err);
/** @brief The same from a string (path is used in messages only). */
int bidsim_scenario_load_string(const char *text, size_t len, const char *path,
                                bidsim_scenario_t **out, bidsim_error_t *err);
/** @brief bidsim_scenario_load and _load_string with options (@p opt NULL:
 *  the defaults of the two above: plugins loaded, no overrides). */
int bidsim_scenario_load_opt(const char *path, const bidsim_scenario_options_t *opt, bidsim_scenario_t **out,
                             bidsim_error_t *err);
int bidsim_scenario_load_string_opt(const char *text, size_t len, const char *path,
                                    const bidsim_scenario_options_t *opt, bidsim_scenario_t **out,
                                    bidsim_error_t *err);
void bidsim_scenario_free(bidsim_scenario_t *sc);

/** @brief Load the scenario document @p text with @p n scalar values set at
 *  key paths (keys[i] = values[i], the value text as it would be written:
 *  "0.65"), exactly as a sweep point is made (sim/scenario_sweep.c): the
 *  syntax of scenarios/README.md, sections created when missing, the
 *  result loaded and checked like a file. @p path is the file's name for
 *  messages and relative plugin paths. Errors: a key that cannot be set
 *  (BIDSIM_ESCHEMA), or the loader's, with the key path and the settings
 *  named (the positions would be those of the rewritten text, so only the
 *  key path is kept). With n = 0 it is bidsim_scenario_load_string_opt. */
int bidsim_scenario_load_settings(const char *text, size_t len, const char *path, const bidsim_scenario_options_t *opt,
                                  uint32_t n, const char *const *keys, const char *const *values,
                                  bidsim_scenario_t **out, bidsim_error_t *err);

/** @brief The resolved scenario as YAML text: every default filled in,
 *  except values derived from other keys (segment bids from the base bid,
 *  a product's name from its id and order value from its price, the
 *  competitors' category mix, position weights from examination_eta),
 *  which are left to be derived again, so that each sweep point derives
 *  them from its own values. Caller frees with bidsim_free. Loading it
 *  gives the same scenario and fingerprint, sweep points included. */
char *bidsim_scenario_resolved_yaml(const bidsim_scenario_t *sc);

/** @brief A 64-bit fingerprint of the resolved scenario (seed, replicates,
 *  days and variants included) and the bidsim version: unit files and part
 *  files of one run carry it, and only matching ones are combined. */
uint64_t bidsim_scenario_fingerprint(const bidsim_scenario_t *sc);

/** @brief Plan @p plan runs the external strategy (@p ext, @p ctx) in every
 *  variant and every sweep point of @p sc, whatever the file set (the
 *  program's strategies and environments: python/). @p spec is what the
 *  resolved scenario shows (`python: SPEC`). Each setting made retains
 *  @p ctx. Errors: BIDSIM_EINVAL (no such plan), BIDSIM_ENOMEM. */
int bidsim_scenario_set_external(bidsim_scenario_t *sc, uint32_t plan, const struct bidsim_external_strategy *ext,
                                 void *ctx, const char *spec, bidsim_error_t *err);

/** @brief Date label of day @p day ("2026-11-11"). */
void bidsim_scenario_day_label(const bidsim_scenario_t *sc, uint32_t day, char buf[16]);

/** @brief The calendar phase in force on day @p day: the first listed phase
 *  covering it, or NULL. (Phases do not compound: one applies per day.) */
const bidsim_sc_phase_t *bidsim_scenario_phase(const bidsim_scenario_t *sc, uint32_t day);

#endif
