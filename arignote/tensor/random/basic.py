"""The distributions of ``at.random``, with PyTensor's names and signatures.

Each is a :class:`~arignote.tensor.random.op.RandomVariable` drawing with the
``numpy.random.Generator`` method of the same meaning, and a user function
``dist(*params, size=None, rng=None, dtype=None, name=None)`` returning the draw; the next
generator is ``draw.owner.outputs[0]``.  Without ``rng`` the draw gets a generator of its own
(a new shared generator seeded from NumPy's entropy) whose default update is the next
generator, so a compiled function gives new numbers at each call, as in PyTensor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arignote.tensor.random.op import Check, RandomVariable
from arignote.tensor.random.type import RandomGeneratorSharedVariable, shared_generator
from arignote.tensor.variable import TensorVariable

__all__ = ["RV_OPS", "bernoulli", "beta", "binomial", "categorical", "exponential", "gamma",
           "integers", "lognormal", "normal", "poisson", "standard_normal", "uniform"]

POSITIVE: Check = (lambda v: v > 0, "positive")
NONNEGATIVE: Check = (lambda v: v >= 0, "non-negative")
PROBABILITY: Check = (lambda v: (v >= 0) & (v <= 1), "in [0, 1]")


def _probabilities(v: np.ndarray) -> Any:
    return np.all(v >= 0) and np.allclose(np.sum(v, axis=-1), 1.0, atol=1e-6 * max(v.shape[-1], 1))


PROBABILITY_VECTORS: Check = (_probabilities, "non-negative and summing to 1 along its last axis")

#: every distribution's op, by name
RV_OPS: dict[str, RandomVariable] = {}


def define(name: str, method: str, params: Sequence[str], ndims_params: Sequence[int] | None = None,
           ndim_supp: int = 0, dtype: str = "floatX", checks: dict[str, Check] | None = None,
           draw: Callable[..., Any] | None = None) -> RandomVariable:
    """The op of a distribution (a subclass of RandomVariable of its own, holding its checks
    and, when the draw is not one Generator method call, how it draws)."""
    namespace: dict[str, Any] = {"checks": dict(checks or {})}
    if draw is not None:
        namespace["draw"] = lambda self, generator, values, size: draw(generator, *values, size=size)
    cls = type(f"{''.join(part.title() for part in name.split('_'))}RV", (RandomVariable,), namespace)
    op = cls(name=name, method=method, param_names=tuple(params),
             ndims_params=tuple(ndims_params or (0,) * len(params)), ndim_supp=ndim_supp, dtype=dtype)
    RV_OPS[name] = op
    return op


def draw_from(op: RandomVariable, params: Sequence[Any], size: Any = None, rng: Any = None,
              dtype: str | None = None, name: str | None = None,
              return_next_rng: bool = False) -> Any:
    """The draw of ``op`` with ``params`` (the user functions' common part); with
    ``return_next_rng``, ``(next_rng, draw)`` as PyTensor 3 returns them."""
    if dtype is not None:
        op = dataclasses.replace(op, dtype=str(np.dtype(dtype)) if dtype != "floatX" else dtype)
    fresh = rng is None
    if fresh:
        rng = shared_generator(np.random.default_rng(), name=f"{op.name}_rng", borrow=True)
    op = op.with_size(size is not None)
    inputs = [rng] if size is None else [rng, size]
    node = op.make_node(*inputs, *params)
    next_rng, draw = node.outputs
    if fresh:
        assert isinstance(rng, RandomGeneratorSharedVariable)
        rng.default_update = next_rng
    if name is not None:
        draw.name = name
    assert isinstance(draw, TensorVariable)
    return (next_rng, draw) if return_next_rng else draw


# --- continuous --------------------------------------------------------------------------

normal_rv = define("normal", "normal", ("loc", "scale"), checks={"scale": NONNEGATIVE})
standard_normal_rv = define("standard_normal", "standard_normal", ())
uniform_rv = define("uniform", "uniform", ("low", "high"))
lognormal_rv = define("lognormal", "lognormal", ("mean", "sigma"), checks={"sigma": NONNEGATIVE})
exponential_rv = define("exponential", "exponential", ("scale",), checks={"scale": NONNEGATIVE})
gamma_rv = define("gamma", "gamma", ("shape", "scale"),
                  checks={"shape": NONNEGATIVE, "scale": NONNEGATIVE})
beta_rv = define("beta", "beta", ("alpha", "beta"), checks={"alpha": POSITIVE, "beta": POSITIVE})

# --- discrete ----------------------------------------------------------------------------

poisson_rv = define("poisson", "poisson", ("lam",), dtype="int64", checks={"lam": NONNEGATIVE})
binomial_rv = define("binomial", "binomial", ("n", "p"), dtype="int64",
                     checks={"n": NONNEGATIVE, "p": PROBABILITY})
bernoulli_rv = define("bernoulli", "binomial", ("p",), dtype="int64", checks={"p": PROBABILITY},
                      draw=lambda g, p, size: g.binomial(1, p, size=size))
integers_rv = define("integers", "integers", ("low", "high"), dtype="int64")


def _categorical(generator: np.random.Generator, p: np.ndarray, size: Any) -> np.ndarray:
    # inverse-CDF sampling on one uniform per draw: vectorised over the batch of p
    batch = p.shape[:-1] if size is None else tuple(size)
    cdf = np.cumsum(np.broadcast_to(p, (*batch, p.shape[-1])), axis=-1)
    u = generator.uniform(size=batch)[..., None]
    return np.minimum(np.sum(u >= cdf, axis=-1), p.shape[-1] - 1)


categorical_rv = define("categorical", "categorical", ("p",), ndims_params=(1,), dtype="int64",
                        checks={"p": PROBABILITY_VECTORS}, draw=_categorical)


# --- the user functions ----------------------------------------------------------------

def normal(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Normal draws of mean ``loc`` and standard deviation ``scale``."""
    return draw_from(normal_rv, [loc, scale], size, **kwargs)


def standard_normal(size: Any = None, **kwargs: Any) -> TensorVariable:
    """Normal draws of mean 0 and standard deviation 1."""
    return draw_from(standard_normal_rv, [], size, **kwargs)


def uniform(low: Any = 0.0, high: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Uniform draws on ``[low, high)``."""
    return draw_from(uniform_rv, [low, high], size, **kwargs)


def lognormal(mean: Any = 0.0, sigma: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """``exp`` of normal draws of mean ``mean`` and standard deviation ``sigma``."""
    return draw_from(lognormal_rv, [mean, sigma], size, **kwargs)


def exponential(scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Exponential draws of mean ``scale``."""
    return draw_from(exponential_rv, [scale], size, **kwargs)


def gamma(shape: Any, rate: Any = None, size: Any = None, scale: Any = None,
          **kwargs: Any) -> TensorVariable:
    """Gamma draws of shape ``shape`` and ``rate`` (or ``scale = 1 / rate``), PyTensor's
    signature."""
    if (rate is None) == (scale is None):
        raise ValueError("gamma: give exactly one of rate and scale")
    if scale is None:
        scale = 1.0 / np.asarray(rate) if not hasattr(rate, "type") else 1.0 / rate
    return draw_from(gamma_rv, [shape, scale], size, **kwargs)


def beta(alpha: Any, beta: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Beta draws."""
    return draw_from(beta_rv, [alpha, beta], size, **kwargs)


def poisson(lam: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Poisson draws of mean ``lam`` (int64)."""
    return draw_from(poisson_rv, [lam], size, **kwargs)


def binomial(n: Any, p: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Binomial draws: successes in ``n`` trials of probability ``p`` (int64)."""
    return draw_from(binomial_rv, [n, p], size, **kwargs)


def bernoulli(p: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Bernoulli draws: 1 with probability ``p``, else 0 (int64)."""
    return draw_from(bernoulli_rv, [p], size, **kwargs)


def integers(low: Any, high: Any = None, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Integers in ``[low, high)`` (``[0, low)`` when ``high`` is None), int64."""
    if high is None:
        low, high = 0, low
    return draw_from(integers_rv, [low, high], size, **kwargs)


def categorical(p: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Indices drawn with the probabilities ``p`` (its last axis; int64)."""
    return draw_from(categorical_rv, [p], size, **kwargs)
