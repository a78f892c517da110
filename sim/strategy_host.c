/* sim/strategy_host.c - runs a unit's bid strategies (engine/include/
 * bidsim/strategy.h) for the day loop: instances per unit, a batched
 * update every period, the platform's clamp on every action. External
 * strategies (sim/strategy_external.h) go through the same steps, one
 * batch per instance over all of its plans, after the C strategies. */
#include "sim/strategy_host.h"
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/strategy_external.h"
#include "sim/traffic.h"
#include "sim/world_internal.h"

/* Plans with the same strategy in a row update in one batch, a chunk of
 * plans at a time so the gathered spend and the actions stay in cache from
 * one pass to the next. */
enum { STRAT_CHUNK = 256 };

/* An external entry's click, to its instance (the day loop calls every
 * entry's on_click through its table). */
static void ext_click(void *self, int64_t price_li, bool converted, int64_t order_value_li) {
  const bidsim_host_ext_ref_t *r = self;
  r->group->ext->on_click(r->group->inst, r->i, price_li, converted, order_value_li);
}
static const bidsim_strategy_t external_entry = { BIDSIM_STRATEGY_ABI_VERSION, "external", NULL, NULL, ext_click,
                                                  NULL, NULL };
static const bidsim_strategy_t external_silent = { BIDSIM_STRATEGY_ABI_VERSION, "external", NULL, NULL, NULL, NULL,
                                                   NULL };   /* a table without on_click */

static void instances_end(bidsim_strategy_host_t *h) {
  for (uint32_t i = 0; i < h->count; i++) {
    if (i < h->c_count) h->impl[i]->destroy(h->self[i]);
    h->of_plan[h->plan[i]] = BIDSIM_HOST_NONE;
  }
  for (uint32_t g = 0; g < h->group_count; g++)
    if (h->groups[g].inst) h->groups[g].ext->end(h->groups[g].inst);
  h->count = h->c_count = h->group_count = 0;
}

void bidsim_strategy_host_free(bidsim_strategy_host_t *h) {
  if (h == NULL) return;
  if (h->of_plan) instances_end(h);   /* no instances before of_plan exists */
  bidsim_free(h->groups);
  bidsim_free(h->ext_ref);
  bidsim_free(h->plan);
  bidsim_free(h->of_plan);
  bidsim_free(h->impl);
  bidsim_free(h->self);
  bidsim_free(h->act);
  bidsim_free(h->want);
  bidsim_free(h->value_bid_li);
  bidsim_free(h->spend_today_li);
  bidsim_free(h->cap_li);
  bidsim_free(h->exposures);
  bidsim_free(h->top_exposures);
  bidsim_free(h->clicks);
  bidsim_free(h->conversions);
  bidsim_free(h->order_value_li);
  bidsim_free(h->total_clicks);
  bidsim_free(h->total_conversions);
  bidsim_free(h->total_order_value_li);
  bidsim_free(h->total_spend_li);
  bidsim_free(h);
}

int bidsim_strategy_host_create(const bidsim_world_t *w, bidsim_strategy_host_t **out, bidsim_error_t *err) {
  *out = NULL;
  bidsim_strategy_host_t *h = bidsim_calloc(1, sizeof *h);
  if (h == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "strategy", "out of memory");
  /* the same competitors run strategies in every draw of the market */
  const size_t n = (size_t)w->sc->plan_count + w->base.comp_strat_count + 1;
  h->plans = w->plans;
  h->groups = bidsim_calloc(n, sizeof *h->groups);
  h->ext_ref = bidsim_calloc(n, sizeof *h->ext_ref);
  h->plan = bidsim_calloc(n, sizeof *h->plan);
  h->of_plan = bidsim_malloc(((size_t)w->plans + 1) * sizeof *h->of_plan);
  h->impl = bidsim_calloc(n, sizeof *h->impl);
  h->self = bidsim_calloc(n, sizeof *h->self);
  h->act = bidsim_calloc(n, sizeof *h->act);
  h->want = bidsim_calloc(n, sizeof *h->want);
  h->value_bid_li = bidsim_calloc(n, sizeof *h->value_bid_li);
  h->spend_today_li = bidsim_calloc(n, sizeof *h->spend_today_li);
  h->cap_li = bidsim_calloc(n, sizeof *h->cap_li);
  h->exposures = bidsim_calloc(n, sizeof *h->exposures);
  h->top_exposures = bidsim_calloc(n, sizeof *h->top_exposures);
  h->clicks = bidsim_calloc(n, sizeof *h->clicks);
  h->conversions = bidsim_calloc(n, sizeof *h->conversions);
  h->order_value_li = bidsim_calloc(n, sizeof *h->order_value_li);
  h->total_clicks = bidsim_calloc(n, sizeof *h->total_clicks);
  h->total_conversions = bidsim_calloc(n, sizeof *h->total_conversions);
  h->total_order_value_li = bidsim_calloc(n, sizeof *h->total_order_value_li);
  h->total_spend_li = bidsim_calloc(n, sizeof *h->total_spend_li);
  if (!h->groups || !h->ext_ref || !h->plan || !h->of_plan || !h->impl || !h->self || !h->act || !h->want || !h->value_bid_li ||
      !h->spend_today_li || !h->cap_li || !h->exposures || !h->top_exposures || !h->clicks || !h->conversions ||
      !h->order_value_li || !h->total_clicks || !h->total_conversions || !h->total_order_value_li ||
      !h->total_spend_li) {
    bidsim_strategy_host_free(h);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "strategy", "out of memory");
  }
  for (uint32_t p = 0; p < w->plans; p++) h->of_plan[p] = BIDSIM_HOST_NONE;
  *out = h;
  return BIDSIM_OK;
}

/* The next entry's plan, value and action at rest (the caller counts it). */
static uint32_t entry_add(bidsim_strategy_host_t *h, uint32_t plan, const bidsim_strategy_t *impl,
                          const int64_t value_li[BIDSIM_SEG_COUNT]) {
  const uint32_t i = h->count;
  h->plan[i] = plan;
  h->impl[i] = impl;
  h->self[i] = NULL;
  memcpy(h->value_bid_li[i], value_li, sizeof h->value_bid_li[i]);
  memcpy(h->act[i].bid_li, value_li, sizeof h->act[i].bid_li);
  h->act[i].participation = 1.0;
  h->total_clicks[i] = h->total_conversions[i] = 0;
  h->total_order_value_li[i] = h->total_spend_li[i] = 0;
  return i;
}

/* The next entry with its own instance of a C strategy. */
static int instance_add(bidsim_strategy_host_t *h, uint32_t plan, const bidsim_sc_strategy_t *st,
                        const int64_t value_li[BIDSIM_SEG_COUNT], char *msg, size_t msglen) {
  const uint32_t i = entry_add(h, plan, st->impl, value_li);
  bidsim_params_t ps = { st->param_count, st->params };
  bidsim_error_t e;
  bidsim_error_clear(&e);
  if (st->impl->create(&ps, &h->self[i], &e) != BIDSIM_OK) {
    snprintf(msg, msglen, "%.200s", e.msg[0] ? e.msg : "rejected its parameters");   /* the message names the key */
    return -1;
  }
  h->of_plan[plan] = h->count++;
  return 0;
}

static bool same_external(const bidsim_sc_strategy_t *a, const bidsim_sc_strategy_t *b) {
  return a && b && a->ext == b->ext && a->ext_ctx == b->ext_ctx;
}

/* One external instance for every plan whose setting shares @p st's table
 * and context: its entries, then its begin. */
static int group_begin(bidsim_strategy_host_t *h, const bidsim_world_t *w, const bidsim_world_market_t *wm,
                       uint32_t variant, const bidsim_sc_strategy_t *st, bidsim_error_t *err) {
  bidsim_host_group_t *g = &h->groups[h->group_count++];
  *g = (bidsim_host_group_t){ st->ext, st->ext_ctx, NULL, h->count, 0 };
  const bidsim_strategy_t *impl = st->ext->on_click ? &external_entry : &external_silent;
  for (uint32_t i = 0; i < w->sc->plan_count; i++) {
    const size_t at = (size_t)variant * w->sc->plan_count + i;
    if (same_external(w->variant_strategy[at], st)) h->count = entry_add(h, i, impl, w->variant_bids[at]) + 1;
  }
  for (uint32_t j = 0; j < wm->comp_strat_count; j++)
    if (same_external(wm->comp_strat[j], st))
      h->count = entry_add(h, wm->comp_strat_plan[j], impl, wm->comp_strat_bids[j]) + 1;
  g->count = h->count - g->first;
  for (uint32_t i = g->first; i < h->count; i++) {
    h->ext_ref[i] = (bidsim_host_ext_ref_t){ g, i - g->first };
    h->self[i] = &h->ext_ref[i];
    h->of_plan[h->plan[i]] = i;
  }
  const bidsim_external_unit_t unit = { variant, g->count, h->plan + g->first, w->plan_names };
  void *inst = NULL;
  int rc = g->ext->begin(g->ctx, &unit, &inst, err);
  g->inst = rc ? NULL : inst;   /* a failed begin leaves nothing to end */
  return rc;
}

int bidsim_strategy_host_begin(bidsim_strategy_host_t *h, const bidsim_world_t *w, const bidsim_world_market_t *wm,
                               bidsim_market_t *m, uint32_t variant, bidsim_error_t *err) {
  instances_end(h);
  for (uint32_t i = 0; i < w->sc->plan_count; i++) {
    size_t at = (size_t)variant * w->sc->plan_count + i;
    const bidsim_sc_strategy_t *st = w->variant_strategy[at];
    if (st == NULL || st->ext) continue;
    char msg[256] = "";
    if (instance_add(h, i, st, w->variant_bids[at], msg, sizeof msg))
      return bidsim_error_set(err, BIDSIM_EPLUGIN, "strategy", "plan %u: %s", i, msg);
  }
  for (uint32_t j = 0; j < wm->comp_strat_count; j++) {
    const uint32_t plan = wm->comp_strat_plan[j];
    /* its generated bids again: a strategy's change before the clock first
     * moved would otherwise carry into the next unit */
    int rc = bidsim_market_set_bids(m, plan, wm->comp_strat_bids[j], err);
    if (rc) return rc;
    if (wm->comp_strat[j]->ext) continue;
    char msg[256] = "";
    if (instance_add(h, plan, wm->comp_strat[j], wm->comp_strat_bids[j], msg, sizeof msg))
      return bidsim_error_set(err, BIDSIM_EPLUGIN, "strategy", "competitor %u: %s", plan, msg);
  }
  /* the external settings after the C ones (whose order, and so results,
   * stay as they were), each (table, context) a run of entries: listed
   * plans first, then competitors, each in market order */
  h->c_count = h->count;
  for (uint32_t i = 0; i < w->sc->plan_count; i++) {
    const bidsim_sc_strategy_t *st = w->variant_strategy[(size_t)variant * w->sc->plan_count + i];
    if (st && st->ext && h->of_plan[i] == BIDSIM_HOST_NONE) {
      int rc = group_begin(h, w, wm, variant, st, err);
      if (rc) return rc;
    }
  }
  for (uint32_t j = 0; j < wm->comp_strat_count; j++) {
    if (wm->comp_strat[j]->ext && h->of_plan[wm->comp_strat_plan[j]] == BIDSIM_HOST_NONE) {
      int rc = group_begin(h, w, wm, variant, wm->comp_strat[j], err);
      if (rc) return rc;
    }
  }
  h->next_update_s = 0;
  return BIDSIM_OK;
}

void bidsim_strategy_host_day_start(bidsim_strategy_host_t *h, int64_t day0_s) {
  memset(h->exposures, 0, (size_t)h->count * sizeof *h->exposures);
  memset(h->top_exposures, 0, (size_t)h->count * sizeof *h->top_exposures);
  memset(h->clicks, 0, (size_t)h->count * sizeof *h->clicks);
  memset(h->conversions, 0, (size_t)h->count * sizeof *h->conversions);
  memset(h->order_value_li, 0, (size_t)h->count * sizeof *h->order_value_li);
  h->next_update_s = day0_s;
}

/* Apply entries [c, end)'s wanted actions: bids clamped to the platform's
 * rules (counted in the slab), participation into [0, 1]. */
static int apply(bidsim_strategy_host_t *h, bidsim_market_t *m, uint32_t c, uint32_t end, bidsim_day_slab_t *slab,
                 bidsim_error_t *err) {
  for (uint32_t i = c; i < end; i++) {
    bidsim_strategy_action_t *a = &h->want[i], *now = &h->act[i];
    const uint32_t plan = h->plan[i];
    int rc = BIDSIM_OK;
    /* an action equal to the current one (as applied) is already valid:
     * skip the clamp; otherwise bids and participation (NaN, negative or
     * above 1 included) are clamped and counted */
    if ((memcmp(a->bid_li, now->bid_li, sizeof a->bid_li) || a->participation != now->participation) &&
        bidsim_strategy_clamp_action(a))
      slab->extra[BIDSIM_EXTRA_CLAMPS][plan]++;
    if (memcmp(a->bid_li, now->bid_li, sizeof a->bid_li)) rc = bidsim_market_set_bids(m, plan, a->bid_li, err);
    if (rc == BIDSIM_OK && a->participation != now->participation)
      rc = bidsim_market_set_participation(m, plan, a->participation, err);
    if (rc) return rc;
    *now = *a;
  }
  return BIDSIM_OK;
}

/* Entries [i, i + n) as a batch. */
static bidsim_strategy_batch_t batch_of(const bidsim_strategy_host_t *h, const bidsim_strategy_state_t *shared,
                                        uint32_t i, uint32_t n) {
  return (bidsim_strategy_batch_t){
    .count = n, .shared = shared, .value_bid_li = (const int64_t (*)[BIDSIM_SEG_COUNT])h->value_bid_li + i,
    .cap_li = h->cap_li + i, .spend_today_li = h->spend_today_li + i, .order_value_li = h->order_value_li + i,
    .exposures = h->exposures + i, .top_exposures = h->top_exposures + i, .clicks = h->clicks + i,
    .conversions = h->conversions + i, .total_clicks = h->total_clicks + i,
    .total_conversions = h->total_conversions + i, .total_order_value_li = h->total_order_value_li + i,
    .total_spend_li = h->total_spend_li + i };
}

/* Today's spend and caps of entries [i, i + n). */
static int gather(bidsim_strategy_host_t *h, bidsim_market_t *m, uint32_t i, uint32_t n, bidsim_error_t *err) {
  int rc = bidsim_market_plans_spend(m, n, h->plan + i, h->spend_today_li + i, h->cap_li + i);
  return rc ? bidsim_error_set(err, rc, "strategy", "a strategy's plan is not in the market") : BIDSIM_OK;
}

static bidsim_strategy_state_t shared_state(const bidsim_world_t *w, int64_t t, uint32_t day, double traffic_done) {
  const int64_t day0 = (int64_t)day * BIDSIM_SECONDS_PER_DAY;
  return (bidsim_strategy_state_t){ .now_s = t, .day = day, .second_of_day = (uint32_t)(t - day0),
                                    .day_of_week = (w->weekday0 + day) % 7, .period_s = w->sc->strategy_period_s,
                                    .traffic_done = traffic_done };
}

/* One period's update of every strategy: the C ones batched over runs of
 * plans with the same strategy (bidsim_strategy_update_batch), a chunk at a
 * time; each external instance in one batch of all its plans. */
static int update(bidsim_strategy_host_t *h, const bidsim_world_t *w, bidsim_market_t *m, int64_t t, uint32_t day,
                  const double hour_share[BIDSIM_HOURS], bidsim_day_slab_t *slab, bidsim_error_t *err) {
  const int64_t day0 = (int64_t)day * BIDSIM_SECONDS_PER_DAY;
  const bidsim_strategy_state_t shared = shared_state(w, t, day, bidsim_traffic_done(hour_share, t - day0));
  int rc;
  for (uint32_t c = 0; c < h->c_count; c += STRAT_CHUNK) {
    const uint32_t end = h->c_count - c < STRAT_CHUNK ? h->c_count : c + STRAT_CHUNK;
    if ((rc = gather(h, m, c, end - c, err))) return rc;
    memcpy(h->want + c, h->act + c, (size_t)(end - c) * sizeof *h->want);   /* pre-filled: the current actions */
    for (uint32_t i = c, j; i < end; i = j) {
      for (j = i + 1; j < end && h->impl[j] == h->impl[i]; j++) continue;
      const bidsim_strategy_batch_t b = batch_of(h, &shared, i, j - i);
      bidsim_strategy_update_batch(h->impl[i], h->self + i, &b, h->want + i);
    }
    if ((rc = apply(h, m, c, end, slab, err))) return rc;
  }
  for (uint32_t k = 0; k < h->group_count; k++) {
    const bidsim_host_group_t *g = &h->groups[k];
    if ((rc = gather(h, m, g->first, g->count, err))) return rc;
    memcpy(h->want + g->first, h->act + g->first, (size_t)g->count * sizeof *h->want);
    const bidsim_strategy_batch_t b = batch_of(h, &shared, g->first, g->count);
    if ((rc = g->ext->update(g->inst, &b, h->want + g->first, err))) return rc;
    if ((rc = apply(h, m, g->first, g->first + g->count, slab, err))) return rc;
  }
  return BIDSIM_OK;
}

int bidsim_strategy_host_day_end(bidsim_strategy_host_t *h, const bidsim_world_t *w, bidsim_market_t *m, uint32_t day,
                                 bidsim_error_t *err) {
  const bidsim_strategy_state_t shared =
    shared_state(w, (int64_t)(day + 1) * BIDSIM_SECONDS_PER_DAY, day, 1.0);   /* 24:00, every impression arrived */
  for (uint32_t k = 0; k < h->group_count; k++) {
    const bidsim_host_group_t *g = &h->groups[k];
    if (g->ext->day_end == NULL) continue;
    int rc = gather(h, m, g->first, g->count, err);
    const bidsim_strategy_batch_t b = batch_of(h, &shared, g->first, g->count);
    if (rc == BIDSIM_OK) rc = g->ext->day_end(g->inst, &b, err);
    if (rc) return rc;
  }
  return BIDSIM_OK;
}

int bidsim_strategy_host_tick(bidsim_strategy_host_t *h, const bidsim_world_t *w, bidsim_market_t *m, int64_t t_s,
                              uint32_t day, const double hour_share[BIDSIM_HOURS], bidsim_day_slab_t *slab,
                              bidsim_error_t *err) {
  /* strategies act once per period, at its first impression */
  if (h->count == 0 || t_s < h->next_update_s) return BIDSIM_OK;
  int rc = update(h, w, m, t_s, day, hour_share, slab, err);
  if (rc) return rc;
  const int64_t day0 = (int64_t)day * BIDSIM_SECONDS_PER_DAY, P = w->sc->strategy_period_s;
  h->next_update_s = t_s - (t_s - day0) % P + P;
  return BIDSIM_OK;
}
