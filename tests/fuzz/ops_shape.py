"""Shape, indexing and join ops of the fuzzer.

These ops move values without computing new ones, so a value's error bound
moves with it: the reference of the bound is the same NumPy function applied
to the error array (``inc_subtensor`` is the one that adds, see there).
"""

from __future__ import annotations

import numpy as np

from tests.fuzz import error_model as em
from tests.fuzz.program import OpSpec, Reject, array_source


def _fmt_tuple(t) -> str:
    return "(" + ", ".join(str(x) for x in t) + ("," if len(t) == 1 else "") + ")"


def _float_err(ref: np.ndarray, err: np.ndarray) -> np.ndarray:
    return err if ref.dtype.kind == "f" else np.zeros(ref.shape)


# --- reshape, dimshuffle and friends ---------------------------------------------------

def _factorizations(n: int, ndim: int, rng) -> tuple[int, ...]:
    if ndim == 0:
        return ()
    dims = [1] * ndim
    if n == 0:
        dims[rng.integers(ndim)] = 0
        return tuple(dims)
    rest = n
    for p in (2, 3, 5, 7, 11, 13):
        while rest % p == 0:
            dims[rng.integers(ndim)] *= p
            rest //= p
    dims[rng.integers(ndim)] *= rest
    return tuple(dims)


class Reshape(OpSpec):
    name = "reshape"
    weight = 0.8
    smooth = True

    def code(self, names, params):
        shape = _fmt_tuple(params["spec"])
        return f"{names[0]}.reshape({shape})" if params["method"] else f"at.reshape({names[0]}, {shape})"

    def evaluate(self, vals, params):
        x = vals[0]
        return x.ref.reshape(params["spec"]), x.err.reshape(params["spec"])

    def propose(self, gen):
        i = gen.pick()
        if i is None:
            return None
        v = gen.values[i]
        ndim = int(gen.rng.integers(0, 4)) if v.ref.size == 1 else int(gen.rng.integers(1, 4))
        shape = _factorizations(v.ref.size, ndim, gen.rng)
        spec = list(shape)
        if spec and v.ref.size and gen.rng.random() < 0.4:
            spec[gen.rng.integers(len(spec))] = -1
        return (i,), {"spec": tuple(spec), "method": bool(gen.rng.random() < 0.4)}


class DimShuffle(OpSpec):
    """dimshuffle / transpose / .T / expand_dims / squeeze / swapaxes."""

    name = "dimshuffle"
    weight = 1.0
    smooth = True

    def code(self, names, params):
        x, form = names[0], params["form"]
        if form == "dimshuffle":
            return f"{x}.dimshuffle({', '.join(repr(p) for p in params['pattern'])})"
        if form == "T":
            return f"{x}.T"
        if form == "transpose":
            return f"at.transpose({x}, {_fmt_tuple(params['axes'])})"
        if form == "expand_dims":
            return f"at.expand_dims({x}, {params['axis']})"
        if form == "squeeze":
            return f"at.squeeze({x}, {params['axis']})"
        return f"at.swapaxes({x}, {params['axes'][0]}, {params['axes'][1]})"

    def fn(self, a, params):
        form = params["form"]
        if form == "dimshuffle":
            pattern = params["pattern"]
            kept = [p for p in pattern if p != "x"]
            dropped = tuple(d for d in range(a.ndim) if d not in kept)
            a = np.squeeze(a, axis=dropped) if dropped else a
            remaining = [d for d in range(a.ndim + len(dropped)) if d not in dropped]
            a = np.transpose(a, [remaining.index(p) for p in kept])
            return a.reshape([1 if p == "x" else a.shape[kept.index(p)] for p in pattern])
        if form == "T":
            return a.T
        if form == "transpose":
            return np.transpose(a, params["axes"])
        if form == "expand_dims":
            return np.expand_dims(a, params["axis"])
        if form == "squeeze":
            return np.squeeze(a, axis=params["axis"])
        return np.swapaxes(a, *params["axes"])

    def evaluate(self, vals, params):
        x = vals[0]
        return self.fn(x.ref, params), self.fn(x.err, params)

    def propose(self, gen):
        i = gen.pick()
        if i is None:
            return None
        v, rng = gen.values[i], gen.rng
        nd = v.ndim
        forms = ["dimshuffle", "expand_dims"] + (["T", "transpose", "swapaxes"] if nd >= 2 else []) \
            + (["squeeze"] if 1 in v.shape else [])
        form = str(rng.choice(forms))
        if form == "dimshuffle":
            order = [int(d) for d in rng.permutation(nd)]
            # only statically-1 axes may be dropped
            order = [d for d in order if not (v.static[d] == 1 and rng.random() < 0.5)]
            pattern = list(order)
            for _ in range(int(rng.integers(0, 2 if nd else 3))):
                pattern.insert(int(rng.integers(len(pattern) + 1)), "x")
            return (i,), {"form": form, "pattern": tuple(pattern)}
        if form == "transpose":
            return (i,), {"form": form, "axes": tuple(int(d) for d in rng.permutation(nd))}
        if form == "swapaxes":
            a, b = rng.choice(nd, 2, replace=False)
            return (i,), {"form": form, "axes": (int(a) - nd * int(rng.random() < 0.3), int(b))}
        if form == "expand_dims":
            return (i,), {"form": form, "axis": int(rng.integers(-nd - 1, nd + 1))}
        if form == "squeeze":
            ones = [d for d, n in enumerate(v.shape) if n == 1]
            return (i,), {"form": form, "axis": int(rng.choice(ones))}
        return (i,), {"form": form}


class Flatten(OpSpec):
    name = "flatten"
    weight = 0.4
    smooth = True

    def code(self, names, params):
        return f"at.flatten({names[0]}, {params['ndim']})"

    def evaluate(self, vals, params):
        x, nd = vals[0], params["ndim"]
        shape = x.shape[: nd - 1] + (int(np.prod(x.shape[nd - 1:])),)
        return x.ref.reshape(shape), x.err.reshape(shape)

    def propose(self, gen):
        i = gen.pick(lambda v: v.ndim >= 1)
        if i is None:
            return None
        return (i,), {"ndim": int(gen.rng.integers(1, gen.values[i].ndim + 1))}


class BroadcastTo(OpSpec):
    name = "broadcast_to"
    weight = 0.4
    smooth = True

    def code(self, names, params):
        return f"at.broadcast_to({names[0]}, {_fmt_tuple(params['shape'])})"

    def evaluate(self, vals, params):
        x = vals[0]
        return np.broadcast_to(x.ref, params["shape"]).copy(), np.broadcast_to(x.err, params["shape"]).copy()

    def propose(self, gen):
        i = gen.pick(lambda v: v.ndim < 3)
        if i is None:
            return None
        v, rng = gen.values[i], gen.rng
        shape = [int(rng.integers(1, 4)) if s == 1 else n for n, s in zip(v.shape, v.static)]
        lead = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(0, 2)))]
        return (i,), {"shape": tuple(lead + shape)}


# --- indexing ----------------------------------------------------------------------------

def _part_source(part, names) -> str:
    if part is None:
        return ""
    return names[part[1]] if isinstance(part, tuple) else str(part)


def _part_value(part, vals):
    return int(vals[part[1]].ref) if isinstance(part, tuple) else part


def key_source(key: list, names: list[str]) -> str:
    parts = []
    for entry in key:
        kind = entry[0]
        if kind == "slice":
            start, stop, step = (_part_source(p, names) for p in entry[1])
            parts.append(f"{start}:{stop}" + (f":{step}" if step else ""))
        elif kind == "int":
            parts.append(str(entry[1]))
        elif kind == "none":
            parts.append("None")
        elif kind == "ellipsis":
            parts.append("...")
        elif kind == "array":
            parts.append(array_source(entry[1]))
        else:                                    # "operand": an index given as a graph value
            parts.append(names[entry[1]])
    return ", ".join(parts) if len(parts) != 1 else parts[0] + ("," if key[0][0] == "none" else "")


def key_value(key: list, vals) -> tuple:
    out = []
    for entry in key:
        kind = entry[0]
        if kind == "slice":
            out.append(slice(*(_part_value(p, vals) for p in entry[1])))
        elif kind == "int":
            out.append(entry[1])
        elif kind == "none":
            out.append(None)
        elif kind == "ellipsis":
            out.append(Ellipsis)
        elif kind == "array":
            out.append(entry[1])
        else:
            out.append(vals[entry[1]].ref)
    return tuple(out)


def random_key(gen, v, operand_base: int, advanced: bool) -> tuple[list, list[int]]:
    """A random index of value ``v``: slices (any step, ends out of range), integers
    (negative too), and with ``advanced`` integer arrays or a boolean mask,
    constant or given as graph values.  Returns the key and the extra operands."""
    rng = gen.rng
    key, operands = [], []
    n_axes = int(rng.integers(1, v.ndim + 1)) if v.ndim else 0
    adv_axis = int(rng.integers(n_axes)) if advanced and n_axes else -1
    axis = 0
    while axis < n_axes:
        n = v.shape[axis]
        if axis == adv_axis:
            mask = rng.random() < 0.35 and axis + 1 <= v.ndim
            if mask:
                width = int(rng.integers(1, min(2, v.ndim - axis) + 1))
                m = rng.random(v.shape[axis: axis + width]) < 0.6
                if rng.random() < 0.5:
                    key.append(("array", m))
                else:
                    j = gen.add_leaf(m, gen.static_for(m.shape), const=False)
                    key.append(("operand", operand_base + len(operands)))
                    operands.append(j)
                axis += width
                continue
            if n == 0:
                return [], []
            size = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(1, 3))))
            idx = rng.integers(-n, n, size=size)
            dtype = np.dtype(rng.choice(["int64", "int32", "int8"] if n < 100 else ["int64"]))
            idx = idx.astype(dtype)
            if rng.random() < 0.5:
                key.append(("array", idx))
            else:
                j = gen.add_leaf(idx, gen.static_for(idx.shape), const=False)
                key.append(("operand", operand_base + len(operands)))
                operands.append(j)
            axis += 1
            continue
        def scalar_operand(value: int):
            """An integer given as a 0-d graph input instead of a literal."""
            dtype = np.dtype(rng.choice(["int64", "int32", "int8"]))
            operands.append(gen.add_leaf(np.array(value, dtype=dtype), (), const=False))
            return ("op", operand_base + len(operands) - 1)

        r = rng.random()
        if r < 0.2 and n > 0:
            key.append(("int", int(rng.integers(-n, n))))
        elif r < 0.25 and n > 0:
            key.append(("operand", scalar_operand(int(rng.integers(-n, n)))[1]))
        elif r < 0.3:
            key.append(("none",))
            continue
        elif r < 0.33 and not any(e[0] == "ellipsis" for e in key) and axis + 1 < v.ndim:
            key.append(("ellipsis",))      # stands for the axes up to the last index entries
            rest = int(rng.integers(0, v.ndim - axis))
            axis = v.ndim - rest
            n_axes = v.ndim
            adv_axis = -1 if adv_axis < axis else adv_axis
            continue
        else:
            def end():
                return None if rng.random() < 0.3 else int(rng.integers(-n - 2, n + 3))
            parts = [end(), end(), [None, 1, 2, -1, -2, 3][rng.integers(6)]]
            for k in range(3):
                if parts[k] is not None and rng.random() < 0.15:
                    parts[k] = scalar_operand(parts[k])
            key.append(("slice", tuple(parts)))
        axis += 1
    return key, operands


class Index(OpSpec):
    """``x[key]``: basic (slices, integers, newaxis) or advanced (arrays, masks)."""

    name = "index"
    weight = 1.6
    smooth = True

    def code(self, names, params):
        return f"{names[0]}[{key_source(params['key'], names)}]"

    def evaluate(self, vals, params):
        x = vals[0]
        key = key_value(params["key"], vals)
        return x.ref[key].copy(), x.err[key].copy()

    def dyn(self, vals, params):
        masks = [e for e in params["key"] if e[0] == "operand" and vals[e[1]].dtype.kind == "b"]
        return any(v.dyn for v in vals) or bool(masks)

    def propose(self, gen):
        i = gen.pick(lambda v: v.ndim >= 1)
        if i is None:
            return None
        key, operands = random_key(gen, gen.values[i], 1, bool(gen.rng.random() < 0.45))
        if not key:
            return None
        return (i, *operands), {"key": key}


class Take(OpSpec):
    """``at.take(x, indices, axis)``: NumPy's take, negative indices included."""

    name = "take"
    weight = 0.3
    smooth = True

    def code(self, names, params):
        return f"at.take({names[0]}, {names[1]}, axis={params['axis']!r})"

    def evaluate(self, vals, params):
        x, idx = vals
        return np.take(x.ref, idx.ref, axis=params["axis"]), np.take(x.err, idx.ref, axis=params["axis"])

    def propose(self, gen):
        i = gen.pick(lambda v: v.ndim >= 1 and v.ref.size > 0)
        if i is None:
            return None
        v, rng = gen.values[i], gen.rng
        axis = None if rng.random() < 0.25 else int(rng.integers(-v.ndim, v.ndim))
        n = v.ref.size if axis is None else v.shape[axis]
        if n == 0:
            return None
        shape = tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(0, 3))))
        idx = rng.integers(-n, n, size=shape).astype(rng.choice(["int64", "int32"]))
        j = gen.add_leaf(np.asarray(idx), gen.static_for(np.shape(idx)))
        return (i, j), {"axis": axis}


class SetInc(OpSpec):
    """``set_subtensor(x[key], y)`` and ``inc_subtensor(x[key], y)``."""

    name = "set_inc"
    weight = 0.8
    smooth = True

    def code(self, names, params):
        fn = "set_subtensor" if params["set"] else "inc_subtensor"
        return f"at.{fn}({names[0]}[{key_source(params['key'], names)}], {names[params['y']]})"

    def evaluate(self, vals, params):
        x, y = vals[0], vals[params["y"]]
        key = key_value(params["key"], vals)
        target = x.ref[key]
        if np.broadcast_shapes(y.shape, target.shape) != target.shape:
            raise Reject("value does not fit")
        if np.result_type(x.dtype, y.dtype) != x.dtype:
            raise Reject("the value would be downcast")
        out, err = x.ref.copy(), x.err.copy()
        if params["set"]:
            hits = np.zeros(x.shape, dtype=int)
            np.add.at(hits, key, 1)
            if hits.max(initial=0) > 1:
                raise Reject("set_subtensor of repeated positions: which write wins is not specified")
            out[key] = y.ref
            err[key] = y.err
            return out, _float_err(out, err)
        # the value broadcast first: NumPy 2.5's ufunc.at mishandles a value that
        # broadcasts against a multi-dimensional index array
        y_ref = np.broadcast_to(y.ref, target.shape)
        np.add.at(out, key, y_ref)
        if out.dtype.kind != "f":
            return out, np.zeros(out.shape)
        # each position receives its own value plus every increment aimed at it, in
        # any order: a sum's bound (count + 1 roundings of the sum of magnitudes)
        hits = np.zeros(x.shape)
        np.add.at(hits, key, 1.0)
        magnitude = np.abs(em.wide(x.ref))
        np.add.at(magnitude, key, np.abs(em.wide(y_ref)))
        np.add.at(err, key, np.broadcast_to(y.err, target.shape))
        own = (hits + 1.0) * em.eps(out.dtype) * magnitude + em.tiny(out.dtype)
        return out, em.finish(out, err + 2.0 * own, em.all_finite(out), singular_ok=True)

    def propose(self, gen):
        i = gen.pick(lambda v: v.ndim >= 1 and v.dtype.kind != "b")
        if i is None:
            return None
        v = gen.values[i]
        key, operands = random_key(gen, v, 1, bool(gen.rng.random() < 0.45))
        if not key:
            return None
        try:
            target = v.ref[key_value(key, [v] + [gen.values[j] for j in operands])]
        except (IndexError, ValueError):
            return None
        if any(e[0] == "operand" and gen.values[operands[e[1] - 1]].dtype.kind == "b" for e in key) \
                or any(e[0] == "array" and e[1].dtype == bool for e in key):
            shape = ()                            # a mask's count is only known at run time
        else:
            shape = target.shape[len(target.shape) - int(gen.rng.integers(0, target.ndim + 1)):]
        y = gen.fresh(tuple(shape), v.dtype, static=gen.static_for(shape))
        return (i, *operands, y), {"key": key, "y": len(operands) + 1, "set": bool(gen.rng.random() < 0.5)}


# --- joining -------------------------------------------------------------------------------

class Join(OpSpec):
    name = "join"
    weight = 0.7
    smooth = True

    def code(self, names, params):
        items = "[" + ", ".join(names) + "]"
        if params["form"] == "stack":
            return f"at.stack({items}, axis={params['axis']})"
        if params["form"] == "join":
            return f"at.join({params['axis']}, {', '.join(names)})"
        return f"at.concatenate({items}, axis={params['axis']})"

    def evaluate(self, vals, params):
        fn = np.stack if params["form"] == "stack" else np.concatenate
        ref = fn([v.ref for v in vals], axis=params["axis"])
        err = fn([v.err for v in vals], axis=params["axis"])
        return ref, _float_err(ref, err)

    def propose(self, gen):
        rng = gen.rng
        form = str(rng.choice(["concatenate", "stack", "join"]))
        i = gen.pick(lambda v: v.ndim >= 1 or form == "stack")
        if i is None:
            return None
        v = gen.values[i]
        nd = v.ndim + (form == "stack")
        axis = int(rng.integers(-nd, nd))
        members = [i]
        for _ in range(int(rng.integers(1, 3))):
            if rng.random() < 0.2:
                members.append(i)
                continue
            shape, static = list(v.shape), list(v.static)
            if form != "stack":
                a = axis % nd
                shape[a] = int(rng.integers(0 if rng.random() < 0.1 else 1, 4))
                static[a] = None
            dtype = v.dtype
            if rng.random() >= 0.8:
                dtype = gen.random_dtype(gen.kinds[rng.integers(len(gen.kinds))])
            members.append(gen.fresh(tuple(shape), dtype,
                                     static=[s if rng.random() < 0.5 else None for s in static]))
        return tuple(members), {"form": form, "axis": axis}


OPS = [Reshape(), DimShuffle(), Flatten(), BroadcastTo(), Index(), Take(), SetInc(), Join()]
