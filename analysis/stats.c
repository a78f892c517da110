/* analysis/stats.c - Student-t summaries across replicates (GSL). Replicates
 * are independent draws (PCG stream r of the seed), so the t interval on
 * their values is the textbook one; no pooling across days, which share a
 * replicate's market and are not independent. */
#include "analysis/stats.h"
#include <math.h>
#include <gsl/gsl_cdf.h>

/* Welford's update: one pass, stable for large counts. */
typedef struct { size_t n; double mean, m2; } running_t;

static void running_add(running_t *r, double x) {
  r->n++;
  double d = x - r->mean;
  r->mean += d / (double)r->n;
  r->m2 += d * (x - r->mean);
}

static double half_width(const running_t *r, double level) {
  double sd = sqrt(r->m2 / (double)(r->n - 1));
  return gsl_cdf_tdist_Pinv(0.5 + level / 2, (double)(r->n - 1)) * sd / sqrt((double)r->n);
}

bidsim_estimate_t bidsim_estimate(const double *x, size_t n, double level) {
  running_t r = { 0, 0, 0 };
  for (size_t i = 0; i < n; i++)
    if (!isnan(x[i])) running_add(&r, x[i]);
  bidsim_estimate_t e = { r.n ? r.mean : NAN, NAN, NAN, r.n };
  if (r.n >= 2) {
    double h = half_width(&r, level);
    e.lo = r.mean - h;
    e.hi = r.mean + h;
  }
  return e;
}

bidsim_paired_t bidsim_paired(const double *a, const double *b, size_t n, double level) {
  running_t d = { 0, 0, 0 }, ra = { 0, 0, 0 }, rb = { 0, 0, 0 };
  for (size_t i = 0; i < n; i++) {
    if (isnan(a[i]) || isnan(b[i])) continue;
    running_add(&d, b[i] - a[i]);
    running_add(&ra, a[i]);
    running_add(&rb, b[i]);
  }
  bidsim_paired_t p = { NAN, NAN, NAN, NAN, NAN, NAN, NAN, d.n };
  if (d.n == 0) return p;
  p.base_mean = ra.mean;
  p.other_mean = rb.mean;
  p.diff = d.mean;
  p.rel = ra.mean != 0 ? d.mean / ra.mean : NAN;
  if (d.n < 2) return p;
  double h = half_width(&d, level);
  p.lo = d.mean - h;
  p.hi = d.mean + h;
  double se = sqrt(d.m2 / (double)(d.n - 1) / (double)d.n);
  if (se > 0)
    p.p = 2 * gsl_cdf_tdist_Q(fabs(d.mean) / se, (double)(d.n - 1));
  else
    p.p = d.mean == 0 ? 1.0 : 0.0;   /* every replicate gave the same difference */
  return p;
}
