/* bidsim/auction.h - click pricing for one ranked auction (docs/model.md §2).
 * Pure functions over a ranked list; the market calls them per impression and
 * the tests call them on hand-computed examples. Money in li. */
#ifndef BIDSIM_AUCTION_H
#define BIDSIM_AUCTION_H
#include <stdint.h>
#include "bidsim/rules.h"

typedef enum {
  BIDSIM_MECH_GSP   = 0,  /* generalised second price with quality (the platforms') */
  BIDSIM_MECH_VCG   = 1,  /* Vickrey-Clarke-Groves under separable CTRs */
  BIDSIM_MECH_FIRST = 2   /* first price with reserve */
} bidsim_mechanism_t;

/** @brief "gsp", "vcg", "first"; and the reverse (returns -1 if unknown). */
BIDSIM_API const char *bidsim_mechanism_name(int mech);
BIDSIM_API int bidsim_mechanism_parse(const char *name);

/* Ranked candidates, best first: bid_li[i] and quality[i] for i < n. The
 * ranking key is bid x quality, ties broken by the caller's order. n may
 * exceed the number of slots by one: that runner-up prices the last slot. */
typedef struct {
  const int64_t  *bid_li;
  const uint32_t *quality;
  uint32_t        n;
} bidsim_ranked_t;

/* Mechanism parameters. position_weight_ppm[k] is the examination
 * probability of slot k+1 in parts per million (slot 1 is usually 1000000),
 * non-increasing; VCG needs it, GSP and first price ignore it. */
typedef struct {
  bidsim_mechanism_t mechanism;
  uint32_t slots;                                   /* 1..BIDSIM_MAX_SLOTS */
  int64_t  reserve_li;                              /* default 100 (0.10 yuan) */
  int64_t  increment_li;                            /* GSP step, default 10 (0.01 yuan) */
  uint32_t position_weight_ppm[BIDSIM_MAX_SLOTS];
} bidsim_auction_config_t;

/** @brief Defaults: GSP, 4 slots, reserve 0.10 yuan, increment 0.01 yuan,
 *  weights (1/r)^1. */
BIDSIM_API void bidsim_auction_config_default(bidsim_auction_config_t *cfg);

/** @brief Check a config (slots range, reserve within the bid range,
 *  weights non-increasing and in (0, 1e6]). */
BIDSIM_API int bidsim_auction_config_check(const bidsim_auction_config_t *cfg, bidsim_error_t *err);

/** @brief Per-click prices of the first min(n, slots) candidates.
 *  GSP:   price_k = min(bid_k, ceil(bid_{k+1} q_{k+1} / q_k) + increment),
 *         reserve when nothing ranks below; never below the reserve.
 *  VCG:   price_k = ceil( sum_{j>=k} (w_j - w_{j+1}) s_{j+1} / (w_k q_k) ),
 *         s = bid x quality, w past the last filled slot = 0, and the score
 *         below the last candidate = reserve x q_k; clamped to [reserve, bid].
 *  First: price_k = bid_k.
 *  Candidates must already satisfy bid >= reserve. Writes price_li[0..filled)
 *  and returns the number of filled slots. */
BIDSIM_API uint32_t bidsim_auction_price(const bidsim_auction_config_t *cfg,
                                         const bidsim_ranked_t *ranked, int64_t *price_li);

#endif
