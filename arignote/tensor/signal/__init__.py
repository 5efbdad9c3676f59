"""Signal processing: ``convolve1d`` and ``convolve2d`` (``from arignote.tensor.signal import ...``)."""

from arignote.tensor.signal.conv import convolve1d, convolve2d

__all__ = ["convolve1d", "convolve2d"]
