"""`pp` / `pprint`: PyTensor's infix rendering."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote import printing


def test_pp_is_pprint_and_exported():
    assert printing.pp is printing.pprint is arignote.pprint


@pytest.mark.parametrize("build, text", [
    (lambda x, y, z, m, i: x + y * 2, "(x + (y * 2.0))"),
    (lambda x, y, z, m, i: x + y + z, "((x + y) + z)"),
    (lambda x, y, z, m, i: (x + y) * z, "((x + y) * z)"),
    (lambda x, y, z, m, i: x - y - z, "((x - y) - z)"),
    (lambda x, y, z, m, i: -x + y, "((-x) + y)"),
    (lambda x, y, z, m, i: x / y, "(x / y)"),
    (lambda x, y, z, m, i: x ** y, "(x ** y)"),
    (lambda x, y, z, m, i: x < y, "(x < y)"),
    (lambda x, y, z, m, i: at.exp(x) * 2.0 + y, "((exp(x) * 2.0) + y)"),
    (lambda x, y, z, m, i: at.log(x + 1), "log((x + 1.0))"),
    (lambda x, y, z, m, i: abs(x), "|x|"),
    (lambda x, y, z, m, i: at.cast(x, "float32"), "float32(x)"),
    (lambda x, y, z, m, i: m[1:3, ::2], "m[1:3, ::2]"),
    (lambda x, y, z, m, i: m[0, -1], "m[0, -1]"),
    (lambda x, y, z, m, i: x[i:], "x[i:]"),
    (lambda x, y, z, m, i: m[i, 1:i:2], "m[i, 1:i:2]"),
    (lambda x, y, z, m, i: x[y.astype("int64")], "x[int64(y)]"),
    (lambda x, y, z, m, i: x[None], "x[None]"),
    (lambda x, y, z, m, i: m.T, "m.T"),
    (lambda x, y, z, m, i: m.sum(axis=0), "sum(m, axis=(0,))"),
    (lambda x, y, z, m, i: at.maximum(x, y), "maximum(x, y)"),
])
def test_pp_renders_like_pytensor(build, text):
    x, y, z, m, i = at.dvector("x"), at.dvector("y"), at.dscalar("z"), at.dmatrix("m"), at.lscalar("i")
    assert printing.pp(build(x, y, z, m, i)) == text


def test_pp_leaves_and_shared_subexpressions():
    x = at.dvector("x")
    e = at.exp(x)
    e.name = "e"  # named intermediate results are expanded, as in PyTensor
    assert printing.pp(e * e) == "(exp(x) * exp(x))"
    s = arignote.shared(np.zeros(2), name="s")
    assert printing.pp(s + x) == "(s + x)"
    assert printing.pp(at.constant(3.0)) == "3.0"
    assert printing.pp(x) == "x"


def test_pp_of_nodes_lists_and_functions():
    x = at.dvector("x")
    assert printing.pp([x + 1, x * 2]) == "(x + 1.0)\n(x * 2.0)"
    assert printing.pp((x + 1).owner) == "(x + 1.0)"
    f = arignote.function([x], at.exp(x) + 1, mode="PY")
    assert "x" in printing.pp(f)
    with pytest.raises(TypeError, match="expected a variable"):
        printing.pp(3)
