/* tests/tools/synth_result.c - writes a small result file whose every value
 * follows a closed formula (synth_value below), with 2 variants, so report
 * and compare can be checked against hand computation without a simulation.
 * Usage: synth_result OUT.h5 [--long-names BYTES] [--max-counts]. The
 * formulas live in tests/analysis/synth.h, shared with the tests that check
 * them. The options write, through the same writer, files no run makes but
 * the reader opens: the first plan, product and variant named with BYTES
 * bytes each; INT64_MAX in every counter of P0 in unit (0, 0), day 0.
 * The stored scenario is a real one with the file's shops, plans and
 * variants (SYNTH_SCENARIO), so that the report can read the plans' target
 * CPAs from it (with --long-names, which renames them, a comment); --scenario
 * FILE stores another text instead. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/synth.h"
#include "bidsim/alloc.h"
#include "sim/output.h"

/* the whole file's text, or NULL */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

int main(int argc, char **argv) {
  size_t long_names = 0;
  int max_counts = 0, i = 2;
  const char *scenario = SYNTH_SCENARIO;
  bool own_scenario = false;
  for (; i < argc; i++) {
    if (!strcmp(argv[i], "--long-names") && i + 1 < argc) long_names = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--max-counts")) max_counts = 1;
    else if (!strcmp(argv[i], "--scenario") && i + 1 < argc) {
      own_scenario = true;
      if ((scenario = slurp(argv[++i])) == NULL) {
        fprintf(stderr, "synth_result: cannot read %s\n", argv[i]);
        return 2;
      }
    } else break;
  }
  if (argc < 2 || i != argc) {
    fprintf(stderr, "usage: synth_result OUT.h5 [--long-names BYTES] [--max-counts] [--scenario FILE]\n");
    return 2;
  }
  const char *variants[] = { "base", "higher" };
  static const char *const days[] = { "2026-11-10", "2026-11-11" };
  const char *plans[] = { "P0", "P1", "Rival" };
  static const char *const shops[] = { "Shop A", "Shop A", "Shop B" };
  static const int64_t caps[] = { 200000, BIDSIM_CAP_UNLIMITED, 150000 };
  static const uint8_t listed[] = { 1, 1, 0 };
  static const uint64_t ids[] = { 11, 12, 1 };
  const char *pnames[] = { "Widget", "Gadget, \"deluxe\"", "Rival thing" };
  char *long_name = NULL;
  if (long_names) {
    long_name = malloc(long_names + 1);
    if (long_name == NULL) return 1;
    memset(long_name, 'N', long_names);
    long_name[long_names] = '\0';
    variants[0] = plans[0] = pnames[0] = long_name;
    if (!own_scenario) scenario = "# synthetic, renamed\n";   /* the scenario's names are not the file's */
  }
  static const uint32_t pplan[] = { 0, 1, 2 };
  bidsim_output_meta_t meta = {
    .scenario_text = scenario, .resolved_text = scenario, .scenario_path = "synthetic.yaml",
    .seed = 1, .day_labels = days, .variants = SYNTH_V, .variant_names = variants, .replicates = SYNTH_R,
    .days = SYNTH_D, .plans = SYNTH_P, .plan_names = plans, .plan_shops = shops, .plan_cap_li = caps,
    .plan_listed = listed, .products = SYNTH_Q, .product_ids = ids, .product_names = pnames,
    .product_shops = (const char *const[]){ "Shop A", "Shop A", "Shop B" }, .product_plan = pplan };
  bidsim_error_t err;
  bidsim_writer_t *w = NULL;
  bidsim_day_slab_t s;
  if (bidsim_writer_open(argv[1], &meta, &w, &err) || bidsim_day_slab_init(&s, SYNTH_P, SYNTH_Q, &err)) {
    fprintf(stderr, "synth_result: %s: %s\n", err.where, err.msg);
    return 1;
  }
  for (uint32_t v = 0; v < SYNTH_V; v++)
    for (uint32_t r = 0; r < SYNTH_R; r++)
      for (uint32_t d = 0; d < SYNTH_D; d++) {
        bidsim_day_slab_clear(&s);
        s.variant = v, s.replicate = r, s.day = d;
        for (int m = 0; m < BIDSIM_METRIC_COUNT; m++)
          for (uint32_t p = 0; p < SYNTH_P; p++) {
            int64_t total = 0;
            for (int g = 0; g < BIDSIM_SEG_COUNT; g++) {
              BIDSIM_SLAB_PS(&s, m, p, g) = synth_value(v, r, d, p, g, m);
              total += synth_value(v, r, d, p, g, m);
            }
            BIDSIM_SLAB_PH(&s, m, synth_hour(p), p) = total;   /* all of a plan's day in one hour */
            BIDSIM_SLAB_PR(&s, m, p) = total;                  /* product p is plan p's */
          }
        if (max_counts && v == 0 && r == 0 && d == 0)
          for (int m = 0; m < BIDSIM_METRIC_COUNT; m++) {
            for (int g = 0; g < BIDSIM_SEG_COUNT; g++) BIDSIM_SLAB_PS(&s, m, 0, g) = INT64_MAX;
            BIDSIM_SLAB_PH(&s, m, synth_hour(0), 0) = INT64_MAX;
            BIDSIM_SLAB_PR(&s, m, 0) = INT64_MAX;
          }
        for (uint32_t p = 0; p < SYNTH_P; p++) s.cap_hit_s[p] = synth_cap_hit(v, r, d, p);
        for (int h = 0; h < BIDSIM_HOURS; h++)
          for (int g = 0; g < BIDSIM_SEG_COUNT; g++) s.impressions[h][g] = synth_impressions(h);
        if (bidsim_writer_write_day(w, &s, &err)) {
          fprintf(stderr, "synth_result: %s\n", err.msg);
          bidsim_writer_abort(w);
          return 1;
        }
      }
  bidsim_day_slab_free(&s);
  if (bidsim_writer_commit(w, &err)) {
    fprintf(stderr, "synth_result: %s\n", err.msg);
    return 1;
  }
  free(long_name);
  return 0;
}
