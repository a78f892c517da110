/* sim/scenario_sections.c - the scenario's auction, traffic (diurnal curve,
 * segments, categories, noise, calendar phases and the double11 preset) and
 * users sections. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

void bidsim__weights_from_eta(bidsim_scenario_t *sc) {
  for (uint32_t k = 0; k < BIDSIM_MAX_SLOTS; k++)
    sc->auction.position_weight_ppm[k] = (uint32_t)llround(1e6 * pow(1.0 / (k + 1), sc->examination_eta));
}

/* Under the CTR model (the default) each ad ranks with its product's CTR
 * (sim/world.c): a quality score written there would be silently ignored. */
int bidsim__quality_refused(ctx_t *c, struct fy_node *at, const char *key) {
  return bidsim__fail_at(c, at, BIDSIM_ESCHEMA, key, "a quality score applies under auction.quality_model: fixed only; "
                         "under ctr (the default) each ad ranks with its product's CTR, so this would be ignored");
}

int bidsim__load_auction(ctx_t *c, struct fy_node *n) {
  static const char *const keys[] = { "mechanism", "slots", "reserve", "increment", "examination_eta",
                                      "position_weights", "strict_caps", "quality_model", "quality", NULL };
  bidsim_scenario_t *sc = c->sc;
  int rc = bidsim__check_keys(c, n, "auction", keys);
  if (rc) return rc;
  struct fy_node *v;
  char buf[32];
  if ((v = bidsim__get(n, "mechanism"))) {
    if ((rc = bidsim__scalar(c, v, "auction.mechanism", buf, sizeof buf, "gsp, vcg or first"))) return rc;
    int m = bidsim_mechanism_parse(buf);
    if (m < 0) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "auction.mechanism", "unknown mechanism '%s' (gsp, vcg or first)", buf);
    sc->auction.mechanism = (bidsim_mechanism_t)m;
  }
  if ((rc = bidsim__opt_u32(c, n, "auction", "slots", 1, BIDSIM_MAX_SLOTS, &sc->auction.slots))) return rc;
  if ((v = bidsim__get(n, "reserve")) && (rc = bidsim__get_money(c, v, "auction.reserve", &sc->auction.reserve_li))) return rc;
  if ((v = bidsim__get(n, "increment")) && (rc = bidsim__get_money(c, v, "auction.increment", &sc->auction.increment_li))) return rc;
  if ((rc = bidsim__opt_double(c, n, "auction", "examination_eta", 0.0, 10.0, &sc->examination_eta))) return rc;
  bidsim__weights_from_eta(sc);
  if ((v = bidsim__get(n, "position_weights"))) {
    sc->position_weights_listed = true;
    if (!fy_node_is_sequence(v)) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "auction.position_weights", "expected a list of numbers in (0, 1]");
    int cnt = fy_node_sequence_item_count(v);
    if (cnt < (int)sc->auction.slots || cnt > BIDSIM_MAX_SLOTS)
      return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "auction.position_weights", "expected %u to %d weights (one per slot), got %d",
                  sc->auction.slots, BIDSIM_MAX_SLOTS, cnt);
    void *it = NULL;
    struct fy_node *item;
    double prev = 1.0;
    for (int k = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; k++) {
      char key[64];
      snprintf(key, sizeof key, "auction.position_weights[%d]", k);
      double w;
      if ((rc = bidsim__get_double(c, item, key, 1e-6, 1.0, &w))) return rc;
      if (w > prev) return bidsim__fail_at(c, item, BIDSIM_ESCHEMA, key, "weight %g exceeds the weight %g of the slot above", w, prev);
      prev = w;
      sc->auction.position_weight_ppm[k] = (uint32_t)llround(w * 1e6);
    }
    for (int k = cnt; k < BIDSIM_MAX_SLOTS; k++) sc->auction.position_weight_ppm[k] = sc->auction.position_weight_ppm[cnt - 1];
  }
  if ((v = bidsim__get(n, "strict_caps")) && (rc = bidsim__get_bool(c, v, "auction.strict_caps", &sc->strict_caps))) return rc;
  if ((v = bidsim__get(n, "quality_model"))) {
    if ((rc = bidsim__scalar(c, v, "auction.quality_model", buf, sizeof buf, "ctr or fixed"))) return rc;
    if (!strcmp(buf, "ctr")) sc->quality_model = BIDSIM_QUALITY_CTR;
    else if (!strcmp(buf, "fixed")) sc->quality_model = BIDSIM_QUALITY_FIXED;
    else return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "auction.quality_model", "unknown quality model '%s' (ctr or fixed)", buf);
  }
  if ((v = bidsim__get(n, "quality")) && sc->quality_model == BIDSIM_QUALITY_CTR) return bidsim__quality_refused(c, v, "auction.quality");
  if ((rc = bidsim__opt_u32(c, n, "auction", "quality", BIDSIM_QUALITY_MIN, BIDSIM_QUALITY_MAX, &sc->quality_fixed))) return rc;
  bidsim_error_t e;
  if (bidsim_auction_config_check(&sc->auction, &e))
    return bidsim__fail_at(c, n, e.code == BIDSIM_EINVAL ? BIDSIM_ESCHEMA : e.code, e.where, "%s", e.msg);
  return BIDSIM_OK;
}

static bool category_eq(const void *data, uint32_t val, const void *key) {
  const bidsim_scenario_t *sc = data;
  return !strcmp(sc->category_names[val], key);
}

/* Category i into the index: UINT32_MAX, or the category with its name. */
static uint32_t index_category(ctx_t *c, uint32_t i) {
  const char *name = c->sc->category_names[i];
  return bidsim__keyset_add(&c->categories_ix, bidsim__hash_name(0, name), i, category_eq, c->sc, name);
}

int bidsim__find_category(const ctx_t *c, const char *name) {
  uint32_t i = bidsim__keyset_find(&c->categories_ix, bidsim__hash_name(0, name), category_eq, c->sc, name);
  return i == UINT32_MAX ? -1 : (int)i;
}

/* Double 11 (docs/model.md §3): warm-up Nov 1-10, burst Nov 11, after-heat
 * Nov 12-14 of every year the run covers, as day ranges of this run. */
static int add_double11(ctx_t *c, mark_t at) {
  bidsim_scenario_t *sc = c->sc;
  int64_t d0 = bidsim__days_from_civil(sc->start_date.year, sc->start_date.month, sc->start_date.day);
  static const struct { const char *name; int first, last; double traffic, ctr, cvr, night; } ph[3] = {
    { "double11-warmup", 1, 10, 1.3, 1.1, 0.7, 1.0 },
    { "double11-burst", 11, 11, 12.0, 1.2, 2.5, 2.2 },
    { "double11-afterheat", 12, 14, 2.0, 1.0, 1.3, 1.0 },
  };
  for (int y = sc->start_date.year; y <= bidsim__civil_from_days(d0 + sc->days).year; y++)
    for (int i = 0; i < 3; i++) {
      int64_t a = bidsim__days_from_civil(y, 11, ph[i].first) - d0, b = bidsim__days_from_civil(y, 11, ph[i].last) - d0;
      if (b < 0 || a >= (int64_t)sc->days) continue;
      bidsim_sc_phase_t *np = bidsim_realloc(sc->phases, (sc->phase_count + 1) * sizeof *np);
      if (np == NULL) return bidsim__fail(c, at, BIDSIM_ENOMEM, "traffic.preset", "out of memory");
      sc->phases = np;
      bidsim_sc_phase_t *p = &sc->phases[sc->phase_count++];
      memset(p, 0, sizeof *p);
      snprintf(p->name, sizeof p->name, "%s", ph[i].name);
      p->first_day = (uint32_t)(a < 0 ? 0 : a);
      p->last_day = (uint32_t)(b >= (int64_t)sc->days ? sc->days - 1 : b);
      p->traffic_mult = ph[i].traffic;
      p->ctr_mult = ph[i].ctr;
      p->cvr_mult = ph[i].cvr;
      /* the burst's night: hours 0-3 at over twice their usual share */
      for (int h = 0; h < BIDSIM_HOURS; h++) p->hour_mult[h] = h < 4 ? ph[i].night : 1.0;
    }
  return BIDSIM_OK;
}

static int load_phase(ctx_t *c, struct fy_node *n, uint32_t i) {
  static const char *const keys[] = { "name", "first_day", "last_day", "traffic_mult", "ctr_mult", "cvr_mult",
                                      "hour_mult", NULL };
  char key[64];
  snprintf(key, sizeof key, "traffic.phases[%u]", i);
  int rc = bidsim__check_keys(c, n, key, keys);
  if (rc) return rc;
  bidsim_sc_phase_t *p = &c->sc->phases[i];
  memset(p, 0, sizeof *p);
  p->traffic_mult = p->ctr_mult = p->cvr_mult = 1.0;
  for (int h = 0; h < BIDSIM_HOURS; h++) p->hour_mult[h] = 1.0;
  struct fy_node *v = bidsim__get(n, "name");
  char sub[96];
  snprintf(p->name, sizeof p->name, "phase%u", i);
  if (v) { bidsim__join(sub, sizeof sub, key, "name"); if ((rc = bidsim__get_name(c, v, sub, p->name))) return rc; }
  if (!bidsim__get(n, "first_day") || !bidsim__get(n, "last_day"))
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "a phase needs first_day and last_day (day indices from start_date)");
  if ((rc = bidsim__opt_u32(c, n, key, "first_day", 0, 100000, &p->first_day)) ||
      (rc = bidsim__opt_u32(c, n, key, "last_day", 0, 100000, &p->last_day)) ||
      (rc = bidsim__opt_double(c, n, key, "traffic_mult", 0.0, 1000.0, &p->traffic_mult)) ||
      (rc = bidsim__opt_double(c, n, key, "ctr_mult", 0.0, 100.0, &p->ctr_mult)) ||
      (rc = bidsim__opt_double(c, n, key, "cvr_mult", 0.0, 100.0, &p->cvr_mult)))
    return rc;
  if (p->last_day < p->first_day)
    return bidsim__fail_at(c, bidsim__get(n, "last_day"), BIDSIM_ESCHEMA, key, "last_day %u is before first_day %u", p->last_day, p->first_day);
  if ((v = bidsim__get(n, "hour_mult"))) {
    bidsim__join(sub, sizeof sub, key, "hour_mult");
    if (!fy_node_is_mapping(v)) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, sub, "expected a mapping hour: multiplier");
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
      uint32_t h;
      double m;
      if ((rc = bidsim__get_u32(c, fy_node_pair_key(pr), sub, 0, 23, &h)) ||
          (rc = bidsim__get_double(c, fy_node_pair_value(pr), sub, 0.0, 100.0, &m)))
        return rc;
      p->hour_mult[h] = m;
    }
  }
  return BIDSIM_OK;
}

int bidsim__load_traffic(ctx_t *c, struct fy_node *n) {
  static const char *const keys[] = { "impressions_per_day", "diurnal", "segments", "categories", "noise",
                                      "dispersion", "phases", "preset", NULL };
  bidsim_scenario_t *sc = c->sc;
  int rc = bidsim__check_keys(c, n, "traffic", keys);
  if (rc) return rc;
  struct fy_node *v = bidsim__get(n, "impressions_per_day");
  if (v == NULL) return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, "traffic", "missing required key 'impressions_per_day'");
  if ((rc = bidsim__get_double(c, v, "traffic.impressions_per_day", 1.0, 1e11, &sc->impressions_per_day))) return rc;
  if ((v = bidsim__get(n, "diurnal"))) {
    if (!fy_node_is_sequence(v) || fy_node_sequence_item_count(v) != BIDSIM_HOURS)
      return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "traffic.diurnal", "expected a list of 24 shares (hour 0 first)");
    void *it = NULL;
    struct fy_node *item;
    double sum = 0.0;
    for (int h = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; h++) {
      char key[48];
      snprintf(key, sizeof key, "traffic.diurnal[%d]", h);
      if ((rc = bidsim__get_double(c, item, key, 0.0, 1e9, &sc->diurnal[h]))) return rc;
      sum += sc->diurnal[h];
    }
    if (sum <= 0) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "traffic.diurnal", "the 24 shares sum to zero");
  }
  double dsum = 0.0;
  for (int h = 0; h < BIDSIM_HOURS; h++) dsum += sc->diurnal[h];
  /* shares already summing to 1 (a resolved scenario) stay bit for bit */
  if (fabs(dsum - 1.0) > 1e-12)
    for (int h = 0; h < BIDSIM_HOURS; h++) sc->diurnal[h] /= dsum;
  if ((v = bidsim__get(n, "segments"))) {
    if ((rc = bidsim__segment_map(c, v, "traffic.segments", 0.0, 1.0, sc->segment_shares))) return rc;
    double s = sc->segment_shares[0] + sc->segment_shares[1] + sc->segment_shares[2];
    if (fabs(s - 1.0) > 1e-9) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "traffic.segments", "segment shares sum to %g, not 1", s);
  }
  if ((v = bidsim__get(n, "categories"))) {
    int cnt = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : -1;
    if (cnt < 1 || cnt > 4096)
      return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "traffic.categories", "expected a list of 1 to 4096 {name, share}");
    bidsim_free(sc->category_names);
    bidsim_free(sc->category_shares);
    sc->category_names = bidsim_calloc((size_t)cnt, sizeof *sc->category_names);
    sc->category_shares = bidsim_calloc((size_t)cnt, sizeof *sc->category_shares);
    sc->category_count = 0;
    bidsim__keyset_free(&c->categories_ix);
    if (!sc->category_names || !sc->category_shares || bidsim__keyset_init(&c->categories_ix, (size_t)cnt))
      return bidsim__fail_at(c, v, BIDSIM_ENOMEM, "traffic.categories", "out of memory");
    void *it = NULL;
    struct fy_node *item;
    double sum = 0.0;
    static const char *const ckeys[] = { "name", "share", NULL };
    for (uint32_t i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
      char key[64], sub[96];
      snprintf(key, sizeof key, "traffic.categories[%u]", i);
      if ((rc = bidsim__check_keys(c, item, key, ckeys))) return rc;
      struct fy_node *nm = bidsim__get(item, "name");
      if (!nm || !bidsim__get(item, "share")) return bidsim__fail_at(c, item, BIDSIM_ESCHEMA, key, "a category needs name and share");
      bidsim__join(sub, sizeof sub, key, "name");
      if ((rc = bidsim__get_name(c, nm, sub, sc->category_names[i]))) return rc;
      if (index_category(c, i) != UINT32_MAX)
        return bidsim__fail_at(c, nm, BIDSIM_ESCHEMA, sub, "category '%s' is listed twice", sc->category_names[i]);
      if ((rc = bidsim__opt_double(c, item, key, "share", 0.0, 1.0, &sc->category_shares[i]))) return rc;
      sum += sc->category_shares[i];
      sc->category_count = i + 1;
    }
    if (fabs(sum - 1.0) > 1e-9) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "traffic.categories", "category shares sum to %g, not 1", sum);
  } else {   /* the default category */
    if (bidsim__keyset_init(&c->categories_ix, sc->category_count))
      return bidsim__fail_at(c, n, BIDSIM_ENOMEM, "traffic", "out of memory");
    for (uint32_t i = 0; i < sc->category_count; i++) index_category(c, i);
  }
  char buf[32];
  if ((v = bidsim__get(n, "noise"))) {
    if ((rc = bidsim__scalar(c, v, "traffic.noise", buf, sizeof buf, "none, poisson or negbin"))) return rc;
    if (!strcmp(buf, "none")) sc->noise = BIDSIM_NOISE_NONE;
    else if (!strcmp(buf, "poisson")) sc->noise = BIDSIM_NOISE_POISSON;
    else if (!strcmp(buf, "negbin")) sc->noise = BIDSIM_NOISE_NEGBIN;
    else return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "traffic.noise", "unknown noise '%s' (none, poisson or negbin)", buf);
  }
  if ((rc = bidsim__opt_double(c, n, "traffic", "dispersion", 0.01, 1e9, &sc->negbin_dispersion))) return rc;
  if ((v = bidsim__get(n, "phases"))) {
    int cnt = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : -1;
    if (cnt < 0 || cnt > 1000) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "traffic.phases", "expected a list of phases");
    sc->phases = bidsim_calloc((size_t)cnt + 1, sizeof *sc->phases);
    if (sc->phases == NULL) return bidsim__fail_at(c, v, BIDSIM_ENOMEM, "traffic.phases", "out of memory");
    void *it = NULL;
    struct fy_node *item;
    for (uint32_t i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
      if ((rc = load_phase(c, item, i))) return rc;
      sc->phase_count = i + 1;
    }
  }
  if ((v = bidsim__get(n, "preset"))) {
    if ((rc = bidsim__scalar(c, v, "traffic.preset", buf, sizeof buf, "double11"))) return rc;
    if (strcmp(buf, "double11")) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "traffic.preset", "unknown preset '%s' (double11)", buf);
    if ((rc = add_double11(c, bidsim__node_mark(v)))) return rc;
  }
  return BIDSIM_OK;
}

int bidsim__load_users(ctx_t *c, struct fy_node *n) {
  static const char *const keys[] = { "ctr_mult", "cvr_mult", "conversion_delay_hours", "attribution_window_days",
                                      "relation", "affinity", "prediction_error", NULL };
  bidsim_scenario_t *sc = c->sc;
  int rc = bidsim__check_keys(c, n, "users", keys);
  struct fy_node *v;
  char buf[32];
  /* the personalised model (docs/model.md §2-§3): each plan's segment is
   * the user's relation to its shop; ranking by bid x this user's pCTR */
  if (!rc && (v = bidsim__get(n, "relation"))) {
    if ((rc = bidsim__scalar(c, v, "users.relation", buf, sizeof buf, "per_shop or global"))) return rc;
    if (!strcmp(buf, "per_shop")) sc->relation = BIDSIM_RELATION_PER_SHOP;
    else if (!strcmp(buf, "global")) sc->relation = BIDSIM_RELATION_GLOBAL;
    else return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "users.relation", "unknown relation model '%s' (per_shop or "
                                "global: one segment per impression for every plan, the first model)", buf);
  }
  /* sigma defaults to 0.5 under per_shop and to 0 under global, where
   * every user of a segment ranks alike */
  if (!rc && sc->relation == BIDSIM_RELATION_GLOBAL) sc->affinity_sigma = 0.0;
  if (!rc && (v = bidsim__get(n, "affinity"))) {
    static const char *const akeys[] = { "sigma", "truncate", NULL };
    if ((rc = bidsim__check_keys(c, v, "users.affinity", akeys)) ||
        (rc = bidsim__opt_double(c, v, "users.affinity", "sigma", 0.0, 3.0, &sc->affinity_sigma)) ||
        (rc = bidsim__opt_double(c, v, "users.affinity", "truncate", 0.5, 6.0, &sc->affinity_truncate)))
      return rc;
    if (sc->relation == BIDSIM_RELATION_GLOBAL && sc->affinity_sigma > 0)
      return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "users.affinity.sigma", "an affinity of sigma %g needs "
                             "users.relation: per_shop (the first model ranks every user of a segment alike)",
                             sc->affinity_sigma);
  }
  if (!rc) rc = bidsim__opt_double(c, n, "users", "prediction_error", 0.0, 3.0, &sc->prediction_error);
  if (!rc && (v = bidsim__get(n, "ctr_mult"))) rc = bidsim__segment_map(c, v, "users.ctr_mult", 0.0, 100.0, sc->ctr_mult);
  if (!rc && (v = bidsim__get(n, "cvr_mult"))) rc = bidsim__segment_map(c, v, "users.cvr_mult", 0.0, 100.0, sc->cvr_mult);
  if (!rc) rc = bidsim__opt_double(c, n, "users", "conversion_delay_hours", 0.0, 24.0 * 365, &sc->conversion_delay_hours);
  if (!rc) rc = bidsim__opt_double(c, n, "users", "attribution_window_days", 0.0, 365.0, &sc->attribution_window_days);
  return rc;
}
