/* tests/plugins/wild_actions.c - a strategy whose actions break the
 * platform's rules on purpose, for the host's clamp (tests/sim/
 * test_strategy_clamps.sh). Parameter `mode`: 0 cycles through four
 * actions by period (participation NaN; a valid action; participation 7;
 * a base bid of 10^15 li), 1 asks for participation NaN every period.
 * The host must clamp each broken action, count it once, and a NaN
 * participation must keep the plan out of the auction. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "bidsim/strategy.h"

typedef struct { int mode; } wild_t;

static int create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  static const bidsim_param_spec_t spec[] = { { "mode", 0, 1, 0, true }, { NULL, 0, 0, 0, false } };
  int rc = bidsim_params_check(p, spec, err);
  if (rc != BIDSIM_OK) return rc;
  wild_t *w = malloc(sizeof *w);
  if (w == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "", "out of memory");
  w->mode = (int)bidsim_params_get(p, "mode", 0);
  *self = w;
  return BIDSIM_OK;
}

static void update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *act) {
  const wild_t *w = self;
  const uint32_t k = w->mode == 1 ? 0 : st->second_of_day / st->period_s % 4;
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) act->bid_li[s] = st->value_bid_li[s];
  act->participation = 1.0;
  switch (k) {
  case 0: act->participation = NAN; break;
  case 2: act->participation = 7.0; break;
  case 3: act->bid_li[BIDSIM_SEG_ORDINARY] = INT64_C(1000000000000000); break;
  default: break;
  }
}

static void destroy(void *self) { free(self); }

static const bidsim_strategy_t wild = { BIDSIM_STRATEGY_ABI_VERSION, "wild_actions", create, update, NULL, destroy, NULL };

__attribute__((visibility("default"))) const bidsim_strategy_t *bidsim_strategy_plugin(void) { return &wild; }
