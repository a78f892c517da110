/* sim/unitstore_internal.h - what the store's directory side (unitstore.c:
 * lock, key, names) and its unit files (unitfile.c: format, compression,
 * checksums) share. */
#ifndef BIDSIM_SIM_UNITSTORE_INTERNAL_H
#define BIDSIM_SIM_UNITSTORE_INTERNAL_H
#include <zlib.h>
#include "sim/unitstore.h"

/* A unit file open for reading: the assembler reads each unit's days in
 * order, so the file stays open between days at the next day's offset. */
typedef struct {
  int      fd;              /* -1: none open */
  uint32_t unit, next_day;
  uint64_t offset, size;
  uint64_t header_check;
  z_stream z;
  bool     z_ready;
  uint8_t *in;              /* compressed bytes read ahead */
  int64_t *scratch;         /* verification's output (no slab needed) */
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
/* zlib's allocator, through bidsim's */
void unitfile_zalloc(z_stream *z);

#endif
