/* analysis/reptable_internal.h - the report table's layout, shared by
 * reptable.c (figures from the totals) and reptable_read.c (the totals
 * from a result file). */
#ifndef BIDSIM_ANALYSIS_REPTABLE_INTERNAL_H
#define BIDSIM_ANALYSIS_REPTABLE_INTERNAL_H
#include "analysis/reptable.h"

struct bidsim_reptable {
  bidsim_results_t *res;
  bidsim_reptable_dims_t dims;
  bidsim_group_by_t by;
  uint32_t *source;        /* per group: a plan index (shop: its first plan) or product index */
  const char **name;       /* per group, owned by res */
  bool *capped;            /* [variant][group]: cap figures exist */
  double *target_li;       /* [variant][group]: target CPA in li per order, NaN = none */
  char note[320];          /* why target CPAs are unknown, or "" */
  double *totals;          /* [variant][group][cell][total][replicate] */
};

/* Index of the first replicate's value of one total. */
static inline size_t bidsim__total_index(const struct bidsim_reptable *t, uint32_t v, uint32_t g, uint32_t c,
                                         int total) {
  return ((((size_t)v * t->dims.groups + g) * t->dims.cells + c) * BIDSIM_TOTAL_COUNT + (size_t)total) *
         t->dims.replicates;
}

/** @brief Fill t->source, t->name, dims.groups, the flags and t->totals
 *  from the file (t->res, t->by, t->dims other than groups set), reading
 *  one (variant, replicate) unit at a time. */
int bidsim__reptable_read(struct bidsim_reptable *t, const bidsim_reptable_options_t *opt, bidsim_error_t *err);

#endif
