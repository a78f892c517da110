/* sim/service.h - shop service health (docs/model.md §6) for the listed shops
 * whose customer service a scenario models (shops[].service): clicks bring
 * consulting users, customer service replies within the hour to at most
 * its capacity, and a day with at least 100 consulting users and an
 * effective reply rate below 50% costs a 1,000-yuan penalty and removes the
 * shop's ads for the next three days. */
#ifndef BIDSIM_SIM_SERVICE_H
#define BIDSIM_SIM_SERVICE_H
#include <stdbool.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>
#include "bidsim/bidsim.h"
#include "sim/output.h"
#include "sim/scenario.h"

typedef struct {
  const bidsim_scenario_t *sc;
  bool      active;                     /* some listed shop models its service */
  uint32_t *hour, *consults, *replied;  /* per listed shop: this hour's users, today's totals */
  uint32_t *paused_until;               /* per listed shop: the day its ads come back */
} bidsim_service_t;

int  bidsim_service_init(bidsim_service_t *s, const bidsim_scenario_t *sc, bidsim_error_t *err);
void bidsim_service_free(bidsim_service_t *s);
/** @brief A new unit: no shop penalised. */
void bidsim_service_begin(bidsim_service_t *s);
/** @brief Midnight: a penalised shop's plans stay paused in @p m until its
 *  ads come back; today's counts restart. */
int  bidsim_service_day_start(bidsim_service_t *s, bidsim_market_t *m, uint32_t day, bidsim_error_t *err);
/** @brief A click on @p plan: for a modelled shop, one more draw from the
 *  (user, ad) pair's generator @p r decides whether the user consults. */
void bidsim_service_click(bidsim_service_t *s, uint32_t plan, gsl_rng *r);
/** @brief End of @p hour: replies within the hour, users counted 08:00-23:00. */
void bidsim_service_hour_end(bidsim_service_t *s, uint32_t hour);
/** @brief End of the day: the platform's check; each of a modelled shop's
 *  plans records the shop's figures, its pause and any penalty in @p slab. */
void bidsim_service_day_end(bidsim_service_t *s, uint32_t day, bidsim_day_slab_t *slab);

#endif
