"""The package version, in a module of its own so that any layer may read it
(``arignote/__init__.py`` imports every layer, so no layer imports it)."""

__version__ = "0.1.0"
