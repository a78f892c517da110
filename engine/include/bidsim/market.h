/* bidsim/market.h - the auction core: shops, products, promotion plans with
 * segmented click bids and daily caps (docs/model.md §1), and per-impression
 * auctions over an index kept per (segment, category) (docs/model.md §2).
 *
 * A market is one replicate's world. It is not thread-safe; threads run
 * separate markets (bidsim_market_clone). The life of a market: fill the
 * catalogue (shops, products, plans and their products), build the ranking
 * index (bidsim_market_build), then run auctions while the clock and the
 * controls (bids, caps, pauses, participation) move; the index follows the
 * controls in place. Per-impression calls (bidsim_market_auction,
 * bidsim_market_charge, bidsim_market_advance_to within a day) never
 * allocate or lock. */
#ifndef BIDSIM_MARKET_H
#define BIDSIM_MARKET_H
#include <stdbool.h>
#include <stdint.h>
#include "bidsim/auction.h"
#include "bidsim/error.h"
#include "bidsim/rules.h"

#define BIDSIM_SECONDS_PER_DAY 86400
#define BIDSIM_NONE UINT32_MAX

typedef struct bidsim_market bidsim_market_t;

/* How impressions are ranked (docs/model.md §2).
 * STATIC: one segment per impression for every plan, rank by bid[segment]
 *   x quality: the first model, kept bit for bit.
 * PERSONAL: every unit's relation to the impression's user (SHOP if the
 *   user visited its shop, else the impression's base relation, ORDINARY or
 *   SIMILAR), rank by bid[relation] x quality x ctr_mult[relation] x the
 *   user-ad affinity exp(sigma Z - c), Z a standard normal truncated to
 *   [-T, T] and drawn from a hash of (user, ad), mean exactly 1. Prices
 *   follow from the same scores. */
typedef enum { BIDSIM_RANK_STATIC = 0, BIDSIM_RANK_PERSONAL = 1 } bidsim_rank_model_t;

typedef struct {
  bidsim_auction_config_t auction;
  uint32_t categories;       /* category ids are 0..categories-1 */
  bool     strict_caps;      /* never overshoot a cap (see bidsim_market_charge) */
  /* the personalised ranking; zeros select STATIC */
  bidsim_rank_model_t rank;
  double   affinity_sigma;   /* log-sd of the affinity's normal, [0, 3] */
  double   affinity_truncate;/* T, [0.5, 6]; 0 = the default 2 */
  double   ctr_mult[BIDSIM_SEG_COUNT];   /* predicted-CTR multiplier per relation, (0, 100]; 0 = 1 */
} bidsim_market_config_t;

/* How a user's visit to a shop is decided (PERSONAL). EACH: per user and
 * shop by a hash, the same in every category, monotone in the reach (for a
 * scenario's own shops, few). DRAWN: per impression the user's visited
 * shops of the category are drawn, a Poisson number of picks by reach (for
 * thousands of generated shops; a shop is visited with probability
 * 1 - exp(-reach)). */
typedef enum { BIDSIM_VISIT_EACH = 0, BIDSIM_VISIT_DRAWN = 1 } bidsim_visit_mode_t;

typedef struct {
  uint64_t id;               /* external product ID, unique within its shop */
  int64_t  historical_sales; /* units */
  bidsim_product_status_t status;
  int64_t  price_li;
  uint32_t category;
  uint32_t quality;          /* ranking weight of this product's ads, 1..BIDSIM_QUALITY_MAX
                              * (e.g. its predicted CTR); 0 = the quality of the plan showing it */
} bidsim_product_spec_t;

typedef struct {
  const char *name;          /* unique within the shop; copied */
  uint32_t shop;
  int64_t  cap_li;           /* BIDSIM_CAP_UNLIMITED or >= 100 yuan */
  int64_t  bid_li[BIDSIM_SEG_COUNT];
  uint32_t quality;          /* 1..BIDSIM_QUALITY_MAX; ranking weight of its ads whose product has none */
  int64_t  publish_s;        /* seconds since the start of day 0; competes from then on */
} bidsim_plan_spec_t;

/* One impression: which user segment, which category (search term or
 * placement), and when. */
typedef struct {
  uint32_t segment;          /* STATIC: every plan's segment; PERSONAL: the base relation, ORDINARY or SIMILAR */
  uint32_t category;
  uint32_t draw;             /* uniform random bits for throttled plans' participation */
  uint64_t user;             /* PERSONAL: the user, whose hashes decide visits, affinities and targeting */
} bidsim_impression_t;

/* Auction outcome: slots filled best first. unit is the ad unit (a plan's
 * product shown for this category), price_li the per-click price should the
 * user click. */
typedef struct {
  uint32_t n;
  uint32_t plan[BIDSIM_MAX_SLOTS];
  uint32_t unit[BIDSIM_MAX_SLOTS];
  uint32_t product[BIDSIM_MAX_SLOTS];
  int64_t  bid_li[BIDSIM_MAX_SLOTS];
  int64_t  price_li[BIDSIM_MAX_SLOTS];    /* valid when `priced` (see bidsim_auction_slot_price) */
  bool     priced;
  /* deferred GSP pricing: each slot's quality and the score (bid x quality)
   * ranked just below it; UINT64_MAX when nothing ranks below */
  uint32_t quality[BIDSIM_MAX_SLOTS];
  uint64_t next_score[BIDSIM_MAX_SLOTS];
  /* PERSONAL: each slot's relation (the segment the plan bid at), the
   * affinity its score used (the click model's too), its predicted CTR in
   * quality units (quality x ctr_mult[relation] x affinity) and the value
   * ranked just below it (bid x pCTR of the next candidate; -1 when nothing
   * ranks below), the units whose score the walk computed and the shops
   * of the category the user visited (whose units entered at SHOP) */
  uint8_t  relation[BIDSIM_MAX_SLOTS];
  double   affinity[BIDSIM_MAX_SLOTS];
  double   pctr[BIDSIM_MAX_SLOTS];
  double   next_value[BIDSIM_MAX_SLOTS];
  uint32_t scored;
  uint32_t visited;
} bidsim_auction_result_t;

/* ---- lifetime --------------------------------------------------------- */

/** @brief Create an empty market. The caller owns *out (bidsim_market_free).
 *  Errors: BIDSIM_EINVAL (bad config), BIDSIM_ENOMEM. */
BIDSIM_API int bidsim_market_create(const bidsim_market_config_t *cfg, bidsim_market_t **out,
                                    bidsim_error_t *err);
/** @brief Deep copy, including the day's state. For giving each thread its own. */
BIDSIM_API int bidsim_market_clone(const bidsim_market_t *src, bidsim_market_t **out,
                                   bidsim_error_t *err);
/** @brief Back to time 0: spends zero, caps and pauses cleared, plans
 *  published again by their publish time, bids as at creation or last
 *  bidsim_market_set_bids before the first advance. Allocation-free. */
BIDSIM_API void bidsim_market_reset(bidsim_market_t *m);
BIDSIM_API void bidsim_market_free(bidsim_market_t *m);

/* ---- catalogue (validated by bidsim/rules.h) -------------------------
 * A product that gives a plan its first unit in a category changes the
 * catalogue the index is built from: auctions need bidsim_market_build (or
 * an advance of the clock) before they see it. */

BIDSIM_API int bidsim_market_add_shop(bidsim_market_t *m, const char *name, uint32_t *shop_out,
                                      bidsim_error_t *err);
/** @brief Add a product to a shop's catalogue. Any product may be listed;
 *  the plan rules apply when it joins a plan. Errors: BIDSIM_ENOTFOUND
 *  (shop), BIDSIM_EINVAL (category out of range, duplicate id in shop),
 *  BIDSIM_EQUALITY (quality neither 0 nor within the range). */
BIDSIM_API int bidsim_market_add_product(bidsim_market_t *m, uint32_t shop,
                                         const bidsim_product_spec_t *spec, uint32_t *product_out,
                                         bidsim_error_t *err);
/** @brief Create a plan. Checks name (BIDSIM_EDUPNAME), cap (BIDSIM_ECAP),
 *  bids (BIDSIM_EBIDRANGE, BIDSIM_EBIDUNIT, BIDSIM_EPREMIUM), quality. */
BIDSIM_API int bidsim_market_add_plan(bidsim_market_t *m, const bidsim_plan_spec_t *spec,
                                      uint32_t *plan_out, bidsim_error_t *err);
/** @brief Add a product (by index) to a plan: sales >= 500 (BIDSIM_ESALES),
 *  on sale (BIDSIM_ENOTONSALE), not already in it (BIDSIM_EDUPPRODUCT), and
 *  of the plan's shop (BIDSIM_EINVAL). The first product of a category is the
 *  one the plan shows in that category's auctions: that ad unit ranks and is
 *  priced with the product's quality, or the plan's when the product has
 *  none (docs/model.md §2: quality belongs to the ad shown). */
BIDSIM_API int bidsim_plan_add_product(bidsim_market_t *m, uint32_t plan, uint32_t product,
                                       bidsim_error_t *err);
/** @brief Add a product by its external ID within the plan's shop. */
BIDSIM_API int bidsim_plan_add_product_id(bidsim_market_t *m, uint32_t plan, uint64_t product_id,
                                          bidsim_error_t *err);
/** @brief Add a list of products: all or none (the plan is unchanged on error;
 *  err names the first offending product). */
BIDSIM_API int bidsim_plan_add_products(bidsim_market_t *m, uint32_t plan, const uint32_t *products,
                                        uint32_t count, bidsim_error_t *err);

/* ---- controls (take effect immediately; the index follows) ------------ */

/** @brief New segment bids, validated as at creation. */
BIDSIM_API int bidsim_market_set_bids(bidsim_market_t *m, uint32_t plan,
                                      const int64_t bid_li[BIDSIM_SEG_COUNT], bidsim_error_t *err);
/** @brief New daily cap; if today's spend already reaches it the plan stops now. */
BIDSIM_API int bidsim_market_set_cap(bidsim_market_t *m, uint32_t plan, int64_t cap_li,
                                     bidsim_error_t *err);
/** @brief A shop's reach: the share of users who visited it (PERSONAL
 *  ranking: its plans bid their SHOP bid for them), decided as @p mode
 *  says. Default 0 (never visited). Marks the index for rebuilding
 *  (bidsim_market_build). BIDSIM_EINVAL outside [0, 1]. */
BIDSIM_API int bidsim_market_set_shop_reach(bidsim_market_t *m, uint32_t shop, double reach,
                                            bidsim_visit_mode_t mode, bidsim_error_t *err);
/** @brief Target only a share of users (PERSONAL ranking; audiences): the
 *  plan takes part for a user when a hash of (user, ad) falls below it.
 *  Default 1 (everyone). BIDSIM_EINVAL outside [0, 1]. */
BIDSIM_API int bidsim_market_set_targeting(bidsim_market_t *m, uint32_t plan, double share, bidsim_error_t *err);

/** @brief Enter only a share of auctions (throttling, 0..1; 1 = all): the
 *  auction skips the plan for an impression when a hash of the impression's
 *  draw and the plan falls above the share. BIDSIM_EINVAL outside [0, 1]. */
BIDSIM_API int bidsim_market_set_participation(bidsim_market_t *m, uint32_t plan, double share,
                                               bidsim_error_t *err);
BIDSIM_API int bidsim_market_set_paused(bidsim_market_t *m, uint32_t plan, bool paused,
                                        bidsim_error_t *err);
/** @brief Publish (or re-schedule) a plan at @p publish_s; if that is not in
 *  the future of the market clock it competes from now on. */
BIDSIM_API int bidsim_market_publish(bidsim_market_t *m, uint32_t plan, int64_t publish_s,
                                     bidsim_error_t *err);

/* ---- the index, the clock and the hot path ---------------------------- */

/** @brief Build the ranking index from the catalogue: required before the
 *  first auction and again after the catalogue changed (a plan's first
 *  product in a category); does nothing when the index is current.
 *  Allocates, O(units log units). Errors: BIDSIM_ENOMEM (err filled; the
 *  market is otherwise intact and the index stays unbuilt). */
BIDSIM_API int bidsim_market_build(bidsim_market_t *m, bidsim_error_t *err);

/** @brief Move the clock forward to @p t_s (seconds since day 0 00:00).
 *  Crossing midnight resets every plan's day spend and resumes capped plans
 *  (docs/model.md §1); plans whose publish time has come start competing.
 *  Moving backwards is BIDSIM_ESTATE. If the catalogue changed since the
 *  index was built, builds it first (BIDSIM_ENOMEM if that fails: call
 *  bidsim_market_build for the message); within a day it never allocates. */
BIDSIM_API int bidsim_market_advance_to(bidsim_market_t *m, int64_t t_s);

/** @brief Run the auction for one impression at the current clock: eligible
 *  units of the impression's (segment, category), ranked by the plan's bid
 *  x the unit's quality (ties: lower unit index first), bid >= reserve, up to `slots` winners,
 *  priced by the configured mechanism. In strict-cap mode a plan whose
 *  remaining cap is below its bid is skipped. Returns the slots filled.
 *  Reads the market only. The index must be current (bidsim_market_build
 *  or bidsim_market_advance_to after the last catalogue change): on a stale
 *  index the auction is never rebuilt here (that would allocate per
 *  impression); it fills no slot and returns 0, and a Debug build (without
 *  NDEBUG) stops on an assertion. */
BIDSIM_API uint32_t bidsim_market_auction(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                          bidsim_auction_result_t *res);

/** @brief The same auction with GSP prices deferred: a price is needed only
 *  when the user clicks (a few percent of slots), and each costs a division.
 *  Fills everything but price_li (priced = false under GSP; other mechanisms
 *  price at once); bidsim_auction_slot_price gives any slot's price, equal
 *  to what bidsim_market_auction stores. */
BIDSIM_API uint32_t bidsim_market_auction_deferred(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                                   bidsim_auction_result_t *res);
/** @brief The per-click price of @p slot of a result from either auction
 *  call of market @p m (whose configuration must not have changed). */
BIDSIM_API int64_t bidsim_auction_slot_price(const bidsim_market_t *m, const bidsim_auction_result_t *res,
                                             uint32_t slot);

/** @brief Charge a click on @p plan at @p price_li at the current clock.
 *  Platform mode: the whole price is charged; if the day's spend now reaches
 *  or passes the cap, the plan stops until midnight (overshoot < one price).
 *  Strict mode: the plan was only eligible if its remaining cap covered its
 *  bid, so no charge overshoots; it stops when what remains is below its
 *  smallest segment bid. Returns the amount charged; sets *capped if this
 *  charge stopped the plan. */
BIDSIM_API int64_t bidsim_market_charge(bidsim_market_t *m, uint32_t plan, int64_t price_li,
                                        bool *capped);

/* ---- inspection -------------------------------------------------------- */

BIDSIM_API uint32_t bidsim_market_shop_count(const bidsim_market_t *m);
BIDSIM_API uint32_t bidsim_market_product_count(const bidsim_market_t *m);
BIDSIM_API uint32_t bidsim_market_plan_count(const bidsim_market_t *m);
/** @brief Ad units: one per (plan, category) the plan has products in. */
BIDSIM_API uint32_t bidsim_market_unit_count(const bidsim_market_t *m);
BIDSIM_API const bidsim_market_config_t *bidsim_market_config(const bidsim_market_t *m);
BIDSIM_API int64_t bidsim_market_now(const bidsim_market_t *m);

typedef struct {
  const char *name;
  uint32_t shop;
  int64_t  cap_li;
  int64_t  bid_li[BIDSIM_SEG_COUNT];
  uint32_t quality;          /* the plan's (see bidsim_market_unit_quality for its ads') */
  int64_t  publish_s;
  bool     published, paused, capped;
  int64_t  spend_today_li;
  int64_t  cap_hit_s;        /* clock when today's cap stopped it, or -1 */
  uint32_t product_count;
  const uint32_t *products;  /* indices, in the order added */
} bidsim_plan_info_t;

BIDSIM_API int bidsim_market_plan_info(const bidsim_market_t *m, uint32_t plan, bidsim_plan_info_t *out);
/** @brief Today's spend and the cap of @p count plans, gathered into arrays:
 *  what a strategy host reads every period, in one call instead of one per
 *  plan. BIDSIM_ENOTFOUND (nothing written after the bad entry) if a plan
 *  index is out of range. */
BIDSIM_API int bidsim_market_plans_spend(const bidsim_market_t *m, uint32_t count, const uint32_t *plans,
                                         int64_t *spend_today_li, int64_t *cap_li);
BIDSIM_API int bidsim_market_find_plan(const bidsim_market_t *m, uint32_t shop, const char *name,
                                       uint32_t *plan_out);
BIDSIM_API const char *bidsim_market_shop_name(const bidsim_market_t *m, uint32_t shop);
BIDSIM_API const bidsim_product_spec_t *bidsim_market_product(const bidsim_market_t *m, uint32_t product);
BIDSIM_API uint32_t bidsim_market_product_shop(const bidsim_market_t *m, uint32_t product);
/** @brief The plan and product behind an ad unit. */
BIDSIM_API void bidsim_market_unit(const bidsim_market_t *m, uint32_t unit, uint32_t *plan,
                                   uint32_t *product);
/** @brief The quality an ad unit ranks and is priced with: its product's,
 *  or its plan's when the product has none; 0 if there is no such unit. */
BIDSIM_API uint32_t bidsim_market_unit_quality(const bidsim_market_t *m, uint32_t unit);

/** @brief Reference auction by a full scan of every unit (no index), for
 *  tests and debugging: must give exactly what bidsim_market_auction gives
 *  (on a current index; the scan needs none). */
BIDSIM_API uint32_t bidsim_market_auction_scan(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                               bidsim_auction_result_t *res);

/** @brief Check the ranking index whole, for tests and debugging: every
 *  (segment, category) index sorted by score, each entry the unit's current
 *  one and found by a search from the place the unit was last put, each
 *  position's bit equal to the unit's eligibility and the summary bits
 *  equal to their words. An auction only reads the top of an index; this
 *  finds damage anywhere. BIDSIM_OK, or BIDSIM_ESTATE with the first broken
 *  invariant in @p err (a stale index, one not built since the catalogue
 *  changed, is one). O(units x log of how far places drifted). */
BIDSIM_API int bidsim_market_check(const bidsim_market_t *m, bidsim_error_t *err);

/** @brief PERSONAL: the affinity of @p user for ad @p unit (what its score
 *  and clicks use), and whether @p user visited @p shop as an impression of
 *  @p category decides it; for tests and documentation. The index must be
 *  built. */
BIDSIM_API double bidsim_market_affinity(const bidsim_market_t *m, uint64_t user, uint32_t unit);
BIDSIM_API bool bidsim_market_visited(const bidsim_market_t *m, uint64_t user, uint32_t category, uint32_t shop);

/* ---- offers: one unit placed in a scored auction (bid landscapes) ---- */

typedef struct {
  uint32_t relation;         /* the segment the unit bids at for this user */
  double   affinity;         /* the user-ad affinity its score and clicks use */
  double   pctr;             /* quality x ctr_mult[relation] x affinity, as bidsim_auction_result_t.pctr */
  bool     in_category;      /* the unit is of the impression's category (else it never competes) */
} bidsim_unit_offer_t;

/** @brief PERSONAL: what ad @p unit would bring to @p imp's auction, as the
 *  auction computes it: with bid b its value is b x pctr, ranked against a
 *  result's bid_li[i] x pctr[i] (and next_value of the last slot).
 *  Eligibility (caps, pauses, targeting) is the caller's. Reads only.
 *  BIDSIM_ESTATE when the market is not PERSONAL or its index is not
 *  built; BIDSIM_ENOTFOUND for a unit, category or segment out of range. */
BIDSIM_API int bidsim_market_unit_offer(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t unit,
                                        bidsim_unit_offer_t *out);
/** @brief The GSP per-click price of a slot won with @p bid_li and @p pctr
 *  above @p next_value (bid x pCTR ranked just below; < 0 when nothing
 *  is): the auction's own rule, equal to bidsim_auction_slot_price for the
 *  slots of a personalised GSP result. */
BIDSIM_API int64_t bidsim_market_gsp_price(const bidsim_market_t *m, int64_t bid_li, double pctr, double next_value);

#endif
