/* cli/args.h - command-line values that name things inside a result
 * file (a variant, a day, a grouping), shared by report, compare and plot.
 * Errors are BIDSIM_EINVAL with the accepted values in the message. */
#ifndef BIDSIM_CLI_ARGS_H
#define BIDSIM_CLI_ARGS_H
#include <stdint.h>
#include "analysis/reptable.h"

/** @brief A variant by name or index. */
int bidsim_args_variant(const bidsim_results_t *res, const char *s, uint32_t *out, bidsim_error_t *err);
/** @brief A day by index (0 = first) or date label (YYYY-MM-DD). */
int bidsim_args_day(const bidsim_results_t *res, const char *s, int32_t *out, bidsim_error_t *err);
/** @brief "shop", "plan" or "product". */
int bidsim_args_group_by(const char *s, bidsim_group_by_t *out, bidsim_error_t *err);
/** @brief Name of a grouping ("plan"). */
const char *bidsim_group_by_name(bidsim_group_by_t by);

#endif
