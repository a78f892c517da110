/* engine/market_offer.c - what one ad unit would offer in an impression's
 * personalised auction without running it again: the unit's relation to the
 * user, its affinity and predicted CTR, and the GSP price a slot would cost
 * given the value ranked below. Bid landscapes (sim/landscape.c) score the
 * auction once and place a plan's copies at many bids by comparing their
 * bid x pCTR with the competitors' values. Reads the market only; no I/O. */
#include <stddef.h>
#include "bidsim/market.h"
#include "market_internal.h"
#include "market_personal.h"
#include "market_personal_internal.h"

int bidsim_market_unit_offer(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t unit,
                             bidsim_unit_offer_t *out) {
  if (m->cfg.rank != BIDSIM_RANK_PERSONAL || m->stale || m->index.personal == NULL) return BIDSIM_ESTATE;
  if (unit >= m->unit_count || imp->category >= m->cfg.categories || imp->segment >= BIDSIM_SEG_COUNT)
    return BIDSIM_ENOTFOUND;
  const bidsim__personal_t *p = m->index.personal;
  const punit_t *un = &p->unit[unit];
  /* the relation exactly as the auction decides it: SHOP when the user
   * visited the unit's shop as an impression of this category */
  const bool shop = bidsim__personal_visited(m, imp->user, imp->category, un->shop);
  const int rel = shop ? BIDSIM_SEG_SHOP : (int)imp->segment;
  out->relation = (uint32_t)rel;
  out->affinity = p->aff[bidsim__ppair_hash(bidsim__puser_key(imp->user), un->seed) >> (32 - ZCELLS_LOG2)];
  out->pctr = un->quality * p->mult[rel] * out->affinity;
  out->in_category = m->units[unit].category == imp->category;
  return BIDSIM_OK;
}

/* The auction's own rule (market_personal_auction.c, gsp_price), kept
 * beside it in meaning: min(bid, ceil(next value / pCTR) + increment), the
 * reserve when nothing ranks below, never below the reserve (docs/model.md §2).
 * tests/engine/test_offer.c holds the two equal slot by slot. */
int64_t bidsim_market_gsp_price(const bidsim_market_t *m, int64_t bid_li, double pctr, double next_value) {
  const bidsim_auction_config_t *cfg = &m->cfg.auction;
  if (next_value < 0) return cfg->reserve_li < bid_li ? cfg->reserve_li : bid_li;
  const double q = next_value / pctr;
  int64_t c = (int64_t)q;
  c += (double)c < q;
  int64_t pr = c + cfg->increment_li;
  if (pr < cfg->reserve_li) pr = cfg->reserve_li;
  return pr < bid_li ? pr : bid_li;
}
