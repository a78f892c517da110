/* sim/scenario_internal.h - between the scenario loader's files: the YAML
 * reading helpers (scenario_yaml.c), hash indexes (scenario_index.c), the
 * section loaders (scenario_sections.c, scenario_shops.c,
 * scenario_strategy.c, scenario_market.c, scenario_variants.c), sweep points
 * (scenario_sweep.c), the resolved writer (scenario_resolved.c) and the entry
 * points (scenario_load.c). Nothing outside sim/scenario_*.c includes it. */
#ifndef BIDSIM_SIM_SCENARIO_INTERNAL_H
#define BIDSIM_SIM_SCENARIO_INTERNAL_H
#include <stdbool.h>
#include <libfyaml.h>
#include "sim/scenario.h"

typedef struct { int line, col; } mark_t;   /* 1-based; 0 = unknown */

/* ---- hash key sets (scenario_index.c) ---------------------------------------- */

/* Entry numbers by key, the keys left in the caller's arrays: sized once for
 * every entry it will hold (open addressing, at most half full). */
typedef struct {
  uint32_t *val;    /* entry number, UINT32_MAX = empty slot */
  uint32_t *tag;    /* the hash's high half, to skip most key comparisons */
  size_t    mask, count, limit;
} bidsim__keyset_t;
/* Does entry @p val of @p data have the key @p key? */
typedef bool (*bidsim__keyset_eq_fn)(const void *data, uint32_t val, const void *key);

/** @brief An empty index for up to @p expected entries (BIDSIM_ENOMEM). */
int bidsim__keyset_init(bidsim__keyset_t *ix, size_t expected);
void bidsim__keyset_free(bidsim__keyset_t *ix);
/** @brief Add entry @p val under hash @p h unless an entry with the same key
 *  is there: returns that entry's number, or UINT32_MAX when added. */
uint32_t bidsim__keyset_add(bidsim__keyset_t *ix, uint64_t h, uint32_t val, bidsim__keyset_eq_fn eq, const void *data,
                           const void *key);
/** @brief The entry with key @p key, or UINT32_MAX (an index never
 *  initialised is empty). */
uint32_t bidsim__keyset_find(const bidsim__keyset_t *ix, uint64_t h, bidsim__keyset_eq_fn eq, const void *data,
                            const void *key);
/** @brief Hashes of a name or an id within a scope (0, or a shop + 1). */
uint64_t bidsim__hash_name(uint32_t scope, const char *name);
uint64_t bidsim__hash_id(uint32_t scope, uint64_t id);

/* The listed plans by bare name and by "Shop/Plan". */
typedef struct {
  bidsim__keyset_t bare, in_shop, shops;
  uint8_t *shared;   /* [plan] 1 when another listed plan has the same name */
} bidsim__plan_names_t;
/** @brief Index @p sc's listed plans (shops unique, plan names unique
 *  within a shop: after the engine check). BIDSIM_ENOMEM. */
int bidsim__plan_names_build(const bidsim_scenario_t *sc, bidsim__plan_names_t *pn);
void bidsim__plan_names_free(bidsim__plan_names_t *pn);
/** @brief A listed plan by name, or "Shop/Plan" when names repeat across
 *  shops: its index, -1 if none, -2 if the bare name is ambiguous. */
int bidsim__find_plan(const bidsim_scenario_t *sc, const bidsim__plan_names_t *pn, const char *name);

/* Where each listed plan's fields came from, for engine errors. */
typedef struct {
  mark_t name, cap, quality, bids[BIDSIM_SEG_COUNT], self;
  mark_t *products;
} plan_marks_t;

/* One load: the file's name for messages, the caller's error record, the
 * scenario being filled, and the source positions kept for later checks
 * (pm and product_marks; NULL outside the loader, e.g. in a sweep). */
typedef struct {
  const char *path;
  const char *file;        /* the file relative paths start from, if not path */
  bidsim_error_t *err;
  bidsim_scenario_t *sc;
  plan_marks_t *pm;
  mark_t *product_marks;   /* per shop, per product (flattened) */
  const bidsim_scenario_options_t *opt;   /* never NULL in the loader */
  bidsim__keyset_t shops_ix;                /* sc->shops by name */
  bidsim__keyset_t categories_ix;           /* sc->category_names */
} ctx_t;

/* ---- YAML reading (scenario_yaml.c) ---------------------------------------- */

/* A parsed scenario text: its one document and what it needs kept. */
typedef struct {
  struct fy_diag *diag;
  struct fy_parser *parser;
  struct fy_document *doc;
} bidsim__yaml_t;
/** @brief Parse @p text (kept alive by the caller until close) as exactly one
 *  YAML document, refusing what scenarios do not use and the loader would
 *  read other than written: directives, a second document, aliases, tags,
 *  NUL characters in scalars. BIDSIM_EPARSE at the position, BIDSIM_ENOMEM;
 *  nothing to close on failure. */
int bidsim__yaml_parse(ctx_t *c, const char *text, size_t len, bidsim__yaml_t *y);
void bidsim__yaml_close(bidsim__yaml_t *y);

/** @brief Position of @p n (a collection: of its first key or item). */
mark_t bidsim__node_mark(struct fy_node *n);
/** @brief Fill c->err: where = "PATH:LINE:COL: KEY", msg from @p fmt; returns @p code. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
int bidsim__fail(ctx_t *c, mark_t m, int code, const char *key, const char *fmt, ...);
/** @brief The same at the position of node @p at. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
int bidsim__fail_at(ctx_t *c, struct fy_node *at, int code, const char *key, const char *fmt, ...);
/** @brief Append a note to the load options' list, if any (a warning, or an
 *  error's further line), where = "PATH:LINE:COL: KEY" as an error's. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
void bidsim__note(const ctx_t *c, bidsim_note_kind_t kind, mark_t m, const char *key, const char *fmt, ...);
/** @brief The same with where and msg already formed. */
void bidsim__note_add(const ctx_t *c, bidsim_note_kind_t kind, const char *where, const char *msg);
/** @brief "a mapping", "a list" or "a scalar". */
const char *bidsim__type_name(struct fy_node *n);
/** @brief The scalar text of @p n as a NUL-terminated copy in buf (at most
 *  cap - 1 characters), or an error naming @p want. */
int bidsim__scalar(ctx_t *c, struct fy_node *n, const char *key, char *buf, size_t cap, const char *want);
/** @brief Written without quotes (numbers and keywords must be plain). */
bool bidsim__plain(struct fy_node *n);
/** @brief NULL when @p s is a plain decimal ([+-]d[.d][e[+-]d], or digits
 *  only when @p integer), else why not: hex ("0x10", which strtod reads as
 *  16), a leading zero (octal in YAML 1.1), inf, nan, separators. */
const char *bidsim__decimal_problem(const char *s, bool integer);
int bidsim__get_double(ctx_t *c, struct fy_node *n, const char *key, double lo, double hi, double *out);
int bidsim__get_u64(ctx_t *c, struct fy_node *n, const char *key, uint64_t lo, uint64_t hi, uint64_t *out);
int bidsim__get_u32(ctx_t *c, struct fy_node *n, const char *key, uint32_t lo, uint32_t hi, uint32_t *out);
int bidsim__get_bool(ctx_t *c, struct fy_node *n, const char *key, bool *out);
/** @brief A non-empty name of fewer than BIDSIM_NAME_MAX characters. */
int bidsim__get_name(ctx_t *c, struct fy_node *n, const char *key, char out[BIDSIM_NAME_MAX]);
/** @brief A segment bid (@p seg): yuan as written, or for shop and similar
 *  the platform's premium over @p base_li ("+25%": a whole percent within
 *  the premium rule, the bid rounded up to whole fen by the rules module),
 *  *pct its percent (0 for yuan). */
int bidsim__get_bid(ctx_t *c, struct fy_node *n, const char *key, int seg, int64_t base_li, int64_t *bid_li,
                    uint16_t *pct);
/** @brief Yuan as written ("1.50") to li, exactly (no floating point). */
int bidsim__get_money(ctx_t *c, struct fy_node *n, const char *key, int64_t *out_li);
/** @brief A calendar date YYYY-MM-DD from 1970 to 9999. */
int bidsim__get_date(ctx_t *c, struct fy_node *n, const char *key, bidsim_date_t *out);
/** @brief Every key of @p map is one of @p allowed (NULL-terminated). */
int bidsim__check_keys(ctx_t *c, struct fy_node *map, const char *key, const char *const *allowed);
/** @brief The same, and found[i] = the value of allowed[i] or NULL: one
 *  pass over the mapping instead of a lookup per key. */
int bidsim__check_keys_get(ctx_t *c, struct fy_node *map, const char *key, const char *const *allowed,
                           struct fy_node **found);
/** @brief The value of key @p name in @p map (the key's text exactly), or
 *  NULL (also when @p map is not a mapping). */
struct fy_node *bidsim__get(struct fy_node *map, const char *name);
/** @brief A key path's list item (the sweep's and the text edits' syntax):
 *  at *p "[i]" (by index) or "[Name]" (the item whose `name` is Name) in
 *  the list *n; on success *n is the item and *p past "]" and a following
 *  '.'. Returns NULL, or why the path cannot go on (a path may not end in
 *  an item). */
const char *bidsim__path_item(struct fy_node **n, const char **p);
/** @brief The pair of key @p name in @p map, or NULL. */
struct fy_node_pair *bidsim__get_pair(struct fy_node *map, const char *name);
/** @brief "a.b" (or "b" when @p a is empty) into out, truncated to n. */
void bidsim__join(char *out, size_t n, const char *a, const char *b);
/** @brief Key @p name of @p map into *out if present (else *out is left). */
int bidsim__opt_double(ctx_t *c, struct fy_node *map, const char *parent, const char *name, double lo, double hi,
                       double *out);
int bidsim__opt_u32(ctx_t *c, struct fy_node *map, const char *parent, const char *name, uint32_t lo, uint32_t hi,
                    uint32_t *out);
/** @brief {ordinary: x, shop: y, similar: z}, each optional. */
int bidsim__segment_map(ctx_t *c, struct fy_node *n, const char *key, double lo, double hi,
                        double out[BIDSIM_SEG_COUNT]);
/** @brief {dist: fixed, value} | {dist: uniform, min, max} | {dist: lognormal, median, sigma}. */
int bidsim__dist(ctx_t *c, struct fy_node *n, const char *key, double lo, double hi, bidsim_dist_t *out);

/* ---- dates (scenario_date.c) ------------------------------------------------ */

/** @brief Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t bidsim__days_from_civil(int y, int m, int d);
bidsim_date_t bidsim__civil_from_days(int64_t z);

/* ---- sections -------------------------------------------------------------- */

/* Each fills c->sc from its node, or fails with c->err set. */
int bidsim__load_auction(ctx_t *c, struct fy_node *n);   /* scenario_sections.c */
/** @brief A quality score under auction.quality_model: ctr, refused at @p at. */
int bidsim__quality_refused(ctx_t *c, struct fy_node *at, const char *key);
/** @brief Position weights (1/r)^examination_eta in ppm, rounded. */
void bidsim__weights_from_eta(bidsim_scenario_t *sc);
int bidsim__load_traffic(ctx_t *c, struct fy_node *n);
int bidsim__load_users(ctx_t *c, struct fy_node *n);
/** @brief Index of the traffic category @p name, or -1 (after load_traffic). */
int bidsim__find_category(const ctx_t *c, const char *name);

int bidsim__load_shops(ctx_t *c, struct fy_node *n);     /* scenario_shops.c */
/** @brief plans[i] from @p n (sc->plans and c->pm allocated by the caller). */
int bidsim__load_plan(ctx_t *c, struct fy_node *n, uint32_t i);
/** @brief The listed shops, products and plans through a throwaway engine
 *  market: the platform rules, reported at the key that broke them. */
int bidsim__engine_check(ctx_t *c);

/** @brief strategy: {kind | plugin, params}, checked by creating it once
 *  (scenario_strategy.c). */
int bidsim__load_strategy(ctx_t *c, struct fy_node *n, const char *key, bidsim_sc_strategy_t **out);
/** @brief Free a strategy setting (NULL-safe), closing its plugin. */
void bidsim__strategy_free(bidsim_sc_strategy_t *st);

int bidsim__load_market(ctx_t *c, struct fy_node *n);    /* scenario_market.c */

int bidsim__load_variants(ctx_t *c, struct fy_node *n);  /* scenario_variants.c */

/** @brief Warn (a note) about each bid of @p bids written in yuan and the
 *  cap @p cap (either NULL) of the plan or change at @p key that is 20 or
 *  more times the generated market's median: most likely typed in fen
 *  (scenario_units.c). Nothing without a market or a notes list. */
void bidsim__warn_units(const ctx_t *c, struct fy_node *bids, struct fy_node *cap, const char *key,
                        const int64_t bid_li[BIDSIM_SEG_COUNT], const uint16_t premium_pct[BIDSIM_SEG_COUNT],
                        int64_t cap_li);

/* ---- entry points (scenario_load.c) -------------------------------------------- */

/** @brief bidsim_scenario_load_string_opt, relative plugin paths starting
 *  from @p file instead of @p path (NULL: from path): a sweep point is named
 *  "sweep point N" in messages but lives beside its file. */
int bidsim__load_text(const char *text, size_t len, const char *path, const char *file,
                      const bidsim_scenario_options_t *opt, bidsim_scenario_t **out, bidsim_error_t *err);

/* ---- sweeps (scenario_sweep.c) ----------------------------------------------- */

/** @brief Expand the `sweep` node of @p doc into variants of @p base (already
 *  loaded from the same document, the sweep key ignored): one complete
 *  scenario per point, each loaded and checked like a file with the same
 *  options (overrides, plugins). Errors name
 *  @p path, the sweep key's line and column, and the point's parameters;
 *  relative plugin paths start from @p file. */
int bidsim__sweep_expand(bidsim_scenario_t *base, struct fy_document *doc, struct fy_node *sweep, const char *path,
                         const char *file, const bidsim_scenario_options_t *opt, bidsim_error_t *err);
/** @brief Free the sweep fields of @p sc (the points' scenarios included). */
void bidsim__sweep_free(bidsim_scenario_t *sc);

/* ---- a sweep's findings at the user's file (scenario_sweep_report.c) ------------ */

typedef struct {
  ctx_t *c;                        /* the file's load: path, error, notes */
  const bidsim_scenario_t *base;   /* sweep keys, lists and point values set */
  struct fy_node *root;            /* the file's document */
  const char *mode;                /* "sweep.grid" or "sweep.zip" */
  char (*canon)[256];              /* [key] the key path with list items by index */
  struct fy_node **key_node, **values;   /* [key] in the sweep mapping */
  uint32_t bad, first_key;         /* points that broke a rule; the first's sweep key */
  int code;                        /* the first's error code */
  char first[512];                 /* the first, for a message without notes */
} bidsim__sweep_report_t;

/** @brief Ready @p r for the sweep mapping @p keys of @p base (BIDSIM_ENOMEM). */
int bidsim__sweep_report_init(bidsim__sweep_report_t *r, ctx_t *c, const bidsim_scenario_t *base, struct fy_node *root,
                              struct fy_node *keys, const char *mode);
void bidsim__sweep_report_free(bidsim__sweep_report_t *r);
/** @brief "key=value, ..." of point @p v. */
void bidsim__sweep_params(const bidsim_scenario_t *base, uint32_t v, char *buf, size_t cap);
/** @brief Point @p v's warnings @p pn into the file's notes, at the file's
 *  positions (those the file's own values give every point once). */
void bidsim__sweep_report_notes(bidsim__sweep_report_t *r, uint32_t v, const bidsim_scenario_notes_t *pn);
/** @brief Point @p v broke a rule (@p code, @p pe as the point's load gave
 *  it): a note at the file's position of the key (up to 20 points listed). */
void bidsim__sweep_report_bad(bidsim__sweep_report_t *r, uint32_t v, int code, const bidsim_error_t *pe);
/** @brief After the last point, with r->bad > 0: the error at the sweep key
 *  (of the first bad point) counting them; returns its code. */
int bidsim__sweep_report_fail(bidsim__sweep_report_t *r);

#endif
