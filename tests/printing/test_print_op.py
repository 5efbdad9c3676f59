"""`printing.Print`: the identity, printing its value when computed."""

from __future__ import annotations

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote import printing
from arignote.gradient import verify_grad

try:
    import jax
    HAVE_JAX = True
except ImportError:
    HAVE_JAX = False

MODES = ["PY", "FAST_RUN"]


@pytest.mark.parametrize("mode", MODES)
def test_print_returns_its_input_and_prints_it(mode, capsys):
    x = at.dvector("x")
    f = arignote.function([x], printing.Print("x is")(x) * 2.0, mode=mode)
    value = np.array([1.0, 2.5])
    np.testing.assert_array_equal(f(value), value * 2.0)  # one exact doubling
    assert capsys.readouterr().out == f"x is __str__ = {value}\n"
    f(value)
    assert capsys.readouterr().out.count("x is") == 1  # once per call


@pytest.mark.parametrize("mode", MODES)
def test_print_attrs_and_global_fn(mode, capsys):
    x = at.dmatrix("x")
    f = arignote.function([x], printing.Print("m", attrs=("shape", "sum"))(x).sum(), mode=mode)
    f(np.ones((2, 3)))
    assert capsys.readouterr().out == "m shape = (2, 3)\nm sum = 6.0\n"
    seen = []
    collect = printing.Print("q", global_fn=lambda op, v: seen.append((op.message, v.copy())))
    g = arignote.function([x], collect(x), mode=mode)
    g(np.zeros((1, 1)))
    assert seen[0][0] == "q" and seen[0][1].shape == (1, 1)


@pytest.mark.parametrize("mode", MODES)
def test_print_of_a_constant_is_not_folded_away(mode, capsys):
    x = at.dscalar("x")
    f = arignote.function([x], printing.Print("c")(at.constant(2.0)) * x, mode=mode)
    assert capsys.readouterr().out == ""  # nothing printed while compiling
    assert f(3.0) == 6.0
    assert capsys.readouterr().out == "c __str__ = 2.0\n"


def test_print_gradient_is_the_identity():
    x = at.dvector("x")
    cost = (printing.Print("p")(x) ** 2).sum()
    g = arignote.grad(cost, x).eval({x: np.array([1.0, -2.0])}, mode="PY")
    np.testing.assert_array_equal(g, [2.0, -4.0])  # 2x, exact
    verify_grad(lambda v: printing.Print("v")(v) * 3.0, [np.array([0.5, 1.5])],
                rng=np.random.default_rng(0), mode="PY")


def test_print_building_errors_and_str():
    with pytest.raises(TypeError, match="message must be a string"):
        printing.Print(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="attrs must be attribute names"):
        printing.Print("m", attrs=(1,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="global_fn must be callable"):
        printing.Print("m", global_fn=3)  # type: ignore[arg-type]
    assert printing.Print("m", attrs="shape").attrs == ("shape",)
    assert str(printing.Print("hi")) == "Print{'hi'}" and str(printing.Print()) == "Print"
    assert printing.Print("a") == printing.Print("a") and printing.Print("a") != printing.Print("b")


@pytest.mark.skipif(not HAVE_JAX, reason="JAX is not installed")
def test_print_on_jax(capsys):
    x = at.dvector("x")
    f = arignote.function([x], printing.Print("j", attrs=("shape", "__str__"))(x) + 1.0, mode="JAX")
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [2.0, 3.0])
    jax.effects_barrier()
    assert capsys.readouterr().out == "j shape = (2,)\nj __str__ = [1. 2.]\n"
