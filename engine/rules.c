/* engine/rules.c - docs/model.md §1's platform rules, the only implementation.
 * The market API and the scenario loader both call these. All arithmetic is
 * exact integer arithmetic in li (0.001 yuan). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "bidsim/rules.h"

const char *bidsim_segment_name(int segment) {
  switch (segment) {
    case BIDSIM_SEG_ORDINARY: return "ordinary";
    case BIDSIM_SEG_SHOP: return "shop";
    case BIDSIM_SEG_SIMILAR: return "similar";
    default: return "unknown";
  }
}

const char *bidsim_li_to_yuan(int64_t li, char buf[32]) {
  if (li == BIDSIM_CAP_UNLIMITED) {
    snprintf(buf, 32, "unlimited");
    return buf;
  }
  const char *sign = li < 0 ? "-" : "";
  uint64_t a = li < 0 ? (uint64_t)0 - (uint64_t)li : (uint64_t)li;
  uint64_t whole = a / BIDSIM_LI_PER_YUAN, frac = a % BIDSIM_LI_PER_YUAN;
  if (frac % 10 == 0)
    snprintf(buf, 32, "%s%" PRIu64 ".%02" PRIu64, sign, whole, frac / 10);
  else
    snprintf(buf, 32, "%s%" PRIu64 ".%03" PRIu64, sign, whole, frac);
  return buf;
}

/* The rules as predicates, without messages: strategies set bids every
 * period, so the valid case is the one to make cheap; messages are built
 * only once a rule is known to be broken. */
static inline bool bid_ok(int64_t bid_li) {
  return bid_li >= BIDSIM_BID_MIN_LI && bid_li <= BIDSIM_BID_MAX_LI && bid_li % BIDSIM_LI_PER_FEN == 0;
}

static inline bool premium_ok(int64_t bid_li, int64_t base_li) {
  return 100 * bid_li >= (100 + BIDSIM_PREMIUM_MIN_PCT) * base_li &&
         100 * bid_li <= (100 + BIDSIM_PREMIUM_MAX_PCT) * base_li;
}

int bidsim_rule_check_bid(int64_t bid_li, const char *where, bidsim_error_t *err) {
  if (bid_ok(bid_li)) return BIDSIM_OK;
  char v[32];
  if (bid_li < BIDSIM_BID_MIN_LI)
    return bidsim_error_set(err, BIDSIM_EBIDRANGE, where,
                            "bid %s yuan is below the minimum 0.10 yuan", bidsim_li_to_yuan(bid_li, v));
  if (bid_li > BIDSIM_BID_MAX_LI)
    return bidsim_error_set(err, BIDSIM_EBIDRANGE, where,
                            "bid %s yuan is above the maximum 99.00 yuan", bidsim_li_to_yuan(bid_li, v));
  if (bid_li % BIDSIM_LI_PER_FEN != 0)
    return bidsim_error_set(err, BIDSIM_EBIDUNIT, where,
                            "bid %s yuan is not a whole number of fen (smallest unit 0.01 yuan)",
                            bidsim_li_to_yuan(bid_li, v));
  return BIDSIM_OK;
}

/* Which rule a set of bids breaks, with the field named: the slow path. */
static int bids_failure(const int64_t bid_li[BIDSIM_SEG_COUNT], const char *where, bidsim_error_t *err) {
  char field[160];
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
    if (bid_ok(bid_li[s])) continue;
    snprintf(field, sizeof field, "%s.%s", where ? where : "bids", bidsim_segment_name(s));
    return bidsim_rule_check_bid(bid_li[s], field, err);
  }
  /* Segments 2 and 3: base x 1.10 <= bid <= base x 4.00, i.e. a premium of
   * 10%..300%; compared as 100*bid against (100+pct)*base to stay exact. */
  const int64_t base = bid_li[BIDSIM_SEG_ORDINARY];
  for (int s = BIDSIM_SEG_SHOP; s < BIDSIM_SEG_COUNT; s++) {
    if (premium_ok(bid_li[s], base)) continue;
    snprintf(field, sizeof field, "%s.%s", where ? where : "bids", bidsim_segment_name(s));
    char b[32], v[32], lim[32];
    if (100 * bid_li[s] < (100 + BIDSIM_PREMIUM_MIN_PCT) * base) {
      /* smallest allowed bid, rounded up to whole fen */
      int64_t min_li = ((100 + BIDSIM_PREMIUM_MIN_PCT) * base + 100 * BIDSIM_LI_PER_FEN - 1) /
                       (100 * BIDSIM_LI_PER_FEN) * BIDSIM_LI_PER_FEN;
      return bidsim_error_set(err, BIDSIM_EPREMIUM, field,
                              "%s bid %s yuan is less than 10%% above the base bid %s yuan "
                              "(minimum %s yuan)", bidsim_segment_name(s), bidsim_li_to_yuan(bid_li[s], v),
                              bidsim_li_to_yuan(base, b), bidsim_li_to_yuan(min_li, lim));
    }
    if (100 * bid_li[s] > (100 + BIDSIM_PREMIUM_MAX_PCT) * base)
      return bidsim_error_set(err, BIDSIM_EPREMIUM, field,
                              "%s bid %s yuan is more than 300%% above the base bid %s yuan "
                              "(maximum %s yuan)", bidsim_segment_name(s), bidsim_li_to_yuan(bid_li[s], v),
                              bidsim_li_to_yuan(base, b),
                              bidsim_li_to_yuan((100 + BIDSIM_PREMIUM_MAX_PCT) * base / 100, lim));
  }
  return BIDSIM_OK;
}

int bidsim_rule_check_bids(const int64_t bid_li[BIDSIM_SEG_COUNT], const char *where, bidsim_error_t *err) {
  bool ok = true;
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) ok &= bid_ok(bid_li[s]);
  /* premiums only once every bid is in range: 100 x bid cannot overflow then */
  if (!ok) return bids_failure(bid_li, where, err);
  for (int s = BIDSIM_SEG_SHOP; s < BIDSIM_SEG_COUNT; s++) ok &= premium_ok(bid_li[s], bid_li[BIDSIM_SEG_ORDINARY]);
  return ok ? BIDSIM_OK : bids_failure(bid_li, where, err);
}

void bidsim_rule_premium_bounds(int64_t base_li, int64_t *lo_li, int64_t *hi_li) {
  const int64_t b = base_li < 0 ? 0 : base_li > BIDSIM_BID_MAX_LI ? BIDSIM_BID_MAX_LI : base_li;
  const int64_t fen100 = 100 * BIDSIM_LI_PER_FEN;
  *lo_li = ((100 + BIDSIM_PREMIUM_MIN_PCT) * b + fen100 - 1) / fen100 * BIDSIM_LI_PER_FEN;
  const int64_t hi = (100 + BIDSIM_PREMIUM_MAX_PCT) * b / fen100 * BIDSIM_LI_PER_FEN;
  *hi_li = hi < BIDSIM_BID_MAX_LI ? hi : BIDSIM_BID_MAX_LI;
}

int bidsim_rule_premium_bid(int64_t base_li, int64_t pct, int64_t *bid_li, const char *where, bidsim_error_t *err) {
  if (pct < BIDSIM_PREMIUM_MIN_PCT)
    return bidsim_error_set(err, BIDSIM_EPREMIUM, where,
                            "premium +%" PRId64 "%% is less than the minimum +%d%% above the base bid", pct,
                            BIDSIM_PREMIUM_MIN_PCT);
  if (pct > BIDSIM_PREMIUM_MAX_PCT)
    return bidsim_error_set(err, BIDSIM_EPREMIUM, where,
                            "premium +%" PRId64 "%% is more than the maximum +%d%% above the base bid", pct,
                            BIDSIM_PREMIUM_MAX_PCT);
  const int64_t b = base_li < 0 ? 0 : base_li > BIDSIM_BID_MAX_LI ? BIDSIM_BID_MAX_LI : base_li;
  const int64_t fen100 = 100 * BIDSIM_LI_PER_FEN;
  /* rounded up: base x (100 + pct)% is at least the rule's minimum, and
   * never rounds past base x 4.00, itself whole fen */
  *bid_li = ((100 + pct) * b + fen100 - 1) / fen100 * BIDSIM_LI_PER_FEN;
  return BIDSIM_OK;
}

int bidsim_rule_check_cap(int64_t cap_li, const char *where, bidsim_error_t *err) {
  char v[32];
  if (cap_li == BIDSIM_CAP_UNLIMITED) return BIDSIM_OK;
  if (cap_li < BIDSIM_CAP_MIN_LI)
    return bidsim_error_set(err, BIDSIM_ECAP, where,
                            "daily cap %s yuan is below the minimum 100 yuan (or leave it unlimited)",
                            bidsim_li_to_yuan(cap_li, v));
  return BIDSIM_OK;
}

int bidsim_rule_check_product(int64_t historical_sales, bidsim_product_status_t status, const char *where,
                              bidsim_error_t *err) {
  if (historical_sales < BIDSIM_SALES_MIN)
    return bidsim_error_set(err, BIDSIM_ESALES, where,
                            "historical sales %" PRId64 " are below the minimum %d units to join a plan",
                            historical_sales, BIDSIM_SALES_MIN);
  if (status != BIDSIM_PRODUCT_ON_SALE)
    return bidsim_error_set(err, BIDSIM_ENOTONSALE, where, "product is %s; only products on sale may join a plan",
                            status == BIDSIM_PRODUCT_DELISTED ? "delisted" :
                            status == BIDSIM_PRODUCT_REMOVED ? "removed" : "in an unknown state");
  return BIDSIM_OK;
}

int bidsim_rule_check_quality(uint32_t quality, const char *where, bidsim_error_t *err) {
  if (quality < BIDSIM_QUALITY_MIN || quality > BIDSIM_QUALITY_MAX)
    return bidsim_error_set(err, BIDSIM_EQUALITY, where, "quality %u is outside [%d, %d]", quality,
                            BIDSIM_QUALITY_MIN, BIDSIM_QUALITY_MAX);
  return BIDSIM_OK;
}

int bidsim_rule_check_plan_name(const char *name, const char *where, bidsim_error_t *err) {
  if (name == NULL || name[0] == '\0')
    return bidsim_error_set(err, BIDSIM_EINVAL, where, "plan name is empty");
  size_t n = strlen(name);
  if (n >= BIDSIM_NAME_MAX)
    return bidsim_error_set(err, BIDSIM_EINVAL, where, "plan name is %zu bytes long; the maximum is %d",
                            n, BIDSIM_NAME_MAX - 1);
  return BIDSIM_OK;
}
