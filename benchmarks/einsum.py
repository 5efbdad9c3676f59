"""``einsum`` beside NumPy (``np.einsum`` with ``optimize=True``), JAX and PyTensor, in one run.

- a chain of three matrix products ``ij,jk,kl->il`` where the order matters (a narrow
  middle): the path search must pick it, and the products must run as BLAS calls;
- a batched bilinear form ``bi,bij,bj->b`` over 10,000 small matrices (matmul on stacks);
- a tensor contraction over two summed labels at once, ``abcd,cdbe->ae`` (reshapes to one
  matrix product).

Every system's result is checked against ``np.einsum`` before timing; systems are
interleaved within each repetition and the median kept (as in benchmarks/linalg.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from bench_common import Table
from linalg import Case, Maker, _arignote, _flat, _jax, _pytensor, _timed

NAME = "einsum"

CASES: list[tuple[str, str, dict[str, tuple[int, ...]]]] = [
    ("matrix chain with a narrow middle", "ij,jk,kl->il",
     {"x": (400, 400), "y": (400, 4), "z": (4, 400)}),
    ("batched bilinear form, 10,000 4x4 matrices", "bi,bij,bj->b",
     {"x": (10_000, 4), "y": (10_000, 4, 4), "z": (10_000, 4)}),
    ("two summed labels at once", "abcd,cdbe->ae",
     {"x": (30, 20, 30, 20), "y": (30, 20, 20, 40)}),
]


def _numpy(subscripts: str, names: list[str]) -> Maker:
    def make(data: dict[str, np.ndarray]) -> Case:
        args = [data[n] for n in names]
        return lambda: _flat(np.einsum(subscripts, *args, optimize=True))
    return make


def einsum_table(quick: bool, title: str, subscripts: str, shapes: dict[str, tuple[int, ...]]) -> Table:
    subscripts = subscripts.replace(" ", "")
    rng = np.random.default_rng(0)
    data = {n: rng.normal(size=s) for n, s in shapes.items()}
    names = list(shapes)
    unknown = {n: (None,) * len(s) for n, s in shapes.items()}

    def graph(m: Any, **inputs: Any) -> Any:
        return m.einsum(subscripts, *[inputs[n] for n in names])

    systems: list[tuple[str, Maker]] = [
        ("arignote", _arignote(graph, unknown)),
        ("arignote (static shapes)", _arignote(graph, dict(shapes))),
        ("NumPy optimize=True", _numpy(subscripts, names)),
        ("JAX jit", _jax(lambda jnp, *xs: jnp.einsum(subscripts, *xs), names)),
        ("PyTensor default", _pytensor(graph, dict(shapes))),
    ]
    reference = np.einsum(subscripts, *[data[n] for n in names], optimize=True)
    return _timed(f"einsum {subscripts}: {title}", systems, data, reference, 1e-9, quick)


def run(quick: bool = False) -> list[Table]:
    """The einsum tables."""
    return [einsum_table(quick, title, subscripts, shapes) for title, subscripts, shapes in CASES]
