/* sim/unitstore.c - unit files: a header naming the store's key and the
 * unit, then one block per day (the slab's words and an FNV-1a checksum).
 * Units are written as DIR/u<unit>.tmp and renamed to DIR/u<unit>.bin when
 * complete, so a file under the final name is always whole. */
#include "sim/unitstore.h"
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bidsim/alloc.h"

#define MAGIC "BIDSIMU1"

typedef struct {
  char     magic[8];
  uint32_t unit, pad;
  bidsim_unitstore_key_t key;
} header_t;

struct bidsim_unitstore {
  char    *dir;
  bidsim_unitstore_key_t key;
  uint32_t units;
  uint8_t *done;          /* per unit: a complete file exists */
  uint32_t count;
  size_t   words;         /* int64 per day slab */
};

size_t bidsim_slab_words(uint32_t plans, uint32_t products) {
  return (size_t)BIDSIM_METRIC_COUNT * plans * (BIDSIM_SEG_COUNT + BIDSIM_HOURS) +
         (size_t)BIDSIM_METRIC_COUNT * products + (1 + BIDSIM_EXTRA_COUNT) * (size_t)plans +
         (size_t)BIDSIM_HOURS * BIDSIM_SEG_COUNT;
}

/* The slab's arrays in pack order: the order of a unit file's day and of
 * an MPI day message. The pointers are to the slab's own arrays; callers
 * given a const slab only read through them. */
typedef struct { int64_t *p; size_t n; } slab_part_t;
enum { SLAB_PARTS = 5 + BIDSIM_EXTRA_COUNT };

static void slab_parts(const bidsim_day_slab_t *slab, slab_part_t parts[SLAB_PARTS]) {
  size_t i = 0;
  parts[i++] = (slab_part_t){ slab->plan_segment, (size_t)BIDSIM_METRIC_COUNT * slab->plans * BIDSIM_SEG_COUNT };
  parts[i++] = (slab_part_t){ slab->plan_hour, (size_t)BIDSIM_METRIC_COUNT * slab->plans * BIDSIM_HOURS };
  parts[i++] = (slab_part_t){ slab->product, (size_t)BIDSIM_METRIC_COUNT * slab->products };
  parts[i++] = (slab_part_t){ slab->cap_hit_s, slab->plans };
  for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) parts[i++] = (slab_part_t){ slab->extra[e], slab->plans };
  parts[i++] = (slab_part_t){ (int64_t *)&slab->impressions[0][0], (size_t)BIDSIM_HOURS * BIDSIM_SEG_COUNT };
}

void bidsim_slab_pack(const bidsim_day_slab_t *s, int64_t *out) {
  slab_part_t parts[SLAB_PARTS];
  slab_parts(s, parts);
  for (size_t i = 0; i < SLAB_PARTS; out += parts[i].n, i++) memcpy(out, parts[i].p, parts[i].n * sizeof *out);
}

void bidsim_slab_unpack(const int64_t *in, bidsim_day_slab_t *s) {
  slab_part_t parts[SLAB_PARTS];
  slab_parts(s, parts);
  for (size_t i = 0; i < SLAB_PARTS; in += parts[i].n, i++) memcpy(parts[i].p, in, parts[i].n * sizeof *in);
}

/* FNV-1a over 64-bit words (the payload is whole int64s): a checksum for
 * torn or damaged files, eight times faster than byte-wise FNV. */
static uint64_t fnv1a(const void *p, size_t n, uint64_t h) {
  const int64_t *w = p;
  for (size_t i = 0; i < n / sizeof *w; i++) h = (h ^ (uint64_t)w[i]) * UINT64_C(0x100000001B3);
  return h;
}
#define FNV_BASIS UINT64_C(0xCBF29CE484222325)

static void unit_path(const bidsim_unitstore_t *s, uint32_t unit, const char *ext, char *out, size_t n) {
  snprintf(out, n, "%s/u%08" PRIu32 ".%s", s->dir, unit, ext);
}

static long expected_size(const bidsim_unitstore_t *s) {
  return (long)(sizeof(header_t) + (size_t)s->key.days * (s->words + 1) * sizeof(int64_t));
}

/* Field by field: the struct has padding, which memcmp would compare. */
static bool same_key(const bidsim_unitstore_key_t *a, const bidsim_unitstore_key_t *b) {
  return a->fingerprint == b->fingerprint && a->variants == b->variants && a->replicates == b->replicates &&
         a->days == b->days && a->plans == b->plans && a->products == b->products;
}

/* A complete unit file: the right size, a header for this key and unit,
 * and every day's checksum right. Units are not fsync'ed (a killed process
 * loses nothing the kernel holds); after a crash of the machine a renamed
 * file may hold garbage, which this check turns into a unit to redo. */
static bool unit_ok(const bidsim_unitstore_t *s, uint32_t unit) {
  char path[4096];
  unit_path(s, unit, "bin", path, sizeof path);
  FILE *f = fopen(path, "rb");
  if (f == NULL) return false;
  header_t h;
  bool ok = fread(&h, sizeof h, 1, f) == 1 && !memcmp(h.magic, MAGIC, 8) && h.unit == unit &&
            same_key(&h.key, &s->key) && fseek(f, 0, SEEK_END) == 0 && ftell(f) == expected_size(s) &&
            fseek(f, (long)sizeof h, SEEK_SET) == 0;
  int64_t *buf = ok ? bidsim_malloc((s->words + 1) * sizeof *buf) : NULL;
  ok = ok && buf != NULL;
  for (uint32_t d = 0; ok && d < s->key.days; d++)
    ok = fread(buf, sizeof *buf, s->words + 1, f) == s->words + 1 &&
         fnv1a(buf, s->words * sizeof *buf, FNV_BASIS) == (uint64_t)buf[s->words];
  bidsim_free(buf);
  fclose(f);
  return ok;
}

/* Remove our files (u*.bin, u*.tmp, key) from dir; count complete units. */
static int clear_dir(const char *dir, uint32_t *finished) {
  DIR *d = opendir(dir);
  if (d == NULL) return errno == ENOENT ? 0 : -1;
  struct dirent *e;
  char path[4096];
  int rc = 0;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    bool bin = n > 4 && e->d_name[0] == 'u' && !strcmp(e->d_name + n - 4, ".bin");
    bool ours = bin || (n > 4 && e->d_name[0] == 'u' && !strcmp(e->d_name + n - 4, ".tmp")) || !strcmp(e->d_name, "key");
    if (!ours) continue;
    if (bin && finished) (*finished)++;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (unlink(path) != 0) rc = -1;
  }
  closedir(d);
  return rc;
}

static int write_key(const bidsim_unitstore_t *s) {
  char path[4096];
  snprintf(path, sizeof path, "%s/key", s->dir);
  FILE *f = fopen(path, "w");
  if (f == NULL) return -1;
  fprintf(f, "bidsim unit store\nfingerprint %016" PRIx64 "\nvariants %u\nreplicates %u\ndays %u\nplans %u\nproducts %u\n",
          s->key.fingerprint, s->key.variants, s->key.replicates, s->key.days, s->key.plans, s->key.products);
  return fclose(f) == 0 ? 0 : -1;
}

static bool key_matches(const bidsim_unitstore_t *s) {
  char path[4096], want[512], got[512] = "";
  snprintf(path, sizeof path, "%s/key", s->dir);
  FILE *f = fopen(path, "r");
  if (f == NULL) return false;
  size_t n = fread(got, 1, sizeof got - 1, f);
  got[n] = '\0';
  fclose(f);
  snprintf(want, sizeof want, "bidsim unit store\nfingerprint %016" PRIx64 "\nvariants %u\nreplicates %u\ndays %u\nplans %u\nproducts %u\n",
           s->key.fingerprint, s->key.variants, s->key.replicates, s->key.days, s->key.plans, s->key.products);
  return !strcmp(want, got);
}

void bidsim_unitstore_close(bidsim_unitstore_t *s, bool remove) {
  if (s == NULL) return;
  if (remove && clear_dir(s->dir, NULL) == 0) rmdir(s->dir);
  bidsim_free(s->dir);
  bidsim_free(s->done);
  bidsim_free(s);
}

int bidsim_unitstore_open(const char *dir, const bidsim_unitstore_key_t *key, bool resume,
                          bidsim_unitstore_t **out, uint32_t *discarded, bidsim_error_t *err) {
  *out = NULL;
  if (discarded) *discarded = 0;
  bidsim_unitstore_t *s = bidsim_calloc(1, sizeof *s);
  uint64_t units = (uint64_t)key->variants * key->replicates;
  if (s == NULL || units > UINT32_MAX) { bidsim_free(s); return bidsim_error_set(err, BIDSIM_ENOMEM, dir, "out of memory"); }
  s->dir = bidsim_strdup(dir);
  s->key = *key;
  s->units = (uint32_t)units;
  s->done = bidsim_calloc(s->units + 1, 1);
  s->words = bidsim_slab_words(key->plans, key->products);
  if (!s->dir || !s->done) { bidsim_unitstore_close(s, false); return bidsim_error_set(err, BIDSIM_ENOMEM, dir, "out of memory"); }
  struct stat st;
  bool exists = stat(dir, &st) == 0;
  if (exists && !S_ISDIR(st.st_mode)) {
    bidsim_unitstore_close(s, false);
    return bidsim_error_set(err, BIDSIM_EIO, dir, "exists and is not a directory (the unit store of this output)");
  }
  if (exists && resume && access(dir, F_OK) == 0) {
    char kp[4096];
    snprintf(kp, sizeof kp, "%s/key", dir);
    if (access(kp, F_OK) == 0 && !key_matches(s)) {
      bidsim_unitstore_close(s, false);
      return bidsim_error_set(err, BIDSIM_EMISMATCH, dir,
                              "its units belong to another scenario, seed or bidsim version: cannot resume "
                              "(remove the directory or run without --resume)");
    }
    for (uint32_t u = 0; u < s->units; u++)
      if (unit_ok(s, u)) { s->done[u] = 1; s->count++; }
  } else if (exists) {
    if (clear_dir(dir, discarded) != 0) {
      bidsim_unitstore_close(s, false);
      return bidsim_error_set(err, BIDSIM_EIO, dir, "cannot clear the earlier unit files: %s", strerror(errno));
    }
  } else if (mkdir(dir, 0777) != 0) {
    bidsim_unitstore_close(s, false);
    return bidsim_error_set(err, BIDSIM_EIO, dir, "cannot create the unit store: %s", strerror(errno));
  }
  if (write_key(s) != 0) {
    bidsim_unitstore_close(s, false);
    return bidsim_error_set(err, BIDSIM_EIO, dir, "cannot write the store's key file: %s", strerror(errno));
  }
  *out = s;
  return BIDSIM_OK;
}

bool bidsim_unitstore_has(const bidsim_unitstore_t *s, uint32_t unit) { return unit < s->units && s->done[unit]; }
uint32_t bidsim_unitstore_count(const bidsim_unitstore_t *s) { return s->count; }
const char *bidsim_unitstore_dir(const bidsim_unitstore_t *s) { return s->dir; }

int bidsim_unitstore_begin(bidsim_unitstore_t *s, uint32_t unit, bidsim_unit_file_t *uf, bidsim_error_t *err) {
  uf->unit = unit;
  uf->days_written = 0;
  unit_path(s, unit, "tmp", uf->path, sizeof uf->path);
  uf->f = fopen(uf->path, "wb");
  if (uf->f == NULL) return bidsim_error_set(err, BIDSIM_EIO, uf->path, "cannot create a unit file: %s", strerror(errno));
  header_t h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, MAGIC, 8);
  h.unit = unit;
  h.key.fingerprint = s->key.fingerprint;   /* fields, not the struct: its padding stays zero */
  h.key.variants = s->key.variants;
  h.key.replicates = s->key.replicates;
  h.key.days = s->key.days;
  h.key.plans = s->key.plans;
  h.key.products = s->key.products;
  if (fwrite(&h, sizeof h, 1, uf->f) != 1) {
    bidsim_unitstore_abandon(uf);
    return bidsim_error_set(err, BIDSIM_EIO, uf->path, "cannot write a unit file: %s", strerror(errno));
  }
  return BIDSIM_OK;
}

int bidsim_unitstore_append(bidsim_unitstore_t *s, bidsim_unit_file_t *uf, const bidsim_day_slab_t *slab,
                            bidsim_error_t *err) {
  /* each array written straight from the slab */
  slab_part_t parts[SLAB_PARTS];
  slab_parts(slab, parts);
  uint64_t sum = FNV_BASIS;
  size_t words = 0;
  for (size_t i = 0; i < SLAB_PARTS; i++) {
    words += parts[i].n;
    sum = fnv1a(parts[i].p, parts[i].n * sizeof(int64_t), sum);
    if (fwrite(parts[i].p, sizeof(int64_t), parts[i].n, uf->f) != parts[i].n) goto fail;
  }
  if (words != s->words || fwrite(&sum, sizeof sum, 1, uf->f) != 1) goto fail;
  uf->days_written++;
  return BIDSIM_OK;
fail:
  return bidsim_error_set(err, BIDSIM_EIO, uf->path, "cannot write a unit file: %s", strerror(errno));
}

int bidsim_unitstore_finish(bidsim_unitstore_t *s, bidsim_unit_file_t *uf, bidsim_error_t *err) {
  char final[4096];
  unit_path(s, uf->unit, "bin", final, sizeof final);
  int bad = uf->days_written != s->key.days;
  bad |= fclose(uf->f) != 0;
  uf->f = NULL;
  if (bad || rename(uf->path, final) != 0) {
    unlink(uf->path);
    return bidsim_error_set(err, BIDSIM_EIO, uf->path, "cannot complete a unit file: %s", strerror(errno));
  }
  /* units are claimed by one thread each, so this flag has one writer */
  s->done[uf->unit] = 1;
  return BIDSIM_OK;
}

void bidsim_unitstore_abandon(bidsim_unit_file_t *uf) {
  if (uf->f) fclose(uf->f);
  uf->f = NULL;
  unlink(uf->path);
}

int bidsim_unitstore_read_day(const bidsim_unitstore_t *s, uint32_t unit, uint32_t day, bidsim_day_slab_t *slab,
                              bidsim_error_t *err) {
  char path[4096];
  unit_path(s, unit, "bin", path, sizeof path);
  FILE *f = fopen(path, "rb");
  if (f == NULL) return bidsim_error_set(err, BIDSIM_EIO, path, "cannot open a unit file: %s", strerror(errno));
  /* straight into the slab's arrays, as append wrote them: no day-sized
   * buffer to fault in and copy out of */
  slab_part_t parts[SLAB_PARTS];
  slab_parts(slab, parts);
  int rc = BIDSIM_OK;
  long at = (long)(sizeof(header_t) + (size_t)day * (s->words + 1) * sizeof(int64_t));
  uint64_t sum = FNV_BASIS, stored = 0;
  bool whole = fseek(f, at, SEEK_SET) == 0;
  for (size_t i = 0; whole && i < SLAB_PARTS; i++) {
    whole = fread(parts[i].p, sizeof(int64_t), parts[i].n, f) == parts[i].n;
    sum = fnv1a(parts[i].p, parts[i].n * sizeof(int64_t), sum);
  }
  whole = whole && fread(&stored, sizeof stored, 1, f) == 1;
  if (!whole)
    rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "unit file is truncated at day %u", day);
  else if (sum != stored)
    rc = bidsim_error_set(err, BIDSIM_EFORMAT, path, "checksum mismatch at day %u: the unit file is damaged "
                          "(delete it and rerun with --resume)", day);
  fclose(f);
  return rc;
}
