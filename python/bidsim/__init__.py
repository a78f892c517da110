"""bidsim: an ad-auction simulator and bid engine, from Python.

The C core does the work, with the speed and the determinism of the
``bidsim`` command; this package is its Python face (docs/python.md):

- ``load(path)`` -> :class:`Scenario`, validated exactly as ``bidsim
  validate``; errors raise :class:`ScenarioError` (file:line:column, key,
  rule). ``Scenario.run(out, ...)`` writes the file ``bidsim run`` writes,
  byte for byte, with Python strategies if asked.
- ``open(path)`` -> xarray Datasets in yuan with labelled coordinates;
  ``report(path, ...)`` and ``compare(path, ...)`` -> pandas DataFrames with
  the command's own numbers.
- Bid strategies in Python: a class with ``update(state)`` returning bids in
  li, named in a scenario (``strategy: {python: "module:Class"}``) or passed
  to ``run(strategies=...)``.
- ``Env`` and ``ParallelEnv``: Gymnasium's and PettingZoo's (parallel) APIs
  over an episode of the simulation, for learning bidders.
"""
import os as _os

from . import _bidsim
from ._bidsim import CAP_UNLIMITED, DAYS_MAX, REPLICATES_MAX, Scenario, StrategyState
from ._errors import Error, ResultError, RunError, ScenarioError, StrategyError
from ._strategies import Changes, Clicks
from .env import Env, ParallelEnv
from ._command import compare, report
from .results import open

__version__ = _bidsim.version

__all__ = ["load", "open", "report", "compare", "Scenario", "StrategyState", "Changes", "Clicks", "Env", "ParallelEnv",
           "Error", "ScenarioError", "StrategyError", "RunError", "ResultError", "CAP_UNLIMITED", "DAYS_MAX",
           "REPLICATES_MAX"]

LI_PER_YUAN = 1000


def load(path, *, seed=None, days=None, replicates=None):
    """Load and validate a scenario file, as ``bidsim validate --load-plugins``
    does (strategy plugins loaded and checked, as a run needs them).

    seed, days and replicates override the file's values exactly as ``bidsim
    run --seed/--days/--replicates`` do (every variant and sweep point gets
    them, checked as the file's values are); ``Scenario.run`` can set them
    too. A ``python: module:Class`` strategy is imported (the scenario's
    folder first on the path) and created once with its parameters, to check
    them. Raises ScenarioError (a ValueError) with the command's message and
    its parts as attributes, FileNotFoundError for a missing file.
    """
    path = _os.fspath(path)
    if not _os.path.exists(path):
        raise FileNotFoundError(2, "no such scenario file", path)
    return _bidsim.load(path, seed=seed, days=days, replicates=replicates)
