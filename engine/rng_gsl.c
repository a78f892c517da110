/* engine/rng_gsl.c - bidsim's pcg64 as a gsl_rng_type, so every GSL
 * distribution can draw from a bidsim stream. The type is constant data;
 * each gsl_rng owns its own state. */
#include <gsl/gsl_rng.h>
#include "bidsim/rng_gsl.h"

static void pcg64_set(void *state, unsigned long seed) {
  bidsim_rng_for_stream((bidsim_pcg64_t *)state, (uint64_t)seed, 0);
}

/* GSL's integer interface is 32 bits wide here (max below); the high half
 * of a 64-bit output is the better half of an LCG-based generator. */
static unsigned long pcg64_get(void *state) {
  return (unsigned long)(bidsim_pcg64_next((bidsim_pcg64_t *)state) >> 32);
}

static double pcg64_get_double(void *state) {
  return bidsim_pcg64_double((bidsim_pcg64_t *)state);
}

static const gsl_rng_type pcg64_type = {
  "bidsim-pcg64", 0xffffffffUL, 0, sizeof(bidsim_pcg64_t), pcg64_set, pcg64_get, pcg64_get_double
};

const gsl_rng_type *bidsim_gsl_rng_pcg64(void) { return &pcg64_type; }

bidsim_pcg64_t *bidsim_gsl_rng_state(gsl_rng *r) {
  return (r != NULL && r->type == &pcg64_type) ? (bidsim_pcg64_t *)r->state : NULL;
}
