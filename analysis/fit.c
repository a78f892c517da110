/* analysis/fit.c - the simulated method of moments of analysis/fit.h: the
 * coordinates, the simulation of a trial point, the objectives, the stages
 * and the prediction. docs/calibration.md explains the choices for users.
 *
 * Moments: every observed plan-day i of the fitted days and metric m (y_i).
 * At parameters theta the simulation gives R replicates on common random
 * numbers; mu_i(theta) is their mean. The objective is
 *   J(theta) = sum_i w_i (y_i - mu_i(theta))^2,
 * w_i = 1 / ((1 + 1/R) phi_pm (mu_i(theta_w) + phi_pm)), held fixed while
 * minimising: the variance of one day's value around its mean, modelled as
 * quasi-Poisson (proportional to the day's mean) with the dispersion
 * phi_pm of plan p's metric m pooled over the days from the replicates at
 * theta_w (1 for Poisson counts, about one event's price for money; the
 * + phi gives an empty day the variance of one event), and (1 + 1/R) adds
 * the simulated mean's own noise, so E[J] at the truth is the number of
 * moments. Two-step SMM: theta_w is the search's result, then the first
 * fit. Fixed weights keep the estimator unbiased for small counts, where
 * weights that follow mu(theta) pull the fit towards larger means.
 *
 * Stages: a search on one replicate (fit_search.c) finds the basin, then
 * Levenberg-Marquardt on the residuals sqrt(w_i) (mu_i - y_i) twice
 * (fit_lsq.c), then the held-out days are predicted and the curvature at
 * the fit analysed (fit_curvature.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include "analysis/fit_internal.h"
#include "bidsim/alloc.h"

#define M FIT_M
#define CHI2_1_95 3.841458820694124

static double unit_of(int m) { return m == BIDSIM_METRIC_SPEND_LI || m == BIDSIM_METRIC_ORDER_VALUE_LI ? 1000.0 : 1.0; }

/* ---- values and coordinates ---------------------------------------------------- */

double bidsim_fit_format(const bidsim_fit_param_t *p, double v, char *buf, size_t n) {
  if (p->decimals >= 0) {
    snprintf(buf, n, "%.*f", p->decimals, v);
  } else if (v == 0.0 || !isfinite(v)) {
    snprintf(buf, n, "%.6g", v);
  } else {
    int e = (int)floor(log10(fabs(v))), dec = 5 - e;
    if (dec <= 0) {
      double q = pow(10.0, -dec);
      snprintf(buf, n, "%.0f", round(v / q) * q);
    } else {
      snprintf(buf, n, "%.*f", dec, v);
      char *dot = strchr(buf, '.');
      if (dot) {   /* no trailing zeros: 0.045, not 0.0450000 */
        char *z = buf + strlen(buf);
        while (z > dot && (z[-1] == '0' || z[-1] == '.')) { char c = z[-1]; *--z = '\0'; if (c == '.') break; }
      }
    }
  }
  return strtod(buf, NULL);
}

bool bidsim__fit_log_scaled(const bidsim_fit_param_t *p) { return p->lo > 0 && p->hi / p->lo >= 100; }

double bidsim__fit_to_x(const bidsim_fit_param_t *p, double v) {
  double u = bidsim__fit_log_scaled(p) ? (log(v) - log(p->lo)) / (log(p->hi) - log(p->lo)) : (v - p->lo) / (p->hi - p->lo);
  u = fmin(fmax(u, 1e-12), 1 - 1e-12);
  return log(u / (1 - u));
}

double bidsim__fit_from_x(const bidsim_fit_param_t *p, double x) {
  double u = 1 / (1 + exp(-x));
  double v = bidsim__fit_log_scaled(p) ? exp(log(p->lo) + u * (log(p->hi) - log(p->lo))) : p->lo + u * (p->hi - p->lo);
  return fmin(fmax(v, p->lo), p->hi);
}

double bidsim__fit_span(const bidsim_fit_param_t *p, double xa, double xb) {
  if (p->lo < 0) return fabs(xa - xb);
  double a = bidsim__fit_from_x(p, xa), b = bidsim__fit_from_x(p, xb);
  return a > 0 && b > 0 ? fabs(log(a / b)) : INFINITY;
}

/* @p a lies within x/÷ FIT_IDENT_FACTOR of @p b in every value: the same
 * basin, as far as identifiability can tell. */
static bool near(const fit_t *f, const double *a, const double *b) {
  for (uint32_t k = 0; k < f->K; k++)
    if (bidsim__fit_span(&f->pb->params[k], a[k], b[k]) > log(FIT_IDENT_FACTOR)) return false;
  return true;
}

/* The value a coordinate stands for, as it is written in the scenario. */
static double written(const bidsim_fit_param_t *p, double x) {
  char buf[64];
  double v = bidsim_fit_format(p, bidsim__fit_from_x(p, x), buf, sizeof buf);
  return fmin(fmax(v, p->lo), p->hi);
}

/* ---- simulation and objectives --------------------------------------------------- */

static bool fatal(int rc) { return rc == BIDSIM_ENOMEM || rc == BIDSIM_EIO || rc == BIDSIM_EINTR || rc == BIDSIM_ESTATE; }

int bidsim__fit_simulate(fit_t *f, const double *x, uint32_t days) {
  const bidsim_fit_problem_t *pb = f->pb;
  for (uint32_t k = 0; k < f->K; k++) f->vals[k] = written(&pb->params[k], x[k]);
  bidsim_error_t e;
  bidsim_error_clear(&e);
  int rc = pb->simulate(pb->ctx, f->vals, days, f->Rnow, f->sim, &e);
  f->evals++;
  if (rc) {
    if (fatal(rc)) { if (f->rc == BIDSIM_OK) { f->rc = rc; f->err = e; } }
    else if (!f->any_infeasible) { f->any_infeasible = true; f->infeasible = e; }
    return rc;
  }
  const double R = f->Rnow;
  for (uint32_t p = 0; p < f->P; p++)
    for (uint32_t d = 0; d < days; d++)
      for (int m = 0; m < M; m++) {
        double s = 0, ss = 0;
        for (uint32_t r = 0; r < f->Rnow; r++) {
          double v = (double)f->sim[BIDSIM_FIT_SIM_AT(f->P, days, r, p, d, m)];
          s += v;
          ss += v * v;
        }
        double mean = s / R, var = f->Rnow > 1 ? fmax(0.0, (ss - s * mean) / (R - 1)) : 0.0;
        FIT_AT(f, mu, p, d, m) = mean;
        FIT_AT(f, s2, p, d, m) = var;
      }
  return BIDSIM_OK;
}

/* Each plan and metric's dispersion phi (variance / mean). Simulated: phi
 * pooled over the fitted days from the replicates, and J's weights at the
 * simulation's means (see the top of the file). From the history, for the
 * search: 1 for counts, the observed CPC for spend and the value per order
 * for order value. phi is at least 0.1 of a count or 0.1 yuan (the
 * reserve, the lowest price). */
static void set_weights(fit_t *f, bool simulated) {
  for (uint32_t p = 0; p < f->P; p++)
    for (int m = 0; m < M; m++) {
      const double u = unit_of(m);
      double num = 0, den = 0, phi;
      for (uint32_t d = 0; d < f->fit_days; d++) {
        if (!FIT_SEEN(f, p, d)) continue;
        if (simulated) { num += FIT_AT(f, s2, p, d, m); den += FIT_AT(f, mu, p, d, m); }
        else if (m == BIDSIM_METRIC_SPEND_LI || m == BIDSIM_METRIC_ORDER_VALUE_LI) {
          num += FIT_OBS(f, p, d, m);
          den += FIT_OBS(f, p, d, m == BIDSIM_METRIC_SPEND_LI ? BIDSIM_METRIC_CLICKS : BIDSIM_METRIC_CONVERSIONS);
        }
      }
      if (simulated) phi = den > 0 ? num / den : u;
      else phi = u == 1.0 ? 1.0 : den > 0 ? num / den : u;
      if (phi < 0.1 * u) phi = 0.1 * u;
      if (!simulated) { f->phi_data[p * M + m] = phi; continue; }
      const double c = 1.0 + 1.0 / f->R;
      for (uint32_t d = 0; d < f->fit_days; d++) FIT_AT(f, w, p, d, m) = 1.0 / (c * phi * (FIT_AT(f, mu, p, d, m) + phi));
    }
}

/* The residuals: J's, or the search's symmetric chi-square terms
 * (y - mu) / sqrt(phi ((y + mu) / 2 + phi)) with phi from the history,
 * which are bounded by 2 (y + mu) / phi when squared: a plan that wins
 * nothing costs about as much as one that wins twice too much, and neither
 * swamps the other plans. */
void bidsim__fit_residuals(const fit_t *f, double *r) {
  size_t i = 0;
  for (uint32_t p = 0; p < f->P; p++)
    for (uint32_t d = 0; d < f->fit_days; d++) {
      if (!FIT_SEEN(f, p, d)) continue;
      for (int m = 0; m < M; m++) {
        double y = FIT_OBS(f, p, d, m), mu = FIT_AT(f, mu, p, d, m);
        if (f->searching) {
          double phi = f->phi_data[p * M + m];
          r[i++] = (mu - y) / sqrt(phi * (0.5 * (y + mu) + phi));
        } else {
          r[i++] = sqrt(FIT_AT(f, w, p, d, m)) * (mu - y);
        }
      }
    }
}

double bidsim__fit_eval(fit_t *f, const double *x, double *r) {
  double J = FIT_INFEASIBLE;
  if (f->rc == BIDSIM_OK && bidsim__fit_simulate(f, x, f->fit_days) == BIDSIM_OK) {
    bidsim__fit_residuals(f, r);
    J = 0;
    for (uint32_t i = 0; i < f->moments; i++) J += r[i] * r[i];
  } else {
    for (uint32_t i = 0; i < f->moments; i++) r[i] = 1e100;
  }
  if (J < f->best) f->best = J;
  if (f->pb->progress) f->pb->progress(f->pb->progress_ctx, f->stage, f->evals, f->best);
  return J;
}

double bidsim__fit_objective_at(fit_t *f, const double *x) {
  double *r = bidsim_malloc((f->moments + 1) * sizeof *r);
  if (r == NULL) {
    if (f->rc == BIDSIM_OK) { f->rc = BIDSIM_ENOMEM; bidsim_error_set(&f->err, BIDSIM_ENOMEM, "fit", "out of memory"); }
    return FIT_INFEASIBLE;
  }
  double J = bidsim__fit_eval(f, x, r);
  bidsim_free(r);
  return J;
}

void bidsim__fit_use_days(fit_t *f, uint32_t days) {
  f->fit_days = days;
  f->moments = 0;
  for (uint32_t p = 0; p < f->P; p++)
    for (uint32_t d = 0; d < days; d++) f->moments += FIT_SEEN(f, p, d) ? M : 0;
}

/* ---- prediction ------------------------------------------------------------------ */

/* Means and 95% predictive intervals of one day's value, every day: the
 * replicates' spread around their mean, mean +- t(R-1) s sqrt(1 + 1/R) (a
 * new draw's interval from R draws); the held-out days scored with them. */
static void predict(fit_t *f, bidsim_fit_result_t *out) {
  const double R = f->R, t = f->R > 1 ? gsl_cdf_tdist_Pinv(0.975, R - 1) : NAN;
  for (size_t i = 0; i < (size_t)f->P * f->D * M; i++) {
    double sd = sqrt(f->s2[i]), half = t * sd * sqrt(1 + 1 / R);
    out->mean[i] = f->mu[i];
    out->sd[i] = sd;
    out->lo95[i] = fmax(0.0, f->mu[i] - half);
    out->hi95[i] = f->mu[i] + half;
  }
  for (int m = 0; m < M; m++) {
    bidsim_fit_holdout_t *h = &out->holdout[m];
    double ape = 0;
    for (uint32_t p = 0; p < f->P; p++)
      for (uint32_t d = f->fit_days; d < f->D; d++) {
        if (!FIT_SEEN(f, p, d)) continue;
        size_t i = ((size_t)p * f->D + d) * M + m;
        double y = FIT_OBS(f, p, d, m);
        h->n++;
        if (y >= out->lo95[i] && y <= out->hi95[i]) h->inside++;
        if (y > 0) { ape += fabs(y - out->mean[i]) / y; h->mape_n++; }
      }
    h->mape = h->mape_n ? ape / h->mape_n : NAN;
  }
}

/* ---- the fit ------------------------------------------------------------------------ */

void bidsim_fit_result_free(bidsim_fit_result_t *r) {
  if (r == NULL) return;
  bidsim_free(r->value);
  bidsim_free(r->mean);
  bidsim_free(r->sd);
  bidsim_free(r->lo95);
  bidsim_free(r->hi95);
  bidsim_free(r->identified);
  bidsim_free(r->range_lo);
  bidsim_free(r->range_hi);
  bidsim_free(r->flat_dir);
  bidsim_free(r->hessian);
  memset(r, 0, sizeof *r);
}

static int check(const bidsim_fit_problem_t *pb, uint32_t *fit_days, bidsim_error_t *err) {
  if (pb->nparams < 1 || pb->nparams > FIT_MAX_PARAMS)
    return bidsim_error_set(err, BIDSIM_EINVAL, "fit", "%u parameters: between 1 and %d can be fitted", pb->nparams,
                            FIT_MAX_PARAMS);
  for (uint32_t k = 0; k < pb->nparams; k++) {
    const bidsim_fit_param_t *p = &pb->params[k];
    if (!(p->lo < p->hi) || !(p->start > p->lo && p->start < p->hi))
      return bidsim_error_set(err, BIDSIM_EINVAL, p->key, "the start %g is not inside the bounds (%g, %g)", p->start,
                              p->lo, p->hi);
  }
  if (pb->replicates < 2) return bidsim_error_set(err, BIDSIM_EINVAL, "replicates", "at least 2 replicates are needed (the variances)");
  if (pb->holdout_days >= pb->days)
    return bidsim_error_set(err, BIDSIM_EINVAL, "holdout", "holding out %u of %u days leaves none to fit", pb->holdout_days,
                            pb->days);
  *fit_days = pb->days - pb->holdout_days;
  for (uint32_t p = 0; p < pb->plans; p++)
    for (uint32_t d = 0; d < *fit_days; d++)
      if (pb->seen[(size_t)p * pb->days + d]) return BIDSIM_OK;
  return bidsim_error_set(err, BIDSIM_EINVAL, "history", "no plan-day of the fitted days is observed");
}

static bool alloc_all(fit_t *f, bidsim_fit_result_t *out) {
  const uint32_t K = f->K;
  const size_t cells = (size_t)f->P * f->D * M;
  f->sim = bidsim_malloc((size_t)f->R * cells * sizeof *f->sim + 1);
  f->mu = bidsim_calloc(cells, sizeof *f->mu);
  f->s2 = bidsim_calloc(cells, sizeof *f->s2);
  f->w = bidsim_calloc(cells, sizeof *f->w);
  f->vals = bidsim_calloc(K, sizeof *f->vals);
  f->phi_data = bidsim_calloc((size_t)f->P * M, sizeof *f->phi_data);
  out->value = bidsim_calloc(K, sizeof *out->value);
  out->mean = bidsim_calloc(cells, sizeof *out->mean);
  out->sd = bidsim_calloc(cells, sizeof *out->sd);
  out->lo95 = bidsim_calloc(cells, sizeof *out->lo95);
  out->hi95 = bidsim_calloc(cells, sizeof *out->hi95);
  out->identified = bidsim_calloc(K, sizeof *out->identified);
  out->range_lo = bidsim_calloc(K, sizeof *out->range_lo);
  out->range_hi = bidsim_calloc(K, sizeof *out->range_hi);
  out->flat_dir = bidsim_calloc((size_t)K * K, sizeof *out->flat_dir);
  out->hessian = bidsim_calloc((size_t)K * K, sizeof *out->hessian);
  return f->sim && f->mu && f->s2 && f->w && f->vals && f->phi_data && out->value && out->mean && out->sd &&
         out->lo95 && out->hi95 && out->identified && out->range_lo && out->range_hi && out->flat_dir && out->hessian;
}

int bidsim_fit_run(const bidsim_fit_problem_t *pb, bidsim_fit_result_t *out, bidsim_error_t *err) {
  memset(out, 0, sizeof *out);
  fit_t f = { .pb = pb, .K = pb->nparams, .P = pb->plans, .D = pb->days, .R = pb->replicates, .best = INFINITY };
  int rc = check(pb, &f.fit_days, err);
  if (rc) return rc;
  const uint32_t K = f.K;
  f.max_evals = pb->max_evaluations ? pb->max_evaluations : 40 * (K + 1);
  bidsim__fit_use_days(&f, f.fit_days);
  *out = (bidsim_fit_result_t){ .nparams = K, .plans = f.P, .days = f.D, .fit_days = f.fit_days, .replicates = f.R,
                                .moments = f.moments };
  double x0[FIT_MAX_PARAMS], x[FIT_MAX_PARAMS], J = INFINITY;
  double *jac = bidsim_calloc((size_t)f.moments * K + 1, sizeof *jac);
  if (!alloc_all(&f, out) || jac == NULL) {
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "fit", "out of memory");
    goto done;
  }
  for (uint32_t k = 0; k < K; k++) {
    x0[k] = x[k] = bidsim__fit_to_x(&pb->params[k], pb->params[k].start);
    out->identified[k] = true;
  }
  /* the search: the basin, on few replicates and the history's dispersions */
  f.stage = "search";
  f.searching = true;
  f.Rnow = pb->search_replicates ? pb->search_replicates : 2;
  if (f.Rnow > f.R) f.Rnow = f.R;
  set_weights(&f, false);
  if ((rc = bidsim__fit_simulate(&f, x0, f.fit_days))) {
    if (!f.rc) rc = bidsim_error_set(err, BIDSIM_EINVAL, "fit", "the start is infeasible: %s: %s", f.infeasible.where,
                                     f.infeasible.msg);
    goto done;
  }
  bidsim__fit_search(&f, x0, x, &J);
  f.searching = false;
  f.Rnow = f.R;
  /* stage 1: weights at the search's result; stage 2: at the first fit */
  bool c1 = false, c2 = false;
  f.stage = "fit";
  f.best = INFINITY;
  if (f.rc == BIDSIM_OK && bidsim__fit_simulate(&f, x, f.fit_days) == BIDSIM_OK) set_weights(&f, true);
  if (f.rc == BIDSIM_OK) c1 = bidsim__fit_least_squares(&f, x, f.evals + f.max_evals, &J, NULL);
  f.stage = "refit";
  f.best = INFINITY;
  if (f.rc == BIDSIM_OK && bidsim__fit_simulate(&f, x, f.fit_days) == BIDSIM_OK) set_weights(&f, true);
  J = INFINITY;
  if (f.rc == BIDSIM_OK) c2 = bidsim__fit_least_squares(&f, x, f.evals + f.max_evals, &J, jac);
  if (f.rc) goto done;
  /* the search's other ends, polished a little under these weights: one
   * better than the fit by more than the noise replaces it (and is refitted);
   * those as good are other fits the history cannot tell apart. An end
   * near the fit (x/÷ FIT_IDENT_FACTOR in every value: the end the fit
   * started from, and the others that found its basin) or near an end
   * already polished would only find that point again; it is not
   * polished (the curvature's walks measure the fit's own basin). */
  f.stage = "alternatives";
  {
    double yend[FIT_SEARCH_ENDS][FIT_MAX_PARAMS], Jend[FIT_SEARCH_ENDS];
    int better = -1;
    const double band = CHI2_1_95 + 4 * sqrt(fmax(J, 0.0) / (f.R + 1));
    for (uint32_t i = 0; i < f.end_count && f.rc == BIDSIM_OK; i++) {
      memcpy(yend[i], f.ends[i], K * sizeof *x);
      Jend[i] = INFINITY;
      bool again = near(&f, f.ends[i], x);
      for (uint32_t j = 0; j < i && !again; j++) again = isfinite(Jend[j]) && near(&f, f.ends[i], f.ends[j]);
      if (again) continue;
      bidsim__fit_least_squares(&f, yend[i], f.evals + 2 * (K + 1) + 1, &Jend[i], NULL);
      if (Jend[i] < J - band && (better < 0 || Jend[i] < Jend[better])) better = (int)i;
    }
    if (better >= 0 && f.rc == BIDSIM_OK) {
      memcpy(x, yend[better], K * sizeof *x);
      f.stage = "refit";
      if (bidsim__fit_simulate(&f, x, f.fit_days) == BIDSIM_OK) set_weights(&f, true);
      J = INFINITY;
      c2 = bidsim__fit_least_squares(&f, x, f.evals + f.max_evals, &J, jac);
      for (uint32_t i = 0; i < f.end_count; i++)
        if (isfinite(Jend[i])) Jend[i] = bidsim__fit_objective_at(&f, yend[i]);
    }
    const double band2 = CHI2_1_95 + 4 * sqrt(fmax(J, 0.0) / (f.R + 1));
    for (uint32_t i = 0; i < f.end_count && f.rc == BIDSIM_OK; i++)
      if ((int)i != better && Jend[i] - J <= band2) memcpy(f.alt[f.alt_count++], yend[i], K * sizeof *x);
  }
  out->converged = c1 && c2;
  /* a limit reached before a least squares evaluated: J where it stands */
  if (f.rc == BIDSIM_OK && !isfinite(J)) J = bidsim__fit_objective_at(&f, x);
  if (f.rc) goto done;
  out->objective = J;
  out->objective_start = bidsim__fit_objective_at(&f, x0);
  for (uint32_t k = 0; k < K; k++) out->value[k] = written(&pb->params[k], x[k]);
  /* J's own noise (a simulated mean moves by s / sqrt(R) when the
   * simulation's draws shift): sd about 2 sqrt(J / (R + 1)). Near-equal is
   * within the chi-square(1) 95% point plus two of those. */
  out->threshold = CHI2_1_95 + 4 * sqrt(fmax(out->objective, 0.0) / (f.R + 1));
  if (pb->identifiability) {
    f.stage = "curvature";
    bidsim__fit_curvature(&f, x, out->objective, jac, out);
  }
  /* every day at the fit: means, spreads, the held-out days' intervals */
  f.stage = "predict";
  if (f.rc == BIDSIM_OK && (rc = bidsim__fit_simulate(&f, x, f.D)) == BIDSIM_OK) predict(&f, out);
  else if (rc && !f.rc) rc = bidsim_error_set(err, rc, f.infeasible.where, "%s", f.infeasible.msg);
done:
  if (rc == BIDSIM_OK && f.rc) {
    rc = f.rc;
    if (err) *err = f.err;
  }
  out->evaluations = f.evals;
  bidsim_free(jac);
  bidsim_free(f.sim);
  bidsim_free(f.mu);
  bidsim_free(f.s2);
  bidsim_free(f.w);
  bidsim_free(f.vals);
  bidsim_free(f.phi_data);
  return rc;
}
