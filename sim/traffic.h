/* sim/traffic.h - the traffic model of one day (docs/model.md §3): how many
 * impressions arrive in an hour, the calendar phase of a day, and the
 * segment and category of an impression from 32 bits of one draw. The
 * samplers are inline: the day loop calls them once per impression. */
#ifndef BIDSIM_SIM_TRAFFIC_H
#define BIDSIM_SIM_TRAFFIC_H
#include <stdint.h>
#include <gsl/gsl_rng.h>
#include "sim/scenario.h"

/* Categories drawn by a walk over cumulative thresholds when there are at
 * most this many; above it, by a linear scan over the shares. */
#define BIDSIM_CATEGORY_TABLE 64

/* A segment from the high 32 bits of a draw: branch-free, since the segment
 * is as unpredictable as the draw (a 70/15/15 split mispredicts a branch
 * nearly every other impression). */
typedef struct {
  uint32_t thr[2];   /* draw >= thr[0]: past ordinary; >= thr[1]: similar */
} bidsim_segment_sampler_t;

/* A category from 32 bits. Thresholds are 64-bit so the last one, 2^32, is
 * above every draw: the walk stops at the last category even for the draw
 * 2^32 - 1 (a 32-bit UINT32_MAX threshold let that draw run past the table). */
typedef struct {
  uint32_t count;
  uint8_t  guide[256];                     /* first category a draw with this top byte can be */
  uint64_t thr[BIDSIM_CATEGORY_TABLE];     /* draw < thr[c]: category <= c */
  const double *shares;                    /* count > BIDSIM_CATEGORY_TABLE: scanned */
} bidsim_category_sampler_t;

void bidsim_segment_sampler_init(bidsim_segment_sampler_t *s, const double shares[BIDSIM_SEG_COUNT]);
/** @brief @p shares (count entries, summing to 1) must outlive the sampler. */
void bidsim_category_sampler_init(bidsim_category_sampler_t *s, const double *shares, uint32_t count);

static inline uint32_t bidsim_segment_draw(const bidsim_segment_sampler_t *s, uint32_t u) {
  return (uint32_t)(u >= s->thr[0]) + (uint32_t)(u >= s->thr[1]);
}

static inline uint32_t bidsim_category_draw(const bidsim_category_sampler_t *s, uint32_t u) {
  if (s->count <= BIDSIM_CATEGORY_TABLE) {
    uint32_t c = s->guide[u >> 24];
    while (u >= s->thr[c]) c++;
    return c;
  }
  double v = u / 4294967296.0, a = 0.0;
  uint32_t c;
  for (c = 0; c + 1 < s->count; c++)
    if (v < (a += s->shares[c])) break;
  return c;
}

/** @brief Day @p day's mean impressions (the phase's multiplier applied)
 *  and its hour shares (the diurnal curve reshaped by the phase, summing to 1). */
double bidsim_traffic_day(const bidsim_scenario_t *sc, uint32_t day, double hour_share[BIDSIM_HOURS]);

/** @brief Impressions arriving in an hour with mean @p mean under the
 *  scenario's noise: none (rounded), Poisson, or negative binomial as a
 *  gamma-Poisson mixture (variance mean + mean^2 / k). */
uint64_t bidsim_traffic_count(const bidsim_scenario_t *sc, gsl_rng *r, double mean);

/** @brief Expected share of a day's traffic arrived by second @p sec. */
double bidsim_traffic_done(const double hour_share[BIDSIM_HOURS], int64_t sec);

#endif
