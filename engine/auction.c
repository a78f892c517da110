/* engine/auction.c - per-click prices for a ranked auction (docs/model.md §2).
 * Integer arithmetic only: prices are li, products of bid and quality fit
 * 64 bits (99000 x 10000), VCG sums use 128 bits. */
#include <string.h>
#include "bidsim/auction.h"
#include "auction_internal.h"
#include "bidsim/rng.h"   /* bidsim_u128_t */

const char *bidsim_mechanism_name(int mech) {
  switch (mech) {
    case BIDSIM_MECH_GSP: return "gsp";
    case BIDSIM_MECH_VCG: return "vcg";
    case BIDSIM_MECH_FIRST: return "first";
    default: return "unknown";
  }
}

int bidsim_mechanism_parse(const char *name) {
  if (name == NULL) return -1;
  for (int m = BIDSIM_MECH_GSP; m <= BIDSIM_MECH_FIRST; m++)
    if (!strcmp(name, bidsim_mechanism_name(m))) return m;
  return -1;
}

void bidsim_auction_config_default(bidsim_auction_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->mechanism = BIDSIM_MECH_GSP;
  cfg->slots = 4;
  cfg->reserve_li = 100;
  cfg->increment_li = 10;
  /* (1/r)^1, docs/model.md §3's default examination curve */
  for (uint32_t k = 0; k < BIDSIM_MAX_SLOTS; k++) cfg->position_weight_ppm[k] = 1000000u / (k + 1);
}

int bidsim_auction_config_check(const bidsim_auction_config_t *cfg, bidsim_error_t *err) {
  if (cfg->mechanism < BIDSIM_MECH_GSP || cfg->mechanism > BIDSIM_MECH_FIRST)
    return bidsim_error_set(err, BIDSIM_EINVAL, "auction.mechanism", "unknown mechanism %d", (int)cfg->mechanism);
  if (cfg->slots < 1 || cfg->slots > BIDSIM_MAX_SLOTS)
    return bidsim_error_set(err, BIDSIM_EINVAL, "auction.slots", "slots %u is outside [1, %d]", cfg->slots,
                            BIDSIM_MAX_SLOTS);
  int rc = bidsim_rule_check_bid(cfg->reserve_li, "auction.reserve", err);
  if (rc) return rc;
  if (cfg->increment_li < 0 || cfg->increment_li > BIDSIM_BID_MAX_LI)
    return bidsim_error_set(err, BIDSIM_EINVAL, "auction.increment", "increment must be within [0, 99.00] yuan");
  for (uint32_t k = 0; k < cfg->slots; k++) {
    uint32_t w = cfg->position_weight_ppm[k];
    if (w == 0 || w > 1000000u)
      return bidsim_error_set(err, BIDSIM_EINVAL, "auction.examination",
                              "weight of position %u is %u ppm; must be in (0, 1000000]", k + 1, w);
    if (k > 0 && w > cfg->position_weight_ppm[k - 1])
      return bidsim_error_set(err, BIDSIM_EINVAL, "auction.examination",
                              "weight of position %u (%u ppm) exceeds that of position %u (%u ppm)", k + 1, w, k,
                              cfg->position_weight_ppm[k - 1]);
  }
  return BIDSIM_OK;
}

static int64_t clamp_price(int64_t p, int64_t reserve, int64_t bid) {
  if (p < reserve) p = reserve;
  if (p > bid) p = bid;
  return p;
}

uint32_t bidsim_auction_price(const bidsim_auction_config_t *cfg, const bidsim_ranked_t *r, int64_t *price_li) {
  const uint32_t filled = r->n < cfg->slots ? r->n : cfg->slots;
  switch (cfg->mechanism) {
    case BIDSIM_MECH_FIRST:
      for (uint32_t k = 0; k < filled; k++) price_li[k] = r->bid_li[k];
      break;
    case BIDSIM_MECH_VCG: {
      /* Separable CTRs w_k q: slot k's total VCG payment is the externality
       * sum_{j>=k} (w_j - w_{j+1}) s_{j+1}; per click divide by w_k q_k. The
       * score "below" the last candidate is the reserve at the payer's
       * quality, so a lone bidder pays the reserve as under GSP. */
      for (uint32_t k = 0; k < filled; k++) {
        const uint64_t qk = r->quality[k];
        bidsim_u128_t total = 0;
        for (uint32_t j = k; j < filled; j++) {
          uint64_t wj = cfg->position_weight_ppm[j];
          uint64_t wn = (j + 1 < filled) ? cfg->position_weight_ppm[j + 1] : 0;
          uint64_t s_next = (j + 1 < r->n) ? (uint64_t)r->bid_li[j + 1] * r->quality[j + 1]
                                           : (uint64_t)cfg->reserve_li * qk;
          total += (bidsim_u128_t)(wj - wn) * s_next;
        }
        bidsim_u128_t den = (bidsim_u128_t)cfg->position_weight_ppm[k] * qk;
        int64_t p = (int64_t)((total + den - 1) / den);
        price_li[k] = clamp_price(p, cfg->reserve_li, r->bid_li[k]);
      }
      break;
    }
    case BIDSIM_MECH_GSP:
    default:
      for (uint32_t k = 0; k < filled; k++) {
        if (k + 1 < r->n) {
          /* min(own bid, next bid x next quality / own quality + 0.01 yuan),
           * the quotient rounded up to whole li */
          uint64_t s_next = (uint64_t)r->bid_li[k + 1] * r->quality[k + 1];
          price_li[k] = bidsim__gsp_price(cfg, r->bid_li[k], r->quality[k], s_next);
        } else {
          price_li[k] = clamp_price(cfg->reserve_li, cfg->reserve_li, r->bid_li[k]);   /* nothing below: the reserve */
        }
      }
      break;
  }
  return filled;
}
