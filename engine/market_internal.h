/* engine/market_internal.h - the market's state, shared by the catalogue,
 * controls and clock (market.c) and the ranking index with its walk
 * (market_index.c). market.c reaches the index only through the
 * bidsim__index_* functions declared at the end, so another ranking can
 * replace market_index.c without touching the rest. Never installed. */
#ifndef BIDSIM_MARKET_INTERNAL_H
#define BIDSIM_MARKET_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include "bidsim/market.h"
#include "lookup_internal.h"

enum { PLAN_PUBLISHED = 1u, PLAN_PAUSED = 2u, PLAN_CAPPED = 4u };

typedef struct {
  char     name[BIDSIM_NAME_MAX];
  uint32_t first_product, first_plan;   /* per-shop lists, BIDSIM_NONE-terminated */
  uint32_t reach_q32;                   /* share of users who visited the shop, of 2^32 (personalised ranking) */
  uint32_t visit_mode;                  /* bidsim_visit_mode_t */
} shop_t;

typedef struct {
  bidsim_product_spec_t spec;
  uint32_t shop, next_in_shop;
} product_t;

/* Cold plan data: configuration and its product list. */
typedef struct {
  char     name[BIDSIM_NAME_MAX];
  uint32_t shop, next_in_shop;
  int64_t  bid0_li[BIDSIM_SEG_COUNT];   /* restored by reset */
  int64_t  publish0_s;
  int64_t  cap_hit_s;                   /* when today's cap stopped the plan; -1 unless capped */
  uint32_t product_count, product_cap;
  uint32_t *products;
  uint32_t last_unit;                   /* the end of its unit list (BIDSIM_NONE if none), where a new one goes */
} plan_cold_t;

/* Hot plan state, read for each candidate an auction looks at, and by a
 * strategy host every period. The plan's first unit sits here rather than
 * with the cold data: a bid change starts from it, right after the host
 * read this line, instead of waiting on a miss before the index misses. */
typedef struct {
  int64_t  bid_li[BIDSIM_SEG_COUNT];
  int64_t  cap_li;
  int64_t  spend_li;                    /* today's */
  int64_t  publish_s;
  uint32_t quality;
  uint32_t flags;
  uint32_t first_unit;                  /* units of this plan, BIDSIM_NONE-terminated */
  uint32_t pad;
} plan_hot_t;
_Static_assert(sizeof(plan_hot_t) == 64, "plan_hot_t is a cache line's size");

/* An ad unit: a plan's product shown in one category, ranked and priced
 * with that product's quality (docs/model.md §2: quality belongs to the ad
 * shown), or the plan's when the product has none. */
typedef struct {
  uint32_t plan, category, product, next_in_plan;
  uint32_t quality;
} unit_t;

/* The ranking index's state, owned by market_index.c: market.c moves it
 * (clone, free) only through the functions below. */
typedef struct bidsim__personal bidsim__personal_t;
typedef struct {
  struct bidsim__ranking *lists;        /* [segment * categories + category]; NULL until built */
  uint32_t *pos;                        /* [unit * segments + segment]: search hints */
  bidsim__personal_t *personal;         /* the personalised ranking (market_personal.c), or NULL */
} bidsim__index_t;

struct bidsim_market {
  bidsim_market_config_t cfg;
  int64_t  now_s;
  bool     advanced;                    /* the clock has moved since creation/reset */
  bool     stale;                       /* catalogue changed: the index must be built again */
  int64_t  next_publish_s;              /* earliest publish time of an unpublished plan */

  uint32_t shop_count, shop_cap;
  shop_t  *shops;
  uint32_t product_count, product_cap;
  product_t *products;
  uint32_t plan_count, plan_cap, hot_cap, part_cap, target_cap;   /* the plan arrays grow apart */
  plan_cold_t *plans;
  plan_hot_t  *hot;
  uint32_t unit_count, unit_cap;
  unit_t  *units;

  bidsim__index_t index;
  uint32_t throttled;                   /* plans entering only a share of auctions */
  uint32_t targeted;                    /* plans targeting only a share of users */
  uint32_t *participation_q32;          /* [plan] share of auctions entered, of 2^32; UINT32_MAX = all.
                                         * Its own array: 4 bytes a plan the walk can afford to read */
  uint32_t *target_q20;                 /* [plan] share of users the plan targets, of 2^20; 2^20 = all
                                         * (personalised ranking) */
  /* The catalogue's look-ups (lookup.c), so loading is linear. A clone
   * starts without them (its workers rarely change the catalogue) and
   * builds them from the arrays when a catalogue call first needs them. */
  struct {
    bidsim__table_t products;           /* hash(shop, id) -> product */
    bidsim__table_t plans;              /* hash(shop, name) -> plan */
    bidsim__table_t members;            /* plan << 32 | product -> product: the plan holds it */
    bidsim__table_t units;              /* plan << 32 | category -> the plan's unit in that category */
    bool ready;
  } lookup;
};

static inline bool bidsim__plan_active(const plan_hot_t *h) {
  return (h->flags & (PLAN_PUBLISHED | PLAN_PAUSED | PLAN_CAPPED)) == PLAN_PUBLISHED;
}

/* A throttled plan sits out an impression when a hash of the impression's
 * draw and the plan falls above its participation: per impression, with no
 * scoring, and the same user makes the same decision in every variant and
 * in both rankings (static and personalised). */
static inline bool bidsim__throttle_skip(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t plan) {
  uint32_t q = m->participation_q32[plan];
  if (q == UINT32_MAX) return false;
  uint64_t z = ((uint64_t)imp->draw << 32 | plan) * UINT64_C(0x9E3779B97F4A7C15);
  z = (z ^ (z >> 29)) * UINT64_C(0xBF58476D1CE4E5B9);
  return (uint32_t)((z ^ (z >> 32)) >> 32) >= q;
}

/* ---- the ranking index (market_index.c) -------------------------------
 * Built from the catalogue by bidsim__index_build; afterwards it follows
 * every control (bids, flags) in place and never allocates. While
 * m->stale, the index functions below that follow controls do nothing
 * (the next build reads the current state). */

/** Build from scratch after the catalogue changed; clears m->stale.
 *  BIDSIM_ENOMEM (err filled; m->stale stays set, the index empty). */
int  bidsim__index_build(bidsim_market_t *m, bidsim_error_t *err);
/** Deep copy of @p src's index into @p dst (a clone of src's market with
 *  no index of its own yet). BIDSIM_ENOMEM leaves dst's index freeable. */
int  bidsim__index_clone(bidsim_market_t *dst, const bidsim_market_t *src);
void bidsim__index_free(bidsim_market_t *m);
/** Every plan's bids and flags were reset: re-sort in place (no allocation). */
void bidsim__index_reset(bidsim_market_t *m);
/** @p plan's eligibility may have changed (pause, cap, publish). */
void bidsim__index_plan_flags(bidsim_market_t *m, uint32_t plan);
/** @p plan's bids changed from @p old_li to its current ones. */
void bidsim__index_plan_bids(bidsim_market_t *m, uint32_t plan, const int64_t old_li[BIDSIM_SEG_COUNT]);

#endif
