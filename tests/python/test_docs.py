"""docs/python.md's snippets, run in order in one namespace from a folder
holding the repository's scenarios/ and examples/: a block whose first line
is "# file: NAME" is written to NAME instead; the shell block that imports
the build tree's package runs with this build's path."""
import os
import re
import subprocess

from conftest import BUILD, ROOT

BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)


def blocks():
    text = open(os.path.join(ROOT, "docs", "python.md")).read()
    return [(m[1], m[2]) for m in BLOCK.finditer(text)]


def test_every_snippet_runs(tmp_path, monkeypatch):
    for d in ("scenarios", "examples"):
        os.symlink(os.path.join(ROOT, d), tmp_path / d)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))   # the page's own module (pacing.py), as a scenario beside it finds it
    ns, ran, files = {"__name__": "__docs__"}, 0, 0
    for lang, code in blocks():
        first = code.split("\n", 1)[0]
        if first.startswith("# file: "):
            (tmp_path / first[len("# file: "):].strip()).write_text(code)
            files += 1
        elif lang == "python":
            exec(compile(code, f"docs/python.md block {ran + 1}", "exec"), ns)
            ran += 1
        elif lang == "sh" and code.startswith("PYTHONPATH=build/python"):
            cmd = code.replace("PYTHONPATH=build/python", f"PYTHONPATH={os.path.join(BUILD, 'python')}", 1)
            p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
            assert p.returncode == 0 and p.stdout.strip(), p.stderr
    assert ran >= 12 and files == 2
    # what the page says it shows
    assert os.path.exists("out/baseline.h5") and os.path.exists("out/landscape.h5")
    assert ns["curve"].exposures.is_monotonic_increasing
    assert ns["total"] > 0
    assert ns["learned_scores"]["A1"] > ns["pid_scores"]["A1"]   # the trained agent beats its PID
    assert ns["learned_scores"]["A2"] < ns["pid_scores"]["A2"]   # and its rival in the home category loses
