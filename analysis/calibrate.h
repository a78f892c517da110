/* analysis/calibrate.h - a scenario's unknowns fitted to the shop's own
 * history: the parameters named by key path (scenarios/README.md's
 * syntax; by default the generated market's base bid, the traffic per day
 * and each advertised product's CTR and CVR), their bounds from the
 * platform rules and the format's ranges, every trial value set in the
 * scenario's text and loaded like a file (bidsim_scenario_load_settings),
 * its replicates simulated in memory (sim/evaluate.h) on the history's
 * calendar, and the fit of analysis/fit.h. The result is the input text
 * with the fitted values set, under a comment block naming the fit.
 * docs/calibration.md is the user's guide. Prints nothing. */
#ifndef BIDSIM_ANALYSIS_CALIBRATE_H
#define BIDSIM_ANALYSIS_CALIBRATE_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "analysis/fit.h"
#include "analysis/history.h"
#include "sim/scenario.h"

#define BIDSIM_CALIBRATE_REPLICATES 8

typedef struct {
  const char *scenario_path;
  const char *history_path;
  uint32_t fit_count;            /* --fit: "KEY.PATH" or "KEY.PATH=LO:HI"; 0 = the defaults */
  const char *const *fit;
  uint32_t holdout_days;
  uint32_t replicates;           /* 0 = BIDSIM_CALIBRATE_REPLICATES */
  uint32_t threads;              /* 0 = the online CPUs */
  uint32_t max_evaluations;      /* per minimisation; 0 = the fit's default */
  bool     identifiability;
  bidsim_fit_progress_fn progress;
  void    *progress_ctx;
  const volatile sig_atomic_t *stop;
} bidsim_calibrate_options_t;

typedef struct {
  char    *scenario_text;        /* the input file as read */
  char    *resolved;             /* its resolved text (every default written) */
  size_t   scenario_len;
  bidsim_scenario_t *scenario;   /* the input, loaded */
  bidsim_history_t *history;
  uint32_t nparams;
  bidsim_fit_param_t *params;    /* key, start, bounds */
  char   (*value_text)[64];      /* [K] the fitted values as written */
  /* the defaults of a section a fitted key needs written whole (a
   * distribution's dist and other parameter), set with the fitted values */
  uint32_t extra_count;
  char   **extra_keys, **extra_values;
  bidsim_fit_result_t fit;
  char    *fitted_text;          /* the scenario to write: comment block + the input with the values set */
} bidsim_calibration_t;

/** @brief Read, fit and prepare the fitted scenario text (nothing is
 *  written). On success *out is the caller's (bidsim_calibration_free).
 *  Errors: the scenario's and the history's (input: exit 2), a --fit key
 *  that is not a number in the scenario or has no known bounds
 *  (BIDSIM_EINVAL), the simulation's. */
int  bidsim_calibrate(const bidsim_calibrate_options_t *opt, bidsim_calibration_t **out, bidsim_error_t *err);
void bidsim_calibration_free(bidsim_calibration_t *c);

/** @brief Write c->fitted_text to @p path atomically (a temporary name
 *  beside it, then rename): @p path is either untouched or complete. */
int  bidsim_calibration_write(const bidsim_calibration_t *c, const char *path, bidsim_error_t *err);

/** @brief The bounds calibration uses for @p key (the platform rules and
 *  the format's ranges, docs/calibration.md), and how its values are
 *  written; false when none is known (give KEY=LO:HI). */
bool bidsim_calibrate_bounds(const char *key, double *lo, double *hi, int *decimals);

#endif
