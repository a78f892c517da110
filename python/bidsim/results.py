"""bidsim.open: a result file as xarray Datasets, one per group, with the
file's dimension scales as labelled coordinates and money in yuan.

Read generically from the file's own description: every dataset with
dimension scales attached becomes a data variable over those dimensions
(named by the scales: variant, replicate, day, hour, segment, plan,
product), a 1-D label dataset of /plan or /product becomes a coordinate
along its dimension, and a dataset whose units are li becomes yuan (divided
by 1000, "_li" dropped from its name, exact for every amount below 2^53
li). docs/output-format.md lists the datasets."""
import numpy as np

GROUPS = ("plan_segment", "plan_hour", "product", "plan", "traffic", "variant")
_LI_PER_YUAN = 1000.0
_UNLIMITED = np.iinfo(np.int64).max


def _text(a):
    return np.array([x.decode("utf-8") if isinstance(x, bytes) else str(x) for x in a], dtype=object)


def _values(ds):
    """A dataset's values, and its name and attributes once money is yuan."""
    name = ds.name.rsplit("/", 1)[-1]
    v = ds[()]
    attrs = {k: (x.decode() if isinstance(x, bytes) else x) for k, x in ds.attrs.items()
             if k not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME")}
    if v.dtype.kind == "S":
        return name, _text(v), attrs
    if name.endswith("_li") and str(attrs.get("units", "")).startswith("li"):
        y = v.astype(np.float64) / _LI_PER_YUAN
        y[v == _UNLIMITED] = np.inf   # an unlimited cap
        attrs["units"] = "yuan" + (" (inf = unlimited)" if (v == _UNLIMITED).any() else "")
        return name[:-3], y, attrs
    return name, v, attrs


def _dims(f, ds):
    refs = ds.attrs.get("DIMENSION_LIST")
    if refs is None:
        return None
    return [f[r[0]].name.rsplit("/", 1)[-1] if len(r) else f"dim_{i}" for i, r in enumerate(refs)]


def _coords(f):
    """Coordinates of every dimension scale, and the labels along plan and product."""
    c = {}
    for name, s in f["scales"].items():
        _, v, _ = _values(s)
        if name == "day":
            v = np.array(v, dtype="datetime64[D]").astype("datetime64[ns]")
        c[name] = (name, v)
    if "variant" in f and "sweep_keys" in f["variant"]:   # a sweep: each swept key along variant
        keys = _text(f["variant/sweep_keys"][()])
        vals = f["variant/sweep_values"][()]
        for k, key in enumerate(keys):
            col = _text(vals[:, k])
            try:
                col = col.astype(np.float64)
            except ValueError:
                pass
            c[key] = ("variant", col)
    along = {"plan": {"shop": "shop", "listed": "listed", "cap_li": "cap"},
             "product": {"name": "product_name", "shop": "shop", "plan": "plan"}}
    labels = {}
    for group, names in along.items():
        for src, dst in names.items():
            if group in f and src in f[group]:
                _, v, _ = _values(f[group][src])
                if group == "product" and src == "plan":   # the advertising plan's name, "" for none
                    plans = c["plan"][1]
                    v = np.array([plans[i] if i < len(plans) else "" for i in v], dtype=object)
                labels.setdefault(group, {})[dst] = (group, v)
    return c, labels


def _dataset(f, group, coords, labels):
    import xarray as xr
    data = {}
    for ds in f[group].values():
        dims = _dims(f, ds)
        if dims is None:
            continue
        name, v, attrs = _values(ds)
        data[name] = (dims, v, attrs)
    used = {d for dims, _, _ in data.values() for d in dims}
    c = {k: v for k, v in coords.items() if v[0] in used}
    for dim in ("plan", "product"):
        if dim in used:   # a label a group also holds as data (the variants' cap) stays data
            c.update({k: v for k, v in labels.get(dim, {}).items() if k not in data})
    return xr.Dataset(data, coords=c)


def open(path, group=None):
    """The result file at path as xarray: {group: Dataset} for the groups
    plan_segment, plan_hour, product, plan, traffic and variant, or the one
    Dataset of group. Money in yuan (spend, order_value, cap: inf =
    unlimited); coordinates variant, replicate, day (dates), hour, segment,
    plan (with its shop, listed, cap), product (with product_name, shop,
    plan), and a sweep's keys along variant. Raises bidsim.ResultError for a
    file that is not a bidsim result."""
    import h5py
    from ._errors import ResultError
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ResultError(f"{path}: cannot open as HDF5 ({e})", code="EFORMAT") from None
    with f:
        fmt = f.attrs.get("format")
        if (fmt.decode() if isinstance(fmt, bytes) else fmt) != "bidsim-result":
            raise ResultError(f"{path}: not a bidsim result file", code="EFORMAT")
        if group is not None and group not in GROUPS:
            raise ValueError(f"group must be one of {', '.join(GROUPS)}, got {group!r}")
        coords, labels = _coords(f)
        attrs = {k: (v.decode() if isinstance(v, bytes) else v.item() if hasattr(v, "item") else v)
                 for k, v in f.attrs.items()}
        out = {}
        for g in ([group] if group else [g for g in GROUPS if g in f]):
            out[g] = _dataset(f, g, coords, labels)
            out[g].attrs.update(attrs)
            out[g].attrs["group"] = g
    return out[group] if group else out
