/* analysis/history.c - the platform's promotion report read against a
 * scenario (analysis/history.h): the header's columns by their English or
 * Chinese names, each row's cells checked (dates, whole counts, money in
 * whole fen), the report's rules (docs/model.md §1: clicks are exposures that
 * were clicked; one row per plan, product and date; dates in order), and
 * the plan-day totals. The accepted names are documented in
 * docs/calibration.md; keep the two in step. */
#include "analysis/history.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/csv.h"
#include "analysis/sha256.h"
#include "bidsim/alloc.h"

/* ---- column names ------------------------------------------------------------ */

/* Header names after normalising (trimmed, a trailing "(元)"-style unit
 * dropped, ASCII lower-cased, spaces, '_' and '-' removed). */
static const struct { int col; const char *name; } aliases[] = {
  { BIDSIM_HCOL_DATE, "date" }, { BIDSIM_HCOL_DATE, "day" }, { BIDSIM_HCOL_DATE, "日期" },
  { BIDSIM_HCOL_DATE, "时间" }, { BIDSIM_HCOL_DATE, "统计日期" }, { BIDSIM_HCOL_DATE, "数据日期" },
  { BIDSIM_HCOL_DATE, "投放日期" },
  { BIDSIM_HCOL_PLAN, "plan" }, { BIDSIM_HCOL_PLAN, "planname" }, { BIDSIM_HCOL_PLAN, "campaign" },
  { BIDSIM_HCOL_PLAN, "campaignname" }, { BIDSIM_HCOL_PLAN, "计划" }, { BIDSIM_HCOL_PLAN, "计划名" },
  { BIDSIM_HCOL_PLAN, "计划名称" }, { BIDSIM_HCOL_PLAN, "推广计划" }, { BIDSIM_HCOL_PLAN, "推广计划名" },
  { BIDSIM_HCOL_PLAN, "推广计划名称" }, { BIDSIM_HCOL_PLAN, "推广名称" },
  { BIDSIM_HCOL_SHOP, "shop" }, { BIDSIM_HCOL_SHOP, "shopname" }, { BIDSIM_HCOL_SHOP, "store" },
  { BIDSIM_HCOL_SHOP, "店铺" }, { BIDSIM_HCOL_SHOP, "店铺名" }, { BIDSIM_HCOL_SHOP, "店铺名称" },
  { BIDSIM_HCOL_PRODUCT, "product" }, { BIDSIM_HCOL_PRODUCT, "productid" }, { BIDSIM_HCOL_PRODUCT, "item" },
  { BIDSIM_HCOL_PRODUCT, "itemid" }, { BIDSIM_HCOL_PRODUCT, "goodsid" }, { BIDSIM_HCOL_PRODUCT, "商品id" },
  { BIDSIM_HCOL_PRODUCT, "商品编号" }, { BIDSIM_HCOL_PRODUCT, "宝贝id" },
  { BIDSIM_HCOL_PRODUCT_NAME, "productname" }, { BIDSIM_HCOL_PRODUCT_NAME, "itemname" },
  { BIDSIM_HCOL_PRODUCT_NAME, "goodsname" }, { BIDSIM_HCOL_PRODUCT_NAME, "商品" },
  { BIDSIM_HCOL_PRODUCT_NAME, "商品名称" }, { BIDSIM_HCOL_PRODUCT_NAME, "商品名" },
  { BIDSIM_HCOL_PRODUCT_NAME, "宝贝名称" },
  { BIDSIM_HCOL_EXPOSURES, "exposures" }, { BIDSIM_HCOL_EXPOSURES, "impressions" },
  { BIDSIM_HCOL_EXPOSURES, "impr" }, { BIDSIM_HCOL_EXPOSURES, "曝光量" }, { BIDSIM_HCOL_EXPOSURES, "曝光" },
  { BIDSIM_HCOL_EXPOSURES, "曝光数" }, { BIDSIM_HCOL_EXPOSURES, "曝光次数" }, { BIDSIM_HCOL_EXPOSURES, "展现量" },
  { BIDSIM_HCOL_EXPOSURES, "展现" }, { BIDSIM_HCOL_EXPOSURES, "展现数" }, { BIDSIM_HCOL_EXPOSURES, "展示量" },
  { BIDSIM_HCOL_CLICKS, "clicks" }, { BIDSIM_HCOL_CLICKS, "click" }, { BIDSIM_HCOL_CLICKS, "点击量" },
  { BIDSIM_HCOL_CLICKS, "点击" }, { BIDSIM_HCOL_CLICKS, "点击数" }, { BIDSIM_HCOL_CLICKS, "点击次数" },
  { BIDSIM_HCOL_SPEND, "spend" }, { BIDSIM_HCOL_SPEND, "spendyuan" }, { BIDSIM_HCOL_SPEND, "cost" },
  { BIDSIM_HCOL_SPEND, "花费" }, { BIDSIM_HCOL_SPEND, "总花费" }, { BIDSIM_HCOL_SPEND, "消耗" },
  { BIDSIM_HCOL_SPEND, "推广花费" }, { BIDSIM_HCOL_SPEND, "花费金额" }, { BIDSIM_HCOL_SPEND, "消耗金额" },
  { BIDSIM_HCOL_ORDERS, "orders" }, { BIDSIM_HCOL_ORDERS, "conversions" }, { BIDSIM_HCOL_ORDERS, "transactions" },
  { BIDSIM_HCOL_ORDERS, "成交笔数" }, { BIDSIM_HCOL_ORDERS, "总成交笔数" }, { BIDSIM_HCOL_ORDERS, "成交订单数" },
  { BIDSIM_HCOL_ORDERS, "订单数" }, { BIDSIM_HCOL_ORDERS, "订单量" }, { BIDSIM_HCOL_ORDERS, "交易笔数" },
  { BIDSIM_HCOL_ORDER_VALUE, "ordervalue" }, { BIDSIM_HCOL_ORDER_VALUE, "ordervalueyuan" },
  { BIDSIM_HCOL_ORDER_VALUE, "revenue" }, { BIDSIM_HCOL_ORDER_VALUE, "gmv" },
  { BIDSIM_HCOL_ORDER_VALUE, "成交金额" }, { BIDSIM_HCOL_ORDER_VALUE, "总成交金额" },
  { BIDSIM_HCOL_ORDER_VALUE, "交易额" }, { BIDSIM_HCOL_ORDER_VALUE, "交易金额" },
  { BIDSIM_HCOL_ORDER_VALUE, "成交额" }, { BIDSIM_HCOL_ORDER_VALUE, "订单金额" },
};

/* A row whose date or plan cell says this is the report's total, not a day. */
static const char *const totals[] = { "合计", "总计", "汇总", "小计", "total", "sum", NULL };

static const char *const col_names[BIDSIM_HCOL_COUNT] = { "date", "plan", "shop", "product", "product name",
                                                          "exposures", "clicks", "spend", "orders", "order value" };

const char *bidsim_history_column_name(int col) { return col >= 0 && col < BIDSIM_HCOL_COUNT ? col_names[col] : "?"; }

static bool is_space_at(const char *s, size_t *n) {
  if (*s == ' ' || *s == '\t') { *n = 1; return true; }
  if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80) { *n = 3; return true; }
  return false;   /* U+3000, the ideographic space, is the other one */
}

static void normalize(const char *in, char *out, size_t cap) {
  size_t n;
  while (*in && is_space_at(in, &n)) in += n;
  size_t len = strlen(in);
  while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t')) len--;
  /* a trailing unit: "(元)" or "（元）" */
  if (len > 0 && in[len - 1] == ')') {
    for (size_t i = len; i-- > 0;) if (in[i] == '(') { len = i; break; }
  } else if (len >= 3 && !memcmp(in + len - 3, "\xEF\xBC\x89", 3)) {
    for (size_t i = len - 3; i-- > 0;) if (!memcmp(in + i, "\xEF\xBC\x88", 3)) { len = i; break; }
  }
  size_t o = 0;
  for (size_t i = 0; i < len && o + 1 < cap; i++) {
    char c = in[i];
    if (c == ' ' || c == '_' || c == '-' || c == '\t') continue;
    out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  out[o] = '\0';
}

/* ---- cells --------------------------------------------------------------------- */

/* A decimal as exported: optional sign, optional ¥/￥, digits in groups of
 * three if commas are used, optional fraction. The fraction's digits are
 * returned as written. NULL on success, else what is wrong. */
static const char *decimal(const char *s, bool *neg, int64_t *whole, char frac[16]) {
  *neg = false;
  *whole = 0;
  frac[0] = '\0';
  if (*s == '-' || *s == '+') { *neg = *s == '-'; s++; }
  if (!strncmp(s, "\xC2\xA5", 2)) s += 2;            /* ¥ */
  else if (!strncmp(s, "\xEF\xBF\xA5", 3)) s += 3;   /* ￥ */
  if (*s < '0' || *s > '9') return "a number is expected";
  int group = -1;   /* digits since the last comma; -1 before any comma */
  int lead = 0;
  for (; (*s >= '0' && *s <= '9') || *s == ','; s++) {
    if (*s == ',') {
      if ((group == -1 && (lead < 1 || lead > 3)) || (group != -1 && group != 3)) return "a number with misplaced thousands separators";
      group = 0;
      continue;
    }
    if (*whole > (INT64_MAX - 9) / 10) return "a number too large";
    *whole = *whole * 10 + (*s - '0');
    if (group == -1) lead++;
    else group++;
  }
  if (group != -1 && group != 3) return "a number with misplaced thousands separators";
  if (*s == '.') {
    s++;
    size_t k = 0;
    while (*s >= '0' && *s <= '9') {
      if (k + 1 < 16) frac[k++] = *s;
      s++;
    }
    frac[k] = '\0';
    if (k == 0) return "a number is expected";
  }
  return *s ? "a number is expected" : NULL;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* 2026-03-02, 2026/3/2, 2026.3.2, 20260302 or 2026年3月2日 */
static bool parse_date(const char *s, bidsim_date_t *d) {
  int y = 0, m = 0, day = 0, n = 0;
  char tail;
  if (strlen(s) == 8 && strspn(s, "0123456789") == 8 && sscanf(s, "%4d%2d%2d%n", &y, &m, &day, &n) == 3) {
  } else if (sscanf(s, "%d年%d月%d日%n", &y, &m, &day, &n) == 3 && s[n] == '\0') {
  } else {
    char sep1, sep2;
    if (sscanf(s, "%4d%c%2d%c%2d%c", &y, &sep1, &m, &sep2, &day, &tail) != 5 || sep1 != sep2 ||
        (sep1 != '-' && sep1 != '/' && sep1 != '.'))
      return false;
  }
  static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || day < 1 || day > mdays[m - 1] + (m == 2 && leap(y))) return false;
  *d = (bidsim_date_t){ y, m, day };
  return true;
}

/* Days since 1970-01-01 (proleptic Gregorian). */
static int64_t day_number(bidsim_date_t d) {
  int y = d.year - (d.month <= 2);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400, mp = (d.month + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d.day - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static bidsim_date_t from_day_number(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  return (bidsim_date_t){ (int)(yoe + era * 400 + (m <= 2)), (int)m, (int)d };
}

/* ---- reading ---------------------------------------------------------------------- */

typedef struct {
  uint32_t plan, slot;         /* slot 0 = the plan, 1 + k = its k-th product */
  int64_t  day;                /* day number */
  int      line;
  int64_t  v[BIDSIM_METRIC_COUNT];
} row_t;

typedef struct {
  const char *path;
  const bidsim_scenario_t *sc;
  bidsim_error_t *err;
  const char *header[BIDSIM_HCOL_COUNT];   /* as written, for messages */
  char header_buf[BIDSIM_HCOL_COUNT][96];
} rd_t;

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int cell_fail(rd_t *r, int code, const bidsim_csv_field_t *f, int col, const char *fmt, ...) {
  char where[sizeof r->err->where];
  if (col >= 0) snprintf(where, sizeof where, "%.100s:%d:%d: %.40s", r->path, f->line, f->col, r->header[col]);
  else snprintf(where, sizeof where, "%.100s:%d:%d", r->path, f->line, f->col);
  char msg[sizeof r->err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return bidsim_error_set(r->err, code, where, "%s", msg);
}

static int header(rd_t *r, const bidsim_csv_field_t *f, uint32_t n, int column[BIDSIM_HCOL_COUNT]) {
  for (int c = 0; c < BIDSIM_HCOL_COUNT; c++) column[c] = -1;
  for (uint32_t i = 0; i < n; i++) {
    char norm[96];
    normalize(f[i].text, norm, sizeof norm);
    for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++) {
      if (strcmp(norm, aliases[a].name)) continue;
      int c = aliases[a].col;
      if (column[c] >= 0)
        return cell_fail(r, BIDSIM_EPARSE, &f[i], -1, "two columns for %s: '%s' (column %d) and '%s'", col_names[c],
                         f[column[c]].text, column[c] + 1, f[i].text);
      column[c] = (int)i;
      snprintf(r->header_buf[c], sizeof r->header_buf[c], "%s", f[i].text);
      r->header[c] = r->header_buf[c];
    }
  }
  static const int required[] = { BIDSIM_HCOL_DATE, BIDSIM_HCOL_PLAN, BIDSIM_HCOL_EXPOSURES, BIDSIM_HCOL_CLICKS,
                                  BIDSIM_HCOL_SPEND, BIDSIM_HCOL_ORDERS, BIDSIM_HCOL_ORDER_VALUE };
  char missing[160] = "";
  for (size_t k = 0; k < sizeof required / sizeof required[0]; k++)
    if (column[required[k]] < 0)
      snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s", missing[0] ? ", " : "",
               col_names[required[k]]);
  if (missing[0])
    return cell_fail(r, BIDSIM_EPARSE, &f[0], -1,
                     "missing column(s): %s (the header needs date, plan, exposures, clicks, spend, orders and order "
                     "value; docs/calibration.md lists the names accepted, e.g. 日期, 计划名称, 曝光量, 点击量, 花费, "
                     "成交笔数, 成交金额)", missing);
  return BIDSIM_OK;
}

static bool numeric(const char *s) {
  char *end;
  errno = 0;
  strtod(s, &end);
  return *s && *end == '\0';
}

/* The listed plan a row names (with the shop cell, if any). */
static int find_plan(rd_t *r, const bidsim_csv_field_t *pf, const bidsim_csv_field_t *sf, uint32_t *out) {
  const bidsim_scenario_t *sc = r->sc;
  int found = -1, matches = 0;
  for (uint32_t i = 0; i < sc->plan_count; i++)
    if (!strcmp(sc->plans[i].name, pf->text) && (!sf || !strcmp(sc->shops[sc->plans[i].shop].name, sf->text))) {
      if (found < 0) found = (int)i;
      matches++;
    }
  if (matches == 1) { *out = (uint32_t)found; return BIDSIM_OK; }
  if (matches > 1)
    return cell_fail(r, BIDSIM_EMISMATCH, pf, BIDSIM_HCOL_PLAN,
                     "plan '%s' is in more than one shop of the scenario: add a shop column (店铺)", pf->text);
  char names[200] = "";
  for (uint32_t i = 0; i < sc->plan_count && strlen(names) < sizeof names - 40; i++)
    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", sc->plans[i].name);
  if (numeric(pf->text))
    return cell_fail(r, BIDSIM_EMISMATCH, pf, BIDSIM_HCOL_PLAN,
                     "a number (%s) where a plan name is expected: are the columns shifted? (the scenario's plans: %s)",
                     pf->text, names);
  return cell_fail(r, BIDSIM_EMISMATCH, pf, BIDSIM_HCOL_PLAN, "plan '%s'%s%s%s is not in the scenario (its plans: %s)",
                   pf->text, sf ? " of shop '" : "", sf ? sf->text : "", sf ? "'" : "", names);
}

/* The product slot (1 + index in the plan) a row names, by id or name. */
static int find_product(rd_t *r, uint32_t plan, const bidsim_csv_field_t *f, int col, uint32_t *slot) {
  const bidsim_sc_plan_t *pl = &r->sc->plans[plan];
  const bidsim_sc_shop_t *sh = &r->sc->shops[pl->shop];
  if (f->len == 0) return cell_fail(r, BIDSIM_EPARSE, f, col, "a product is expected (the report has a product column)");
  char *end;
  unsigned long long id = strtoull(f->text, &end, 10);
  for (uint32_t k = 0; k < pl->product_count; k++) {
    bool hit = *end == '\0' && f->text[0] != '-' && pl->product_ids[k] == id;
    for (uint32_t q = 0; !hit && q < sh->product_count; q++)
      hit = sh->products[q].id == pl->product_ids[k] && !strcmp(sh->products[q].name, f->text);
    if (hit) { *slot = 1 + k; return BIDSIM_OK; }
  }
  return cell_fail(r, BIDSIM_EMISMATCH, f, col, "product '%s' is not in plan '%s' of the scenario", f->text, pl->name);
}

static int metric_cell(rd_t *r, const bidsim_csv_field_t *f, int col, bool money, int64_t *out) {
  bool neg;
  int64_t whole;
  char frac[16];
  const char *why = decimal(f->text, &neg, &whole, frac);
  if (why) return cell_fail(r, BIDSIM_EPARSE, f, col, "%s, got '%s'", why, f->text);
  if (neg && (whole > 0 || strspn(frac, "0") != strlen(frac)))
    return cell_fail(r, BIDSIM_EINVAL, f, col, "%s %s is negative: counts and money in a report are never below 0",
                     col_names[col], f->text);
  if (!money) {
    if (strspn(frac, "0") != strlen(frac))
      return cell_fail(r, BIDSIM_EINVAL, f, col, "%s %s is not a whole number", col_names[col], f->text);
    *out = whole;
    return BIDSIM_OK;
  }
  if (strlen(frac) > 2)
    return cell_fail(r, BIDSIM_EINVAL, f, col, "%s %s has more than 2 decimals: money is in yuan to the fen (0.01)",
                     col_names[col], f->text);
  if (whole > INT64_MAX / 1000 - 1) return cell_fail(r, BIDSIM_EINVAL, f, col, "%s %s is too large", col_names[col], f->text);
  int64_t fen = frac[0] ? (frac[0] - '0') * 10 + (frac[1] ? frac[1] - '0' : 0) : 0;
  *out = whole * 1000 + fen * 10;
  return BIDSIM_OK;
}

static bool is_total(const char *s) {
  char norm[96];
  normalize(s, norm, sizeof norm);
  for (int i = 0; totals[i]; i++)
    if (!strcmp(norm, totals[i])) return true;
  return false;
}

/* One data row into *row, its rules checked. */
static int data_row(rd_t *r, const bidsim_csv_field_t *f, uint32_t n, const int *column, row_t *row) {
  for (int c = 0; c < BIDSIM_HCOL_COUNT; c++)
    if (column[c] >= (int)n)
      return cell_fail(r, BIDSIM_EPARSE, &f[n - 1], -1, "the row has %u fields; the header's '%s' is column %d", n,
                       r->header[c], column[c] + 1);
  const bidsim_csv_field_t *df = &f[column[BIDSIM_HCOL_DATE]], *pf = &f[column[BIDSIM_HCOL_PLAN]];
  bidsim_date_t d;
  if (!parse_date(df->text, &d))
    return cell_fail(r, BIDSIM_EPARSE, df, BIDSIM_HCOL_DATE, "a date (YYYY-MM-DD) is expected, got '%s'", df->text);
  row->day = day_number(d);
  row->line = df->line;
  if (pf->len == 0) return cell_fail(r, BIDSIM_EPARSE, pf, BIDSIM_HCOL_PLAN, "a plan name is expected");
  int rc = find_plan(r, pf, column[BIDSIM_HCOL_SHOP] >= 0 ? &f[column[BIDSIM_HCOL_SHOP]] : NULL, &row->plan);
  if (rc) return rc;
  row->slot = 0;
  int pc = column[BIDSIM_HCOL_PRODUCT] >= 0 ? BIDSIM_HCOL_PRODUCT
           : column[BIDSIM_HCOL_PRODUCT_NAME] >= 0 ? BIDSIM_HCOL_PRODUCT_NAME : -1;
  if (pc >= 0 && (rc = find_product(r, row->plan, &f[column[pc]], pc, &row->slot))) return rc;
  static const int mcol[BIDSIM_METRIC_COUNT] = { BIDSIM_HCOL_EXPOSURES, BIDSIM_HCOL_CLICKS, BIDSIM_HCOL_SPEND,
                                                 BIDSIM_HCOL_ORDERS, BIDSIM_HCOL_ORDER_VALUE };
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
    bool money = m == BIDSIM_METRIC_SPEND_LI || m == BIDSIM_METRIC_ORDER_VALUE_LI;
    if ((rc = metric_cell(r, &f[column[mcol[m]]], mcol[m], money, &row->v[m]))) return rc;
  }
  if (row->v[BIDSIM_METRIC_CLICKS] > row->v[BIDSIM_METRIC_EXPOSURES])
    return cell_fail(r, BIDSIM_EINVAL, &f[column[BIDSIM_HCOL_CLICKS]], BIDSIM_HCOL_CLICKS,
                     "%lld clicks are more than the %lld exposures: a click is on an exposed ad",
                     (long long)row->v[BIDSIM_METRIC_CLICKS], (long long)row->v[BIDSIM_METRIC_EXPOSURES]);
  return BIDSIM_OK;
}

/* Rows of one (plan, product) come one date each, in the report's order
 * (the first plan with two dates fixes whether that is rising or falling). */
static int check_order(rd_t *r, const row_t *rows, size_t n, const bidsim_csv_field_t *df, int *direction) {
  const row_t *cur = &rows[n - 1];
  const char *plan = r->sc->plans[cur->plan].name, *what = cur->slot ? "plan, product" : "plan";
  bidsim_date_t d = from_day_number(cur->day);
  /* the key's previous row: the row before for a report grouped by plan,
   * within the last few for one grouped by date */
  size_t i = n - 1;
  while (i-- > 0 && (rows[i].plan != cur->plan || rows[i].slot != cur->slot)) {}
  if (i == (size_t)-1) return BIDSIM_OK;
  const row_t *o = &rows[i];
  int dir = cur->day > o->day ? 1 : cur->day < o->day ? -1 : 0;
  if (dir != 0 && *direction == 0) *direction = dir;
  if (dir != 0 && dir == *direction) return BIDSIM_OK;
  /* the key's dates have been monotone so far: an equal one is earlier */
  for (size_t j = i + 1; j-- > 0;)
    if (rows[j].plan == cur->plan && rows[j].slot == cur->slot && rows[j].day == cur->day)
      return cell_fail(r, BIDSIM_EINVAL, df, BIDSIM_HCOL_DATE,
                       "%04d-%02d-%02d is a duplicate of line %d for plan '%s': one row per %s and date", d.year,
                       d.month, d.day, rows[j].line, plan, what);
  bidsim_date_t p = from_day_number(o->day);
  return cell_fail(r, BIDSIM_EINVAL, df, BIDSIM_HCOL_DATE,
                   "%04d-%02d-%02d comes after %04d-%02d-%02d (line %d) for plan '%s': the report's dates must be in "
                   "%s order", d.year, d.month, d.day, p.year, p.month, p.day, o->line, plan,
                   *direction > 0 ? "rising" : "falling");
}

int bidsim_history_parse(const char *data, size_t len, const char *path, const bidsim_scenario_t *sc,
                         bidsim_history_t **out, bidsim_error_t *err) {
  *out = NULL;
  rd_t r = { .path = path, .sc = sc, .err = err };
  bidsim_csv_t *csv = NULL;
  row_t *rows = NULL;
  size_t nrows = 0, cap = 0;
  int column[BIDSIM_HCOL_COUNT], direction = 0;
  bool have_header = false;
  int rc = bidsim_csv_open(data, len, path, &csv, err);
  while (rc == BIDSIM_OK) {
    const bidsim_csv_field_t *f;
    uint32_t n;
    bool eof;
    if ((rc = bidsim_csv_next(csv, &f, &n, &eof, err)) || eof) break;
    bool blank = true;
    for (uint32_t i = 0; i < n && blank; i++) blank = f[i].len == 0;
    if (blank) continue;
    if (!have_header) { rc = header(&r, f, n, column); have_header = true; continue; }
    if ((column[BIDSIM_HCOL_DATE] < (int)n && is_total(f[column[BIDSIM_HCOL_DATE]].text)) ||
        (column[BIDSIM_HCOL_PLAN] < (int)n && is_total(f[column[BIDSIM_HCOL_PLAN]].text)))
      continue;
    if (nrows == cap) {
      cap = cap ? 2 * cap : 256;
      row_t *nr = bidsim_realloc(rows, cap * sizeof *nr);
      if (nr == NULL) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory"); break; }
      rows = nr;
    }
    if ((rc = data_row(&r, f, n, column, &rows[nrows]))) break;
    nrows++;
    rc = check_order(&r, rows, nrows, &f[column[BIDSIM_HCOL_DATE]], &direction);
  }
  if (rc == BIDSIM_OK && nrows == 0)
    rc = bidsim_error_set(err, BIDSIM_EPARSE, path, have_header ? "the report has a header but no data rows" : "the report is empty");
  bidsim_history_t *h = NULL;
  if (rc == BIDSIM_OK) {
    int64_t lo = rows[0].day, hi = rows[0].day;
    for (size_t i = 1; i < nrows; i++) {
      if (rows[i].day < lo) lo = rows[i].day;
      if (rows[i].day > hi) hi = rows[i].day;
    }
    if (hi - lo + 1 > BIDSIM_DAYS_MAX)
      rc = bidsim_error_set(err, BIDSIM_ELIMIT, path, "the report spans %lld days, more than %u", (long long)(hi - lo + 1),
                            BIDSIM_DAYS_MAX);
    h = rc ? NULL : bidsim_calloc(1, sizeof *h);
    if (rc == BIDSIM_OK && h == NULL) rc = bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
    if (rc == BIDSIM_OK) {
      h->first = from_day_number(lo);
      h->last = from_day_number(hi);
      h->days = (uint32_t)(hi - lo + 1);
      h->plans = sc->plan_count;
      h->rows = (uint32_t)nrows;
      h->by_product = column[BIDSIM_HCOL_PRODUCT] >= 0 || column[BIDSIM_HCOL_PRODUCT_NAME] >= 0;
      h->delimiter = bidsim_csv_delimiter(csv);
      memcpy(h->column, column, sizeof column);
      bidsim_sha256_hex(data, len, h->sha256);
      h->value = bidsim_calloc((size_t)h->plans * h->days * BIDSIM_METRIC_COUNT + 1, sizeof *h->value);
      h->seen = bidsim_calloc((size_t)h->plans * h->days + 1, 1);
      if (!h->value || !h->seen) rc = bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
    }
    for (size_t i = 0; rc == BIDSIM_OK && i < nrows; i++) {
      uint32_t d = (uint32_t)(rows[i].day - lo);
      h->seen[(size_t)rows[i].plan * h->days + d] = 1;
      for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) BIDSIM_HISTORY_AT(h, rows[i].plan, d, m) += rows[i].v[m];
    }
  }
  bidsim_free(rows);
  bidsim_csv_free(csv);
  if (rc) { bidsim_history_free(h); return rc; }
  *out = h;
  return BIDSIM_OK;
}

int bidsim_history_read(const char *path, const bidsim_scenario_t *sc, bidsim_history_t **out, bidsim_error_t *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (f == NULL) return bidsim_error_set(err, BIDSIM_EIO, path, "cannot open the report: %s", strerror(errno));
  size_t cap = 1 << 16, len = 0;
  char *buf = bidsim_malloc(cap);
  int rc = BIDSIM_OK;
  while (buf) {
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap) break;
    if (cap >= ((size_t)256 << 20)) { rc = bidsim_error_set(err, BIDSIM_ELIMIT, path, "the report is larger than 256 MiB"); break; }
    char *nb = bidsim_realloc(buf, cap * 2);
    if (nb == NULL) { bidsim_free(buf); buf = NULL; break; }
    buf = nb;
    cap *= 2;
  }
  if (rc == BIDSIM_OK && buf == NULL) rc = bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  if (rc == BIDSIM_OK && ferror(f)) rc = bidsim_error_set(err, BIDSIM_EIO, path, "cannot read the report: %s", strerror(errno));
  fclose(f);
  if (rc == BIDSIM_OK) rc = bidsim_history_parse(buf, len, path, sc, out, err);
  bidsim_free(buf);
  return rc;
}

void bidsim_history_date(const bidsim_history_t *h, uint32_t d, char buf[16]) {
  bidsim_date_t t = from_day_number(day_number(h->first) + d);
  snprintf(buf, 16, "%04d-%02d-%02d", t.year % 10000, t.month % 100, t.day % 100);
}

void bidsim_history_free(bidsim_history_t *h) {
  if (h == NULL) return;
  bidsim_free(h->value);
  bidsim_free(h->seen);
  bidsim_free(h);
}
