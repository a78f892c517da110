/* examples/strategy_plugin/evening_boost.c - a user bid strategy as a
 * plugin: raise the bids by `boost` percent during the evening peak
 * (`from` to `to` o'clock, default 19-23) and lower them by `cut` percent
 * the rest of the day. Build it as a shared object against bidsim's
 * headers and name it in a scenario:
 *
 *   cc -shared -fPIC -I engine/include evening_boost.c -o evening_boost.so
 *
 *   plans:
 *     - name: Evening push
 *       strategy: {plugin: evening_boost.so, params: {boost: 40, cut: 50}}
 *
 * The host clamps the bids to the platform's rules. */
#include <stdio.h>
#include <stdlib.h>
#include "bidsim/strategy.h"

typedef struct { double boost, cut; unsigned from, to; } evening_t;

static int create(const bidsim_params_t *p, void **self, char *msg, size_t msglen) {
  evening_t *e = malloc(sizeof *e);
  if (e == NULL) { snprintf(msg, msglen, "out of memory"); return 1; }   /* 1 = BIDSIM_ENOMEM */
  e->boost = bidsim_params_get(p, "boost", 30);
  e->cut = bidsim_params_get(p, "cut", 0);
  e->from = (unsigned)bidsim_params_get(p, "from", 19);
  e->to = (unsigned)bidsim_params_get(p, "to", 23);
  if (e->boost < 0 || e->boost > 300 || e->cut < 0 || e->cut > 90 || e->from > 23 || e->to > 24 || e->from >= e->to) {
    snprintf(msg, msglen, "boost must be 0-300, cut 0-90, and 0 <= from < to <= 24");
    free(e);
    return -1;
  }
  *self = e;
  return 0;
}

static void update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *act) {
  const evening_t *e = self;
  unsigned hour = st->second_of_day / 3600;
  double m = hour >= e->from && hour < e->to ? 1.0 + e->boost / 100.0 : 1.0 - e->cut / 100.0;
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) act->bid_li[s] = (int64_t)(st->value_bid_li[s] * m + 0.5);
  act->participation = 1.0;
}

static void destroy(void *self) { free(self); }

static const bidsim_strategy_t evening_boost = {
  BIDSIM_STRATEGY_ABI_VERSION, "evening_boost", create, update, NULL, destroy,
  NULL,   /* no update_many: bidsim calls update once per plan */
};

__attribute__((visibility("default"))) const bidsim_strategy_t *bidsim_strategy_plugin(void) { return &evening_boost; }
