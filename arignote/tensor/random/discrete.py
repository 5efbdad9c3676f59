"""The discrete distributions of ``at.random`` beyond :mod:`~arignote.tensor.random.basic`, with
PyTensor's names, signatures, parameter order and defaults (int64 draws).

``negative_binomial`` (alias ``nbinom``), ``geometric`` and ``hypergeometric`` are the
``numpy.random.Generator`` methods of the same parametrisation (NumPy's numbers, bit for bit);
``betabinom`` draws ``p ~ Beta(a, b)`` then ``Binomial(n, p)`` with Generator calls, which is
what SciPy's ``betabinom.rvs`` (PyTensor's draw) does with the generator as ``random_state``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from arignote.tensor.random.basic import NONNEGATIVE, POSITIVE, RV_OPS, define, draw_from
from arignote.tensor.random.continuous import draw_shape
from arignote.tensor.random.op import Check, RandomVariable
from arignote.tensor.variable import TensorVariable

__all__ = ["betabinom", "geometric", "hypergeometric", "nbinom", "negative_binomial"]

#: NumPy's domain for a success probability of a count of trials or failures
SUCCESS_PROBABILITY: Check = (lambda v: (v > 0) & (v <= 1), "in (0, 1]")


def _betabinom(g: np.random.Generator, n: Any, a: Any, b: Any, size: Any) -> Any:
    # scipy.stats.betabinom.rvs: beta(a, b) then binomial(n, p), both of the draw's shape
    shape = draw_shape(size, n, a, b)
    return g.binomial(n, g.beta(a, b, size=shape), size=shape)


betabinom_rv = define("beta_binomial", "betabinom", ("n", "a", "b"), dtype="int64",
                      checks={"n": NONNEGATIVE, "a": POSITIVE, "b": POSITIVE}, draw=_betabinom)
negative_binomial_rv = define("negative_binomial", "negative_binomial", ("n", "p"), dtype="int64",
                              checks={"n": POSITIVE, "p": SUCCESS_PROBABILITY})
geometric_rv = define("geometric", "geometric", ("p",), dtype="int64",
                      checks={"p": SUCCESS_PROBABILITY})


@dataclass(frozen=True)
class HyperGeometricRV(RandomVariable):
    """``Generator.hypergeometric(ngood, nbad, nsample)``; ``nsample`` at most the population."""

    checks: ClassVar[dict[str, Check]] = {"ngood": NONNEGATIVE, "nbad": NONNEGATIVE,
                                          "nsample": NONNEGATIVE}

    def check_parameters(self, params: Sequence[np.ndarray]) -> None:
        super().check_parameters(params)
        ngood, nbad, nsample = (np.asarray(p) for p in params)
        if not bool(np.all(nsample <= ngood + nbad)):
            raise ValueError(f"hypergeometric: nsample must be at most ngood + nbad, got "
                             f"ngood={ngood!r}, nbad={nbad!r}, nsample={nsample!r}")


hypergeometric_rv = HyperGeometricRV(name="hypergeometric", method="hypergeometric",
                                     param_names=("ngood", "nbad", "nsample"),
                                     ndims_params=(0, 0, 0), dtype="int64")
RV_OPS["hypergeometric"] = hypergeometric_rv


# --- the user functions ----------------------------------------------------------------

def betabinom(n: Any, a: Any, b: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Beta-binomial draws: ``Generator.binomial(n, Generator.beta(a, b))`` (SciPy's
    ``betabinom.rvs``)."""
    return draw_from(betabinom_rv, [n, a, b], size, **kwargs)


def negative_binomial(n: Any, p: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Failures before the ``n``-th success of probability ``p``
    (``Generator.negative_binomial``)."""
    return draw_from(negative_binomial_rv, [n, p], size, **kwargs)


#: PyTensor's alias
nbinom = negative_binomial


def geometric(p: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Trials up to and including the first success of probability ``p``
    (``Generator.geometric``; support 1, 2, ...)."""
    return draw_from(geometric_rv, [p], size, **kwargs)


def hypergeometric(ngood: Any, nbad: Any, nsample: Any, size: Any = None,
                   **kwargs: Any) -> TensorVariable:
    """Good items among ``nsample`` drawn without replacement from ``ngood`` good and ``nbad``
    bad ones (``Generator.hypergeometric``)."""
    return draw_from(hypergeometric_rv, [ngood, nbad, nsample], size, **kwargs)
