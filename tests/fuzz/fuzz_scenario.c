/* tests/fuzz/fuzz_scenario.c - libFuzzer harness for the scenario loader:
 * any byte string must load or fail with an error code and a message, never
 * crash, leak or read out of bounds. Built by `make fuzz` with clang-14;
 * crashes it finds become files in tests/fuzz/regressions/, which
 * test_fuzz_regressions in tests/sim/test_scenario.c replays in every
 * normal build. */
#include <stddef.h>
#include <stdint.h>
#include "bidsim/bidsim.h"
#include "sim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  int rc = bidsim_scenario_load_string((const char *)data, size, "fuzz.yaml", &sc, &err);
  if (rc == BIDSIM_OK) {
    char *text = bidsim_scenario_resolved_yaml(sc);
    bidsim_free(text);
    bidsim_scenario_free(sc);
  } else if (err.msg[0] == '\0') {
    __builtin_trap();   /* every failure must explain itself */
  }
  return 0;
}
