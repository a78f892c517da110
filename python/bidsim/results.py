"""bidsim.open: a result file as xarray Datasets, one per group, with
labelled coordinates and money in yuan.

A result file (format 3) is a netCDF-4 file: each group carries a
coordinate for every dimension its datasets use, labels are UTF-8 char
arrays and money is int64 li with CF's scale_factor 0.001, so xarray's
h5netcdf engine decodes it as it stands (docs/output-format.md). On top,
open() adds what a user slices by: the plan's shop, listed flag and cap
along plan, the product's shop and advertising plan along product, and a
sweep's keys along variant. An unlimited cap is inf (the file's fill value
decodes to NaN, which would read as "unknown"); a cap not reached that day
(cap_hit_s) stays NaN."""
import numpy as np

GROUPS = ("plan_segment", "plan_hour", "plan_slot", "product", "plan", "traffic", "variant", "market")


def _text(a):
    return np.array([x.decode("utf-8") if isinstance(x, bytes) else str(x) for x in a], dtype=object)


def _group(path, group):
    import xarray as xr
    with xr.open_dataset(path, group=group, engine="h5netcdf") as ds:
        ds = ds.load()
    for name in ("cap",):   # an unlimited cap: inf, not the fill value's NaN
        if name in ds.variables:
            ds[name] = ds[name].fillna(np.inf)
    return ds


def _labels(plan, product, variant):
    """Coordinates the other groups get: along plan, product and variant."""
    along = {"plan": {}, "product": {}, "variant": {}}
    for src in ("shop", "listed", "cap"):
        if src in plan.variables:
            along["plan"][src] = ("plan", plan[src].values)
    if product is not None:
        if "shop" in product.variables:
            along["product"]["shop"] = ("product", product["shop"].values)
        if "plan_index" in product.variables:   # the advertising plan's name, "" for none
            plans = plan["plan"].values
            along["product"]["plan_name"] = ("product", np.array(
                [plans[i] if i < len(plans) else "" for i in product["plan_index"].values], dtype=object))
    if variant is not None and "sweep_value" in variant.variables:
        keys = _text(variant["sweep_key"].values)
        vals = variant["sweep_value"].values
        for k, key in enumerate(keys):
            col = _text(vals[:, k])
            try:
                col = col.astype(np.float64)
            except ValueError:
                pass
            along["variant"][key] = ("variant", col)
    return along


def open(path, group=None):
    """The result file at path as xarray: {group: Dataset} for the groups
    plan_segment, plan_hour, plan_slot, product, plan, traffic, variant and
    market, or the one Dataset of group. Money in yuan (spend, order_value,
    cap: inf = unlimited); coordinates variant, replicate, day (dates),
    hour, segment, slot, plan (with its shop, listed, cap), product (with
    shop and plan_name), and a sweep's keys along variant. Raises
    bidsim.ResultError for a file that is not a bidsim result."""
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
        version = int(f.attrs.get("format_version", 0))
        if version != 3:
            raise ResultError(f"{path}: format version {version}; this bidsim reads version 3 "
                              "(rerun the scenario to rewrite it)", code="EFORMAT")
        if group is not None and group not in GROUPS:
            raise ValueError(f"group must be one of {', '.join(GROUPS)}, got {group!r}")
        present = [g for g in GROUPS if g in f]
        attrs = {k: (v.decode() if isinstance(v, bytes) else v.item() if hasattr(v, "item") else v)
                 for k, v in f.attrs.items()}
    plan = _group(path, "plan")
    along = _labels(plan, _group(path, "product") if "product" in present else None,
                    _group(path, "variant") if "variant" in present else None)
    out = {}
    for g in ([group] if group else present):
        ds = plan if g == "plan" else _group(path, g)
        extra = {k: v for dim, labels in along.items() if dim in ds.dims
                 for k, v in labels.items() if k not in ds.variables}
        ds = ds.assign_coords(extra)
        ds.attrs.update(attrs)
        ds.attrs["group"] = g
        out[g] = ds
    return out[group] if group else out
