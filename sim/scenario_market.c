/* sim/scenario_market.c - the `market` section: the synthetic competitors'
 * count, distributions, category mix and strategy shares. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

int bidsim__load_market(ctx_t *c, struct fy_node *n) {
  static const char *const keys[] = { "plans", "base_bid", "premium_shop", "premium_similar", "quality",
                                      "unlimited_share", "cap", "ctr", "cvr", "order_value", "category_shares",
                                      "strategies", "reach", "targeting", "redraw", NULL };
  bidsim_sc_market_t *mk = &c->sc->market;
  int rc = bidsim__check_keys(c, n, "market", keys);
  if (rc) return rc;
  struct fy_node *v;
  if ((rc = bidsim__opt_u32(c, n, "market", "plans", 0, 10000000, &mk->plans))) return rc;
  static const struct { const char *k; double lo, hi; size_t off; } dists[] = {
    { "base_bid", 0.0, 99.0, offsetof(bidsim_sc_market_t, base_bid_yuan) },
    { "premium_shop", 0.0, 1000.0, offsetof(bidsim_sc_market_t, premium_pct) },
    { "premium_similar", 0.0, 1000.0, offsetof(bidsim_sc_market_t, premium_pct) + sizeof(bidsim_dist_t) },
    { "quality", 0.0, 1e6, offsetof(bidsim_sc_market_t, quality) },
    { "cap", 0.0, 1e9, offsetof(bidsim_sc_market_t, cap_yuan) },
    { "ctr", 0.0, 1.0, offsetof(bidsim_sc_market_t, ctr) },
    { "cvr", 0.0, 1.0, offsetof(bidsim_sc_market_t, cvr) },
    { "order_value", 0.0, 1e7, offsetof(bidsim_sc_market_t, order_value_yuan) },
    { "reach", 0.0, 1.0, offsetof(bidsim_sc_market_t, reach) },
    { "targeting", 0.0, 1.0, offsetof(bidsim_sc_market_t, targeting) },
  };
  for (size_t i = 0; i < sizeof dists / sizeof dists[0]; i++)
    if ((v = bidsim__get(n, dists[i].k))) {
      char key[64];
      bidsim__join(key, sizeof key, "market", dists[i].k);
      if (dists[i].off == offsetof(bidsim_sc_market_t, quality) && c->sc->quality_model == BIDSIM_QUALITY_CTR)
        return bidsim__quality_refused(c, v, key);
      if ((rc = bidsim__dist(c, v, key, dists[i].lo, dists[i].hi, (bidsim_dist_t *)((char *)mk + dists[i].off)))) return rc;
    }
  if ((v = bidsim__get(n, "redraw"))) {
    char buf[32];
    if ((rc = bidsim__scalar(c, v, "market.redraw", buf, sizeof buf, "once or per_replicate"))) return rc;
    if (!strcmp(buf, "once")) mk->redraw = BIDSIM_REDRAW_ONCE;
    else if (!strcmp(buf, "per_replicate")) mk->redraw = BIDSIM_REDRAW_PER_REPLICATE;
    else return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "market.redraw", "unknown redraw '%s' (once: one market for "
                                "every replicate; per_replicate: drawn again for each)", buf);
  }
  if ((rc = bidsim__opt_double(c, n, "market", "unlimited_share", 0.0, 1.0, &mk->unlimited_share))) return rc;
  if ((v = bidsim__get(n, "category_shares"))) {
    const bidsim_scenario_t *sc = c->sc;
    if (!fy_node_is_mapping(v)) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "market.category_shares", "expected a mapping category: share");
    for (uint32_t i = 0; i < sc->category_count; i++) mk->category_shares[i] = 0.0;
    mk->category_shares_derived = false;
    void *it = NULL;
    struct fy_node_pair *pr;
    double sum = 0.0;
    while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
      char name[BIDSIM_NAME_MAX];
      if ((rc = bidsim__get_name(c, fy_node_pair_key(pr), "market.category_shares", name))) return rc;
      int cat = bidsim__find_category(c, name);
      if (cat < 0) return bidsim__fail_at(c, fy_node_pair_key(pr), BIDSIM_ESCHEMA, "market.category_shares", "unknown category '%s'", name);
      if ((rc = bidsim__get_double(c, fy_node_pair_value(pr), "market.category_shares", 0.0, 1.0, &mk->category_shares[cat]))) return rc;
      sum += mk->category_shares[cat];
    }
    if (fabs(sum - 1.0) > 1e-9) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "market.category_shares", "shares sum to %g, not 1", sum);
  }
  /* strategies: [{share: s, strategy: {kind|plugin, params}}, ...], shares summing to at most 1 */
  if ((v = bidsim__get(n, "strategies"))) {
    int cnt = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : -1;
    if (cnt < 0 || cnt > 64) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "market.strategies", "expected a list of up to 64 {share, strategy}");
    mk->strategy_share = bidsim_calloc((size_t)cnt + 1, sizeof *mk->strategy_share);
    mk->strategies = bidsim_calloc((size_t)cnt + 1, sizeof *mk->strategies);
    if (!mk->strategy_share || !mk->strategies) return bidsim__fail_at(c, v, BIDSIM_ENOMEM, "market.strategies", "out of memory");
    void *it = NULL;
    struct fy_node *item;
    double sum = 0.0;
    static const char *const skeys[] = { "share", "strategy", NULL };
    for (uint32_t i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
      char key[64], sub[96];
      snprintf(key, sizeof key, "market.strategies[%u]", i);
      if ((rc = bidsim__check_keys(c, item, key, skeys))) return rc;
      if (!bidsim__get(item, "share") || !bidsim__get(item, "strategy"))
        return bidsim__fail_at(c, item, BIDSIM_ESCHEMA, key, "each entry needs share and strategy");
      bidsim__join(sub, sizeof sub, key, "share");
      if ((rc = bidsim__get_double(c, bidsim__get(item, "share"), sub, 0.0, 1.0, &mk->strategy_share[i]))) return rc;
      sum += mk->strategy_share[i];
      if (sum > 1.0 + 1e-9) return bidsim__fail_at(c, bidsim__get(item, "share"), BIDSIM_ESCHEMA, sub, "the shares sum to %g, more than 1", sum);
      bidsim__join(sub, sizeof sub, key, "strategy");
      if ((rc = bidsim__load_strategy(c, bidsim__get(item, "strategy"), sub, &mk->strategies[i]))) return rc;
      mk->strategy_count = i + 1;
    }
  }
  return BIDSIM_OK;
}
