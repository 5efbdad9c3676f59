"""Every op of arignote.tensor either has a derivative rule or is known not to need one."""

import importlib
import inspect
import pkgutil

import arignote.tensor
from arignote.graph.op import Op

# ops whose outputs are integers or booleans (no cotangent ever reaches them)
INTEGER_OUTPUTS = {"Shape", "ShapeI", "Argmax", "Argmin", "ArgSort", "SearchSorted", "Nonzero",
                   "FlatNonzero", "RavelMultiIndex", "UnravelIndex",
                   "ArgSortOp", "Shape_i"}  # PyTensor's names of ArgSort and ShapeI
# ops with a real output but no derivative: differentiating through them raises NotDifferentiable
NOT_DIFFERENTIABLE = {"Unique", "DefaultGeneratorMaker"}


def _tensor_ops():
    found = {}
    for module_info in pkgutil.walk_packages(arignote.tensor.__path__, "arignote.tensor."):
        if ".rewrites" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, Op) and obj.__module__ == module.__name__
                    and not name.startswith("_") and not inspect.isabstract(obj)):
                found[name] = obj
    return found


def test_every_tensor_op_has_a_rule_or_a_reason():
    missing = []
    for name, cls in sorted(_tensor_ops().items()):
        has_rule = cls.pullback is not Op.pullback
        if not has_rule and name not in INTEGER_OUTPUTS | NOT_DIFFERENTIABLE:
            missing.append(name)
    assert not missing, f"ops without a derivative rule: {missing}"


def test_the_lists_are_not_stale():
    ops = _tensor_ops()
    for name in INTEGER_OUTPUTS | NOT_DIFFERENTIABLE:
        assert name in ops
        assert ops[name].pullback is Op.pullback, f"{name} now has a rule; drop it from the list"
