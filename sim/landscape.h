/* sim/landscape.h - a bid landscape: what one listed plan gets at each of a
 * list of settings (base bid with its premiums kept as percentages, a
 * segment's premium, or the daily cap), every point on the same traffic and
 * users (common random numbers). Two ways to get it:
 *   one pass (default): per replicate the scenario runs once as it is; after
 *   every auction each point's copy of the plan is placed among the
 *   competitors the auction scored (sim/landscape_pass.c), clicked with the
 *   same (user, ad) draws and charged against its own spend and cap. The
 *   competitors evolve as in that one run: they do not react to the points.
 *   exact: every point is a scenario of its own (a sweep), run in full.
 * The library prints nothing. */
#ifndef BIDSIM_SIM_LANDSCAPE_H
#define BIDSIM_SIM_LANDSCAPE_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "bidsim/bidsim.h"
#include "sim/scenario.h"

typedef enum { BIDSIM_AXIS_BID = 0, BIDSIM_AXIS_CAP = 1, BIDSIM_AXIS_PREMIUM = 2 } bidsim_axis_t;

/* What each point counts for the plan, per replicate, summed over days. */
enum {
  BIDSIM_LS_EXPOSURES = 0, BIDSIM_LS_CLICKS, BIDSIM_LS_SPEND_LI, BIDSIM_LS_ORDERS, BIDSIM_LS_ORDER_VALUE_LI,
  BIDSIM_LS_TOP_EXPOSURES,   /* exposures in the first slot */
  BIDSIM_LS_COUNT
};

typedef struct {
  double   x;                           /* the swept value: yuan (bid, cap) or percent (premium) */
  int64_t  bid_li[BIDSIM_SEG_COUNT];
  int64_t  cap_li;
  bool     current;                     /* the plan's setting in the scenario */
  bool     skipped;                     /* breaks a platform rule: not simulated */
  char     rule[600];                   /* why, when skipped */
} bidsim_landscape_point_t;

typedef struct {
  bidsim_axis_t axis;
  uint32_t segment;                     /* BIDSIM_AXIS_PREMIUM: BIDSIM_SEG_SHOP or BIDSIM_SEG_SIMILAR */
  double   from, to, step;              /* yuan, or percent above the base */
} bidsim_landscape_axis_t;

/** @brief The points of @p ax for plan @p plan of @p sc (caller frees
 *  *out with bidsim_free). A base bid keeps each segment's premium as the
 *  scenario's percentage (its bid / the base), rounded to the fen; a point
 *  that breaks a platform rule is kept with skipped set and the rule named.
 *  Errors: BIDSIM_EINVAL (a range that is empty, backwards, or has more
 *  than BIDSIM_MAX_VARIANTS points). */
int bidsim_landscape_points(const bidsim_scenario_t *sc, uint32_t plan, const bidsim_landscape_axis_t *ax,
                            bidsim_landscape_point_t **out, uint32_t *n, bidsim_error_t *err);

typedef struct {
  uint32_t threads;                     /* 0 = online CPUs */
  bool     exact;                       /* run the full sweep */
  const volatile sig_atomic_t *stop;    /* set by a signal handler: BIDSIM_EINTR */
} bidsim_landscape_options_t;

typedef struct {
  bool     exact;                       /* the method used */
  char     why_exact[200];              /* when one pass was asked for but cannot model the scenario */
  uint32_t replicates, days;
  /* one pass: what it holds fixed that would react to the plan's setting:
   * other plans that reached their cap in the scenario's run (most on one
   * replicate-day) and whether competitors run bid strategies */
  uint32_t capped_competitors, other_plans;
  bool     competitor_strategies;
  uint64_t impressions;
  double   seconds;
} bidsim_landscape_info_t;

/** @brief Simulate the points that are not skipped: @p counts receives
 *  [point][replicate][BIDSIM_LS_COUNT] (zeros for skipped points), sized
 *  n x sc->replicates x BIDSIM_LS_COUNT by the caller. One pass falls back
 *  to the exact sweep, saying why in info->why_exact, for what it cannot
 *  model: a strategy on the plan, its shop's service model, the first
 *  ranking model, VCG, a CTR prediction error. @p sc is the scenario as
 *  loaded: its own sweep and variants are set aside (the plan's settings
 *  in plans are the current ones). Errors: the loader's, the model's,
 *  BIDSIM_EINTR. */
int bidsim_landscape_run(const bidsim_scenario_t *sc, uint32_t plan, const bidsim_landscape_point_t *pts,
                         uint32_t n, const bidsim_landscape_options_t *opt, int64_t *counts,
                         bidsim_landscape_info_t *info, bidsim_error_t *err);

/* ---- the file (sim/output_landscape.c) ------------------------------------- */

typedef struct {
  const char *plan_name, *axis_name;    /* "bid", "cap", "premium shop", "premium similar" */
  uint64_t seed;
  const char *resolved_text;            /* the resolved scenario, or NULL */
  const bidsim_landscape_point_t *pts;
  uint32_t n;
  const int64_t *counts;                /* [n][replicates][BIDSIM_LS_COUNT] */
  const bidsim_landscape_info_t *info;
  const double *stats;                  /* [n][stat_count][3] mean, low, high; or NULL */
  uint32_t stat_count;
  const char *const *stat_names;
} bidsim_landscape_file_t;

/** @brief Write @p lf to @p path (HDF5; docs/landscape.md lists the
 *  datasets) through a temporary name renamed when complete: on error
 *  nothing is left under @p path. Errors: BIDSIM_EHDF5, BIDSIM_EIO. */
int bidsim_landscape_write(const char *path, const bidsim_landscape_file_t *lf, bidsim_error_t *err);

/* ---- the one-pass observer (sim/landscape_pass.c) ------------------------- */

typedef struct bidsim_landscape_pass bidsim_landscape_pass_t;
struct bidsim_worker;

/** @brief An observer for one worker: places @p n copies of plan @p plan
 *  (settings @p pts, none skipped) in each auction and counts into
 *  rows[point][BIDSIM_LS_COUNT] of the replicate begun last (the caller
 *  points it with bidsim_landscape_pass_rows before each unit). With
 *  @p top_only it only counts the plan's own first-slot exposures (the
 *  exact sweep's top-slot share). Errors: BIDSIM_ENOMEM. */
int  bidsim_landscape_pass_create(const bidsim_scenario_t *sc, uint32_t plan, const bidsim_landscape_point_t *pts,
                                  uint32_t n, bool top_only, struct bidsim_worker *k,
                                  bidsim_landscape_pass_t **out, bidsim_error_t *err);
void bidsim_landscape_pass_rows(bidsim_landscape_pass_t *lp, int64_t *rows, uint32_t row_stride);
void bidsim_landscape_pass_free(bidsim_landscape_pass_t *lp);

#endif
