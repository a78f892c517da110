/* cli/cmd_validate.c - `bidsim validate`: load and check a scenario (every
 * platform rule through the engine) and print a one-screen summary. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/commands.h"
#include "sim/estimate.h"
#include "sim/scenario.h"

static void usage(FILE *f) {
  fprintf(f,
    "NAME\n"
    "    bidsim validate - check a scenario file without running it\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim validate SCENARIO.yaml [--load-plugins]\n"
    "\n"
    "DESCRIPTION\n"
    "    Parses SCENARIO.yaml (format: scenarios/README.md), checks every key,\n"
    "    type and range, and loads the listed shops, products and plans into the\n"
    "    engine, which enforces the platform rules (bids 0.10-99.00 yuan in whole\n"
    "    fen, segment premiums 10%%-300%%, caps unlimited or >= 100 yuan, products\n"
    "    with >= 500 sales and on sale, no duplicates). Prints a summary.\n"
    "\n"
    "    A strategy plugin (strategy: {plugin: PATH.so}) is code that runs inside\n"
    "    bidsim: loading it runs its constructors, and a crash or exit() in it\n"
    "    takes bidsim down. validate does not load plugins unless asked: it checks\n"
    "    that the file is there and everything else, says which plugins it did\n"
    "    not load, and leaves their parameters unchecked.\n"
    "\n"
    "    The summary ends with what `bidsim run` would cost here with its default\n"
    "    threads: expected impressions (calendar phases included), time at the\n"
    "    planning rate of 2 M impressions/s per thread, memory, the unit store's\n"
    "    disk and the result file's size before compression (sim/estimate.h), and\n"
    "    whether run would refuse it.\n"
    "\n"
    "OPTIONS\n"
    "        --load-plugins   load each plugin and check its parameters by creating\n"
    "                         the strategy once (runs the plugin's code)\n"
    "    -h, --help           this text\n"
    "\n"
    "EXIT STATUS\n"
    "    0 valid; 2 invalid, missing or a directory, with FILE:LINE:COLUMN, the\n"
    "    key path, the rule and the limit on stderr; 1 the file cannot be read\n"
    "    (permissions, I/O).\n");
}

/* The plugins the scenario names but validate did not load, each path once. */
typedef struct { const char *path[4]; uint32_t n, more; } plugin_list_t;

static void note_plugin(plugin_list_t *l, const bidsim_sc_strategy_t *st) {
  if (st == NULL || st->plugin_path == NULL || st->impl != NULL) return;
  for (uint32_t j = 0; j < l->n; j++)
    if (!strcmp(l->path[j], st->plugin_path)) return;
  if (l->n < 4) l->path[l->n++] = st->plugin_path;
  else l->more++;
}

static void print_plugins_skipped(const bidsim_scenario_t *sc) {
  if (sc->plugins_skipped == 0) return;
  plugin_list_t l = { { NULL }, 0, 0 };
  for (uint32_t i = 0; i < sc->plan_count; i++) note_plugin(&l, sc->plans[i].strategy);
  for (uint32_t i = 0; i < sc->market.strategy_count; i++) note_plugin(&l, sc->market.strategies[i]);
  for (uint32_t v = 0; v < sc->variant_count; v++)
    for (uint32_t k = 0; k < sc->variants[v].change_count; k++) note_plugin(&l, sc->variants[v].changes[k].strategy);
  printf("  plugins      %u strategy setting(s) name a plugin that was not loaded:", sc->plugins_skipped);
  for (uint32_t j = 0; j < l.n; j++) printf("%s %s", j ? "," : "", l.path[j]);
  printf("%s\n               their parameters are unchecked; --load-plugins loads them (runs their code)\n",
         l.more ? ", ..." : "");
}

/* A strategy setting in one line: "multiplier {eps: 0.05}", a list
 * parameter in runs ("hours: [1 x18, 150 x6]"), "plugin PATH ... (not
 * loaded)", "fixed bids" for none or the fixed built-in. */
static void strategy_text(const bidsim_sc_strategy_t *st, char *buf, size_t cap) {
  size_t n = 0;
#define PUT(...) do { if (n < cap) n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__); } while (0)
  buf[0] = '\0';
  if (st == NULL || (st->plugin_path == NULL && !strcmp(st->kind, "fixed") && st->param_count == 0)) {
    PUT("fixed bids");
    return;
  }
  if (st->plugin_path) PUT("plugin %s", st->plugin_path);
  else PUT("%s", st->kind);
  PUT(st->param_count ? " {" : " (default parameters)");
  for (uint32_t i = 0; i < st->param_count;) {
    const char *key = st->params[i].key, *dot = strrchr(key, '.');
    size_t stem = dot ? (size_t)(dot - key) : strlen(key);
    PUT("%s%.*s: ", i ? ", " : "", (int)stem, key);
    if (dot == NULL) {
      PUT("%g", st->params[i].value);
      i++;
      continue;
    }
    /* a list (name.0, name.1, ...): equal neighbours as one run */
    PUT("[");
    uint32_t j = i;
    while (j < st->param_count && !strncmp(st->params[j].key, key, stem + 1)) {
      uint32_t run = 1;
      while (j + run < st->param_count && !strncmp(st->params[j + run].key, key, stem + 1) &&
             st->params[j + run].value == st->params[j].value)
        run++;
      PUT("%s%g", j > i ? ", " : "", st->params[j].value);
      if (run > 1) PUT(" x%u", run);
      j += run;
    }
    PUT("]");
    i = j;
  }
  if (st->param_count) PUT("}");
  if (st->plugin_path && st->impl == NULL) PUT(" (not loaded)");
#undef PUT
}

/* The shares of the generated competitors running each strategy. */
static void print_competitors(const bidsim_sc_market_t *mk, const char *lead) {
  double rest = 1.0;
  char text[256];
  printf("%s", lead);
  for (uint32_t i = 0; i < mk->strategy_count; i++) {
    strategy_text(mk->strategies[i], text, sizeof text);
    printf("%s %.4g%% %s", i ? ";" : "", 100 * mk->strategy_share[i], text);
    rest -= mk->strategy_share[i];
  }
  printf("%s\n", rest > 1e-9 ? (mk->strategy_count ? "; the rest fixed bids" : " fixed bids") : "");
}

/* Each listed plan's strategy in variant @p v (a sweep point's own, or the
 * variant's change over the plan's), one line each; one line when every
 * plan runs fixed bids. */
static void print_variant_strategies(const bidsim_scenario_t *sc, uint32_t v) {
  const bidsim_scenario_t *vs = sc->variant_sc ? sc->variant_sc[v] : sc;
  const bidsim_sc_variant_t *var = &sc->variants[v];
  char text[256];
  uint32_t fixed = 0;
  for (uint32_t i = 0; i < vs->plan_count; i++) {
    const bidsim_sc_strategy_t *st = vs->plans[i].strategy;
    for (uint32_t k = 0; !sc->variant_sc && k < var->change_count; k++)
      if (var->changes[k].plan == i && var->changes[k].strategy) st = var->changes[k].strategy;
    strategy_text(st, text, sizeof text);
    if (!strcmp(text, "fixed bids")) { fixed++; continue; }
    if (i < 12) printf("      %-20s %s\n", vs->plans[i].name, text);
  }
  if (fixed == vs->plan_count && fixed) printf("      %-20s fixed bids\n", fixed == 1 ? vs->plans[0].name : "every plan");
  else if (fixed) printf("      %-20s fixed bids\n", "the others");
  /* a sweep point may change the competitors' strategies too */
  if (sc->variant_sc && (vs->market.strategy_count || sc->market.strategy_count))
    print_competitors(&vs->market, "      competitors         ");
}

static const char *bytes(double b, char buf[32]) {
  static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  int u = 0;
  while (b >= 1024.0 && u < 6) { b /= 1024.0; u++; }
  snprintf(buf, 32, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
  return buf;
}

static const char *duration(double s, char buf[32]) {
  if (s < 120) snprintf(buf, 32, "%.1f s", s);
  else if (s < 7200) snprintf(buf, 32, "%.0f min", s / 60);
  else if (s < 2 * 86400) snprintf(buf, 32, "%.1f h", s / 3600);
  else if (s < 730 * 86400) snprintf(buf, 32, "%.0f days", s / 86400);
  else snprintf(buf, 32, "%.3g years", s / (365 * 86400.0));
  return buf;
}

/* What `run` would cost here with its default threads (sim/estimate.h),
 * and whether run would refuse it. */
static void print_estimate(const bidsim_scenario_t *sc) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  bidsim_cost_t e;
  bidsim_cost_estimate(sc, cpus > 0 ? (uint32_t)cpus : 1, 0, 0, &e);
  char a[32], b[32], c[32], d[32];
  printf("  units        %llu (variants x replicates), %.3g impressions in all (calendar phases included)\n",
         (unsigned long long)e.units, e.impressions);
  printf("  estimate     about %s with %u thread(s) at %.0f M impressions/s each\n", duration(e.seconds, a),
         e.threads, BIDSIM_COST_IMPRESSIONS_PER_S / 1e6);
  printf("               memory about %s (world %s, %s per thread, units %s)\n", bytes(e.mem_total, a),
         bytes(e.mem_world, b), bytes(e.mem_per_thread, c), bytes(e.mem_units, d));
  printf("               disk: unit store up to %s, result file up to %s, both before compression\n",
         bytes(e.store_bytes, a), bytes(e.result_bytes, b));
  bidsim_machine_t m;
  bidsim_machine_query(".", &m);
  bidsim_error_t err;
  if (bidsim_cost_check(&e, &m, &err))
    printf("               does not fit this machine: %s: %s (run refuses it without --force)\n", err.where, err.msg);
}

int bidsim_cmd_validate(int argc, char **argv) {
  static const struct option longopts[] = { { "load-plugins", no_argument, 0, 'L' }, { "help", no_argument, 0, 'h' },
                                            { 0, 0, 0, 0 } };
  bidsim_scenario_options_t opt = { .load_plugins = false };
  optind = 1;
  opterr = 0;
  int ch;
  while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    if (ch == 'h') { usage(stdout); return BIDSIM_EXIT_OK; }
    if (ch == 'L') { opt.load_plugins = true; continue; }
    return bidsim_cli_option_error("validate", ch, argv);
  }
  if (optind + 1 != argc)
    return bidsim_cli_usage_error("validate", "expected exactly one SCENARIO.yaml");
  bidsim_scenario_t *sc = NULL;
  int status = bidsim_cli_load_scenario("validate", argv[optind], &opt, true, &sc);
  if (status != BIDSIM_EXIT_OK) return status;
  char first[16], last[16], y0[32], y1[32], y2[32], cap[32];
  bidsim_scenario_day_label(sc, 0, first);
  bidsim_scenario_day_label(sc, sc->days - 1, last);
  uint32_t products = 0;
  for (uint32_t s = 0; s < sc->shop_count; s++) products += sc->shops[s].product_count;
  printf("%s: valid\n", argv[optind]);
  printf("  days         %u (%s .. %s), %u replicate(s), seed %llu\n", sc->days, first, last, sc->replicates,
         (unsigned long long)sc->seed);
  printf("  auction      %s, %u slots, reserve %s yuan, %s caps, quality from %s\n",
         bidsim_mechanism_name(sc->auction.mechanism), sc->auction.slots, bidsim_li_to_yuan(sc->auction.reserve_li, y0),
         sc->strict_caps ? "strict" : "platform", sc->quality_model == BIDSIM_QUALITY_CTR ? "CTR" : "a fixed score");
  printf("  traffic      %.0f impressions/day, segments %.0f/%.0f/%.0f%%, %u categories, %u phase(s)\n",
         sc->impressions_per_day, 100 * sc->segment_shares[0], 100 * sc->segment_shares[1],
         100 * sc->segment_shares[2], sc->category_count, sc->phase_count);
  for (uint32_t i = 0; i < sc->phase_count; i++)
    printf("    phase %-20s days %u-%u  traffic x%.2f  CTR x%.2f  CVR x%.2f\n", sc->phases[i].name,
           sc->phases[i].first_day, sc->phases[i].last_day, sc->phases[i].traffic_mult, sc->phases[i].ctr_mult,
           sc->phases[i].cvr_mult);
  printf("  shops        %u listed, %u products\n", sc->shop_count, products);
  printf("  plans        %u listed + %u generated competitors\n", sc->plan_count, sc->market.plans);
  for (uint32_t i = 0; i < sc->plan_count && i < 12; i++) {
    const bidsim_sc_plan_t *p = &sc->plans[i];
    char seg[2][48];
    for (int g = 0; g < 2; g++) {   /* a premium as written, with the bid it gives */
      const char *y = bidsim_li_to_yuan(p->bid_li[g + 1], g ? y2 : y1);
      if (p->premium_pct[g + 1] && !p->bid_derived[g + 1]) snprintf(seg[g], sizeof seg[g], "%s (+%u%%)", y, p->premium_pct[g + 1]);
      else snprintf(seg[g], sizeof seg[g], "%s", y);
    }
    printf("    %-22s %-16s bids %s/%s/%s  cap %s  %u product(s)\n", p->name, sc->shops[p->shop].name,
           bidsim_li_to_yuan(p->bid_li[0], y0), seg[0], seg[1],
           p->cap_li == BIDSIM_CAP_UNLIMITED ? "unlimited" : bidsim_li_to_yuan(p->cap_li, cap), p->product_count);
  }
  if (sc->plan_count > 12) printf("    ... and %u more\n", sc->plan_count - 12);
  if (sc->market.strategy_count) print_competitors(&sc->market, "  competitors ");
  if (sc->sweep_key_count)
    printf("  sweep        %u key(s) as a %s, %u point(s), each checked against every rule\n", sc->sweep_key_count,
           sc->sweep_zip ? "zip" : "grid", sc->variant_count);
  printf("  variants     %u (each replicate runs every variant on the same traffic)\n", sc->variant_count);
  for (uint32_t v = 0; v < sc->variant_count && v < 12; v++) {
    const bidsim_sc_variant_t *var = &sc->variants[v];
    printf("    %-22s", var->name);
    if (sc->sweep_key_count) {
      for (uint32_t k = 0; k < sc->sweep_key_count && k < 3; k++)
        printf("%s %s=%s", k ? "," : "", sc->sweep_keys[k], sc->sweep_values[(size_t)v * sc->sweep_key_count + k]);
    } else if (var->change_count == 0) {
      printf(" the scenario as written");
    }
    for (uint32_t k = 0; k < var->change_count && k < 3; k++) {
      const bidsim_sc_change_t *chg = &var->changes[k];
      printf("%s %s: bids %s/%s/%s cap %s", k ? ";" : "", sc->plans[chg->plan].name, bidsim_li_to_yuan(chg->bid_li[0], y0),
             bidsim_li_to_yuan(chg->bid_li[1], y1), bidsim_li_to_yuan(chg->bid_li[2], y2),
             bidsim_li_to_yuan(chg->cap_li, cap));
    }
    printf("%s\n", var->change_count > 3 ? " ..." : "");
    print_variant_strategies(sc, v);
  }
  if (sc->variant_count > 12) printf("    ... and %u more\n", sc->variant_count - 12);
  print_estimate(sc);
  print_plugins_skipped(sc);
  bidsim_scenario_free(sc);
  return BIDSIM_EXIT_OK;
}
