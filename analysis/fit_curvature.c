/* analysis/fit_curvature.c - which parameters the history pins down. The
 * curvature of J at the fit, H = 2 J'J from the least squares' Jacobian
 * there (Gauss-Newton, in bounded coordinates), has an eigenvector per
 * direction of the parameters; along a direction the history cannot see
 * (a parameter that moves no figure, or two that trade off) J stays flat.
 * The eigenvectors only propose the directions: along each, the reach of
 * the near-equal band (J within the threshold of the fit) is measured on
 * the simulation both ways, doubling or halving the step from the
 * quadratic model's guess, so a staircase or the simulation's noise cannot
 * fake a curvature. The band is the ellipsoid with those reaches along the
 * eigenvectors; a parameter's range is its shadow on that axis, and a
 * parameter whose range is wider than x/÷ FIT_IDENT_FACTOR is not identified.
 * A direction whose reach spans more than that for a parameter taking
 * part in it is reported as near-flat: one parameter alone, or a trade-off
 * between those with large parts. */
#include <math.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include "analysis/fit_internal.h"
#include "bidsim/alloc.h"

#define WALK_FIRST 0.35           /* bounded coordinates: the walk's first step, at most */
#define WALK_LAST 8.0             /* logistic(8) = 0.9997: the end of a range */
#define WALK_FACTOR 16.0          /* a scale (traffic up to 10^11 a day) walks at most x/÷ 16 */
#define WALK_MIN 0.02             /* ... and at least this, or the quadratic model's reach */
#define PART 0.1                  /* a parameter takes part in a direction with v_k^2 >= this */

typedef struct {
  fit_t *f;
  const double *xh, *jac;
  const gsl_matrix *V;         /* eigenvectors of J'J (columns) */
  const gsl_vector *lam;       /* their eigenvalues (of H = 2 J'J) */
  double J0, band;
  double *r;                   /* residual scratch */
  double lo[FIT_MAX_PARAMS], hi[FIT_MAX_PARAMS];   /* of every near-equal point found */
  uint32_t limit;              /* simulations allowed up to */
} walk_t;

static void seen_point(walk_t *w, const double *x) {
  for (uint32_t k = 0; k < w->f->K; k++) { w->lo[k] = fmin(w->lo[k], x[k]); w->hi[k] = fmax(w->hi[k], x[k]); }
}

/* J at @p x, or above the band when @p x is past a scale's walk limit. */
static double J_at(walk_t *w, const double *x) {
  fit_t *f = w->f;
  for (uint32_t k = 0; k < f->K; k++) {
    const bidsim_fit_param_t *p = &f->pb->params[k];
    /* a scale has no end worth simulating (traffic up to 10^11 a day) */
    if (bidsim__fit_log_scaled(p) && fabs(log(bidsim__fit_from_x(p, x[k]) / bidsim__fit_from_x(p, w->xh[k]))) > log(WALK_FACTOR))
      return INFINITY;
  }
  if (f->rc || f->evals >= w->limit) return INFINITY;
  return bidsim__fit_eval(f, x, w->r);
}

/* A point on the valley near @p x: one Gauss-Newton step with the fit's
 * Jacobian in the directions other than eigenvector @p e (the walk's own),
 * kept if it lowers J. The valley of a trade-off is curved (a bid level
 * median x exp(sigma z) held), and a straight walk leaves it. */
static double correct(walk_t *w, uint32_t e, double *x, double Jx) {
  fit_t *f = w->f;
  const uint32_t K = f->K, n = f->moments;
  double g[FIT_MAX_PARAMS] = { 0 }, y[FIT_MAX_PARAMS];
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t k = 0; k < K; k++) g[k] += w->jac[(size_t)i * K + k] * w->r[i];   /* J' r */
  memcpy(y, x, K * sizeof *y);
  for (uint32_t c = 0; c < K; c++) {
    double l = gsl_vector_get(w->lam, c) / 2;   /* of J'J */
    if (c == e || !(l > 1e-12 * gsl_vector_get(w->lam, K - 1))) continue;
    double proj = 0;
    for (uint32_t k = 0; k < K; k++) proj += gsl_matrix_get(w->V, k, c) * g[k];
    for (uint32_t k = 0; k < K; k++) y[k] -= gsl_matrix_get(w->V, k, c) * proj / l;
  }
  double Jy = J_at(w, y);
  if (Jy < Jx) { memcpy(x, y, K * sizeof *y); return Jy; }
  return Jx;
}

/* Along eigenvector @p e from the fit, one way: steps doubling from @p t0
 * while the point (corrected onto the valley when needed) stays in the
 * band, or halving to WALK_MIN until one does. Returns the reach. */
static double walk(walk_t *w, uint32_t e, double sign, double t0) {
  fit_t *f = w->f;
  const uint32_t K = f->K;
  double v[FIT_MAX_PARAMS], x[FIT_MAX_PARAMS], base[FIT_MAX_PARAMS], reach = 0;
  for (uint32_t k = 0; k < K; k++) v[k] = sign * gsl_matrix_get(w->V, k, e);
  memcpy(base, w->xh, K * sizeof *base);
  bool shrink = true;
  for (double t = t0, done = 0; t >= WALK_MIN && done + t <= WALK_LAST && !f->rc;) {
    for (uint32_t k = 0; k < K; k++) x[k] = base[k] + t * v[k];
    double Jx = J_at(w, x);
    if (isfinite(Jx) && Jx - w->J0 > w->band) Jx = correct(w, e, x, Jx);
    if (isfinite(Jx) && Jx - w->J0 <= w->band) {
      seen_point(w, x);
      memcpy(base, x, K * sizeof *base);
      done += t;
      reach = done;
      if (!shrink || t == t0) { t *= 2; shrink = false; }
      else break;
    } else if (shrink) {
      t /= 2;
    } else {
      break;
    }
  }
  return reach;
}

void bidsim__fit_curvature(fit_t *f, const double *xh, double J0, const double *jac, bidsim_fit_result_t *out) {
  const uint32_t K = f->K, n = f->moments;
  double *H = out->hessian;
  for (uint32_t i = 0; i < K; i++)
    for (uint32_t j = 0; j < K; j++) {
      double s = 0;
      for (uint32_t r = 0; r < n; r++) s += jac[(size_t)r * K + i] * jac[(size_t)r * K + j];
      H[i * K + j] = 2 * s;
    }
  gsl_matrix *A = gsl_matrix_alloc(K, K), *V = gsl_matrix_alloc(K, K);
  gsl_vector *lam = gsl_vector_alloc(K);
  gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(K);
  walk_t w = { .f = f, .xh = xh, .jac = jac, .V = V, .lam = lam, .J0 = J0, .band = out->threshold,
               .r = bidsim_malloc((n + 1) * sizeof *w.r), .limit = f->evals + f->max_evals };
  double hw2[FIT_MAX_PARAMS] = { 0 };
  if (!A || !V || !lam || !ws || !w.r) {
    if (f->rc == BIDSIM_OK) { f->rc = BIDSIM_ENOMEM; bidsim_error_set(&f->err, BIDSIM_ENOMEM, "fit", "out of memory"); }
    goto out;
  }
  for (uint32_t i = 0; i < K; i++)
    for (uint32_t j = 0; j < K; j++) gsl_matrix_set(A, i, j, H[i * K + j]);
  gsl_eigen_symmv(A, lam, V, ws);
  gsl_eigen_symmv_sort(lam, V, GSL_EIGEN_SORT_VAL_ASC);
  for (uint32_t k = 0; k < K; k++) w.lo[k] = w.hi[k] = xh[k];
  for (uint32_t e = 0; e < K && !f->rc; e++) {
    const double l = gsl_vector_get(lam, e), tq = l > 0 ? sqrt(2 * w.band / l) : INFINITY;
    double lo[FIT_MAX_PARAMS], hi[FIT_MAX_PARAMS];
    memcpy(lo, w.lo, K * sizeof *lo);
    memcpy(hi, w.hi, K * sizeof *hi);
    if (tq < WALK_MIN) {
      /* far inside the first step: the quadratic model's shadow */
      for (uint32_t k = 0; k < K; k++) hw2[k] += gsl_matrix_get(V, k, e) * tq * gsl_matrix_get(V, k, e) * tq;
      continue;
    }
    /* the walk's own extent, for telling a flat direction */
    for (uint32_t k = 0; k < K; k++) w.lo[k] = w.hi[k] = xh[k];
    double t0 = fmin(WALK_FIRST, tq);
    walk(&w, e, +1, t0);
    walk(&w, e, -1, t0);
    bool flat = false;
    double dir[FIT_MAX_PARAMS], norm = 0;
    for (uint32_t k = 0; k < K; k++) {
      flat |= bidsim__fit_span(&f->pb->params[k], w.lo[k], w.hi[k]) > 2 * log(FIT_IDENT_FACTOR);
      dir[k] = gsl_matrix_get(V, k, e);
      norm += dir[k] * dir[k];
    }
    if (flat && norm > 0) memcpy(out->flat_dir + (size_t)out->flat_count++ * K, dir, K * sizeof *dir);
    for (uint32_t k = 0; k < K; k++) { w.lo[k] = fmin(w.lo[k], lo[k]); w.hi[k] = fmax(w.hi[k], hi[k]); }
  }
  /* other fits as good, from the search's other starts: a trade-off with
   * separate solutions (which competitor is on top changes with the bids'
   * spread) that no local walk can reach */
  for (uint32_t i = 0; i < f->alt_count; i++) {
    double dir[FIT_MAX_PARAMS], norm = 0;
    bool far = false;
    for (uint32_t k = 0; k < K; k++) {
      dir[k] = f->alt[i][k] - xh[k];
      norm += dir[k] * dir[k];
      far |= bidsim__fit_span(&f->pb->params[k], f->alt[i][k], xh[k]) > 2 * log(FIT_IDENT_FACTOR);
    }
    seen_point(&w, f->alt[i]);
    if (!far || norm <= 0 || out->flat_count >= K) continue;
    for (uint32_t k = 0; k < K; k++) dir[k] /= sqrt(norm);
    bool known = false;   /* the walk found it already */
    for (uint32_t j = 0; j < out->flat_count && !known; j++) {
      double dot = 0;
      for (uint32_t k = 0; k < K; k++) dot += dir[k] * out->flat_dir[(size_t)j * K + k];
      known = fabs(dot) > 0.9;
    }
    if (!known) memcpy(out->flat_dir + (size_t)out->flat_count++ * K, dir, K * sizeof *dir);
  }
  for (uint32_t k = 0; k < K; k++) {
    const bidsim_fit_param_t *p = &f->pb->params[k];
    double hw = sqrt(hw2[k]), a = w.lo[k] - hw, b = w.hi[k] + hw;
    out->range_lo[k] = bidsim__fit_from_x(p, a);
    out->range_hi[k] = bidsim__fit_from_x(p, b);
    out->identified[k] = bidsim__fit_span(p, a, b) <= 2 * log(FIT_IDENT_FACTOR);
  }
out:
  if (A) gsl_matrix_free(A);
  if (V) gsl_matrix_free(V);
  if (lam) gsl_vector_free(lam);
  if (ws) gsl_eigen_symmv_free(ws);
  bidsim_free(w.r);
}
