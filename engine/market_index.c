/* engine/market_index.c - the ranking index and the auction's walk over it
 * (docs/model.md §2). Built once from the catalogue (bidsim_market_build);
 * afterwards nothing here allocates, locks or prints.
 *
 * For each (segment, category), the category's ad units sorted by a 64-bit
 * key (bid x quality in the high half, the complement of the unit index in
 * the low half, so descending order is score-then-lower-unit), and a
 * two-level bitmap over those positions marking units that may compete
 * now. An auction walks set bits from the top; caps, pauses and publishing
 * only flip bits, and a bid change moves the plan's units to their new
 * places. */
#include <assert.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "auction_internal.h"
#include "market_internal.h"
#include "market_personal.h"

/* One ranked position. Everything an auction reads about a candidate sits
 * here, so the top of a ranking is a few contiguous cache lines. */
typedef struct {
  uint64_t key;                         /* score << 32 | ~unit: sorted descending */
  uint32_t plan, product;
  int32_t  bid_li;                      /* the plan's bid for this segment */
  uint32_t quality;
} entry_t;

/* One (segment, category)'s ranking. */
typedef struct bidsim__ranking {
  uint32_t  n, words, sums;
  entry_t  *e;                          /* sorted by key, descending */
  uint64_t *bits;                       /* bit i: position i may compete */
  uint64_t *sum;                        /* bit j of sum[s]: bits[64 s + j] != 0 */
} ranking_t;

/* Strict mode skips a unit whose remaining cap cannot pay its bid. */
static inline bool strict_skip(const bidsim_market_t *m, const plan_hot_t *h, int seg) {
  return m->cfg.strict_caps && h->cap_li != BIDSIM_CAP_UNLIMITED && h->cap_li - h->spend_li < h->bid_li[seg];
}

static inline uint64_t key_of(int64_t bid_li, uint32_t quality, uint32_t u) {
  return ((uint64_t)bid_li * quality) << 32 | (uint64_t)(UINT32_MAX - u);
}

static inline uint64_t unit_key(const bidsim_market_t *m, uint32_t u, int seg) {
  return key_of(m->hot[m->units[u].plan].bid_li[seg], m->units[u].quality, u);
}

static inline uint32_t key_unit(uint64_t key) { return UINT32_MAX - (uint32_t)key; }

static inline bool unit_eligible(const bidsim_market_t *m, uint32_t u, int seg) {
  const plan_hot_t *h = &m->hot[m->units[u].plan];
  return bidsim__plan_active(h) && h->bid_li[seg] >= m->cfg.auction.reserve_li;
}

static inline ranking_t *ranking_of(const bidsim_market_t *m, int seg, uint32_t cat) {
  return &m->index.lists[(size_t)seg * m->cfg.categories + cat];
}

static inline uint32_t *hint_of(const bidsim_market_t *m, uint32_t u, int seg) {
  return &m->index.pos[(size_t)u * BIDSIM_SEG_COUNT + seg];
}

static inline void bit_set(ranking_t *ix, uint32_t pos, bool on) {
  uint32_t w = pos >> 6;
  uint64_t b = UINT64_C(1) << (pos & 63);
  if (on) ix->bits[w] |= b; else ix->bits[w] &= ~b;
  uint64_t sb = UINT64_C(1) << (w & 63);
  if (ix->bits[w]) ix->sum[w >> 6] |= sb; else ix->sum[w >> 6] &= ~sb;
}

static inline bool bit_get(const ranking_t *ix, uint32_t pos) { return (ix->bits[pos >> 6] >> (pos & 63)) & 1; }

/* First set position >= pos, or UINT32_MAX. */
static inline uint32_t next_set(const ranking_t *ix, uint32_t pos) {
  if (pos >= ix->n) return UINT32_MAX;
  uint32_t w = pos >> 6;
  uint64_t word = ix->bits[w] & (~UINT64_C(0) << (pos & 63));
  if (word) return (w << 6) | (uint32_t)__builtin_ctzll(word);
  w++;
  uint32_t s = w >> 6;
  if (s >= ix->sums) return UINT32_MAX;
  uint64_t sword = (w & 63) ? ix->sum[s] & (~UINT64_C(0) << (w & 63)) : ix->sum[s];
  while (!sword) {
    if (++s >= ix->sums) return UINT32_MAX;
    sword = ix->sum[s];
  }
  w = (s << 6) | (uint32_t)__builtin_ctzll(sword);
  return (w << 6) | (uint32_t)__builtin_ctzll(ix->bits[w]);
}

/* The position of the entry with this key (which the ranking holds),
 * searched from a hint: the place the unit had when it last moved. Entries
 * shifted by other units' moves keep stale hints (rewriting the place of
 * every entry a move shifts costs scattered writes); the search gallops
 * from the hint and halves the bracket, O(log drift). */
static uint32_t ranking_find(const ranking_t *ix, uint64_t key, uint32_t hint) {
  const entry_t *e = ix->e;
  const uint32_t n = ix->n;
  assert(n > 0);
  uint32_t h = hint < n ? hint : n - 1;
  if (e[h].key == key) return h;
  uint32_t lo, hi;                      /* e[lo].key >= key >= e[hi].key */
  if (e[h].key > key) {                 /* further down */
    lo = h;
    hi = h + 1;
    for (uint32_t step = 2; hi < n - 1 && e[hi].key > key; step <<= 1) {
      lo = hi;
      hi = h + step < n - 1 ? h + step : n - 1;
    }
  } else {                              /* further up */
    hi = h;
    lo = h - 1;
    for (uint32_t step = 2; lo > 0 && e[lo].key < key; step <<= 1) {
      hi = lo;
      lo = h > step ? h - step : 0;
    }
  }
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (e[mid].key >= key) lo = mid; else hi = mid;
  }
  const uint32_t at = e[lo].key == key ? lo : hi;
  assert(e[at].key == key);             /* the unit is in this ranking */
  return at;
}

/* In-place heapsort, descending (keys are distinct). Allocation-free, so
 * reset can re-sort without touching the allocator. */
static void sift_down(entry_t *a, uint32_t start, uint32_t n) {
  uint32_t root = start;
  for (;;) {
    uint32_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && a[child + 1].key < a[child].key) child++;   /* min-heap */
    if (a[root].key <= a[child].key) return;
    entry_t t = a[root]; a[root] = a[child]; a[child] = t;
    root = child;
  }
}

static void sort_desc(entry_t *a, uint32_t n) {
  if (n < 2) return;
  for (uint32_t i = n / 2; i-- > 0;) sift_down(a, i, n);
  for (uint32_t end = n - 1; end > 0; end--) {
    entry_t t = a[0]; a[0] = a[end]; a[end] = t;   /* smallest to the back */
    sift_down(a, 0, end);
  }
}

static inline void entry_fill(const bidsim_market_t *m, entry_t *e, uint32_t u, int seg) {
  const unit_t *un = &m->units[u];
  e->key = unit_key(m, u, seg);
  e->plan = un->plan;
  e->product = un->product;
  e->bid_li = (int32_t)m->hot[un->plan].bid_li[seg];
  e->quality = un->quality;
}

/* Recompute keys, order, hints and bitmaps of every ranking from the
 * current bids and flags; the arrays must already be sized. */
static void index_resort(bidsim_market_t *m) {
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++)
    for (uint32_t c = 0; c < m->cfg.categories; c++) {
      ranking_t *ix = ranking_of(m, s, c);
      for (uint32_t i = 0; i < ix->n; i++) entry_fill(m, &ix->e[i], key_unit(ix->e[i].key), s);
      sort_desc(ix->e, ix->n);
      memset(ix->bits, 0, (size_t)ix->words * sizeof *ix->bits);
      memset(ix->sum, 0, (size_t)ix->sums * sizeof *ix->sum);
      for (uint32_t i = 0; i < ix->n; i++) {
        uint32_t u = key_unit(ix->e[i].key);
        *hint_of(m, u, s) = i;
        if (unit_eligible(m, u, s)) bit_set(ix, i, true);
      }
    }
}

static size_t ranking_count(const bidsim_market_t *m) { return (size_t)BIDSIM_SEG_COUNT * m->cfg.categories; }

void bidsim__index_free(bidsim_market_t *m) {
  bidsim__index_t *x = &m->index;
  bidsim__personal_free(x->personal, m->cfg.categories);
  x->personal = NULL;
  bidsim_free(x->pos);   /* the hints first: a failed build or clone may hold them without rankings */
  x->pos = NULL;
  if (x->lists == NULL) return;
  for (size_t i = 0; i < ranking_count(m); i++) {
    bidsim_free(x->lists[i].e);
    bidsim_free(x->lists[i].bits);
    bidsim_free(x->lists[i].sum);
  }
  bidsim_free(x->lists);
  x->lists = NULL;
}

int bidsim__index_build(bidsim_market_t *m, bidsim_error_t *err) {
  const size_t count = ranking_count(m);
  bidsim__index_free(m);
  m->stale = true;
  if (m->cfg.rank == BIDSIM_RANK_PERSONAL) {
    int rc = bidsim__personal_build(m, err);
    if (rc) { bidsim__index_free(m); return rc; }
    m->stale = false;
    return BIDSIM_OK;
  }
  bidsim__index_t *x = &m->index;
  x->lists = bidsim_calloc(count, sizeof *x->lists);
  x->pos = bidsim_calloc((size_t)m->unit_count * BIDSIM_SEG_COUNT + 1, sizeof *x->pos);
  uint32_t *per_cat = bidsim_calloc(m->cfg.categories, sizeof *per_cat);
  int rc = x->lists && x->pos && per_cat ? BIDSIM_OK : BIDSIM_ENOMEM;
  if (rc == BIDSIM_OK) {
    for (uint32_t u = 0; u < m->unit_count; u++) per_cat[m->units[u].category]++;
    for (int s = 0; s < BIDSIM_SEG_COUNT && rc == BIDSIM_OK; s++)
      for (uint32_t c = 0; c < m->cfg.categories; c++) {
        ranking_t *ix = ranking_of(m, s, c);
        ix->words = (per_cat[c] + 63) / 64;
        ix->sums = (ix->words + 63) / 64;
        /* one spare word each way keeps every array non-NULL */
        ix->e = bidsim_calloc((size_t)per_cat[c] + 1, sizeof *ix->e);
        ix->bits = bidsim_calloc((size_t)ix->words + 1, sizeof *ix->bits);
        ix->sum = bidsim_calloc((size_t)ix->sums + 1, sizeof *ix->sum);
        if (!ix->e || !ix->bits || !ix->sum) { rc = BIDSIM_ENOMEM; break; }
      }
  }
  bidsim_free(per_cat);
  if (rc != BIDSIM_OK) {
    bidsim__index_free(m);
    return bidsim_error_set(err, rc, "market.index", "out of memory building the ranking index of %u ad units",
                            m->unit_count);
  }
  for (uint32_t u = 0; u < m->unit_count; u++)
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
      ranking_t *ix = ranking_of(m, s, m->units[u].category);
      assert(ix->n < (ix->words << 6));   /* sized from the same count */
      ix->e[ix->n++].key = (uint64_t)(UINT32_MAX - u);   /* unit only; resort fills the rest */
    }
  m->stale = false;
  index_resort(m);
  return BIDSIM_OK;
}

int bidsim__index_clone(bidsim_market_t *dst, const bidsim_market_t *src) {
  dst->index.lists = NULL;
  dst->index.pos = NULL;
  dst->index.personal = NULL;
  if (src->stale) return BIDSIM_OK;   /* the clone is stale too: built when needed */
  if (src->cfg.rank == BIDSIM_RANK_PERSONAL)
    return bidsim__personal_clone(&dst->index.personal, src->index.personal, src);
  const size_t count = ranking_count(src), places = (size_t)src->unit_count * BIDSIM_SEG_COUNT + 1;
  dst->index.pos = bidsim_malloc(places * sizeof *dst->index.pos);
  dst->index.lists = bidsim_calloc(count, sizeof *dst->index.lists);
  if (dst->index.pos == NULL || dst->index.lists == NULL) return BIDSIM_ENOMEM;
  memcpy(dst->index.pos, src->index.pos, places * sizeof *dst->index.pos);
  for (size_t i = 0; i < count; i++) {
    const ranking_t *s = &src->index.lists[i];
    ranking_t *d = &dst->index.lists[i];
    d->e = bidsim_malloc(((size_t)s->n + 1) * sizeof *d->e);
    d->bits = bidsim_malloc(((size_t)s->words + 1) * sizeof *d->bits);
    d->sum = bidsim_malloc(((size_t)s->sums + 1) * sizeof *d->sum);
    if (!d->e || !d->bits || !d->sum) return BIDSIM_ENOMEM;
    d->n = s->n;
    d->words = s->words;
    d->sums = s->sums;
    memcpy(d->e, s->e, ((size_t)s->n + 1) * sizeof *d->e);
    memcpy(d->bits, s->bits, ((size_t)s->words + 1) * sizeof *d->bits);
    memcpy(d->sum, s->sum, ((size_t)s->sums + 1) * sizeof *d->sum);
  }
  return BIDSIM_OK;
}

void bidsim__index_reset(bidsim_market_t *m) {
  if (m->stale) return;
  if (m->cfg.rank == BIDSIM_RANK_PERSONAL) bidsim__personal_reset(m);
  else index_resort(m);
}

void bidsim__index_plan_flags(bidsim_market_t *m, uint32_t p) {
  if (m->stale) return;   /* the build will compute them */
  if (m->cfg.rank == BIDSIM_RANK_PERSONAL) { bidsim__personal_plan_flags(m, p); return; }
  for (uint32_t u = m->hot[p].first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan)
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
      ranking_t *ix = ranking_of(m, s, m->units[u].category);
      uint32_t *pos = hint_of(m, u, s);
      *pos = ranking_find(ix, unit_key(m, u, s), *pos);
      bit_set(ix, *pos, unit_eligible(m, u, s));
    }
}

/* bits_shift over more than one word (see there). */
static __attribute__((noinline)) void bits_shift_words(ranking_t *ix, uint32_t lo, uint32_t hi, bool up) {
  const uint32_t wa = lo >> 6, wb = hi >> 6;
  for (uint32_t i = 0; i <= wb - wa; i++) {
    /* upward shifts read the word below before it changes: go top down */
    const uint32_t w = up ? wb - i : wa + i;
    uint64_t mask = ~UINT64_C(0);
    if (w == wa) mask &= ~UINT64_C(0) << (lo & 63);
    if (w == wb) mask &= ~UINT64_C(0) >> (63 - (hi & 63));
    uint64_t moved = up ? ix->bits[w] << 1 | (w > wa ? ix->bits[w - 1] >> 63 : 0)
                        : ix->bits[w] >> 1 | (w < wb ? ix->bits[w + 1] << 63 : 0);
    ix->bits[w] = (ix->bits[w] & ~mask) | (moved & mask);
    uint64_t sb = UINT64_C(1) << (w & 63);
    if (ix->bits[w]) ix->sum[w >> 6] |= sb; else ix->sum[w >> 6] &= ~sb;
  }
}

/* Bit i of positions lo <= i < hi moves to i + 1 (up = true) or bit i of
 * lo < i <= hi to i - 1, a word at a time; the summary follows. The bit
 * left behind at the end of the range is the caller's to set. Most moves
 * are short and stay within one word: that case inline. */
static inline void bits_shift(ranking_t *ix, uint32_t lo, uint32_t hi, bool up) {
  assert(lo < hi && hi < ix->n);
  const uint32_t w = lo >> 6;
  if (w != hi >> 6) { bits_shift_words(ix, lo, hi, up); return; }
  const uint64_t mask = (~UINT64_C(0) << (lo & 63)) & (~UINT64_C(0) >> (63 - (hi & 63)));
  const uint64_t word = ix->bits[w], moved = up ? word << 1 : word >> 1;
  ix->bits[w] = (word & ~mask) | (moved & mask);
  const uint64_t sb = UINT64_C(1) << (w & 63);
  if (ix->bits[w]) ix->sum[w >> 6] |= sb; else ix->sum[w >> 6] &= ~sb;
}

/* Move a unit's entry from the place of its old key (found from the hint,
 * where the unit was put last) to the place its new entry @p e belongs:
 * the entries in between shift by one place as a block and keep their
 * eligibility (their bits shift with them, a word at a time: reading a bit
 * is cheaper than re-deriving eligibility from each plan's hot state).
 * O(log drift + distance). */
static void ranking_move(ranking_t *ix, uint32_t *hint, uint64_t old_key, const entry_t *e, bool eligible) {
  const uint64_t key = e->key;
  const uint32_t from = ranking_find(ix, old_key, *hint);
  uint32_t to = from;
  while (to > 0 && ix->e[to - 1].key < key) to--;
  if (to == from)
    while (to + 1 < ix->n && ix->e[to + 1].key > key) to++;
  if (to < from) {
    memmove(&ix->e[to + 1], &ix->e[to], (size_t)(from - to) * sizeof *ix->e);
    bits_shift(ix, to, from, true);
  } else if (to > from) {
    memmove(&ix->e[from], &ix->e[from + 1], (size_t)(to - from) * sizeof *ix->e);
    bits_shift(ix, from, to, false);
  }
  ix->e[to] = *e;
  *hint = to;
  bit_set(ix, to, eligible);
  assert((to == 0 || ix->e[to - 1].key > key) && (to + 1 == ix->n || ix->e[to + 1].key < key));
}

void bidsim__index_plan_bids(bidsim_market_t *m, uint32_t plan, const int64_t old[BIDSIM_SEG_COUNT]) {
  if (m->stale) return;   /* the build will place them */
  if (m->cfg.rank == BIDSIM_RANK_PERSONAL) { bidsim__personal_plan_bids(m, plan, old); return; }
  const plan_hot_t *h = &m->hot[plan];
  const bool active = bidsim__plan_active(h);
  for (uint32_t u = h->first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan) {
    const unit_t un = m->units[u];
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
      const int64_t bid = h->bid_li[s];
      if (bid == old[s]) continue;
      const entry_t e = { key_of(bid, un.quality, u), plan, un.product, (int32_t)bid, un.quality };
      ranking_move(ranking_of(m, s, un.category), hint_of(m, u, s), key_of(old[s], un.quality, u), &e,
                   active && bid >= m->cfg.auction.reserve_li);
    }
  }
}

/* ---- the auction -------------------------------------------------------- */

/* GSP price of a slot from its bid, quality and the score ranked below it. */
static inline int64_t gsp_slot_price(const bidsim_auction_config_t *cfg, int64_t bid_li, uint32_t quality,
                                     uint64_t next_score) {
  if (next_score == UINT64_MAX) return cfg->reserve_li < bid_li ? cfg->reserve_li : bid_li;
  return bidsim__gsp_price(cfg, bid_li, quality, next_score);
}

/* Price up to slots+1 ranked candidates by the generic rules of auction.c
 * and fill the result: VCG and first price in the auction, every mechanism
 * in the full scan (which the fused GSP walk is tested against). */
static uint32_t price_ranked(const bidsim_market_t *m, const entry_t *const *cand, uint32_t n,
                             bidsim_auction_result_t *res) {
  res->priced = true;
  int64_t bid[BIDSIM_MAX_SLOTS + 1];
  uint32_t q[BIDSIM_MAX_SLOTS + 1];
  for (uint32_t i = 0; i < n; i++) {
    bid[i] = cand[i]->bid_li;
    q[i] = cand[i]->quality;
  }
  bidsim_ranked_t ranked = { bid, q, n };
  uint32_t filled = bidsim_auction_price(&m->cfg.auction, &ranked, res->price_li);
  for (uint32_t i = 0; i < filled; i++) {
    res->plan[i] = cand[i]->plan;
    res->unit[i] = key_unit(cand[i]->key);
    res->product[i] = cand[i]->product;
    res->bid_li[i] = bid[i];
  }
  res->n = filled;
  return filled;
}

int64_t bidsim_auction_slot_price(const bidsim_market_t *m, const bidsim_auction_result_t *res, uint32_t slot) {
  if (slot >= res->n) return 0;
  if (res->priced) return res->price_li[slot];
  if (m->cfg.rank == BIDSIM_RANK_PERSONAL) return bidsim__personal_slot_price(m, res, slot);
  return gsp_slot_price(&m->cfg.auction, res->bid_li[slot], res->quality[slot], res->next_score[slot]);
}

/* The walk: up to slots + 1 eligible entries from the top of the ranking
 * (the runner-up prices the last slot). Under GSP it fills the result as it
 * goes, each entry's score being the next score of the slot above it;
 * otherwise it collects the entries in `cand` for pricing. The options are
 * parameters of a forced-inline function so the common case (no strict
 * caps, no throttled plan, GSP) gets its own loop without them. */
static inline __attribute__((always_inline)) uint32_t walk(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                                           const ranking_t *ix, uint32_t slots,
                                                           bidsim_auction_result_t *res, const entry_t **cand,
                                                           bool strict, bool throttled, bool gsp) {
  const int seg = (int)imp->segment;
  const uint32_t want = slots + 1;
  uint32_t n = 0;
  /* set bits word by word from the top */
  for (uint32_t w = 0; w < ix->words && n < want;) {
    uint64_t word = ix->bits[w];
    if (word == 0) {
      uint32_t next = next_set(ix, (w + 1) << 6);
      if (next == UINT32_MAX) break;
      w = next >> 6;
      continue;
    }
    do {
      const entry_t *e = &ix->e[(w << 6) | (uint32_t)__builtin_ctzll(word)];
      word &= word - 1;
      if (strict && strict_skip(m, &m->hot[e->plan], seg)) continue;
      if (throttled && bidsim__throttle_skip(m, imp, e->plan)) continue;
      if (!gsp) {
        cand[n++] = e;
        continue;
      }
      if (n > 0) res->next_score[n - 1] = e->key >> 32;
      if (n < slots) {
        res->plan[n] = e->plan;
        res->unit[n] = key_unit(e->key);
        res->product[n] = e->product;
        res->bid_li[n] = e->bid_li;
        res->quality[n] = e->quality;
      }
      n++;
    } while (word && n < want);
    w++;
  }
  return n;
}

/* The walk with throttled plans or strict caps, out of line so the inline
 * loops of the auction keep its registers to themselves (the options made
 * every case pay for the others); GSP with throttled plans and no strict
 * caps, pacing by participation, has a loop of its own in here. */
static __attribute__((noinline)) uint32_t walk_other(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                                     const ranking_t *ix, uint32_t slots, bidsim_auction_result_t *res,
                                                     const entry_t **cand, bool strict, bool throttled, bool gsp) {
  if (!strict && throttled && gsp) return walk(m, imp, ix, slots, res, cand, false, true, true);
  return walk(m, imp, ix, slots, res, cand, strict, throttled, gsp);
}

/* The auction body, specialised twice (eager and deferred pricing): forced
 * inline so `defer` folds away and the walk, the fill and the pricing are
 * one function with no call between them. A stale index (the catalogue
 * changed since bidsim_market_build) is a caller's bug: no slots, and an
 * assertion in Debug builds; never a rebuild, which would allocate here. */
static inline __attribute__((always_inline)) uint32_t auction(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                                              bidsim_auction_result_t *res, bool defer) {
  res->n = 0;
  res->priced = true;
  assert(!m->stale && "auction on a stale index: call bidsim_market_build after changing the catalogue");
  /* one predicted-not-taken test for the three ways out (bitwise, so no branch each) */
  if (__builtin_expect((imp->segment >= BIDSIM_SEG_COUNT) | (imp->category >= m->cfg.categories) | m->stale, 0))
    return 0;
  if (m->cfg.rank == BIDSIM_RANK_PERSONAL) {
    if (imp->segment == BIDSIM_SEG_SHOP) return 0;   /* SHOP is a relation to a shop, not a base */
    res->scored = 0;
    return bidsim__personal_auction(m, imp, res, defer, &res->scored);
  }
  const ranking_t *ix = ranking_of(m, (int)imp->segment, imp->category);
  const bidsim_auction_config_t *cfg = &m->cfg.auction;
  const uint32_t slots = cfg->slots;
  const bool strict = m->cfg.strict_caps, throttled = m->throttled != 0;
  const bool gsp = cfg->mechanism == BIDSIM_MECH_GSP;
  const entry_t *cand[BIDSIM_MAX_SLOTS + 1];    /* VCG and first price only */
  /* plain GSP and plain VCG or first price walk inline; the rest out of line */
  const uint32_t n = !strict && !throttled ? (gsp ? walk(m, imp, ix, slots, res, cand, false, false, true)
                                                  : walk(m, imp, ix, slots, res, cand, false, false, false))
                                           : walk_other(m, imp, ix, slots, res, cand, strict, throttled, gsp);
  if (!gsp) return price_ranked(m, cand, n, res);
  const uint32_t filled = n < slots ? n : slots;
  if (n <= slots && filled > 0) res->next_score[filled - 1] = UINT64_MAX;
  if (!defer)
    for (uint32_t i = 0; i < filled; i++)
      res->price_li[i] = gsp_slot_price(cfg, res->bid_li[i], res->quality[i], res->next_score[i]);
  res->priced = !defer;
  res->n = filled;
  return filled;
}

uint32_t bidsim_market_auction(const bidsim_market_t *m, const bidsim_impression_t *imp,
                               bidsim_auction_result_t *res) {
  return auction(m, imp, res, false);
}

uint32_t bidsim_market_auction_deferred(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                        bidsim_auction_result_t *res) {
  return auction(m, imp, res, true);
}

/* ---- the reference and the check ---------------------------------------- */

uint32_t bidsim_market_auction_scan(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                    bidsim_auction_result_t *res) {
  res->n = 0;
  if (imp->segment >= BIDSIM_SEG_COUNT || imp->category >= m->cfg.categories) return 0;
  if (m->cfg.rank == BIDSIM_RANK_PERSONAL)
    return m->stale || imp->segment == BIDSIM_SEG_SHOP ? 0 : bidsim__personal_scan(m, imp, res);
  const int seg = (int)imp->segment;
  const uint32_t want = m->cfg.auction.slots + 1;
  entry_t best[BIDSIM_MAX_SLOTS + 2];
  uint32_t n = 0;
  /* keep the best `want` by insertion; keys are distinct */
  for (uint32_t u = 0; u < m->unit_count; u++) {
    if (m->units[u].category != imp->category || !unit_eligible(m, u, seg)) continue;
    if (strict_skip(m, &m->hot[m->units[u].plan], seg)) continue;
    if (m->throttled && bidsim__throttle_skip(m, imp, m->units[u].plan)) continue;
    entry_t e;
    entry_fill(m, &e, u, seg);
    uint32_t i = n < want ? n++ : want;
    if (i == want && e.key < best[want - 1].key) continue;
    while (i > 0 && best[i - 1].key < e.key) { best[i] = best[i - 1]; i--; }
    best[i] = e;
  }
  const entry_t *cand[BIDSIM_MAX_SLOTS + 1];
  for (uint32_t i = 0; i < n; i++) cand[i] = &best[i];
  return price_ranked(m, cand, n, res);
}

int bidsim_market_check(const bidsim_market_t *m, bidsim_error_t *err) {
  if (m->stale)
    return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "the catalogue changed since the index was built "
                            "(bidsim_market_build)");
  if (m->cfg.rank == BIDSIM_RANK_PERSONAL) return bidsim__personal_check(m, err);
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++)
    for (uint32_t c = 0; c < m->cfg.categories; c++) {
      const ranking_t *ix = ranking_of(m, s, c);
      /* entries and their order first: the hint search below relies on both */
      for (uint32_t i = 0; i < ix->n; i++) {
        const uint32_t u = key_unit(ix->e[i].key);
        entry_t want;
        if (u >= m->unit_count || m->units[u].category != c)
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "segment %d category %u position %u: "
                                  "unit %u is not an ad unit of this category", s, c, i, u);
        entry_fill(m, &want, u, s);
        if (memcmp(&want, &ix->e[i], sizeof want))
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "segment %d category %u position %u: "
                                  "the entry is not unit %u's current one", s, c, i, u);
        if (i > 0 && ix->e[i - 1].key <= ix->e[i].key)
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "segment %d category %u: positions %u and "
                                  "%u are out of order", s, c, i - 1, i);
      }
      for (uint32_t i = 0; i < ix->n; i++) {
        const uint32_t u = key_unit(ix->e[i].key);
        if (ranking_find(ix, ix->e[i].key, *hint_of(m, u, s)) != i)
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "segment %d category %u position %u: "
                                  "a search from unit %u's hint %u does not find it", s, c, i, u, *hint_of(m, u, s));
        if (bit_get(ix, i) != unit_eligible(m, u, s))
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "segment %d category %u position %u: bit %d, "
                                  "but unit %u is %seligible", s, c, i, bit_get(ix, i), u,
                                  unit_eligible(m, u, s) ? "" : "not ");
      }
      for (uint32_t w = 0; w < ix->words; w++)
        if ((ix->bits[w] != 0) != ((ix->sum[w >> 6] >> (w & 63)) & 1))
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "segment %d category %u: summary bit of "
                                  "word %u disagrees with the word", s, c, w);
    }
  return BIDSIM_OK;
}

double bidsim_market_affinity(const bidsim_market_t *m, uint64_t user, uint32_t unit) {
  if (m->stale || m->cfg.rank != BIDSIM_RANK_PERSONAL || unit >= m->unit_count) return 1.0;
  return bidsim__personal_affinity(m, user, unit);
}

bool bidsim_market_visited(const bidsim_market_t *m, uint64_t user, uint32_t category, uint32_t shop) {
  if (m->stale || m->cfg.rank != BIDSIM_RANK_PERSONAL || category >= m->cfg.categories || shop >= m->shop_count)
    return false;
  return bidsim__personal_visited(m, user, category, shop);
}
