#!/usr/bin/env python3
"""Hashes of every dataset of a result file, for the golden test.

    golden.py RESULT.h5 HASHES            compare; exit 1 listing what differs
    golden.py RESULT.h5 HASHES --update   rewrite HASHES from RESULT.h5

One line per dataset: path, shape, sha256 of its values (integers as
little-endian int64, floats as little-endian float64, strings as UTF-8
joined by NUL; a char array of labels, format 3's strings, as its rows'
strings), so the hash depends on the values only, not on the file's
layout, chunking, compression or checksums. The char arrays' byte
dimensions (NAME_strlen, netCDF's dimensions without a variable) are
layout and are left out."""
import hashlib
import sys

import h5py
import numpy as np


def digest(ds):
    a = ds[()]
    if a.dtype.kind == "S" and a.dtype.itemsize == 1 and a.ndim >= 2:   # a char array: one label per row
        rows = a.reshape(-1, a.shape[-1])
        return hashlib.sha256("\0".join(b"".join(r).decode() for r in rows).encode()).hexdigest()
    if a.dtype.kind in "SUO":
        flat = [x.decode() if isinstance(x, bytes) else str(x) for x in np.asarray(a).ravel()]
        return hashlib.sha256("\0".join(flat).encode()).hexdigest()
    if a.dtype.kind in "iub":
        return hashlib.sha256(np.ascontiguousarray(a, dtype="<i8").tobytes()).hexdigest()
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f8").tobytes()).hexdigest()


def table(path):
    rows = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.endswith("_strlen"):
                shape = obj.shape[:-1] if obj.dtype.kind == "S" and obj.dtype.itemsize == 1 and obj.ndim >= 2 else obj.shape
                rows[name] = "%s %s" % ("x".join(map(str, shape)) or "scalar", digest(obj))
        f.visititems(visit)
    return rows


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "--update"):
        print(__doc__, file=sys.stderr)
        return 2
    got = table(argv[1])
    if len(argv) == 4:
        with open(argv[2], "w") as out:
            for k in sorted(got):
                out.write("%s %s\n" % (k, got[k]))
        print("golden: wrote %d hashes to %s" % (len(got), argv[2]))
        return 0
    want = {}
    for line in open(argv[2]):
        k, v = line.rstrip("\n").split(" ", 1)
        want[k] = v
    bad = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
    for k in bad:
        print("golden: %s: %s (expected %s)" % (k, got.get(k, "missing"), want.get(k, "absent")))
    if bad:
        print("golden: %d of %d datasets differ; if the change is meant, update with "
              "tests/tools/golden.py RESULT.h5 %s --update and say why in the commit" % (len(bad), len(want), argv[2]))
        return 1
    print("golden: all %d datasets match" % len(want))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
