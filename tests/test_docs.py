"""Every ```python block of docs/*.md runs, on its own, as a reader would paste it.

Each block runs in a fresh interpreter (a block may register an op, a rule or
a lowering, which must not leak into the other tests).  A block that is not
meant to run is fenced as ```text.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        text = path.read_text()
        for match in _BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((path.relative_to(ROOT).as_posix(), line, match.group(1)))
    return found


BLOCKS = _blocks()


@pytest.mark.parametrize("where, line, code", BLOCKS, ids=[f"{w}:{n}" for w, n, _ in BLOCKS])
def test_code_block_runs(where, line, code, tmp_path):
    # the interop blocks need PyTensor/PyMC, which the test extra installs on Python 3.12+
    for module in ("pymc", "pytensor"):
        imported = re.search(rf"^(import|from) {module}\b", code, re.MULTILINE)
        if imported and not importlib.util.find_spec(module):
            pytest.skip(f"{module} is not installed (it needs Python 3.12+)")
    script = tmp_path / "block.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"{where}, the block at line {line} failed:\n{done.stderr[-3000:]}"


def test_the_docs_have_code_blocks():
    assert len(BLOCKS) >= 6
