"""The continuous distributions of ``at.random`` beyond :mod:`~arignote.tensor.random.basic`,
with PyTensor's names, signatures, parameter order and defaults.

Where ``numpy.random.Generator`` has a method with the same parametrisation the draw is that
call (NumPy's numbers, bit for bit): ``triangular``, ``chisquare``, ``weibull``, ``gumbel``,
``logistic``, ``laplace``, ``vonmises``, ``wald``, ``rayleigh``.  The others are a short
composition of Generator calls, written in each op's ``draw`` and in the user function's
docstring; several are exactly what SciPy's ``rvs`` does with the generator as
``random_state`` (which PyTensor calls), and so give PyTensor's numbers too.

``laplace``, ``logistic``, ``gumbel`` and ``cauchy`` are location-scale families
(``x = loc + scale * z`` with ``z`` free of the parameters): they have reparameterised
derivatives (:mod:`arignote.tensor.random.reparameterised`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from arignote.tensor.random.basic import NONNEGATIVE, POSITIVE, RV_OPS, define, draw_from
from arignote.tensor.random.op import Check, RandomVariable
from arignote.tensor.random.reparameterised import location_scale_pullback
from arignote.tensor.variable import TensorVariable

__all__ = ["cauchy", "chisquare", "gengamma", "gumbel", "halfcauchy", "halfnormal", "invgamma",
           "laplace", "logistic", "pareto", "rayleigh", "t", "triangular", "truncexpon", "vonmises",
           "wald", "weibull"]


def draw_shape(size: Any, *params: Any) -> tuple[int, ...]:
    """The shape of a draw: ``size``, or the parameters' broadcast shape (a composition of
    Generator calls must ask for that many numbers: ``standard_cauchy(size=None)`` gives one)."""
    if size is not None:
        return tuple(size)
    return tuple(np.broadcast_shapes(*(np.shape(p) for p in params)))


# --- one Generator call ------------------------------------------------------------------

@dataclass(frozen=True)
class TriangularRV(RandomVariable):
    """``Generator.triangular(left, mode, right)``; the parameters must be ordered."""

    checks: ClassVar[dict[str, Check]] = {}

    def check_parameters(self, params: Sequence[np.ndarray]) -> None:
        left, mode, right = (np.asarray(p) for p in params)
        if not bool(np.all(left <= mode)):
            raise ValueError(f"triangular: mode must be >= left, got left={left!r}, mode={mode!r}")
        if not bool(np.all(mode <= right)):
            raise ValueError(f"triangular: right must be >= mode, got mode={mode!r}, right={right!r}")
        if not bool(np.all(left < right)):
            raise ValueError(f"triangular: right must be > left, got left={left!r}, right={right!r}")


triangular_rv = TriangularRV(name="triangular", method="triangular",
                             param_names=("left", "mode", "right"), ndims_params=(0, 0, 0))
RV_OPS["triangular"] = triangular_rv
chisquare_rv = define("chisquare", "chisquare", ("df",), checks={"df": POSITIVE})
weibull_rv = define("weibull", "weibull", ("shape",), checks={"shape": NONNEGATIVE})
gumbel_rv = define("gumbel", "gumbel", ("loc", "scale"), checks={"scale": NONNEGATIVE})
logistic_rv = define("logistic", "logistic", ("loc", "scale"), checks={"scale": NONNEGATIVE})
laplace_rv = define("laplace", "laplace", ("loc", "scale"), checks={"scale": NONNEGATIVE})
vonmises_rv = define("vonmises", "vonmises", ("mu", "kappa"), checks={"kappa": NONNEGATIVE})
wald_rv = define("wald", "wald", ("mean", "scale"), checks={"mean": POSITIVE, "scale": POSITIVE})
rayleigh_rv = define("rayleigh", "rayleigh", ("scale",), checks={"scale": NONNEGATIVE})

# --- compositions ------------------------------------------------------------------------


def _halfnormal(g: np.random.Generator, loc: Any, scale: Any, size: Any) -> Any:
    # scipy.stats.halfnorm.rvs: |standard_normal|, then loc + scale * that (PyTensor's numbers)
    return loc + scale * np.abs(g.standard_normal(size=draw_shape(size, loc, scale)))


def _invgamma(g: np.random.Generator, shape: Any, scale: Any, size: Any) -> Any:
    # PyTensor's own rng_fn: 1 / Gamma(shape, 1 / scale)
    return 1.0 / g.gamma(shape, 1.0 / scale, size=size)


def _pareto(g: np.random.Generator, b: Any, scale: Any, size: Any) -> Any:
    # NumPy's pareto is the Lomax (Pareto II) law on [0, inf): shift it to [1, inf) and scale
    return scale * (1.0 + g.pareto(b, size=draw_shape(size, b, scale)))


def _cauchy(g: np.random.Generator, loc: Any, scale: Any, size: Any) -> Any:
    # scipy.stats.cauchy.rvs draws standard_cauchy and scales it the same way
    return loc + scale * g.standard_cauchy(size=draw_shape(size, loc, scale))


def _halfcauchy(g: np.random.Generator, loc: Any, scale: Any, size: Any) -> Any:
    # scipy.stats.halfcauchy.rvs: |standard_cauchy|, then loc + scale * that
    return loc + scale * np.abs(g.standard_cauchy(size=draw_shape(size, loc, scale)))


def _t(g: np.random.Generator, df: Any, loc: Any, scale: Any, size: Any) -> Any:
    # scipy.stats.t.rvs: standard_t(df), then loc + scale * that
    return loc + scale * g.standard_t(df, size=draw_shape(size, df, loc, scale))


def _truncexpon(g: np.random.Generator, b: Any, loc: Any, scale: Any, size: Any) -> Any:
    # inverse CDF on one uniform: F(y) = (1 - e^-y) / (1 - e^-b) on [0, b]; expm1/log1p keep
    # small b and small u exact
    u = g.random(size=draw_shape(size, b, loc, scale))
    return loc - scale * np.log1p(u * np.expm1(-b))


def _gengamma(g: np.random.Generator, alpha: Any, p: Any, lambd: Any, size: Any) -> Any:
    # scipy.stats.gengamma.rvs(alpha / p, p, scale=lambd): standard_gamma(alpha / p) ** (1 / p)
    return lambd * g.standard_gamma(alpha / p, size=draw_shape(size, alpha, p, lambd)) ** (1.0 / p)


halfnormal_rv = define("halfnormal", "halfnormal", ("loc", "scale"), checks={"scale": NONNEGATIVE},
                       draw=_halfnormal)
invgamma_rv = define("invgamma", "invgamma", ("shape", "scale"),
                     checks={"shape": POSITIVE, "scale": POSITIVE}, draw=_invgamma)
pareto_rv = define("pareto", "pareto", ("b", "scale"), checks={"b": POSITIVE, "scale": POSITIVE},
                   draw=_pareto)
cauchy_rv = define("cauchy", "cauchy", ("loc", "scale"), checks={"scale": NONNEGATIVE}, draw=_cauchy)
halfcauchy_rv = define("halfcauchy", "halfcauchy", ("loc", "scale"), checks={"scale": NONNEGATIVE},
                       draw=_halfcauchy)
t_rv = define("t", "t", ("df", "loc", "scale"), checks={"df": POSITIVE, "scale": NONNEGATIVE}, draw=_t)
truncexpon_rv = define("truncexpon", "truncexpon", ("b", "loc", "scale"),
                       checks={"b": POSITIVE, "scale": POSITIVE}, draw=_truncexpon)
gengamma_rv = define("gengamma", "gengamma", ("alpha", "p", "lambd"),
                     checks={"alpha": POSITIVE, "p": POSITIVE, "lambd": POSITIVE}, draw=_gengamma)

# the location-scale families: x = loc + scale * z, so loc̄ = ḡ and scalē = ḡ (x - loc) / scale
for _op in (laplace_rv, logistic_rv, gumbel_rv, cauchy_rv):
    type(_op).pullback = location_scale_pullback  # type: ignore[method-assign]


# --- the user functions ----------------------------------------------------------------

def halfnormal(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Half-normal draws: ``loc + scale * |standard_normal|`` (SciPy's ``halfnorm.rvs``)."""
    return draw_from(halfnormal_rv, [loc, scale], size, **kwargs)


def triangular(left: Any, mode: Any, right: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Triangular draws on ``[left, right]`` peaking at ``mode`` (``Generator.triangular``)."""
    return draw_from(triangular_rv, [left, mode, right], size, **kwargs)


def invgamma(shape: Any, scale: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Inverse-gamma draws: ``1 / Generator.gamma(shape, 1 / scale)`` (PyTensor's draw)."""
    return draw_from(invgamma_rv, [shape, scale], size, **kwargs)


def chisquare(df: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Chi-squared draws with ``df`` degrees of freedom (``Generator.chisquare``, which is
    ``2 * standard_gamma(df / 2)``: PyTensor's ``gamma(df / 2, scale=2)``, the same numbers)."""
    return draw_from(chisquare_rv, [df], size, **kwargs)


def weibull(shape: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Weibull draws of shape ``shape``, scale 1 (``Generator.weibull``)."""
    return draw_from(weibull_rv, [shape], size, **kwargs)


def pareto(b: Any, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Pareto draws on ``[scale, inf)`` of shape ``b`` (SciPy's ``pareto``):
    ``scale * (1 + Generator.pareto(b))`` (NumPy's ``pareto`` is the Lomax law)."""
    return draw_from(pareto_rv, [b, scale], size, **kwargs)


def gumbel(loc: Any, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Gumbel (maximum) draws (``Generator.gumbel``)."""
    return draw_from(gumbel_rv, [loc, scale], size, **kwargs)


def logistic(loc: Any = 0, scale: Any = 1, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Logistic draws (``Generator.logistic``)."""
    return draw_from(logistic_rv, [loc, scale], size, **kwargs)


def laplace(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Laplace (double exponential) draws (``Generator.laplace``)."""
    return draw_from(laplace_rv, [loc, scale], size, **kwargs)


def cauchy(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Cauchy draws: ``loc + scale * Generator.standard_cauchy()`` (SciPy's ``cauchy.rvs``)."""
    return draw_from(cauchy_rv, [loc, scale], size, **kwargs)


def halfcauchy(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Half-Cauchy draws: ``loc + scale * |Generator.standard_cauchy()|`` (SciPy's
    ``halfcauchy.rvs``)."""
    return draw_from(halfcauchy_rv, [loc, scale], size, **kwargs)


def t(df: Any, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Student's t draws: ``loc + scale * Generator.standard_t(df)`` (SciPy's ``t.rvs``)."""
    return draw_from(t_rv, [df, loc, scale], size, **kwargs)


def vonmises(mu: Any, kappa: Any, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Von Mises draws on ``[-pi, pi]`` (``Generator.vonmises``)."""
    return draw_from(vonmises_rv, [mu, kappa], size, **kwargs)


def wald(mean: Any = 1.0, scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Wald (inverse Gaussian) draws of mean ``mean`` and shape ``scale`` (``Generator.wald``)."""
    return draw_from(wald_rv, [mean, scale], size, **kwargs)


def truncexpon(b: Any, loc: Any = 0.0, scale: Any = 1.0, size: Any = None,
               **kwargs: Any) -> TensorVariable:
    """Exponential draws truncated to ``[loc, loc + b * scale]`` (SciPy's ``truncexpon``), by
    the inverse CDF of ``u = Generator.random()``: ``loc - scale * log1p(u * expm1(-b))``."""
    return draw_from(truncexpon_rv, [b, loc, scale], size, **kwargs)


def gengamma(alpha: Any = 1.0, p: Any = 1.0, lambd: Any = 1.0, size: Any = None,
             **kwargs: Any) -> TensorVariable:
    """Generalised gamma draws: ``lambd * Generator.standard_gamma(alpha / p) ** (1 / p)``
    (SciPy's ``gengamma.rvs(alpha / p, p, scale=lambd)``, PyTensor's draw)."""
    return draw_from(gengamma_rv, [alpha, p, lambd], size, **kwargs)


def rayleigh(scale: Any = 1.0, size: Any = None, **kwargs: Any) -> TensorVariable:
    """Rayleigh draws (``Generator.rayleigh``; PyTensor builds ``scale * sqrt(chisquare(2))``,
    the same law)."""
    return draw_from(rayleigh_rv, [scale], size, **kwargs)
