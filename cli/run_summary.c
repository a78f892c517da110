/* cli/run_summary.c - the table `bidsim run` prints when it has written a
 * result: per variant, each listed plan's means per day, from the same
 * table and estimators as `bidsim report` (analysis/reptable.h), so the two
 * never disagree. Never a sum across variants: each variant is its own
 * what-if world. A sweep with more rows than fit a screen shows its first
 * point and says how to see the others. */
#include "cli/run_summary.h"
#include <stdio.h>
#include <string.h>
#include "analysis/reptable.h"
#include "bidsim/alloc.h"
#include "cli/format.h"

/* Every variant is listed while variants x listed plans stay within this;
 * beyond it, the first variant only. */
#define MAX_ROWS 40
#define WIDTH 80
#define NAME_MIN 10

enum { COLS = 6 };
/* a column's figure, decimals, title and least width (room for a usual value) */
static const struct { int stat, decimals; const char *title; size_t width; } cols[COLS] = {
  { BIDSIM_STAT_EXPOSURES, 1, "exposures", 10 }, { BIDSIM_STAT_CLICKS, 1, "clicks", 8 },
  { BIDSIM_STAT_SPEND, 2, "spend", 9 },           { BIDSIM_STAT_ORDERS, 2, "orders", 7 },
  { BIDSIM_STAT_ORDER_VALUE, 2, "order value", 11 }, { BIDSIM_STAT_ROI, 2, "ROI", 5 },
};

typedef char cell_t[32];

static void print_row(const char *name, size_t name_cols, cell_t *cells, const size_t *w) {
  fputs("  ", stdout);
  bidsim_print_padded(stdout, name, name_cols);
  for (int c = 0; c < COLS; c++) printf(" %*s", (int)w[c], cells[c]);
  fputc('\n', stdout);
}

static bool any_listed(const bidsim_results_t *res, uint32_t plans) {
  for (uint32_t p = 0; p < plans; p++)
    if (bidsim_results_plan_listed(res, p)) return true;
  return false;
}

int bidsim_run_summary_print(const char *path, bidsim_error_t *err) {
  bidsim_results_t *res = NULL;
  bidsim_reptable_t *t = NULL;
  cell_t *cells = NULL;
  int rc = bidsim_results_open(path, &res, err);
  if (rc) return rc;
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  if (!any_listed(res, dm.plans)) {
    printf("No listed plans, only generated competitors: `bidsim report %s --all` shows them.\n", path);
    goto out;
  }
  bidsim_reptable_options_t opt = { .by = BIDSIM_BY_PLAN };
  if ((rc = bidsim_reptable_create(res, &opt, &t, err))) goto out;
  bidsim_reptable_dims_t td;
  bidsim_reptable_dims(t, &td);
  uint32_t shown = (uint64_t)td.variants * td.groups <= MAX_ROWS ? td.variants : 1;
  cells = bidsim_malloc((size_t)shown * td.groups * COLS * sizeof *cells);
  if (!cells) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "summary", "out of memory"); goto out; }

  /* every cell first, so that the columns fit the widest value of any variant */
  size_t w[COLS], name_cols = 4;
  for (int c = 0; c < COLS; c++) w[c] = cols[c].width;
  for (uint32_t v = 0; v < shown; v++)
    for (uint32_t g = 0; g < td.groups; g++) {
      size_t n = bidsim_text_columns(bidsim_reptable_group_name(t, g));
      if (n > name_cols) name_cols = n;
      for (int c = 0; c < COLS; c++) {
        char *cell = cells[((size_t)v * td.groups + g) * COLS + c];
        bidsim_estimate_t e = bidsim_reptable_estimate(t, v, g, 0, cols[c].stat, 0.95);
        bidsim_fmt_number(cell, sizeof(cell_t), e.mean, cols[c].decimals, cols[c].stat != BIDSIM_STAT_ROI);
        if (strlen(cell) > w[c]) w[c] = strlen(cell);
      }
    }
  size_t numbers = 0;
  for (int c = 0; c < COLS; c++) numbers += w[c] + 1;
  /* long plan names give way before the numbers do */
  if (2 + name_cols + numbers > WIDTH) name_cols = WIDTH > 2 + numbers + NAME_MIN ? WIDTH - 2 - numbers : NAME_MIN;

  bool variants = td.variants > 1;
  printf("Per listed plan%s, mean per day over %u replicate(s) x %u day(s):\n", variants ? " and variant" : "",
         td.replicates, td.days);
  for (uint32_t v = 0; v < shown; v++) {
    if (variants) printf("\nvariant \"%s\" (%u of %u)\n", bidsim_results_variant_name(res, v), v + 1, td.variants);
    cell_t head[COLS];
    for (int c = 0; c < COLS; c++) snprintf(head[c], sizeof head[c], "%s", cols[c].title);
    print_row("plan", name_cols, head, w);
    for (uint32_t g = 0; g < td.groups; g++)
      print_row(bidsim_reptable_group_name(t, g), name_cols, &cells[((size_t)v * td.groups + g) * COLS], w);
  }
  printf("\n");
  if (shown < td.variants)
    printf("%u more variants not shown; one of them: bidsim report %s --variant NAME\n", td.variants - shown,
           path);
  printf("Money in yuan; ROI = order value / spend, each summed over the replicates.\n"
         "With 95%% intervals: bidsim report %s\n", path);
  if (variants)
    printf("Paired differences: bidsim compare %s --baseline '%s'\n", path, bidsim_results_variant_name(res, 0));
out:
  bidsim_free(cells);
  bidsim_reptable_free(t);
  bidsim_results_close(res);
  return rc;
}
