/* analysis/targets.c - target CPAs per (variant, plan) from the resolved
 * scenario stored in a result file, loaded with the scenario loader (one
 * reading of scenarios in bidsim) and matched to the file's plans by shop
 * and name. */
#include "analysis/targets.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/scenario.h"

static const bidsim_sc_strategy_t *variant_strategy(const bidsim_scenario_t *sc, uint32_t v, uint32_t plan) {
  if (sc->variant_sc) return sc->variant_sc[v]->plans[plan].strategy;   /* a sweep point: its own scenario */
  const bidsim_sc_variant_t *var = &sc->variants[v];
  for (uint32_t c = 0; c < var->change_count; c++)
    if (var->changes[c].plan == plan && var->changes[c].strategy) return var->changes[c].strategy;
  return sc->plans[plan].strategy;
}

static double cpa_target_li(const bidsim_sc_strategy_t *st) {
  if (st == NULL || st->plugin_path || strcmp(st->kind, "target_cpa") != 0) return NAN;
  for (uint32_t i = 0; i < st->param_count; i++)
    if (!strcmp(st->params[i].key, "target")) return st->params[i].value * BIDSIM_LI_PER_YUAN;   /* yuan per order */
  return NAN;
}

/* The scenario plan that is file plan p (same name and shop), or UINT32_MAX. */
static uint32_t scenario_plan(const bidsim_scenario_t *sc, const bidsim_results_t *res, uint32_t p) {
  if (!bidsim_results_plan_listed(res, p)) return UINT32_MAX;
  const char *name = bidsim_results_plan_name(res, p), *shop = bidsim_results_plan_shop(res, p);
  for (uint32_t i = 0; i < sc->plan_count; i++)
    if (!strcmp(sc->plans[i].name, name) && !strcmp(sc->shops[sc->plans[i].shop].name, shop)) return i;
  return UINT32_MAX;
}

int bidsim_targets_cpa(const bidsim_results_t *res, double *out, char *note, size_t n) {
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  for (size_t i = 0; i < (size_t)dm.variants * dm.plans; i++) out[i] = NAN;
  if (n) note[0] = '\0';
  bidsim_output_meta_t meta;
  bidsim_results_meta(res, &meta);
  const char *text = meta.resolved_text;
  /* most files have no target-CPA plan: nothing to load */
  if (text == NULL || strstr(text, "target_cpa") == NULL) return BIDSIM_OK;
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  /* load_plugins false: a plugin is code, and reading a result file must
   * not run it; the loader checks the plugin's file is there and leaves it
   * unloaded (its plan has no target CPA: cpa_target_li) */
  bidsim_scenario_options_t opt;
  memset(&opt, 0, sizeof opt);
  opt.load_plugins = false;
  int rc = bidsim_scenario_load_string_opt(text, strlen(text), meta.scenario_path, &opt, &sc, &err);
  if (rc == BIDSIM_ENOMEM) return rc;
  if (rc) {
    snprintf(note, n, "target CPAs not read: the stored scenario does not load (%s: %s)", err.where, err.msg);
    return BIDSIM_OK;
  }
  bool same = sc->variant_count == dm.variants;
  for (uint32_t v = 0; same && v < dm.variants; v++)
    same = !strcmp(sc->variants[v].name, bidsim_results_variant_name(res, v));
  if (!same) {
    snprintf(note, n, "target CPAs not read: the stored scenario's variants are not the file's");
    bidsim_scenario_free(sc);
    return BIDSIM_OK;
  }
  for (uint32_t p = 0; p < dm.plans; p++) {
    uint32_t i = scenario_plan(sc, res, p);
    if (i == UINT32_MAX) continue;
    for (uint32_t v = 0; v < dm.variants; v++) out[(size_t)v * dm.plans + p] = cpa_target_li(variant_strategy(sc, v, i));
  }
  bidsim_scenario_free(sc);
  return BIDSIM_OK;
}
