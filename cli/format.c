/* cli/format.c - table, CSV and JSON formatting helpers. Numbers use
 * %.15g in CSV and JSON: enough digits to reproduce the report's doubles to
 * 1e-15, without the noise digits of %.17g. */
#include "cli/format.h"
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include "bidsim/alloc.h"

int bidsim_format_parse(const char *s) {
  if (!strcmp(s, "table")) return BIDSIM_FORMAT_TABLE;
  if (!strcmp(s, "csv")) return BIDSIM_FORMAT_CSV;
  if (!strcmp(s, "json")) return BIDSIM_FORMAT_JSON;
  return -1;
}

void bidsim_fmt_number(char *buf, size_t n, double v, int decimals, bool group) {
  if (isnan(v)) { snprintf(buf, n, "-"); return; }
  char raw[64];
  snprintf(raw, sizeof raw, "%.*f", decimals, v);
  if (!group || fabs(v) < 1000) { snprintf(buf, n, "%s", raw); return; }
  /* insert a comma every three digits of the integer part */
  const char *digits = raw + (raw[0] == '-'), *dot = strchr(digits, '.');
  size_t int_len = dot ? (size_t)(dot - digits) : strlen(digits), o = 0;
  char tmp[96];
  if (raw[0] == '-') tmp[o++] = '-';
  for (size_t i = 0; i < int_len; i++) {
    if (i > 0 && (int_len - i) % 3 == 0) tmp[o++] = ',';
    tmp[o++] = digits[i];
  }
  snprintf(tmp + o, sizeof tmp - o, "%s", dot ? dot : "");
  snprintf(buf, n, "%s", tmp);
}

/* One UTF-8 character at s: its code point (or the byte itself when the
 * sequence is not UTF-8) and its length in bytes. */
static uint32_t next_char(const unsigned char *s, size_t *len) {
  static const unsigned char lead_bits[] = { 0, 0, 0x1F, 0x0F, 0x07 };
  size_t n = s[0] < 0x80              ? 1
             : (s[0] & 0xE0) == 0xC0 ? 2
             : (s[0] & 0xF0) == 0xE0 ? 3
             : (s[0] & 0xF8) == 0xF0 ? 4
                                     : 0;
  *len = 1;
  if (n <= 1) return s[0];
  uint32_t c = s[0] & lead_bits[n];
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return s[0];   /* truncated sequence: one byte */
    c = c << 6 | (s[i] & 0x3F);
  }
  *len = n;
  return c;
}

/* Terminal width of a code point: the East Asian Wide and Fullwidth blocks
 * (Unicode UAX #11) take two columns, combining diacritics none. */
static int char_columns(uint32_t c) {
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F)) return 0;
  if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
      (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
      (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
      (c >= 0x20000 && c <= 0x3FFFD))
    return 2;
  return 1;
}

size_t bidsim_text_columns(const char *s) {
  size_t cols = 0, len;
  for (const unsigned char *p = (const unsigned char *)s; *p; p += len)
    cols += (size_t)char_columns(next_char(p, &len));
  return cols;
}

void bidsim_print_padded(FILE *f, const char *s, size_t columns) {
  size_t cols = bidsim_text_columns(s), len;
  if (cols <= columns) {
    fputs(s, f);
    for (; cols < columns; cols++) fputc(' ', f);
    return;
  }
  /* cut: whole characters up to columns - 1, then "~" (and a space if a
   * wide character did not fit) */
  const unsigned char *p = (const unsigned char *)s;
  size_t used = 0;
  while (*p) {
    int w = char_columns(next_char(p, &len));
    if (used + (size_t)w + 1 > columns) break;
    fwrite(p, 1, len, f);
    used += (size_t)w;
    p += len;
  }
  if (columns > 0) { fputc('~', f); used++; }
  for (; used < columns; used++) fputc(' ', f);
}

void bidsim_print_cut(FILE *f, const char *s, size_t columns) {
  size_t cols = bidsim_text_columns(s), len, used = 0;
  if (cols <= columns) { fputs(s, f); return; }
  for (const unsigned char *p = (const unsigned char *)s; *p; p += len) {
    int w = char_columns(next_char(p, &len));
    if (used + (size_t)w + 1 > columns) break;
    fwrite(p, 1, len, f);
    used += (size_t)w;
  }
  fputc('~', f);
}

void bidsim_csv_string(FILE *f, const char *s) {
  if (s == NULL) s = "";
  if (strpbrk(s, ",\"\r\n") == NULL) { fputs(s, f); return; }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

void bidsim_csv_number(FILE *f, double v) {
  if (isfinite(v)) fprintf(f, "%.15g", v);
}

void bidsim_json_string(FILE *f, const char *s) {
  if (s == NULL) { fputs("null", f); return; }
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
      case '"': fputs("\\\"", f); break;
      case '\\': fputs("\\\\", f); break;
      case '\n': fputs("\\n", f); break;
      case '\r': fputs("\\r", f); break;
      case '\t': fputs("\\t", f); break;
      default:
        if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);   /* UTF-8 passes through: JSON text is UTF-8 */
    }
  }
  fputc('"', f);
}

void bidsim_json_number(FILE *f, double v) {
  if (isfinite(v)) fprintf(f, "%.15g", v);
  else fputs("null", f);
}

void bidsim_rows_begin(bidsim_rows_t *w, FILE *f, bidsim_format_t format) {
  *w = (bidsim_rows_t){ f, format, 0, 0, false };
  if (format == BIDSIM_FORMAT_JSON) fputs("[", f);
}

static void row_run(bidsim_rows_t *w, bidsim_row_fn fn, const void *ctx) {
  w->col = 0;
  if (w->format == BIDSIM_FORMAT_JSON) fputs(w->rows ? ",\n{" : "\n{", w->f);
  fn(w, ctx);
  fputs(w->format == BIDSIM_FORMAT_JSON ? "}" : "\n", w->f);
}

void bidsim_rows_emit(bidsim_rows_t *w, bidsim_row_fn fn, const void *ctx) {
  if (w->format == BIDSIM_FORMAT_CSV && w->rows == 0) {
    w->header = true;
    row_run(w, fn, ctx);
    w->header = false;
  }
  row_run(w, fn, ctx);
  w->rows++;
}

void bidsim_rows_end(bidsim_rows_t *w) {
  if (w->format == BIDSIM_FORMAT_JSON) fputs("\n]\n", w->f);
}

/* the separator and, for JSON, the key */
static void field_start(bidsim_rows_t *w, const char *key) {
  if (w->col++) fputc(',', w->f);
  if (w->format == BIDSIM_FORMAT_JSON) {
    bidsim_json_string(w->f, key);
    fputc(':', w->f);
  }
}

void bidsim_row_string(bidsim_rows_t *w, const char *key, const char *value) {
  field_start(w, key);
  if (w->header) bidsim_csv_string(w->f, key);
  else if (w->format == BIDSIM_FORMAT_JSON) bidsim_json_string(w->f, value);
  else bidsim_csv_string(w->f, value);
}

void bidsim_row_number(bidsim_rows_t *w, const char *key, double value) {
  field_start(w, key);
  if (w->header) bidsim_csv_string(w->f, key);
  else if (w->format == BIDSIM_FORMAT_JSON) bidsim_json_number(w->f, value);
  else bidsim_csv_number(w->f, value);
}

/* ---- aligned tables ------------------------------------------------------ */

struct bidsim_grid {
  unsigned cols, labels;
  char **cells;
  size_t n, cap;
  bool failed;   /* a cell could not be stored */
};

bidsim_grid_t *bidsim_grid_create(unsigned cols, unsigned labels) {
  bidsim_grid_t *g = bidsim_calloc(1, sizeof *g);
  if (g) *g = (bidsim_grid_t){ cols ? cols : 1, labels, NULL, 0, 0, false };
  return g;
}

void bidsim_grid_free(bidsim_grid_t *g) {
  if (g == NULL) return;
  for (size_t i = 0; i < g->n; i++) bidsim_free(g->cells[i]);
  bidsim_free(g->cells);
  bidsim_free(g);
}

void bidsim_grid_add(bidsim_grid_t *g, const char *text) {
  if (g == NULL || g->failed) return;
  if (g->n == g->cap) {
    size_t cap = g->cap ? 2 * g->cap : 64;
    char **c = bidsim_realloc(g->cells, cap * sizeof *c);
    if (c == NULL) { g->failed = true; return; }
    g->cells = c;
    g->cap = cap;
  }
  size_t len = strlen(text ? text : "");
  char *copy = bidsim_malloc(len + 1);
  if (copy == NULL) { g->failed = true; return; }
  memcpy(copy, text ? text : "", len + 1);
  g->cells[g->n++] = copy;
}

void bidsim_grid_addf(bidsim_grid_t *g, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  bidsim_grid_add(g, buf);
}

int bidsim_grid_print(const bidsim_grid_t *g, FILE *f, const char *indent, size_t width) {
  if (g == NULL || g->failed) return -1;
  size_t w[64] = { 0 }, cols = g->cols < 64 ? g->cols : 64, total = strlen(indent);
  for (size_t i = 0; i < g->n; i++) {
    size_t c = i % g->cols, n = bidsim_text_columns(g->cells[i]);
    if (c < g->labels && n > 40) n = 40;   /* no label is wider than 40 columns */
    if (c < cols && n > w[c]) w[c] = n;
  }
  for (size_t c = 0; c < cols; c++) total += w[c];
  /* two blanks between columns where the table fits with them, else one */
  size_t gap = total + 2 * (cols - 1) <= width ? 2 : 1;
  total += gap * (cols - 1);
  /* the widest label column gives way, down to 8, but only when that makes
   * the table fit: a table wider than the screen whatever is cut keeps its
   * labels whole */
  size_t least = total;
  for (size_t c = 0; c < g->labels && c < cols; c++) least -= w[c] > 8 ? w[c] - 8 : 0;
  while (total > width && least <= width) {
    size_t widest = cols;
    for (size_t c = 0; c < g->labels && c < cols; c++)
      if (w[c] > 8 && (widest == cols || w[c] > w[widest])) widest = c;
    if (widest == cols) break;
    w[widest]--;
    total--;
  }
  for (size_t i = 0; i < g->n; i++) {
    size_t c = i % g->cols;
    if (c == 0) fputs(indent, f);
    else fprintf(f, "%*s", (int)gap, "");
    if (c >= cols) fputs(g->cells[i], f);
    else if (c < g->labels) {
      bool last = c + 1 == g->cols;   /* no trailing blanks */
      if (last && bidsim_text_columns(g->cells[i]) <= w[c]) fputs(g->cells[i], f);
      else bidsim_print_padded(f, g->cells[i], w[c]);
    } else {
      for (size_t k = bidsim_text_columns(g->cells[i]); k < w[c]; k++) fputc(' ', f);
      fputs(g->cells[i], f);
    }
    if (c + 1 == g->cols || i + 1 == g->n) fputc('\n', f);
  }
  return 0;
}
