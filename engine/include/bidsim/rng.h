/* bidsim/rng.h - PCG random generation (O'Neill, pcg-random.org), our own
 * implementation checked bit for bit against libpcg-cpp in tests/engine/test_rng.c.
 * Generators are plain caller-owned values; nothing here is global. */
#ifndef BIDSIM_RNG_H
#define BIDSIM_RNG_H
#include <stdint.h>
#include "bidsim/export.h"

/* pcg32: 64-bit LCG state, XSH-RR output, 32-bit results. Equals pcg-cpp's
 * pcg32 (setseq_xsh_rr_64_32), which outputs from the state before the step. */
typedef struct { uint64_t state, inc; } bidsim_pcg32_t;

/* pcg64: 128-bit LCG state, XSL-RR output, 64-bit results. Equals pcg-cpp's
 * pcg64 (setseq_xsl_rr_128_64), which outputs from the state after the step. */
__extension__ typedef unsigned __int128 bidsim_u128_t;
typedef struct { bidsim_u128_t state, inc; } bidsim_pcg64_t;

#define BIDSIM_PCG32_MULT 6364136223846793005ULL
#define BIDSIM_PCG64_MULT \
  ((((bidsim_u128_t)2549297995355413924ULL) << 64) | (bidsim_u128_t)4865540595714422341ULL)

/** @brief Seed with (seed, stream) exactly as pcg-cpp's two-argument constructor. */
BIDSIM_API void bidsim_pcg32_seed(bidsim_pcg32_t *rng, uint64_t seed, uint64_t stream);
/** @brief Jump ahead by @p delta steps in O(log delta) (pcg-cpp's advance()). */
BIDSIM_API void bidsim_pcg32_advance(bidsim_pcg32_t *rng, uint64_t delta);
/** @brief Uniform integer in [0, bound) without modulo bias (bound > 0). */
BIDSIM_API uint32_t bidsim_pcg32_bounded(bidsim_pcg32_t *rng, uint32_t bound);

BIDSIM_API void bidsim_pcg64_seed(bidsim_pcg64_t *rng, bidsim_u128_t seed, bidsim_u128_t stream);
BIDSIM_API void bidsim_pcg64_advance(bidsim_pcg64_t *rng, bidsim_u128_t delta);
BIDSIM_API uint64_t bidsim_pcg64_bounded(bidsim_pcg64_t *rng, uint64_t bound);

/** @brief The generator replicate @p stream of a run seeded @p seed uses:
 *  pcg64 with the 64-bit seed and stream widened. Every layer derives
 *  per-replicate generators through this one function. */
BIDSIM_API void bidsim_rng_for_stream(bidsim_pcg64_t *rng, uint64_t seed, uint64_t stream);

static inline uint32_t bidsim_pcg32_next(bidsim_pcg32_t *rng) {
  uint64_t old = rng->state;
  rng->state = old * BIDSIM_PCG32_MULT + rng->inc;
  uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
  uint32_t rot = (uint32_t)(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

static inline uint64_t bidsim_pcg64_next(bidsim_pcg64_t *rng) {
  rng->state = rng->state * BIDSIM_PCG64_MULT + rng->inc;
  uint64_t x = (uint64_t)(rng->state >> 64) ^ (uint64_t)rng->state;
  unsigned rot = (unsigned)(rng->state >> 122u);
  return (x >> rot) | (x << ((-rot) & 63u));
}

/** @brief Uniform double in [0, 1) with 53 random bits. */
static inline double bidsim_pcg64_double(bidsim_pcg64_t *rng) {
  return (double)(bidsim_pcg64_next(rng) >> 11) * 0x1.0p-53;
}

static inline double bidsim_pcg32_double(bidsim_pcg32_t *rng) {
  return (double)bidsim_pcg32_next(rng) * 0x1.0p-32;
}

#endif
