/* cli/args.c - resolve command-line names against a result file. */
#include "cli/args.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole decimal number below `limit`, or -1. */
static long parse_index(const char *s, uint32_t limit) {
  char *end;
  if (*s < '0' || *s > '9') return -1;
  long v = strtol(s, &end, 10);
  return *end == '\0' && v >= 0 && v < (long)limit ? v : -1;
}

int bidsim_args_variant(const bidsim_results_t *res, const char *s, uint32_t *out, bidsim_error_t *err) {
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  for (uint32_t v = 0; v < dm.variants; v++)
    if (!strcmp(s, bidsim_results_variant_name(res, v))) { *out = v; return BIDSIM_OK; }
  long i = parse_index(s, dm.variants);
  if (i >= 0) { *out = (uint32_t)i; return BIDSIM_OK; }
  char names[256] = "";
  for (uint32_t v = 0; v < dm.variants && strlen(names) < sizeof names - 40; v++)
    snprintf(names + strlen(names), sizeof names - strlen(names), "%s'%s'", v ? ", " : "",
             bidsim_results_variant_name(res, v));
  return bidsim_error_set(err, BIDSIM_EINVAL, "variant", "no variant '%s' in the file; it has %s (or an index below %u)",
                          s, names, dm.variants);
}

int bidsim_args_day(const bidsim_results_t *res, const char *s, int32_t *out, bidsim_error_t *err) {
  bidsim_results_dims_t dm;
  bidsim_results_dims(res, &dm);
  for (uint32_t d = 0; d < dm.days; d++)
    if (!strcmp(s, bidsim_results_day_label(res, d))) { *out = (int32_t)d; return BIDSIM_OK; }
  long i = parse_index(s, dm.days);
  if (i >= 0) { *out = (int32_t)i; return BIDSIM_OK; }
  return bidsim_error_set(err, BIDSIM_EINVAL, "day", "no day '%s': the file has days 0-%u (%s to %s)", s, dm.days - 1,
                          bidsim_results_day_label(res, 0), bidsim_results_day_label(res, dm.days - 1));
}

static const char *const group_names[] = { "shop", "plan", "product" };

const char *bidsim_group_by_name(bidsim_group_by_t by) {
  return (unsigned)by < 3 ? group_names[by] : "unknown";
}

int bidsim_args_group_by(const char *s, bidsim_group_by_t *out, bidsim_error_t *err) {
  for (int i = 0; i < 3; i++)
    if (!strcmp(s, group_names[i])) { *out = (bidsim_group_by_t)i; return BIDSIM_OK; }
  return bidsim_error_set(err, BIDSIM_EINVAL, "by", "--by must be shop, plan or product, got '%s'", s);
}
