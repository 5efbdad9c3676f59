"""PyTensor's ``pytensor.utils`` names a user program reads: the machine's integer widths, and
``to_return_values``."""

import struct
from collections.abc import Sequence
from typing import Any

__all__ = ["LOCAL_BITWIDTH", "PYTHON_INT_BITWIDTH", "to_return_values"]

#: bits in a pointer (64 on a 64-bit Python)
LOCAL_BITWIDTH: int = struct.calcsize("P") * 8
#: bits in a C ``long`` (64 on 64-bit Linux and macOS, 32 on Windows)
PYTHON_INT_BITWIDTH: int = struct.calcsize("l") * 8


def to_return_values(values: Sequence[Any]) -> Any:
    """The single value of a one-item sequence, else the sequence (a function's results)."""
    return values[0] if len(values) == 1 else values
