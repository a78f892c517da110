/* engine/rng.c - PCG seeding, jump-ahead and unbiased bounded draws
 * (O'Neill, pcg-random.org). Output functions are inline in bidsim/rng.h.
 * Checked bit for bit against libpcg-cpp by tests/engine/test_rng.c. */
#include "bidsim/rng.h"

void bidsim_pcg32_seed(bidsim_pcg32_t *rng, uint64_t seed, uint64_t stream) {
  /* pcg-cpp: inc = stream << 1 | 1; state = bump(seed + inc), where
   * bump(s) = s * mult + inc, i.e. one step from state 0 then add seed. */
  rng->inc = (stream << 1u) | 1u;
  rng->state = 0;
  rng->state = rng->state * BIDSIM_PCG32_MULT + rng->inc;
  rng->state += seed;
  rng->state = rng->state * BIDSIM_PCG32_MULT + rng->inc;
}

/* Brown's "random number generation with arbitrary stride": the LCG's
 * delta-step map is itself affine, composed by squaring in O(log delta). */
void bidsim_pcg32_advance(bidsim_pcg32_t *rng, uint64_t delta) {
  uint64_t cur_mult = BIDSIM_PCG32_MULT, cur_plus = rng->inc, acc_mult = 1u, acc_plus = 0u;
  while (delta > 0) {
    if (delta & 1u) {
      acc_mult *= cur_mult;
      acc_plus = acc_plus * cur_mult + cur_plus;
    }
    cur_plus = (cur_mult + 1u) * cur_plus;
    cur_mult *= cur_mult;
    delta >>= 1u;
  }
  rng->state = acc_mult * rng->state + acc_plus;
}

uint32_t bidsim_pcg32_bounded(bidsim_pcg32_t *rng, uint32_t bound) {
  /* reject the low 2^32 mod bound values so every residue is equally likely */
  uint32_t threshold = (uint32_t)(-bound) % bound;
  for (;;) {
    uint32_t r = bidsim_pcg32_next(rng);
    if (r >= threshold) return r % bound;
  }
}

void bidsim_pcg64_seed(bidsim_pcg64_t *rng, bidsim_u128_t seed, bidsim_u128_t stream) {
  rng->inc = (stream << 1u) | 1u;
  rng->state = 0;
  rng->state = rng->state * BIDSIM_PCG64_MULT + rng->inc;
  rng->state += seed;
  rng->state = rng->state * BIDSIM_PCG64_MULT + rng->inc;
}

void bidsim_pcg64_advance(bidsim_pcg64_t *rng, bidsim_u128_t delta) {
  bidsim_u128_t cur_mult = BIDSIM_PCG64_MULT, cur_plus = rng->inc, acc_mult = 1u, acc_plus = 0u;
  while (delta > 0) {
    if (delta & 1u) {
      acc_mult *= cur_mult;
      acc_plus = acc_plus * cur_mult + cur_plus;
    }
    cur_plus = (cur_mult + 1u) * cur_plus;
    cur_mult *= cur_mult;
    delta >>= 1u;
  }
  rng->state = acc_mult * rng->state + acc_plus;
}

uint64_t bidsim_pcg64_bounded(bidsim_pcg64_t *rng, uint64_t bound) {
  uint64_t threshold = (uint64_t)(-bound) % bound;
  for (;;) {
    uint64_t r = bidsim_pcg64_next(rng);
    if (r >= threshold) return r % bound;
  }
}

void bidsim_rng_for_stream(bidsim_pcg64_t *rng, uint64_t seed, uint64_t stream) {
  bidsim_pcg64_seed(rng, (bidsim_u128_t)seed, (bidsim_u128_t)stream);
}
