"""The discrete distributions of ``at.random`` beyond :mod:`~arignote.tensor.random.basic`, with
PyTensor's names, signatures, parameter order and defaults (int64 draws).

``negative_binomial`` (alias ``nbinom``), ``geometric`` and ``hypergeometric`` are the
``numpy.random.Generator`` methods of the same parametrisation (NumPy's numbers, bit for bit);
``betabinom`` draws ``p ~ Beta(a, b)`` then ``Binomial(n, p)`` with Generator calls, which is
what SciPy's ``betabinom.rvs`` (PyTensor's draw) does with the generator as ``random_state``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from arignote.tensor.random.basic import NONNEGATIVE, POSITIVE, register
from arignote.tensor.random.continuous import draw_shape
from arignote.tensor.random.op import Check, RandomVariable

__all__ = ["BetaBinomialRV", "GeometricRV", "HyperGeometricRV", "NegBinomialRV", "betabinom", "geometric",
           "hypergeometric", "nbinom", "negative_binomial"]

#: NumPy's domain for a success probability of a count of trials or failures
SUCCESS_PROBABILITY: Check = (lambda v: (v > 0) & (v <= 1), "in (0, 1]")


class BetaBinomialRV(RandomVariable):
    """Beta-binomial draws: ``Generator.binomial(n, Generator.beta(a, b))``, both of the draw's
    shape (SciPy's ``betabinom.rvs``, PyTensor's draw)."""

    name = "beta_binomial"
    signature = "(),(),()->()"
    dtype = "int64"
    param_names = ("n", "a", "b")
    checks: ClassVar[dict[str, Check]] = {"n": NONNEGATIVE, "a": POSITIVE, "b": POSITIVE}

    def __call__(self, n: Any, a: Any, b: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(n, a, b, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, n: Any, a: Any, b: Any, size: Any) -> Any:
        shape = draw_shape(size, n, a, b)
        return rng.binomial(n, rng.beta(a, b, size=shape), size=shape)


class NegBinomialRV(RandomVariable):
    """Failures before the ``n``-th success of probability ``p``
    (``Generator.negative_binomial``)."""

    name = "negative_binomial"
    signature = "(),()->()"
    dtype = "int64"
    param_names = ("n", "p")
    checks: ClassVar[dict[str, Check]] = {"n": POSITIVE, "p": SUCCESS_PROBABILITY}

    def __call__(self, n: Any, p: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(n, p, size=size, **kwargs)


class GeometricRV(RandomVariable):
    """Trials up to and including the first success of probability ``p``
    (``Generator.geometric``; support 1, 2, ...)."""

    name = "geometric"
    signature = "()->()"
    dtype = "int64"
    param_names = ("p",)
    checks: ClassVar[dict[str, Check]] = {"p": SUCCESS_PROBABILITY}

    def __call__(self, p: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(p, size=size, **kwargs)


class HyperGeometricRV(RandomVariable):
    """Good items among ``nsample`` drawn without replacement from ``ngood`` good and ``nbad``
    bad ones (``Generator.hypergeometric``); ``nsample`` at most the population."""

    name = "hypergeometric"
    signature = "(),(),()->()"
    dtype = "int64"
    param_names = ("ngood", "nbad", "nsample")
    checks: ClassVar[dict[str, Check]] = {"ngood": NONNEGATIVE, "nbad": NONNEGATIVE,
                                          "nsample": NONNEGATIVE}

    def __call__(self, ngood: Any, nbad: Any, nsample: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(ngood, nbad, nsample, size=size, **kwargs)

    def check_parameters(self, params: Sequence[np.ndarray]) -> None:
        super().check_parameters(params)
        ngood, nbad, nsample = (np.asarray(p) for p in params)
        if not bool(np.all(nsample <= ngood + nbad)):
            raise ValueError(f"hypergeometric: nsample must be at most ngood + nbad, got "
                             f"ngood={ngood!r}, nbad={nbad!r}, nsample={nsample!r}")


betabinom = register(BetaBinomialRV())
negative_binomial = register(NegBinomialRV())
#: PyTensor's alias
nbinom = negative_binomial
geometric = register(GeometricRV())
hypergeometric = register(HyperGeometricRV())
