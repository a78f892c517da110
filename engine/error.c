/* engine/error.c - error codes to text, and the error record helpers. */
#include <stdio.h>
#include <string.h>
#include "bidsim/error.h"

const char *bidsim_strerror(int code) {
  switch (code) {
#define BIDSIM_ERR_CASE(name, text) case BIDSIM_##name: return text;
    BIDSIM_ERRNO_MAP(BIDSIM_ERR_CASE)
#undef BIDSIM_ERR_CASE
    default: return "unknown error";
  }
}

int bidsim_error_set(bidsim_error_t *err, int code, const char *where, const char *fmt, ...) {
  if (err == NULL) return code;
  err->code = code;
  snprintf(err->where, sizeof err->where, "%s", where ? where : "");
  if (fmt != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  } else {
    snprintf(err->msg, sizeof err->msg, "%s", bidsim_strerror(code));
  }
  return code;
}

void bidsim_error_clear(bidsim_error_t *err) {
  if (err == NULL) return;
  err->code = 0;
  err->where[0] = '\0';
  err->msg[0] = '\0';
}
