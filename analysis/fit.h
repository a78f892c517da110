/* analysis/fit.h - simulated method of moments for the listed plans' daily
 * figures: parameters chosen so that the simulated plan-day means of
 * exposures, clicks, spend, orders and order value match an observed
 * history, each weighted by its simulated variance; the simulation runs on
 * common random numbers, so the objective is a deterministic function of
 * the parameters. A search (a Latin hypercube, then local fits from its
 * best points) finds the basin, GSL's Levenberg-Marquardt minimises in
 * bounded coordinates, the last days can be held out and predicted, and
 * the curvature at the fit with the search's other fits say which
 * parameters the history pins down. The simulation is a callback, so the
 * fit knows nothing of scenarios (analysis/calibrate.h binds it to one).
 * docs/calibration.md states the objective and the choices. Prints
 * nothing. */
#ifndef BIDSIM_ANALYSIS_FIT_H
#define BIDSIM_ANALYSIS_FIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bidsim/error.h"
#include "sim/output.h"

typedef struct {
  char   key[160];         /* its name in messages and output (a key path) */
  double start, lo, hi;    /* natural units, lo < start < hi */
  int    decimals;         /* values are written with this many decimals (money: 2), or -1: 6 significant digits */
} bidsim_fit_param_t;

/** Simulate replicates 0..replicates-1 of days [0, days) at the parameter
 *  values @p value (natural units, already rounded as they would be
 *  written) into out[((r * plans + p) * days + d) * BIDSIM_METRIC_COUNT + m].
 *  Must be a deterministic function of @p value, and replicate r the same
 *  whatever the number asked for (common random numbers). A rule the values
 *  break is an input error code (BIDSIM_ESCHEMA, a rule's): the point is
 *  then infeasible; BIDSIM_ENOMEM, BIDSIM_EIO, BIDSIM_EINTR and
 *  BIDSIM_ESTATE stop the fit. */
typedef int (*bidsim_fit_simulate_fn)(void *ctx, const double *value, uint32_t days, uint32_t replicates,
                                      int64_t *out, bidsim_error_t *err);

/** Called after every simulation: the stage ("search", "fit", "refit",
 *  "alternatives", "curvature", "predict"), simulations so far, the best
 *  objective of the stage. */
typedef void (*bidsim_fit_progress_fn)(void *ctx, const char *stage, uint32_t evaluations, double best);

typedef struct {
  uint32_t nparams;
  const bidsim_fit_param_t *params;
  uint32_t replicates, plans, days;   /* the history's days; the simulation's shape */
  uint32_t search_replicates;         /* for the search (fit_search.c); 0 = 2, at most replicates */
  uint32_t holdout_days;              /* the last ones: predicted, not fitted */
  const int64_t *observed;            /* [plan][day][metric], counts and li */
  const uint8_t *seen;                /* [plan][day]: 1 = observed */
  bidsim_fit_simulate_fn simulate;
  void    *ctx;
  bidsim_fit_progress_fn progress;    /* NULL = none */
  void    *progress_ctx;
  uint32_t max_evaluations;           /* per minimisation; 0 = 40 x (parameters + 1) */
  double   tolerance;                 /* the simplex's size to stop at (fewer figures than parameters); 0 = 0.01 */
  bool     identifiability;           /* the curvature analysis (a few simulations per parameter) */
} bidsim_fit_problem_t;

typedef struct { uint32_t n, inside, mape_n; double mape; } bidsim_fit_holdout_t;

typedef struct {
  uint32_t nparams, plans, days, fit_days, replicates;
  double  *value;              /* [K] fitted, as written */
  double   objective;          /* J at the fit, with the final weights */
  double   objective_start;    /* J at the start, the same weights */
  double   threshold;          /* near-equal: J within this of the best */
  uint32_t moments;            /* terms of J */
  uint32_t evaluations;        /* simulations run */
  bool     converged;          /* the simplex shrank below the tolerance in both minimisations */
  double  *mean, *sd;          /* [plan][day][metric] at the fit, every day */
  double  *lo95, *hi95;        /* 95% predictive interval of one day's value */
  bidsim_fit_holdout_t holdout[BIDSIM_METRIC_COUNT];   /* over the held-out observed plan-days */
  /* identifiability (when asked): near-equal range of each parameter, and
   * the near-flat directions of J found by the curvature and confirmed by
   * walking along them */
  bool    *identified;         /* [K] */
  double  *range_lo, *range_hi;   /* [K] natural units */
  uint32_t flat_count;
  double  *flat_dir;           /* [flat][K]: unit vectors in bounded coordinates */
  double  *hessian;            /* [K][K] in bounded coordinates */
} bidsim_fit_result_t;

/** @brief Fit, predict and (optionally) analyse. @p out is filled and owned
 *  by the caller (bidsim_fit_result_free), also on failure. Errors:
 *  BIDSIM_EINVAL (a start outside its bounds, no observed fit day, the
 *  start infeasible), the simulation's. */
int  bidsim_fit_run(const bidsim_fit_problem_t *pb, bidsim_fit_result_t *out, bidsim_error_t *err);
void bidsim_fit_result_free(bidsim_fit_result_t *r);

/** @brief @p v as the parameter is written (decimals, or 6 significant
 *  digits without an exponent) into @p buf, and the value that text reads
 *  back as. */
double bidsim_fit_format(const bidsim_fit_param_t *p, double v, char *buf, size_t n);

/* Index of (replicate, plan, day, metric) in a simulation's output. */
#define BIDSIM_FIT_SIM_AT(P, D, r, p, d, m) \
  ((((size_t)(r) * (P) + (p)) * (D) + (d)) * BIDSIM_METRIC_COUNT + (m))

#endif
