#!/usr/bin/env bash
# The installed package as a user outside the source tree meets it: install
# the build into a temporary prefix and move the prefix (nothing may point
# back into the build or source tree), build examples/c_market from the
# installed copy as an outside project with find_package(bidsim), check its
# hand-computed output, and run the installed `bidsim run` and `bidsim plot`
# with a clean environment from a directory outside the tree; import the
# installed Python package from the prefix alone and run and report with it.
set -euo pipefail
BUILD=$(cd "${BIDSIM_BUILD_DIR:-build}" && pwd)
SRC=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$tmp/stage" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
mv "$tmp/stage" "$tmp/opt"     # relocatable: the prefix may move after install
P=$(cd "$tmp/opt" && pwd -P)   # the binary sees its real path (/proc/self/exe)

# ---- what the package holds -------------------------------------------------
for f in bin/bidsim lib/libbidsim_engine.a include/bidsim/bidsim.h include/bidsim/market.h \
         lib/cmake/bidsim/bidsimConfig.cmake lib/cmake/bidsim/bidsimConfigVersion.cmake \
         lib/cmake/bidsim/bidsimTargets.cmake \
         share/bidsim/plot.py share/bidsim/scenarios/pdd_baseline.yaml share/bidsim/scenarios/double11.yaml \
         share/doc/bidsim/README.md share/doc/bidsim/docs/model.md share/doc/bidsim/docs/output-format.md \
         share/doc/bidsim/scenarios/README.md \
         share/doc/bidsim/examples/c_market/CMakeLists.txt share/doc/bidsim/examples/c_market/c_market.c; do
  [ -f "$P/$f" ] || fail "the package lacks $f"
done
# every shipped scenario and every doc page
for f in "$SRC"/scenarios/*.yaml; do
  [ -f "$P/share/bidsim/scenarios/$(basename "$f")" ] || fail "scenario $(basename "$f") not installed"
done
for f in "$SRC"/docs/*.md; do
  [ -f "$P/share/doc/bidsim/docs/$(basename "$f")" ] || fail "doc $(basename "$f") not installed"
done

# The installed binary must not carry the source or build tree's path (the
# plot script was compiled in as an absolute path); nor may the CMake files.
# Debug information exists to name the sources, so it is left out of the
# check; a sanitized build is skipped whole, as GCC's sanitizers record every
# source file's full path for their reports (-fmacro-prefix-map covers only
# __FILE__), which is no concern of an installed release.
if [ "${BIDSIM_SANITIZE:-OFF}" = ON ]; then
  echo "note: sanitized build: the strings check of bin/bidsim is skipped"
else
  objcopy --strip-debug "$P/bin/bidsim" "$tmp/bidsim.nodebug"
  if strings "$tmp/bidsim.nodebug" | grep -F -e "$SRC" -e "$BUILD"; then
    fail "bin/bidsim holds a path into the source or build tree (above)"
  fi
fi
if grep -rF -e "$SRC" -e "$BUILD" "$P/lib/cmake/bidsim"; then
  fail "the CMake package files hold a path into the source or build tree (above)"
fi

# ---- find_package: the version file --------------------------------------------
# 0.x releases may break the API at each minor version: 0.2 finds 0.2.x only.
want=$(sed -n 's/^project(bidsim VERSION \([0-9]*\)\.\([0-9]*\)\..*/\1.\2/p' "$SRC/CMakeLists.txt")
[ -n "$want" ] || fail "cannot read the project version"
mkdir -p "$tmp/ver"
cat > "$tmp/ver/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.18)
project(versions LANGUAGES C)
foreach(v 9.0 0.99 0.0 $want)
  find_package(bidsim \${v} QUIET)
  message(STATUS "want \${v}: found=\${bidsim_FOUND} version=\${bidsim_VERSION}")
endforeach()
CMAKE
cmake -S "$tmp/ver" -B "$tmp/ver/b" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$tmp/ver.log" 2>&1 ||
  { cat "$tmp/ver.log"; fail "configuring the version probe"; }
for v in 9.0 0.99 0.0; do
  grep -q "want $v: found=0" "$tmp/ver.log" || { cat "$tmp/ver.log"; fail "find_package(bidsim $v) accepted the installed package"; }
done
grep -q "want $want: found=1 version=$want\." "$tmp/ver.log" || { cat "$tmp/ver.log"; fail "find_package(bidsim $want) failed"; }

# ---- examples/c_market as an outside project ---------------------------------
# A sanitized build's static engine needs the sanitizer runtimes at link time.
flags=()
if [ "${BIDSIM_SANITIZE:-OFF}" = ON ]; then
  flags+=(-DCMAKE_C_FLAGS="-fsanitize=address,undefined" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined")
fi
ex="$P/share/doc/bidsim/examples/c_market"
cmake -S "$ex" -B "$tmp/ex" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
      -DCMAKE_C_COMPILER="${BIDSIM_C_COMPILER:-cc}" "${flags[@]}" >"$tmp/ex.log" 2>&1 ||
  { cat "$tmp/ex.log"; fail "configuring examples/c_market against the installed package"; }
grep -qx "bidsim_DIR:PATH=$P/lib/cmake/bidsim" "$tmp/ex/CMakeCache.txt" ||
  fail "find_package(bidsim) did not use the installed prefix: $(grep bidsim_DIR "$tmp/ex/CMakeCache.txt")"
cmake --build "$tmp/ex" >"$tmp/exb.log" 2>&1 || { cat "$tmp/exb.log"; fail "building examples/c_market"; }
(cd "$tmp" && ./ex/c_market) >"$tmp/ex.out" || { cat "$tmp/ex.out"; fail "c_market exited $?"; }

# Each auction's slots as "plan bid price" lines, and the cap line; the
# values are computed by hand in c_market.c's comments (GSP: min(bid, next
# score / quality rounded up to li + 0.01); VCG with examination 1, 1/2,
# 1/3; first price = bid; the 100-yuan cap crossed by the 74th 1.36 click).
expect_block() {   # header, then the slot lines that must follow it in order
  local header="$1"; shift
  local got
  got=$(awk -v h="$header" '$0 == h {on = 1; next} on && /^  slot/ {print; next} on {exit}' "$tmp/ex.out" |
        sed 's/  */ /g')
  local want_lines
  want_lines=$(printf ' %s\n' "$@")
  [ "$got" = "$want_lines" ] || { cat "$tmp/ex.out"; fail "after '$header': got
$got
wanted
$want_lines"; }
}
expect_block "gsp auction, ordinary user, home:" \
  "slot 1 Acme daily bid 1.20 price 1.135" "slot 2 Bright search bid 1.50 price 1.36" \
  "slot 3 Cosy starter bid 0.90 price 0.10"
expect_block "gsp auction, shop user, home:" \
  "slot 1 Acme daily bid 2.40 price 1.36" "slot 2 Bright search bid 1.80 price 1.51" \
  "slot 3 Cosy starter bid 1.00 price 0.10"
expect_block "gsp auction, ordinary user, kitchen:" "slot 1 Acme daily bid 1.20 price 0.10"
expect_block "vcg auction, ordinary user, home:" \
  "slot 1 Acme daily bid 1.20 price 0.765" "slot 2 Bright search bid 1.50 price 0.517" \
  "slot 3 Cosy starter bid 0.90 price 0.10"
expect_block "first auction, ordinary user, home:" \
  "slot 1 Acme daily bid 1.20 price 1.20" "slot 2 Bright search bid 1.50 price 1.50" \
  "slot 3 Cosy starter bid 0.90 price 0.90"
grep -qx "Bright search capped after 74 clicks: spent 100.64 of 100.00 yuan (over by 0.64)" "$tmp/ex.out" ||
  { cat "$tmp/ex.out"; fail "the cap line"; }
# after the cap: Bright search is out until midnight, then back
awk '/^Bright search capped/ {on = 1; next} on && /^gsp auction/ {h = 1; next} h && /^  slot/ {print} h && !/^  slot/ && !/^gsp/ {exit}' \
  "$tmp/ex.out" | sed 's/  */ /g' >"$tmp/after_cap"
printf ' %s\n' "slot 1 Acme daily bid 1.20 price 1.023" "slot 2 Cosy starter bid 0.90 price 0.10" | cmp -s - "$tmp/after_cap" ||
  { cat "$tmp/ex.out"; fail "the auction after the cap stop"; }
awk '/^next day:/ {on = 1; next} on && /^  slot/ {print}' "$tmp/ex.out" | sed 's/  */ /g' >"$tmp/next_day"
printf ' %s\n' "slot 1 Acme daily bid 1.20 price 1.135" "slot 2 Bright search bid 1.50 price 1.36" \
  "slot 3 Cosy starter bid 0.90 price 0.10" | cmp -s - "$tmp/next_day" || { cat "$tmp/ex.out"; fail "the next day's auction"; }
# the rule refusals name the rule's code
grep -q "^  refused rug 1003 in Acme daily: .*(product historical sales below 500 units)$" "$tmp/ex.out" ||
  { cat "$tmp/ex.out"; fail "the sales-rule refusal"; }
grep -q "^  refused Cosy starter shop bid 0.95: .*(segment bid outside 110%-400% of the base bid)$" "$tmp/ex.out" ||
  { cat "$tmp/ex.out"; fail "the premium-rule refusal"; }

# ---- the installed command, outside the tree, with a clean environment ------
mkdir -p "$tmp/work"
cd "$tmp/work"
run() { env -i PATH=/usr/bin:/bin HOME="$tmp/work" "$@"; }
run "$P/bin/bidsim" run "$P/share/bidsim/scenarios/pdd_baseline.yaml" -o r.h5 --days 1 --replicates 1 --quiet \
  >/dev/null || fail "installed bidsim run"
# an interpreter wrapper records which script the installed binary chose
cat > "$tmp/py" <<SH
#!/bin/sh
echo "\$1" > "$tmp/script_used"
exec /usr/bin/python3 "\$@"
SH
chmod +x "$tmp/py"
run BIDSIM_PYTHON="$tmp/py" "$P/bin/bidsim" plot r.h5 -o fig >"$tmp/plot.out" 2>&1 ||
  { cat "$tmp/plot.out"; fail "installed bidsim plot"; }
[ "$(cat "$tmp/script_used")" = "$P/share/bidsim/plot.py" ] ||
  fail "plot ran $(cat "$tmp/script_used"), not the prefix's share/bidsim/plot.py"
for png in cumulative_spend hourly_exposures cap_hit_times roi_cpc; do
  head -c 8 "fig/$png.png" | od -An -tx1 | tr -d ' \n' | grep -qx 89504e470d0a1a0a || fail "fig/$png.png is not a PNG"
done

# BIDSIM_PLOT_SCRIPT overrides the lookup; a missing one is named
cat > "$tmp/fake_plot.py" <<'PY'
import sys
open(sys.argv[3] + ".fake", "w").write(" ".join(sys.argv[1:]))
PY
run BIDSIM_PLOT_SCRIPT="$tmp/fake_plot.py" "$P/bin/bidsim" plot r.h5 -o fake >/dev/null 2>&1 || fail "plot with BIDSIM_PLOT_SCRIPT"
grep -q "^r.h5 -o fake " fake.fake || fail "BIDSIM_PLOT_SCRIPT was not the script run"
rc=0
run BIDSIM_PLOT_SCRIPT="$tmp/nowhere.py" "$P/bin/bidsim" plot r.h5 -o x 2>"$tmp/err" || rc=$?
[ $rc -eq 1 ] && grep -q "nowhere.py" "$tmp/err" || { cat "$tmp/err"; fail "a missing BIDSIM_PLOT_SCRIPT: exit $rc"; }
# a binary without its share/ says where it looked
mkdir -p "$tmp/lonely/bin" && cp "$P/bin/bidsim" "$tmp/lonely/bin/"
rc=0
run "$tmp/lonely/bin/bidsim" plot r.h5 -o x 2>"$tmp/err" || rc=$?
[ $rc -eq 1 ] && grep -q "share/bidsim/plot.py" "$tmp/err" && grep -q BIDSIM_PLOT_SCRIPT "$tmp/err" ||
  { cat "$tmp/err"; fail "plot without an installed script: exit $rc"; }
# and --help documents the variable and the lookup
run "$P/bin/bidsim" plot --help | grep -q "BIDSIM_PLOT_SCRIPT" || fail "plot --help does not document BIDSIM_PLOT_SCRIPT"
run "$P/bin/bidsim" plot --help | grep -q "share/bidsim/plot.py" || fail "plot --help does not say where the script is found"
# ---- the Python package, installed beside the command -----------------------
py_on=$(sed -n 's/^BIDSIM_PYTHON:BOOL=//p' "$BUILD/CMakeCache.txt")
if [ "$py_on" = ON ]; then
  pydir=$(sed -n 's/^BIDSIM_PYTHON_INSTALL_DIR:STRING=//p' "$BUILD/CMakeCache.txt")
  pkg="$P/$pydir/bidsim"
  for f in __init__.py _command.py _config.py env.py results.py; do
    [ -f "$pkg/$f" ] || fail "the Python package lacks $f (in $pydir)"
  done
  ls "$pkg"/_bidsim*.so >/dev/null 2>&1 || fail "the Python package lacks its extension _bidsim*.so"
  if grep -rF -e "$SRC" -e "$BUILD" "$pkg"/*.py; then fail "the installed Python package holds a path into the tree (above)"; fi
  if [ "${BIDSIM_SANITIZE:-OFF}" = ON ]; then
    # a sanitized extension needs the sanitizer runtime preloaded into the interpreter
    echo "note: sanitized build: importing the installed Python package is skipped"
  else
    objcopy --strip-debug "$pkg"/_bidsim*.so "$tmp/ext.nodebug"
    if strings "$tmp/ext.nodebug" | grep -F -e "$SRC" -e "$BUILD"; then
      fail "the installed extension holds a path into the source or build tree (above)"
    fi
    # imported from the prefix alone, run, read, and reported through the prefix's own command
    run PYTHONPATH="$P/$pydir" /usr/bin/python3 - "$P" >"$tmp/py.out" 2>&1 <<'PY' || { cat "$tmp/py.out"; fail "the installed Python package"; }
import os, sys
import bidsim
prefix = sys.argv[1]
assert bidsim.__file__.startswith(prefix), bidsim.__file__
from bidsim import _command as r
assert os.path.realpath(r.command()) == os.path.realpath(os.path.join(prefix, "bin", "bidsim")), r.command()
sc = bidsim.load(os.path.join(prefix, "share/bidsim/scenarios/pdd_baseline.yaml"), days=1, replicates=2)
sc.run("py.h5", threads=1)
df = bidsim.report("py.h5")
spend = bidsim.open("py.h5", group="plan_segment").spend.sum("segment").mean(["replicate", "day"])
for _, row in df.iterrows():
    assert abs(spend.sel(variant=row["variant"], plan=row["name"]).item() - row["spend_yuan"]) < 1e-9
print("ok", len(df))
PY
    grep -q "^ok 3$" "$tmp/py.out" || { cat "$tmp/py.out"; fail "the installed Python package's report"; }
    # the same file as the installed command's
    run "$P/bin/bidsim" run "$P/share/bidsim/scenarios/pdd_baseline.yaml" -o cli.h5 --days 1 --replicates 2 --threads 1 --quiet
    run PYTHONPATH="$P/$pydir" /usr/bin/python3 -c "import bidsim; bidsim.load('$P/share/bidsim/scenarios/pdd_baseline.yaml', days=1, replicates=2).run('py2.h5', threads=1)"
    cmp cli.h5 py2.h5 || fail "the installed package's run differs from the installed command's"
  fi
fi
echo "ok: installed package, find_package, examples/c_market, run and plot from $P"
