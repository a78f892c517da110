/* cli/progress.h - how `bidsim run` shows a run's progress on stderr: a
 * redrawn bar on a terminal, a line every few seconds otherwise, and the
 * store's news (units resumed or discarded) before either. */
#ifndef BIDSIM_CLI_PROGRESS_H
#define BIDSIM_CLI_PROGRESS_H
#include <stdbool.h>
#include "sim/job.h"

typedef enum { BIDSIM_CLI_PROGRESS_AUTO = 0, BIDSIM_CLI_PROGRESS_BAR, BIDSIM_CLI_PROGRESS_LINES,
               BIDSIM_CLI_PROGRESS_NONE } bidsim_cli_progress_mode_t;

typedef struct {
  bidsim_cli_progress_mode_t mode;   /* AUTO is resolved by bidsim_cli_progress_init */
  bool mid_line;                     /* a bar is drawn and its line not ended */
} bidsim_cli_progress_t;

/** @brief Resolve AUTO (a bar when stderr is a terminal, else lines) and set
 *  the options' callback and interval to this display. */
void bidsim_cli_progress_init(bidsim_cli_progress_t *pr, bidsim_cli_progress_mode_t mode,
                              bidsim_run_options_t *opt);
/** @brief The callback (a bidsim_progress_fn over a bidsim_cli_progress_t). */
void bidsim_cli_progress(void *ctx, const bidsim_progress_t *p);
/** @brief End a bar's line if the run stopped while it was drawn. */
void bidsim_cli_progress_end(bidsim_cli_progress_t *pr);

#endif
