"""Shared checks for the distribution tests: a draw against NumPy's Generator doing the same
calls (bit for bit), and goodness-of-fit tests against ``scipy.stats``.

Goodness-of-fit tests run at a fixed seed on ``N_DRAWS`` draws and fail when the p-value is
below ``P_VALUE`` = 1e-3: a correct sampler fails one in a thousand seeds, a wrong law (a
swapped parameter, a missing shift) gives p-values of 1e-10 and less at this sample size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.stats as st

import arignote

#: compiled in the reference backend and in the default one (C, or the run's ``--mode``)
MODES = ["PY", None]
N_DRAWS = 5000
P_VALUE = 1e-3


def generator(seed: int = 0) -> Any:
    """A shared generator without a default update: each call draws the same numbers."""
    return arignote.shared(np.random.default_rng(seed))


def compiled_draw(function: Callable[..., Any], params: Sequence[Any], size: Any, seed: int,
                  mode: str | None, **kwargs: Any) -> np.ndarray:
    """``function(*params, size=size)`` drawn from a generator seeded with ``seed``, compiled
    in ``mode``."""
    draw = function(*params, size=size, rng=generator(seed), **kwargs)
    return arignote.function([], draw, mode=mode)()


def assert_same_as_numpy(function: Callable[..., Any], params: Sequence[Any], size: Any,
                         numpy_call: Callable[..., Any], mode: str | None, seed: int = 7) -> None:
    """The draw equals, bit for bit, ``numpy_call(generator, *params, size)`` from the same seed,
    and has the dtype the op promises."""
    got = compiled_draw(function, params, size, seed, mode)
    want = np.asarray(numpy_call(np.random.default_rng(seed), *params, size))
    expected_dtype = np.dtype("int64") if want.dtype.kind in "iu" else np.dtype(str(arignote.config.floatX))
    assert got.dtype == expected_dtype
    np.testing.assert_array_equal(got, want.astype(expected_dtype))


def draw_shape(size: Any, *params: Any) -> tuple[int, ...]:
    """The draw's shape: ``size``, else the parameters' shapes broadcast."""
    return size if size is not None else np.broadcast_shapes(*(np.shape(p) for p in params))


def assert_static_shapes(function: Callable[..., Any], params: Sequence[Any]) -> None:
    """The draw's static shape, known when the graph is built: from constant parameters, from
    ``size`` (constant or partly symbolic), unknown lengths from symbolic parameters."""
    import arignote.tensor as at

    assert function(*params, rng=generator()).type.shape == draw_shape(None, *params)
    assert function(*params, size=(4, 2, 3), rng=generator()).type.shape == (4, 2, 3)
    symbolic = [at.vector(f"p{i}") for i in range(len(params))]
    assert function(*symbolic, rng=generator()).type.shape == (None,)
    n = at.lscalar("n")
    assert function(*symbolic, size=(n, 5), rng=generator()).type.shape == (None, 5)


def ks_pvalue(sample: np.ndarray, dist: Any) -> float:
    """Kolmogorov-Smirnov p-value of ``sample`` against the frozen continuous ``dist``."""
    return float(st.kstest(np.ravel(sample), dist.cdf).pvalue)


def chisquare_pvalue(sample: np.ndarray, dist: Any) -> float:
    """Chi-squared p-value of the counts of the integer ``sample`` against the frozen discrete
    ``dist``: one bin per value, the tails lumped, bins merged until each expects >= 5."""
    sample = np.ravel(sample)
    lo, hi = int(dist.ppf(1e-4)), int(dist.ppf(1 - 1e-4))
    edges = list(range(lo, hi + 1))
    expected = [dist.cdf(lo)] + [dist.pmf(k) for k in edges[1:-1]] + [dist.sf(hi - 1)]
    observed = [np.sum(sample <= lo)] + [np.sum(sample == k) for k in edges[1:-1]] + [np.sum(sample >= hi)]
    return merged_chisquare(np.array(observed, float), np.array(expected) * sample.size)


def merged_chisquare(observed: np.ndarray, expected: np.ndarray) -> float:
    """Chi-squared p-value after merging neighbouring bins that expect fewer than 5 counts."""
    obs: list[float] = []
    exp: list[float] = []
    acc_o = acc_e = 0.0
    for o, e in zip(observed, expected):
        acc_o, acc_e = acc_o + o, acc_e + e
        if acc_e >= 5:
            obs.append(acc_o)
            exp.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e and exp:
        obs[-1] += acc_o
        exp[-1] += acc_e
    exp_arr = np.array(exp) * (sum(obs) / sum(exp))  # the sums must agree exactly
    return float(st.chisquare(obs, exp_arr).pvalue)


def assert_moments(sample: np.ndarray, dist: Any) -> None:
    """The sample mean (and variance, when the fourth moment is finite) within 6 standard
    errors of ``dist``'s."""
    sample = np.ravel(sample).astype(np.float64)
    n = sample.size
    mean, var, kurt = (float(v) for v in dist.stats(moments="mvk"))
    if not np.isfinite(var):
        return
    assert abs(sample.mean() - mean) < 6 * np.sqrt(var / n), (sample.mean(), mean)
    if np.isfinite(kurt):
        assert abs(sample.var() - var) < 6 * var * np.sqrt((kurt + 2) / n), (sample.var(), var)
