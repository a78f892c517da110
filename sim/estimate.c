/* sim/estimate.c - the cost of a run before it starts (sim/estimate.h):
 * expected impressions from the traffic and its calendar phases, memory from
 * the sizes the world, the workers and the day slabs allocate, disk from the
 * unit files' and result datasets' layout. Nothing here prints or runs. */
#include "sim/estimate.h"
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/unitstore.h"

/* Memory per plan and per product, calibrated against the peak RSS of
 * `bidsim run` with 1,000 to 400,000 generated plans and 1 to 4 threads on
 * this machine (within 3% at 200,000 plans): the world holds the market,
 * its index and the labels once; each worker thread a copy of the market's
 * mutable state and its scratch; the day slabs are exact (slab words). */
#define MEM_BASE          (24.0 * 1024 * 1024)   /* program, libraries, HDF5's caches */
#define WORLD_PER_PLAN    640.0
#define WORLD_PER_PRODUCT 128.0
#define THREAD_PER_PLAN   448.0
#define THREAD_PER_PRODUCT 64.0
/* the loaded scenario: the structs of scenario.h and their arrays */
#define SC_PER_PRODUCT    ((double)sizeof(bidsim_sc_product_t) + 16.0)
#define SC_PER_PLAN       ((double)sizeof(bidsim_sc_plan_t) + 16.0)
/* the job's tables: pending (4), finished (1), in shard (1), the store's done (1) */
#define PER_UNIT          7.0

/* ---- impressions ----------------------------------------------------------- */

/* Days' multipliers as the simulation applies them: the first listed phase
 * covering a day wins. Each day is assigned once, skipping assigned days
 * through next[] (path halving), so phases x days never multiply. */
static double days_traffic(const bidsim_scenario_t *sc) {
  const uint32_t D = sc->days;
  if (sc->phase_count == 0 || D == 0) return (double)D;
  uint32_t *next = bidsim_malloc(((size_t)D + 1) * sizeof *next);
  if (next == NULL) {   /* out of memory: the slower per-day rule */
    double sum = 0.0;
    for (uint32_t d = 0; d < D; d++) {
      const bidsim_sc_phase_t *ph = bidsim_scenario_phase(sc, d);
      sum += ph ? ph->traffic_mult : 1.0;
    }
    return sum;
  }
  for (uint32_t d = 0; d <= D; d++) next[d] = d;   /* next[d]: the first unassigned day >= d */
  double sum = 0.0;
  uint32_t assigned = 0;
  for (uint32_t i = 0; i < sc->phase_count && assigned < D; i++) {
    const bidsim_sc_phase_t *ph = &sc->phases[i];
    if (ph->first_day >= D) continue;
    uint32_t last = ph->last_day < D ? ph->last_day : D - 1;
    for (uint32_t d = ph->first_day;;) {
      while (next[d] != d) d = next[d] = next[next[d]];
      if (d > last) break;
      sum += ph->traffic_mult;
      assigned++;
      next[d] = d + 1;
    }
  }
  bidsim_free(next);
  return sum + (double)(D - assigned);
}

double bidsim_cost_unit_impressions(const bidsim_scenario_t *sc, uint32_t variant) {
  const bidsim_scenario_t *v = sc->variant_sc && variant < sc->variant_count ? sc->variant_sc[variant] : sc;
  return v->impressions_per_day * days_traffic(v);
}

/* ---- the estimate ----------------------------------------------------------- */

static double scenario_bytes(const bidsim_scenario_t *sc) {
  double b = (double)sizeof *sc + (sc->source_text ? (double)strlen(sc->source_text) : 0.0);
  for (uint32_t s = 0; s < sc->shop_count; s++) b += sizeof(bidsim_sc_shop_t) + sc->shops[s].product_count * SC_PER_PRODUCT;
  for (uint32_t i = 0; i < sc->plan_count; i++) b += SC_PER_PLAN + 8.0 * sc->plans[i].product_count;
  b += (double)sc->category_count * (BIDSIM_NAME_MAX + 16) + (double)sc->phase_count * sizeof(bidsim_sc_phase_t);
  for (uint32_t v = 0; v < sc->variant_count; v++)
    b += sizeof(bidsim_sc_variant_t) + (double)sc->variants[v].change_count * sizeof(bidsim_sc_change_t);
  return b;
}

static uint64_t shard_units(uint64_t units, uint32_t index, uint32_t count) {
  if (count == 0) return units;
  return units / count + (index < units % count ? 1 : 0);   /* units u with u mod count = index */
}

void bidsim_cost_estimate(const bidsim_scenario_t *sc, uint32_t threads, uint32_t shard_index, uint32_t shard_count,
                     bidsim_cost_t *out) {
  memset(out, 0, sizeof *out);
  if (threads == 0) threads = 1;
  const uint64_t all = (uint64_t)sc->variant_count * sc->replicates;
  const uint64_t units = shard_units(all, shard_index, shard_count);
  uint64_t products = sc->market.plans;   /* each competitor advertises one product */
  for (uint32_t s = 0; s < sc->shop_count; s++) products += sc->shops[s].product_count;
  const uint64_t plans = (uint64_t)sc->plan_count + sc->market.plans;
  out->threads = threads;
  out->units = units;
  out->plans = (uint32_t)(plans > UINT32_MAX ? UINT32_MAX : plans);
  out->products = (uint32_t)(products > UINT32_MAX ? UINT32_MAX : products);

  /* impressions: each variant's units, replicates spread over the shards */
  double per_replicate = 0.0;
  for (uint32_t v = 0; v < sc->variant_count; v++) per_replicate += bidsim_cost_unit_impressions(sc, v);
  out->impressions = per_replicate * (double)sc->replicates * (all ? (double)units / (double)all : 0.0);
  out->seconds = out->impressions / (BIDSIM_COST_IMPRESSIONS_PER_S * threads);
  out->impressions_keys = sc->phase_count ? "traffic.impressions_per_day (x traffic.phases) x days x replicates x variants"
                                          : "traffic.impressions_per_day x days x replicates x variants";

  /* memory */
  const double slab = 8.0 * (double)bidsim_slab_words(out->plans, out->products, sc->auction.slots);
  const double world = WORLD_PER_PLAN * (double)plans + WORLD_PER_PRODUCT * (double)products;
  out->mem_scenario = scenario_bytes(sc);
  if (sc->variant_sc)
    for (uint32_t v = 0; v < sc->variant_count; v++) out->mem_scenario += scenario_bytes(sc->variant_sc[v]);
  out->mem_world = world;
  /* a sweep point has its own world, which each thread builds for its point */
  out->mem_per_thread = THREAD_PER_PLAN * (double)plans + THREAD_PER_PRODUCT * (double)products + slab +
                        (sc->variant_sc ? world : 0.0);
  out->mem_slab = slab;
  out->mem_units = PER_UNIT * (double)all + 8.0 * (double)sc->variant_count * (double)plans;
  out->mem_total = MEM_BASE + out->mem_scenario + out->mem_world + threads * out->mem_per_thread + out->mem_slab +
                   out->mem_units;
  /* the largest term names the keys */
  const double terms[4] = { out->mem_scenario, out->mem_world + out->mem_slab, threads * out->mem_per_thread,
                            out->mem_units };
  static const char *const keys[4] = {
    "the listed shops, products and plans x sweep points",
    "plans + market.plans (and their products)",
    "(plans + market.plans) x threads",
    "replicates x variants",
  };
  int big = 0;
  for (int i = 1; i < 4; i++)
    if (terms[i] > terms[big]) big = i;
  out->mem_keys = keys[big];

  /* disk: a unit file is a header and each day's slab words plus a checksum */
  const double unit_file = 64.0 + (double)sc->days * (slab + 8.0);
  out->store_bytes = unit_file * (double)units;
  out->result_bytes = (double)sc->days * slab * (double)units;
  out->disk_keys = "(plans + market.plans) x days x replicates x variants";
}

/* ---- the machine ---------------------------------------------------------- */

void bidsim_machine_query(const char *out_path, bidsim_machine_t *out) {
  memset(out, 0, sizeof *out);
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) out->mem_bytes = (double)pages * (double)page;
  /* the output's directory: the file itself need not exist yet */
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", out_path ? out_path : ".");
  char *slash = strrchr(dir, '/');
  if (slash == NULL) snprintf(dir, sizeof dir, ".");
  else if (slash == dir) dir[1] = '\0';
  else *slash = '\0';
  struct statvfs fs;
  if (statvfs(dir, &fs) == 0) out->disk_free_bytes = (double)fs.f_bavail * (double)fs.f_frsize;
}

static const char *human(double bytes, char buf[32]) {
  static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  int u = 0;
  while (bytes >= 1024.0 && u < 6) { bytes /= 1024.0; u++; }
  snprintf(buf, 32, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
  return buf;
}

bool bidsim_cost_disk_tight(const bidsim_cost_t *e, const bidsim_machine_t *m) {
  return m->disk_free_bytes > 0 && e->store_bytes > m->disk_free_bytes;
}

int bidsim_cost_check(const bidsim_cost_t *e, const bidsim_machine_t *m, bidsim_error_t *err) {
  char a[32], b[32];
  if (m->mem_bytes > 0 && e->mem_total > m->mem_bytes)
    return bidsim_error_set(err, BIDSIM_ELIMIT, e->mem_keys,
                            "the run needs about %s of memory with %u thread(s); this machine has %s",
                            human(e->mem_total, a), e->threads, human(m->mem_bytes, b));
  if (e->seconds > BIDSIM_COST_MAX_SECONDS)
    return bidsim_error_set(err, BIDSIM_ELIMIT, e->impressions_keys,
                            "%.3g impressions would take about %.3g years with %u thread(s) at %.0f M impressions/s "
                            "each",
                            e->impressions, e->seconds / (365.0 * 86400.0), e->threads,
                            BIDSIM_COST_IMPRESSIONS_PER_S / 1e6);
  return BIDSIM_OK;
}
