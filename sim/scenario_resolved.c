/* sim/scenario_resolved.c - the resolved scenario as YAML (every default
 * filled in, loading back to the same scenario) and its fingerprint. */
#include <stdarg.h>
#include <stdio.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

typedef struct { char *buf; size_t len, cap; bool oom; } sbuf_t;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(sbuf_t *b, const char *fmt, ...) {
  if (b->oom) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->buf ? b->buf + b->len : NULL, b->buf ? b->cap - b->len : 0, fmt, ap);
  va_end(ap);
  if (n < 0) { b->oom = true; return; }
  if (b->len + (size_t)n + 1 > b->cap) {
    size_t cap = (b->cap ? b->cap : 4096);
    while (cap < b->len + (size_t)n + 1) cap *= 2;
    char *nb = bidsim_realloc(b->buf, cap);
    if (nb == NULL) { b->oom = true; return; }
    b->buf = nb;
    b->cap = cap;
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
}

static const char *yuan(int64_t li, char buf[32]) {
  snprintf(buf, 32, "%lld.%03lld", (long long)(li / 1000), (long long)(li % 1000));
  return buf;
}

static void put_dist(sbuf_t *b, const char *indent, const char *name, const bidsim_dist_t *d) {
  if (d->kind == BIDSIM_DIST_FIXED) put(b, "%s%s: {dist: fixed, value: %.17g}\n", indent, name, d->a);
  else if (d->kind == BIDSIM_DIST_UNIFORM) put(b, "%s%s: {dist: uniform, min: %.17g, max: %.17g}\n", indent, name, d->a, d->b);
  else put(b, "%s%s: {dist: lognormal, median: %.17g, sigma: %.17g}\n", indent, name, d->a, d->b);
}

/* A segment bid as written: the platform's premium over the base ("+25%",
 * moving with the base in each variant and sweep point), or yuan. */
static void put_bid(sbuf_t *b, const char *segment, int64_t bid_li, uint16_t pct) {
  char y[32];
  if (pct) put(b, ", %s: +%u%%", segment, (unsigned)pct);
  else put(b, ", %s: %s", segment, yuan(bid_li, y));
}

/* Names are emitted double-quoted with escapes, so any name round-trips. */
static void put_name(sbuf_t *b, const char *s) {
  put(b, "\"");
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') put(b, "\\%c", *s);
    else if ((unsigned char)*s < 0x20) put(b, "\\x%02x", (unsigned char)*s);
    else put(b, "%c", *s);
  }
  put(b, "\"");
}

/* A strategy as written: kind, plugin or python, and its parameters by name (a list
 * appears as name.0, name.1, ..., which loads back to the same parameters). */
static void put_strategy(sbuf_t *b, const char *indent, const bidsim_sc_strategy_t *st) {
  if (st == NULL) return;
  put(b, "%sstrategy:\n%s  ", indent, indent);
  if (st->plugin_path) {
    put(b, "plugin: ");
    put_name(b, st->plugin_path);
  } else if (st->ext_spec) {
    put(b, "python: ");
    put_name(b, st->ext_spec);
  } else {
    put(b, "kind: ");
    put_name(b, st->kind);
  }
  put(b, "\n%s  params: {", indent);
  for (uint32_t i = 0; i < st->param_count; i++) {
    put(b, "%s", i ? ", " : "");
    put_name(b, st->params[i].key);
    put(b, ": %.17g", st->params[i].value);
  }
  put(b, "}\n");
}

char *bidsim_scenario_resolved_yaml(const bidsim_scenario_t *sc) {
  sbuf_t b = { NULL, 0, 0, false };
  char y[32];
  static const char *const noise[] = { "none", "poisson", "negbin" };
  put(&b, "# resolved by bidsim: every default filled in\n");
  put(&b, "seed: %llu\ndays: %u\nstart_date: %04d-%02d-%02d\nreplicates: %u\nstrategy_period_s: %u\n",
      (unsigned long long)sc->seed, sc->days, sc->start_date.year, sc->start_date.month, sc->start_date.day,
      sc->replicates, sc->strategy_period_s);
  put(&b, "auction:\n  mechanism: %s\n  slots: %u\n  reserve: %s\n", bidsim_mechanism_name(sc->auction.mechanism),
      sc->auction.slots, yuan(sc->auction.reserve_li, y));
  put(&b, "  increment: %s\n  examination_eta: %.17g\n", yuan(sc->auction.increment_li, y), sc->examination_eta);
  if (sc->position_weights_listed) {   /* else derived from eta again */
    put(&b, "  position_weights: [");
    for (uint32_t k = 0; k < BIDSIM_MAX_SLOTS; k++)
      put(&b, "%s%.6f", k ? ", " : "", sc->auction.position_weight_ppm[k] / 1e6);
    put(&b, "]\n");
  }
  put(&b, "  strict_caps: %s\n  quality_model: %s\n", sc->strict_caps ? "true" : "false",
      sc->quality_model == BIDSIM_QUALITY_CTR ? "ctr" : "fixed");
  /* quality scores apply under the fixed model only (refused under ctr) */
  if (sc->quality_model == BIDSIM_QUALITY_FIXED) put(&b, "  quality: %u\n", sc->quality_fixed);
  put(&b, "traffic:\n  impressions_per_day: %.17g\n  diurnal: [", sc->impressions_per_day);
  for (int h = 0; h < BIDSIM_HOURS; h++) put(&b, "%s%.17g", h ? ", " : "", sc->diurnal[h]);
  put(&b, "]\n  segments: {ordinary: %.17g, shop: %.17g, similar: %.17g}\n  categories:\n", sc->segment_shares[0],
      sc->segment_shares[1], sc->segment_shares[2]);
  for (uint32_t i = 0; i < sc->category_count; i++) {
    put(&b, "    - {name: ");
    put_name(&b, sc->category_names[i]);
    put(&b, ", share: %.17g}\n", sc->category_shares[i]);
  }
  put(&b, "  noise: %s\n  dispersion: %.17g\n  phases:%s\n", noise[sc->noise], sc->negbin_dispersion,
      sc->phase_count ? "" : " []");
  for (uint32_t i = 0; i < sc->phase_count; i++) {
    const bidsim_sc_phase_t *p = &sc->phases[i];
    put(&b, "    - name: ");
    put_name(&b, p->name);
    put(&b, "\n      first_day: %u\n      last_day: %u\n      traffic_mult: %.17g\n      ctr_mult: %.17g\n"
            "      cvr_mult: %.17g\n      hour_mult: {",
        p->first_day, p->last_day, p->traffic_mult, p->ctr_mult, p->cvr_mult);
    for (int h = 0; h < BIDSIM_HOURS; h++) put(&b, "%s%d: %.17g", h ? ", " : "", h, p->hour_mult[h]);
    put(&b, "}\n");
  }
  put(&b, "users:\n  ctr_mult: {ordinary: %.17g, shop: %.17g, similar: %.17g}\n", sc->ctr_mult[0], sc->ctr_mult[1],
      sc->ctr_mult[2]);
  put(&b, "  cvr_mult: {ordinary: %.17g, shop: %.17g, similar: %.17g}\n", sc->cvr_mult[0], sc->cvr_mult[1], sc->cvr_mult[2]);
  put(&b, "  conversion_delay_hours: %.17g\n  attribution_window_days: %.17g\n", sc->conversion_delay_hours,
      sc->attribution_window_days);
  put(&b, "  relation: %s\n  affinity: {sigma: %.17g, truncate: %.17g}\n  prediction_error: %.17g\n",
      sc->relation == BIDSIM_RELATION_PER_SHOP ? "per_shop" : "global", sc->affinity_sigma, sc->affinity_truncate,
      sc->prediction_error);
  static const char *const status[] = { "on_sale", "delisted", "removed" };
  put(&b, "shops:%s\n", sc->shop_count ? "" : " []");
  for (uint32_t s = 0; s < sc->shop_count; s++) {
    const bidsim_sc_shop_t *sh = &sc->shops[s];
    put(&b, "  - name: ");
    put_name(&b, sh->name);
    if (sh->consult_share > 0)
      put(&b, "\n    service: {consult_share: %.17g, capacity_per_hour: %.17g}", sh->consult_share, sh->capacity_per_hour);
    if (sh->reach >= 0) put(&b, "\n    reach: %.17g", sh->reach);
    put(&b, "\n    products:%s\n", sh->product_count ? "" : " []");
    for (uint32_t q = 0; q < sh->product_count; q++) {
      const bidsim_sc_product_t *p = &sh->products[q];
      put(&b, "      - id: %llu\n", (unsigned long long)p->id);
      if (!p->name_derived) {
        put(&b, "        name: ");
        put_name(&b, p->name);
        put(&b, "\n");
      }
      put(&b, "        sales: %lld\n        status: %s\n        price: %s\n        category: ",
          (long long)p->historical_sales, status[p->status], yuan(p->price_li, y));
      put_name(&b, sc->category_names[p->category]);
      put(&b, "\n        ctr: %.17g\n        cvr: %.17g\n", p->ctr, p->cvr);
      if (!p->order_value_derived) put_dist(&b, "        ", "order_value", &p->order_value_yuan);
    }
  }
  put(&b, "plans:%s\n", sc->plan_count ? "" : " []");
  for (uint32_t i = 0; i < sc->plan_count; i++) {
    const bidsim_sc_plan_t *p = &sc->plans[i];
    put(&b, "  - name: ");
    put_name(&b, p->name);
    put(&b, "\n    shop: ");
    put_name(&b, sc->shops[p->shop].name);
    if (p->cap_li == BIDSIM_CAP_UNLIMITED) put(&b, "\n    cap: unlimited\n");
    else put(&b, "\n    cap: %s\n", yuan(p->cap_li, y));
    put(&b, "    products: [");
    for (uint32_t k = 0; k < p->product_count; k++) put(&b, "%s%llu", k ? ", " : "", (unsigned long long)p->product_ids[k]);
    put(&b, "]\n    bids: {ordinary: %s", yuan(p->bid_li[0], y));
    for (int g = BIDSIM_SEG_SHOP; g < BIDSIM_SEG_COUNT; g++)
      if (!p->bid_derived[g]) put_bid(&b, bidsim_segment_name(g), p->bid_li[g], p->premium_pct[g]);
    put(&b, "}\n");
    if (p->quality) put(&b, "    quality: %u\n", p->quality);
    put(&b, "    publish: {day: %u, time: \"%02u:%02u:%02u\"}\n", p->publish_day, p->publish_second / 3600,
        p->publish_second / 60 % 60, p->publish_second % 60);
    put_strategy(&b, "    ", p->strategy);
  }
  const bidsim_sc_market_t *mk = &sc->market;
  put(&b, "market:\n  plans: %u\n", mk->plans);
  put_dist(&b, "  ", "base_bid", &mk->base_bid_yuan);
  put_dist(&b, "  ", "premium_shop", &mk->premium_pct[0]);
  put_dist(&b, "  ", "premium_similar", &mk->premium_pct[1]);
  if (sc->quality_model == BIDSIM_QUALITY_FIXED) put_dist(&b, "  ", "quality", &mk->quality);
  put(&b, "  unlimited_share: %.17g\n", mk->unlimited_share);
  put_dist(&b, "  ", "cap", &mk->cap_yuan);
  put_dist(&b, "  ", "ctr", &mk->ctr);
  put_dist(&b, "  ", "cvr", &mk->cvr);
  put_dist(&b, "  ", "order_value", &mk->order_value_yuan);
  put_dist(&b, "  ", "reach", &mk->reach);
  put_dist(&b, "  ", "targeting", &mk->targeting);
  put(&b, "  redraw: %s\n", mk->redraw == BIDSIM_REDRAW_PER_REPLICATE ? "per_replicate" : "once");
  if (!mk->category_shares_derived) {
    put(&b, "  category_shares: {");
    for (uint32_t i = 0; i < sc->category_count; i++) {
      put(&b, "%s", i ? ", " : "");
      put_name(&b, sc->category_names[i]);
      put(&b, ": %.17g", mk->category_shares[i]);
    }
    put(&b, "}\n");
  }
  if (mk->strategy_count) put(&b, "  strategies:\n");
  for (uint32_t i = 0; i < mk->strategy_count; i++) {
    put(&b, "    - share: %.17g\n", mk->strategy_share[i]);
    put_strategy(&b, "      ", mk->strategies[i]);
  }
  if (sc->sweep_key_count) {
    /* the points are regenerated from the spec, values listed */
    put(&b, "sweep:\n  %s:\n", sc->sweep_zip ? "zip" : "grid");
    for (uint32_t k = 0; k < sc->sweep_key_count; k++) {
      put(&b, "    ");
      put_name(&b, sc->sweep_keys[k]);
      put(&b, ": [");
      for (uint32_t i = 0; i < sc->sweep_list_count[k]; i++) {
        put(&b, "%s", i ? ", " : "");
        put_name(&b, sc->sweep_lists[k][i]);
      }
      put(&b, "]\n");
    }
  } else {
    put(&b, "variants:\n");
  }
  bidsim__plan_names_t pn = { 0 };
  bool changes = false;
  for (uint32_t v = 0; v < sc->variant_count && !sc->sweep_key_count; v++) changes |= sc->variants[v].change_count > 0;
  if (changes && bidsim__plan_names_build(sc, &pn)) b.oom = true;
  for (uint32_t v = 0; v < sc->variant_count && !sc->sweep_key_count && !b.oom; v++) {
    const bidsim_sc_variant_t *var = &sc->variants[v];
    put(&b, "  - name: ");
    put_name(&b, var->name);
    put(&b, "\n");
    if (var->change_count) put(&b, "    plans:\n");
    for (uint32_t k = 0; k < var->change_count; k++) {
      const bidsim_sc_change_t *ch = &var->changes[k];
      const bidsim_sc_plan_t *p = &sc->plans[ch->plan];
      char full[2 * BIDSIM_NAME_MAX + 2];
      /* the "Shop/Plan" form whenever the bare name would be ambiguous */
      if (!pn.shared[ch->plan]) snprintf(full, sizeof full, "%s", p->name);
      else snprintf(full, sizeof full, "%s/%s", sc->shops[p->shop].name, p->name);
      put(&b, "      ");
      put_name(&b, full);
      put(&b, ":\n        bids: {ordinary: %s", yuan(ch->bid_li[0], y));
      for (int g = BIDSIM_SEG_SHOP; g < BIDSIM_SEG_COUNT; g++) put_bid(&b, bidsim_segment_name(g), ch->bid_li[g], ch->premium_pct[g]);
      put(&b, "}\n");
      if (ch->cap_li == BIDSIM_CAP_UNLIMITED) put(&b, "        cap: unlimited\n");
      else put(&b, "        cap: %s\n", yuan(ch->cap_li, y));
      put_strategy(&b, "        ", ch->strategy);
    }
  }
  bidsim__plan_names_free(&pn);
  if (b.oom) { bidsim_free(b.buf); return NULL; }
  return b.buf;
}

uint64_t bidsim_scenario_fingerprint(const bidsim_scenario_t *sc) {
  char *text = bidsim_scenario_resolved_yaml(sc);
  uint64_t h = UINT64_C(0xCBF29CE484222325);   /* FNV-1a */
  const char *parts[2] = { BIDSIM_VERSION, text ? text : "" };
  for (int i = 0; i < 2; i++)
    for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) h = (h ^ *p) * UINT64_C(0x100000001B3);
  bidsim_free(text);
  return h;
}
