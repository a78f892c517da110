"""tests/tools/resultfile.py - what the Python checkers need to read a
bidsim result file (format 3) with h5py: labels are netCDF char arrays
(rows of bytes, UTF-8), money is li with CF's scale_factor (xarray and
netCDF apply it; h5py gives the exact integers). The checkers import it
with tests/tools on sys.path."""
import numpy as np


def labels(ds):
    """The strings of a char-array dataset (one per row of its last axis)."""
    a = np.asarray(ds[()])
    if a.dtype.kind != "S":
        raise TypeError("%s is not a char array" % ds.name)
    return [b"".join(row).decode() for row in a.reshape(-1, a.shape[-1])]


def yuan(ds, index=()):
    """Money as yuan: the stored li times the dataset's scale_factor."""
    return ds[index] * float(ds.attrs["scale_factor"])
