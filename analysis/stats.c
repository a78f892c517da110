/* analysis/stats.c - Student-t summaries across replicates (GSL). Replicates
 * are independent draws (PCG stream r of the seed), so the t interval on
 * their values is the textbook one; no pooling across days, which share a
 * replicate's market and are not independent. Ratios are ratios of means
 * with a delta-method interval through per-replicate linearisation (why:
 * docs/analysis.md). */
#include "analysis/stats.h"
#include <math.h>
#include <stdbool.h>
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

/* The estimate centred on `centre` (the exact statistic; Welford's mean of
 * the values it was linearised into agrees with it to rounding). */
static bidsim_estimate_t estimate_of(const running_t *r, double centre, double level) {
  bidsim_estimate_t e = { r->n ? centre : NAN, NAN, NAN, r->n };
  if (r->n >= 2) {
    double h = half_width(r, level);
    e.lo = centre - h;
    e.hi = centre + h;
  }
  return e;
}

/* Interval and p-value of a paired difference whose values are in d and
 * whose exact mean is p->diff. */
static void paired_finish(bidsim_paired_t *p, const running_t *d, double level) {
  p->rel = p->base_mean != 0 ? p->diff / p->base_mean : NAN;
  if (d->n < 2) return;
  double h = half_width(d, level);
  p->lo = p->diff - h;
  p->hi = p->diff + h;
  double se = sqrt(d->m2 / (double)(d->n - 1) / (double)d->n);
  if (se > 0)
    p->p = 2 * gsl_cdf_tdist_Q(fabs(p->diff) / se, (double)(d->n - 1));
  else
    p->p = p->diff == 0 ? 1.0 : 0.0;   /* every replicate gave the same difference */
}

bidsim_estimate_t bidsim_estimate(const double *x, size_t n, double level) {
  running_t r = { 0, 0, 0 };
  for (size_t i = 0; i < n; i++)
    if (!isnan(x[i])) running_add(&r, x[i]);
  return estimate_of(&r, r.mean, level);
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
  paired_finish(&p, &d, level);
  return p;
}

/* ---- ratios of means ------------------------------------------------------ */

/* den NULL is the constant 1 */
static double den_at(const double *den, size_t i) { return den ? den[i] : 1.0; }

/* A ratio's linearisation: R and mean(den) over the replicates used. */
typedef struct { double r, den_mean; size_t n; } ratio_t;

/* the pseudo-value y_i = R + (num_i - R den_i) / mean(den) */
static double pseudo(const ratio_t *q, const double *num, const double *den, size_t i) {
  return q->r + (num[i] - q->r * den_at(den, i)) / q->den_mean;
}

/* whether replicate i is defined in every series given (NULL ones are) */
static bool defined_at(const double *const *s, int k, size_t i) {
  for (int j = 0; j < k; j++)
    if (s[j] && isnan(s[j][i])) return false;
  return true;
}

/* R and mean(den) over the replicates defined in every series of s: the
 * first of two passes (the second sums the pseudo-values). */
static ratio_t ratio_over(const double *const *s, int k, const double *num, const double *den, size_t n) {
  double sn = 0, sd = 0;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (defined_at(s, k, i)) { sn += num[i]; sd += den_at(den, i); m++; }
  ratio_t q = { NAN, m ? sd / (double)m : 0, m };
  if (m == 0 || sd == 0) q.n = 0;
  else q.r = sn / sd;
  return q;
}

bidsim_estimate_t bidsim_ratio_estimate(const double *num, const double *den, size_t n, double level) {
  if (den == NULL) return bidsim_estimate(num, n, level);
  const double *s[2] = { num, den };
  ratio_t q = ratio_over(s, 2, num, den, n);
  running_t y = { 0, 0, 0 };
  if (q.n)
    for (size_t i = 0; i < n; i++)
      if (defined_at(s, 2, i)) running_add(&y, pseudo(&q, num, den, i));
  return estimate_of(&y, q.r, level);
}

bidsim_paired_t bidsim_ratio_paired(const double *num_a, const double *den_a, const double *num_b,
                                    const double *den_b, size_t n, double level) {
  if (den_a == NULL && den_b == NULL) return bidsim_paired(num_a, num_b, n, level);
  const double *s[4] = { num_a, den_a, num_b, den_b };
  ratio_t qa = ratio_over(s, 4, num_a, den_a, n), qb = ratio_over(s, 4, num_b, den_b, n);
  bidsim_paired_t p = { NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0 };
  if (qa.n == 0 || qb.n == 0) return p;
  running_t d = { 0, 0, 0 };
  for (size_t i = 0; i < n; i++)
    if (defined_at(s, 4, i)) running_add(&d, pseudo(&qb, num_b, den_b, i) - pseudo(&qa, num_a, den_a, i));
  p.n = d.n;
  p.base_mean = qa.r;
  p.other_mean = qb.r;
  p.diff = qb.r - qa.r;
  paired_finish(&p, &d, level);
  return p;
}
