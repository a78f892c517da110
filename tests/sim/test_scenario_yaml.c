/* tests/sim/test_scenario_yaml.c - the scenario loader's YAML layer
 * (sim/scenario_yaml.c): the file is read exactly as written or refused at
 * the position (numbers, aliases, tags, documents, NULs, quote escapes),
 * malformed inputs fail cleanly, and every fuzz finding kept in
 * tests/fuzz/regressions/ replays through the harness's own checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bidsim/bidsim.h"
#include "sim/scenario.h"

/* YAML read as written (issue 12): a decimal is a decimal, never hex (strtod
 * read 0x10 as 16), never a leading-zero number YAML 1.1 reads as octal; no
 * alias taken for its name, no second document ignored, no NUL cutting a
 * name short, no tag ignored. */
static void test_yaml_is_read_as_written(void **state) {
  (void)state;
  static const struct { const char *v; int ok; double want; } dbl[] = {
    { "0", 1, 0.0 }, { "0.5", 1, 0.5 }, { "1e3", 1, 1000.0 }, { "1.5E+2", 1, 150.0 }, { ".5", 1, 0.5 },
    { "5.", 1, 5.0 }, { "+5", 1, 5.0 }, { "0.0", 1, 0.0 },
    { "0x10", 0, 0 }, { "0X1p3", 0, 0 }, { "010", 0, 0 }, { "00.5", 0, 0 }, { "0o7", 0, 0 }, { "0b1", 0, 0 },
    { "1_000", 0, 0 }, { "inf", 0, 0 }, { "nan", 0, 0 }, { "1e", 0, 0 }, { ".", 0, 0 }, { "--1", 0, 0 },
  };
  char buf[256];
  for (size_t i = 0; i < sizeof dbl / sizeof *dbl; i++) {
    snprintf(buf, sizeof buf, "traffic: {impressions_per_day: 10}\nusers: {conversion_delay_hours: %s}\nmarket: {plans: 1}\n", dbl[i].v);
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load_string(buf, strlen(buf), "n.yaml", &sc, &err);
    if ((rc == BIDSIM_OK) != dbl[i].ok) fail_msg("'%s': rc %d (%s), want %s", dbl[i].v, rc, err.msg, dbl[i].ok ? "ok" : "refused");
    if (rc == BIDSIM_OK) assert_true(sc->conversion_delay_hours == dbl[i].want);
    else assert_string_equal(err.where, "n.yaml:2:33: users.conversion_delay_hours");
    bidsim_scenario_free(sc);
  }
  static const struct { const char *v; int ok; } ints[] = {
    { "0", 1 }, { "7", 1 }, { "18446744073709551615", 1 }, { "18446744073709551616", 0 }, { "07", 0 },
    { "00", 0 }, { "0x7", 0 }, { "+7", 0 }, { "-0", 0 }, { "7.0", 0 }, { "1e3", 0 } };
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
    snprintf(buf, sizeof buf, "seed: %s\ntraffic: {impressions_per_day: 10}\nmarket: {plans: 1}\n", ints[i].v);
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load_string(buf, strlen(buf), "n.yaml", &sc, &err);
    if ((rc == BIDSIM_OK) != ints[i].ok) fail_msg("seed '%s': rc %d (%s)", ints[i].v, rc, err.msg);
    bidsim_scenario_free(sc);
  }
  /* money: exact li, and no leading zero either */
  static const struct { const char *v; int ok; } money[] = { { "0.50", 1 }, { "1.00", 1 }, { "01.00", 0 }, { "0x1", 0 } };
  for (size_t i = 0; i < sizeof money / sizeof *money; i++) {
    snprintf(buf, sizeof buf, "auction: {reserve: %s}\ntraffic: {impressions_per_day: 10}\nmarket: {plans: 1}\n", money[i].v);
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load_string(buf, strlen(buf), "n.yaml", &sc, &err);
    if ((rc == BIDSIM_OK) != money[i].ok) fail_msg("reserve '%s': rc %d (%s)", money[i].v, rc, err.msg);
    bidsim_scenario_free(sc);
  }
  /* the document itself: each refused at its own position */
  static const char tail[] = "traffic: {impressions_per_day: 10}\nmarket: {plans: 1}\n";
  static const struct { const char *head, *where, *msg; } doc[] = {
    { "x: &a 1\nseed: *a\n", "n.yaml:2:8: (yaml)", "YAML aliases (*a)" },
    { "seed: !!int 5\n", "n.yaml:1:13: (yaml)", "YAML tags" },
    { "", "n.yaml:3:1: (yaml)", "a second YAML document" },
    { "x: \"a\\0b\"\n", "n.yaml:1:5: (yaml)", "NUL character" },
    /* libfyaml 0.7 leaks reading these (the fuzzer's finding): refused
     * before their text is formed, which the sanitizer build checks */
    { "x: 'it''s'\n", "n.yaml:1:5: (yaml)", "a single-quoted scalar with a '' escape" },
    { "'''''''''''''''x': 1\n", "n.yaml:1:2: (yaml)", "write it in double quotes" },
    { "x: ''''\n", "n.yaml:1:5: (yaml)", "write it in double quotes" },
  };
  for (size_t i = 0; i < sizeof doc / sizeof *doc; i++) {
    snprintf(buf, sizeof buf, "%s%s%s", doc[i].head, tail, doc[i].head[0] ? "" : "---\nseed: 2\n");
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load_string(buf, strlen(buf), "n.yaml", &sc, &err);
    assert_null(sc);
    if (rc != BIDSIM_EPARSE || strcmp(err.where, doc[i].where) || !strstr(err.msg, doc[i].msg))
      fail_msg("doc %zu: %d '%s: %s', want '%s: %s'", i, rc, err.where, err.msg, doc[i].where, doc[i].msg);
  }
  /* an anchor alone changes nothing, and a document end marker is no second document */
  static const char fine[] = "seed: &s 5\ntraffic: {impressions_per_day: 10}\nmarket: {plans: 1}\n...\n";
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  if (bidsim_scenario_load_string(fine, strlen(fine), "n.yaml", &sc, &err)) fail_msg("%s: %s", err.where, err.msg);
  assert_true(sc->seed == 5);
  bidsim_scenario_free(sc);
}

/* Inputs the fuzzer found or that stress the parser: each must fail cleanly. */
static void test_malformed(void **state) {
  (void)state;
  static const char *const bad[] = { "", "---\n", "[1, 2]", "traffic: 5", "traffic: {impressions_per_day: 1e400}",
                                     "\t\x01\x02", "a: &x [*x]", "traffic: {impressions_per_day: 10}\nplans: {}",
                                     "traffic: {impressions_per_day: 10}\nshops: [{name: A, products: [{id: 1}]}]" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load_string(bad[i], strlen(bad[i]), "bad.yaml", &sc, &err);
    assert_int_not_equal(rc, BIDSIM_OK);
    assert_null(sc);
    assert_true(err.msg[0] != '\0');
  }
}

/* A scenario with no keys - no bytes, only comments or blank lines, a bare
 * '---', a null or an empty mapping - is called empty at the file's first
 * line (it was "YAML syntax error: invalid YAML" at 0:0, a position no
 * editor shows); a root that is not a mapping is named at 1:1 too. */
static void test_empty_scenario_is_named_at_1_1(void **state) {
  (void)state;
  static const char *const empty[] = { "", "# only\n# comments\n", "\n\n   \n", "---\n", "~\n", "{}\n", "--- # c\n" };
  for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    int rc = bidsim_scenario_load_string(empty[i], strlen(empty[i]), "e.yaml", &sc, &err);
    if (rc != BIDSIM_ESCHEMA || strcmp(err.where, "e.yaml:1:1: (root)") || strcmp(err.msg, "empty scenario: no keys"))
      fail_msg("case %zu: %d '%s: %s'", i, rc, err.where, err.msg);
    assert_null(sc);
  }
  bidsim_scenario_t *sc = NULL;
  bidsim_error_t err;
  assert_int_equal(bidsim_scenario_load_string("[]\n", 3, "e.yaml", &sc, &err), BIDSIM_ESCHEMA);
  assert_string_equal(err.where, "e.yaml:1:1: (root)");
  assert_non_null(strstr(err.msg, "expected a mapping"));
  /* a real syntax error keeps its own position and message */
  static const char bad[] = "traffic: {impressions_per_day: 10\n";
  assert_int_equal(bidsim_scenario_load_string(bad, strlen(bad), "e.yaml", &sc, &err), BIDSIM_EPARSE);
  assert_non_null(strstr(err.msg, "YAML syntax error"));
  assert_null(strstr(err.where, ":0:0:"));
}

/* Findings of the fuzz harness (tests/fuzz/fuzz_scenario.c), kept as files
 * in tests/fuzz/regressions/: each replayed through the harness's own checks
 * (fails cleanly, or loads and round-trips), the directive hangs also by
 * their code. */
#define BIDSIM_FUZZ_NO_MAIN
#include "fuzz/fuzz_scenario.c"

static void test_fuzz_regressions(void **state) {
  (void)state;
  static const char *const hangs[] = { "tests/fuzz/regressions/directive_hang.yaml",
                                       "tests/fuzz/regressions/directive_after_cr_hang.yaml" };
  for (size_t i = 0; i < sizeof hangs / sizeof hangs[0]; i++) {
    bidsim_scenario_t *sc = NULL;
    bidsim_error_t err;
    assert_int_equal(bidsim_scenario_load(hangs[i], &sc, &err), BIDSIM_EPARSE);
    assert_null(sc);
  }
  DIR *d = opendir("tests/fuzz/regressions");
  assert_non_null(d);
  struct dirent *e;
  int files = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[512];
    snprintf(path, sizeof path, "tests/fuzz/regressions/%s", e->d_name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    const char *broken = bidsim_fuzz_check_one(buf, n);
    if (broken) fail_msg("%s: %s", path, broken);
    files++;
  }
  closedir(d);
  assert_true(files >= 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_yaml_is_read_as_written),
    cmocka_unit_test(test_malformed),
    cmocka_unit_test(test_empty_scenario_is_named_at_1_1),
    cmocka_unit_test(test_fuzz_regressions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
