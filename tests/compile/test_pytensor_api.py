"""PyTensor's user-level compile API: ``In``/``Out``, input conversion, modes by PyTensor's
names, ``eval(mode=)``, ``dprint``, constructors that are types, shared variables of every
kind, and the module paths a PyTensor program imports from."""

from __future__ import annotations

import importlib
import importlib.util

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.compile.io import In, Out
from arignote.compile.mode import Mode, get_default_mode
from arignote.graph.rewriting.db import RewriteDatabaseQuery

# --- In and Out -----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_in_gives_names_and_default_values(mode):
    a, b = at.dscalars("a", "b")
    f = arignote.function([a, In(b, value=2.0, name="bee")], Out(a * b), mode=mode)
    assert f(3.0) == 6.0 and f(3.0, 4.0) == 12.0 and f(3.0, bee=5.0) == 15.0
    with pytest.raises(TypeError, match="no input named 'b'"):
        f(1.0, b=2.0)
    with pytest.raises(TypeError, match="given both by position and by name"):
        f(1.0, 2.0, bee=3.0)
    with pytest.raises(TypeError, match="takes 2 argument"):
        f(1.0, 2.0, 3.0)
    g = arignote.function([a, b], [Out(a + b, borrow=True), a - b], mode=mode)
    assert g(1.0, 2.0) == [3.0, -1.0]


@pytest.mark.parametrize("mode", ["PY", "FAST_RUN"])
def test_an_input_with_an_update_holds_state(mode):
    s = at.dscalar("s")
    counter = arignote.function([In(s, value=0.0, update=s + 1.0)], s * 10.0, mode=mode)
    assert [counter(), counter()] == [0.0, 10.0]
    assert counter(5.0) == 50.0  # a value given replaces the state for this call
    assert counter() == 60.0     # and the state moves on from it
    a = at.dscalar("a")
    hidden = arignote.function([a, In(s, value=1.0, implicit=True, update=s * 2.0)], a + s, mode=mode)
    assert [hidden(0.0), hidden(0.0), hidden(1.0)] == [1.0, 2.0, 5.0]
    with pytest.raises(TypeError, match="takes 1 argument"):
        hidden(0.0, 1.0)  # an implicit input is no argument
    with pytest.raises(ValueError, match="needs a value"):
        In(s, implicit=True, update=s + 1.0)
    # an update and no value: the first call gives the state, the later ones may leave it out
    started = arignote.function([In(s, update=s + 1.0)], s * 10.0, mode=mode)
    with pytest.raises(TypeError, match="missing value for input 0"):
        started()
    assert [started(2.0), started(), started()] == [20.0, 30.0, 40.0]


def test_input_conversion_rules():
    x = at.fvector("x")
    double = np.array([1.5, 2.5])
    with pytest.raises(TypeError, match="lose information"):
        arignote.function([x], x)(np.array([1.1, 2.2]) * 1e300)
    down = arignote.function([x], x * 2, allow_input_downcast=True)
    np.testing.assert_array_equal(down(double), np.array([3.0, 5.0], dtype="float32"))
    assert down(double).dtype == np.float32
    y = at.fscalar("y")
    assert arignote.function([y], y)(0.1) == np.float32(0.1)  # None: a Python float may downcast
    with pytest.raises(TypeError, match="would lose precision"):
        arignote.function([y], y, allow_input_downcast=False)(0.1)
    i = at.iscalar("i")
    with pytest.raises(TypeError, match="strict input needs dtype int32"):
        arignote.function([In(i, strict=True)], i)(np.int64(3))
    assert arignote.function([In(i, allow_downcast=True)], i)(3.7) == 3


# --- modes by PyTensor's names --------------------------------------------------------------

def test_pytensor_linker_and_optimizer_names():
    assert Mode("cvm").linker == "c" and Mode("c|py").linker == "c" and Mode("vm").linker == "c"
    assert Mode(linker=None).linker == get_default_mode().linker
    assert Mode("py", "o1").optimizer == "fast_compile"
    assert Mode("py", "None").optimizer is None and Mode("py", "default").optimizer == "fast_run"
    with pytest.raises(ValueError, match="unknown linker 'numba'"):
        Mode("numba")
    assert Mode("py").requiring("x") == Mode("py").including("x")


def test_a_rewrite_query_selects_phases_and_rules():
    x = at.dvector("x")
    query = RewriteDatabaseQuery(include=["fast_run"], exclude=["log1p_from_log"])
    mode = Mode("py", query)
    assert mode.optimizer == "fast_run" and mode.exclude == ("log1p_from_log",)
    f = arignote.function([x], at.log(1 + x), mode=mode, trace=True)
    assert "log1p_from_log" not in arignote.rewrite.explain(f)
    assert Mode("py", RewriteDatabaseQuery(include=["fast_compile"])).optimizer == "fast_compile"
    assert query.including("a").include == ("fast_run", "a")
    assert query.excluding("b").exclude == ("log1p_from_log", "b")


def test_mode_module_names():
    from arignote.compile import mode as mode_module

    assert mode_module.FAST_RUN == arignote.compile.get_mode("FAST_RUN")
    assert mode_module.FAST_COMPILE.optimizer == "fast_compile"
    assert set(mode_module.predefined_modes) >= {"FAST_RUN", "FAST_COMPILE", "JAX"}


def test_eval_takes_function_arguments():
    x = at.dvector("x")
    y = (x ** 2).sum()
    assert y.eval({x: np.ones(3)}, mode="PY") == 3.0
    assert y.eval({x: np.ones(3)}, mode=Mode("py", None)) == 3.0


# --- constructors, types, printing, derivatives from the tensor module ---------------------

def test_named_constructors_are_types():
    x = at.dmatrix("x")
    assert x.type is at.dmatrix and x.name == "x"
    assert at.dscalar() is not at.dscalar()  # each call a new variable
    v = at.TensorType("float64", shape=(None,))("v")
    assert v.type == at.dvector and v.name == "v"
    assert at.tensor7("t").ndim == 7 and at.ltensor6("u").type.dtype == "int64"
    assert at.row("r").type.shape == (1, None) and at.col("c").type.shape == (None, 1)
    assert at.matrix("m", dtype="int32").type == at.imatrix
    assert at.dmatrix("A", shape=(5, None)).type.shape == (5, None)
    with pytest.raises(ValueError, match="2 dimension"):
        at.dmatrix("A", shape=(5,))


def test_plural_constructors():
    a, b = at.dmatrices("a", "b")
    assert (a.name, b.name, a.type) == ("a", "b", at.dmatrix)
    assert [v.name for v in at.fvectors("xyz")] == ["x", "y", "z"]  # one per character, as PyTensor
    assert at.dscalars("x").name == "x"  # one name: one variable
    assert len(at.tensor3s(3)) == 3 and [v.name for v in at.scalars(["p", "q"])] == ["p", "q"]


def test_dprint_and_the_derivative_functions():
    x = at.dvector("x")
    y = (x ** 2).sum()
    assert arignote.dprint is arignote.debugprint
    assert y.dprint(file="str").startswith("Sum")
    g = at.grad(y, x)
    np.testing.assert_array_equal(g.eval({x: np.array([1.0, 2.0])}), [2.0, 4.0])
    assert at.jacobian is arignote.gradient.jacobian and at.hessian is arignote.gradient.hessian


# --- shared variables -----------------------------------------------------------------------

def test_every_shared_variable_is_a_shared_variable():
    from arignote.compile.sharedvalue import SharedVariable

    tensor_shared = arignote.shared(np.ones(2))
    generator_shared = arignote.shared(np.random.default_rng(0))
    assert isinstance(tensor_shared, SharedVariable) and isinstance(generator_shared, SharedVariable)
    assert not isinstance(at.dvector("x"), SharedVariable)
    assert tensor_shared.container is tensor_shared


def test_a_tensor_shared_variable_has_a_default_update():
    s = arignote.shared(np.zeros(2), name="s")
    s.default_update = s + 1.0
    f = arignote.function([], s * 2.0)
    np.testing.assert_array_equal(f(), [0.0, 0.0])
    np.testing.assert_array_equal(s.get_value(), [1.0, 1.0])
    g = arignote.function([], s * 2.0, no_default_updates=True)
    g()
    np.testing.assert_array_equal(s.get_value(), [1.0, 1.0])


# --- module paths ---------------------------------------------------------------------------

@pytest.mark.parametrize(("module", "names"), [
    ("arignote.compile.io", ["In", "Out"]),
    ("arignote.compile.maker", ["function", "UnusedInputError", "MissingInputError"]),
    ("arignote.compile.sharedvalue", ["SharedVariable", "shared"]),
    ("arignote.compile.mode", ["Mode", "get_mode", "get_default_mode", "FAST_RUN", "FAST_COMPILE"]),
    ("arignote.configdefaults", ["config"]),
    ("arignote.graph.utils", ["MissingInputError"]),
    ("arignote.graph.rewriting.db", ["RewriteDatabaseQuery"]),
    ("arignote.tensor.type", ["TensorType", "tensor", "scalar", "dmatrix", "dmatrices", "tensor7"]),
    ("arignote.tensor.sharedvar", ["TensorSharedVariable", "shared"]),
    ("arignote.tensor.random.basic", ["normal", "cauchy", "multivariate_normal", "choice", "NormalRV",
                                      "MvNormalRV", "hypergeometric"]),
    ("arignote", ["In", "Out", "dprint", "grad"]),
])
def test_pytensor_import_paths(module, names):
    found = importlib.import_module(module)
    for name in names:
        assert getattr(found, name) is not None, f"{module}.{name}"
    assert not hasattr(importlib.import_module("arignote.tensor.random.basic"), "no_such_distribution")


def test_cast_policy_choices_are_pytensors():
    assert arignote.config.cast_policy == "custom"
    assert (at.scalar(dtype="int8") / at.scalar(dtype="int8")).dtype == arignote.config.floatX
    with arignote.config.change_flags(cast_policy="numpy+floatX"):
        assert (at.scalar(dtype="int8") + 1).dtype == "int64"  # a Python int is NumPy's int64
    with pytest.raises(ValueError, match="cast_policy must be one of"):
        arignote.config.cast_policy = "numpy"  # PyTensor's removed policy


# --- FunctionGraph, rewrite_graph, f.maker ----------------------------------------------------

def test_function_graph_is_a_view_of_the_graph():
    from arignote.graph import FunctionGraph

    x, z = at.dvector("x"), at.dvector("z")
    y = at.exp(x) + 1.0
    fg = FunctionGraph([x], [y])
    assert fg.inputs == [x] and fg.outputs == [y]
    assert {type(n.op).__name__ for n in fg.apply_nodes} == {"Elemwise"}
    assert fg.toposort()[-1] is y.owner
    assert ("output", 0) in fg.clients[y] and x in fg.variables
    fg.replace(x, z)
    (out,) = fg.outputs
    assert z in arignote.graph.graph_inputs([out]) and y.owner.inputs[0].owner.inputs[0] is x  # y unchanged
    assert FunctionGraph(outputs=[y]).inputs == [x]


def test_rewrite_graph_runs_named_phases():
    from arignote.graph import FunctionGraph, rewrite_graph

    x = at.dvector("x")
    y = at.log(1 + at.exp(x))
    assert type(rewrite_graph(y).owner.op.scalar_op).__name__ == "Log"  # canonicalize only: no log1p yet
    stable = rewrite_graph(y, include=("canonicalize", "stabilize"))
    assert type(stable.owner.op.scalar_op).__name__ == "Softplus"
    kept = rewrite_graph(y, include=("canonicalize", "stabilize"), exclude=("softplus_from_log1p_exp",))
    assert type(kept.owner.op.scalar_op).__name__ == "Log1p"
    fg = rewrite_graph(FunctionGraph([x], [y]), include=("fast_run",))
    assert isinstance(fg, FunctionGraph) and fg.outputs[0] is not y  # fused: one composite
    values = np.array([0.0, 50.0])
    np.testing.assert_allclose(arignote.function([x], stable)(values), np.logaddexp(0, values))
    with pytest.raises(TypeError, match="node rewriter or a graph rewriter"):
        rewrite_graph(y, custom_rewrite=object())


def test_maker_shows_the_graph_the_program_runs():
    x = at.dvector("x")
    s = arignote.shared(np.zeros(2), name="s")
    f = arignote.function([x], at.log(1 + at.exp(x)), updates={s: s + x})
    graph = f.maker.fgraph
    assert len(graph.outputs) == 2  # the output, then the update's value
    assert "Softplus" in {type(getattr(n.op, "scalar_op", n.op)).__name__ for n in graph.toposort()}
    assert graph.inputs == [x, s] and f.maker.mode == f.mode
    assert [spec.variable for spec in f.maker.inputs] == [x]


# --- wrap_py ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["PY", "FAST_RUN", pytest.param("JAX", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))])
def test_wrap_py_makes_a_python_function_an_op(mode):
    @arignote.wrap_py(itypes=[at.dmatrix, at.dvector], otypes=[at.dvector],
                      infer_shape=lambda node, shapes: [(shapes[0][0],)])
    def solve(a, b):
        return np.linalg.solve(a, b)

    a, b = at.dmatrix("a"), at.dvector("b")
    x = solve(a, b)
    f = arignote.function([a, b], [x, x.shape[0]], mode=mode)
    matrix = np.array([[2.0, 1.0], [1.0, 3.0]])
    got, length = f(matrix, np.array([1.0, 2.0]))
    np.testing.assert_allclose(got, np.linalg.solve(matrix, [1.0, 2.0]), rtol=1e-15)
    assert length == 2
    with pytest.raises(TypeError, match="input 0 must be of type"):
        solve(at.dvector("v"), b)
    with pytest.raises(arignote.gradient.NotDifferentiable, match="no derivative"):
        arignote.grad(x.sum(), b)
    with pytest.warns(FutureWarning, match="as_op is deprecated"):
        arignote.as_op(itypes=[at.dvector], otypes=[at.dvector])(np.sort)


def test_checking_modes_by_name_and_settable_debug_options():
    import copy

    x = at.dvector("x")
    guarded = arignote.function([x], at.log(x), mode="NanGuardMode")
    with pytest.raises(AssertionError, match="NaN"):
        guarded(np.array([-1.0]))
    checked = arignote.function([x], at.log(x), mode="DebugMode")
    np.testing.assert_allclose(checked(np.array([2.0])), np.log([2.0]), rtol=1e-15)
    mode = copy.copy(get_default_mode())
    mode.check_isfinite = False  # as PyTensor's test helpers do
    assert mode.check_isfinite is False
    with pytest.raises(AttributeError, match="no attribute 'chek_isfinite'"):
        mode.chek_isfinite = False
    with pytest.raises(Exception, match="immutable"):
        mode.optimizer = None


def test_function_dprint_prints_the_compiled_graph(capsys):
    x = at.dvector("x")
    f = arignote.function([x], at.exp(x) * 2, mode="PY")
    f.dprint(print_type=True)
    out = capsys.readouterr().out
    assert "x [id" in out and "float64" in out


def test_allow_downcast_false_refuses_inexact_floats_and_narrowing_arrays():
    a, b, c = at.wvector("a"), at.bvector("b"), at.bscalar("c")
    f = arignote.function([In(a, allow_downcast=True), In(b, allow_downcast=False),
                           In(c, allow_downcast=None)], a + b + c)
    np.testing.assert_array_equal(f([3], [6], 1), [10])
    with pytest.raises(TypeError, match="int16 would be downcast to int8"):
        f([3], np.array([6], dtype="int16"), 1)  # the values fit; the dtype narrows
    np.testing.assert_array_equal(f([2 ** 20], np.ones(1, dtype="int8"), 1), [2])  # True: wraps
    with pytest.raises(TypeError, match="lose information"):
        f([3], [312], 1)
    x, y = at.fscalars("x", "y")
    g = arignote.function([In(x, allow_downcast=False), y], x + y)
    assert g(0.5, 0.1) == np.float32(0.5) + np.float32(0.1)  # exact in float32: taken
    with pytest.raises(TypeError, match="0.1 would lose precision as float32"):
        g(0.1, 0.0)
    assert np.isnan(g(float("nan"), 0.0))


def test_input_names_must_be_strings_and_a_shared_name_is_ambiguous():
    a, x, s = at.dscalars("x", "x", "x")
    f = arignote.function([a, x, s], a + x + s)
    assert f(1, 2, 3) == 6
    with pytest.raises(TypeError, match="ambiguous"):
        f(1, 2, x=3)
    with pytest.raises(TypeError, match="name must be a string"):
        In(a, name=[])


def test_default_updates_chain_through_the_updates_and_take_the_givens():
    # x's update reads y, y's reads z: all three update, from the values before the call
    x, y, z = arignote.shared(2), arignote.shared(1), arignote.shared(-1)
    x.default_update, y.default_update, z.default_update = x - y, z, z - 1
    arignote.function([], [x])()
    assert (x.get_value(), y.get_value(), z.get_value()) == (1, -1, -2)
    arignote.function([], [y])()  # x is not read: it keeps its value
    assert (x.get_value(), y.get_value(), z.get_value()) == (1, -2, -3)
    # givens apply to a default update as to the outputs
    a = arignote.shared(1.0, "a")
    a.default_update = a + 3.0
    f = arignote.function([], a + 10.0, givens={a: a + 10.0})
    assert [f(), f()] == [21.0, 34.0]  # a: 1 -> (1 + 10) + 3 = 14
    b = at.dscalar("b")
    g = arignote.function([b], a + 10.0, givens={a: b})  # a replaced: no update of a
    assert g(2.0) == 12.0 and a.get_value() == 27.0  # 14 + 10 + 3 after the two calls
