/* tests/fuzz/fuzz_scenario.c - libFuzzer harness for the scenario loader:
 * any byte string must load or fail with an error code and a message, never
 * crash, leak or read out of bounds; and every scenario it accepts must
 * round-trip: its resolved text loads, to the same fingerprint, the same
 * sweep points, and the same resolved text again (the result file stores
 * that text and documents that it loads back). Plugins are never loaded
 * (the input names arbitrary paths). Built by `make fuzz` with clang-14;
 * crashes it finds become files in tests/fuzz/regressions/, which
 * test_fuzz_regressions in tests/sim/test_scenario_yaml.c replays in every
 * normal build through bidsim_fuzz_check_one, the same checks. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "bidsim/bidsim.h"
#include "sim/scenario.h"

/* NULL, or the property @p data breaks (printed with the evidence): the
 * regression test includes this file with BIDSIM_FUZZ_NO_MAIN to replay
 * kept inputs through exactly these checks. */
const char *bidsim_fuzz_check_one(const uint8_t *data, size_t size);

const char *bidsim_fuzz_check_one(const uint8_t *data, size_t size) {
  const bidsim_scenario_options_t opt = { .load_plugins = false };
  bidsim_scenario_t *a = NULL, *b = NULL;
  bidsim_error_t err;
  int rc = bidsim_scenario_load_string_opt((const char *)data, size, "fuzz.yaml", &opt, &a, &err);
  if (rc != BIDSIM_OK) return err.msg[0] == '\0' ? "a failure without a message" : NULL;
  const char *broken = NULL;
  char *text = bidsim_scenario_resolved_yaml(a), *again = NULL;
  if (text == NULL) {
    broken = "no resolved text";
  } else if (bidsim_scenario_load_string_opt(text, strlen(text), "resolved.yaml", &opt, &b, &err) != BIDSIM_OK) {
    fprintf(stderr, "the resolved text does not load: %s: %s\n%s\n", err.where, err.msg, text);
    broken = "the resolved text does not load";
  } else if (bidsim_scenario_fingerprint(a) != bidsim_scenario_fingerprint(b)) {
    broken = "the resolved text loads to another fingerprint";
  } else if (a->variant_count != b->variant_count || (a->variant_sc == NULL) != (b->variant_sc == NULL)) {
    broken = "the resolved text loads to other variants";
  } else if ((again = bidsim_scenario_resolved_yaml(b)) == NULL || strcmp(text, again)) {
    broken = "the resolved text is not a fixed point";
  } else {
    for (uint32_t v = 0; a->variant_sc && v < a->variant_count && !broken; v++)
      if (bidsim_scenario_fingerprint(a->variant_sc[v]) != bidsim_scenario_fingerprint(b->variant_sc[v]))
        broken = "a sweep point loads to another fingerprint";
  }
  if (broken && text) fprintf(stderr, "bidsim fuzz: %s; resolved text:\n%s\n", broken, text);
  bidsim_free(text);
  bidsim_free(again);
  bidsim_scenario_free(a);
  bidsim_scenario_free(b);
  return broken;
}

#ifndef BIDSIM_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (bidsim_fuzz_check_one(data, size)) __builtin_trap();
  return 0;
}
#endif
