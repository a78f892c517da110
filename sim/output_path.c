/* sim/output_path.c - the result file's path, before and around the
 * HDF5 writer: checked before any work (a directory, a missing folder),
 * and the temporaries of killed writers (OUT.tmp.<pid>) removed. No HDF5
 * here: plain files and processes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sim/output.h"

/* The folder of @p path ("." for a bare name) into dir, its last part into *base. */
static void split(const char *path, char *dir, size_t n, const char **base) {
  const char *slash = strrchr(path, '/');
  *base = slash ? slash + 1 : path;
  if (slash == NULL) snprintf(dir, n, ".");
  else if (slash == path) snprintf(dir, n, "/");
  else snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

int bidsim_output_check_path(const char *path, bidsim_error_t *err) {
  char dir[4096];
  const char *base;
  if (path == NULL || path[0] == '\0') return bidsim_error_set(err, BIDSIM_EINVAL, "-o", "the output path is empty");
  if (strlen(path) > 4000) return bidsim_error_set(err, BIDSIM_EINVAL, path, "the output path is too long");
  split(path, dir, sizeof dir, &base);
  struct stat st;
  if (base[0] == '\0' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "is a directory: -o names the result file (e.g. %s%sout.h5)",
                            path, base[0] && path[strlen(path) - 1] != '/' ? "/" : "");
  if (stat(dir, &st) != 0)
    return bidsim_error_set(err, BIDSIM_ENOTFOUND, path, "the folder %s does not exist (create it first)", dir);
  if (!S_ISDIR(st.st_mode))
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "%s is not a folder", dir);
  if (access(dir, W_OK | X_OK) != 0)
    return bidsim_error_set(err, BIDSIM_EIO, path, "cannot write in the folder %s: %s", dir, strerror(errno));
  return BIDSIM_OK;
}

/* "<base>.tmp.<pid>" exactly: the pid in decimal, no sign, no leading zero. */
static long temporary_pid(const char *name, const char *base) {
  size_t n = strlen(base);
  if (strncmp(name, base, n) || strncmp(name + n, ".tmp.", 5)) return 0;
  const char *p = name + n + 5;
  if (*p < '1' || *p > '9' || strlen(p) > 9) return 0;
  long pid = 0;
  for (; *p; p++) {
    if (*p < '0' || *p > '9') return 0;
    pid = pid * 10 + (*p - '0');
  }
  return pid;
}

/* A temporary is stale only when all of these hold: its writer's process
 * is gone (kill(pid, 0) says no such process; a pid reused by a live
 * process keeps the file until that process ends too, which errs on the
 * safe side), it is a regular file of ours, and no one holds the lock
 * HDF5 takes on a file it writes (a writer in another pid namespace or on
 * another host of a shared file system). */
static bool stale(int dirfd, const char *name, long pid) {
  if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH) return false;
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
    return false;
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat fst;
  bool free_of_writers = fstat(fd, &fst) == 0 && fst.st_ino == st.st_ino && flock(fd, LOCK_EX | LOCK_NB) == 0;
  close(fd);   /* releases our lock: the process is gone, nothing takes it back */
  return free_of_writers;
}

int bidsim_output_remove_stale(const char *path, uint32_t *removed, bidsim_error_t *err) {
  char dir[4096];
  const char *base;
  if (removed) *removed = 0;
  split(path, dir, sizeof dir, &base);
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dirfd >= 0 ? fdopendir(dirfd) : NULL;
  if (d == NULL) {
    if (dirfd >= 0) close(dirfd);
    return bidsim_error_set(err, BIDSIM_EIO, dir, "cannot list the output's folder: %s", strerror(errno));
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    long pid = temporary_pid(e->d_name, base);
    if (pid > 0 && stale(dirfd, e->d_name, pid) && unlinkat(dirfd, e->d_name, 0) == 0 && removed) (*removed)++;
  }
  closedir(d);
  return BIDSIM_OK;
}
