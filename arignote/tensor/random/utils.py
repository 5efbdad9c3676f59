"""``RandomStream``: PyTensor's factory of draws with generators of their own.

Each draw it makes gets a new shared generator, seeded from the stream's seed sequence, whose
default update is the generator after the draw: a compiled function advances it at each call.
``seed(s)`` re-seeds every generator it made, as if the stream had been created with ``s``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.graph.basic import Variable
from arignote.tensor.random.type import RandomGeneratorSharedVariable, shared_generator

__all__ = ["RandomStream"]


class RandomStream:
    """Draws with shared generators made from ``seed``: ``srng.normal(0, 1, size=3)``."""

    def __init__(self, seed: int | None = None, namespace: Any = None,
                 rng_ctor: Any = np.random.default_rng) -> None:
        if namespace is None:
            # every distribution (basic.py's and those of continuous/discrete/multivariate.py),
            # as PyTensor's default namespace holds them all; imported here, not at the top: the
            # package imports this module
            from arignote.tensor import random as namespace
        self.namespace = namespace
        self.rng_ctor = rng_ctor
        self.default_instance_seed = seed
        self.gen_seedgen = np.random.SeedSequence(seed)
        #: (shared generator, its next value) for every draw made
        self.state_updates: list[tuple[RandomGeneratorSharedVariable, Variable]] = []

    def seed(self, seed: int | None = None) -> None:
        """Re-seed every generator this stream made, in the order it made them."""
        if seed is None:
            seed = self.default_instance_seed
        self.gen_seedgen = np.random.SeedSequence(seed)
        for rng, _ in self.state_updates:
            child = self.gen_seedgen.spawn(1)[0]
            rng.set_value(self.rng_ctor(child), borrow=True)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in ("namespace", "rng_ctor"):
            raise AttributeError(name)
        function = getattr(self.namespace, name, None)
        if function is None or not callable(function):
            raise AttributeError(f"RandomStream has no distribution {name!r}")

        def make(*args: Any, **kwargs: Any) -> Any:
            return self.gen(function, *args, **kwargs)
        return make

    def gen(self, op: Any, *args: Any, **kwargs: Any) -> Any:
        """Draw with ``op`` (a distribution: a RandomVariable op or a function) and a new
        shared generator of this stream; returns the draw."""
        if "rng" in kwargs:
            raise ValueError("RandomStream.gen: the stream makes the generator; do not pass rng")
        child = self.gen_seedgen.spawn(1)[0]
        rng = shared_generator(self.rng_ctor(child), borrow=True)
        draw = op(*args, rng=rng, **kwargs)
        assert draw.owner is not None
        next_rng = draw.owner.outputs[0]
        rng.default_update = next_rng
        self.state_updates.append((rng, next_rng))
        return draw
