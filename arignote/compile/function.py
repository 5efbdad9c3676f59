"""`function`: compile a graph into a Python callable."""

from __future__ import annotations

import copy
import functools
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from arignote.backend.jax.pure import pure_function
from arignote.compile import program_cache
from arignote.compile.generators import consume_updated_generators
from arignote.compile.io import Container, In, Out
from arignote.compile.mode import Mode, get_mode
from arignote.compile.node_by_node import NodeByNodeProgram
from arignote.compile.pipeline import link, rewrite_for_mode
from arignote.compile.profiling import ProfileStats
from arignote.compile.program_cache import program_key
from arignote.compile.shared import SHARED_KINDS, SharedVariable
from arignote.config import config
from arignote.graph import hooks
from arignote.graph.basic import Constant, Variable
from arignote.graph.replace import graph_replace
from arignote.graph.sourceinfo import describe_node
from arignote.graph.traversal import graph_inputs
from arignote.graph.utils import MissingInputError
from arignote.rewrite.trace import Trace
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.type import TensorType


class UnusedInputError(ValueError):
    """A function was given an input its outputs do not use."""


def function(inputs: Sequence[Variable | In], outputs: Any = None, mode: Any = None,
             updates: Mapping[SharedVariable, Any] | Sequence[tuple[SharedVariable, Any]] | None = None,
             givens: Mapping[Variable, Any] | Sequence[tuple[Variable, Any]] | None = None,
             on_unused_input: str | None = "raise", name: str | None = None,
             trust_input: bool = False, trace: bool = False,
             no_default_updates: bool | Sequence[Variable] = False,
             allow_input_downcast: bool | None = None, profile: Any = None,
             accept_inplace: bool = False, rebuild_strict: bool = True) -> Function:
    """Compile ``outputs`` as a function of ``inputs``.

    ``inputs`` may be wrapped in :class:`~arignote.compile.io.In` (names, default values,
    inputs holding state) and ``outputs`` in ``Out``.  ``allow_input_downcast=True`` converts
    any number to an input's dtype (precision lost or not); None (the default) lets Python
    floats become ``float32`` and refuses other lossy conversions; False refuses both.
    ``accept_inplace`` and ``rebuild_strict`` are PyTensor's and change nothing here.
    ``profile=True`` (or a :class:`~arignote.compile.profiling.ProfileStats` to share) times
    every node of every call: ``f.profile.summary()`` prints where the time goes.

    ``outputs`` is one variable (the function returns one array) or a list
    (it returns a list).  ``updates`` maps shared variables to their new
    value, stored after each call; ``givens`` substitutes variables before
    compiling; ``on_unused_input`` is ``"raise"``, ``"warn"`` or ``"ignore"``;
    ``trace=True`` records which rewrite rules fired (``f.rewrite_trace``).

    A shared variable with a ``default_update`` (the generator of a random draw made without
    an explicit one, or by a ``RandomStream``) is updated to it after each call, unless
    ``updates`` updates it or ``no_default_updates`` is True (or lists it), as in PyTensor.

    Building, compiling and calling are safe from several threads.  A call of
    a function with ``updates`` holds the function's own lock from reading
    the shared values to storing the updates, so concurrent calls of that
    function never lose an update; calls without updates run concurrently.
    Two different functions updating the same shared variable are not
    serialized with each other: hold a lock of your own around such calls.
    """
    return Function(inputs, outputs, get_mode(mode), updates, givens,
                    "raise" if on_unused_input is None else on_unused_input,
                    name, trust_input, trace, no_default_updates, allow_input_downcast, profile)


def _pairs(mapping: Any, what: str) -> list[tuple[Any, Any]]:
    if mapping is None:
        return []
    if isinstance(mapping, Mapping):
        return list(mapping.items())
    try:
        pairs = [tuple(p) for p in mapping]
    except TypeError:
        raise TypeError(f"{what} must be a dict or a list of pairs") from None
    if any(len(p) != 2 for p in pairs):
        raise TypeError(f"{what} must be a dict or a list of pairs")
    return pairs


def _as_value_of(var: Variable, expr: Any) -> Variable:
    """``expr`` as a variable that may be stored in ``var`` (a tensor, or a generator)."""
    if isinstance(var.type, TensorType):
        return as_tensor_variable(expr)
    if not isinstance(expr, Variable) or expr.type != var.type:
        raise TypeError(f"update for {var} must be a variable of type {var.type}, got {expr!r}")
    return expr


def _default_updates(needed: Sequence[Variable], explicit: Sequence[tuple[Variable, Variable]],
                     off: bool | Sequence[Variable]) -> list[tuple[Variable, Variable]]:
    """The default updates of the shared variables the graph reads, except those updated
    explicitly and those ``no_default_updates`` names (all, when it is True)."""
    if off is True:
        return []
    skipped = {id(v) for v, _ in explicit} | ({id(v) for v in off} if off else set())
    found: list[tuple[Variable, Variable]] = []
    for var in needed:
        update = getattr(var, "default_update", None)
        if update is not None and isinstance(var, SHARED_KINDS) and id(var) not in skipped:
            found.append((var, update))
    return found


def _check_compatible(old: Variable, new: Variable, what: str) -> None:
    old_t, new_t = old.type, new.type
    if getattr(old_t, "dtype", None) != getattr(new_t, "dtype", None) or \
            getattr(old_t, "ndim", None) != getattr(new_t, "ndim", None):
        raise TypeError(f"{what} for {old} has type {new_t}, which does not match {old_t}")


def _view_root(var: Variable) -> Variable:
    while var.owner is not None and var.owner.op.view_inputs:
        var = var.owner.inputs[var.owner.op.view_inputs[0]]
    return var


class Function:
    """A compiled graph.  Call it with the input values (positionally or by name)."""

    def __init__(self, inputs: Sequence[Variable | In], outputs: Any, mode: Mode, updates: Any,
                 givens: Any, on_unused_input: str, name: str | None, trust_input: bool,
                 trace: bool = False, no_default_updates: bool | Sequence[Variable] = False,
                 allow_input_downcast: bool | None = None, profile: Any = None) -> None:
        if on_unused_input not in ("raise", "warn", "ignore"):
            raise ValueError(f"on_unused_input must be 'raise', 'warn' or 'ignore', got {on_unused_input!r}")
        # what the function is made of, to make it again: unpickling and copy() (function_copy.py)
        self._build_args = dict(inputs=inputs, outputs=outputs, mode=mode, updates=updates,
                                givens=givens, on_unused_input=on_unused_input, name=name,
                                trust_input=trust_input, trace=trace,
                                no_default_updates=no_default_updates,
                                allow_input_downcast=allow_input_downcast, profile=bool(profile))
        self.profile: ProfileStats | None = (profile if isinstance(profile, ProfileStats)
                                             else ProfileStats(name) if profile else None)
        self.mode = mode
        self.name = name
        self.trust_input = trust_input
        if isinstance(inputs, (Variable, In)) or not isinstance(inputs, (list, tuple)):
            raise TypeError("function: inputs must be a list of variables")
        self.input_specs = [i if isinstance(i, In) else In(i) for i in inputs]
        self.inputs = self._check_inputs([spec.variable for spec in self.input_specs])
        if isinstance(outputs, Out):
            outputs = outputs.variable
        elif isinstance(outputs, (list, tuple)):
            outputs = [o.variable if isinstance(o, Out) else o for o in outputs]
        self.single_output = outputs is not None and not isinstance(outputs, (list, tuple))
        user_outputs = [] if outputs is None else [outputs] if self.single_output else list(outputs)
        # tensors, and generators (a draw's next generator, PyTensor 3's API)
        user_outputs = [o if isinstance(o, Variable) and not isinstance(o.type, TensorType)
                        else as_tensor_variable(o) for o in user_outputs]

        update_pairs: list[tuple[Variable, Variable]] = []
        for var, expr in _pairs(updates, "updates"):
            if not isinstance(var, SHARED_KINDS):
                raise TypeError(f"updates: {var} is not a shared variable")
            expr = _as_value_of(var, expr)
            _check_compatible(var, expr, "update")
            update_pairs.append((var, expr))
        if len({id(v) for v, _ in update_pairs}) != len(update_pairs):
            raise ValueError("updates: a shared variable is updated twice")

        # inputs holding state (In(x, value=, update=)): their next value, after the outputs
        self._stateful = [k for k, spec in enumerate(self.input_specs) if spec.update is not None]
        state_updates = []
        for k in self._stateful:
            var = self.inputs[k]
            expr = _as_value_of(var, self.input_specs[k].update)
            _check_compatible(var, expr, "In(update=)")
            state_updates.append(expr)
        targets = user_outputs + state_updates + [expr for _, expr in update_pairs]
        # an input computed from others (PyTensor allows it): the graph is cut there, the
        # caller giving its value; a root variable of its type stands for it
        cut = []
        for k, var in enumerate(self.inputs):
            if var.owner is not None:
                self.inputs[k] = var.type.make_variable(var.name)
                cut.append((var, self.inputs[k]))
        if cut:
            targets = graph_replace(targets, cut, strict=False)
        givens_pairs = []
        for old, new in _pairs(givens, "givens"):
            new = new if isinstance(new, Variable) else as_tensor_variable(new, dtype=old.type.dtype)
            _check_compatible(old, new, "givens replacement")
            givens_pairs.append((old, new))
        if givens_pairs:
            targets = graph_replace(targets, givens_pairs, strict=False)

        needed = graph_inputs(targets)  # one walk of the graph for both uses
        self._check_used(needed, on_unused_input)
        # default updates of the shared variables the graph reads, and of those their
        # updates read in turn (PyTensor's chained default updates), givens applied to them too
        defaults = _default_updates(needed, update_pairs, no_default_updates)
        while defaults:
            exprs = [expr for _, expr in defaults]
            if givens_pairs:
                exprs = graph_replace(exprs, givens_pairs, strict=False)
            update_pairs += [(var, expr) for (var, _), expr in zip(defaults, exprs)]
            targets = targets + exprs
            needed = graph_inputs(targets)
            defaults = _default_updates(needed, update_pairs, no_default_updates)
        self.shared = [v for v in needed if isinstance(v, SHARED_KINDS)
                       and not any(v is i for i in self.inputs)]

        self.unoptimized_outputs = targets
        self.rewrite_trace = Trace() if trace else None
        #: whether the program came from the whole-function cache (arignote/compile/program_cache.py)
        self.from_cache = False
        self.user_outputs = user_outputs
        self.updates: list[Any] = [var for var, _ in update_pairs]  # shared variables
        self.n_outputs = len(user_outputs)
        #: the outputs before the shared variables' updates: the user's, then the states'
        self._n_results = self.n_outputs + len(self._stateful)
        program_inputs = self.inputs + self.shared
        self.graph_outputs, self.program = self._compile(program_inputs, targets, mode)
        self._copy_positions = self._outputs_to_copy(program_inputs)
        self._input_names = [f"input {i} ({spec.name or inp.type})"
                             for i, (inp, spec) in enumerate(zip(self.inputs, self.input_specs))]
        self._checks = [
            _input_check(inp.type, name, spec.strict,
                         allow_input_downcast if spec.allow_downcast is None else spec.allow_downcast)
            for inp, name, spec in zip(self.inputs, self._input_names, self.input_specs)]
        self._by_name: dict[str, int] = {}
        for i, spec in enumerate(self.input_specs):
            if spec.name:
                # a name several inputs share selects none of them (-1: ambiguous)
                self._by_name[spec.name] = -1 if spec.name in self._by_name else i
        #: per input, its default value (a one-item list: In(update=) replaces it after a call)
        self._defaults: list[list[Any] | None] = [
            _value_cell(spec.value, check, spec.update is not None)
            for spec, check in zip(self.input_specs, self._checks)]
        #: the positions the caller's positional arguments fill (implicit inputs take none)
        self._explicit = [k for k, spec in enumerate(self.input_specs) if not spec.implicit]
        self._plain_call = all(d is None for d in self._defaults) and not self._stateful
        self._run = self.program.run if self.profile is None else _timed(self.program.run, self.profile)
        self._run_explained = _explaining(self._run, self._explain_failure)
        # Calls with updates are atomic: read shared values, run, store updates under one lock,
        # else two threads read the same old value and one update overwrites the other.
        # Re-entrant so that a signal handler (or an op's Python code) calling the function
        # again in the same thread does not deadlock.
        self._update_lock = threading.RLock() if self.updates or self._stateful else None

    def _compile(self, program_inputs: list[Variable], targets: list[Variable],
                 mode: Mode) -> tuple[list[Variable], Any]:
        """The rewritten graph and its program: from the whole-function cache when a
        structurally identical graph was compiled before, else rewritten and linked (and
        stored there)."""
        observers = [*mode.node_observers(), *([self.profile] if self.profile is not None else [])]
        if observers:
            return self._compile_node_by_node(program_inputs, targets, mode, observers)
        keyed = None
        if config.program_cache and self.rewrite_trace is None and not config.optimizer_verbose:
            keyed = program_key(program_inputs, targets, mode, len(self.inputs))
        if keyed is not None:
            found = program_cache.load(keyed[0], keyed[1], program_inputs, mode)
            if found is not None:
                self.from_cache = True
                return found.graph_outputs, found.program
        graph_outputs = self._rewrite(targets, mode)
        program = link(program_inputs, graph_outputs, mode)
        if keyed is not None:
            program_cache.save(keyed[0], keyed[1], program_inputs, graph_outputs, program)
        return graph_outputs, program

    def _rewrite(self, targets: list[Variable], mode: Mode) -> list[Variable]:
        """``targets`` rewritten for ``mode``, the updated generators' draws made in place."""
        graph_outputs = rewrite_for_mode(targets, mode, self.rewrite_trace)
        graph_outputs = consume_updated_generators(graph_outputs, self._n_results, self.updates)
        # after rewriting: a variable the written graph mentions but the computation does not
        # need (the cost inside a gradient's `second(cost, g)`) need not be given
        self._check_missing(graph_outputs)
        return graph_outputs

    def _compile_node_by_node(self, program_inputs: list[Variable], targets: list[Variable],
                              mode: Mode, observers: list[Any]) -> tuple[list[Variable], Any]:
        """The rewritten graph run one node at a time, each node seen by ``observers``
        (profiling, NanGuardMode, DebugMode: arignote/compile/node_by_node.py)."""
        started = time.perf_counter()
        graph_outputs = self._rewrite(targets, mode)
        rewritten = time.perf_counter()
        program = mode.wrap_program(
            NodeByNodeProgram(program_inputs, graph_outputs, lambda ins, outs: link(ins, outs, mode),
                              observers),
            program_inputs, targets)
        if self.profile is not None:
            self.profile.rewrite_time += rewritten - started
            self.profile.linker_time += time.perf_counter() - rewritten
        return graph_outputs, program

    # --- compile-time checks -------------------------------------------------------
    @staticmethod
    def _check_inputs(inputs: Sequence[Variable]) -> list[Variable]:
        checked: list[Variable] = []
        seen: set[int] = set()
        for position, var in enumerate(inputs):
            if not isinstance(var, Variable):
                raise TypeError(f"function: input {position} is {type(var).__name__}, not a Variable")
            if isinstance(var, Constant):
                raise TypeError(f"function: input {position} ({var}) is a constant; inputs must be "
                                "symbolic variables")
            if id(var) in seen:
                raise ValueError(f"function: input {var} is given twice")
            seen.add(id(var))
            checked.append(var)
        return checked

    def _check_used(self, needed: list[Variable], on_unused_input: str) -> None:
        """``needed``: the graph inputs the outputs depend on."""
        if on_unused_input == "ignore":
            return
        used = {id(v) for v in needed}
        for position, var in enumerate(self.inputs):
            if id(var) not in used:
                message = (f"function: input {position} ({var}) is not used to compute the outputs;"
                           " pass on_unused_input='ignore' (or 'warn') to allow it")
                if on_unused_input == "raise":
                    raise UnusedInputError(message)
                warnings.warn(message, stacklevel=4)

    def _check_missing(self, targets: list[Variable]) -> None:
        given = {id(v) for v in self.inputs + self.shared}
        for var in graph_inputs(targets):
            if id(var) not in given:
                raise MissingInputError(f"function: the outputs need input {var} ({var.type}), "
                                        "which is not among the inputs")

    def _outputs_to_copy(self, program_inputs: list[Variable]) -> list[int]:
        """Outputs that could share memory with an input, a constant or another output."""
        roots_seen: set[int] = set()
        copies = []
        for position, out in enumerate(self.graph_outputs):
            root = _view_root(out)
            if root.owner is None or id(root) in roots_seen:
                copies.append(position)
            roots_seen.add(id(root))
        return copies

    # --- calling ----------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        values: Sequence[Any] = args if self._plain_call and not kwargs else self._merge_kwargs(args, kwargs)
        checks = self._checks
        if len(values) != len(checks):
            raise TypeError(f"function{' ' + self.name if self.name else ''} takes "
                            f"{len(checks)} argument(s), got {len(values)}")
        if not self.trust_input:
            values = [check(a) for check, a in zip(checks, values)]
        # A call with updates holds the function's lock from reading the shared values to
        # storing the updates (else two threads read one old value and an update is lost).
        lock = self._update_lock
        if lock is not None:
            lock.acquire()
        try:
            if self.shared:
                values = [*values, *[s._value for s in self.shared]]
            results = self._run_explained(*values)
            for position in self._copy_positions:
                value = results[position]
                # an array is copied; any other value (a random generator) is copied whole
                results[position] = (np.array(value, copy=True) if isinstance(value, np.ndarray)
                                      else copy.deepcopy(value))
            for k, value in zip(self._stateful, results[self.n_outputs:self._n_results]):
                # the input's state for the next call, in its cell: another function given
                # the same cell (In(value=f._finder[x])) reads it too
                self._defaults[k][0] = value  # type: ignore[index]
            if self.updates:
                for var, value in zip(self.updates, results[self._n_results:]):
                    var._value = value
            if len(results) != self.n_outputs:
                results = results[:self.n_outputs]
        finally:
            if lock is not None:
                lock.release()
        if self.single_output:
            return results[0]
        return results

    def direct_runner(self) -> Callable[..., Any]:
        """A callable taking every input's value positionally and returning the list of output
        values, as :meth:`__call__` does with ``trust_input`` but without its Python steps, for
        callers that check inputs and manage outputs themselves (a PyTensor linker).  The
        function itself when a call has more to do (shared variables, updates, states,
        defaults, outputs aliasing inputs, profiling)."""
        if (self.shared or self.updates or self._stateful or self._copy_positions
                or not self._plain_call or self.profile is not None):
            def call(*values: Any) -> Any:
                results = self(*values)
                return [results] if self.single_output else results
            return call
        return self._run_explained

    def _merge_kwargs(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        """The values of all inputs: the positional arguments fill the explicit inputs in
        order, keywords by name, defaults (and states) the rest."""
        if len(args) > len(self._explicit):
            raise TypeError(f"function{' ' + self.name if self.name else ''} takes "
                            f"{len(self._explicit)} argument(s), got {len(args)}")
        merged: list[Any] = [_MISSING] * len(self.inputs)
        for position, value in zip(self._explicit, args):
            merged[position] = value
        for key, value in kwargs.items():
            if key not in self._by_name:
                raise TypeError(f"function has no input named {key!r}")
            position = self._by_name[key]
            if position < 0:
                raise TypeError(f"input name {key!r} is ambiguous: several inputs have it")
            if merged[position] is not _MISSING:
                raise TypeError(f"input {key!r} given both by position and by name")
            merged[position] = value
        for position, default in enumerate(self._defaults):
            # an empty cell (an input with an update and no value, before its first call, or
            # a Container holding None) is no default: the value must be given
            if merged[position] is _MISSING and default is not None and default[0] is not None:
                merged[position] = default[0]
        missing = [self._input_names[i] for i, v in enumerate(merged) if v is _MISSING]
        if missing:
            raise TypeError(f"missing value for {', '.join(missing)}")
        return merged

    def _explain_failure(self, exc: Exception) -> Exception:
        node = getattr(self.program, "node_at_failure", lambda e: None)(exc)
        if node is None:
            return exc
        message = f"{describe_node(node)}: {exc}"
        try:
            return type(exc)(message)
        except Exception:
            exc.add_note(message)
            return exc

    @property
    def _finder(self) -> dict[Any, Container]:
        """PyTensor's ``f._finder``: each input's storage cell, by position, variable and
        name; a cell given to another function (``In(x, value=f._finder[x])``) is shared."""
        found: dict[Any, Container] = {}
        for position, (var, spec) in enumerate(zip(self.inputs, self.input_specs)):
            cell = self._defaults[position]
            container = Container(var, cell if cell is not None else [None], name=spec.name,
                                  strict=spec.strict, allow_downcast=spec.allow_downcast)
            found[position] = found[var] = container
            if spec.name is not None:
                found.setdefault(spec.name, container)
        return found

    @functools.cached_property
    def maker(self) -> Any:
        """PyTensor's ``f.maker``: ``maker.fgraph`` is the graph the program runs
        (:class:`~arignote.compile.maker.FunctionMaker`)."""
        from arignote.compile.maker import FunctionMaker  # maker.py builds on this module

        return FunctionMaker(self)

    @functools.cached_property
    def jax_fn(self) -> Any:
        """The pure JAX function of this graph (JAX mode only): ``jax_fn(*inputs, *shared
        values)``, usable inside ``jax.jit``, ``jax.vmap`` and ``jax.grad``; see
        :mod:`arignote.backend.jax.pure`."""
        return pure_function(self)

    def copy(self, share_memory: bool = False, swap: Mapping[Variable, Variable] | None = None,
             delete_updates: bool = False, name: str | None = None, profile: Any = None) -> Function:
        """A function computing the same graph (PyTensor's ``f.copy``): reading and updating
        the same shared variables, except those ``swap`` replaces by others, without updates
        if ``delete_updates``, named ``name`` (else this name + " copy").  ``share_memory``
        is accepted: arignote's programs keep no intermediate storage between calls."""
        from arignote.compile.function_copy import copy_function  # builds on this module

        return copy_function(self, share_memory, swap, delete_updates, name, profile)

    def dprint(self, **kwargs: Any) -> Any:
        """Print the graph this function runs (``arignote.debugprint(f, **kwargs)``)."""
        return hooks.dprint(self, **kwargs)

    def __reduce__(self) -> Any:
        # pickled as what it was made of: unpickling compiles it again (the C code comes
        # back from the cache), with the state of its inputs holding state
        from arignote.compile.function_copy import rebuild_function

        return rebuild_function, (self._build_args, self._defaults)

    def __copy__(self) -> Function:
        # PyTensor's: copy.copy(f) is f.copy()
        return self.copy()

    def __repr__(self) -> str:
        return f"<arignote.Function {self.name or ''} inputs={self.inputs} outputs={self.user_outputs}>"


def _timed(run: Any, profile: ProfileStats) -> Any:
    def timed_run(*values: Any) -> Any:
        started = time.perf_counter()
        try:
            return run(*values)
        finally:
            profile.record_call(time.perf_counter() - started)
    return timed_run


def _input_check(kind: Any, name: str, strict: bool = False, allow_downcast: bool | None = None) -> Any:
    """A checker for one argument, with a fast path for an array that already fits.
    ``strict``: the value must have the dtype already; ``allow_downcast``: see ``function``."""
    dtype = getattr(kind, "numpy_dtype", None)
    if dtype is None:
        return lambda value: kind.filter(value, name)
    full = _converting_filter(kind, name, strict, allow_downcast)
    ndim = kind.ndim
    if any(d is not None for d in kind.shape):
        return full
    ndarray = np.ndarray

    def check(value: Any) -> Any:
        if type(value) is ndarray and value.dtype is dtype and value.ndim == ndim:
            return value
        return full(value)
    return check


def _converting_filter(kind: Any, name: str, strict: bool, allow_downcast: bool | None) -> Any:
    """``kind.filter`` under the input's conversion rule."""
    dtype = kind.numpy_dtype

    def strict_filter(value: Any) -> Any:
        found = getattr(value, "dtype", None)
        if found is None or np.dtype(found) != dtype:
            raise TypeError(f"{name}: strict input needs dtype {dtype}, got "
                            f"{np.asarray(value).dtype if found is None else found}")
        return kind.filter(value, name)

    def downcasting_filter(value: Any) -> Any:
        array = np.asarray(value)
        if array.dtype != dtype and array.dtype.kind in "biufc":
            with np.errstate(all="ignore"):
                array = array.astype(dtype)
        return kind.filter(array, name)

    def no_downcast(value: Any) -> Any:
        # PyTensor's allow_downcast=False: a Python float must be exact in the input's dtype,
        # and an array must not need a narrower dtype, whatever its values
        if isinstance(value, float) and dtype.kind == "f" and float(dtype.type(value)) != value \
                and not np.isnan(value):
            raise TypeError(f"{name}: the Python float {value!r} would lose precision as {dtype} "
                            "(allow_downcast=False)")
        found = getattr(value, "dtype", None)
        if isinstance(value, (np.ndarray, np.generic)) and found is not None and found != dtype \
                and not np.can_cast(found, dtype, "safe"):
            raise TypeError(f"{name}: an array of {found} would be downcast to {dtype} "
                            "(allow_downcast=False)")
        return kind.filter(value, name)

    if strict:
        return strict_filter
    if allow_downcast:
        return downcasting_filter
    if allow_downcast is False:
        return no_downcast
    return lambda value: kind.filter(value, name)


class _Missing:
    pass


_MISSING = _Missing()


def _explaining(run: Callable[..., Any], explain: Callable[[Exception], Exception]) -> Callable[..., Any]:
    """``run``, its exceptions explained (the node that failed, where the user built it)."""
    def run_explained(*values: Any) -> Any:
        try:
            return run(*values)
        except Exception as exc:
            explained = explain(exc)
            if explained is exc:
                raise  # unchanged: keep its own cause (`raise exc from exc` would lose it)
            raise explained from exc
    return run_explained


def _value_cell(value: Any, check: Callable[[Any], Any], holds_state: bool) -> list[Any] | None:
    """An input's default as a one-item list: the storage list itself of a `Container`
    (shared with whoever else holds it), else a new list with the value checked; an empty
    cell ``[None]`` for an input with an update and no value (its state comes from the
    first call), None for an input without a default."""
    if value is None:
        return [None] if holds_state else None
    if isinstance(value, Container):
        if value.storage[0] is not None:
            value.storage[0] = check(value.storage[0])
        return value.storage
    return [check(value)]
