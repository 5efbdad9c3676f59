"""Converters of PyTensor's random variables (``pytensor.tensor.random``).

arignote's ``RandomVariable`` follows PyTensor's protocol: a node takes the generator, the
``size`` and the distribution's parameters, in the same order and parametrisations
(``gamma(shape, scale)``, ``t(df, loc, scale)``...), and gives ``[next_rng, draw]``; each
distribution has the same ``name`` and gufunc ``signature``.  So a PyTensor node converts to
the arignote distribution of the same ``name`` applied to the converted inputs, with the
draw's dtype and the node's signature (which matters for ops made per call, as ``choice``
and ``permutation``).  PyTensor's ``ChoiceWithoutReplacement`` is arignote's ``ChoiceRV``
with ``replace=False``.

Draws use the generator passed in: both libraries call the same ``numpy.random.Generator``
method with the same arguments for most distributions, so the same seed gives the same
numbers; where arignote draws with another algorithm (its own ``rng_fn``), the distribution
is the same and the numbers differ (tests/interop/test_pytensor_random.py says which).
``size=None`` (PyTensor's ``NoneConst``) is arignote's empty size vector.
"""

from __future__ import annotations

from typing import Any

from pytensor.tensor.random.basic import ChoiceWithoutReplacement as PtChoiceWithoutReplacement
from pytensor.tensor.random.op import RandomVariable as PtRandomVariable

import arignote.tensor.random as atr
from arignote.interop.pytensor.convert import converters
from arignote.tensor.random.op import RandomVariable
from arignote.tensor.type_other import NoneTypeT

__all__ = ["random_variable_class"]


def _by_name() -> dict[str, type[RandomVariable]]:
    """arignote's distributions by their ``name`` (PyTensor's names)."""
    classes: dict[str, type[RandomVariable]] = {}
    for attr in atr.__all__:
        cls = getattr(atr, attr)
        if isinstance(cls, type) and issubclass(cls, RandomVariable) and cls is not RandomVariable:
            name = vars(cls).get("name") or getattr(cls, "name", None)
            if isinstance(name, str):
                classes.setdefault(name, cls)
    return classes


_CLASSES = _by_name()


def random_variable_class(op: Any) -> type[RandomVariable]:
    """arignote's distribution class for the PyTensor random variable ``op`` (by name)."""
    cls = _CLASSES.get(op.name)
    if cls is None:
        raise NotImplementedError(f"from_pytensor: arignote has no random variable {op.name!r} "
                                  f"({type(op).__name__})")
    return cls


def _size(size: Any) -> Any:
    """PyTensor's ``NoneConst`` size is "no size"; anything else is the size vector."""
    return None if isinstance(getattr(size, "type", None), NoneTypeT) else size


@converters.register(PtRandomVariable)
def _random_variable(op: Any, node: Any, rng: Any, size: Any, *params: Any) -> Any:
    dtype = node.outputs[1].type.dtype
    if isinstance(op, PtChoiceWithoutReplacement):
        arignote_op: RandomVariable = atr.ChoiceRV(signature=op.signature, dtype=dtype, replace=False)
    else:
        arignote_op = random_variable_class(op)(signature=op.signature, dtype=dtype)
    next_rng, draw = arignote_op.make_node(rng, _size(size), *params).outputs
    return [next_rng, draw]
