"""`TypedListType` values and the errors of building and running list graphs."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.typed_list import TypedListType, TypedListVariable, getitem, make_list

try:
    import jax  # noqa: F401
    HAVE_JAX = True
except ImportError:
    HAVE_JAX = False


def test_type_is_a_value_object():
    t = TypedListType(at.dvector)
    assert t == TypedListType(at.dvector) and hash(t) == hash(TypedListType(at.dvector))
    assert t != TypedListType(at.fvector) and t != at.dvector
    assert TypedListType(at.dvector, 2) == TypedListType(TypedListType(TypedListType(at.dvector)))
    assert str(t) == "TypedList <Tensor{float64, (?,)}>"
    assert t.dtype == t.ttype == at.dvector
    assert pickle.loads(pickle.dumps(t)) == t
    with pytest.raises(AttributeError):
        t.ttype = at.fvector  # type: ignore[misc]


def test_type_construction_errors():
    with pytest.raises(TypeError, match="must be an arignote Type"):
        TypedListType("float64")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="depth must be an integer >= 0"):
        TypedListType(at.dvector, -1)


def test_filter_converts_items_and_names_the_bad_one():
    t = TypedListType(at.dvector)
    got = t.filter(([1, 2], np.arange(3.0)))
    assert isinstance(got, list) and got[0].dtype == np.float64
    with pytest.raises(TypeError, match=r"l\[1\]: expected an array with 1 dimension"):
        t.filter([np.zeros(2), np.zeros((2, 2))], "l")
    with pytest.raises(TypeError, match="l: expected a list or tuple"):
        t.filter(np.zeros((2, 2)), "l")
    with pytest.raises(TypeError, match="expected a Python list"):
        t.filter((np.zeros(2),), "l", strict=True)
    assert t.is_valid_value([np.zeros(1)]) and not t.is_valid_value([np.zeros(())])


def test_function_arguments_are_checked_by_name():
    lst = TypedListType(at.dvector)("l")
    f = arignote.function([lst], lst.length(), mode="PY")
    with pytest.raises(TypeError, match=r"l.*\[0\].*1 dimension"):
        f([np.zeros((1, 1))])
    with pytest.raises(TypeError, match="expected a list or tuple"):
        f(3.0)


def test_variable_methods_and_refusals():
    lst = TypedListType(at.dvector)("l")
    assert isinstance(lst, TypedListVariable) and lst.ttype == at.dvector
    with pytest.raises(TypeError, match="length"):
        len(lst)
    with pytest.raises(TypeError, match="cannot be iterated"):
        iter(lst)
    for built in (lst.append(at.dvector()), lst.extend(lst), lst.insert(0, at.dvector()),
                  lst.remove(at.dvector()), lst.reverse(), lst[0:1]):
        assert built.type == lst.type
    for built in (lst.count(at.dvector()), lst.ind(at.dvector()), lst.length()):
        assert built.type == at.lscalar


def test_building_errors_name_what_was_wrong():
    lst = TypedListType(at.dvector)("l")
    with pytest.raises(TypeError, match="has type Tensor{float32.*but the list holds"):
        lst.append(at.fvector())
    with pytest.raises(TypeError, match="cannot extend"):
        lst.extend(TypedListType(at.dmatrix)())
    with pytest.raises(TypeError, match="must be a typed list variable"):
        getitem(at.dvector(), 0)
    with pytest.raises(TypeError, match="0-d integer tensor"):
        lst[at.dscalar()]
    with pytest.raises(TypeError, match="must be an integer"):
        lst[True]
    with pytest.raises(TypeError, match="item 1 is Tensor{float32"):
        make_list([at.dvector(), at.fvector()])
    with pytest.raises(TypeError, match="at least one item"):
        make_list([])
    with pytest.raises(TypeError, match="expected a list or tuple"):
        make_list(at.dvector())


def test_a_python_value_is_converted_to_the_item_type():
    lst = TypedListType(at.dvector)("l")
    f = arignote.function([lst], lst.append([1, 2]), mode="PY")
    got = f([])
    assert got[0].dtype == np.float64 and list(got[0]) == [1.0, 2.0]


def test_an_integer_result_of_a_list_has_a_zero_gradient():
    x = at.dvector("x")
    cost = make_list([x, x]).length() * x.sum()
    g = arignote.grad(cost, x).eval({x: np.ones(3)}, mode="PY")
    np.testing.assert_array_equal(g, np.full(3, 2.0))  # d(2 * sum x)/dx, exact


@pytest.mark.skipif(not HAVE_JAX, reason="JAX is not installed")
def test_jax_refuses_lists_naming_the_op():
    from arignote.backend.jax.plan import JaxCompileError

    lst = TypedListType(at.dvector)("l")
    with pytest.raises(JaxCompileError, match="Length.*does not carry typed lists"):
        arignote.function([lst], lst.length(), mode="JAX")
