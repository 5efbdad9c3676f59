"""The core distributions of ``at.random``, with PyTensor's names, classes and signatures.

Each distribution is a :class:`~arignote.tensor.random.op.RandomVariable` subclass (``NormalRV``)
and its instance is the user's function (``normal(loc, scale, size=None, rng=None,
dtype=None, name=None)``), as in PyTensor; the draw's next generator is
``draw.owner.outputs[0]`` (or ``return_next_rng=True``).  Without ``rng`` the draw gets a
generator of its own (a new shared generator seeded from NumPy's entropy) whose default update
is the next generator, so a compiled function gives new numbers at each call, as in PyTensor.

Every draw here is the ``numpy.random.Generator`` method of the same meaning (NumPy's numbers
bit for bit), and :data:`RV_OPS` holds every distribution's op by name.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

import numpy as np

from arignote.tensor.random.op import Check, RandomVariable
from arignote.tensor.random.reparameterised import (
    exponential_pullback,
    location_scale_pullback,
    lognormal_pullback,
    uniform_pullback,
)

__all__ = ["RV_OPS", "BernoulliRV", "BetaRV", "BinomialRV", "CategoricalRV", "ExponentialRV", "GammaRV",
           "IntegersRV", "LogNormalRV", "NormalRV", "PoissonRV", "StandardNormalRV", "UniformRV",
           "bernoulli", "beta", "binomial", "categorical", "exponential", "gamma", "integers",
           "lognormal", "normal", "poisson", "register", "standard_normal", "uniform"]

#: NumPy's, which PyTensor's module re-exports (its tests compute expected shapes with it)
broadcast_shapes = np.broadcast_shapes

POSITIVE: Check = (lambda v: v > 0, "positive")
NONNEGATIVE: Check = (lambda v: v >= 0, "non-negative")
PROBABILITY: Check = (lambda v: (v >= 0) & (v <= 1), "in [0, 1]")


def _probabilities(v: np.ndarray) -> Any:
    return np.all(v >= 0) and np.allclose(np.sum(v, axis=-1), 1.0, atol=1e-6 * max(v.shape[-1], 1))


PROBABILITY_VECTORS: Check = (_probabilities, "non-negative and summing to 1 along its last axis")

#: every distribution's op, by name
RV_OPS: dict[str, RandomVariable] = {}


RV = TypeVar("RV", bound=RandomVariable)


def register(op: RV) -> RV:
    """Record ``op`` in :data:`RV_OPS` (the distributions rules and tests iterate over)."""
    RV_OPS[op.name] = op
    return op


# --- continuous --------------------------------------------------------------------------

class NormalRV(RandomVariable):
    """Normal draws of mean ``loc`` and standard deviation ``scale`` (``Generator.normal``)."""

    name = "normal"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("loc", "scale")
    checks: ClassVar[dict[str, Check]] = {"scale": NONNEGATIVE}
    pullback = location_scale_pullback

    def __call__(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(loc, scale, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, loc: Any, scale: Any, size: Any) -> Any:
        # normal(0, 1) is standard_normal, the same numbers (NumPy computes loc + scale * z)
        # without the broadcasting machinery: about 10% faster for a large draw
        if np.ndim(loc) == 0 and np.ndim(scale) == 0 and loc == 0 and scale == 1:
            return rng.standard_normal(size=size)
        return rng.normal(loc, scale, size=size)


class StandardNormalRV(RandomVariable):
    """Normal draws of mean 0 and standard deviation 1 (``Generator.standard_normal``)."""

    name = "standard_normal"
    signature = "->()"
    dtype = "floatX"

    def __call__(self, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(size=size, **kwargs)


class UniformRV(RandomVariable):
    """Uniform draws on ``[low, high)`` (``Generator.uniform``)."""

    name = "uniform"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("low", "high")
    pullback = uniform_pullback

    def __call__(self, low: Any = 0.0, high: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(low, high, size=size, **kwargs)


class LogNormalRV(RandomVariable):
    """``exp`` of normal draws of mean ``mean`` and standard deviation ``sigma``
    (``Generator.lognormal``)."""

    name = "lognormal"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("mean", "sigma")
    checks: ClassVar[dict[str, Check]] = {"sigma": NONNEGATIVE}
    pullback = lognormal_pullback

    def __call__(self, mean: Any = 0.0, sigma: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(mean, sigma, size=size, **kwargs)


class ExponentialRV(RandomVariable):
    """Exponential draws of mean ``scale`` (``Generator.exponential``)."""

    name = "exponential"
    signature = "()->()"
    dtype = "floatX"
    param_names = ("scale",)
    checks: ClassVar[dict[str, Check]] = {"scale": NONNEGATIVE}
    pullback = exponential_pullback

    def __call__(self, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(scale, size=size, **kwargs)


class GammaRV(RandomVariable):
    """Gamma draws of shape ``shape`` and scale ``scale`` (``Generator.gamma``); the user's
    function is :func:`gamma` (shape and rate, or scale)."""

    name = "gamma"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("shape", "scale")
    checks: ClassVar[dict[str, Check]] = {"shape": NONNEGATIVE, "scale": NONNEGATIVE}

    def __call__(self, shape: Any, scale: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(shape, scale, size=size, **kwargs)


class BetaRV(RandomVariable):
    """Beta draws (``Generator.beta``)."""

    name = "beta"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("alpha", "beta")
    checks: ClassVar[dict[str, Check]] = {"alpha": POSITIVE, "beta": POSITIVE}

    def __call__(self, alpha: Any, beta: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(alpha, beta, size=size, **kwargs)


normal = register(NormalRV())
standard_normal = register(StandardNormalRV())
uniform = register(UniformRV())
lognormal = register(LogNormalRV())
exponential = register(ExponentialRV())
_gamma = register(GammaRV())
beta = register(BetaRV())


def gamma(shape: Any, rate: Any = None, size: Any = None, scale: Any = None, **kwargs: Any) -> Any:
    """Gamma draws of shape ``shape`` and ``rate`` (or ``scale = 1 / rate``), PyTensor's
    signature."""
    if (rate is None) == (scale is None):
        raise ValueError("gamma: give exactly one of rate and scale")
    if scale is None:
        scale = 1.0 / np.asarray(rate) if not hasattr(rate, "type") else 1.0 / rate
    return _gamma(shape, scale, size=size, **kwargs)


# --- discrete ----------------------------------------------------------------------------

class PoissonRV(RandomVariable):
    """Poisson draws of mean ``lam`` (``Generator.poisson``; int64)."""

    name = "poisson"
    signature = "()->()"
    dtype = "int64"
    param_names = ("lam",)
    checks: ClassVar[dict[str, Check]] = {"lam": NONNEGATIVE}

    def __call__(self, lam: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(lam, size=size, **kwargs)


class BinomialRV(RandomVariable):
    """Successes in ``n`` trials of probability ``p`` (``Generator.binomial``; int64)."""

    name = "binomial"
    signature = "(),()->()"
    dtype = "int64"
    param_names = ("n", "p")
    checks: ClassVar[dict[str, Check]] = {"n": NONNEGATIVE, "p": PROBABILITY}

    def __call__(self, n: Any, p: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(n, p, size=size, **kwargs)


class BernoulliRV(RandomVariable):
    """1 with probability ``p``, else 0 (``Generator.binomial(1, p)``; int64)."""

    name = "bernoulli"
    signature = "()->()"
    dtype = "int64"
    param_names = ("p",)
    checks: ClassVar[dict[str, Check]] = {"p": PROBABILITY}

    def __call__(self, p: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(p, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, p: Any, size: Any) -> Any:
        return rng.binomial(1, p, size=size)


class IntegersRV(RandomVariable):
    """Integers in ``[low, high)`` (``[0, low)`` when ``high`` is None) (``Generator.integers``;
    int64)."""

    name = "integers"
    signature = "(),()->()"
    dtype = "int64"
    param_names = ("low", "high")

    def __call__(self, low: Any, high: Any = None, size: Any = None, **kwargs: Any) -> Any:
        if high is None:
            low, high = 0, low
        return super().__call__(low, high, size=size, **kwargs)


class CategoricalRV(RandomVariable):
    """Indices drawn with the probabilities ``p`` (its last axis; int64), by inverse-CDF
    sampling on one ``Generator.uniform`` per draw, vectorised over the batch of ``p``."""

    name = "categorical"
    signature = "(p)->()"
    dtype = "int64"
    param_names = ("p",)
    checks: ClassVar[dict[str, Check]] = {"p": PROBABILITY_VECTORS}

    def __call__(self, p: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(p, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, p: np.ndarray, size: Any) -> Any:
        batch = p.shape[:-1] if size is None else tuple(size)
        cdf = np.cumsum(np.broadcast_to(p, (*batch, p.shape[-1])), axis=-1)
        u = rng.uniform(size=batch)[..., None]
        return np.minimum(np.sum(u >= cdf, axis=-1), p.shape[-1] - 1)


poisson = register(PoissonRV())
binomial = register(BinomialRV())
bernoulli = register(BernoulliRV())
integers = register(IntegersRV())
categorical = register(CategoricalRV())


def __getattr__(name: str) -> Any:
    # PyTensor's pytensor.tensor.random.basic holds every distribution: the ones arignote
    # defines in continuous/discrete/multivariate (which build on this module) are found there.
    # Not for dunder names: the import system asks for those (__path__) while importing
    if name.startswith("__"):
        raise AttributeError(name)
    from arignote.tensor.random import continuous, discrete, multivariate

    for module in (continuous, discrete, multivariate):
        if name in module.__all__:
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
