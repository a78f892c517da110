/* sim/service.c - shop service health (docs/model.md §6): the thresholds are the
 * platform's (engine/include/bidsim/rules.h), the users and replies a
 * model: every click of a modelled shop brings a consulting user with the
 * shop's consult_share, and replies within the hour reach at most the
 * shop's capacity_per_hour of them. */
#include "sim/service.h"
#include <string.h>
#include "bidsim/alloc.h"

static bool modelled(const bidsim_scenario_t *sc, uint32_t shop) { return sc->shops[shop].consult_share > 0; }

int bidsim_service_init(bidsim_service_t *s, const bidsim_scenario_t *sc, bidsim_error_t *err) {
  memset(s, 0, sizeof *s);
  s->sc = sc;
  for (uint32_t i = 0; i < sc->shop_count; i++) s->active |= modelled(sc, i);
  size_t shops = (size_t)sc->shop_count + 1;
  s->hour = bidsim_calloc(shops, sizeof *s->hour);
  s->consults = bidsim_calloc(shops, sizeof *s->consults);
  s->replied = bidsim_calloc(shops, sizeof *s->replied);
  s->paused_until = bidsim_calloc(shops, sizeof *s->paused_until);
  if (!s->hour || !s->consults || !s->replied || !s->paused_until) {
    bidsim_service_free(s);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "service", "out of memory");
  }
  return BIDSIM_OK;
}

void bidsim_service_free(bidsim_service_t *s) {
  bidsim_free(s->hour);
  bidsim_free(s->consults);
  bidsim_free(s->replied);
  bidsim_free(s->paused_until);
  memset(s, 0, sizeof *s);
}

void bidsim_service_begin(bidsim_service_t *s) {
  memset(s->paused_until, 0, (size_t)s->sc->shop_count * sizeof *s->paused_until);
}

int bidsim_service_day_start(bidsim_service_t *s, bidsim_market_t *m, uint32_t day, bidsim_error_t *err) {
  const bidsim_scenario_t *sc = s->sc;
  for (uint32_t i = 0; i < sc->plan_count; i++) {
    uint32_t shop = sc->plans[i].shop;
    if (!modelled(sc, shop)) continue;
    int rc = bidsim_market_set_paused(m, i, day < s->paused_until[shop], err);
    if (rc) return rc;
  }
  for (uint32_t i = 0; i < sc->shop_count; i++) s->hour[i] = s->consults[i] = s->replied[i] = 0;
  return BIDSIM_OK;
}

void bidsim_service_click(bidsim_service_t *s, uint32_t plan, gsl_rng *r) {
  const bidsim_scenario_t *sc = s->sc;
  if (plan >= sc->plan_count) return;   /* a competitor */
  const uint32_t shop = sc->plans[plan].shop;
  if (modelled(sc, shop) && gsl_rng_uniform(r) < sc->shops[shop].consult_share) s->hour[shop]++;
}

void bidsim_service_hour_end(bidsim_service_t *s, uint32_t hour) {
  const bidsim_scenario_t *sc = s->sc;
  for (uint32_t i = 0; i < sc->shop_count; i++) {
    if (!modelled(sc, i)) continue;
    if (hour >= BIDSIM_SERVICE_FROM_HOUR && hour < BIDSIM_SERVICE_TO_HOUR) {
      uint32_t cap = (uint32_t)sc->shops[i].capacity_per_hour;
      s->consults[i] += s->hour[i];
      s->replied[i] += s->hour[i] < cap ? s->hour[i] : cap;
    }
    s->hour[i] = 0;
  }
}

void bidsim_service_day_end(bidsim_service_t *s, uint32_t day, bidsim_day_slab_t *slab) {
  const bidsim_scenario_t *sc = s->sc;
  for (uint32_t i = 0; i < sc->plan_count; i++) {
    uint32_t shop = sc->plans[i].shop;
    if (!modelled(sc, shop)) continue;
    slab->extra[BIDSIM_EXTRA_CONSULTS][i] = s->consults[shop];
    slab->extra[BIDSIM_EXTRA_REPLIED][i] = s->replied[shop];
    slab->extra[BIDSIM_EXTRA_PAUSED][i] = day < s->paused_until[shop];
  }
  for (uint32_t i = 0; i < sc->shop_count; i++) {
    if (!modelled(sc, i)) continue;
    if (s->consults[i] >= BIDSIM_SERVICE_MIN_USERS &&
        100 * (uint64_t)s->replied[i] < (uint64_t)BIDSIM_SERVICE_MIN_RATE_PCT * s->consults[i]) {
      s->paused_until[i] = day + 1 + BIDSIM_SERVICE_PAUSE_DAYS;   /* out for the next three days */
      for (uint32_t p = 0; p < sc->plan_count; p++)
        if (sc->plans[p].shop == i) slab->extra[BIDSIM_EXTRA_PENALTY][p] = BIDSIM_SERVICE_PENALTY_LI;
    }
  }
}
