/* sim/unitstore.c - the store's directory: the lock that keeps a second
 * run out, the key file, and the names the store owns (key, lock,
 * u<8 digits>.bin and .tmp). Everything is opened relative to the
 * directory's descriptor with O_NOFOLLOW, the directory itself included:
 * a symbolic link as or in the store is refused, never followed, so a run
 * cannot delete or write anything outside it. Only regular files of the
 * store's names, in a directory that holds the store's key, are deleted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/unitstore_internal.h"

#define KEY_HEAD "bidsim unit store\n"

typedef enum { NAME_OTHER, NAME_KEY, NAME_LOCK, NAME_BIN, NAME_TMP } name_kind_t;

/* Which of the store's names, if any: exactly "u" + 8 digits + ".bin"/".tmp". */
static name_kind_t classify(const char *n, uint32_t *unit) {
  if (!strcmp(n, "key")) return NAME_KEY;
  if (!strcmp(n, "lock")) return NAME_LOCK;
  if (strlen(n) != UNIT_NAME_LEN || n[0] != 'u' || n[9] != '.') return NAME_OTHER;
  uint32_t u = 0;
  for (int i = 1; i <= 8; i++) {
    if (n[i] < '0' || n[i] > '9') return NAME_OTHER;
    u = u * 10 + (uint32_t)(n[i] - '0');
  }
  *unit = u;
  return !strcmp(n + 10, "bin") ? NAME_BIN : !strcmp(n + 10, "tmp") ? NAME_TMP : NAME_OTHER;
}

static int key_text(const bidsim_unitstore_key_t *k, char *buf, size_t n) {
  /* "format 3": unit files of the day laid out by the output table, with
   * per-slot counts (a store of format 2 is another run's) */
  return snprintf(buf, n, KEY_HEAD "format 3\nfingerprint %016" PRIx64 "\nvariants %u\nreplicates %u\ndays %u\n"
                  "plans %u\nproducts %u\nslots %u\n", k->fingerprint, k->variants, k->replicates, k->days, k->plans,
                  k->products, k->slots);
}

/* A small regular file of the store, read whole (at most n - 1 bytes): its
 * length, or -1 (missing, a link, not a regular file). */
static ssize_t read_small(int dirfd, const char *name, char *buf, size_t n) {
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  ssize_t got = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, n - 1) : -1;
  close(fd);
  buf[got > 0 ? got : 0] = '\0';
  return got;
}

static int write_key(const bidsim_unitstore_t *s) {
  char text[512], now[512];
  int n = key_text(&s->key, text, sizeof text);
  if (read_small(s->dirfd, "key", now, sizeof now) == n && !strcmp(now, text)) return 0;   /* already so */
  int fd = openat(s->dirfd, "key", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  bool ok = write(fd, text, (size_t)n) == n;
  return close(fd) == 0 && ok ? 0 : -1;
}

/* A listing of the store from its first entry (the descriptor's duplicate
 * shares its position with the store's own, which an earlier listing moved). */
static DIR *open_listing(const bidsim_unitstore_t *s) {
  int fd = dup(s->dirfd);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL && fd >= 0) close(fd);
  if (d) rewinddir(d);
  return d;
}

/* What the directory holds: whether it is a store (a key file of ours, or
 * nothing but a lock), and any entry of the store's names that is not a
 * regular file (refused: never followed, never deleted). */
typedef struct {
  bool has_key, foreign, ours_other;
  char bad[256];
} scan_t;

static int scan(const bidsim_unitstore_t *s, scan_t *sc) {
  memset(sc, 0, sizeof *sc);
  DIR *d = open_listing(s);
  if (d == NULL) return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    uint32_t u;
    name_kind_t k = classify(e->d_name, &u);
    struct stat st;
    if (k == NAME_OTHER) { sc->foreign = true; continue; }
    if (fstatat(s->dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;   /* gone meanwhile */
    if (!S_ISREG(st.st_mode) && !sc->bad[0]) snprintf(sc->bad, sizeof sc->bad, "%s", e->d_name);
    if (k == NAME_KEY) {
      char text[32];
      sc->has_key = read_small(s->dirfd, "key", text, sizeof text) > 0 && !strncmp(text, KEY_HEAD, strlen(KEY_HEAD));
    } else if (k != NAME_LOCK) {
      sc->ours_other = true;
    }
  }
  closedir(d);
  return 0;
}

/* The scan's verdict: a directory that is not a store, or an entry of the
 * store's names that is not a regular file, is refused. */
static int check_scan(const bidsim_unitstore_t *s, scan_t *sc, bidsim_error_t *err) {
  if (scan(s, sc) != 0)
    return bidsim_error_set(err, BIDSIM_EIO, s->dir, "cannot list the unit store: %s", strerror(errno));
  if (sc->bad[0])
    return bidsim_error_set(err, BIDSIM_EINVAL, s->dir, "%s is not a regular file (a link, a FIFO ...): bidsim never "
                            "follows or deletes such entries in its unit store (remove it)", sc->bad);
  if (!sc->has_key && (sc->foreign || sc->ours_other))
    return bidsim_error_set(err, BIDSIM_EINVAL, s->dir, "exists and is not a bidsim unit store (no key file): "
                            "bidsim neither writes in nor deletes from it (move it, or choose another output)");
  return BIDSIM_OK;
}

/* Remove the store's regular files (u*.bin, u*.tmp, key); count the
 * finished units among them. */
static int clear(bidsim_unitstore_t *s, uint32_t *finished) {
  DIR *d = open_listing(s);
  if (d == NULL) return -1;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    uint32_t u;
    name_kind_t k = classify(e->d_name, &u);
    struct stat st;
    if (k == NAME_OTHER || k == NAME_LOCK) continue;
    if (fstatat(s->dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    if (k == NAME_BIN && finished) (*finished)++;
    if (unlinkat(s->dirfd, e->d_name, 0) != 0 && errno != ENOENT) rc = -1;
  }
  closedir(d);
  return rc;
}

/* Open dir (never through a link), take its lock. 0, or an error code. */
static int lock_dir(bidsim_unitstore_t *s, bidsim_error_t *err) {
  const char *dir = s->dir;
  /* a run finishing meanwhile removes its store: then start again */
  for (int attempt = 0; attempt < 16; attempt++) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
      return bidsim_error_set(err, BIDSIM_EIO, dir, "cannot create the unit store: %s", strerror(errno));
    s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s->dirfd < 0) {
      int e = errno;
      struct stat st;
      if (e == ENOENT) continue;
      if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
        return bidsim_error_set(err, BIDSIM_EINVAL, dir, "is a symbolic link: bidsim never follows links as or in its "
                                "unit store (remove the link or choose another output)");
      if (e == ENOTDIR)
        return bidsim_error_set(err, BIDSIM_EINVAL, dir, "exists and is not a directory (the unit store of this "
                                "output)");
      return bidsim_error_set(err, BIDSIM_EIO, dir, "cannot open the unit store: %s", strerror(e));
    }
    /* a folder that is not a store is refused before the lock is made in it */
    scan_t sc;
    int rc = check_scan(s, &sc, err);
    if (rc) return rc;
    s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (s->lockfd < 0) {
      int e = errno;
      close(s->dirfd);
      s->dirfd = -1;
      if (e == ENOENT) continue;   /* the directory was removed under us */
      if (e == ELOOP)
        return bidsim_error_set(err, BIDSIM_EINVAL, dir, "its lock is not a regular file (a symbolic link): bidsim "
                                "never follows links in its unit store");
      return bidsim_error_set(err, BIDSIM_EIO, dir, "cannot create the unit store's lock: %s", strerror(e));
    }
    struct stat fst, lst, dst, pst;
    if (fstat(s->lockfd, &fst) != 0 || !S_ISREG(fst.st_mode))
      return bidsim_error_set(err, BIDSIM_EINVAL, dir, "its lock is not a regular file");
    /* a holder killed a moment ago (kill -9, then --resume from a script)
     * may still be exiting: a tenth of a second for it, then refuse */
    int locked = -1;
    for (int wait = 0; wait < 10 && (locked = flock(s->lockfd, LOCK_EX | LOCK_NB)) != 0 && errno == EWOULDBLOCK; wait++)
      nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
    if (locked != 0) {
      int e = errno;
      char who[64] = "";
      if (e == EWOULDBLOCK) {
        char text[32];
        long pid = read_small(s->dirfd, "lock", text, sizeof text) > 0 ? strtol(text, NULL, 10) : 0;
        if (pid > 0) snprintf(who, sizeof who, " (process %ld)", pid);
        return bidsim_error_set(err, BIDSIM_ESTATE, dir, "the unit store is in use by another bidsim run%s writing "
                                "the same output: wait for it, or choose another output", who);
      }
      return bidsim_error_set(err, BIDSIM_EIO, dir, "cannot lock the unit store: %s", strerror(e));
    }
    /* locked: but is it still the lock of the directory at this path? (a
     * finishing run may have removed both since we opened them) */
    bool same = fstatat(s->dirfd, "lock", &lst, AT_SYMLINK_NOFOLLOW) == 0 && lst.st_ino == fst.st_ino &&
                lst.st_dev == fst.st_dev && fstat(s->dirfd, &dst) == 0 && lstat(dir, &pst) == 0 &&
                pst.st_ino == dst.st_ino && pst.st_dev == dst.st_dev;
    if (!same) {
      close(s->lockfd);
      close(s->dirfd);
      s->lockfd = s->dirfd = -1;
      continue;
    }
    /* the holder's pid, padded to one width so that no truncation is
     * needed (a truncated file is flushed on close by some file systems) */
    char pid[24];
    int n = snprintf(pid, sizeof pid, "%-20ld\n", (long)getpid());
    if (pwrite(s->lockfd, pid, (size_t)n, 0) != n)
      return bidsim_error_set(err, BIDSIM_EIO, dir, "cannot write the unit store's lock: %s", strerror(errno));
    return BIDSIM_OK;
  }
  return bidsim_error_set(err, BIDSIM_EIO, dir, "cannot lock the unit store: other runs keep removing it");
}

void bidsim_unitstore_close(bidsim_unitstore_t *s, bool remove) {
  if (s == NULL) return;
  unitfile_reader_close(&s->reader);
  if (remove && s->dirfd >= 0 && clear(s, NULL) == 0) {
    /* the lock goes last, still held; the directory goes if nothing else is in it */
    unlinkat(s->dirfd, "lock", 0);
    rmdir(s->dir);
  }
  if (s->lockfd >= 0) close(s->lockfd);   /* releases the lock */
  if (s->dirfd >= 0) close(s->dirfd);
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
  s->dirfd = s->lockfd = s->reader.fd = -1;
  s->dir = bidsim_strdup(dir);
  s->key = *key;
  s->units = (uint32_t)units;
  s->done = bidsim_calloc(s->units + 1, 1);
  s->words = bidsim_slab_words(key->plans, key->products, key->slots);
  int rc = !s->dir || !s->done ? bidsim_error_set(err, BIDSIM_ENOMEM, dir, "out of memory") : lock_dir(s, err);
  scan_t sc;
  if (rc == BIDSIM_OK) rc = check_scan(s, &sc, err);   /* again, now that no other run can change it */
  if (rc == BIDSIM_OK && resume && sc.has_key) {
    char want[512], got[512];
    key_text(key, want, sizeof want);
    if (read_small(s->dirfd, "key", got, sizeof got) < 0 || strcmp(want, got))
      rc = bidsim_error_set(err, BIDSIM_EMISMATCH, dir, "its units belong to another scenario, seed or bidsim "
                            "version: cannot resume (remove the directory or run without --resume)");
    for (uint32_t u = 0; rc == BIDSIM_OK && u < s->units; u++)
      if (unitfile_complete(s, u)) { s->done[u] = 1; s->count++; }
  } else if (rc == BIDSIM_OK && !resume && clear(s, discarded) != 0) {
    rc = bidsim_error_set(err, BIDSIM_EIO, dir, "cannot clear the earlier unit files: %s", strerror(errno));
  }
  if (rc == BIDSIM_OK && write_key(s) != 0)
    rc = bidsim_error_set(err, BIDSIM_EIO, dir, "cannot write the store's key file: %s", strerror(errno));
  if (rc) {
    bidsim_unitstore_close(s, false);
    return rc;
  }
  *out = s;
  return BIDSIM_OK;
}

bool bidsim_unitstore_has(const bidsim_unitstore_t *s, uint32_t unit) { return unit < s->units && s->done[unit]; }
uint32_t bidsim_unitstore_count(const bidsim_unitstore_t *s) { return s->count; }
const char *bidsim_unitstore_dir(const bidsim_unitstore_t *s) { return s->dir; }
