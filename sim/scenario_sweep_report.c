/* sim/scenario_sweep_report.c - what a sweep's points have to say, said at
 * the user's file: each point is loaded from a generated text ("sweep point
 * N"), so its errors and warnings carry positions in that text; here they
 * are mapped back by key path to the line and column in the file (the swept
 * value itself when the key is a swept one), every bad point is listed, not
 * only the first, and the error names the sweep key. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

/* Bad points listed one per note; the rest are counted in a last note. */
#define SWEEP_BAD_LISTED 20

/* snprintf that truncates on purpose: where and msg have the error record's sizes */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void cut(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
}

static const char *scalar0(struct fy_node *n) { return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL; }

/* Walk key path @p path ("plans[Kitchen].bids.ordinary", "shops[0].name")
 * from @p root as far as it goes. Returns the node at the end, or NULL;
 * *deepest is the last node reached on the way, and @p canon (if not NULL)
 * the path with list items by index ("plans[1].bids.ordinary"), the parts
 * not found copied as written. */
static struct fy_node *walk(struct fy_node *root, const char *path, struct fy_node **deepest, char *canon, size_t cap) {
  struct fy_node *n = root;
  const char *p = path;
  size_t len = 0;
  char part[256];
  *deepest = root;
  if (canon && cap) canon[0] = '\0';
#define CANON(...) do { if (canon && len < cap) len += (size_t)snprintf(canon + len, cap - len, __VA_ARGS__); } while (0)
  while (*p && n) {
    if (*p == '[') {
      const char *close = strchr(p, ']');
      size_t l = close ? (size_t)(close - p - 1) : 0;
      if (!close || l == 0 || l >= sizeof part) break;
      memcpy(part, p + 1, l);
      part[l] = '\0';
      p = close + 1;
      struct fy_node *item = NULL;
      int index = -1;
      char *end;
      long i = strtol(part, &end, 10);
      if (fy_node_is_sequence(n) && *end == '\0' && i >= 0 && i < (1L << 24)) {
        item = fy_node_sequence_get_by_index(n, (int)i);
        index = (int)i;
      } else if (fy_node_is_sequence(n)) {
        void *it = NULL;
        struct fy_node *c;
        for (int k = 0; !item && (c = fy_node_sequence_iterate(n, &it)) != NULL; k++) {
          const char *nm = scalar0(bidsim__get(c, "name"));
          if (nm && !strcmp(nm, part)) { item = c; index = k; }
        }
      }
      if (item == NULL) { CANON("[%s]%s", part, p); n = NULL; break; }
      CANON("[%d]", index);
      n = item;
    } else {
      if (*p == '.') { p++; CANON("."); continue; }
      size_t l = strcspn(p, ".[");
      if (l == 0 || l >= sizeof part) break;
      memcpy(part, p, l);
      part[l] = '\0';
      p += l;
      struct fy_node *v = fy_node_is_mapping(n) ? bidsim__get(n, part) : NULL;
      if (v == NULL) { CANON("%s%s", part, p); n = NULL; break; }
      CANON("%s", part);
      n = v;
    }
    *deepest = n;
  }
#undef CANON
  return *p ? NULL : n;
}

/* The number of leading parts ("plans", "[1]", "bids", ...) two key paths share. */
static int common_parts(const char *a, const char *b) {
  int parts = 0;
  while (*a && *a == *b) {
    size_t la = strcspn(a + 1, ".[") + 1, lb = strcspn(b + 1, ".[") + 1;
    if (la != lb || memcmp(a, b, la)) break;
    parts++;
    a += la;
    b += lb;
    if (*a == '.') a++;
    if (*b == '.') b++;
  }
  return parts;
}

/* Is @p key the swept key @p swept or inside it? */
static bool within(const char *key, const char *swept) {
  size_t n = strlen(swept);
  return !strncmp(key, swept, n) && (key[n] == '\0' || key[n] == '.' || key[n] == '[');
}

int bidsim__sweep_report_init(bidsim__sweep_report_t *r, ctx_t *c, const bidsim_scenario_t *base, struct fy_node *root,
                              struct fy_node *keys, const char *mode) {
  memset(r, 0, sizeof *r);
  r->c = c;
  r->base = base;
  r->root = root;
  r->mode = mode;
  const uint32_t K = base->sweep_key_count;
  r->canon = bidsim_calloc(K ? K : 1, sizeof *r->canon);
  r->key_node = bidsim_calloc(K ? K : 1, sizeof *r->key_node);
  r->values = bidsim_calloc(K ? K : 1, sizeof *r->values);
  if (!r->canon || !r->key_node || !r->values) return BIDSIM_ENOMEM;
  void *it = NULL;
  struct fy_node_pair *pr;
  for (uint32_t k = 0; k < K && (pr = fy_node_mapping_iterate(keys, &it)) != NULL; k++) {
    struct fy_node *deepest;
    r->key_node[k] = fy_node_pair_key(pr);
    r->values[k] = fy_node_pair_value(pr);
    walk(root, base->sweep_keys[k], &deepest, r->canon[k], sizeof r->canon[k]);
  }
  /* the file's own value of a swept key is in no point: its warnings go */
  bidsim_scenario_notes_t *l = c->opt ? c->opt->notes : NULL;
  const size_t plen = strlen(c->path);
  uint32_t kept = 0;
  for (uint32_t i = 0; l && i < l->count; i++) {
    const char *key = strncmp(l->note[i].where, c->path, plen) ? NULL : strstr(l->note[i].where + plen, ": ");
    bool swept = false;
    for (uint32_t k = 0; key && k < K && !swept; k++) swept = within(key + 2, r->canon[k]);
    if (!swept || l->note[i].kind != BIDSIM_NOTE_WARNING) l->note[kept++] = l->note[i];
  }
  if (l) l->count = kept;
  return BIDSIM_OK;
}

void bidsim__sweep_report_free(bidsim__sweep_report_t *r) {
  bidsim_free(r->canon);
  bidsim_free(r->key_node);
  bidsim_free(r->values);
  memset(r, 0, sizeof *r);
}

void bidsim__sweep_params(const bidsim_scenario_t *base, uint32_t v, char *buf, size_t cap) {
  const uint32_t K = base->sweep_key_count;
  size_t len = 0;
  buf[0] = '\0';
  for (uint32_t k = 0; k < K && len < cap; k++)
    len += (size_t)snprintf(buf + len, cap - len, "%s%s=%s", k ? ", " : "", base->sweep_keys[k],
                            base->sweep_values[(size_t)v * K + k]);
}

/* The list item of key k's values that point v takes (grid: the last key
 * fastest; zip: the v-th), or the range mapping itself. */
static struct fy_node *point_value(const bidsim__sweep_report_t *r, uint32_t v, uint32_t k) {
  struct fy_node *vals = r->values[k];
  if (!fy_node_is_sequence(vals)) return vals;
  uint32_t i = v;
  if (!r->base->sweep_zip) {
    uint32_t rest = v;
    for (uint32_t j = r->base->sweep_key_count; j-- > k;) {
      i = rest % r->base->sweep_list_count[j];
      rest /= r->base->sweep_list_count[j];
    }
  }
  return fy_node_sequence_get_by_index(vals, (int)i);
}

/* A point's "sweep point N:L:C: KEY" as its key; "" when it has none. */
static const char *point_key(const char *where) {
  const char *p = strstr(where, "sweep point ");
  if (p == NULL) return "";
  p += strlen("sweep point ");
  while (*p >= '0' && *p <= '9') p++;
  int line, col, n = 0;
  if (sscanf(p, ":%d:%d: %n", &line, &col, &n) != 2 || n == 0) return "";
  return p + n;
}

/* Where a point's finding about @p key lies in the file: the point's own
 * value when the key is (inside) a swept one; else the key as the file
 * has it, or the nearest part of it the file has; the sweep key sharing
 * most of the path is *sweep_key. */
static mark_t locate(const bidsim__sweep_report_t *r, uint32_t v, const char *key, uint32_t *sweep_key) {
  uint32_t best = 0;
  int best_parts = -1;
  for (uint32_t k = 0; k < r->base->sweep_key_count; k++) {
    if (within(key, r->canon[k]) || within(key, r->base->sweep_keys[k])) {
      *sweep_key = k;
      return bidsim__node_mark(point_value(r, v, k));
    }
    int parts = common_parts(key, r->canon[k]);
    if (parts > best_parts) { best_parts = parts; best = k; }
  }
  *sweep_key = best;
  struct fy_node *deepest = NULL;
  if (key[0] && key[0] != '(') walk(r->root, key, &deepest, NULL, 0);
  mark_t m = deepest && deepest != r->root ? bidsim__node_mark(deepest) : (mark_t){ 0, 0 };
  return m.line ? m : bidsim__node_mark(r->key_node[best]);
}

void bidsim__sweep_report_notes(bidsim__sweep_report_t *r, uint32_t v, const bidsim_scenario_notes_t *pn) {
  char where[160], msg[352];
  for (uint32_t i = 0; pn && i < pn->count; i++) {
    const char *key = point_key(pn->note[i].where);
    uint32_t k;
    mark_t m = locate(r, v, key, &k);
    /* at the swept value itself, or at the file's own: once for every
     * point that has it */
    cut(where, sizeof where, "%s:%d:%d: %s", r->c->path, m.line, m.col, key[0] ? key : r->base->sweep_keys[k]);
    cut(msg, sizeof msg, "%s", pn->note[i].msg);
    const bidsim_scenario_notes_t *l = r->c->opt ? r->c->opt->notes : NULL;
    bool seen = false;
    for (uint32_t j = 0; l && j < l->count && !seen; j++)
      seen = !strcmp(l->note[j].where, where) && !strcmp(l->note[j].msg, msg);
    if (!seen) bidsim__note_add(r->c, pn->note[i].kind, where, msg);
  }
}

void bidsim__sweep_report_bad(bidsim__sweep_report_t *r, uint32_t v, int code, const bidsim_error_t *pe) {
  char params[256], where[160], msg[352];
  bidsim__sweep_params(r->base, v, params, sizeof params);
  const char *key = point_key(pe->where);
  uint32_t k;
  mark_t m = locate(r, v, key, &k);
  cut(where, sizeof where, "%s:%d:%d: %s", r->c->path, m.line, m.col, key[0] ? key : r->base->sweep_keys[k]);
  cut(msg, sizeof msg, "point %u (%s): %s", v, params, pe->msg);
  if (r->bad++ == 0) {
    r->code = code;
    r->first_key = k;
    cut(r->first, sizeof r->first, "%s: %s", where, msg);
  }
  if (r->bad <= SWEEP_BAD_LISTED) bidsim__note_add(r->c, BIDSIM_NOTE_DETAIL, where, msg);
}

int bidsim__sweep_report_fail(bidsim__sweep_report_t *r) {
  const uint32_t k = r->first_key, points = r->base->variant_count;
  char key[320], where[160], msg[96];
  cut(key, sizeof key, "%s.%s", r->mode, r->base->sweep_keys[k]);
  mark_t at = bidsim__node_mark(r->key_node[k]);
  if (r->bad > SWEEP_BAD_LISTED) {
    cut(where, sizeof where, "%s:%d:%d: %s", r->c->path, at.line, at.col, key);
    cut(msg, sizeof msg, "and %u more point%s breaking a rule", r->bad - SWEEP_BAD_LISTED,
        r->bad - SWEEP_BAD_LISTED == 1 ? "" : "s");
    bidsim__note_add(r->c, BIDSIM_NOTE_DETAIL, where, msg);
  }
  /* with a notes list the points follow one per line; without one the
   * first is in the message */
  if (r->c->opt && r->c->opt->notes)
    return bidsim__fail(r->c, at, r->code, key, "%u of %u sweep points %s a rule:", r->bad, points,
                        r->bad == 1 ? "breaks" : "break");
  return bidsim__fail(r->c, at, r->code, key, "%u of %u sweep points %s a rule; the first at %s", r->bad, points,
                      r->bad == 1 ? "breaks" : "break", r->first);
}
