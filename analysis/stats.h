/* analysis/stats.h - Monte-Carlo summaries across replicates: the mean with
 * a Student-t interval, and the paired difference of two variants. Pure
 * functions over arrays of per-replicate values; NaN marks a replicate where
 * the value is undefined (a ratio with a zero denominator) and is skipped. */
#ifndef BIDSIM_ANALYSIS_STATS_H
#define BIDSIM_ANALYSIS_STATS_H
#include <stddef.h>

/* mean and its two-sided interval at `level`; lo = hi = NaN when fewer than
 * two replicates are defined, mean = NaN when none is. */
typedef struct {
  double mean, lo, hi;
  size_t n;            /* replicates with a defined value */
} bidsim_estimate_t;

/* B - A over replicates where both are defined. */
typedef struct {
  double base_mean;    /* mean of A over the paired replicates */
  double other_mean;   /* mean of B over the paired replicates */
  double diff, lo, hi; /* mean of B - A and its interval */
  double p;            /* two-sided p-value of the paired t test (NaN if n < 2) */
  double rel;          /* diff / base_mean (NaN if base_mean == 0) */
  size_t n;
} bidsim_paired_t;

/** @brief Mean of the defined values of x[0..n) with a Student-t interval
 *  (GSL's t quantile with n-1 degrees of freedom). */
bidsim_estimate_t bidsim_estimate(const double *x, size_t n, double level);

/** @brief Paired comparison of b against a (same replicates, so the same
 *  random numbers): the t interval and two-sided p-value of b - a. */
bidsim_paired_t bidsim_paired(const double *a, const double *b, size_t n, double level);

#endif
