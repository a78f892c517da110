/* sim/unitstore_internal.h - what the store's directory side (unitstore.c:
 * lock, key, names) and its unit files (unitfile.c: format, compression,
 * checksums) share. */
#ifndef BIDSIM_SIM_UNITSTORE_INTERNAL_H
#define BIDSIM_SIM_UNITSTORE_INTERNAL_H
#include "sim/unitstore.h"

/* Unit files (unitfile.c) hold each day as zero-run tokens (unitcodec.c). */
/* ---- zero-run tokens (unitcodec.c) ---------------------------------------- */

#define CODEC_MAX_VARINT 10
typedef struct { int64_t *p; size_t n; } codec_part_t;
typedef struct {
  uint64_t gap;             /* zeros not yet written */
  uint64_t sum;             /* FNV-1a of the words so far */
} codec_encoder_t;
typedef struct {
  const codec_part_t *parts; /* where the words go (NULL: nowhere, verifying) */
  size_t   part;
  uint64_t at, pos, words;  /* offset in the part; words decoded; words in the day */
  uint64_t acc, sum;
  int      shift;
  bool     in_value;
} codec_decoder_t;
/** Tokens for up to @p n words into out (at most cap bytes); *used says
 *  how many words were taken. */
size_t   codec_encode(codec_encoder_t *e, const int64_t *w, size_t n, size_t *used, uint8_t *out, size_t cap);
/** The day's last run of zeros (at most CODEC_MAX_VARINT bytes). */
size_t   codec_finish(codec_encoder_t *e, uint8_t *out);
/** Decode bytes into the parts; -1 on tokens that cannot be a day's. */
int      codec_decode(codec_decoder_t *d, const uint8_t *in, size_t n);
bool     codec_done(const codec_decoder_t *d);
uint64_t codec_sum_zeros(uint64_t h, uint64_t n);

/* A unit file open for reading: the assembler reads each unit's days in
 * order, so the file stays open between days at the next day's offset. */
typedef struct {
  int      fd;              /* -1: none open */
  uint32_t unit, next_day;
  uint64_t offset, size;
  uint64_t header_check;
  uint8_t *in;              /* encoded bytes read ahead */
} unit_reader_t;

struct bidsim_unitstore {
  char    *dir;
  int      dirfd;           /* every file is opened relative to it, O_NOFOLLOW */
  int      lockfd;          /* holds the flock */
  bidsim_unitstore_key_t key;
  uint32_t units;
  uint8_t *done;            /* per unit: a complete file exists */
  uint32_t count;
  size_t   words;           /* int64 per day slab */
  unit_reader_t reader;     /* bidsim_unitstore_read_day's open file */
};

/* "u00000012.bin": the only unit names the store makes, reads or deletes */
#define UNIT_NAME_LEN 13
void unit_name(uint32_t unit, const char *ext, char out[UNIT_NAME_LEN + 1]);
/* A unit of @p s whose whole file (header, every day's checksum) is right:
 * a unit to keep on resume. */
bool unitfile_complete(bidsim_unitstore_t *s, uint32_t unit);
void unitfile_reader_close(unit_reader_t *r);

#endif
