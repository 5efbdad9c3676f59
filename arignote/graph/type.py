"""`Type`: the static description of the values a variable may hold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any


class Type:
    """Base class of all types.

    A type is an immutable value: equal types are interchangeable.  Subclasses
    say which Python class represents their variables and constants, and how a
    run-time value is checked and converted (:meth:`filter`).
    """

    __slots__ = ()

    #: class of the variables of this type (set by subclasses)
    variable_class: type = None  # type: ignore[assignment]
    #: class of the constants of this type (set by subclasses)
    constant_class: type = None  # type: ignore[assignment]

    if TYPE_CHECKING:
        # For the type checker only: the subclasses in the layers above add their attributes
        # (a tensor type's dtype, shape and ndim), which code reaches through a plain
        # ``var.type``; such attributes are typed Any.  At run time a missing one still raises.
        def __getattr__(self, name: str) -> Any: ...

    def filter(self, value: Any, name: str = "value") -> Any:
        """Return ``value`` converted to this type, or raise naming ``name``."""
        raise NotImplementedError

    def constant_key(self, data: Any) -> Any:
        """A hashable key that identifies constant ``data`` of this type."""
        raise NotImplementedError

    def make_variable(self, name: str | None = None) -> Any:
        """A new, distinct input variable of this type."""
        return self.variable_class(self, None, None, name)

    def __call__(self, name: str | None = None) -> Any:
        """A new input variable of this type (PyTensor's ``TensorType(...)("x")``,
        ``at.dmatrix("x")``)."""
        return self.make_variable(name)

    def is_super(self, other: Type) -> bool:
        """Whether every value of ``other`` is also a value of this type."""
        return self == other

    def convert_variable(self, var: Any) -> Any:
        """``var`` as a variable of this type, or None when it cannot be one (PyTensor's
        name): ``var`` itself when its type is this type or narrower."""
        return var if self.is_super(var.type) else None

    def filter_variable(self, other: Any, allow_convert: bool = True) -> Any:
        """``other`` where a variable of this type is needed: itself when its type is this
        one, else its conversion (with ``allow_convert``); TypeError when there is none."""
        if not hasattr(other, "type"):
            raise TypeError(f"{self}.filter_variable: {other!r} is not a variable")
        if other.type == self:
            return other
        converted = self.convert_variable(other) if allow_convert else None
        if converted is None:
            raise TypeError(f"cannot convert {other} of type {other.type} into type {self}")
        return converted

    # --- derivatives: what reverse mode (arignote/autodiff/reverse.py) asks of a type ---------

    @property
    def carries_cotangents(self) -> bool:
        """Whether variables of this type carry derivatives (tensors of floats do; a type
        whose values do overrides this and the two methods below)."""
        return False

    def fit_cotangent(self, cot: Any, what: str) -> Any:
        """``cot`` checked (and converted) to be a cotangent of a variable of this type;
        ``what`` says where it came from, for the error."""
        raise TypeError(f"{what}, but variables of type {self} carry no derivatives")

    def add_cotangents(self, parts: Sequence[Any]) -> Any:
        """The sum of several cotangents of one variable of this type."""
        raise TypeError(f"cotangents of type {self} cannot be added: it carries no derivatives")


class NullType(Type):
    """The type of a gradient that cannot be computed (``why`` says why): a derivative rule
    returns one for an input; differentiating fails, naming ``why``, only where that gradient
    is needed (arignote/autodiff/reverse.py).  PyTensor's name."""

    __slots__ = ("why",)

    def __init__(self, why: str = "the gradient is undefined") -> None:
        self.why = why

    def filter(self, value: Any, name: str = "value") -> Any:
        raise TypeError(f"{name}: {self.why}")

    def __eq__(self, other: object) -> bool:
        return type(other) is NullType and other.why == self.why

    def __hash__(self) -> int:
        return hash((NullType, self.why))

    def __str__(self) -> str:
        return f"NullType({self.why})"


def undefined_gradient(why: str) -> Any:
    """A placeholder for a gradient that cannot be computed (see :class:`NullType`)."""
    from arignote.graph.basic import Variable  # basic builds on this module

    NullType.variable_class = Variable
    return NullType(why).make_variable()


def is_undefined_gradient(value: Any) -> bool:
    """Whether ``value`` is such a placeholder."""
    return isinstance(getattr(value, "type", None), NullType)
