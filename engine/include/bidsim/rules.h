/* bidsim/rules.h - the platform rules of docs/model.md §1, checked in one place.
 * The market API and the scenario loader both validate through these
 * functions, so a rule has exactly one implementation. Money is in li
 * (1 li = 0.001 yuan = 0.1 fen). */
#ifndef BIDSIM_RULES_H
#define BIDSIM_RULES_H
#include <stdint.h>
#include "bidsim/error.h"

#define BIDSIM_LI_PER_YUAN        1000
#define BIDSIM_LI_PER_FEN         10
#define BIDSIM_BID_MIN_LI         100      /* 0.10 yuan */
#define BIDSIM_BID_MAX_LI         99000    /* 99.00 yuan */
#define BIDSIM_PREMIUM_MIN_PCT    10       /* segment bid >= base x 1.10 */
#define BIDSIM_PREMIUM_MAX_PCT    300      /* segment bid <= base x 4.00 */
#define BIDSIM_CAP_MIN_LI         100000   /* 100 yuan */
#define BIDSIM_CAP_UNLIMITED      INT64_MAX
#define BIDSIM_SALES_MIN          500
#define BIDSIM_QUALITY_MIN        1
#define BIDSIM_QUALITY_MAX        10000
#define BIDSIM_MAX_SLOTS          20
#define BIDSIM_NAME_MAX           64       /* bytes, including the NUL */

/* Shop service health (docs/model.md §6): a reply within an hour is effective;
 * consulting users count from 08:00 to 23:00; a day with at least 100 of
 * them and an effective reply rate below 50% costs a 1,000-yuan penalty and
 * removes the shop's ads, restored after 3 days. */
#define BIDSIM_SERVICE_FROM_HOUR     8
#define BIDSIM_SERVICE_TO_HOUR       23
#define BIDSIM_SERVICE_MIN_USERS     100
#define BIDSIM_SERVICE_MIN_RATE_PCT  50
#define BIDSIM_SERVICE_PENALTY_LI    1000000
#define BIDSIM_SERVICE_PAUSE_DAYS    3

/* User segments (docs/model.md §1, click bids). */
typedef enum {
  BIDSIM_SEG_ORDINARY = 0,   /* no signal: the base bid */
  BIDSIM_SEG_SHOP     = 1,   /* browsed or bought in this shop (retargeting) */
  BIDSIM_SEG_SIMILAR  = 2,   /* browsed or bought similar products */
  BIDSIM_SEG_COUNT    = 3
} bidsim_segment_t;

typedef enum {
  BIDSIM_PRODUCT_ON_SALE  = 0,
  BIDSIM_PRODUCT_DELISTED = 1,
  BIDSIM_PRODUCT_REMOVED  = 2
} bidsim_product_status_t;

/** @brief Static name of a segment: "ordinary", "shop", "similar". */
BIDSIM_API const char *bidsim_segment_name(int segment);

/* Each check returns BIDSIM_OK or its own code, and on failure fills err with
 * @p where as the field and a message naming the value and the limit in yuan. */

/** @brief One bid: whole fen, within [0.10, 99.00] yuan. */
BIDSIM_API int bidsim_rule_check_bid(int64_t bid_li, const char *where, bidsim_error_t *err);

/** @brief The three segment bids: each a valid bid, and segments 2 and 3
 *  within base x 1.10 .. base x 4.00 inclusive (exact integer arithmetic).
 *  @p where is the prefix of the field ("plan.bids"); the message names the
 *  segment. */
BIDSIM_API int bidsim_rule_check_bids(const int64_t bid_li[BIDSIM_SEG_COUNT], const char *where,
                                      bidsim_error_t *err);

/** @brief The segment bids (shop, similar) a base bid allows, in whole fen:
 *  *lo_li = base x 1.10 rounded up, *hi_li = base x 4.00 rounded down and at
 *  most 99.00 yuan. The one place the premium bounds are derived; exact
 *  integer arithmetic for any base (a base outside [0, 99.00] is first
 *  clamped into it). *lo_li > *hi_li when no segment bid fits (a base above
 *  90.00 yuan). */
BIDSIM_API void bidsim_rule_premium_bounds(int64_t base_li, int64_t *lo_li, int64_t *hi_li);

/** @brief A segment bid written the platform's way, as a premium over the
 *  base ("+25%"): @p pct must be a whole percent within the premium rule
 *  (10..300, else BIDSIM_EPREMIUM naming @p where), and *bid_li = base x
 *  (100 + pct) / 100 rounded up to whole fen, as the rule's lower bound is
 *  (so +10% is bidsim_rule_premium_bounds' *lo_li; the base is clamped into
 *  [0, 99.00] first, so no base overflows). The bid itself (its 99.00-yuan
 *  maximum) is left to bidsim_rule_check_bids with the others. */
BIDSIM_API int bidsim_rule_premium_bid(int64_t base_li, int64_t pct, int64_t *bid_li, const char *where,
                                       bidsim_error_t *err);

/** @brief Daily cap: BIDSIM_CAP_UNLIMITED or at least 100 yuan. */
BIDSIM_API int bidsim_rule_check_cap(int64_t cap_li, const char *where, bidsim_error_t *err);

/** @brief Product eligibility for a plan: sales >= 500 and on sale. (The
 *  "not already in the plan" rule needs the plan and is checked by the market.) */
BIDSIM_API int bidsim_rule_check_product(int64_t historical_sales, bidsim_product_status_t status,
                                         const char *where, bidsim_error_t *err);

/** @brief Quality score in [BIDSIM_QUALITY_MIN, BIDSIM_QUALITY_MAX]. */
BIDSIM_API int bidsim_rule_check_quality(uint32_t quality, const char *where, bidsim_error_t *err);

/** @brief Plan name: non-empty, shorter than BIDSIM_NAME_MAX. */
BIDSIM_API int bidsim_rule_check_plan_name(const char *name, const char *where, bidsim_error_t *err);

/** @brief Format li as yuan: two decimals, three when the amount is not whole fen
 *  ("1.50", "99.00", "0.123"); BIDSIM_CAP_UNLIMITED as "unlimited". */
BIDSIM_API const char *bidsim_li_to_yuan(int64_t li, char buf[32]);

#endif
