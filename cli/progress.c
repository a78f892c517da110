/* cli/progress.c - the progress display of `bidsim run` (see progress.h). */
#include "cli/progress.h"
#include <stdio.h>
#include <unistd.h>

static void fmt_duration(double s, char *buf, size_t n) {
  if (s < 0 || s > 1e7) { snprintf(buf, n, "--:--"); return; }
  unsigned t = (unsigned)(s + 0.5);
  if (t >= 3600) snprintf(buf, n, "%u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
  else snprintf(buf, n, "%u:%02u", t / 60, t % 60);
}

void bidsim_cli_progress_init(bidsim_cli_progress_t *pr, bidsim_cli_progress_mode_t mode,
                              bidsim_run_options_t *opt) {
  if (mode == BIDSIM_CLI_PROGRESS_AUTO) mode = isatty(STDERR_FILENO) ? BIDSIM_CLI_PROGRESS_BAR : BIDSIM_CLI_PROGRESS_LINES;
  pr->mode = mode;
  pr->mid_line = false;
  opt->progress = bidsim_cli_progress;
  opt->progress_ctx = pr;
  opt->progress_interval_s = mode == BIDSIM_CLI_PROGRESS_BAR ? 0.25 : 5.0;
}

/* What the store held, before any bar: a --resume's finished units, or
 * those a plain run threw away. */
static void start(const bidsim_progress_t *p) {
  if (p->units_discarded)
    fprintf(stderr, "bidsim run: discarded %u finished unit(s) of an earlier run (use --resume to keep them)\n",
            p->units_discarded);
  if (p->units_resumed)
    fprintf(stderr, "bidsim run: resumed: %u unit(s) were already finished, %u to go\n", p->units_resumed,
            p->units_pending);
}

void bidsim_cli_progress(void *ctx, const bidsim_progress_t *p) {
  bidsim_cli_progress_t *pr = ctx;
  if (p->event == BIDSIM_PROGRESS_START) { start(p); return; }
  if (pr->mode == BIDSIM_CLI_PROGRESS_NONE || p->units_pending == 0) return;
  const bool final = p->event == BIDSIM_PROGRESS_FINISH;
  double rate = p->elapsed_s > 0 ? (double)p->impressions / p->elapsed_s : 0.0;
  double frac = p->expected_impressions > 0 ? (double)p->impressions / p->expected_impressions : 0.0;
  if (frac > 1.0) frac = 1.0;
  char eta[32];
  fmt_duration(final ? 0.0 : (rate > 0 && frac > 0 ? p->elapsed_s / frac - p->elapsed_s : -1), eta, sizeof eta);
  if (pr->mode == BIDSIM_CLI_PROGRESS_BAR) {
    char bar[31];
    int fill = (int)(frac * 30.0);
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %3.0f%%  units %u/%u  %.2fM imp/s  left %s ", bar, frac * 100.0, p->units_done,
            p->units_pending, rate / 1e6, eta);
    pr->mid_line = !final;
    if (final) fputc('\n', stderr);
  } else {
    fprintf(stderr, "bidsim run: %3.0f%%  units %u/%u  %.2fM impressions/s  left %s\n", frac * 100.0,
            p->units_done, p->units_pending, rate / 1e6, eta);
  }
  fflush(stderr);
}

void bidsim_cli_progress_end(bidsim_cli_progress_t *pr) {
  if (pr->mid_line) fputc('\n', stderr);
  pr->mid_line = false;
}
