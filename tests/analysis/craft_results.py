"""Crafted result files that the writer never makes but the reader opens,
for tests/analysis/test_crafted.sh: each is a copy of a real result with one
thing changed through h5py, keeping every dataset's chunking, filters and
attributes. Run with Debian's /usr/bin/python3.
usage: craft_results.py SRC.h5 DIR   (writes DIR/{huge_replicates,float_nan,
negative,cap_hit_bad}.h5)"""
import os
import shutil
import sys

import h5py
import numpy as np

REPLICATES = 1 << 28   # a file that claims 2^28 replicates, none of them written
SCALE_LINKS = ("DIMENSION_LIST", "REFERENCE_LIST")   # refer to datasets by address: not copied


def recreate(f, path, shape=None, dtype=None, data=None, fill=None, chunks=None):
    """Replace dataset `path` with one of another shape, type or content but
    the old one's chunking, compression, checksum filter and attributes."""
    old = f[path]
    attrs = {k: v for k, v in old.attrs.items() if k not in SCALE_LINKS}
    kw = dict(compression=old.compression, compression_opts=old.compression_opts, shuffle=old.shuffle,
              fletcher32=old.fletcher32)
    shape = shape if shape is not None else (data.shape if data is not None else old.shape)
    chunks = chunks or old.chunks
    if chunks is None and data is None:   # a contiguous vector made huge: chunk it so it costs nothing
        chunks = (min(shape[0], 1 << 20),) + tuple(shape[1:])
    if chunks is None:
        kw = {}
    dtype = dtype or (data.dtype if data is not None else old.dtype)
    fill = fill if fill is not None else old.fillvalue
    del f[path]
    new = f.create_dataset(path, shape=shape, dtype=dtype, data=data, chunks=chunks, fillvalue=fill, **kw)
    for k, v in attrs.items():
        new.attrs[k] = v


def copy(src, out_dir, name):
    dst = os.path.join(out_dir, name + ".h5")
    shutil.copyfile(src, dst)
    return dst


def huge_replicates(src, out_dir):
    """Every (variant, replicate, ...) dataset and the replicate scale sized
    for 2^28 replicates; unwritten chunks read as the fill value, so the
    file stays small and the reader accepts it."""
    with h5py.File(copy(src, out_dir, "huge_replicates"), "r+") as f:
        v, r = f["variant/units_done"].shape
        paths = []
        f.visititems(lambda p, o: paths.append(p) if isinstance(o, h5py.Dataset) and o.shape[:2] == (v, r)
                     and o.ndim >= 2 else None)
        for p in paths:
            old = f[p]
            shape = (v, REPLICATES) + old.shape[2:]
            if p == "variant/units_done":
                recreate(f, p, shape=shape, fill=1, chunks=(1, 1 << 20))
            else:
                recreate(f, p, shape=shape)
        recreate(f, "variant/replicate", shape=(REPLICATES,))


def float_nan(src, out_dir):
    """spend_li of /plan_segment stored as float64 with a NaN, an infinity
    and 1e30 (the reader converts them to int64 for the C side)."""
    with h5py.File(copy(src, out_dir, "float_nan"), "r+") as f:
        a = f["plan_segment/spend"][...].astype(np.float64)
        a[0, 0, 0, 0, 0], a[0, 1, 0, 0, 0], a[0, 2, 0, 0, 0] = np.nan, np.inf, 1e30
        recreate(f, "plan_segment/spend", data=a)
        b = f["plan_hour/spend"][...].astype(np.float64)
        b[0, 0, 0, 12, 0] = np.nan
        recreate(f, "plan_hour/spend", data=b)


def negative(src, out_dir):
    """a negative click count in plan 0's first cell, written in place"""
    with h5py.File(copy(src, out_dir, "negative"), "r+") as f:
        for g in ("plan_segment", "plan_hour"):
            d = f[g + "/clicks"]
            a = d[0, 0, 0]
            a.flat[0] = -5
            d[0, 0, 0] = a


def cap_hit_bad(src, out_dir):
    """a cap hit at 90,000 s, past the end of the day"""
    with h5py.File(copy(src, out_dir, "cap_hit_bad"), "r+") as f:
        d = f["plan/cap_hit_s"]
        a = d[0, 0, 0]
        a[0] = 90000
        d[0, 0, 0] = a


if __name__ == "__main__":
    src, out_dir = sys.argv[1:3]
    for make in (huge_replicates, float_nan, negative, cap_hit_bad):
        make(src, out_dir)
