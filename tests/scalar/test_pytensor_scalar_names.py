"""PyTensor's ``pytensor.scalar`` names on arignote: op instances, 0-d types and variables."""

import numpy as np
import pytest
import scipy.special as sps

import arignote
import arignote.scalar as ps
import arignote.tensor as at
from arignote.scalar.basic import ScalarConstant, ScalarOp, as_scalar
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.reduction import CAReduce

RNG = np.random.default_rng(7)


def test_types_are_0d_tensor_types():
    assert ps.ScalarType("float64") == at.TensorType("float64", shape=())
    assert ps.float64 is ps.ScalarType("float64")
    assert ps.int16.dtype == "int16" and ps.int16.ndim == 0
    assert ps.bool.dtype == "bool"
    assert isinstance(ps.float32, ps.ScalarType)
    assert not isinstance(at.dvector, ps.ScalarType)
    assert [t.dtype for t in ps.float_types] == ["float16", "float32", "float64"]
    assert len(ps.all_types) == 14 and ps.all_types[0] is ps.bool
    assert ps.discrete_dtypes[0] == "bool"
    with pytest.raises(AttributeError):
        ps.no_such_name  # noqa: B018


def test_calling_a_type_makes_a_0d_variable():
    x = ps.float64("x")
    assert x.type == ps.float64 and x.name == "x"
    assert isinstance(x, ps.ScalarVariable) and not isinstance(x, ScalarConstant)
    assert not isinstance(at.dvector("v"), ps.ScalarVariable)


def test_constants_and_as_scalar():
    c = ps.constant(56)
    assert isinstance(c, ScalarConstant) and int(c.data) == 56 and c.ndim == 0
    assert ps.constant(2, dtype="int16").dtype == "int16"
    made = ScalarConstant(ps.int16, 3)
    assert made.dtype == "int16" and int(made.data) == 3
    with pytest.raises(TypeError):
        ps.constant([1, 2])
    x = ps.float64("x")
    assert as_scalar(x) is x
    assert as_scalar(2.5).ndim == 0
    assert as_scalar((x + 1).owner) is (x + 1)
    with pytest.raises(TypeError, match="scalar"):
        as_scalar(at.dvector("v"))


@pytest.mark.parametrize("name, reference", [
    ("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("true_div", np.divide),
    ("maximum", np.maximum), ("arctan2", np.arctan2), ("pow", np.power),
])
def test_binary_instances_on_0d_variables(name, reference):
    op = getattr(ps, name)
    assert isinstance(op, ScalarOp)
    x, y = ps.float64("x"), ps.float64("y")
    f = arignote.function([x, y], op(x, y))
    a, b = RNG.uniform(0.5, 2.0, size=2)
    np.testing.assert_allclose(f(a, b), reference(a, b))


@pytest.mark.parametrize("name, reference", [
    ("exp", np.exp), ("log", np.log), ("sqrt", np.sqrt), ("tanh", np.tanh),
    ("sigmoid", sps.expit), ("erf", sps.erf), ("gammaln", sps.gammaln), ("neg", np.negative),
])
def test_unary_instances_elementwise(name, reference):
    op = getattr(ps, name)
    x = at.dmatrix("x")
    value = RNG.uniform(0.1, 2.0, size=(3, 4))
    np.testing.assert_allclose(arignote.function([x], Elemwise(op)(x))(value), reference(value))


def test_bitwise_names_are_bitwise():
    a, b = at.ivector("a"), at.ivector("b")
    va, vb = RNG.integers(0, 64, size=5).astype("int32"), RNG.integers(0, 64, size=5).astype("int32")
    f = arignote.function([a, b], [Elemwise(ps.xor)(a, b), Elemwise(ps.and_)(a, b),
                                    Elemwise(ps.or_)(a, b), Elemwise(ps.invert)(a)])
    for got, want in zip(f(va, vb), [va ^ vb, va & vb, va | vb, ~va]):
        np.testing.assert_array_equal(got, want)


def test_careduce_with_instances():
    x = at.dmatrix("x")
    value = RNG.normal(size=(3, 4))
    f = arignote.function([x], [CAReduce(ps.add, axis=(1,))(x), CAReduce(ps.maximum, axis=None)(x)])
    total, largest = f(value)
    np.testing.assert_allclose(total, value.sum(axis=1))
    np.testing.assert_allclose(largest, value.max())
    assert ps.add == ps.Add() and ps.add != ps.mul


def test_scalar_op_refuses_arrays_and_differentiates():
    with pytest.raises(TypeError, match="0-d"):
        ps.add(at.dvector("v"), 1.0)
    x = ps.float64("x")
    g = arignote.grad(ps.exp(ps.mul(x, x)), x)  # d/dx exp(x^2) = 2x exp(x^2)
    value = RNG.uniform(-1, 1)
    np.testing.assert_allclose(arignote.function([x], g)(value), 2 * value * np.exp(value ** 2))


def test_autocast_is_refused_with_a_reason():
    with pytest.raises(NotImplementedError, match="NumPy 2"):
        ps.autocast_float_as("float32")
    with pytest.raises(NotImplementedError, match="autocast dtypes"):
        ps.autocast_float.dtypes  # noqa: B018
    assert ps.autocast_float(1.5).dtype == arignote.config.floatX


def test_basic_module_has_the_names_too():
    from arignote.scalar import basic

    assert basic.add is ps.add and basic.int16 is ps.int16 and basic.ScalarConstant is ScalarConstant
