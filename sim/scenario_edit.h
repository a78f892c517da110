/* sim/scenario_edit.h - a scenario's own text read and changed at key paths
 * (the sweep's syntax, scenarios/README.md): the value written at a key,
 * and the text with new values at some keys and every other byte - the
 * user's comments, layout and quoting - kept. Calibration writes its fitted
 * scenario this way. Loading a scenario with settings is
 * bidsim_scenario_load_settings (sim/scenario.h). */
#ifndef BIDSIM_SIM_SCENARIO_EDIT_H
#define BIDSIM_SIM_SCENARIO_EDIT_H
#include <stddef.h>
#include <stdint.h>
#include "sim/scenario.h"

/** @brief The scalar written at key path @p key of the YAML @p text, as a
 *  copy in *out (caller frees with bidsim_free). Errors: BIDSIM_ENOTFOUND
 *  when a mapping key on the way is not written (a default applies),
 *  BIDSIM_ESCHEMA when the path cannot exist (no such list item, a key on
 *  a scalar, a collection at the end), BIDSIM_EPARSE for invalid YAML. */
int bidsim_scenario_text_get(const char *text, size_t len, const char *key, char **out, bidsim_error_t *err);

/** @brief The defaults around key path @p key when @p text does not write
 *  it: for the first mapping key on its path that is not written (say
 *  market.order_value of market.order_value.median), every scalar under
 *  it in @p resolved (bidsim_scenario_resolved_yaml's text) other than
 *  @p key itself, as settings (*keys[i] = *values[i], *n of them; caller
 *  frees each string and both arrays with bidsim_free). Setting them with
 *  @p key writes the section whole (a distribution keeps its dist and its
 *  other parameter). *n = 0 when @p key is written or only its last part
 *  is missing. Errors: BIDSIM_ESCHEMA (a list inside the section),
 *  BIDSIM_ENOMEM, BIDSIM_EPARSE. */
int bidsim_scenario_text_defaults(const char *text, size_t len, const char *resolved, const char *key, uint32_t *n,
                                  char ***keys, char ***values, bidsim_error_t *err);

/** @brief @p text with keys[i] set to values[i], in order: a written scalar
 *  is replaced where it stands; a key not written is added to the deepest
 *  mapping on its path that is (a line in a block mapping at its keys'
 *  indentation, ", key: value" before a flow mapping's closing brace;
 *  missing sections as flow mappings). Everything else is kept byte for
 *  byte. The result is checked: it must load (with @p opt, @p path for
 *  messages and plugins) to the same resolved scenario as
 *  bidsim_scenario_load_settings gives with the same settings, else
 *  BIDSIM_ESTATE. *out is NUL-terminated, caller frees with bidsim_free. */
int bidsim_scenario_text_set(const char *text, size_t len, const char *path, const bidsim_scenario_options_t *opt,
                             uint32_t n, const char *const *keys, const char *const *values, char **out,
                             bidsim_error_t *err);

#endif
