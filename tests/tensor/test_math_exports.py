"""``arignote.tensor.math`` lists its names in a literal ``__all__`` (so that type checkers see
them through ``import arignote.tensor as at``): every public function of the module is in it."""

import importlib
import types

import arignote.tensor as at

math = importlib.import_module("arignote.tensor.math")


def test_every_public_function_is_exported():
    public = {name for name, value in vars(math).items()
              if not name.startswith("_") and isinstance(value, types.FunctionType)
              and value.__module__ in ("arignote.tensor.math", "arignote.tensor.basic")}
    public -= {"as_tensor_args"}  # a helper of the op modules, not a user function
    assert sorted(public - set(math.__all__)) == []
    assert all(getattr(at, name) is getattr(math, name) for name in math.__all__)
