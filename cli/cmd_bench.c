/* cli/cmd_bench.c - `bidsim bench`: auction throughput of the engine in a
 * synthetic market (segmented bids, caps, categories) with click and
 * conversion draws and spend accounting, against the "RNG floor": the time
 * to draw the same number of random numbers alone, measured in the same run. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bidsim/bidsim.h"
#include "cli/commands.h"

enum { BENCH_CHUNK = 256 };   /* plans per strategy batch */

typedef struct {
  uint32_t campaigns, slots, categories, repeat;
  uint64_t impressions, seed;
  int mechanism;
  int json;
  int eager;      /* price every slot in the auction (default: only clicked slots) */
  const char *strategy;       /* a built-in run by a share of the plans, or NULL */
  double strategy_share;
  uint32_t strategy_period_s;
} bench_opts_t;

typedef struct {
  bidsim_market_t *market;
  uint32_t *ctr_q32;      /* [plan] P(attractive) out of 2^32: 40 KB at 10,000 plans, cache-resident */
  uint32_t  exam_q30[BIDSIM_MAX_SLOTS][BIDSIM_SEG_COUNT];   /* examination x segment multiplier, Q30 */
  uint32_t  thr_conv[BIDSIM_SEG_COUNT];
  uint32_t  plans;
  /* strategies: plans [0, strat_plans) run o->strategy */
  const bidsim_strategy_t *strat;
  uint32_t  strat_plans;
  void    **selves;
  int64_t (*value_li)[BIDSIM_SEG_COUNT];      /* configured bids */
  bidsim_strategy_action_t *act, *want;       /* per plan: as in the market; what the update asks */
  uint64_t *exposures, *clicks;               /* per plan: today, since the start */
  int64_t  *spend, *order_value_li;           /* since the start (orders: 15 yuan a click) */
  uint64_t *zero_u;                           /* counts the bench does not keep (conversions, ...) */
  int64_t  *zero_i;
  uint32_t *plan_ids;                         /* 0, 1, ...: the plans whose spend a period gathers */
  int64_t  *spend_today_li, *cap_li;          /* gathered at each period */
  uint64_t  updates;
  double    update_s;                         /* this run's time in strategy updates */
} bench_world_t;

static void usage(FILE *f) {
  fprintf(f,
    "NAME\n"
    "    bidsim bench - measure the auction engine's throughput against the RNG floor\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim bench [--campaigns N] [--slots K] [--impressions M]\n"
    "                 [--mechanism gsp|vcg|first] [--categories C] [--seed S]\n"
    "                 [--repeat R] [--eager-prices] [--json]\n"
    "                 [--strategy KIND [--strategy-share S] [--strategy-period SEC]]\n"
    "\n"
    "DESCRIPTION\n"
    "    Simulates M impressions of one day against N promotion plans in a\n"
    "    synthetic market: each plan has segmented click bids (ordinary, shop\n"
    "    +10..300%%, similar +10..300%%), a quality score, one product in one of C\n"
    "    categories, and a daily cap (30%% unlimited, the rest 100-600 yuan, so many\n"
    "    bind during the day). Per impression: a segment and category draw, the\n"
    "    auction over the engine's index, a click draw per filled slot ((1/r)\n"
    "    examination x 4%% CTR, retargeted users 2x), a conversion draw per click,\n"
    "    and spend accounting with cap stops. Clicked slots are priced on demand\n"
    "    (bidsim_market_auction_deferred), as `bidsim run` does; --eager-prices\n"
    "    prices every filled slot in the auction.\n"
    "\n"
    "    Reports the median over R runs of auctions per second and ns per auction,\n"
    "    and the RNG floor: the time to draw the same number of random numbers\n"
    "    alone, measured in the same run, and the ratio of the two. With\n"
    "    --strategy, also the time per plan update (state, update, clamp,\n"
    "    re-index), which ns/auction includes. BENCHMARKS.md quotes these figures\n"
    "    as measured by bench/rounds.sh.\n"
    "\n"
    "OPTIONS\n"
    "        --campaigns N        plans in the market (default 10000)\n"
    "        --slots K            ad slots per impression, 1..20 (default 4)\n"
    "        --impressions M      impressions per run (default 10000000)\n"
    "        --mechanism X        gsp, vcg or first (default gsp)\n"
    "        --categories C       categories the plans spread over (default 20)\n"
    "        --seed S             seed of the market and the traffic (default 1)\n"
    "        --repeat R           runs; the median is reported (default 5)\n"
    "        --eager-prices       price every slot in the auction (bidsim_market_auction)\n"
    "        --strategy KIND      a built-in bid strategy (multiplier, throttle, pid,\n"
    "                             schedule, target_roi, ...) for a share of the plans,\n"
    "                             updated every period as bidsim run does\n"
    "        --strategy-share S   share of the plans running it (default 1)\n"
    "        --strategy-period SEC simulated seconds between updates (default 60)\n"
    "        --json               print one JSON object instead of text\n"
    "    -h, --help               this text\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 1 run-time failure (memory); 2 bad usage.\n"
    "\n"
    "EXAMPLE\n"
    "    bidsim bench --campaigns 100000 --json\n");
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int64_t round_fen(double yuan) { return (int64_t)llround(yuan * 100.0) * BIDSIM_LI_PER_FEN; }

static void world_free(bench_world_t *w) {
  for (uint32_t p = 0; w->selves && p < w->strat_plans; p++)
    if (w->selves[p]) w->strat->destroy(w->selves[p]);
  bidsim_market_free(w->market);
  free(w->ctr_q32);
  free(w->selves);
  free(w->value_li);
  free(w->act);
  free(w->want);
  free(w->order_value_li);
  free(w->zero_u);
  free(w->zero_i);
  free(w->plan_ids);
  free(w->spend_today_li);
  free(w->cap_li);
  free(w->exposures);
  free(w->clicks);
  free(w->spend);
}

/* Each run starts the strategies afresh. */
static int strategies_start(const bench_opts_t *o, bench_world_t *w, bidsim_error_t *err) {
  for (uint32_t p = 0; p < w->strat_plans; p++) {
    if (w->selves[p]) w->strat->destroy(w->selves[p]);
    w->selves[p] = NULL;
    bidsim_params_t none = { 0, NULL };
    bidsim_param_t target = { "target", 3.0 };
    bidsim_params_t roi = { 1, &target };
    bool needs_target = !strcmp(o->strategy, "target_roi") || !strcmp(o->strategy, "target_cpa");
    bidsim_error_t e;
    bidsim_error_clear(&e);
    int rc = w->strat->create(needs_target ? &roi : &none, &w->selves[p], &e);
    if (rc) return bidsim_error_set(err, rc, "strategy", "%s: %s", o->strategy, e.msg);
  }
  for (uint32_t p = 0; p < w->plans; p++) {   /* what reset restores */
    memcpy(w->act[p].bid_li, w->value_li[p], sizeof w->act[p].bid_li);
    w->act[p].participation = 1.0;
  }
  memset(w->order_value_li, 0, w->plans * sizeof *w->order_value_li);
  memset(w->exposures, 0, w->plans * sizeof *w->exposures);
  memset(w->clicks, 0, w->plans * sizeof *w->clicks);
  memset(w->spend, 0, w->plans * sizeof *w->spend);
  w->update_s = 0;
  return BIDSIM_OK;
}

/* The host side of a period, as bidsim run does it: spend and caps
 * gathered, one batch update over the arrays, then clamp, new bids and
 * participation into the market. Kept out of the auction loop, so the
 * compiler gives this loop its own registers. */
static __attribute__((noinline)) void strategies_update(const bench_opts_t *o, bench_world_t *w, int64_t ts) {
  const bidsim_strategy_state_t shared = { .now_s = ts, .second_of_day = (uint32_t)ts, .period_s = o->strategy_period_s,
                                           .traffic_done = (double)ts / BIDSIM_SECONDS_PER_DAY };
  /* in chunks: gathered spend, actions and their comparison stay in the
   * first-level cache from one pass to the next */
  for (uint32_t c = 0; c < w->strat_plans; c += BENCH_CHUNK) {
    const uint32_t n = w->strat_plans - c < BENCH_CHUNK ? w->strat_plans - c : BENCH_CHUNK;
    bidsim_market_plans_spend(w->market, n, w->plan_ids + c, w->spend_today_li + c, w->cap_li + c);
    const bidsim_strategy_batch_t b = {
      .count = n, .shared = &shared, .value_bid_li = (const int64_t (*)[BIDSIM_SEG_COUNT])w->value_li + c,
      .cap_li = w->cap_li + c, .spend_today_li = w->spend_today_li + c, .order_value_li = w->zero_i + c,
      .exposures = w->exposures + c, .top_exposures = w->zero_u + c, .clicks = w->clicks + c,
      .conversions = w->zero_u + c, .total_clicks = w->clicks + c, .total_conversions = w->zero_u + c,
      .total_order_value_li = w->order_value_li + c, .total_spend_li = w->spend + c };
    memcpy(w->want + c, w->act + c, n * sizeof *w->want);   /* pre-filled with the current actions */
    bidsim_strategy_update_batch(w->strat, w->selves + c, &b, w->want + c);
    for (uint32_t p = c; p < c + n; p++) {
      bidsim_strategy_action_t *a = &w->want[p], *now = &w->act[p];
      /* an unchanged action is already valid: no clamp, no re-index */
      if (!memcmp(a, now, sizeof *a)) continue;
      bidsim_strategy_clamp_action(a);
      if (memcmp(a->bid_li, now->bid_li, sizeof a->bid_li)) {
        bidsim_market_set_bids(w->market, p, a->bid_li, NULL);
        memcpy(now->bid_li, a->bid_li, sizeof now->bid_li);
      }
      if (a->participation != now->participation) {
        bidsim_market_set_participation(w->market, p, a->participation, NULL);
        now->participation = a->participation;
      }
    }
  }
  w->updates += w->strat_plans;
}

static int world_build(const bench_opts_t *o, bench_world_t *w, bidsim_error_t *err) {
  memset(w, 0, sizeof *w);
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  bidsim_auction_config_default(&cfg.auction);
  cfg.auction.mechanism = (bidsim_mechanism_t)o->mechanism;
  cfg.auction.slots = o->slots;
  cfg.categories = o->categories;
  int rc = bidsim_market_create(&cfg, &w->market, err);
  if (rc) return rc;
  w->plans = o->campaigns;
  w->ctr_q32 = malloc(sizeof(uint32_t) * o->campaigns);
  w->value_li = malloc(sizeof *w->value_li * o->campaigns);
  w->act = malloc(sizeof *w->act * o->campaigns);
  w->want = malloc(sizeof *w->want * o->campaigns);
  w->order_value_li = calloc(o->campaigns, sizeof *w->order_value_li);
  w->zero_u = calloc(o->campaigns, sizeof *w->zero_u);
  w->zero_i = calloc(o->campaigns, sizeof *w->zero_i);
  w->plan_ids = malloc(sizeof *w->plan_ids * o->campaigns);
  w->spend_today_li = malloc(sizeof *w->spend_today_li * o->campaigns);
  w->cap_li = malloc(sizeof *w->cap_li * o->campaigns);
  w->exposures = calloc(o->campaigns, sizeof *w->exposures);
  w->clicks = calloc(o->campaigns, sizeof *w->clicks);
  w->spend = calloc(o->campaigns, sizeof *w->spend);
  w->selves = calloc(o->campaigns, sizeof *w->selves);
  if (!w->ctr_q32 || !w->value_li || !w->act || !w->want || !w->order_value_li || !w->zero_u || !w->zero_i ||
      !w->plan_ids || !w->spend_today_li || !w->cap_li ||
      !w->exposures || !w->clicks || !w->spend || !w->selves)
    return bidsim_error_set(err, BIDSIM_ENOMEM, "bench", "out of memory");
  if (o->strategy) {
    if ((w->strat = bidsim_strategy_builtin(o->strategy)) == NULL)
      return bidsim_error_set(err, BIDSIM_EINVAL, "strategy", "no built-in strategy '%s'", o->strategy);
    w->strat_plans = (uint32_t)llround(o->strategy_share * o->campaigns);
  }
  bidsim_pcg64_t g;
  bidsim_rng_for_stream(&g, o->seed, UINT64_C(0xBE7C4));
  static const double seg_ctr_mult[BIDSIM_SEG_COUNT] = { 1.0, 2.0, 1.4 };
  for (uint32_t k = 0; k < o->slots; k++)
    for (uint32_t s = 0; s < BIDSIM_SEG_COUNT; s++)
      w->exam_q30[k][s] = (uint32_t)llround(cfg.auction.position_weight_ppm[k] * 1e-6 * seg_ctr_mult[s] * 1073741824.0);
  for (uint32_t i = 0; i < o->campaigns; i++) {
    char name[32];
    snprintf(name, sizeof name, "c%u", i);
    uint32_t shop, product, plan;
    if ((rc = bidsim_market_add_shop(w->market, name, &shop, err))) return rc;
    bidsim_product_spec_t ps = { .id = i, .historical_sales = 1000, .status = BIDSIM_PRODUCT_ON_SALE,
                                 .price_li = 150000, .category = i % o->categories };
    if ((rc = bidsim_market_add_product(w->market, shop, &ps, &product, err))) return rc;
    /* base bid log-uniform in [0.20, 5.00] yuan; premiums 10..300% */
    double base = 0.2 * exp(bidsim_pcg64_double(&g) * log(25.0));
    int64_t b0 = round_fen(base);
    int64_t b1 = round_fen(base * (1.1 + 0.9 * bidsim_pcg64_double(&g)));
    int64_t b2 = round_fen(base * (1.1 + 0.5 * bidsim_pcg64_double(&g)));
    int64_t lo, hi;   /* the segment bids the base allows (only the floor and 99.00 can bind here) */
    bidsim_rule_premium_bounds(b0, &lo, &hi);
    if (b1 < lo) b1 = lo;
    if (b2 < lo) b2 = lo;
    if (b1 > hi) b1 = hi;
    if (b2 > hi) b2 = hi;
    int64_t cap = bidsim_pcg64_double(&g) < 0.3 ? BIDSIM_CAP_UNLIMITED
                  : (int64_t)(100 + 500 * bidsim_pcg64_double(&g)) * BIDSIM_LI_PER_YUAN;
    double ctr = 0.02 + 0.04 * bidsim_pcg64_double(&g);
    bidsim_plan_spec_t sp = { .name = name, .shop = shop, .cap_li = cap, .bid_li = { b0, b1, b2 },
                              .quality = 1 + (uint32_t)(ctr * 100000.0), .publish_s = 0 };
    if ((rc = bidsim_market_add_plan(w->market, &sp, &plan, err))) return rc;
    memcpy(w->value_li[plan], sp.bid_li, sizeof w->value_li[plan]);
    if ((rc = bidsim_plan_add_product(w->market, plan, product, err))) return rc;
    w->ctr_q32[plan] = (uint32_t)(ctr * 4294967296.0);
    w->plan_ids[plan] = plan;
  }
  static const double cvr[BIDSIM_SEG_COUNT] = { 0.01, 0.025, 0.015 };
  for (uint32_t s = 0; s < BIDSIM_SEG_COUNT; s++) w->thr_conv[s] = (uint32_t)(cvr[s] * 4294967296.0);
  return BIDSIM_OK;
}

typedef struct { uint64_t draws, clicks, conversions; int64_t spend_li; } bench_tally_t;

/* The measured loop: one day of M impressions. Segment shares 70/15/15. */
static void run_day(const bench_opts_t *o, bench_world_t *w, bench_tally_t *t) {
  bidsim_market_reset(w->market);
  bidsim_pcg64_t g;
  bidsim_rng_for_stream(&g, o->seed, 0);
  const uint64_t m = o->impressions;
  const uint32_t C = o->categories;
  const uint32_t seg_thr1 = (uint32_t)(0.70 * 4294967296.0), seg_thr2 = (uint32_t)(0.85 * 4294967296.0);
  int64_t last_s = -1, next_update = 0;
  bidsim_auction_result_t res;
  /* tallies in locals: the compiler keeps them in registers across the
   * auction call instead of storing through `t` on every draw */
  uint64_t draws = 0, clicks = 0, conversions = 0;
  int64_t spend_li = 0;
  for (uint64_t i = 0; i < m; i++) {
    int64_t ts = (int64_t)(i * BIDSIM_SECONDS_PER_DAY / m);
    if (ts != last_s) {
      bidsim_market_advance_to(w->market, ts);
      last_s = ts;
      if (w->strat_plans && ts >= next_update) {
        double u0 = now_s();
        strategies_update(o, w, ts);
        w->update_s += now_s() - u0;
        next_update = ts - ts % o->strategy_period_s + o->strategy_period_s;
      }
    }
    uint64_t u = bidsim_pcg64_next(&g);
    draws++;
    uint32_t hi = (uint32_t)(u >> 32);
    /* branch-free: the segment is as unpredictable as the draw */
    const uint32_t seg = (uint32_t)(hi >= seg_thr1) + (uint32_t)(hi >= seg_thr2);
    bidsim_impression_t imp = { .segment = seg, .category = (uint32_t)(((uint64_t)(uint32_t)u * C) >> 32) };
    uint32_t n = o->eager ? bidsim_market_auction(w->market, &imp, &res)
                          : bidsim_market_auction_deferred(w->market, &imp, &res);
    uint64_t r = 0;
    for (uint32_t k = 0; k < n; k++) {
      if ((k & 1) == 0) { r = bidsim_pcg64_next(&g); draws++; }
      uint32_t x = (k & 1) ? (uint32_t)(r >> 32) : (uint32_t)r;
      uint32_t plan = res.plan[k];
      if (plan < w->strat_plans) w->exposures[plan]++;
      /* P(click) = examination(k) x segment multiplier x CTR, in Q32 */
      if (x < (((uint64_t)w->ctr_q32[plan] * w->exam_q30[k][seg]) >> 30)) {
        bool capped;
        int64_t charged = bidsim_market_charge(w->market, plan, bidsim_auction_slot_price(w->market, &res, k), &capped);
        spend_li += charged;
        clicks++;
        if (plan < w->strat_plans) {
          w->clicks[plan]++;
          w->spend[plan] += charged;
          w->order_value_li[plan] += 1500;
        }
        uint32_t c = (uint32_t)(bidsim_pcg64_next(&g) >> 32);
        draws++;
        conversions += c < w->thr_conv[seg];
      }
    }
  }
  t->draws = draws;
  t->clicks = clicks;
  t->conversions = conversions;
  t->spend_li = spend_li;
}

static uint64_t rng_floor(uint64_t seed, uint64_t draws) {
  bidsim_pcg64_t g;
  bidsim_rng_for_stream(&g, seed, 0);
  uint64_t sink = 0;
  for (uint64_t i = 0; i < draws; i++) sink ^= bidsim_pcg64_next(&g);
  return sink;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, const char *opt, uint64_t *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (*s == '\0' || *s == '-' || *end != '\0' || v < lo || v > hi) {
    fprintf(stderr, "bidsim bench: error: %s must be %" PRIu64 "..%" PRIu64 ", got '%s'\n", opt, lo, hi, s);
    return -1;
  }
  *out = v;
  return 0;
}

int bidsim_cmd_bench(int argc, char **argv) {
  bench_opts_t o = { .campaigns = 10000, .slots = 4, .categories = 20, .repeat = 5,
                     .impressions = 10000000, .seed = 1, .mechanism = BIDSIM_MECH_GSP,
                     .strategy_share = 1.0, .strategy_period_s = 60 };
  static const struct option longopts[] = {
    { "campaigns", required_argument, 0, 'n' }, { "slots", required_argument, 0, 'k' },
    { "impressions", required_argument, 0, 'm' }, { "mechanism", required_argument, 0, 'x' },
    { "categories", required_argument, 0, 'c' }, { "seed", required_argument, 0, 's' },
    { "repeat", required_argument, 0, 'r' }, { "json", no_argument, 0, 'j' },
    { "eager-prices", no_argument, 0, 'e' }, { "strategy", required_argument, 0, 'S' },
    { "strategy-share", required_argument, 0, 'F' }, { "strategy-period", required_argument, 0, 'T' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  optind = 1;
  opterr = 0;
  int ch;
  uint64_t v;
  while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    switch (ch) {
      case 'n': if (parse_u64(optarg, 1, 10000000, "--campaigns", &v)) return BIDSIM_EXIT_INPUT; o.campaigns = (uint32_t)v; break;
      case 'k': if (parse_u64(optarg, 1, BIDSIM_MAX_SLOTS, "--slots", &v)) return BIDSIM_EXIT_INPUT; o.slots = (uint32_t)v; break;
      case 'm': if (parse_u64(optarg, 1, UINT64_C(100000000000), "--impressions", &v)) return BIDSIM_EXIT_INPUT; o.impressions = v; break;
      case 'c': if (parse_u64(optarg, 1, 100000, "--categories", &v)) return BIDSIM_EXIT_INPUT; o.categories = (uint32_t)v; break;
      case 's': if (parse_u64(optarg, 0, UINT64_MAX, "--seed", &v)) return BIDSIM_EXIT_INPUT; o.seed = v; break;
      case 'r': if (parse_u64(optarg, 1, 1000, "--repeat", &v)) return BIDSIM_EXIT_INPUT; o.repeat = (uint32_t)v; break;
      case 'x':
        o.mechanism = bidsim_mechanism_parse(optarg);
        if (o.mechanism < 0) {
          fprintf(stderr, "bidsim bench: error: --mechanism must be gsp, vcg or first, got '%s'\n", optarg);
          return BIDSIM_EXIT_INPUT;
        }
        break;
      case 'j': o.json = 1; break;
      case 'e': o.eager = 1; break;
      case 'S': o.strategy = optarg; break;
      case 'F': {
        char *end;
        o.strategy_share = strtod(optarg, &end);
        if (*end || !(o.strategy_share >= 0 && o.strategy_share <= 1)) {
          fprintf(stderr, "bidsim bench: error: --strategy-share must be in [0, 1], got '%s'\n", optarg);
          return BIDSIM_EXIT_INPUT;
        }
        break;
      }
      case 'T': if (parse_u64(optarg, 1, 86400, "--strategy-period", &v)) return BIDSIM_EXIT_INPUT; o.strategy_period_s = (uint32_t)v; break;
      case 'h': usage(stdout); return BIDSIM_EXIT_OK;
      default: return bidsim_cli_option_error("bench", ch, argv);
    }
  }
  if (optind < argc) {
    fprintf(stderr, "bidsim bench: error: unexpected argument '%s'\n", argv[optind]);
    return BIDSIM_EXIT_INPUT;
  }

  bench_world_t w;
  bidsim_error_t err;
  bidsim_error_clear(&err);
  int rc = world_build(&o, &w, &err);
  if (rc) {
    world_free(&w);
    return bidsim_cli_fail("bench", &err);
  }
  double *t_auc = calloc(o.repeat, sizeof(double)), *t_rng = calloc(o.repeat, sizeof(double));
  double *t_upd = calloc(o.repeat, sizeof(double));
  if (!t_auc || !t_rng || !t_upd) { free(t_auc); free(t_rng); free(t_upd); world_free(&w); return BIDSIM_EXIT_FAILURE; }
  bench_tally_t tally = { 0 };
  uint64_t sink = 0;
  for (uint32_t r = 0; r < o.repeat; r++) {
    if (o.strategy && (rc = strategies_start(&o, &w, &err))) {
      free(t_auc);
      free(t_rng);
      free(t_upd);
      world_free(&w);
      return bidsim_cli_fail("bench", &err);
    }
    double t0 = now_s();
    run_day(&o, &w, &tally);
    double t1 = now_s();
    sink ^= rng_floor(o.seed + r, tally.draws);
    double t2 = now_s();
    t_auc[r] = t1 - t0;
    t_rng[r] = t2 - t1;
    t_upd[r] = w.update_s;
  }
  qsort(t_auc, o.repeat, sizeof(double), cmp_double);
  qsort(t_rng, o.repeat, sizeof(double), cmp_double);
  qsort(t_upd, o.repeat, sizeof(double), cmp_double);
  /* the time in strategy updates (inside ns/auction), per plan update */
  const uint64_t updates_per_run = w.updates / o.repeat;
  double upd_ns = updates_per_run ? t_upd[o.repeat / 2] * 1e9 / (double)updates_per_run : 0.0;
  double ta = t_auc[o.repeat / 2], tr = t_rng[o.repeat / 2];
  double ns = ta * 1e9 / (double)o.impressions, floor_ns = tr * 1e9 / (double)o.impressions;
  if (o.json) {
    printf("{\"campaigns\": %u, \"slots\": %u, \"impressions\": %" PRIu64 ", \"mechanism\": \"%s\", "
           "\"pricing\": \"%s\", \"strategy\": \"%s\", \"strategy_plans\": %u, \"strategy_updates\": %" PRIu64 ", "
           "\"ns_per_update\": %.2f, "
           "\"categories\": %u, \"repeats\": %u, \"auctions_per_s\": %.0f, \"ns_per_auction\": %.2f, "
           "\"rng_floor_ns_per_auction\": %.2f, \"ratio\": %.2f, \"draws_per_auction\": %.3f, "
           "\"clicks\": %" PRIu64 ", \"conversions\": %" PRIu64 ", \"spend_li\": %" PRId64 ", \"sink\": %" PRIu64 "}\n",
           o.campaigns, o.slots, o.impressions, bidsim_mechanism_name(o.mechanism), o.eager ? "eager" : "deferred",
           o.strategy ? o.strategy : "fixed", w.strat_plans, updates_per_run, upd_ns,
           o.categories, o.repeat, (double)o.impressions / ta, ns, floor_ns, ns / floor_ns, (double)tally.draws / (double)o.impressions,
           tally.clicks, tally.conversions, tally.spend_li, sink & 1);
  } else {
    char y[32];
    printf("bidsim bench: %u plans, %u categories, %u slots, %s, %" PRIu64 " impressions, median of %u\n",
           o.campaigns, o.categories, o.slots, bidsim_mechanism_name(o.mechanism), o.impressions, o.repeat);
    printf("  auctions/s          %.3g\n", (double)o.impressions / ta);
    printf("  ns/auction          %.2f\n", ns);
    printf("  RNG floor ns/auct.  %.2f  (%.3f draws per auction)\n", floor_ns,
           (double)tally.draws / (double)o.impressions);
    printf("  ratio               %.2f\n", ns / floor_ns);
    if (w.strat_plans)
      printf("  strategy updates    %" PRIu64 " a run (%s on %u plans every %u s), %.2f ns each\n", updates_per_run,
             o.strategy, w.strat_plans, o.strategy_period_s, upd_ns);
    printf("  last run: %" PRIu64 " clicks, %" PRIu64 " conversions, spend %s yuan\n", tally.clicks,
           tally.conversions, bidsim_li_to_yuan(tally.spend_li, y));
  }
  free(t_auc);
  free(t_rng);
  free(t_upd);
  world_free(&w);
  return BIDSIM_EXIT_OK;
}
