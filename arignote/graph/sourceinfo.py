"""Where in user code a node was built: file and line, found cheaply."""

from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_source() -> tuple[str, int] | None:
    """The (filename, line) of the innermost frame outside the arignote package."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR):
            return filename, frame.f_lineno
        frame = frame.f_back
    return None


def format_source(source: tuple[str, int] | None) -> str:
    """A short "file:line" string, or "" when the line is not known."""
    if source is None:
        return ""
    return f"{source[0]}:{source[1]}"
