"""PyTensor's ``pytensor.raise_op`` path: run-time assertions in a graph
(:mod:`arignote.tensor.check_and_raise`)."""

from arignote.tensor.check_and_raise import Assert, CheckAndRaise, assert_op

__all__ = ["Assert", "CheckAndRaise", "assert_op"]
