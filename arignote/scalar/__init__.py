"""Scalar ops: the per-element functions mapped over arrays by `Elemwise`.

Also PyTensor's ``pytensor.scalar`` names: the op instances (``add``, ``exp``, ``xor``, ...:
`instances`), and the types and variables (`types`), for which a scalar is a 0-d tensor.
"""

from typing import Any

from arignote.scalar.basic import ScalarOp, upcast
from arignote.scalar.complex_parts import Complex
from arignote.scalar.instances import *  # noqa: F403
from arignote.scalar.instances import INSTANCES as _INSTANCES
from arignote.scalar.math import *  # noqa: F403
from arignote.scalar.special import *  # noqa: F403
from arignote.scalar.types import (
    ScalarConstant,
    ScalarType,
    ScalarVariable,
    as_scalar,
    autocast_float,
    autocast_float_as,
    constant,
    get_scalar_type,
    lazy_attribute,
)

# the op instances, whatever the star imports above brought under the same names
globals().update(_INSTANCES)


def __getattr__(name: str) -> Any:
    # the type instances (float64, int8, ..., bool) and their tuples are 0-d tensor types, made
    # by the tensor layer above this one: built at first use (types.lazy_attribute)
    try:
        return lazy_attribute(name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
