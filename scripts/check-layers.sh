#!/usr/bin/env bash
# scripts/check-layers.sh - the layering rules of the code, checked: the
# dependencies point one way (cli -> analysis -> sim -> engine), the
# libraries (engine/, sim/, analysis/) neither print nor end the process,
# and no source file outgrows one sitting's reading.
#
#   scripts/check-layers.sh [--max-lines N] [ROOT]
#
# ROOT is the repository (default: this script's parent folder). Prints one
# line per finding, file:line: what and why, and exits 1 if there is any,
# 0 if none, 2 on bad usage. Comments and string literals are not code:
# "never calls exit()" in a comment is no finding.
set -euo pipefail

max_lines=700
root=
while [ $# -gt 0 ]; do
  case "$1" in
    --max-lines) [ $# -ge 2 ] || { echo "check-layers: --max-lines needs a number" >&2; exit 2; }
                 max_lines=$2; shift 2 ;;
    -h|--help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "check-layers: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$root" ] || { echo "check-layers: one ROOT only (see --help)" >&2; exit 2; }
       root=$1; shift ;;
  esac
done
case "$max_lines" in ''|*[!0-9]*) echo "check-layers: --max-lines must be a whole number" >&2; exit 2 ;; esac
[ -n "$root" ] || root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 2

files=()
for d in engine sim analysis cli; do
  [ -d "$d" ] || continue
  while IFS= read -r f; do files+=("$f"); done < <(find "$d" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
done
[ ${#files[@]} -gt 0 ] || { echo "check-layers: no engine/, sim/, analysis/ or cli/ sources under $root" >&2; exit 2; }

# One awk pass over every file. Each line is reduced to its code (block and
# line comments and the contents of string and character literals removed)
# before the stdout/stderr and call checks; #include lines are read whole.
awk -v max_lines="$max_lines" '
function layer_of(path) {
  sub(/^(\.\.?\/)+/, "", path)
  if (path ~ /^engine\// || path ~ /^bidsim\//) return 0
  if (path ~ /^sim\//) return 1
  if (path ~ /^analysis\//) return 2
  if (path ~ /^cli\//) return 3
  return -1
}
function report(line, msg) { printf "%s:%d: %s\n", FILENAME, line, msg; found++ }
function finish_file() {
  if (cur == "" || lines <= max_lines) return
  printf "%s:%d: %d lines, over the %d-line limit: split it by concern (one concern per file, readable in one sitting)\n", cur, lines, lines, max_lines
  found++
}
FNR == 1 {
  finish_file()
  cur = FILENAME; lines = 0; in_comment = 0
  me = layer_of(FILENAME)
  lib = (me >= 0 && me <= 2)
}
{
  lines = FNR
  raw = $0
  # includes: the target folder must be this layer or one below it
  if (!in_comment && raw ~ /^[ \t]*#[ \t]*include[ \t]*[<"]/) {
    target = raw
    sub(/^[ \t]*#[ \t]*include[ \t]*[<"]/, "", target)
    sub(/[>"].*$/, "", target)
    to = layer_of(target)
    if (to > me)
      report(FNR, "includes \"" target "\": " names[me] "/ may include nothing of " above[me] \
             " (dependencies point cli -> analysis -> sim -> engine)")
    if (me == 0 && target ~ /^(hdf5|H5|libfyaml|fy_|mpi)/)
      report(FNR, "includes <" target ">: the engine does no file I/O, YAML, HDF5 or MPI")
  }
  # the code of the line, without comments and literal contents
  code = ""; n = length(raw); i = 1
  while (i <= n) {
    c = substr(raw, i, 1); c2 = substr(raw, i, 2)
    if (in_comment) {
      if (c2 == "*/") { in_comment = 0; i += 2 } else i++
      continue
    }
    if (c2 == "/*") { in_comment = 1; code = code " "; i += 2; continue }
    if (c2 == "//") break
    if (c == "\"" || c == "\047") {
      q = c; code = code q q; i++
      while (i <= n) {
        d = substr(raw, i, 1)
        if (d == "\\") { i += 2; continue }
        i++
        if (d == q) break
      }
      continue
    }
    code = code c; i++
  }
  if (!lib) next
  if (code ~ /(^|[^A-Za-z0-9_])std(out|err)([^A-Za-z0-9_]|$)/) {
    s = code ~ /(^|[^A-Za-z0-9_])stdout([^A-Za-z0-9_]|$)/ ? "stdout" : "stderr"
    report(FNR, "uses " s ": " names[me] "/ prints nothing (return a code and fill bidsim_error_t; progress goes through a callback; only cli/ prints)")
  }
  if (match(code, /(^|[^A-Za-z0-9_.>])(printf|vprintf|puts|putchar|perror|exit|_Exit|_exit|quick_exit|abort|MPI_Abort)[ \t]*\(/)) {
    s = substr(code, RSTART, RLENGTH); sub(/^[^A-Za-z_]/, "", s); sub(/[ \t]*\($/, "", s)
    if (s ~ /printf|puts|putchar|perror/)
      report(FNR, "calls " s "(): " names[me] "/ prints nothing (only cli/ prints)")
    else
      report(FNR, "calls " s "(): " names[me] "/ never ends the process (return a code; only cli/ picks exit statuses)")
  }
}
END {
  finish_file()
  exit found > 0 ? 1 : 0
}
BEGIN {
  names[0] = "engine"; names[1] = "sim"; names[2] = "analysis"; names[3] = "cli"
  above[0] = "sim/, analysis/ or cli/"; above[1] = "analysis/ or cli/"; above[2] = "cli/"
}
' "${files[@]}" && rc=0 || rc=$?
if [ $rc -eq 0 ]; then
  echo "check-layers: ok (${#files[@]} files: includes point cli -> analysis -> sim -> engine, the libraries print nothing and never exit, every file at most $max_lines lines)"
elif [ $rc -eq 1 ]; then
  echo "check-layers: the findings above break the layering rules (README.md, Layout)" >&2
fi
exit $rc
