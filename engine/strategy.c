/* engine/strategy.c - the built-in bid strategies (docs/model.md §4-§5) and the
 * platform clamp. Each is a small deterministic controller over the plan's
 * state at each period; none draws random numbers or allocates per call. */
#include "bidsim/strategy.h"
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "bidsim/error.h"

/* ---- parameters ------------------------------------------------------------ */

double bidsim_params_get(const bidsim_params_t *p, const char *key, double fallback) {
  for (uint32_t i = 0; p && i < p->count; i++)
    if (!strcmp(p->items[i].key, key)) return p->items[i].value;
  return fallback;
}

bool bidsim_params_has(const bidsim_params_t *p, const char *key) {
  for (uint32_t i = 0; p && i < p->count; i++)
    if (!strcmp(p->items[i].key, key)) return true;
  return false;
}

/* Every parameter must be one the strategy knows (a typo is an error, not
 * a silent default), and within its range; err names the parameter by its
 * key as it arrived. */
static const bidsim_param_spec_t *spec_of(const bidsim_param_spec_t *spec, const char *k, long *item) {
  for (const bidsim_param_spec_t *t = spec; t->key; t++) {
    size_t len = strlen(t->key);
    if (strncmp(k, t->key, len)) continue;
    if (t->items == 0 && k[len] == '\0') return t;
    if (t->items > 0 && k[len] == '.') {
      /* the item's index: decimal digits only ("hours.3"); anything else is -1 */
      const char *d = k + len + 1;
      char *end;
      *item = *d >= '0' && *d <= '9' ? strtol(d, &end, 10) : -1;
      if (*item >= 0 && *end != '\0') *item = -1;
      return t;
    }
  }
  return NULL;
}

int bidsim_params_check(const bidsim_params_t *p, const bidsim_param_spec_t *spec, bidsim_error_t *err) {
  for (uint32_t i = 0; p && i < p->count; i++) {
    const char *k = p->items[i].key;
    long item = 0;
    const bidsim_param_spec_t *s = spec_of(spec, k, &item);
    if (s == NULL) {
      char known[256] = "";
      for (const bidsim_param_spec_t *t = spec; t->key; t++) {
        size_t used = strlen(known);
        const char *sep = t == spec ? "" : ", ";
        if (t->items) snprintf(known + used, sizeof known - used, "%s%s[%u]", sep, t->key, t->items);
        else snprintf(known + used, sizeof known - used, "%s%s", sep, t->key);
      }
      return bidsim_error_set(err, BIDSIM_EINVAL, k, "unknown parameter '%s' (known: %s)", k,
                              known[0] ? known : "none");
    }
    if (s->items && (item < 0 || item >= (long)s->items))
      return bidsim_error_set(err, BIDSIM_EINVAL, k, "parameter %s: %s is a list of %u items, %s.0 to %s.%u",
                              k, s->key, s->items, s->key, s->key, s->items - 1);
    const double v = p->items[i].value;
    if (!(v >= s->lo && v <= s->hi))
      return bidsim_error_set(err, BIDSIM_EINVAL, k, "parameter %s = %g is outside [%g, %g]", k, v, s->lo, s->hi);
    if (s->whole && v != floor(v))
      return bidsim_error_set(err, BIDSIM_EINVAL, k, "parameter %s = %g is not a whole number", k, v);
  }
  return BIDSIM_OK;
}

/* ---- the platform clamp ------------------------------------------------------ */

bool bidsim_strategy_clamp(int64_t b[BIDSIM_SEG_COUNT]) {
  /* Anything beyond a few times the range is out of it whatever rounding
   * does: pull it in first, so rounding cannot overflow (INT64_MAX + 5
   * wrapped to the minimum bid), then round to whole fen. Rounding is
   * normalisation, not a clamp: compare after it. */
  const int64_t wide = 10 * BIDSIM_BID_MAX_LI;
  int64_t in[BIDSIM_SEG_COUNT];
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
    int64_t v = b[s] < -wide ? -wide : b[s] > wide ? wide : b[s];
    v = v >= 0 ? (v + BIDSIM_LI_PER_FEN / 2) / BIDSIM_LI_PER_FEN * BIDSIM_LI_PER_FEN : 0;   /* below 0: the minimum below */
    in[s] = v;
    b[s] = v;
  }
  /* the highest base that still leaves room for segment bids at +10%
   * below 99.00: 90.00 yuan */
  const int64_t base_max = BIDSIM_BID_MAX_LI * 100 / (100 + BIDSIM_PREMIUM_MIN_PCT) / BIDSIM_LI_PER_FEN * BIDSIM_LI_PER_FEN;
  if (b[0] < BIDSIM_BID_MIN_LI) b[0] = BIDSIM_BID_MIN_LI;
  if (b[0] > base_max) b[0] = base_max;
  int64_t lo, hi;   /* the segment bids this base allows, whole fen, within the range */
  bidsim_rule_premium_bounds(b[0], &lo, &hi);
  for (int s = 1; s < BIDSIM_SEG_COUNT; s++) {
    if (b[s] < lo) b[s] = lo;
    if (b[s] > hi) b[s] = hi;
  }
  assert(bidsim_rule_check_bids(b, NULL, NULL) == BIDSIM_OK);
  return memcmp(in, b, sizeof in) != 0;
}

bool bidsim_strategy_clamp_action(bidsim_strategy_action_t *a) {
  bool changed = bidsim_strategy_clamp(a->bid_li);
  const double p = a->participation;
  if (!(p >= 0.0)) a->participation = 0.0;        /* negative, or NaN: sit out */
  else if (p > 1.0) a->participation = 1.0;
  return changed || a->participation != p || p != p;
}

/* ---- batches (ABI 2) ------------------------------------------------------------ */

/* Plan i's own fields of a state, from a batch; the shared ones untouched. */
static inline void batch_plan_fields(const bidsim_strategy_batch_t *b, uint32_t i, bidsim_strategy_state_t *st) {
  st->cap_li = b->cap_li[i];
  st->spend_today_li = b->spend_today_li[i];
  memcpy(st->value_bid_li, b->value_bid_li[i], sizeof st->value_bid_li);
  st->exposures = b->exposures[i];
  st->clicks = b->clicks[i];
  st->conversions = b->conversions[i];
  st->order_value_li = b->order_value_li[i];
  st->total_clicks = b->total_clicks[i];
  st->total_conversions = b->total_conversions[i];
  st->total_order_value_li = b->total_order_value_li[i];
  st->total_spend_li = b->total_spend_li[i];
  st->top_exposures = b->top_exposures[i];
}

void bidsim_strategy_batch_state(const bidsim_strategy_batch_t *b, uint32_t i, bidsim_strategy_state_t *st) {
  *st = *b->shared;
  batch_plan_fields(b, i, st);
}

void bidsim_strategy_update_batch(const bidsim_strategy_t *s, void *const *selves, const bidsim_strategy_batch_t *b,
                                  bidsim_strategy_action_t *actions) {
  if (s->update_many) { s->update_many(selves, b, actions); return; }
  /* one state for every plan: the shared fields are copied once and each
   * plan overwrites all of its own (copying a whole state per plan stalled
   * on store forwarding) */
  bidsim_strategy_state_t st = *b->shared;
  for (uint32_t i = 0; i < b->count; i++) {
    batch_plan_fields(b, i, &st);
    s->update(selves[i], &st, &actions[i]);
  }
}

/* value x m rounded to the nearest li (bids and m are positive). A pacing
 * strategy at rest multiplies by exactly 1, which gives the value back:
 * skipping the arithmetic changes no result and is most of the updates at
 * 10,000 plans updated every simulated minute. */
static void scale_bids(const int64_t value[BIDSIM_SEG_COUNT], double m, int64_t out[BIDSIM_SEG_COUNT]) {
  if (m == 1.0) { memcpy(out, value, sizeof(int64_t) * BIDSIM_SEG_COUNT); return; }
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) out[s] = (int64_t)((double)value[s] * m + 0.5);
}

static double clip(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* ---- fixed ---------------------------------------------------------------------- */

static int fixed_create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  static const bidsim_param_spec_t spec[] = { { NULL, 0, 0, 0, false } };
  *self = NULL;
  return bidsim_params_check(p, spec, err);
}
static void fixed_update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) {
  (void)self;
  memcpy(a->bid_li, st->value_bid_li, sizeof a->bid_li);
  a->participation = 1.0;
}
static void fixed_update_many(void *const *selves, const bidsim_strategy_batch_t *b, bidsim_strategy_action_t *a) {
  (void)selves;
  for (uint32_t i = 0; i < b->count; i++) {
    memcpy(a[i].bid_li, b->value_bid_li[i], sizeof a[i].bid_li);
    a[i].participation = 1.0;
  }
}
static void nothing(void *self) { bidsim_free(self); }

static int out_of_memory(bidsim_error_t *err) {
  return bidsim_error_set(err, BIDSIM_ENOMEM, "", "out of memory for the strategy's state");
}

/* ---- schedule: time-of-day discount (docs/model.md §4) ------------------------------ */

/* hours.0..23: percent of the bid per hour of day (1-150, default 100);
 * mon.0..sun.23 override one day of the week. */
static const char *const weekdays[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
typedef struct { double pct[7][24]; } schedule_t;

static int schedule_create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  static const bidsim_param_spec_t spec[] = {
    { "hours", 1, 150, 24, true }, { "mon", 1, 150, 24, true }, { "tue", 1, 150, 24, true },
    { "wed", 1, 150, 24, true },   { "thu", 1, 150, 24, true }, { "fri", 1, 150, 24, true },
    { "sat", 1, 150, 24, true },   { "sun", 1, 150, 24, true }, { NULL, 0, 0, 0, false } };
  int rc = bidsim_params_check(p, spec, err);
  if (rc) return rc;
  schedule_t *s = bidsim_malloc(sizeof *s);
  if (s == NULL) return out_of_memory(err);
  char key[16];
  for (int d = 0; d < 7; d++)
    for (int h = 0; h < 24; h++) {
      snprintf(key, sizeof key, "hours.%d", h);
      double v = bidsim_params_get(p, key, 100);
      snprintf(key, sizeof key, "%s.%d", weekdays[d], h);
      s->pct[d][h] = bidsim_params_get(p, key, v);
    }
  *self = s;
  return BIDSIM_OK;
}
static void schedule_update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) {
  const schedule_t *s = self;
  scale_bids(st->value_bid_li, s->pct[st->day_of_week % 7][(st->second_of_day / 3600) % 24] / 100.0, a->bid_li);
  a->participation = 1.0;
}

/* ---- throttle: pass-through probability (LinkedIn, KDD 2014) --------------------- */

/* Each period, p shrinks by `adjust` when spend runs ahead of the day's
 * traffic forecast (spend / cap > traffic done) and grows when behind. */
typedef struct { double p, adjust, initial, floor_p; uint32_t day; } throttle_t;

static int throttle_create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  static const bidsim_param_spec_t spec[] = { { "adjust", 0.001, 0.9, 0, false }, { "initial", 0.01, 1, 0, false },
                                              { "min", 0.0001, 1, 0, false }, { NULL, 0, 0, 0, false } };
  int rc = bidsim_params_check(p, spec, err);
  if (rc) return rc;
  throttle_t *t = bidsim_malloc(sizeof *t);
  if (t == NULL) return out_of_memory(err);
  /* 0.5: from all auctions to 1% in seven periods, fast enough for a cap
   * that fixed bids would spend in minutes */
  t->adjust = bidsim_params_get(p, "adjust", 0.5);
  t->initial = t->p = bidsim_params_get(p, "initial", 1.0);
  t->floor_p = bidsim_params_get(p, "min", 0.001);
  t->day = UINT32_MAX;
  *self = t;
  return BIDSIM_OK;
}
/* the participation for the next period; update and update_many share it */
static inline double throttle_step(throttle_t *t, uint32_t day, int64_t cap_li, int64_t spend_li, double done) {
  if (day != t->day) { t->day = day; t->p = t->initial; }
  if (cap_li == BIDSIM_CAP_UNLIMITED) return 1.0;
  double spent = (double)spend_li / (double)cap_li;
  t->p = clip(spent > done ? t->p * (1 - t->adjust) : t->p * (1 + t->adjust), t->floor_p, 1.0);
  return t->p;
}
static void throttle_update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) {
  memcpy(a->bid_li, st->value_bid_li, sizeof a->bid_li);
  a->participation = throttle_step(self, st->day, st->cap_li, st->spend_today_li, st->traffic_done);
}
static void throttle_update_many(void *const *selves, const bidsim_strategy_batch_t *b, bidsim_strategy_action_t *a) {
  const bidsim_strategy_state_t *sh = b->shared;
  for (uint32_t i = 0; i < b->count; i++) {
    memcpy(a[i].bid_li, b->value_bid_li[i], sizeof a[i].bid_li);
    a[i].participation = throttle_step(selves[i], sh->day, b->cap_li[i], b->spend_today_li[i], sh->traffic_done);
  }
}

/* ---- multiplier pacing (Balseiro & Gur): bid = value / (1 + mu) ------------------ */

/* mu <- clip(mu - eps (rho_t - spend_t) / rho_t, 0, mu_max): spend_t is
 * what the last period spent, rho_t the budget it should have spent: the
 * budget left at its start spread over the traffic left, so a plan that
 * could not spend earlier (outbid in the morning) may catch up later.
 * Overspending raises mu (lower bids), underspending lowers it. */
typedef struct { double mu, eps, mu_max, last_done; int64_t last_spend; uint32_t day; } mult_t;

static int mult_create_from(const bidsim_params_t *p, mult_t *m) {
  m->eps = bidsim_params_get(p, "eps", 0.05);
  m->mu_max = bidsim_params_get(p, "mu_max", 20);
  m->mu = 0;
  m->day = UINT32_MAX;
  return 0;
}
static int mult_create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  static const bidsim_param_spec_t spec[] = { { "eps", 1e-4, 10, 0, false }, { "mu_max", 0, 1000, 0, false },
                                              { NULL, 0, 0, 0, false } };
  int rc = bidsim_params_check(p, spec, err);
  if (rc) return rc;
  mult_t *m = bidsim_malloc(sizeof *m);
  if (m == NULL) return out_of_memory(err);
  mult_create_from(p, m);
  *self = m;
  return BIDSIM_OK;
}
/* advance the dual variable; returns the bid multiplier 1 / (1 + mu).
 * The step is computed as mu - eps + eps spent / rho, rho = budget left x
 * share / left: most periods of most plans spend nothing (at 10,000 plans a
 * plan sees a click every few simulated minutes), and those need no
 * division at all; the others need one, where the textbook form chains two,
 * and a plan at rest (mu = 0) none for its multiplier either. */
static inline double mult_step(mult_t *m, uint32_t day, int64_t cap_li, int64_t spend_li, double done) {
  if (day != m->day) { m->day = day; m->last_done = 0; m->last_spend = 0; }
  if (cap_li == BIDSIM_CAP_UNLIMITED) { m->mu = 0; return 1.0; }
  const int64_t spent_li = spend_li - m->last_spend;
  double mu = m->mu - m->eps;
  if (spent_li != 0) {
    double share = done - m->last_done, left = 1.0 - m->last_done;
    double budget_left = (double)(cap_li - m->last_spend);
    if (share < 1e-6) share = 1e-6;
    if (left < 1e-6) left = 1e-6;
    if (budget_left <= 0) budget_left = 1.0;
    mu += m->eps * (double)spent_li * left / (budget_left * share);
  }
  m->mu = clip(mu, 0, m->mu_max);
  m->last_done = done;
  m->last_spend = spend_li;
  return m->mu == 0 ? 1.0 : 1.0 / (1.0 + m->mu);
}
static void mult_update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) {
  scale_bids(st->value_bid_li, mult_step(self, st->day, st->cap_li, st->spend_today_li, st->traffic_done), a->bid_li);
  a->participation = 1.0;
}
static void mult_update_many(void *const *selves, const bidsim_strategy_batch_t *b, bidsim_strategy_action_t *a) {
  const bidsim_strategy_state_t *sh = b->shared;
  for (uint32_t i = 0; i < b->count; i++) {
    scale_bids(b->value_bid_li[i], mult_step(selves[i], sh->day, b->cap_li[i], b->spend_today_li[i], sh->traffic_done),
               a[i].bid_li);
    a[i].participation = 1.0;
  }
}

/* ---- PID control of the spend rate (Zhang et al., WSDM 2016) ----------------------- */

typedef struct { double kp, ki, kd, lo, hi, integral, last_err; uint32_t day; } pid_t_;

static int pid_create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  static const bidsim_param_spec_t spec[] = { { "kp", 0, 100, 0, false },     { "ki", 0, 100, 0, false },
                                              { "kd", 0, 100, 0, false },     { "min", 0.01, 1, 0, false },
                                              { "max", 1, 10, 0, false },     { NULL, 0, 0, 0, false } };
  int rc = bidsim_params_check(p, spec, err);
  if (rc) return rc;
  pid_t_ *c = bidsim_calloc(1, sizeof *c);
  if (c == NULL) return out_of_memory(err);
  c->kp = bidsim_params_get(p, "kp", 2.0);
  c->ki = bidsim_params_get(p, "ki", 0.2);
  c->kd = bidsim_params_get(p, "kd", 0.0);
  c->lo = bidsim_params_get(p, "min", 0.1);
  c->hi = bidsim_params_get(p, "max", 2.0);
  c->day = UINT32_MAX;
  *self = c;
  return BIDSIM_OK;
}
/* error = (planned spend so far - spend) / cap, planned = cap x traffic done */
/* the bid multiplier for the next period; update and update_many share it */
static inline double pid_step(pid_t_ *c, uint32_t day, int64_t cap_li, int64_t spend_li, double done) {
  if (day != c->day) { c->day = day; c->integral = 0; c->last_err = 0; }
  if (cap_li == BIDSIM_CAP_UNLIMITED) return 1.0;
  double err = done - (double)spend_li / (double)cap_li;
  c->integral = clip(c->integral + err, -10, 10);
  double m = clip(1.0 + c->kp * err + c->ki * c->integral + c->kd * (err - c->last_err), c->lo, c->hi);
  c->last_err = err;
  return m;
}
static void pid_update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) {
  scale_bids(st->value_bid_li, pid_step(self, st->day, st->cap_li, st->spend_today_li, st->traffic_done), a->bid_li);
  a->participation = 1.0;
}
static void pid_update_many(void *const *selves, const bidsim_strategy_batch_t *b, bidsim_strategy_action_t *a) {
  const bidsim_strategy_state_t *sh = b->shared;
  for (uint32_t i = 0; i < b->count; i++) {
    scale_bids(b->value_bid_li[i], pid_step(selves[i], sh->day, b->cap_li[i], b->spend_today_li[i], sh->traffic_done),
               a[i].bid_li);
    a[i].participation = 1.0;
  }
}

/* ---- target ROI and target cost per conversion (optimised CPC) -------------------- */

/* The value of a click is learned from the plan's own history, shrunk
 * towards a prior (prior_value x prior_cvr per click, worth prior_clicks):
 *   target_roi: the wanted cost per click is value per click / target;
 *   target_cpa: it is predicted CVR x target cost per order.
 * GSP charges less than the bid, so the bid is that cost times a factor m
 * steered by the recent cost per click (exponential averages of spend and
 * clicks, about two hours of memory): m moves by at most `gain` percent a
 * period towards wanted / recent CPC, and rises while the plan wins nothing
 * (a cold start needs clicks to learn from). Segment bids keep the
 * configured ratios. With pacing = 1 the bid is also capped by multiplier
 * pacing ("min pacing"). */
typedef struct {
  bool roi;                 /* target ROI, else target CPA */
  double target, prior_cvr, prior_value_li, prior_clicks, gain, m;
  double ema_clicks, ema_spend;
  uint64_t last_clicks, last_exposures;
  int64_t last_spend;
  bool pacing;
  mult_t pace;
} target_t;

static int target_create(const bidsim_params_t *p, void **self, bidsim_error_t *err, bool roi) {
  static const bidsim_param_spec_t spec[] = {
    { "target", 0.01, 1000, 0, false },     { "prior_cvr", 0.0001, 1, 0, false },
    { "prior_value", 0.01, 1e6, 0, false }, { "prior_clicks", 0, 1e6, 0, false },
    { "gain", 0, 50, 0, false },            { "pacing", 0, 1, 0, false },
    { "eps", 1e-4, 10, 0, false },          { "mu_max", 0, 1000, 0, false }, { NULL, 0, 0, 0, false } };
  int rc = bidsim_params_check(p, spec, err);
  if (rc) return rc;
  if (!bidsim_params_has(p, "target")) {
    return bidsim_error_set(err, BIDSIM_EINVAL, "", "parameter target is required (%s)",
                            roi ? "ROI = order value / spend" : "yuan per order");
  }
  target_t *t = bidsim_calloc(1, sizeof *t);
  if (t == NULL) return out_of_memory(err);
  t->roi = roi;
  t->target = bidsim_params_get(p, "target", 1);
  t->prior_cvr = bidsim_params_get(p, "prior_cvr", 0.015);
  t->prior_value_li = bidsim_params_get(p, "prior_value", 100) * BIDSIM_LI_PER_YUAN;
  t->prior_clicks = bidsim_params_get(p, "prior_clicks", 200);
  t->gain = bidsim_params_get(p, "gain", 0.5) / 100.0;
  t->pacing = bidsim_params_get(p, "pacing", 0) >= 0.5;
  t->m = 1.0;
  mult_create_from(p, &t->pace);
  *self = t;
  return BIDSIM_OK;
}
static int roi_create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  return target_create(p, self, err, true);
}
static int cpa_create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  return target_create(p, self, err, false);
}

static void target_update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) {
  target_t *t = self;
  double w = t->prior_clicks, clicks = (double)st->total_clicks;
  double wanted;   /* cost per click, li */
  if (t->roi) {
    double value = ((double)st->total_order_value_li + t->prior_value_li * t->prior_cvr * w) / (clicks + w);
    wanted = value / t->target;
  } else {
    double cvr = ((double)st->total_conversions + t->prior_cvr * w) / (clicks + w);
    wanted = cvr * t->target * BIDSIM_LI_PER_YUAN;
  }
  /* recent cost per click: averages decaying by 1% a period */
  uint64_t new_clicks = st->total_clicks - t->last_clicks;
  int64_t new_spend = st->total_spend_li - t->last_spend;
  t->ema_clicks = 0.99 * t->ema_clicks + (double)new_clicks;
  t->ema_spend = 0.99 * t->ema_spend + (double)new_spend;
  bool won = st->exposures != t->last_exposures || new_clicks > 0;
  t->last_clicks = st->total_clicks;
  t->last_spend = st->total_spend_li;
  t->last_exposures = st->exposures;
  if (t->ema_clicks >= 5) {
    double ratio = wanted / (t->ema_spend / t->ema_clicks);
    t->m *= clip(ratio, 1.0 - t->gain, 1.0 + t->gain);
  } else if (!won) {
    t->m *= 1.0 + t->gain;   /* nothing won: reach for traffic to learn from */
  }
  t->m = clip(t->m, 0.1, 20.0);
  double bid = wanted * t->m, base = (double)st->value_bid_li[0];
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) a->bid_li[s] = llround(bid * (double)st->value_bid_li[s] / base);
  if (t->pacing) {
    double pm = mult_step(&t->pace, st->day, st->cap_li, st->spend_today_li, st->traffic_done);
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
      int64_t paced = llround((double)st->value_bid_li[s] * pm);
      if (paced < a->bid_li[s]) a->bid_li[s] = paced;   /* the smaller of the two */
    }
  }
  a->participation = 1.0;
}

/* ---- bid shading for first price ------------------------------------------------------ */

/* b = value x f, f on a grid 0.30 .. 1.00; the exposures won per unit of
 * forecast traffic at each f estimate W(f), and f maximises (1 - f) W(f).
 * Exploration is a deterministic round of every grid point each day
 * (the first 8 periods), then exploitation of the best estimate. */
#define SHADE_GRID 8
typedef struct {
  double won[SHADE_GRID], traffic[SHADE_GRID], last_done;
  uint64_t last_exposures;
  int current;
  uint32_t day, periods;
} shade_t;

static double shade_f(int i) { return 0.30 + 0.10 * i; }

static int shade_create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  static const bidsim_param_spec_t spec[] = { { NULL, 0, 0, 0, false } };
  int rc = bidsim_params_check(p, spec, err);
  if (rc) return rc;
  shade_t *s = bidsim_calloc(1, sizeof *s);
  if (s == NULL) return out_of_memory(err);
  s->current = SHADE_GRID - 1;
  s->day = UINT32_MAX;
  *self = s;
  return BIDSIM_OK;
}
static void shade_update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) {
  shade_t *s = self;
  if (st->day != s->day) { s->day = st->day; s->periods = 0; s->last_done = 0; s->last_exposures = 0; }
  /* credit the last period to the multiplier it used */
  double traffic = st->traffic_done - s->last_done;
  if (s->periods > 0 && traffic > 0) {
    s->won[s->current] += (double)(st->exposures - s->last_exposures);
    s->traffic[s->current] += traffic;
  }
  s->last_done = st->traffic_done;
  s->last_exposures = st->exposures;
  int next;
  if (s->periods < SHADE_GRID) {
    next = (int)s->periods;
  } else {
    double best = -1;
    next = SHADE_GRID - 1;
    for (int i = 0; i < SHADE_GRID; i++) {
      double w = s->traffic[i] > 0 ? s->won[i] / s->traffic[i] : 0;
      double u = (1.0 - shade_f(i)) * w;
      if (u > best) { best = u; next = i; }
    }
  }
  s->periods++;
  s->current = next;
  scale_bids(st->value_bid_li, shade_f(next), a->bid_li);
  a->participation = 1.0;
}

/* ---- bid war: chase the top slot (docs/model.md §3) ------------------------------------------ */

/* A plan that did not hold the first slot during the last period raises its
 * bids by `step` percent, up to `limit` times its value; one that held it
 * drifts back towards its value by `decay` percent a period. Competitors
 * given this strategy push the price of the top slot up when many chase it. */
typedef struct { double m, step, limit, decay; uint64_t last_exposures, last_top; uint32_t day; } bidwar_t;

static int bidwar_create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  static const bidsim_param_spec_t spec[] = { { "step", 0.1, 100, 0, false }, { "limit", 1, 10, 0, false },
                                              { "decay", 0, 100, 0, false }, { NULL, 0, 0, 0, false } };
  int rc = bidsim_params_check(p, spec, err);
  if (rc) return rc;
  bidwar_t *b = bidsim_calloc(1, sizeof *b);
  if (b == NULL) return out_of_memory(err);
  b->step = bidsim_params_get(p, "step", 5) / 100.0;
  b->limit = bidsim_params_get(p, "limit", 1.5);
  b->decay = bidsim_params_get(p, "decay", 2) / 100.0;
  b->m = 1.0;
  b->day = UINT32_MAX;
  *self = b;
  return BIDSIM_OK;
}
static void bidwar_update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) {
  bidwar_t *b = self;
  if (st->day != b->day) { b->day = st->day; b->last_exposures = 0; b->last_top = 0; }
  bool shown = st->exposures > b->last_exposures, top = st->top_exposures > b->last_top;
  if (shown || st->second_of_day > 0) {   /* the first update of a day has no period behind it */
    if (top) b->m = b->m * (1.0 - b->decay) < 1.0 ? 1.0 : b->m * (1.0 - b->decay);
    else b->m = b->m * (1.0 + b->step) > b->limit ? b->limit : b->m * (1.0 + b->step);
  }
  b->last_exposures = st->exposures;
  b->last_top = st->top_exposures;
  scale_bids(st->value_bid_li, b->m, a->bid_li);
  a->participation = 1.0;
}

/* ---- the table ------------------------------------------------------------------------- */

#define ABI BIDSIM_STRATEGY_ABI_VERSION
static const bidsim_strategy_t builtins[] = {
  { ABI, "fixed", fixed_create, fixed_update, NULL, nothing, fixed_update_many },
  { ABI, "schedule", schedule_create, schedule_update, NULL, nothing, NULL },
  { ABI, "throttle", throttle_create, throttle_update, NULL, nothing, throttle_update_many },
  { ABI, "multiplier", mult_create, mult_update, NULL, nothing, mult_update_many },
  { ABI, "pid", pid_create, pid_update, NULL, nothing, pid_update_many },
  { ABI, "target_roi", roi_create, target_update, NULL, nothing, NULL },
  { ABI, "target_cpa", cpa_create, target_update, NULL, nothing, NULL },
  { ABI, "shading", shade_create, shade_update, NULL, nothing, NULL },
  { ABI, "bidwar", bidwar_create, bidwar_update, NULL, nothing, NULL },
};
static const char *const names[] = { "fixed", "schedule", "throttle", "multiplier", "pid", "target_roi",
                                     "target_cpa", "shading", "bidwar", NULL };

const bidsim_strategy_t *bidsim_strategy_builtin(const char *name) {
  for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
    if (!strcmp(builtins[i].name, name)) return &builtins[i];
  return NULL;
}

const char *const *bidsim_strategy_builtin_names(void) { return names; }
