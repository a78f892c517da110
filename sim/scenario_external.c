/* sim/scenario_external.c - a listed plan made to run an external strategy
 * (sim/strategy_external.h) in every variant and sweep point, whatever the
 * file said: the Python module's strategies passed at run time and its
 * environments' agents. The file's own `python:` strategies come through
 * the loader's resolver instead (scenario_strategy.c). */
#include <stdio.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"
#include "sim/strategy_external.h"

/* The plan's strategy in @p sc becomes (ext, ctx); a variant's own strategy
 * for the plan is dropped, so the plan's applies there too. */
static int set_in(bidsim_scenario_t *sc, uint32_t plan, const bidsim_external_strategy_t *ext, void *ctx,
                  const char *spec, bidsim_error_t *err) {
  if (plan >= sc->plan_count)
    return bidsim_error_set(err, BIDSIM_EINVAL, "plans", "plan %u does not exist (%u plans)", plan, sc->plan_count);
  bidsim_sc_strategy_t *st = bidsim_calloc(1, sizeof *st);
  char *copy = bidsim_strdup(spec);
  if (st == NULL || copy == NULL) {
    bidsim_free(st);
    bidsim_free(copy);
    return bidsim_error_set(err, BIDSIM_ENOMEM, "plans", "out of memory");
  }
  snprintf(st->kind, sizeof st->kind, "python");
  st->ext = ext;
  st->ext_ctx = ctx;
  st->ext_spec = copy;
  if (ext->retain) ext->retain(ctx);
  bidsim__strategy_free(sc->plans[plan].strategy);
  sc->plans[plan].strategy = st;
  for (uint32_t v = 0; v < sc->variant_count; v++)
    for (uint32_t k = 0; k < sc->variants[v].change_count; k++) {
      bidsim_sc_change_t *ch = &sc->variants[v].changes[k];
      if (ch->plan != plan || ch->strategy == NULL) continue;
      bidsim__strategy_free(ch->strategy);
      ch->strategy = NULL;
    }
  return BIDSIM_OK;
}

int bidsim_scenario_set_external(bidsim_scenario_t *sc, uint32_t plan, const bidsim_external_strategy_t *ext,
                                 void *ctx, const char *spec, bidsim_error_t *err) {
  int rc = set_in(sc, plan, ext, ctx, spec, err);
  /* a sweep point is a scenario of its own with the same listed plans */
  for (uint32_t v = 0; rc == BIDSIM_OK && sc->variant_sc && v < sc->variant_count; v++)
    if (sc->variant_sc[v]) rc = set_in(sc->variant_sc[v], plan, ext, ctx, spec, err);
  return rc;
}
