/* engine/auction_internal.h - the GSP price of one slot, shared by the
 * generic pricing in auction.c and the market's fused hot path, so the rule
 * (docs/model.md §2) has one implementation. */
#ifndef BIDSIM_AUCTION_INTERNAL_H
#define BIDSIM_AUCTION_INTERNAL_H
#include <stdint.h>
#include "bidsim/auction.h"

/* min(bid, ceil(s_next / q) + increment), never below the reserve.
 * s_next = next bid x next quality <= 99000 x 10000 < 2^30, q < 2^14: the
 * double quotient is correctly rounded, and a non-integer quotient a/b
 * differs from every integer by at least 1/b, far more than the rounding
 * error, so truncating and comparing gives the exact ceiling. Double
 * division pipelines where integer division does not. */
static inline int64_t bidsim__gsp_price(const bidsim_auction_config_t *cfg, int64_t bid_li, uint32_t quality,
                                        uint64_t s_next) {
  double x = (double)s_next / (double)quality;
  int64_t c = (int64_t)x;
  c += (double)c < x;
  int64_t p = c + cfg->increment_li;
  if (p < cfg->reserve_li) p = cfg->reserve_li;
  return p < bid_li ? p : bid_li;
}

#endif
