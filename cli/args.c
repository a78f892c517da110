/* cli/args.c - resolve command-line names against a result file. */
#include "cli/args.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/alloc.h"

/* A whole decimal number below `limit`, or -1. */
static long parse_index(const char *s, uint32_t limit) {
  char *end;
  if (*s < '0' || *s > '9') return -1;
  long v = strtol(s, &end, 10);
  return *end == '\0' && v >= 0 && v < (long)limit ? v : -1;
}

/* "'a', 'b', 'c'" of at most ~200 bytes, then "...". */
static void list_names(char *buf, size_t n, uint32_t count, const char *(*name)(const bidsim_results_t *, uint32_t),
                       const bidsim_results_t *res, bool (*keep)(const bidsim_results_t *, uint32_t)) {
  buf[0] = '\0';
  bool first = true;
  for (uint32_t i = 0; i < count; i++) {
    if (keep && !keep(res, i)) continue;
    if (strlen(buf) > n - 48) {
      snprintf(buf + strlen(buf), n - strlen(buf), ", ...");
      return;
    }
    snprintf(buf + strlen(buf), n - strlen(buf), "%s'%.32s'", first ? "" : ", ", name(res, i));
    first = false;
  }
}

int bidsim_args_variant(const bidsim_results_t *res, const char *s, uint32_t *out, bidsim_error_t *err) {
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  for (uint32_t v = 0; v < dm.variants; v++)
    if (!strcmp(s, bidsim_results_variant_name(res, v))) { *out = v; return BIDSIM_OK; }
  long i = parse_index(s, dm.variants);
  if (i >= 0) { *out = (uint32_t)i; return BIDSIM_OK; }
  char names[256];
  list_names(names, sizeof names, dm.variants, bidsim_results_variant_name, res, NULL);
  return bidsim_error_set(err, BIDSIM_EINVAL, "variant", "no variant '%s' in the file; it has %s (or an index below %u)",
                          s, names, dm.variants);
}

int bidsim_args_day(const bidsim_results_t *res, const char *s, int32_t *out, bidsim_error_t *err) {
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  for (uint32_t d = 0; d < dm.days; d++)
    if (!strcmp(s, bidsim_results_day_label(res, d))) { *out = (int32_t)d; return BIDSIM_OK; }
  long i = parse_index(s, dm.days);
  if (i >= 0) { *out = (int32_t)i; return BIDSIM_OK; }
  return bidsim_error_set(err, BIDSIM_EINVAL, "day", "no day '%s': the file has days 0-%u (%s to %s)", s, dm.days - 1,
                          bidsim_results_day_label(res, 0), bidsim_results_day_label(res, dm.days - 1));
}

int bidsim_args_days(const bidsim_results_t *res, const char *s, uint32_t *first, uint32_t *count,
                     bidsim_error_t *err) {
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  const char *colon = strchr(s, ':');
  char a[64], b[64];
  if (strlen(s) >= sizeof a) return bidsim_error_set(err, BIDSIM_EINVAL, "days", "--days '%.40s...' is too long", s);
  snprintf(a, sizeof a, "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
  snprintf(b, sizeof b, "%s", colon ? colon + 1 : s);
  if (colon && strchr(colon + 1, ':'))
    return bidsim_error_set(err, BIDSIM_EINVAL, "days", "--days takes FIRST:LAST (one colon), got '%s'", s);
  int32_t d0 = 0, d1 = (int32_t)dm.days - 1;
  int rc;
  if (a[0] && (rc = bidsim_args_day(res, a, &d0, err))) return rc;
  if (b[0] && (rc = bidsim_args_day(res, b, &d1, err))) return rc;
  if (d1 < d0)
    return bidsim_error_set(err, BIDSIM_EINVAL, "days", "--days %s: the last day (%s) is before the first (%s)", s,
                            bidsim_results_day_label(res, (uint32_t)d1), bidsim_results_day_label(res, (uint32_t)d0));
  *first = (uint32_t)d0;
  *count = (uint32_t)(d1 - d0 + 1);
  return BIDSIM_OK;
}

static const char *const group_names[] = { "shop", "plan", "product" };

const char *bidsim_group_by_name(bidsim_group_by_t by) {
  return (unsigned)by < 3 ? group_names[by] : "unknown";
}

int bidsim_args_by(const char *s, bidsim_by_t *out, bidsim_error_t *err) {
  *out = (bidsim_by_t){ BIDSIM_BY_PLAN, BIDSIM_CUT_NONE, false };
  bool grouped = false;
  char item[32];
  for (const char *p = s;; p++) {
    size_t len = strcspn(p, ",");
    snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), p);
    bool known = false;
    for (int i = 0; i < 3 && !known; i++)
      if (!strcmp(item, group_names[i])) {
        if (grouped) return bidsim_error_set(err, BIDSIM_EINVAL, "by", "--by %s names two groupings", s);
        out->by = (bidsim_group_by_t)i;
        grouped = known = true;
      }
    for (int c = BIDSIM_CUT_HOUR; c < BIDSIM_CUT_COUNT && !known; c++)
      if (!strcmp(item, bidsim_cut_name((bidsim_cut_t)c))) {
        if (out->cut != BIDSIM_CUT_NONE) return bidsim_error_set(err, BIDSIM_EINVAL, "by", "--by %s names two cuts", s);
        out->cut = (bidsim_cut_t)c;
        known = true;
      }
    if (!known && !strcmp(item, "variant")) out->variant_rows = known = true;
    if (!known || len >= sizeof item)
      return bidsim_error_set(err, BIDSIM_EINVAL, "by",
                              "--by takes shop, plan or product, and hour, day, segment, slot or variant "
                              "(comma-separated, e.g. shop,day), got '%s'",
                              s);
    p += len;
    if (*p == '\0') break;
  }
  if (out->variant_rows && out->cut != BIDSIM_CUT_NONE)
    return bidsim_error_set(err, BIDSIM_EINVAL, "by", "--by %s: rows are either variants or %ss, not both", s,
                            bidsim_cut_name(out->cut));
  return BIDSIM_OK;
}

int bidsim_args_stats(const char *s, int *out, int *n, bidsim_error_t *err) {
  *n = 0;
  char item[48];
  for (const char *p = s;; p++) {
    size_t len = strcspn(p, ",");
    snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), p);
    int stat = len < sizeof item ? bidsim_stat_parse(item) : -1;
    if (stat < 0) {
      char keys[400] = "";
      for (int k = 0; k < BIDSIM_STAT_COUNT; k++)
        snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", k ? ", " : "", bidsim_stat_key(k));
      return bidsim_error_set(err, BIDSIM_EINVAL, "stats", "no statistic '%s'; the keys are %s", item, keys);
    }
    if (*n == BIDSIM_STAT_COUNT) return bidsim_error_set(err, BIDSIM_EINVAL, "stats", "--stats lists too many");
    out[(*n)++] = stat;
    p += len;
    if (*p == '\0') break;
  }
  return BIDSIM_OK;
}

int bidsim_filters_add_plan(bidsim_filters_t *f, const char *name, bidsim_error_t *err) {
  if (f->plan_count == BIDSIM_ARGS_MAX_PLANS)
    return bidsim_error_set(err, BIDSIM_ELIMIT, "plan", "more than %d --plan options", BIDSIM_ARGS_MAX_PLANS);
  f->plan[f->plan_count++] = name;
  return BIDSIM_OK;
}

void bidsim_filters_free(bidsim_filters_t *f) {
  bidsim_free(f->mask);
  f->mask = NULL;
}

static bool is_listed(const bidsim_results_t *res, uint32_t p) { return bidsim_results_plan_listed(res, p); }

/* Mark the plans NAME names: by name in any shop, or SHOP/PLAN. */
static int mark_plan(const bidsim_results_t *res, const bidsim_results_dims_t *dm, const char *name, uint8_t *mask,
                     bidsim_error_t *err) {
  bool found = false;
  for (uint32_t p = 0; p < dm->plans; p++)
    if (!strcmp(name, bidsim_results_plan_name(res, p))) mask[p] = 1, found = true;
  const char *slash = strchr(name, '/');
  for (uint32_t p = 0; slash && !found && p < dm->plans; p++) {
    const char *shop = bidsim_results_plan_shop(res, p);
    if (strlen(shop) == (size_t)(slash - name) && !strncmp(shop, name, (size_t)(slash - name)) &&
        !strcmp(slash + 1, bidsim_results_plan_name(res, p)))
      mask[p] = 1, found = true;
  }
  if (found) return BIDSIM_OK;
  char names[256];
  list_names(names, sizeof names, dm->plans, bidsim_results_plan_name, res, is_listed);
  return bidsim_error_set(err, BIDSIM_EINVAL, "plan", "no plan '%s' in the file; its listed plans are %s (SHOP/PLAN "
                          "picks one of two plans of one name)", name, names);
}

static bool shop_exists(const bidsim_results_t *res, const bidsim_results_dims_t *dm, const char *shop) {
  for (uint32_t p = 0; p < dm->plans; p++)
    if (!strcmp(shop, bidsim_results_plan_shop(res, p))) return true;
  for (uint32_t q = 0; q < dm->products; q++)
    if (!strcmp(shop, bidsim_results_product_shop(res, q))) return true;
  return false;
}

int bidsim_args_filters(const bidsim_results_t *res, bidsim_filters_t *f, bidsim_reptable_options_t *opt,
                        bidsim_error_t *err) {
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  int rc;
  if (f->days && (rc = bidsim_args_days(res, f->days, &opt->day_first, &opt->day_count, err))) return rc;
  if (f->shop && !shop_exists(res, &dm, f->shop)) {
    char names[256];
    list_names(names, sizeof names, dm.plans, bidsim_results_plan_shop, res, is_listed);
    return bidsim_error_set(err, BIDSIM_EINVAL, "shop", "no shop '%s' in the file; the listed plans' shops are %s",
                            f->shop, names);
  }
  opt->shop = f->shop;
  if (f->plan_count == 0) return BIDSIM_OK;
  bidsim_filters_free(f);
  if ((f->mask = bidsim_calloc(dm.plans ? dm.plans : 1, 1)) == NULL)
    return bidsim_error_set(err, BIDSIM_ENOMEM, "plan", "out of memory");
  for (uint32_t i = 0; i < f->plan_count; i++)
    if ((rc = mark_plan(res, &dm, f->plan[i], f->mask, err))) return rc;
  opt->plans = f->mask;
  return BIDSIM_OK;
}

void bidsim_args_sweep(const bidsim_results_t *res, bidsim_sweep_cols_t *out) {
  bidsim_output_meta_t meta;
  bidsim_results_meta(res, &meta);
  *out = (bidsim_sweep_cols_t){ meta.sweep_key_count, meta.sweep_keys, meta.sweep_values };
  if (!out->keys || !out->values) out->count = 0;
}

/* the last part of a key path: after the last '.' or ']' */
static const char *leaf(const char *key) {
  const char *dot = strrchr(key, '.'), *bracket = strrchr(key, ']');
  const char *at = dot > bracket ? dot : bracket;
  return at && at[1] ? at + 1 : key;
}

const char *bidsim_sweep_title(const bidsim_sweep_cols_t *s, uint32_t k) {
  if (k >= s->count) return "";
  const char *mine = leaf(s->keys[k]);
  for (uint32_t j = 0; j < s->count; j++)
    if (j != k && !strcmp(mine, leaf(s->keys[j]))) return s->keys[k];
  return mine;
}
