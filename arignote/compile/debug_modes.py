"""``NanGuardMode`` and ``DebugMode``: modes that check every node of a call.

Both run the rewritten graph node by node (arignote/compile/node_by_node.py) with the
mode's linker, so the kernels checked are the ones a normal call runs.

- ``NanGuardMode(nan_is_error, inf_is_error, big_is_error)`` raises :class:`NanGuardError`
  (an ``AssertionError``, as PyTensor's) at the first node whose output holds a NaN, an
  infinity, or a value above 1e10 in magnitude, naming the node and its inputs.
- ``DebugMode`` checks that each node's output equals its op's NumPy implementation
  (``perform``) on the same inputs (:class:`BadThunkOutput`), that no node wrote into its
  inputs (:class:`BadDestroyMap`), that outputs are finite where the inputs are
  (:class:`InvalidValueError`, with ``check_isfinite``), and after each call that the
  rewritten graph gives the values of the graph as written, run by NumPy
  (:class:`BadOptimization`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.compile.mode import Mode, fast_run_mode
from arignote.graph.basic import Apply
from arignote.graph.sourceinfo import describe_node

__all__ = ["BadDestroyMap", "BadOptimization", "BadThunkOutput", "DebugMode", "DebugModeError",
           "InvalidValueError", "NanGuardError", "NanGuardMode"]

#: NanGuardMode's "big" threshold (PyTensor's)
BIG = 1e10


class NanGuardError(AssertionError):
    """A node's output holds a NaN, an infinity or a big value (see NanGuardMode)."""


class DebugModeError(Exception):
    """A check of DebugMode failed."""


class BadThunkOutput(DebugModeError):
    """A compiled node's output differs from its op's NumPy implementation."""


class BadDestroyMap(DebugModeError):
    """A node changed the value of one of its inputs."""


class InvalidValueError(DebugModeError):
    """A node produced a NaN or an infinity from finite inputs."""


class BadOptimization(DebugModeError):
    """The rewritten graph's values differ from those of the graph as written."""


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or np.isscalar(value)


def _float_values(value: Any) -> np.ndarray | None:
    """``value`` as an array when it is one of floats (or complex numbers), else None."""
    if not _is_array(value):
        return None
    array = np.asarray(value)
    return array if array.dtype.kind in "fc" else None


@dataclass(frozen=True, init=False)
class NanGuardMode(Mode):
    """A mode raising :class:`NanGuardError` at the first node producing a NaN
    (``nan_is_error``), an infinity (``inf_is_error``) or a value above 1e10 in magnitude
    (``big_is_error``); each defaults to True, as in PyTensor."""

    nan_is_error: bool = True
    inf_is_error: bool = True
    big_is_error: bool = True

    def __init__(self, nan_is_error: bool | None = None, inf_is_error: bool | None = None,
                 big_is_error: bool | None = None, optimizer: Any = "default", linker: Any = None,
                 db: Any = None, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> None:
        _init_mode(self, linker, optimizer if db is None else db, include, exclude)
        object.__setattr__(self, "nan_is_error", _on_unless_false(nan_is_error))
        object.__setattr__(self, "inf_is_error", _on_unless_false(inf_is_error))
        object.__setattr__(self, "big_is_error", _on_unless_false(big_is_error))

    def node_observers(self) -> list[Any]:
        return [_NanGuard(self.nan_is_error, self.inf_is_error, self.big_is_error)]


def _on_unless_false(flag: bool | None) -> bool:
    """PyTensor's reading of these options: None (not given) means on."""
    return True if flag is None else bool(flag)


def _init_mode(mode: Mode, linker: Any, optimizer: Any, include: tuple[str, ...],
               exclude: tuple[str, ...]) -> None:
    linker = fast_run_mode().linker if linker is None else linker
    object.__setattr__(mode, "linker", linker)
    object.__setattr__(mode, "optimizer", optimizer)
    object.__setattr__(mode, "include", tuple(include))
    object.__setattr__(mode, "exclude", tuple(exclude))
    mode.__post_init__()


class _NanGuard:
    def __init__(self, nan: bool, inf: bool, big: bool) -> None:
        self.nan, self.inf, self.big = nan, inf, big

    def before(self, node: Apply, inputs: Sequence[Any]) -> None:
        return None

    def after(self, node: Apply, inputs: Sequence[Any], outputs: Sequence[Any], token: Any) -> None:
        for position, value in enumerate(outputs):
            array = _float_values(value)
            if array is None or array.size == 0:
                continue
            problem = None
            if self.nan and np.isnan(array).any():
                problem = "NaN"
            elif self.inf and np.isinf(array).any():
                problem = "an infinity"
            elif self.big and (np.abs(array[np.isfinite(array)]) > BIG).any():
                problem = f"a value above {BIG:g} in magnitude"
            if problem is not None:
                raise NanGuardError(f"NanGuardMode: output {position} of {describe_node(node)} "
                                    f"holds {problem}; its inputs: {_summaries(inputs)}")


def _summaries(values: Sequence[Any]) -> str:
    parts = []
    for value in values:
        array = _float_values(value)
        if array is None or array.size == 0:
            parts.append(f"{type(value).__name__} {getattr(value, 'shape', '')}")
        else:
            finite = array[np.isfinite(array)]
            span = f"[{finite.min():.3g}, {finite.max():.3g}]" if finite.size else "no finite value"
            parts.append(f"{array.dtype}{list(array.shape)} finite values in {span}, "
                         f"{int(np.isnan(array).sum())} NaN, {int(np.isinf(array).sum())} inf")
    return "; ".join(parts)


@dataclass(frozen=True, init=False)
class DebugMode(Mode):
    """A mode checking every node and every call (see the module docstring).

    ``check_py_code`` (compare each node with its op's NumPy implementation),
    ``check_isfinite`` and ``check_optimizations`` (compare with the graph as written) may
    be switched off; PyTensor's other options are accepted and change nothing here.
    """

    check_py_code: bool = True
    check_isfinite: bool = True
    check_optimizations: bool = True

    def __init__(self, optimizer: Any = "fast_run", stability_patience: Any = None,
                 check_c_code: Any = None, check_py_code: bool | None = None,
                 check_isfinite: bool | None = None, check_preallocated_output: Any = None,
                 require_matching_strides: Any = None, linker: Any = None,
                 check_optimizations: bool = True, include: tuple[str, ...] = (),
                 exclude: tuple[str, ...] = ()) -> None:
        _init_mode(self, linker, optimizer, include, exclude)
        object.__setattr__(self, "check_py_code", _on_unless_false(check_py_code))
        object.__setattr__(self, "check_isfinite", _on_unless_false(check_isfinite))
        object.__setattr__(self, "check_optimizations", bool(check_optimizations))

    def node_observers(self) -> list[Any]:
        return [_NodeChecks(self.check_py_code, self.check_isfinite)]

    def wrap_program(self, program: Any, inputs: Sequence[Any], written: Sequence[Any]) -> Any:
        """``program`` checked after each call against ``written`` (the graph before
        rewriting) run by NumPy."""
        if not self.check_optimizations:
            return program
        from arignote.compile.pipeline import link, rewrite_for_mode

        reference_mode = Mode("py", None)
        reference = link(list(inputs), rewrite_for_mode(list(written), reference_mode), reference_mode)
        return OptimizationCheck(program, reference, [f"output {i}" for i in range(len(written))])


def _tolerance(dtype: np.dtype) -> float:
    # A compiled kernel may fuse, reorder a sum or contract a multiply-add where NumPy does
    # not: results agree to rounding that grows with the length of the reductions.  Half
    # the digits of the dtype (sqrt(eps)) tells such rounding from a wrong value.
    return float(np.sqrt(np.finfo(dtype).eps))


def values_differ(got: Any, want: Any) -> str | None:
    """Why ``got`` is not ``want`` (shape, dtype, values), or None when they agree."""
    if not _is_array(want):
        return None  # a generator or another value: not compared
    got_a, want_a = np.asarray(got), np.asarray(want)
    if got_a.shape != want_a.shape:
        return f"shape {got_a.shape} instead of {want_a.shape}"
    if got_a.dtype != want_a.dtype:
        return f"dtype {got_a.dtype} instead of {want_a.dtype}"
    if got_a.dtype.kind in "fc":
        tol = _tolerance(got_a.dtype)
        same = np.isclose(got_a, want_a, rtol=tol, atol=tol, equal_nan=True)
    else:
        same = got_a == want_a
    if not np.all(same):
        where = np.argwhere(~np.asarray(same))[0]
        at = tuple(int(i) for i in where)
        return f"value {got_a[at]} instead of {want_a[at]} at {at} (and {int((~same).sum())} elements in all)"
    return None


class _NodeChecks:
    def __init__(self, check_py_code: bool, check_isfinite: bool) -> None:
        self.check_py_code, self.check_isfinite = check_py_code, check_isfinite

    def before(self, node: Apply, inputs: Sequence[Any]) -> list[Any]:
        return [np.array(v, copy=True) if isinstance(v, np.ndarray) else None for v in inputs]

    def after(self, node: Apply, inputs: Sequence[Any], outputs: Sequence[Any], token: Any) -> None:
        for position, (value, saved) in enumerate(zip(inputs, token)):
            changed = None if saved is None else values_differ(value, saved)
            if changed is not None:
                raise BadDestroyMap(f"DebugMode: {describe_node(node)} changed its input {position} "
                                    f"({changed})")
        # a node reading a generator is not run twice: its NumPy implementation would draw again
        if self.check_py_code and all(_is_array(v) for v in inputs):
            # on the saved copies, which nothing reads afterwards (the op may write into them)
            expected = node.op.py_impl(node)(*[v if saved is None else saved
                                                for v, saved in zip(inputs, token)])
            expected = [expected] if len(node.outputs) == 1 else list(expected)
            for position, (got, want) in enumerate(zip(outputs, expected)):
                why = values_differ(got, want)
                if why is not None:
                    raise BadThunkOutput(f"DebugMode: output {position} of {describe_node(node)} "
                                         f"differs from the op's NumPy implementation: {why}")
        if self.check_isfinite and all(_finite_or_not_float(v) for v in inputs):
            for position, value in enumerate(outputs):
                if not _finite_or_not_float(value):
                    raise InvalidValueError(f"DebugMode: output {position} of {describe_node(node)} "
                                            "holds a NaN or an infinity although its inputs are finite")


def _finite_or_not_float(value: Any) -> bool:
    array = _float_values(value)
    return array is None or bool(np.isfinite(array).all())


class OptimizationCheck:
    """After each call of a DebugMode function: the graph as written, run by NumPy, gives the
    same values as the rewritten graph (:class:`BadOptimization` otherwise)."""

    def __init__(self, program: Any, reference: Any, names: Sequence[str]) -> None:
        self.program, self.reference, self.names = program, reference, list(names)

    def __call__(self, *values: Any) -> list[Any]:
        if not all(_is_array(v) for v in values):
            # random draws: rewrites may lift indexing into a draw's parameters, which keeps
            # the distribution but not the numbers; such calls are not compared
            return self.program(*values)
        copies = [np.array(v, copy=True) for v in values]
        results = self.program(*values)
        expected = self.reference(*copies)
        for name, got, want in zip(self.names, results, expected):
            why = values_differ(got, want)
            if why is not None:
                raise BadOptimization(f"DebugMode: {name} of the rewritten graph differs from the "
                                      f"graph as written: {why}")
        return results

    run = __call__

    def node_at_failure(self, exc: BaseException) -> Any:
        return getattr(self.program, "node_at_failure", lambda e: None)(exc)
