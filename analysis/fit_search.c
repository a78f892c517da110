/* analysis/fit_search.c - the fit's first stage: find the basin of the
 * objective before the local least squares. A start off by a factor of two
 * in two parameters that multiply (a bid and a CTR make the ranking score)
 * can lie on a plateau where the plans win no auction and no figure moves;
 * a local method sees nothing there. So: a Latin hypercube of
 * SEARCH_POINTS x K points in the box x/÷ SEARCH_FACTOR around the start
 * (from a fixed generator: the same points every run), each simulated on
 * the first SEARCH_DAYS days only, then the least squares from each of its
 * best SEARCH_STARTS points on every fitted day, keeping the best end (and
 * the others, as candidate alternative fits). All of it on the search's
 * few replicates and its symmetric objective (fit.c), so it is cheap.
 * Also the simplex (GSL's nmsimplex2), for a problem with fewer figures
 * than parameters, where least squares cannot run. */
#include <math.h>
#include <string.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "analysis/fit_internal.h"
#include "bidsim/alloc.h"

#define SEARCH_POINTS 32
#define SEARCH_FACTOR 3.0
#define SEARCH_DAYS 7             /* the hypercube's points are simulated on the first days only */
#define LOCAL_DAYS 14             /* and the local runs from its best points */
#define SEARCH_STARTS FIT_SEARCH_ENDS
#define SEARCH_SEED 20260315

static double gsl_objective(const gsl_vector *v, void *ctx) {
  fit_t *f = ctx;
  double x[FIT_MAX_PARAMS];
  for (uint32_t k = 0; k < f->K; k++) x[k] = gsl_vector_get(v, k);
  return bidsim__fit_objective_at(f, x);
}

bool bidsim__fit_nelder_mead(fit_t *f, double *x, const double *step, uint32_t limit, double *J) {
  const uint32_t K = f->K;
  gsl_multimin_function fn = { gsl_objective, K, f };
  gsl_vector *xv = gsl_vector_alloc(K), *sv = gsl_vector_alloc(K);
  gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, K);
  bool converged = false;
  if (!xv || !sv || !s) {
    if (f->rc == BIDSIM_OK) { f->rc = BIDSIM_ENOMEM; bidsim_error_set(&f->err, BIDSIM_ENOMEM, "fit", "out of memory"); }
    goto out;
  }
  for (uint32_t k = 0; k < K; k++) { gsl_vector_set(xv, k, x[k]); gsl_vector_set(sv, k, step[k]); }
  const double tol = f->pb->tolerance > 0 ? f->pb->tolerance : 0.01;
  if (gsl_multimin_fminimizer_set(s, &fn, xv, sv) != GSL_SUCCESS || f->rc) goto out;
  while (f->evals < limit && f->rc == BIDSIM_OK) {
    if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS) break;
    if (gsl_multimin_fminimizer_size(s) < tol) { converged = true; break; }
  }
  if (s->fval < *J) {
    *J = s->fval;
    for (uint32_t k = 0; k < K; k++) x[k] = gsl_vector_get(s->x, k);
  }
out:
  if (s) gsl_multimin_fminimizer_free(s);
  if (xv) gsl_vector_free(xv);
  if (sv) gsl_vector_free(sv);
  return converged;
}

/* The box: x/÷ SEARCH_FACTOR for parameters >= 0, +-1.4 in the bounded
 * coordinate for the others. */
static void box(const fit_t *f, const double *x0, double *lo, double *hi) {
  for (uint32_t k = 0; k < f->K; k++) {
    const bidsim_fit_param_t *p = &f->pb->params[k];
    double v = bidsim__fit_from_x(p, x0[k]), eps = 1e-9 * (p->hi - p->lo);
    if (p->lo >= 0) {
      lo[k] = bidsim__fit_to_x(p, fmax(v / SEARCH_FACTOR, p->lo + eps));
      hi[k] = bidsim__fit_to_x(p, fmin(v * SEARCH_FACTOR, p->hi - eps));
    } else {
      lo[k] = x0[k] - 1.4;
      hi[k] = x0[k] + 1.4;
    }
  }
}

void bidsim__fit_search(fit_t *f, const double *x0, double *x, double *J) {
  const uint32_t K = f->K, N = SEARCH_POINTS * K;
  double lo[FIT_MAX_PARAMS], hi[FIT_MAX_PARAMS], y[FIT_MAX_PARAMS];
  double top[SEARCH_STARTS][FIT_MAX_PARAMS], Jtop[SEARCH_STARTS];
  memcpy(x, x0, K * sizeof *x);
  *J = bidsim__fit_objective_at(f, x0);
  for (int i = 0; i < SEARCH_STARTS; i++) { memcpy(top[i], x0, K * sizeof *x); Jtop[i] = i ? INFINITY : *J; }
  box(f, x0, lo, hi);
  /* the hypercube on the first days: many points for the price of a few */
  const uint32_t all_days = f->fit_days;
  if (f->fit_days > SEARCH_DAYS) bidsim__fit_use_days(f, SEARCH_DAYS);
  for (int i = 0; i < SEARCH_STARTS; i++) Jtop[i] = INFINITY;
  Jtop[0] = bidsim__fit_objective_at(f, x0);
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  uint32_t *perm = bidsim_calloc((size_t)K * N, sizeof *perm);
  if (r && perm) {
    gsl_rng_set(r, SEARCH_SEED);
    for (uint32_t k = 0; k < K; k++) {   /* one stratum per point and coordinate */
      for (uint32_t i = 0; i < N; i++) perm[k * N + i] = i;
      gsl_ran_shuffle(r, perm + (size_t)k * N, N, sizeof *perm);
    }
    for (uint32_t i = 0; i < N && !f->rc; i++) {
      for (uint32_t k = 0; k < K; k++) y[k] = lo[k] + (perm[k * N + i] + gsl_rng_uniform(r)) / N * (hi[k] - lo[k]);
      double Jy = bidsim__fit_objective_at(f, y);
      for (int j = 0; j < SEARCH_STARTS; j++) {   /* the best few, best first */
        if (!(Jy < Jtop[j])) continue;
        for (int m = SEARCH_STARTS - 1; m > j; m--) { Jtop[m] = Jtop[m - 1]; memcpy(top[m], top[m - 1], K * sizeof *y); }
        Jtop[j] = Jy;
        memcpy(top[j], y, K * sizeof *y);
        break;
      }
    }
  }
  if (r) gsl_rng_free(r);
  bidsim_free(perm);
  /* a local method from each, on the first LOCAL_DAYS days: it only has to
   * reach the basin (the fit's least squares then polish on every day),
   * and on all 30 days of a month's report it cost most of the search */
  bidsim__fit_use_days(f, all_days > LOCAL_DAYS ? LOCAL_DAYS : all_days);
  for (int i = 0; i < SEARCH_STARTS && !f->rc; i++) {
    if (!isfinite(Jtop[i]) || Jtop[i] >= FIT_INFEASIBLE) continue;
    double Ji = INFINITY;
    bidsim__fit_least_squares(f, top[i], f->evals + f->max_evals / (2 * SEARCH_STARTS), &Ji, NULL);
    memcpy(f->ends[f->end_count++], top[i], K * sizeof *x);
    if (Ji < *J) { *J = Ji; memcpy(x, top[i], K * sizeof *x); }
  }
  bidsim__fit_use_days(f, all_days);
  /* the ends compared on every fitted day, as the fit will see them */
  if (all_days > LOCAL_DAYS && !f->rc) {
    *J = INFINITY;
    for (uint32_t i = 0; i < f->end_count && !f->rc; i++) {
      double Ji = bidsim__fit_objective_at(f, f->ends[i]);
      if (Ji < *J) { *J = Ji; memcpy(x, f->ends[i], K * sizeof *x); }
    }
  }
}
