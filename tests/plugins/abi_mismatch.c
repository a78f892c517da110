/* tests/plugins/abi_mismatch.c - a plugin built for another strategy ABI
 * version: bidsim must refuse it with a clear message. */
#include "bidsim/strategy.h"

static int create(const bidsim_params_t *p, void **self, bidsim_error_t *e) { (void)p; (void)e; *self = 0; return 0; }
static void update(void *s, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) { (void)s; (void)st; (void)a; }
static void destroy(void *s) { (void)s; }
static const bidsim_strategy_t old = { BIDSIM_STRATEGY_ABI_VERSION + 41, "from_the_future", create, update, 0, destroy, 0 };
__attribute__((visibility("default"))) const bidsim_strategy_t *bidsim_strategy_plugin(void) { return &old; }
