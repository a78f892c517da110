/* sim/scenario_index.c - hash indexes over the scenario's own arrays (shop,
 * category and plan names, product ids), so that looking up or refusing a
 * duplicate costs the same for the millionth entry as for the first (the
 * format admits a million products and plans; pairwise checks took minutes).
 * An index stores only entry numbers and a hash fragment: the keys stay in
 * the scenario, compared through the caller's function. */
#include <assert.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

#define EMPTY UINT32_MAX

int bidsim__keyset_init(bidsim__keyset_t *ix, size_t expected) {
  memset(ix, 0, sizeof *ix);
  size_t cap = 16;
  while (cap < 2 * expected) cap *= 2;   /* at most half full: short probes */
  ix->val = bidsim_malloc(cap * sizeof *ix->val);
  ix->tag = bidsim_malloc(cap * sizeof *ix->tag);
  if (ix->val == NULL || ix->tag == NULL) {
    bidsim__keyset_free(ix);
    return BIDSIM_ENOMEM;
  }
  memset(ix->val, 0xff, cap * sizeof *ix->val);
  ix->mask = cap - 1;
  ix->limit = cap / 2;
  return BIDSIM_OK;
}

void bidsim__keyset_free(bidsim__keyset_t *ix) {
  bidsim_free(ix->val);
  bidsim_free(ix->tag);
  memset(ix, 0, sizeof *ix);
}

uint32_t bidsim__keyset_add(bidsim__keyset_t *ix, uint64_t h, uint32_t val, bidsim__keyset_eq_fn eq, const void *data,
                           const void *key) {
  const uint32_t tag = (uint32_t)(h >> 32);
  for (size_t i = (size_t)h & ix->mask;; i = (i + 1) & ix->mask) {
    if (ix->val[i] == EMPTY) {
      if (val == EMPTY) return EMPTY;            /* a lookup: not there */
      assert(ix->count < ix->limit);             /* the caller sized it for every entry */
      ix->val[i] = val;
      ix->tag[i] = tag;
      ix->count++;
      return EMPTY;
    }
    if (ix->tag[i] == tag && eq(data, ix->val[i], key)) return ix->val[i];
  }
}

uint32_t bidsim__keyset_find(const bidsim__keyset_t *ix, uint64_t h, bidsim__keyset_eq_fn eq, const void *data,
                            const void *key) {
  if (ix->val == NULL) return EMPTY;
  return bidsim__keyset_add((bidsim__keyset_t *)ix, h, EMPTY, eq, data, key);
}

/* splitmix64's finaliser: every input bit moves every output bit */
static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= UINT64_C(0xBF58476D1CE4E5B9);
  x ^= x >> 27;
  x *= UINT64_C(0x94D049BB133111EB);
  return x ^ (x >> 31);
}

uint64_t bidsim__hash_name(uint32_t scope, const char *name) {
  uint64_t h = UINT64_C(0xCBF29CE484222325) ^ scope;   /* FNV-1a, then mixed */
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * UINT64_C(0x100000001B3);
  return mix(h);
}

uint64_t bidsim__hash_id(uint32_t scope, uint64_t id) { return mix(id ^ mix((uint64_t)scope + 1)); }

/* ---- listed plans by name ------------------------------------------------ */

typedef struct { const bidsim_scenario_t *sc; uint32_t shop; const char *name; } plan_key_t;

static bool plan_name_eq(const void *data, uint32_t val, const void *key) {
  const bidsim_scenario_t *sc = data;
  return !strcmp(sc->plans[val].name, key);
}

static bool plan_in_shop_eq(const void *data, uint32_t val, const void *key) {
  const bidsim_scenario_t *sc = data;
  const plan_key_t *k = key;
  return sc->plans[val].shop == k->shop && !strcmp(sc->plans[val].name, k->name);
}

static bool shop_name_eq(const void *data, uint32_t val, const void *key) {
  const bidsim_scenario_t *sc = data;
  return !strcmp(sc->shops[val].name, key);
}

int bidsim__plan_names_build(const bidsim_scenario_t *sc, bidsim__plan_names_t *pn) {
  memset(pn, 0, sizeof *pn);
  pn->shared = bidsim_calloc((size_t)sc->plan_count + 1, 1);
  if (pn->shared == NULL || bidsim__keyset_init(&pn->bare, sc->plan_count) ||
      bidsim__keyset_init(&pn->in_shop, sc->plan_count) || bidsim__keyset_init(&pn->shops, sc->shop_count)) {
    bidsim__plan_names_free(pn);
    return BIDSIM_ENOMEM;
  }
  for (uint32_t s = 0; s < sc->shop_count; s++)
    bidsim__keyset_add(&pn->shops, bidsim__hash_name(0, sc->shops[s].name), s, shop_name_eq, sc, sc->shops[s].name);
  for (uint32_t i = 0; i < sc->plan_count; i++) {
    const bidsim_sc_plan_t *p = &sc->plans[i];
    uint32_t first = bidsim__keyset_add(&pn->bare, bidsim__hash_name(0, p->name), i, plan_name_eq, sc, p->name);
    if (first != EMPTY) pn->shared[first] = pn->shared[i] = 1;
    plan_key_t k = { sc, p->shop, p->name };
    bidsim__keyset_add(&pn->in_shop, bidsim__hash_name(p->shop + 1, p->name), i, plan_in_shop_eq, sc, &k);
  }
  return BIDSIM_OK;
}

void bidsim__plan_names_free(bidsim__plan_names_t *pn) {
  bidsim__keyset_free(&pn->bare);
  bidsim__keyset_free(&pn->in_shop);
  bidsim__keyset_free(&pn->shops);
  bidsim_free(pn->shared);
  pn->shared = NULL;
}

int bidsim__find_plan(const bidsim_scenario_t *sc, const bidsim__plan_names_t *pn, const char *name) {
  uint32_t i = bidsim__keyset_find(&pn->bare, bidsim__hash_name(0, name), plan_name_eq, sc, name);
  if (i != EMPTY) return pn->shared[i] ? -2 : (int)i;
  /* "Shop/Plan": the shop's name up to the first slash */
  const char *slash = strchr(name, '/');
  if (slash == NULL || (size_t)(slash - name) >= BIDSIM_NAME_MAX) return -1;
  char shop[BIDSIM_NAME_MAX];
  memcpy(shop, name, (size_t)(slash - name));
  shop[slash - name] = '\0';
  uint32_t s = bidsim__keyset_find(&pn->shops, bidsim__hash_name(0, shop), shop_name_eq, sc, shop);
  if (s == EMPTY) return -1;
  plan_key_t k = { sc, s, slash + 1 };
  i = bidsim__keyset_find(&pn->in_shop, bidsim__hash_name(s + 1, slash + 1), plan_in_shop_eq, sc, &k);
  return i == EMPTY ? -1 : (int)i;
}
