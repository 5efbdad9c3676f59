"""PyTensor's ``pytensor.tensor.rewriting.basic`` registration helpers: a user's rewriter
(``node_rewriter``, ``PatternNodeRewriter``, ``in2out(...)``) run in a phase of every later
compilation, as ``arignote.compile.optdb[phase].register`` does (its docstring says how tags
select it and what ``fgraph`` its ``transform`` gets).

    @register_canonicalize("custom")
    @node_rewriter([pt.abs])
    def abs_of_exp(fgraph, node): ...

    register_specialize(pattern_rewriter, "custom")   # skipped by mode.excluding("custom")

``register_canonicalize`` adds the tags ``fast_run`` and
``fast_compile`` (run by the default mode and FAST_COMPILE), ``register_stabilize``,
``register_specialize`` and ``register_uncanonicalize`` (arignote's specialize phase) ``fast_run``,
as PyTensor does.
The rewriter is registered under ``name=`` or its ``__name__``, and returned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arignote.graph import hooks

__all__ = ["register_canonicalize", "register_specialize", "register_stabilize",
           "register_uncanonicalize"]


def _register(phase: str, default_tags: tuple[str, ...]) -> Callable[..., Any]:
    def register(rewriter: Any, *tags: str, **kwargs: Any) -> Any:
        if isinstance(rewriter, str):  # used as @register_x("tag", ...): the tags come first
            first = rewriter

            def decorate(inner: Any) -> Any:
                return register(inner, first, *tags, **kwargs)
            return decorate
        name = kwargs.pop("name", None) or getattr(rewriter, "__name__", None)
        if not name:
            raise TypeError(f"register_{phase}: {rewriter!r} has no __name__; give name=")
        hooks.register_rewriter(phase, name, rewriter, *default_tags, *tags, **kwargs)
        return rewriter
    register.__name__ = f"register_{phase}"
    register.__doc__ = (f"Run ``rewriter`` in the {phase} phase of later compilations, tagged "
                        f"{', '.join(default_tags)} and ``tags`` (a decorator when given tags only).")
    return register


register_canonicalize = _register("canonicalize", ("fast_run", "fast_compile"))
register_stabilize = _register("stabilize", ("fast_run",))
register_specialize = _register("specialize", ("fast_run",))
register_uncanonicalize = _register("uncanonicalize", ("fast_run",))
