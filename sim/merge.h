/* sim/merge.h - join the part files of a sharded run (bidsim run --shard)
 * into the one result file the unsharded run would have written. */
#ifndef BIDSIM_SIM_MERGE_H
#define BIDSIM_SIM_MERGE_H
#include <stdint.h>
#include "bidsim/error.h"

/** @brief Check that @p parts come from the same scenario, seed and bidsim
 *  version (fingerprint) and result format version, that each passes
 *  bidsim_results_verify, that every unit is in exactly one of them, and
 *  write @p out atomically with the units in order. Errors: BIDSIM_EFORMAT
 *  (not a result file, or a damaged one), BIDSIM_EVERSION (a part of
 *  another format version), BIDSIM_EMISMATCH (parts of different runs, a unit
 *  missing or in two parts: the message names the first few), BIDSIM_EIO,
 *  BIDSIM_EHDF5, BIDSIM_ENOMEM. @p units_out gets the number of units. */
int bidsim_merge(const char *const *parts, uint32_t nparts, const char *out, uint32_t *units_out, bidsim_error_t *err);

#endif
