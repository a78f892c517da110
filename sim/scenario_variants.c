/* sim/scenario_variants.c - `variants`: named sets of changes to listed
 * plans (bids, cap, strategy), merged over the plan's settings and checked
 * by the engine's rules module. */
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

/* plans: {PLAN: {bids: {...}, cap: ...}}. A segment bid not given keeps the
 * plan's: its yuan, or its premium (a "+N%" or the default +10%) over the
 * variant's base; the merged bids and the cap are checked by the engine's
 * rules module. */
static int load_change(ctx_t *c, const bidsim__plan_names_t *pn, struct fy_node_pair *pair, const char *vkey,
                       bidsim_sc_change_t *ch) {
  static const char *const keys[] = { "bids", "cap", "strategy", NULL };
  static const char *const segs[] = { "ordinary", "shop", "similar", NULL };
  bidsim_scenario_t *sc = c->sc;
  struct fy_node *k = fy_node_pair_key(pair), *n = fy_node_pair_value(pair), *v;
  char name[BIDSIM_NAME_MAX], key[256], sub[300];
  int rc = bidsim__get_name(c, k, vkey, name);
  if (rc) return rc;
  int i = bidsim__find_plan(sc, pn, name);
  if (i == -2)
    return bidsim__fail_at(c, k, BIDSIM_ESCHEMA, vkey, "plan name '%s' is used in several shops: write 'SHOP/%s'",
                name, name);
  if (i < 0) return bidsim__fail_at(c, k, BIDSIM_ESCHEMA, vkey, "unknown plan '%s' (not in plans)", name);
  snprintf(key, sizeof key, "%s.%s", vkey, name);
  if ((rc = bidsim__check_keys(c, n, key, keys))) return rc;
  const bidsim_sc_plan_t *p = &sc->plans[i];
  ch->plan = (uint32_t)i;
  memcpy(ch->bid_li, p->bid_li, sizeof ch->bid_li);
  memcpy(ch->premium_pct, p->premium_pct, sizeof ch->premium_pct);
  ch->cap_li = p->cap_li;
  bidsim_error_t e;
  if ((v = bidsim__get(n, "bids"))) {
    bidsim__join(sub, sizeof sub, key, "bids");
    if ((rc = bidsim__check_keys(c, v, sub, segs))) return rc;
    for (int g = 0; g < BIDSIM_SEG_COUNT; g++) {
      struct fy_node *b = bidsim__get(v, segs[g]);
      char bkey[320];
      bidsim__join(bkey, sizeof bkey, sub, segs[g]);
      if (b && (rc = bidsim__get_bid(c, b, bkey, g, ch->bid_li[0], &ch->bid_li[g], &ch->premium_pct[g]))) return rc;
      if (!b && ch->premium_pct[g])   /* the plan's premium over this variant's base */
        bidsim_rule_premium_bid(ch->bid_li[0], ch->premium_pct[g], &ch->bid_li[g], bkey, NULL);
    }
    if ((rc = bidsim_rule_check_bids(ch->bid_li, sub, &e))) {
      /* point at the segment the engine names, else at the mapping */
      mark_t at = bidsim__node_mark(v);
      for (int g = 0; g < BIDSIM_SEG_COUNT; g++)
        if (strstr(e.where, segs[g]) && bidsim__get(v, segs[g])) at = bidsim__node_mark(bidsim__get(v, segs[g]));
      return bidsim__fail(c, at, rc, e.where, "%s", e.msg);
    }
  }
  if ((v = bidsim__get(n, "cap"))) {
    bidsim__join(sub, sizeof sub, key, "cap");
    if (fy_node_is_scalar(v) && bidsim__plain(v) && !strcmp(fy_node_get_scalar0(v) ? fy_node_get_scalar0(v) : "", "unlimited"))
      ch->cap_li = BIDSIM_CAP_UNLIMITED;
    else if ((rc = bidsim__get_money(c, v, sub, &ch->cap_li)))
      return rc;
    if ((rc = bidsim_rule_check_cap(ch->cap_li, sub, &e))) return bidsim__fail_at(c, v, rc, sub, "%s", e.msg);
  }
  bidsim__warn_units(c, bidsim__get(n, "bids"), bidsim__get(n, "cap"), key, ch->bid_li, ch->premium_pct, ch->cap_li);
  if ((v = bidsim__get(n, "strategy"))) {
    bidsim__join(sub, sizeof sub, key, "strategy");
    if ((rc = bidsim__load_strategy(c, v, sub, &ch->strategy))) return rc;
  }
  return BIDSIM_OK;
}

static bool variant_eq(const void *data, uint32_t val, const void *key) {
  const bidsim_sc_variant_t *vs = data;
  return !strcmp(vs[val].name, key);
}

/* Each variant's changes, its name unique, each plan changed at most once
 * in it (by any of its names), every lookup through an index. */
static int load_list(ctx_t *c, struct fy_node *n, bidsim_sc_variant_t *vs, const bidsim__plan_names_t *pn,
                     bidsim__keyset_t *names, uint32_t *changed_by) {
  static const char *const keys[] = { "name", "plans", NULL };
  bidsim_scenario_t *sc = c->sc;
  void *it = NULL;
  struct fy_node *item;
  for (uint32_t i = 0; (item = fy_node_sequence_iterate(n, &it)) != NULL; i++) {
    bidsim_sc_variant_t *var = &vs[i];
    sc->variant_count = i + 1;
    char key[64], sub[96];
    snprintf(key, sizeof key, "variants[%u]", i);
    int rc = bidsim__check_keys(c, item, key, keys);
    if (rc) return rc;
    struct fy_node *nm = bidsim__get(item, "name"), *pl = bidsim__get(item, "plans");
    if (nm == NULL) return bidsim__fail_at(c, item, BIDSIM_ESCHEMA, key, "a variant needs a name");
    bidsim__join(sub, sizeof sub, key, "name");
    if ((rc = bidsim__get_name(c, nm, sub, var->name))) return rc;
    uint32_t j = bidsim__keyset_add(names, bidsim__hash_name(0, var->name), i, variant_eq, vs, var->name);
    if (j != UINT32_MAX)
      return bidsim__fail_at(c, nm, BIDSIM_ESCHEMA, sub, "variant name '%s' is already used by variants[%u]",
                             var->name, j);
    if (pl == NULL) continue;   /* the scenario as written */
    bidsim__join(sub, sizeof sub, key, "plans");
    if (!fy_node_is_mapping(pl))
      return bidsim__fail_at(c, pl, BIDSIM_ESCHEMA, sub, "expected a mapping of plan names to changes, got %s",
                  bidsim__type_name(pl));
    int pairs = fy_node_mapping_item_count(pl);
    var->changes = bidsim_calloc((size_t)pairs + 1, sizeof *var->changes);
    if (var->changes == NULL) return bidsim__fail_at(c, pl, BIDSIM_ENOMEM, sub, "out of memory");
    void *it2 = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(pl, &it2)) != NULL) {
      bidsim_sc_change_t *ch = &var->changes[var->change_count];
      if ((rc = load_change(c, pn, pair, sub, ch))) return rc;
      var->change_count++;   /* freed with the variant from here on */
      if (changed_by[ch->plan] == i + 1)
        return bidsim__fail_at(c, fy_node_pair_key(pair), BIDSIM_ESCHEMA, sub, "plan '%s' is changed twice",
                    sc->plans[ch->plan].name);
      changed_by[ch->plan] = i + 1;
    }
  }
  return BIDSIM_OK;
}

int bidsim__load_variants(ctx_t *c, struct fy_node *n) {
  bidsim_scenario_t *sc = c->sc;
  int cnt = fy_node_is_sequence(n) ? fy_node_sequence_item_count(n) : -1;
  if (cnt < 1 || cnt > BIDSIM_MAX_VARIANTS)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, "variants", "expected a list of 1 to %d variants",
                BIDSIM_MAX_VARIANTS);
  bidsim_sc_variant_t *vs = bidsim_calloc((size_t)cnt, sizeof *vs);
  if (vs == NULL) return bidsim__fail_at(c, n, BIDSIM_ENOMEM, "variants", "out of memory");
  for (uint32_t v = 0; v < sc->variant_count; v++) bidsim_free(sc->variants[v].changes);
  bidsim_free(sc->variants);
  sc->variants = vs;
  sc->variant_count = 0;
  bidsim__plan_names_t pn;
  bidsim__keyset_t names;
  uint32_t *changed_by = bidsim_calloc((size_t)sc->plan_count + 1, sizeof *changed_by);   /* [plan] variant + 1 */
  if (changed_by == NULL || bidsim__plan_names_build(sc, &pn)) {
    bidsim_free(changed_by);
    return bidsim__fail_at(c, n, BIDSIM_ENOMEM, "variants", "out of memory");
  }
  int rc = bidsim__keyset_init(&names, (size_t)cnt) ? bidsim__fail_at(c, n, BIDSIM_ENOMEM, "variants", "out of memory")
                                                   : load_list(c, n, vs, &pn, &names, changed_by);
  bidsim__keyset_free(&names);
  bidsim__plan_names_free(&pn);
  bidsim_free(changed_by);
  return rc;
}
