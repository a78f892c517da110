/* analysis/fit_internal.h - between the fit's files: the state of one fit
 * (fit.c: coordinates, simulation, objectives, the stages and the
 * prediction), the search (fit_search.c: a Latin hypercube and GSL's
 * Nelder-Mead), the least squares (fit_lsq.c: GSL's Levenberg-Marquardt)
 * and the identifiability analysis (fit_curvature.c). Nothing outside
 * analysis/fit*.c includes it. */
#ifndef BIDSIM_ANALYSIS_FIT_INTERNAL_H
#define BIDSIM_ANALYSIS_FIT_INTERNAL_H
#include "analysis/fit.h"

#define FIT_M BIDSIM_METRIC_COUNT
#define FIT_MAX_PARAMS 64
#define FIT_INFEASIBLE 1e300
#define FIT_SEARCH_ENDS 4         /* local runs from the search's best points */
#define FIT_IDENT_FACTOR 1.25     /* identified: near-equal fits within x/÷ 1.25 of the fit */

typedef struct {
  const bidsim_fit_problem_t *pb;
  uint32_t K, P, D, R, fit_days, evals, max_evals;
  uint32_t Rnow;                /* replicates of the current stage's simulations */
  uint32_t moments;             /* observed fitted plan-days x metrics: the residuals */
  int64_t *sim;                 /* R x P x D x M for the days simulated */
  double  *mu, *s2;             /* [P][D][M] of the last simulation */
  double  *w;                   /* [P][D][M] weights of J for the fitted days */
  double  *phi_data;            /* [P][M] dispersions from the history (the search's) */
  double  *vals;                /* [K] natural values of the last simulation */
  bool     searching;           /* the search's objective, not J */
  double   best;                /* of the stage, for progress */
  const char *stage;
  int      rc;                  /* a fatal error: stops everything */
  bidsim_error_t err;
  bidsim_error_t infeasible;    /* the first infeasible point's reason */
  bool     any_infeasible;
  /* the search's local ends: other candidate fits (fit_search.c) */
  uint32_t end_count;
  double   ends[FIT_SEARCH_ENDS][FIT_MAX_PARAMS];
  /* those that fit as well as the fit under its weights (fit.c) */
  uint32_t alt_count;
  double   alt[FIT_SEARCH_ENDS][FIT_MAX_PARAMS];
} fit_t;

/* Bounded coordinates (fit.c): (lo, hi) onto the real line by a logit of
 * the position, of its logarithm when hi / lo >= 100. */
bool   bidsim__fit_log_scaled(const bidsim_fit_param_t *p);
double bidsim__fit_to_x(const bidsim_fit_param_t *p, double v);
double bidsim__fit_from_x(const bidsim_fit_param_t *p, double x);
/* The width of [xa, xb] (either order) in coordinates: the log of the
 * values' ratio, or the coordinate's difference for a value that can be
 * negative. */
double bidsim__fit_span(const bidsim_fit_param_t *p, double xa, double xb);

/** @brief Simulate @p days at coordinates @p x into f->mu and f->s2:
 *  BIDSIM_OK, or the simulation's code (the point is infeasible unless
 *  f->rc is set: a fatal error). */
int    bidsim__fit_simulate(fit_t *f, const double *x, uint32_t days);
/** @brief The stage's objective at @p x (FIT_INFEASIBLE when it cannot be
 *  simulated), with progress reported. */
double bidsim__fit_objective_at(fit_t *f, const double *x);
/** @brief The same, with the residuals in @p r (f->moments; 1e100 each at
 *  an infeasible point). */
double bidsim__fit_eval(fit_t *f, const double *x, double *r);
/** @brief Fit on days [0, @p days) only (f->fit_days and f->moments). */
void   bidsim__fit_use_days(fit_t *f, uint32_t days);
/** @brief The residuals of the last simulation (f->moments of them): their
 *  squares sum to the stage's objective. */
void   bidsim__fit_residuals(const fit_t *f, double *r);

/** @brief Nelder-Mead (GSL nmsimplex2) from @p x with initial steps @p step
 *  until the simplex is below the tolerance (true) or f->evals reaches
 *  @p limit; @p x and *J become the best vertex if it beats *J. */
bool bidsim__fit_nelder_mead(fit_t *f, double *x, const double *step, uint32_t limit, double *J);
/** @brief The search from @p x0 (fit_search.c): into @p x, its objective *J;
 *  every local run's end in f->ends. */
void bidsim__fit_search(fit_t *f, const double *x0, double *x, double *J);
/** @brief Levenberg-Marquardt on the residuals from @p x (updated), with a
 *  finite-difference Jacobian in bounded coordinates, within @p limit
 *  simulations; *J the objective at the end and, if @p jac is not NULL,
 *  the Jacobian there (moments x K, row-major). True when it converged. */
bool bidsim__fit_least_squares(fit_t *f, double *x, uint32_t limit, double *J, double *jac);
/** @brief Identifiability at the fit @p xh (objective @p J0) from the
 *  Jacobian @p jac there (fit_curvature.c). */
void bidsim__fit_curvature(fit_t *f, const double *xh, double J0, const double *jac, bidsim_fit_result_t *out);

#define FIT_SEEN(f, p, d) ((f)->pb->seen[(size_t)(p) * (f)->D + (d)])
#define FIT_OBS(f, p, d, m) ((double)(f)->pb->observed[((size_t)(p) * (f)->D + (d)) * FIT_M + (m)])
#define FIT_AT(f, a, p, d, m) ((f)->a[((size_t)(p) * (f)->D + (d)) * FIT_M + (m)])

#endif
