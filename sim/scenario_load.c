/* sim/scenario_load.c - the scenario loader's entry points: read the file,
 * parse it (libfyaml, the only YAML parser in bidsim), fill the defaults,
 * load the sections in order (scenario_sections.c, scenario_shops.c,
 * scenario_market.c, scenario_variants.c, scenario_sweep.c), and free. Every
 * key is checked: unknown keys, wrong types and out-of-range values are
 * errors with file:line:column and the key path. */
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <libfyaml.h>
#include "bidsim/alloc.h"
#include "sim/scenario_internal.h"

/* docs/model.md §3 default diurnal shares, percent, hour 0 first. */
static const double default_diurnal[BIDSIM_HOURS] = { 4.7, 3.0, 1.7, 1.1, 0.9, 1.0, 1.6, 2.8, 3.8, 4.6, 4.9, 4.9,
                                                       5.1, 4.9, 4.6, 4.6, 4.7, 4.6, 4.8, 5.5, 6.4, 7.0, 6.8, 6.0 };

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
  /* docs/model.md §3: retargeted users click and convert markedly more */
  /* the personalised model (docs/model.md §2-§3) is the default: each
   * plan's segment is the user's relation to its shop, users differ in
   * their affinity to each ad, and competitors are redrawn per replicate;
   * users.relation: global (sigma 0) and market.redraw: once give the
   * first model bit for bit */
  sc->relation = BIDSIM_RELATION_PER_SHOP;
  sc->affinity_sigma = 0.5;
  sc->affinity_truncate = 2.0;
  sc->market.redraw = BIDSIM_REDRAW_PER_REPLICATE;
  sc->market.reach = (bidsim_dist_t){ BIDSIM_DIST_LOGNORMAL, 0.004, 1.0 };
  sc->market.targeting = (bidsim_dist_t){ BIDSIM_DIST_FIXED, 1.0, 0.0 };
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

/* ---- entry points ------------------------------------------------------- */

/* --seed, --days, --replicates over the file's values, at the key they
 * replace (or the top of the file), in the file's own ranges. */
static int apply_overrides(ctx_t *c, struct fy_node *root) {
  const bidsim_scenario_overrides_t *ov = &c->opt->overrides;
  bidsim_scenario_t *sc = c->sc;
  struct fy_node *at;
  if (ov->days) {
    at = bidsim__get(root, "days");
    if (ov->days > BIDSIM_DAYS_MAX)
      return bidsim__fail_at(c, at ? at : root, BIDSIM_ESCHEMA, "days", "--days %u is outside the allowed range [1, %u]",
                             ov->days, BIDSIM_DAYS_MAX);
    sc->days = ov->days;
  }
  if (ov->replicates) {
    at = bidsim__get(root, "replicates");
    if (ov->replicates > BIDSIM_REPLICATES_MAX)
      return bidsim__fail_at(c, at ? at : root, BIDSIM_ESCHEMA, "replicates",
                             "--replicates %u is outside the allowed range [1, %u]", ov->replicates,
                             BIDSIM_REPLICATES_MAX);
    sc->replicates = ov->replicates;
  }
  if (ov->seed_set) sc->seed = ov->seed;
  return BIDSIM_OK;
}

static int load_root(ctx_t *c, struct fy_node *root) {
  static const char *const keys[] = { "seed", "days", "start_date", "replicates", "auction", "traffic", "users",
                                      "shops", "plans", "market", "variants", "sweep", "strategy_period_s", NULL };
  bidsim_scenario_t *sc = c->sc;
  /* a document of nothing ('---' alone, '~', '{}') is as empty as no document */
  const char *rs = root && fy_node_is_scalar(root) && bidsim__plain(root) ? fy_node_get_scalar0(root) : NULL;
  if (root == NULL || (rs && (!*rs || !strcmp(rs, "~") || !strcmp(rs, "null"))) ||
      (fy_node_is_mapping(root) && fy_node_mapping_item_count(root) == 0)) {
    mark_t at = bidsim__node_mark(root);
    return bidsim__fail(c, at.line ? at : (mark_t){ 1, 1 }, BIDSIM_ESCHEMA, "(root)", "empty scenario: no keys");
  }
  if (!fy_node_is_mapping(root)) {
    mark_t at = bidsim__node_mark(root);
    return bidsim__fail(c, at.line ? at : (mark_t){ 1, 1 }, BIDSIM_ESCHEMA, "(root)",
                        "expected a mapping of keys (traffic: ..., plans: ...), got %s", bidsim__type_name(root));
  }
  int rc = bidsim__check_keys(c, root, "(root)", keys);
  if (rc) return rc;
  struct fy_node *v;
  if ((v = bidsim__get(root, "seed")) && (rc = bidsim__get_u64(c, v, "seed", 0, UINT64_MAX, &sc->seed))) return rc;
  if ((rc = bidsim__opt_u32(c, root, "", "days", 1, BIDSIM_DAYS_MAX, &sc->days))) return rc;
  if ((v = bidsim__get(root, "start_date")) && (rc = bidsim__get_date(c, v, "start_date", &sc->start_date))) return rc;
  if ((rc = bidsim__opt_u32(c, root, "", "replicates", 1, BIDSIM_REPLICATES_MAX, &sc->replicates))) return rc;
  /* before anything reads them: as if the file said so */
  if ((rc = apply_overrides(c, root))) return rc;
  if ((rc = bidsim__opt_u32(c, root, "", "strategy_period_s", 1, 86400, &sc->strategy_period_s))) return rc;
  /* the weights (1/r)^eta with eta's default (the engine's default
   * truncates where this rounds: equal for the default 4 slots) */
  bidsim__weights_from_eta(sc);
  if ((v = bidsim__get(root, "auction")) && (rc = bidsim__load_auction(c, v))) return rc;
  if (!(v = bidsim__get(root, "traffic"))) return bidsim__fail_at(c, root, BIDSIM_ESCHEMA, "traffic", "missing required section 'traffic'");
  if ((rc = bidsim__load_traffic(c, v))) return rc;
  if ((v = bidsim__get(root, "users")) && (rc = bidsim__load_users(c, v))) return rc;
  if ((v = bidsim__get(root, "shops")) && (rc = bidsim__load_shops(c, v))) return rc;
  size_t total_products = 0;
  for (uint32_t s = 0; s < sc->shop_count; s++) total_products += sc->shops[s].product_count;
  c->product_marks = bidsim_calloc(total_products + 1, sizeof *c->product_marks);
  if (c->product_marks == NULL) return bidsim__fail(c, (mark_t){ 0, 0 }, BIDSIM_ENOMEM, "shops", "out of memory");
  if ((v = bidsim__get(root, "shops"))) {
    size_t k = 0;
    void *it = NULL;
    struct fy_node *shop;
    while ((shop = fy_node_sequence_iterate(v, &it)) != NULL) {
      struct fy_node *pl = bidsim__get(shop, "products");
      void *it2 = NULL;
      struct fy_node *pn;
      while (pl && (pn = fy_node_sequence_iterate(pl, &it2)) != NULL) c->product_marks[k++] = bidsim__node_mark(pn);
    }
  }
  if ((v = bidsim__get(root, "plans"))) {
    int cnt = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : -1;
    if (cnt < 0 || cnt > 1000000) return bidsim__fail_at(c, v, BIDSIM_ESCHEMA, "plans", "expected a list of plans");
    sc->plans = bidsim_calloc((size_t)cnt + 1, sizeof *sc->plans);
    c->pm = bidsim_calloc((size_t)cnt + 1, sizeof *c->pm);
    if (!sc->plans || !c->pm) return bidsim__fail_at(c, v, BIDSIM_ENOMEM, "plans", "out of memory");
    void *it = NULL;
    struct fy_node *item;
    for (uint32_t i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
      sc->plan_count = i + 1;
      if ((rc = bidsim__load_plan(c, item, i))) return rc;
    }
  }
  /* competitors default to the traffic's category mix */
  sc->market.category_shares = bidsim_calloc(sc->category_count, sizeof *sc->market.category_shares);
  if (!sc->market.category_shares) return bidsim__fail(c, (mark_t){ 0, 0 }, BIDSIM_ENOMEM, "market", "out of memory");
  memcpy(sc->market.category_shares, sc->category_shares, sc->category_count * sizeof *sc->category_shares);
  sc->market.category_shares_derived = true;
  if ((v = bidsim__get(root, "market")) && (rc = bidsim__load_market(c, v))) return rc;
  /* before the rules: a bid typed in fen may be what breaks one */
  if ((v = bidsim__get(root, "plans"))) {
    void *it = NULL;
    struct fy_node *item;
    for (uint32_t i = 0; (item = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
      char key[32];
      snprintf(key, sizeof key, "plans[%u]", i);
      bidsim__warn_units(c, bidsim__get(item, "bids"), bidsim__get(item, "cap"), key, sc->plans[i].bid_li,
                         sc->plans[i].premium_pct, sc->plans[i].cap_li);
    }
  }
  if (sc->plan_count + sc->market.plans == 0)
    return bidsim__fail_at(c, root, BIDSIM_ESCHEMA, "plans", "the scenario has no plans: list some under plans or set market.plans");
  char days_note[32];
  snprintf(days_note, sizeof days_note, " (--days %u)", sc->days);
  for (uint32_t i = 0; i < sc->plan_count; i++)
    if (sc->plans[i].publish_day >= sc->days)
      return bidsim__fail(c, c->pm[i].self, BIDSIM_ESCHEMA, "plans.publish.day",
                          "plan '%s' is published on day %u, after the last day %u%s", sc->plans[i].name,
                          sc->plans[i].publish_day, sc->days - 1, c->opt->overrides.days ? days_note : "");
  if ((rc = bidsim__engine_check(c))) return rc;
  /* variants change listed plans, so they come after the plans are checked */
  if ((v = bidsim__get(root, "variants")) && (rc = bidsim__load_variants(c, v))) return rc;
  return BIDSIM_OK;
}

/* The defaults of the calls without options: what a run needs. */
static const bidsim_scenario_options_t default_options = { .load_plugins = true };

int bidsim_scenario_load_string_opt(const char *text, size_t len, const char *path,
                                    const bidsim_scenario_options_t *opt, bidsim_scenario_t **out,
                                    bidsim_error_t *err) {
  return bidsim__load_text(text, len, path, NULL, opt, out, err);
}

int bidsim__load_text(const char *text, size_t len, const char *path, const char *file,
                      const bidsim_scenario_options_t *opt, bidsim_scenario_t **out, bidsim_error_t *err) {
  *out = NULL;
  bidsim_error_clear(err);
  if (opt == NULL) opt = &default_options;
  bidsim_scenario_t *sc = bidsim_calloc(1, sizeof *sc);
  if (sc == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  ctx_t c = { .path = path, .file = file, .err = err, .sc = sc, .opt = opt };
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

  bidsim__yaml_t y;
  if ((rc = bidsim__yaml_parse(&c, sc->source_text, len, &y))) {
    bidsim_scenario_free(sc);
    return rc;
  }
  struct fy_document *doc = y.doc;
  rc = load_root(&c, fy_document_root(doc));
  struct fy_node *sweep = rc ? NULL : bidsim__get(fy_document_root(doc), "sweep");
  if (sweep && bidsim__get(fy_document_root(doc), "variants"))
    rc = bidsim__fail(&c, bidsim__node_mark(sweep), BIDSIM_ESCHEMA, "sweep", "a scenario has variants or a sweep, not both");
  else if (sweep)
    rc = bidsim__sweep_expand(sc, doc, sweep, path, file ? file : path, opt, err);
  bidsim__yaml_close(&y);
  if (c.pm)
    for (uint32_t i = 0; i < sc->plan_count; i++) bidsim_free(c.pm[i].products);
  bidsim_free(c.pm);
  bidsim_free(c.product_marks);
  bidsim__keyset_free(&c.shops_ix);
  bidsim__keyset_free(&c.categories_ix);
  if (rc) {
    bidsim_scenario_free(sc);
    return rc;
  }
  *out = sc;
  return BIDSIM_OK;
}

int bidsim_scenario_load_string(const char *text, size_t len, const char *path, bidsim_scenario_t **out,
                                bidsim_error_t *err) {
  return bidsim_scenario_load_string_opt(text, len, path, NULL, out, err);
}

int bidsim_scenario_load(const char *path, bidsim_scenario_t **out, bidsim_error_t *err) {
  return bidsim_scenario_load_opt(path, NULL, out, err);
}

/* The file's bytes, at most BIDSIM_SCENARIO_MAX_BYTES. A name that does
 * not exist or is a directory is bad input (exit 2 in the command), not an
 * I/O failure. */
static int read_file(const char *path, char **out, size_t *out_len, bidsim_error_t *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    int e = errno;
    return bidsim_error_set(err, e == ENOENT || e == ENOTDIR ? BIDSIM_ENOTFOUND : BIDSIM_EIO, path,
                            "cannot open the scenario: %s", strerror(e));
  }
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "is a directory, not a scenario file");
  }
  const size_t limit = BIDSIM_SCENARIO_MAX_BYTES;
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > limit) {
    fclose(f);
    return bidsim_error_set(err, BIDSIM_ELIMIT, path, "the scenario is %llu bytes, more than the limit of %zu bytes (64 MiB)",
                            (unsigned long long)st.st_size, limit);
  }
  /* read one byte past the limit, so a file growing meanwhile or a pipe is
   * caught too */
  size_t cap = 1 << 16, len = 0;
  char *buf = bidsim_malloc(cap);
  while (buf) {
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap || len > limit) break;
    size_t ncap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
    char *nb = bidsim_realloc(buf, ncap);
    if (nb == NULL) { bidsim_free(buf); buf = NULL; break; }
    buf = nb;
    cap = ncap;
  }
  int bad = ferror(f);
  fclose(f);
  if (buf == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  if (bad) { bidsim_free(buf); return bidsim_error_set(err, BIDSIM_EIO, path, "cannot read the scenario"); }
  if (len > limit) {
    bidsim_free(buf);
    return bidsim_error_set(err, BIDSIM_ELIMIT, path, "the scenario is more than the limit of %zu bytes (64 MiB)", limit);
  }
  *out = buf;
  *out_len = len;
  return BIDSIM_OK;
}

int bidsim_scenario_load_opt(const char *path, const bidsim_scenario_options_t *opt, bidsim_scenario_t **out,
                             bidsim_error_t *err) {
  *out = NULL;
  char *buf = NULL;
  size_t len = 0;   /* set by read_file; GCC cannot see that when the library is position-independent */
  int rc = read_file(path, &buf, &len, err);
  if (rc) return rc;
  rc = bidsim_scenario_load_string_opt(buf, len, path, opt, out, err);
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
