"""Ops written to PyTensor's ``Op`` protocol, run as arignote ops.

A PyTensor program (and every PyMC "black-box likelihood") defines ops as::

    class MyOp(Op):
        __props__ = ("scale",)
        def make_node(self, x):
            x = as_tensor_variable(x)
            return Apply(self, [x], [x.type()])
        def perform(self, node, inputs, output_storage):
            output_storage[0][0] = ...
        def grad(self, inputs, output_grads): ...          # or L_op(inputs, outputs, grads)
        def infer_shape(self, fgraph, node, input_shapes): ...

arignote's own protocol differs (``perform(*values)`` returning the outputs, ``pullback``,
``infer_shape(node, shapes)``), so :func:`adapt` — called for every subclass of ``Op`` when it
is defined — recognises PyTensor's signatures and adds arignote's methods around them:

- ``c_code`` without a ``perform``: refused, naming the op, when a program is linked
  (PyTensor's C-code interface is not imitated: arignote's C backend generates its own code);
- ``perform(node, inputs, output_storage)``: ``py_impl`` calls it with fresh storage cells
  and returns what it stored (every backend runs such an op through it: C and JAX as a
  Python step or callback);
- ``grad``/``L_op``: ``pullback`` calls them (a cotangent that is None becomes zeros;
  PyTensor's ``disconnected_type()`` results mean "no cotangent", and ``grad_undefined``
  results raise only where that gradient is needed: arignote/autodiff/reverse.py);
- ``R_op(inputs, eval_points)``: ``pushforward`` calls it, so forward mode (``Rop``,
  ``pushforward``, Jacobian-vector products) uses it; an eval point is None where the input
  has no tangent, and a None (or disconnected) result means a zero tangent.  An op without
  ``R_op`` gets its forward derivatives from two pullbacks (its ``grad``/``L_op``), as every
  arignote op without a forward rule; with neither, differentiating it raises, naming it;
- ``infer_shape(fgraph, node, shapes)``: called with ``fgraph=None``;
- ``__props__`` without ``__eq__``: equality and hash from those attributes, as PyTensor's.

``Apply(op, inputs, outputs)`` builds the interned node (:class:`arignote.graph.basic.Apply`).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from arignote.graph import hooks
from arignote.graph.op import NotDifferentiable
from arignote.graph.type import NullType

__all__ = ["adapt"]


def _positional_names(function: Any) -> list[str] | None:
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        return None
    return [p.name for p in parameters]


def _storage_perform(names: list[str] | None) -> bool:
    """``perform(self, node, inputs, output_storage[, params])``."""
    return names is not None and len(names) in (4, 5) and names[1] == "node"


def adapt(cls: type) -> None:
    """Give ``cls`` arignote's methods where it defines PyTensor's (see the module docstring)."""
    namespace = vars(cls)
    added: dict[str, Any] = {}
    perform = namespace.get("perform")
    if perform is not None and "py_impl" not in namespace and _storage_perform(_positional_names(perform)):
        added["py_impl"] = _py_impl
        added["_pytensor_perform"] = True  # the JAX backend runs such a perform as a callback
    elif "c_code" in namespace and "py_impl" not in namespace and _inherits_no_perform(cls):
        # PyTensor runs such an op by compiling its C code; arignote does not compile foreign
        # C code (its C backend generates its own), so the op is refused when a program is linked
        added["py_impl"] = _c_code_only
    infer = namespace.get("infer_shape")
    names = _positional_names(infer) if infer is not None else None
    if names is not None and len(names) == 4 and names[1] == "fgraph":
        added["_pytensor_infer_shape"] = infer
        added["infer_shape"] = _infer_shape
    if "pullback" not in namespace and ("L_op" in namespace or "grad" in namespace):
        added["pullback"] = _pullback
    if "pushforward" not in namespace and "R_op" in namespace:
        added["pushforward"] = _pushforward
    if "__props__" in namespace and "__eq__" not in namespace and "__dataclass_fields__" not in namespace:
        added["__eq__"] = _props_eq
        added["__hash__"] = _props_hash
    for name, value in added.items():
        setattr(cls, name, value)


def _py_impl(self: Any, node: Any) -> Any:
    n_outputs = len(node.outputs)
    perform = self.perform
    takes_params = len(_positional_names(type(self).perform) or ()) == 5

    def run(*values: Any) -> Any:
        storage: list[list[Any]] = [[None] for _ in range(n_outputs)]
        if takes_params:
            perform(node, list(values), storage, getattr(self, "params", None))
        else:
            perform(node, list(values), storage)
        results = []
        for k, cell in enumerate(storage):
            if cell[0] is None:
                raise ValueError(f"{self}.perform stored nothing in output {k}")
            results.append(node.outputs[k].type.filter(cell[0], name=f"{self} output {k}"))
        return results[0] if n_outputs == 1 else tuple(results)
    return run


def _inherits_no_perform(cls: type) -> bool:
    """No class of ``cls``'s MRO below arignote's ``Op`` defines ``perform``."""
    for klass in cls.__mro__:
        if klass.__module__ == "arignote.graph.op":
            return True
        if "perform" in vars(klass) or "py_impl" in vars(klass):
            return False
    return True


def _c_code_only(self: Any, node: Any) -> Any:
    raise NotImplementedError(
        f"{type(self).__name__} defines c_code but no perform: arignote runs ops written to "
        "PyTensor's protocol through perform(node, inputs, output_storage) on every backend "
        "and does not compile their C code; add a perform (NumPy) to use it here")


def _infer_shape(self: Any, node: Any, input_shapes: Sequence[Any]) -> Any:
    shapes = self._pytensor_infer_shape(None, node, [tuple(s) if s is not None else None
                                                     for s in input_shapes])
    tensor = hooks.tensor_api.get()
    return [None if s is None else tuple(tensor.as_tensor_variable(d, dtype="int64") for d in s)
            for s in shapes]


def _pullback(self: Any, inputs: Sequence[Any], outputs: Sequence[Any], cotangents: Sequence[Any]) -> Any:
    tensor = hooks.tensor_api.get()
    grads = [tensor.zeros_like(o) if g is None else g for o, g in zip(outputs, cotangents)]
    if any("L_op" in vars(k) for k in type(self).__mro__):
        result = self.L_op(list(inputs), list(outputs), grads)
    else:
        result = self.grad(list(inputs), grads)
    return list(result)


def _pushforward(self: Any, inputs: Sequence[Any], outputs: Sequence[Any], tangents: Sequence[Any]) -> Any:
    result = list(self.R_op(list(inputs), list(tangents)))
    if len(result) != len(outputs):
        raise TypeError(f"{self}.R_op returned {len(result)} value(s) for {len(outputs)} output(s)")
    tensor_type = hooks.tensor_api.get().TensorType
    checked = []
    for k, r in enumerate(result):
        if r is not None and isinstance(getattr(r, "type", None), NullType):
            raise NotDifferentiable(f"{self}.R_op: the tangent of output {k} is undefined: {r.type.why}")
        # a disconnected marker (not a tensor) says what None says: no tangent
        checked.append(r if r is None or not hasattr(r, "type") or isinstance(r.type, tensor_type) else None)
    return checked


def _props_eq(self: Any, other: object) -> bool:
    props = getattr(type(self), "__props__", ())
    return type(self) is type(other) and all(getattr(self, p) == getattr(other, p) for p in props)


def _props_hash(self: Any) -> int:
    props = getattr(type(self), "__props__", ())
    return hash((type(self), *(getattr(self, p) for p in props)))
