"""Each backend registers its linker by name; linking picks it from the registry."""

import pytest

from arignote.backend import linker, linkers
from arignote.compile.mode import LINKERS


def test_every_mode_linker_is_registered():
    linker("py")  # imports the backend packages
    assert set(LINKERS) <= set(linkers.keys())


def test_registering_a_linker_does_not_import_its_backend():
    import subprocess
    import sys

    code = ("import sys, arignote; from arignote.backend import linker; linker('jax'); linker('c'); "
            "print('jax' in sys.modules, 'arignote.backend.c.linker' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_an_unknown_linker_is_reported():
    with pytest.raises(NotImplementedError, match="the 'cuda' linker is not available yet"):
        linker("cuda")
