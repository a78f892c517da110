#!/usr/bin/env python3
"""docs/output-format.md against the result file's table.

    check_output_format.py TOOL DOC [--update]

TOOL (build/tools/output_table) prints the dimension and dataset tables
from sim/output_table.c, which the writer and the reader loop over; the
page holds them between the lines "<!-- output_table: begin -->" and
"<!-- output_table: end -->". Exit 1 naming the first line that differs
(rewrite the section with --update and review the diff)."""
import subprocess
import sys

BEGIN, END = "<!-- output_table: begin -->", "<!-- output_table: end -->"


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "--update"):
        print(__doc__, file=sys.stderr)
        return 2
    want = subprocess.run([argv[1]], check=True, capture_output=True, text=True).stdout.splitlines()
    text = open(argv[2], encoding="utf-8").read().split("\n")
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        print(f"check_output_format: {argv[2]} needs one {BEGIN} ... {END} section")
        return 1
    a, b = text.index(BEGIN), text.index(END)
    got = text[a + 1:b]
    if len(argv) == 4:
        with open(argv[2], "w", encoding="utf-8") as f:
            f.write("\n".join(text[:a + 1] + want + text[b:]))
        print(f"check_output_format: wrote {len(want)} lines into {argv[2]}")
        return 0
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "(nothing)"
        w = want[i] if i < len(want) else "(nothing)"
        if g != w:
            print(f"check_output_format: {argv[2]} line {a + 2 + i} differs from the table in sim/output_table.c:\n"
                  f"  page:  {g}\n  table: {w}\n"
                  f"update with: /usr/bin/python3 tests/docs/check_output_format.py {argv[1]} {argv[2]} --update")
            return 1
    print(f"check_output_format: {argv[2]} lists the {len(want)} lines of the table")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
