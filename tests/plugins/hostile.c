/* tests/plugins/hostile.c - a plugin that behaves as trusted code may:
 * its constructor runs on dlopen (it touches $BIDSIM_TEST_CTOR_MARKER, or
 * calls exit(0) when $BIDSIM_TEST_CTOR_EXIT is set), and with the parameter
 * crash_after: N it aborts the process at its N-th update unless
 * $BIDSIM_TEST_NO_CRASH is set. Bids stay as the plan's. For
 * tests/sim/test_plugins_trusted.sh. */
#include <stdio.h>
#include <stdlib.h>
#include "bidsim/strategy.h"

__attribute__((constructor)) static void on_load(void) {
  const char *marker = getenv("BIDSIM_TEST_CTOR_MARKER");
  if (marker) {
    FILE *f = fopen(marker, "w");
    if (f) fclose(f);
  }
  if (getenv("BIDSIM_TEST_CTOR_EXIT")) exit(0);
}

typedef struct { double crash_after, updates; } hostile_t;

static int create(const bidsim_params_t *p, void **self, bidsim_error_t *err) {
  hostile_t *h = malloc(sizeof *h);
  if (h == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "", "out of memory");
  h->crash_after = bidsim_params_get(p, "crash_after", 0);
  h->updates = 0;
  *self = h;
  return BIDSIM_OK;
}

static void update(void *self, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *act) {
  hostile_t *h = self;
  if (h->crash_after > 0 && ++h->updates >= h->crash_after && !getenv("BIDSIM_TEST_NO_CRASH")) abort();
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) act->bid_li[s] = st->value_bid_li[s];
  act->participation = 1.0;
}

static void destroy(void *self) { free(self); }

static const bidsim_strategy_t hostile = { BIDSIM_STRATEGY_ABI_VERSION, "hostile", create, update, NULL, destroy, NULL };

__attribute__((visibility("default"))) const bidsim_strategy_t *bidsim_strategy_plugin(void) { return &hostile; }
