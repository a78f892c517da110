/* tests/plugins/abi_v2.c - a plugin built for strategy ABI 2, whose create
 * wrote a message into a buffer and returned nonzero: the table as that
 * version laid it out. bidsim must refuse it, saying what to rebuild. */
#include <stddef.h>
#include "bidsim/strategy.h"

typedef struct {
  uint32_t abi_version;
  const char *name;
  int  (*create)(const bidsim_params_t *params, void **self, char *msg, size_t msglen);
  void (*update)(void *self, const bidsim_strategy_state_t *state, bidsim_strategy_action_t *action);
  void (*on_click)(void *self, int64_t price_li, bool converted, int64_t order_value_li);
  void (*destroy)(void *self);
  void (*update_many)(void *const *selves, const bidsim_strategy_batch_t *batch, bidsim_strategy_action_t *actions);
} strategy_v2_t;

static int create(const bidsim_params_t *p, void **self, char *m, size_t n) { (void)p; (void)m; (void)n; *self = 0; return 0; }
static void update(void *s, const bidsim_strategy_state_t *st, bidsim_strategy_action_t *a) { (void)s; (void)st; (void)a; }
static void destroy(void *s) { (void)s; }
static const strategy_v2_t v2 = { 2, "from_the_past", create, update, 0, destroy, 0 };
__attribute__((visibility("default"))) const void *bidsim_strategy_plugin(void) { return &v2; }
