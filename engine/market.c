/* engine/market.c - the auction core: catalogue, plan state, daily caps and
 * the per-(segment, category) ranking index. Nothing on the per-impression
 * path (auction, charge, advance within a day) allocates, locks or prints.
 *
 * The index: for each (segment, category), the category's ad units sorted by
 * a 64-bit key (bid x quality in the high half, the complement of the unit
 * index in the low half, so descending order is score-then-lower-unit), and
 * a two-level bitmap over those positions marking units that may compete
 * now. An auction walks set bits from the top; caps, pauses and publishing
 * only flip bits, and a bid change moves the plan's units to their new
 * places. */
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "bidsim/market.h"
#include "auction_internal.h"

enum { PLAN_PUBLISHED = 1u, PLAN_PAUSED = 2u, PLAN_CAPPED = 4u };

typedef struct {
  char     name[BIDSIM_NAME_MAX];
  uint32_t first_product, first_plan;   /* per-shop lists, BIDSIM_NONE-terminated */
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

typedef struct {
  uint32_t plan, category, product, next_in_plan;
} unit_t;

/* One ranked position. Everything an auction reads about a candidate sits
 * here, so the top of an index is a few contiguous cache lines. */
typedef struct {
  uint64_t key;                         /* score << 32 | ~unit: sorted descending */
  uint32_t plan, product;
  int32_t  bid_li;                      /* the plan's bid for this segment */
  uint32_t quality;
} entry_t;

typedef struct {
  uint32_t  n, words, sums;
  entry_t  *e;                          /* sorted by key, descending */
  uint64_t *bits;                       /* bit i: position i may compete */
  uint64_t *sum;                        /* bit j of sum[s]: bits[64 s + j] != 0 */
} index_t;

struct bidsim_market {
  bidsim_market_config_t cfg;
  int64_t  now_s;
  bool     advanced;                    /* the clock has moved since creation/reset */
  bool     stale;                       /* catalogue changed: index must be rebuilt */
  int64_t  next_publish_s;              /* earliest publish time of an unpublished plan */

  uint32_t shop_count, shop_cap;
  shop_t  *shops;
  uint32_t product_count, product_cap;
  product_t *products;
  uint32_t plan_count, plan_cap;
  plan_cold_t *plans;
  plan_hot_t  *hot;
  uint32_t unit_count, unit_cap;
  unit_t  *units;

  index_t *index;                       /* [segment * categories + category] */
  uint32_t *pos;                        /* [unit * segments + segment]: where the unit was put when it
                                         * last moved, the hint index_find searches from */
  uint32_t throttled;                   /* plans entering only a share of auctions */
  uint32_t *participation_q32;          /* [plan] share of auctions entered, of 2^32; UINT32_MAX = all.
                                         * Its own array: 4 bytes a plan the walk can afford to read */
};

/* A throttled plan sits out an impression when a hash of the impression's
 * draw and the plan falls above its participation: per impression, with no
 * scoring, and the same user makes the same decision in every variant. */
static inline bool throttle_skip(const bidsim_market_t *m, const bidsim_impression_t *imp, uint32_t plan) {
  uint32_t q = m->participation_q32[plan];
  if (q == UINT32_MAX) return false;
  uint64_t z = ((uint64_t)imp->draw << 32 | plan) * UINT64_C(0x9E3779B97F4A7C15);
  z = (z ^ (z >> 29)) * UINT64_C(0xBF58476D1CE4E5B9);
  return (uint32_t)((z ^ (z >> 32)) >> 32) >= q;
}

/* ---- small helpers ------------------------------------------------------ */

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
  if (need <= *cap) return BIDSIM_OK;
  uint32_t n = *cap ? *cap : 16;
  while (n < need) n = n > UINT32_MAX / 2 ? need : n * 2;
  void *q = bidsim_realloc(*p, (size_t)n * elem);
  if (q == NULL) return BIDSIM_ENOMEM;
  *p = q;
  *cap = n;
  return BIDSIM_OK;
}

static inline uint64_t key_of(int64_t bid_li, uint32_t quality, uint32_t u) {
  return ((uint64_t)bid_li * quality) << 32 | (uint64_t)(UINT32_MAX - u);
}

static inline uint64_t unit_key(const bidsim_market_t *m, uint32_t u, int seg) {
  const plan_hot_t *h = &m->hot[m->units[u].plan];
  return key_of(h->bid_li[seg], h->quality, u);
}

static inline uint32_t key_unit(uint64_t key) { return UINT32_MAX - (uint32_t)key; }

static inline bool plan_active(const plan_hot_t *h) {
  return (h->flags & (PLAN_PUBLISHED | PLAN_PAUSED | PLAN_CAPPED)) == PLAN_PUBLISHED;
}

static inline bool unit_eligible(const bidsim_market_t *m, uint32_t u, int seg) {
  const plan_hot_t *h = &m->hot[m->units[u].plan];
  return plan_active(h) && h->bid_li[seg] >= m->cfg.auction.reserve_li;
}

static inline index_t *index_of(const bidsim_market_t *m, int seg, uint32_t cat) {
  return &m->index[(size_t)seg * m->cfg.categories + cat];
}

static inline void bit_set(index_t *ix, uint32_t pos, bool on) {
  uint32_t w = pos >> 6;
  uint64_t b = UINT64_C(1) << (pos & 63);
  if (on) ix->bits[w] |= b; else ix->bits[w] &= ~b;
  uint64_t sb = UINT64_C(1) << (w & 63);
  if (ix->bits[w]) ix->sum[w >> 6] |= sb; else ix->sum[w >> 6] &= ~sb;
}

static inline bool bit_get(const index_t *ix, uint32_t pos) { return (ix->bits[pos >> 6] >> (pos & 63)) & 1; }

/* First set position >= pos, or UINT32_MAX. */
static inline uint32_t next_set(const index_t *ix, uint32_t pos) {
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

/* The position of the entry with this key (which the index holds), searched
 * from a hint: the place the unit had when it last moved. Entries shifted by
 * other units' moves keep stale hints (rewriting the place of every entry a
 * move shifts costs scattered writes); the search gallops from the hint and
 * halves the bracket, O(log drift). */
static uint32_t index_find(const index_t *ix, uint64_t key, uint32_t hint) {
  const entry_t *e = ix->e;
  const uint32_t n = ix->n;
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
  return e[lo].key == key ? lo : hi;
}

/* Set the plan's bits in every index it appears in. */
static void plan_refresh_bits(bidsim_market_t *m, uint32_t p) {
  if (m->stale) return;   /* the rebuild will compute them */
  for (uint32_t u = m->hot[p].first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan)
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
      index_t *ix = index_of(m, s, m->units[u].category);
      uint32_t *pos = &m->pos[(size_t)u * BIDSIM_SEG_COUNT + s];
      *pos = index_find(ix, unit_key(m, u, s), *pos);
      bit_set(ix, *pos, unit_eligible(m, u, s));
    }
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
  e->quality = m->hot[un->plan].quality;
}

/* Recompute keys order, positions and bitmaps of every index from the
 * current bids and flags; the arrays must already be sized. */
static void index_resort(bidsim_market_t *m) {
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++)
    for (uint32_t c = 0; c < m->cfg.categories; c++) {
      index_t *ix = index_of(m, s, c);
      for (uint32_t i = 0; i < ix->n; i++) entry_fill(m, &ix->e[i], key_unit(ix->e[i].key), s);
      sort_desc(ix->e, ix->n);
      memset(ix->bits, 0, (size_t)ix->words * sizeof *ix->bits);
      memset(ix->sum, 0, (size_t)ix->sums * sizeof *ix->sum);
      for (uint32_t i = 0; i < ix->n; i++) {
        uint32_t u = key_unit(ix->e[i].key);
        m->pos[(size_t)u * BIDSIM_SEG_COUNT + s] = i;
        if (unit_eligible(m, u, s)) bit_set(ix, i, true);
      }
    }
}

static void index_free(bidsim_market_t *m) {
  /* the places first: a failed rebuild or clone may hold them without an index */
  bidsim_free(m->pos);
  m->pos = NULL;
  if (m->index == NULL) return;
  for (size_t i = 0; i < (size_t)BIDSIM_SEG_COUNT * m->cfg.categories; i++) {
    bidsim_free(m->index[i].e);
    bidsim_free(m->index[i].bits);
    bidsim_free(m->index[i].sum);
  }
  bidsim_free(m->index);
  m->index = NULL;
}

/* Build every index from scratch after catalogue changes. */
static int index_rebuild(bidsim_market_t *m) {
  size_t count = (size_t)BIDSIM_SEG_COUNT * m->cfg.categories;
  index_free(m);
  m->index = bidsim_calloc(count, sizeof *m->index);
  m->pos = bidsim_calloc((size_t)m->unit_count * BIDSIM_SEG_COUNT + 1, sizeof *m->pos);
  if (m->index == NULL || m->pos == NULL) { index_free(m); return BIDSIM_ENOMEM; }
  uint32_t *per_cat = bidsim_calloc(m->cfg.categories, sizeof *per_cat);
  if (per_cat == NULL) return BIDSIM_ENOMEM;
  for (uint32_t u = 0; u < m->unit_count; u++) per_cat[m->units[u].category]++;
  int rc = BIDSIM_OK;
  for (int s = 0; s < BIDSIM_SEG_COUNT && rc == BIDSIM_OK; s++)
    for (uint32_t c = 0; c < m->cfg.categories; c++) {
      index_t *ix = index_of(m, s, c);
      ix->n = 0;
      ix->words = (per_cat[c] + 63) / 64;
      ix->sums = (ix->words + 63) / 64;
      /* one spare word each way keeps every array non-NULL */
      ix->e = bidsim_calloc((size_t)per_cat[c] + 1, sizeof *ix->e);
      ix->bits = bidsim_calloc((size_t)ix->words + 1, sizeof *ix->bits);
      ix->sum = bidsim_calloc((size_t)ix->sums + 1, sizeof *ix->sum);
      if (!ix->e || !ix->bits || !ix->sum) { rc = BIDSIM_ENOMEM; break; }
    }
  bidsim_free(per_cat);
  if (rc != BIDSIM_OK) { index_free(m); return rc; }
  for (uint32_t u = 0; u < m->unit_count; u++)
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
      index_t *ix = index_of(m, s, m->units[u].category);
      ix->e[ix->n++].key = (uint64_t)(UINT32_MAX - u);   /* unit only; resort fills the rest */
    }
  m->stale = false;
  index_resort(m);
  return BIDSIM_OK;
}

static inline int ensure_index(bidsim_market_t *m) {
  return m->stale ? index_rebuild(m) : BIDSIM_OK;
}

/* bits_shift over more than one word (see there). */
static __attribute__((noinline)) void bits_shift_words(index_t *ix, uint32_t lo, uint32_t hi, bool up) {
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
static inline void bits_shift(index_t *ix, uint32_t lo, uint32_t hi, bool up) {
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
static void index_move(index_t *ix, uint32_t *hint, uint64_t old_key, const entry_t *e, bool eligible) {
  const uint64_t key = e->key;
  const uint32_t from = index_find(ix, old_key, *hint);
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
}

static void update_next_publish(bidsim_market_t *m) {
  int64_t next = INT64_MAX;
  for (uint32_t p = 0; p < m->plan_count; p++)
    if (!(m->hot[p].flags & PLAN_PUBLISHED) && m->hot[p].publish_s < next) next = m->hot[p].publish_s;
  m->next_publish_s = next;
}

static int check_plan(const bidsim_market_t *m, uint32_t plan, bidsim_error_t *err) {
  if (plan >= m->plan_count)
    return bidsim_error_set(err, BIDSIM_ENOTFOUND, "plan", "no plan with index %u (the market has %u)", plan,
                            m->plan_count);
  return BIDSIM_OK;
}

/* ---- lifetime --------------------------------------------------------- */

int bidsim_market_create(const bidsim_market_config_t *cfg, bidsim_market_t **out, bidsim_error_t *err) {
  *out = NULL;
  int rc = bidsim_auction_config_check(&cfg->auction, err);
  if (rc) return rc;
  if (cfg->categories < 1 || cfg->categories > (1u << 20))
    return bidsim_error_set(err, BIDSIM_EINVAL, "market.categories", "categories %u is outside [1, %u]",
                            cfg->categories, 1u << 20);
  bidsim_market_t *m = bidsim_calloc(1, sizeof *m);
  if (m == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory");
  m->cfg = *cfg;
  m->stale = true;
  m->next_publish_s = INT64_MAX;
  *out = m;
  return BIDSIM_OK;
}

#define DUP_ARRAY(dst, src, count, type)                                          \
  do {                                                                            \
    if ((count) > 0) {                                                            \
      (dst) = bidsim_malloc((size_t)(count) * sizeof(type));                      \
      if ((dst) == NULL) goto fail;                                               \
      memcpy((dst), (src), (size_t)(count) * sizeof(type));                       \
    } else {                                                                      \
      (dst) = NULL;                                                               \
    }                                                                             \
  } while (0)

int bidsim_market_clone(const bidsim_market_t *src, bidsim_market_t **out, bidsim_error_t *err) {
  *out = NULL;
  bidsim_market_t *m = bidsim_calloc(1, sizeof *m);
  if (m == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory");
  *m = *src;
  m->shops = NULL; m->products = NULL; m->plans = NULL; m->hot = NULL; m->units = NULL; m->index = NULL;
  m->pos = NULL;
  m->participation_q32 = NULL;
  m->shop_cap = src->shop_count; m->product_cap = src->product_count;
  m->plan_cap = src->plan_count; m->unit_cap = src->unit_count;
  m->plan_count = 0;   /* counts plans whose product arrays are owned, for fail */
  DUP_ARRAY(m->shops, src->shops, src->shop_count, shop_t);
  DUP_ARRAY(m->products, src->products, src->product_count, product_t);
  DUP_ARRAY(m->hot, src->hot, src->plan_count, plan_hot_t);
  DUP_ARRAY(m->participation_q32, src->participation_q32, src->plan_count, uint32_t);
  DUP_ARRAY(m->units, src->units, src->unit_count, unit_t);
  if (src->plan_count > 0) {
    m->plans = bidsim_malloc((size_t)src->plan_count * sizeof *m->plans);
    if (m->plans == NULL) goto fail;
    for (uint32_t p = 0; p < src->plan_count; p++) {
      m->plans[p] = src->plans[p];
      m->plans[p].product_cap = src->plans[p].product_count;
      DUP_ARRAY(m->plans[p].products, src->plans[p].products, src->plans[p].product_count, uint32_t);
      m->plan_count = p + 1;
    }
  }
  if (!src->stale) {
    DUP_ARRAY(m->pos, src->pos, (size_t)src->unit_count * BIDSIM_SEG_COUNT + 1, uint32_t);
    size_t count = (size_t)BIDSIM_SEG_COUNT * src->cfg.categories;
    m->index = bidsim_calloc(count, sizeof *m->index);
    if (m->index == NULL) goto fail;
    for (size_t i = 0; i < count; i++) {
      const index_t *s = &src->index[i];
      index_t *d = &m->index[i];
      *d = *s;
      d->e = bidsim_malloc(((size_t)s->n + 1) * sizeof *d->e);
      d->bits = bidsim_malloc(((size_t)s->words + 1) * sizeof *d->bits);
      d->sum = bidsim_malloc(((size_t)s->sums + 1) * sizeof *d->sum);
      if (!d->e || !d->bits || !d->sum) goto fail;
      memcpy(d->e, s->e, ((size_t)s->n + 1) * sizeof *d->e);
      memcpy(d->bits, s->bits, ((size_t)s->words + 1) * sizeof *d->bits);
      memcpy(d->sum, s->sum, ((size_t)s->sums + 1) * sizeof *d->sum);
    }
  }
  m->plan_count = src->plan_count;
  *out = m;
  return BIDSIM_OK;
fail:
  bidsim_market_free(m);
  return bidsim_error_set(err, BIDSIM_ENOMEM, "market", "out of memory while cloning the market");
}

void bidsim_market_reset(bidsim_market_t *m) {
  m->now_s = 0;
  m->advanced = false;
  for (uint32_t p = 0; p < m->plan_count; p++) {
    plan_hot_t *h = &m->hot[p];
    memcpy(h->bid_li, m->plans[p].bid0_li, sizeof h->bid_li);
    h->spend_li = 0;
    m->plans[p].cap_hit_s = -1;
    h->publish_s = m->plans[p].publish0_s;
    h->flags = h->publish_s <= 0 ? PLAN_PUBLISHED : 0;
    m->participation_q32[p] = UINT32_MAX;
  }
  m->throttled = 0;
  update_next_publish(m);
  if (!m->stale) index_resort(m);
}

void bidsim_market_free(bidsim_market_t *m) {
  if (m == NULL) return;
  index_free(m);
  if (m->plans)
    for (uint32_t p = 0; p < m->plan_count; p++) bidsim_free(m->plans[p].products);
  bidsim_free(m->plans);
  bidsim_free(m->hot);
  bidsim_free(m->participation_q32);
  bidsim_free(m->units);
  bidsim_free(m->products);
  bidsim_free(m->shops);
  bidsim_free(m);
}

/* ---- catalogue -------------------------------------------------------- */

int bidsim_market_add_shop(bidsim_market_t *m, const char *name, uint32_t *shop_out, bidsim_error_t *err) {
  if (name == NULL || name[0] == '\0' || strlen(name) >= BIDSIM_NAME_MAX)
    return bidsim_error_set(err, BIDSIM_EINVAL, "shop.name", "shop name must be 1 to %d bytes",
                            BIDSIM_NAME_MAX - 1);
  if (grow((void **)&m->shops, &m->shop_cap, m->shop_count + 1, sizeof *m->shops))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "shop", "out of memory");
  shop_t *s = &m->shops[m->shop_count];
  memset(s, 0, sizeof *s);
  strcpy(s->name, name);
  s->first_product = s->first_plan = BIDSIM_NONE;
  if (shop_out) *shop_out = m->shop_count;
  m->shop_count++;
  return BIDSIM_OK;
}

int bidsim_market_add_product(bidsim_market_t *m, uint32_t shop, const bidsim_product_spec_t *spec,
                              uint32_t *product_out, bidsim_error_t *err) {
  if (shop >= m->shop_count)
    return bidsim_error_set(err, BIDSIM_ENOTFOUND, "product.shop", "no shop with index %u", shop);
  if (spec->category >= m->cfg.categories)
    return bidsim_error_set(err, BIDSIM_EINVAL, "product.category", "category %u is outside [0, %u)",
                            spec->category, m->cfg.categories);
  if (spec->status > BIDSIM_PRODUCT_REMOVED)
    return bidsim_error_set(err, BIDSIM_EINVAL, "product.status", "unknown status %d", (int)spec->status);
  if (spec->price_li < 0)
    return bidsim_error_set(err, BIDSIM_EINVAL, "product.price", "price must not be negative");
  for (uint32_t q = m->shops[shop].first_product; q != BIDSIM_NONE; q = m->products[q].next_in_shop)
    if (m->products[q].spec.id == spec->id)
      return bidsim_error_set(err, BIDSIM_EINVAL, "product.id", "product id %llu is already listed in shop '%s'",
                              (unsigned long long)spec->id, m->shops[shop].name);
  if (grow((void **)&m->products, &m->product_cap, m->product_count + 1, sizeof *m->products))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "product", "out of memory");
  product_t *pr = &m->products[m->product_count];
  pr->spec = *spec;
  pr->shop = shop;
  pr->next_in_shop = m->shops[shop].first_product;
  m->shops[shop].first_product = m->product_count;
  if (product_out) *product_out = m->product_count;
  m->product_count++;
  return BIDSIM_OK;
}

int bidsim_market_add_plan(bidsim_market_t *m, const bidsim_plan_spec_t *spec, uint32_t *plan_out,
                           bidsim_error_t *err) {
  int rc;
  if (spec->shop >= m->shop_count)
    return bidsim_error_set(err, BIDSIM_ENOTFOUND, "plan.shop", "no shop with index %u", spec->shop);
  if ((rc = bidsim_rule_check_plan_name(spec->name, "plan.name", err))) return rc;
  for (uint32_t p = m->shops[spec->shop].first_plan; p != BIDSIM_NONE; p = m->plans[p].next_in_shop)
    if (!strcmp(m->plans[p].name, spec->name))
      return bidsim_error_set(err, BIDSIM_EDUPNAME, "plan.name", "plan name '%s' is already used in shop '%s'",
                              spec->name, m->shops[spec->shop].name);
  if ((rc = bidsim_rule_check_cap(spec->cap_li, "plan.cap", err))) return rc;
  if ((rc = bidsim_rule_check_bids(spec->bid_li, "plan.bids", err))) return rc;
  if ((rc = bidsim_rule_check_quality(spec->quality, "plan.quality", err))) return rc;
  if (grow((void **)&m->plans, &m->plan_cap, m->plan_count + 1, sizeof *m->plans))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "plan", "out of memory");
  /* hot state grows in step with the cold array */
  void *hot = bidsim_realloc(m->hot, (size_t)m->plan_cap * sizeof *m->hot);
  if (hot == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "plan", "out of memory");
  m->hot = hot;
  void *part = bidsim_realloc(m->participation_q32, (size_t)m->plan_cap * sizeof *m->participation_q32);
  if (part == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "plan", "out of memory");
  m->participation_q32 = part;

  uint32_t p = m->plan_count;
  plan_cold_t *c = &m->plans[p];
  memset(c, 0, sizeof *c);
  strcpy(c->name, spec->name);
  c->shop = spec->shop;
  c->next_in_shop = m->shops[spec->shop].first_plan;
  memcpy(c->bid0_li, spec->bid_li, sizeof c->bid0_li);
  c->publish0_s = spec->publish_s;
  c->cap_hit_s = -1;
  plan_hot_t *h = &m->hot[p];
  memset(h, 0, sizeof *h);
  h->first_unit = BIDSIM_NONE;
  memcpy(h->bid_li, spec->bid_li, sizeof h->bid_li);
  h->cap_li = spec->cap_li;
  h->quality = spec->quality;
  h->publish_s = spec->publish_s;
  h->flags = spec->publish_s <= m->now_s ? PLAN_PUBLISHED : 0;
  m->participation_q32[p] = UINT32_MAX;
  if (!(h->flags & PLAN_PUBLISHED) && spec->publish_s < m->next_publish_s) m->next_publish_s = spec->publish_s;
  m->shops[spec->shop].first_plan = p;
  m->plan_count++;
  if (plan_out) *plan_out = p;
  return BIDSIM_OK;
}

/* Checks one product against the plan without changing anything. */
static int plan_product_check(const bidsim_market_t *m, uint32_t plan, uint32_t product, bidsim_error_t *err) {
  if (product >= m->product_count)
    return bidsim_error_set(err, BIDSIM_ENOTFOUND, "plan.products", "no product with index %u", product);
  const product_t *pr = &m->products[product];
  const plan_cold_t *c = &m->plans[plan];
  if (pr->shop != c->shop)
    return bidsim_error_set(err, BIDSIM_EINVAL, "plan.products",
                            "product %llu belongs to shop '%s', not to the plan's shop '%s'",
                            (unsigned long long)pr->spec.id, m->shops[pr->shop].name, m->shops[c->shop].name);
  char where[96];
  snprintf(where, sizeof where, "plan.products[id=%llu]", (unsigned long long)pr->spec.id);
  int rc = bidsim_rule_check_product(pr->spec.historical_sales, pr->spec.status, where, err);
  if (rc) return rc;
  for (uint32_t i = 0; i < c->product_count; i++)
    if (c->products[i] == product)
      return bidsim_error_set(err, BIDSIM_EDUPPRODUCT, where, "product %llu is already in plan '%s'",
                              (unsigned long long)pr->spec.id, c->name);
  return BIDSIM_OK;
}

static int plan_product_append(bidsim_market_t *m, uint32_t plan, uint32_t product, bidsim_error_t *err) {
  plan_cold_t *c = &m->plans[plan];
  uint32_t cat = m->products[product].spec.category;
  bool has_unit = false;
  for (uint32_t u = m->hot[plan].first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan)
    if (m->units[u].category == cat) has_unit = true;
  if (grow((void **)&c->products, &c->product_cap, c->product_count + 1, sizeof *c->products))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "plan.products", "out of memory");
  if (!has_unit) {
    if (grow((void **)&m->units, &m->unit_cap, m->unit_count + 1, sizeof *m->units))
      return bidsim_error_set(err, BIDSIM_ENOMEM, "plan.products", "out of memory");
    unit_t *un = &m->units[m->unit_count];
    memset(un, 0, sizeof *un);
    un->plan = plan;
    un->category = cat;
    un->product = product;
    /* append at the end of the plan's list so units keep creation order */
    un->next_in_plan = BIDSIM_NONE;
    uint32_t *link = &m->hot[plan].first_unit;
    while (*link != BIDSIM_NONE) link = &m->units[*link].next_in_plan;
    *link = m->unit_count;
    m->unit_count++;
    m->stale = true;
  }
  c->products[c->product_count++] = product;
  return BIDSIM_OK;
}

int bidsim_plan_add_product(bidsim_market_t *m, uint32_t plan, uint32_t product, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if ((rc = plan_product_check(m, plan, product, err))) return rc;
  return plan_product_append(m, plan, product, err);
}

int bidsim_plan_add_product_id(bidsim_market_t *m, uint32_t plan, uint64_t product_id, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  uint32_t shop = m->plans[plan].shop;
  for (uint32_t q = m->shops[shop].first_product; q != BIDSIM_NONE; q = m->products[q].next_in_shop)
    if (m->products[q].spec.id == product_id) return bidsim_plan_add_product(m, plan, q, err);
  return bidsim_error_set(err, BIDSIM_ENOTFOUND, "plan.products", "shop '%s' lists no product with id %llu",
                          m->shops[shop].name, (unsigned long long)product_id);
}

int bidsim_plan_add_products(bidsim_market_t *m, uint32_t plan, const uint32_t *products, uint32_t count,
                             bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  /* all or none: check every product, and duplicates within the list, first */
  for (uint32_t i = 0; i < count; i++) {
    if ((rc = plan_product_check(m, plan, products[i], err))) return rc;
    for (uint32_t j = 0; j < i; j++)
      if (products[j] == products[i])
        return bidsim_error_set(err, BIDSIM_EDUPPRODUCT, "plan.products", "product %llu is listed twice",
                                (unsigned long long)m->products[products[i]].spec.id);
  }
  plan_cold_t *c = &m->plans[plan];
  if (grow((void **)&c->products, &c->product_cap, c->product_count + count, sizeof *c->products) ||
      grow((void **)&m->units, &m->unit_cap, m->unit_count + count, sizeof *m->units))
    return bidsim_error_set(err, BIDSIM_ENOMEM, "plan.products", "out of memory");
  for (uint32_t i = 0; i < count; i++)
    if ((rc = plan_product_append(m, plan, products[i], err))) return rc;   /* cannot fail: reserved */
  return BIDSIM_OK;
}

/* ---- controls ----------------------------------------------------------- */

int bidsim_market_set_bids(bidsim_market_t *m, uint32_t plan, const int64_t bid_li[BIDSIM_SEG_COUNT],
                           bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if ((rc = bidsim_rule_check_bids(bid_li, "plan.bids", err))) return rc;
  plan_hot_t *h = &m->hot[plan];
  int64_t old[BIDSIM_SEG_COUNT];
  memcpy(old, h->bid_li, sizeof old);
  memcpy(h->bid_li, bid_li, sizeof h->bid_li);
  if (!m->advanced) memcpy(m->plans[plan].bid0_li, bid_li, sizeof m->plans[plan].bid0_li);
  if (m->stale) return BIDSIM_OK;   /* the rebuild will place them */
  const bool active = plan_active(h);
  for (uint32_t u = h->first_unit; u != BIDSIM_NONE; u = m->units[u].next_in_plan) {
    const unit_t un = m->units[u];
    for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
      if (bid_li[s] == old[s]) continue;
      const entry_t e = { key_of(bid_li[s], h->quality, u), plan, un.product, (int32_t)bid_li[s], h->quality };
      index_move(index_of(m, s, un.category), &m->pos[(size_t)u * BIDSIM_SEG_COUNT + s],
                 key_of(old[s], h->quality, u), &e, active && bid_li[s] >= m->cfg.auction.reserve_li);
    }
  }
  return BIDSIM_OK;
}

/* Whether a plan with this spend must stop for the day (DOMAIN.md §1). In
 * strict mode it stops once what remains cannot pay a click at its lowest
 * bid, since it would never be eligible again today anyway. */
static bool cap_reached(const bidsim_market_t *m, const plan_hot_t *h) {
  if (h->cap_li == BIDSIM_CAP_UNLIMITED) return false;
  if (m->cfg.strict_caps) {
    int64_t lowest = h->bid_li[0];
    for (int s = 1; s < BIDSIM_SEG_COUNT; s++) if (h->bid_li[s] < lowest) lowest = h->bid_li[s];
    return h->cap_li - h->spend_li < lowest;
  }
  return h->spend_li >= h->cap_li;
}

int bidsim_market_set_cap(bidsim_market_t *m, uint32_t plan, int64_t cap_li, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if ((rc = bidsim_rule_check_cap(cap_li, "plan.cap", err))) return rc;
  plan_hot_t *h = &m->hot[plan];
  h->cap_li = cap_li;
  if (cap_reached(m, h)) {
    if (!(h->flags & PLAN_CAPPED)) { h->flags |= PLAN_CAPPED; m->plans[plan].cap_hit_s = m->now_s; }
  } else {
    h->flags &= ~PLAN_CAPPED;   /* a raised cap resumes the plan today */
    m->plans[plan].cap_hit_s = -1;
  }
  plan_refresh_bits(m, plan);
  return BIDSIM_OK;
}

int bidsim_market_set_participation(bidsim_market_t *m, uint32_t plan, double share, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if (!(share >= 0.0 && share <= 1.0))
    return bidsim_error_set(err, BIDSIM_EINVAL, "plan.participation", "participation %g is outside [0, 1]", share);
  uint32_t q = share >= 1.0 ? UINT32_MAX : (uint32_t)(share * 4294967296.0);
  m->throttled += (q != UINT32_MAX) - (m->participation_q32[plan] != UINT32_MAX);
  m->participation_q32[plan] = q;
  return BIDSIM_OK;
}

int bidsim_market_set_paused(bidsim_market_t *m, uint32_t plan, bool paused, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  if (paused) m->hot[plan].flags |= PLAN_PAUSED; else m->hot[plan].flags &= ~PLAN_PAUSED;
  plan_refresh_bits(m, plan);
  return BIDSIM_OK;
}

int bidsim_market_publish(bidsim_market_t *m, uint32_t plan, int64_t publish_s, bidsim_error_t *err) {
  int rc = check_plan(m, plan, err);
  if (rc) return rc;
  plan_hot_t *h = &m->hot[plan];
  h->publish_s = publish_s;
  if (!m->advanced) m->plans[plan].publish0_s = publish_s;
  if (publish_s <= m->now_s) {
    h->flags |= PLAN_PUBLISHED;
  } else {
    h->flags &= ~PLAN_PUBLISHED;
  }
  update_next_publish(m);
  plan_refresh_bits(m, plan);
  return BIDSIM_OK;
}

/* ---- clock and hot path ----------------------------------------------- */

int bidsim_market_advance_to(bidsim_market_t *m, int64_t t_s) {
  if (t_s < m->now_s) return BIDSIM_ESTATE;
  int rc = ensure_index(m);
  if (rc) return rc;
  if (t_s == m->now_s) return BIDSIM_OK;
  bool new_day = t_s / BIDSIM_SECONDS_PER_DAY != m->now_s / BIDSIM_SECONDS_PER_DAY;
  m->now_s = t_s;
  m->advanced = true;
  if (new_day) {
    /* midnight: every plan's day spend restarts and capped plans resume */
    for (uint32_t p = 0; p < m->plan_count; p++) {
      plan_hot_t *h = &m->hot[p];
      h->spend_li = 0;
      if (h->flags & PLAN_CAPPED) {   /* only a capped plan has a cap-hit time */
        h->flags &= ~PLAN_CAPPED;
        m->plans[p].cap_hit_s = -1;
        plan_refresh_bits(m, p);
      }
    }
  }
  if (t_s >= m->next_publish_s) {
    for (uint32_t p = 0; p < m->plan_count; p++) {
      plan_hot_t *h = &m->hot[p];
      if (!(h->flags & PLAN_PUBLISHED) && h->publish_s <= t_s) {
        h->flags |= PLAN_PUBLISHED;
        plan_refresh_bits(m, p);
      }
    }
    update_next_publish(m);
  }
  return BIDSIM_OK;
}

/* Strict mode skips a unit whose remaining cap cannot pay its bid. */
static inline bool strict_skip(const bidsim_market_t *m, const plan_hot_t *h, int seg) {
  return m->cfg.strict_caps && h->cap_li != BIDSIM_CAP_UNLIMITED && h->cap_li - h->spend_li < h->bid_li[seg];
}

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
  return gsp_slot_price(&m->cfg.auction, res->bid_li[slot], res->quality[slot], res->next_score[slot]);
}

/* The index walk: up to slots + 1 eligible entries from the top of the
 * ranking (the runner-up prices the last slot). Under GSP it fills the
 * result as it goes, each entry's score being the next score of the slot
 * above it; otherwise it collects the entries in `cand` for pricing. The
 * options are parameters of a forced-inline function so the common case
 * (no strict caps, no throttled plan, GSP) gets its own loop without them. */
static inline __attribute__((always_inline)) uint32_t walk(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                                           const index_t *ix, uint32_t slots,
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
      if (throttled && throttle_skip(m, imp, e->plan)) continue;
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

/* The auction body, specialised twice (eager and deferred pricing): forced
 * inline so `defer` folds away and the walk, the fill and the pricing are
 * one function with no call between them. */
static inline __attribute__((always_inline)) uint32_t auction(bidsim_market_t *m, const bidsim_impression_t *imp,
                                                              bidsim_auction_result_t *res, bool defer) {
  res->n = 0;
  res->priced = true;
  if (imp->segment >= BIDSIM_SEG_COUNT || imp->category >= m->cfg.categories) return 0;
  if (m->stale && index_rebuild(m) != BIDSIM_OK) return 0;
  const index_t *ix = index_of(m, (int)imp->segment, imp->category);
  const bidsim_auction_config_t *cfg = &m->cfg.auction;
  const uint32_t slots = cfg->slots;
  const bool strict = m->cfg.strict_caps, throttled = m->throttled != 0;
  const bool gsp = cfg->mechanism == BIDSIM_MECH_GSP;
  const entry_t *cand[BIDSIM_MAX_SLOTS + 1];    /* VCG and first price only */
  const uint32_t n = !strict && !throttled && gsp ? walk(m, imp, ix, slots, res, cand, false, false, true)
                                                  : walk(m, imp, ix, slots, res, cand, strict, throttled, gsp);
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

uint32_t bidsim_market_auction(bidsim_market_t *m, const bidsim_impression_t *imp, bidsim_auction_result_t *res) {
  return auction(m, imp, res, false);
}

uint32_t bidsim_market_auction_deferred(bidsim_market_t *m, const bidsim_impression_t *imp,
                                        bidsim_auction_result_t *res) {
  return auction(m, imp, res, true);
}

uint32_t bidsim_market_auction_scan(const bidsim_market_t *m, const bidsim_impression_t *imp,
                                    bidsim_auction_result_t *res) {
  res->n = 0;
  if (imp->segment >= BIDSIM_SEG_COUNT || imp->category >= m->cfg.categories) return 0;
  const int seg = (int)imp->segment;
  const uint32_t want = m->cfg.auction.slots + 1;
  entry_t best[BIDSIM_MAX_SLOTS + 2];
  uint32_t n = 0;
  /* keep the best `want` by insertion; keys are distinct */
  for (uint32_t u = 0; u < m->unit_count; u++) {
    if (m->units[u].category != imp->category || !unit_eligible(m, u, seg)) continue;
    if (strict_skip(m, &m->hot[m->units[u].plan], seg)) continue;
    if (m->throttled && throttle_skip(m, imp, m->units[u].plan)) continue;
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
  if (m->stale || m->index == NULL) return BIDSIM_OK;   /* the next auction rebuilds it */
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++)
    for (uint32_t c = 0; c < m->cfg.categories; c++) {
      const index_t *ix = index_of(m, s, c);
      for (uint32_t i = 0; i < ix->n; i++) {
        const uint32_t u = key_unit(ix->e[i].key);
        entry_t want;
        entry_fill(m, &want, u, s);
        if (u >= m->unit_count || m->units[u].category != c || memcmp(&want, &ix->e[i], sizeof want))
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "segment %d category %u position %u: "
                                  "the entry is not unit %u's current one", s, c, i, u);
        if (i > 0 && ix->e[i - 1].key <= ix->e[i].key)
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "segment %d category %u: positions %u and "
                                  "%u are out of order", s, c, i - 1, i);
        if (index_find(ix, ix->e[i].key, m->pos[(size_t)u * BIDSIM_SEG_COUNT + s]) != i)
          return bidsim_error_set(err, BIDSIM_ESTATE, "market.index", "segment %d category %u position %u: "
                                  "a search from unit %u's hint %u does not find it", s, c, i, u,
                                  m->pos[(size_t)u * BIDSIM_SEG_COUNT + s]);
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

int64_t bidsim_market_charge(bidsim_market_t *m, uint32_t plan, int64_t price_li, bool *capped) {
  if (capped) *capped = false;
  if (plan >= m->plan_count || price_li <= 0) return 0;
  plan_hot_t *h = &m->hot[plan];
  int64_t amount = price_li;
  if (m->cfg.strict_caps && h->cap_li != BIDSIM_CAP_UNLIMITED && amount > h->cap_li - h->spend_li)
    amount = h->cap_li - h->spend_li > 0 ? h->cap_li - h->spend_li : 0;
  h->spend_li += amount;
  if (!(h->flags & PLAN_CAPPED) && cap_reached(m, h)) {
    h->flags |= PLAN_CAPPED;
    m->plans[plan].cap_hit_s = m->now_s;
    plan_refresh_bits(m, plan);
    if (capped) *capped = true;
  }
  return amount;
}

/* ---- inspection -------------------------------------------------------- */

uint32_t bidsim_market_shop_count(const bidsim_market_t *m) { return m->shop_count; }
uint32_t bidsim_market_product_count(const bidsim_market_t *m) { return m->product_count; }
uint32_t bidsim_market_plan_count(const bidsim_market_t *m) { return m->plan_count; }
uint32_t bidsim_market_unit_count(const bidsim_market_t *m) { return m->unit_count; }
const bidsim_market_config_t *bidsim_market_config(const bidsim_market_t *m) { return &m->cfg; }
int64_t bidsim_market_now(const bidsim_market_t *m) { return m->now_s; }

int bidsim_market_plan_info(const bidsim_market_t *m, uint32_t plan, bidsim_plan_info_t *out) {
  if (plan >= m->plan_count) return BIDSIM_ENOTFOUND;
  const plan_cold_t *c = &m->plans[plan];
  const plan_hot_t *h = &m->hot[plan];
  out->name = c->name;
  out->shop = c->shop;
  out->cap_li = h->cap_li;
  memcpy(out->bid_li, h->bid_li, sizeof out->bid_li);
  out->quality = h->quality;
  out->publish_s = h->publish_s;
  out->published = (h->flags & PLAN_PUBLISHED) != 0;
  out->paused = (h->flags & PLAN_PAUSED) != 0;
  out->capped = (h->flags & PLAN_CAPPED) != 0;
  out->spend_today_li = h->spend_li;
  out->cap_hit_s = c->cap_hit_s;
  out->product_count = c->product_count;
  out->products = c->products;
  return BIDSIM_OK;
}

int bidsim_market_plans_spend(const bidsim_market_t *m, uint32_t count, const uint32_t *plans,
                              int64_t *spend_today_li, int64_t *cap_li) {
  for (uint32_t i = 0; i < count; i++) {
    if (plans[i] >= m->plan_count) return BIDSIM_ENOTFOUND;
    const plan_hot_t *h = &m->hot[plans[i]];
    spend_today_li[i] = h->spend_li;
    cap_li[i] = h->cap_li;
  }
  return BIDSIM_OK;
}

int bidsim_market_find_plan(const bidsim_market_t *m, uint32_t shop, const char *name, uint32_t *plan_out) {
  if (shop >= m->shop_count) return BIDSIM_ENOTFOUND;
  for (uint32_t p = m->shops[shop].first_plan; p != BIDSIM_NONE; p = m->plans[p].next_in_shop)
    if (!strcmp(m->plans[p].name, name)) {
      if (plan_out) *plan_out = p;
      return BIDSIM_OK;
    }
  return BIDSIM_ENOTFOUND;
}

const char *bidsim_market_shop_name(const bidsim_market_t *m, uint32_t shop) {
  return shop < m->shop_count ? m->shops[shop].name : NULL;
}

const bidsim_product_spec_t *bidsim_market_product(const bidsim_market_t *m, uint32_t product) {
  return product < m->product_count ? &m->products[product].spec : NULL;
}

uint32_t bidsim_market_product_shop(const bidsim_market_t *m, uint32_t product) {
  return product < m->product_count ? m->products[product].shop : BIDSIM_NONE;
}

void bidsim_market_unit(const bidsim_market_t *m, uint32_t unit, uint32_t *plan, uint32_t *product) {
  if (unit >= m->unit_count) {
    if (plan) *plan = BIDSIM_NONE;
    if (product) *product = BIDSIM_NONE;
    return;
  }
  if (plan) *plan = m->units[unit].plan;
  if (product) *product = m->units[unit].product;
}
