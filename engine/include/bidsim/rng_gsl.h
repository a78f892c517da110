/* bidsim/rng_gsl.h - our pcg64 as a gsl_rng_type, so every GSL distribution
 * can draw from a bidsim stream. */
#ifndef BIDSIM_RNG_GSL_H
#define BIDSIM_RNG_GSL_H
#include <gsl/gsl_rng.h>
#include "bidsim/rng.h"

/* gsl_rng_set(r, s) seeds stream 0 with seed s (GSL's convention of one
 * seed); to use stream k, seed through bidsim_gsl_rng_state(r). Output range
 * is the full 32 bits of the high half of each 64-bit draw. */
BIDSIM_API const gsl_rng_type *bidsim_gsl_rng_pcg64(void);

/** @brief The pcg64 state inside a gsl_rng of our type (NULL otherwise). */
BIDSIM_API bidsim_pcg64_t *bidsim_gsl_rng_state(gsl_rng *r);

#endif
