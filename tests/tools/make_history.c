/* tests/tools/make_history.c - a platform-style promotion report made by
 * bidsim itself: one replicate of a scenario (by default replicate 1000 of
 * its seed: the same generated market, but traffic and users no
 * calibration replicate shares) through the in-memory
 * evaluator, written per date and plan as Pinduoduo's back end exports it
 * (UTF-8 with a BOM, Chinese headers, money in yuan). For the calibration
 * recovery test (tests/calibrate/) and examples/history/.
 *
 *   make_history SCENARIO.yaml [REPLICATE] [--english] > REPORT.csv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/evaluate.h"
#include "sim/scenario.h"

/* li to yuan with 2 decimals, rounded to the fen as a report shows it */
static void yuan(int64_t li) {
  int64_t fen = (li + 5) / 10;
  printf("%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: make_history SCENARIO.yaml [REPLICATE] [--english]\n");
    return 2;
  }
  bool english = !strcmp(argv[argc - 1], "--english");
  uint32_t rep = argc > 2 && strcmp(argv[2], "--english") ? (uint32_t)strtoul(argv[2], NULL, 10) : 1000;
  bidsim_scenario_options_t opt = { .overrides = { false, 0, 0, rep + 1 }, .load_plugins = true };
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  if (bidsim_scenario_load_opt(argv[1], &opt, &sc, &err)) {
    fprintf(stderr, "make_history: %s: %s\n", err.where, err.msg);
    return 2;
  }
  bidsim_evaluate_options_t eo = { .variant_count = 1, .replicate_first = rep, .replicate_count = 1 };
  int64_t *v = bidsim_calloc(bidsim_evaluate_size(sc, &eo), sizeof *v);
  if (v == NULL || bidsim_evaluate(sc, &eo, v, &err)) {
    fprintf(stderr, "make_history: %s: %s\n", err.where, err.msg);
    return 1;
  }
  printf("\xEF\xBB\xBF%s\r\n", english ? "date,plan,exposures,clicks,spend,orders,order value"
                                       : "日期,推广计划,曝光量,点击量,花费(元),点击率,成交笔数,成交金额(元),投入产出比");
  for (uint32_t d = 0; d < sc->days; d++) {
    char date[16];
    bidsim_scenario_day_label(sc, d, date);
    for (uint32_t p = 0; p < sc->plan_count; p++) {
      const int64_t *m = &v[bidsim_evaluate_at(sc, 1, 0, 0, p, d, 0)];
      printf("%s,%s,%lld,%lld,", date, sc->plans[p].name, (long long)m[0], (long long)m[1]);
      yuan(m[2]);
      if (!english) printf(",%.2f%%", m[0] ? 100.0 * (double)m[1] / (double)m[0] : 0.0);
      printf(",%lld,", (long long)m[3]);
      yuan(m[4]);
      if (!english) printf(",%.2f", m[2] ? (double)m[4] / (double)m[2] : 0.0);
      printf("\r\n");
    }
  }
  bidsim_free(v);
  bidsim_scenario_free(sc);
  return 0;
}
