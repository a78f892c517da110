"""bidsim.load validates exactly as `bidsim validate --load-plugins` (the
plugins loaded and checked, as a run needs them): every invalid shipped
scenario raises ScenarioError whose text is the command's message
(file:line:column: key: rule and limit) and whose attributes are its parts;
`python:` strategies are imported and checked at load, errors at the key."""
import glob
import os
import re

import pytest

import bidsim
from conftest import ROOT, SCENARIOS

INVALID = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "scenarios", "invalid", "*.yaml")))
PY_ONLY = {"scenarios/invalid/strategy_python_in_cli.yaml"}   # valid in Python but for its missing module


@pytest.mark.parametrize("path", [p for p in INVALID if p not in PY_ONLY])
def test_an_invalid_scenario_raises_the_commands_message(path, bidsim_cmd):
    p = bidsim_cmd("validate", "--load-plugins", path, check=False)
    assert p.returncode == 2
    want = p.stderr.strip()
    assert want.startswith("bidsim validate: error: ")
    with pytest.raises(bidsim.ScenarioError) as e:
        bidsim.load(path)
    assert str(e.value) == want[len("bidsim validate: error: "):]
    assert isinstance(e.value, ValueError)
    m = re.match(r"^(.*?):(\d+):(\d+): ([^:]*): ", str(e.value))
    if m:   # YAML syntax errors have no key path
        assert (e.value.path, e.value.line, e.value.column, e.value.key) == (m[1], int(m[2]), int(m[3]), m[4])
    assert e.value.code.startswith("E") and e.value.rule


def test_the_rule_and_its_code_are_attributes():
    with pytest.raises(bidsim.ScenarioError) as e:
        bidsim.load("scenarios/invalid/premium_301pct.yaml")
    assert e.value.code == "EPREMIUM"
    assert e.value.rule == "segment bid outside 110%-400% of the base bid"
    assert e.value.key == "plans[0].bids.shop"
    assert "maximum 4.00 yuan" in e.value.message


def test_a_missing_file_is_file_not_found():
    with pytest.raises(FileNotFoundError):
        bidsim.load("scenarios/no_such.yaml")


def write(tmp_path, strategy, params="", extra=""):
    text = open(os.path.join(SCENARIOS, "shop.yaml")).read()
    text = text.replace("{name: Home, shop: Acme, cap: 100, products: [1], bids: {ordinary: 1.60, shop: 2.40, "
                        "similar: 1.90}}",
                        "{name: Home, shop: Acme, cap: 100, products: [1], bids: {ordinary: 1.60, shop: 2.40, "
                        f"similar: 1.90}}, strategy: {{python: \"{strategy}\"{params}}}}}")
    p = tmp_path / "s.yaml"
    p.write_text(text + extra)
    (tmp_path / "mystrat.py").write_text(
        "class Good:\n"
        "    def __init__(self, k=1.0, hours=None):\n"
        "        if k <= 0: raise ValueError(f'k must be positive, got {k}')\n"
        "        self.k, self.hours = k, hours\n"
        "    def update(self, st): return None\n"
        "class NoUpdate:\n"
        "    pass\n")
    return str(p)


def test_a_python_strategy_is_imported_from_the_scenarios_folder(tmp_path):
    sc = bidsim.load(write(tmp_path, "mystrat:Good", ", params: {k: 2, hours: [1, 2, 3]}"))
    assert sc.plans[0]["strategy"] == "mystrat:Good"
    assert 'python: "mystrat:Good"' in sc.resolved_yaml
    import mystrat   # the folder was on sys.path only while importing: the module stays imported
    assert mystrat.Good


@pytest.mark.parametrize("spec, params, key, text", [
    ("nomodule:X", "", "plans[0].strategy.python", "ModuleNotFoundError: No module named 'nomodule'"),
    ("mystrat:Missing", "", "plans[0].strategy.python", "AttributeError"),
    ("mystrat", "", "plans[0].strategy.python", "expected module:Class"),
    ("mystrat:NoUpdate", "", "plans[0].strategy.python", "has no update(state) method"),
    ("mystrat:Good", ", params: {k: -1}", "plans[0].strategy.python", "ValueError: k must be positive, got -1.0"),
    ("mystrat:Good", ", params: {j: 1}", "plans[0].strategy.python", "unexpected keyword argument 'j'"),
])
def test_a_python_strategy_that_cannot_be_made_is_refused_at_its_key(tmp_path, spec, params, key, text):
    path = write(tmp_path, spec, params)
    with pytest.raises(bidsim.ScenarioError) as e:
        bidsim.load(path)
    assert e.value.key == key
    assert e.value.line == 20 and e.value.path == path   # the Home plan's line
    assert text in str(e.value)


def test_the_command_refuses_a_python_strategy_and_says_how_to_run_it(tmp_path, bidsim_cmd):
    path = write(tmp_path, "mystrat:Good")
    for cmd in ("validate", "run"):
        args = [cmd, path] + (["-o", tmp_path / "x.h5"] if cmd == "run" else [])
        p = bidsim_cmd(*args, check=False)
        assert p.returncode == 2
        assert "plans[0].strategy.python: a Python strategy runs only inside Python" in p.stderr
        assert f"bidsim.load(\"{path}\").run(out=\"OUT.h5\")" in p.stderr
    assert not (tmp_path / "x.h5").exists()


def test_a_bid_typed_in_fen_warns_as_the_command_does(tmp_path, bidsim_cmd):
    """The loader's warnings (a likely unit mistake that is no error) are
    Python UserWarnings with the command's text after "warning: "."""
    path = tmp_path / "fen.yaml"
    path.write_text("seed: 1\ndays: 1\nreplicates: 1\ntraffic: {impressions_per_day: 100}\n"
                    "shops: [{name: S, products: [{id: 1, sales: 900}]}]\n"
                    "plans: [{name: P, shop: S, products: [1], bids: {ordinary: 50}}]\n"
                    "market: {plans: 20, base_bid: {dist: lognormal, median: 0.80, sigma: 0.5}}\n")
    want = bidsim_cmd("validate", str(path)).stderr.strip()
    assert want.startswith("bidsim validate: warning: ") and "did you mean 0.50?" in want
    with pytest.warns(UserWarning) as w:
        bidsim.load(str(path))
    assert [str(x.message) for x in w] == [want[len("bidsim validate: warning: "):]]
