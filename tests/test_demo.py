"""The demo of `make demo` runs and agrees with the NumPy figures it prints beside its own."""

import re
import runpy
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo.py"


def test_demo_runs_and_matches_numpy(capsys):
    runpy.run_path(str(DEMO), run_name="__main__")
    out = capsys.readouterr().out
    pairs = re.findall(r"(-?\d+\.\d+) \((?:NumPy|NumPy loop): (-?\d+\.\d+)\)", out)
    assert len(pairs) == 2, out
    for got, expected in pairs:
        assert got == expected
    final = re.search(r"after 200 gradient steps: loss (\d+\.\d+)", out)
    assert final is not None and float(final.group(1)) < 0.3  # training lowered the loss from log(2)
