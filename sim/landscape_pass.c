/* sim/landscape_pass.c - the one-pass landscape observer (sim/landscape.h):
 * after each auction of the run, every point's copy of the plan is placed
 * among the competitors the auction scored, by comparing its bid x pCTR
 * with their values (engine: bidsim_market_unit_offer), shown, clicked and
 * charged as sim/worker.c would do it at that slot, against the copy's own
 * day spend and cap. The clicks use the worker's (user, ad) hash and the
 * order its generator seeded by the same hash, so a copy moved up can only
 * gain clicks (the coupling of worker.c) and every point sees the same
 * users. Reads the market; changes nothing in the run. */
#include <math.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "bidsim/rng_gsl.h"
#include "sim/landscape.h"
#include "sim/worker.h"
#include "sim/world_internal.h"

#define TWO32 4294967296.0

typedef struct {
  int64_t bid_li[BIDSIM_SEG_COUNT];
  int64_t cap_li;
  int64_t spend_li;                     /* today's */
  bool    stopped;                      /* today's cap reached */
} copy_t;

struct bidsim_landscape_pass {
  const bidsim_scenario_t *sc;
  uint32_t plan, n;
  bool     top_only;
  copy_t  *copy;
  int64_t *rows;
  uint32_t stride;
  bidsim_worker_probe_t probe;
  gsl_rng *user_rng;
  bidsim_pcg64_t *ug;
  /* set at each unit's start */
  const bidsim_world_market_t *wm;
  const bidsim_market_t *m;
  uint32_t *unit_of;                    /* [category] the plan's ad unit, or BIDSIM_NONE */
  int64_t  publish_s;
  int64_t  day;                         /* of the last auction seen; -1 before the first */
  double   ctr_m, cvr_m;                /* today's phase */
  double   exam_q32[BIDSIM_MAX_SLOTS];  /* P(examined at slot s) x 2^32 */
};

static int pass_begin(void *ctx, const bidsim_world_t *w, const struct bidsim_world_market *wm,
                      const bidsim_market_t *m, uint32_t variant, uint32_t replicate, bidsim_error_t *err) {
  (void)w; (void)variant; (void)err;
  bidsim_landscape_pass_t *lp = ctx;
  lp->wm = wm;
  lp->m = m;
  lp->day = -1;
  for (uint32_t c = 0; c < lp->sc->category_count; c++) lp->unit_of[c] = BIDSIM_NONE;
  const uint32_t units = bidsim_market_unit_count(m);
  for (uint32_t u = 0; u < units; u++) {
    uint32_t plan, product;
    bidsim_market_unit(m, u, &plan, &product);
    if (plan != lp->plan) continue;
    const uint32_t c = bidsim_market_product(m, product)->category;
    if (c < lp->sc->category_count) lp->unit_of[c] = u;
  }
  const bidsim_sc_plan_t *pl = &lp->sc->plans[lp->plan];
  lp->publish_s = (int64_t)pl->publish_day * BIDSIM_SECONDS_PER_DAY + pl->publish_second;
  /* the worker's user stream: its increment is the replicate's */
  bidsim_rng_for_stream(lp->ug, lp->sc->seed, replicate ^ BIDSIM_STREAM_USERS);
  return BIDSIM_OK;
}

static void new_day(bidsim_landscape_pass_t *lp, int64_t day) {
  lp->day = day;
  const bidsim_sc_phase_t *ph = bidsim_scenario_phase(lp->sc, (uint32_t)day);
  lp->ctr_m = ph ? ph->ctr_mult : 1.0;
  lp->cvr_m = ph ? ph->cvr_mult : 1.0;
  for (uint32_t i = 0; i < lp->n; i++) {   /* midnight: caps reset (docs/model.md §1) */
    lp->copy[i].spend_li = 0;
    lp->copy[i].stopped = false;
  }
}

/* The order of a click on @p unit by the user of hash @p h, drawn as
 * worker.c's click() draws it: the same for every point. */
static void order_of(bidsim_landscape_pass_t *lp, uint32_t unit, uint32_t rel, uint64_t h, bool *converted,
                     int64_t *ov_li) {
  const bidsim_scenario_t *sc = lp->sc;
  lp->ug->state = ((bidsim_u128_t)bidsim__mix64(h) << 64) | h;
  const double cvr = fmin(1.0, lp->wm->unit_cvr[unit] * sc->cvr_mult[rel] * lp->cvr_m);
  bool c = gsl_rng_uniform(lp->user_rng) < cvr;
  if (c && sc->conversion_delay_hours > 0.0 &&
      gsl_ran_exponential(lp->user_rng, sc->conversion_delay_hours) > sc->attribution_window_days * 24.0)
    c = false;
  *ov_li = 0;
  if (c) {
    const double ov = bidsim__dist_draw(lp->wm->unit_order_value[unit], lp->user_rng);
    *ov_li = ov > 0.0 ? bidsim__yuan_to_fen_li(ov) : 0;
  }
  *converted = c;
}

/* A charge on a copy, as bidsim_market_charge makes it (docs/model.md §1):
 * platform mode charges the whole price and stops the copy once its spend
 * reaches the cap; strict mode (the copy was only eligible if what remains
 * covers its bid) stops it when what remains is below its smallest bid. */
static void charge(copy_t *c, int64_t price_li, bool strict) {
  c->spend_li += price_li;
  if (c->cap_li == BIDSIM_CAP_UNLIMITED) return;
  if (!strict) {
    if (c->spend_li >= c->cap_li) c->stopped = true;
    return;
  }
  int64_t lo = c->bid_li[0];
  for (int s = 1; s < BIDSIM_SEG_COUNT; s++) lo = c->bid_li[s] < lo ? c->bid_li[s] : lo;
  if (c->cap_li - c->spend_li < lo) c->stopped = true;
}

static void pass_auction(void *ctx, const bidsim_impression_t *imp, int64_t t_s, const bidsim_auction_result_t *res) {
  bidsim_landscape_pass_t *lp = ctx;
  const int64_t day = t_s / BIDSIM_SECONDS_PER_DAY;
  if (day != lp->day) new_day(lp, day);
  if (lp->top_only) {
    if (res->n > 0 && res->plan[0] == lp->plan) lp->rows[BIDSIM_LS_TOP_EXPOSURES]++;
    return;
  }
  const uint32_t unit = imp->category < lp->sc->category_count ? lp->unit_of[imp->category] : BIDSIM_NONE;
  if (unit == BIDSIM_NONE || t_s < lp->publish_s) return;
  bidsim_unit_offer_t of;
  if (bidsim_market_unit_offer(lp->m, imp, unit, &of) != BIDSIM_OK || !of.in_category) return;
  /* the competitors' values best first: the result without the plan's own
   * unit (one per category), and the value below the last slot when the
   * plan's unit took a slot. `slots` competitors are all a copy can meet:
   * at the last slot it is priced by the slots-th. */
  const bidsim_market_config_t *cfg = bidsim_market_config(lp->m);
  const uint32_t slots = cfg->auction.slots;
  double comp[BIDSIM_MAX_SLOTS + 1];
  uint32_t nc = 0;
  bool own = false;
  for (uint32_t s = 0; s < res->n; s++) {
    if (res->plan[s] == lp->plan) { own = true; continue; }
    comp[nc++] = (double)res->bid_li[s] * res->pctr[s];
  }
  if (own && res->n > 0 && res->next_value[res->n - 1] >= 0) comp[nc++] = res->next_value[res->n - 1];
  const uint32_t rel = of.relation;
  const double attract = lp->wm->unit_ctr[unit] * lp->sc->ctr_mult[rel] * lp->ctr_m;
  const uint64_t h = bidsim__mix64(imp->user ^ ((uint64_t)unit * UINT64_C(0x9E3779B97F4A7C15)));
  const double hu = (double)(uint32_t)h;
  const bool strict = cfg->strict_caps, first = cfg->auction.mechanism == BIDSIM_MECH_FIRST;
  bool have_order = false, converted = false;
  int64_t ov_li = 0;
  for (uint32_t i = 0; i < lp->n; i++) {
    copy_t *c = &lp->copy[i];
    const int64_t bid = c->bid_li[rel];
    if (c->stopped || bid < cfg->auction.reserve_li) continue;
    if (strict && c->cap_li != BIDSIM_CAP_UNLIMITED && c->cap_li - c->spend_li < bid) continue;
    const double v = (double)bid * of.pctr;
    uint32_t pos = 0;
    while (pos < nc && comp[pos] >= v) pos++;   /* a tie ranks the competitor first */
    if (pos >= slots) continue;
    int64_t *row = lp->rows + (size_t)i * lp->stride;
    row[BIDSIM_LS_EXPOSURES]++;
    if (pos == 0) row[BIDSIM_LS_TOP_EXPOSURES]++;
    if (hu >= lp->exam_q32[pos] * attract * of.affinity) continue;
    const int64_t price = first ? bid : bidsim_market_gsp_price(lp->m, bid, of.pctr, pos < nc ? comp[pos] : -1.0);
    charge(c, price, strict);
    if (!have_order) {
      order_of(lp, unit, rel, h, &converted, &ov_li);
      have_order = true;
    }
    row[BIDSIM_LS_CLICKS]++;
    row[BIDSIM_LS_SPEND_LI] += price;
    if (converted) {
      row[BIDSIM_LS_ORDERS]++;
      row[BIDSIM_LS_ORDER_VALUE_LI] += ov_li;
    }
  }
}

int bidsim_landscape_pass_create(const bidsim_scenario_t *sc, uint32_t plan, const bidsim_landscape_point_t *pts,
                                 uint32_t n, bool top_only, struct bidsim_worker *k,
                                 bidsim_landscape_pass_t **out, bidsim_error_t *err) {
  *out = NULL;
  bidsim_landscape_pass_t *lp = bidsim_calloc(1, sizeof *lp);
  if (lp == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "landscape", "out of memory");
  lp->sc = sc;
  lp->plan = plan;
  lp->n = n;
  lp->top_only = top_only;
  lp->copy = bidsim_calloc(n ? n : 1, sizeof *lp->copy);
  lp->unit_of = bidsim_calloc(sc->category_count ? sc->category_count : 1, sizeof *lp->unit_of);
  lp->user_rng = gsl_rng_alloc(bidsim_gsl_rng_pcg64());
  if (lp->copy == NULL || lp->unit_of == NULL || lp->user_rng == NULL) {
    bidsim_landscape_pass_free(lp);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "landscape", "out of memory");
  }
  lp->ug = bidsim_gsl_rng_state(lp->user_rng);
  for (uint32_t i = 0; i < n; i++) {
    memcpy(lp->copy[i].bid_li, pts[i].bid_li, sizeof lp->copy[i].bid_li);
    lp->copy[i].cap_li = pts[i].cap_li;
  }
  for (uint32_t s = 0; s < BIDSIM_MAX_SLOTS; s++) lp->exam_q32[s] = sc->auction.position_weight_ppm[s] * 1e-6 * TWO32;
  lp->probe = (bidsim_worker_probe_t){ lp, pass_begin, pass_auction };
  bidsim_worker_set_probe(k, &lp->probe);
  *out = lp;
  return BIDSIM_OK;
}

void bidsim_landscape_pass_rows(bidsim_landscape_pass_t *lp, int64_t *rows, uint32_t row_stride) {
  lp->rows = rows;
  lp->stride = row_stride;
}

void bidsim_landscape_pass_free(bidsim_landscape_pass_t *lp) {
  if (lp == NULL) return;
  if (lp->user_rng) gsl_rng_free(lp->user_rng);
  bidsim_free(lp->copy);
  bidsim_free(lp->unit_of);
  bidsim_free(lp);
}
