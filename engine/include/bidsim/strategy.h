/* bidsim/strategy.h - bid strategies: a versioned interface that built-in
 * strategies and user plugins (shared objects) implement alike. The host
 * (bidsim's simulation loop, or any program using the engine) calls update
 * once per period with the plan's state and applies the action: bids per
 * segment, clamped to the platform's rules (and counted when clamped), and
 * a participation share the auction applies per impression without
 * scoring anything. Strategies hold their own state, draw no random
 * numbers and are deterministic given their inputs. */
#ifndef BIDSIM_STRATEGY_H
#define BIDSIM_STRATEGY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bidsim/error.h"
#include "bidsim/export.h"
#include "bidsim/rules.h"

/* Bumped whenever a struct or a signature below changes; plugins built for
 * another version are refused at load. 3: create returns a BIDSIM_* code
 * and fills a bidsim_error_t. */
#define BIDSIM_STRATEGY_ABI_VERSION 3

/* Parameters from the scenario: numbers by name; a list `hours: [..]`
 * arrives as "hours.0", "hours.1", ... */
typedef struct { const char *key; double value; } bidsim_param_t;
typedef struct { uint32_t count; const bidsim_param_t *items; } bidsim_params_t;

/** @brief The value of @p key, or @p fallback when it is absent. */
BIDSIM_API double bidsim_params_get(const bidsim_params_t *p, const char *key, double fallback);
/** @brief Whether @p key is present. */
BIDSIM_API bool bidsim_params_has(const bidsim_params_t *p, const char *key);

/* A parameter a strategy accepts, for bidsim_params_check: its key, its
 * inclusive range, whether it must be whole, and for a list the number of
 * items (`hours: [..]` with items 24 takes "hours.0" .. "hours.23"; 0 for a
 * single number). A spec ends with a NULL key. (ABI 3) */
typedef struct {
  const char *key;
  double   lo, hi;
  uint32_t items;
  bool     whole;
} bidsim_param_spec_t;

/** @brief Check every parameter of @p p against @p spec: each known (a
 *  typo is an error, not a silent default), a list item's index within
 *  the list, the value within its range (and whole where required).
 *  BIDSIM_OK, or BIDSIM_EINVAL with err->where the offending key as it
 *  arrived and err->msg naming the value and the limit (or, for an
 *  unknown key, the keys known). What the built-ins use; plugins may too. */
BIDSIM_API int bidsim_params_check(const bidsim_params_t *p, const bidsim_param_spec_t *spec, bidsim_error_t *err);

/* What a strategy sees at each update: its plan, today so far. */
typedef struct {
  int64_t  now_s;               /* seconds since day 0 00:00 */
  uint32_t day, second_of_day, day_of_week;   /* day_of_week: 0 = Monday */
  uint32_t period_s;            /* seconds until the next update */
  int64_t  cap_li;              /* daily cap; BIDSIM_CAP_UNLIMITED if none */
  int64_t  spend_today_li;
  int64_t  value_bid_li[BIDSIM_SEG_COUNT];    /* the plan's bids as configured: its value per click */
  double   traffic_done;        /* expected share of today's traffic already arrived (diurnal forecast) */
  uint64_t exposures, clicks, conversions;    /* today so far */
  int64_t  order_value_li;      /* today so far */
  uint64_t total_clicks, total_conversions;   /* since the start of the run */
  int64_t  total_order_value_li, total_spend_li;
  uint64_t top_exposures;       /* today's exposures in the first slot */
} bidsim_strategy_state_t;

/* Many plans' states at one update, as arrays: entry i of every array
 * belongs to the i-th plan of the call. `shared` holds what all plans see
 * alike (now_s, day, second_of_day, day_of_week, period_s, traffic_done);
 * its per-plan fields are not set. (ABI 2) */
typedef struct {
  uint32_t count;
  const bidsim_strategy_state_t *shared;
  const int64_t (*value_bid_li)[BIDSIM_SEG_COUNT];
  const int64_t  *cap_li, *spend_today_li, *order_value_li;
  const uint64_t *exposures, *top_exposures, *clicks, *conversions;
  const uint64_t *total_clicks, *total_conversions;
  const int64_t  *total_order_value_li, *total_spend_li;
} bidsim_strategy_batch_t;

/* What a strategy asks for. */
typedef struct {
  int64_t bid_li[BIDSIM_SEG_COUNT];           /* wanted bids; clamped to the platform's rules */
  double  participation;                      /* share of auctions to enter, 0..1 */
} bidsim_strategy_action_t;

typedef struct {
  uint32_t abi_version;         /* BIDSIM_STRATEGY_ABI_VERSION */
  const char *name;
  /** Create the strategy's state from its parameters (ABI 3). Returns
   *  BIDSIM_OK, or a code with @p err filled (bidsim_error_set):
   *  BIDSIM_EINVAL for parameters it refuses, err->where the offending
   *  parameter's key exactly as it arrived in params ("target",
   *  "hours.3"), or "" when no single parameter is at fault (one that is
   *  required but absent, two that contradict each other), err->msg naming
   *  the value and the limit; an unknown parameter is refused and named
   *  too. BIDSIM_ENOMEM when memory ran out. @p err is never NULL. */
  int  (*create)(const bidsim_params_t *params, void **self, bidsim_error_t *err);
  /** Every period: the action for the next period (pre-filled with the
   *  current one). */
  void (*update)(void *self, const bidsim_strategy_state_t *state, bidsim_strategy_action_t *action);
  /** Optional (may be NULL): each charged click, whether it converted and
   *  the order value. Clicks are a few percent of impressions. */
  void (*on_click)(void *self, int64_t price_li, bool converted, int64_t order_value_li);
  void (*destroy)(void *self);
  /** Optional (may be NULL; ABI 2): update for many plans in one call,
   *  over arrays. It must give exactly what update gives each plan in
   *  turn; it saves the per-plan state, call and dispatch, which at
   *  10,000 plans updated every simulated minute cost more than a pacing
   *  controller's arithmetic. actions[i] is pre-filled as for update. */
  void (*update_many)(void *const *selves, const bidsim_strategy_batch_t *batch, bidsim_strategy_action_t *actions);
} bidsim_strategy_t;

/* A plugin exports this function (C linkage, default visibility). */
#define BIDSIM_STRATEGY_PLUGIN_SYMBOL "bidsim_strategy_plugin"
typedef const bidsim_strategy_t *(*bidsim_strategy_plugin_fn)(void);

/** @brief A built-in strategy by name: "fixed", "schedule", "throttle",
 *  "multiplier", "pid", "target_roi", "target_cpa", "shading", "bidwar";
 *  NULL if none. */
BIDSIM_API const bidsim_strategy_t *bidsim_strategy_builtin(const char *name);
/** @brief The built-ins' names, NULL-terminated. */
BIDSIM_API const char *const *bidsim_strategy_builtin_names(void);

/** @brief Plan @p i's state from a batch: the shared fields and its own. */
BIDSIM_API void bidsim_strategy_batch_state(const bidsim_strategy_batch_t *b, uint32_t i,
                                            bidsim_strategy_state_t *state);
/** @brief Update every plan of @p batch: through @p s's update_many when it
 *  has one, otherwise update once per plan. What a host calls each period. */
BIDSIM_API void bidsim_strategy_update_batch(const bidsim_strategy_t *s, void *const *selves,
                                             const bidsim_strategy_batch_t *batch, bidsim_strategy_action_t *actions);

/** @brief Round @p bid_li to whole fen and clamp it to the platform's rules
 *  (docs/model.md §1): the base in [0.10, 90.00] (above 90.00 no segment bid
 *  could be 10% higher and within 99.00), the segment bids within
 *  110%-400% of the base and within 99.00. Returns true if a rule changed a bid (rounding
 *  alone does not count). */
BIDSIM_API bool bidsim_strategy_clamp(int64_t bid_li[BIDSIM_SEG_COUNT]);

/** @brief Clamp a whole action to what the platform and the auction accept:
 *  the bids as bidsim_strategy_clamp, the participation into [0, 1] (NaN
 *  sits out: 0). Returns true if a rule changed anything, what a host
 *  counts as a clamp (rounding bids to whole fen alone is not one). A host
 *  may skip an action equal to the current one, which was clamped when it
 *  was applied. */
BIDSIM_API bool bidsim_strategy_clamp_action(bidsim_strategy_action_t *action);

#endif
