/* sim/landscape.c - a bid landscape's points and its runs (sim/landscape.h):
 * the points from an axis under the platform rules, the scenario set apart
 * from its own sweep and variants, and the replicates (one pass) or the
 * sweep's units (exact) over threads, each unit's counts into its own rows,
 * so the result depends on neither the thread count nor the order. */
#include "sim/landscape.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/output.h"
#include "sim/worker.h"
#include "sim/world.h"

/* ---- points --------------------------------------------------------------- */

static int64_t yuan_to_fen_li(double yuan) { return (int64_t)llround(yuan * 100.0) * BIDSIM_LI_PER_FEN; }

/* A segment bid carried by a new base. Written as the platform's premium
 * ("+23%", or derived: +10%): that percent over the new base, rounded up
 * to whole fen as the platform and the loader do (bidsim_rule_premium_bid).
 * Written in yuan: the same ratio to the base, to the nearest fen. */
static int64_t carried_bid(const bidsim_sc_plan_t *pl, int seg, int64_t base_li) {
  int64_t v;
  if (pl->premium_pct[seg] > 0 && bidsim_rule_premium_bid(base_li, pl->premium_pct[seg], &v, "bids", NULL) == BIDSIM_OK)
    return v;
  const double exact_li = (double)base_li * (double)pl->bid_li[seg] / (double)pl->bid_li[BIDSIM_SEG_ORDINARY];
  return (int64_t)llround(exact_li / BIDSIM_LI_PER_FEN) * BIDSIM_LI_PER_FEN;
}

/* A segment bid @p pct percent above @p base_li, rounded up to whole fen
 * (the platform's rule for a whole percent; the same rounding otherwise). */
static int64_t premium_bid(int64_t base_li, double pct) {
  int64_t v;
  if (pct == floor(pct) && bidsim_rule_premium_bid(base_li, (int64_t)pct, &v, "bids", NULL) == BIDSIM_OK) return v;
  const double fen = (double)base_li * (100.0 + pct) / 100.0 / BIDSIM_LI_PER_FEN;
  return (int64_t)ceil(fen - 1e-9) * BIDSIM_LI_PER_FEN;
}

static void check_point(bidsim_landscape_point_t *p, const char *plan_name) {
  bidsim_error_t e;
  bidsim_error_clear(&e);
  char where[96];
  snprintf(where, sizeof where, "plans[%s].bids", plan_name);
  int rc = bidsim_rule_check_bids(p->bid_li, where, &e);
  if (rc == BIDSIM_OK && p->cap_li != BIDSIM_CAP_UNLIMITED) {
    snprintf(where, sizeof where, "plans[%s].cap", plan_name);
    rc = bidsim_rule_check_cap(p->cap_li, where, &e);
  }
  if (rc) {
    p->skipped = true;
    snprintf(p->rule, sizeof p->rule, "%s: %s", e.where, e.msg);
  }
}

int bidsim_landscape_points(const bidsim_scenario_t *sc, uint32_t plan, const bidsim_landscape_axis_t *ax,
                            bidsim_landscape_point_t **out, uint32_t *n, bidsim_error_t *err) {
  *out = NULL;
  *n = 0;
  if (plan >= sc->plan_count) return bidsim_error_set(err, BIDSIM_ENOTFOUND, "plan", "no plan %u", plan);
  if (!(ax->step > 0) || !isfinite(ax->from) || !isfinite(ax->to) || !(ax->to >= ax->from))
    return bidsim_error_set(err, BIDSIM_EINVAL, "range",
                            "a range A:B:STEP needs A <= B and STEP > 0 (got %g:%g:%g)", ax->from, ax->to, ax->step);
  const double span = (ax->to - ax->from) / ax->step;
  if (span > BIDSIM_MAX_VARIANTS)
    return bidsim_error_set(err, BIDSIM_EINVAL, "range", "%g:%g:%g has more than %u points", ax->from, ax->to,
                            ax->step, BIDSIM_MAX_VARIANTS);
  const uint32_t count = (uint32_t)floor(span + 1e-9) + 1;
  bidsim_landscape_point_t *p = bidsim_calloc(count, sizeof *p);
  if (p == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "landscape", "out of memory");
  const bidsim_sc_plan_t *pl = &sc->plans[plan];
  for (uint32_t i = 0; i < count; i++) {
    const double x = ax->from + ax->step * i;
    p[i].x = x;
    memcpy(p[i].bid_li, pl->bid_li, sizeof p[i].bid_li);
    p[i].cap_li = pl->cap_li;
    switch (ax->axis) {
      case BIDSIM_AXIS_BID:
        p[i].bid_li[BIDSIM_SEG_ORDINARY] = yuan_to_fen_li(x);
        for (int s = 1; s < BIDSIM_SEG_COUNT; s++) p[i].bid_li[s] = carried_bid(pl, s, p[i].bid_li[0]);
        break;
      case BIDSIM_AXIS_PREMIUM:
        p[i].bid_li[ax->segment] = premium_bid(pl->bid_li[0], x);
        break;
      case BIDSIM_AXIS_CAP:
        p[i].cap_li = (int64_t)llround(x * BIDSIM_LI_PER_YUAN);
        break;
    }
    check_point(&p[i], pl->name);
    p[i].current = !memcmp(p[i].bid_li, pl->bid_li, sizeof pl->bid_li) && p[i].cap_li == pl->cap_li;
  }
  *out = p;
  *n = count;
  return BIDSIM_OK;
}

/* ---- the scenarios run ---------------------------------------------------------- */

/* The resolved scenario without its top-level `sweep` and `variants`
 * blocks (the resolved text starts every top-level key in column 0). */
static char *base_text(const bidsim_scenario_t *sc, size_t extra) {
  char *r = bidsim_scenario_resolved_yaml(sc);
  if (r == NULL) return NULL;
  const size_t len = strlen(r);
  char *o = bidsim_malloc(len + extra + 1);
  if (o == NULL) { bidsim_free(r); return NULL; }
  size_t k = 0;
  bool skip = false;
  for (const char *line = r; *line;) {
    const char *nl = strchr(line, '\n');
    const size_t ll = nl ? (size_t)(nl - line) + 1 : strlen(line);
    if (line[0] != ' ' && line[0] != '\n' && line[0] != '#' && line[0] != '-')
      skip = !strncmp(line, "sweep:", 6) || !strncmp(line, "variants:", 9);
    if (!skip) { memcpy(o + k, line, ll); k += ll; }
    line += ll;
  }
  o[k] = '\0';
  bidsim_free(r);
  return o;
}

static void yuan_text(char *buf, size_t n, int64_t li) {
  if (li == BIDSIM_CAP_UNLIMITED) snprintf(buf, n, "unlimited");
  else snprintf(buf, n, "%lld.%03lld", (long long)(li / 1000), (long long)(li % 1000));
}

/* The exact sweep: the base with one zip point per simulated point. */
static char *sweep_text(const bidsim_scenario_t *sc, uint32_t plan, const bidsim_landscape_point_t *pts, uint32_t n) {
  static const char *const key[4] = { "bids.ordinary", "bids.shop", "bids.similar", "cap" };
  char *t = base_text(sc, (size_t)n * 4 * 24 + 512);
  if (t == NULL) return NULL;
  size_t k = strlen(t);
  k += (size_t)sprintf(t + k, "sweep:\n  zip:\n");
  for (int j = 0; j < 4; j++) {
    k += (size_t)sprintf(t + k, "    plans[%u].%s: [", plan, key[j]);
    bool firstv = true;
    for (uint32_t i = 0; i < n; i++) {
      if (pts[i].skipped) continue;
      char v[32];
      yuan_text(v, sizeof v, j < 3 ? pts[i].bid_li[j] : pts[i].cap_li);
      k += (size_t)sprintf(t + k, "%s%s", firstv ? "" : ", ", v);
      firstv = false;
    }
    k += (size_t)sprintf(t + k, "]\n");
  }
  return t;
}

static int load_text(const char *text, const bidsim_scenario_t *sc, bidsim_scenario_t **out, bidsim_error_t *err) {
  const bidsim_scenario_options_t o = { .load_plugins = true };
  return bidsim_scenario_load_string_opt(text, strlen(text), sc->source_path ? sc->source_path : "scenario", &o, out, err);
}

/* Why one pass cannot stand for the sweep here, or NULL. */
static const char *one_pass_refusal(const bidsim_scenario_t *sc, uint32_t plan) {
  if (sc->relation != BIDSIM_RELATION_PER_SHOP) return "users.relation global (the first ranking model)";
  if (sc->auction.mechanism == BIDSIM_MECH_VCG) return "auction.mechanism vcg (a slot's price depends on every slot below)";
  if (sc->prediction_error > 0) return "users.prediction_error above 0";
  if (sc->plans[plan].strategy) return "the plan runs a bid strategy";
  if (sc->shops[sc->plans[plan].shop].consult_share > 0) return "the plan's shop models its customer service";
  return NULL;
}

/* ---- the threads -------------------------------------------------------------------- */

typedef struct {
  const bidsim_scenario_t *run_sc;      /* the scenario simulated (base, or the sweep) */
  const bidsim_world_t *world;
  uint32_t plan, n, valid, units, replicates;
  const bidsim_landscape_point_t *pts;
  const uint32_t *index;                /* [valid] point of each simulated point */
  bidsim_landscape_point_t *copies;     /* [valid] the simulated points' settings */
  bool     exact;
  const volatile sig_atomic_t *stop;
  int64_t *counts;
  pthread_mutex_t lock;
  uint32_t next;
  int      rc;
  bidsim_error_t err;
  uint64_t impressions;
  uint32_t capped;                      /* most other plans capped on one replicate-day (one pass) */
} shared_t;

static bool take(shared_t *s, uint32_t *u) {
  pthread_mutex_lock(&s->lock);
  bool ok = s->rc == BIDSIM_OK && s->next < s->units;
  if (ok) *u = s->next++;
  pthread_mutex_unlock(&s->lock);
  return ok;
}

static void fail(shared_t *s, int rc, const bidsim_error_t *e) {
  pthread_mutex_lock(&s->lock);
  if (s->rc == BIDSIM_OK) { s->rc = rc; s->err = *e; }
  pthread_mutex_unlock(&s->lock);
}

static int run_unit(shared_t *s, bidsim_worker_t *k, bidsim_landscape_pass_t *lp, bidsim_day_slab_t *slab,
                    int64_t *buf, uint32_t u, bidsim_error_t *err) {
  const uint32_t rows = s->exact ? 1 : s->valid;
  memset(buf, 0, (size_t)rows * BIDSIM_LS_COUNT * sizeof *buf);
  int rc = bidsim_worker_begin(k, u, err);
  for (uint32_t d = 0; rc == BIDSIM_OK && d < s->run_sc->days; d++) {
    rc = bidsim_worker_run_day(k, d, slab, err);
    if (rc == BIDSIM_OK && !s->exact) {
      uint32_t capped = 0;
      for (uint32_t q = 0; q < slab->plans; q++) capped += q != s->plan && slab->cap_hit_s[q] >= 0;
      pthread_mutex_lock(&s->lock);
      if (capped > s->capped) s->capped = capped;
      pthread_mutex_unlock(&s->lock);
    }
    if (rc == BIDSIM_OK && s->exact) {
      static const int metric[5] = { BIDSIM_METRIC_EXPOSURES, BIDSIM_METRIC_CLICKS, BIDSIM_METRIC_SPEND_LI,
                                     BIDSIM_METRIC_CONVERSIONS, BIDSIM_METRIC_ORDER_VALUE_LI };
      for (int m = 0; m < 5; m++)
        for (int g = 0; g < BIDSIM_SEG_COUNT; g++) buf[m] += BIDSIM_SLAB_PS(slab, metric[m], s->plan, g);
    }
  }
  if (rc) return rc;
  const uint32_t R = s->replicates;
  if (s->exact) {
    memcpy(s->counts + ((size_t)s->index[u / R] * R + u % R) * BIDSIM_LS_COUNT, buf, BIDSIM_LS_COUNT * sizeof *buf);
  } else {
    for (uint32_t j = 0; j < s->valid; j++)
      memcpy(s->counts + ((size_t)s->index[j] * R + u) * BIDSIM_LS_COUNT, buf + (size_t)j * BIDSIM_LS_COUNT,
             BIDSIM_LS_COUNT * sizeof *buf);
  }
  (void)lp;
  return BIDSIM_OK;
}

static void *thread_main(void *arg) {
  shared_t *s = arg;
  bidsim_error_t err;
  bidsim_error_clear(&err);
  bidsim_worker_t *k = NULL;
  bidsim_landscape_pass_t *lp = NULL;
  bidsim_day_slab_t slab;
  memset(&slab, 0, sizeof slab);
  int64_t *buf = bidsim_calloc((size_t)(s->exact ? 1 : s->valid) * BIDSIM_LS_COUNT, sizeof *buf);
  bidsim_output_meta_t meta;
  bidsim_world_output_meta(s->world, s->replicates, s->run_sc->days, &meta);
  int rc = buf ? BIDSIM_OK : bidsim_error_set(&err, BIDSIM_ENOMEM, "landscape", "out of memory");
  if (rc == BIDSIM_OK) rc = bidsim_worker_create(s->run_sc, s->world, s->stop, &k, &err);
  if (rc == BIDSIM_OK) rc = bidsim_day_slab_init_slots(&slab, meta.plans, meta.products, meta.slots, &err);
  if (rc == BIDSIM_OK)
    rc = bidsim_landscape_pass_create(s->run_sc, s->plan, s->copies, s->exact ? 0 : s->valid, s->exact, k, &lp, &err);
  if (rc == BIDSIM_OK) bidsim_landscape_pass_rows(lp, buf, BIDSIM_LS_COUNT);
  uint32_t u;
  while (rc == BIDSIM_OK && take(s, &u)) rc = run_unit(s, k, lp, &slab, buf, u, &err);
  if (rc) fail(s, rc, &err);
  pthread_mutex_lock(&s->lock);
  if (k) s->impressions += bidsim_worker_impressions(k);
  pthread_mutex_unlock(&s->lock);
  bidsim_landscape_pass_free(lp);
  bidsim_worker_free(k);
  bidsim_day_slab_free(&slab);
  bidsim_free(buf);
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int bidsim_landscape_run(const bidsim_scenario_t *sc, uint32_t plan, const bidsim_landscape_point_t *pts,
                         uint32_t n, const bidsim_landscape_options_t *opt, int64_t *counts,
                         bidsim_landscape_info_t *info, bidsim_error_t *err) {
  memset(info, 0, sizeof *info);
  memset(counts, 0, (size_t)n * sc->replicates * BIDSIM_LS_COUNT * sizeof *counts);
  const double t0 = now_s();
  info->replicates = sc->replicates;
  info->days = sc->days;
  const char *why = opt->exact ? NULL : one_pass_refusal(sc, plan);
  info->exact = opt->exact || why != NULL;
  if (why) snprintf(info->why_exact, sizeof info->why_exact, "%s", why);
  info->competitor_strategies = sc->market.strategy_count > 0;
  for (uint32_t q = 0; q < sc->plan_count; q++) info->competitor_strategies |= q != plan && sc->plans[q].strategy;
  shared_t s = { .plan = plan, .n = n, .pts = pts, .exact = info->exact, .stop = opt->stop, .counts = counts,
                 .replicates = sc->replicates };
  uint32_t *index = bidsim_calloc(n ? n : 1, sizeof *index);
  bidsim_landscape_point_t *copies = bidsim_calloc(n ? n : 1, sizeof *copies);
  if (index == NULL || copies == NULL) {
    bidsim_free(index);
    bidsim_free(copies);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "landscape", "out of memory");
  }
  for (uint32_t i = 0; i < n; i++)
    if (!pts[i].skipped) { copies[s.valid] = pts[i]; index[s.valid++] = i; }
  s.index = index;
  s.copies = copies;
  int rc = BIDSIM_OK;
  bidsim_scenario_t *run_sc = NULL;
  bidsim_world_t *world = NULL;
  char *text = NULL;
  if (s.valid == 0) goto out;
  text = info->exact ? sweep_text(sc, plan, pts, n) : base_text(sc, 0);
  if (text == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "landscape", "out of memory"); goto out; }
  if ((rc = load_text(text, sc, &run_sc, err))) goto out;
  if ((rc = bidsim_world_create(run_sc, &world, err))) goto out;
  s.run_sc = run_sc;
  s.world = world;
  s.units = info->exact ? s.valid * sc->replicates : sc->replicates;
  pthread_mutex_init(&s.lock, NULL);
  bidsim_error_clear(&s.err);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  uint32_t nt = opt->threads ? opt->threads : (uint32_t)(cpus > 0 ? cpus : 1);
  if (nt > s.units) nt = s.units;
  pthread_t tid[256];
  if (nt > 256) nt = 256;
  uint32_t started = 0;
  for (; started < nt; started++)
    if (pthread_create(&tid[started], NULL, thread_main, &s) != 0) break;
  if (started == 0) thread_main(&s);
  for (uint32_t i = 0; i < started; i++) pthread_join(tid[i], NULL);
  pthread_mutex_destroy(&s.lock);
  rc = s.rc;
  if (rc) *err = s.err;
  info->impressions = s.impressions;
  info->capped_competitors = s.capped;
  info->other_plans = bidsim_market_plan_count(bidsim_world_market(world)) - 1;
out:
  info->seconds = now_s() - t0;
  bidsim_world_free(world);
  bidsim_scenario_free(run_sc);
  bidsim_free(text);
  bidsim_free(index);
  bidsim_free(copies);
  return rc;
}
