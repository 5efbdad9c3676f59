"""Compilation modes: which rewrites run and which backend runs the result."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import FrozenInstanceError, dataclass, replace
from typing import Any

# The rules a mode selects from.  The rewrite engine imports no rules; compiling is what needs
# them, so they are loaded here, in this order (a phase offers a node its rules in the order
# they were registered): the loop rewrites, constant folding, then the rule library.
import arignote.backend.branches  # the lazy ifelse pass (lowering phase, py and C)
import arignote.loop.rewrites
import arignote.rewrite.fold
import arignote.tensor.rewrites  # noqa: F401
from arignote.backend.c import CCompileWarning, known_unavailable
from arignote.config import config
from arignote.graph.basic import Variable

LINKERS = ("py", "c", "jax")
OPTIMIZERS = ("fast_run", "fast_compile", None)

#: PyTensor's linker names, by what runs them here (its C and VM linkers are the C backend)
LINKER_ALIASES = {"c|py": "c", "cvm": "c", "vm": "c", "c|py_nogc": "c", "cvm_nogc": "c",
                  "vm_nogc": "c", "py": "py", "c": "c", "jax": "jax"}
#: PyTensor's optimizer names, by the phases that run here
OPTIMIZER_ALIASES = {"default": "fast_run", "o4": "fast_run", "o3": "fast_run", "o2": "fast_run",
                     "stabilize": "fast_run", "unsafe": "fast_run", "merge": "fast_compile",
                     "o1": "fast_compile", "none": None}


@dataclass(frozen=True)
class Mode:
    """A linker (``"py"``, ``"c"`` or ``"jax"``) and an optimizer level.

    ``optimizer``: ``"fast_run"`` (all rewrites), ``"fast_compile"`` (only
    the cheap ones) or ``None`` (the graph as written).
    """

    linker: str = "py"
    optimizer: str | None = "fast_run"
    #: rule/pass names or tags to run in addition (optional ones) or to skip
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def including(self, *names: str) -> Mode:
        """This mode with the named rules, passes or tags switched on."""
        return replace(self, include=tuple(dict.fromkeys(self.include + names)),
                       exclude=tuple(e for e in self.exclude if e not in names))

    def excluding(self, *names: str) -> Mode:
        """This mode without the named rules, passes or tags."""
        return replace(self, exclude=tuple(dict.fromkeys(self.exclude + names)),
                       include=tuple(i for i in self.include if i not in names))

    def requiring(self, *names: str) -> Mode:
        """PyTensor's ``requiring``: as :meth:`including`."""
        return self.including(*names)

    def node_observers(self) -> list[Any]:
        """What checks each node of a call (NanGuardMode, DebugMode); a plain mode: nothing,
        and its functions run their linked program whole."""
        return []

    def wrap_program(self, program: Any, inputs: Sequence[Variable], written: Sequence[Variable]) -> Any:
        """The program a function of this mode calls (DebugMode: one also checking each call
        against ``written``, the graph before rewriting); a plain mode: ``program`` itself."""
        return program

    def __post_init__(self) -> None:
        linker = self.linker
        if linker is None or linker == "auto":  # PyTensor's default linker: the fastest here
            linker = fast_run_mode().linker
        if not isinstance(linker, str) and isinstance(getattr(linker, "arignote_backend", None), str):
            linker = linker.arignote_backend  # PyTensor's linker objects (arignote.link) name one
        linker = LINKER_ALIASES.get(linker.lower(), linker) if isinstance(linker, str) else linker
        if linker not in LINKERS:
            known = sorted(set(LINKERS) | set(LINKER_ALIASES))
            raise ValueError(f"Mode: unknown linker {self.linker!r} (arignote runs {LINKERS}; "
                             f"PyTensor's names it accepts: {known})")
        object.__setattr__(self, "linker", linker)
        optimizer: Any = self.optimizer
        include, exclude = self.include, self.exclude
        if hasattr(optimizer, "include") and hasattr(optimizer, "exclude"):
            # a RewriteDatabaseQuery: its tags and names switch rules on and off
            query = optimizer
            names = (*query.include, *getattr(query, "require", ()))
            optimizer = "fast_compile" if "fast_compile" in names and "fast_run" not in names else "fast_run"
            named = tuple(n for n in names if n not in ("fast_run", "fast_compile"))
            include = tuple(dict.fromkeys(include + named))
            exclude = tuple(dict.fromkeys(exclude + tuple(query.exclude)))
        if isinstance(optimizer, str):
            optimizer = optimizer.lower()
            optimizer = OPTIMIZER_ALIASES.get(optimizer, optimizer)
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"Mode: unknown optimizer {self.optimizer!r}; choose one of {OPTIMIZERS} "
                             f"(or PyTensor's {sorted(k for k in OPTIMIZER_ALIASES)})")
        object.__setattr__(self, "optimizer", optimizer)
        object.__setattr__(self, "include", include)
        object.__setattr__(self, "exclude", exclude)


# FAST_RUN is the C backend where a compiler works, else py (see fast_run_mode).
PREDEFINED = {
    "FAST_RUN": Mode("c", "fast_run"),
    "FAST_COMPILE": Mode("py", "fast_compile"),
    "PY": Mode("py", "fast_run"),
    "C": Mode("c", "fast_run"),
    "JAX": Mode("jax", "fast_run"),
}

# Process state, not per-compilation state: the missing compiler is the same for every
# compilation, so the warning is given once per process.
_warned_no_compiler = False


def fast_run_mode() -> Mode:
    """FAST_RUN: all rewrites on the C linker, or on the py linker (with one warning per
    process) when no C compiler works here.

    Whether the compiler works is fully known only once it built the runtime
    module, which the first compiled function does together with its kernels;
    if that fails, linking falls back to py for this mode (``pipeline.link``).
    """
    why = known_unavailable()
    if why is None:
        return PREDEFINED["FAST_RUN"]
    return fast_run_fallback(why)


def fast_run_fallback(why: str) -> Mode:
    """FAST_RUN on the py linker because of ``why``, warning once per process."""
    global _warned_no_compiler
    if not _warned_no_compiler and config.c_backend:  # switched off: asked for, no warning
        _warned_no_compiler = True
        warnings.warn(f"arignote: FAST_RUN uses the py linker because no C compiler works here "
                      f"({why}). Set $CC or arignote.config.c_compiler to use the C backend.",
                      CCompileWarning, stacklevel=5)
    return Mode("py", "fast_run")


#: PyTensor's names of its checking modes, by the class here (made with its default options)
_CHECKING_MODES = {"DEBUGMODE": "DebugMode", "DEBUG_MODE": "DebugMode", "NANGUARDMODE": "NanGuardMode"}


def get_mode(mode: Any) -> Mode:
    """``mode`` as a :class:`Mode`: a Mode, a predefined name, or None for the default."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if isinstance(mode, str):
        if mode.upper() == "FAST_RUN":
            return fast_run_mode()
        checking = _CHECKING_MODES.get(mode.upper())
        if checking is not None:  # made on demand: the checking modes' module imports this one
            from arignote.compile import debug_modes

            return getattr(debug_modes, checking)()
        try:
            return PREDEFINED[mode.upper()]
        except KeyError:
            raise ValueError(f"unknown mode {mode!r}; use a Mode or one of "
                             f"{sorted(PREDEFINED)}") from None
    raise TypeError(f"mode must be a Mode or a name, got {type(mode).__name__}")


def get_default_mode() -> Mode:
    """The mode ``function`` uses when given none (``config.mode``), PyTensor's name."""
    return get_mode(None)


#: PyTensor's tables of linker and optimizer names, by what runs them here
predefined_linkers = LINKER_ALIASES
predefined_optimizers = OPTIMIZER_ALIASES


def register_mode(name: str, mode: Mode) -> None:
    """Make ``mode`` reachable by ``name`` (``function(mode=name)``), as PyTensor's."""
    if name.upper() in PREDEFINED:
        raise ValueError(f"register_mode: a mode named {name!r} exists already")
    if not isinstance(mode, Mode):
        raise TypeError(f"register_mode: {mode!r} is not a Mode")
    PREDEFINED[name.upper()] = mode


#: DebugMode's checks, which PyTensor programs switch on a copy of any mode (its test helpers
#: set ``check_isfinite`` on a copy of the default mode); only DebugMode reads them
_DEBUG_OPTIONS = frozenset({"check_isfinite", "check_py_code", "check_c_code",
                            "check_preallocated_output", "require_matching_strides"})


def _set_other_attribute(mode: Mode, name: str, value: Any) -> None:
    """A mode's fields stay frozen (a mode is a cache key); DebugMode's check options may be
    set, as on PyTensor's modes, and change nothing on a plain mode.  (Plain ``Mode`` only:
    the frozen dataclasses deriving from it, DebugMode's options among their fields, keep
    their own rule.)"""
    if name in Mode.__dataclass_fields__:
        raise FrozenInstanceError(f"cannot assign to field {name!r} (a Mode is immutable: "
                                  f"make one with the value, or use including/excluding)")
    if name not in _DEBUG_OPTIONS:
        raise AttributeError(f"Mode has no attribute {name!r} to set (DebugMode's options "
                             f"{sorted(_DEBUG_OPTIONS)} may be set, and change nothing here)")
    object.__setattr__(mode, name, value)


Mode.__setattr__ = _set_other_attribute  # type: ignore[assignment,method-assign]


#: PyTensor's names for the predefined modes (``FAST_RUN`` is looked up when read: it is the C
#: linker where a compiler works, else py)
predefined_modes = PREDEFINED
FAST_COMPILE = PREDEFINED["FAST_COMPILE"]
JAX = PREDEFINED["JAX"]


def __getattr__(name: str) -> Any:
    if name == "FAST_RUN":
        return fast_run_mode()
    if name == "optdb":  # PyTensor's place for it (imported when read: it needs the pipeline)
        from arignote.compile.rewrite_db import optdb

        return optdb
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
