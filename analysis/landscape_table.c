/* analysis/landscape_table.c - a bid landscape's statistics (see
 * analysis/landscape_table.h). */
#include "analysis/landscape_table.h"
#include <math.h>
#include "bidsim/alloc.h"
#include "sim/landscape.h"

static const char *const keys[BIDSIM_LSTAT_COUNT] = {
  "exposures", "clicks", "spend", "orders", "order_value", "roi", "cpc", "top_share", "marginal_cpc", "marginal_roi" };

const char *bidsim_lstat_key(int stat) { return stat >= 0 && stat < BIDSIM_LSTAT_COUNT ? keys[stat] : "?"; }

static const bidsim_estimate_t undefined = { NAN, NAN, NAN, 0 };

int bidsim_landscape_table(const int64_t *counts, const bool *skipped, uint32_t n, uint32_t replicates,
                           uint32_t days, double level, bidsim_estimate_t *out) {
  if (days == 0 || replicates == 0) return BIDSIM_EINVAL;
  const uint32_t R = replicates;
  /* per replicate, per point: the counters per day, money in yuan */
  double *v = bidsim_malloc((size_t)n * R * BIDSIM_LS_COUNT * sizeof *v);
  double *a = bidsim_malloc((size_t)R * 2 * sizeof *a);
  if (v == NULL || a == NULL) {
    bidsim_free(v);
    bidsim_free(a);
    return BIDSIM_ENOMEM;
  }
  for (size_t i = 0; i < (size_t)n * R * BIDSIM_LS_COUNT; i++) {
    const int m = (int)(i % BIDSIM_LS_COUNT);
    const double money = m == BIDSIM_LS_SPEND_LI || m == BIDSIM_LS_ORDER_VALUE_LI ? 1e-3 : 1.0;
    v[i] = (double)counts[i] * money / days;
  }
#define V(p, r, m) v[((size_t)(p) * R + (r)) * BIDSIM_LS_COUNT + (m)]
  double *num = a, *den = a + R;
  uint32_t prev = UINT32_MAX;
  for (uint32_t p = 0; p < n; p++) {
    bidsim_estimate_t *o = out + (size_t)p * BIDSIM_LSTAT_COUNT;
    for (int s = 0; s < BIDSIM_LSTAT_COUNT; s++) o[s] = undefined;
    if (skipped && skipped[p]) continue;
    static const int plain[5] = { BIDSIM_LS_EXPOSURES, BIDSIM_LS_CLICKS, BIDSIM_LS_SPEND_LI, BIDSIM_LS_ORDERS,
                                  BIDSIM_LS_ORDER_VALUE_LI };
    for (int s = 0; s < 5; s++) {
      for (uint32_t r = 0; r < R; r++) num[r] = V(p, r, plain[s]);
      o[s] = bidsim_estimate(num, R, level);
    }
    static const int ratio[3][2] = { { BIDSIM_LS_ORDER_VALUE_LI, BIDSIM_LS_SPEND_LI },
                                     { BIDSIM_LS_SPEND_LI, BIDSIM_LS_CLICKS },
                                     { BIDSIM_LS_TOP_EXPOSURES, BIDSIM_LS_EXPOSURES } };
    for (int s = 0; s < 3; s++) {
      for (uint32_t r = 0; r < R; r++) { num[r] = V(p, r, ratio[s][0]); den[r] = V(p, r, ratio[s][1]); }
      o[BIDSIM_LSTAT_ROI + s] = bidsim_ratio_estimate(num, den, R, level);
    }
    if (prev != UINT32_MAX) {
      /* extra spend per extra click, extra order value per extra yuan: the
       * ratio of the mean paired differences, its interval by the delta
       * method over the replicates' differences */
      static const int marg[2][2] = { { BIDSIM_LS_SPEND_LI, BIDSIM_LS_CLICKS },
                                      { BIDSIM_LS_ORDER_VALUE_LI, BIDSIM_LS_SPEND_LI } };
      for (int s = 0; s < 2; s++) {
        for (uint32_t r = 0; r < R; r++) {
          num[r] = V(p, r, marg[s][0]) - V(prev, r, marg[s][0]);
          den[r] = V(p, r, marg[s][1]) - V(prev, r, marg[s][1]);
        }
        /* No extra clicks (or spend) at all, or a change within its own
         * noise (its interval holds 0: a cap that binds at both points
         * keeps spend where it is): the margin is undefined. By Fieller's
         * theorem the ratio's confidence set is then unbounded, and the
         * delta method's interval around a quotient of two near-zero
         * means (-7,343 +- 32,895 yuan per yuan) says nothing. */
        const bidsim_estimate_t d = bidsim_estimate(den, R, level);
        const bool within_noise = d.n >= 2 && d.lo <= 0 && d.hi >= 0;
        o[BIDSIM_LSTAT_MARGINAL_CPC + s] = d.mean != 0 && !within_noise ? bidsim_ratio_estimate(num, den, R, level) : undefined;
      }
    }
    prev = p;
  }
#undef V
  bidsim_free(v);
  bidsim_free(a);
  return BIDSIM_OK;
}
