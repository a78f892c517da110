/* sim/scenario_internal.h - between the scenario loader's two files:
 * scenario_load.c (the format) and scenario_sweep.c (sweep points). */
#ifndef BIDSIM_SIM_SCENARIO_INTERNAL_H
#define BIDSIM_SIM_SCENARIO_INTERNAL_H
#include <libfyaml.h>
#include "sim/scenario.h"

/** @brief Expand the `sweep` node of @p doc into variants of @p base (already
 *  loaded from the same document, the sweep key ignored): one complete
 *  scenario per point, each loaded and checked like a file. Errors name
 *  @p path, the sweep key's line and column, and the point's parameters. */
int bidsim__sweep_expand(bidsim_scenario_t *base, struct fy_document *doc, struct fy_node *sweep, const char *path,
                         bidsim_error_t *err);
/** @brief Free a strategy setting (NULL-safe), closing its plugin. */
void bidsim__strategy_free(bidsim_sc_strategy_t *st);
/** @brief Free the sweep fields of @p sc (the points' scenarios included). */
void bidsim__sweep_free(bidsim_scenario_t *sc);

#endif
