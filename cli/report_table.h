/* cli/report_table.h - how report, compare and run's summary print the
 * report table: the table views (a block per row, a grid per cut, a row per
 * variant or sweep point), CSV and JSON rows, and the number formats they
 * share. */
#ifndef BIDSIM_CLI_REPORT_TABLE_H
#define BIDSIM_CLI_REPORT_TABLE_H
#include <stdbool.h>
#include <stddef.h>
#include "analysis/reptable.h"
#include "cli/args.h"
#include "cli/format.h"

#define BIDSIM_REPORT_LEVEL 0.95

typedef struct {
  const char *path;                  /* the result file, for the header */
  bidsim_by_t by;
  int format;                        /* bidsim_format_t */
  int stats[BIDSIM_STAT_COUNT];      /* the table's statistics ... */
  int stat_count;                    /* ... 0 = the view's defaults */
  uint32_t v0, v1;                   /* variants [v0, v1) */
} bidsim_report_view_t;

/** @brief Print the report of table @p t as @p view asks to stdout. Errors:
 *  BIDSIM_ENOMEM. */
int bidsim_report_print(const bidsim_results_t *res, const bidsim_reptable_t *t, const bidsim_report_view_t *view,
                        bidsim_error_t *err);

/** @brief A statistic's value as tables show it: percent for rates and
 *  shares, HH:MM for the cap-hit time, 3 decimals for pacing evenness,
 *  grouped thousands for counts when @p group. */
void bidsim_report_fmt_stat(char *buf, size_t n, int stat, double v, bool group);
/** @brief "mean±half-width" of an estimate in the table format. */
void bidsim_report_fmt_cell(char *buf, size_t n, int stat, const bidsim_estimate_t *e);
/** @brief A statistic's table title with its unit ("CTR (%)"). */
const char *bidsim_report_stat_title(int stat);
/** @brief The selected days as the "day" field gives them: "all", a date, or
 *  FIRST:LAST dates. */
void bidsim_report_days_label(const bidsim_results_t *res, const bidsim_reptable_t *t, char *buf, size_t n);
/** @brief The swept keys' values of variant @p v as fields named by the key
 *  paths (numbers where the value is one). */
void bidsim_report_sweep_fields(bidsim_rows_t *w, const bidsim_sweep_cols_t *s, uint32_t v);
/** @brief The cut's cell fields (hour, segment, slot; day is the caller's). */
void bidsim_report_cell_fields(bidsim_rows_t *w, const bidsim_reptable_t *t, uint32_t cell);

#endif
