/* analysis/stats.h - Monte-Carlo summaries across replicates: the mean with
 * a Student-t interval, the ratio of means with its delta-method interval,
 * and the paired difference of two variants for both. Pure functions over
 * arrays of per-replicate values; NaN marks a replicate where a value is
 * undefined and is skipped. */
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

/** @brief The ratio of means R = mean(num) / mean(den) over the replicates
 *  where both are defined, with the delta-method interval: the Student-t
 *  interval of the pseudo-values y_r = R + (num_r - R den_r) / mean(den),
 *  whose mean is exactly R. A replicate with den_r = 0 (no spend, say)
 *  still counts; the ratio is undefined (n = 0, mean NaN) only when every
 *  den_r is 0. @p den NULL means den_r = 1: the plain mean, as
 *  bidsim_estimate. */
bidsim_estimate_t bidsim_ratio_estimate(const double *num, const double *den, size_t n, double level);

/** @brief Paired comparison of two ratios of means, R_B - R_A, over the
 *  replicates where all four values are defined: the t interval and p-value
 *  of the differences of the two variants' pseudo-values (whose mean is
 *  exactly R_B - R_A). base_mean = R_A, other_mean = R_B. NULL dens mean
 *  den_r = 1 (bidsim_paired). n = 0 when either ratio is undefined. */
bidsim_paired_t bidsim_ratio_paired(const double *num_a, const double *den_a, const double *num_b,
                                    const double *den_b, size_t n, double level);

#endif
