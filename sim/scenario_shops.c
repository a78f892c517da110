/* sim/scenario_shops.c - the listed shops, their products and the listed
 * plans, and their check against the platform rules: the rules are not
 * re-implemented here; the shops, products and plans are loaded into a
 * throwaway engine market and the engine's errors mapped back to the key
 * that caused them. */
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

/* A product's keys, in the order of load_product's table. */
enum { P_ID, P_NAME, P_SALES, P_STATUS, P_PRICE, P_CATEGORY, P_CTR, P_CVR, P_ORDER_VALUE };

static int load_product(ctx_t *c, struct fy_node *n, const char *key, bidsim_sc_product_t *p) {
  static const char *const keys[] = { "id", "name", "sales", "status", "price", "category", "ctr", "cvr",
                                      "order_value", NULL };
  struct fy_node *f[9], *v;   /* one pass over the mapping: a million products load in seconds */
  int rc = bidsim__check_keys_get(c, n, key, keys, f);
  if (rc) return rc;
  char sub[160], buf[BIDSIM_NAME_MAX];
  if (!f[P_ID] || !f[P_SALES])
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "a product needs at least id and sales");
  bidsim__join(sub, sizeof sub, key, "id");
  if ((rc = bidsim__get_u64(c, f[P_ID], sub, 0, UINT64_MAX, &p->id))) return rc;
  snprintf(p->name, sizeof p->name, "product-%llu", (unsigned long long)p->id);
  p->name_derived = (v = f[P_NAME]) == NULL;
  if (v) { bidsim__join(sub, sizeof sub, key, "name"); if ((rc = bidsim__get_name(c, v, sub, p->name))) return rc; }
  uint64_t sales;
  bidsim__join(sub, sizeof sub, key, "sales");
  if ((rc = bidsim__get_u64(c, f[P_SALES], sub, 0, INT64_MAX, &sales))) return rc;
  p->historical_sales = (int64_t)sales;
  p->status = BIDSIM_PRODUCT_ON_SALE;
  if ((v = f[P_STATUS])) {
    bidsim__join(sub, sizeof sub, key, "status");
    if ((rc = bidsim__scalar(c, v, sub, buf, sizeof buf, "on_sale, delisted or removed"))) return rc;
    if (!strcmp(buf, "on_sale")) p->status = BIDSIM_PRODUCT_ON_SALE;
    else if (!strcmp(buf, "delisted")) p->status = BIDSIM_PRODUCT_DELISTED;
    else if (!strcmp(buf, "removed")) p->status = BIDSIM_PRODUCT_REMOVED;
    else return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, sub, "unknown status '%s' (on_sale, delisted or removed)", buf);
  }
  p->price_li = 100 * BIDSIM_LI_PER_YUAN;
  if ((v = f[P_PRICE])) { bidsim__join(sub, sizeof sub, key, "price"); if ((rc = bidsim__get_money(c, v, sub, &p->price_li))) return rc; }
  p->category = 0;
  if ((v = f[P_CATEGORY])) {
    bidsim__join(sub, sizeof sub, key, "category");
    if ((rc = bidsim__get_name(c, v, sub, buf))) return rc;
    int cat = bidsim__find_category(c, buf);
    if (cat < 0) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, sub, "unknown category '%s' (not in traffic.categories)", buf);
    p->category = (uint32_t)cat;
  }
  p->ctr = 0.04;
  p->cvr = 0.015;
  if ((v = f[P_CTR])) { bidsim__join(sub, sizeof sub, key, "ctr"); if ((rc = bidsim__get_double(c, v, sub, 0.0, 1.0, &p->ctr))) return rc; }
  if ((v = f[P_CVR])) { bidsim__join(sub, sizeof sub, key, "cvr"); if ((rc = bidsim__get_double(c, v, sub, 0.0, 1.0, &p->cvr))) return rc; }
  p->order_value_yuan = (bidsim_dist_t){ BIDSIM_DIST_FIXED, (double)p->price_li / BIDSIM_LI_PER_YUAN, 0.0 };
  p->order_value_derived = (v = f[P_ORDER_VALUE]) == NULL;
  if (v) {
    bidsim__join(sub, sizeof sub, key, "order_value");
    if ((rc = bidsim__dist(c, v, sub, 0.0, 1e7, &p->order_value_yuan))) return rc;
  }
  return BIDSIM_OK;
}

static bool shop_eq(const void *data, uint32_t val, const void *key) {
  const bidsim_scenario_t *sc = data;
  return !strcmp(sc->shops[val].name, key);
}

static bool product_eq(const void *data, uint32_t val, const void *key) {
  const bidsim_sc_shop_t *sh = data;
  return sh->products[val].id == *(const uint64_t *)key;
}

/* The shop's products, each id once. */
static int load_products(ctx_t *c, struct fy_node *pl, const char *key, bidsim_sc_shop_t *sh, uint32_t s) {
  int pc = fy_node_is_sequence(pl) ? fy_node_sequence_item_count(pl) : -1;
  if (pc < 0 || pc > 1000000) return bidsim__fail_at(c, pl, BIDSIM_ESCHEMA, key, "expected a list of products");
  sh->products = bidsim_calloc((size_t)pc + 1, sizeof *sh->products);
  bidsim__keyset_t ids;
  if (!sh->products || bidsim__keyset_init(&ids, (size_t)pc))
    return bidsim__fail_at(c, pl, BIDSIM_ENOMEM, key, "out of memory");
  void *it = NULL;
  struct fy_node *pn;
  int rc = BIDSIM_OK;
  for (uint32_t q = 0; !rc && (pn = fy_node_sequence_iterate(pl, &it)) != NULL; q++) {
    char pkey[128];
    snprintf(pkey, sizeof pkey, "%s[%u]", key, q);
    if ((rc = load_product(c, pn, pkey, &sh->products[q]))) break;
    sh->product_count = q + 1;
    const uint64_t id = sh->products[q].id;
    if (bidsim__keyset_add(&ids, bidsim__hash_id(s, id), q, product_eq, sh, &id) != UINT32_MAX)
      rc = bidsim__fail_at(c, bidsim__get(pn, "id"), BIDSIM_ESCHEMA, pkey, "product id %llu is listed twice in shop '%s'",
                           (unsigned long long)id, sh->name);
  }
  bidsim__keyset_free(&ids);
  return rc;
}

int bidsim__load_shops(ctx_t *c, struct fy_node *n) {
  bidsim_scenario_t *sc = c->sc;
  int cnt = fy_node_is_sequence(n) ? fy_node_sequence_item_count(n) : -1;
  if (cnt < 0 || cnt > 100000) return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, "shops", "expected a list of shops");
  sc->shops = bidsim_calloc((size_t)cnt + 1, sizeof *sc->shops);
  if (!sc->shops || bidsim__keyset_init(&c->shops_ix, (size_t)cnt))
    return bidsim__fail_at(c, n, BIDSIM_ENOMEM, "shops", "out of memory");
  static const char *const keys[] = { "name", "products", "service", "reach", NULL };
  void *it = NULL;
  struct fy_node *item;
  int rc;
  for (uint32_t s = 0; (item = fy_node_sequence_iterate(n, &it)) != NULL; s++) {
    char key[64], sub[96];
    snprintf(key, sizeof key, "shops[%u]", s);
    if ((rc = bidsim__check_keys(c, item, key, keys))) return rc;
    bidsim_sc_shop_t *sh = &sc->shops[s];
    sc->shop_count = s + 1;
    sh->reach = -1.0;   /* traffic.segments.shop unless given */
    struct fy_node *nm = bidsim__get(item, "name"), *pl = bidsim__get(item, "products");
    if (!nm) return bidsim__fail_at(c, item, BIDSIM_ESCHEMA, key, "a shop needs a name");
    bidsim__join(sub, sizeof sub, key, "name");
    if ((rc = bidsim__get_name(c, nm, sub, sh->name))) return rc;
    if (bidsim__keyset_add(&c->shops_ix, bidsim__hash_name(0, sh->name), s, shop_eq, sc, sh->name) != UINT32_MAX)
      return bidsim__fail_at(c, nm, BIDSIM_ESCHEMA, sub, "shop '%s' is listed twice", sh->name);
    if ((rc = bidsim__opt_double(c, item, key, "reach", 0.0, 1.0, &sh->reach))) return rc;
    struct fy_node *sv = bidsim__get(item, "service");
    if (sv) {
      static const char *const svkeys[] = { "consult_share", "capacity_per_hour", NULL };
      bidsim__join(sub, sizeof sub, key, "service");
      if ((rc = bidsim__check_keys(c, sv, sub, svkeys))) return rc;
      if (!bidsim__get(sv, "consult_share") || !bidsim__get(sv, "capacity_per_hour"))
        return bidsim__fail_at(c, sv, BIDSIM_ESCHEMA, sub, "service needs consult_share and capacity_per_hour");
      if ((rc = bidsim__opt_double(c, sv, sub, "consult_share", 0.0, 1.0, &sh->consult_share)) ||
          (rc = bidsim__opt_double(c, sv, sub, "capacity_per_hour", 0.0, 1e9, &sh->capacity_per_hour)))
        return rc;
    }
    if (!pl) continue;   /* a shop without products (its service checked all the same) */
    bidsim__join(sub, sizeof sub, key, "products");
    if ((rc = load_products(c, pl, sub, sh, s))) return rc;
  }
  return BIDSIM_OK;
}

int bidsim__load_plan(ctx_t *c, struct fy_node *n, uint32_t i) {
  static const char *const keys[] = { "name", "shop", "cap", "products", "bids", "quality", "publish", "strategy",
                                      NULL };
  bidsim_scenario_t *sc = c->sc;
  bidsim_sc_plan_t *p = &sc->plans[i];
  plan_marks_t *pm = &c->pm[i];
  char key[64], sub[128], buf[BIDSIM_NAME_MAX];
  snprintf(key, sizeof key, "plans[%u]", i);
  int rc = bidsim__check_keys(c, n, key, keys);
  if (rc) return rc;
  pm->self = bidsim__node_mark(n);
  struct fy_node *v;
  if (!bidsim__get(n, "name") || !bidsim__get(n, "shop") || !bidsim__get(n, "bids") || !bidsim__get(n, "products"))
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "a plan needs name, shop, products and bids");
  bidsim__join(sub, sizeof sub, key, "name");
  if ((rc = bidsim__get_name(c, bidsim__get(n, "name"), sub, p->name))) return rc;
  pm->name = bidsim__node_mark(bidsim__get(n, "name"));
  bidsim__join(sub, sizeof sub, key, "shop");
  if ((rc = bidsim__get_name(c, bidsim__get(n, "shop"), sub, buf))) return rc;
  p->shop = bidsim__keyset_find(&c->shops_ix, bidsim__hash_name(0, buf), shop_eq, sc, buf);
  if (p->shop == UINT32_MAX) return bidsim__fail_at(c, bidsim__get(n, "shop"), BIDSIM_ESCHEMA, sub, "unknown shop '%s' (not in shops)", buf);
  p->cap_li = BIDSIM_CAP_UNLIMITED;
  if ((v = bidsim__get(n, "cap"))) {
    bidsim__join(sub, sizeof sub, key, "cap");
    pm->cap = bidsim__node_mark(v);
    if (fy_node_is_scalar(v) && bidsim__plain(v) && !strcmp(fy_node_get_scalar0(v) ? fy_node_get_scalar0(v) : "", "unlimited"))
      p->cap_li = BIDSIM_CAP_UNLIMITED;
    else if ((rc = bidsim__get_money(c, v, sub, &p->cap_li)))
      return rc;
  }
  /* bids: ordinary required, in yuan; shop and similar in yuan or as the
   * platform's premium over the base ("+100%"), defaulting to the smallest
   * premium, +10% (base x 1.10 rounded up to whole fen by the rules module,
   * exact for any base) */
  v = bidsim__get(n, "bids");
  bidsim__join(sub, sizeof sub, key, "bids");
  static const char *const segs[] = { "ordinary", "shop", "similar", NULL };
  if ((rc = bidsim__check_keys(c, v, sub, segs))) return rc;
  if (!bidsim__get(v, "ordinary")) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, sub, "missing the base bid 'ordinary'");
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
    struct fy_node *b = bidsim__get(v, segs[s]);
    char bkey[160];
    bidsim__join(bkey, sizeof bkey, sub, segs[s]);
    pm->bids[s] = b ? bidsim__node_mark(b) : bidsim__node_mark(v);
    if (b) {
      if ((rc = bidsim__get_bid(c, b, bkey, s, p->bid_li[0], &p->bid_li[s], &p->premium_pct[s]))) return rc;
    } else {
      bidsim_rule_premium_bid(p->bid_li[0], BIDSIM_PREMIUM_MIN_PCT, &p->bid_li[s], bkey, NULL);
      p->premium_pct[s] = BIDSIM_PREMIUM_MIN_PCT;
      p->bid_derived[s] = true;
    }
  }
  if ((v = bidsim__get(n, "quality"))) {
    pm->quality = bidsim__node_mark(v);
    bidsim__join(sub, sizeof sub, key, "quality");
    if (sc->quality_model == BIDSIM_QUALITY_CTR) return bidsim__quality_refused(c, v, sub);
    if ((rc = bidsim__get_u32(c, v, sub, 0, UINT32_MAX, &p->quality))) return rc;   /* the range is the engine's rule */
  }
  if ((v = bidsim__get(n, "publish"))) {
    static const char *const pkeys[] = { "day", "time", NULL };
    bidsim__join(sub, sizeof sub, key, "publish");
    if ((rc = bidsim__check_keys(c, v, sub, pkeys)) || (rc = bidsim__opt_u32(c, v, sub, "day", 0, 100000, &p->publish_day))) return rc;
    struct fy_node *t = bidsim__get(v, "time");
    if (t) {
      char tb[16], tkey[160];
      bidsim__join(tkey, sizeof tkey, sub, "time");
      if ((rc = bidsim__scalar(c, t, tkey, tb, sizeof tb, "a time HH:MM[:SS]"))) return rc;
      int hh, mm, ss = 0;
      char tail;
      int got = sscanf(tb, "%2d:%2d:%2d%c", &hh, &mm, &ss, &tail);
      if ((got != 2 && got != 3) || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
        return bidsim__fail_at(c, t, BIDSIM_ESCHEMA, tkey, "expected a time of day HH:MM or HH:MM:SS, got '%s'", tb);
      p->publish_second = (uint32_t)(hh * 3600 + mm * 60 + ss);
    }
  }
  if ((v = bidsim__get(n, "strategy"))) {
    bidsim__join(sub, sizeof sub, key, "strategy");
    if ((rc = bidsim__load_strategy(c, v, sub, &p->strategy))) return rc;
  }
  v = bidsim__get(n, "products");
  bidsim__join(sub, sizeof sub, key, "products");
  int cnt = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : -1;
  if (cnt < 1 || cnt > 100000) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, sub, "expected a non-empty list of product ids");
  p->product_ids = bidsim_calloc((size_t)cnt, sizeof *p->product_ids);
  pm->products = bidsim_calloc((size_t)cnt, sizeof *pm->products);
  if (!p->product_ids || !pm->products) return bidsim__fail_at(c, v, BIDSIM_ENOMEM, sub, "out of memory");
  void *it = NULL;
  struct fy_node *item;
  for (uint32_t k = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; k++) {
    char ikey[160];
    snprintf(ikey, sizeof ikey, "%s[%u]", sub, k);
    if ((rc = bidsim__get_u64(c, item, ikey, 0, UINT64_MAX, &p->product_ids[k]))) return rc;
    pm->products[k] = bidsim__node_mark(item);
    p->product_count = k + 1;
  }
  return BIDSIM_OK;
}

/* ---- platform rules through the engine ------------------------------------ */

static mark_t product_mark(ctx_t *c, uint32_t shop, uint32_t q) {
  size_t k = 0;
  for (uint32_t s = 0; s < shop; s++) k += c->sc->shops[s].product_count;
  return c->product_marks ? c->product_marks[k + q] : (mark_t){ 0, 0 };
}

int bidsim__engine_check(ctx_t *c) {
  bidsim_scenario_t *sc = c->sc;
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.auction = sc->auction;
  cfg.categories = sc->category_count;
  cfg.strict_caps = sc->strict_caps;
  bidsim_market_t *m = NULL;
  bidsim_error_t e;
  int rc = bidsim_market_create(&cfg, &m, &e);
  if (rc) return bidsim__fail(c, (mark_t){ 1, 1 }, rc, e.where, "%s", e.msg);
  char key[160];
  for (uint32_t s = 0; s < sc->shop_count && !rc; s++) {
    if ((rc = bidsim_market_add_shop(m, sc->shops[s].name, NULL, &e))) {
      snprintf(key, sizeof key, "shops[%u].name", s);
      bidsim__fail(c, (mark_t){ 0, 0 }, rc, key, "%s", e.msg);
      break;
    }
    for (uint32_t q = 0; q < sc->shops[s].product_count && !rc; q++) {
      const bidsim_sc_product_t *p = &sc->shops[s].products[q];
      bidsim_product_spec_t ps = { p->id, p->historical_sales, p->status, p->price_li, p->category, 0 };
      if ((rc = bidsim_market_add_product(m, s, &ps, NULL, &e))) {
        snprintf(key, sizeof key, "shops[%u].products[%u]", s, q);
        bidsim__fail(c, product_mark(c, s, q), rc == BIDSIM_EINVAL ? BIDSIM_ESCHEMA : rc, key, "%s", e.msg);
      }
    }
  }
  for (uint32_t i = 0; i < sc->plan_count && !rc; i++) {
    const bidsim_sc_plan_t *p = &sc->plans[i];
    const plan_marks_t *pm = &c->pm[i];
    /* quality 0 means "from the quality model": any valid score checks the rest */
    bidsim_plan_spec_t spec = { p->name, p->shop, p->cap_li, { p->bid_li[0], p->bid_li[1], p->bid_li[2] },
                                pm->quality.line ? p->quality : BIDSIM_QUALITY_MIN, 0 };
    uint32_t plan;
    if ((rc = bidsim_market_add_plan(m, &spec, &plan, &e))) {
      mark_t at = pm->self;
      const char *field = "";
      if (rc == BIDSIM_EDUPNAME) { at = pm->name; field = "name"; }
      else if (rc == BIDSIM_ECAP) { at = pm->cap; field = "cap"; }
      else if (rc == BIDSIM_EQUALITY) { at = pm->quality; field = "quality"; }
      else if (rc == BIDSIM_EBIDRANGE || rc == BIDSIM_EBIDUNIT || rc == BIDSIM_EPREMIUM) {
        /* the engine names the segment: "plan.bids.<segment>" */
        field = strstr(e.where, "bids") ? strstr(e.where, "bids") : "bids";
        for (int s = 0; s < BIDSIM_SEG_COUNT; s++)
          if (strstr(e.where, bidsim_segment_name(s))) at = pm->bids[s];
      }
      snprintf(key, sizeof key, "plans[%u]%s%s", i, field[0] ? "." : "", field);
      bidsim__fail(c, at, rc, key, "%s", e.msg);
      break;
    }
    for (uint32_t k = 0; k < p->product_count && !rc; k++)
      if ((rc = bidsim_plan_add_product_id(m, plan, p->product_ids[k], &e))) {
        snprintf(key, sizeof key, "plans[%u].products[%u]", i, k);
        bidsim__fail(c, pm->products[k], rc == BIDSIM_ENOTFOUND ? BIDSIM_ESCHEMA : rc, key, "%s", e.msg);
      }
  }
  bidsim_market_free(m);
  return rc;
}
