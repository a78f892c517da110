/* analysis/field_metrics.c - pacing evenness, the CPA-constrained score
 * and capped time of one day (definitions: field_metrics.h). */
#include "analysis/field_metrics.h"
#include <math.h>

double bidsim_pacing_rmse(const int64_t spend[BIDSIM_HOURS], const int64_t traffic[BIDSIM_HOURS]) {
  double s_total = 0, t_total = 0;
  for (int h = 0; h < BIDSIM_HOURS; h++) {
    s_total += (double)spend[h];
    t_total += (double)traffic[h];
  }
  if (s_total <= 0 || t_total <= 0) return NAN;
  /* cumulative sums of integers are exact in doubles below 2^53; each share
   * is one division, so the last hour's difference is exactly 0 */
  double s = 0, t = 0, ss = 0;
  for (int h = 0; h < BIDSIM_HOURS; h++) {
    s += (double)spend[h];
    t += (double)traffic[h];
    double d = s / s_total - t / t_total;
    ss += d * d;
  }
  return sqrt(ss / BIDSIM_HOURS);
}

double bidsim_cpa_score(int64_t conversions, int64_t spend_li, double target_cpa_li) {
  if (conversions <= 0) return 0;
  double c = (double)conversions, cpa = (double)spend_li / c;
  if (cpa <= target_cpa_li) return c;   /* within the target (also: free orders) */
  double k = target_cpa_li / cpa;
  return c * k * k;
}

int64_t bidsim_capped_seconds(int64_t cap_hit_s) {
  return cap_hit_s < 0 ? 0 : BIDSIM_SECONDS_PER_DAY - cap_hit_s;
}
