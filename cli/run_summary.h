/* cli/run_summary.h - what `bidsim run` prints about the result it wrote. */
#ifndef BIDSIM_CLI_RUN_SUMMARY_H
#define BIDSIM_CLI_RUN_SUMMARY_H
#include "bidsim/error.h"

/** @brief Print, per variant, each listed plan's means per day over the
 *  replicates of the result file @p path to stdout: the figures `bidsim
 *  report` gives (without intervals). A sweep whose variants x plans exceed
 *  40 rows shows its first variant and how to see the others. Errors: those
 *  of bidsim_results_open and bidsim_reptable_create. */
int bidsim_run_summary_print(const char *path, bidsim_error_t *err);

#endif
