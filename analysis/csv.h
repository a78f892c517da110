/* analysis/csv.h - a reader of delimited text as spreadsheets and ad
 * platforms export it: RFC 4180 records (quoted fields with doubled
 * quotes and line breaks inside, CRLF or LF), comma or tab separated,
 * UTF-8 checked before anything is read, a leading BOM skipped. Every
 * field carries its line and column (in characters, 1-based) for
 * messages. Prints nothing. */
#ifndef BIDSIM_ANALYSIS_CSV_H
#define BIDSIM_ANALYSIS_CSV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bidsim/error.h"

typedef struct {
  const char *text;   /* unquoted, NUL-terminated; valid until the next record */
  size_t len;
  int line, col;      /* where the field starts */
  bool quoted;
} bidsim_csv_field_t;

typedef struct bidsim_csv bidsim_csv_t;

/** @brief A reader over @p len bytes at @p data (which must outlive it).
 *  The delimiter is the first line's: tab when it has more tabs than
 *  commas outside quotes, else comma. Errors (err->where "PATH:LINE:COL"):
 *  BIDSIM_EPARSE for bytes that are not UTF-8 (with the byte and a hint
 *  for GBK and UTF-16 exports), BIDSIM_ENOMEM. */
int  bidsim_csv_open(const char *data, size_t len, const char *path, bidsim_csv_t **out, bidsim_error_t *err);
void bidsim_csv_free(bidsim_csv_t *r);
char bidsim_csv_delimiter(const bidsim_csv_t *r);

/** @brief The next record: *fields and *count (0 and *eof at the end).
 *  Unquoted fields are trimmed of spaces and tabs around them. Errors:
 *  BIDSIM_EPARSE for a quoted field that never closes or text after a
 *  closing quote. */
int  bidsim_csv_next(bidsim_csv_t *r, const bidsim_csv_field_t **fields, uint32_t *count, bool *eof,
                     bidsim_error_t *err);

#endif
