/* cli/cli.c - helpers shared by the command implementations. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include "cli/commands.h"

int bidsim_cli_fail(const char *cmd, const bidsim_error_t *err) {
  int code = err ? err->code : BIDSIM_EINVAL;
  const char *msg = (err && err->msg[0]) ? err->msg : bidsim_strerror(code);
  if (err && err->where[0])
    fprintf(stderr, "bidsim %s: error: %s: %s\n", cmd, err->where, msg);
  else
    fprintf(stderr, "bidsim %s: error: %s\n", cmd, msg);
  switch (code) {
    case BIDSIM_ENOMEM: case BIDSIM_EIO: case BIDSIM_EHDF5: case BIDSIM_EMPI: case BIDSIM_ESTATE:
      return BIDSIM_EXIT_FAILURE;
    case BIDSIM_EINTR:
      return BIDSIM_EXIT_SIGNAL;
    default:
      return BIDSIM_EXIT_INPUT;
  }
}

int bidsim_cli_load_scenario(const char *cmd, const char *path, const bidsim_scenario_options_t *opt, bool warn,
                             bidsim_scenario_t **out) {
  bidsim_scenario_notes_t notes = { 0, 0, NULL };
  bidsim_scenario_options_t o = *opt;
  o.notes = &notes;
  bidsim_error_t err;
  int rc = bidsim_scenario_load_opt(path, &o, out, &err);
  /* warnings first, in the file's order, then the error they may explain
   * (a bid typed in fen that breaks the premium rule) */
  uint32_t warned = 0;
  for (uint32_t i = 0; i < notes.count; i++)
    if (notes.note[i].kind == BIDSIM_NOTE_WARNING && warn) {
      fprintf(stderr, "bidsim %s: warning: %s: %s\n", cmd, notes.note[i].where, notes.note[i].msg);
      warned++;
    }
  if (warn && notes.dropped) fprintf(stderr, "bidsim %s: warning: and %u more\n", cmd, notes.dropped);
  int status = BIDSIM_EXIT_OK;
  if (rc) {
    status = bidsim_cli_fail(cmd, &err);
    for (uint32_t i = 0; i < notes.count; i++)
      if (notes.note[i].kind == BIDSIM_NOTE_DETAIL) fprintf(stderr, "  %s: %s\n", notes.note[i].where, notes.note[i].msg);
  }
  (void)warned;
  bidsim_scenario_notes_free(&notes);
  return status;
}

int bidsim_cli_usage_error(const char *cmd, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "bidsim %s: error: %s (see 'bidsim %s --help')\n", cmd, msg, cmd);
  return BIDSIM_EXIT_INPUT;
}

int bidsim_cli_option_error(const char *cmd, int ch, char **argv) {
  /* getopt_long has already moved optind past the offending word */
  const char *word = optind > 0 ? argv[optind - 1] : "?";
  if (ch == ':') return bidsim_cli_usage_error(cmd, "option '%s' needs a value", word);
  if (optopt && word[0] == '-' && word[1] != '-')
    return bidsim_cli_usage_error(cmd, "unknown option '-%c'", optopt);
  return bidsim_cli_usage_error(cmd, "unknown option '%s'", word);
}
