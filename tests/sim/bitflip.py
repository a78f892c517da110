#!/usr/bin/env python3
"""Bit-flip harness for result files.

    bitflip.py BIDSIM WORKDIR FLIPS SEED

Writes a small two-variant result, then makes FLIPS copies of it, each with
one bit flipped (half at uniformly drawn bytes of the file, half at bytes
outside the raw data chunks: HDF5's metadata, attributes and labels), from
a fixed SEED. Every copy is given to `report`, `compare`, `merge` and
`run --resume`. Each must either read exactly the undamaged numbers (the
same report, the same comparison, a merged file that reports the same, a
resumed file that reports the same) or refuse with exit status 2 and one
line on stderr. A crash, a hang, another status, or other numbers with
exit 0 fail the harness, naming the byte and bit to reproduce it."""
import os
import random
import shutil
import subprocess
import sys

import h5py

SCENARIO = """\
seed: 9
days: 1
replicates: 2
auction: {slots: 2}
traffic: {impressions_per_day: 4000}
shops: [{name: S, products: [{id: 1, sales: 1000}, {id: 2, sales: 800}]}]
plans:
  - {name: P, shop: S, cap: 100, products: [1], bids: {ordinary: 0.80}}
  - {name: Q, shop: S, products: [2], bids: {ordinary: 0.70}}
market: {plans: 12}
variants: [{name: base}, {name: up, plans: {P: {bids: {ordinary: 1.00, shop: 1.10, similar: 1.10}}}}]
"""
TIMEOUT_S = 60


def run(argv):
    try:
        p = subprocess.run(argv, capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, b"", b"(timed out)"
    return p.returncode, p.stdout, p.stderr


def data_ranges(path):
    """Byte ranges of raw dataset storage (chunks or contiguous data)."""
    ranges = []
    with h5py.File(path, "r") as f:
        def visit(_, obj):
            if not isinstance(obj, h5py.Dataset):
                return
            dsid = obj.id
            if obj.chunks is None:
                off = dsid.get_offset()
                if off is not None:
                    ranges.append((off, off + dsid.get_storage_size()))
                return
            for i in range(dsid.get_num_chunks()):
                c = dsid.get_chunk_info(i)
                ranges.append((c.byte_offset, c.byte_offset + c.size))
        f.visititems(visit)
    return sorted(ranges)


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    bidsim, work, flips, seed = argv[1], argv[2], int(argv[3]), int(argv[4])
    scen = os.path.join(work, "s.yaml")
    ref = os.path.join(work, "ref.h5")
    with open(scen, "w") as f:
        f.write(SCENARIO)
    rc, _, err = run([bidsim, "run", scen, "-o", ref, "-q", "--threads", "1"])
    assert rc == 0, err
    report = [bidsim, "report", None, "--all", "--format", "csv"]
    compare = [bidsim, "compare", None, "--baseline", "base", "--all", "--format", "csv"]

    def numbers(cmd, path):
        c = list(cmd)
        c[2] = path
        return run(c)

    rc1, want_report, e1 = numbers(report, ref)
    rc2, want_compare, e2 = numbers(compare, ref)
    assert rc1 == 0 and rc2 == 0 and want_report and want_compare, (e1, e2)
    data = open(ref, "rb").read()
    raw = data_ranges(ref)
    in_raw = bytearray(len(data))
    for a, b in raw:
        in_raw[a:b] = b"\1" * (b - a)
    outside = [i for i in range(len(data)) if not in_raw[i]]
    rng = random.Random(seed)
    failures = []
    tally = {}

    def judge(name, where, rc, err, same):
        if rc == 2 and err.count(b"\n") == 1:
            tally[name + " refused"] = tally.get(name + " refused", 0) + 1
            return
        if rc == 0 and same():
            tally[name + " same"] = tally.get(name + " same", 0) + 1
            return
        what = "timed out" if rc is None else "exit %s" % rc
        if rc == 0:
            what += " with other numbers"
        failures.append("%s: %s, %s: %s" % (where, name, what, err.decode(errors="replace").strip()[:300]))

    for i in range(flips):
        pos = rng.randrange(len(data)) if i % 2 == 0 else rng.choice(outside)
        bit = rng.randrange(8)
        where = "byte %d bit %d (%s)" % (pos, bit, "data" if in_raw[pos] else "metadata")
        bad = bytearray(data)
        bad[pos] ^= 1 << bit
        dmg = os.path.join(work, "d.h5")
        with open(dmg, "wb") as f:
            f.write(bad)

        rc, out, err = numbers(report, dmg)
        judge("report", where, rc, err, lambda: out == want_report)
        rc, out, err = numbers(compare, dmg)
        judge("compare", where, rc, err, lambda: out == want_compare)

        merged = os.path.join(work, "m.h5")
        if os.path.exists(merged):
            os.remove(merged)
        rc, _, err = run([bidsim, "merge", dmg, "-o", merged])
        if rc == 2 and os.path.exists(merged):
            failures.append("%s: merge refused but left %s" % (where, merged))
        judge("merge", where, rc, err, lambda: numbers(report, merged)[1] == want_report)

        rc, _, err = run([bidsim, "run", scen, "-o", dmg, "--resume", "-q", "--threads", "1"])
        # --resume either finds the file complete (it must then read as the
        # original) or, finding it damaged, runs again: the same numbers
        judge("run --resume", where, rc, b"" if rc == 0 else err, lambda: numbers(report, dmg)[1] == want_report)
        shutil.rmtree(dmg + ".units", ignore_errors=True)

    for k in sorted(tally):
        print("bitflip: %-22s %d" % (k, tally[k]))
    for f in failures[:40]:
        print("FAIL:", f)
    if failures:
        print("bitflip: %d failure(s) in %d flips (seed %d)" % (len(failures), flips, seed))
        return 1
    print("bitflip: %d flips of a %d-byte file (%d outside the data chunks): every copy read the same or was "
          "refused with exit 2" % (flips, len(data), len(outside)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
