"""PyTensor's ``pytensor.configdefaults`` path: ``config``, the settings object
(:mod:`arignote.config`)."""

from arignote.config import config

__all__ = ["config"]
