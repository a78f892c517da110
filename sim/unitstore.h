/* sim/unitstore.h - finished work units on disk. Each (variant, replicate)
 * unit's day slabs go to their own file in OUT.h5.units/, compressed (the
 * zeros that most counters are take no room) and appended day by day, and renamed into place when the unit is complete. A
 * killed run loses only the units in flight; --resume, shards and MPI ranks
 * all assemble the same output from the same unit files, in unit order.
 *
 * One run at a time: the store is locked (flock on OUT.h5.units/lock, which
 * the kernel releases when the holder dies, so kill -9 and --resume keep
 * working), and a second run is refused at once. Every unit file names the
 * store's key and its unit, checked whenever it is read. The store never
 * follows a symbolic link (the store itself or anything in it) and deletes
 * only regular files of its own names in a directory that is its own.
 *
 * The files are scratch (native byte order, this bidsim version only) and
 * are removed once the result file is committed. */
#ifndef BIDSIM_SIM_UNITSTORE_H
#define BIDSIM_SIM_UNITSTORE_H
#include <stdbool.h>
#include <stdint.h>
#include "bidsim/error.h"
#include "sim/output.h"

/* What the units belong to: a store made for another scenario, seed or
 * version is never mixed in. */
typedef struct {
  uint64_t fingerprint;   /* bidsim_scenario_fingerprint */
  uint32_t variants, replicates, days, plans, products;
  uint32_t slots;         /* the auction's slot positions (the day's per-slot counters) */
} bidsim_unitstore_key_t;

typedef struct bidsim_unitstore bidsim_unitstore_t;

/** @brief Open (creating it if needed) and lock the store directory @p dir
 *  for @p key. With @p resume, the complete units already there are kept (a
 *  store for another key is BIDSIM_EMISMATCH); without, the earlier unit
 *  files are removed first and *discarded (if not NULL) says how many
 *  finished units that threw away. Errors: BIDSIM_ESTATE (another run holds
 *  the store: the message names its process), BIDSIM_EINVAL (@p dir or an
 *  entry of the store's names is a symbolic link or not a regular file, or
 *  @p dir is a folder bidsim did not make), BIDSIM_EMISMATCH, BIDSIM_EIO,
 *  BIDSIM_ENOMEM. */
int  bidsim_unitstore_open(const char *dir, const bidsim_unitstore_key_t *key, bool resume,
                           bidsim_unitstore_t **out, uint32_t *discarded, bidsim_error_t *err);
/** @brief Close and unlock; with @p remove, delete the store's files and
 *  the directory (left in place if it holds anything else). */
void bidsim_unitstore_close(bidsim_unitstore_t *s, bool remove);
bool bidsim_unitstore_has(const bidsim_unitstore_t *s, uint32_t unit);
uint32_t bidsim_unitstore_count(const bidsim_unitstore_t *s);
const char *bidsim_unitstore_dir(const bidsim_unitstore_t *s);

/* A unit being written: caller-owned, one per thread, zeroed before the
 * first begin. begin allocates what finish or abandon frees. */
typedef struct {
  int      fd, dirfd;         /* the file; the store's directory (names are relative to it) */
  uint32_t unit, days_written;
  uint64_t offset;          /* bytes of the file written so far */
  uint8_t *buf;             /* encoded bytes not yet written */
  size_t   fill;
  uint64_t header_check;    /* binds each day to the store's key and the unit */
  char     path[4096];      /* for messages */
} bidsim_unit_file_t;

/** @brief Start unit @p unit (variant-major: unit = v x replicates + r).
 *  Thread-safe: each unit has its own file. */
int  bidsim_unitstore_begin(bidsim_unitstore_t *s, uint32_t unit, bidsim_unit_file_t *uf, bidsim_error_t *err);
/** @brief Append the next day's slab (days in order 0, 1, ...), encoded as
 *  zero-run tokens (sim/unitcodec.c). */
int  bidsim_unitstore_append(bidsim_unitstore_t *s, bidsim_unit_file_t *uf, const bidsim_day_slab_t *slab,
                             bidsim_error_t *err);
/** @brief Complete the unit: written and renamed into place. */
int  bidsim_unitstore_finish(bidsim_unitstore_t *s, bidsim_unit_file_t *uf, bidsim_error_t *err);
/** @brief Drop an unfinished unit (its temporary file is deleted). */
void bidsim_unitstore_abandon(bidsim_unit_file_t *uf);

/** @brief Read day @p day of a complete unit into @p slab (sized for the
 *  key's plans, products and slots), checking that the file is this store's unit
 *  @p unit (its key and number) and the day's checksum. Reading a unit's
 *  days in order costs one pass over its file; call from one thread.
 *  Errors: BIDSIM_EIO, BIDSIM_EMISMATCH (a unit file of another run or
 *  unit), BIDSIM_EFORMAT (a damaged or truncated unit file),
 *  BIDSIM_EINVAL (not a regular file); on an error the slab's counters are
 *  unspecified. */
int  bidsim_unitstore_read_day(bidsim_unitstore_t *s, uint32_t unit, uint32_t day, bidsim_day_slab_t *slab,
                               bidsim_error_t *err);

/* Day slabs as one flat array of int64 (for unit files and MPI messages):
 * the STORE_DAY datasets of the output table (sim/output_table.c), in its
 * order. */
size_t bidsim_slab_words(uint32_t plans, uint32_t products, uint32_t slots);
void   bidsim_slab_pack(const bidsim_day_slab_t *s, int64_t *out);
void   bidsim_slab_unpack(const int64_t *in, bidsim_day_slab_t *s);

#endif
