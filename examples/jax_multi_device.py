"""A log-density and its gradient, compiled by arignote, evaluated data-parallel on 8 devices.

arignote builds and differentiates the model (a hierarchical logistic
regression: group effects drawn around a global mean), compiles it for the
JAX backend, and hands its pure JAX function (``f.jax_fn``) to JAX, which
splits the data rows across a mesh of devices with a sharding.  XLA
partitions the computation: each device sums the likelihood of its rows and
an all-reduce adds the partial sums (and partial gradients).  The values
match the one-device run.

On a machine without accelerators, the CPU is made to show 8 devices::

    XLA_FLAGS=--xla_force_host_platform_device_count=8 python examples/jax_multi_device.py

(the script sets that flag itself when it is not set).  On GPUs or TPUs,
the same code uses the real devices.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")

import jax  # noqa: E402
import numpy as np  # noqa: E402
from jax.sharding import NamedSharding, PartitionSpec  # noqa: E402

import arignote  # noqa: E402
import arignote.tensor as at  # noqa: E402

N_DEVICES = 8


def build_model() -> tuple[list[at.TensorVariable], list[at.TensorVariable]]:
    """Inputs ``[mu, log_tau, z, w, X, group, y]`` and outputs ``[logp, dlogp/d(mu, log_tau, z, w)]``."""
    mu, log_tau = at.dscalar("mu"), at.dscalar("log_tau")
    z, w = at.dvector("z"), at.dvector("w")         # group effects (non-centred), coefficients
    X, group, y = at.dmatrix("X"), at.lvector("group"), at.dvector("y")
    tau = at.exp(log_tau)
    effects = mu + tau * z
    logits = X @ w + effects[group]
    # Bernoulli likelihood written stably: y * logit - log(1 + exp(logit))
    likelihood = (y * logits - at.softplus(logits)).sum()
    prior = (-0.5 * mu ** 2 - 0.5 * log_tau ** 2 - 0.5 * (z ** 2).sum() - 0.5 * (w ** 2).sum())
    logp = likelihood + prior
    params = [mu, log_tau, z, w]
    return [*params, X, group, y], [logp, *arignote.grad(logp, params)]


def make_data(rng: np.random.Generator, n_rows: int, n_features: int, n_groups: int) -> tuple[np.ndarray, ...]:
    X = rng.normal(size=(n_rows, n_features))
    group = rng.integers(0, n_groups, size=n_rows)
    logits = X @ rng.normal(size=n_features) + rng.normal(size=n_groups)[group]
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-logits))).astype(np.float64)
    return X, group, y


def main() -> int:
    devices = jax.devices()
    if len(devices) < N_DEVICES:
        print(f"need {N_DEVICES} devices, JAX sees {len(devices)}: set "
              f"XLA_FLAGS=--xla_force_host_platform_device_count={N_DEVICES} before starting Python")
        return 1
    rng = np.random.default_rng(0)
    n_groups, n_features = 16, 10
    X, group, y = make_data(rng, 64_000, n_features, n_groups)
    params = [np.float64(0.3), np.float64(-0.2), rng.normal(size=n_groups), rng.normal(size=n_features)]

    inputs, outputs = build_model()
    f = arignote.function(inputs, outputs, mode="JAX")

    # One device: the compiled function itself.
    single = f(*params, X, group, y)

    # Eight devices: rows of the data split across a 1-d mesh, parameters replicated.
    # Auto axes: XLA decides how every intermediate is partitioned (GSPMD), from the inputs'
    # shardings; the graph needs no annotation.
    mesh = jax.make_mesh((N_DEVICES,), ("data",), devices=devices[:N_DEVICES],
                         axis_types=(jax.sharding.AxisType.Auto,))
    rows = NamedSharding(mesh, PartitionSpec("data"))
    replicated = NamedSharding(mesh, PartitionSpec())
    sharded_data = [jax.device_put(a, rows) for a in (X, group, y)]
    sharded_params = [jax.device_put(p, replicated) for p in params]
    parallel = jax.jit(f.jax_fn)
    results = parallel(*sharded_params, *sharded_data)

    print(f"devices: {len(sharded_data[0].sharding.device_set)} "
          f"({sharded_data[0].sharding.shard_shape(X.shape)} rows of X each)")
    compiled = parallel.lower(*sharded_params, *sharded_data).compile().as_text()
    print(f"partial sums combined across devices by XLA: {'all-reduce' in compiled}")
    worst = 0.0
    for name, a, b in zip(["logp", "d/dmu", "d/dlog_tau", "d/dz", "d/dw"], single, results):
        b = np.asarray(b)
        diff = float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300)))
        worst = max(worst, diff)
        print(f"{name:>11}: 1 device {np.ravel(a)[:3]}  {N_DEVICES} devices {np.ravel(b)[:3]}")
    print(f"max relative difference between 1 and {N_DEVICES} devices: {worst:.2e}")
    return 0 if worst < 1e-10 else 1


if __name__ == "__main__":
    sys.exit(main())
