/* analysis/fit_lsq.c - the fit's least squares: J is a sum of squares of
 * a few hundred residuals in a few parameters, so GSL's trust-region
 * Levenberg-Marquardt (gsl_multifit_nlinear, trs = lm) uses that structure
 * and converges in a few Jacobians, where GSL's Nelder-Mead simplex took
 * 300 and more simulations in seven dimensions and stopped short of the
 * minimum (measured on tests/calibrate/; docs/calibration.md). The Jacobian is a forward difference in
 * bounded coordinates with a wide step (FD_STEP: about 5% of a log-scaled
 * or small-rate parameter), so it measures the slope over the staircase's
 * small steps and the simulation's noise rather than inside them; a step
 * that does not lower J is refused by the trust region. GSL tries up to 15
 * ever shorter steps before it gives up, a simulation each; after
 * MAX_REJECTS in a row the step is an eighth of the first or less, below
 * the Jacobian's own resolution on a noisy J, so the minimisation stops
 * there as GSL would (GSL_ENOPROG: a minimum at this scale). */
#include <math.h>
#include <string.h>
#include <gsl/gsl_multifit_nlinear.h>
#include "analysis/fit_internal.h"
#include "bidsim/alloc.h"

#define FD_STEP 0.05
#define MAX_ITER 40
#define REL_GAIN 1e-4      /* stop when an iteration lowers J by less than this share */
#define MAX_REJECTS 4      /* refused steps in a row before stopping */

typedef struct {
  fit_t *f;
  uint32_t limit;          /* simulations allowed up to */
  double x[FIT_MAX_PARAMS];   /* the point of r0 */
  double *r0, *r1;
  bool have;
  double J;                /* at the last evaluated point */
  double Jacc;             /* at the point GSL stands on (steps below it are accepted); INFINITY before the first */
  uint32_t rejects;        /* steps refused in a row */
} lsq_t;

static int eval_at(lsq_t *q, const double *x, double *r) {
  if (q->f->rc || q->f->evals >= q->limit) return GSL_EMAXITER;
  q->J = bidsim__fit_eval(q->f, x, r);
  return q->f->rc ? GSL_EBADFUNC : GSL_SUCCESS;
}

static int lsq_f(const gsl_vector *xv, void *ctx, gsl_vector *out) {
  lsq_t *q = ctx;
  for (uint32_t k = 0; k < q->f->K; k++) q->x[k] = gsl_vector_get(xv, k);
  q->have = false;
  int st = eval_at(q, q->x, q->r0);
  if (st) return st;
  q->have = true;
  for (uint32_t i = 0; i < q->f->moments; i++) gsl_vector_set(out, i, q->r0[i]);
  /* the trust region accepts a step iff it lowers J (rho > 0) */
  if (q->J < q->Jacc) {
    q->Jacc = q->J;
    q->rejects = 0;
  } else if (++q->rejects >= MAX_REJECTS) {
    return GSL_ENOPROG;   /* GSL stays at the accepted point */
  }
  return GSL_SUCCESS;
}

static int lsq_df(const gsl_vector *xv, void *ctx, gsl_matrix *Jm) {
  lsq_t *q = ctx;
  const uint32_t K = q->f->K, n = q->f->moments;
  bool same = q->have;
  for (uint32_t k = 0; k < K && same; k++) same = gsl_vector_get(xv, k) == q->x[k];
  if (!same) {   /* GSL asks at the point it just evaluated; if not, evaluate it */
    for (uint32_t k = 0; k < K; k++) q->x[k] = gsl_vector_get(xv, k);
    int st = eval_at(q, q->x, q->r0);
    if (st) return st;
    q->have = true;
  }
  double y[FIT_MAX_PARAMS];
  for (uint32_t k = 0; k < K; k++) {
    memcpy(y, q->x, K * sizeof *y);
    y[k] += FD_STEP;
    int st = eval_at(q, y, q->r1);
    if (st) return st;
    for (uint32_t i = 0; i < n; i++) gsl_matrix_set(Jm, i, k, (q->r1[i] - q->r0[i]) / FD_STEP);
  }
  return GSL_SUCCESS;
}

bool bidsim__fit_least_squares(fit_t *f, double *x, uint32_t limit, double *J, double *jac) {
  const uint32_t K = f->K, n = f->moments;
  lsq_t q = { .f = f, .limit = limit, .Jacc = INFINITY };
  q.r0 = bidsim_malloc((n + 1) * sizeof *q.r0);
  q.r1 = bidsim_malloc((n + 1) * sizeof *q.r1);
  gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
  par.trs = gsl_multifit_nlinear_trs_lm;
  gsl_multifit_nlinear_workspace *w = n >= K ? gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, n, K) : NULL;
  gsl_vector *xv = gsl_vector_alloc(K);
  bool converged = false;
  if (n < K) {
    /* fewer figures than parameters: the simplex, first steps x1.3 */
    double step[FIT_MAX_PARAMS];
    for (uint32_t k = 0; k < K; k++) {
      const bidsim_fit_param_t *p = &f->pb->params[k];
      double v = bidsim__fit_from_x(p, x[k]), up = v * 1.3 < p->hi ? v * 1.3 : v / 1.3;
      step[k] = fmin(1.0, fmax(0.05, fabs(bidsim__fit_to_x(p, up) - x[k])));
    }
    converged = bidsim__fit_nelder_mead(f, x, step, limit, J);
    if (jac) memset(jac, 0, (size_t)n * K * sizeof *jac);
    goto out;
  }
  if (!q.r0 || !q.r1 || !w || !xv) {
    if (f->rc == BIDSIM_OK) { f->rc = BIDSIM_ENOMEM; bidsim_error_set(&f->err, BIDSIM_ENOMEM, "fit", "out of memory"); }
    goto out;
  }
  for (uint32_t k = 0; k < K; k++) gsl_vector_set(xv, k, x[k]);
  gsl_multifit_nlinear_fdf fdf = { .f = lsq_f, .df = lsq_df, .fvv = NULL, .n = n, .p = K, .params = &q };
  if (gsl_multifit_nlinear_init(xv, &fdf, w) != GSL_SUCCESS || f->rc) goto out;
  double best = q.J;
  for (int it = 0; it < MAX_ITER; it++) {
    int st = gsl_multifit_nlinear_iterate(w);
    if (st == GSL_ENOPROG) { converged = true; break; }   /* no step lowers J: a minimum at this scale */
    if (st != GSL_SUCCESS) break;                          /* the budget, or a fatal error */
    const gsl_vector *r = gsl_multifit_nlinear_residual(w);
    double Jn = 0;
    for (uint32_t i = 0; i < n; i++) Jn += gsl_vector_get(r, i) * gsl_vector_get(r, i);
    int info = 0;
    bool small = gsl_multifit_nlinear_test(1e-3, 1e-8, 0.0, &info, w) == GSL_SUCCESS;
    bool gain = best - Jn > REL_GAIN * fabs(best);
    best = fmin(best, Jn);
    if (small || !gain) { converged = true; break; }
  }
  {
    const gsl_vector *p = gsl_multifit_nlinear_position(w);
    const gsl_vector *r = gsl_multifit_nlinear_residual(w);
    double Jn = 0;
    for (uint32_t i = 0; i < n; i++) Jn += gsl_vector_get(r, i) * gsl_vector_get(r, i);
    if (Jn < *J) {
      *J = Jn;
      for (uint32_t k = 0; k < K; k++) x[k] = gsl_vector_get(p, k);
    }
    if (jac) {
      const gsl_matrix *Jm = gsl_multifit_nlinear_jac(w);
      for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < K; k++) jac[(size_t)i * K + k] = gsl_matrix_get(Jm, i, k);
    }
  }
out:
  if (w) gsl_multifit_nlinear_free(w);
  if (xv) gsl_vector_free(xv);
  bidsim_free(q.r0);
  bidsim_free(q.r1);
  return converged;
}
