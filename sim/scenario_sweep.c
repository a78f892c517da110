/* sim/scenario_sweep.c - `sweep:` in a scenario: any scalar key path takes a
 * list of values (or start/stop/step), several keys as a grid or zipped.
 * Each point becomes a variant with its own scenario, made by setting the
 * values in a copy of the document and loading it through the same loader,
 * so every point is checked against every rule before any work starts.
 * Points must keep the shape of the output: the same days, replicates, seed,
 * shops, products and plans. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

static const char *scalar0(struct fy_node *n) { return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL; }

/* ---- values ---------------------------------------------------------------- */

/* The largest magnitude of a range's start, stop and step: above every
 * key's own limit (traffic tops out at 10^11 a day), and small enough that
 * at 6 decimals their differences and multiples stay far inside int64. */
#define RANGE_MAX 1e12

/* A decimal "12.345" as an integer count of 10^-scale. */
static bool decimal(const char *s, int scale, long long *out) {
  char *end;
  if (!s || bidsim__decimal_problem(s, false)) return false;
  double v = strtod(s, &end);
  if (*end || !(fabs(v) <= RANGE_MAX)) return false;   /* 1e50 would wrap llround's result */
  double m = 1;
  for (int i = 0; i < scale; i++) m *= 10;
  *out = llround(v * m);
  return true;
}

static int decimals(const char *s) {
  const char *dot = s ? strchr(s, '.') : NULL;
  return dot ? (int)strlen(dot + 1) : 0;
}

/* values: [a, b, ...] or {start: a, stop: b, step: c} (inclusive; integer
 * arithmetic in units of the finest decimal given, so 0.1 steps do not drift) */
static int value_list(ctx_t *c, struct fy_node *n, const char *key, char ***out, uint32_t *count) {
  *out = NULL;
  *count = 0;
  if (fy_node_is_sequence(n)) {
    int cnt = fy_node_sequence_item_count(n);
    if (cnt < 1 || cnt > BIDSIM_MAX_VARIANTS)
      return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected 1 to %d values", BIDSIM_MAX_VARIANTS);
    *out = bidsim_calloc((size_t)cnt, sizeof **out);
    if (*out == NULL) return bidsim__fail_at(c, n, BIDSIM_ENOMEM, key, "out of memory");
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(n, &it)) != NULL) {
      const char *v = scalar0(item);
      if (v == NULL) return bidsim__fail_at(c, item, BIDSIM_ESCHEMA, key, "sweep values must be scalars");
      if (((*out)[(*count)++] = bidsim_strdup(v)) == NULL) return bidsim__fail_at(c, n, BIDSIM_ENOMEM, key, "out of memory");
    }
    return BIDSIM_OK;
  }
  if (!fy_node_is_mapping(n))
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected a list of values or {start, stop, step}");
  const char *a = scalar0(bidsim__get(n, "start")), *b = scalar0(bidsim__get(n, "stop")),
             *d = scalar0(bidsim__get(n, "step"));
  if (fy_node_mapping_item_count(n) != 3 || !a || !b || !d)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "a range needs exactly start, stop and step");
  int scale = decimals(a);
  if (decimals(b) > scale) scale = decimals(b);
  if (decimals(d) > scale) scale = decimals(d);
  long long s0, s1, st;
  if (scale > 6 || !decimal(a, scale, &s0) || !decimal(b, scale, &s1) || !decimal(d, scale, &st) || st <= 0 || s1 < s0)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key,
                           "start <= stop and step > 0 must be numbers with at most 6 decimals, within +-%.0e", RANGE_MAX);
  long long cnt = (s1 - s0) / st + 1;
  if (cnt > BIDSIM_MAX_VARIANTS)
    return bidsim__fail_at(c, n, BIDSIM_ELIMIT, key, "the range has %lld values, more than %d", cnt, BIDSIM_MAX_VARIANTS);
  *out = bidsim_calloc((size_t)cnt, sizeof **out);
  if (*out == NULL) return bidsim__fail_at(c, n, BIDSIM_ENOMEM, key, "out of memory");
  long long div = 1;
  for (int i = 0; i < scale; i++) div *= 10;
  for (long long i = 0; i < cnt; i++) {
    long long v = s0 + i * st;
    char buf[64];
    if (scale) snprintf(buf, sizeof buf, "%s%lld.%0*lld", v < 0 ? "-" : "", llabs(v) / div, scale, llabs(v) % div);
    else snprintf(buf, sizeof buf, "%lld", v);
    if (((*out)[(*count)++] = bidsim_strdup(buf)) == NULL) return bidsim__fail_at(c, n, BIDSIM_ENOMEM, key, "out of memory");
  }
  return BIDSIM_OK;
}

/* ---- key paths --------------------------------------------------------------- */

/* Set `key` (a.b[2].c or a[Name].c) to the scalar `value` in doc. Mapping
 * keys along the way are created when missing; list items must exist
 * ([i] by index, [Name] by the item's `name`). The last part must be a
 * mapping key. Returns NULL or the reason it cannot. */
static const char *set_path(struct fy_document *doc, const char *key, const char *value) {
  struct fy_node *n = fy_document_root(doc);
  const char *p = key;
  char part[256];
  while (*p) {
    if (*p == '[') {
      const char *why = bidsim__path_item(&n, &p);
      if (why) return why;
      continue;
    }
    size_t len = strcspn(p, ".[");
    if (len == 0 || len >= sizeof part) return "an empty or over-long key part";
    memcpy(part, p, len);
    part[len] = '\0';
    p += len;
    if (*p == '.') p++;
    if (!fy_node_is_mapping(n)) return "a key on something that is not a mapping";
    struct fy_node_pair *pair = bidsim__get_pair(n, part);
    /* a new key is pasted into the point's text as it is: a plain name only */
    if (pair == NULL && part[strspn(part, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")] != '\0')
      return "no such key (a key the file does not have must be a plain name: letters, digits, _)";
    if (*p == '\0') {   /* the last part: set or add the scalar */
      struct fy_node *v = fy_node_create_scalar_copy(doc, value, FY_NT);
      if (v == NULL) return "out of memory";
      if (pair) return fy_node_pair_set_value(pair, v) == 0 ? NULL : "cannot set the value";
      struct fy_node *k = fy_node_create_scalar_copy(doc, part, FY_NT);
      return k && fy_node_mapping_append(n, k, v) == 0 ? NULL : "cannot add the key";
    }
    if (pair == NULL) {   /* a section left to its defaults: create it */
      struct fy_node *k = fy_node_create_scalar_copy(doc, part, FY_NT), *m = fy_node_create_mapping(doc);
      if (!k || !m || fy_node_mapping_append(n, k, m) != 0) return "cannot add the key";
      n = m;
    } else {
      n = fy_node_pair_value(pair);
    }
  }
  return "an empty key";
}

/* The last part of a key path, for readable variant names. */
static const char *leaf(const char *key) {
  const char *dot = strrchr(key, '.');
  return dot ? dot + 1 : key;
}

/* The point's scenario keeps the output's shape. */
static const char *same_shape(const bidsim_scenario_t *a, const bidsim_scenario_t *b) {
  if (a->days != b->days) return "days";
  if (a->replicates != b->replicates) return "replicates";
  if (a->seed != b->seed) return "seed";
  if (a->start_date.year != b->start_date.year || a->start_date.month != b->start_date.month ||
      a->start_date.day != b->start_date.day) return "start_date";
  if (a->shop_count != b->shop_count || a->plan_count != b->plan_count || a->market.plans != b->market.plans)
    return "the number of shops or plans";
  for (uint32_t s = 0; s < a->shop_count; s++)
    if (a->shops[s].product_count != b->shops[s].product_count || strcmp(a->shops[s].name, b->shops[s].name))
      return "the shops or their products";
  for (uint32_t i = 0; i < a->plan_count; i++)
    if (strcmp(a->plans[i].name, b->plans[i].name) || a->plans[i].shop != b->plans[i].shop ||
        a->plans[i].product_count != b->plans[i].product_count)
      return "the plans' names, shops or products";
  return NULL;
}

void bidsim__sweep_free(bidsim_scenario_t *sc) {
  if (sc->variant_sc)
    for (uint32_t v = 0; v < sc->variant_count; v++) bidsim_scenario_free(sc->variant_sc[v]);
  bidsim_free(sc->variant_sc);
  if (sc->sweep_values)
    for (size_t i = 0; i < (size_t)sc->variant_count * sc->sweep_key_count; i++) bidsim_free(sc->sweep_values[i]);
  bidsim_free(sc->sweep_values);
  for (uint32_t k = 0; k < sc->sweep_key_count; k++) {
    for (uint32_t i = 0; sc->sweep_lists && sc->sweep_lists[k] && i < sc->sweep_list_count[k]; i++)
      bidsim_free(sc->sweep_lists[k][i]);
    if (sc->sweep_lists) bidsim_free(sc->sweep_lists[k]);
    if (sc->sweep_keys) bidsim_free(sc->sweep_keys[k]);
  }
  bidsim_free(sc->sweep_lists);
  bidsim_free(sc->sweep_list_count);
  bidsim_free(sc->sweep_keys);
  sc->variant_sc = NULL;
  sc->sweep_values = NULL;
  sc->sweep_lists = NULL;
  sc->sweep_list_count = NULL;
  sc->sweep_keys = NULL;
  sc->sweep_key_count = 0;
}

/* The scenario of one point: the document with the point's values set and
 * without `sweep`, loaded like a file. A point that breaks a rule returns
 * its code with *pe filled and *fatal false (the next points are loaded
 * too, so that every bad one is reported); a key that cannot be set or no
 * memory is fatal, in c->err. The point's warnings go to @p pn. */
static int load_point(ctx_t *c, bidsim_scenario_t *base, struct fy_document *doc, struct fy_node *keys, uint32_t v,
                      bidsim_scenario_t **out, bidsim_error_t *pe, bidsim_scenario_notes_t *pn, bool *fatal) {
  const uint32_t K = base->sweep_key_count;
  char params[512];
  bidsim__sweep_params(base, v, params, sizeof params);
  *fatal = true;
  struct fy_document *copy = fy_document_clone(doc);
  if (copy == NULL) return bidsim__fail_at(c, keys, BIDSIM_ENOMEM, "sweep", "out of memory");
  struct fy_node *root = fy_document_root(copy);
  struct fy_node_pair *sw = bidsim__get_pair(root, "sweep");
  /* removing by key frees the pair; the returned value is ours to free */
  if (sw) fy_node_free(fy_node_mapping_remove_by_key(root, fy_node_pair_key(sw)));
  void *it = NULL;
  for (uint32_t k = 0; k < K; k++) {
    struct fy_node_pair *kp = fy_node_mapping_iterate(keys, &it);
    const char *why = set_path(copy, base->sweep_keys[k], base->sweep_values[(size_t)v * K + k]);
    if (why) {
      fy_document_destroy(copy);
      return bidsim__fail_at(c, kp ? fy_node_pair_key(kp) : keys, BIDSIM_ESCHEMA, "sweep", "point %u (%s): key %s: %s",
                             v, params, base->sweep_keys[k], why);
    }
  }
  char *text = fy_emit_document_to_string(copy, FYECF_MODE_BLOCK | FYECF_WIDTH_INF);
  fy_document_destroy(copy);
  if (text == NULL) return bidsim__fail_at(c, keys, BIDSIM_ENOMEM, "sweep", "out of memory");
  char where[96];
  snprintf(where, sizeof where, "sweep point %u", v);
  bidsim_scenario_options_t opt = *c->opt;
  opt.notes = pn;
  int rc = bidsim__load_text(text, strlen(text), where, c->file, &opt, out, pe);
  free(text);
  if (rc == BIDSIM_ENOMEM) return bidsim__fail_at(c, keys, rc, "sweep", "point %u (%s): %s", v, params, pe->msg);
  *fatal = false;
  if (rc) return rc;
  const char *changed = same_shape(base, *out);
  if (changed) {
    snprintf(pe->where, sizeof pe->where, "%s", where);
    snprintf(pe->msg, sizeof pe->msg, "changes %s; every point must keep them", changed);
    return BIDSIM_ESCHEMA;
  }
  return BIDSIM_OK;
}

int bidsim__sweep_expand(bidsim_scenario_t *base, struct fy_document *doc, struct fy_node *sweep, const char *path,
                         const char *file, const bidsim_scenario_options_t *opt, bidsim_error_t *err) {
  ctx_t cx = { .path = path, .file = file, .err = err, .opt = opt }, *c = &cx;
  if (!fy_node_is_mapping(sweep))
    return bidsim__fail_at(c, sweep, BIDSIM_ESCHEMA, "sweep", "expected a mapping: {grid: {KEY: VALUES, ...}} or {zip: {...}}");
  struct fy_node *grid = bidsim__get(sweep, "grid"), *zip = bidsim__get(sweep, "zip");
  if (fy_node_mapping_item_count(sweep) != 1 || (!grid && !zip))
    return bidsim__fail_at(c, sweep, BIDSIM_ESCHEMA, "sweep", "expected exactly one of grid or zip");
  struct fy_node *keys = grid ? grid : zip;
  const char *mode = grid ? "sweep.grid" : "sweep.zip";
  base->sweep_zip = zip != NULL;
  int K = fy_node_is_mapping(keys) ? fy_node_mapping_item_count(keys) : -1;
  if (K < 1 || K > 16)
    return bidsim__fail_at(c, keys, BIDSIM_ESCHEMA, mode, "expected a mapping of 1 to 16 key paths to their values");
  base->sweep_keys = bidsim_calloc((size_t)K, sizeof *base->sweep_keys);
  base->sweep_lists = bidsim_calloc((size_t)K, sizeof *base->sweep_lists);
  base->sweep_list_count = bidsim_calloc((size_t)K, sizeof *base->sweep_list_count);
  if (!base->sweep_keys || !base->sweep_lists || !base->sweep_list_count)
    return bidsim__fail_at(c, keys, BIDSIM_ENOMEM, mode, "out of memory");
  void *it = NULL;
  struct fy_node_pair *pr;
  uint64_t points = 1;
  while ((pr = fy_node_mapping_iterate(keys, &it)) != NULL) {
    uint32_t k = base->sweep_key_count;
    const char *name = scalar0(fy_node_pair_key(pr));
    if (name == NULL || !*name) return bidsim__fail_at(c, fy_node_pair_key(pr), BIDSIM_ESCHEMA, mode, "a key path must be a scalar");
    if (!strncmp(name, "sweep", 5) || !strncmp(name, "variants", 8) || !strcmp(name, "seed") ||
        !strcmp(name, "days") || !strcmp(name, "replicates") || !strcmp(name, "start_date"))
      return bidsim__fail_at(c, fy_node_pair_key(pr), BIDSIM_ESCHEMA, mode,
                  "'%s' cannot be swept (every point shares seed, days, replicates and start_date)", name);
    if ((base->sweep_keys[k] = bidsim_strdup(name)) == NULL) return bidsim__fail_at(c, keys, BIDSIM_ENOMEM, mode, "out of memory");
    base->sweep_key_count++;
    char sub[320];
    snprintf(sub, sizeof sub, "%s.%s", mode, name);
    int rc = value_list(c, fy_node_pair_value(pr), sub, &base->sweep_lists[k], &base->sweep_list_count[k]);
    if (rc) return rc;
    uint32_t n = base->sweep_list_count[k];
    if (zip && k > 0 && n != base->sweep_list_count[0])
      return bidsim__fail_at(c, fy_node_pair_value(pr), BIDSIM_ESCHEMA, sub,
                  "zip needs lists of one length: %u values here, %u for %s", n, base->sweep_list_count[0],
                  base->sweep_keys[0]);
    points = zip ? n : points * n;
    if (points > BIDSIM_MAX_VARIANTS)
      return bidsim__fail_at(c, keys, BIDSIM_ELIMIT, mode, "the sweep has more than %d points", BIDSIM_MAX_VARIANTS);
  }
  const uint32_t V = (uint32_t)points, KK = base->sweep_key_count;
  base->sweep_values = bidsim_calloc((size_t)V * KK, sizeof *base->sweep_values);
  bidsim_sc_variant_t *vars = bidsim_calloc(V, sizeof *vars);
  base->variant_sc = bidsim_calloc(V, sizeof *base->variant_sc);
  if (!base->sweep_values || !vars || !base->variant_sc) { bidsim_free(vars); return bidsim__fail_at(c, keys, BIDSIM_ENOMEM, mode, "out of memory"); }
  for (uint32_t v = 0; v < base->variant_count; v++) bidsim_free(base->variants[v].changes);
  bidsim_free(base->variants);
  base->variants = vars;
  base->variant_count = V;
  /* point v: grid with the first key slowest, or the v-th of every list */
  for (uint32_t v = 0; v < V; v++) {
    uint32_t rest = v;
    for (int k = (int)KK - 1; k >= 0; k--) {
      uint32_t n = base->sweep_list_count[k], i = zip ? v : rest % n;
      if (!zip) rest /= n;
      if ((base->sweep_values[(size_t)v * KK + (uint32_t)k] = bidsim_strdup(base->sweep_lists[k][i])) == NULL)
        return bidsim__fail_at(c, keys, BIDSIM_ENOMEM, mode, "out of memory");
    }
    char *nm = vars[v].name;
    for (uint32_t k = 0; k < KK; k++)
      snprintf(nm + strlen(nm), BIDSIM_NAME_MAX - strlen(nm), "%s%s=%s", k ? "," : "", leaf(base->sweep_keys[k]),
               base->sweep_values[(size_t)v * KK + k]);
  }
  /* names must be unique (same leaf names, or truncated): fall back to numbers */
  bool unique = true;
  for (uint32_t v = 0; v < V && unique; v++) {
    unique = strlen(vars[v].name) < BIDSIM_NAME_MAX - 1;
    for (uint32_t w = 0; w < v && unique; w++) unique = strcmp(vars[v].name, vars[w].name) != 0;
  }
  for (uint32_t v = 0; v < V && !unique; v++) snprintf(vars[v].name, BIDSIM_NAME_MAX, "point-%04u", v);
  /* every point loaded, and every one that breaks a rule reported at the
   * user's file (scenario_sweep_report.c) */
  bidsim__sweep_report_t rep;
  if (bidsim__sweep_report_init(&rep, c, base, fy_document_root(doc), keys, mode)) {
    bidsim__sweep_report_free(&rep);
    return bidsim__fail_at(c, keys, BIDSIM_ENOMEM, mode, "out of memory");
  }
  int rc = BIDSIM_OK;
  for (uint32_t v = 0; v < V && !rc; v++) {
    bidsim_error_t pe;
    bidsim_scenario_notes_t pn = { 0, 0, NULL };
    bool fatal;
    int prc = load_point(c, base, doc, keys, v, &base->variant_sc[v], &pe, &pn, &fatal);
    bidsim__sweep_report_notes(&rep, v, &pn);
    bidsim_scenario_notes_free(&pn);
    if (prc && fatal) rc = prc;
    else if (prc) bidsim__sweep_report_bad(&rep, v, prc, &pe);
  }
  if (!rc && rep.bad) rc = bidsim__sweep_report_fail(&rep);
  bidsim__sweep_report_free(&rep);
  return rc;
}

/* ---- settings for callers: the same mechanism as a sweep point ------------------ */

int bidsim_scenario_load_settings(const char *text, size_t len, const char *path, const bidsim_scenario_options_t *opt,
                                  uint32_t n, const char *const *keys, const char *const *values,
                                  bidsim_scenario_t **out, bidsim_error_t *err) {
  *out = NULL;
  struct fy_parse_cfg pcfg = { NULL, FYPCF_QUIET, NULL, NULL };
  struct fy_document *doc = n ? fy_document_build_from_string(&pcfg, text, len) : NULL;
  /* nothing to set, or not YAML: the loader's own message and positions */
  if (doc == NULL) return bidsim_scenario_load_string_opt(text, len, path, opt, out, err);
  char with[128] = "";
  for (uint32_t k = 0; k < n; k++)
    snprintf(with + strlen(with), sizeof with - strlen(with), "%s%s=%s", k ? ", " : "", keys[k], values[k]);
  if (strlen(with) == sizeof with - 1) {   /* cut: at a character, not inside one */
    size_t e = sizeof with - 4;
    while (e > 0 && ((unsigned char)with[e] & 0xC0) == 0x80) e--;
    strcpy(with + e, "...");
  }
  for (uint32_t k = 0; k < n; k++) {
    const char *why = fy_document_root(doc) ? set_path(doc, keys[k], values[k]) : "the document is empty";
    if (why) {
      fy_document_destroy(doc);
      return bidsim_error_set(err, BIDSIM_ESCHEMA, path, "cannot set %s=%s: %s", keys[k], values[k], why);
    }
  }
  char *emitted = fy_emit_document_to_string(doc, FYECF_MODE_BLOCK | FYECF_WIDTH_INF);
  fy_document_destroy(doc);
  if (emitted == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  bidsim_error_t e;
  int rc = bidsim_scenario_load_string_opt(emitted, strlen(emitted), path, opt, out, &e);
  free(emitted);
  if (rc == BIDSIM_OK) return BIDSIM_OK;
  /* positions are the emitted text's: keep the key path, name the settings */
  const char *key = e.where;
  size_t pl = strlen(path);
  if (!strncmp(key, path, pl) && key[pl] == ':') {
    key += pl + 1;
    while (*key == ':' || (*key >= '0' && *key <= '9')) key++;
    while (*key == ' ') key++;
  }
  char where[2 * sizeof e.where + 512];   /* bidsim_error_set truncates it */
  snprintf(where, sizeof where, "%.500s: %s", path, key);
  return bidsim_error_set(err, rc, where, "%s (with %s)", e.msg, with);
}
