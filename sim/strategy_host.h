/* sim/strategy_host.h - the bid strategies of one unit (a variant's listed
 * plans and the competitors of market.strategies), run for the day loop:
 * fresh instances per unit, an update every strategy period (clamped to the
 * platform's rules, counted in the slab), and the exposures and clicks they
 * learn from. The counters are inline: the loop calls them per filled slot.
 * External strategies (sim/strategy_external.h) run here too: their entries
 * follow the C strategies', one group per (table, context). */
#ifndef BIDSIM_SIM_STRATEGY_HOST_H
#define BIDSIM_SIM_STRATEGY_HOST_H
#include <stdint.h>
#include "bidsim/bidsim.h"
#include "sim/output.h"
#include "sim/world.h"

#define BIDSIM_HOST_NONE UINT32_MAX

struct bidsim_world_market;   /* sim/world_internal.h: one draw of the market */
struct bidsim_external_strategy;

/* The entries [first, first + count) that one external instance runs. */
typedef struct bidsim_host_group {
  const struct bidsim_external_strategy *ext;
  void    *ctx, *inst;                  /* inst: NULL until begun */
  uint32_t first, count;
} bidsim_host_group_t;

/* An external entry's self: its group and its index in the group's batch. */
typedef struct { bidsim_host_group_t *group; uint32_t i; } bidsim_host_ext_ref_t;

/* The plans running strategies, as arrays over them (entry i is the i-th
 * such plan): their instances, what they have seen, and what a period's
 * update reads; a batch (bidsim_strategy_batch_t) points straight into
 * these, so a period builds nothing per plan. */
typedef struct bidsim_strategy_host {
  uint32_t count;                       /* entries: [0, c_count) C strategies, then the groups' */
  uint32_t c_count;
  uint32_t group_count;
  bidsim_host_group_t *groups;
  bidsim_host_ext_ref_t *ext_ref;       /* [entry] for the external entries */
  uint32_t *plan;
  uint32_t *of_plan;                    /* [market plan] entry, or BIDSIM_HOST_NONE */
  uint32_t plans;                       /* of the market: of_plan's length */
  const bidsim_strategy_t **impl;
  void    **self;
  bidsim_strategy_action_t *act;        /* as last applied (after the clamp) */
  bidsim_strategy_action_t *want;       /* what the update asks for */
  int64_t (*value_bid_li)[BIDSIM_SEG_COUNT];
  int64_t  *spend_today_li, *cap_li;    /* gathered each period */
  uint64_t *exposures, *top_exposures, *clicks, *conversions;   /* today */
  int64_t  *order_value_li;
  uint64_t *total_clicks, *total_conversions;
  int64_t  *total_order_value_li, *total_spend_li;
  int64_t   next_update_s;
} bidsim_strategy_host_t;

/** @brief Room for every strategy plan of @p w. Errors: BIDSIM_ENOMEM. */
int  bidsim_strategy_host_create(const bidsim_world_t *w, bidsim_strategy_host_t **out, bidsim_error_t *err);
void bidsim_strategy_host_free(bidsim_strategy_host_t *h);

/** @brief Fresh instances for @p variant (a strategy's state never carries
 *  from one unit to the next), the competitors of market draw @p wm with
 *  their generated bids restored in @p m. Errors: BIDSIM_EPLUGIN (a strategy refused its parameters), the
 *  market's, an external strategy's. */
int  bidsim_strategy_host_begin(bidsim_strategy_host_t *h, const bidsim_world_t *w,
                                const struct bidsim_world_market *wm, bidsim_market_t *m, uint32_t variant,
                                bidsim_error_t *err);

/** @brief Midnight: today's counts back to zero; the first update of the day
 *  comes at its first impression. */
void bidsim_strategy_host_day_start(bidsim_strategy_host_t *h, int64_t day0_s);

/** @brief At the clock @p t_s (of day @p day, with its hour shares): if a
 *  period has begun, update every strategy and apply the actions to @p m;
 *  clamped actions are counted in the slab's strategy_clamps. Errors: the
 *  market's, an external strategy's update. */
int  bidsim_strategy_host_tick(bidsim_strategy_host_t *h, const bidsim_world_t *w, bidsim_market_t *m, int64_t t_s,
                               uint32_t day, const double hour_share[BIDSIM_HOURS], bidsim_day_slab_t *slab,
                               bidsim_error_t *err);

/** @brief The day's end (24:00 of @p day, before the caps reset): the
 *  external strategies that ask for it see their plans' state. Errors:
 *  theirs. */
int  bidsim_strategy_host_day_end(bidsim_strategy_host_t *h, const bidsim_world_t *w, bidsim_market_t *m, uint32_t day,
                                  bidsim_error_t *err);

/** @brief The host's entry of market plan @p plan, or BIDSIM_HOST_NONE. */
static inline uint32_t bidsim_strategy_host_entry(const bidsim_strategy_host_t *h, uint32_t plan) {
  return h->count ? h->of_plan[plan] : BIDSIM_HOST_NONE;
}

/** @brief Entry @p i was shown, in slot @p slot (0 = top). */
static inline void bidsim_strategy_host_exposure(bidsim_strategy_host_t *h, uint32_t i, uint32_t slot) {
  h->exposures[i]++;
  h->top_exposures[i] += slot == 0;
}

/** @brief Entry @p i was clicked at @p charged_li; the click converted with
 *  @p order_value_li or not. The strategy's on_click sees it at once. */
static inline void bidsim_strategy_host_click(bidsim_strategy_host_t *h, uint32_t i, int64_t charged_li,
                                              bool converted, int64_t order_value_li) {
  h->clicks[i]++;
  h->total_clicks[i]++;
  h->total_spend_li[i] += charged_li;
  if (converted) {
    h->conversions[i]++;
    h->total_conversions[i]++;
    h->order_value_li[i] += order_value_li;
    h->total_order_value_li[i] += order_value_li;
  }
  if (h->impl[i]->on_click) h->impl[i]->on_click(h->self[i], charged_li, converted, order_value_li);
}

#endif
