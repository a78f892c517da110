/* analysis/csv.c - RFC 4180 records with positions (analysis/csv.h). The
 * whole input is checked as UTF-8 first (Unicode 15 §3.9, table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF), so a report
 * saved in GBK by a spreadsheet is refused at its first foreign byte
 * instead of producing unknown plan names. */
#include "analysis/csv.h"
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"

struct bidsim_csv {
  const char *path;
  const unsigned char *p, *end;
  int line, col;
  char delim;
  char *buf;                 /* the current record's fields, NUL-separated */
  size_t buf_len, buf_cap;
  bidsim_csv_field_t *fields;
  size_t *offsets;
  uint32_t count, cap;
};

/* Length of the UTF-8 sequence at p (1-4), or 0 when it is not one. */
static int utf8_len(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  if (c < 0x80) return 1;
  int n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || end - p < n) return 0;
  unsigned lo = 0x80, hi = 0xBF;   /* the second byte's range (table 3-7) */
  if (c == 0xE0) lo = 0xA0;
  else if (c == 0xED) hi = 0x9F;
  else if (c == 0xF0) lo = 0x90;
  else if (c == 0xF4) hi = 0x8F;
  if (p[1] < lo || p[1] > hi) return 0;
  for (int i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return n;
}

static int check_utf8(const unsigned char *p, const unsigned char *end, const char *path, bidsim_error_t *err) {
  if (end - p >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
    return bidsim_error_set(err, BIDSIM_EPARSE, path,
                            "the file is UTF-16 (a spreadsheet's \"Unicode text\"): save it as CSV UTF-8, or convert "
                            "it with iconv -f UTF-16 -t UTF-8");
  int line = 1, col = 1;
  while (p < end) {
    int n = utf8_len(p, end);
    if (n == 0 || *p == 0) {
      char where[sizeof err->where];
      snprintf(where, sizeof where, "%.120s:%d:%d", path, line, col);
      if (*p == 0)
        return bidsim_error_set(err, BIDSIM_EPARSE, where, "a NUL byte: not a text file (UTF-16 without a BOM?)");
      return bidsim_error_set(err, BIDSIM_EPARSE, where,
                              "byte 0x%02X is not UTF-8: the report must be UTF-8 (a GBK/GB18030 export? convert it "
                              "with iconv -f GB18030 -t UTF-8)", *p);
    }
    if (*p == '\n') { line++; col = 1; }
    else if (*p == '\r') { if (p + 1 >= end || p[1] != '\n') { line++; col = 1; } }
    else col++;
    p += n;
  }
  return BIDSIM_OK;
}

/* The first line's delimiter: tab if it has more tabs than commas outside
 * quotes. */
static char detect(const unsigned char *p, const unsigned char *end) {
  int tabs = 0, commas = 0;
  bool q = false;
  for (; p < end && (q || (*p != '\n' && *p != '\r')); p++) {
    if (*p == '"') q = !q;
    else if (!q && *p == '\t') tabs++;
    else if (!q && *p == ',') commas++;
  }
  return tabs > commas ? '\t' : ',';
}

int bidsim_csv_open(const char *data, size_t len, const char *path, bidsim_csv_t **out, bidsim_error_t *err) {
  *out = NULL;
  const unsigned char *p = (const unsigned char *)data, *end = p + len;
  int rc = check_utf8(p, end, path, err);
  if (rc) return rc;
  if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) p += 3;   /* the BOM Excel writes */
  bidsim_csv_t *r = bidsim_calloc(1, sizeof *r);
  if (r == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory");
  r->path = path;
  r->p = p;
  r->end = end;
  r->line = 1;
  r->col = 1;
  r->delim = detect(p, end);
  *out = r;
  return BIDSIM_OK;
}

void bidsim_csv_free(bidsim_csv_t *r) {
  if (r == NULL) return;
  bidsim_free(r->buf);
  bidsim_free(r->fields);
  bidsim_free(r->offsets);
  bidsim_free(r);
}

char bidsim_csv_delimiter(const bidsim_csv_t *r) { return r->delim; }

static bool put(bidsim_csv_t *r, const unsigned char *s, size_t n) {
  if (r->buf_len + n + 1 > r->buf_cap) {
    size_t cap = r->buf_cap ? r->buf_cap : 256;
    while (cap < r->buf_len + n + 1) cap *= 2;
    char *nb = bidsim_realloc(r->buf, cap);
    if (nb == NULL) return false;
    r->buf = nb;
    r->buf_cap = cap;
  }
  memcpy(r->buf + r->buf_len, s, n);
  r->buf_len += n;
  return true;
}

static bool new_field(bidsim_csv_t *r, int line, int col, bool quoted) {
  if (r->count == r->cap) {
    uint32_t cap = r->cap ? 2 * r->cap : 16;
    bidsim_csv_field_t *f = bidsim_realloc(r->fields, cap * sizeof *f);
    if (f) r->fields = f;
    size_t *o = f ? bidsim_realloc(r->offsets, cap * sizeof *o) : NULL;
    if (o) r->offsets = o;
    if (!f || !o) return false;
    r->cap = cap;
  }
  r->fields[r->count] = (bidsim_csv_field_t){ NULL, 0, line, col, quoted };
  r->offsets[r->count++] = r->buf_len;
  return true;
}

/* Advance over one character, counting lines and columns (a CR LF pair is
 * one line break). */
static void step(bidsim_csv_t *r) {
  const unsigned char c = *r->p;
  if (c == '\n' || (c == '\r' && (r->p + 1 >= r->end || r->p[1] != '\n'))) { r->line++; r->col = 1; }
  else if (c != '\r' && (c & 0xC0) != 0x80) r->col++;
  r->p++;
}

static int at_err(const bidsim_csv_t *r, int line, int col, bidsim_error_t *err, const char *msg) {
  char where[sizeof err->where];
  snprintf(where, sizeof where, "%.120s:%d:%d", r->path, line, col);
  return bidsim_error_set(err, BIDSIM_EPARSE, where, "%s", msg);
}

int bidsim_csv_next(bidsim_csv_t *r, const bidsim_csv_field_t **fields, uint32_t *count, bool *eof,
                    bidsim_error_t *err) {
  r->count = 0;
  r->buf_len = 0;
  *fields = NULL;
  *count = 0;
  *eof = r->p >= r->end;
  if (*eof) return BIDSIM_OK;
  for (;;) {
    const int line = r->line, col = r->col;
    bool quoted = r->p < r->end && *r->p == '"';
    if (!new_field(r, line, col, quoted)) return bidsim_error_set(err, BIDSIM_ENOMEM, r->path, "out of memory");
    if (quoted) {
      step(r);
      for (;;) {
        if (r->p >= r->end) return at_err(r, line, col, err, "a quoted field is never closed (RFC 4180: a field in quotes ends with a quote)");
        if (*r->p == '"') {
          if (r->p + 1 < r->end && r->p[1] == '"') { if (!put(r, r->p, 1)) goto oom; step(r); step(r); continue; }
          step(r);
          break;
        }
        if (!put(r, r->p, 1)) goto oom;
        step(r);
      }
      while (r->p < r->end && (*r->p == ' ' || (*r->p == '\t' && r->delim != '\t'))) step(r);
      if (r->p < r->end && *r->p != (unsigned char)r->delim && *r->p != '\n' && *r->p != '\r')
        return at_err(r, r->line, r->col, err, "text after a closing quote (RFC 4180: a quote inside a quoted field is doubled, \"\")");
    } else {
      const unsigned char *s = r->p;
      while (r->p < r->end && *r->p != (unsigned char)r->delim && *r->p != '\n' && *r->p != '\r') step(r);
      const unsigned char *e = r->p;
      int lead = 0;
      while (s < e && (*s == ' ' || *s == '\t')) { s++; lead++; }
      while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
      r->fields[r->count - 1].col += lead;
      if (!put(r, s, (size_t)(e - s))) goto oom;
    }
    if (!put(r, (const unsigned char *)"", 1)) goto oom;
    if (r->p < r->end && *r->p == (unsigned char)r->delim) { step(r); continue; }
    if (r->p < r->end && *r->p == '\r') step(r);
    if (r->p < r->end && *r->p == '\n') step(r);
    break;
  }
  for (uint32_t i = 0; i < r->count; i++) {
    r->fields[i].text = r->buf + r->offsets[i];
    r->fields[i].len = (i + 1 < r->count ? r->offsets[i + 1] : r->buf_len) - r->offsets[i] - 1;
  }
  *fields = r->fields;
  *count = r->count;
  return BIDSIM_OK;
oom:
  return bidsim_error_set(err, BIDSIM_ENOMEM, r->path, "out of memory");
}
