"""``vectorize_graph`` and ``vectorize``: graphs and functions lifted over batch dimensions
(the module is named as PyTensor's, ``pytensor.tensor.functional``).

``vectorize_graph(outputs, replace)`` is PyTensor's
(``pytensor.graph.replace.vectorize_graph``): the graph of ``outputs`` rebuilt
with each key of ``replace`` swapped for its value, which may carry any
number of extra leading (batch) dims; every node downstream gets them (see
:mod:`arignote.tensor.vectorize_node` for how each op is vectorized).

``vectorize(fn, signature)`` is ``np.vectorize`` with a signature for
symbolic functions, as PyTensor's ``pytensor.tensor.vectorize``: ``fn`` is
built once on inputs of the core ranks, and its graph is vectorized over the
actual inputs' batch dims.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from arignote.graph.basic import Variable
from arignote.tensor.alloc import broadcast_to
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.blockwise import parse_signature
from arignote.tensor.broadcasting import broadcast_static_shapes, format_shape
from arignote.tensor.shape import shape_tuple
from arignote.tensor.shape_inference import broadcast_shapes
from arignote.tensor.type import TensorType
from arignote.tensor.vectorize_node import vectorize_variables

__all__ = ["vectorize", "vectorize_graph"]


def vectorize_graph(outputs: Any, replace: Mapping[Variable, Any]) -> Any:
    """``outputs`` (a variable or a sequence of them) with each key of ``replace`` swapped for
    its value, which has the key's dims plus any number of leading batch dims; the result has
    the structure of ``outputs``.

    An output that depends on replaced variables gets the broadcast batch dims of those it
    depends on; one that does not is returned as it is.
    """
    mapping: dict[Variable, Variable] = {}
    for old, new in replace.items():
        if not isinstance(old, Variable):
            raise TypeError(f"vectorize_graph: keys of replace must be variables, got {old!r}")
        new = new if isinstance(new, Variable) else as_tensor_variable(new)
        old_ndim, new_ndim = getattr(old.type, "ndim", None), getattr(new.type, "ndim", None)
        if old_ndim is not None and (new_ndim is None or new_ndim < old_ndim):
            raise ValueError(f"vectorize_graph: the replacement of {old} ({old.type}) is {new} "
                             f"({new.type}), which has fewer dimensions")
        mapping[old] = new
    single = isinstance(outputs, Variable)
    outs = [outputs] if single else list(outputs)
    for out in outs:
        if not isinstance(out, Variable):
            raise TypeError(f"vectorize_graph: outputs must be variables, got {out!r}")
    result = vectorize_variables(outs, mapping)
    return result[0] if single else result


def vectorize(fn: Callable[..., Any], signature: str | None = None) -> Callable[..., Any]:
    """``fn`` (a function of symbolic core inputs) applied over the leading batch dims of its
    arguments, like ``np.vectorize(fn, signature=signature)``.

    ``signature`` (``"(m,n),(n)->(m)"``) gives the core dims of each input and
    output; without one every input is 0-d at its core, and the outputs have
    whatever ranks ``fn`` gives them.  The returned function builds ``fn`` on
    inputs of the core ranks (with the arguments' dtypes and static core
    lengths), then vectorizes that graph over the arguments.  As in NumPy,
    every output has the broadcast batch dims of all the arguments, then its
    core dims.  It returns one variable, or a list as ``fn`` does.
    """
    in_dims: list[tuple[str, ...]] | None = None
    out_dims: list[tuple[str, ...]] | None = None
    if signature is not None:
        in_dims, out_dims = parse_signature(signature)

    @functools.wraps(fn)
    def vectorized(*args: Any) -> Any:
        inputs = []
        for position, arg in enumerate(args):
            if isinstance(arg, Variable) and not isinstance(arg.type, TensorType):
                raise TypeError(f"vectorize: argument {position} ({arg}) must be a tensor, got {arg.type}")
            inputs.append(as_tensor_variable(arg))
        if in_dims is not None and len(inputs) != len(in_dims):
            raise ValueError(f"vectorize: the signature {signature!r} has {len(in_dims)} input(s), "
                             f"got {len(inputs)} argument(s)")
        core_ranks = [0] * len(inputs) if in_dims is None else [len(d) for d in in_dims]
        for position, (x, rank) in enumerate(zip(inputs, core_ranks)):
            if x.type.ndim < rank:
                raise ValueError(f"vectorize: argument {position} ({x}, {x.type}) has fewer dimensions "
                                 f"than the {rank} core dimension(s) the signature gives it")
        core_inputs = [TensorType(x.type.dtype, x.type.shape[x.type.ndim - r:]).make_variable(x.name)
                       for x, r in zip(inputs, core_ranks)]
        result = fn(*core_inputs)
        if result is None:
            raise ValueError(f"vectorize: {getattr(fn, '__name__', fn)} returned no outputs")
        single = not isinstance(result, (list, tuple))
        core_outputs = [as_tensor_variable(r) for r in ([result] if single else result)]
        if out_dims is not None:
            if len(core_outputs) != len(out_dims):
                raise ValueError(f"vectorize: the signature {signature!r} has {len(out_dims)} output(s), "
                                 f"{getattr(fn, '__name__', fn)} returned {len(core_outputs)}")
            for position, (out, dims) in enumerate(zip(core_outputs, out_dims)):
                if out.type.ndim != len(dims):
                    raise ValueError(f"vectorize: the signature gives output {position} "
                                     f"{len(dims)} core dimension(s), the function returned {out.type}")
        batched = vectorize_variables(core_outputs, dict(zip(core_inputs, inputs)))
        outputs = _with_batch_dims(batched, core_outputs, inputs, core_ranks)
        return outputs[0] if single else outputs

    return vectorized


def _with_batch_dims(outputs: Sequence[Variable], core_outputs: Sequence[Variable],
                     inputs: Sequence[Variable], core_ranks: Sequence[int]) -> list[Variable]:
    """``outputs`` broadcast to the batch dims of all ``inputs`` where they lack some (an output
    that does not depend on every input), as ``np.vectorize`` gives them."""
    batch_ndims = [x.type.ndim - r for x, r in zip(inputs, core_ranks)]
    static_parts = [x.type.shape[:n] for x, n in zip(inputs, batch_ndims)]
    try:
        static = broadcast_static_shapes(static_parts, "vectorize")
    except ValueError:
        raise ValueError(f"vectorize: the batch dimensions of the arguments, "
                         f"{' and '.join(map(format_shape, static_parts))}, cannot be broadcast "
                         f"together") from None
    dims: tuple[Variable, ...] | None = None
    results = []
    for out, core in zip(outputs, core_outputs):
        rank = core.type.ndim
        have = out.type.shape[:out.type.ndim - rank]
        stretched = any(h == 1 and s != 1 for h, s in zip(have[::-1], static[::-1]))
        if len(have) < len(static) or stretched:
            if dims is None:
                dims = broadcast_shapes([shape_tuple(x)[:n] for x, n in zip(inputs, batch_ndims)])
            out = broadcast_to(out, [*dims, *shape_tuple(out)[out.type.ndim - rank:]])
        results.append(out)
    return results
