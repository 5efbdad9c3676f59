"""The order in which ``einsum`` contracts its operands (a contraction path).

A path is a list of steps; each step names positions in the current list of
operands, which are removed and replaced by their contraction, appended
last: the convention of opt_einsum's ``contract_path`` and of
``np.einsum_path``.  opt_einsum is an optional dependency: its searches are
better and faster for many operands; without it NumPy's are used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np

try:
    import opt_einsum as _opt_einsum
    opt_einsum: ModuleType | None = _opt_einsum
except ImportError:  # an optional extra: NumPy's path search serves instead
    opt_einsum = None

__all__ = ["Path", "contraction_path"]

Path = list[tuple[int, ...]]

# The path search needs a length for every axis; an axis whose length is unknown until run
# time counts as this long.  Unknown axes are in practice the data's (observations, batch,
# time), usually longer than the small static axes of parameters, so a fairly large value
# makes the search contract them away early rather than build intermediates over them.
# The exact value matters little: only the ratios to the known lengths steer the search.
UNKNOWN_LENGTH = 128

_NUMPY_METHODS = ("greedy", "optimal")


def contraction_path(terms: Sequence[str], output: str, lengths: Mapping[str, int | None],
                     optimize: Any) -> Path:
    """The steps contracting operands labelled ``terms`` into ``output``.

    ``optimize``: None, True or "auto" (search), a method name, False (left to
    right, one step over all operands), or an explicit path (a sequence of
    tuples of positions, optionally after the string ``"einsum_path"``).
    """
    n = len(terms)
    if optimize is False:
        return [tuple(range(n))]
    if not isinstance(optimize, (str, bool)) and optimize is not None:
        return _checked_path(optimize, n)
    method = "auto" if optimize is None or optimize is True else optimize
    equation = ",".join(terms) + "->" + output
    shapes = [tuple(_search_length(lengths[c]) for c in term) for term in terms]
    if opt_einsum is not None:
        try:
            path, _ = opt_einsum.contract_path(equation, *shapes, shapes=True, optimize=method)
        except KeyError as error:  # opt_einsum's answer to an unknown method name
            raise ValueError(f"einsum: unknown optimize={optimize!r}: {error.args[0]}") from None
        return [tuple(int(p) for p in step) for step in path]
    if method == "auto":
        # as opt_einsum's "auto": the exhaustive search while it is cheap, else greedy
        method = "optimal" if n <= 4 else "greedy"
    if method not in _NUMPY_METHODS:
        raise ValueError(f"einsum: optimize={optimize!r} needs opt_einsum (not installed); "
                         f"without it choose one of {_NUMPY_METHODS}, True, False or None")
    # np.einsum_path wants arrays but reads only their shapes: zero-stride views cost nothing
    stand_ins = [np.broadcast_to(np.empty((), dtype=np.float64), shape) for shape in shapes]
    steps, _ = np.einsum_path(equation, *stand_ins, optimize=method)
    return [tuple(int(p) for p in step) for step in steps[1:]]


def _search_length(n: int | None) -> int:
    return UNKNOWN_LENGTH if n is None else n


def _checked_path(path: Any, n: int) -> Path:
    """An explicit path, checked to contract ``n`` operands into one."""
    steps = list(path)
    if steps and steps[0] == "einsum_path":
        steps = steps[1:]
    checked: Path = []
    count = n
    for step in steps:
        try:
            positions = tuple(int(p) for p in step)
        except (TypeError, ValueError):
            raise ValueError(f"einsum: optimize path step {step!r} is not a tuple of operand "
                             f"positions") from None
        if not positions or len(set(positions)) != len(positions) or any(
                not 0 <= p < count for p in positions):
            raise ValueError(f"einsum: optimize path step {step!r} must name distinct positions "
                             f"among the {count} operand(s) left at that step")
        checked.append(positions)
        count -= len(positions) - 1
    if count != 1:
        raise ValueError(f"einsum: optimize path {path!r} leaves {count} operands, not one")
    return checked
