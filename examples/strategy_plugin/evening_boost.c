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
 * The host clamps the bids to the platform's rules. The bidsim_* functions
 * it calls (bidsim_params_check, bidsim_params_get, bidsim_error_set) are
 * the host's: bidsim exports them to the plugins it loads. */
#include <stdlib.h>
#include "bidsim/strategy.h"

typedef struct { double boost, cut; unsigned from, to; } evening_t;

static int create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  /* every parameter known and within its range; err names the one that is not */
  static const bidsim_param_spec_t spec[] = {
    { "boost", 0, 300, 0, false }, { "cut", 0, 90, 0, false },
    { "from", 0, 23, 0, true },    { "to", 1, 24, 0, true }, { NULL, 0, 0, 0, false } };
  int rc = bidsim_params_check(p, spec, err);
  if (rc != BIDSIM_OK) return rc;
  const unsigned from = (unsigned)bidsim_params_get(p, "from", 19), to = (unsigned)bidsim_params_get(p, "to", 23);
  if (from >= to)   /* neither key alone is at fault: where is "" */
    return bidsim_error_set(err, BIDSIM_EINVAL, "", "the evening must start before it ends: from %u, to %u", from, to);
  evening_t *e = malloc(sizeof *e);
  if (e == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "", "out of memory");
  e->boost = bidsim_params_get(p, "boost", 30);
  e->cut = bidsim_params_get(p, "cut", 0);
  e->from = from;
  e->to = to;
  *self = e;
  return BIDSIM_OK;
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
