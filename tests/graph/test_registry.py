"""The registry every table keyed by op type uses, and package discovery."""

import sys

import pytest

from arignote.graph.registry import Registry, import_submodules


class Base:
    pass


class Child(Base):
    pass


class GrandChild(Child):
    pass


class Other:
    pass


def test_a_subclass_uses_its_nearest_registered_class():
    reg = Registry("test")
    reg.add(Base, "base")
    assert reg.lookup(GrandChild) == "base"
    reg.add(Child, "child")  # registering later reaches types looked up before
    assert reg.lookup(GrandChild) == "child" and reg.lookup(Base) == "base"
    assert reg.provider(GrandChild) is Child
    assert reg.lookup(Other) is None and reg.missing([Base, Other, GrandChild]) == [Other]


def test_the_default_serves_only_types_without_an_entry():
    reg = Registry("test", default=lambda t: f"derived for {t.__name__}" if t is not Other else None)
    reg.add(Child, "child")
    assert reg.lookup(GrandChild) == "child" and not reg.is_default(GrandChild)
    assert reg.lookup(Base) == "derived for Base" and reg.is_default(Base)
    assert reg.provider(Base) is None
    assert reg.missing([Base, Other]) == [Other]


def test_introspection_and_name_keys():
    reg = Registry("linkers")

    @reg.register("py", "python")
    def link(inputs, outputs):
        return None

    assert reg.get("py") is link and "python" in reg and len(reg) == 2
    assert reg.keys() == ["py", "python"] and dict(reg.items())["py"] is link
    assert reg.get("c") is None


def test_a_second_entry_for_a_key_must_say_so():
    reg = Registry("test")
    reg.add(Base, "one")
    reg.add(Base, "one")  # the same entry again (a module imported twice) is harmless
    with pytest.raises(ValueError, match="test registry: .*Base is already registered"):
        reg.add(Base, "two")
    reg.add(Base, "two", replace=True)
    assert reg.lookup(Base) == "two"


def test_discovery_imports_every_module_first_ones_first(tmp_path, monkeypatch):
    package = tmp_path / "discovered_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("ORDER = []\n")
    for name in ("alpha", "beta", "gamma"):
        (package / f"{name}.py").write_text(f"from discovered_pkg import ORDER\nORDER.append({name!r})\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        modules = import_submodules("discovered_pkg", first=("gamma",), skip=lambda n: n == "beta")
        assert [m.__name__ for m in modules] == ["discovered_pkg.gamma", "discovered_pkg.alpha"]
        assert sys.modules["discovered_pkg"].ORDER == ["gamma", "alpha"]
        with pytest.raises(ValueError, match="no module"):
            import_submodules("discovered_pkg", first=("delta",))
    finally:
        for name in [n for n in sys.modules if n.startswith("discovered_pkg")]:
            del sys.modules[name]
