/* engine/market_personal.h - the personalised ranking (its tables in
 * market_personal.c, its auction in market_personal_auction.c), the second
 * ranking behind the bidsim__index_* interface of market_internal.h:
 * market_index.c hands a market with rank == BIDSIM_RANK_PERSONAL to these
 * functions. Never installed. */
#ifndef BIDSIM_MARKET_PERSONAL_H
#define BIDSIM_MARKET_PERSONAL_H
#include <stdbool.h>
#include <stdint.h>
#include "market_internal.h"

int  bidsim__personal_build(bidsim_market_t *m, bidsim_error_t *err);
/** Deep copy for a cloned market @p m; BIDSIM_ENOMEM leaves *out freeable. */
int  bidsim__personal_clone(bidsim__personal_t **out, const bidsim__personal_t *src, const bidsim_market_t *m);
void bidsim__personal_free(bidsim__personal_t *p, uint32_t categories);
void bidsim__personal_reset(bidsim_market_t *m);
void bidsim__personal_plan_flags(bidsim_market_t *m, uint32_t plan);
void bidsim__personal_plan_bids(bidsim_market_t *m, uint32_t plan, const int64_t old_li[BIDSIM_SEG_COUNT]);

/** The auction: visited shops' units, then the threshold walk; *scored
 *  grows by the units whose score the walk computed. */
uint32_t bidsim__personal_auction(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                  bidsim_auction_result_t *res, bool defer, uint32_t *scored);
/** The same auction by a full scan of the category's units (the oracle). */
uint32_t bidsim__personal_scan(const bidsim_market_t *m, const bidsim_impression_t *imp,
                               bidsim_auction_result_t *res);
int64_t  bidsim__personal_slot_price(const bidsim_market_t *m, const bidsim_auction_result_t *res, uint32_t slot);
double   bidsim__personal_affinity(const bidsim_market_t *m, uint64_t user, uint32_t unit);
bool     bidsim__personal_visited(const bidsim_market_t *m, uint64_t user, uint32_t category, uint32_t shop);
int      bidsim__personal_check(const bidsim_market_t *m, bidsim_error_t *err);
/** The walk: 0 one unit at a time, 1 eight (AVX2), 2 sixteen (AVX-512, for
 *  up to 7 slots; more slots walk eight), each only if the CPU has it (the
 *  widest is chosen at build); all give the same results (tests run each).
 *  Returns the level in use. */
int      bidsim__personal_set_simd(bidsim_market_t *m, int level);

#endif
