"""A property: any chain of list ops computes what the same chain of Python list calls does."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import arignote
import arignote.tensor as at
from arignote.typed_list import TypedListType

# one step: (name, integer argument); items to add are the list's own items, scaled
STEPS = st.lists(st.tuples(st.sampled_from(["append", "extend", "insert", "remove", "reverse",
                                            "slice", "pick"]),
                           st.integers(-4, 4)), min_size=1, max_size=6)


def _apply(lst, name, k, new_item):
    """One step on a symbolic list (``new_item``: the item an insertion adds)."""
    if name == "append":
        return lst.append(new_item)
    if name == "extend":
        return lst.extend(lst)
    if name == "insert":
        return lst.insert(k, new_item)
    if name == "remove":
        return lst.remove(new_item)
    if name == "reverse":
        return lst.reverse()
    if name == "slice":
        return lst[k:] if k >= 0 else lst[::k]
    return lst  # "pick" is checked on the final list


def _reference(items, name, k, new_item):
    items = list(items)
    if name == "append":
        items.append(new_item)
    elif name == "extend":
        items = items + items
    elif name == "insert":
        items.insert(k, new_item)
    elif name == "remove":
        for position, item in enumerate(items):
            if item.shape == new_item.shape and np.all(item == new_item):
                del items[position]
                break
    elif name == "reverse":
        items.reverse()
    elif name == "slice":
        items = items[k:] if k >= 0 else items[::k]
    return items


@given(steps=STEPS, n=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_chains_of_list_ops_match_python(steps, n, seed):
    rng = np.random.default_rng(seed)
    lst, e = TypedListType(at.dvector)("l"), at.dvector("e")
    symbolic = lst
    for name, k in steps:
        symbolic = _apply(symbolic, name, k, e)
    f = arignote.function([lst, e], [symbolic, symbolic.length()], mode="PY", on_unused_input="ignore")
    value = [rng.integers(0, 3, size=int(rng.integers(0, 3))).astype(float) for _ in range(n)]
    item = np.array([1.0, 2.0])
    expected = value
    for name, k in steps:
        expected = _reference(expected, name, k, item)
    got, size = f(value, item)
    assert size == len(expected) == len(got)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
