"""Every op and scalar op of arignote has a JAX lowering (or is ruled out by JAX's static shapes)."""

import pytest

jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'arignote[jax]')")

import importlib  # noqa: E402
import pkgutil  # noqa: E402

import arignote  # noqa: E402
import arignote.scalar.math as sm  # noqa: E402
from arignote.backend.jax import jax_impl  # noqa: E402
from arignote.backend.jax.linker import _lowerings_loaded  # noqa: E402
from arignote.backend.jax.plan import VALUE_SHAPED  # noqa: E402
from arignote.backend.jax.scalar import supports  # noqa: E402
from arignote.graph.op import Op  # noqa: E402
from arignote.scalar.basic import ScalarOp  # noqa: E402
from tests.op_classes import all_subclasses  # noqa: E402


def _import_everything():
    for module in pkgutil.walk_packages(arignote.__path__, "arignote."):
        if ".backend." not in module.name:
            importlib.import_module(module.name)


def test_every_op_has_a_lowering():
    _import_everything()
    _lowerings_loaded()
    missing = []
    for op_type in all_subclasses(Op):
        if not op_type.__module__.startswith("arignote.") or op_type.__name__.startswith("_"):
            continue  # ops that tests and docs examples define run on NumPy
        if op_type.__module__.startswith("arignote.backend.") and ".jax" not in op_type.__module__:
            continue  # another backend's own lowered forms never reach the JAX linker
        if issubclass(op_type, VALUE_SHAPED):
            continue
        if "__dataclass_fields__" not in vars(op_type) and op_type.__subclasses__():
            continue  # a bare base (SparseOp): its subclasses are the ops
        if jax_impl.entry(object.__new__(op_type)) is None:
            missing.append(f"{op_type.__module__}.{op_type.__name__}")
    assert not missing, f"ops without a JAX lowering: {missing}"


def test_every_scalar_op_has_a_jax_function():
    _lowerings_loaded()
    missing = []
    for scalar_type in all_subclasses(ScalarOp):
        if scalar_type.__module__ != sm.__name__ or scalar_type.__name__[0] == "_":
            continue
        if scalar_type in (sm.UnaryOp, sm.UnaryFloatOp, sm.BinaryOp, sm.ComparisonOp):
            continue
        op = scalar_type("float64") if scalar_type is sm.Cast else scalar_type()
        if not supports(op):
            missing.append(scalar_type.__name__)
    assert not missing, f"scalar ops without a JAX function: {missing}"
