"""verify_grad for every differentiable elementwise function, over shapes and broadcasting."""

import numpy as np
import pytest

import arignote.tensor as at
from arignote.gradient import verify_grad

SHAPES = [(), (4,), (2, 3)]


def uniform(low, high):
    return lambda rng, shape: rng.uniform(low, high, size=shape)


def away_from_zero(rng, shape):
    return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


ANY = uniform(-2, 2)
POSITIVE = uniform(0.5, 3)

UNARY = {
    "neg": (at.neg, ANY), "abs": (at.abs, away_from_zero), "sqr": (at.sqr, ANY),
    "reciprocal": (at.reciprocal, away_from_zero), "exp": (at.exp, ANY), "exp2": (at.exp2, ANY),
    "expm1": (at.expm1, ANY), "log": (at.log, POSITIVE), "log2": (at.log2, POSITIVE),
    "log10": (at.log10, POSITIVE), "log1p": (at.log1p, uniform(-0.5, 2)), "sqrt": (at.sqrt, POSITIVE),
    "sin": (at.sin, ANY), "cos": (at.cos, ANY), "tan": (at.tan, uniform(-1.2, 1.2)),
    "arcsin": (at.arcsin, uniform(-0.9, 0.9)), "arccos": (at.arccos, uniform(-0.9, 0.9)),
    "arctan": (at.arctan, ANY), "sinh": (at.sinh, ANY), "cosh": (at.cosh, ANY), "tanh": (at.tanh, ANY),
    "arcsinh": (at.arcsinh, ANY), "arccosh": (at.arccosh, uniform(1.2, 3)),
    "arctanh": (at.arctanh, uniform(-0.9, 0.9)), "sigmoid": (at.sigmoid, ANY),
    "softplus": (at.softplus, ANY), "log1mexp": (at.log1mexp, uniform(-3, -0.1)), "erf": (at.erf, ANY),
    "erfc": (at.erfc, ANY), "erfcx": (at.erfcx, ANY), "erfinv": (at.erfinv, uniform(-0.9, 0.9)),
    "erfcinv": (at.erfcinv, uniform(0.1, 1.9)), "gamma": (at.gamma, uniform(0.5, 4)),
    "gammaln": (at.gammaln, uniform(0.5, 4)), "psi": (at.psi, uniform(0.5, 4)),
    "copy": (at.tensor_copy, ANY), "cast64": (lambda x: at.cast(x, "float64"), ANY),
    "real": (at.real, ANY),
    # piecewise constant: zero derivative away from the jumps
    "floor": (at.floor, uniform(0.1, 0.9)), "ceil": (at.ceil, uniform(0.1, 0.9)),
    "round": (at.round, uniform(0.1, 0.4)), "trunc": (at.trunc, uniform(0.1, 0.9)),
    "sign": (at.sign, away_from_zero),
}

BINARY = {
    "add": (at.add, ANY, ANY), "sub": (at.sub, ANY, ANY), "mul": (at.mul, ANY, ANY),
    "true_div": (at.true_div, ANY, away_from_zero), "pow": (at.pow, POSITIVE, ANY),
    "maximum": (at.maximum, ANY, ANY), "minimum": (at.minimum, ANY, ANY),
    "arctan2": (at.arctan2, away_from_zero, away_from_zero), "hypot": (at.hypot, away_from_zero, ANY),
    "mod": (at.mod, uniform(0.1, 0.9), uniform(1.1, 1.9)),
    "int_div": (at.int_div, uniform(0.1, 0.9), uniform(1.1, 1.9)),
}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, shape, rng):
    fun, sample = UNARY[name]
    verify_grad(fun, [sample(rng, shape)], rng=rng)


BROADCAST_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3))]


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name, shapes, rng):
    fun, first, second = BINARY[name]
    verify_grad(fun, [first(rng, shapes[0]), second(rng, shapes[1])], rng=rng)


def test_nary_add_and_mul(rng):
    values = [rng.uniform(-2, 2, size=s) for s in ((2, 3), (3,), (2, 1))]
    verify_grad(lambda a, b, c: at.add(a, b, c), values, rng=rng)
    verify_grad(lambda a, b, c: at.mul(a, b, c), values, rng=rng)


def test_pow_by_constant_exponents(rng):
    x = rng.uniform(0.5, 2, size=(3,))
    for exponent in (0, 1, 2, 3, 0.5, -1.5):
        verify_grad(lambda v: v ** exponent, [x], rng=rng)


def test_clip_and_switch(rng):
    x = np.array([-2.0, -0.3, 0.2, 0.9, 1.7])
    lo, hi = np.array(-0.5), np.array(1.0)
    verify_grad(lambda v, a, b: at.clip(v, a, b), [x, lo, hi], rng=rng)
    y = rng.uniform(-1, 1, size=(5,))
    verify_grad(lambda a, b: at.switch(at.gt(a, 0), a * b, b), [x, y], rng=rng)
    verify_grad(lambda a: at.where(at.gt(a, 0), a, 2.0), [x], rng=rng)


def test_composite_differentiates_through_its_inner_graph(rng):
    # Composite nodes print (and run) through the fusion code generator, which lands with fusion
    pytest.importorskip("arignote.tensor.composite_codegen")
    from arignote.tensor.composite import Composite
    from arignote.tensor.elemwise import Elemwise

    comp = Composite.from_function(lambda a, b: at.exp(a) * b + at.sin(a), ["float64", "float64"])
    op = Elemwise(comp)
    verify_grad(lambda a, b: op(a, b), [rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (3,))], rng=rng)
    two = Composite.from_function(lambda a, b: [a * b, a - b], ["float64", "float64"])
    pair = Elemwise(two)
    verify_grad(lambda a, b: pair(a, b)[0] + 2 * pair(a, b)[1],
                [rng.uniform(-1, 1, (3,)), rng.uniform(-1, 1, (3,))], rng=rng)
