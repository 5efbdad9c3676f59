"""The continuous distributions of ``at.random`` beyond :mod:`~arignote.tensor.random.basic`,
with PyTensor's names, signatures, parameter order and defaults.

Where ``numpy.random.Generator`` has a method with the same parametrisation the draw is that
call (NumPy's numbers, bit for bit): ``triangular``, ``chisquare``, ``weibull``, ``logistic``,
``laplace``, ``vonmises``, ``wald``, ``rayleigh``.  Where PyTensor draws with SciPy's ``rvs``
(the generator as ``random_state``), so does arignote, which gives PyTensor's numbers:
``gumbel``, ``cauchy``, ``halfcauchy`` and ``pareto`` (SciPy draws them by the inverse CDF
of ``Generator.uniform``).  The others are a short composition of Generator calls, written
in each op's ``rng_fn`` and in its class's docstring, and equal to what SciPy's ``rvs``
(PyTensor's draw) does with the same generator.

``laplace``, ``logistic``, ``gumbel`` and ``cauchy`` are location-scale families
(``x = loc + scale * z`` with ``z`` free of the parameters): they have reparameterised
derivatives (:mod:`arignote.tensor.random.reparameterised`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import scipy.stats

from arignote.tensor.random.basic import NONNEGATIVE, POSITIVE, register
from arignote.tensor.random.op import Check, RandomVariable
from arignote.tensor.random.reparameterised import location_scale_pullback

__all__ = ["CauchyRV", "ChiSquareRV", "GenGammaRV", "GumbelRV", "HalfCauchyRV", "HalfNormalRV",
           "InvGammaRV", "LaplaceRV", "LogisticRV", "ParetoRV", "RayleighRV", "StudentTRV",
           "TriangularRV", "TruncExponentialRV", "VonMisesRV", "WaldRV", "WeibullRV"]
__all__ += ["cauchy", "chisquare", "gengamma", "gumbel", "halfcauchy", "halfnormal", "invgamma",
           "laplace", "logistic", "pareto", "rayleigh", "t", "triangular", "truncexpon", "vonmises",
           "wald", "weibull"]


def draw_shape(size: Any, *params: Any) -> tuple[int, ...]:
    """The shape of a draw: ``size``, or the parameters' broadcast shape (a composition of
    Generator calls must ask for that many numbers: ``standard_cauchy(size=None)`` gives one)."""
    if size is not None:
        return tuple(size)
    return tuple(np.broadcast_shapes(*(np.shape(p) for p in params)))


# --- one Generator call ------------------------------------------------------------------

class TriangularRV(RandomVariable):
    """Triangular draws on ``[left, right]`` peaking at ``mode`` (``Generator.triangular``);
    the parameters must be ordered."""

    name = "triangular"
    signature = "(),(),()->()"
    dtype = "floatX"
    param_names = ("left", "mode", "right")

    def __call__(self, left: Any, mode: Any, right: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(left, mode, right, size=size, **kwargs)

    def check_parameters(self, params: Sequence[np.ndarray]) -> None:
        left, mode, right = (np.asarray(p) for p in params)
        if not bool(np.all(left <= mode)):
            raise ValueError(f"triangular: mode must be >= left, got left={left!r}, mode={mode!r}")
        if not bool(np.all(mode <= right)):
            raise ValueError(f"triangular: right must be >= mode, got mode={mode!r}, right={right!r}")
        if not bool(np.all(left < right)):
            raise ValueError(f"triangular: right must be > left, got left={left!r}, right={right!r}")


class ChiSquareRV(RandomVariable):
    """Chi-squared draws with ``df`` degrees of freedom (``Generator.chisquare``, which is
    ``2 * standard_gamma(df / 2)``: PyTensor's ``gamma(df / 2, scale=2)``, the same numbers)."""

    name = "chisquare"
    signature = "()->()"
    dtype = "floatX"
    param_names = ("df",)
    checks: ClassVar[dict[str, Check]] = {"df": POSITIVE}

    def __call__(self, df: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(df, size=size, **kwargs)


class WeibullRV(RandomVariable):
    """Weibull draws of shape ``shape``, scale 1 (``Generator.weibull``)."""

    name = "weibull"
    signature = "()->()"
    dtype = "floatX"
    param_names = ("shape",)
    checks: ClassVar[dict[str, Check]] = {"shape": NONNEGATIVE}

    def __call__(self, shape: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(shape, size=size, **kwargs)


class _LocationScaleRV(RandomVariable):
    """A location-scale family drawn by the Generator method of its name: ``x = loc + scale
    * z`` with ``z`` free of the parameters, so it has a reparameterised derivative."""

    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("loc", "scale")
    checks: ClassVar[dict[str, Check]] = {"scale": NONNEGATIVE}
    pullback = location_scale_pullback

    def __call__(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(loc, scale, size=size, **kwargs)


class GumbelRV(_LocationScaleRV):
    """Gumbel (maximum) draws: SciPy's ``gumbel_r.rvs`` (PyTensor's numbers)."""

    name = "gumbel"

    def rng_fn(self, rng: np.random.Generator, loc: Any, scale: Any, size: Any) -> Any:
        return scipy.stats.gumbel_r.rvs(loc=loc, scale=scale, size=size, random_state=rng)


class LogisticRV(_LocationScaleRV):
    """Logistic draws (``Generator.logistic``)."""

    name = "logistic"


class LaplaceRV(_LocationScaleRV):
    """Laplace (double exponential) draws (``Generator.laplace``)."""

    name = "laplace"


class VonMisesRV(RandomVariable):
    """Von Mises draws on ``[-pi, pi]`` (``Generator.vonmises``)."""

    name = "vonmises"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("mu", "kappa")
    checks: ClassVar[dict[str, Check]] = {"kappa": NONNEGATIVE}

    def __call__(self, mu: Any, kappa: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(mu, kappa, size=size, **kwargs)


class WaldRV(RandomVariable):
    """Wald (inverse Gaussian) draws of mean ``mean`` and shape ``scale`` (``Generator.wald``)."""

    name = "wald"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("mean", "scale")
    checks: ClassVar[dict[str, Check]] = {"mean": POSITIVE, "scale": POSITIVE}

    def __call__(self, mean: Any = 1.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(mean, scale, size=size, **kwargs)


class RayleighRV(RandomVariable):
    """Rayleigh draws (``Generator.rayleigh``; PyTensor builds ``scale * sqrt(chisquare(2))``,
    the same law)."""

    name = "rayleigh"
    signature = "()->()"
    dtype = "floatX"
    param_names = ("scale",)
    checks: ClassVar[dict[str, Check]] = {"scale": NONNEGATIVE}

    def __call__(self, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(scale, size=size, **kwargs)


# --- compositions of Generator calls ---------------------------------------------------------

class HalfNormalRV(RandomVariable):
    """Half-normal draws: ``loc + scale * |standard_normal|`` (SciPy's ``halfnorm.rvs``, so
    PyTensor's numbers)."""

    name = "halfnormal"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("loc", "scale")
    checks: ClassVar[dict[str, Check]] = {"scale": NONNEGATIVE}

    def __call__(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(loc, scale, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, loc: Any, scale: Any, size: Any) -> Any:
        return loc + scale * np.abs(rng.standard_normal(size=draw_shape(size, loc, scale)))


class InvGammaRV(RandomVariable):
    """Inverse-gamma draws: ``1 / Generator.gamma(shape, 1 / scale)`` (PyTensor's draw)."""

    name = "invgamma"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("shape", "scale")
    checks: ClassVar[dict[str, Check]] = {"shape": POSITIVE, "scale": POSITIVE}

    def __call__(self, shape: Any, scale: Any, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(shape, scale, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, shape: Any, scale: Any, size: Any) -> Any:
        return 1.0 / rng.gamma(shape, 1.0 / scale, size=size)


class ParetoRV(RandomVariable):
    """Pareto draws on ``[scale, inf)`` of shape ``b``: SciPy's ``pareto.rvs`` (PyTensor's
    numbers; NumPy's ``Generator.pareto`` is the Lomax law on ``[0, inf)``)."""

    name = "pareto"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("b", "scale")
    checks: ClassVar[dict[str, Check]] = {"b": POSITIVE, "scale": POSITIVE}

    def __call__(self, b: Any, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(b, scale, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, b: Any, scale: Any, size: Any) -> Any:
        return scipy.stats.pareto.rvs(b, scale=scale, size=size, random_state=rng)


class CauchyRV(_LocationScaleRV):
    """Cauchy draws: SciPy's ``cauchy.rvs`` (PyTensor's numbers)."""

    name = "cauchy"

    def rng_fn(self, rng: np.random.Generator, loc: Any, scale: Any, size: Any) -> Any:
        return scipy.stats.cauchy.rvs(loc=loc, scale=scale, size=size, random_state=rng)


class HalfCauchyRV(RandomVariable):
    """Half-Cauchy draws: SciPy's ``halfcauchy.rvs`` (PyTensor's numbers)."""

    name = "halfcauchy"
    signature = "(),()->()"
    dtype = "floatX"
    param_names = ("loc", "scale")
    checks: ClassVar[dict[str, Check]] = {"scale": NONNEGATIVE}

    def __call__(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(loc, scale, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, loc: Any, scale: Any, size: Any) -> Any:
        return scipy.stats.halfcauchy.rvs(loc=loc, scale=scale, size=size, random_state=rng)


class StudentTRV(RandomVariable):
    """Student's t draws: ``loc + scale * Generator.standard_t(df)`` (SciPy's ``t.rvs``)."""

    name = "t"
    signature = "(),(),()->()"
    dtype = "floatX"
    param_names = ("df", "loc", "scale")
    checks: ClassVar[dict[str, Check]] = {"df": POSITIVE, "scale": NONNEGATIVE}

    def __call__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(df, loc, scale, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, df: Any, loc: Any, scale: Any, size: Any) -> Any:
        return loc + scale * rng.standard_t(df, size=draw_shape(size, df, loc, scale))


class TruncExponentialRV(RandomVariable):
    """Exponential draws truncated to ``[loc, loc + b * scale]`` (SciPy's ``truncexpon``), by the
    inverse CDF of ``u = Generator.random()``: ``loc - scale * log1p(u * expm1(-b))``."""

    name = "truncexpon"
    signature = "(),(),()->()"
    dtype = "floatX"
    param_names = ("b", "loc", "scale")
    checks: ClassVar[dict[str, Check]] = {"b": POSITIVE, "scale": POSITIVE}

    def __call__(self, b: Any, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> Any:
        return super().__call__(b, loc, scale, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, b: Any, loc: Any, scale: Any, size: Any) -> Any:
        # F(y) = (1 - e^-y) / (1 - e^-b) on [0, b]; expm1/log1p keep small b and small u exact
        u = rng.random(size=draw_shape(size, b, loc, scale))
        return loc - scale * np.log1p(u * np.expm1(-b))


class GenGammaRV(RandomVariable):
    """Generalised gamma draws: ``lambd * Generator.standard_gamma(alpha / p) ** (1 / p)``
    (SciPy's ``gengamma.rvs(alpha / p, p, scale=lambd)``, PyTensor's draw)."""

    name = "gengamma"
    signature = "(),(),()->()"
    dtype = "floatX"
    param_names = ("alpha", "p", "lambd")
    checks: ClassVar[dict[str, Check]] = {"alpha": POSITIVE, "p": POSITIVE, "lambd": POSITIVE}

    def __call__(self, alpha: Any = 1.0, p: Any = 1.0, lambd: Any = 1.0, size: Any = None,
                 **kwargs: Any) -> Any:
        return super().__call__(alpha, p, lambd, size=size, **kwargs)

    def rng_fn(self, rng: np.random.Generator, alpha: Any, p: Any, lambd: Any, size: Any) -> Any:
        return lambd * rng.standard_gamma(alpha / p, size=draw_shape(size, alpha, p, lambd)) ** (1.0 / p)


triangular = register(TriangularRV())
chisquare = register(ChiSquareRV())
weibull = register(WeibullRV())
gumbel = register(GumbelRV())
logistic = register(LogisticRV())
laplace = register(LaplaceRV())
vonmises = register(VonMisesRV())
wald = register(WaldRV())
rayleigh = register(RayleighRV())
halfnormal = register(HalfNormalRV())
invgamma = register(InvGammaRV())
pareto = register(ParetoRV())
cauchy = register(CauchyRV())
halfcauchy = register(HalfCauchyRV())
t = register(StudentTRV())
truncexpon = register(TruncExponentialRV())
gengamma = register(GenGammaRV())
