"""bidsim.report and bidsim.compare: the command's own tables as pandas
DataFrames. They run `bidsim report|compare FILE --format csv` with the
keyword arguments as its options, so there is one implementation of every
figure, cut and filter - a cut or filter the command gains is a keyword
here at once (report(path, by="day", plan="Kitchen") is `--by day --plan
Kitchen`). Money in yuan, rates as fractions, as in the command's CSV."""
import io
import os
import subprocess

from ._errors import ResultError

# options whose value is a comma-separated list in the command
_LISTS = {"by", "stats"}


def command():
    """The bidsim command these call: $BIDSIM_COMMAND, else the one built or
    installed with this package."""
    exe = os.environ.get("BIDSIM_COMMAND")
    if exe:
        return exe
    from ._config import BIDSIM_COMMAND
    return BIDSIM_COMMAND


def _args(options):
    args = []
    for key, value in options.items():
        flag = "--" + key.rstrip("_").replace("_", "-")   # all_ -> --all
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            if key in _LISTS:
                args += [flag, ",".join(map(str, value))]
            else:
                for v in value:   # a repeatable option: plan=["A", "B"] -> --plan A --plan B
                    args += [flag, str(v)]
        else:
            args += [flag, str(value)]
    return args


def _table(cmd, path, options):
    import pandas as pd
    argv = [command(), cmd, os.fspath(path), "--format", "csv"] + _args(options)
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        msg = p.stderr.strip().splitlines()
        line = msg[-1] if msg else f"exit status {p.returncode}"
        prefix = f"bidsim {cmd}: error: "
        raise ResultError(line[len(prefix):] if line.startswith(prefix) else line)
    return pd.read_csv(io.StringIO(p.stdout), keep_default_na=False, na_values=[""])


def report(path, **options):
    """`bidsim report PATH --format csv` with options as flags: by ("plan",
    "shop", "product", a cut "hour", "day", "segment", "slot", or a list),
    variant, day, days ("F:L"), plan (a name or a list), shop, hourly=True,
    all_=True (competitors too), stats (a list). One row per (variant,
    group, cell): the mean per day over replicates of exposures, clicks,
    spend_yuan, orders, ... with KEY_ci_low, KEY_ci_high and KEY_n (95%
    intervals), exactly the command's numbers. Raises ResultError with the
    command's message when it refuses the file or an option."""
    return _table("report", path, options)


def compare(path, **options):
    """`bidsim compare PATH --format csv` with options as flags (baseline,
    variant, by, summary=True, ...): paired differences between variants
    with their intervals."""
    return _table("compare", path, options)
