/* engine/market.c - the market: catalogue (shops, products, plans and
 * their ad units), plan controls, daily caps and the clock (docs/model.md §1).
 * The ranking index and the auction's walk are market_index.c's, reached
 * through market_internal.h. Nothing on the per-impression path (charge,
 * advance within a day) allocates, locks or prints. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "bidsim/market.h"
#include "market_internal.h"

/* ---- small helpers ------------------------------------------------------ */

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
  if (need <= *cap) return BIDSIM_OK;
  uint32_t n = *cap ? *cap : 16;
  while (n < need) n = n > UINT32_MAX / 2 ? need : n * 2;
  void *q = bidsim_realloc(*p, (size_t)n * elem);
  if (q == NULL) return BIDSIM_ENOMEM;
  *p = q;
  *cap = n;
  return BIDSIM_OK;
}

static void update_next_publish(bidsim_market_t *m) {
  int64_t next = INT64_MAX;
  for (uint32_t p = 0; p < m->plan_count; p++)
    if (!(m->hot[p].flags & PLAN_PUBLISHED) && m->hot[p].publish_s < next) next = m->hot[p].publish_s;
  m->next_publish_s = next;
}

static int check_plan(const bidsim_market_t *m, uint32_t plan, bidsim_error_t *err) {
  if (plan >= m->plan_count)
    return bidsim_error_set(err, BIDSIM_ENOTFOUND, "plan", "no plan with index %u (the market has %u)", plan,
                            m->plan_count);
  return BIDSIM_OK;
}

/* ---- catalogue look-ups -------------------------------------------------- */

static inline uint64_t pair_key(uint32_t a, uint32_t b) { return (uint64_t)a << 32 | b; }

static void lookup_free(bidsim_market_t *m) {
  bidsim__table_free(&m->lookup.products);
  bidsim__table_free(&m->lookup.plans);
  bidsim__table_free(&m->lookup.members);
  bidsim__table_free(&m->lookup.units);
  m->lookup.ready = false;
}

/* The look-ups from the arrays, for a clone's first catalogue change. */
static int lookup_ensure(bidsim_market_t *m, bidsim_error_t *err) {
  if (m->lookup.ready) return BIDSIM_OK;
  uint32_t members = 0;
  for (uint32_t p = 0; p < m->plan_count; p++) members += m->plans[p].product_count;
  if (bidsim__table_reserve(&m->lookup.products, m->product_count) ||
      bidsim__table_reserve(&m->lookup.plans, m->plan_count) ||
      bidsim__table_reserve(&m->lookup.members, members) || bidsim__table_reserve(&m->lookup.units, m->unit_count)) {
    lookup_free(m);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory for the catalogue's look-ups");
  }
  /* reserved: no insert below can fail */
  for (uint32_t q = 0; q < m->product_count; q++)
    bidsim__table_insert(&m->lookup.products, bidsim__hash2(m->products[q].shop, m->products[q].spec.id), q);
  for (uint32_t p = 0; p < m->plan_count; p++) {
    const plan_cold_t *c = &m->plans[p];
    bidsim__table_insert(&m->lookup.plans, bidsim__hash_str(c->shop, c->name), p);
    for (uint32_t i = 0; i < c->product_count; i++)
      bidsim__table_insert(&m->lookup.members, pair_key(p, c->products[i]), c->products[i]);
  }
  for (uint32_t u = 0; u < m->unit_count; u++)
    bidsim__table_insert(&m->lookup.units, pair_key(m->units[u].plan, m->units[u].category), u);
  m->lookup.ready = true;
  return BIDSIM_OK;
}

/* Each look-up below walks the arrays when the tables are not built (a
 * clone that changed no catalogue yet): only const inspection gets there. */
static uint32_t product_with_id(const bidsim_market_t *m, uint32_t shop, uint64_t id) {
  if (!m->lookup.ready) {
    for (uint32_t q = m->shops[shop].first_product; q != BIDSIM_NONE; q = m->products[q].next_in_shop)
      if (m->products[q].spec.id == id) return q;
    return BIDSIM_NONE;
  }
  bidsim__probe_t pr;
  for (uint32_t q = bidsim__table_first(&m->lookup.products, bidsim__hash2(shop, id), &pr); q != BIDSIM_NONE;
       q = bidsim__table_next(&m->lookup.products, &pr))
    if (m->products[q].shop == shop && m->products[q].spec.id == id) return q;
  return BIDSIM_NONE;
}

static uint32_t plan_named(const bidsim_market_t *m, uint32_t shop, const char *name) {
  if (!m->lookup.ready) {
    for (uint32_t p = m->shops[shop].first_plan; p != BIDSIM_NONE; p = m->plans[p].next_in_shop)
      if (!strcmp(m->plans[p].name, name)) return p;
    return BIDSIM_NONE;
  }
  bidsim__probe_t pr;
  for (uint32_t p = bidsim__table_first(&m->lookup.plans, bidsim__hash_str(shop, name), &pr); p != BIDSIM_NONE;
       p = bidsim__table_next(&m->lookup.plans, &pr))
    if (m->plans[p].shop == shop && !strcmp(m->plans[p].name, name)) return p;
  return BIDSIM_NONE;
}

static bool plan_holds(const bidsim_market_t *m, uint32_t plan, uint32_t product) {
  if (!m->lookup.ready) {
    for (uint32_t i = 0; i < m->plans[plan].product_count; i++)
      if (m->plans[plan].products[i] == product) return true;
    return false;
  }
  bidsim__probe_t pr;
  return bidsim__table_first(&m->lookup.members, pair_key(plan, product), &pr) != BIDSIM_NONE;
}

static uint32_t plan_unit_in(const bidsim_market_t *m, uint32_t plan, uint32_t category) {
  if (!m->lookup.ready) {
    for (uint32_t u = m->hot[plan].first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan)
      if (m->units[u].category == category) return u;
    return BIDSIM_NONE;
  }
  bidsim__probe_t pr;
  return bidsim__table_first(&m->lookup.units, pair_key(plan, category), &pr);
}

/* ---- lifetime --------------------------------------------------------- */

int bidsim_market_create(const bidsim_market_config_t *cfg, bidsim_market_t **out, bidsim_error_t *err) {
  *out = NULL;
  int rc = bidsim_auction_config_check(&cfg->auction, err);
  if (rc) return rc;
  if (cfg->categories < 1 || cfg->categories > (1u << 20))
    return bidsim_error_set(err, BIDSIM_EINVAL, "market.categories", "categories %u is outside [1, %u]",
                            cfg->categories, 1u << 20);
  if (cfg->rank != BIDSIM_RANK_STATIC && cfg->rank != BIDSIM_RANK_PERSONAL)
    return bidsim_error_set(err, BIDSIM_EINVAL, "market.rank", "unknown ranking model %d", (int)cfg->rank);
  if (!(cfg->affinity_sigma >= 0.0 && cfg->affinity_sigma <= 3.0))
    return bidsim_error_set(err, BIDSIM_EINVAL, "market.affinity_sigma", "affinity sigma %g is outside [0, 3]",
                            cfg->affinity_sigma);
  if (cfg->affinity_truncate != 0.0 && !(cfg->affinity_truncate >= 0.5 && cfg->affinity_truncate <= 6.0))
    return bidsim_error_set(err, BIDSIM_EINVAL, "market.affinity_truncate",
                            "affinity truncation %g is outside [0.5, 6] (or 0 for the default 2)", cfg->affinity_truncate);
  for (int r = 0; r < BIDSIM_SEG_COUNT; r++)
    if (!(cfg->ctr_mult[r] >= 0.0 && cfg->ctr_mult[r] <= 100.0))
      return bidsim_error_set(err, BIDSIM_EINVAL, "market.ctr_mult", "CTR multiplier %g of relation %s is outside "
                              "(0, 100] (or 0 for 1)", cfg->ctr_mult[r], bidsim_segment_name(r));
  bidsim_market_t *m = bidsim_calloc(1, sizeof *m);
  if (m == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory");
  m->cfg = *cfg;
  m->stale = true;
  m->lookup.ready = true;   /* empty tables for an empty catalogue */
  m->next_publish_s = INT64_MAX;
  *out = m;
  return BIDSIM_OK;
}

#define DUP_ARRAY(dst, src, count, type)                                          \
  do {                                                                            \
    if ((count) > 0) {                                                            \
      (dst) = bidsim_malloc((size_t)(count) * sizeof(type));                      \
      if ((dst) == NULL) goto fail;                                               \
      memcpy((dst), (src), (size_t)(count) * sizeof(type));                       \
    } else {                                                                      \
      (dst) = NULL;                                                               \
    }                                                                             \
  } while (0)

int bidsim_market_clone(const bidsim_market_t *src, bidsim_market_t **out, bidsim_error_t *err) {
  *out = NULL;
  bidsim_market_t *m = bidsim_calloc(1, sizeof *m);
  if (m == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory");
  *m = *src;
  m->shops = NULL; m->products = NULL; m->plans = NULL; m->hot = NULL; m->units = NULL;
  m->index.lists = NULL;
  m->index.pos = NULL;
  m->participation_q32 = NULL;
  m->target_q20 = NULL;
  m->index.personal = NULL;
  memset(&m->lookup, 0, sizeof m->lookup);   /* built from the arrays if a catalogue call needs them */
  m->shop_cap = src->shop_count; m->product_cap = src->product_count;
  m->plan_cap = m->hot_cap = m->part_cap = m->target_cap = src->plan_count;
  m->unit_cap = src->unit_count;
  m->plan_count = 0;   /* counts plans whose product arrays are owned, for fail */
  DUP_ARRAY(m->shops, src->shops, src->shop_count, shop_t);
  DUP_ARRAY(m->products, src->products, src->product_count, product_t);
  DUP_ARRAY(m->hot, src->hot, src->plan_count, plan_hot_t);
  DUP_ARRAY(m->participation_q32, src->participation_q32, src->plan_count, uint32_t);
  DUP_ARRAY(m->target_q20, src->target_q20, src->plan_count, uint32_t);
  DUP_ARRAY(m->units, src->units, src->unit_count, unit_t);
  if (src->plan_count > 0) {
    m->plans = bidsim_malloc((size_t)src->plan_count * sizeof *m->plans);
    if (m->plans == NULL) goto fail;
    for (uint32_t p = 0; p < src->plan_count; p++) {
      m->plans[p] = src->plans[p];
      m->plans[p].product_cap = src->plans[p].product_count;
      DUP_ARRAY(m->plans[p].products, src->plans[p].products, src->plans[p].product_count, uint32_t);
      m->plan_count = p + 1;
    }
  }
  if (bidsim__index_clone(m, src) != BIDSIM_OK) goto fail;
  m->plan_count = src->plan_count;
  *out = m;
  return BIDSIM_OK;
fail:
  bidsim_market_free(m);
  return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory while cloning the market");
}

void bidsim_market_reset(bidsim_market_t *m) {
  m->now_s = 0;
  m->advanced = false;
  for (uint32_t p = 0; p < m->plan_count; p++) {
    plan_hot_t *h = &m->hot[p];
    memcpy(h->bid_li, m->plans[p].bid0_li, sizeof h->bid_li);
    h->spend_li = 0;
    m->plans[p].cap_hit_s = -1;
    h->publish_s = m->plans[p].publish0_s;
    h->flags = h->publish_s <= 0 ? PLAN_PUBLISHED : 0;
    m->participation_q32[p] = UINT32_MAX;
  }
  m->throttled = 0;
  update_next_publish(m);
  bidsim__index_reset(m);
}

void bidsim_market_free(bidsim_market_t *m) {
  if (m == NULL) return;
  bidsim__index_free(m);
  lookup_free(m);
  if (m->plans)
    for (uint32_t p = 0; p < m->plan_count; p++) bidsim_free(m->plans[p].products);
  bidsim_free(m->plans);
  bidsim_free(m->hot);
  bidsim_free(m->participation_q32);
  bidsim_free(m->target_q20);
  bidsim_free(m->units);
  bidsim_free(m->products);
  bidsim_free(m->shops);
  bidsim_free(m);
}

/* ---- catalogue -------------------------------------------------------- */

int bidsim_market_add_shop(bidsim_market_t *m, const char *name, uint32_t *shop_out, bidsim_error_t *err) {
  if (name == NULL || name[0] == '\0' || strlen(name) >= BIDSIM_NAME_MAX)
    return bidsim_error_set(err, BIDSIM_EINVAL, "shop.name", "shop name must be 1 to %d bytes",
                            BIDSIM_NAME_MAX - 1);
  if (grow((void **)&m->shops, &m->shop_cap, m->shop_count + 1, sizeof *m->shops))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "shop", "out of memory");
  shop_t *s = &m->shops[m->shop_count];
  memset(s, 0, sizeof *s);
  strcpy(s->name, name);
  s->first_product = s->first_plan = BIDSIM_NONE;
  if (shop_out) *shop_out = m->shop_count;
  m->shop_count++;
  return BIDSIM_OK;
}

int bidsim_market_add_product(bidsim_market_t *m, uint32_t shop, const bidsim_product_spec_t *spec,
                              uint32_t *product_out, bidsim_error_t *err) {
  if (shop >= m->shop_count)
    return bidsim_error_set(err, BIDSIM_ENOTFOUND, "product.shop", "no shop with index %u", shop);
  if (spec->category >= m->cfg.categories)
    return bidsim_error_set(err, BIDSIM_EINVAL, "product.category", "category %u is outside [0, %u)",
                            spec->category, m->cfg.categories);
  if (spec->status > BIDSIM_PRODUCT_REMOVED)
    return bidsim_error_set(err, BIDSIM_EINVAL, "product.status", "unknown status %d", (int)spec->status);
  if (spec->price_li < 0)
    return bidsim_error_set(err, BIDSIM_EINVAL, "product.price", "price must not be negative");
  int rc;
  if (spec->quality != 0 && (rc = bidsim_rule_check_quality(spec->quality, "product.quality", err))) return rc;
  if ((rc = lookup_ensure(m, err))) return rc;
  if (product_with_id(m, shop, spec->id) != BIDSIM_NONE)
    return bidsim_error_set(err, BIDSIM_EINVAL, "product.id", "product id %llu is already listed in shop '%s'",
                            (unsigned long long)spec->id, m->shops[shop].name);
  if (grow((void **)&m->products, &m->product_cap, m->product_count + 1, sizeof *m->products) ||
      bidsim__table_insert(&m->lookup.products, bidsim__hash2(shop, spec->id), m->product_count))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "product", "out of memory");
  product_t *pr = &m->products[m->product_count];
  pr->spec = *spec;
  pr->shop = shop;
  pr->next_in_shop = m->shops[shop].first_product;
  m->shops[shop].first_product = m->product_count;
  if (product_out) *product_out = m->product_count;
  m->product_count++;
  return BIDSIM_OK;
}

int bidsim_market_add_plan(bidsim_market_t *m, const bidsim_plan_spec_t *spec, uint32_t *plan_out,
                           bidsim_error_t *err) {
  int rc;
  if (spec->shop >= m->shop_count)
    return bidsim_error_set(err, BIDSIM_ENOTFOUND, "plan.shop", "no shop with index %u", spec->shop);
  if ((rc = bidsim_rule_check_plan_name(spec->name, "plan.name", err))) return rc;
  if ((rc = lookup_ensure(m, err))) return rc;
  if (plan_named(m, spec->shop, spec->name) != BIDSIM_NONE)
    return bidsim_error_set(err, BIDSIM_EDUPNAME, "plan.name", "plan name '%s' is already used in shop '%s'",
                            spec->name, m->shops[spec->shop].name);
  if ((rc = bidsim_rule_check_cap(spec->cap_li, "plan.cap", err))) return rc;
  if ((rc = bidsim_rule_check_bids(spec->bid_li, "plan.bids", err))) return rc;
  if ((rc = bidsim_rule_check_quality(spec->quality, "plan.quality", err))) return rc;
  if (grow((void **)&m->plans, &m->plan_cap, m->plan_count + 1, sizeof *m->plans) ||
      bidsim__table_reserve(&m->lookup.plans, 1))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "plan", "out of memory");
  /* the hot state and participation grow by doubling too (a realloc per
   * plan copied every plan's state each time an allocator does not grow in
   * place: quadratic) */
  if (grow((void **)&m->hot, &m->hot_cap, m->plan_count + 1, sizeof *m->hot) ||
      grow((void **)&m->participation_q32, &m->part_cap, m->plan_count + 1, sizeof *m->participation_q32) ||
      grow((void **)&m->target_q20, &m->target_cap, m->plan_count + 1, sizeof *m->target_q20))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "plan", "out of memory");

  uint32_t p = m->plan_count;
  plan_cold_t *c = &m->plans[p];
  memset(c, 0, sizeof *c);
  strcpy(c->name, spec->name);
  c->shop = spec->shop;
  c->next_in_shop = m->shops[spec->shop].first_plan;
  memcpy(c->bid0_li, spec->bid_li, sizeof c->bid0_li);
  c->publish0_s = spec->publish_s;
  c->cap_hit_s = -1;
  c->last_unit = BIDSIM_NONE;
  bidsim__table_insert(&m->lookup.plans, bidsim__hash_str(spec->shop, spec->name), p);   /* reserved above */
  plan_hot_t *h = &m->hot[p];
  memset(h, 0, sizeof *h);
  h->first_unit = BIDSIM_NONE;
  memcpy(h->bid_li, spec->bid_li, sizeof h->bid_li);
  h->cap_li = spec->cap_li;
  h->quality = spec->quality;
  h->publish_s = spec->publish_s;
  h->flags = spec->publish_s <= m->now_s ? PLAN_PUBLISHED : 0;
  m->participation_q32[p] = UINT32_MAX;
  m->target_q20[p] = 1u << 20;
  if (!(h->flags & PLAN_PUBLISHED) && spec->publish_s < m->next_publish_s) m->next_publish_s = spec->publish_s;
  m->shops[spec->shop].first_plan = p;
  m->plan_count++;
  if (plan_out) *plan_out = p;
  return BIDSIM_OK;
}

/* Checks one product against the plan without changing anything. */
static int plan_product_check(const bidsim_market_t *m, uint32_t plan, uint32_t product, bidsim_error_t *err) {
  if (product >= m->product_count)
    return bidsim_error_set(err, BIDSIM_ENOTFOUND, "plan.products", "no product with index %u", product);
  const product_t *pr = &m->products[product];
  const plan_cold_t *c = &m->plans[plan];
  if (pr->shop != c->shop)
    return bidsim_error_set(err, BIDSIM_EINVAL, "plan.products",
                            "product %llu belongs to shop '%s', not to the plan's shop '%s'",
                            (unsigned long long)pr->spec.id, m->shops[pr->shop].name, m->shops[c->shop].name);
  /* the field names the product; formatted only on failure (loading checks a million) */
  bidsim_error_t e;
  int rc = bidsim_rule_check_product(pr->spec.historical_sales, pr->spec.status, "", &e);
  if (rc == BIDSIM_OK && plan_holds(m, plan, product))
    rc = bidsim_error_set(&e, BIDSIM_EDUPPRODUCT, "", "product %llu is already in plan '%s'",
                          (unsigned long long)pr->spec.id, c->name);
  if (rc == BIDSIM_OK) return BIDSIM_OK;
  char where[96];
  snprintf(where, sizeof where, "plan.products[id=%llu]", (unsigned long long)pr->spec.id);
  return bidsim_error_set(err, rc, where, "%s", e.msg);
}

/* Append a checked product; the look-ups must be ready. Everything that can
 * fail comes before the first change, so a failure leaves the plan as it was. */
static int plan_product_append(bidsim_market_t *m, uint32_t plan, uint32_t product, bidsim_error_t *err) {
  plan_cold_t *c = &m->plans[plan];
  uint32_t cat = m->products[product].spec.category;
  assert(m->lookup.ready && m->products[product].shop == c->shop);   /* plan_product_check's rule */
  const bool has_unit = plan_unit_in(m, plan, cat) != BIDSIM_NONE;
  if (grow((void **)&c->products, &c->product_cap, c->product_count + 1, sizeof *c->products) ||
      bidsim__table_reserve(&m->lookup.members, 1) ||
      (!has_unit && (grow((void **)&m->units, &m->unit_cap, m->unit_count + 1, sizeof *m->units) ||
                     bidsim__table_reserve(&m->lookup.units, 1))))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "plan.products", "out of memory");
  if (!has_unit) {
    const uint32_t u = m->unit_count;
    unit_t *un = &m->units[u];
    memset(un, 0, sizeof *un);
    un->plan = plan;
    un->category = cat;
    un->product = product;
    un->quality = m->products[product].spec.quality ? m->products[product].spec.quality : m->hot[plan].quality;
    /* at the end of the plan's list, so units keep creation order */
    un->next_in_plan = BIDSIM_NONE;
    if (c->last_unit == BIDSIM_NONE) m->hot[plan].first_unit = u;
    else m->units[c->last_unit].next_in_plan = u;
    c->last_unit = u;
    bidsim__table_insert(&m->lookup.units, pair_key(plan, cat), u);   /* reserved */
    m->unit_count++;
    m->stale = true;
  }
  bidsim__table_insert(&m->lookup.members, pair_key(plan, product), product);   /* reserved */
  c->products[c->product_count++] = product;
  return BIDSIM_OK;
}

int bidsim_plan_add_product(bidsim_market_t *m, uint32_t plan, uint32_t product, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if ((rc = lookup_ensure(m, err))) return rc;
  if ((rc = plan_product_check(m, plan, product, err))) return rc;
  return plan_product_append(m, plan, product, err);
}

int bidsim_plan_add_product_id(bidsim_market_t *m, uint32_t plan, uint64_t product_id, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if ((rc = lookup_ensure(m, err))) return rc;
  uint32_t shop = m->plans[plan].shop, q = product_with_id(m, shop, product_id);
  if (q != BIDSIM_NONE) return bidsim_plan_add_product(m, plan, q, err);
  return bidsim_error_set(err, BIDSIM_ENOTFOUND, "plan.products", "shop '%s' lists no product with id %llu",
                          m->shops[shop].name, (unsigned long long)product_id);
}

int bidsim_plan_add_products(bidsim_market_t *m, uint32_t plan, const uint32_t *products, uint32_t count,
                             bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if ((rc = lookup_ensure(m, err))) return rc;
  /* all or none: check every product, and duplicates within the list (a
   * set of those seen so far), before anything changes */
  bidsim__table_t seen = { 0 };
  if (bidsim__table_reserve(&seen, count))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "plan.products", "out of memory");
  for (uint32_t i = 0; i < count && rc == BIDSIM_OK; i++) {
    bidsim__probe_t pr;
    if ((rc = plan_product_check(m, plan, products[i], err))) break;
    if (bidsim__table_first(&seen, products[i], &pr) != BIDSIM_NONE)
      rc = bidsim_error_set(err, BIDSIM_EDUPPRODUCT, "plan.products", "product %llu is listed twice",
                            (unsigned long long)m->products[products[i]].spec.id);
    else
      bidsim__table_insert(&seen, products[i], i);   /* reserved */
  }
  bidsim__table_free(&seen);
  if (rc) return rc;
  plan_cold_t *c = &m->plans[plan];
  if (grow((void **)&c->products, &c->product_cap, c->product_count + count, sizeof *c->products) ||
      grow((void **)&m->units, &m->unit_cap, m->unit_count + count, sizeof *m->units) ||
      bidsim__table_reserve(&m->lookup.members, count) || bidsim__table_reserve(&m->lookup.units, count))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "plan.products", "out of memory");
  for (uint32_t i = 0; i < count; i++)
    if ((rc = plan_product_append(m, plan, products[i], err))) return rc;   /* cannot fail: reserved */
  return BIDSIM_OK;
}

/* ---- controls ----------------------------------------------------------- */

int bidsim_market_set_bids(bidsim_market_t *m, uint32_t plan, const int64_t bid_li[BIDSIM_SEG_COUNT],
                           bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if ((rc = bidsim_rule_check_bids(bid_li, "plan.bids", err))) return rc;
  plan_hot_t *h = &m->hot[plan];
  int64_t old[BIDSIM_SEG_COUNT];
  memcpy(old, h->bid_li, sizeof old);
  memcpy(h->bid_li, bid_li, sizeof h->bid_li);
  if (!m->advanced) memcpy(m->plans[plan].bid0_li, bid_li, sizeof m->plans[plan].bid0_li);
  bidsim__index_plan_bids(m, plan, old);
  return BIDSIM_OK;
}

/* Whether a plan with this spend must stop for the day (docs/model.md §1). In
 * strict mode it stops once what remains cannot pay a click at its lowest
 * bid, since it would never be eligible again today anyway. */
static bool cap_reached(const bidsim_market_t *m, const plan_hot_t *h) {
  if (h->cap_li == BIDSIM_CAP_UNLIMITED) return false;
  if (m->cfg.strict_caps) {
    int64_t lowest = h->bid_li[0];
    for (int s = 1; s < BIDSIM_SEG_COUNT; s++) if (h->bid_li[s] < lowest) lowest = h->bid_li[s];
    return h->cap_li - h->spend_li < lowest;
  }
  return h->spend_li >= h->cap_li;
}

int bidsim_market_set_cap(bidsim_market_t *m, uint32_t plan, int64_t cap_li, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if ((rc = bidsim_rule_check_cap(cap_li, "plan.cap", err))) return rc;
  plan_hot_t *h = &m->hot[plan];
  h->cap_li = cap_li;
  if (cap_reached(m, h)) {
    if (!(h->flags & PLAN_CAPPED)) { h->flags |= PLAN_CAPPED; m->plans[plan].cap_hit_s = m->now_s; }
  } else {
    h->flags &= ~PLAN_CAPPED;   /* a raised cap resumes the plan today */
    m->plans[plan].cap_hit_s = -1;
  }
  bidsim__index_plan_flags(m, plan);
  return BIDSIM_OK;
}

int bidsim_market_set_participation(bidsim_market_t *m, uint32_t plan, double share, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if (!(share >= 0.0 && share <= 1.0))
    return bidsim_error_set(err, BIDSIM_EINVAL, "plan.participation", "participation %g is outside [0, 1]", share);
  uint32_t q = share >= 1.0 ? UINT32_MAX : (uint32_t)(share * 4294967296.0);
  m->throttled += (q != UINT32_MAX) - (m->participation_q32[plan] != UINT32_MAX);
  m->participation_q32[plan] = q;
  return BIDSIM_OK;
}

int bidsim_market_set_shop_reach(bidsim_market_t *m, uint32_t shop, double reach, bidsim_visit_mode_t mode,
                                 bidsim_error_t *err) {
  if (shop >= m->shop_count)
    return bidsim_error_set(err, BIDSIM_ENOTFOUND, "shop", "no shop with index %u (the market has %u)", shop,
                            m->shop_count);
  if (!(reach >= 0.0 && reach <= 1.0))
    return bidsim_error_set(err, BIDSIM_EINVAL, "shop.reach", "reach %g is outside [0, 1]", reach);
  if (mode != BIDSIM_VISIT_EACH && mode != BIDSIM_VISIT_DRAWN)
    return bidsim_error_set(err, BIDSIM_EINVAL, "shop.visits", "unknown visit mode %d", (int)mode);
  m->shops[shop].reach_q32 = reach >= 1.0 ? UINT32_MAX : (uint32_t)(reach * 4294967296.0);
  m->shops[shop].visit_mode = (uint32_t)mode;
  m->stale = true;   /* the visit tables are built with the index */
  return BIDSIM_OK;
}

int bidsim_market_set_targeting(bidsim_market_t *m, uint32_t plan, double share, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if (!(share >= 0.0 && share <= 1.0))
    return bidsim_error_set(err, BIDSIM_EINVAL, "plan.targeting", "targeting share %g is outside [0, 1]", share);
  const uint32_t q = (uint32_t)llround(share * 1048576.0);
  m->targeted += (q != 1u << 20) - (m->target_q20[plan] != 1u << 20);
  m->target_q20[plan] = q;
  return BIDSIM_OK;
}

int bidsim_market_set_paused(bidsim_market_t *m, uint32_t plan, bool paused, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if (paused) m->hot[plan].flags |= PLAN_PAUSED; else m->hot[plan].flags &= ~PLAN_PAUSED;
  bidsim__index_plan_flags(m, plan);
  return BIDSIM_OK;
}

int bidsim_market_publish(bidsim_market_t *m, uint32_t plan, int64_t publish_s, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  plan_hot_t *h = &m->hot[plan];
  h->publish_s = publish_s;
  if (!m->advanced) m->plans[plan].publish0_s = publish_s;
  if (publish_s <= m->now_s) {
    h->flags |= PLAN_PUBLISHED;
  } else {
    h->flags &= ~PLAN_PUBLISHED;
  }
  update_next_publish(m);
  bidsim__index_plan_flags(m, plan);
  return BIDSIM_OK;
}

/* ---- clock and hot path ----------------------------------------------- */

int bidsim_market_build(bidsim_market_t *m, bidsim_error_t *err) {
  return m->stale ? bidsim__index_build(m, err) : BIDSIM_OK;
}

int bidsim_market_advance_to(bidsim_market_t *m, int64_t t_s) {
  if (t_s < m->now_s) return BIDSIM_ESTATE;
  int rc = bidsim_market_build(m, NULL);
  if (rc) return rc;
  if (t_s == m->now_s) return BIDSIM_OK;
  bool new_day = t_s / BIDSIM_SECONDS_PER_DAY != m->now_s / BIDSIM_SECONDS_PER_DAY;
  m->now_s = t_s;
  m->advanced = true;
  if (new_day) {
    /* midnight: every plan's day spend restarts and capped plans resume */
    for (uint32_t p = 0; p < m->plan_count; p++) {
      plan_hot_t *h = &m->hot[p];
      h->spend_li = 0;
      if (h->flags & PLAN_CAPPED) {   /* only a capped plan has a cap-hit time */
        h->flags &= ~PLAN_CAPPED;
        m->plans[p].cap_hit_s = -1;
        bidsim__index_plan_flags(m, p);
      }
    }
  }
  if (t_s >= m->next_publish_s) {
    for (uint32_t p = 0; p < m->plan_count; p++) {
      plan_hot_t *h = &m->hot[p];
      if (!(h->flags & PLAN_PUBLISHED) && h->publish_s <= t_s) {
        h->flags |= PLAN_PUBLISHED;
        bidsim__index_plan_flags(m, p);
      }
    }
    update_next_publish(m);
  }
  return BIDSIM_OK;
}

int64_t bidsim_market_charge(bidsim_market_t *m, uint32_t plan, int64_t price_li, bool *capped) {
  if (capped) *capped = false;
  if (plan >= m->plan_count || price_li <= 0) return 0;
  plan_hot_t *h = &m->hot[plan];
  int64_t amount = price_li;
  if (m->cfg.strict_caps && h->cap_li != BIDSIM_CAP_UNLIMITED && amount > h->cap_li - h->spend_li)
    amount = h->cap_li - h->spend_li > 0 ? h->cap_li - h->spend_li : 0;
  h->spend_li += amount;
  if (!(h->flags & PLAN_CAPPED) && cap_reached(m, h)) {
    h->flags |= PLAN_CAPPED;
    m->plans[plan].cap_hit_s = m->now_s;
    bidsim__index_plan_flags(m, plan);
    if (capped) *capped = true;
  }
  return amount;
}

/* ---- inspection -------------------------------------------------------- */

uint32_t bidsim_market_shop_count(const bidsim_market_t *m) { return m->shop_count; }
uint32_t bidsim_market_product_count(const bidsim_market_t *m) { return m->product_count; }
uint32_t bidsim_market_plan_count(const bidsim_market_t *m) { return m->plan_count; }
uint32_t bidsim_market_unit_count(const bidsim_market_t *m) { return m->unit_count; }
const bidsim_market_config_t *bidsim_market_config(const bidsim_market_t *m) { return &m->cfg; }
int64_t bidsim_market_now(const bidsim_market_t *m) { return m->now_s; }

int bidsim_market_plan_info(const bidsim_market_t *m, uint32_t plan, bidsim_plan_info_t *out) {
  if (plan >= m->plan_count) return BIDSIM_ENOTFOUND;
  const plan_cold_t *c = &m->plans[plan];
  const plan_hot_t *h = &m->hot[plan];
  out->name = c->name;
  out->shop = c->shop;
  out->cap_li = h->cap_li;
  memcpy(out->bid_li, h->bid_li, sizeof out->bid_li);
  out->quality = h->quality;
  out->publish_s = h->publish_s;
  out->published = (h->flags & PLAN_PUBLISHED) != 0;
  out->paused = (h->flags & PLAN_PAUSED) != 0;
  out->capped = (h->flags & PLAN_CAPPED) != 0;
  out->spend_today_li = h->spend_li;
  out->cap_hit_s = c->cap_hit_s;
  out->product_count = c->product_count;
  out->products = c->products;
  return BIDSIM_OK;
}

int bidsim_market_plans_spend(const bidsim_market_t *m, uint32_t count, const uint32_t *plans,
                              int64_t *spend_today_li, int64_t *cap_li) {
  for (uint32_t i = 0; i < count; i++) {
    if (plans[i] >= m->plan_count) return BIDSIM_ENOTFOUND;
    const plan_hot_t *h = &m->hot[plans[i]];
    spend_today_li[i] = h->spend_li;
    cap_li[i] = h->cap_li;
  }
  return BIDSIM_OK;
}

int bidsim_market_find_plan(const bidsim_market_t *m, uint32_t shop, const char *name, uint32_t *plan_out) {
  if (shop >= m->shop_count || name == NULL) return BIDSIM_ENOTFOUND;
  const uint32_t p = plan_named(m, shop, name);
  if (p == BIDSIM_NONE) return BIDSIM_ENOTFOUND;
  if (plan_out) *plan_out = p;
  return BIDSIM_OK;
}

const char *bidsim_market_shop_name(const bidsim_market_t *m, uint32_t shop) {
  return shop < m->shop_count ? m->shops[shop].name : NULL;
}

const bidsim_product_spec_t *bidsim_market_product(const bidsim_market_t *m, uint32_t product) {
  return product < m->product_count ? &m->products[product].spec : NULL;
}

uint32_t bidsim_market_product_shop(const bidsim_market_t *m, uint32_t product) {
  return product < m->product_count ? m->products[product].shop : BIDSIM_NONE;
}

void bidsim_market_unit(const bidsim_market_t *m, uint32_t unit, uint32_t *plan, uint32_t *product) {
  if (unit >= m->unit_count) {
    if (plan) *plan = BIDSIM_NONE;
    if (product) *product = BIDSIM_NONE;
    return;
  }
  if (plan) *plan = m->units[unit].plan;
  if (product) *product = m->units[unit].product;
}

uint32_t bidsim_market_unit_quality(const bidsim_market_t *m, uint32_t unit) {
  return unit < m->unit_count ? m->units[unit].quality : 0;
}
