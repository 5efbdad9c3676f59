"""Canonical algebra: the normal forms of sums and products (the ``canonicalize`` phase).

The rules here give every sum and product one written form, so that equal
expressions become the same interned node (``a + b`` and ``b + a``) and later
rules need to recognise one shape instead of many.

Normal forms
------------
A *sum* is a nest of ``Add``, ``Sub`` and ``Neg`` of one dtype.  It is read
as signed terms ``c * t`` (a product with a constant is a term with a
coefficient) plus one constant, and written as:

* ``add(t1, ..., tn, k)``: the terms in canonical order (see
  :mod:`~arignote.tensor.rewrites.algebra_order`), at most one constant,
  placed last: ``x + 1 + y + 2 -> add(x, y, 3)``;
* with subtracted terms, **one** ``Sub`` of the positive part and the
  negative part, each written as above (a single part stands alone):
  ``a - b`` stays ``a - b``, ``a - b + c -> add(a, c) - b``,
  ``a - b - c -> a - add(b, c)``, ``x + 1 - 3 -> x - 2``, ``2 - x``;
* with no positive part: ``neg(t)``, ``mul(t, -c)`` for one term, else
  ``neg(add(...))``: ``-(-x) -> x``, ``-(a - b) -> b - a``,
  ``-(2 * x) -> mul(x, -2)``, ``-a - b -> -(a + b)``.

The constant goes to the side its sign gives it (``x - 1``, not ``x + -1``);
a term's coefficient is its product's constant (``x + x -> mul(x, 2)``,
``x - 2 * y`` keeps ``sub(x, mul(y, 2))``); ``+ 0`` disappears.

**Sub is kept, not rewritten to** ``a + (-b)``.  The terms of any nest of
sums and differences are collected all the same (the rule reads through
``Sub``), and keeping it costs one node instead of two, and lets the
numerics rules match ``exp(x) - 1`` or ``1 - sigmoid(x)`` as users write
them.  Those rules must still match a ``Sub`` whose one side is a longer
sum (``add(a, exp(x)) - 1``), as this form produces it.

A *product* is a nest of ``Mul`` of one dtype, written ``mul(f1, ..., fn, c)``:
factors in canonical order, at most one constant, last: ``2 * x * 3 ->
mul(x, 6)``.  In real and integer products negations move into the sign:
``(-a) * (-b) -> a * b``; a constant 1 disappears and -1 becomes a negation
outside: ``x * -1 -> -x``, ``(-a) * b -> -(a * b)``.  So a ``Neg`` is never
a factor of a real product and ``mul(..., -1)`` never appears (for complex
numbers ``-1 * z`` is not ``-z`` at infinities; there both are left alone).

Division stays ``a / b``; ``x / c -> x * (1 / c)`` only when ``1 / c`` is
exact (``c`` a power of two, so ``x / 2 -> mul(x, 0.5)``, ``x / 1 -> x``).
Identities of powers and logic are in
:mod:`~arignote.tensor.rewrites.algebra_identities`.

Values, dtypes and shapes
-------------------------
* **Integer semantics.** NumPy computes ``add(a, b, c)`` as ``(a + b) + c``,
  each step in its own operands' dtype, so ``(i8 + i8) + f64`` wraps the
  inner sum in int8.  A node is only regrouped, reordered or merged when all
  its non-constant operands have its output dtype (constants are converted
  exactly as NumPy converts them), and a nested node only when it has the
  outer dtype too.  Other mixed-dtype nodes are only reordered when they
  have two operands, and lose a neutral constant by a cast (``i32 * 1.0 ->
  cast(i32, float64)``).
* **Cancelling** (``x - x -> 0``, ``3x - 3x``), and absorbing zeros
  (``x * 0 -> 0``, ``x & False``) are done for integers and booleans only:
  for floats ``inf - inf`` and ``inf * 0`` are NaN.  Equal float terms are
  collected only when their coefficients have the same sign
  (:mod:`~arignote.tensor.rewrites.algebra_sum`).
* **Shapes.** A result keeps the broadcast shape of the original: a dropped
  operand that decided a length is replaced by an ``alloc`` to that length
  (:func:`~arignote.rewrite.toolkit.fit_to`); when that cannot be done
  without the operand, the operand stays.
* **Rounding.** Float sums and products are reassociated (``(x + 1) + 2 ->
  x + 3``), which may change the last bits, as in every graph optimizer
  with a canonicaliser.  Signed zeros may differ: ``x + 0 -> x`` keeps a
  ``-0.0`` that IEEE addition would make ``+0.0``.

Cost: linear in the chain
-------------------------
A sum written term by term (``total = total + t_i``) is a chain of N nodes.
Writing the normal form at every link would cost 1 + 2 + ... + N.  So a
link whose only user is a sum of its dtype that reads through it (see
:func:`~arignote.rewrite.driver.sole_user`) is left as it is: the chain's
last node reads all N terms once.  Products likewise.  Any rule that reads
a whole chain must do the same (``docs/writing-rules.md``).

Not done here: ``x * x -> sqr(x)`` (specialize), ``x / x -> 1`` (wrong for
0), ``(x * y) / y -> x`` (wrong for 0 and inf), ``x * 0 -> 0`` for floats,
distributing products over sums.
"""

from __future__ import annotations

from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.driver import sole_user
from arignote.rewrite.phases import FAST_COMPILE
from arignote.rewrite.toolkit import computes_in_output_dtype, dtype_of, filled, fit_to, scalar_op_of
from arignote.scalar.math import Add, Mul, Neg, Sub
from arignote.tensor.basic import cast, constant
from arignote.tensor.math import mul
from arignote.tensor.rewrites.algebra_fast_path import is_normal_product, is_normal_sum
from arignote.tensor.rewrites.algebra_order import sort_terms
from arignote.tensor.rewrites.algebra_product import expand_product, normalized_coefficient, product_of
from arignote.tensor.rewrites.algebra_sum import canonical_sum_of
from arignote.tensor.rewrites.algebra_values import is_exact_kind, is_value, value_in

_SUM_OPS = (Add, Sub, Neg)


def _changed(node: Apply, result: Variable | None) -> Variable | None:
    return None if result is None or result is node.outputs[0] else result


def _read_by_user(node: Apply, kinds: tuple[type, ...]) -> bool:
    """Whether ``node``'s only user is a node of ``kinds``, in ``node``'s dtype, that will
    read through it when it writes its own normal form (a link inside a chain)."""
    user = sole_user(node)
    if user is None or len(user.outputs) != 1:
        return False
    out = user.outputs[0]
    return (dtype_of(out) == dtype_of(node.outputs[0]) and isinstance(scalar_op_of(out), kinds)
            and computes_in_output_dtype(user))


@canonicalize.rule(Add, Sub, Neg, tags=[FAST_COMPILE])
def canonical_sum(node: Apply) -> Variable | None:
    """Sums in normal form: flattened, sorted, constants merged and last, equal terms collected.

    (a + b) + c -> add(a, b, c); b + a -> a + b; x + 1 + y + 2 -> add(x, y, 3);
    x + 0 -> x; x + x -> 2 * x; --x -> x; -(a - b) -> b - a; -(c * x) -> (-c) * x;
    x - x -> 0 for integers.
    """
    if is_normal_sum(node):
        return None
    if not computes_in_output_dtype(node):
        return _mixed_binary(node, neutral=0, absorbing=None, commutative=isinstance(
            node.op.scalar_op, Add))
    if _read_by_user(node, _SUM_OPS):
        return None  # a link of a longer sum: its last node writes the whole
    return _changed(node, canonical_sum_of(node))


@canonicalize.rule(Mul, tags=[FAST_COMPILE])
def canonical_product(node: Apply) -> Variable | None:
    """Products in normal form: flattened, sorted, constants merged and last, signs collected.

    (a * b) * c -> mul(a, b, c); 2 * x * 3 -> mul(x, 6); x * 1 -> x; (-a) * (-b) -> a * b;
    x * -1 -> -x; x * 0 -> 0 for integers and booleans.
    """
    if is_normal_product(node):
        return None
    out = node.outputs[0]
    if not computes_in_output_dtype(node):
        return _mixed_binary(node, neutral=1, absorbing=0 if is_exact_kind(dtype_of(out)) else None,
                             commutative=True)
    if _read_by_user(node, (Mul,)):
        return None  # a link of a longer product: its last node writes the whole
    product = expand_product(node)
    if not product.factors:
        return None  # all constants: constant folding's job
    coefficient = normalized_coefficient(product, out)
    if coefficient is not None and is_exact_kind(dtype_of(out)) and is_value(coefficient, 0):
        zeros = filled(0, out, product.factors + product.constants)
        if zeros is not None:
            return zeros
    written = product_of(product.factors, coefficient)
    drops_constant = coefficient is not None and (is_value(coefficient, 1) or is_value(coefficient, -1))
    result = fit_to(written, out, [constant(coefficient)] if drops_constant else [])
    if result is None:  # the constant decided a length: keep it
        result = fit_to(mul(*product.factors, constant(coefficient)), out)
    return _changed(node, result)


def _mixed_binary(node: Apply, neutral: int, absorbing: int | None, commutative: bool) -> Variable | None:
    """A node whose operands have different dtypes: only a neutral or absorbing constant
    goes, and two operands of a commutative op are put in canonical order."""
    if len(node.inputs) != 2:
        return None
    out = node.outputs[0]
    dtype = dtype_of(out)
    first, second = node.inputs
    pairs = [(second, first), (first, second)] if commutative else [(second, first)]
    for const, other in pairs:
        if not isinstance(const, Constant) or isinstance(other, Constant):
            continue
        value = value_in(const, dtype)
        if is_value(value, neutral):
            result = fit_to(cast(other, dtype), out, [const])
            if result is not None:
                return result
        if absorbing is not None and is_value(value, absorbing):
            result = filled(absorbing, out, [other, const])
            if result is not None:
                return result
    if commutative:
        ordered = sort_terms([first, second])
        if ordered[0] is not first:
            return node.op.make_node(*ordered).outputs[0]
    return None
