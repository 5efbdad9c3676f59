"""Compilation modes: which rewrites run and which backend runs the result."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

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


# The C and JAX backends are separate issues; until they land FAST_RUN runs on py.
PREDEFINED = {
    "FAST_RUN": Mode("py", "fast_run"),
    "FAST_COMPILE": Mode("py", "fast_compile"),
    "PY": Mode("py", "fast_run"),
    "JAX": Mode("jax", "fast_run"),
}


def get_mode(mode: Any) -> Mode:
    """``mode`` as a :class:`Mode`: a Mode, a predefined name, or None for the default."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if isinstance(mode, str):
        try:
            return PREDEFINED[mode.upper()]
        except KeyError:
            raise ValueError(f"unknown mode {mode!r}; use a Mode or one of "
                             f"{sorted(PREDEFINED)}") from None
    raise TypeError(f"mode must be a Mode or a name, got {type(mode).__name__}")
