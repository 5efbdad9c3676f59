"""Compilation modes: which rewrites run and which backend runs the result."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

# The rules a mode selects from.  The rewrite engine imports no rules; compiling is what needs
# them, so they are loaded here, in this order (a phase offers a node its rules in the order
# they were registered): the loop rewrites, constant folding, then the rule library.
import arignote.loop.rewrites
import arignote.rewrite.fold
import arignote.tensor.rewrites  # noqa: F401
from arignote.backend.c import CCompileWarning, known_unavailable
from arignote.config import config

LINKERS = ("py", "c", "jax")
OPTIMIZERS = ("fast_run", "fast_compile", None)


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

    def __post_init__(self) -> None:
        if self.linker not in LINKERS:
            raise ValueError(f"Mode: unknown linker {self.linker!r}; choose one of {LINKERS}")
        optimizer = self.optimizer.lower() if isinstance(self.optimizer, str) else self.optimizer
        if optimizer == "none":
            optimizer = None
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"Mode: unknown optimizer {self.optimizer!r}; choose one of {OPTIMIZERS}")
        object.__setattr__(self, "optimizer", optimizer)


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
    if not _warned_no_compiler:
        _warned_no_compiler = True
        warnings.warn(f"arignote: FAST_RUN uses the py linker because no C compiler works here "
                      f"({why}). Set $CC or arignote.config.c_compiler to use the C backend.",
                      CCompileWarning, stacklevel=5)
    return Mode("py", "fast_run")


def get_mode(mode: Any) -> Mode:
    """``mode`` as a :class:`Mode`: a Mode, a predefined name, or None for the default."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if isinstance(mode, str):
        if mode.upper() == "FAST_RUN":
            return fast_run_mode()
        try:
            return PREDEFINED[mode.upper()]
        except KeyError:
            raise ValueError(f"unknown mode {mode!r}; use a Mode or one of "
                             f"{sorted(PREDEFINED)}") from None
    raise TypeError(f"mode must be a Mode or a name, got {type(mode).__name__}")
