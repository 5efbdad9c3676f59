"""Fixtures of the C backend tests: they run only where a C compiler works."""

from __future__ import annotations

import pytest

import arignote
from arignote.backend.c import availability

_why = availability()
requires_c = pytest.mark.skipif(_why is not None, reason=f"no working C compiler: {_why}")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/backend/c" in str(item.fspath).replace("\\", "/") and "no_compiler_ok" not in item.keywords:
            item.add_marker(requires_c)


@pytest.fixture
def c_mode():
    return arignote.Mode(linker="c")


@pytest.fixture
def py_mode():
    return arignote.Mode(linker="py")


def pytest_configure(config):
    config.addinivalue_line("markers", "no_compiler_ok: runs (and must pass) without a C compiler")
