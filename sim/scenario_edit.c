/* sim/scenario_edit.c - read and change a scenario's text at key paths,
 * keeping every byte that is not a changed value. libfyaml locates the
 * values (token positions); the text is spliced, never re-emitted, so
 * comments and layout survive. Key paths follow the sweep's syntax
 * (scenario_sweep.c's set_path: mapping keys joined by dots, list items by
 * index or by their `name`); bidsim_scenario_text_set checks its result
 * against bidsim_scenario_load_settings, so the two cannot disagree
 * silently. */
#include "sim/scenario_edit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfyaml.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

static const char *scalar0(struct fy_node *n) { return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL; }

static struct fy_document *parse(const char *text, size_t len) {
  struct fy_parse_cfg cfg = { NULL, FYPCF_QUIET, NULL, NULL };
  return fy_document_build_from_string(&cfg, text, len);
}

/* Follow @p key from the root. On success *node is the node at the end of
 * the path and *rest is ""; when a mapping key is not written, *node is the
 * deepest mapping reached and *rest the unwritten remainder (mapping keys
 * only). Returns NULL or why the path cannot exist. */
static const char *walk(struct fy_document *doc, const char *key, struct fy_node **node, const char **rest) {
  struct fy_node *n = fy_document_root(doc);
  const char *p = key;
  char part[256];
  *node = NULL;
  *rest = "";
  if (n == NULL) return "the document is empty";
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
    if (!fy_node_is_mapping(n)) return "a key on something that is not a mapping";
    struct fy_node *v = fy_node_mapping_lookup_by_string(n, part, FY_NT);
    if (v == NULL) {
      if (strchr(p, '[')) return "a list item under a key that is not written";
      *node = n;
      *rest = p;
      return NULL;
    }
    p += len;
    if (*p == '.') p++;
    n = v;
  }
  *node = n;
  return NULL;
}

int bidsim_scenario_text_get(const char *text, size_t len, const char *key, char **out, bidsim_error_t *err) {
  *out = NULL;
  struct fy_document *doc = parse(text, len);
  if (doc == NULL) return bidsim_error_set(err, BIDSIM_EPARSE, key, "the scenario is not valid YAML");
  struct fy_node *n;
  const char *rest, *why = walk(doc, key, &n, &rest);
  int rc = BIDSIM_OK;
  if (why) rc = bidsim_error_set(err, BIDSIM_ESCHEMA, key, "%s", why);
  else if (*rest) rc = bidsim_error_set(err, BIDSIM_ENOTFOUND, key, "not written in the scenario (a default applies)");
  else if (!fy_node_is_scalar(n)) rc = bidsim_error_set(err, BIDSIM_ESCHEMA, key, "%s", "not a scalar value");
  else if ((*out = bidsim_strdup(fy_node_get_scalar0(n))) == NULL) rc = bidsim_error_set(err, BIDSIM_ENOMEM, key, "out of memory");
  fy_document_destroy(doc);
  return rc;
}

/* ---- defaults ------------------------------------------------------------------ */

typedef struct { uint32_t n, cap; char **keys, **values; } list_t;

static bool push(list_t *l, const char *key, const char *value) {
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? 2 * l->cap : 8;
    char **k = bidsim_realloc(l->keys, cap * sizeof *k);
    if (k) l->keys = k;
    char **v = k ? bidsim_realloc(l->values, cap * sizeof *v) : NULL;
    if (v) l->values = v;
    if (!k || !v) return false;
    l->cap = cap;
  }
  l->keys[l->n] = bidsim_strdup(key);
  l->values[l->n] = bidsim_strdup(value);
  if (!l->keys[l->n] || !l->values[l->n]) {
    bidsim_free(l->keys[l->n]);
    bidsim_free(l->values[l->n]);
    return false;
  }
  l->n++;
  return true;
}

/* Every scalar under mapping @p n, at paths below @p prefix. */
static const char *leaves(struct fy_node *n, const char *prefix, const char *skip, list_t *l) {
  void *it = NULL;
  struct fy_node_pair *pr;
  while ((pr = fy_node_mapping_iterate(n, &it)) != NULL) {
    const char *k = scalar0(fy_node_pair_key(pr));
    struct fy_node *v = fy_node_pair_value(pr);
    if (k == NULL || v == NULL) continue;
    char path[512];
    snprintf(path, sizeof path, "%s.%s", prefix, k);
    if (fy_node_is_mapping(v)) {
      const char *why = leaves(v, path, skip, l);
      if (why) return why;
    } else if (fy_node_is_scalar(v)) {
      if (strcmp(path, skip) && !push(l, path, fy_node_get_scalar0(v))) return "out of memory";
    } else {
      return "the section holds a list: write the section in the scenario first";
    }
  }
  return NULL;
}

int bidsim_scenario_text_defaults(const char *text, size_t len, const char *resolved, const char *key, uint32_t *n,
                                  char ***keys, char ***values, bidsim_error_t *err) {
  *n = 0;
  *keys = *values = NULL;
  struct fy_document *doc = parse(text, len), *res = doc ? parse(resolved, strlen(resolved)) : NULL;
  if (res == NULL) {
    if (doc) fy_document_destroy(doc);
    return bidsim_error_set(err, BIDSIM_EPARSE, key, "the scenario is not valid YAML");
  }
  struct fy_node *node, *rnode;
  const char *rest, *rrest, *why = walk(doc, key, &node, &rest);
  int rc = BIDSIM_OK;
  list_t l = { 0, 0, NULL, NULL };
  if (why) {
    rc = bidsim_error_set(err, BIDSIM_ESCHEMA, key, "%s", why);
  } else if (*rest && strchr(rest, '.')) {
    /* the section: the key path up to and including the first missing part */
    char section[512];
    size_t at = (size_t)(rest - key) + strcspn(rest, ".");
    snprintf(section, sizeof section, "%.*s", (int)at, key);
    why = walk(res, section, &rnode, &rrest);
    if (why == NULL && *rrest == '\0' && fy_node_is_mapping(rnode)) why = leaves(rnode, section, key, &l);
    if (why) rc = bidsim_error_set(err, !strcmp(why, "out of memory") ? BIDSIM_ENOMEM : BIDSIM_ESCHEMA, key, "%s", why);
  }
  fy_document_destroy(doc);
  fy_document_destroy(res);
  if (rc) {
    for (uint32_t i = 0; i < l.n; i++) { bidsim_free(l.keys[i]); bidsim_free(l.values[i]); }
    bidsim_free(l.keys);
    bidsim_free(l.values);
    return rc;
  }
  *n = l.n;
  *keys = l.keys;
  *values = l.values;
  return BIDSIM_OK;
}

/* ---- splicing ------------------------------------------------------------------ */

/* The last scalar token inside @p n and how many flow collections enclose
 * it below @p n (their closing brackets follow it). */
static struct fy_token *last_token(struct fy_node *n, int *flow_depth) {
  while (n && !fy_node_is_scalar(n)) {
    struct fy_node *next = NULL;
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
      struct fy_node_pair *pr, *last = NULL;
      while ((pr = fy_node_mapping_iterate(n, &it)) != NULL) last = pr;
      if (last) next = fy_node_pair_value(last) ? fy_node_pair_value(last) : fy_node_pair_key(last);
    } else if (fy_node_is_sequence(n)) {
      struct fy_node *c;
      while ((c = fy_node_sequence_iterate(n, &it)) != NULL) next = c;
    }
    if (next == NULL) return NULL;   /* an empty collection */
    if (!fy_node_is_scalar(next) && fy_node_get_style(next) == FYNS_FLOW) (*flow_depth)++;
    n = next;
  }
  return n ? fy_node_get_scalar_token(n) : NULL;
}

/* A value as YAML: plain when that reads back as the same text, else
 * double-quoted. */
static void put_scalar(char *buf, size_t cap, const char *v) {
  bool plain = *v != '\0';
  for (const char *c = v; *c && plain; c++)
    plain = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || strchr("._+-", *c);
  if (plain) { snprintf(buf, cap, "%s", v); return; }
  size_t o = 0;
  buf[o++] = '"';
  for (const char *c = v; *c && o + 4 < cap; c++) {
    if (*c == '"' || *c == '\\') buf[o++] = '\\';
    buf[o++] = *c;
  }
  buf[o++] = '"';
  buf[o] = '\0';
}

/* "a.b.c" = v as "a: {b: {c: v}}". */
static int nested(char *buf, size_t cap, const char *rest, const char *value) {
  char val[256];
  put_scalar(val, sizeof val, value);
  size_t o = 0;
  int open = 0;
  for (const char *p = rest; *p;) {
    size_t len = strcspn(p, ".");
    int w = snprintf(buf + o, cap - o, "%s%.*s: ", open ? "{" : "", (int)len, p);
    if (w < 0 || (size_t)w >= cap - o) return -1;
    o += (size_t)w;
    p += len;
    if (*p == '.') { p++; open++; }
  }
  int w = snprintf(buf + o, cap - o, "%s%.*s", val, open, "}}}}}}}}}}}}}}}}");
  return w < 0 || (size_t)w >= cap - o || open > 16 ? -1 : 0;
}

/* One setting spliced into @p text: *out is the new text. */
static int set_one(const char *text, size_t len, const char *key, const char *value, char **out, bidsim_error_t *err) {
  struct fy_document *doc = parse(text, len);
  if (doc == NULL) return bidsim_error_set(err, BIDSIM_EPARSE, key, "the scenario is not valid YAML");
  struct fy_node *n;
  const char *rest, *why = walk(doc, key, &n, &rest);
  char ins[768];
  size_t at = 0, cut = 0;   /* replace text[at, cut) by ins */
  int rc = BIDSIM_OK;
  if (why) {
    rc = bidsim_error_set(err, BIDSIM_ESCHEMA, key, "%s", why);
  } else if (*rest == '\0') {
    struct fy_token *t = fy_node_is_scalar(n) ? fy_node_get_scalar_token(n) : NULL;
    if (t == NULL) {
      rc = bidsim_error_set(err, BIDSIM_ESCHEMA, key, "not a scalar value");
    } else {
      at = fy_token_start_mark(t)->input_pos;
      cut = fy_token_end_mark(t)->input_pos;
      /* a quoted scalar's marks may leave its quotes out: they go too */
      if (at > 0 && cut < len && (text[at - 1] == '"' || text[at - 1] == '\'') && text[cut] == text[at - 1]) { at--; cut++; }
      put_scalar(ins, sizeof ins, value);
    }
  } else {
    int depth = 0;
    struct fy_token *t = last_token(n, &depth);
    char kv[640];
    if (t == NULL || nested(kv, sizeof kv, rest, value)) {
      rc = bidsim_error_set(err, BIDSIM_ESCHEMA, key, "cannot add the key to an empty mapping");
    } else if (fy_node_get_style(n) == FYNS_FLOW) {
      /* after the last value and the brackets closing inside this mapping */
      size_t p = fy_token_end_mark(t)->input_pos;
      for (size_t q = p; q < len && depth > 0; q++) {
        if (text[q] == '#') while (q < len && text[q] != '\n') q++;
        else if (text[q] == '}' || text[q] == ']') { depth--; p = q + 1; }
      }
      at = cut = p;
      snprintf(ins, sizeof ins, ", %s", kv);
    } else {
      /* a new line after the mapping's last line (past any closing brackets
       * and the comment on it), at the indentation of its first key */
      void *it = NULL;
      struct fy_node_pair *first = fy_node_mapping_iterate(n, &it);
      struct fy_token *kt = first ? fy_node_get_scalar_token(fy_node_pair_key(first)) : NULL;
      int indent = kt ? fy_token_start_mark(kt)->column : 0;
      size_t p = fy_token_end_mark(t)->input_pos;
      for (;;) {
        while (p < len && text[p] != '\n' && text[p] != '\r') p++;
        size_t q = p;
        while (q < len && (text[q] == '\n' || text[q] == '\r' || text[q] == ' ' || text[q] == '\t')) q++;
        if (q < len && (text[q] == '}' || text[q] == ']')) { p = q; continue; }
        break;
      }
      at = cut = p;
      snprintf(ins, sizeof ins, "\n%*s%s", indent, "", kv);
    }
  }
  fy_document_destroy(doc);
  if (rc) return rc;
  size_t il = strlen(ins), nl = len - (cut - at) + il;
  char *o = bidsim_malloc(nl + 1);
  if (o == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, key, "out of memory");
  memcpy(o, text, at);
  memcpy(o + at, ins, il);
  memcpy(o + at + il, text + cut, len - cut);
  o[nl] = '\0';
  *out = o;
  return BIDSIM_OK;
}

int bidsim_scenario_text_set(const char *text, size_t len, const char *path, const bidsim_scenario_options_t *opt,
                             uint32_t n, const char *const *keys, const char *const *values, char **out,
                             bidsim_error_t *err) {
  *out = NULL;
  char *cur = bidsim_malloc(len + 1);
  if (cur == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  memcpy(cur, text, len);
  cur[len] = '\0';
  /* one at a time, re-reading the text: a section added for one key is
   * found by the next */
  for (uint32_t k = 0; k < n; k++) {
    char *next;
    int rc = set_one(cur, strlen(cur), keys[k], values[k], &next, err);
    bidsim_free(cur);
    if (rc) return rc;
    cur = next;
  }
  bidsim_scenario_t *a = NULL, *b = NULL;
  int rc = bidsim_scenario_load_string_opt(cur, strlen(cur), path, opt, &a, err);
  if (rc == BIDSIM_OK) rc = bidsim_scenario_load_settings(text, len, path, opt, n, keys, values, &b, err);
  if (rc == BIDSIM_OK) {
    char *ya = bidsim_scenario_resolved_yaml(a), *yb = bidsim_scenario_resolved_yaml(b);
    if (!ya || !yb) rc = bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
    else if (strcmp(ya, yb))
      rc = bidsim_error_set(err, BIDSIM_ESTATE, path,
                            "the edited text does not load to the scenario with the settings (%s...): not written",
                            n ? keys[0] : "");
    bidsim_free(ya);
    bidsim_free(yb);
  }
  bidsim_scenario_free(a);
  bidsim_scenario_free(b);
  if (rc) { bidsim_free(cur); return rc; }
  *out = cur;
  return BIDSIM_OK;
}
