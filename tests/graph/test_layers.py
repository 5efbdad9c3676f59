"""The hooks through which lower layers reach higher ones, and the linking state."""

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.graph import hooks
from arignote.graph.linking import Linking, current_linking, linking


def test_importing_arignote_installs_every_hook():
    assert all(hook.installed for hook in hooks.ALL), [h for h in hooks.ALL if not h.installed]
    assert hooks.tensor_api.get() is at
    assert hooks.evaluate.get() is arignote.compile.evaluate.evaluate


def test_a_hook_not_installed_names_its_provider():
    hook = hooks.Hook("example", "arignote.somewhere", "an example")
    with pytest.raises(hooks.HookNotInstalled, match="an example needs arignote.somewhere"):
        hook()
    hook.install(lambda x: x + 1)
    assert hook(1) == 2 and "installed" in repr(hook)


def test_the_uses_of_the_hooks():
    x = at.vector("x")
    np.testing.assert_allclose((x * 2).eval({x: np.arange(3.0)}), [0, 2, 4])  # evaluate
    y = arignote.graph_replace(x + 1, {x: np.ones(2)})  # as_variable: a value for a variable
    np.testing.assert_allclose(y.eval(), [2, 2])
    g = arignote.grad(at.exp(at.scalar("s")), at.scalar("t"), disconnected_inputs="ignore")
    assert g is not None  # tensor_api: a scalar op's derivative rule
    trace = arignote.rewrite.explain([at.log(1 + x)], mode="FAST_COMPILE")  # get_mode
    assert isinstance(trace, arignote.rewrite.Trace)


def test_linking_states_nest_and_are_restored():
    outer, inner = Linking("outer", lambda i, o: None), Linking("inner", lambda i, o: None)
    assert current_linking() is None
    with linking(outer):
        with linking(inner):
            assert current_linking() is inner
        assert current_linking() is outer
        with pytest.raises(RuntimeError), linking(inner):
            raise RuntimeError
        assert current_linking() is outer
    assert current_linking() is None
