/* sim/unitfile.c - one unit's file in the store: a header naming the
 * store's key and the unit, then one block per day: a block header (unit,
 * day, encoded length, checksums) and the day's slab words as zero-run
 * tokens (unitcodec.c). Written as DIR/u<unit>.tmp and
 * renamed to DIR/u<unit>.bin when complete, so a file under the final name
 * is always whole. Every day is checked against the key and unit when read:
 * a unit file of another run, or of another unit, is never read as this
 * one. The words go from and to the slab's arrays through small buffers,
 * never a copy of the day: a day of a million plans is over a gigabyte of
 * mostly zeros. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/output_table.h"
#include "sim/unitstore_internal.h"

#define MAGIC "BIDSIMU3"   /* 3: the day laid out by the output table, per-slot counts */
#define IO_BYTES ((size_t)256 << 10)   /* encoded bytes buffered per write or read */

/* On disk, native byte order; no padding in either struct. */
typedef struct {
  char     magic[8];
  uint64_t fingerprint;
  uint32_t variants, replicates, days, plans, products, unit;
  uint64_t words;           /* int64 per day */
  uint64_t check;           /* FNV-1a of the bytes above */
} file_header_t;

typedef struct {
  uint32_t unit, day;
  uint64_t zbytes;          /* encoded bytes that follow */
  uint64_t sum;             /* FNV-1a of the day's words, started from the file header's check and the day */
  uint64_t check;           /* FNV-1a of the 24 bytes above */
} block_header_t;

/* The day's arrays in the table's order (output_table.c: its STORE_DAY
 * datasets), which is the order of a unit file's day and of an MPI day
 * message. The pointers are to the slab's own arrays; callers given a
 * const slab only read through them. */
typedef codec_part_t slab_part_t;
enum { SLAB_PARTS = OUT_DAY_END };

static output_dims_t slab_dims(uint32_t plans, uint32_t products, uint32_t slots) {
  return (output_dims_t){ 1, 1, 1, plans, products, slots, 0, 0, 0 };
}

size_t bidsim_slab_words(uint32_t plans, uint32_t products, uint32_t slots) {
  const output_dims_t d = slab_dims(plans, products, slots);
  size_t n = 0;
  for (int id = 0; id < OUT_DAY_END; id++)
    if (output_present(id, &d)) n += (size_t)output_chunk_values(id, &d);
  return n;
}

/* The parts of a slab (a slab without slots has none of /plan_slot's):
 * their number. */
static size_t slab_parts(const bidsim_day_slab_t *slab, slab_part_t parts[SLAB_PARTS]) {
  const output_dims_t d = slab_dims(slab->plans, slab->products, slab->slots);
  size_t n = 0;
  for (int id = 0; id < OUT_DAY_END; id++)
    if (output_present(id, &d)) parts[n++] = (slab_part_t){ output_slab_part(slab, id), (size_t)output_chunk_values(id, &d) };
  return n;
}

void bidsim_slab_pack(const bidsim_day_slab_t *s, int64_t *out) {
  slab_part_t parts[SLAB_PARTS];
  size_t n = slab_parts(s, parts);
  for (size_t i = 0; i < n; out += parts[i].n, i++) memcpy(out, parts[i].p, parts[i].n * sizeof *out);
}

void bidsim_slab_unpack(const int64_t *in, bidsim_day_slab_t *s) {
  slab_part_t parts[SLAB_PARTS];
  size_t n = slab_parts(s, parts);
  for (size_t i = 0; i < n; in += parts[i].n, i++) memcpy(parts[i].p, in, parts[i].n * sizeof *in);
}

/* FNV-1a over 64-bit words (the payload is whole int64s), eight times
 * faster than byte-wise FNV; bytes for the headers. */
#define FNV_BASIS UINT64_C(0xCBF29CE484222325)
#define FNV_PRIME UINT64_C(0x100000001B3)
static uint64_t fnv_words(const int64_t *w, size_t n, uint64_t h) {
  for (size_t i = 0; i < n; i++) h = (h ^ (uint64_t)w[i]) * FNV_PRIME;
  return h;
}
static uint64_t fnv_bytes(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * FNV_PRIME;
  return h;
}
static uint64_t day_basis(uint64_t header_check, uint32_t day) {
  return fnv_words((const int64_t[]){ (int64_t)header_check, (int64_t)day }, 2, FNV_BASIS);
}

void unit_name(uint32_t unit, const char *ext, char out[UNIT_NAME_LEN + 1]) {
  snprintf(out, UNIT_NAME_LEN + 1, "u%08" PRIu32 ".%.3s", unit, ext);
}

static file_header_t make_header(const bidsim_unitstore_t *s, uint32_t unit) {
  file_header_t h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, MAGIC, 8);
  h.fingerprint = s->key.fingerprint;
  h.variants = s->key.variants;
  h.replicates = s->key.replicates;
  h.days = s->key.days;
  h.plans = s->key.plans;
  h.products = s->key.products;
  h.unit = unit;
  h.words = s->words;
  h.check = fnv_bytes(&h, offsetof(file_header_t, check), FNV_BASIS);
  return h;
}

static int io_error(bidsim_error_t *err, const char *path, const char *what) {
  int e = errno;
  return bidsim_error_set(err, BIDSIM_EIO, path, "cannot %s a unit file: %s%s", what, strerror(e),
                          e == ENOSPC || e == EDQUOT ? " (the disk is full)" : "");
}

/* ---- writing -------------------------------------------------------------- */

static bool write_all(int fd, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n > 0) {
    ssize_t k = write(fd, b, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) { if (k == 0) errno = EIO; return false; }
    b += k;
    n -= (size_t)k;
  }
  return true;
}

static bool flush_buf(bidsim_unit_file_t *uf) {
  if (uf->fill && !write_all(uf->fd, uf->buf, uf->fill)) return false;
  uf->offset += uf->fill;
  uf->fill = 0;
  return true;
}

static void release(bidsim_unit_file_t *uf) {
  bidsim_free(uf->buf);
  uf->buf = NULL;
  if (uf->fd >= 0) close(uf->fd);
  uf->fd = -1;
}

int bidsim_unitstore_begin(bidsim_unitstore_t *s, uint32_t unit, bidsim_unit_file_t *uf, bidsim_error_t *err) {
  char name[UNIT_NAME_LEN + 1];
  unit_name(unit, "tmp", name);
  memset(uf, 0, sizeof *uf);
  uf->fd = -1;
  uf->dirfd = s->dirfd;
  uf->unit = unit;
  snprintf(uf->path, sizeof uf->path, "%s/%s", s->dir, name);
  /* a .tmp of a killed run is replaced; anything else under the name (a
   * link, a FIFO) is left alone and refused: O_EXCL | O_NOFOLLOW never
   * write through a link, even one planted after the check */
  struct stat st;
  if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISREG(st.st_mode))
      return bidsim_error_set(err, BIDSIM_EINVAL, uf->path, "is not a regular file: bidsim never writes through "
                              "links in its unit store (remove it)");
    if (unlinkat(s->dirfd, name, 0) != 0 && errno != ENOENT) return io_error(err, uf->path, "replace");
  }
  uf->fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (uf->fd < 0) return io_error(err, uf->path, "create");
  if ((uf->buf = bidsim_malloc(IO_BYTES)) == NULL) {
    bidsim_unitstore_abandon(uf);
    return bidsim_error_set(err, BIDSIM_ENOMEM, uf->path, "out of memory for a unit's buffer");
  }
  file_header_t h = make_header(s, unit);
  uf->header_check = h.check;
  if (!write_all(uf->fd, &h, sizeof h)) {
    int rc = io_error(err, uf->path, "write");
    bidsim_unitstore_abandon(uf);
    return rc;
  }
  uf->offset = sizeof h;
  return BIDSIM_OK;
}

int bidsim_unitstore_append(bidsim_unitstore_t *s, bidsim_unit_file_t *uf, const bidsim_day_slab_t *slab,
                            bidsim_error_t *err) {
  slab_part_t parts[SLAB_PARTS];
  const size_t nparts = slab_parts(slab, parts);
  size_t words = 0;
  for (size_t i = 0; i < nparts; i++) words += parts[i].n;
  if (words != s->words || uf->days_written >= s->key.days)
    return bidsim_error_set(err, BIDSIM_EINVAL, uf->path, "day %u does not fit the unit", uf->days_written);
  /* the block header goes in once the encoded length and the sum are known */
  if (!flush_buf(uf)) return io_error(err, uf->path, "write");
  const uint64_t at = uf->offset;
  block_header_t b = { uf->unit, uf->days_written, 0, 0, 0 };
  if (!write_all(uf->fd, &b, sizeof b)) return io_error(err, uf->path, "write");
  uf->offset += sizeof b;
  codec_encoder_t enc = { 0, day_basis(uf->header_check, uf->days_written) };
  for (size_t i = 0; i < nparts; i++)
    for (size_t done = 0, used = 0; done < parts[i].n; done += used) {
      if (IO_BYTES - uf->fill < 4 * CODEC_MAX_VARINT && !flush_buf(uf)) return io_error(err, uf->path, "write");
      uf->fill += codec_encode(&enc, parts[i].p + done, parts[i].n - done, &used, uf->buf + uf->fill,
                               IO_BYTES - uf->fill);
    }
  if (IO_BYTES - uf->fill < CODEC_MAX_VARINT && !flush_buf(uf)) return io_error(err, uf->path, "write");
  uf->fill += codec_finish(&enc, uf->buf + uf->fill);
  if (!flush_buf(uf)) return io_error(err, uf->path, "write");
  b.zbytes = uf->offset - at - sizeof b;
  b.sum = enc.sum;
  b.check = fnv_bytes(&b, offsetof(block_header_t, check), FNV_BASIS);
  if (pwrite(uf->fd, &b, sizeof b, (off_t)at) != (ssize_t)sizeof b) return io_error(err, uf->path, "write");
  uf->days_written++;
  return BIDSIM_OK;
}

int bidsim_unitstore_finish(bidsim_unitstore_t *s, bidsim_unit_file_t *uf, bidsim_error_t *err) {
  char tmp[UNIT_NAME_LEN + 1], final[UNIT_NAME_LEN + 1];
  unit_name(uf->unit, "tmp", tmp);
  unit_name(uf->unit, "bin", final);
  int fd = uf->fd;
  uf->fd = -1;
  bool whole = uf->days_written == s->key.days;
  /* units are not fsync'ed (a killed process loses nothing the kernel
   * holds); after a crash of the machine a renamed file may hold garbage,
   * which the checksums turn into a unit to redo */
  int closed = close(fd);
  release(uf);
  if (!whole || closed != 0 || renameat(s->dirfd, tmp, s->dirfd, final) != 0) {
    int rc = whole ? io_error(err, uf->path, "complete")
                   : bidsim_error_set(err, BIDSIM_EINVAL, uf->path, "unit has %u of %u days", uf->days_written,
                                      s->key.days);
    unlinkat(s->dirfd, tmp, 0);
    return rc;
  }
  /* units are claimed by one thread each, so this flag has one writer */
  s->done[uf->unit] = 1;
  return BIDSIM_OK;
}

void bidsim_unitstore_abandon(bidsim_unit_file_t *uf) {
  bool made = uf->fd >= 0;
  release(uf);
  char tmp[UNIT_NAME_LEN + 1];
  unit_name(uf->unit, "tmp", tmp);
  if (made) unlinkat(uf->dirfd, tmp, 0);   /* the .tmp this unit created, relative to the store, never a path */
}

/* ---- reading -------------------------------------------------------------- */

void unitfile_reader_close(unit_reader_t *r) {
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  bidsim_free(r->in);
  r->in = NULL;
}

static bool read_at(int fd, void *p, size_t n, uint64_t at) {
  uint8_t *b = p;
  while (n > 0) {
    ssize_t k = pread(fd, b, n, (off_t)at);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    b += k;
    n -= (size_t)k;
    at += (uint64_t)k;
  }
  return true;
}

/* Open unit @p unit's file and check its header against the store's key.
 * O_NOFOLLOW | O_NONBLOCK and a regular-file check: a link or a FIFO
 * under the name is refused at once, never followed or waited on. */
static int reader_open(bidsim_unitstore_t *s, unit_reader_t *r, uint32_t unit, const char *path, bidsim_error_t *err) {
  char name[UNIT_NAME_LEN + 1];
  unit_name(unit, "bin", name);
  unitfile_reader_close(r);
  r->fd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (r->fd < 0 && errno == ELOOP)
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "is not a regular file (a symbolic link): not a unit");
  if (r->fd < 0) return bidsim_error_set(err, BIDSIM_EIO, path, "cannot open a unit file: %s", strerror(errno));
  if (fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    unitfile_reader_close(r);
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "is not a regular file: not a unit");
  }
  file_header_t h, want = make_header(s, unit);
  if (!read_at(r->fd, &h, sizeof h, 0) || memcmp(h.magic, MAGIC, 8) ||
      h.check != fnv_bytes(&h, offsetof(file_header_t, check), FNV_BASIS)) {
    unitfile_reader_close(r);
    return bidsim_error_set(err, BIDSIM_EFORMAT, path, "not a unit file of this bidsim, or a damaged one");
  }
  if (memcmp(&h, &want, sizeof h)) {
    unitfile_reader_close(r);
    return bidsim_error_set(err, BIDSIM_EMISMATCH, path, "is %s, not unit %u of this run: it is never read as this "
                            "run's (delete it and rerun with --resume)",
                            h.unit != unit && h.fingerprint == want.fingerprint ? "another unit of this run"
                                                                                 : "a unit of another run",
                            unit);
  }
  if ((r->in = bidsim_malloc(IO_BYTES)) == NULL) {
    unitfile_reader_close(r);
    return bidsim_error_set(err, BIDSIM_ENOMEM, path, "out of memory for a unit's buffer");
  }
  r->unit = unit;
  r->next_day = 0;
  r->offset = sizeof h;
  r->size = (uint64_t)st.st_size;
  r->header_check = h.check;
  return BIDSIM_OK;
}

/* Decode the next day into @p parts (or, with parts NULL, nowhere:
 * verification), checking its block header, that its bytes make exactly
 * the day's words, and its sum. */
static int reader_day(bidsim_unitstore_t *s, unit_reader_t *r, const slab_part_t *parts, const char *path,
                      bidsim_error_t *err) {
  const uint32_t day = r->next_day;
  block_header_t b;
  if (!read_at(r->fd, &b, sizeof b, r->offset))
    return bidsim_error_set(err, BIDSIM_EFORMAT, path, "unit file is truncated at day %u", day);
  if (b.check != fnv_bytes(&b, offsetof(block_header_t, check), FNV_BASIS) || b.unit != r->unit || b.day != day ||
      b.zbytes > r->size - r->offset - sizeof b)
    return bidsim_error_set(err, BIDSIM_EFORMAT, path, "day %u's block header is damaged or truncated (delete the "
                            "file and rerun with --resume)", day);
  codec_decoder_t dec = { .parts = parts, .words = s->words, .sum = day_basis(r->header_check, day) };
  bool ok = true;
  for (uint64_t at = r->offset + sizeof b, left = b.zbytes; ok && left > 0;) {
    size_t k = left < IO_BYTES ? (size_t)left : IO_BYTES;
    if (!read_at(r->fd, r->in, k, at))
      return bidsim_error_set(err, BIDSIM_EIO, path, "cannot read a unit file: %s", strerror(errno));
    ok = codec_decode(&dec, r->in, k) == 0;
    at += k;
    left -= k;
  }
  if (!ok || !codec_done(&dec) || dec.sum != b.sum)
    return bidsim_error_set(err, BIDSIM_EFORMAT, path, "checksum mismatch at day %u: the unit file is damaged "
                            "(delete it and rerun with --resume)", day);
  r->offset += sizeof b + b.zbytes;
  r->next_day++;
  return BIDSIM_OK;
}

bool unitfile_complete(bidsim_unitstore_t *s, uint32_t unit) {
  unit_reader_t r = { .fd = -1 };
  char path[4096];
  snprintf(path, sizeof path, "%s/u%08" PRIu32 ".bin", s->dir, unit);
  bool ok = reader_open(s, &r, unit, path, NULL) == BIDSIM_OK;
  while (ok && r.next_day < s->key.days) ok = reader_day(s, &r, NULL, path, NULL) == BIDSIM_OK;
  ok = ok && r.offset == r.size;   /* nothing after the last day */
  unitfile_reader_close(&r);
  return ok;
}

int bidsim_unitstore_read_day(bidsim_unitstore_t *s, uint32_t unit, uint32_t day, bidsim_day_slab_t *slab,
                              bidsim_error_t *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/u%08" PRIu32 ".bin", s->dir, unit);
  if (unit >= s->units || day >= s->key.days || slab->plans != s->key.plans || slab->products != s->key.products ||
      slab->slots != s->key.slots)
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "day %u of unit %u does not fit the store", day, unit);
  unit_reader_t *r = &s->reader;
  int rc = BIDSIM_OK;
  if (r->fd < 0 || r->unit != unit || r->next_day > day) rc = reader_open(s, r, unit, path, err);
  while (rc == BIDSIM_OK && r->next_day < day) rc = reader_day(s, r, NULL, path, err);   /* skipped days */
  slab_part_t parts[SLAB_PARTS + 1];
  const size_t nparts = slab_parts(slab, parts);
  parts[nparts] = (slab_part_t){ NULL, 0 };
  if (rc == BIDSIM_OK) rc = reader_day(s, r, parts, path, err);
  if (rc != BIDSIM_OK || r->next_day == s->key.days) unitfile_reader_close(r);
  return rc;
}
