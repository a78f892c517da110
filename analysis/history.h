/* analysis/history.h - a shop's promotion history as the platform's back
 * end exports it (per date and plan, optionally per product: exposures,
 * clicks, spend, orders, order value; money in yuan), read against a
 * scenario's listed plans for calibration. CSV or tab-separated, UTF-8
 * with or without a BOM, RFC 4180 quoting, English or Chinese headers
 * (docs/calibration.md lists the accepted names). Every rule broken is an
 * error at FILE:LINE:COLUMN with the column's header. Prints nothing. */
#ifndef BIDSIM_ANALYSIS_HISTORY_H
#define BIDSIM_ANALYSIS_HISTORY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/output.h"
#include "sim/scenario.h"

/* The report's columns: the five metrics are bidsim_metric_t's, in li for
 * money. */
typedef enum {
  BIDSIM_HCOL_DATE = 0,
  BIDSIM_HCOL_PLAN,
  BIDSIM_HCOL_SHOP,           /* optional: tells plans of one name apart */
  BIDSIM_HCOL_PRODUCT,        /* optional: product id (or name) within the plan */
  BIDSIM_HCOL_PRODUCT_NAME,   /* optional: used when there is no product id column */
  BIDSIM_HCOL_EXPOSURES,
  BIDSIM_HCOL_CLICKS,
  BIDSIM_HCOL_SPEND,
  BIDSIM_HCOL_ORDERS,
  BIDSIM_HCOL_ORDER_VALUE,
  BIDSIM_HCOL_COUNT
} bidsim_history_column_t;

typedef struct {
  char     sha256[65];        /* of the file's bytes, hex */
  bidsim_date_t first, last;  /* the earliest and the latest date */
  uint32_t days;              /* earliest to latest, inclusive */
  uint32_t plans;             /* the scenario's listed plans */
  int64_t *value;             /* [plan][day][metric]: counts, li; product rows summed */
  uint8_t *seen;              /* [plan][day]: 1 = the report has the plan-day */
  uint32_t rows;              /* data rows read (totals rows and blank rows skipped) */
  bool     by_product;        /* the report has a product column */
  char     delimiter;         /* ',' or '\t' */
  int      column[BIDSIM_HCOL_COUNT];   /* 0-based column of each, -1 = absent */
} bidsim_history_t;

#define BIDSIM_HISTORY_AT(h, p, d, m) ((h)->value[((size_t)(p) * (h)->days + (d)) * BIDSIM_METRIC_COUNT + (m)])

/** @brief Read and check the report @p path against the listed plans of
 *  @p sc. On success *out is the caller's (bidsim_history_free). Errors:
 *  BIDSIM_EIO (cannot read), BIDSIM_EPARSE (not UTF-8, quoting, a cell
 *  that is not a date or a number, missing columns), BIDSIM_EINVAL (a rule:
 *  negative, clicks above exposures, money finer than fen, duplicate or
 *  unordered dates), BIDSIM_EMISMATCH (a plan or product not in the
 *  scenario); err->where is "FILE:LINE:COL: HEADER". */
int  bidsim_history_read(const char *path, const bidsim_scenario_t *sc, bidsim_history_t **out, bidsim_error_t *err);
/** @brief The same from bytes in memory (@p path for messages). */
int  bidsim_history_parse(const char *data, size_t len, const char *path, const bidsim_scenario_t *sc,
                          bidsim_history_t **out, bidsim_error_t *err);
void bidsim_history_free(bidsim_history_t *h);

/** @brief The date of day @p d of the history ("2026-03-02"). */
void bidsim_history_date(const bidsim_history_t *h, uint32_t d, char buf[16]);

/** @brief The generic name of a column ("date", "plan", "exposures" ...). */
const char *bidsim_history_column_name(int col);

#endif
