/* analysis/calibrate.c - bidsim calibrate's library half (analysis/calibrate.h):
 * the parameters (default or --fit), their bounds, the simulation of a
 * trial point (its values set in the scenario's text on the history's
 * calendar, replicates in memory) and the fitted scenario's text. */
#include "analysis/calibrate.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/evaluate.h"
#include "sim/scenario_edit.h"

#define COMMENT_HEAD "# bidsim calibrate:"
#define COMMENT_TAIL "# (end of bidsim calibrate's notes; the rest is the input with the fitted values set)"

/* ---- bounds ------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *t) {
  size_t a = strlen(s), b = strlen(t);
  return a >= b && !strcmp(s + a - b, t);
}

/* The last two parts of a key path ("market.base_bid.median": "base_bid",
 * "median"), list items dropped. */
static void last_parts(const char *key, char *parent, char *leaf, size_t n) {
  char buf[256];
  size_t o = 0;
  for (const char *p = key; *p && o + 1 < sizeof buf; p++) {
    if (*p == '[') { while (*p && *p != ']') p++; if (!*p) break; continue; }
    buf[o++] = *p;
  }
  buf[o] = '\0';
  char *dot = strrchr(buf, '.');
  snprintf(leaf, n, "%s", dot ? dot + 1 : buf);
  if (dot) { *dot = '\0'; dot = strrchr(buf, '.'); snprintf(parent, n, "%s", dot ? dot + 1 : buf); }
  else parent[0] = '\0';
}

bool bidsim_calibrate_bounds(const char *key, double *lo, double *hi, int *decimals) {
  char parent[256], leaf[256];
  last_parts(key, parent, leaf, sizeof leaf);
  const bool dist_part = !strcmp(leaf, "median") || !strcmp(leaf, "value") || !strcmp(leaf, "min") || !strcmp(leaf, "max");
  *decimals = -1;
  /* docs/model.md §1: every bid in [0.10, 99.00] yuan, in whole fen */
  if (!strcmp(parent, "bids") || !strcmp(leaf, "reserve") || !strcmp(leaf, "increment")) {
    *lo = 0.10; *hi = 99.00; *decimals = 2; return true;
  }
  if (!strcmp(parent, "base_bid") && dist_part) { *lo = 0.10; *hi = 99.00; return true; }
  if (!strcmp(leaf, "cap") && strcmp(parent, "market")) { *lo = 100.0; *hi = 1e8; *decimals = 2; return true; }   /* §1: >= 100 yuan */
  if (!strcmp(leaf, "sigma")) { *lo = 0.001; *hi = 5.0; return true; }   /* the format's log-sd range */
  if ((!strcmp(parent, "premium_shop") || !strcmp(parent, "premium_similar")) && dist_part) { *lo = 10; *hi = 300; return true; }
  if (!strcmp(parent, "order_value") && dist_part) { *lo = 0.01; *hi = 1e7; return true; }
  if ((!strcmp(parent, "ctr") || !strcmp(parent, "cvr")) && dist_part) { *lo = 0; *hi = 1; return true; }
  /* a listed shop's reach: the format's 0-0.5 (scenarios/README.md, shops) */
  if (!strcmp(leaf, "reach") && !strncmp(key, "shops[", 6)) { *lo = 0; *hi = 0.5; return true; }
  if (!strcmp(leaf, "ctr") || !strcmp(leaf, "cvr") || !strcmp(leaf, "reach") || !strcmp(leaf, "share") ||
      ends_with(leaf, "_share")) { *lo = 0; *hi = 1; return true; }
  if (!strcmp(leaf, "impressions_per_day")) { *lo = 1; *hi = 1e11; return true; }
  if (!strcmp(parent, "ctr_mult") || !strcmp(parent, "cvr_mult") || !strcmp(leaf, "ctr_mult") ||
      !strcmp(leaf, "cvr_mult") || !strcmp(parent, "hour_mult")) { *lo = 0; *hi = 100; return true; }
  if (!strcmp(leaf, "traffic_mult")) { *lo = 0; *hi = 1000; return true; }
  if (!strcmp(leaf, "examination_eta")) { *lo = 0; *hi = 10; return true; }
  if (!strcmp(leaf, "dispersion")) { *lo = 0.01; *hi = 1e9; return true; }
  if (!strcmp(leaf, "conversion_delay_hours")) { *lo = 0; *hi = 8760; return true; }
  if (!strcmp(leaf, "attribution_window_days")) { *lo = 0; *hi = 365; return true; }
  return false;
}

/* ---- parameters ---------------------------------------------------------------- */

/* The value written at @p key, or the default the loader filled in. */
static int current_value(const bidsim_calibration_t *c, const char *key, double *out, bidsim_error_t *err) {
  char *s = NULL;
  int rc = bidsim_scenario_text_get(c->scenario_text, c->scenario_len, key, &s, err);
  if (rc == BIDSIM_ENOTFOUND) {
    rc = bidsim_scenario_text_get(c->resolved, strlen(c->resolved), key, &s, err);
    /* a shop's reach left out is traffic.segments.shop (the resolved text
     * leaves it out too, so that it follows the segment share) */
    size_t kl = strlen(key);
    if (rc == BIDSIM_ENOTFOUND && !strncmp(key, "shops[", 6) && kl > 6 && !strcmp(key + kl - 6, ".reach"))
      rc = bidsim_scenario_text_get(c->resolved, strlen(c->resolved), "traffic.segments.shop", &s, err);
    if (rc == BIDSIM_ENOTFOUND)
      rc = bidsim_error_set(err, BIDSIM_EINVAL, key, "the scenario has no such key (scenarios/README.md lists them)");
  }
  if (rc) {
    if (rc == BIDSIM_ESCHEMA) err->code = rc = BIDSIM_EINVAL;
    return rc;
  }
  char *end;
  errno = 0;
  *out = strtod(s, &end);
  bool ok = end != s && *end == '\0' && errno == 0 && isfinite(*out);
  rc = ok ? BIDSIM_OK : bidsim_error_set(err, BIDSIM_EINVAL, key, "'%s' is not a number, so it cannot be fitted", s);
  bidsim_free(s);
  return rc;
}

/* "KEY" or "KEY=LO:HI" */
static int add_param(bidsim_calibration_t *c, const char *spec, bidsim_error_t *err) {
  if (c->nparams == 64) return bidsim_error_set(err, BIDSIM_EINVAL, "fit", "more than 64 parameters to fit");
  bidsim_fit_param_t *p = &c->params[c->nparams];
  memset(p, 0, sizeof *p);
  const char *eq = strchr(spec, '=');
  size_t kl = eq ? (size_t)(eq - spec) : strlen(spec);
  if (kl == 0 || kl >= sizeof p->key) return bidsim_error_set(err, BIDSIM_EINVAL, "fit", "'%s' is not a key path", spec);
  memcpy(p->key, spec, kl);
  p->key[kl] = '\0';
  for (uint32_t k = 0; k < c->nparams; k++)
    if (!strcmp(c->params[k].key, p->key)) return bidsim_error_set(err, BIDSIM_EINVAL, p->key, "fitted twice");
  if (!strcmp(p->key, "seed") || !strcmp(p->key, "days") || !strcmp(p->key, "start_date") || !strcmp(p->key, "replicates"))
    return bidsim_error_set(err, BIDSIM_EINVAL, p->key, "set by the calibration itself (the history's calendar, --replicates)");
  bool known = bidsim_calibrate_bounds(p->key, &p->lo, &p->hi, &p->decimals);
  if (eq) {
    char *end;
    p->lo = strtod(eq + 1, &end);
    if (*end != ':') return bidsim_error_set(err, BIDSIM_EINVAL, p->key, "bounds are written KEY=LO:HI, got '%s'", eq + 1);
    p->hi = strtod(end + 1, &end);
    if (*end || !(p->lo < p->hi)) return bidsim_error_set(err, BIDSIM_EINVAL, p->key, "bounds LO:HI need LO < HI, got '%s'", eq + 1);
  } else if (!known) {
    return bidsim_error_set(err, BIDSIM_EINVAL, p->key, "no bounds are known for this key: give them as %s=LO:HI", p->key);
  }
  int rc = current_value(c, p->key, &p->start, err);
  if (rc) return rc;
  if (!(p->start > p->lo && p->start < p->hi))
    return bidsim_error_set(err, BIDSIM_EINVAL, p->key, "the scenario's value %g is not inside the bounds (%g, %g)%s",
                            p->start, p->lo, p->hi, eq ? "" : ": give others as KEY=LO:HI");
  c->nparams++;
  return BIDSIM_OK;
}

/* The sections the fitted keys need written whole, their defaults made
 * explicit (numbers as %.15g: 0.8, not the resolved text's
 * 0.80000000000000004). */
static int add_extras(bidsim_calibration_t *c, bidsim_error_t *err) {
  for (uint32_t k = 0; k < c->nparams; k++) {
    uint32_t n;
    char **keys, **vals;
    int rc = bidsim_scenario_text_defaults(c->scenario_text, c->scenario_len, c->resolved, c->params[k].key, &n, &keys,
                                           &vals, err);
    if (rc) return rc;
    for (uint32_t i = 0; i < n; i++) {
      bool dup = false;
      for (uint32_t j = 0; j < c->nparams && !dup; j++) dup = !strcmp(c->params[j].key, keys[i]);
      for (uint32_t j = 0; j < c->extra_count && !dup; j++) dup = !strcmp(c->extra_keys[j], keys[i]);
      char *end;
      double v = strtod(vals[i], &end);
      if (!dup && *end == '\0' && end != vals[i]) {
        char num[64];
        snprintf(num, sizeof num, "%.15g", v);
        bidsim_free(vals[i]);
        vals[i] = bidsim_strdup(num);
      }
      if (!dup && vals[i]) {
        char **nk = bidsim_realloc(c->extra_keys, (c->extra_count + 1) * sizeof *nk);
        if (nk) c->extra_keys = nk;
        char **nv = nk ? bidsim_realloc(c->extra_values, (c->extra_count + 1) * sizeof *nv) : NULL;
        if (nv) c->extra_values = nv;
        if (!nk || !nv) rc = bidsim_error_set(err, BIDSIM_ENOMEM, "calibrate", "out of memory");
        else {
          c->extra_keys[c->extra_count] = keys[i];
          c->extra_values[c->extra_count++] = vals[i];
          keys[i] = vals[i] = NULL;
        }
      }
      bidsim_free(keys[i]);
      bidsim_free(vals[i]);
    }
    bidsim_free(keys);
    bidsim_free(vals);
    if (rc) return rc;
  }
  return BIDSIM_OK;
}

/* A list item of the user's text by name when it writes one that a key
 * path can hold, else by index. */
static void item_ref(const bidsim_calibration_t *c, const char *list, uint32_t i, const char *name, char *out, size_t n) {
  char key[300], *s = NULL;
  snprintf(key, sizeof key, "%s[%u].name", list, i);
  bidsim_error_t e;
  bool written = bidsim_scenario_text_get(c->scenario_text, c->scenario_len, key, &s, &e) == BIDSIM_OK && !strcmp(s, name);
  bidsim_free(s);
  if (written && !strchr(name, ']') && name[0] != '-' && !(name[0] >= '0' && name[0] <= '9')) snprintf(out, n, "%s[%s]", list, name);
  else snprintf(out, n, "%s[%u]", list, i);
}

/* The market's base bid, the traffic per day, the CTR and CVR of each
 * product a plan of the history shows (the first of its products in each
 * category: the only ones the simulation can see), and under users.relation
 * per_shop the reach of each shop whose plans the history shows (its
 * retargeting audience). */
static int default_params(bidsim_calibration_t *c, bidsim_error_t *err) {
  const bidsim_scenario_t *sc = c->scenario;
  char spec[400];
  int rc = BIDSIM_OK;
  if (sc->market.plans > 0) {
    static const char *const parts[3][2] = { { "value", NULL }, { "min", "max" }, { "median", "sigma" } };
    for (int i = 0; i < 2 && !rc && parts[sc->market.base_bid_yuan.kind][i]; i++) {
      snprintf(spec, sizeof spec, "market.base_bid.%s", parts[sc->market.base_bid_yuan.kind][i]);
      rc = add_param(c, spec, err);
    }
  }
  if (!rc) rc = add_param(c, "traffic.impressions_per_day", err);
  bool *reach_added = bidsim_calloc(sc->shop_count + 1, sizeof *reach_added);
  if (reach_added == NULL && !rc) rc = bidsim_error_set(err, BIDSIM_ENOMEM, "calibrate", "out of memory");
  for (uint32_t s = 0; s < sc->shop_count && !rc; s++) {
    const bidsim_sc_shop_t *sh = &sc->shops[s];
    for (uint32_t q = 0; q < sh->product_count && !rc; q++) {
      bool shown = false;
      for (uint32_t i = 0; i < sc->plan_count && !shown; i++) {
        const bidsim_sc_plan_t *pl = &sc->plans[i];
        bool in_history = false;
        for (uint32_t d = 0; d < c->history->days && !in_history; d++) in_history = c->history->seen[(size_t)i * c->history->days + d];
        if (pl->shop != s || !in_history) continue;
        /* the plan's first product in this product's category */
        for (uint32_t k = 0; k < pl->product_count; k++) {
          uint32_t qq = 0;
          while (qq < sh->product_count && sh->products[qq].id != pl->product_ids[k]) qq++;
          if (qq < sh->product_count && sh->products[qq].category == sh->products[q].category) { shown = qq == q; break; }
        }
      }
      if (!shown) continue;
      char shop[200], prod[300];
      item_ref(c, "shops", s, sh->name, shop, sizeof shop);
      if (!reach_added[s] && sc->relation == BIDSIM_RELATION_PER_SHOP) {
        reach_added[s] = true;
        snprintf(spec, sizeof spec, "%s.reach", shop);
        if ((rc = add_param(c, spec, err))) break;
      }
      char list[260];
      snprintf(list, sizeof list, "%s.products", shop);
      item_ref(c, list, q, sh->products[q].name, prod, sizeof prod);
      snprintf(spec, sizeof spec, "%s.ctr", prod);
      if ((rc = add_param(c, spec, err))) break;
      snprintf(spec, sizeof spec, "%s.cvr", prod);
      rc = add_param(c, spec, err);
    }
  }
  bidsim_free(reach_added);
  return rc;
}

/* ---- a trial point ---------------------------------------------------------------- */

typedef struct {
  bidsim_calibration_t *c;
  const bidsim_calibrate_options_t *opt;
  uint32_t replicates;
  char start_date[16];
} sim_ctx_t;

static int simulate(void *ctx, const double *value, uint32_t days, uint32_t replicates, int64_t *out,
                    bidsim_error_t *err) {
  sim_ctx_t *s = ctx;
  bidsim_calibration_t *c = s->c;
  const uint32_t K = c->nparams, X = c->extra_count, n = K + X + 2;
  const char **keys = bidsim_calloc(n, sizeof *keys), **vp = bidsim_calloc(n, sizeof *vp);
  char (*vals)[64] = bidsim_calloc(K + 1, sizeof *vals), days_s[16];
  if (!keys || !vp || !vals) {
    bidsim_free(keys);
    bidsim_free(vp);
    bidsim_free(vals);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "calibrate", "out of memory");
  }
  for (uint32_t k = 0; k < K; k++) {
    keys[k] = c->params[k].key;
    bidsim_fit_format(&c->params[k], value[k], vals[k], sizeof vals[k]);
    vp[k] = vals[k];
  }
  for (uint32_t i = 0; i < X; i++) { keys[K + i] = c->extra_keys[i]; vp[K + i] = c->extra_values[i]; }
  /* the history's calendar */
  keys[K + X] = "start_date";
  vp[K + X] = s->start_date;
  keys[K + X + 1] = "days";
  snprintf(days_s, sizeof days_s, "%u", days);
  vp[K + X + 1] = days_s;
  bidsim_scenario_options_t lo = { .overrides = { false, 0, 0, replicates }, .load_plugins = true };   /* it runs: plugins loaded */
  bidsim_scenario_t *sc = NULL;
  int rc = bidsim_scenario_load_settings(c->scenario_text, c->scenario_len, s->opt->scenario_path, &lo, n, keys, vp,
                                         &sc, err);
  bidsim_free(keys);
  bidsim_free(vp);
  bidsim_free(vals);
  if (rc) return rc;
  bidsim_evaluate_options_t eo = { .threads = s->opt->threads, .variant_count = 1, .stop = s->opt->stop };
  rc = bidsim_evaluate(sc, &eo, out, err);
  bidsim_scenario_free(sc);
  return rc;
}

/* ---- the fitted text -------------------------------------------------------------- */

/* The input without an earlier calibration's notes at its top. */
static const char *body_of(const char *text) {
  if (strncmp(text, COMMENT_HEAD, strlen(COMMENT_HEAD))) return text;
  const char *tail = strstr(text, COMMENT_TAIL);
  if (tail == NULL) return text;
  tail = strchr(tail, '\n');
  return tail ? tail + 1 : text + strlen(text);
}

static int fitted_text(bidsim_calibration_t *c, const bidsim_calibrate_options_t *opt, bidsim_error_t *err) {
  const uint32_t K = c->nparams, X = c->extra_count;
  const char **keys = bidsim_calloc(K + X + 1, sizeof *keys), **vals = bidsim_calloc(K + X + 1, sizeof *vals);
  if (!keys || !vals) {
    bidsim_free(keys);
    bidsim_free(vals);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "calibrate", "out of memory");
  }
  /* a section's defaults first, so it reads {dist: lognormal, sigma: 0.5, median: ...} */
  for (uint32_t i = 0; i < X; i++) { keys[i] = c->extra_keys[i]; vals[i] = c->extra_values[i]; }
  for (uint32_t k = 0; k < K; k++) { keys[X + k] = c->params[k].key; vals[X + k] = c->value_text[k]; }
  const char *body = body_of(c->scenario_text);
  char *edited = NULL;
  int rc = bidsim_scenario_text_set(body, strlen(body), opt->scenario_path, NULL, K + X, keys, vals, &edited, err);
  bidsim_free(keys);
  bidsim_free(vals);
  if (rc) return rc;
  const bidsim_history_t *h = c->history;
  const bidsim_fit_result_t *f = &c->fit;
  size_t cap = strlen(edited) + 4096 + (size_t)K * 512;
  char *t = bidsim_malloc(cap);
  if (t == NULL) { bidsim_free(edited); return bidsim_error_set(err, BIDSIM_ENOMEM, "calibrate", "out of memory"); }
  size_t o = 0;
#define PUT(...) (o += (size_t)snprintf(t + o, o < cap ? cap - o : 0, __VA_ARGS__))
  PUT("%s fitted to %s (sha256 %s)\n", COMMENT_HEAD, opt->history_path, h->sha256);
  PUT("#   history %04d-%02d-%02d to %04d-%02d-%02d (%u days): %u fitted", h->first.year, h->first.month,
      h->first.day, h->last.year, h->last.month, h->last.day, h->days, f->fit_days);
  if (opt->holdout_days) PUT(", the last %u held out and predicted", opt->holdout_days);
  PUT(".\n");
  PUT("#   simulated method of moments, %u replicates on common random numbers, %u simulations%s.\n", f->replicates,
      f->evaluations, f->converged ? "" : " (stopped at the simulation limit before the fit converged)");
  PUT("#   objective J = sum of w (observed - simulated mean)^2 over %u plan-day figures = %.1f (%.1f at the start;\n"
      "#   about %u expected if the model fits; docs/calibration.md).\n",
      f->moments, f->objective, f->objective_start, f->moments);
  for (uint32_t k = 0; k < K; k++) {
    const bidsim_fit_param_t *p = &c->params[k];
    char a[64], b[64], s0[64];
    bidsim_fit_format(p, p->start, s0, sizeof s0);
    PUT("#   %s: %s (was %s", p->key, c->value_text[k], s0);
    if (opt->identifiability) {
      bidsim_fit_format(p, f->range_lo[k], a, sizeof a);
      bidsim_fit_format(p, f->range_hi[k], b, sizeof b);
      PUT(f->identified[k] ? "; near-equal fits %s to %s)\n" : "; NOT IDENTIFIED: fits as good from %s to %s)\n", a, b);
    } else {
      PUT(")\n");
    }
  }
  PUT("%s\n", COMMENT_TAIL);
#undef PUT
  if (o + strlen(edited) + 1 > cap) {
    bidsim_free(edited);
    bidsim_free(t);
    return bidsim_error_set(err, BIDSIM_ELIMIT, "calibrate", "the notes are too long");
  }
  memcpy(t + o, edited, strlen(edited) + 1);
  bidsim_free(edited);
  c->fitted_text = t;
  return BIDSIM_OK;
}

/* ---- entry points ------------------------------------------------------------------- */

static int read_text(const char *path, char **out, size_t *len, bidsim_error_t *err) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return bidsim_error_set(err, BIDSIM_EIO, path, "cannot open the scenario: %s", strerror(errno));
  size_t cap = 1 << 16, n = 0;
  char *buf = bidsim_malloc(cap + 1);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    if (cap > ((size_t)64 << 20)) { bidsim_free(buf); fclose(f); return bidsim_error_set(err, BIDSIM_ELIMIT, path, "scenario larger than 64 MiB"); }
    char *nb = bidsim_realloc(buf, 2 * cap + 1);
    if (nb == NULL) { bidsim_free(buf); buf = NULL; break; }
    buf = nb;
    cap *= 2;
  }
  fclose(f);
  if (buf == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return BIDSIM_OK;
}

void bidsim_calibration_free(bidsim_calibration_t *c) {
  if (c == NULL) return;
  bidsim_free(c->scenario_text);
  bidsim_scenario_free(c->scenario);
  bidsim_history_free(c->history);
  bidsim_free(c->params);
  bidsim_free(c->value_text);
  for (uint32_t i = 0; i < c->extra_count; i++) { bidsim_free(c->extra_keys[i]); bidsim_free(c->extra_values[i]); }
  bidsim_free(c->extra_keys);
  bidsim_free(c->extra_values);
  bidsim_free(c->resolved);
  bidsim_fit_result_free(&c->fit);
  bidsim_free(c->fitted_text);
  bidsim_free(c);
}

int bidsim_calibrate(const bidsim_calibrate_options_t *opt, bidsim_calibration_t **out, bidsim_error_t *err) {
  *out = NULL;
  bidsim_calibration_t *c = bidsim_calloc(1, sizeof *c);
  if (c == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "calibrate", "out of memory");
  int rc = read_text(opt->scenario_path, &c->scenario_text, &c->scenario_len, err);
  if (rc == BIDSIM_OK) rc = bidsim_scenario_load_string_opt(c->scenario_text, c->scenario_len, opt->scenario_path, NULL, &c->scenario, err);
  if (rc == BIDSIM_OK && c->scenario->variant_sc)
    rc = bidsim_error_set(err, BIDSIM_EINVAL, opt->scenario_path,
                          "the scenario has a sweep: calibrate fits one market (remove the sweep, fit, then sweep the fitted file)");
  if (rc == BIDSIM_OK && c->scenario->plan_count == 0)
    rc = bidsim_error_set(err, BIDSIM_EINVAL, opt->scenario_path, "the scenario lists no plans to compare with the history");
  if (rc == BIDSIM_OK && !(c->resolved = bidsim_scenario_resolved_yaml(c->scenario)))
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "calibrate", "out of memory");
  if (rc == BIDSIM_OK) rc = bidsim_history_read(opt->history_path, c->scenario, &c->history, err);
  const uint32_t nfit = 64;
  if (rc == BIDSIM_OK && opt->fit_count > 64)
    rc = bidsim_error_set(err, BIDSIM_EINVAL, "fit", "%u parameters: at most 64 can be fitted", opt->fit_count);
  if (rc == BIDSIM_OK && !(c->params = bidsim_calloc(nfit, sizeof *c->params)))
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "calibrate", "out of memory");
  /* "default" among the --fit keys stands for the default set */
  bool defaults = opt->fit_count == 0;
  for (uint32_t k = 0; k < opt->fit_count; k++) defaults |= !strcmp(opt->fit[k], "default");
  if (rc == BIDSIM_OK && defaults) rc = default_params(c, err);
  for (uint32_t k = 0; rc == BIDSIM_OK && k < opt->fit_count; k++)
    if (strcmp(opt->fit[k], "default")) rc = add_param(c, opt->fit[k], err);
  if (rc == BIDSIM_OK) rc = add_extras(c, err);
  if (rc == BIDSIM_OK && opt->holdout_days >= c->history->days)
    rc = bidsim_error_set(err, BIDSIM_EINVAL, "holdout", "--holdout %u leaves no day to fit: the history has %u",
                          opt->holdout_days, c->history->days);
  if (rc == BIDSIM_OK && !(c->value_text = bidsim_calloc(c->nparams + 1, sizeof *c->value_text)))
    rc = bidsim_error_set(err, BIDSIM_ENOMEM, "calibrate", "out of memory");
  if (rc) { bidsim_calibration_free(c); return rc; }

  sim_ctx_t s = { c, opt, opt->replicates ? opt->replicates : BIDSIM_CALIBRATE_REPLICATES, "" };
  snprintf(s.start_date, sizeof s.start_date, "%04d-%02d-%02d", c->history->first.year, c->history->first.month,
           c->history->first.day);
  bidsim_fit_problem_t pb = {
    .nparams = c->nparams, .params = c->params, .replicates = s.replicates, .plans = c->scenario->plan_count,
    .days = c->history->days, .holdout_days = opt->holdout_days, .observed = c->history->value,
    .seen = c->history->seen, .simulate = simulate, .ctx = &s, .progress = opt->progress,
    .progress_ctx = opt->progress_ctx, .max_evaluations = opt->max_evaluations,
    .identifiability = opt->identifiability };
  rc = bidsim_fit_run(&pb, &c->fit, err);
  for (uint32_t k = 0; rc == BIDSIM_OK && k < c->nparams; k++)
    bidsim_fit_format(&c->params[k], c->fit.value[k], c->value_text[k], sizeof c->value_text[k]);
  if (rc == BIDSIM_OK) rc = fitted_text(c, opt, err);
  if (rc) { bidsim_calibration_free(c); return rc; }
  *out = c;
  return BIDSIM_OK;
}

int bidsim_calibration_write(const bidsim_calibration_t *c, const char *path, bidsim_error_t *err) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (f == NULL) return bidsim_error_set(err, BIDSIM_EIO, path, "cannot create %s: %s", tmp, strerror(errno));
  size_t n = strlen(c->fitted_text);
  bool ok = fwrite(c->fitted_text, 1, n, f) == n && fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    int e = errno;
    remove(tmp);
    return bidsim_error_set(err, BIDSIM_EIO, path, "cannot write the fitted scenario: %s", strerror(e));
  }
  return BIDSIM_OK;
}
