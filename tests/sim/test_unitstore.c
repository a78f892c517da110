/* tests/sim/test_unitstore.c - the unit store: a unit is visible only when
 * complete, survives a reopen with resume, is discarded without it, is
 * refused for another key; a damaged or truncated unit file is detected;
 * a second open of a store in use is refused; a unit file of another run
 * or unit is never read, even when planted after the store was opened;
 * links and FIFOs are refused, never followed; units are compressed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sim/unitstore.h"

#define PLANS 3
#define PRODUCTS 2
#define DAYS 2
#define SLOTS 2

static char dir[512];

static void fill(bidsim_day_slab_t *s, int64_t seed) {
  for (size_t i = 0; i < (size_t)BIDSIM_METRIC_COUNT * PLANS * BIDSIM_SEG_COUNT; i++) s->plan_segment[i] = seed + (int64_t)i;
  for (size_t i = 0; i < (size_t)BIDSIM_METRIC_COUNT * PLANS * BIDSIM_HOURS; i++) s->plan_hour[i] = seed * 7 + (int64_t)i;
  for (size_t i = 0; i < (size_t)BIDSIM_METRIC_COUNT * PRODUCTS; i++) s->product[i] = -seed - (int64_t)i;
  for (size_t i = 0; i < PLANS; i++) s->cap_hit_s[i] = seed % 2 ? -1 : 3600 * (int64_t)i;
  for (int h = 0; h < BIDSIM_HOURS; h++)
    for (int g = 0; g < BIDSIM_SEG_COUNT; g++) s->impressions[h][g] = seed * 100 + h;
  for (size_t i = 0; i < (size_t)BIDSIM_SLOT_METRIC_COUNT * SLOTS * PLANS; i++) s->plan_slot[i] = seed * 3 + (int64_t)i;
}

static void write_unit(bidsim_unitstore_t *st, uint32_t unit, bool finish) {
  bidsim_day_slab_t s;
  bidsim_unit_file_t uf;
  bidsim_error_t err;
  assert_int_equal(bidsim_day_slab_init_slots(&s, PLANS, PRODUCTS, SLOTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_unitstore_begin(st, unit, &uf, &err), BIDSIM_OK);
  for (uint32_t d = 0; d < DAYS; d++) {
    fill(&s, unit * 10 + d);
    assert_int_equal(bidsim_unitstore_append(st, &uf, &s, &err), BIDSIM_OK);
  }
  if (finish) {
    assert_int_equal(bidsim_unitstore_finish(st, &uf, &err), BIDSIM_OK);
  } else {
    /* a unit in flight when the process died: its .tmp file stays */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.keep", uf.path);
    assert_int_equal(link(uf.path, tmp), 0);
    bidsim_unitstore_abandon(&uf);
    assert_int_equal(rename(tmp, uf.path), 0);
  }
  bidsim_day_slab_free(&s);
}

static void unit_path(const char *d, uint32_t unit, char *out, size_t n) {
  snprintf(out, n, "%s/u%08u.bin", d, unit);
}

static void copy_file(const char *from, const char *to) {
  char cmd[1400];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
  assert_int_equal(system(cmd), 0);
}

static void remove_dir(const char *d) {
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
  assert_int_equal(system(cmd), 0);
}

static void test_store(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "%s/test_unitstore.units", BIDSIM_BUILD_DIR);
  bidsim_unitstore_key_t key = { 0x1234, 2, 3, DAYS, PLANS, PRODUCTS, SLOTS };
  bidsim_unitstore_t *st = NULL;
  bidsim_error_t err;
  uint32_t discarded = 0;
  assert_int_equal(bidsim_unitstore_open(dir, &key, false, &st, &discarded, &err), BIDSIM_OK);
  write_unit(st, 0, true);
  write_unit(st, 4, true);
  write_unit(st, 5, false);
  assert_true(bidsim_unitstore_has(st, 0) && bidsim_unitstore_has(st, 4));
  assert_false(bidsim_unitstore_has(st, 5));
  bidsim_unitstore_close(st, false);

  /* resume: the complete units are found, the one in flight is not */
  assert_int_equal(bidsim_unitstore_open(dir, &key, true, &st, NULL, &err), BIDSIM_OK);
  assert_int_equal(bidsim_unitstore_count(st), 2);
  assert_true(bidsim_unitstore_has(st, 4));
  assert_false(bidsim_unitstore_has(st, 5));
  bidsim_day_slab_t got, want;
  assert_int_equal(bidsim_day_slab_init_slots(&got, PLANS, PRODUCTS, SLOTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_day_slab_init_slots(&want, PLANS, PRODUCTS, SLOTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_unitstore_read_day(st, 4, 1, &got, &err), BIDSIM_OK);
  fill(&want, 41);
  assert_memory_equal(got.plan_hour, want.plan_hour, sizeof(int64_t) * BIDSIM_METRIC_COUNT * PLANS * BIDSIM_HOURS);
  assert_memory_equal(got.cap_hit_s, want.cap_hit_s, sizeof(int64_t) * PLANS);
  assert_memory_equal(got.impressions, want.impressions, sizeof want.impressions);
  assert_memory_equal(got.plan_slot, want.plan_slot, sizeof(int64_t) * BIDSIM_SLOT_METRIC_COUNT * SLOTS * PLANS);
  bidsim_unitstore_close(st, false);

  /* a flipped byte in unit 4's second day: the checksum catches it */
  char path[600];
  snprintf(path, sizeof path, "%s/u00000004.bin", dir);
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  fseek(f, -10, SEEK_END);   /* inside the last day's compressed block */
  int c = fgetc(f);
  fseek(f, -10, SEEK_END);
  fputc(c ^ 0x10, f);
  fclose(f);
  assert_int_equal(bidsim_unitstore_open(dir, &key, true, &st, NULL, &err), BIDSIM_OK);
  assert_false(bidsim_unitstore_has(st, 4));   /* a damaged unit is redone on resume */
  assert_true(bidsim_unitstore_has(st, 0));
  assert_int_equal(bidsim_unitstore_read_day(st, 4, 0, &got, &err), BIDSIM_OK);   /* day 0 intact */
  assert_int_equal(bidsim_unitstore_read_day(st, 4, 1, &got, &err), BIDSIM_EFORMAT);
  assert_non_null(strstr(err.msg, "damaged"));
  bidsim_unitstore_close(st, false);

  /* a truncated unit file is not a finished unit */
  assert_int_equal(truncate(path, 100), 0);
  assert_int_equal(bidsim_unitstore_open(dir, &key, true, &st, NULL, &err), BIDSIM_OK);
  assert_false(bidsim_unitstore_has(st, 4));
  assert_true(bidsim_unitstore_has(st, 0));
  bidsim_unitstore_close(st, false);

  /* another key (scenario, seed or version): resume is refused */
  bidsim_unitstore_key_t other = key;
  other.fingerprint = 0x4321;
  assert_int_equal(bidsim_unitstore_open(dir, &other, true, &st, NULL, &err), BIDSIM_EMISMATCH);
  assert_null(st);
  /* without resume the old units are discarded, and counted */
  assert_int_equal(bidsim_unitstore_open(dir, &other, false, &st, &discarded, &err), BIDSIM_OK);
  assert_int_equal(discarded, 2);   /* the files named as finished units: 0, and 4 though truncated */
  assert_int_not_equal(access(path, F_OK), 0);
  assert_int_equal(bidsim_unitstore_count(st), 0);
  bidsim_unitstore_close(st, true);
  assert_int_not_equal(access(dir, F_OK), 0);   /* removed with the store */
  bidsim_day_slab_free(&got);
  bidsim_day_slab_free(&want);
}

/* pack and unpack are inverse, in the documented order */
static void test_pack(void **state) {
  (void)state;
  bidsim_day_slab_t a, b;
  bidsim_error_t err;
  assert_int_equal(bidsim_day_slab_init_slots(&a, PLANS, PRODUCTS, SLOTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_day_slab_init_slots(&b, PLANS, PRODUCTS, SLOTS, &err), BIDSIM_OK);
  fill(&a, 5);
  size_t n = bidsim_slab_words(PLANS, PRODUCTS, SLOTS);
  assert_int_equal(n, (size_t)5 * PLANS * 27 + 5 * PRODUCTS + 2 * SLOTS * PLANS + (1 + BIDSIM_EXTRA_COUNT) * PLANS + 72);
  int64_t *w = calloc(n, sizeof *w);
  bidsim_slab_pack(&a, w);
  assert_int_equal(w[0], a.plan_segment[0]);
  /* the output table's order: the three metric tables, then per slot */
  assert_int_equal(w[(size_t)5 * PLANS * 27 + 5 * PRODUCTS], a.plan_slot[0]);
  assert_int_equal(w[n - 1], a.impressions[23][2]);
  bidsim_slab_unpack(w, &b);
  assert_memory_equal(a.plan_segment, b.plan_segment, sizeof(int64_t) * 5 * PLANS * 3);
  assert_memory_equal(a.product, b.product, sizeof(int64_t) * 5 * PRODUCTS);
  assert_memory_equal(a.plan_slot, b.plan_slot, sizeof(int64_t) * 2 * SLOTS * PLANS);
  free(w);
  bidsim_day_slab_free(&a);
  bidsim_day_slab_free(&b);
}

static const bidsim_unitstore_key_t key_a = { 0xAAAA, 2, 3, DAYS, PLANS, PRODUCTS, SLOTS };

/* one run at a time: a second open (this process or another) is refused
 * while the first holds the store, naming its process; after close it opens */
static void test_second_open_is_refused_while_in_use(void **state) {
  (void)state;
  char d[512];
  snprintf(d, sizeof d, "%s/test_unitstore_lock.units", BIDSIM_BUILD_DIR);
  remove_dir(d);
  bidsim_unitstore_t *a = NULL, *b = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_unitstore_open(d, &key_a, false, &a, NULL, &err), BIDSIM_OK);
  write_unit(a, 1, true);
  char pid[64];
  snprintf(pid, sizeof pid, "(process %ld)", (long)getpid());
  for (int resume = 0; resume < 2; resume++) {
    assert_int_equal(bidsim_unitstore_open(d, &key_a, resume, &b, NULL, &err), BIDSIM_ESTATE);
    assert_null(b);
    assert_non_null(strstr(err.msg, "in use by another bidsim run"));
    assert_non_null(strstr(err.msg, pid));
  }
  assert_true(bidsim_unitstore_has(a, 1));   /* the refused opens deleted nothing */
  char p[600];
  unit_path(d, 1, p, sizeof p);
  assert_int_equal(access(p, F_OK), 0);
  bidsim_unitstore_close(a, false);
  assert_int_equal(bidsim_unitstore_open(d, &key_a, true, &b, NULL, &err), BIDSIM_OK);
  assert_true(bidsim_unitstore_has(b, 1));
  bidsim_unitstore_close(b, true);
  assert_int_not_equal(access(d, F_OK), 0);
}

/* a unit file replaced after the store was opened (the race of two runs
 * on one store): by another run's unit, or by another unit of this run,
 * it is refused when read, never read as this unit */
static void test_unit_replaced_after_open_is_never_read(void **state) {
  (void)state;
  char da[512], db[512], pa[600], pb[600], p1[600];
  snprintf(da, sizeof da, "%s/test_unitstore_a.units", BIDSIM_BUILD_DIR);
  snprintf(db, sizeof db, "%s/test_unitstore_b.units", BIDSIM_BUILD_DIR);
  remove_dir(da);
  remove_dir(db);
  bidsim_unitstore_key_t key_b = key_a;
  key_b.fingerprint = 0xBBBB;   /* another seed */
  bidsim_unitstore_t *a = NULL, *b = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_unitstore_open(da, &key_a, false, &a, NULL, &err), BIDSIM_OK);
  assert_int_equal(bidsim_unitstore_open(db, &key_b, false, &b, NULL, &err), BIDSIM_OK);
  write_unit(a, 0, true);
  write_unit(a, 1, true);
  write_unit(b, 0, true);
  bidsim_day_slab_t got;
  assert_int_equal(bidsim_day_slab_init_slots(&got, PLANS, PRODUCTS, SLOTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_unitstore_read_day(a, 0, 0, &got, &err), BIDSIM_OK);
  unit_path(da, 0, pa, sizeof pa);
  unit_path(db, 0, pb, sizeof pb);
  unit_path(da, 1, p1, sizeof p1);
  copy_file(pb, pa);   /* run B's unit 0 where run A's was */
  assert_int_equal(bidsim_unitstore_read_day(a, 0, 0, &got, &err), BIDSIM_EMISMATCH);
  assert_non_null(strstr(err.msg, "another run"));
  copy_file(p1, pa);   /* run A's own unit 1 as unit 0 */
  assert_int_equal(bidsim_unitstore_read_day(a, 0, 1, &got, &err), BIDSIM_EMISMATCH);
  assert_non_null(strstr(err.msg, "another unit of this run"));
  bidsim_unitstore_close(a, false);
  bidsim_unitstore_close(b, true);
  /* on resume neither is taken as a finished unit 0 */
  assert_int_equal(bidsim_unitstore_open(da, &key_a, true, &a, NULL, &err), BIDSIM_OK);
  assert_false(bidsim_unitstore_has(a, 0));
  assert_true(bidsim_unitstore_has(a, 1));
  bidsim_unitstore_close(a, true);
  bidsim_day_slab_free(&got);
}

/* a store that is a link, and links or FIFOs inside a store, are refused
 * at once: never followed, never waited on, nothing outside deleted */
static void test_links_and_fifos_are_refused(void **state) {
  (void)state;
  char d[512], target[512], p[700];
  snprintf(d, sizeof d, "%s/test_unitstore_link.units", BIDSIM_BUILD_DIR);
  snprintf(target, sizeof target, "%s/test_unitstore_target", BIDSIM_BUILD_DIR);
  remove_dir(d);
  remove_dir(target);
  assert_int_equal(mkdir(target, 0777), 0);
  snprintf(p, sizeof p, "%s/key", target);
  FILE *f = fopen(p, "w");
  fputs("bidsim unit store\nsomeone else's\n", f);
  fclose(f);
  assert_int_equal(symlink(target, d), 0);
  bidsim_unitstore_t *s = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_unitstore_open(d, &key_a, false, &s, NULL, &err), BIDSIM_EINVAL);
  assert_non_null(strstr(err.msg, "symbolic link"));
  assert_int_equal(access(p, F_OK), 0);   /* the linked folder's key is still there */
  assert_int_equal(unlink(d), 0);
  remove_dir(target);

  const char *kinds[] = { "fifo", "link to fifo", "tmp link" };
  for (int k = 0; k < 3; k++) {
    assert_int_equal(bidsim_unitstore_open(d, &key_a, false, &s, NULL, &err), BIDSIM_OK);
    write_unit(s, 0, true);
    bidsim_unitstore_close(s, false);
    char fifo[512];
    snprintf(fifo, sizeof fifo, "%s/test_unitstore_fifo", BIDSIM_BUILD_DIR);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    snprintf(p, sizeof p, "%s/u00000001.%s", d, k == 2 ? "tmp" : "bin");
    if (k == 0) assert_int_equal(mkfifo(p, 0644), 0);
    else assert_int_equal(symlink(fifo, p), 0);
    assert_int_equal(bidsim_unitstore_open(d, &key_a, true, &s, NULL, &err), BIDSIM_EINVAL);
    assert_non_null(strstr(err.msg, "not a regular file"));
    print_message("refused %s: %s\n", kinds[k], err.msg);
    assert_int_equal(bidsim_unitstore_open(d, &key_a, false, &s, NULL, &err), BIDSIM_EINVAL);
    assert_int_equal(unlink(p), 0);
    unlink(fifo);
    remove_dir(d);
  }
}

/* a unit file replaced by a FIFO after open: read_day fails at once */
static void test_fifo_planted_after_open_does_not_hang(void **state) {
  (void)state;
  char d[512], p[600];
  snprintf(d, sizeof d, "%s/test_unitstore_fifo.units", BIDSIM_BUILD_DIR);
  remove_dir(d);
  bidsim_unitstore_t *s = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_unitstore_open(d, &key_a, false, &s, NULL, &err), BIDSIM_OK);
  write_unit(s, 2, true);
  unit_path(d, 2, p, sizeof p);
  assert_int_equal(unlink(p), 0);
  assert_int_equal(mkfifo(p, 0644), 0);
  bidsim_day_slab_t got;
  assert_int_equal(bidsim_day_slab_init_slots(&got, PLANS, PRODUCTS, SLOTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_unitstore_read_day(s, 2, 0, &got, &err), BIDSIM_EINVAL);
  bidsim_day_slab_free(&got);
  bidsim_unitstore_close(s, false);
  remove_dir(d);
}

/* counters that are mostly zero (most competitors, most hours) compress:
 * a unit file is a small part of its days' raw words */
static void test_units_are_compressed(void **state) {
  (void)state;
  enum { BIG_PLANS = 2000 };
  char d[512], p[600];
  snprintf(d, sizeof d, "%s/test_unitstore_z.units", BIDSIM_BUILD_DIR);
  remove_dir(d);
  bidsim_unitstore_key_t key = { 0x2, 1, 1, 3, BIG_PLANS, PRODUCTS, SLOTS };
  bidsim_unitstore_t *s = NULL;
  bidsim_error_t err;
  bidsim_day_slab_t slab, got;
  bidsim_unit_file_t uf;
  assert_int_equal(bidsim_unitstore_open(d, &key, false, &s, NULL, &err), BIDSIM_OK);
  assert_int_equal(bidsim_day_slab_init_slots(&slab, BIG_PLANS, PRODUCTS, SLOTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_day_slab_init_slots(&got, BIG_PLANS, PRODUCTS, SLOTS, &err), BIDSIM_OK);
  assert_int_equal(bidsim_unitstore_begin(s, 0, &uf, &err), BIDSIM_OK);
  for (uint32_t day = 0; day < 3; day++) {
    bidsim_day_slab_clear(&slab);
    for (uint32_t q = 0; q < BIG_PLANS; q += 7) BIDSIM_SLAB_PH(&slab, BIDSIM_METRIC_SPEND_LI, q % 24, q) = 1000 + q + day;
    assert_int_equal(bidsim_unitstore_append(s, &uf, &slab, &err), BIDSIM_OK);
  }
  assert_int_equal(bidsim_unitstore_finish(s, &uf, &err), BIDSIM_OK);
  unit_path(d, 0, p, sizeof p);
  struct stat st;
  assert_int_equal(stat(p, &st), 0);
  size_t raw = 3 * bidsim_slab_words(BIG_PLANS, PRODUCTS, SLOTS) * sizeof(int64_t);
  print_message("unit file %ld bytes for %zu raw bytes\n", (long)st.st_size, raw);
  assert_true((size_t)st.st_size < raw / 20);
  /* and reads back as written, the last day after the others */
  for (uint32_t day = 0; day < 3; day++) assert_int_equal(bidsim_unitstore_read_day(s, 0, day, &got, &err), BIDSIM_OK);
  assert_memory_equal(got.plan_hour, slab.plan_hour, sizeof(int64_t) * BIDSIM_METRIC_COUNT * BIDSIM_HOURS * BIG_PLANS);
  /* out of order too (day 1 after day 2) */
  assert_int_equal(bidsim_unitstore_read_day(s, 0, 1, &got, &err), BIDSIM_OK);
  assert_int_equal(BIDSIM_SLAB_PH(&got, BIDSIM_METRIC_SPEND_LI, 7 % 24, 7), 1000 + 7 + 1);
  bidsim_day_slab_free(&slab);
  bidsim_day_slab_free(&got);
  bidsim_unitstore_close(s, true);
}

/* every single flipped bit of a unit file, in its header, a day's block
 * header or its tokens, makes it a unit to redo, never other numbers:
 * FNV-1a changes with any one changed byte, and the tokens either fail to
 * decode into exactly a day or decode to words whose sum differs */
static void test_every_flipped_bit_of_a_unit_is_caught(void **state) {
  (void)state;
  char d[512], p[600];
  snprintf(d, sizeof d, "%s/test_unitstore_flip.units", BIDSIM_BUILD_DIR);
  remove_dir(d);
  bidsim_unitstore_t *s = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_unitstore_open(d, &key_a, false, &s, NULL, &err), BIDSIM_OK);
  write_unit(s, 0, true);
  bidsim_unitstore_close(s, false);
  unit_path(d, 0, p, sizeof p);
  FILE *f = fopen(p, "rb");
  static unsigned char good[1 << 16];
  size_t n = fread(good, 1, sizeof good, f);
  fclose(f);
  assert_true(n > 100 && n < sizeof good);
  f = fopen(p, "r+b");   /* flipped in place, one byte at a time */
  for (size_t at = 0; at < n; at++)
    for (int bit = 0; bit < 8; bit++) {
      unsigned char c = (unsigned char)(good[at] ^ (1 << bit));
      assert_int_equal(fseek(f, (long)at, SEEK_SET), 0);
      assert_int_equal(fwrite(&c, 1, 1, f), 1);
      assert_int_equal(fflush(f), 0);
      assert_int_equal(bidsim_unitstore_open(d, &key_a, true, &s, NULL, &err), BIDSIM_OK);
      if (bidsim_unitstore_has(s, 0)) fail_msg("a flip of bit %d of byte %zu of %zu went unnoticed", bit, at, n);
      bidsim_unitstore_close(s, false);
      assert_int_equal(fseek(f, (long)at, SEEK_SET), 0);
      assert_int_equal(fwrite(&good[at], 1, 1, f), 1);
      assert_int_equal(fflush(f), 0);
    }
  fclose(f);
  assert_int_equal(bidsim_unitstore_open(d, &key_a, true, &s, NULL, &err), BIDSIM_OK);
  assert_true(bidsim_unitstore_has(s, 0));   /* restored: whole again */
  bidsim_unitstore_close(s, false);
  print_message("%zu flips of a %zu-byte unit file: every one caught\n", 8 * n, n);
  remove_dir(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_store), cmocka_unit_test(test_pack),
    cmocka_unit_test(test_second_open_is_refused_while_in_use),
    cmocka_unit_test(test_unit_replaced_after_open_is_never_read), cmocka_unit_test(test_links_and_fifos_are_refused),
    cmocka_unit_test(test_fifo_planted_after_open_does_not_hang), cmocka_unit_test(test_units_are_compressed),
    cmocka_unit_test(test_every_flipped_bit_of_a_unit_is_caught) };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
