"""A fuzz case as a replayable program: leaves and op steps, and its reproduction script.

A program is a list of :class:`Step`.  A leaf step holds an array (an input of
the compiled function, or a constant of the graph); an op step names an
:class:`OpSpec`, the indices of its operands among the earlier steps and its
parameters.  Each op step yields both an arignote variable, built by evaluating
the op's *source text* (so the reproduction script is literally what was
built), and NumPy's reference value with an error bound (``error_model``).

Replaying is deterministic, which is what makes reduction possible: a step can
be *cut* (replaced by a leaf holding its reference value and error bound) and
everything downstream rebuilt unchanged.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import arignote
import arignote.tensor as at


class Reject(Exception):
    """A candidate step whose result could not be tested unambiguously (a value too
    close to a discontinuity, an overflow, NumPy raising, ...): the generator tries
    another one."""


@dataclass(eq=False)
class Value:
    """One value of a program: its arignote variable and NumPy's reference."""

    var: Any                 # TensorVariable (None when replaying references only)
    ref: np.ndarray          # NumPy's value, in the dtype arignote promises
    err: np.ndarray          # float64, ref's shape: bound on |any correct backend - ref|
    name: str
    dyn: bool = False        # its shape depends on input values (JAX cannot trace it)

    @property
    def dtype(self) -> np.dtype:
        return self.ref.dtype

    @property
    def shape(self) -> tuple[int, ...]:
        return self.ref.shape

    @property
    def ndim(self) -> int:
        return self.ref.ndim

    @property
    def static(self) -> tuple[int | None, ...]:
        return tuple(self.var.type.shape)

    @property
    def is_float(self) -> bool:
        return self.ref.dtype.kind == "f"

    @property
    def exact(self) -> bool:
        return not self.err.any()


class OpSpec:
    """One kind of generated operation.  Subclasses give:

    - ``code(names, params)``: arignote source text building the result from the
      operands' names (``{0}``-style templates are the usual way);
    - ``evaluate(vals, params)``: NumPy's reference and its error bound (raising
      :class:`Reject` when the result is ambiguous);
    - ``propose(gen)``: random operands and parameters, or None.
    """

    name: str = "?"
    weight: float = 1.0
    smooth: bool = False          # may appear in the gradient subset

    def code(self, names: Sequence[str], params: dict) -> str:
        raise NotImplementedError

    def evaluate(self, vals: Sequence[Value], params: dict) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def propose(self, gen: Any) -> tuple[tuple[int, ...], dict] | None:
        raise NotImplementedError

    def dyn(self, vals: Sequence[Value], params: dict) -> bool:
        """Whether the result's shape depends on input values (inherited by default)."""
        return any(v.dyn for v in vals)

    def __repr__(self) -> str:
        return self.name


@dataclass
class Step:
    """A leaf (``op is None``) or an op applied to earlier steps."""

    op: OpSpec | None
    args: tuple[int, ...] = ()
    params: dict = field(default_factory=dict)

    # leaf fields (params keys): "array", "static", "const", "layout", "err"
    @property
    def is_leaf(self) -> bool:
        return self.op is None

    @property
    def is_input(self) -> bool:
        return self.op is None and not self.params["const"]


LAYOUTS = ("C", "F", "neg", "strided")


def apply_layout(array: np.ndarray, layout: str) -> np.ndarray:
    """``array``'s values in another memory layout (a fresh buffer each time)."""
    if array.ndim == 0 or layout == "C":
        return np.array(array, copy=True, order="C")
    if layout == "F":                       # the transposed layout of a C array
        return np.asfortranarray(array)
    if layout == "neg":                     # a view with negative strides on every axis
        return np.flip(np.flip(array).copy())
    if layout == "strided":                 # every other element of a wider buffer
        return np.repeat(array, 2, axis=-1)[..., ::2]
    raise ValueError(layout)


def layout_source(literal: str, layout: str, ndim: int) -> str:
    if ndim == 0 or layout == "C":
        return literal
    return {"F": "np.asfortranarray({})", "neg": "np.flip(np.flip({}).copy())",
            "strided": "np.repeat({}, 2, axis=-1)[..., ::2]"}[layout].format(literal)


def _scalar_source(v: Any) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "np.nan"
        if math.isinf(v):
            return "np.inf" if v > 0 else "-np.inf"
    return repr(v)


def _nested_source(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_nested_source(e) for e in v) + "]"
    return _scalar_source(v)


def array_source(a: np.ndarray) -> str:
    """Exact source text of ``a`` (values round-trip bit for bit, NaN and inf included)."""
    a = np.asarray(a)
    if a.size == 0:
        return f"np.zeros({a.shape}, dtype={a.dtype.name!r})"
    return f"np.array({_nested_source(a.tolist())}, dtype={a.dtype.name!r})"


def scalar_literal(v: Any, dtype: Any = None) -> str:
    """Source of a Python scalar (``dtype`` None) or a typed NumPy scalar constant."""
    if dtype is None:
        return _scalar_source(v)
    return f"np.{np.dtype(dtype).name}({_scalar_source(np.asarray(v).item())})"


ENV = {"at": at, "np": np, "arignote": arignote}


def leaf_value(step: Step, name: str, symbolic: bool) -> Value:
    p = step.params
    array = p["array"]
    err = p.get("err")
    err = np.zeros(array.shape) if err is None else err
    var = None
    if symbolic:
        if p["const"]:
            var = at.constant(array)
        else:
            var = at.tensor(name, dtype=array.dtype.name, shape=p["static"])
    return Value(var, array, err, name)


def step_name(program_steps: Sequence[Step], i: int) -> str:
    return f"x{i}" if program_steps[i].is_input else (f"c{i}" if program_steps[i].is_leaf else f"v{i}")


def apply_step(step: Step, vals: Sequence[Value], name: str, symbolic: bool) -> Value:
    """The value of an op step on ``vals`` (raises Reject when ambiguous)."""
    var = None
    if symbolic:
        source = step.op.code([v.name for v in vals], step.params)
        env = {v.name: v.var for v in vals}
        var = eval(source, ENV, env)  # our own generated source
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref, err = step.op.evaluate(vals, step.params)
    ref = np.asarray(ref)
    err = np.broadcast_to(np.asarray(err, dtype=np.float64), ref.shape).copy()
    return Value(var, ref, err, name, step.op.dyn(vals, step.params))


@dataclass
class Program:
    """A generated case: steps, which of them are outputs, and how it was made."""

    steps: list[Step]
    outputs: list[int]
    seed: Any = None
    smooth: bool = False
    #: the values built while generating (saves a replay); None after a cut
    values: list[Value] | None = field(default=None, repr=False)

    def replay(self, symbolic: bool = True, leaves: dict[int, np.ndarray] | None = None,
               keep: Sequence[int] | None = None) -> list[Value | None]:
        """Every step's value.  ``leaves`` replaces leaf arrays (for finite
        differences); ``keep`` limits the work to the ancestors of those steps."""
        needed = self.ancestors(self.outputs if keep is None else keep)
        values: list[Value | None] = [None] * len(self.steps)
        for i, step in enumerate(self.steps):
            if i not in needed:
                continue
            name = step_name(self.steps, i)
            if step.is_leaf:
                if leaves is not None and i in leaves:
                    step = replace(step, params={**step.params, "array": leaves[i]})
                values[i] = leaf_value(step, name, symbolic)
            else:
                values[i] = apply_step(step, [values[a] for a in step.args], name, symbolic)
        return values

    def ancestors(self, targets: Sequence[int]) -> set[int]:
        seen: set[int] = set()
        stack = list(targets)
        while stack:
            i = stack.pop()
            if i not in seen:
                seen.add(i)
                stack.extend(self.steps[i].args)
        return seen

    def input_indices(self, targets: Sequence[int] | None = None) -> list[int]:
        needed = self.ancestors(self.outputs if targets is None else targets)
        return [i for i, s in enumerate(self.steps) if s.is_input and i in needed]

    def cut(self, i: int, value: Value, as_constant: bool = False) -> Program:
        """This program with step ``i`` replaced by a leaf holding ``value`` (the
        leaf keeps the step's static shape and error bound, so downstream types
        and tolerances do not change)."""
        steps = list(self.steps)
        steps[i] = Step(None, (), {"array": value.ref, "static": value.static, "const": as_constant,
                                   "layout": "C", "err": value.err if value.err.any() else None})
        return replace(self, steps=steps, values=None)

    def call_args(self, inputs: Sequence[int]) -> list[np.ndarray]:
        """The input arrays, each in its leaf's memory layout."""
        return [apply_layout(self.steps[i].params["array"], self.steps[i].params["layout"])
                for i in inputs]

    def source(self, outputs: Sequence[int], mode: str, values: Sequence[Value | None]) -> str:
        """A standalone script that builds the graph, runs it in ``mode`` (source text,
        e.g. ``'"C"'``) and prints
        arignote's and NumPy's values of ``outputs``."""
        needed = self.ancestors(outputs)
        lines = ["import numpy as np", "import arignote", "import arignote.tensor as at", ""]
        for i in sorted(needed):
            step, name = self.steps[i], step_name(self.steps, i)
            if step.is_input:
                array = step.params["array"]
                lines.append(f"{name} = at.tensor({name!r}, dtype={array.dtype.name!r}, "
                             f"shape={tuple(step.params['static'])!r})")
            elif step.is_leaf:
                lines.append(f"{name} = at.constant({array_source(step.params['array'])})")
            else:
                names = [step_name(self.steps, a) for a in step.args]
                lines.append(f"{name} = {step.op.code(names, step.params)}")
        inputs = self.input_indices(outputs)
        in_names = ", ".join(step_name(self.steps, i) for i in inputs)
        out_names = ", ".join(step_name(self.steps, o) for o in outputs)
        lines.append(f"f = arignote.function([{in_names}], [{out_names}], mode={mode}, "
                     f"on_unused_input='ignore')")
        args = []
        for i in inputs:
            p = self.steps[i].params
            args.append(layout_source(array_source(p["array"]), p["layout"], p["array"].ndim))
        lines.append("got = f(" + ", ".join(args) + ")")
        lines.append("expected = [" + ", ".join(array_source(values[o].ref) for o in outputs) + "]")
        lines.append("for g, e in zip(got, expected):")
        lines.append("    print(repr(g), repr(e), sep='\\n')")
        return "\n".join(lines) + "\n"
