"""How Python strategies reach the C core (python/strategy.c): a factory per
setting that makes a fresh instance for each unit (variant, replicate), so
units never share a strategy's state and a run's result does not depend on
its thread count."""
import copy
import functools
import importlib
import os
import sys
from collections import namedtuple

Clicks = namedtuple("Clicks", "i price_li converted order_value_li")
Clicks.__doc__ = """The clicks since the last update, for on_clicks(clicks): arrays in click
order - i (the plan, in state.names' order), price_li (charged), converted
(bool), order_value_li (0 without an order)."""


Changes = namedtuple("Changes", "i bid_li participation", defaults=(None, None))
Changes.__doc__ = """What update may return to change only some plans: i, their indices in
state.names' order; bid_li, their new bids ((len(i), 3), li) or None;
participation, a number or (len(i),) or None. The other plans keep the
bids in force. For batches of thousands of plans of which a period moves
a few, it spares building and reading every plan's row."""


def _params(keys, values):
    """The loader's parameters ("hours.3" for item 3 of the list hours) as
    keyword arguments: numbers, and lists of numbers."""
    out, lists = {}, {}
    for k, v in zip(keys, values):
        name, dot, index = k.rpartition(".")
        if dot and index.isdigit():
            lists.setdefault(name, {})[int(index)] = v
        else:
            out[k] = v
    for name, items in lists.items():
        out[name] = [items[i] for i in sorted(items)]
    return out


def _import(module, folder):
    """Import module with the scenario's folder first on sys.path."""
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        return importlib.import_module(module)
    finally:
        if added:
            sys.path.remove(folder)


def resolve(spec, keys, values, scenario_path):
    """`python: "module:Class"` with its parameters -> the factory. The class
    is created once here so that a bad parameter is an error at load."""
    module, colon, name = spec.partition(":")
    if not colon or not module or not name:
        raise ValueError(f"expected module:Class, got {spec!r}")
    obj = _import(module, os.path.dirname(os.path.abspath(scenario_path)))
    for part in name.split("."):
        obj = getattr(obj, part)
    params = _params(keys, values)
    check = obj(**params)
    if not callable(getattr(check, "update", None)):
        raise TypeError(f"{spec} has no update(state) method")
    return functools.partial(obj, **params)


def _spec(obj):
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}:{cls.__qualname__}"


def factories(strategies):
    """run(strategies={plan: strategy}) -> [(plan, factory, spec)]: a class is
    called with no arguments for each unit, an object is deep-copied for
    each unit. One factory per distinct object, so an object given to two
    plans runs both in one instance (one batch)."""
    made, out = {}, []
    for plan, obj in strategies.items():
        if id(obj) not in made:
            if not callable(getattr(obj, "update", None)):
                raise TypeError(f"the strategy for {plan!r} ({obj!r}) has no update(state) method")
            if isinstance(obj, type):
                made[id(obj)] = (obj, _spec(obj))
            else:
                made[id(obj)] = (functools.partial(copy.deepcopy, obj), _spec(obj) + " (object)")
        factory, spec = made[id(obj)]
        out.append((plan, factory, spec))
    return out
