"""Converters of PyTensor's Fourier transforms and signal convolutions.

- ``pytensor.tensor.fft``'s ``RFFTOp`` and ``IRFFTOp`` (``rfft``/``irfft``: complex numbers as
  a trailing axis of 2, the first axis a batch) have arignote ops of the same name, meaning
  and layout (``arignote.tensor.fft``); the normalizations are graph around them and convert
  on their own.
- ``pytensor.tensor.fourier.Fourier`` (``pt.fourier.fft(a, n, axis)``, the complex DFT along
  one axis, cropped or zero-padded to ``n``; always complex128) has no arignote op: it is
  built from arignote's real transform, in float64, as the real and imaginary parts of the
  input are each transformed by ``rfft`` and the other half of each spectrum is the mirrored
  conjugate of the first.  The axis must be a constant (PyTensor's gradient needs that too).
- ``pytensor.tensor.signal.conv``'s ``Convolve1d`` and ``Convolve2d`` take their mode as a
  boolean *input* (``full_mode``), where arignote's :class:`~arignote.tensor.signal.conv.Convolve`
  has it as a parameter.  A mode known while converting (a constant, or folded from static
  lengths) gives ``Convolve(ndim, mode)``; a mode only known at run time (PyTensor's
  gradients compute it from the input lengths) is a "valid" convolution of ``in1`` padded
  with ``k - 1`` zeros on each side of each axis when the mode is full (which is the full
  convolution: every output point then sees the whole kernel), and with none otherwise.
  Under a ``Blockwise`` the converter receives the batched inputs (through
  ``linalg.blockwise_converters``), so the mode, broadcast along the batch by PyTensor, is
  read once: it must be the same for every batch element (PyTensor's outputs could not be
  stacked otherwise), which an assertion checks when it is not known.
"""

from __future__ import annotations

from typing import Any

from pytensor.graph.basic import Constant as PtConstant
from pytensor.tensor import fft as ptfft
from pytensor.tensor import fourier as ptfourier
from pytensor.tensor.basic import NotScalarConstantError
from pytensor.tensor.basic import get_underlying_scalar_constant_value as pt_constant_value
from pytensor.tensor.signal import conv as ptconv

import arignote.tensor as at
from arignote.interop.pytensor.convert import converters
from arignote.interop.pytensor.linalg import blockwise_converters
from arignote.tensor import fft as atfft
from arignote.tensor.blockwise import blockwise
from arignote.tensor.check_and_raise import Assert
from arignote.tensor.constant_values import get_underlying_scalar_constant_value
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.join import flip, join
from arignote.tensor.pad import pad
from arignote.tensor.shape import shape_i
from arignote.tensor.shape_inference import add_dims, floordiv_dims, max_dims, sub_dims
from arignote.tensor.signal.conv import Convolve

__all__: list[str] = []


# --- real FFTs ------------------------------------------------------------------------------

@converters.register(ptfft.RFFTOp)
def _rfft(op: Any, node: Any, a: Any, s: Any) -> Any:
    return atfft.rfft_op(a, s)


@converters.register(ptfft.IRFFTOp)
def _irfft(op: Any, node: Any, a: Any, s: Any) -> Any:
    return atfft.irfft_op(a, s)


# --- the complex DFT along one axis -----------------------------------------------------------

def _full_spectrum(signal: Any, n: Any) -> tuple[Any, Any]:
    """The real and imaginary parts of the length-``n`` DFT of the real float64 ``signal``
    (..., n) along its last axis: rfft's half, and the conjugate of its bins 1 .. (n-1)//2
    mirrored for the bins past n//2 (X[n-k] = conj(X[k]) for a real signal)."""
    lead = signal if signal.ndim >= 2 else signal[None]  # rfft's first axis is a batch
    half = atfft.rfft_op(lead, at.stack([n]))
    if signal.ndim < 2:
        half = half[0]
    re, im = half[..., 0], half[..., 1]
    stop = floordiv_dims(add_dims(n, 1), 2)
    mirrored_re = flip(re[..., 1:stop], -1)
    mirrored_im = flip(im[..., 1:stop], -1)
    return join(-1, re, mirrored_re), join(-1, im, -mirrored_im)


@converters.register(ptfourier.Fourier)
def _fourier(op: Any, node: Any, a: Any, n: Any, axis: Any) -> Any:
    pt_axis = node.inputs[2]
    if not isinstance(pt_axis, PtConstant):
        raise NotImplementedError("from_pytensor: Fourier (pt.fourier.fft) with an axis that is "
                                  "not a constant is not supported")
    ax = int(pt_axis.data)
    ax = ax + a.ndim if ax < 0 else ax
    x = at.moveaxis(a, ax, -1)
    # crop to n, or zero-pad to it, along the transformed axis
    length = shape_i(x, x.ndim - 1)
    widths: list[tuple[Any, Any]] = [(0, 0)] * (x.ndim - 1) + [(0, max_dims(sub_dims(n, length), 0))]
    x = pad(x, widths)[..., :n]
    if x.type.numpy_dtype.kind == "c":
        # F(x) = F(re x) + i F(im x), each a real signal's spectrum
        r_re, r_im = _full_spectrum(at.cast(at.real(x), "float64"), n)
        i_re, i_im = _full_spectrum(at.cast(at.imag(x), "float64"), n)
        out_re, out_im = r_re - i_im, r_im + i_re
    else:
        out_re, out_im = _full_spectrum(at.cast(x, "float64"), n)
    return at.moveaxis(at.complex(out_re, out_im), -1, ax)


# --- convolutions ---------------------------------------------------------------------------

def _known_mode(pt_flag: Any, flag: Any) -> bool | None:
    """The value of the mode flag when it is known while converting (None otherwise): folded
    by PyTensor (a constant broadcast along the batch, lengths of static shapes) or by
    arignote (what its converted graph makes of them)."""
    try:
        return bool(pt_constant_value(pt_flag))
    except NotScalarConstantError:
        pass
    while flag.owner is not None and isinstance(flag.owner.op, DimShuffle):
        flag = flag.owner.inputs[0]  # only broadcast along the batch: the value is the same
    value = get_underlying_scalar_constant_value(flag, raise_not_constant=False)
    return None if value is flag else bool(value)


def _convolve(op: Any, node: Any, in1: Any, in2: Any, full_mode: Any) -> Any:
    """``Convolve{1,2}d`` (bare or under a ``Blockwise``: then the inputs are batched)."""
    ndim = op.ndim
    method = "direct" if ndim == 1 else op.method  # PyTensor's 1-d is NumPy's direct sum
    known = _known_mode(node.inputs[2], full_mode)
    mode_flag = full_mode
    if known is None and full_mode.ndim > 0:  # under a Blockwise: one mode along the batch
        flags = at.flatten(full_mode)
        mode_flag = Assert("Convolve: the mode must be the same along the batch")(
            at.any(flags), at.eq(at.any(flags), at.all(flags)))
    if known is not None:
        return blockwise(Convolve(ndim, "full" if known else "valid", method), in1, in2)
    # the mode is decided at run time: a full convolution is the valid one of in1 padded with
    # k - 1 zeros on each side of each axis (k the kernel's length there)
    widths: list[tuple[Any, Any]] = [(0, 0)] * (in1.ndim - ndim)
    for axis in range(in2.ndim - ndim, in2.ndim):
        w = at.switch(mode_flag, add_dims(shape_i(in2, axis), -1), 0)
        widths.append((w, w))
    return blockwise(Convolve(ndim, "valid", method), pad(in1, widths), in2)


for _op_type in (ptconv.Convolve1d, ptconv.Convolve2d):
    converters.add(_op_type, _convolve)
    blockwise_converters.add(_op_type, _convolve)
