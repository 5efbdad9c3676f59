"""`pydotprint`: the DOT text (no dependency) and, where graphviz is installed, the image."""

from __future__ import annotations

import shutil
import sys
import types

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote import printing
from arignote.printing.graph_picture import dot_source


def _graph():
    x = at.dvector("x")
    s = arignote.shared(np.zeros(2), name="s")
    e = at.exp(x)
    e.name = 'e"1'
    return x, s, (e * 2.0 + s)[0]


def _line(source: str, needle: str) -> str:
    found = [line for line in source.splitlines() if needle in line]
    assert found, f"no line with {needle!r} in\n{source}"
    return found[0]


def test_dot_text_shows_ops_as_boxes_and_inputs_by_kind():
    _, _, y = _graph()
    source = printing.pydotprint(y, format="dot", return_image=True)
    assert isinstance(source, str) and source.startswith("digraph G {") and source.endswith("}\n")
    assert "shape=box" in _line(source, 'label="Exp"')
    assert 'fillcolor="#FFAABB"' in _line(source, 'label="Mul"')  # PyTensor's Elemwise colour
    assert "limegreen" in _line(source, 'label="x Tensor{float64, (?,)}"')  # an input
    assert "lightblue" in _line(source, 'label="s Tensor')  # a shared variable
    constant = _line(source, "2.0")  # a constant: its type and value
    assert "lightgrey" in constant and "shape=ellipse" in constant
    assert "dodgerblue" in _line(source, "Tensor{float64, ()}\", shape=ellipse")  # the output
    # the named intermediate result is an ellipse, its quote escaped
    assert '"e\\"1 Tensor{float64, (?,)}"' in source
    # several inputs: edges labelled by position
    assert '[label="1"]' in source


def test_compact_hides_unnamed_intermediates_and_ids_number_things():
    _, _, y = _graph()
    compact = dot_source(y)
    full = dot_source(y, compact=False, with_ids=True)
    # unnamed intermediate results (Mul's, Add's, the output) appear only when not compact
    assert compact.count("shape=ellipse") + 2 == full.count("shape=ellipse")
    assert 'label="id=0 Exp"' in full
    plain = dot_source(y, high_contrast=False, var_with_name_simple=True, max_label_size=4)
    assert "style=filled" not in plain and 'label="e\\"1"' in plain and 'label="E...' not in plain
    assert 'label="S...' in plain  # Subtensor{0}, cut to 4 characters


def test_multi_output_edges_name_the_output():
    x = at.dmatrix("x")
    q, r = at.linalg.qr(x)
    source = dot_source(q + r)
    assert '[label="0 out 0"]' in source and '[label="1 out 1"]' in source


def test_function_node_list_and_bad_input():
    x, _, y = _graph()
    f = arignote.function([x], y, mode="PY")
    assert "Subtensor" in dot_source(f)
    assert dot_source([y, x * 3.0]).count("dodgerblue") == 2
    assert "Exp" in dot_source(at.exp(x).owner)
    with pytest.raises(TypeError, match="expected a compiled function"):
        dot_source("y")


def test_writes_the_file_and_says_where(tmp_path, capsys):
    _, _, y = _graph()
    target = tmp_path / "graph.dot"
    assert printing.pydotprint(y, outfile=target, format="dot") is None
    assert target.read_text().startswith("digraph G {")
    assert str(target) in capsys.readouterr().out
    printing.pydotprint(y, outfile=str(target), format="dot", print_output_file=False)
    assert capsys.readouterr().out == ""


def test_without_graphviz_an_image_asks_for_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import fails
    _, _, y = _graph()
    with pytest.raises(ImportError, match="pip install graphviz"):
        printing.pydotprint(y, return_image=True)


def test_image_goes_through_graphviz_source_pipe(monkeypatch, tmp_path):
    # a stand-in for the graphviz package: checks what pydotprint asks of it
    calls = []

    class ExecutableNotFound(RuntimeError):
        pass

    class Source:
        def __init__(self, text):
            self.text = text

        def pipe(self, format):
            calls.append((self.text, format))
            if format == "missing-dot":
                raise ExecutableNotFound("dot")
            return b"IMAGE"

    fake = types.SimpleNamespace(Source=Source, ExecutableNotFound=ExecutableNotFound)
    monkeypatch.setitem(sys.modules, "graphviz", fake)
    _, _, y = _graph()
    assert printing.pydotprint(y, format="svg", return_image=True) == b"IMAGE"
    assert calls[0] == (dot_source(y), "svg")
    printing.pydotprint(y, outfile=tmp_path / "g.png", print_output_file=False)
    assert (tmp_path / "g.png").read_bytes() == b"IMAGE"
    with pytest.raises(RuntimeError, match="`dot` program was not found"):
        printing.pydotprint(y, format="missing-dot", return_image=True)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_real_graphviz_draws_a_png():
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    _, _, y = _graph()
    image = printing.pydotprint(y, return_image=True, compact=False)
    assert isinstance(image, bytes) and image.startswith(b"\x89PNG")
