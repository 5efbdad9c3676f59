"""The rule-writing toolkit: what a rule function needs besides the functions of ``arignote.tensor``.

A rule looks at one node and builds its replacement (see ``docs/writing-rules.md``).
The library's own rules (``arignote.tensor.rewrites``) and :func:`~arignote.rewrite.pattern`
use these helpers; so can any rule:

- **producers**: :func:`match`, :func:`match_op`, :func:`elemwise_inputs`, :func:`scalar_op_of`;
- **constants**: :func:`constant_value`, :func:`is_number`, :func:`uniform_value`;
- **dtypes**: :func:`dtype_of`, :func:`kind_of`, :func:`is_float`, :func:`is_real_float`,
  :func:`is_constant`, :func:`computes_in_output_dtype`;
- **shapes**: :func:`fit_to` (a result in the original's dtype, rank and shape),
  :func:`filled`, :func:`keep_static_shape`;
- **sums and products**: :func:`sum_terms`, :func:`signed_sum`, :func:`product_factors`,
  :func:`scaling`, :func:`negated`, :func:`negate`, :func:`without`, :func:`positions_of`;
  :class:`~arignote.rewrite.pattern.Pattern` matches a whole pattern.

Sums and products are read the way the canonical algebra writes them (see
``arignote/tensor/rewrites/algebra.py``): through nests of ``Add``, ``Sub``
and ``Neg`` (or of ``Mul``) that compute in one dtype, so ``a - (b - c)`` has
the terms ``a``, ``-b``, ``+c`` whichever way it was written.  Within a
rewrite (:func:`remembering`, which ``optimize`` opens) a variable's terms
are read once however many rules ask (:func:`memo_table`).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.scalar.basic import ScalarOp
from arignote.scalar.math import Add, Mul, Neg, Sub
from arignote.tensor.alloc import alloc, broadcast_to
from arignote.tensor.basic import as_tensor_variable, constant
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.math import add, mul, neg, sub
from arignote.tensor.shape import make_vector, shape_i, shape_padleft, specify_shape
from arignote.tensor.shape_inference import shape_of
from arignote.tensor.sum_to import same_shape
from arignote.tensor.type import TensorType

T = TypeVar("T")

# --- producers ---------------------------------------------------------------------------


def scalar_op_of(var: Variable) -> ScalarOp | None:
    """The scalar op of ``var``'s elementwise producer, if it has one."""
    node = var.owner
    if node is not None and isinstance(node.op, Elemwise):
        return node.op.scalar_op
    return None


def elemwise_inputs(var: Variable, scalar_type: type) -> list[Variable] | None:
    """The inputs of ``var``'s producer if it is an elementwise ``scalar_type``."""
    node = var.owner
    if node is None or not isinstance(node.op, Elemwise) or not isinstance(node.op.scalar_op, scalar_type):
        return None
    return list(node.inputs)


def match_op(var: Variable, kind: type) -> Apply | None:
    """``var``'s producing node if its op (or elementwise scalar op) is a ``kind``."""
    node = var.owner
    if node is None:
        return None
    op = node.op
    if isinstance(op, kind) or (op.maps_scalar_op and isinstance(op.scalar_op, kind)):
        return node
    return None


def match(var: Variable, scalar_type: type) -> Variable | None:
    """The single input of ``var``'s producer if it is an elementwise ``scalar_type``
    (``match(v, Exp)`` is ``x`` for ``v = exp(x)``); for several inputs use :func:`match_op`."""
    node = match_op(var, scalar_type)
    if node is None or len(node.inputs) != 1:
        return None
    return node.inputs[0]


# --- constants ---------------------------------------------------------------------------

def constant_value(var: Variable) -> Any:
    """The value of a constant of one element, as a Python scalar (``bool``, ``int``,
    ``float``, ``complex``); None for anything else.

    Its dims may be several, all of length 1: such a constant never decides a
    broadcast length (it can only add axes), so a rule may drop it and
    :func:`fit_to` the rank back.
    """
    if not isinstance(var, Constant) or var.data.size != 1:
        return None
    return var.data.item()


def is_number(var: Variable, number: complex) -> bool:
    """Whether ``var`` is a constant of one element equal to ``number`` (a boolean is not a
    number here: ``True`` is not the 1 of ``1 + x``)."""
    value = constant_value(var)
    return value is not None and not isinstance(value, bool) and value == number


def uniform_value(data: np.ndarray) -> Any:
    """The value every element of ``data`` holds, as a NumPy scalar of its dtype; None when
    they differ or there are none."""
    if data.size == 0:
        return None
    first = data.reshape(-1)[0]
    if data.size > 1 and not np.all(data == first):
        return None
    return first


# --- dtypes ------------------------------------------------------------------------------

def dtype_of(var: Variable) -> str:
    """``var``'s dtype name (``"float64"``...)."""
    return var.type.dtype


def kind_of(x: Variable | str | np.dtype) -> str:
    """NumPy's kind letter of a variable's (or a dtype's) dtype: ``b`` bool, ``i``/``u``
    integers, ``f`` real floats, ``c`` complex."""
    if isinstance(x, Variable):
        return _kind_of_variable(x)
    return np.dtype(x).kind


def _kind_of_variable(var: Variable) -> str:
    # a tensor type keeps its NumPy dtype (rules ask for kinds of every node they are offered)
    found = getattr(var.type, "numpy_dtype", None)
    return (found if found is not None else np.dtype(dtype_of(var))).kind


def is_float(*variables: Variable) -> bool:
    """All variables have a floating-point (real or complex) dtype."""
    return all(_kind_of_variable(v) in "fc" for v in variables)


def is_real_float(*variables: Variable) -> bool:
    """All variables have a real floating-point dtype (the numerics rules' domain: integer
    forms wrap around, and complex ones have branch cuts)."""
    for var in variables:
        if _kind_of_variable(var) != "f":
            return False
    return True


def is_constant(*variables: Variable) -> bool:
    """All variables are constants."""
    return all(isinstance(v, Constant) for v in variables)


@functools.lru_cache(maxsize=1024)
def _steps_stay_in(dtypes: tuple[str, ...], out: str) -> bool:
    current = np.dtype(dtypes[0])
    for dtype in dtypes[1:]:
        current = np.result_type(current, np.dtype(dtype))
        if current != np.dtype(out):
            return False
    return True


def computes_in_output_dtype(node: Apply) -> bool:
    """Whether every step of the node's computation happens in its output dtype.

    ``add(a, b, c)`` is NumPy's ``(a + b) + c``, each step in the promoted
    dtype of its own operands: ``add(i8, i8, i16)`` wraps ``a + b`` in int8
    first.  Only when every non-constant operand already has the output dtype
    (constants are converted as NumPy converts them) and the steps stay in it,
    may the operands be reordered, regrouped and merged.
    """
    out = dtype_of(node.outputs[0])
    dtypes = []
    for var in node.inputs:
        dtype = dtype_of(var)
        if dtype != out and not isinstance(var, Constant):
            return False
        dtypes.append(dtype)
    return len(dtypes) <= 2 or _steps_stay_in(tuple(dtypes), out)


# --- shapes ------------------------------------------------------------------------------

def _padded_shape(var: Variable, ndim: int) -> tuple[int | None, ...]:
    """``var``'s static shape left-padded with 1s to ``ndim`` axes, as broadcasting sees it."""
    shape = var.type.shape
    return (1,) * (ndim - len(shape)) + tuple(shape)


def fit_to(result: Any, original: Variable, dropped: Sequence[Variable] = (),
           lenient: bool = False) -> Variable | None:
    """``result`` in place of ``original``: its rank and shape, where ``original`` was
    ``result`` broadcast against the ``dropped`` operands; None when the dtypes differ or
    the shape cannot be told.

    ``result`` is left-padded with the length-1 axes a dropped constant added;
    where a dropped operand decided a length (``x * 0 -> 0``), ``result`` is
    ``alloc``-ed to it, read from its static shape or with ``shape_i`` (the
    dropped operands are not evaluated).  When several dropped operands of
    unknown lengths decided one, the shape cannot be told without them: None,
    and the rule keeps them (their run-time check that the lengths agree stays).
    ``lenient=True`` gives up that check instead: ``result`` is then broadcast
    to the original's symbolic shape (:func:`~arignote.tensor.shape_inference.shape_of`).
    """
    result = as_tensor_variable(result)
    ndim = original.type.ndim
    if result.type.dtype != original.type.dtype or result.type.ndim > ndim:
        return None
    # (with nothing dropped there is nothing to compare: the strict fit pads the rank at most)
    if lenient and dropped and result.type.ndim == ndim and same_shape(result, original):
        return result
    fitted = _fit_strictly(result, original, dropped)
    if fitted is None and lenient:
        fitted = broadcast_to(result, make_vector(*shape_of(original), dtype="int64")) if ndim else result
    if fitted is None:
        return None
    for new, old in zip(fitted.type.shape, original.type.shape):
        if new is not None and old is not None and new != old:
            return None
    return fitted


def _fit_strictly(result: Variable, original: Variable, dropped: Sequence[Variable]) -> Variable | None:
    ndim = original.type.ndim
    lead = ndim - result.type.ndim
    if not dropped:
        return shape_padleft(result, lead) if lead else result
    own = _padded_shape(result, ndim)
    shapes = [_padded_shape(v, ndim) for v in dropped]
    # per axis: an int (a static length), a variable whose length it is, or None (result's own)
    entries: list[Any] = []
    grows = False
    for axis in range(ndim):
        lengths = {s[axis] for s in shapes if s[axis] != 1}
        if not lengths:  # the dropped operands did not decide this length
            entries.append(own[axis] if own[axis] is not None else (result, axis - lead))
            continue
        if None not in lengths and len(lengths) == 1:
            (length,) = lengths
            if own[axis] == length:
                entries.append(length)
                continue
            if own[axis] not in (1, None):
                return None  # cannot happen for a valid original; stay safe
            entries.append(length)
            grows = True
            continue
        # an unknown length: usable only when it is the single operand deciding it
        deciders = [v for v, s in zip(dropped, shapes) if s[axis] != 1]
        if own[axis] != 1 or len(deciders) != 1:
            return None
        var = deciders[0]
        entries.append((var, axis - (ndim - var.type.ndim)))
        grows = True
    if grows and ndim:
        # the lengths are read only now: most fits need none of them
        return alloc(result, *[shape_i(*e) if isinstance(e, tuple) else e for e in entries])
    return shape_padleft(result, lead) if lead else result


def filled(value: Any, original: Variable, sources: Sequence[Variable]) -> Variable | None:
    """An array of ``original``'s dtype and shape holding ``value`` everywhere, where
    ``original`` is a broadcast of ``sources``; None when the shape cannot be told."""
    with np.errstate(all="ignore"):
        fill = constant(np.asarray(value).astype(dtype_of(original)))
    return fit_to(fill, original, sources)


def keep_static_shape(new: Variable, old: Variable) -> Variable:
    """``new``, asserted to have the static lengths ``old`` knows and ``new`` does not.

    A replacement whose type knows less than the original's would make the
    consumers' types less precise, and a consumer that relied on a static
    length (a dimshuffle dropping a length-1 axis) could no longer be rebuilt.
    """
    if not isinstance(old.type, TensorType):  # generators, lists, sparse: no static lengths to keep
        return new
    lost = [o if n is None and o is not None else None
            for n, o in zip(new.type.shape, old.type.shape)]
    if all(d is None for d in lost):
        return new
    return specify_shape(new, lost)


# --- sums and products -------------------------------------------------------------------

def _is_minus_one(var: Variable) -> bool:
    """``is_number(var, -1)``, inlined where every operand of a sum is tested."""
    if not isinstance(var, Constant):
        return False
    data = var.data
    return data.size == 1 and data.dtype.kind != "b" and data.item() == -1


def negated(var: Variable) -> Variable | None:
    """``y`` when ``var`` is ``-y``: ``neg(y)``, or ``y * -1`` with ``y`` of ``var``'s dtype
    and rank (so the -1 changed neither)."""
    node = var.owner
    if node is None or not node.op.maps_scalar_op:
        return None
    scalar = node.op.scalar_op
    if isinstance(scalar, Neg):
        return node.inputs[0]
    if isinstance(scalar, Mul) and len(node.inputs) == 2:
        first, second = node.inputs
        for factor, other in ((first, second), (second, first)):
            if (_is_minus_one(factor) and dtype_of(other) == dtype_of(var)
                    and other.type.ndim == var.type.ndim):
                return other
    return None


def negate(var: Variable) -> Variable:
    """``-var``, without building a double negation (``negate(-y)`` is ``y``)."""
    inner = negated(var)
    return inner if inner is not None else neg(var)


Terms = tuple[tuple[Variable, bool], ...]
_SUM_LIKE = (Add, Sub, Neg, Mul)  # Mul: y * -1 is a negation
_UNKNOWN = object()


def _signed_operands(var: Variable, dtype: str) -> Terms | None:
    """``var``'s operands with their signs (True: added) when ``var`` is a sum, difference
    or negation of ``dtype`` computing in it, else None."""
    node = var.owner
    if node is None or not node.op.maps_scalar_op:
        return None
    scalar = node.op.scalar_op
    if not isinstance(scalar, _SUM_LIKE):  # the common case, first
        return None
    if isinstance(scalar, Add):
        signed = tuple((v, True) for v in node.inputs)
    elif isinstance(scalar, Sub):
        signed = ((node.inputs[0], True), (node.inputs[1], False))
    elif isinstance(scalar, Mul) and not any(isinstance(v, Constant) for v in node.inputs):
        return None  # not a product with -1
    else:
        inner = negated(var)
        return None if inner is None or dtype_of(var) != dtype else ((inner, False),)
    return signed if dtype_of(var) == dtype and computes_in_output_dtype(node) else None


# Graphs are immutable, so a variable's terms never change: within a rewrite (see
# `remembering`) they are read once, though several rules ask for the same node's.  A context
# variable rather than a global: each compilation (thread, task) has its own, dropped at its end.
_memo: contextvars.ContextVar[dict[str, dict[Variable, Any]] | None] = contextvars.ContextVar(
    "arignote_rule_memo", default=None)


@contextlib.contextmanager
def remembering() -> Iterator[None]:
    """Within the block, what the toolkit reads off a graph (:func:`sum_terms`) is read once
    per variable (``optimize`` runs the phases in such a block); forgotten at its end."""
    if _memo.get() is not None:  # an outer block (a loop body rewritten inside a rule)
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memo_table(name: str) -> dict[Variable, Any] | None:
    """The dict in which a helper called ``name`` remembers what it read off variables during
    the rewrite under way (see :func:`remembering`); None outside one."""
    tables = _memo.get()
    if tables is None:
        return None
    table = tables.get(name)
    if table is None:
        table = tables[name] = {}
    return table


def sum_terms(var: Variable) -> Terms | None:
    """The terms of the sum computing ``var``, each with True when it is added and False
    when it is subtracted; None when ``var`` is not a sum.

    Read through nests of ``add``, ``sub`` and ``neg`` (a negation also written
    ``y * -1``) that compute in ``var``'s dtype: ``a - (b - c)`` gives
    ``((a, True), (b, False), (c, True))``, in the order written.  A node whose
    operands have other dtypes is not read through (``int8 + int8`` wraps
    before the float sum around it sees the result).
    """
    memo = memo_table("sum_terms")
    if memo is not None:
        known = memo.get(var, _UNKNOWN)
        if known is not _UNKNOWN:
            return known
    dtype = dtype_of(var)
    top = _signed_operands(var, dtype)
    found: Terms | None = None
    if top is not None:
        terms: list[tuple[Variable, bool]] = []
        stack = list(reversed(top))
        while stack:
            term, added = stack.pop()
            owner = term.owner
            # most terms are plainly not sums: tell without a call (this runs for every operand)
            inner = None if owner is None or not owner.op.maps_scalar_op or not isinstance(
                owner.op.scalar_op, _SUM_LIKE) else _signed_operands(term, dtype)
            if inner is None:
                terms.append((term, added))
            else:
                stack.extend((t, s == added) for t, s in reversed(inner))
        found = tuple(terms)
    if memo is not None:
        memo[var] = found
    return found


def signed_sum(terms: Sequence[tuple[Variable, bool]]) -> Variable:
    """The sum of ``(term, added)`` pairs written as the canonical algebra writes a sum:
    ``add(added) - add(subtracted)``, or either part alone (``-add(...)`` for the second).
    A term that is a negation joins the other side (``a + (-b)`` is ``a - b``)."""
    positive: list[Variable] = []
    negative: list[Variable] = []
    for term, added in terms:
        inner = negated(term)
        if inner is not None:
            term, added = inner, not added
        (positive if added else negative).append(term)
    if not negative:
        return _sum_of(positive)
    if not positive:
        return neg(_sum_of(negative))
    return sub(_sum_of(positive), _sum_of(negative))


def _sum_of(terms: list[Variable]) -> Variable:
    return terms[0] if len(terms) == 1 else add(*terms)


def product_factors(var: Variable) -> list[Variable] | None:
    """The factors of the product computing ``var`` (read through nested products that
    compute in its dtype), in the order written; None when ``var`` is not a product."""
    dtype = dtype_of(var)
    if not _is_product(var, dtype):
        return None
    factors: list[Variable] = []
    stack = list(reversed(var.owner.inputs))  # type: ignore[union-attr]
    while stack:
        factor = stack.pop()
        if _is_product(factor, dtype):
            stack.extend(reversed(factor.owner.inputs))
        else:
            factors.append(factor)
    return factors


def _is_product(var: Variable, dtype: str) -> bool:
    node = var.owner
    return (node is not None and isinstance(node.op, Elemwise) and isinstance(node.op.scalar_op, Mul)
            and dtype_of(var) == dtype and computes_in_output_dtype(node))


def scaling(var: Variable) -> tuple[Variable, list[Variable]] | None:
    """``(x, constants)`` when ``var`` is ``x`` times constants of one element each, ``x``
    being the product of the other factors, of ``var``'s dtype and rank (so the
    constants decided neither): ``3 * a * b`` gives ``(a * b, [3])``."""
    node = match_op(var, Mul)
    if node is None or len(node.inputs) < 2:
        return None
    constants = [v for v in node.inputs if constant_value(v) is not None]
    rest = [v for v in node.inputs if constant_value(v) is None]
    if not constants or not rest:
        return None
    x = rest[0] if len(rest) == 1 else mul(*rest)
    if dtype_of(x) != dtype_of(var) or x.type.ndim != var.type.ndim:
        return None
    return x, constants


def positions_of(items: Iterable[T]) -> dict[T, int]:
    """Each item -> the position where it first appears.  A rule pairing factors (``f`` with
    ``a / f``) looks partners up here instead of scanning the factors once per factor, which
    would cost N**2 on a product of N factors."""
    found: dict[T, int] = {}
    for position, item in enumerate(items):
        found.setdefault(item, position)
    return found


def without(items: Iterable[T], *positions: int) -> list[T]:
    """``items`` but those at ``positions`` (the factors a rule keeps, say)."""
    return [item for k, item in enumerate(items) if k not in positions]
