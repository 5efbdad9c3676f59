"""Gradients of smooth fuzz programs against central finite differences.

The cost is ``sum_k sum(w_k * out_k)`` over the program's float outputs, with
fixed random weights ``w_k`` (so every output element matters, with a
different weight).  arignote's ``grad`` of it, compiled on a backend, is
compared with central differences of the *NumPy reference* of the program
(replayed with perturbed inputs), so the check does not trust any backend.

Smooth programs (``generate(..., smooth=True)``) use float64 and keep every
value at least a margin (1e-3, relative) away from kinks, ties, poles and
domain edges, so a step of ``h = 1e-6 * max(1, |x|)`` never crosses one.

Tolerance, from the error of a central difference:

    |fd(h) - f'(x)| <= E / h  +  h^2 |f'''| / 6

where ``E`` bounds the error of computing the cost (the error model's bound
of each output, weighted, plus the rounding of the weighted sum).  The
truncation term is estimated from two steps: ``fd(h) - fd(2h) = -h^2 f''' / 2``
(Richardson), so ``|fd(h) - fd(2h)|`` bounds it three times over.  arignote's
gradient has its own rounding, relative to the magnitudes involved: an
``1e-7`` relative term (about 1e9 ulps of float64, generous because gradient
graphs are long; a wrong derivative is off by O(1)).
"""

from __future__ import annotations

import warnings
import zlib

import numpy as np

import arignote
import arignote.tensor as at
from tests.fuzz import error_model as em
from tests.fuzz.compare import Mismatch
from tests.fuzz.program import Program, Reject
from tests.fuzz.run import BACKENDS

#: finite differences are taken at this many elements of each input at most
MAX_PROBES = 8
REL_STEP = 1e-6


def _cost_parts(program: Program, values, outs):
    rng = np.random.default_rng(zlib.crc32(repr(program.seed).encode()))
    return [rng.uniform(0.5, 1.5, size=values[o].shape) for o in outs]


def _reference_cost(program: Program, outs, weights, leaves) -> tuple[float, float]:
    """The cost by NumPy, and its error bound E."""
    values = program.replay(symbolic=False, leaves=leaves, keep=outs)
    total, bound, magnitude = 0.0, 0.0, 0.0
    for o, w in zip(outs, weights):
        ref = values[o].ref.astype(np.float64)
        total += float(np.sum(w * ref))
        bound += float(np.sum(w * values[o].err))
        magnitude += float(np.sum(np.abs(w * ref)))
    n = sum(w.size for w in weights) + 1
    return total, bound + n * em.eps(np.float64) * magnitude


def check_gradients(program: Program, backend: str) -> list[Mismatch]:
    """Mismatches between ``backend``'s gradient and finite differences."""
    values = program.values if program.values is not None else program.replay()
    outs = [o for o in program.outputs if values[o].dtype.kind == "f" and values[o].ref.size
            and not (backend == "jax" and values[o].dyn)]
    wrt = [i for i in program.input_indices(outs) if values[i].dtype == np.float64 and values[i].ref.size]
    if not outs or not wrt:
        return []
    weights = _cost_parts(program, values, outs)
    cost = at.add(*[at.sum(values[o].var * at.constant(w)) for o, w in zip(outs, weights)]) \
        if len(outs) > 1 else at.sum(values[outs[0]].var * at.constant(weights[0]))
    inputs = program.input_indices(outs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            grads = arignote.grad(cost, [values[i].var for i in wrt], disconnected_inputs="ignore")
        except Exception as exc:
            return [Mismatch(backend, "grad-build", f"{type(exc).__name__}: {exc}")]
        try:
            f = arignote.function([values[i].var for i in inputs], grads, mode=BACKENDS[backend],
                                  on_unused_input="ignore")
            got = f(*program.call_args(inputs))
        except Exception as exc:
            if backend == "jax" and getattr(exc, "only_static_shapes", False) is True:
                return []
            return [Mismatch(backend, "grad-run", f"{type(exc).__name__}: {exc}")]
    found = []
    rng = np.random.default_rng(zlib.crc32(repr(program.seed).encode()) + 1)
    for i, g in zip(wrt, got):
        x = values[i].ref
        if g.shape != x.shape or g.dtype != x.dtype:
            found.append(Mismatch(backend, "grad-type", f"gradient of {values[i].name}: {g.dtype}{g.shape}, "
                                                        f"input {x.dtype}{x.shape}"))
            continue
        probes = rng.permutation(x.size)[:MAX_PROBES]
        for k in probes:
            index = np.unravel_index(k, x.shape)
            h = REL_STEP * max(1.0, abs(float(x[index])))
            try:
                fd = []
                for step in (h, 2 * h):
                    costs = []
                    for sign in (1.0, -1.0):
                        moved = x.copy()
                        moved[index] += sign * step
                        costs.append(_reference_cost(program, outs, weights, {i: moved}))
                    fd.append((costs[0][0] - costs[1][0]) / (2 * step))
                bound = max(c[1] for c in costs)
            except Reject:
                continue      # a perturbed value became ambiguous: not a meaningful probe
            tol = 2 * bound / h + abs(fd[0] - fd[1]) + 1e-7 * (abs(float(g[index])) + abs(fd[0])) + 1e-9
            if not abs(float(g[index]) - fd[0]) <= tol:
                found.append(Mismatch(backend, "gradient",
                                      f"d cost / d {values[i].name}{list(int(j) for j in index)}: "
                                      f"arignote {float(g[index])!r}, finite differences {fd[0]!r} "
                                      f"(tolerance {tol:.3g})"))
                break
    return found
