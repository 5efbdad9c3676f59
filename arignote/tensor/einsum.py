"""``einsum``: Einstein summation, lowered to transposes, reshapes and matrix products.

No einsum op: the expression becomes a graph of existing ops, so the usual
rewrites, backends and derivative rules apply to it unchanged.

1. Each operand on its own: diagonals for a label repeated in its term
   (``ii``), its length-1 axes that broadcast against another operand dropped,
   and sums over the labels no other operand and not the result has.
2. A contraction order (a path) over the operands, from opt_einsum's path
   search when it is installed, else from ``np.einsum_path``.
3. Each pairwise step: the shared labels the rest still needs are batch axes,
   the other shared labels are summed over.  With something to sum, both
   operands are transposed and reshaped to (batch..., M, K) and (batch..., K, N)
   and multiplied with ``dot`` (no batch axes: BLAS's gemm/gemv on the C
   backend) or ``matmul`` (stacks of matrices); with nothing to sum, an
   elementwise product (an outer product, or a product over batch axes).
4. A last transpose into the requested order.

All operands are first cast to NumPy's result dtype of them all: NumPy's
einsum computes in that dtype, so a sum over an int8 operand that meets a
float operand must not wrap around in int8.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Variable
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.dimshuffle import dimshuffle
from arignote.tensor.einsum_path import Path, contraction_path
from arignote.tensor.einsum_subscripts import parse_subscripts
from arignote.tensor.math import mul
from arignote.tensor.namespace_forwarding import names_elsewhere_getattr
from arignote.tensor.products import diagonal, dot, matmul
from arignote.tensor.reduction import sum as reduce_sum
from arignote.tensor.shape import reshape, shape_i, specify_shape
from arignote.tensor.variable import TensorVariable

__all__ = ["einsum"]

Length = int | Variable
Term = tuple[TensorVariable, str]  # an operand and the label of each of its axes


def einsum(subscripts: str, *operands: Any, optimize: Any = None) -> TensorVariable:
    """Einstein summation over ``operands`` as ``np.einsum(subscripts, *operands)``.

    ``subscripts`` as NumPy's: ``"ij,jk->ik"``, implicit output (``"ij,jk"``),
    ``...`` for broadcast axes, a repeated label for a diagonal.  ``optimize``
    chooses the contraction order: None, True or ``"auto"`` (the default:
    opt_einsum's ``"auto"`` when installed, else ``np.einsum_path``), a method
    name (``"greedy"``, ``"optimal"``, or any of opt_einsum's), False (left to
    right), or an explicit path such as ``["einsum_path", (0, 1), (0, 1)]``.
    Only length-1 axes that are static broadcast, as elsewhere in arignote.
    """
    if not operands:
        raise ValueError("einsum: no operands were given")
    tensors = [as_tensor_variable(x) for x in operands]
    spec = parse_subscripts(subscripts, [x.ndim for x in tensors])
    dtype = np.result_type(*[x.type.numpy_dtype for x in tensors]).name
    tensors = [x if x.type.dtype == dtype else cast(x, dtype) for x in tensors]
    static = _static_lengths(subscripts, tensors, spec.inputs)
    terms = _prepare_operands(tensors, spec.inputs, spec.output, dtype)
    path = contraction_path([labels for _, labels in terms], spec.output, static, optimize)
    result = _contract_along(terms, path, spec.output, dtype)
    return _finish(result, spec.output, dtype)


# --- checks and per-operand work -------------------------------------------------------

def _static_lengths(subscripts: str, tensors: Sequence[TensorVariable],
                    inputs: Sequence[str]) -> dict[str, int | None]:
    """The static length of each label (None when unknown), or ValueError on a clash.

    A repeated label in one term takes a diagonal, which needs equal lengths
    (NumPy does not broadcast there); across operands a static 1 broadcasts.
    """
    known: dict[str, tuple[int, int]] = {}  # label -> (operand, length) of a known length > 1
    unknown: set[str] = set()
    for position, (x, labels) in enumerate(zip(tensors, inputs)):
        own: dict[str, int] = {}
        for label, n in zip(labels, x.type.shape):
            if n is None:
                unknown.add(label)
                continue
            if own.setdefault(label, n) != n:
                raise ValueError(f"einsum: label {label!r} is repeated in term {position} of "
                                 f"{subscripts!r} over dimensions of different lengths "
                                 f"({own[label]} and {n}) of operand {position} ({x.type})")
            if n != 1:
                other, m = known.setdefault(label, (position, n))
                if m != n:
                    raise ValueError(f"einsum: label {label!r} of {subscripts!r} has length {m} "
                                     f"in operand {other} but {n} in operand {position}")
    every_label = set("".join(inputs))
    return {c: known[c][1] if c in known else None if c in unknown else 1 for c in every_label}


def _length(x: TensorVariable, axis: int) -> Length:
    n = x.type.shape[axis]
    return n if n is not None else shape_i(x, axis)


def _take_diagonals(x: TensorVariable, labels: str) -> Term:
    """``x`` with one axis per label: a repeated label's axes become their diagonal."""
    while len(set(labels)) < len(labels):
        label = next(c for c in labels if labels.count(c) > 1)
        first = labels.index(label)
        second = labels.index(label, first + 1)
        if None in (x.type.shape[first], x.type.shape[second]):
            # np.diagonal would silently take the shorter length: insist on equal lengths
            lengths: list[Any] = [None] * x.ndim
            lengths[second] = _length(x, first)
            x = specify_shape(x, lengths)
        x = diagonal(x, axis1=first, axis2=second)  # the diagonal becomes the last axis
        labels = labels[:first] + labels[first + 1:second] + labels[second + 1:] + label
    return x, labels


def _prepare_operands(tensors: Sequence[TensorVariable], inputs: Sequence[str], output: str,
                      dtype: str) -> list[Term]:
    terms = [_take_diagonals(x, labels) for x, labels in zip(tensors, inputs)]
    # A static length 1 that meets a longer (or unknown) length elsewhere is a broadcast:
    # the operand is constant along it, so the axis is dropped and the label left to the others.
    stretched = {label for x, labels in terms for label, n in zip(labels, x.type.shape) if n != 1}
    squeezed = []
    for x, labels in terms:
        drop = [axis for axis, (label, n) in enumerate(zip(labels, x.type.shape))
                if n == 1 and label in stretched]
        if drop:
            keep = [axis for axis in range(x.ndim) if axis not in drop]
            x = dimshuffle(x, keep)
            labels = "".join(labels[axis] for axis in keep)
        squeezed.append((x, labels))
    prepared = []
    for position, (x, labels) in enumerate(squeezed):
        elsewhere = set(output).union(*(other for k, (_, other) in enumerate(squeezed) if k != position))
        prepared.append(_sum_labels(x, labels, [c for c in labels if c not in elsewhere], dtype))
    return prepared


def _sum_labels(x: TensorVariable, labels: str, summed: Sequence[str], dtype: str) -> Term:
    if not summed:
        return x, labels
    axes = tuple(labels.index(c) for c in summed)
    return reduce_sum(x, axis=axes, dtype=dtype), "".join(c for c in labels if c not in summed)


# --- contraction ------------------------------------------------------------------------

def _contract_along(terms: list[Term], path: Path, output: str, dtype: str) -> Term:
    """Follow ``path``: each step replaces the operands at its positions by their
    contraction, appended last (opt_einsum's and NumPy's convention)."""
    remaining = list(terms)
    for step in path:
        group = [remaining[p] for p in step]
        for p in sorted(step, reverse=True):
            del remaining[p]
        needed_after = set(output).union(*(labels for _, labels in remaining))
        result = group[0]
        for k, other in enumerate(group[1:], start=1):
            keep = needed_after.union(*(labels for _, labels in group[k + 1:]))
            result = _contract_pair(result, other, keep, dtype, output)
        if len(group) == 1:
            x, labels = result
            result = _sum_labels(x, labels, [c for c in labels if c not in needed_after], dtype)
        remaining.append(result)
    (result,) = remaining
    return result


def _transposes(la: str, lb: str, keep: set[str], output: str) -> int:
    """How many of the operands and the result of `_contract_pair` need a transpose
    (a copy before a reshape, a transposed operand to BLAS, or a last transpose)."""
    batch = [c for c in la if c in lb and c in keep]
    summed = [c for c in la if c in lb and c not in keep]
    free_x = [c for c in la if c not in lb]
    free_y = [c for c in lb if c not in la]
    result = batch + free_x + free_y
    wanted = [c for c in output if c in result]
    return ((list(la) != batch + free_x + summed) + (list(lb) != batch + summed + free_y)
            + (len(wanted) == len(result) and wanted != result))


def _contract_pair(a: Term, b: Term, keep: set[str], dtype: str, output: str) -> Term:
    """The product of two operands summed over the shared labels not in ``keep``."""
    (x, la), (y, lb) = a, b
    x, la = _sum_labels(x, la, [c for c in la if c not in lb and c not in keep], dtype)
    y, lb = _sum_labels(y, lb, [c for c in lb if c not in la and c not in keep], dtype)
    if _transposes(lb, la, keep, output) < _transposes(la, lb, keep, output):
        (x, la), (y, lb) = (y, lb), (x, la)  # a product is as cheap either way round
    batch = [c for c in la if c in lb and c in keep]
    summed = [c for c in la if c in lb and c not in keep]
    free_x = [c for c in la if c not in lb]
    free_y = [c for c in lb if c not in la]
    labels = "".join(batch + free_x + free_y)
    if not summed:
        # nothing to sum over: an elementwise product, broadcasting the labels one side lacks
        return mul(_align(x, la, labels), _align(y, lb, labels)), labels
    y = _check_summed_lengths(x, la, y, lb, summed)
    ix, iy = la.index, lb.index
    x_groups = [[ix(c)] for c in batch] + [[ix(c) for c in free_x], [ix(c) for c in summed]]
    y_groups = [[iy(c)] for c in batch] + [[iy(c) for c in summed], [iy(c) for c in free_y]]
    free_lengths = [[_length(x, ix(c)) for c in free_x], [_length(y, iy(c)) for c in free_y]]
    if not batch:
        # a missing M or N makes a vector operand: dot is then a matrix-vector or inner product
        rows, summed_x = x_groups
        summed_y, columns = y_groups
        x2 = _merge_groups(x, [rows, summed_x] if rows else [summed_x])
        y2 = _merge_groups(y, [summed_y, columns] if columns else [summed_y])
        product = dot(x2, y2)
        return _split_groups(product, [g for g in free_lengths if g]), labels
    product = matmul(_merge_groups(x, x_groups), _merge_groups(y, y_groups))
    batch_lengths = [[_length(product, k)] for k in range(len(batch))]
    return _split_groups(product, batch_lengths + free_lengths), labels


def _check_summed_lengths(x: TensorVariable, la: str, y: TensorVariable, lb: str,
                          summed: Sequence[str]) -> TensorVariable:
    """``y`` checked at run time to have ``x``'s lengths along several summed labels.

    One summed axis is checked by the product itself; several are merged into
    one by reshapes, which would accept lengths (2, 3) against (3, 2).
    """
    if len(summed) < 2:
        return y
    lengths: list[Any] = [None] * y.ndim
    for c in summed:
        n, m = x.type.shape[la.index(c)], y.type.shape[lb.index(c)]
        if n is None or m is None:
            lengths[lb.index(c)] = _length(x, la.index(c))
    return y if all(n is None for n in lengths) else specify_shape(y, lengths)


def _align(x: TensorVariable, labels: str, target: str) -> TensorVariable:
    """``x`` with its axes in ``target``'s order, a broadcastable axis for each label it lacks."""
    pattern: list[int | str] = [labels.index(c) if c in labels else "x" for c in target]
    return x if pattern == list(range(x.ndim)) else dimshuffle(x, pattern)


def _product(lengths: Sequence[Length]) -> Length:
    known = int(np.prod([n for n in lengths if isinstance(n, int)], dtype=np.int64))
    symbolic: list[Any] = [n for n in lengths if not isinstance(n, int)]
    if not symbolic:
        return known
    if known == 0:
        return 0
    total: Any = symbolic[0] if known == 1 else known * symbolic[0]
    for n in symbolic[1:]:
        total = total * n
    return total


def _merge_groups(x: TensorVariable, groups: Sequence[Sequence[int]]) -> TensorVariable:
    """``x`` with one axis per group of its axes (a group's axes merged, in order);
    an empty group is a new axis of length 1."""
    order = [axis for group in groups for axis in group]
    if order != list(range(x.ndim)):
        x = dimshuffle(x, order)
    if all(len(group) == 1 for group in groups):
        return x
    if all(len(group) <= 1 for group in groups):
        pattern: list[int | str] = []
        for group in groups:
            pattern.append(len(pattern) - pattern.count("x") if group else "x")
        return dimshuffle(x, pattern)
    start = 0
    shape: list[Length] = []
    for group in groups:
        shape.append(_product([_length(x, start + k) for k in range(len(group))]))
        start += len(group)
    return reshape(x, shape)


def _split_groups(x: TensorVariable, lengths: Sequence[Sequence[Length]]) -> TensorVariable:
    """Undo `_merge_groups`: axis ``k`` of ``x`` becomes axes of ``lengths[k]``
    (none for an empty list, which must be a length-1 axis)."""
    if all(len(group) == 1 for group in lengths):
        return x
    if all(len(group) <= 1 for group in lengths):
        return dimshuffle(x, [k for k, group in enumerate(lengths) if group])
    return reshape(x, [n for group in lengths for n in group])


def _finish(result: Term, output: str, dtype: str) -> TensorVariable:
    x, labels = result
    x, labels = _sum_labels(x, labels, [c for c in labels if c not in output], dtype)
    return _align(x, labels, output)


# PyTensor's helpers of this module, written in einsum_helpers (arignote's einsum does not use them)
__getattr__ = names_elsewhere_getattr(__name__, {name: "arignote.tensor.einsum_helpers"
                                                 for name in ("_delta", "_general_dot", "_iota")})
