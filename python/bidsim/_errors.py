"""bidsim's exceptions. The C core fills an error record (where, message,
code); make() turns one into the right exception, whose str() is the
message the bidsim command prints after "error: "."""
import re

_POSITION = re.compile(r"^(?P<path>.*?):(?P<line>\d+):(?P<column>\d+)(?:: (?P<key>.*))?$")


class Error(Exception):
    """Every error bidsim raises. code: the C core's code name ("EPREMIUM",
    "EIO", ...), rule: its sentence, message: the details."""

    def __init__(self, text, *, code=None, rule=None, message=None, where=None):
        super().__init__(text)
        self.code = code
        self.rule = rule
        self.message = message if message is not None else text
        self.where = where


class ScenarioError(Error, ValueError):
    """A scenario broke a rule: path, line, column (1-based; None where the
    error has no position) and key (the key path, "plans[0].bids.shop"), as
    in the command's "FILE:LINE:COLUMN: KEY: MESSAGE"."""

    def __init__(self, text, *, path=None, line=None, column=None, key=None, **kw):
        super().__init__(text, **kw)
        self.path, self.line, self.column, self.key = path, line, column, key


class StrategyError(Error, RuntimeError):
    """A Python strategy raised: the run stopped and wrote nothing under its
    output name. The strategy's exception is __cause__, with its traceback."""


class RunError(Error, RuntimeError):
    """A run failed (input/output, HDF5, the unit store, ...)."""


class ResultError(Error, ValueError):
    """A result file, or a report's option, the command refused."""


def make(cls, where, message, code, rule, details=()):
    """details: the error's further lines ("FILE:LINE:COL: key: message",
    e.g. every sweep point that breaks a rule), printed indented below it
    as the command does."""
    text = f"{where}: {message}" if where else message
    text += "".join(f"\n  {d}" for d in details)
    kw = dict(code=code, rule=rule, message=message, where=where or None)
    if cls != "ScenarioError":
        return {"StrategyError": StrategyError, "RunError": RunError, "ResultError": ResultError}[cls](text, **kw)
    m = _POSITION.match(where or "")
    if m:
        return ScenarioError(text, path=m["path"], line=int(m["line"]), column=int(m["column"]), key=m["key"], **kw)
    return ScenarioError(text, path=where or None, **kw)
