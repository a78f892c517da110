/* sim/strategy_plugin.h - user bid strategies as shared objects: loaded with
 * dlopen, found by the symbol bidsim_strategy_plugin, refused when built
 * for another strategy ABI version (engine/include/bidsim/strategy.h). */
#ifndef BIDSIM_SIM_STRATEGY_PLUGIN_H
#define BIDSIM_SIM_STRATEGY_PLUGIN_H
#include <stddef.h>
#include "bidsim/strategy.h"

/** @brief Load the plugin at @p path. On success *handle (for
 *  bidsim_plugin_close) and *impl are set; on failure returns -1 with a
 *  sentence in msg (cannot open, missing symbol, ABI mismatch, incomplete
 *  table). */
int  bidsim_plugin_load(const char *path, void **handle, const bidsim_strategy_t **impl, char *msg, size_t msglen);
void bidsim_plugin_close(void *handle);

#endif
