#!/usr/bin/env bash
# scripts/check-layers.sh on a small made-up tree: every rule it enforces
# found at its file:line (includes against the layer order, the libraries'
# printing and exits, the line limit on both sides of 700), and nothing
# found in comments, string literals, FILE* output, member calls or cli/.
set -euo pipefail
CHECK="$(pwd)/scripts/check-layers.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
t="$tmp/tree"
mkdir -p "$t/engine/include/bidsim" "$t/sim" "$t/analysis" "$t/cli"

# ---- files that break nothing ------------------------------------------------
cat > "$t/engine/ok.c" <<'C'
/* engine/ok.c - never calls exit() or printf(), never writes to stderr */
#include <stdio.h>
#include "bidsim/market.h"
#include "auction_internal.h"
static const char *s = "printf(\"x\"); exit(1); stderr";   // puts(stdout) in a comment
static char q = '"';
int f(char *b, size_t n) { return snprintf(b, n, "%c", q); }
/* a comment over lines
   abort(); MPI_Abort(w, 1); fprintf(stderr, "") */
C
cat > "$t/engine/include/bidsim/ok.h" <<'C'
#include "bidsim/error.h"
#include <stdint.h>
C
cat > "$t/sim/ok.c" <<'C'
#include "bidsim/market.h"
#include "sim/world.h"
#include <hdf5.h>
void g(FILE *f, struct ops *o) { fprintf(f, "to a file the caller gave\n"); o->exit(1); o->printf("x"); atexit(0); }
C
cat > "$t/analysis/ok.c" <<'C'
#include "sim/output.h"
#include "analysis/stats.h"
C
cat > "$t/cli/ok.c" <<'C'
#include "analysis/reptable.h"
#include "sim/driver.h"
int main(void) { printf("the command prints\n"); fprintf(stderr, "and picks\n"); exit(2); }
C
for i in $(seq 700); do echo "int x$i;"; done > "$t/cli/at_limit.c"

cp -r "$t" "$tmp/clean"
out=$("$CHECK" "$tmp/clean") || fail "a clean tree failed the check: $out"
echo "$out" | grep -q "^check-layers: ok (6 files" || fail "no ok line for the clean tree: $out"

# ---- files that break each rule ----------------------------------------------
cat > "$t/engine/bad.c" <<'C'
/* engine/bad.c */
#include "sim/world.h"
#include <hdf5.h>
#include "../cli/commands.h"
void h(void) { printf("x"); }
void i(void) { exit(1); }
/* closed here */ void j(void) { abort(); }
C
cat > "$t/engine/include/bidsim/bad.h" <<'C'
#include <analysis/reptable.h>
C
cat > "$t/sim/bad.c" <<'C'
#include "analysis/reptable.h"
#include "cli/args.h"
void k(int rc) {
  fprintf(stderr, "error\n");
  FILE *f = stdout;
  MPI_Abort(MPI_COMM_WORLD, rc);
  perror("x"); puts("y");
  _exit(3);
}
C
cat > "$t/analysis/bad.c" <<'C'
#include "sim/output.h"
#include "cli/format.h"
void l(void) { putchar('x'); }
C
for i in $(seq 701); do echo "int y$i;"; done > "$t/cli/over_limit.c"

rc=0
"$CHECK" "$t" >"$tmp/out" 2>"$tmp/err" || rc=$?
[ $rc -eq 1 ] || { cat "$tmp/out" "$tmp/err"; fail "a tree with findings: exit $rc, wanted 1"; }
# file:line and the rule of each finding, in the script's order (folders
# engine, sim, analysis, cli; one call finding per line)
cut -d: -f1-3 "$tmp/out" | sed 's/: \([a-z]* [^ :]*\).*/: \1/' >"$tmp/got"
cat > "$tmp/want" <<'OUT'
engine/bad.c:2: includes "sim/world.h"
engine/bad.c:3: includes <hdf5.h>
engine/bad.c:4: includes "../cli/commands.h"
engine/bad.c:5: calls printf()
engine/bad.c:6: calls exit()
engine/bad.c:7: calls abort()
engine/include/bidsim/bad.h:1: includes "analysis/reptable.h"
sim/bad.c:1: includes "analysis/reptable.h"
sim/bad.c:2: includes "cli/args.h"
sim/bad.c:4: uses stderr
sim/bad.c:5: uses stdout
sim/bad.c:6: calls MPI_Abort()
sim/bad.c:7: calls perror()
sim/bad.c:8: calls _exit()
analysis/bad.c:2: includes "cli/format.h"
analysis/bad.c:3: calls putchar()
cli/over_limit.c:701: 701 lines, over the 700-line limit
OUT
diff "$tmp/want" "$tmp/got" || { cat "$tmp/out"; fail "findings differ from the expected (above: - wanted, + got)"; }
grep -q "sim/ may include nothing of analysis/ or cli/" "$tmp/out" || fail "the include message does not name the rule"
grep -q "the findings above break the layering rules" "$tmp/err" || fail "no closing line on stderr"

# the limit is a parameter; bad usage is exit 2
rm "$t/engine/bad.c" "$t/engine/include/bidsim/bad.h" "$t/sim/bad.c" "$t/analysis/bad.c"
"$CHECK" --max-lines 701 "$t" >/dev/null || fail "--max-lines 701 still finds the 701-line file"
rc=0; "$CHECK" --max-lines x "$t" >/dev/null 2>&1 || rc=$?; [ $rc -eq 2 ] || fail "--max-lines x: exit $rc"
rc=0; "$CHECK" --bogus >/dev/null 2>&1 || rc=$?; [ $rc -eq 2 ] || fail "--bogus: exit $rc"
rc=0; "$CHECK" "$tmp/nowhere" >/dev/null 2>&1 || rc=$?; [ $rc -eq 2 ] || fail "a missing ROOT: exit $rc"
echo "ok: check-layers finds every rule at its file:line and nothing else"
