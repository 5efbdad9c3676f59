"""The registry from op type to its JAX lowering.

A lowering is a function ``(op, node, ctx) -> callable``: given the node at
compile time it returns the function that computes the node's outputs from
its input values while JAX traces the graph.  It is registered for an op
class (subclasses inherit it), with the positions of the inputs JAX needs to
know while tracing (shapes, sizes, slice bounds: ``static=(1,)``)::

    @jax_impl.register(CumOp)
    def _cumulative(op, node, ctx):
        return partial(jnp.cumsum if op.mode == "add" else jnp.cumprod, axis=op.axis)

Static inputs arrive as NumPy arrays; every other input is a JAX value.
``ctx`` (a :class:`LoweringContext`) lets a lowering add a run-time check
(``ctx.check``), which the compiled function raises as an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from arignote.graph.basic import Apply
from arignote.graph.registry import Registry as BaseRegistry

Lowering = Callable[[Any, Apply, "LoweringContext"], Callable[..., Any]]


class ShapeDependsOnValues(str):
    """A reason (from ``unsupported``) that comes from JAX's static shapes, not a missing lowering."""


@dataclass(frozen=True)
class Entry:
    """One registered lowering and the inputs it needs as static (trace-time) values."""

    lower: Lowering
    static: tuple[int, ...] = ()
    #: a function of the node giving the static positions when they depend on the node
    static_of: Callable[[Apply], tuple[int, ...]] | None = None
    #: a function of the node saying why this lowering cannot run it (None: it can)
    unsupported: Callable[[Apply], str | None] | None = None
    #: ``(node, static input flags) -> positions of outputs the lowering gives as NumPy values``
    static_outputs: Callable[[Apply, tuple[bool, ...]], set[int]] | None = None

    def static_inputs(self, node: Apply) -> tuple[int, ...]:
        return self.static_of(node) if self.static_of is not None else self.static

    def why_unsupported(self, node: Apply) -> str | None:
        return None if self.unsupported is None else self.unsupported(node)


def _never_lowered(op: Any, node: Apply, ctx: Any) -> Any:
    raise AssertionError(f"{op}: refused (Registry.refuse), yet asked for a lowering")


class Registry(BaseRegistry[Entry]):
    """Lowerings keyed by op type; a subclass uses its nearest registered base class."""

    def make_entry(self, fn: Lowering, *, static: Sequence[int] = (),
                   static_of: Callable[[Apply], tuple[int, ...]] | None = None,
                   unsupported: Callable[[Apply], str | None] | None = None,
                   static_outputs: Callable[[Apply, tuple[bool, ...]], set[int]] | None = None,
                   **options: Any) -> Entry:
        """The entry ``register(*op_types, **options)`` stores: ``fn`` is the lowering.

        ``static`` lists the input positions JAX must know while tracing
        (``static_of(node)`` when they depend on the node); ``unsupported(node)``
        says why a particular node cannot be lowered (None when it can);
        ``static_outputs`` names outputs known while tracing (a loop's stacked shapes).
        """
        if options:
            raise TypeError(f"{self.name}.register: unknown options {sorted(options)}")
        return Entry(fn, tuple(static), static_of, unsupported, static_outputs)

    def refuse(self, *op_types: type, why: str | Callable[[Apply], str]) -> None:
        """Register op types this backend cannot run: a graph with one is refused before any
        lowering is asked for, naming the op and ``why`` (a reason, or ``why(node)``)."""
        reason = why if callable(why) else (lambda node: why)
        self.register(*op_types, unsupported=reason)(_never_lowered)

    def entry(self, op: Any) -> Entry | None:
        """The entry for ``op``'s class (or its nearest registered base), or None."""
        return self.lookup(type(op))

    def registered_types(self) -> list[type]:
        return [k for k in self.keys() if isinstance(k, type)]


@dataclass(eq=False)
class LoweringContext:
    """What a lowering knows and may ask of the translation.

    ``static[i]`` says whether input ``i`` arrives as a NumPy value (known
    while tracing) or as a JAX value.  A lowering that needs run-time
    assertions calls :meth:`needs_checks` when it is built, then
    :meth:`check` while tracing.
    """

    static: tuple[bool, ...] = ()
    where: str = ""
    #: whether the function being built raises failed checks (False for ``jax_fn``)
    checks_enabled: bool = True
    declared: bool = False
    #: (error type, message prefix) of every check added while tracing
    check_kinds: list[tuple[type, str]] = field(default_factory=list)
    #: contexts of inner graphs (loop bodies) translated by this lowering
    children: list[LoweringContext] = field(default_factory=list)
    #: per output of the node, who reads it in the graph being translated: ``(node, input
    #: position)`` pairs, ``(None, -1)`` when it is an output of that graph
    readers: tuple[tuple[tuple[Apply | None, int], ...], ...] = ()
    _check: Callable[..., None] | None = None

    def all_check_kinds(self) -> list[tuple[type, str]]:
        """The check kinds of this context and of its inner graphs'."""
        kinds = list(self.check_kinds)
        for child in self.children:
            kinds.extend(child.all_check_kinds())
        return kinds

    def is_static(self, position: int) -> bool:
        return self.static[position] if position < len(self.static) else False

    def reader_context(self, where: str) -> LoweringContext:
        """A context whose checks are reported as failures of another node (described by ``where``):
        for a lowering that checks, on a reader's behalf, what the reader would check itself."""
        child = LoweringContext(where=where, checks_enabled=self.checks_enabled, declared=True,
                                _check=self._check)
        self.children.append(child)
        self.needs_checks()
        return child

    def needs_checks(self) -> None:
        """Say (when building) that the lowering will add run-time checks."""
        self.declared = True

    def check(self, ok: Any, error: type, message: str, *values: Any) -> None:
        """Raise ``error(message)`` at run time unless the boolean JAX value ``ok`` is true.

        ``{}`` placeholders in ``message`` are filled with ``values`` (JAX
        values), as in ``str.format``.  Does nothing when checks are off.
        """
        if not self.checks_enabled:
            return
        if not self.declared or self._check is None:
            raise RuntimeError(f"{self.where}: a lowering added a run-time check without calling "
                               "ctx.needs_checks() when it was built")
        # the node's description may hold braces, which the formatting must leave alone
        where = self.where.replace("{", "{{").replace("}", "}}")
        text = f"{where}: {message}" if where else message
        # what the raised error's text starts with, as formatted (escaped braces are single there)
        head = message.split("{}")[0].replace("{{", "{").replace("}}", "}")
        prefix = f"{self.where}: {head}" if self.where else head
        self.check_kinds.append((error, prefix))
        self._check(ok, text, *values)


def _pytensor_protocol(op_type: type) -> Entry | None:
    # an op written to PyTensor's protocol runs its perform as a host callback (callback.py,
    # imported here only when such an op is met: it is not a lowering module of its own kind)
    if not getattr(op_type, "_pytensor_perform", False):
        return None
    from arignote.backend.jax.callback import callback_entry

    return callback_entry


jax_impl = Registry("jax", default=_pytensor_protocol)
