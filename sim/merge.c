/* sim/merge.c - part files to one result file. The writer sees the same
 * labels and writes the same units in the same order as an unsharded run,
 * so the merged file equals it dataset for dataset. */
#include "sim/merge.h"
#include <stdio.h>
#include <string.h>
#include "bidsim/alloc.h"
#include "sim/output.h"

/* "(variant 0, replicate 3), (variant 1, replicate 0), ..." for messages */
static void list_units(const uint32_t *units, uint32_t n, uint32_t R, char *buf, size_t cap) {
  buf[0] = '\0';
  for (uint32_t i = 0; i < n && i < 5; i++)
    snprintf(buf + strlen(buf), cap - strlen(buf), "%s(variant %u, replicate %u)", i ? ", " : "", units[i] / R,
             units[i] % R);
  if (n > 5) snprintf(buf + strlen(buf), cap - strlen(buf), " and %u more", n - 5);
}

int bidsim_merge(const char *const *parts, uint32_t nparts, const char *out, uint32_t *units_out, bidsim_error_t *err) {
  if (nparts == 0) return bidsim_error_set(err, BIDSIM_EINVAL, "merge", "no part files given");
  int checked = bidsim_output_check_path(out, err);   /* before any part is read */
  if (checked) return checked;
  bidsim_results_t **r = bidsim_calloc(nparts, sizeof *r);
  if (r == NULL) return bidsim_error_set(err, BIDSIM_ENOMEM, "merge", "out of memory");
  int rc = BIDSIM_OK;
  uint32_t *owner = NULL, *bad = NULL;
  bidsim_writer_t *w = NULL;
  bidsim_results_dims_t d0 = { 0 }, d;
  for (uint32_t i = 0; i < nparts && rc == BIDSIM_OK; i++) {
    if ((rc = bidsim_results_open(parts[i], &r[i], err))) break;
    /* every chunk's checksum, before any is copied as stored */
    if ((rc = bidsim_results_verify(r[i], err))) break;
    bidsim_results_dims(r[i], &d);
    if (i == 0) { d0 = d; continue; }
    if (bidsim_results_format_version(r[i]) != bidsim_results_format_version(r[0])) {
      rc = bidsim_error_set(err, BIDSIM_EMISMATCH, parts[i], "is of result format version %u and %s of version %u: "
                            "parts of different versions are never joined", bidsim_results_format_version(r[i]),
                            parts[0], bidsim_results_format_version(r[0]));
      break;
    }
    if (bidsim_results_fingerprint(r[i]) != bidsim_results_fingerprint(r[0]) || d.variants != d0.variants ||
        d.replicates != d0.replicates || d.days != d0.days || d.plans != d0.plans || d.products != d0.products ||
        d.slots != d0.slots || d.draws != d0.draws || d.categories != d0.categories)
      rc = bidsim_error_set(err, BIDSIM_EMISMATCH, parts[i],
                            "comes from another scenario, seed or bidsim version than %s (fingerprints differ)",
                            parts[0]);
  }
  if (rc) goto out;
  const uint32_t units = d0.variants * d0.replicates;
  owner = bidsim_malloc(((size_t)units + 1) * sizeof *owner);
  bad = bidsim_malloc(((size_t)units + 1) * sizeof *bad);
  if (!owner || !bad) { rc = bidsim_error_set(err, BIDSIM_ENOMEM, "merge", "out of memory"); goto out; }
  for (uint32_t u = 0; u < units; u++) owner[u] = UINT32_MAX;
  uint32_t nbad = 0;
  for (uint32_t i = 0; i < nparts; i++)
    for (uint32_t u = 0; u < units; u++) {
      if (!bidsim_results_has_unit(r[i], u / d0.replicates, u % d0.replicates)) continue;
      if (owner[u] != UINT32_MAX) bad[nbad++] = u;
      else owner[u] = i;
    }
  char list[320];
  if (nbad) {
    list_units(bad, nbad, d0.replicates, list, sizeof list);
    rc = bidsim_error_set(err, BIDSIM_EMISMATCH, "merge", "%u unit(s) are in more than one part: %s (the same shard "
                          "given twice?)", nbad, list);
    goto out;
  }
  for (uint32_t u = 0; u < units; u++)
    if (owner[u] == UINT32_MAX) bad[nbad++] = u;
  if (nbad) {
    list_units(bad, nbad, d0.replicates, list, sizeof list);
    rc = bidsim_error_set(err, BIDSIM_EMISMATCH, "merge", "%u of %u unit(s) are in no part: %s (a shard missing?)",
                          nbad, units, list);
    goto out;
  }
  bidsim_output_meta_t meta;
  bidsim_results_meta(r[0], &meta);
  if ((rc = bidsim_writer_open(out, &meta, &w, err))) goto out;
  /* chunks are copied as stored: no decompressing and compressing again;
   * every part holds the whole market, identical (one fingerprint) */
  rc = bidsim_writer_copy_market(w, r[0], err);
  for (uint32_t u = 0; u < units && rc == BIDSIM_OK; u++)
    rc = bidsim_writer_copy_unit(w, r[owner[u]], u / d0.replicates, u % d0.replicates, err);
  if (rc) bidsim_writer_abort(w);
  else rc = bidsim_writer_commit(w, err);
  if (rc == BIDSIM_OK && units_out) *units_out = units;
out:
  bidsim_free(owner);
  bidsim_free(bad);
  for (uint32_t i = 0; i < nparts; i++) bidsim_results_close(r[i]);
  bidsim_free(r);
  return rc;
}
