/* sim/strategy_plugin.c - dlopen a user strategy and check its table. */
#include "sim/strategy_plugin.h"
#include <dlfcn.h>
#include <stdio.h>

int bidsim_plugin_load(const char *path, void **handle, const bidsim_strategy_t **impl, char *msg, size_t msglen) {
  *handle = NULL;
  *impl = NULL;
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    snprintf(msg, msglen, "cannot load the plugin: %s", dlerror());
    return -1;
  }
  /* ISO C forbids converting a void* to a function pointer; POSIX requires
   * it to work for dlsym, so go through a union */
  union { void *obj; bidsim_strategy_plugin_fn fn; } sym;
  sym.obj = dlsym(h, BIDSIM_STRATEGY_PLUGIN_SYMBOL);
  if (sym.obj == NULL) {
    snprintf(msg, msglen, "%s has no symbol %s (export `const bidsim_strategy_t *%s(void)`)", path,
             BIDSIM_STRATEGY_PLUGIN_SYMBOL, BIDSIM_STRATEGY_PLUGIN_SYMBOL);
    dlclose(h);
    return -1;
  }
  const bidsim_strategy_t *s = sym.fn();
  if (s == NULL || s->abi_version != BIDSIM_STRATEGY_ABI_VERSION) {
    const unsigned v = s ? s->abi_version : 0u;
    snprintf(msg, msglen, "%s was built for strategy ABI version %u; this bidsim uses version %u (rebuild the plugin%s)",
             path, v, (unsigned)BIDSIM_STRATEGY_ABI_VERSION,
             v < 3 ? " against its bidsim/strategy.h: since version 3 create returns a BIDSIM_* code and fills a "
                     "bidsim_error_t, see docs/strategies.md" : "");
    dlclose(h);
    return -1;
  }
  if (!s->name || !s->create || !s->update || !s->destroy) {
    snprintf(msg, msglen, "%s: the strategy table lacks name, create, update or destroy", path);
    dlclose(h);
    return -1;
  }
  *handle = h;
  *impl = s;
  return 0;
}

void bidsim_plugin_close(void *handle) {
  if (handle) dlclose(handle);
}
