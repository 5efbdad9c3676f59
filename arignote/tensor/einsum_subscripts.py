"""Parsing and checking ``einsum`` subscripts (``"ij,jk->ik"``, ``"...ij,...jk"``).

The result names one label per axis of each operand: the user's letters, and
for the axes an ellipsis stands for, letters the subscripts do not use, so
the rest of einsum (and the path search of opt_einsum or NumPy, which only
know letters) never sees an ellipsis.  Ellipsis axes are aligned from the
right, as NumPy broadcasts them: an operand with fewer of them gets the last
ones.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["EinsumSpec", "parse_subscripts"]

LETTERS = string.ascii_letters  # NumPy's einsum accepts these and only these as labels
ELLIPSIS = "..."


@dataclass(frozen=True)
class EinsumSpec:
    """Labels of each operand's axes and of the result's axes (ellipsis expanded)."""

    inputs: tuple[str, ...]
    output: str


def _split_term(term: str, where: str) -> tuple[str, str, bool]:
    """``(before, after, has_ellipsis)`` of one term, or ValueError on a stray character."""
    has_ellipsis = ELLIPSIS in term
    before, _, after = term.partition(ELLIPSIS) if has_ellipsis else (term, "", "")
    for char in before + after:
        if char == ".":
            raise ValueError(f"einsum: {where} {term!r} has a '.' that is not part of one "
                             f"ellipsis '...'")
        if char not in LETTERS:
            raise ValueError(f"einsum: {where} {term!r} has the character {char!r}; labels are "
                             f"ASCII letters, with at most one '...'")
    return before, after, has_ellipsis


def _split_arrow(subscripts: str) -> tuple[str, str | None]:
    if subscripts.count("->") > 1:
        raise ValueError(f"einsum: subscripts {subscripts!r} have more than one '->'")
    inputs, arrow, output = subscripts.partition("->")
    for part in (inputs, output):
        if "-" in part or ">" in part:
            raise ValueError(f"einsum: subscripts {subscripts!r} have a '-' or '>' outside '->'")
    return inputs, (output if arrow else None)


def parse_subscripts(subscripts: str, ndims: Sequence[int]) -> EinsumSpec:
    """Labels of each operand's axes (``ndims`` their ranks) and of the result's axes.

    ValueError names what is wrong: the number of terms, a term that does not
    fit its operand's rank, a character that is not a letter, a result label
    that no operand has or that is repeated.
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string such as 'ij,jk->ik', got "
                        f"{type(subscripts).__name__} (NumPy's interleaved form is not supported)")
    compact = subscripts.replace(" ", "")
    inputs_text, output_text = _split_arrow(compact)
    terms = inputs_text.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"einsum: subscripts {subscripts!r} have {len(terms)} operand term(s) "
                         f"but {len(ndims)} operand(s) were given")
    parts = []
    for position, (term, ndim) in enumerate(zip(terms, ndims)):
        before, after, has_ellipsis = _split_term(term, f"term {position}")
        named = len(before) + len(after)
        if named > ndim or (not has_ellipsis and named != ndim):
            raise ValueError(f"einsum: term {position} {term!r} has {named} label(s) but operand "
                             f"{position} has {ndim} dimension(s)"
                             + ("" if has_ellipsis else "; use '...' for the other dimensions"))
        parts.append((before, after, ndim - named))
    used = set(inputs_text) | set(output_text or "")
    spare = [c for c in LETTERS if c not in used]
    n_ellipsis = max((n for _, _, n in parts), default=0)
    if n_ellipsis > len(spare):
        raise ValueError(f"einsum: subscripts {subscripts!r} need more distinct labels than the "
                         f"{len(LETTERS)} letters NumPy's einsum allows")
    broadcast = "".join(spare[:n_ellipsis])
    inputs = tuple(before + (broadcast[n_ellipsis - n:] if n else "") + after
                   for before, after, n in parts)
    output = _output_labels(subscripts, output_text, inputs, broadcast)
    return EinsumSpec(inputs, output)


def _output_labels(subscripts: str, output_text: str | None, inputs: Sequence[str],
                   broadcast: str) -> str:
    counts = Counter("".join(inputs))
    if output_text is None:
        # NumPy's implicit result: the ellipsis axes, then the labels met once, in ASCII order
        return broadcast + "".join(sorted(c for c, n in counts.items()
                                          if n == 1 and c not in broadcast))
    before, after, has_ellipsis = _split_term(output_text, "output")
    if broadcast and not has_ellipsis:
        raise ValueError(f"einsum: subscripts {subscripts!r}: operands have dimensions under "
                         f"'...' but the output has no '...' to keep them")
    output = before + broadcast + after
    for label, n in Counter(before + after).items():
        if n > 1:
            raise ValueError(f"einsum: output {output_text!r} repeats the label {label!r}")
        if label not in counts:
            raise ValueError(f"einsum: output label {label!r} of {subscripts!r} is in no "
                             f"operand's term")
    return output
