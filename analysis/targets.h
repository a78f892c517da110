/* analysis/targets.h - what each listed plan aims at in each variant, read
 * from the scenario the result file stores: the target cost per order of a
 * plan bidding with the target_cpa strategy (AuctionNet's CPA-constrained
 * score needs it). Never runs a strategy plugin: reading a result file must
 * not execute code it names. */
#ifndef BIDSIM_ANALYSIS_TARGETS_H
#define BIDSIM_ANALYSIS_TARGETS_H
#include <stddef.h>
#include "sim/output.h"

/** @brief The target CPA in li per order of every plan p in every variant v
 *  into @p out[v * plans + p] (the file's dimensions), NaN where the plan
 *  has none (any other strategy, a plugin, or a generated competitor).
 *  Plugins are never loaded. When the stored scenario cannot be read for
 *  this (it does not load - a plugin's file is gone, say - or its variants
 *  differ from the file's) every entry is NaN and @p note (@p n bytes)
 *  says why; otherwise note is "".
 *  Returns BIDSIM_OK, or BIDSIM_ENOMEM. */
int bidsim_targets_cpa(const bidsim_results_t *res, double *out, char *note, size_t n);

#endif
