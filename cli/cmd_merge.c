/* cli/cmd_merge.c - `bidsim merge`: join the part files of a sharded run. */
#include <getopt.h>
#include <stdio.h>
#include "cli/commands.h"
#include "sim/merge.h"

static void usage(FILE *f) {
  fprintf(f,
    "NAME\n"
    "    bidsim merge - join the part files of a sharded run into one result\n"
    "\n"
    "SYNOPSIS\n"
    "    bidsim merge PART.h5... -o OUT.h5\n"
    "\n"
    "DESCRIPTION\n"
    "    `bidsim run SCENARIO --shard I/N -o PART_I.h5` runs the units (variant,\n"
    "    replicate) u with u mod N = I. merge checks that the parts come from the\n"
    "    same scenario, seed, bidsim version and result format version, reads\n"
    "    every chunk of every part against its checksum, checks that no unit is\n"
    "    missing or in two parts, and writes OUT.h5: dataset for dataset and\n"
    "    attribute for attribute the file the unsharded run writes (compressed\n"
    "    chunks are copied as stored). OUT.h5 appears only when complete.\n"
    "\n"
    "OPTIONS\n"
    "    -o, --output FILE   the merged result file (required)\n"
    "    -h, --help          this text\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success; 2 bad usage, a part that is not a result file or is damaged\n"
    "    (a checksum fails), parts of different runs or format versions, units\n"
    "    missing or duplicated, an output that is a directory or in a missing\n"
    "    folder; 1 I/O failures (a full disk: no OUT.h5 is written).\n"
    "\n"
    "EXAMPLE\n"
    "    for i in 0 1 2; do bidsim run sweep.yaml --shard $i/3 -o part$i.h5; done\n"
    "    bidsim merge part0.h5 part1.h5 part2.h5 -o sweep.h5\n");
}

int bidsim_cmd_merge(int argc, char **argv) {
  static const struct option longopts[] = {
    { "output", required_argument, 0, 'o' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *out = NULL;
  int ch;
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
    switch (ch) {
      case 'o': out = optarg; break;
      case 'h': usage(stdout); return BIDSIM_EXIT_OK;
      default: return bidsim_cli_option_error("merge", ch, argv);
    }
  }
  if (out == NULL || optind >= argc)
    return bidsim_cli_usage_error("merge", "expected PART.h5... -o OUT.h5");
  bidsim_error_t err;
  bidsim_error_clear(&err);
  uint32_t units = 0;
  if (bidsim_merge((const char *const *)&argv[optind], (uint32_t)(argc - optind), out, &units, &err))
    return bidsim_cli_fail("merge", &err);
  printf("merged %d part(s), %u unit(s): %s\n", argc - optind, units, out);
  return BIDSIM_EXIT_OK;
}
