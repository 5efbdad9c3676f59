"""The order in which the canonical algebra lists the terms of a sum or product.

Sorting the operands of ``+`` and ``*`` makes ``a + b`` and ``b + a`` the same
interned node, a cheap common-subexpression elimination.  The order must be

* the same for the same terms, whichever order they came in (for CSE);
* the same from one run of a program to the next: float sums of three or
  more terms round differently in different orders, and generated code is
  cached by its text, so an order that changed between runs would change
  results in the last bits and miss the cache;
* cheap: a key is computed once per variable and memoized.

Memory addresses (``id``) fail the second point, so the key is built from
the graph's structure: a stable hash (BLAKE2, not Python's per-process
salted ``hash``) of the op, the constant's bytes or the input's name and
type, combined up the graph.  Keys are memoized per variable (graphs are
immutable, so a variable's key never changes) with weak references, so they
never keep a graph alive.

Two different variables can have the same structure: two unnamed inputs of
the same type, or the same function of each.  The structure alone cannot
order them, so the key ends with a serial number given in the order
variables are first keyed.  It only decides between such twins, and is the
same in every run of the same program; a program that compiles other graphs
first may order twins differently, which changes nothing but the rounding of
their sum.

For readability the key starts with a coarse class: graph inputs by name
first, then computed terms grouped by op name, constants last (the sum and
product forms place their single constant last anyway).
"""

from __future__ import annotations

import hashlib
import itertools
import weakref

import numpy as np

from arignote.graph.basic import Constant, Variable

#: (class, label, structural hash, serial): compared as a tuple
TermKey = tuple[int, str, int, int]

_INPUT, _COMPUTED, _CONSTANT = 0, 1, 2

# id(variable) -> (weak reference to it, its key).  Not a WeakKeyDictionary: a lookup there
# makes a weak reference each time, and rules look keys up for every operand they sort.
# An entry whose variable died is removed by the reference's callback (only if it still holds
# that reference: the id may have been reused by then).
_keys: dict[int, tuple[weakref.KeyedRef, TermKey]] = {}
_serials = itertools.count()


def _forget(ref: weakref.KeyedRef) -> None:
    entry = _keys.get(ref.key)
    if entry is not None and entry[0] is ref:
        del _keys[ref.key]


def _known(var: Variable) -> TermKey | None:
    entry = _keys.get(id(var))
    if entry is not None and entry[0]() is var:
        return entry[1]
    return None


def term_key(var: Variable) -> TermKey:
    """The sort key of ``var`` among the terms of a sum or the factors of a product."""
    found = _known(var)
    if found is not None:
        return found
    # Keys of the ancestors first, without recursion (graphs can be deep).
    stack = [var]
    while stack:
        top = stack[-1]
        if _known(top) is not None:
            stack.pop()
            continue
        node = top.owner
        missing = [] if node is None else [i for i in node.inputs if _known(i) is None]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        _keys[id(top)] = (weakref.KeyedRef(top, _forget, id(top)), _compute_key(top))
    return _keys[id(var)][1]


def sort_terms(terms: list[Variable]) -> list[Variable]:
    """``terms`` in canonical order."""
    return sorted(terms, key=term_key)


def _compute_key(var: Variable) -> TermKey:
    digest = hashlib.blake2b(digest_size=8)
    node = var.owner
    if isinstance(var, Constant):
        data = np.asarray(var.data)
        digest.update(f"C|{data.dtype.str}|{data.shape}|".encode())
        digest.update(data.tobytes())
        kind, label = _CONSTANT, ""
    elif node is None:
        label = var.name or ""
        digest.update(f"I|{label}|{var.type}".encode())
        kind = _INPUT
    else:
        op = node.op
        digest.update(f"N|{_op_text(op)}|{var.index}".encode())
        for parent in node.inputs:
            digest.update(_keys[id(parent)][1][2].to_bytes(8, "little"))
        kind, label = _COMPUTED, str(op)
    return (kind, label, int.from_bytes(digest.digest(), "little"), next(_serials))


_op_texts: dict[object, str] = {}


def _op_text(op: object) -> str:
    """The qualified class name and repr of ``op``, computed once per op value."""
    found = _op_texts.get(op)
    if found is None:
        found = f"{type(op).__module__}.{type(op).__qualname__}|{op!r}"
        # bounded, and never composites: they hold whole inner graphs
        if len(_op_texts) < 10_000 and not hasattr(getattr(op, "scalar_op", None), "nodes"):
            _op_texts[op] = found
    return found
