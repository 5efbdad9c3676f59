"""Every op is covered by every table keyed by op type, and every rule module registers rules.

Each concrete op of arignote (found by walking the package) must have a C
lowering or be marked as running NumPy on purpose (``backend/c/numpy_lowering.py``),
a JAX lowering or a reason JAX cannot run it (``VALUE_SHAPED``), a batching
rule (``Op.batch``) and a derivative (or be marked not differentiable); every
scalar op C and JAX code.  The gaps known today are listed below: a list may
only shrink, and a test fails when an entry is no longer a gap.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import arignote
from arignote.backend.c.node_lowering import c_lowerings
from arignote.backend.c.scalar_registry import applicable
from arignote.graph.op import Op
from arignote.rewrite.phases import PHASES
from arignote.scalar.basic import ScalarOp
from tests.autodiff.test_rule_coverage import INTEGER_OUTPUTS, NOT_DIFFERENTIABLE
from tests.op_classes import all_subclasses

try:
    import jax  # noqa: F401
    HAVE_JAX = True
except ImportError:
    HAVE_JAX = False

# Ops that run on NumPy in the C backend although a kernel (or a runtime step) of ours
# would pay: fusable or allocation-heavy work, each a Python step today.
C_GAPS = {"ARange", "CheckSteps", "Diff", "Eye", "Repeat", "Roll", "SumTo", "Tile", "Tri"}
# Ops without a batching rule: a Jacobian through a pullback that builds one of them is
# built row by row.  Most are never built by a pullback (integer results, BLAS forms made
# by later rewrites), the rest have no rule yet.
BATCHING_GAPS = {"ARange", "ArgSort", "Argmax", "Argmin", "BinCount", "CheckSteps", "Diff", "Eye",
                 "FlatNonzero", "Gemm", "Gemv", "JaxFunctionOp", "LogSoftmax", "Nonzero", "Repeat",
                 "SearchSorted",
                 "Softmax", "Sort", "Tile", "Tri", "Unique",
                 # typed lists: a list has no array axis to batch along
                 "AddLists", "Append", "Count", "Extend", "GetItem", "GetSlice", "Index", "Insert",
                 "Length", "MakeList", "PlaceItem", "PlaceSlice", "Remove", "RestoreRemoved", "Reverse",
                 # a generator made at run time: nothing to batch
                 "DefaultGeneratorMaker"}
# arignote.sparse: Jacobians through sparse ops are built row by row (no batched sparse values)
BATCHING_GAPS |= {"AddSD", "AddSS", "AsFormat", "CSM", "CSMProperties", "Cast", "ColScale", "DenseFromSparse", "Dot", "HStack", "MulSD", "MulSS", "Neg", "RowScale", "SpSum", "SparseFromDense", "SparseShape", "SparseSlice", "SparseZeros", "StructuredDot", "StructuredDotGrad", "StructuredElemwise", "StructuredFill", "Transpose", "VStack", "ValuesAt"}  # noqa: E501
# Scalar ops C has no function for (SciPy's own special functions): they run on SciPy.
C_SCALAR_GAPS = {"Erfcinv", "Erfcx", "Erfinv", "Psi", "TriGamma",
                 # arignote.scalar.special: SciPy's special functions, and three of arignote's own
                 # (x log x, x log y, logaddexp) that have no C emitter yet
                 "BetaInc", "BetaIncInv", "GammaInc", "GammaIncC", "GammaIncCInv", "GammaIncInv",
                 "Hyp2F1", "I0", "I1", "Ive", "J0", "J1", "Jv", "Kve", "LogAddExp", "LogNdtr", "Ndtr",
                 "Ndtri", "NdtriExp", "OwensT", "PolyGamma", "XLogX", "XLogY0",
                 # arignote.scalar.gammainc_derivative: d/dk of gammainc/gammaincc, in NumPy
                 "GammaIncDer", "GammaIncCDer",
                 # arignote.scalar.betainc_derivative, hyp2f1_derivative: parameter derivatives, in NumPy
                 "BetaIncDa", "BetaIncDb", "Hyp2F1Da", "Hyp2F1Db", "Hyp2F1Dc",
                 # complex(real, imag): the generated loops compute in real types only
                 "Complex"}
# Scalar ops JAX has no function for; the reason is in arignote.backend.jax.scalar.NO_JAX_FUNCTION
# (and in the error that makes a graph using one refuse the JAX backend).
JAX_SCALAR_GAPS = {"BetaIncDa", "BetaIncDb", "BetaIncInv", "GammaIncCDer", "GammaIncDer",
                   "Hyp2F1Da", "Hyp2F1Db", "Hyp2F1Dc", "Ive", "Jv", "Kve"}
# Modules of the rule library that hold helpers for the rule modules, not rules.
RULE_HELPERS = {"algebra_fast_path", "algebra_order", "algebra_product", "algebra_shape",
                "algebra_sum", "algebra_values", "lifting", "stabilize_forms", "structure_helpers"}


def _import_all() -> None:
    for info in pkgutil.walk_packages(arignote.__path__, "arignote."):
        if ".backend.jax." in info.name and not HAVE_JAX:
            continue  # its lowering modules import JAX
        importlib.import_module(info.name)


def _concrete(base: type) -> list[type]:
    """arignote's public subclasses of ``base`` that are meant to be built: dataclasses, or
    classes nothing derives from (a bare base such as GradientOp is neither)."""
    _import_all()
    found = []
    for cls in all_subclasses(base):
        if not cls.__module__.startswith("arignote.") or cls.__name__.startswith("_"):
            continue
        if inspect.isabstract(cls) or ("__dataclass_fields__" not in vars(cls) and cls.__subclasses__()):
            continue
        found.append(cls)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


def _ops() -> list[type]:
    return _concrete(Op)


def _core_ops() -> list[type]:
    """Ops of the graph layers: a backend's own ops exist only after rewriting for it."""
    return [c for c in _ops() if not c.__module__.startswith("arignote.backend.")]


def _check(name: str, missing: set[str], allowed: set[str], what: str) -> None:
    new = sorted(missing - allowed)
    closed = sorted(allowed - missing)
    assert not new, f"{what}: {new}"
    assert not closed, f"{name} lists {closed}, which no longer lack it: drop them from {name}"


def test_every_op_has_c_code_or_runs_numpy_on_purpose():
    import arignote.backend.c.linker  # noqa: F401  (finds the lowering modules)

    missing = {c.__name__ for c in _ops() if c_lowerings.lookup(c) is None}
    _check("C_GAPS", missing, C_GAPS, "ops without a C lowering or a runs-NumPy mark")


@pytest.mark.skipif(not HAVE_JAX, reason="JAX is not installed")
def test_every_op_has_a_jax_lowering_or_a_reason():
    from arignote.backend.jax.linker import _lowerings_loaded
    from arignote.backend.jax.plan import VALUE_SHAPED

    registry = _lowerings_loaded()
    missing = sorted(c.__name__ for c in _core_ops()
                     if registry.lookup(c) is None and not issubclass(c, VALUE_SHAPED))
    assert not missing, f"ops without a JAX lowering or a reason: {missing}"


def test_every_op_has_a_batching_rule():
    missing = {c.__name__ for c in _core_ops() if c.batch is Op.batch}
    _check("BATCHING_GAPS", missing, BATCHING_GAPS, "ops without a batching rule (Op.batch)")


def test_every_op_has_a_derivative_or_is_marked():
    # the marks (integer outputs, not differentiable) live in tests/autodiff/test_rule_coverage.py
    marked = INTEGER_OUTPUTS | NOT_DIFFERENTIABLE
    missing = sorted(c.__name__ for c in _core_ops()
                     if c.pullback is Op.pullback and c.__name__ not in marked)
    assert not missing, f"ops without a derivative (pullback) or a not-differentiable mark: {missing}"


def _scalar_ops() -> list[ScalarOp]:
    from arignote.tensor.composite import Composite

    ops = []
    for cls in _concrete(ScalarOp):
        if cls is Composite or (not hasattr(cls, "nfunc") and "impl" not in vars(cls)):
            continue  # a composite is its inner ops (checked here one by one); bare bases
        ops.append(cls("float64") if "dtype" in getattr(cls, "__dataclass_fields__", {}) else cls())
    return ops


def test_every_scalar_op_has_c_code():
    missing = {type(op).__name__ for op in _scalar_ops() if not applicable(op)}
    _check("C_SCALAR_GAPS", missing, C_SCALAR_GAPS, "scalar ops without C code")


@pytest.mark.skipif(not HAVE_JAX, reason="JAX is not installed")
def test_every_scalar_op_has_a_jax_function():
    from arignote.backend.jax.linker import _lowerings_loaded
    from arignote.backend.jax.scalar import NO_JAX_FUNCTION, supports

    _lowerings_loaded()
    missing = {type(op).__name__ for op in _scalar_ops() if not supports(op)}
    _check("JAX_SCALAR_GAPS", missing, JAX_SCALAR_GAPS, "scalar ops without a JAX function")
    # every gap says why
    assert {t.__name__ for t in NO_JAX_FUNCTION} == JAX_SCALAR_GAPS


def _rules_by_module() -> dict[str, int]:
    import arignote.loop.rewrites
    import arignote.tensor.rewrites  # noqa: F401

    count: dict[str, int] = {}
    for phase in PHASES:
        for item in [*phase.rules, *phase.passes]:
            module = getattr(item.fn, "__module__", None) or ""
            count[module] = count.get(module, 0) + 1
    return count


@pytest.mark.parametrize("package", ["arignote.tensor.rewrites", "arignote.loop.rewrites"])
def test_every_rule_module_registers_rules(package):
    count = _rules_by_module()
    pkg = importlib.import_module(package)
    names = {info.name for info in pkgutil.iter_modules(pkg.__path__)}
    helpers = RULE_HELPERS if package == "arignote.tensor.rewrites" else set()
    idle = {n for n in names if count.get(f"{package}.{n}", 0) == 0}
    # a rule is credited to the module defining its function (a rule made by pattern() is not:
    # list such a module here, or give pattern() the caller's module)
    _check("RULE_HELPERS", idle, helpers, f"modules of {package} that register no rule")
