/* engine/market_personal_walk.h - what the personalised auction's parts
 * share: the list of the best slots + 1 keys, the user's visits and the
 * rare exclusions, and the walks (market_personal_walk.c) that the auction
 * (market_personal_auction.c) runs. Never installed. */
#ifndef BIDSIM_MARKET_PERSONAL_WALK_H
#define BIDSIM_MARKET_PERSONAL_WALK_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "market_internal.h"
#include "market_personal_internal.h"
#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86_WALKS 1   /* the vector walks are built; each runs where the CPU has it */
#endif

#define TOP_CAP 24          /* BIDSIM_MAX_SLOTS + 1 candidates, rounded up to whole registers of eight */
_Static_assert(TOP_CAP >= BIDSIM_MAX_SLOTS + 1 && TOP_CAP % 8 == 0, "the top list holds slots + 1 keys");

static inline bool targets(const bidsim_market_t *m, uint32_t plan, uint32_t h) {
  return (h & 0xFFFFFu) < m->target_q20[plan];
}

static inline bool strict_skip(const bidsim_market_t *m, uint32_t plan, int rel) {
  const plan_hot_t *h = &m->hot[plan];
  return m->cfg.strict_caps && h->cap_li != BIDSIM_CAP_UNLIMITED && h->cap_li - h->spend_li < h->bid_li[rel];
}

/* Targeting, strict caps or throttling: what may exclude a unit that is
 * eligible and scores high enough, each rarely in use. */
static inline bool rare_checks(const bidsim_market_t *m) {
  return (m->targeted | m->throttled | (uint32_t)m->cfg.strict_caps) != 0;
}

static inline bool rare_excluded(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t u, uint32_t h,
                                 int rel) {
  const uint32_t plan = m->units[u].plan;
  return (m->targeted && !targets(m, plan, h)) || strict_skip(m, plan, rel) ||
         (m->throttled && bidsim__throttle_skip(m, imp, plan));
}

/* ---- the best slots + 1 keys ------------------------------------------------------ */

/* Keys descending; key[n..8) are 0 (no key is 0: ~unit > 0). A key enters
 * when above kmin, the want-th key once there are want (else 0); its score
 * must then be at least `floor` (kmin's score, INT32_MIN before). */
typedef struct {
  _Alignas(64) uint64_t key[TOP_CAP];
  uint64_t kmin;
  int32_t  floor;
  uint32_t n, want;
} top_t;

static inline void top_init(top_t *t, uint32_t want) {
  memset(t->key, 0, 8 * sizeof *t->key);
  t->kmin = 0;
  t->floor = INT32_MIN;
  t->n = 0;
  t->want = want;
}

static inline void top_insert(top_t *t, uint64_t key) {
  if (key <= t->kmin) return;
  uint32_t i = t->n < t->want ? t->n++ : t->want - 1;
  while (i > 0 && t->key[i - 1] < key) {
    t->key[i] = t->key[i - 1];
    i--;
  }
  t->key[i] = key;
  if (t->n == t->want) {
    t->kmin = t->key[t->want - 1];
    t->floor = bidsim__pkey_score(t->kmin);
  }
}

/* ---- visits ----------------------------------------------------------------------- */

/* The shops the impression's user visited, of those with units in its
 * category: the EACH ones first, then the DRAWN ones, each with its group
 * in the visit tables. The bits are filters (bit x mod 64 set for every
 * shop, DRAWN slot and unit of a visited shop): most look-ups end on one
 * test. The units of visited shops, while at most VUNITS, are also listed
 * (the rest of the list UINT32_MAX, no unit's index), so whether a unit is
 * one of them is VUNITS comparisons and no branch. */
#define VUNITS 8
typedef struct {
  uint32_t n, each;
  uint32_t nvunit;                        /* units of visited shops; above VUNITS: ask the filters */
  uint32_t vunit[VUNITS];
  uint64_t shop_bits, slot_bits, unit_bits;
  uint32_t shop[MAX_EACH + MAX_VISITS];
  uint32_t group[MAX_EACH + MAX_VISITS];
} visits_t;

static inline bool visited(const visits_t *v, uint32_t shop) {
  if (!((v->shop_bits >> (shop & 63)) & 1)) return false;
  for (uint32_t i = 0; i < v->n; i++)
    if (v->shop[i] == shop) return true;
  return false;
}

/* Unit u is of a visited shop (the units entered: enter_visited): most
 * units fail the filter; the others are looked up in the list. */
static inline bool unit_visited(const bidsim__personal_t *p, const visits_t *v, uint32_t u) {
  if (!((v->unit_bits >> (u & 63)) & 1)) return false;
  if (v->nvunit <= VUNITS) {
    bool in = false;
    for (uint32_t q = 0; q < VUNITS; q++) in |= v->vunit[q] == u;
    return in;
  }
  return visited(v, p->unit[u].shop);
}

/* Note unit u of a visited shop (the list's slot wraps once it is too
 * long: the filters answer then). */
static inline void vunit_add(visits_t *v, uint32_t u) {
  v->vunit[v->nvunit & (VUNITS - 1)] = u;
  v->nvunit++;
  v->unit_bits |= UINT64_C(1) << (u & 63);
}

/* Visit group g's entries and their number: a DRAWN shop's one unit from
 * its slot record (which the draw read), else from the entries. */
static inline const pentry_t *group_entries(const pvisits_t *v, uint32_t g, bool each, uint32_t *n) {
  if (each) {
    *n = v->each_first[g + 1] - v->each_first[g];
    return &v->ent[v->each_first[g]];
  }
  const pslot_t *s = &v->slot[g - v->each_n];
  *n = s[1].first - s->first;
  return *n == 1 ? &s->e0 : &v->ent[s->first];
}

/* A unit the walk scored high enough at the base relation: out if of a
 * visited shop (in at its SHOP score) or by the rare checks. */
static inline bool walk_excluded(const bidsim_market_t *m, const bidsim_impression_t *imp, const visits_t *vis,
                                 bool rare, uint32_t u, uint32_t h) {
  return unit_visited(m->index.personal, vis, u) || (rare && rare_excluded(m, imp, u, h, (int)imp->segment));
}

/* ---- the parts ------------------------------------------------------------------- */

/* The shops the impression's user visited (market_personal_auction.c). */
void bidsim__pdraw_visits(const bidsim_market_t *m, const bidsim_impression_t *imp, visits_t *out);
/* The visited shops' units at the SHOP relation, straight into the top. */
void bidsim__penter_visited(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t ukey, visits_t *vis,
                            top_t *t);
/* The walks of ranking ix after the visited units entered (the AVX-512
 * one draws the visits and enters their units itself, for up to eight
 * keys); each returns the units it scored. */
uint32_t bidsim__pwalk_scalar(const bidsim_market_t *m, const bidsim_impression_t *imp, const pranking_t *ix,
                              uint32_t ukey, const visits_t *vis, top_t *t);
#ifdef HAVE_X86_WALKS
uint32_t bidsim__pwalk_avx2(const bidsim_market_t *m, const bidsim_impression_t *imp, const pranking_t *ix,
                            uint32_t ukey, const visits_t *vis, top_t *t);
uint32_t bidsim__pwalk_avx512(const bidsim_market_t *m, const bidsim_impression_t *imp, const pranking_t *ix,
                              uint32_t ukey, visits_t *vis, top_t *t);
#endif

#endif
