"""PyTensor's `debugprint` options that arignote accepts."""

from __future__ import annotations

import pytest

import arignote
import arignote.tensor as at


def test_id_type_and_print_shape():
    x = at.tensor("x", dtype="float64", shape=(3, None))
    y = at.exp(x)
    assert arignote.debugprint(y, file="str", id_type="") == "Exp\n└─ x\n"
    text = arignote.debugprint(y, file="str", print_shape=True)
    assert text.splitlines() == ["Exp [id A] shape=(3, ?)", "└─ x [id B] shape=(3, ?)"]


def test_options_without_meaning_here_are_accepted_and_unknown_ones_refused():
    x = at.dvector("x")
    plain = arignote.debugprint(x * 2.0, file="str")
    assert arignote.debugprint(x * 2.0, file="str", print_destroy_map=True, print_view_map=True,
                               stop_on_name=True) == plain
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['colour'\]"):
        arignote.debugprint(x, file="str", colour=True)
