/* sim/traffic.c - arrivals and impression samplers (docs/model.md §3). Pure
 * functions of the scenario and the generator they are given. */
#include "sim/traffic.h"
#include <math.h>
#include <gsl/gsl_randist.h>

#define TWO32 4294967296.0

/* A cumulative share as a 32-bit threshold; shares of 1 and above saturate. */
static uint32_t threshold(double cum) { return (uint32_t)fmin(cum * TWO32, 4294967295.0); }

void bidsim_segment_sampler_init(bidsim_segment_sampler_t *s, const double shares[BIDSIM_SEG_COUNT]) {
  s->thr[0] = threshold(shares[0]);
  s->thr[1] = threshold(shares[0] + shares[1]);
}

void bidsim_category_sampler_init(bidsim_category_sampler_t *s, const double *shares, uint32_t count) {
  s->count = count;
  s->shares = shares;
  if (count > BIDSIM_CATEGORY_TABLE) return;
  double acc = 0.0;
  for (uint32_t c = 0; c < count; c++) {
    acc += shares[c];
    s->thr[c] = c + 1 == count ? UINT64_C(1) << 32 : threshold(acc);
  }
  /* the guide table: the search from it takes one or two steps instead of C / 2 */
  for (uint32_t i = 0, c = 0; i < 256; i++) {
    while (c + 1 < count && s->thr[c] <= (uint64_t)i << 24) c++;
    s->guide[i] = (uint8_t)c;
  }
}

double bidsim_traffic_day(const bidsim_scenario_t *sc, uint32_t day, double hour_share[BIDSIM_HOURS]) {
  const bidsim_sc_phase_t *ph = bidsim_scenario_phase(sc, day);
  double hsum = 0.0;
  for (int h = 0; h < BIDSIM_HOURS; h++) hsum += hour_share[h] = sc->diurnal[h] * (ph ? ph->hour_mult[h] : 1.0);
  for (int h = 0; h < BIDSIM_HOURS; h++) hour_share[h] /= hsum;
  return sc->impressions_per_day * (ph ? ph->traffic_mult : 1.0);
}

uint64_t bidsim_traffic_count(const bidsim_scenario_t *sc, gsl_rng *r, double mean) {
  if (mean <= 0.0) return 0;
  switch (sc->noise) {
    case BIDSIM_NOISE_POISSON: return gsl_ran_poisson(r, mean);
    case BIDSIM_NOISE_NEGBIN: {
      double k = sc->negbin_dispersion;
      return gsl_ran_poisson(r, gsl_ran_gamma(r, k, mean / k));
    }
    default: return (uint64_t)llround(mean);
  }
}

double bidsim_traffic_done(const double hour_share[BIDSIM_HOURS], int64_t sec) {
  double done = 0.0;
  int64_t h = sec / 3600;
  for (int64_t i = 0; i < h && i < BIDSIM_HOURS; i++) done += hour_share[i];
  if (h < BIDSIM_HOURS) done += hour_share[h] * (double)(sec - h * 3600) / 3600.0;
  return done > 1.0 ? 1.0 : done;
}
