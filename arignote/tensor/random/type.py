"""Random generators as graph values: the type of a ``numpy.random.Generator`` variable, and
shared generators.

A draw is a node that takes a generator and gives the next generator and the draw
(:class:`arignote.tensor.random.op.RandomVariable`), so graphs stay pure.  Nodes are interned:
two draws with the same generator *value* and the same parameters are the same draw (the
same numbers, as NumPy would give for the same generator state); two generators are two
values, so their draws are never merged.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import numpy as np

from arignote.graph.basic import Constant, Variable
from arignote.graph.shared import SharedVariable
from arignote.graph.type import Type

__all__ = ["RandomGeneratorConstant", "RandomGeneratorSharedVariable", "RandomGeneratorType",
           "RandomGeneratorVariable", "random_generator_type", "rng", "shared_generator", "shared_rng"]


class RandomGeneratorType(Type):
    """The type of a ``numpy.random.Generator`` value."""

    __slots__ = ()

    def filter(self, value: Any, name: str = "value") -> np.random.Generator:
        if isinstance(value, np.random.Generator):
            return value
        raise TypeError(f"{name}: expected a numpy.random.Generator, got {type(value).__name__}")

    def constant_key(self, data: Any) -> Any:
        # two constant generators are one value only when they are one object: a state read
        # now could change when the generator is used outside the graph
        return id(data)

    def __eq__(self, other: object) -> bool:
        return type(other) is RandomGeneratorType

    def __hash__(self) -> int:
        return hash(RandomGeneratorType)

    def __str__(self) -> str:
        return "RandomGenerator"

    __repr__ = __str__

    def __reduce__(self) -> Any:
        return (RandomGeneratorType, ())


class RandomGeneratorVariable(Variable):
    """A symbolic ``numpy.random.Generator``.

    Every distribution of ``at.random`` is a method (PyTensor 3's API): ``next_rng, x =
    rng.normal(0, 1, size=3)`` draws from this generator and gives the generator after the
    draw, to draw from next.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        from arignote.tensor import random  # the distributions build on this module

        function = getattr(random, name, None)
        # a distribution: an op (an instance of a RandomVariable class) or a function that
        # makes one (gamma, choice, permutation)
        known = isinstance(function, random.RandomVariable) or name in ("gamma", "choice", "permutation")
        if function is None or not known:
            raise AttributeError(f"{type(self).__name__} has no attribute or distribution {name!r}")

        def draw(*args: Any, **kwargs: Any) -> Any:
            return function(*args, rng=self, return_next_rng=True, **kwargs)
        return draw


class RandomGeneratorConstant(Constant, RandomGeneratorVariable):
    """A generator fixed in the graph (each draw from it gives the same numbers)."""

    __slots__ = ()


RandomGeneratorType.variable_class = RandomGeneratorVariable
RandomGeneratorType.constant_class = RandomGeneratorConstant

#: the one generator type
random_generator_type = RandomGeneratorType()


#: the creation order of shared generators (see ``RandomGeneratorSharedVariable.serial``)
_serials = itertools.count()


def next_serial() -> int:
    """The ``serial`` the next shared generator will get (generators made from now on have one
    at least this large)."""
    # itertools.count cannot be peeked: take one and leave a gap (serials only compare)
    return next(_serials)


class RandomGeneratorSharedVariable(SharedVariable, RandomGeneratorVariable):
    """A generator stored between calls (``arignote.shared(np.random.default_rng(seed))``).

    ``default_update``: the generator's next value, which a compiled function stores after
    each call unless the call's ``updates`` say otherwise or ``no_default_updates`` is set (the
    draws made without an explicit generator, and ``RandomStream``'s, set it).
    """

    __slots__ = ("_value", "default_update", "serial")

    def __init__(self, value: np.random.Generator, name: str | None = None) -> None:
        super().__init__(random_generator_type, None, None, name)
        self._value = value
        self.default_update: Variable | None = None
        #: creation order: a loop's step function carries the generators made while it was
        #: traced (a draw without ``rng``, ``RandomStream``'s), as PyTensor's scan does, and
        #: needs to tell them from generators made before (which it must leave alone)
        self.serial = next(_serials)

    def get_value(self, borrow: bool = False, return_internal_type: bool = False) -> np.random.Generator:
        """The current generator (a copy unless ``borrow``: drawing from it then leaves this
        variable's state alone)."""
        return self._value if borrow else copy.deepcopy(self._value)

    def set_value(self, value: Any = None, borrow: bool = False, seed: Any = None) -> None:
        """Store a generator (copied unless ``borrow``), or a new one made from ``seed``."""
        if value is None:
            value, borrow = np.random.default_rng(seed), True
        generator = self.type.filter(value, name=f"shared generator {self.name or '<unnamed>'}")
        self._value = generator if borrow else copy.deepcopy(generator)

    @property
    def value(self) -> np.random.Generator:
        return self._value

    def __str__(self) -> str:
        return self.name if self.name is not None else "<shared RandomGenerator>"


def rng(name: str | None = None) -> RandomGeneratorVariable:
    """A symbolic generator, an input of a function (PyTensor 3's ``pt.random.rng``)."""
    return random_generator_type.make_variable(name)


def shared_rng(value: np.random.Generator | None = None, name: str | None = None,
               borrow: bool = False, seed: Any = None) -> RandomGeneratorSharedVariable:
    """A shared generator holding ``value``, or a new one made from ``seed`` (PyTensor 3's
    ``pt.random.shared_rng``)."""
    if value is None:
        value, borrow = np.random.default_rng(seed), True
    return shared_generator(value, name, borrow)


def shared_generator(value: np.random.Generator, name: str | None = None,
                     borrow: bool = False) -> RandomGeneratorSharedVariable:
    """A shared variable holding the generator ``value`` (copied unless ``borrow``)."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(f"shared_generator: expected a numpy.random.Generator, got {type(value).__name__}")
    return RandomGeneratorSharedVariable(value if borrow else copy.deepcopy(value), name)
