/* sim/output_landscape.c - a landscape's HDF5 file (bidsim landscape -o,
 * docs/landscape.md): the points, each replicate's raw counts and the
 * caller's statistics, written under a temporary name and renamed when
 * complete, so a failed or interrupted write leaves nothing under the name.
 * The result files' own format is output_write.c's; this one is small and
 * separate. */
#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "bidsim/alloc.h"
#include "sim/landscape.h"
#include "sim/output_hdf5_internal.h"

static herr_t dataset(hid_t g, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims,
                      const void *data, const char *description) {
  hid_t s = H5Screate_simple(rank, dims, NULL);
  hid_t d = H5Dcreate2(g, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = d < 0 ? -1 : H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  if (rc >= 0) rc = output_attr_string(d, "description", description);
  if (d >= 0) H5Dclose(d);
  H5Sclose(s);
  return rc;
}

static herr_t write_all(hid_t f, const bidsim_landscape_file_t *lf) {
  const uint32_t n = lf->n;
  herr_t rc = output_attr_string(f, "format", "bidsim-landscape");
  if (rc >= 0) rc = output_attr_u64(f, "format_version", 1);
  if (rc >= 0) rc = output_attr_string(f, "bidsim_version", BIDSIM_VERSION);
  if (rc >= 0) rc = output_attr_string(f, "plan", lf->plan_name);
  if (rc >= 0) rc = output_attr_string(f, "axis", lf->axis_name);
  if (rc >= 0) rc = output_attr_string(f, "method", lf->info->exact ? "exact" : "one_pass");
  if (rc >= 0) rc = output_attr_u64(f, "replicates", lf->info->replicates);
  if (rc >= 0) rc = output_attr_u64(f, "days", lf->info->days);
  if (rc >= 0) rc = output_attr_u64(f, "seed", lf->seed);
  if (rc >= 0) rc = output_attr_string(f, "resolved_scenario", lf->resolved_text ? lf->resolved_text : "");
  if (rc < 0) return rc;
  double *x = bidsim_malloc((size_t)n * sizeof *x);
  int64_t *bids = bidsim_malloc((size_t)n * BIDSIM_SEG_COUNT * sizeof *bids), *caps = bidsim_malloc((size_t)n * 8);
  uint8_t *flags = bidsim_malloc((size_t)n * 2);
  const char **rules = bidsim_malloc((size_t)n * sizeof *rules);
  if (!x || !bids || !caps || !flags || !rules) rc = -1;
  for (uint32_t i = 0; rc >= 0 && i < n; i++) {
    x[i] = lf->pts[i].x;
    memcpy(bids + (size_t)i * BIDSIM_SEG_COUNT, lf->pts[i].bid_li, sizeof lf->pts[i].bid_li);
    caps[i] = lf->pts[i].cap_li;
    flags[i] = lf->pts[i].current;
    flags[n + i] = lf->pts[i].skipped;
    rules[i] = lf->pts[i].rule;
  }
  const hsize_t d1[1] = { n }, d2[2] = { n, BIDSIM_SEG_COUNT },
                d3[3] = { n, lf->info->replicates, BIDSIM_LS_COUNT }, ds[3] = { n, lf->stat_count, 3 };
  hid_t vs = H5Tcopy(H5T_C_S1);
  H5Tset_size(vs, H5T_VARIABLE);
  H5Tset_cset(vs, H5T_CSET_UTF8);
  if (rc >= 0) rc = dataset(f, "value", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, x,
                            "the swept value per point: yuan (bid, cap) or percent above the base (premium)");
  if (rc >= 0) rc = dataset(f, "bid_li", H5T_STD_I64LE, H5T_NATIVE_INT64, 2, d2, bids,
                            "the plan's bids per point and segment (ordinary, shop, similar), li");
  if (rc >= 0) rc = dataset(f, "cap_li", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, d1, caps,
                            "the plan's daily cap per point, li; INT64_MAX = unlimited");
  if (rc >= 0) rc = dataset(f, "current", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, d1, flags,
                            "1 where the point is the scenario's setting");
  if (rc >= 0) rc = dataset(f, "skipped", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, d1, flags + n,
                            "1 where the point breaks a platform rule (see rule) and was not simulated");
  if (rc >= 0) rc = dataset(f, "rule", vs, vs, 1, d1, rules, "the rule a skipped point breaks, else empty");
  if (rc >= 0) rc = dataset(f, "counts", H5T_STD_I64LE, H5T_NATIVE_INT64, 3, d3, lf->counts,
                            "per point and replicate, summed over days: exposures, clicks, spend_li, orders, "
                            "order_value_li, top_exposures (first slot)");
  if (rc >= 0 && lf->stats) rc = dataset(f, "stats", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, ds, lf->stats,
                                         "per point and statistic (attribute names): mean, 95% low, 95% high; "
                                         "per day, money in yuan; NaN where undefined");
  if (rc >= 0 && lf->stats) {
    hid_t d = H5Dopen2(f, "stats", H5P_DEFAULT);
    char names[512] = "";
    for (uint32_t s = 0; s < lf->stat_count; s++)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", s ? " " : "", lf->stat_names[s]);
    rc = d < 0 ? -1 : output_attr_string(d, "names", names);
    if (d >= 0) H5Dclose(d);
  }
  H5Tclose(vs);
  bidsim_free(x);
  bidsim_free(bids);
  bidsim_free(caps);
  bidsim_free(flags);
  bidsim_free(rules);
  return rc;
}

int bidsim_landscape_write(const char *path, const bidsim_landscape_file_t *lf, bidsim_error_t *err) {
  output_h5_init();
  char tmp[4200];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
    return bidsim_error_set(err, BIDSIM_EINVAL, path, "the path is too long");
  hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) return output_h5_fail(err, NULL, BIDSIM_EHDF5, path, "create the landscape file");
  herr_t rc = write_all(f, lf);
  output_h5_error_t e = { 0, false };
  if (rc < 0) output_h5_capture(&e);
  if (H5Fclose(f) < 0 && rc >= 0) { rc = -1; output_h5_capture(&e); }
  if (rc < 0) {
    unlink(tmp);
    return output_h5_fail(err, &e, BIDSIM_EHDF5, path, "write the landscape file");
  }
  if (rename(tmp, path) != 0) {
    unlink(tmp);
    return bidsim_error_set(err, BIDSIM_EIO, path, "cannot rename %s to %s", tmp, path);
  }
  return BIDSIM_OK;
}
