"""Scalar ops: the per-element functions mapped over arrays by `Elemwise`."""

from arignote.scalar.basic import ScalarOp, upcast
from arignote.scalar.math import *  # noqa: F403
from arignote.scalar.special import *  # noqa: F403
