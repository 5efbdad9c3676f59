"""The documented places where a lower layer reaches a higher one.

Layers import one way (DESIGN.md section 6; ``make lint`` checks it): graph,
scalar, tensor, the rewrite engine and autodiff, the rule library, loop,
backends, compile.  A few conveniences of a lower layer need a higher one at
run time: ``Variable.eval()`` compiles, a scalar op's derivative rule builds
tensor expressions.  Each such need is one :class:`Hook` below; the layer
that provides it installs it when it is imported, and ``import arignote``
imports every layer, so by the time user code runs every hook is filled.

A new hook is a last resort: first try moving the code to the layer it
belongs to, or passing what it needs in as an argument.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")


class HookNotInstalled(RuntimeError):
    """A hook was used before the layer providing it was imported."""


class Hook(Generic[T]):
    """One value (a function, a module) a lower layer uses and a higher layer provides."""

    __slots__ = ("name", "provider", "purpose", "_value")

    def __init__(self, name: str, provider: str, purpose: str) -> None:
        self.name = name
        self.provider = provider
        self.purpose = purpose
        self._value: T | None = None

    def install(self, value: T) -> None:
        """Provide the hook's value (done once, by ``provider`` at import)."""
        self._value = value

    @property
    def installed(self) -> bool:
        return self._value is not None

    def get(self) -> T:
        """The installed value; :class:`HookNotInstalled` naming the provider if there is none."""
        value = self._value
        if value is None:
            raise HookNotInstalled(
                f"arignote: {self.purpose} needs {self.provider}, which has not been imported "
                f"(hook {self.name!r}); `import arignote` imports it")
        return value

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the installed function."""
        return self.get()(*args, **kwargs)  # type: ignore[operator]

    def __repr__(self) -> str:
        state = "installed" if self.installed else "not installed"
        return f"<Hook {self.name} from {self.provider}: {state}>"


#: ``evaluate(variable, inputs_to_values)``: compile (cached) and run; for ``Variable.eval``
evaluate: Hook[Any] = Hook("evaluate", "arignote.compile", "Variable.eval()")

#: ``as_variable(value, dtype=None)``: a plain value as a graph variable (a tensor constant);
#: for ``graph_replace`` given values rather than variables
as_variable: Hook[Any] = Hook("as_variable", "arignote.tensor", "graph_replace with a plain value")

#: the ``arignote.tensor`` module: scalar ops write their derivative rules with it, since
#: ``Elemwise`` applies those rules to tensors
tensor_api: Hook[Any] = Hook("tensor_api", "arignote.tensor", "a scalar op's derivative rule")

#: ``get_mode(mode)``: a mode name, a Mode or None as a Mode (with ``optimizer``,
#: ``include`` and ``exclude``); for ``arignote.rewrite.explain``
get_mode: Hook[Any] = Hook("get_mode", "arignote.compile", "rewrite.explain with a mode")

#: ``dprint(variable, **kwargs)``: the text picture of a graph; for ``Variable.dprint()``
dprint: Hook[Any] = Hook("dprint", "arignote.printing", "Variable.dprint()")

#: ``rewrite_phases(outputs, include, exclude)``: the outputs rewritten by the named phases;
#: for ``arignote.graph.rewriting.utils.rewrite_graph``
rewrite_phases: Hook[Any] = Hook("rewrite_phases", "arignote.compile", "rewrite_graph")

#: ``rewrite_with_functions(outputs, rules)``: the outputs rewritten to a fixed point by the
#: engine's driver with ``rules``, each ``(name, fn(node) -> replacements or None, tracked op
#: types or None)``; for PyTensor-style node rewriters (arignote.graph.rewriting.basic)
rewrite_with_functions: Hook[Any] = Hook("rewrite_with_functions", "arignote.compile",
                                         "a PyTensor-style node rewriter")

#: ``register_rewriter(phase, name, rewriter, *tags, **options)``: a user's PyTensor-style
#: rewriter run in a phase of later compilations; for ``arignote.tensor.rewriting.basic``
register_rewriter: Hook[Any] = Hook("register_rewriter", "arignote.compile",
                                    "register_canonicalize and its kind")

#: ``(vectorize_graph(outputs, replace), vectorize_node(node, *inputs))``: the tensor layer's
#: vectorization; for ``arignote.graph.replace.vectorize_graph`` (PyTensor's path)
vectorize: Hook[Any] = Hook("vectorize", "arignote.compile", "graph.replace.vectorize_graph")

#: ``(pull_back(outputs, inputs, cotangents), push_forward(outputs, inputs, tangents),
#: disconnected_type)``: autodiff for the entries of an OpFromGraph override list left ``None``
#: (the graph's own derivatives), and the marker an override receives for an output the cost
#: does not reach
op_from_graph_derivatives: Hook[Any] = Hook(
    "op_from_graph_derivatives", "arignote.compile.builders",
    "OpFromGraph overrides falling back to the graph's derivative")

#: ``jacobian_rows(flat, wrt, grad_kwargs)``: for each of ``wrt``, the stacked gradients of
#: the entries of the 1-d ``flat``, one per step of a loop; for ``jacobian(vectorize=False)``
#: of an expression whose size is known only at run time (PyTensor builds those rows by scan)
jacobian_rows: Hook[Any] = Hook("jacobian_rows", "arignote.loop",
                                "jacobian(vectorize=False) of an expression of unknown size")

ALL: tuple[Hook[Any], ...] = (evaluate, as_variable, tensor_api, get_mode, dprint, rewrite_phases,
                              rewrite_with_functions, register_rewriter, vectorize,
                              op_from_graph_derivatives, jacobian_rows)
