/* cli/format.c - table, CSV and JSON formatting helpers. Numbers use
 * %.15g in CSV and JSON: enough digits to reproduce the report's doubles to
 * 1e-15, without the noise digits of %.17g. */
#include "cli/format.h"
#include <math.h>
#include <string.h>

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
