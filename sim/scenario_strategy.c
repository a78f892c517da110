/* sim/scenario_strategy.c - a strategy setting (`strategy:` of a plan, a
 * variant's change or a market share): a built-in by kind, a plugin by
 * path, or an external one (`python: module:Class`, resolved by the program
 * that runs it: sim/strategy_external.h), with its parameters, checked by
 * creating it once. A plugin is trusted code: it is loaded (its
 * constructors run) only when the options ask for it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"
#include "sim/strategy_external.h"
#include "sim/strategy_plugin.h"

void bidsim__strategy_free(bidsim_sc_strategy_t *st) {
  if (st == NULL) return;
  for (uint32_t i = 0; i < st->param_count; i++) bidsim_free((char *)st->params[i].key);
  bidsim_free(st->params);
  bidsim_free(st->plugin_path);
  bidsim_plugin_close(st->plugin_handle);
  if (st->ext && st->ext->release) st->ext->release(st->ext_ctx);
  bidsim_free(st->ext_spec);
  bidsim_free(st);
}

static int add_param(ctx_t *c, struct fy_node *at, const char *key, bidsim_sc_strategy_t *st, const char *name,
                     double v) {
  if (st->param_count >= 1024) return bidsim__fail_at(c, at, BIDSIM_ELIMIT, key, "more than 1024 parameters");
  bidsim_param_t *np = bidsim_realloc(st->params, (st->param_count + 1) * sizeof *np);
  if (np == NULL) return bidsim__fail_at(c, at, BIDSIM_ENOMEM, key, "out of memory");
  st->params = np;
  char *k = bidsim_strdup(name);
  if (k == NULL) return bidsim__fail_at(c, at, BIDSIM_ENOMEM, key, "out of memory");
  st->params[st->param_count++] = (bidsim_param_t){ k, v };
  return BIDSIM_OK;
}

/* A plugin that is not loaded still has to exist as a readable file. */
static int plugin_present(ctx_t *c, struct fy_node *at, const char *key, const char *full) {
  struct stat st;
  if (stat(full, &st) != 0 || access(full, R_OK) != 0)
    return bidsim__fail_at(c, at, BIDSIM_EPLUGIN, key, "cannot load the plugin: %s: %s", full, strerror(errno));
  if (!S_ISREG(st.st_mode))
    return bidsim__fail_at(c, at, BIDSIM_EPLUGIN, key, "cannot load the plugin: %s is not a file", full);
  return BIDSIM_OK;
}

/* The node of the parameter a strategy named by its key ("target", or
 * "hours.3" for item 3 of the list hours) in the params mapping, and its
 * key path (@p sub.hours[3]); *at and key are left alone if none matches. */
static void param_node(struct fy_node *params, const char *name, const char *sub, struct fy_node **at, char *key,
                       size_t keylen) {
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(params, &it)) != NULL) {
    const char *k = fy_node_get_scalar0(fy_node_pair_key(pr));
    struct fy_node *v = fy_node_pair_value(pr);
    size_t len = k ? strlen(k) : 0;
    if (k == NULL || strncmp(name, k, len)) continue;
    if (name[len] == '\0' && !fy_node_is_sequence(v)) {
      *at = v;
      snprintf(key, keylen, "%s.%s", sub, k);
      return;
    }
    if (name[len] == '.' && fy_node_is_sequence(v)) {
      char *end;
      long i = strtol(name + len + 1, &end, 10);
      struct fy_node *item = *end == '\0' && i >= 0 && i < (1L << 20) ? fy_node_sequence_get_by_index(v, (int)i) : NULL;
      if (item == NULL) return;
      *at = item;
      snprintf(key, keylen, "%s.%s[%ld]", sub, k, i);
      return;
    }
  }
}

/* `python: SPEC`: the program's resolver makes @p st an external strategy;
 * without one (the bidsim command) it is refused at its key with how to run
 * it. A refusal naming a parameter is reported at it. */
static int resolve_external(ctx_t *c, struct fy_node *at, const char *key, struct fy_node *params, const char *sub,
                            bidsim_sc_strategy_t *st) {
  const char *file = c->file ? c->file : c->path;   /* a sweep point's is its file's */
  if (c->opt->resolve_external == NULL)
    return bidsim__fail_at(c, at, BIDSIM_ESCHEMA, key,
                           "a Python strategy runs only inside Python, not in the bidsim command: python3 -c "
                           "'import bidsim; bidsim.load(\"%s\").run(out=\"OUT.h5\")' (docs/python.md)", file);
  bidsim_params_t ps = { st->param_count, st->params };
  bidsim_error_t e;
  bidsim_error_clear(&e);
  int rc = c->opt->resolve_external(c->opt->resolve_ctx, st->ext_spec, &ps, file, st, &e);
  if (rc == BIDSIM_OK && st->ext == NULL) rc = bidsim_error_set(&e, BIDSIM_EPLUGIN, "", "the resolver set no strategy");
  if (rc == BIDSIM_OK) return BIDSIM_OK;
  char at_key[440];
  snprintf(at_key, sizeof at_key, "%s", key);
  if (params && e.where[0]) param_node(params, e.where, sub, &at, at_key, sizeof at_key);
  return bidsim__fail_at(c, at, rc == BIDSIM_ENOMEM ? BIDSIM_ENOMEM : BIDSIM_ESCHEMA, at_key, "%s",
                         e.msg[0] ? e.msg : "the Python strategy was refused");
}

/* strategy: {kind: NAME | plugin: PATH | python: MODULE:CLASS, params: {name:
 * number | [numbers]}}. Checked by creating it once: the strategy names any
 * parameter it rejects. */
int bidsim__load_strategy(ctx_t *c, struct fy_node *n, const char *key, bidsim_sc_strategy_t **out) {
  static const char *const keys[] = { "kind", "plugin", "python", "params", NULL };
  *out = NULL;
  int rc = bidsim__check_keys(c, n, key, keys);
  if (rc) return rc;
  struct fy_node *kind = bidsim__get(n, "kind"), *plugin = bidsim__get(n, "plugin"), *params = bidsim__get(n, "params");
  struct fy_node *python = bidsim__get(n, "python");
  if ((kind != NULL) + (plugin != NULL) + (python != NULL) != 1)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key,
                           "a strategy needs exactly one of kind (a built-in), plugin (a .so path) or python "
                           "(module:Class)");
  bidsim_sc_strategy_t *st = bidsim_calloc(1, sizeof *st);
  if (st == NULL) return bidsim__fail_at(c, n, BIDSIM_ENOMEM, key, "out of memory");
  char sub[256], buf[1024], msg[300];   /* msg: a plugin's load failure */
  if (kind) {
    snprintf(sub, sizeof sub, "%s.kind", key);
    if ((rc = bidsim__get_name(c, kind, sub, st->kind))) goto fail;
    if ((st->impl = bidsim_strategy_builtin(st->kind)) == NULL) {
      char list[256] = "";
      for (const char *const *nm = bidsim_strategy_builtin_names(); *nm; nm++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "", *nm);
      rc = bidsim__fail_at(c, kind, BIDSIM_ESCHEMA, sub, "unknown strategy '%s' (built-ins: %s; or use plugin:)", st->kind, list);
      goto fail;
    }
  } else if (python) {
    snprintf(sub, sizeof sub, "%s.python", key);
    if ((rc = bidsim__scalar(c, python, sub, buf, sizeof buf, "module:Class"))) goto fail;
    snprintf(st->kind, sizeof st->kind, "python");
    if ((st->ext_spec = bidsim_strdup(buf)) == NULL) { rc = bidsim__fail_at(c, python, BIDSIM_ENOMEM, sub, "out of memory"); goto fail; }
  } else {
    snprintf(sub, sizeof sub, "%s.plugin", key);
    if ((rc = bidsim__scalar(c, plugin, sub, buf, sizeof buf, "a path to a shared object"))) goto fail;
    st->plugin_path = bidsim_strdup(buf);
    /* relative paths are relative to the scenario file (a sweep point's
     * too: c->file is the file's path where c->path names the point) */
    char full[2048];
    const char *file = c->file ? c->file : c->path, *slash = strrchr(file, '/');
    if (buf[0] != '/' && slash) snprintf(full, sizeof full, "%.*s/%s", (int)(slash - file), file, buf);
    else snprintf(full, sizeof full, "%s", buf);
    if (!st->plugin_path) {
      rc = bidsim__fail_at(c, plugin, BIDSIM_ENOMEM, sub, "out of memory");
      goto fail;
    }
    if (!c->opt->load_plugins) {
      /* trusted code is not run unless asked: check that it is there */
      if ((rc = plugin_present(c, plugin, sub, full))) goto fail;
      const char *base = strrchr(buf, '/');
      snprintf(st->kind, sizeof st->kind, "%.*s", BIDSIM_NAME_MAX - 1, base ? base + 1 : buf);
      c->sc->plugins_skipped++;
    } else {
      if (bidsim_plugin_load(full, &st->plugin_handle, &st->impl, msg, sizeof msg)) {
        rc = bidsim__fail_at(c, plugin, BIDSIM_EPLUGIN, sub, "%s", msg);
        goto fail;
      }
      snprintf(st->kind, sizeof st->kind, "%.*s", BIDSIM_NAME_MAX - 1, st->impl->name);
    }
  }
  if (params) {
    snprintf(sub, sizeof sub, "%s.params", key);
    if (!fy_node_is_mapping(params)) { rc = bidsim__fail_at(c, params, BIDSIM_ESCHEMA, sub, "expected a mapping of parameters"); goto fail; }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(params, &it)) != NULL) {
      char name[128], pkey[400];
      if ((rc = bidsim__scalar(c, fy_node_pair_key(pr), sub, name, sizeof name, "a parameter name"))) goto fail;
      struct fy_node *v = fy_node_pair_value(pr);
      snprintf(pkey, sizeof pkey, "%s.%s", sub, name);
      if (fy_node_is_sequence(v)) {   /* a list: name.0, name.1, ... */
        void *it2 = NULL;
        struct fy_node *item;
        for (int i = 0; (item = fy_node_sequence_iterate(v, &it2)) != NULL; i++) {
          double x;
          char ikey[420], pname[160];
          snprintf(ikey, sizeof ikey, "%s[%d]", pkey, i);
          snprintf(pname, sizeof pname, "%s.%d", name, i);
          if ((rc = bidsim__get_double(c, item, ikey, -1e12, 1e12, &x)) || (rc = add_param(c, item, ikey, st, pname, x))) goto fail;
        }
      } else {
        double x;
        if ((rc = bidsim__get_double(c, v, pkey, -1e12, 1e12, &x)) || (rc = add_param(c, v, pkey, st, name, x))) goto fail;
      }
    }
  }
  if (python) {
    char pkey[256];
    snprintf(pkey, sizeof pkey, "%s.python", key);
    if ((rc = resolve_external(c, python, pkey, params, sub, st))) goto fail;
    *out = st;
    return BIDSIM_OK;
  }
  if (st->impl == NULL) {   /* a plugin not loaded: its parameters stay unchecked */
    *out = st;
    return BIDSIM_OK;
  }
  bidsim_params_t ps = { st->param_count, st->params };
  void *self = NULL;
  bidsim_error_t cerr;
  bidsim_error_clear(&cerr);
  int crc = st->impl->create(&ps, &self, &cerr);
  if (crc != BIDSIM_OK) {
    /* at the parameter the strategy names (its key as passed: "hours.3" is
     * hours[3]), else at the params mapping (issue 11 defect 6) */
    struct fy_node *at = params ? params : n;
    char at_key[440];
    snprintf(at_key, sizeof at_key, "%s", params ? sub : key);
    if (params && cerr.where[0]) param_node(params, cerr.where, sub, &at, at_key, sizeof at_key);
    rc = bidsim__fail_at(c, at, crc == BIDSIM_ENOMEM ? BIDSIM_ENOMEM : BIDSIM_ESCHEMA, at_key, "strategy %s: %s",
                         st->kind, cerr.msg[0] ? cerr.msg : "rejected its parameters");
    goto fail;
  }
  st->impl->destroy(self);
  *out = st;
  return BIDSIM_OK;
fail:
  bidsim__strategy_free(st);
  return rc;
}
