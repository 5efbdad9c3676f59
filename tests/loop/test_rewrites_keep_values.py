"""Property: random scan programs (taps, several outputs, reads of the last rows, gradients)
give the same values with all rewrites as without any."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import arignote
import arignote.tensor as at

NO_REWRITES = arignote.Mode(optimizer=None)

UNARY = [at.tanh, at.sin, lambda v: v * 0.5, lambda v: at.exp(-v * v)]


@st.composite
def programs(draw):
    return dict(
        out_taps=draw(st.lists(st.sampled_from([-1, -2, -3]), min_size=1, max_size=2, unique=True)),
        seq_taps=draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=1, max_size=2, unique=True)),
        second_output=draw(st.booleans()),
        use_matrix=draw(st.booleans()),
        unary=draw(st.lists(st.integers(0, len(UNARY) - 1), min_size=1, max_size=3)),
        read=draw(st.sampled_from(["all", "last", "last2", "sum"])),
        steps=draw(st.integers(0, 6)),
        go_backwards=draw(st.booleans()),
        differentiate=draw(st.booleans()),
        nested=draw(st.booleans()),
    )


def build(p):
    seq = at.matrix("seq")
    init = at.matrix("init")
    W = at.matrix("W")
    n = at.iscalar("n")
    lags = max(-t for t in p["out_taps"])

    def step(*args):
        xs = args[:len(p["seq_taps"])]
        hs = args[len(p["seq_taps"]):len(p["seq_taps"]) + len(p["out_taps"])]
        W_ = args[-1]
        value = sum(hs) + sum(xs) * 0.3
        if p["nested"]:  # a loop in the step: a running sum over the row, reading the carry
            inner = arignote.scan(lambda v, acc, h: acc * 0.5 + v * h.sum(), sequences=xs[0],
                                  outputs_info=at.constant(0.0), non_sequences=hs[0],
                                  return_updates=False)
            value = value + inner[-1]
        if p["use_matrix"]:
            value = W_ @ value
        for k in p["unary"]:
            value = UNARY[k](value)
        return [value, (value * xs[0]).sum()] if p["second_output"] else value

    # PyTensor's convention: the default tap -1 takes the value itself, other taps a stack of values
    initial = init[0] if p["out_taps"] == [-1] else init[:lags]
    outputs_info = [dict(initial=initial, taps=p["out_taps"])] + ([None] if p["second_output"] else [])
    outs, _ = arignote.scan(step, sequences=dict(input=seq, taps=p["seq_taps"]), outputs_info=outputs_info,
                            non_sequences=W, n_steps=n, go_backwards=p["go_backwards"], return_list=True)
    main = outs[0]
    read = {"all": main, "last": main[-1:], "last2": main[-2:], "sum": main.sum(axis=0)}[p["read"]]
    results = [read] + ([outs[1]] if p["second_output"] else [])
    if p["differentiate"]:
        cost = sum(r.sum() for r in results)
        results += arignote.grad(cost, [init, W, seq], disconnected_inputs="ignore")
    return [seq, init, W, n], results


@settings(max_examples=25, deadline=None)
@given(programs(), st.integers(0, 2 ** 31))
def test_random_scan_programs_keep_their_values(p, seed):
    rng = np.random.default_rng(seed)
    inputs, outputs = build(p)
    values = [rng.normal(size=(p["steps"] + 3, 3)), rng.normal(size=(3, 3)),
              rng.normal(size=(3, 3)) * 0.5, p["steps"]]
    want = arignote.function(inputs, outputs, mode=NO_REWRITES, on_unused_input="ignore")(*values)
    got = arignote.function(inputs, outputs, on_unused_input="ignore")(*values)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)
