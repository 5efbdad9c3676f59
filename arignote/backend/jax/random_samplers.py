"""Samplers, in pure JAX, for distributions ``jax.random`` does not have.

Each function takes a JAX key (a typed ``jax.random.key`` or a legacy ``uint32`` key), the
distribution's parameters (arrays broadcastable to ``shape``, run-time values that may be
traced) and a static ``shape``, and runs inside ``jax.jit`` / ``jax.vmap``:

* :func:`vonmises`: the von Mises law on [-pi, pi], by Best and Fisher's (1979) rejection
  algorithm, as ``numpy.random.Generator.vonmises`` draws it (same law, other numbers);
* :func:`hypergeometric`: good items among ``nsample`` drawn without replacement, by drawing
  the items one at a time, as ``numpy.random.Generator.hypergeometric`` (same law).

Parameters outside the domain are not checked (nothing can raise inside ``jax.jit``): a
negative or NaN ``kappa`` gives NaN; negative counts, or ``nsample > ngood + nbad``, give
integers of no meaning.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

__all__ = ["hypergeometric", "vonmises"]

#: below this concentration the law is the uniform one to within 1e-8 in density, and the
#: rejection algorithm's setup divides by ``kappa``: NumPy draws a uniform there too
VONMISES_UNIFORM_BELOW = 1e-8

#: a safety net for the rejection loop: each round accepts a lane with probability 0.65 or
#: more whatever ``kappa`` (from 1 at kappa = 0 down to about 0.658 as kappa grows), so ``n``
#: lanes are all done after some ``log(n) / log(1 / 0.35)`` rounds (about 13 for a million);
#: reaching this cap means a lane could never be accepted (it then gets NaN), not bad luck
_VONMISES_MAX_ROUNDS = 10_000


def vonmises(key: Any, mu: Any, kappa: Any, shape: tuple[int, ...], dtype: Any = jnp.float64) -> jax.Array:
    """Von Mises draws of mean direction ``mu`` and concentration ``kappa``, in [-pi, pi].

    ``mu`` and ``kappa`` broadcast to ``shape``; ``dtype`` is a float dtype (float64 needs
    ``jax_enable_x64``, otherwise JAX gives float32).  ``kappa < 1e-8`` (0 included) draws
    the uniform law on [-pi, pi), as NumPy does; NaN or negative ``kappa`` gives NaN.

    Best and Fisher's algorithm proposes from a wrapped Cauchy law and accepts with a test
    on a second uniform; it is vectorised with a ``lax.while_loop`` that draws fresh
    uniforms for every lane each round and updates only the lanes not yet accepted, until
    all are.  Unlike NumPy, there is no wrapped-normal shortcut for large ``kappa``: the
    setup below is written without cancellation, so the algorithm stays accurate (exact up
    to rounding) and finite for any ``kappa`` up to infinity (which gives ``mu``), in
    float32 as in float64.
    """
    shape = tuple(shape)
    dtype = jnp.dtype(dtype)
    mu = jnp.broadcast_to(jnp.asarray(mu, dtype), shape)
    kappa = jnp.broadcast_to(jnp.asarray(kappa, dtype), shape)
    pi = jnp.asarray(math.pi, dtype)
    invalid = jnp.isnan(kappa) | (kappa < 0)
    uniform_lane = (kappa < VONMISES_UNIFORM_BELOW) & ~invalid
    # the lanes that skip the rejection loop compute with kappa = 1, so nothing divides by 0
    k = jnp.where(uniform_lane | invalid, jnp.ones_like(kappa), kappa)

    # Best and Fisher's r = (1 + rho^2) / (2 rho), with tau = 1 + sqrt(1 + 4 k^2) and
    # rho = (tau - sqrt(2 tau)) / (2 k), simplifies to tau / (2 k) (1 / rho is
    # (tau + sqrt(2 tau)) / (2 k)).  The algorithm needs r - 1, which tends to 1 / (2 k) and
    # cancels catastrophically for large k if formed as r - 1; with a = sqrt(1 + 4 k^2),
    # a - 2 k = 1 / (a + 2 k), so k (r - 1) = (1 + 1 / (a + 2 k)) / 2, in [1/2, 1], exactly.
    a = jnp.hypot(jnp.ones_like(k), 2 * k)  # hypot: no overflow of 4 k^2 in float32
    kt = (1 + 1 / (a + 2 * k)) / 2  # k (r - 1)
    t = kt / k  # r - 1

    key_loop, key_sign, key_uniform = jax.random.split(key, 3)

    def not_done(state: tuple[Any, Any, Any]) -> Any:
        rounds, accepted, _ = state
        return (rounds < _VONMISES_MAX_ROUNDS) & ~jnp.all(accepted)

    def one_round(state: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
        rounds, accepted, one_minus_f = state
        key_u, key_v = jax.random.split(jax.random.fold_in(key_loop, rounds))
        u = jax.random.uniform(key_u, shape, dtype)
        v = jax.random.uniform(key_v, shape, dtype)
        # z = cos(pi u) and f = (1 + r z) / (r + z); the angle is acos(f), small for large k,
        # where 1 - f must be exact: 1 - z = 2 sin^2(pi u / 2), 1 + z = 2 cos^2(pi u / 2),
        # so 1 - f = (r - 1)(1 - z) / ((r - 1) + (1 + z)), a ratio of positive terms
        half = (pi / 2) * u
        sin2, cos2 = jnp.sin(half) ** 2, jnp.cos(half) ** 2
        denominator = t + 2 * cos2
        candidate = 2 * sin2 * t / denominator
        # c = k (r - f) = k (r - 1) + k (1 - f) >= 1/2: the logarithm below is finite (v = 0
        # gives +inf there, an acceptance, which has probability 0 anyway)
        c = kt + 2 * sin2 * kt / denominator
        ok = (c * (2 - c) - v >= 0) | (jnp.log(c / v) + 1 - c >= 0)
        one_minus_f = jnp.where(ok & ~accepted, candidate, one_minus_f)
        return rounds + 1, accepted | ok, one_minus_f

    start = (jnp.asarray(0, jnp.int32), uniform_lane | invalid, jnp.zeros(shape, dtype))
    _, accepted, one_minus_f = jax.lax.while_loop(not_done, one_round, start)

    # acos(f) = 2 asin(sqrt((1 - f) / 2)): accurate for f near 1 where acos is not
    angle = 2 * jnp.arcsin(jnp.sqrt(jnp.clip(one_minus_f / 2, 0, 1)))
    sign = jax.random.rademacher(key_sign, shape, dtype)  # independent of the acceptance
    drawn = jnp.mod(mu + sign * angle + pi, 2 * pi) - pi
    flat = pi * (2 * jax.random.uniform(key_uniform, shape, dtype) - 1)
    out = jnp.where(uniform_lane, flat, drawn)
    return jnp.where(invalid | ~accepted, jnp.asarray(jnp.nan, dtype), out)


def hypergeometric(key: Any, ngood: Any, nbad: Any, nsample: Any, shape: tuple[int, ...]) -> jax.Array:
    """Hypergeometric draws: good items among ``nsample`` drawn without replacement from an urn
    of ``ngood`` good and ``nbad`` bad items; int64 (needs ``jax_enable_x64``).

    ``ngood``, ``nbad`` and ``nsample`` are integer arrays broadcastable to ``shape``, run-time
    values.  The items are drawn one at a time, all lanes together in a ``lax.while_loop``:
    at each step a lane still drawing takes a good item with probability ``good left /
    items left``.  A lane draws ``m = min(nsample, N - nsample)`` items (``N = ngood +
    nbad``): when ``nsample > N / 2`` it draws the items left in the urn instead, and the
    answer is ``ngood`` minus the good ones among them, the same law for half the work.

    Cost: ``max(m)`` steps over all lanes per call, each step one float64 uniform per lane,
    so O(size * max over lanes of min(nsample, N - nsample)): fine for urns of thousands,
    slow for a sample of millions (NumPy's ratio-of-uniforms method is O(1) there).

    The law is exact up to the float64 rounding of each step's probability (an error below
    2**-52 per step), not up to a 32-bit approximation: the step's test compares a 52-bit
    uniform with ``good left / items left``.
    """
    # (the dtype JAX gives int64 tells whether 64-bit types are on, also under a
    # ``jax.enable_x64(False)`` context, where reading ``jax.config.jax_enable_x64`` does not)
    if jax.dtypes.canonicalize_dtype(jnp.int64) != jnp.int64:
        # without 64-bit types the draws would be int32 and the step's uniform float32, whose
        # 2**-23 granularity biases the law visibly for urns of a few thousand items
        raise ValueError("hypergeometric draws on JAX need jax.config.update('jax_enable_x64', True)")
    shape = tuple(shape)
    ngood = jnp.broadcast_to(jnp.asarray(ngood, jnp.int64), shape)
    nbad = jnp.broadcast_to(jnp.asarray(nbad, jnp.int64), shape)
    nsample = jnp.broadcast_to(jnp.asarray(nsample, jnp.int64), shape)
    total = ngood + nbad
    complement = nsample > total - nsample
    draws = jnp.maximum(jnp.minimum(nsample, total - nsample), 0)
    steps = jnp.max(draws, initial=0)  # a 0-size draw makes no step

    def more(state: tuple[Any, Any]) -> Any:
        return state[0] < steps

    def step(state: tuple[Any, Any]) -> tuple[Any, Any]:
        i, goods = state
        drawing = i < draws
        # i items are out, goods of them good; a lane that has finished (or never started)
        # divides by 1 and ignores the result
        left = jnp.where(drawing, total - i, 1)
        u = jax.random.uniform(jax.random.fold_in(key, i), shape, jnp.float64)
        good = drawing & (u < (ngood - goods) / left)
        return i + 1, goods + good.astype(jnp.int64)

    start = (jnp.asarray(0, jnp.int64), jnp.zeros(shape, jnp.int64))
    _, goods = jax.lax.while_loop(more, step, start)
    return jnp.where(complement, ngood - goods, goods)
