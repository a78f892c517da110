/* sim/scenario_yaml.c - reading scenario YAML: source positions, located
 * errors ("FILE:LINE:COL: key.path" and the rule), typed scalars (numbers,
 * money in exact li, names, dates), key checks and distributions. Every
 * scenario file uses these; none of them knows a section. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

/* ---- the document ------------------------------------------------------- */

/* A single-quoted scalar with a '' escape, from its source span (libfyaml
 * 0.7 loses a buffer of 512 bytes and up each time it forms the text of
 * some of these, so the text is not asked for). */
static bool quote_escaped(struct fy_node *n, const char *text, size_t len) {
  if (fy_node_get_style(n) != FYNS_SINGLE_QUOTED) return false;
  struct fy_token *t = fy_node_get_scalar_token(n);
  const struct fy_mark *a = t ? fy_token_start_mark(t) : NULL, *b = t ? fy_token_end_mark(t) : NULL;
  if (a == NULL || b == NULL || b->input_pos > len || b->input_pos <= a->input_pos) return false;
  /* the token spans the text between the quotes, where a ' can only be
   * half of a '' */
  return memchr(text + a->input_pos, '\'', b->input_pos - a->input_pos) != NULL;
}

/* What scenarios do not use and the loader would read other than written:
 * an alias would be taken for its own name, a tag ignored, and a NUL
 * (written "\0") would end a name early. Refused at their position. */
static int check_nodes(ctx_t *c, struct fy_node *n, const char *text, size_t tlen) {
  if (n == NULL) return BIDSIM_OK;
  if (quote_escaped(n, text, tlen))
    return bidsim__fail_at(c, n, BIDSIM_EPARSE, "(yaml)",
                           "a single-quoted scalar with a '' escape: write it in double quotes (\"it's\"); "
                           "libfyaml 0.7 leaks memory reading these");
  if (fy_node_is_alias(n)) {
    size_t len = 0;
    const char *s = fy_node_get_scalar(n, &len);
    return bidsim__fail_at(c, n, BIDSIM_EPARSE, "(yaml)",
                           "YAML aliases (*%.*s) are not supported in scenarios: write the value out", (int)len,
                           s ? s : "");
  }
  size_t len = 0;
  const char *tag = fy_node_get_tag(n, &len);
  if (tag)
    return bidsim__fail_at(c, n, BIDSIM_EPARSE, "(yaml)", "YAML tags (%.*s) are not supported in scenarios", (int)len,
                           tag);
  int rc = BIDSIM_OK;
  void *it = NULL;
  if (fy_node_is_scalar(n)) {
    const char *s = fy_node_get_scalar(n, &len);
    if (s && memchr(s, '\0', len))
      return bidsim__fail_at(c, n, BIDSIM_EPARSE, "(yaml)", "a scalar contains a NUL character (\\0), which no key or name may hold");
  } else if (fy_node_is_mapping(n)) {
    struct fy_node_pair *p;
    while (!rc && (p = fy_node_mapping_iterate(n, &it)) != NULL)
      if (!(rc = check_nodes(c, fy_node_pair_key(p), text, tlen))) rc = check_nodes(c, fy_node_pair_value(p), text, tlen);
  } else {
    struct fy_node *item;
    while (!rc && (item = fy_node_sequence_iterate(n, &it)) != NULL) rc = check_nodes(c, item, text, tlen);
  }
  return rc;
}

static int syntax_error(ctx_t *c, struct fy_diag *diag) {
  mark_t m = { 0, 0 };
  const char *msg = "invalid YAML";
  void *it = NULL;
  struct fy_diag_error *de = diag ? fy_diag_errors_iterate(diag, &it) : NULL;
  if (de) { m.line = de->line + 1; m.col = de->column + 1; if (de->msg) msg = de->msg; }
  return bidsim__fail(c, m, BIDSIM_EPARSE, "(yaml)", "YAML syntax error: %s", msg);
}

int bidsim__yaml_parse(ctx_t *c, const char *text, size_t len, bidsim__yaml_t *y) {
  memset(y, 0, sizeof *y);
  /* libfyaml 0.8 (Debian 12) can loop forever scanning a malformed '%'
   * directive (found by tests/fuzz; regression inputs in
   * tests/fuzz/regressions/). Scenarios need no directives: refuse them.
   * A line starts after any YAML line break: LF, CR LF, or a CR alone. */
  for (size_t i = 0, line = 1; i < len; i++) {
    if (text[i] == '%' && (i == 0 || text[i - 1] == '\n' || text[i - 1] == '\r')) {
      mark_t m = { (int)line, 1 };
      return bidsim__fail(c, m, BIDSIM_EPARSE, "(yaml)", "YAML directives ('%%YAML', '%%TAG') are not supported in scenarios");
    }
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n'))) line++;
  }
  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.colorize = false;
  y->diag = fy_diag_create(&dcfg);
  if (y->diag) fy_diag_set_collect_errors(y->diag, true);
  struct fy_parse_cfg pcfg = { NULL, FYPCF_QUIET | FYPCF_COLLECT_DIAG, NULL, y->diag };
  y->parser = fy_parser_create(&pcfg);
  if (y->diag == NULL || y->parser == NULL || fy_parser_set_string(y->parser, text, len)) {
    bidsim__yaml_close(y);
    return bidsim__fail(c, (mark_t){ 0, 0 }, BIDSIM_ENOMEM, "(yaml)", "out of memory");
  }
  y->doc = fy_parse_load_document(y->parser);
  void *it = NULL;
  int rc = BIDSIM_OK;
  if (y->doc == NULL && !fy_parser_get_stream_error(y->parser) && !(y->diag && fy_diag_errors_iterate(y->diag, &it)))
    rc = bidsim__fail(c, (mark_t){ 1, 1 }, BIDSIM_ESCHEMA, "(root)", "empty scenario: no keys");   /* no document: nothing or only comments */
  else if (y->doc == NULL)
    rc = syntax_error(c, y->diag);
  /* a second document would be silently ignored: one scenario per file */
  struct fy_document *next = rc ? NULL : fy_parse_load_document(y->parser);
  if (next) {
    const struct fy_mark *m = fy_document_state_start_mark(fy_document_get_document_state(next));
    mark_t at = { m ? m->line + 1 : 0, m ? m->column + 1 : 0 };
    rc = bidsim__fail(c, at, BIDSIM_EPARSE, "(yaml)", "a second YAML document ('---'): a scenario file holds one");
    fy_parse_document_destroy(y->parser, next);
  } else if (!rc && fy_parser_get_stream_error(y->parser)) {
    rc = syntax_error(c, y->diag);
  }
  if (!rc) rc = check_nodes(c, fy_document_root(y->doc), text, len);
  if (rc) bidsim__yaml_close(y);
  return rc;
}

void bidsim__yaml_close(bidsim__yaml_t *y) {
  if (y->doc) fy_parse_document_destroy(y->parser, y->doc);
  if (y->parser) fy_parser_destroy(y->parser);
  if (y->diag) fy_diag_destroy(y->diag);
  memset(y, 0, sizeof *y);
}

/* ---- errors ---------------------------------------------------------- */

mark_t bidsim__node_mark(struct fy_node *n) {
  mark_t m = { 0, 0 };
  if (n == NULL) return m;
  struct fy_token *t = fy_node_get_scalar_token(n);
  if (t == NULL) {
    /* a collection: the position of its first key or item */
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
      struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
      if (p) return bidsim__node_mark(fy_node_pair_key(p));
    } else if (fy_node_is_sequence(n)) {
      struct fy_node *c = fy_node_sequence_iterate(n, &it);
      if (c) return bidsim__node_mark(c);
    }
    return m;
  }
  const struct fy_mark *fm = fy_token_start_mark(t);
  if (fm) { m.line = fm->line + 1; m.col = fm->column + 1; }
  return m;
}

static int failv(ctx_t *c, mark_t m, int code, const char *key, const char *fmt, va_list ap) {
  if (c->err) {
    c->err->code = code;
    int n = snprintf(c->err->where, sizeof c->err->where, "%s:%d:%d: %s", c->path, m.line, m.col, key);
    if (n >= (int)sizeof c->err->where) c->err->where[sizeof c->err->where - 1] = '\0';
    vsnprintf(c->err->msg, sizeof c->err->msg, fmt, ap);
  }
  return code;
}

int bidsim__fail(ctx_t *c, mark_t m, int code, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  failv(c, m, code, key, fmt, ap);
  va_end(ap);
  return code;
}

int bidsim__fail_at(ctx_t *c, struct fy_node *at, int code, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  failv(c, bidsim__node_mark(at), code, key, fmt, ap);
  va_end(ap);
  return code;
}

/* ---- notes ------------------------------------------------------------ */

void bidsim__note_add(const ctx_t *c, bidsim_note_kind_t kind, const char *where, const char *msg) {
  bidsim_scenario_notes_t *l = c->opt ? c->opt->notes : NULL;
  if (l == NULL) return;
  if (l->count >= BIDSIM_NOTES_MAX) { l->dropped++; return; }
  /* grown by doubling; a note that finds no memory is counted as dropped */
  if ((l->count & (l->count - 1)) == 0) {
    bidsim_scenario_note_t *nn = bidsim_realloc(l->note, (l->count ? 2 * (size_t)l->count : 1) * sizeof *nn);
    if (nn == NULL) { l->dropped++; return; }
    l->note = nn;
  }
  bidsim_scenario_note_t *n = &l->note[l->count++];
  n->kind = kind;
  snprintf(n->where, sizeof n->where, "%s", where);
  snprintf(n->msg, sizeof n->msg, "%s", msg);
}

void bidsim__note(const ctx_t *c, bidsim_note_kind_t kind, mark_t m, const char *key, const char *fmt, ...) {
  if (c->opt == NULL || c->opt->notes == NULL) return;
  char where[160], msg[352];
  int n = snprintf(where, sizeof where, "%s:%d:%d: %s", c->path, m.line, m.col, key);
  if (n >= (int)sizeof where) where[sizeof where - 1] = '\0';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  bidsim__note_add(c, kind, where, msg);
}

void bidsim_scenario_notes_free(bidsim_scenario_notes_t *notes) {
  if (notes == NULL) return;
  bidsim_free(notes->note);
  notes->note = NULL;
  notes->count = notes->dropped = 0;
}

/* ---- scalars --------------------------------------------------------- */

const char *bidsim__type_name(struct fy_node *n) {
  if (fy_node_is_mapping(n)) return "a mapping";
  if (fy_node_is_sequence(n)) return "a list";
  return "a scalar";
}

/* The scalar text of n as a NUL-terminated copy in buf, or an error. */
int bidsim__scalar(ctx_t *c, struct fy_node *n, const char *key, char *buf, size_t cap, const char *want) {
  if (!fy_node_is_scalar(n))
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected %s, got %s", want, bidsim__type_name(n));
  size_t len = 0;
  const char *s = fy_node_get_scalar(n, &len);
  if (s == NULL || len >= cap)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected %s of at most %zu characters", want, cap - 1);
  memcpy(buf, s, len);
  buf[len] = '\0';
  return BIDSIM_OK;
}

bool bidsim__plain(struct fy_node *n) { return fy_node_get_style(n) == FYNS_PLAIN; }

const char *bidsim__decimal_problem(const char *s, bool integer) {
  const char *p = s;
  if (!integer && (*p == '+' || *p == '-')) p++;
  const char *digits = p;
  while (isdigit((unsigned char)*p)) p++;
  size_t whole = (size_t)(p - digits);
  size_t frac = 0;
  if (!integer && *p == '.') {
    const char *f = ++p;
    while (isdigit((unsigned char)*p)) p++;
    frac = (size_t)(p - f);
  }
  if (whole + frac == 0) return "not a decimal number";
  if (!integer && (*p == 'e' || *p == 'E')) {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return "not a decimal number";
    while (isdigit((unsigned char)*p)) p++;
  }
  if (*p != '\0') {
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X' || digits[1] == 'o' || digits[1] == 'b'))
      return "hex, octal and binary are not read where a decimal is meant";
    return "not a decimal number";
  }
  if (whole > 1 && digits[0] == '0') return "a leading zero (YAML 1.1 reads it as octal): write the decimal value";
  return NULL;
}

int bidsim__get_double(ctx_t *c, struct fy_node *n, const char *key, double lo, double hi, double *out) {
  char buf[64];
  int rc = bidsim__scalar(c, n, key, buf, sizeof buf, "a number");
  if (rc) return rc;
  char *end;
  errno = 0;
  const char *why = bidsim__decimal_problem(buf, false);
  double v = why ? 0.0 : strtod(buf, &end);
  if (why && bidsim__plain(n))
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected a number, got '%s': %s", buf, why);
  if (!bidsim__plain(n) || why || *end != '\0' || errno || !isfinite(v))
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected a number, got '%s'", buf);
  if (v < lo || v > hi)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "%g is outside the allowed range [%g, %g]", v, lo, hi);
  *out = v;
  return BIDSIM_OK;
}

int bidsim__get_u64(ctx_t *c, struct fy_node *n, const char *key, uint64_t lo, uint64_t hi, uint64_t *out) {
  char buf[64];
  int rc = bidsim__scalar(c, n, key, buf, sizeof buf, "an integer");
  if (rc) return rc;
  char *end;
  errno = 0;
  const char *why = bidsim__decimal_problem(buf, true);
  unsigned long long v = strtoull(buf, &end, 10);
  if (why && bidsim__plain(n) && strcmp(why, "not a decimal number"))
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected a non-negative integer, got '%s': %s", buf, why);
  if (!bidsim__plain(n) || why || *end != '\0' || errno)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected a non-negative integer, got '%s'", buf);
  if (v < lo || v > hi)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "%llu is outside the allowed range [%llu, %llu]", v,
                (unsigned long long)lo, (unsigned long long)hi);
  *out = v;
  return BIDSIM_OK;
}

int bidsim__get_u32(ctx_t *c, struct fy_node *n, const char *key, uint32_t lo, uint32_t hi, uint32_t *out) {
  uint64_t v;
  int rc = bidsim__get_u64(c, n, key, lo, hi, &v);
  if (rc == BIDSIM_OK) *out = (uint32_t)v;
  return rc;
}

int bidsim__get_bool(ctx_t *c, struct fy_node *n, const char *key, bool *out) {
  char buf[16];
  int rc = bidsim__scalar(c, n, key, buf, sizeof buf, "true or false");
  if (rc) return rc;
  if (bidsim__plain(n) && !strcmp(buf, "true")) { *out = true; return BIDSIM_OK; }
  if (bidsim__plain(n) && !strcmp(buf, "false")) { *out = false; return BIDSIM_OK; }
  return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected true or false, got '%s'", buf);
}

int bidsim__get_name(ctx_t *c, struct fy_node *n, const char *key, char out[BIDSIM_NAME_MAX]) {
  int rc = bidsim__scalar(c, n, key, out, BIDSIM_NAME_MAX, "a name");
  if (rc == BIDSIM_OK && out[0] == '\0') return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "a name must not be empty");
  return rc;
}

/* Yuan as written ("1.50") to li, exactly: no binary floating point. */
int bidsim__get_money(ctx_t *c, struct fy_node *n, const char *key, int64_t *out_li) {
  char buf[64];
  int rc = bidsim__scalar(c, n, key, buf, sizeof buf, "an amount in yuan");
  if (rc) return rc;
  const char *s = buf;
  int64_t whole = 0, frac = 0;
  int digits = 0, fd = 0;
  if (!bidsim__plain(n)) goto bad;
  while (isdigit((unsigned char)*s)) {
    if (whole > INT64_MAX / 10000) goto bad;
    whole = whole * 10 + (*s++ - '0');
    digits++;
  }
  if (*s == '.') {
    s++;
    while (isdigit((unsigned char)*s)) {
      if (++fd > 3)
        return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key,
                    "'%s' has more than 3 decimals; amounts are in yuan with at most 0.001 (1 li) precision", buf);
      frac = frac * 10 + (*s++ - '0');
    }
  }
  if (digits == 0 || *s != '\0') goto bad;
  if (digits > 1 && buf[0] == '0')
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "'%s' has a leading zero (YAML 1.1 reads it as octal): write the decimal value", buf);
  while (fd < 3) { frac *= 10; fd++; }
  *out_li = whole * BIDSIM_LI_PER_YUAN + frac;
  return BIDSIM_OK;
bad:
  return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected an amount in yuan such as 1.50, got '%s'", buf);
}

/* A premium as the platform writes it: "+25%". */
static bool looks_like_premium(const char *s, size_t len) {
  return len > 0 && (s[len - 1] == '%' || s[0] == '+');
}

int bidsim__get_bid(ctx_t *c, struct fy_node *n, const char *key, int seg, int64_t base_li, int64_t *bid_li,
                    uint16_t *pct) {
  *pct = 0;
  size_t len = 0;
  const char *s = fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
  if (s == NULL || !looks_like_premium(s, len) || len >= 64) return bidsim__get_money(c, n, key, bid_li);
  char buf[64];
  memcpy(buf, s, len);
  buf[len] = '\0';
  if (seg == BIDSIM_SEG_ORDINARY)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "the base bid is in yuan (such as 1.30), got '%s'; premiums "
                           "(+10%% to +300%%) are for the shop and similar bids", buf);
  if (!bidsim__plain(n) || buf[len - 1] != '%' || (buf[0] != '+' && buf[0] != '-' && !isdigit((unsigned char)buf[0])))
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key,
                           "expected a bid in yuan such as 1.50 or a premium over the base bid such as +25%%, got '%s'", buf);
  if (buf[0] != '+')
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "a premium is written with its sign, +10%% to +300%% above the "
                           "base bid, got '%s'", buf);
  int64_t v = 0;
  size_t i = 1;
  for (; isdigit((unsigned char)buf[i]); i++) v = v < 100000 ? v * 10 + (buf[i] - '0') : v;
  if (i == 1 || i != len - 1)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "premiums are whole percent, as the platform sets them "
                           "(+10%% to +300%%), got '%s'", buf);
  bidsim_error_t e;
  int rc = bidsim_rule_premium_bid(base_li, v, bid_li, key, &e);
  if (rc) return bidsim__fail_at(c, n, rc, key, "%s", e.msg);
  *pct = (uint16_t)v;
  return BIDSIM_OK;
}

/* ---- mappings -------------------------------------------------------- */

/* Checks that every key of map is one of allowed (NULL-terminated). */
int bidsim__check_keys(ctx_t *c, struct fy_node *map, const char *key, const char *const *allowed) {
  return bidsim__check_keys_get(c, map, key, allowed, NULL);
}

int bidsim__check_keys_get(ctx_t *c, struct fy_node *map, const char *key, const char *const *allowed,
                           struct fy_node **found) {
  if (!fy_node_is_mapping(map))
    return bidsim__fail_at(c, map, BIDSIM_ESCHEMA, key, "expected a mapping, got %s", bidsim__type_name(map));
  if (found)
    for (int i = 0; allowed[i]; i++) found[i] = NULL;
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
    struct fy_node *k = fy_node_pair_key(p);
    size_t len = 0;
    const char *s = fy_node_is_scalar(k) ? fy_node_get_scalar(k, &len) : NULL;
    bool ok = false;
    for (int i = 0; s && allowed[i] && !ok; i++)
      if (strlen(allowed[i]) == len && !memcmp(allowed[i], s, len)) {
        ok = true;
        if (found) found[i] = fy_node_pair_value(p);
      }
    if (!ok) {
      char list[256] = "";
      for (int i = 0; allowed[i]; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, allowed[i], sizeof list - strlen(list) - 1);
      }
      return bidsim__fail_at(c, k, BIDSIM_ESCHEMA, key, "unknown key '%.*s' (allowed: %s)", (int)(s ? len : 1),
                  s ? s : "?", list);
    }
  }
  return BIDSIM_OK;
}

/* By the key's text, compared byte for byte: libfyaml's lookup by string
 * parses the name as YAML first (so '"a"' found a, and a malformed name
 * printed to stderr), which no key here needs. */
struct fy_node_pair *bidsim__get_pair(struct fy_node *map, const char *name) {
  if (map == NULL || !fy_node_is_mapping(map)) return NULL;
  const size_t want = strlen(name);
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
    struct fy_node *k = fy_node_pair_key(p);
    size_t len = 0;
    const char *s = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &len) : NULL;
    if (s && len == want && !memcmp(s, name, len)) return p;
  }
  return NULL;
}

struct fy_node *bidsim__get(struct fy_node *map, const char *name) {
  struct fy_node_pair *p = bidsim__get_pair(map, name);
  return p ? fy_node_pair_value(p) : NULL;
}

const char *bidsim__path_item(struct fy_node **n, const char **p) {
  char part[256];
  const char *open = *p, *close = strchr(open, ']');
  if (!close || close - open - 1 <= 0 || (size_t)(close - open - 1) >= sizeof part) return "a '[' without its ']'";
  memcpy(part, open + 1, (size_t)(close - open - 1));
  part[close - open - 1] = '\0';
  const char *next = close + 1;
  if (*next == '.') next++;
  if (!fy_node_is_sequence(*n)) return "an index [...] on something that is not a list";
  char *end;
  long i = strtol(part, &end, 10);
  struct fy_node *item = NULL;
  if (*end == '\0') {
    item = fy_node_sequence_get_by_index(*n, (int)i);
  } else {
    void *it = NULL;
    struct fy_node *c;
    while (!item && (c = fy_node_sequence_iterate(*n, &it)) != NULL) {
      struct fy_node *nm = bidsim__get(c, "name");
      if (nm && fy_node_is_scalar(nm) && !strcmp(fy_node_get_scalar0(nm), part)) item = c;
    }
  }
  if (item == NULL) return "no such list item";
  if (*next == '\0') return "the key must end in a mapping key, not a list item";
  *n = item;
  *p = next;
  return NULL;
}

void bidsim__join(char *out, size_t n, const char *a, const char *b) {
  /* by hand: a load joins a few keys per product, snprintf was a tenth of it */
  size_t la = strlen(a), lb = strlen(b), k = 0;
  if (n == 0) return;
  for (size_t i = 0; i < la && k + 1 < n; i++) out[k++] = a[i];
  if (la && k + 1 < n) out[k++] = '.';
  for (size_t i = 0; i < lb && k + 1 < n; i++) out[k++] = b[i];
  out[k] = '\0';
}

/* Reads key `name` of map as a double if present. */
int bidsim__opt_double(ctx_t *c, struct fy_node *map, const char *parent, const char *name, double lo, double hi,
                      double *out) {
  struct fy_node *n = bidsim__get(map, name);
  if (n == NULL) return BIDSIM_OK;
  char key[160];
  bidsim__join(key, sizeof key, parent, name);
  return bidsim__get_double(c, n, key, lo, hi, out);
}

int bidsim__opt_u32(ctx_t *c, struct fy_node *map, const char *parent, const char *name, uint32_t lo, uint32_t hi,
                   uint32_t *out) {
  struct fy_node *n = bidsim__get(map, name);
  if (n == NULL) return BIDSIM_OK;
  char key[160];
  bidsim__join(key, sizeof key, parent, name);
  return bidsim__get_u32(c, n, key, lo, hi, out);
}

/* {ordinary: x, shop: y, similar: z}: each optional. */
int bidsim__segment_map(ctx_t *c, struct fy_node *n, const char *key, double lo, double hi, double out[BIDSIM_SEG_COUNT]) {
  static const char *const keys[] = { "ordinary", "shop", "similar", NULL };
  int rc = bidsim__check_keys(c, n, key, keys);
  for (int s = 0; s < BIDSIM_SEG_COUNT && !rc; s++) rc = bidsim__opt_double(c, n, key, keys[s], lo, hi, &out[s]);
  return rc;
}

/* {dist: fixed, value: x} | {dist: uniform, min: a, max: b} | {dist: lognormal, median: a, sigma: b} */
int bidsim__dist(ctx_t *c, struct fy_node *n, const char *key, double lo, double hi, bidsim_dist_t *out) {
  static const char *const keys[] = { "dist", "value", "min", "max", "median", "sigma", NULL };
  int rc = bidsim__check_keys(c, n, key, keys);
  if (rc) return rc;
  struct fy_node *d = bidsim__get(n, "dist");
  char kind[32], sub[160];
  bidsim__join(sub, sizeof sub, key, "dist");
  if (d == NULL) return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "missing 'dist' (fixed, uniform or lognormal)");
  if ((rc = bidsim__scalar(c, d, sub, kind, sizeof kind, "fixed, uniform or lognormal"))) return rc;
  const char *need[2];
  if (!strcmp(kind, "fixed")) { out->kind = BIDSIM_DIST_FIXED; need[0] = "value"; need[1] = NULL; }
  else if (!strcmp(kind, "uniform")) { out->kind = BIDSIM_DIST_UNIFORM; need[0] = "min"; need[1] = "max"; }
  else if (!strcmp(kind, "lognormal")) { out->kind = BIDSIM_DIST_LOGNORMAL; need[0] = "median"; need[1] = "sigma"; }
  else return bidsim__fail_at(c, d, BIDSIM_ESCHEMA, sub, "unknown distribution '%s' (fixed, uniform or lognormal)", kind);
  /* only the parameters of this distribution may appear */
  for (int i = 1; keys[i]; i++) {
    bool wanted = (need[0] && !strcmp(keys[i], need[0])) || (need[1] && !strcmp(keys[i], need[1]));
    struct fy_node *p = bidsim__get(n, keys[i]);
    if (p && !wanted) {
      bidsim__join(sub, sizeof sub, key, keys[i]);
      return bidsim__fail_at(c, p, BIDSIM_ESCHEMA, sub, "'%s' does not apply to a %s distribution", keys[i], kind);
    }
    if (!p && wanted) return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "a %s distribution needs '%s'", kind, keys[i]);
  }
  out->a = out->b = 0.0;
  if (out->kind == BIDSIM_DIST_FIXED) return bidsim__opt_double(c, n, key, "value", lo, hi, &out->a);
  if (out->kind == BIDSIM_DIST_UNIFORM) {
    if ((rc = bidsim__opt_double(c, n, key, "min", lo, hi, &out->a)) || (rc = bidsim__opt_double(c, n, key, "max", lo, hi, &out->b)))
      return rc;
    if (out->b < out->a) return bidsim__fail_at(c, bidsim__get(n, "max"), BIDSIM_ESCHEMA, key, "max %g is below min %g", out->b, out->a);
    return BIDSIM_OK;
  }
  if ((rc = bidsim__opt_double(c, n, key, "median", lo, hi, &out->a))) return rc;
  return bidsim__opt_double(c, n, key, "sigma", 0.0, 5.0, &out->b);
}

int bidsim__get_date(ctx_t *c, struct fy_node *n, const char *key, bidsim_date_t *out) {
  char buf[32];
  int rc = bidsim__scalar(c, n, key, buf, sizeof buf, "a date YYYY-MM-DD");
  if (rc) return rc;
  int y, m, d;
  char tail;
  if (sscanf(buf, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
      bidsim__civil_from_days(bidsim__days_from_civil(y, m, d)).day != d)
    return bidsim__fail_at(c, n, BIDSIM_ESCHEMA, key, "expected a calendar date YYYY-MM-DD, got '%s'", buf);
  out->year = y; out->month = m; out->day = d;
  return BIDSIM_OK;
}
