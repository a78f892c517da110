/* sim/unitcodec.c - a unit file's day as zero-run tokens. The counters of
 * a day are mostly zeros (97% of the words on pdd_baseline: competitors
 * without exposures, hours without traffic), so each nonzero word is
 * written as the number of zeros before it and its value, both varints
 * (the value zigzagged: small negatives such as cap_hit_s's -1 take one
 * byte), and a last run of zeros ends the day. On pdd_baseline that is 82
 * times smaller than the words (zlib level 1 on the words: 47 times, at
 * about 15 times the CPU; zlib on the tokens: 105 times, at 7 times the
 * CPU of the tokens alone, which cost what the old uncompressed store's
 * checksum pass did). The day's FNV-1a word sum is computed from the
 * tokens: a run of g zeros multiplies it by the prime g times (by
 * squaring), so neither side hashes the zeros one by one. */
#include <string.h>
#include "sim/unitstore_internal.h"

#define FNV_PRIME UINT64_C(0x100000001B3)

uint64_t codec_sum_zeros(uint64_t h, uint64_t n) {
  /* FNV-1a of a zero word is h * prime: n of them, h * prime^n */
  uint64_t p = FNV_PRIME, f = 1;
  for (; n; n >>= 1, p *= p)
    if (n & 1) f *= p;
  return h * f;
}

static inline uint64_t sum_word(uint64_t h, int64_t w) { return (h ^ (uint64_t)w) * FNV_PRIME; }

static inline size_t put_varint(uint8_t *out, uint64_t x) {
  size_t n = 0;
  while (x >= 0x80) {
    out[n++] = (uint8_t)(x | 0x80);
    x >>= 7;
  }
  out[n++] = (uint8_t)x;
  return n;
}

size_t codec_encode(codec_encoder_t *e, const int64_t *w, size_t n, size_t *used, uint8_t *out, size_t cap) {
  size_t fill = 0, i = 0;
  while (i < n && fill + 2 * CODEC_MAX_VARINT <= cap) {
    if (w[i] == 0) {   /* the common case: a run of zeros, four words a step */
      size_t j = i + 1;
      while (j + 4 <= n && (w[j] | w[j + 1] | w[j + 2] | w[j + 3]) == 0) j += 4;
      while (j < n && w[j] == 0) j++;
      e->gap += j - i;
      i = j;
      continue;
    }
    uint64_t z = ((uint64_t)w[i] << 1) ^ (uint64_t)(w[i] >> 63);
    e->sum = sum_word(codec_sum_zeros(e->sum, e->gap), w[i]);
    fill += put_varint(out + fill, e->gap);
    fill += put_varint(out + fill, z);
    e->gap = 0;
    i++;
  }
  *used = i;
  return fill;
}

size_t codec_finish(codec_encoder_t *e, uint8_t *out) {
  size_t n = e->gap ? put_varint(out, e->gap) : 0;
  e->sum = codec_sum_zeros(e->sum, e->gap);
  e->gap = 0;
  return n;
}

/* The word sink: the day's words in order across the slab's parts (or
 * nowhere, when verifying). Zeros are written as runs. */
static void sink_zeros(codec_decoder_t *d, uint64_t n) {
  if (d->parts == NULL) return;
  while (n > 0) {
    const codec_part_t *p = &d->parts[d->part];
    uint64_t room = p->n - d->at;
    if (room == 0) { d->part++; d->at = 0; continue; }
    uint64_t k = n < room ? n : room;
    memset(p->p + d->at, 0, (size_t)k * sizeof(int64_t));
    d->at += k;
    n -= k;
  }
}

static void sink_word(codec_decoder_t *d, int64_t v) {
  if (d->parts == NULL) return;
  while (d->parts[d->part].n == d->at) { d->part++; d->at = 0; }
  d->parts[d->part].p[d->at++] = v;
}

int codec_decode(codec_decoder_t *d, const uint8_t *in, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (d->pos >= d->words) return -1;   /* bytes after the day's end */
    uint8_t b = in[i];
    if (d->shift >= 64 || (d->shift == 63 && (b & 0x7e))) return -1;   /* longer than 64 bits */
    d->acc |= (uint64_t)(b & 0x7f) << d->shift;
    if (b & 0x80) { d->shift += 7; continue; }
    uint64_t x = d->acc;
    d->acc = 0;
    d->shift = 0;
    if (!d->in_value) {   /* a run of zeros */
      if (x > d->words - d->pos) return -1;
      sink_zeros(d, x);
      d->sum = codec_sum_zeros(d->sum, x);
      d->pos += x;
      d->in_value = d->pos < d->words;   /* a run that ends the day has no value after it */
    } else {
      int64_t v = (int64_t)(x >> 1) ^ -(int64_t)(x & 1);
      if (v == 0) return -1;   /* zeros are runs, never values */
      sink_word(d, v);
      d->sum = sum_word(d->sum, v);
      d->pos++;
      d->in_value = false;
    }
  }
  return 0;
}

bool codec_done(const codec_decoder_t *d) { return d->pos == d->words && d->shift == 0 && !d->in_value; }
