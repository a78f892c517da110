/* cli/format.h - number and field formatting shared by the report, compare
 * and run's summary: aligned tables (in terminal columns, not bytes), CSV
 * (RFC 4180 quoting) and JSON. */
#ifndef BIDSIM_CLI_FORMAT_H
#define BIDSIM_CLI_FORMAT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { BIDSIM_FORMAT_TABLE = 0, BIDSIM_FORMAT_CSV, BIDSIM_FORMAT_JSON } bidsim_format_t;

/** @brief Parse "table", "csv" or "json"; -1 otherwise. */
int bidsim_format_parse(const char *s);

/** @brief @p v with @p decimals places, thousands grouped with commas when
 *  @p group; "-" for NaN. Always NUL-terminated. */
void bidsim_fmt_number(char *buf, size_t n, double v, int decimals, bool group);

/** @brief Columns @p s takes on a terminal: UTF-8 decoded, East Asian wide
 *  and fullwidth characters (CJK, kana, hangul) 2, combining marks 0,
 *  others 1; a byte that is not UTF-8 counts as one column. */
size_t bidsim_text_columns(const char *s);
/** @brief Print @p s left-aligned in exactly @p columns terminal columns:
 *  padded with spaces, or cut at a character and ended with "~" when wider. */
void bidsim_print_padded(FILE *f, const char *s, size_t columns);

/** @brief Print @p s whole when it takes at most @p columns, else cut at a
 *  character and ended with "~" within @p columns (no padding). */
void bidsim_print_cut(FILE *f, const char *s, size_t columns);

/** @brief A CSV field: quoted (with doubled quotes) when it holds a comma,
 *  quote or line break. */
void bidsim_csv_string(FILE *f, const char *s);
/** @brief A CSV number: %.15g, empty for NaN. */
void bidsim_csv_number(FILE *f, double v);

/** @brief A JSON string literal with every control character escaped. */
void bidsim_json_string(FILE *f, const char *s);
/** @brief A JSON number (%.15g), or null for NaN and infinities. */
void bidsim_json_number(FILE *f, double v);

/* An aligned text table: cells added row by row (a row is `cols` cells),
 * printed with each column as wide as its widest cell in terminal columns
 * (two blanks apart, or one when two do not fit `width`),
 * the first `labels` columns left-aligned and the rest right-aligned.
 * Labels are cut (with "~") to 40 columns, and label columns that would
 * take the table past `width` further down to 8 columns each, widest first,
 * when that makes it fit (else they stay at 40). Adding never fails: out of memory
 * is reported by bidsim_grid_print. */
typedef struct bidsim_grid bidsim_grid_t;
bidsim_grid_t *bidsim_grid_create(unsigned cols, unsigned labels);   /* NULL: out of memory */
void bidsim_grid_free(bidsim_grid_t *g);
void bidsim_grid_add(bidsim_grid_t *g, const char *text);
void bidsim_grid_addf(bidsim_grid_t *g, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** @brief Print every row, each after @p indent; -1 if a cell could not be
 *  stored (out of memory), else 0. */
int bidsim_grid_print(const bidsim_grid_t *g, FILE *f, const char *indent, size_t width);

/* Rows of named fields written as CSV or JSON by the same code: the caller
 * supplies a function that emits one row's fields with bidsim_row_string and
 * bidsim_row_number; bidsim_rows_emit calls it once per row and, for the
 * first CSV row, once more before it to print the header (field names).
 * JSON output is one array with one object per row, one row per line. */
typedef struct bidsim_rows {
  FILE *f;
  bidsim_format_t format;
  size_t rows;      /* rows written so far */
  int col;          /* fields written in the current row */
  bool header;      /* CSV: printing names, not values */
} bidsim_rows_t;

typedef void (*bidsim_row_fn)(bidsim_rows_t *w, const void *ctx);

void bidsim_rows_begin(bidsim_rows_t *w, FILE *f, bidsim_format_t format);
void bidsim_rows_emit(bidsim_rows_t *w, bidsim_row_fn fn, const void *ctx);
void bidsim_rows_end(bidsim_rows_t *w);   /* closes the JSON array */
void bidsim_row_string(bidsim_rows_t *w, const char *key, const char *value);
void bidsim_row_number(bidsim_rows_t *w, const char *key, double value);   /* NaN: empty / null */

#endif
