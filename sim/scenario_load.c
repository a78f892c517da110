/* sim/scenario_load.c - the only code that parses scenario YAML (libfyaml).
 * Every key is checked (unknown keys, wrong types and out-of-range values
 * are errors with file:line:column and the key path). Platform rules are
 * not re-implemented here: the listed shops, products and plans are loaded
 * into a throwaway engine market, and the engine's own errors are mapped
 * back to the key that caused them. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfyaml.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"
#include "sim/strategy_plugin.h"

/* DOMAIN.md §3 default diurnal shares, percent, hour 0 first. */
static const double default_diurnal[BIDSIM_HOURS] = { 4.7, 3.0, 1.7, 1.1, 0.9, 1.0, 1.6, 2.8, 3.8, 4.6, 4.9, 4.9,
                                                       5.1, 4.9, 4.6, 4.6, 4.7, 4.6, 4.8, 5.5, 6.4, 7.0, 6.8, 6.0 };

typedef struct { int line, col; } mark_t;   /* 1-based; 0 = unknown */

/* Where each listed plan's fields came from, for engine errors. */
typedef struct {
  mark_t name, cap, quality, bids[BIDSIM_SEG_COUNT], self;
  mark_t *products;
} plan_marks_t;

typedef struct {
  const char *path;
  bidsim_error_t *err;
  bidsim_scenario_t *sc;
  plan_marks_t *pm;
  mark_t *product_marks;   /* per shop, per product (flattened) */
} ctx_t;

/* ---- errors ---------------------------------------------------------- */

static mark_t node_mark(struct fy_node *n) {
  mark_t m = { 0, 0 };
  if (n == NULL) return m;
  struct fy_token *t = fy_node_get_scalar_token(n);
  if (t == NULL) {
    /* a collection: the position of its first key or item */
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
      struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
      if (p) return node_mark(fy_node_pair_key(p));
    } else if (fy_node_is_sequence(n)) {
      struct fy_node *c = fy_node_sequence_iterate(n, &it);
      if (c) return node_mark(c);
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

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int fail(ctx_t *c, mark_t m, int code, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  failv(c, m, code, key, fmt, ap);
  va_end(ap);
  return code;
}

/* ---- scalars --------------------------------------------------------- */

static const char *type_name(struct fy_node *n) {
  if (fy_node_is_mapping(n)) return "a mapping";
  if (fy_node_is_sequence(n)) return "a list";
  return "a scalar";
}

/* The scalar text of n as a NUL-terminated copy in buf, or an error. */
static int scalar(ctx_t *c, struct fy_node *n, const char *key, char *buf, size_t cap, const char *want) {
  if (!fy_node_is_scalar(n))
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "expected %s, got %s", want, type_name(n));
  size_t len = 0;
  const char *s = fy_node_get_scalar(n, &len);
  if (s == NULL || len >= cap)
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "expected %s of at most %zu characters", want, cap - 1);
  memcpy(buf, s, len);
  buf[len] = '\0';
  return BIDSIM_OK;
}

static bool plain(struct fy_node *n) { return fy_node_get_style(n) == FYNS_PLAIN; }

static int get_double(ctx_t *c, struct fy_node *n, const char *key, double lo, double hi, double *out) {
  char buf[64];
  int rc = scalar(c, n, key, buf, sizeof buf, "a number");
  if (rc) return rc;
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  if (!plain(n) || buf[0] == '\0' || *end != '\0' || errno || !isfinite(v))
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "expected a number, got '%s'", buf);
  if (v < lo || v > hi)
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "%g is outside the allowed range [%g, %g]", v, lo, hi);
  *out = v;
  return BIDSIM_OK;
}

static int get_u64(ctx_t *c, struct fy_node *n, const char *key, uint64_t lo, uint64_t hi, uint64_t *out) {
  char buf[64];
  int rc = scalar(c, n, key, buf, sizeof buf, "an integer");
  if (rc) return rc;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(buf, &end, 10);
  if (!plain(n) || !isdigit((unsigned char)buf[0]) || *end != '\0' || errno)
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "expected a non-negative integer, got '%s'", buf);
  if (v < lo || v > hi)
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "%llu is outside the allowed range [%llu, %llu]", v,
                (unsigned long long)lo, (unsigned long long)hi);
  *out = v;
  return BIDSIM_OK;
}

static int get_u32(ctx_t *c, struct fy_node *n, const char *key, uint32_t lo, uint32_t hi, uint32_t *out) {
  uint64_t v;
  int rc = get_u64(c, n, key, lo, hi, &v);
  if (rc == BIDSIM_OK) *out = (uint32_t)v;
  return rc;
}

static int get_bool(ctx_t *c, struct fy_node *n, const char *key, bool *out) {
  char buf[16];
  int rc = scalar(c, n, key, buf, sizeof buf, "true or false");
  if (rc) return rc;
  if (plain(n) && !strcmp(buf, "true")) { *out = true; return BIDSIM_OK; }
  if (plain(n) && !strcmp(buf, "false")) { *out = false; return BIDSIM_OK; }
  return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "expected true or false, got '%s'", buf);
}

static int get_name(ctx_t *c, struct fy_node *n, const char *key, char out[BIDSIM_NAME_MAX]) {
  int rc = scalar(c, n, key, out, BIDSIM_NAME_MAX, "a name");
  if (rc == BIDSIM_OK && out[0] == '\0') return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "a name must not be empty");
  return rc;
}

/* Yuan as written ("1.50") to li, exactly: no binary floating point. */
static int get_money(ctx_t *c, struct fy_node *n, const char *key, int64_t *out_li) {
  char buf[64];
  int rc = scalar(c, n, key, buf, sizeof buf, "an amount in yuan");
  if (rc) return rc;
  const char *s = buf;
  int64_t whole = 0, frac = 0;
  int digits = 0, fd = 0;
  if (!plain(n)) goto bad;
  while (isdigit((unsigned char)*s)) {
    if (whole > INT64_MAX / 10000) goto bad;
    whole = whole * 10 + (*s++ - '0');
    digits++;
  }
  if (*s == '.') {
    s++;
    while (isdigit((unsigned char)*s)) {
      if (++fd > 3)
        return fail(c, node_mark(n), BIDSIM_ESCHEMA, key,
                    "'%s' has more than 3 decimals; amounts are in yuan with at most 0.001 (1 li) precision", buf);
      frac = frac * 10 + (*s++ - '0');
    }
  }
  if (digits == 0 || *s != '\0') goto bad;
  while (fd < 3) { frac *= 10; fd++; }
  *out_li = whole * BIDSIM_LI_PER_YUAN + frac;
  return BIDSIM_OK;
bad:
  return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "expected an amount in yuan such as 1.50, got '%s'", buf);
}

/* ---- mappings -------------------------------------------------------- */

/* Checks that every key of map is one of allowed (NULL-terminated). */
static int check_keys(ctx_t *c, struct fy_node *map, const char *key, const char *const *allowed) {
  if (!fy_node_is_mapping(map))
    return fail(c, node_mark(map), BIDSIM_ESCHEMA, key, "expected a mapping, got %s", type_name(map));
  void *it = NULL;
  struct fy_node_pair *p;
  while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
    struct fy_node *k = fy_node_pair_key(p);
    size_t len = 0;
    const char *s = fy_node_is_scalar(k) ? fy_node_get_scalar(k, &len) : NULL;
    bool ok = false;
    for (int i = 0; s && allowed[i]; i++)
      if (strlen(allowed[i]) == len && !memcmp(allowed[i], s, len)) ok = true;
    if (!ok) {
      char list[256] = "";
      for (int i = 0; allowed[i]; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, allowed[i], sizeof list - strlen(list) - 1);
      }
      return fail(c, node_mark(k), BIDSIM_ESCHEMA, key, "unknown key '%.*s' (allowed: %s)", (int)(s ? len : 1),
                  s ? s : "?", list);
    }
  }
  return BIDSIM_OK;
}

static struct fy_node *get(struct fy_node *map, const char *name) {
  return fy_node_mapping_lookup_by_string(map, name, FY_NT);
}

static void join(char *out, size_t n, const char *a, const char *b) {
  int k = snprintf(out, n, "%s%s%s", a, a[0] ? "." : "", b);
  if (k >= (int)n) out[n - 1] = '\0';
}

/* Reads key `name` of map as a double if present. */
static int opt_double(ctx_t *c, struct fy_node *map, const char *parent, const char *name, double lo, double hi,
                      double *out) {
  struct fy_node *n = get(map, name);
  if (n == NULL) return BIDSIM_OK;
  char key[160];
  join(key, sizeof key, parent, name);
  return get_double(c, n, key, lo, hi, out);
}

static int opt_u32(ctx_t *c, struct fy_node *map, const char *parent, const char *name, uint32_t lo, uint32_t hi,
                   uint32_t *out) {
  struct fy_node *n = get(map, name);
  if (n == NULL) return BIDSIM_OK;
  char key[160];
  join(key, sizeof key, parent, name);
  return get_u32(c, n, key, lo, hi, out);
}

/* {ordinary: x, shop: y, similar: z}: each optional. */
static int segment_map(ctx_t *c, struct fy_node *n, const char *key, double lo, double hi, double out[BIDSIM_SEG_COUNT]) {
  static const char *const keys[] = { "ordinary", "shop", "similar", NULL };
  int rc = check_keys(c, n, key, keys);
  for (int s = 0; s < BIDSIM_SEG_COUNT && !rc; s++) rc = opt_double(c, n, key, keys[s], lo, hi, &out[s]);
  return rc;
}

/* {dist: fixed, value: x} | {dist: uniform, min: a, max: b} | {dist: lognormal, median: a, sigma: b} */
static int dist(ctx_t *c, struct fy_node *n, const char *key, double lo, double hi, bidsim_dist_t *out) {
  static const char *const keys[] = { "dist", "value", "min", "max", "median", "sigma", NULL };
  int rc = check_keys(c, n, key, keys);
  if (rc) return rc;
  struct fy_node *d = get(n, "dist");
  char kind[32], sub[160];
  join(sub, sizeof sub, key, "dist");
  if (d == NULL) return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "missing 'dist' (fixed, uniform or lognormal)");
  if ((rc = scalar(c, d, sub, kind, sizeof kind, "fixed, uniform or lognormal"))) return rc;
  const char *need[2];
  if (!strcmp(kind, "fixed")) { out->kind = BIDSIM_DIST_FIXED; need[0] = "value"; need[1] = NULL; }
  else if (!strcmp(kind, "uniform")) { out->kind = BIDSIM_DIST_UNIFORM; need[0] = "min"; need[1] = "max"; }
  else if (!strcmp(kind, "lognormal")) { out->kind = BIDSIM_DIST_LOGNORMAL; need[0] = "median"; need[1] = "sigma"; }
  else return fail(c, node_mark(d), BIDSIM_ESCHEMA, sub, "unknown distribution '%s' (fixed, uniform or lognormal)", kind);
  /* only the parameters of this distribution may appear */
  for (int i = 1; keys[i]; i++) {
    bool wanted = (need[0] && !strcmp(keys[i], need[0])) || (need[1] && !strcmp(keys[i], need[1]));
    struct fy_node *p = get(n, keys[i]);
    if (p && !wanted) {
      join(sub, sizeof sub, key, keys[i]);
      return fail(c, node_mark(p), BIDSIM_ESCHEMA, sub, "'%s' does not apply to a %s distribution", keys[i], kind);
    }
    if (!p && wanted) return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "a %s distribution needs '%s'", kind, keys[i]);
  }
  out->a = out->b = 0.0;
  if (out->kind == BIDSIM_DIST_FIXED) return opt_double(c, n, key, "value", lo, hi, &out->a);
  if (out->kind == BIDSIM_DIST_UNIFORM) {
    if ((rc = opt_double(c, n, key, "min", lo, hi, &out->a)) || (rc = opt_double(c, n, key, "max", lo, hi, &out->b)))
      return rc;
    if (out->b < out->a) return fail(c, node_mark(get(n, "max")), BIDSIM_ESCHEMA, key, "max %g is below min %g", out->b, out->a);
    return BIDSIM_OK;
  }
  if ((rc = opt_double(c, n, key, "median", lo, hi, &out->a))) return rc;
  return opt_double(c, n, key, "sigma", 0.0, 5.0, &out->b);
}

/* ---- dates ------------------------------------------------------------- */

static int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static bidsim_date_t civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  bidsim_date_t r;
  r.day = (int)(doy - (153 * mp + 2) / 5 + 1);
  r.month = (int)(mp < 10 ? mp + 3 : mp - 9);
  r.year = (int)(yoe + era * 400 + (r.month <= 2));
  return r;
}

void bidsim_scenario_day_label(const bidsim_scenario_t *sc, uint32_t day, char buf[16]) {
  bidsim_date_t d = civil_from_days(days_from_civil(sc->start_date.year, sc->start_date.month, sc->start_date.day) + day);
  snprintf(buf, 16, "%04d-%02d-%02d", d.year % 10000, d.month % 100, d.day % 100);
}

static int get_date(ctx_t *c, struct fy_node *n, const char *key, bidsim_date_t *out) {
  char buf[32];
  int rc = scalar(c, n, key, buf, sizeof buf, "a date YYYY-MM-DD");
  if (rc) return rc;
  int y, m, d;
  char tail;
  if (sscanf(buf, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
      civil_from_days(days_from_civil(y, m, d)).day != d)
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "expected a calendar date YYYY-MM-DD, got '%s'", buf);
  out->year = y; out->month = m; out->day = d;
  return BIDSIM_OK;
}

/* ---- sections ---------------------------------------------------------- */

static int load_auction(ctx_t *c, struct fy_node *n) {
  static const char *const keys[] = { "mechanism", "slots", "reserve", "increment", "examination_eta",
                                      "position_weights", "strict_caps", "quality_model", "quality", NULL };
  bidsim_scenario_t *sc = c->sc;
  int rc = check_keys(c, n, "auction", keys);
  if (rc) return rc;
  struct fy_node *v;
  char buf[32];
  if ((v = get(n, "mechanism"))) {
    if ((rc = scalar(c, v, "auction.mechanism", buf, sizeof buf, "gsp, vcg or first"))) return rc;
    int m = bidsim_mechanism_parse(buf);
    if (m < 0) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "auction.mechanism", "unknown mechanism '%s' (gsp, vcg or first)", buf);
    sc->auction.mechanism = (bidsim_mechanism_t)m;
  }
  if ((rc = opt_u32(c, n, "auction", "slots", 1, BIDSIM_MAX_SLOTS, &sc->auction.slots))) return rc;
  if ((v = get(n, "reserve")) && (rc = get_money(c, v, "auction.reserve", &sc->auction.reserve_li))) return rc;
  if ((v = get(n, "increment")) && (rc = get_money(c, v, "auction.increment", &sc->auction.increment_li))) return rc;
  if ((rc = opt_double(c, n, "auction", "examination_eta", 0.0, 10.0, &sc->examination_eta))) return rc;
  for (uint32_t k = 0; k < BIDSIM_MAX_SLOTS; k++)
    sc->auction.position_weight_ppm[k] = (uint32_t)llround(1e6 * pow(1.0 / (k + 1), sc->examination_eta));
  if ((v = get(n, "position_weights"))) {
    if (!fy_node_is_sequence(v)) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "auction.position_weights", "expected a list of numbers in (0, 1]");
    int cnt = fy_node_sequence_item_count(v);
    if (cnt < (int)sc->auction.slots || cnt > BIDSIM_MAX_SLOTS)
      return fail(c, node_mark(v), BIDSIM_ESCHEMA, "auction.position_weights", "expected %u to %d weights (one per slot), got %d",
                  sc->auction.slots, BIDSIM_MAX_SLOTS, cnt);
    void *it = NULL;
    struct fy_node *item;
    double prev = 1.0;
    for (int k = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; k++) {
      char key[64];
      snprintf(key, sizeof key, "auction.position_weights[%d]", k);
      double w;
      if ((rc = get_double(c, item, key, 1e-6, 1.0, &w))) return rc;
      if (w > prev) return fail(c, node_mark(item), BIDSIM_ESCHEMA, key, "weight %g exceeds the weight %g of the slot above", w, prev);
      prev = w;
      sc->auction.position_weight_ppm[k] = (uint32_t)llround(w * 1e6);
    }
    for (int k = cnt; k < BIDSIM_MAX_SLOTS; k++) sc->auction.position_weight_ppm[k] = sc->auction.position_weight_ppm[cnt - 1];
  }
  if ((v = get(n, "strict_caps")) && (rc = get_bool(c, v, "auction.strict_caps", &sc->strict_caps))) return rc;
  if ((v = get(n, "quality_model"))) {
    if ((rc = scalar(c, v, "auction.quality_model", buf, sizeof buf, "ctr or fixed"))) return rc;
    if (!strcmp(buf, "ctr")) sc->quality_model = BIDSIM_QUALITY_CTR;
    else if (!strcmp(buf, "fixed")) sc->quality_model = BIDSIM_QUALITY_FIXED;
    else return fail(c, node_mark(v), BIDSIM_ESCHEMA, "auction.quality_model", "unknown quality model '%s' (ctr or fixed)", buf);
  }
  if ((rc = opt_u32(c, n, "auction", "quality", BIDSIM_QUALITY_MIN, BIDSIM_QUALITY_MAX, &sc->quality_fixed))) return rc;
  bidsim_error_t e;
  if (bidsim_auction_config_check(&sc->auction, &e))
    return fail(c, node_mark(n), e.code == BIDSIM_EINVAL ? BIDSIM_ESCHEMA : e.code, e.where, "%s", e.msg);
  return BIDSIM_OK;
}

static int find_category(const bidsim_scenario_t *sc, const char *name) {
  for (uint32_t i = 0; i < sc->category_count; i++)
    if (!strcmp(sc->category_names[i], name)) return (int)i;
  return -1;
}

/* Double 11 (DOMAIN.md §3): warm-up Nov 1-10, burst Nov 11, after-heat
 * Nov 12-14 of every year the run covers, as day ranges of this run. */
static int add_double11(ctx_t *c, mark_t at) {
  bidsim_scenario_t *sc = c->sc;
  int64_t d0 = days_from_civil(sc->start_date.year, sc->start_date.month, sc->start_date.day);
  static const struct { const char *name; int first, last; double traffic, ctr, cvr, night; } ph[3] = {
    { "double11-warmup", 1, 10, 1.3, 1.1, 0.7, 1.0 },
    { "double11-burst", 11, 11, 12.0, 1.2, 2.5, 2.2 },
    { "double11-afterheat", 12, 14, 2.0, 1.0, 1.3, 1.0 },
  };
  for (int y = sc->start_date.year; y <= civil_from_days(d0 + sc->days).year; y++)
    for (int i = 0; i < 3; i++) {
      int64_t a = days_from_civil(y, 11, ph[i].first) - d0, b = days_from_civil(y, 11, ph[i].last) - d0;
      if (b < 0 || a >= (int64_t)sc->days) continue;
      bidsim_sc_phase_t *np = bidsim_realloc(sc->phases, (sc->phase_count + 1) * sizeof *np);
      if (np == NULL) return fail(c, at, BIDSIM_ENOMEM, "traffic.preset", "out of memory");
      sc->phases = np;
      bidsim_sc_phase_t *p = &sc->phases[sc->phase_count++];
      memset(p, 0, sizeof *p);
      snprintf(p->name, sizeof p->name, "%s", ph[i].name);
      p->first_day = (uint32_t)(a < 0 ? 0 : a);
      p->last_day = (uint32_t)(b >= (int64_t)sc->days ? sc->days - 1 : b);
      p->traffic_mult = ph[i].traffic;
      p->ctr_mult = ph[i].ctr;
      p->cvr_mult = ph[i].cvr;
      /* the burst's night: hours 0-3 at over twice their usual share */
      for (int h = 0; h < BIDSIM_HOURS; h++) p->hour_mult[h] = h < 4 ? ph[i].night : 1.0;
    }
  return BIDSIM_OK;
}

static int load_phase(ctx_t *c, struct fy_node *n, uint32_t i) {
  static const char *const keys[] = { "name", "first_day", "last_day", "traffic_mult", "ctr_mult", "cvr_mult",
                                      "hour_mult", NULL };
  char key[64];
  snprintf(key, sizeof key, "traffic.phases[%u]", i);
  int rc = check_keys(c, n, key, keys);
  if (rc) return rc;
  bidsim_sc_phase_t *p = &c->sc->phases[i];
  memset(p, 0, sizeof *p);
  p->traffic_mult = p->ctr_mult = p->cvr_mult = 1.0;
  for (int h = 0; h < BIDSIM_HOURS; h++) p->hour_mult[h] = 1.0;
  struct fy_node *v = get(n, "name");
  char sub[96];
  snprintf(p->name, sizeof p->name, "phase%u", i);
  if (v) { join(sub, sizeof sub, key, "name"); if ((rc = get_name(c, v, sub, p->name))) return rc; }
  if (!get(n, "first_day") || !get(n, "last_day"))
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "a phase needs first_day and last_day (day indices from start_date)");
  if ((rc = opt_u32(c, n, key, "first_day", 0, 100000, &p->first_day)) ||
      (rc = opt_u32(c, n, key, "last_day", 0, 100000, &p->last_day)) ||
      (rc = opt_double(c, n, key, "traffic_mult", 0.0, 1000.0, &p->traffic_mult)) ||
      (rc = opt_double(c, n, key, "ctr_mult", 0.0, 100.0, &p->ctr_mult)) ||
      (rc = opt_double(c, n, key, "cvr_mult", 0.0, 100.0, &p->cvr_mult)))
    return rc;
  if (p->last_day < p->first_day)
    return fail(c, node_mark(get(n, "last_day")), BIDSIM_ESCHEMA, key, "last_day %u is before first_day %u", p->last_day, p->first_day);
  if ((v = get(n, "hour_mult"))) {
    join(sub, sizeof sub, key, "hour_mult");
    if (!fy_node_is_mapping(v)) return fail(c, node_mark(v), BIDSIM_ESCHEMA, sub, "expected a mapping hour: multiplier");
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
      uint32_t h;
      double m;
      if ((rc = get_u32(c, fy_node_pair_key(pr), sub, 0, 23, &h)) ||
          (rc = get_double(c, fy_node_pair_value(pr), sub, 0.0, 100.0, &m)))
        return rc;
      p->hour_mult[h] = m;
    }
  }
  return BIDSIM_OK;
}

static int load_traffic(ctx_t *c, struct fy_node *n) {
  static const char *const keys[] = { "impressions_per_day", "diurnal", "segments", "categories", "noise",
                                      "dispersion", "phases", "preset", NULL };
  bidsim_scenario_t *sc = c->sc;
  int rc = check_keys(c, n, "traffic", keys);
  if (rc) return rc;
  struct fy_node *v = get(n, "impressions_per_day");
  if (v == NULL) return fail(c, node_mark(n), BIDSIM_ESCHEMA, "traffic", "missing required key 'impressions_per_day'");
  if ((rc = get_double(c, v, "traffic.impressions_per_day", 1.0, 1e11, &sc->impressions_per_day))) return rc;
  if ((v = get(n, "diurnal"))) {
    if (!fy_node_is_sequence(v) || fy_node_sequence_item_count(v) != BIDSIM_HOURS)
      return fail(c, node_mark(v), BIDSIM_ESCHEMA, "traffic.diurnal", "expected a list of 24 shares (hour 0 first)");
    void *it = NULL;
    struct fy_node *item;
    double sum = 0.0;
    for (int h = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; h++) {
      char key[48];
      snprintf(key, sizeof key, "traffic.diurnal[%d]", h);
      if ((rc = get_double(c, item, key, 0.0, 1e9, &sc->diurnal[h]))) return rc;
      sum += sc->diurnal[h];
    }
    if (sum <= 0) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "traffic.diurnal", "the 24 shares sum to zero");
  }
  double dsum = 0.0;
  for (int h = 0; h < BIDSIM_HOURS; h++) dsum += sc->diurnal[h];
  /* shares already summing to 1 (a resolved scenario) stay bit for bit */
  if (fabs(dsum - 1.0) > 1e-12)
    for (int h = 0; h < BIDSIM_HOURS; h++) sc->diurnal[h] /= dsum;
  if ((v = get(n, "segments"))) {
    if ((rc = segment_map(c, v, "traffic.segments", 0.0, 1.0, sc->segment_shares))) return rc;
    double s = sc->segment_shares[0] + sc->segment_shares[1] + sc->segment_shares[2];
    if (fabs(s - 1.0) > 1e-9) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "traffic.segments", "segment shares sum to %g, not 1", s);
  }
  if ((v = get(n, "categories"))) {
    int cnt = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : -1;
    if (cnt < 1 || cnt > 4096)
      return fail(c, node_mark(v), BIDSIM_ESCHEMA, "traffic.categories", "expected a list of 1 to 4096 {name, share}");
    bidsim_free(sc->category_names);
    bidsim_free(sc->category_shares);
    sc->category_names = bidsim_calloc((size_t)cnt, sizeof *sc->category_names);
    sc->category_shares = bidsim_calloc((size_t)cnt, sizeof *sc->category_shares);
    sc->category_count = 0;
    if (!sc->category_names || !sc->category_shares) return fail(c, node_mark(v), BIDSIM_ENOMEM, "traffic.categories", "out of memory");
    void *it = NULL;
    struct fy_node *item;
    double sum = 0.0;
    static const char *const ckeys[] = { "name", "share", NULL };
    for (uint32_t i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
      char key[64], sub[96];
      snprintf(key, sizeof key, "traffic.categories[%u]", i);
      if ((rc = check_keys(c, item, key, ckeys))) return rc;
      struct fy_node *nm = get(item, "name");
      if (!nm || !get(item, "share")) return fail(c, node_mark(item), BIDSIM_ESCHEMA, key, "a category needs name and share");
      join(sub, sizeof sub, key, "name");
      if ((rc = get_name(c, nm, sub, sc->category_names[i]))) return rc;
      if (find_category(sc, sc->category_names[i]) >= 0)
        return fail(c, node_mark(nm), BIDSIM_ESCHEMA, sub, "category '%s' is listed twice", sc->category_names[i]);
      if ((rc = opt_double(c, item, key, "share", 0.0, 1.0, &sc->category_shares[i]))) return rc;
      sum += sc->category_shares[i];
      sc->category_count = i + 1;
    }
    if (fabs(sum - 1.0) > 1e-9) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "traffic.categories", "category shares sum to %g, not 1", sum);
  }
  char buf[32];
  if ((v = get(n, "noise"))) {
    if ((rc = scalar(c, v, "traffic.noise", buf, sizeof buf, "none, poisson or negbin"))) return rc;
    if (!strcmp(buf, "none")) sc->noise = BIDSIM_NOISE_NONE;
    else if (!strcmp(buf, "poisson")) sc->noise = BIDSIM_NOISE_POISSON;
    else if (!strcmp(buf, "negbin")) sc->noise = BIDSIM_NOISE_NEGBIN;
    else return fail(c, node_mark(v), BIDSIM_ESCHEMA, "traffic.noise", "unknown noise '%s' (none, poisson or negbin)", buf);
  }
  if ((rc = opt_double(c, n, "traffic", "dispersion", 0.01, 1e9, &sc->negbin_dispersion))) return rc;
  if ((v = get(n, "phases"))) {
    int cnt = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : -1;
    if (cnt < 0 || cnt > 1000) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "traffic.phases", "expected a list of phases");
    sc->phases = bidsim_calloc((size_t)cnt + 1, sizeof *sc->phases);
    if (sc->phases == NULL) return fail(c, node_mark(v), BIDSIM_ENOMEM, "traffic.phases", "out of memory");
    void *it = NULL;
    struct fy_node *item;
    for (uint32_t i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
      if ((rc = load_phase(c, item, i))) return rc;
      sc->phase_count = i + 1;
    }
  }
  if ((v = get(n, "preset"))) {
    if ((rc = scalar(c, v, "traffic.preset", buf, sizeof buf, "double11"))) return rc;
    if (strcmp(buf, "double11")) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "traffic.preset", "unknown preset '%s' (double11)", buf);
    if ((rc = add_double11(c, node_mark(v)))) return rc;
  }
  return BIDSIM_OK;
}

static int load_users(ctx_t *c, struct fy_node *n) {
  static const char *const keys[] = { "ctr_mult", "cvr_mult", "conversion_delay_hours", "attribution_window_days", NULL };
  bidsim_scenario_t *sc = c->sc;
  int rc = check_keys(c, n, "users", keys);
  struct fy_node *v;
  if (!rc && (v = get(n, "ctr_mult"))) rc = segment_map(c, v, "users.ctr_mult", 0.0, 100.0, sc->ctr_mult);
  if (!rc && (v = get(n, "cvr_mult"))) rc = segment_map(c, v, "users.cvr_mult", 0.0, 100.0, sc->cvr_mult);
  if (!rc) rc = opt_double(c, n, "users", "conversion_delay_hours", 0.0, 24.0 * 365, &sc->conversion_delay_hours);
  if (!rc) rc = opt_double(c, n, "users", "attribution_window_days", 0.0, 365.0, &sc->attribution_window_days);
  return rc;
}

static int load_product(ctx_t *c, struct fy_node *n, const char *key, bidsim_sc_product_t *p) {
  static const char *const keys[] = { "id", "name", "sales", "status", "price", "category", "ctr", "cvr",
                                      "order_value", NULL };
  int rc = check_keys(c, n, key, keys);
  if (rc) return rc;
  const bidsim_scenario_t *sc = c->sc;
  struct fy_node *v;
  char sub[160], buf[BIDSIM_NAME_MAX];
  if (!get(n, "id") || !get(n, "sales"))
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "a product needs at least id and sales");
  join(sub, sizeof sub, key, "id");
  if ((rc = get_u64(c, get(n, "id"), sub, 0, UINT64_MAX, &p->id))) return rc;
  snprintf(p->name, sizeof p->name, "product-%llu", (unsigned long long)p->id);
  if ((v = get(n, "name"))) { join(sub, sizeof sub, key, "name"); if ((rc = get_name(c, v, sub, p->name))) return rc; }
  uint64_t sales;
  join(sub, sizeof sub, key, "sales");
  if ((rc = get_u64(c, get(n, "sales"), sub, 0, INT64_MAX, &sales))) return rc;
  p->historical_sales = (int64_t)sales;
  p->status = BIDSIM_PRODUCT_ON_SALE;
  if ((v = get(n, "status"))) {
    join(sub, sizeof sub, key, "status");
    if ((rc = scalar(c, v, sub, buf, sizeof buf, "on_sale, delisted or removed"))) return rc;
    if (!strcmp(buf, "on_sale")) p->status = BIDSIM_PRODUCT_ON_SALE;
    else if (!strcmp(buf, "delisted")) p->status = BIDSIM_PRODUCT_DELISTED;
    else if (!strcmp(buf, "removed")) p->status = BIDSIM_PRODUCT_REMOVED;
    else return fail(c, node_mark(v), BIDSIM_ESCHEMA, sub, "unknown status '%s' (on_sale, delisted or removed)", buf);
  }
  p->price_li = 100 * BIDSIM_LI_PER_YUAN;
  if ((v = get(n, "price"))) { join(sub, sizeof sub, key, "price"); if ((rc = get_money(c, v, sub, &p->price_li))) return rc; }
  p->category = 0;
  if ((v = get(n, "category"))) {
    join(sub, sizeof sub, key, "category");
    if ((rc = get_name(c, v, sub, buf))) return rc;
    int cat = find_category(sc, buf);
    if (cat < 0) return fail(c, node_mark(v), BIDSIM_ESCHEMA, sub, "unknown category '%s' (not in traffic.categories)", buf);
    p->category = (uint32_t)cat;
  }
  p->ctr = 0.04;
  p->cvr = 0.015;
  if ((rc = opt_double(c, n, key, "ctr", 0.0, 1.0, &p->ctr)) || (rc = opt_double(c, n, key, "cvr", 0.0, 1.0, &p->cvr))) return rc;
  p->order_value_yuan = (bidsim_dist_t){ BIDSIM_DIST_FIXED, (double)p->price_li / BIDSIM_LI_PER_YUAN, 0.0 };
  if ((v = get(n, "order_value"))) {
    join(sub, sizeof sub, key, "order_value");
    if ((rc = dist(c, v, sub, 0.0, 1e7, &p->order_value_yuan))) return rc;
  }
  return BIDSIM_OK;
}

static int load_shops(ctx_t *c, struct fy_node *n) {
  bidsim_scenario_t *sc = c->sc;
  int cnt = fy_node_is_sequence(n) ? fy_node_sequence_item_count(n) : -1;
  if (cnt < 0 || cnt > 100000) return fail(c, node_mark(n), BIDSIM_ESCHEMA, "shops", "expected a list of shops");
  sc->shops = bidsim_calloc((size_t)cnt + 1, sizeof *sc->shops);
  if (!sc->shops) return fail(c, node_mark(n), BIDSIM_ENOMEM, "shops", "out of memory");
  static const char *const keys[] = { "name", "products", "service", NULL };
  void *it = NULL;
  struct fy_node *item;
  int rc;
  for (uint32_t s = 0; (item = fy_node_sequence_iterate(n, &it)) != NULL; s++) {
    char key[64], sub[96];
    snprintf(key, sizeof key, "shops[%u]", s);
    if ((rc = check_keys(c, item, key, keys))) return rc;
    bidsim_sc_shop_t *sh = &sc->shops[s];
    sc->shop_count = s + 1;
    struct fy_node *nm = get(item, "name"), *pl = get(item, "products");
    if (!nm) return fail(c, node_mark(item), BIDSIM_ESCHEMA, key, "a shop needs a name");
    join(sub, sizeof sub, key, "name");
    if ((rc = get_name(c, nm, sub, sh->name))) return rc;
    for (uint32_t t = 0; t < s; t++)
      if (!strcmp(sc->shops[t].name, sh->name))
        return fail(c, node_mark(nm), BIDSIM_ESCHEMA, sub, "shop '%s' is listed twice", sh->name);
    if (!pl) continue;
    struct fy_node *sv = get(item, "service");
    if (sv) {
      static const char *const svkeys[] = { "consult_share", "capacity_per_hour", NULL };
      join(sub, sizeof sub, key, "service");
      if ((rc = check_keys(c, sv, sub, svkeys))) return rc;
      if (!get(sv, "consult_share") || !get(sv, "capacity_per_hour"))
        return fail(c, node_mark(sv), BIDSIM_ESCHEMA, sub, "service needs consult_share and capacity_per_hour");
      if ((rc = opt_double(c, sv, sub, "consult_share", 0.0, 1.0, &sh->consult_share)) ||
          (rc = opt_double(c, sv, sub, "capacity_per_hour", 0.0, 1e9, &sh->capacity_per_hour)))
        return rc;
    }
    join(sub, sizeof sub, key, "products");
    int pc = fy_node_is_sequence(pl) ? fy_node_sequence_item_count(pl) : -1;
    if (pc < 0 || pc > 1000000) return fail(c, node_mark(pl), BIDSIM_ESCHEMA, sub, "expected a list of products");
    sh->products = bidsim_calloc((size_t)pc + 1, sizeof *sh->products);
    if (!sh->products) return fail(c, node_mark(pl), BIDSIM_ENOMEM, sub, "out of memory");
    void *it2 = NULL;
    struct fy_node *pn;
    for (uint32_t q = 0; (pn = fy_node_sequence_iterate(pl, &it2)) != NULL; q++) {
      char pkey[128];
      snprintf(pkey, sizeof pkey, "%s[%u]", sub, q);
      if ((rc = load_product(c, pn, pkey, &sh->products[q]))) return rc;
      sh->product_count = q + 1;
      for (uint32_t r = 0; r < q; r++)
        if (sh->products[r].id == sh->products[q].id)
          return fail(c, node_mark(get(pn, "id")), BIDSIM_ESCHEMA, pkey, "product id %llu is listed twice in shop '%s'",
                      (unsigned long long)sh->products[q].id, sh->name);
    }
  }
  return BIDSIM_OK;
}

/* ---- strategies --------------------------------------------------------- */

void bidsim__strategy_free(bidsim_sc_strategy_t *st) {
  if (st == NULL) return;
  for (uint32_t i = 0; i < st->param_count; i++) bidsim_free((char *)st->params[i].key);
  bidsim_free(st->params);
  bidsim_free(st->plugin_path);
  bidsim_plugin_close(st->plugin_handle);
  bidsim_free(st);
}

static int add_param(ctx_t *c, struct fy_node *at, const char *key, bidsim_sc_strategy_t *st, const char *name,
                     double v) {
  if (st->param_count >= 1024) return fail(c, node_mark(at), BIDSIM_ELIMIT, key, "more than 1024 parameters");
  bidsim_param_t *np = bidsim_realloc(st->params, (st->param_count + 1) * sizeof *np);
  if (np == NULL) return fail(c, node_mark(at), BIDSIM_ENOMEM, key, "out of memory");
  st->params = np;
  char *k = bidsim_strdup(name);
  if (k == NULL) return fail(c, node_mark(at), BIDSIM_ENOMEM, key, "out of memory");
  st->params[st->param_count++] = (bidsim_param_t){ k, v };
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

/* strategy: {kind: NAME | plugin: PATH, params: {name: number | [numbers]}}.
 * Checked by creating it once: the strategy names any parameter it rejects. */
static int load_strategy(ctx_t *c, struct fy_node *n, const char *key, bidsim_sc_strategy_t **out) {
  static const char *const keys[] = { "kind", "plugin", "params", NULL };
  *out = NULL;
  int rc = check_keys(c, n, key, keys);
  if (rc) return rc;
  struct fy_node *kind = get(n, "kind"), *plugin = get(n, "plugin"), *params = get(n, "params");
  if ((kind == NULL) == (plugin == NULL))
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "a strategy needs exactly one of kind (a built-in) or plugin (a .so path)");
  bidsim_sc_strategy_t *st = bidsim_calloc(1, sizeof *st);
  if (st == NULL) return fail(c, node_mark(n), BIDSIM_ENOMEM, key, "out of memory");
  char sub[256], buf[1024], msg[300];
  if (kind) {
    snprintf(sub, sizeof sub, "%s.kind", key);
    if ((rc = get_name(c, kind, sub, st->kind))) goto fail;
    if ((st->impl = bidsim_strategy_builtin(st->kind)) == NULL) {
      char list[256] = "";
      for (const char *const *nm = bidsim_strategy_builtin_names(); *nm; nm++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "", *nm);
      rc = fail(c, node_mark(kind), BIDSIM_ESCHEMA, sub, "unknown strategy '%s' (built-ins: %s; or use plugin:)", st->kind, list);
      goto fail;
    }
  } else {
    snprintf(sub, sizeof sub, "%s.plugin", key);
    if ((rc = scalar(c, plugin, sub, buf, sizeof buf, "a path to a shared object"))) goto fail;
    st->plugin_path = bidsim_strdup(buf);
    /* relative paths are relative to the scenario file */
    char full[2048];
    const char *slash = strrchr(c->path, '/');
    if (buf[0] != '/' && slash) snprintf(full, sizeof full, "%.*s/%s", (int)(slash - c->path), c->path, buf);
    else snprintf(full, sizeof full, "%s", buf);
    if (!st->plugin_path || bidsim_plugin_load(full, &st->plugin_handle, &st->impl, msg, sizeof msg)) {
      rc = fail(c, node_mark(plugin), BIDSIM_EPLUGIN, sub, "%s", st->plugin_path ? msg : "out of memory");
      goto fail;
    }
    snprintf(st->kind, sizeof st->kind, "%.*s", BIDSIM_NAME_MAX - 1, st->impl->name);
  }
  if (params) {
    snprintf(sub, sizeof sub, "%s.params", key);
    if (!fy_node_is_mapping(params)) { rc = fail(c, node_mark(params), BIDSIM_ESCHEMA, sub, "expected a mapping of parameters"); goto fail; }
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(params, &it)) != NULL) {
      char name[128], pkey[400];
      if ((rc = scalar(c, fy_node_pair_key(pr), sub, name, sizeof name, "a parameter name"))) goto fail;
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
          if ((rc = get_double(c, item, ikey, -1e12, 1e12, &x)) || (rc = add_param(c, item, ikey, st, pname, x))) goto fail;
        }
      } else {
        double x;
        if ((rc = get_double(c, v, pkey, -1e12, 1e12, &x)) || (rc = add_param(c, v, pkey, st, name, x))) goto fail;
      }
    }
  }
  bidsim_params_t ps = { st->param_count, st->params };
  void *self = NULL;
  bidsim_error_t cerr;
  bidsim_error_clear(&cerr);
  int crc = st->impl->create(&ps, &self, &cerr);
  if (crc != BIDSIM_OK) {
    /* at the parameter the strategy names (its key as passed: "hours.3" is
     * hours[3]), else at the params mapping */
    struct fy_node *at = params ? params : n;
    char at_key[440];
    snprintf(at_key, sizeof at_key, "%s", params ? sub : key);
    if (params && cerr.where[0]) param_node(params, cerr.where, sub, &at, at_key, sizeof at_key);
    rc = fail(c, node_mark(at), crc == BIDSIM_ENOMEM ? BIDSIM_ENOMEM : BIDSIM_ESCHEMA, at_key, "strategy %s: %s",
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

static int load_plan(ctx_t *c, struct fy_node *n, uint32_t i) {
  static const char *const keys[] = { "name", "shop", "cap", "products", "bids", "quality", "publish", "strategy",
                                      NULL };
  bidsim_scenario_t *sc = c->sc;
  bidsim_sc_plan_t *p = &sc->plans[i];
  plan_marks_t *pm = &c->pm[i];
  char key[64], sub[128], buf[BIDSIM_NAME_MAX];
  snprintf(key, sizeof key, "plans[%u]", i);
  int rc = check_keys(c, n, key, keys);
  if (rc) return rc;
  pm->self = node_mark(n);
  struct fy_node *v;
  if (!get(n, "name") || !get(n, "shop") || !get(n, "bids") || !get(n, "products"))
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, key, "a plan needs name, shop, products and bids");
  join(sub, sizeof sub, key, "name");
  if ((rc = get_name(c, get(n, "name"), sub, p->name))) return rc;
  pm->name = node_mark(get(n, "name"));
  join(sub, sizeof sub, key, "shop");
  if ((rc = get_name(c, get(n, "shop"), sub, buf))) return rc;
  p->shop = UINT32_MAX;
  for (uint32_t s = 0; s < sc->shop_count; s++)
    if (!strcmp(sc->shops[s].name, buf)) p->shop = s;
  if (p->shop == UINT32_MAX) return fail(c, node_mark(get(n, "shop")), BIDSIM_ESCHEMA, sub, "unknown shop '%s' (not in shops)", buf);
  p->cap_li = BIDSIM_CAP_UNLIMITED;
  if ((v = get(n, "cap"))) {
    join(sub, sizeof sub, key, "cap");
    pm->cap = node_mark(v);
    if (fy_node_is_scalar(v) && plain(v) && !strcmp(fy_node_get_scalar0(v) ? fy_node_get_scalar0(v) : "", "unlimited"))
      p->cap_li = BIDSIM_CAP_UNLIMITED;
    else if ((rc = get_money(c, v, sub, &p->cap_li)))
      return rc;
  }
  /* bids: ordinary required; shop and similar default to the smallest
   * allowed premium (base x 1.10, rounded up to whole fen) */
  v = get(n, "bids");
  join(sub, sizeof sub, key, "bids");
  static const char *const segs[] = { "ordinary", "shop", "similar", NULL };
  if ((rc = check_keys(c, v, sub, segs))) return rc;
  if (!get(v, "ordinary")) return fail(c, node_mark(v), BIDSIM_ESCHEMA, sub, "missing the base bid 'ordinary'");
  for (int s = 0; s < BIDSIM_SEG_COUNT; s++) {
    struct fy_node *b = get(v, segs[s]);
    char bkey[160];
    join(bkey, sizeof bkey, sub, segs[s]);
    pm->bids[s] = b ? node_mark(b) : node_mark(v);
    if (b) {
      if ((rc = get_money(c, b, bkey, &p->bid_li[s]))) return rc;
    } else {
      p->bid_li[s] = (p->bid_li[0] * 110 + 999) / 1000 * 10;
    }
  }
  if ((v = get(n, "quality"))) {
    pm->quality = node_mark(v);
    join(sub, sizeof sub, key, "quality");
    if ((rc = get_u32(c, v, sub, 0, UINT32_MAX, &p->quality))) return rc;   /* the range is the engine's rule */
  }
  if ((v = get(n, "publish"))) {
    static const char *const pkeys[] = { "day", "time", NULL };
    join(sub, sizeof sub, key, "publish");
    if ((rc = check_keys(c, v, sub, pkeys)) || (rc = opt_u32(c, v, sub, "day", 0, 100000, &p->publish_day))) return rc;
    struct fy_node *t = get(v, "time");
    if (t) {
      char tb[16], tkey[160];
      join(tkey, sizeof tkey, sub, "time");
      if ((rc = scalar(c, t, tkey, tb, sizeof tb, "a time HH:MM[:SS]"))) return rc;
      int hh, mm, ss = 0;
      char tail;
      int got = sscanf(tb, "%2d:%2d:%2d%c", &hh, &mm, &ss, &tail);
      if ((got != 2 && got != 3) || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
        return fail(c, node_mark(t), BIDSIM_ESCHEMA, tkey, "expected a time of day HH:MM or HH:MM:SS, got '%s'", tb);
      p->publish_second = (uint32_t)(hh * 3600 + mm * 60 + ss);
    }
  }
  if ((v = get(n, "strategy"))) {
    join(sub, sizeof sub, key, "strategy");
    if ((rc = load_strategy(c, v, sub, &p->strategy))) return rc;
  }
  v = get(n, "products");
  join(sub, sizeof sub, key, "products");
  int cnt = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : -1;
  if (cnt < 1 || cnt > 100000) return fail(c, node_mark(v), BIDSIM_ESCHEMA, sub, "expected a non-empty list of product ids");
  p->product_ids = bidsim_calloc((size_t)cnt, sizeof *p->product_ids);
  pm->products = bidsim_calloc((size_t)cnt, sizeof *pm->products);
  if (!p->product_ids || !pm->products) return fail(c, node_mark(v), BIDSIM_ENOMEM, sub, "out of memory");
  void *it = NULL;
  struct fy_node *item;
  for (uint32_t k = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; k++) {
    char ikey[160];
    snprintf(ikey, sizeof ikey, "%s[%u]", sub, k);
    if ((rc = get_u64(c, item, ikey, 0, UINT64_MAX, &p->product_ids[k]))) return rc;
    pm->products[k] = node_mark(item);
    p->product_count = k + 1;
  }
  return BIDSIM_OK;
}

static int load_market(ctx_t *c, struct fy_node *n) {
  static const char *const keys[] = { "plans", "base_bid", "premium_shop", "premium_similar", "quality",
                                      "unlimited_share", "cap", "ctr", "cvr", "order_value", "category_shares",
                                      "strategies", NULL };
  bidsim_sc_market_t *mk = &c->sc->market;
  int rc = check_keys(c, n, "market", keys);
  if (rc) return rc;
  struct fy_node *v;
  if ((rc = opt_u32(c, n, "market", "plans", 0, 10000000, &mk->plans))) return rc;
  static const struct { const char *k; double lo, hi; size_t off; } dists[] = {
    { "base_bid", 0.0, 99.0, offsetof(bidsim_sc_market_t, base_bid_yuan) },
    { "premium_shop", 0.0, 1000.0, offsetof(bidsim_sc_market_t, premium_pct) },
    { "premium_similar", 0.0, 1000.0, offsetof(bidsim_sc_market_t, premium_pct) + sizeof(bidsim_dist_t) },
    { "quality", 0.0, 1e6, offsetof(bidsim_sc_market_t, quality) },
    { "cap", 0.0, 1e9, offsetof(bidsim_sc_market_t, cap_yuan) },
    { "ctr", 0.0, 1.0, offsetof(bidsim_sc_market_t, ctr) },
    { "cvr", 0.0, 1.0, offsetof(bidsim_sc_market_t, cvr) },
    { "order_value", 0.0, 1e7, offsetof(bidsim_sc_market_t, order_value_yuan) },
  };
  for (size_t i = 0; i < sizeof dists / sizeof dists[0]; i++)
    if ((v = get(n, dists[i].k))) {
      char key[64];
      join(key, sizeof key, "market", dists[i].k);
      if ((rc = dist(c, v, key, dists[i].lo, dists[i].hi, (bidsim_dist_t *)((char *)mk + dists[i].off)))) return rc;
    }
  if ((rc = opt_double(c, n, "market", "unlimited_share", 0.0, 1.0, &mk->unlimited_share))) return rc;
  if ((v = get(n, "category_shares"))) {
    const bidsim_scenario_t *sc = c->sc;
    if (!fy_node_is_mapping(v)) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "market.category_shares", "expected a mapping category: share");
    for (uint32_t i = 0; i < sc->category_count; i++) mk->category_shares[i] = 0.0;
    void *it = NULL;
    struct fy_node_pair *pr;
    double sum = 0.0;
    while ((pr = fy_node_mapping_iterate(v, &it)) != NULL) {
      char name[BIDSIM_NAME_MAX];
      if ((rc = get_name(c, fy_node_pair_key(pr), "market.category_shares", name))) return rc;
      int cat = find_category(sc, name);
      if (cat < 0) return fail(c, node_mark(fy_node_pair_key(pr)), BIDSIM_ESCHEMA, "market.category_shares", "unknown category '%s'", name);
      if ((rc = get_double(c, fy_node_pair_value(pr), "market.category_shares", 0.0, 1.0, &mk->category_shares[cat]))) return rc;
      sum += mk->category_shares[cat];
    }
    if (fabs(sum - 1.0) > 1e-9) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "market.category_shares", "shares sum to %g, not 1", sum);
  }
  /* strategies: [{share: s, strategy: {kind|plugin, params}}, ...], shares summing to at most 1 */
  if ((v = get(n, "strategies"))) {
    int cnt = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : -1;
    if (cnt < 0 || cnt > 64) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "market.strategies", "expected a list of up to 64 {share, strategy}");
    mk->strategy_share = bidsim_calloc((size_t)cnt + 1, sizeof *mk->strategy_share);
    mk->strategies = bidsim_calloc((size_t)cnt + 1, sizeof *mk->strategies);
    if (!mk->strategy_share || !mk->strategies) return fail(c, node_mark(v), BIDSIM_ENOMEM, "market.strategies", "out of memory");
    void *it = NULL;
    struct fy_node *item;
    double sum = 0.0;
    static const char *const skeys[] = { "share", "strategy", NULL };
    for (uint32_t i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
      char key[64], sub[96];
      snprintf(key, sizeof key, "market.strategies[%u]", i);
      if ((rc = check_keys(c, item, key, skeys))) return rc;
      if (!get(item, "share") || !get(item, "strategy"))
        return fail(c, node_mark(item), BIDSIM_ESCHEMA, key, "each entry needs share and strategy");
      join(sub, sizeof sub, key, "share");
      if ((rc = get_double(c, get(item, "share"), sub, 0.0, 1.0, &mk->strategy_share[i]))) return rc;
      sum += mk->strategy_share[i];
      if (sum > 1.0 + 1e-9) return fail(c, node_mark(get(item, "share")), BIDSIM_ESCHEMA, sub, "the shares sum to %g, more than 1", sum);
      join(sub, sizeof sub, key, "strategy");
      if ((rc = load_strategy(c, get(item, "strategy"), sub, &mk->strategies[i]))) return rc;
      mk->strategy_count = i + 1;
    }
  }
  return BIDSIM_OK;
}

/* ---- defaults ------------------------------------------------------------- */

static int set_defaults(bidsim_scenario_t *sc) {
  sc->seed = 1;
  sc->days = 1;
  sc->start_date = (bidsim_date_t){ 2026, 11, 1 };
  sc->replicates = 8;
  sc->strategy_period_s = 60;   /* a simulated minute (issue 4) */
  bidsim_auction_config_default(&sc->auction);
  sc->examination_eta = 1.0;
  sc->quality_model = BIDSIM_QUALITY_CTR;
  sc->quality_fixed = 100;
  memcpy(sc->diurnal, default_diurnal, sizeof sc->diurnal);
  sc->segment_shares[0] = 0.70; sc->segment_shares[1] = 0.15; sc->segment_shares[2] = 0.15;
  sc->category_count = 1;
  sc->category_names = bidsim_calloc(1, sizeof *sc->category_names);
  sc->category_shares = bidsim_calloc(1, sizeof *sc->category_shares);
  if (!sc->category_names || !sc->category_shares) return BIDSIM_ENOMEM;
  strcpy(sc->category_names[0], "all");
  sc->category_shares[0] = 1.0;
  sc->noise = BIDSIM_NOISE_POISSON;
  sc->negbin_dispersion = 10.0;
  /* DOMAIN.md §3: retargeted users click and convert markedly more */
  sc->ctr_mult[0] = 1.0; sc->ctr_mult[1] = 2.0; sc->ctr_mult[2] = 1.4;
  sc->cvr_mult[0] = 1.0; sc->cvr_mult[1] = 2.5; sc->cvr_mult[2] = 1.5;
  sc->attribution_window_days = 1.0;
  bidsim_sc_market_t *mk = &sc->market;
  mk->base_bid_yuan = (bidsim_dist_t){ BIDSIM_DIST_LOGNORMAL, 0.8, 0.6 };
  mk->premium_pct[0] = (bidsim_dist_t){ BIDSIM_DIST_UNIFORM, 10.0, 120.0 };
  mk->premium_pct[1] = (bidsim_dist_t){ BIDSIM_DIST_UNIFORM, 10.0, 80.0 };
  mk->quality = (bidsim_dist_t){ BIDSIM_DIST_FIXED, 100.0, 0.0 };
  mk->unlimited_share = 0.3;
  mk->cap_yuan = (bidsim_dist_t){ BIDSIM_DIST_UNIFORM, 100.0, 800.0 };
  mk->ctr = (bidsim_dist_t){ BIDSIM_DIST_UNIFORM, 0.01, 0.06 };
  mk->cvr = (bidsim_dist_t){ BIDSIM_DIST_UNIFORM, 0.005, 0.025 };
  mk->order_value_yuan = (bidsim_dist_t){ BIDSIM_DIST_LOGNORMAL, 120.0, 0.5 };
  sc->variant_count = 1;
  sc->variants = bidsim_calloc(1, sizeof *sc->variants);
  if (!sc->variants) return BIDSIM_ENOMEM;
  strcpy(sc->variants[0].name, "scenario");
  return BIDSIM_OK;
}

/* ---- platform rules through the engine ------------------------------------ */

static mark_t product_mark(ctx_t *c, uint32_t shop, uint32_t q) {
  size_t k = 0;
  for (uint32_t s = 0; s < shop; s++) k += c->sc->shops[s].product_count;
  return c->product_marks ? c->product_marks[k + q] : (mark_t){ 0, 0 };
}

static int engine_check(ctx_t *c) {
  bidsim_scenario_t *sc = c->sc;
  bidsim_market_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.auction = sc->auction;
  cfg.categories = sc->category_count;
  cfg.strict_caps = sc->strict_caps;
  bidsim_market_t *m = NULL;
  bidsim_error_t e;
  int rc = bidsim_market_create(&cfg, &m, &e);
  if (rc) return fail(c, (mark_t){ 1, 1 }, rc, e.where, "%s", e.msg);
  char key[160];
  for (uint32_t s = 0; s < sc->shop_count && !rc; s++) {
    if ((rc = bidsim_market_add_shop(m, sc->shops[s].name, NULL, &e))) {
      snprintf(key, sizeof key, "shops[%u].name", s);
      fail(c, (mark_t){ 0, 0 }, rc, key, "%s", e.msg);
      break;
    }
    for (uint32_t q = 0; q < sc->shops[s].product_count && !rc; q++) {
      const bidsim_sc_product_t *p = &sc->shops[s].products[q];
      bidsim_product_spec_t ps = { p->id, p->historical_sales, p->status, p->price_li, p->category, 0 };
      if ((rc = bidsim_market_add_product(m, s, &ps, NULL, &e))) {
        snprintf(key, sizeof key, "shops[%u].products[%u]", s, q);
        fail(c, product_mark(c, s, q), rc == BIDSIM_EINVAL ? BIDSIM_ESCHEMA : rc, key, "%s", e.msg);
      }
    }
  }
  for (uint32_t i = 0; i < sc->plan_count && !rc; i++) {
    const bidsim_sc_plan_t *p = &sc->plans[i];
    const plan_marks_t *pm = &c->pm[i];
    /* quality 0 means "from the quality model": any valid score checks the rest */
    bidsim_plan_spec_t spec = { p->name, p->shop, p->cap_li, { p->bid_li[0], p->bid_li[1], p->bid_li[2] },
                                pm->quality.line ? p->quality : BIDSIM_QUALITY_MIN, 0 };
    uint32_t plan;
    if ((rc = bidsim_market_add_plan(m, &spec, &plan, &e))) {
      mark_t at = pm->self;
      const char *field = "";
      if (rc == BIDSIM_EDUPNAME) { at = pm->name; field = "name"; }
      else if (rc == BIDSIM_ECAP) { at = pm->cap; field = "cap"; }
      else if (rc == BIDSIM_EQUALITY) { at = pm->quality; field = "quality"; }
      else if (rc == BIDSIM_EBIDRANGE || rc == BIDSIM_EBIDUNIT || rc == BIDSIM_EPREMIUM) {
        /* the engine names the segment: "plan.bids.<segment>" */
        field = strstr(e.where, "bids") ? strstr(e.where, "bids") : "bids";
        for (int s = 0; s < BIDSIM_SEG_COUNT; s++)
          if (strstr(e.where, bidsim_segment_name(s))) at = pm->bids[s];
      }
      snprintf(key, sizeof key, "plans[%u]%s%s", i, field[0] ? "." : "", field);
      fail(c, at, rc, key, "%s", e.msg);
      break;
    }
    for (uint32_t k = 0; k < p->product_count && !rc; k++)
      if ((rc = bidsim_plan_add_product_id(m, plan, p->product_ids[k], &e))) {
        snprintf(key, sizeof key, "plans[%u].products[%u]", i, k);
        fail(c, pm->products[k], rc == BIDSIM_ENOTFOUND ? BIDSIM_ESCHEMA : rc, key, "%s", e.msg);
      }
  }
  bidsim_market_free(m);
  return rc;
}

/* ---- variants ------------------------------------------------------------ */

/* A listed plan by name, or "Shop/Plan" when names repeat across shops. */
static int find_plan(const bidsim_scenario_t *sc, const char *name) {
  int found = -1, hits = 0;
  for (uint32_t i = 0; i < sc->plan_count; i++)
    if (!strcmp(sc->plans[i].name, name)) { found = (int)i; hits++; }
  if (hits == 1) return found;
  if (hits > 1) return -2;
  const char *slash = strchr(name, '/');
  if (slash == NULL) return -1;
  for (uint32_t i = 0; i < sc->plan_count; i++) {
    const char *shop = sc->shops[sc->plans[i].shop].name;
    if (strlen(shop) == (size_t)(slash - name) && !memcmp(shop, name, (size_t)(slash - name)) &&
        !strcmp(sc->plans[i].name, slash + 1))
      return (int)i;
  }
  return -1;
}

/* plans: {PLAN: {bids: {...}, cap: ...}}. Bids not given keep the plan's;
 * the merged bids and the cap are checked by the engine's rules module. */
static int load_change(ctx_t *c, struct fy_node_pair *pair, const char *vkey, bidsim_sc_change_t *ch) {
  static const char *const keys[] = { "bids", "cap", "strategy", NULL };
  static const char *const segs[] = { "ordinary", "shop", "similar", NULL };
  bidsim_scenario_t *sc = c->sc;
  struct fy_node *k = fy_node_pair_key(pair), *n = fy_node_pair_value(pair), *v;
  char name[BIDSIM_NAME_MAX], key[256], sub[300];
  int rc = get_name(c, k, vkey, name);
  if (rc) return rc;
  int i = find_plan(sc, name);
  if (i == -2)
    return fail(c, node_mark(k), BIDSIM_ESCHEMA, vkey, "plan name '%s' is used in several shops: write 'SHOP/%s'",
                name, name);
  if (i < 0) return fail(c, node_mark(k), BIDSIM_ESCHEMA, vkey, "unknown plan '%s' (not in plans)", name);
  snprintf(key, sizeof key, "%s.%s", vkey, name);
  if ((rc = check_keys(c, n, key, keys))) return rc;
  const bidsim_sc_plan_t *p = &sc->plans[i];
  ch->plan = (uint32_t)i;
  memcpy(ch->bid_li, p->bid_li, sizeof ch->bid_li);
  ch->cap_li = p->cap_li;
  bidsim_error_t e;
  if ((v = get(n, "bids"))) {
    join(sub, sizeof sub, key, "bids");
    if ((rc = check_keys(c, v, sub, segs))) return rc;
    for (int g = 0; g < BIDSIM_SEG_COUNT; g++) {
      struct fy_node *b = get(v, segs[g]);
      char bkey[320];
      join(bkey, sizeof bkey, sub, segs[g]);
      if (b && (rc = get_money(c, b, bkey, &ch->bid_li[g]))) return rc;
    }
    if ((rc = bidsim_rule_check_bids(ch->bid_li, sub, &e))) {
      /* point at the segment the engine names, else at the mapping */
      mark_t at = node_mark(v);
      for (int g = 0; g < BIDSIM_SEG_COUNT; g++)
        if (strstr(e.where, segs[g]) && get(v, segs[g])) at = node_mark(get(v, segs[g]));
      return fail(c, at, rc, e.where, "%s", e.msg);
    }
  }
  if ((v = get(n, "cap"))) {
    join(sub, sizeof sub, key, "cap");
    if (fy_node_is_scalar(v) && plain(v) && !strcmp(fy_node_get_scalar0(v) ? fy_node_get_scalar0(v) : "", "unlimited"))
      ch->cap_li = BIDSIM_CAP_UNLIMITED;
    else if ((rc = get_money(c, v, sub, &ch->cap_li)))
      return rc;
    if ((rc = bidsim_rule_check_cap(ch->cap_li, sub, &e))) return fail(c, node_mark(v), rc, sub, "%s", e.msg);
  }
  if ((v = get(n, "strategy"))) {
    join(sub, sizeof sub, key, "strategy");
    if ((rc = load_strategy(c, v, sub, &ch->strategy))) return rc;
  }
  return BIDSIM_OK;
}

static int load_variants(ctx_t *c, struct fy_node *n) {
  static const char *const keys[] = { "name", "plans", NULL };
  bidsim_scenario_t *sc = c->sc;
  int cnt = fy_node_is_sequence(n) ? fy_node_sequence_item_count(n) : -1;
  if (cnt < 1 || cnt > BIDSIM_MAX_VARIANTS)
    return fail(c, node_mark(n), BIDSIM_ESCHEMA, "variants", "expected a list of 1 to %d variants",
                BIDSIM_MAX_VARIANTS);
  bidsim_sc_variant_t *vs = bidsim_calloc((size_t)cnt, sizeof *vs);
  if (vs == NULL) return fail(c, node_mark(n), BIDSIM_ENOMEM, "variants", "out of memory");
  for (uint32_t v = 0; v < sc->variant_count; v++) bidsim_free(sc->variants[v].changes);
  bidsim_free(sc->variants);
  sc->variants = vs;
  sc->variant_count = 0;
  void *it = NULL;
  struct fy_node *item;
  for (uint32_t i = 0; (item = fy_node_sequence_iterate(n, &it)) != NULL; i++) {
    bidsim_sc_variant_t *var = &vs[i];
    sc->variant_count = i + 1;
    char key[64], sub[96];
    snprintf(key, sizeof key, "variants[%u]", i);
    int rc = check_keys(c, item, key, keys);
    if (rc) return rc;
    struct fy_node *nm = get(item, "name"), *pl = get(item, "plans");
    if (nm == NULL) return fail(c, node_mark(item), BIDSIM_ESCHEMA, key, "a variant needs a name");
    join(sub, sizeof sub, key, "name");
    if ((rc = get_name(c, nm, sub, var->name))) return rc;
    for (uint32_t j = 0; j < i; j++)
      if (!strcmp(vs[j].name, var->name))
        return fail(c, node_mark(nm), BIDSIM_ESCHEMA, sub, "variant name '%s' is already used by variants[%u]",
                    var->name, j);
    if (pl == NULL) continue;   /* the scenario as written */
    join(sub, sizeof sub, key, "plans");
    if (!fy_node_is_mapping(pl))
      return fail(c, node_mark(pl), BIDSIM_ESCHEMA, sub, "expected a mapping of plan names to changes, got %s",
                  type_name(pl));
    int pairs = fy_node_mapping_item_count(pl);
    var->changes = bidsim_calloc((size_t)pairs + 1, sizeof *var->changes);
    if (var->changes == NULL) return fail(c, node_mark(pl), BIDSIM_ENOMEM, sub, "out of memory");
    void *it2 = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(pl, &it2)) != NULL) {
      bidsim_sc_change_t *ch = &var->changes[var->change_count];
      if ((rc = load_change(c, pair, sub, ch))) return rc;
      for (uint32_t j = 0; j < var->change_count; j++)
        if (var->changes[j].plan == ch->plan)
          return fail(c, node_mark(fy_node_pair_key(pair)), BIDSIM_ESCHEMA, sub, "plan '%s' is changed twice",
                      sc->plans[ch->plan].name);
      var->change_count++;
    }
  }
  return BIDSIM_OK;
}

/* ---- entry points ------------------------------------------------------- */

static int load_root(ctx_t *c, struct fy_node *root) {
  static const char *const keys[] = { "seed", "days", "start_date", "replicates", "auction", "traffic", "users",
                                      "shops", "plans", "market", "variants", "sweep", "strategy_period_s", NULL };
  bidsim_scenario_t *sc = c->sc;
  if (root == NULL) return fail(c, (mark_t){ 1, 1 }, BIDSIM_ESCHEMA, "(root)", "the scenario is empty");
  int rc = check_keys(c, root, "(root)", keys);
  if (rc) return rc;
  struct fy_node *v;
  if ((v = get(root, "seed")) && (rc = get_u64(c, v, "seed", 0, UINT64_MAX, &sc->seed))) return rc;
  if ((rc = opt_u32(c, root, "", "days", 1, 3660, &sc->days))) return rc;
  if ((v = get(root, "start_date")) && (rc = get_date(c, v, "start_date", &sc->start_date))) return rc;
  if ((rc = opt_u32(c, root, "", "replicates", 1, 1000000, &sc->replicates))) return rc;
  if ((rc = opt_u32(c, root, "", "strategy_period_s", 1, 86400, &sc->strategy_period_s))) return rc;
  if ((v = get(root, "auction")) && (rc = load_auction(c, v))) return rc;
  if (!(v = get(root, "traffic"))) return fail(c, node_mark(root), BIDSIM_ESCHEMA, "traffic", "missing required section 'traffic'");
  if ((rc = load_traffic(c, v))) return rc;
  if ((v = get(root, "users")) && (rc = load_users(c, v))) return rc;
  if ((v = get(root, "shops")) && (rc = load_shops(c, v))) return rc;
  size_t total_products = 0;
  for (uint32_t s = 0; s < sc->shop_count; s++) total_products += sc->shops[s].product_count;
  c->product_marks = bidsim_calloc(total_products + 1, sizeof *c->product_marks);
  if (c->product_marks == NULL) return fail(c, (mark_t){ 0, 0 }, BIDSIM_ENOMEM, "shops", "out of memory");
  if ((v = get(root, "shops"))) {
    size_t k = 0;
    void *it = NULL;
    struct fy_node *shop;
    while ((shop = fy_node_sequence_iterate(v, &it)) != NULL) {
      struct fy_node *pl = get(shop, "products");
      void *it2 = NULL;
      struct fy_node *pn;
      while (pl && (pn = fy_node_sequence_iterate(pl, &it2)) != NULL) c->product_marks[k++] = node_mark(pn);
    }
  }
  if ((v = get(root, "plans"))) {
    int cnt = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : -1;
    if (cnt < 0 || cnt > 1000000) return fail(c, node_mark(v), BIDSIM_ESCHEMA, "plans", "expected a list of plans");
    sc->plans = bidsim_calloc((size_t)cnt + 1, sizeof *sc->plans);
    c->pm = bidsim_calloc((size_t)cnt + 1, sizeof *c->pm);
    if (!sc->plans || !c->pm) return fail(c, node_mark(v), BIDSIM_ENOMEM, "plans", "out of memory");
    void *it = NULL;
    struct fy_node *item;
    for (uint32_t i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
      sc->plan_count = i + 1;
      if ((rc = load_plan(c, item, i))) return rc;
    }
  }
  /* competitors default to the traffic's category mix */
  sc->market.category_shares = bidsim_calloc(sc->category_count, sizeof *sc->market.category_shares);
  if (!sc->market.category_shares) return fail(c, (mark_t){ 0, 0 }, BIDSIM_ENOMEM, "market", "out of memory");
  memcpy(sc->market.category_shares, sc->category_shares, sc->category_count * sizeof *sc->category_shares);
  if ((v = get(root, "market")) && (rc = load_market(c, v))) return rc;
  if (sc->plan_count + sc->market.plans == 0)
    return fail(c, node_mark(root), BIDSIM_ESCHEMA, "plans", "the scenario has no plans: list some under plans or set market.plans");
  for (uint32_t i = 0; i < sc->plan_count; i++)
    if (sc->plans[i].publish_day >= sc->days)
      return fail(c, c->pm[i].self, BIDSIM_ESCHEMA, "plans.publish.day", "plan '%s' is published on day %u, after the last day %u",
                  sc->plans[i].name, sc->plans[i].publish_day, sc->days - 1);
  if ((rc = engine_check(c))) return rc;
  /* variants change listed plans, so they come after the plans are checked */
  if ((v = get(root, "variants")) && (rc = load_variants(c, v))) return rc;
  return BIDSIM_OK;
}

int bidsim_scenario_load_string(const char *text, size_t len, const char *path, bidsim_scenario_t **out,
                                bidsim_error_t *err) {
  *out = NULL;
  bidsim_error_clear(err);
  bidsim_scenario_t *sc = bidsim_calloc(1, sizeof *sc);
  if (sc == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  ctx_t c = { path, err, sc, NULL, NULL };
  int rc = set_defaults(sc);
  sc->source_path = bidsim_strdup(path);
  sc->source_text = bidsim_malloc(len + 1);
  if (rc || !sc->source_path || !sc->source_text) {
    bidsim_scenario_free(sc);
    return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  }
  memcpy(sc->source_text, text, len);
  sc->source_text[len] = '\0';
  if (memchr(text, '\0', len)) {
    bidsim_scenario_free(sc);
    return bidsim_error_set(err, BIDSIM_EPARSE, path, "the file contains a NUL byte: not a YAML text file");
  }

  /* libfyaml 0.8 (Debian 12) can loop forever scanning a malformed '%'
   * directive (found by tests/fuzz; regression inputs in
   * tests/fuzz/regressions/). Scenarios need no directives: refuse them.
   * A line starts after any YAML line break: LF, CR LF, or a CR alone. */
  for (size_t i = 0, line = 1; i < len; i++) {
    if (text[i] == '%' && (i == 0 || text[i - 1] == '\n' || text[i - 1] == '\r')) {
      mark_t m = { (int)line, 1 };
      fail(&c, m, BIDSIM_EPARSE, "(yaml)", "YAML directives ('%%YAML', '%%TAG') are not supported in scenarios");
      bidsim_scenario_free(sc);
      return BIDSIM_EPARSE;
    }
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n'))) line++;
  }

  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.colorize = false;
  struct fy_diag *diag = fy_diag_create(&dcfg);
  if (diag) fy_diag_set_collect_errors(diag, true);
  struct fy_parse_cfg pcfg = { NULL, FYPCF_QUIET | FYPCF_COLLECT_DIAG, NULL, diag };
  struct fy_document *doc = fy_document_build_from_string(&pcfg, sc->source_text, len);
  if (doc == NULL) {
    mark_t m = { 0, 0 };
    const char *msg = "invalid YAML";
    void *it = NULL;
    struct fy_diag_error *de = diag ? fy_diag_errors_iterate(diag, &it) : NULL;
    if (de) { m.line = de->line + 1; m.col = de->column + 1; if (de->msg) msg = de->msg; }
    fail(&c, m, BIDSIM_EPARSE, "(yaml)", "YAML syntax error: %s", msg);
    if (diag) fy_diag_destroy(diag);
    bidsim_scenario_free(sc);
    return BIDSIM_EPARSE;
  }
  rc = load_root(&c, fy_document_root(doc));
  struct fy_node *sweep = rc ? NULL : get(fy_document_root(doc), "sweep");
  if (sweep && get(fy_document_root(doc), "variants"))
    rc = fail(&c, node_mark(sweep), BIDSIM_ESCHEMA, "sweep", "a scenario has variants or a sweep, not both");
  else if (sweep)
    rc = bidsim__sweep_expand(sc, doc, sweep, path, err);
  fy_document_destroy(doc);
  if (diag) fy_diag_destroy(diag);
  if (c.pm)
    for (uint32_t i = 0; i < sc->plan_count; i++) bidsim_free(c.pm[i].products);
  bidsim_free(c.pm);
  bidsim_free(c.product_marks);
  if (rc) {
    bidsim_scenario_free(sc);
    return rc;
  }
  *out = sc;
  return BIDSIM_OK;
}

int bidsim_scenario_load(const char *path, bidsim_scenario_t **out, bidsim_error_t *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (f == NULL) return bidsim_error_set(err, BIDSIM_EIO, path, "cannot open the scenario: %s", strerror(errno));
  size_t cap = 1 << 16, len = 0;
  char *buf = bidsim_malloc(cap);
  while (buf) {
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (len < cap) break;
    if (cap > ((size_t)64 << 20)) { bidsim_free(buf); buf = NULL; fclose(f); return bidsim_error_set(err, BIDSIM_ELIMIT, path, "scenario larger than 64 MiB"); }
    char *nb = bidsim_realloc(buf, cap * 2);
    if (nb == NULL) { bidsim_free(buf); buf = NULL; break; }
    buf = nb;
    cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (buf == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  if (bad) { bidsim_free(buf); return bidsim_error_set(err, BIDSIM_EIO, path, "cannot read the scenario"); }
  int rc = bidsim_scenario_load_string(buf, len, path, out, err);
  bidsim_free(buf);
  return rc;
}

void bidsim_scenario_free(bidsim_scenario_t *sc) {
  if (sc == NULL) return;
  bidsim_free(sc->source_path);
  bidsim_free(sc->source_text);
  bidsim_free(sc->category_names);
  bidsim_free(sc->category_shares);
  bidsim_free(sc->phases);
  if (sc->shops)
    for (uint32_t s = 0; s < sc->shop_count; s++) bidsim_free(sc->shops[s].products);
  bidsim_free(sc->shops);
  if (sc->plans)
    for (uint32_t i = 0; i < sc->plan_count; i++) {
      bidsim_free(sc->plans[i].product_ids);
      bidsim__strategy_free(sc->plans[i].strategy);
    }
  bidsim_free(sc->plans);
  bidsim_free(sc->market.category_shares);
  for (uint32_t i = 0; i < sc->market.strategy_count; i++) bidsim__strategy_free(sc->market.strategies[i]);
  bidsim_free(sc->market.strategies);
  bidsim_free(sc->market.strategy_share);
  bidsim__sweep_free(sc);
  if (sc->variants)
    for (uint32_t v = 0; v < sc->variant_count; v++) {
      for (uint32_t k = 0; k < sc->variants[v].change_count; k++) bidsim__strategy_free(sc->variants[v].changes[k].strategy);
      bidsim_free(sc->variants[v].changes);
    }
  bidsim_free(sc->variants);
  bidsim_free(sc);
}

/* ---- the resolved scenario as YAML ---------------------------------------- */

typedef struct { char *buf; size_t len, cap; bool oom; } sbuf_t;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(sbuf_t *b, const char *fmt, ...) {
  if (b->oom) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->buf ? b->buf + b->len : NULL, b->buf ? b->cap - b->len : 0, fmt, ap);
  va_end(ap);
  if (n < 0) { b->oom = true; return; }
  if (b->len + (size_t)n + 1 > b->cap) {
    size_t cap = (b->cap ? b->cap : 4096);
    while (cap < b->len + (size_t)n + 1) cap *= 2;
    char *nb = bidsim_realloc(b->buf, cap);
    if (nb == NULL) { b->oom = true; return; }
    b->buf = nb;
    b->cap = cap;
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
}

static const char *yuan(int64_t li, char buf[32]) {
  snprintf(buf, 32, "%lld.%03lld", (long long)(li / 1000), (long long)(li % 1000));
  return buf;
}

static void put_dist(sbuf_t *b, const char *indent, const char *name, const bidsim_dist_t *d) {
  if (d->kind == BIDSIM_DIST_FIXED) put(b, "%s%s: {dist: fixed, value: %.17g}\n", indent, name, d->a);
  else if (d->kind == BIDSIM_DIST_UNIFORM) put(b, "%s%s: {dist: uniform, min: %.17g, max: %.17g}\n", indent, name, d->a, d->b);
  else put(b, "%s%s: {dist: lognormal, median: %.17g, sigma: %.17g}\n", indent, name, d->a, d->b);
}

/* Names are emitted double-quoted with escapes, so any name round-trips. */
static void put_name(sbuf_t *b, const char *s) {
  put(b, "\"");
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') put(b, "\\%c", *s);
    else if ((unsigned char)*s < 0x20) put(b, "\\x%02x", (unsigned char)*s);
    else put(b, "%c", *s);
  }
  put(b, "\"");
}

/* A strategy as written: kind or plugin, and its parameters by name (a list
 * appears as name.0, name.1, ..., which loads back to the same parameters). */
static void put_strategy(sbuf_t *b, const char *indent, const bidsim_sc_strategy_t *st) {
  if (st == NULL) return;
  put(b, "%sstrategy:\n%s  ", indent, indent);
  if (st->plugin_path) {
    put(b, "plugin: ");
    put_name(b, st->plugin_path);
  } else {
    put(b, "kind: ");
    put_name(b, st->kind);
  }
  put(b, "\n%s  params: {", indent);
  for (uint32_t i = 0; i < st->param_count; i++) {
    put(b, "%s", i ? ", " : "");
    put_name(b, st->params[i].key);
    put(b, ": %.17g", st->params[i].value);
  }
  put(b, "}\n");
}

char *bidsim_scenario_resolved_yaml(const bidsim_scenario_t *sc) {
  sbuf_t b = { NULL, 0, 0, false };
  char y[32];
  static const char *const noise[] = { "none", "poisson", "negbin" };
  put(&b, "# resolved by bidsim: every default filled in\n");
  put(&b, "seed: %llu\ndays: %u\nstart_date: %04d-%02d-%02d\nreplicates: %u\nstrategy_period_s: %u\n",
      (unsigned long long)sc->seed, sc->days, sc->start_date.year, sc->start_date.month, sc->start_date.day,
      sc->replicates, sc->strategy_period_s);
  put(&b, "auction:\n  mechanism: %s\n  slots: %u\n  reserve: %s\n", bidsim_mechanism_name(sc->auction.mechanism),
      sc->auction.slots, yuan(sc->auction.reserve_li, y));
  put(&b, "  increment: %s\n  examination_eta: %.17g\n  position_weights: [", yuan(sc->auction.increment_li, y),
      sc->examination_eta);
  for (uint32_t k = 0; k < BIDSIM_MAX_SLOTS; k++)
    put(&b, "%s%.6f", k ? ", " : "", sc->auction.position_weight_ppm[k] / 1e6);
  put(&b, "]\n  strict_caps: %s\n  quality_model: %s\n  quality: %u\n", sc->strict_caps ? "true" : "false",
      sc->quality_model == BIDSIM_QUALITY_CTR ? "ctr" : "fixed", sc->quality_fixed);
  put(&b, "traffic:\n  impressions_per_day: %.17g\n  diurnal: [", sc->impressions_per_day);
  for (int h = 0; h < BIDSIM_HOURS; h++) put(&b, "%s%.17g", h ? ", " : "", sc->diurnal[h]);
  put(&b, "]\n  segments: {ordinary: %.17g, shop: %.17g, similar: %.17g}\n  categories:\n", sc->segment_shares[0],
      sc->segment_shares[1], sc->segment_shares[2]);
  for (uint32_t i = 0; i < sc->category_count; i++) {
    put(&b, "    - {name: ");
    put_name(&b, sc->category_names[i]);
    put(&b, ", share: %.17g}\n", sc->category_shares[i]);
  }
  put(&b, "  noise: %s\n  dispersion: %.17g\n  phases:%s\n", noise[sc->noise], sc->negbin_dispersion,
      sc->phase_count ? "" : " []");
  for (uint32_t i = 0; i < sc->phase_count; i++) {
    const bidsim_sc_phase_t *p = &sc->phases[i];
    put(&b, "    - name: ");
    put_name(&b, p->name);
    put(&b, "\n      first_day: %u\n      last_day: %u\n      traffic_mult: %.17g\n      ctr_mult: %.17g\n"
            "      cvr_mult: %.17g\n      hour_mult: {",
        p->first_day, p->last_day, p->traffic_mult, p->ctr_mult, p->cvr_mult);
    for (int h = 0; h < BIDSIM_HOURS; h++) put(&b, "%s%d: %.17g", h ? ", " : "", h, p->hour_mult[h]);
    put(&b, "}\n");
  }
  put(&b, "users:\n  ctr_mult: {ordinary: %.17g, shop: %.17g, similar: %.17g}\n", sc->ctr_mult[0], sc->ctr_mult[1],
      sc->ctr_mult[2]);
  put(&b, "  cvr_mult: {ordinary: %.17g, shop: %.17g, similar: %.17g}\n", sc->cvr_mult[0], sc->cvr_mult[1], sc->cvr_mult[2]);
  put(&b, "  conversion_delay_hours: %.17g\n  attribution_window_days: %.17g\n", sc->conversion_delay_hours,
      sc->attribution_window_days);
  static const char *const status[] = { "on_sale", "delisted", "removed" };
  put(&b, "shops:%s\n", sc->shop_count ? "" : " []");
  for (uint32_t s = 0; s < sc->shop_count; s++) {
    const bidsim_sc_shop_t *sh = &sc->shops[s];
    put(&b, "  - name: ");
    put_name(&b, sh->name);
    if (sh->consult_share > 0)
      put(&b, "\n    service: {consult_share: %.17g, capacity_per_hour: %.17g}", sh->consult_share, sh->capacity_per_hour);
    put(&b, "\n    products:%s\n", sh->product_count ? "" : " []");
    for (uint32_t q = 0; q < sh->product_count; q++) {
      const bidsim_sc_product_t *p = &sh->products[q];
      put(&b, "      - id: %llu\n        name: ", (unsigned long long)p->id);
      put_name(&b, p->name);
      put(&b, "\n        sales: %lld\n        status: %s\n        price: %s\n        category: ",
          (long long)p->historical_sales, status[p->status], yuan(p->price_li, y));
      put_name(&b, sc->category_names[p->category]);
      put(&b, "\n        ctr: %.17g\n        cvr: %.17g\n", p->ctr, p->cvr);
      put_dist(&b, "        ", "order_value", &p->order_value_yuan);
    }
  }
  put(&b, "plans:%s\n", sc->plan_count ? "" : " []");
  for (uint32_t i = 0; i < sc->plan_count; i++) {
    const bidsim_sc_plan_t *p = &sc->plans[i];
    put(&b, "  - name: ");
    put_name(&b, p->name);
    put(&b, "\n    shop: ");
    put_name(&b, sc->shops[p->shop].name);
    if (p->cap_li == BIDSIM_CAP_UNLIMITED) put(&b, "\n    cap: unlimited\n");
    else put(&b, "\n    cap: %s\n", yuan(p->cap_li, y));
    put(&b, "    products: [");
    for (uint32_t k = 0; k < p->product_count; k++) put(&b, "%s%llu", k ? ", " : "", (unsigned long long)p->product_ids[k]);
    char y1[32], y2[32];
    put(&b, "]\n    bids: {ordinary: %s, shop: %s, similar: %s}\n", yuan(p->bid_li[0], y), yuan(p->bid_li[1], y1),
        yuan(p->bid_li[2], y2));
    if (p->quality) put(&b, "    quality: %u\n", p->quality);
    put(&b, "    publish: {day: %u, time: \"%02u:%02u:%02u\"}\n", p->publish_day, p->publish_second / 3600,
        p->publish_second / 60 % 60, p->publish_second % 60);
    put_strategy(&b, "    ", p->strategy);
  }
  const bidsim_sc_market_t *mk = &sc->market;
  put(&b, "market:\n  plans: %u\n", mk->plans);
  put_dist(&b, "  ", "base_bid", &mk->base_bid_yuan);
  put_dist(&b, "  ", "premium_shop", &mk->premium_pct[0]);
  put_dist(&b, "  ", "premium_similar", &mk->premium_pct[1]);
  put_dist(&b, "  ", "quality", &mk->quality);
  put(&b, "  unlimited_share: %.17g\n", mk->unlimited_share);
  put_dist(&b, "  ", "cap", &mk->cap_yuan);
  put_dist(&b, "  ", "ctr", &mk->ctr);
  put_dist(&b, "  ", "cvr", &mk->cvr);
  put_dist(&b, "  ", "order_value", &mk->order_value_yuan);
  put(&b, "  category_shares: {");
  for (uint32_t i = 0; i < sc->category_count; i++) {
    put(&b, "%s", i ? ", " : "");
    put_name(&b, sc->category_names[i]);
    put(&b, ": %.17g", mk->category_shares[i]);
  }
  put(&b, "}\n");
  if (mk->strategy_count) put(&b, "  strategies:\n");
  for (uint32_t i = 0; i < mk->strategy_count; i++) {
    put(&b, "    - share: %.17g\n", mk->strategy_share[i]);
    put_strategy(&b, "      ", mk->strategies[i]);
  }
  if (sc->sweep_key_count) {
    /* the points are regenerated from the spec, values listed */
    put(&b, "sweep:\n  %s:\n", sc->sweep_zip ? "zip" : "grid");
    for (uint32_t k = 0; k < sc->sweep_key_count; k++) {
      put(&b, "    ");
      put_name(&b, sc->sweep_keys[k]);
      put(&b, ": [");
      for (uint32_t i = 0; i < sc->sweep_list_count[k]; i++) {
        put(&b, "%s", i ? ", " : "");
        put_name(&b, sc->sweep_lists[k][i]);
      }
      put(&b, "]\n");
    }
  } else {
    put(&b, "variants:\n");
  }
  for (uint32_t v = 0; v < sc->variant_count && !sc->sweep_key_count; v++) {
    const bidsim_sc_variant_t *var = &sc->variants[v];
    put(&b, "  - name: ");
    put_name(&b, var->name);
    put(&b, "\n");
    if (var->change_count) put(&b, "    plans:\n");
    for (uint32_t k = 0; k < var->change_count; k++) {
      const bidsim_sc_change_t *ch = &var->changes[k];
      const bidsim_sc_plan_t *p = &sc->plans[ch->plan];
      char y1[32], y2[32], full[2 * BIDSIM_NAME_MAX + 2];
      /* the "Shop/Plan" form whenever the bare name would be ambiguous */
      if (find_plan(sc, p->name) == (int)ch->plan) snprintf(full, sizeof full, "%s", p->name);
      else snprintf(full, sizeof full, "%s/%s", sc->shops[p->shop].name, p->name);
      put(&b, "      ");
      put_name(&b, full);
      put(&b, ":\n        bids: {ordinary: %s, shop: %s, similar: %s}\n", yuan(ch->bid_li[0], y),
          yuan(ch->bid_li[1], y1), yuan(ch->bid_li[2], y2));
      if (ch->cap_li == BIDSIM_CAP_UNLIMITED) put(&b, "        cap: unlimited\n");
      else put(&b, "        cap: %s\n", yuan(ch->cap_li, y));
      put_strategy(&b, "        ", ch->strategy);
    }
  }
  if (b.oom) { bidsim_free(b.buf); return NULL; }
  return b.buf;
}

uint64_t bidsim_scenario_fingerprint(const bidsim_scenario_t *sc) {
  char *text = bidsim_scenario_resolved_yaml(sc);
  uint64_t h = UINT64_C(0xCBF29CE484222325);   /* FNV-1a */
  const char *parts[2] = { BIDSIM_VERSION, text ? text : "" };
  for (int i = 0; i < 2; i++)
    for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) h = (h ^ *p) * UINT64_C(0x100000001B3);
  bidsim_free(text);
  return h;
}
