"""`debugprint` and `pprint` output."""

import io

import numpy as np

import arignote
import arignote.tensor as at


def test_debugprint_tree_with_ids_and_shared_nodes():
    x = at.vector("x")
    e = at.exp(x)
    y = e * 2.0 + e
    y.name = "y"
    text = arignote.debugprint(y, file="str")
    assert text.splitlines() == [
        "Add [id A] 'y'",
        "├─ Mul [id B]",
        "│  ├─ Exp [id C]",
        "│  │  └─ x [id D]",
        "│  └─ 2.0 [id E]",
        "└─ Exp [id C] ···",
    ]


def test_debugprint_types_depth_and_streams():
    x = at.dmatrix("x")
    y = at.tanh(x.T)
    text = arignote.debugprint(y, file="str", print_type=True)
    assert "Tanh [id A] <Tensor{float64, (?, ?)}>" in text
    assert "Transpose{axes=(1, 0)}" in text
    assert arignote.debugprint(y, file="str", depth=1).count("\n") == 2
    stream = io.StringIO()
    arignote.debugprint([y, x], file=stream)
    assert stream.getvalue().count("[id A]") == 1


def test_debugprint_of_compiled_function_shows_the_rewritten_graph():
    x = at.vector("x")
    f = arignote.function([x], x + at.exp(at.constant(np.zeros(2))))
    text = arignote.debugprint(f, file="str")
    assert "Exp" not in text  # folded at compile time
    assert text.startswith("Add [id A]")


def test_debugprint_source_lines():
    x = at.vector("x")
    y = at.exp(x)
    assert "test_debugprint.py:" in arignote.debugprint(y, file="str", print_source=True)


def test_pprint_infix():
    x, y = at.vector("x"), at.vector("y")
    assert arignote.pprint(at.exp(x) * 2.0 + y) == "((exp(x) * 2.0) + y)"
    assert arignote.pprint(-x) == "(-x)"  # PyTensor's shape: unary minus parenthesised too
