"""Checks of `bidsim run`'s closing summary (called by
tests/analysis/test_run_summary.sh with Debian's /usr/bin/python3): one
table per variant, never a sum across variants; every figure the mean that
`bidsim report --format json` gives for that variant and plan, to the
digits shown; columns aligned in display width (a CJK character takes two
columns) and within 80 columns (the file's path aside); a sweep with more rows than the summary
lists shows its first point and points to report and compare.
usage: check_summary.py BIDSIM TMPDIR (with TMPDIR/{base,variants,sweep}.{txt,h5})"""
import json
import os
import re
import subprocess
import sys
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from checks import check, finish  # noqa: E402

BIN, TMP = sys.argv[1:3]
# summary column -> (report JSON key, decimals shown)
COLUMNS = (("exposures", 1), ("clicks", 1), ("spend_yuan", 2), ("orders", 2), ("order_value_yuan", 2), ("roi", 2))
CAP_YUAN = 100  # Capped's cap in every variant of variants.yaml


def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)


def report(h5):
    p = subprocess.run([BIN, "report", h5, "--format", "json"], capture_output=True, text=True)
    check(p.returncode == 0, f"report {h5}: exit {p.returncode}: {p.stderr.strip()}")
    return {(r["variant"], r["name"]): r for r in json.loads(p.stdout or "[]")}


def number(tok):
    return float("nan") if tok == "-" else float(tok.replace(",", ""))


def blocks(lines):
    """(variant title or None, header line, row lines) for each table"""
    out, i = [], 0
    while i < len(lines):
        m = re.match(r'^variant "(.*)" \((\d+) of (\d+)\)$', lines[i])
        title = (m.group(1), int(m.group(2)), int(m.group(3))) if m else None
        j = i + 1 if m else i
        if j < len(lines) and lines[j].split()[:1] == ["plan"]:
            k = j + 1
            while k < len(lines) and lines[k].startswith("  ") and lines[k].strip():
                k += 1
            out.append((title, lines[j], lines[j + 1:k]))
            i = k
        else:
            i += 1
    return out


def check_block(name, variant, header, rows, expected, what):
    check(len(rows) == 2, f"{what}: {len(rows)} plan rows, expected 2")
    for row in rows:
        check(width(row) == width(header), f"{what}: row {row!r} is not aligned with the header")
        check(width(row) <= 80, f"{what}: row {row!r} is wider than 80 columns")
        toks = row.split()
        plan = " ".join(toks[:-len(COLUMNS)])
        exp = expected.get((variant, plan))
        check(exp is not None, f"{what}: no report row for plan {plan!r} of variant {variant!r}")
        if exp is None:
            continue
        for (key, dec), tok in zip(COLUMNS, toks[-len(COLUMNS):]):
            want = exp[key]
            got = number(tok)
            if want is None:
                check(tok == "-", f"{what} {plan} {key}: {tok}, report has none")
            else:
                check(abs(got - want) <= 0.5 * 10 ** -dec + 1e-9,
                      f"{what} {plan} {key}: {tok}, report says {want}")
        if plan == "Capped":
            check(number(toks[-4]) <= CAP_YUAN * 1.1, f"{what}: Capped spends {toks[-4]} a day, cap {CAP_YUAN}")


def read(name):
    with open(os.path.join(TMP, name + ".txt"), encoding="utf-8") as f:
        return f.read().splitlines()


# one variant: one table, no variant titles
lines = read("base")
exp = report(os.path.join(TMP, "base.h5"))
bl = blocks(lines)
check(len(bl) == 1 and bl[0][0] is None, f"single variant: {len(bl)} tables: {lines}")
for title, header, rows in bl:
    check_block("base", "scenario", header, rows, exp, "single variant")

# five variants: five tables, each its own variant's figures
lines = read("variants")
exp = report(os.path.join(TMP, "variants.h5"))
bl = blocks(lines)
names = [t[0][0] for t in bl if t[0]]
check(names == ["current", "lower", "higher", "open_cap", "same"], f"variant tables: {names}; output: {lines}")
for title, header, rows in bl:
    if title:
        check(title[2] == 5, f"variant {title[0]}: 'of {title[2]}', expected 5")
        check_block("variants", title[0], header, rows, exp, f"variant {title[0]}")
check(any("bidsim compare" in line for line in lines), "the summary points to bidsim compare")

# a 21-point sweep: the first point's table and a pointer, not 21 tables
lines = read("sweep")
exp = report(os.path.join(TMP, "sweep.h5"))
bl = blocks(lines)
check(len(bl) == 1 and bl[0][0] is not None and bl[0][0][1:] == (1, 21), f"sweep: tables {[b[0] for b in bl]}")
if bl and bl[0][0]:
    check_block("sweep", bl[0][0][0], bl[0][1], bl[0][2], exp, "sweep point 1")
check(any("20 more variants" in line for line in lines), f"sweep: no '20 more variants' line: {lines}")
check(any("bidsim report" in line and "--variant" in line for line in lines), "sweep: points to report --variant")
# 80 columns, the file's path counted as "OUT.h5"
for name in ("base", "variants", "sweep"):
    for line in read(name):
        short = line.replace(os.path.join(TMP, name + ".h5"), "OUT.h5")
        check(width(short) <= 80, f"{name}: line wider than 80 columns: {line!r}")

finish("run summary")
