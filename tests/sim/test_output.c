/* tests/sim/test_output.c - the result file writer and reader: nothing
 * appears under the target name before commit, abort leaves an existing file
 * untouched, labels and every dataset read back as written (whole, per unit
 * and per day), and a unit copied chunk by chunk (merge's path) equals the
 * original; checksums: a damaged chunk or root attribute is refused, never
 * read as numbers, a version 1 file is refused, no string is variable-length. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>
#include "sim/output.h"

#define V 2
#define R 2
#define D 3
#define P 3
#define Q 2
#define K 2
#define C 2
#define W 2

static const char *const variants[V] = { "a", "b" };
static const char *const days[D] = { "2026-11-10", "2026-11-11", "2026-11-12" };
static const char *const plans[P] = { "P0", "\u53a8\u623f\u8ba1\u5212", "P2" };   /* 厨房计划: UTF-8 labels */
static const char *const shops[P] = { "S", "S", "T" };
static const int64_t caps[P] = { 100000, BIDSIM_CAP_UNLIMITED, 250000 };
static const uint8_t listed[P] = { 1, 1, 0 };
static const uint64_t ids[Q] = { 7, 9 };
static const char *const pnames[Q] = { "seven", "nine" };
static const char *const pshops[Q] = { "S", "T" };
static const uint32_t pplan[Q] = { 0, UINT32_MAX };
static const char *const cats[C] = { "kitchen", "\u5bb6\u5c45" };   /* 家居 */
static const uint64_t streams[W] = { 11, 12 };

static bidsim_output_meta_t meta(void) {
  bidsim_output_meta_t m = {
    .scenario_text = "seed: 1\n", .resolved_text = "# resolved\n", .scenario_path = "x.yaml", .seed = 99,
    .day_labels = days, .variants = V, .variant_names = variants, .replicates = R, .days = D, .plans = P,
    .plan_names = plans, .plan_shops = shops, .plan_cap_li = caps, .plan_listed = listed, .products = Q,
    .product_ids = ids, .product_names = pnames, .product_shops = pshops, .product_plan = pplan,
    .fingerprint = 0xABCDEF, .slots = K, .categories = C, .category_names = cats, .draws = W,
    .draw_streams = streams, .redraw = "per_replicate" };
  return m;
}

/* market draw (v, w): every value a distinct function of its place */
static void fill_market(bidsim_market_params_t *mp, uint32_t v, uint32_t w) {
  for (uint32_t p = 0; p < P; p++) {
    for (int g = 0; g < BIDSIM_SEG_COUNT; g++) mp->bid_li[p * BIDSIM_SEG_COUNT + g] = 1000 * (v + 1) + 100 * w + 10 * p + g;
    mp->cap_li[p] = p == 1 ? BIDSIM_CAP_UNLIMITED : 100000 + w;
    mp->quality[p] = 3 + p + w;
    mp->targeting[p] = 0.25 * p + 0.01 * w;
    mp->reach[p] = p == 2 ? NAN : 0.1 * v + 0.01 * p;
  }
  for (uint32_t q = 0; q < Q; q++) {
    mp->ctr[q] = 0.01 * (q + 1) + 0.001 * w;
    mp->cvr[q] = 0.02 * (q + 1) + 0.001 * v;
    mp->price_li[q] = 99000 + q + 10 * w;
    mp->category[q] = (q + w) % C;
  }
}

/* every value of slab (v, r, d) a distinct function of its place */
static void fill(bidsim_day_slab_t *s, uint32_t v, uint32_t r, uint32_t d) {
  bidsim_day_slab_clear(s);
  s->variant = v, s->replicate = r, s->day = d;
  int64_t base = 1000000 * v + 10000 * r + 100 * d;
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++)
    for (uint32_t p = 0; p < P; p++) {
      for (int g = 0; g < BIDSIM_SEG_COUNT; g++) BIDSIM_SLAB_PS(s, m, p, g) = base + 30 * m + 3 * p + g;
      for (int h = 0; h < BIDSIM_HOURS; h++) BIDSIM_SLAB_PH(s, m, h, p) = base + 1000 * m + 24 * p + h;
    }
  for (int m = 0; m < BIDSIM_METRIC_COUNT; m++)
    for (uint32_t q = 0; q < Q; q++) BIDSIM_SLAB_PR(s, m, q) = base - 7 * m - q;
  for (uint32_t p = 0; p < P; p++) {
    s->cap_hit_s[p] = p == 1 ? -1 : (int64_t)(3600 * (d + p));
    for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) s->extra[e][p] = base + 11 * e + p;
  }
  for (int h = 0; h < BIDSIM_HOURS; h++)
    for (int g = 0; g < BIDSIM_SEG_COUNT; g++) s->impressions[h][g] = base + 3 * h + g;
  for (int m = 0; m < BIDSIM_SLOT_METRIC_COUNT; m++)
    for (uint32_t k = 0; k < K; k++)
      for (uint32_t p = 0; p < P; p++) BIDSIM_SLAB_PK(s, m, k, p) = base + 500 * m + 50 * k + p;
}

static char path[512], tmpname[600];

static void write_file(const char *p) {
  bidsim_output_meta_t m = meta();
  bidsim_writer_t *w = NULL;
  bidsim_error_t err;
  bidsim_day_slab_t s;
  assert_int_equal(bidsim_writer_open(p, &m, &w, &err), BIDSIM_OK);
  snprintf(tmpname, sizeof tmpname, "%s.tmp.%d", p, (int)getpid());
  assert_int_equal(access(tmpname, F_OK), 0);      /* written under a temporary name */
  assert_int_equal(bidsim_day_slab_init_slots(&s, P, Q, K, &err), BIDSIM_OK);
  for (uint32_t v = 0; v < V; v++)
    for (uint32_t r = 0; r < R; r++)
      for (uint32_t d = 0; d < D; d++) {
        fill(&s, v, r, d);
        assert_int_equal(bidsim_writer_write_day(w, &s, &err), BIDSIM_OK);
      }
  s.plans = P + 1;   /* a slab of the wrong shape is refused */
  assert_int_equal(bidsim_writer_write_day(w, &s, &err), BIDSIM_EINVAL);
  s.plans = P;
  s.slots = K - 1;   /* ... and one of other slots */
  assert_int_equal(bidsim_writer_write_day(w, &s, &err), BIDSIM_EINVAL);
  s.slots = K;
  bidsim_day_slab_free(&s);
  bidsim_market_params_t mp;
  assert_int_equal(bidsim_market_params_init(&mp, P, Q, &err), BIDSIM_OK);
  for (uint32_t v = 0; v < V; v++)
    for (uint32_t x = 0; x < W; x++) {
      fill_market(&mp, v, x);
      assert_int_equal(bidsim_writer_write_market(w, v, x, &mp, &err), BIDSIM_OK);
    }
  assert_int_equal(bidsim_writer_write_market(w, 0, W, &mp, &err), BIDSIM_EINVAL);
  bidsim_market_params_free(&mp);
  assert_int_equal(bidsim_writer_commit(w, &err), BIDSIM_OK);
  assert_int_not_equal(access(tmpname, F_OK), 0);
  assert_int_equal(access(p, F_OK), 0);
}

static void test_round_trip(void **state) {
  (void)state;
  snprintf(path, sizeof path, "%s/test_output.h5", BIDSIM_BUILD_DIR);
  write_file(path);
  bidsim_results_t *r = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(path, &r, &err), BIDSIM_OK);
  bidsim_results_dims_t dm;
  bidsim_results_dims(r, &dm);
  assert_true(dm.variants == V && dm.replicates == R && dm.days == D && dm.plans == P && dm.products == Q);
  assert_true(dm.slots == K && dm.draws == W && dm.categories == C);
  assert_string_equal(bidsim_results_plan_name(r, 1), plans[1]);
  assert_string_equal(bidsim_results_product_name(r, 1), "nine");
  assert_string_equal(bidsim_results_category_name(r, 1), cats[1]);
  assert_int_equal(dm.seed, 99);
  assert_string_equal(bidsim_results_variant_name(r, 1), "b");
  assert_string_equal(bidsim_results_day_label(r, 2), "2026-11-12");
  assert_string_equal(bidsim_results_plan_shop(r, 2), "T");
  assert_int_equal(bidsim_results_plan_cap_li(r, 1), BIDSIM_CAP_UNLIMITED);
  assert_false(bidsim_results_plan_listed(r, 2));
  assert_int_equal(bidsim_results_product_id(r, 1), 9);
  assert_int_equal(bidsim_results_product_plan(r, 1), UINT32_MAX);
  assert_true(bidsim_results_fingerprint(r) == 0xABCDEF);
  assert_true(bidsim_results_complete(r));
  assert_string_equal(bidsim_results_scenario_text(r), "seed: 1\n");

  /* whole-table, per-unit and per-day reads agree with what was written */
  int64_t *all = malloc(sizeof(int64_t) * V * R * D * BIDSIM_HOURS * P);
  int64_t *unit = malloc(sizeof(int64_t) * D * BIDSIM_HOURS * P);
  bidsim_day_slab_t want, got;
  assert_int_equal(bidsim_day_slab_init_slots(&want, P, Q, K, &err), BIDSIM_OK);
  assert_int_equal(bidsim_day_slab_init_slots(&got, P, Q, K, &err), BIDSIM_OK);
  assert_int_equal(bidsim_results_read(r, BIDSIM_TABLE_PLAN_HOUR, BIDSIM_METRIC_SPEND_LI, all, &err), BIDSIM_OK);
  assert_int_equal(bidsim_results_read_unit(r, BIDSIM_TABLE_PLAN_HOUR, BIDSIM_METRIC_SPEND_LI, 1, 0, unit, &err), BIDSIM_OK);
  for (uint32_t v = 0; v < V; v++)
    for (uint32_t rep = 0; rep < R; rep++)
      for (uint32_t d = 0; d < D; d++) {
        fill(&want, v, rep, d);
        assert_int_equal(bidsim_results_read_day(r, v, rep, d, &got, &err), BIDSIM_OK);
        assert_memory_equal(got.plan_segment, want.plan_segment, sizeof(int64_t) * BIDSIM_METRIC_COUNT * P * 3);
        assert_memory_equal(got.plan_hour, want.plan_hour, sizeof(int64_t) * BIDSIM_METRIC_COUNT * BIDSIM_HOURS * P);
        assert_memory_equal(got.product, want.product, sizeof(int64_t) * BIDSIM_METRIC_COUNT * Q);
        assert_memory_equal(got.cap_hit_s, want.cap_hit_s, sizeof(int64_t) * P);
        for (int e = 0; e < BIDSIM_EXTRA_COUNT; e++) assert_memory_equal(got.extra[e], want.extra[e], sizeof(int64_t) * P);
        assert_memory_equal(got.impressions, want.impressions, sizeof want.impressions);
        assert_memory_equal(got.plan_slot, want.plan_slot, sizeof(int64_t) * BIDSIM_SLOT_METRIC_COUNT * K * P);
        /* (V, R, D, 24, P) row-major; plan_hour[m][h][p] in the slab */
        for (int h = 0; h < BIDSIM_HOURS; h++)
          for (uint32_t p = 0; p < P; p++) {
            int64_t x = BIDSIM_SLAB_PH(&want, BIDSIM_METRIC_SPEND_LI, h, p);
            assert_int_equal(all[(((size_t)(v * R + rep) * D + d) * BIDSIM_HOURS + h) * P + p], x);
            if (v == 1 && rep == 0) assert_int_equal(unit[((size_t)d * BIDSIM_HOURS + h) * P + p], x);
          }
      }
  free(all);
  free(unit);
  /* a slab without slots reads everything else */
  bidsim_day_slab_t plain;
  assert_int_equal(bidsim_day_slab_init(&plain, P, Q, &err), BIDSIM_OK);
  assert_int_equal(bidsim_results_read_day(r, 1, 1, 2, &plain, &err), BIDSIM_OK);
  fill(&want, 1, 1, 2);
  assert_memory_equal(plain.plan_hour, want.plan_hour, sizeof(int64_t) * BIDSIM_METRIC_COUNT * BIDSIM_HOURS * P);
  bidsim_day_slab_free(&plain);
  /* the market draws, every field */
  bidsim_market_params_t mp, mw;
  assert_int_equal(bidsim_market_params_init(&mp, P, Q, &err), BIDSIM_OK);
  assert_int_equal(bidsim_market_params_init(&mw, P, Q, &err), BIDSIM_OK);
  for (uint32_t v = 0; v < V; v++)
    for (uint32_t x = 0; x < W; x++) {
      fill_market(&mw, v, x);
      assert_int_equal(bidsim_results_read_market(r, v, x, &mp, &err), BIDSIM_OK);
      assert_memory_equal(mp.bid_li, mw.bid_li, sizeof(int64_t) * P * BIDSIM_SEG_COUNT);
      assert_memory_equal(mp.cap_li, mw.cap_li, sizeof(int64_t) * P);
      assert_memory_equal(mp.quality, mw.quality, sizeof(uint32_t) * P);
      assert_memory_equal(mp.targeting, mw.targeting, sizeof(double) * P);
      assert_memory_equal(mp.reach, mw.reach, sizeof(double) * P);   /* NaN bit for bit */
      assert_memory_equal(mp.ctr, mw.ctr, sizeof(double) * Q);
      assert_memory_equal(mp.cvr, mw.cvr, sizeof(double) * Q);
      assert_memory_equal(mp.price_li, mw.price_li, sizeof(int64_t) * Q);
      assert_memory_equal(mp.category, mw.category, sizeof(uint32_t) * Q);
    }
  bidsim_market_params_free(&mw);

  /* merge's path: every unit copied as stored gives the same datasets */
  char copy[600];
  snprintf(copy, sizeof copy, "%s/test_output_copy.h5", BIDSIM_BUILD_DIR);
  bidsim_output_meta_t m;
  bidsim_results_meta(r, &m);
  bidsim_writer_t *w = NULL;
  assert_int_equal(bidsim_writer_open(copy, &m, &w, &err), BIDSIM_OK);
  assert_int_equal(bidsim_writer_copy_market(w, r, &err), BIDSIM_OK);
  for (uint32_t v = 0; v < V; v++)
    for (uint32_t rep = 0; rep < R; rep++) assert_int_equal(bidsim_writer_copy_unit(w, r, v, rep, &err), BIDSIM_OK);
  assert_int_equal(bidsim_writer_commit(w, &err), BIDSIM_OK);
  bidsim_results_t *c = NULL;
  assert_int_equal(bidsim_results_open(copy, &c, &err), BIDSIM_OK);
  for (uint32_t d = 0; d < D; d++) {
    assert_int_equal(bidsim_results_read_day(c, 1, 1, d, &got, &err), BIDSIM_OK);
    fill(&want, 1, 1, d);
    assert_memory_equal(got.plan_hour, want.plan_hour, sizeof(int64_t) * BIDSIM_METRIC_COUNT * BIDSIM_HOURS * P);
    assert_memory_equal(got.plan_slot, want.plan_slot, sizeof(int64_t) * BIDSIM_SLOT_METRIC_COUNT * K * P);
    assert_memory_equal(got.extra[BIDSIM_EXTRA_PAUSED], want.extra[BIDSIM_EXTRA_PAUSED], sizeof(int64_t) * P);
  }
  assert_int_equal(bidsim_results_read_market(c, 1, 1, &mp, &err), BIDSIM_OK);
  assert_int_equal(mp.price_li[1], 99000 + 1 + 10);
  assert_string_equal(bidsim_results_category_name(c, 1), cats[1]);
  bidsim_market_params_free(&mp);
  bidsim_results_close(c);
  remove(copy);
  bidsim_day_slab_free(&want);
  bidsim_day_slab_free(&got);
  bidsim_results_close(r);
}

/* abort: the temporary file goes, an existing file of the name stays */
static void test_abort_keeps_existing(void **state) {
  (void)state;
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long before = ftell(f);
  fclose(f);
  bidsim_output_meta_t m = meta();
  bidsim_writer_t *w = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_writer_open(path, &m, &w, &err), BIDSIM_OK);
  bidsim_writer_abort(w);
  assert_int_not_equal(access(tmpname, F_OK), 0);
  f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  assert_int_equal(ftell(f), before);
  fclose(f);
  bidsim_results_t *r = NULL;
  assert_int_equal(bidsim_results_open(path, &r, &err), BIDSIM_OK);   /* still the complete old file */
  bidsim_results_close(r);
  remove(path);
}

/* the byte offset of chunk (v, r, d) of a dataset, by HDF5's own index */
static long chunk_offset(const char *file, const char *dataset, uint32_t v, uint32_t r, uint32_t d, long *size) {
  hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t ds = H5Dopen2(f, dataset, H5P_DEFAULT);
  hsize_t at[5] = { v, r, d, 0, 0 };
  haddr_t addr = 0;
  hsize_t bytes = 0;
  unsigned mask = 0;
  assert_true(H5Dget_chunk_info_by_coord(ds, at, &mask, &addr, &bytes) >= 0 && bytes > 0);
  H5Dclose(ds);
  H5Fclose(f);
  *size = (long)bytes;
  return (long)addr;
}

static void flip(const char *file, long at, int bit) {
  FILE *f = fopen(file, "r+b");
  assert_non_null(f);
  fseek(f, at, SEEK_SET);
  int c = fgetc(f);
  fseek(f, at, SEEK_SET);
  fputc(c ^ (1 << bit), f);
  fclose(f);
}

static void copy_file(const char *from, const char *to) {
  char cmd[1400];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
  assert_int_equal(system(cmd), 0);
}

/* one flipped bit in one chunk: that chunk is refused with a message that
 * says the file is damaged, every other chunk still reads */
static void test_damaged_chunk_is_refused_not_read(void **state) {
  (void)state;
  char good[600], bad[600];
  snprintf(good, sizeof good, "%s/test_output_good.h5", BIDSIM_BUILD_DIR);
  snprintf(bad, sizeof bad, "%s/test_output_bad.h5", BIDSIM_BUILD_DIR);
  write_file(good);
  bidsim_results_t *r = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(good, &r, &err), BIDSIM_OK);
  assert_int_equal(bidsim_results_verify(r, &err), BIDSIM_OK);
  /* verify's own Fletcher32 agrees with HDF5's on every chunk (deflated
   * chunks and labels of odd and even lengths): none needed HDF5's reading */
  uint64_t chunks = 0, through = 0;
  bidsim_results_verify_counts(r, &chunks, &through);
  assert_true(chunks >= (uint64_t)16 * V * R * D);
  assert_int_equal(through, 0);
  bidsim_results_close(r);
  long size = 0, at = chunk_offset(good, "/plan_hour/spend", 1, 0, 2, &size);
  for (int bit = 0; bit < 8; bit += 7) {   /* the chunk's first byte, and its last (the checksum) */
    copy_file(good, bad);
    flip(bad, bit == 0 ? at : at + size - 1, bit);
    assert_int_equal(bidsim_results_open(bad, &r, &err), BIDSIM_OK);   /* labels and attributes are intact */
    bidsim_day_slab_t s;
    assert_int_equal(bidsim_day_slab_init_slots(&s, P, Q, K, &err), BIDSIM_OK);
    assert_int_equal(bidsim_results_read_day(r, 1, 0, 1, &s, &err), BIDSIM_OK);
    assert_int_equal(bidsim_results_read_day(r, 1, 0, 2, &s, &err), BIDSIM_EFORMAT);
    assert_non_null(strstr(err.msg, "damaged"));
    assert_non_null(strstr(err.msg, "/plan_hour/spend"));
    int64_t *all = malloc(sizeof(int64_t) * V * R * D * BIDSIM_HOURS * P);
    assert_int_equal(bidsim_results_read(r, BIDSIM_TABLE_PLAN_HOUR, BIDSIM_METRIC_SPEND_LI, all, &err), BIDSIM_EFORMAT);
    assert_int_equal(bidsim_results_read(r, BIDSIM_TABLE_PLAN_HOUR, BIDSIM_METRIC_CLICKS, all, &err), BIDSIM_OK);
    free(all);
    assert_int_equal(bidsim_results_verify(r, &err), BIDSIM_EFORMAT);
    assert_non_null(strstr(err.msg, "checksum"));
    assert_non_null(strstr(err.msg, "/plan_hour/spend"));
    bidsim_results_verify_counts(r, &chunks, &through);
    assert_int_equal(through, 1);   /* the damaged chunk, confirmed by HDF5 */
    bidsim_day_slab_free(&s);
    bidsim_results_close(r);
  }
  remove(bad);
  remove(good);
}

/* the seed changed in place (a flipped bit in a root attribute, or an
 * edit): the root attributes' checksum no longer holds */
static void test_changed_root_attribute_is_refused(void **state) {
  (void)state;
  char p2[600];
  snprintf(p2, sizeof p2, "%s/test_output_attr.h5", BIDSIM_BUILD_DIR);
  write_file(p2);
  hid_t f = H5Fopen(p2, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t a = H5Aopen(f, "seed", H5P_DEFAULT);
  uint64_t seed = 98;   /* was 99 */
  assert_true(H5Awrite(a, H5T_NATIVE_UINT64, &seed) >= 0);
  H5Aclose(a);
  H5Fclose(f);
  bidsim_results_t *r = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(p2, &r, &err), BIDSIM_EFORMAT);
  assert_null(r);
  assert_non_null(strstr(err.msg, "damaged"));
  assert_non_null(strstr(err.msg, "checksum"));
  remove(p2);
}

/* an older version (1: no checksums, variable-length strings; 2: no
 * netCDF layout) is refused at its version, before any string is read,
 * with one line saying to rerun; a newer version is refused as newer */
static void test_other_format_versions_are_refused(void **state) {
  (void)state;
  char p2[600];
  snprintf(p2, sizeof p2, "%s/test_output_v1.h5", BIDSIM_BUILD_DIR);
  const uint64_t versions[] = { 1, BIDSIM_FORMAT_VERSION - 1, BIDSIM_FORMAT_VERSION + 1 };
  for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
    uint64_t version = versions[i];
    write_file(p2);
    hid_t f = H5Fopen(p2, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
    assert_true(H5Awrite(a, H5T_NATIVE_UINT64, &version) >= 0);
    H5Aclose(a);
    H5Fclose(f);
    bidsim_results_t *r = NULL;
    bidsim_error_t err;
    assert_int_equal(bidsim_results_open(p2, &r, &err), BIDSIM_EVERSION);
    assert_non_null(strstr(err.msg, version < BIDSIM_FORMAT_VERSION ? "written by an older bidsim: rerun" : "newer"));
    assert_null(strchr(err.msg, '\n'));
  }
  remove(p2);
}

/* no variable-length string anywhere (their bytes live in HDF5's global
 * heap, which has no checksum), every dataset chunked with Fletcher32 */
static herr_t check_attr(hid_t obj, const char *name, const H5A_info_t *info, void *data) {
  (void)info;
  (void)data;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = H5Aget_type(a);
  if (H5Tget_class(t) == H5T_STRING) assert_int_equal(H5Tis_variable_str(t), 0);
  H5Tclose(t);
  H5Aclose(a);
  return 0;
}

static herr_t check_object(hid_t obj, const char *name, const H5O_info_t *info, void *data) {
  int *datasets = data;
  hid_t o = H5Oopen(obj, name, H5P_DEFAULT);
  assert_true(H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, NULL, check_attr, NULL) >= 0);
  if (info->type == H5O_TYPE_DATASET) {
    hid_t t = H5Dget_type(o), dcpl = H5Dget_create_plist(o);
    if (H5Tget_class(t) == H5T_STRING) assert_int_equal(H5Tis_variable_str(t), 0);
    assert_int_equal(H5Pget_layout(dcpl), H5D_CHUNKED);
    bool fletcher = false;
    for (int i = 0; i < H5Pget_nfilters(dcpl); i++) {
      unsigned flags = 0;
      size_t n = 0;
      fletcher |= H5Pget_filter2(dcpl, (unsigned)i, &flags, &n, NULL, 0, NULL, NULL) == H5Z_FILTER_FLETCHER32;
    }
    assert_true(fletcher);
    H5Pclose(dcpl);
    H5Tclose(t);
    (*datasets)++;
  }
  H5Oclose(o);
  return 0;
}

static void test_every_dataset_checksummed_no_variable_strings(void **state) {
  (void)state;
  char p2[600];
  snprintf(p2, sizeof p2, "%s/test_output_types.h5", BIDSIM_BUILD_DIR);
  write_file(p2);
  hid_t f = H5Fopen(p2, H5F_ACC_RDONLY, H5P_DEFAULT);
  int datasets = 0;
  assert_true(H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_INC, check_object, &datasets, H5O_INFO_BASIC) >= 0);
  assert_true(datasets >= 30);
  H5Fclose(f);
  remove(p2);
}

/* HDF5's dimension scale lists (DIMENSION_LIST: variable-length
 * references in the global heap, which has no checksum) are for netCDF
 * and xarray; bidsim reads by names only. Every global heap collection of
 * the file garbled (netCDF and h5netcdf then fail on the references)
 * changes nothing bidsim reads or verifies. */
static void test_damaged_dimension_lists_are_never_read(void **state) {
  (void)state;
  char good[600], bad[600];
  snprintf(good, sizeof good, "%s/test_output_gcol.h5", BIDSIM_BUILD_DIR);
  snprintf(bad, sizeof bad, "%s/test_output_gcol_bad.h5", BIDSIM_BUILD_DIR);
  write_file(good);
  copy_file(good, bad);
  FILE *f = fopen(bad, "r+b");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  unsigned char *b = malloc((size_t)n);
  fseek(f, 0, SEEK_SET);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  int heaps = 0;
  for (long i = 0; i + 16 < n; i++) {
    if (memcmp(b + i, "GCOL", 4)) continue;
    /* the collection's size (8 bytes, little-endian, after the signature,
     * version and 3 reserved bytes); every byte after its header garbled */
    uint64_t size = 0;
    for (int k = 7; k >= 0; k--) size = size << 8 | b[i + 8 + k];
    for (long j = i + 16; j < i + (long)size && j < n; j++) b[j] ^= 0x5A;
    heaps++;
  }
  fseek(f, 0, SEEK_SET);
  assert_int_equal(fwrite(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  free(b);
  assert_true(heaps >= 1);
  bidsim_results_t *r = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_results_open(bad, &r, &err), BIDSIM_OK);
  assert_int_equal(bidsim_results_verify(r, &err), BIDSIM_OK);
  bidsim_day_slab_t got, want;
  assert_int_equal(bidsim_day_slab_init_slots(&got, P, Q, K, &err), BIDSIM_OK);
  assert_int_equal(bidsim_day_slab_init_slots(&want, P, Q, K, &err), BIDSIM_OK);
  assert_int_equal(bidsim_results_read_day(r, 1, 1, 2, &got, &err), BIDSIM_OK);
  fill(&want, 1, 1, 2);
  assert_memory_equal(got.plan_segment, want.plan_segment, sizeof(int64_t) * BIDSIM_METRIC_COUNT * P * 3);
  assert_memory_equal(got.plan_slot, want.plan_slot, sizeof(int64_t) * BIDSIM_SLOT_METRIC_COUNT * K * P);
  assert_string_equal(bidsim_results_plan_name(r, 1), plans[1]);
  bidsim_day_slab_free(&got);
  bidsim_day_slab_free(&want);
  bidsim_results_close(r);
  remove(bad);
  remove(good);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_abort_keeps_existing),
    cmocka_unit_test(test_damaged_chunk_is_refused_not_read), cmocka_unit_test(test_changed_root_attribute_is_refused),
    cmocka_unit_test(test_other_format_versions_are_refused),
    cmocka_unit_test(test_every_dataset_checksummed_no_variable_strings),
    cmocka_unit_test(test_damaged_dimension_lists_are_never_read) };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
