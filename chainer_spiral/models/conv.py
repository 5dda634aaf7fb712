"""Channels-last (NHWC) convolutions for the CPU, on one C kernel and no column buffers.

Chainer's CPU convolution works in NCHW: im2col, then `tensordot`, which transposes the
column buffer and the output (several large copies per call, and the column buffer of the
whole batch at once). Here every product is an "implicit GEMM" (``_conv_cffi.spiral_igemm``,
built from _conv_build.py): the C kernel reads the entries of the would-be column matrix
straight from the NHWC image through two tables of offsets (one per output row, one per
reduction index), so no column buffer is ever built, and writes each result row where a table
of output offsets says (an NHWC map, a strided parity of one, a weight matrix).

- forward: rows = output pixels, reduction = (tap, channel);
- weight gradient: rows = (tap, channel), reduction = output pixels;
- input gradient of a stride-s conv: per output parity, an unpadded conv of the zero-padded
  output gradient with the parity's flipped taps (zero taps complete a kernel that is not a
  multiple of s).

Groups: the channels of x split into g groups with their own weights (the policy's and the
value's encoders run as one call with g = 2). The convolution, its input gradient and its
weight gradient are three FunctionNodes whose gradients are each other: differentiable to any
order, which the discriminator's gradient penalty needs. Arrays are float32 (or float64, for
gradient checks).
"""
import functools

import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np
from chainer import function_node, initializers

from chainer_spiral.extensions import import_extension
from chainer_spiral.models.activations import MaskedScale

EXTENSION = 'chainer_spiral.models._conv_cffi'
# Reduction tile of the weight gradient, in output pixels: the tile's image rows and output
# gradient stay in cache while every (tap, channel) row uses them.
_PIXEL_TILE = 256

_kernel = None
# Element type -> (C array type, kernel).
_KINDS = {np.dtype(np.float32): ('float[]', 'spiral_igemm_f32'),
          np.dtype(np.float64): ('double[]', 'spiral_igemm_f64')}


def _get_kernel():
    """The compiled extension (``ffi``, ``lib``); one-line error when it is not built."""
    global _kernel
    if _kernel is None:
        _kernel = import_extension(EXTENSION)
    return _kernel


def _output_size(size, ksize, stride):
    return (size - ksize) // stride + 1


@functools.lru_cache(maxsize=256)
def _lattice(shape, count, rows, cols, channels, stride=1):
    """Flat offsets in a C-contiguous (N, H, W, C) array of the elements
    [n, stride * i, stride * j, c] for n < count, i < rows, j < cols, c < channels: int64
    (count * rows * cols * channels,), in that order; read-only (the tables are cached: the
    same layers see the same shapes at every step)."""
    _, h, w, c = shape
    axes = np.ix_(np.arange(count) * (h * w * c), np.arange(rows) * (stride * w * c),
                  np.arange(cols) * (stride * c), np.arange(channels))
    table = (axes[0] + axes[1] + axes[2] + axes[3]).reshape(-1)
    table.flags.writeable = False
    return table


def _igemm(x, row_base, red_off, B, columns, out, out_row, kt=None, accumulate=False,
           bias=None, bias_row=None, relu=False):
    """out.flat[out_row[r] + o] (+)= sum_k x.flat[row_base[r] + red_off[k]] * B[k, c0 + o],
    then + bias.flat[bias_row[r] + o] and max(., 0) if asked, for o < O.

    Args:
        x: C-contiguous float32 or float64 array (B, out and bias of the same type).
        row_base, red_off, out_row, bias_row: int64 (R,), (K,), (R,), (R,).
        B: C-contiguous float32 (K, ldb).
        columns: (c0, O), the columns of B used.
        out: C-contiguous float32 array, written in place.
        kt: reduction tile (default: K).
    """
    ffi, lib = _get_kernel().ffi, _get_kernel().lib
    assert x.flags.c_contiguous and B.flags.c_contiguous and out.flags.c_contiguous
    assert x.dtype == B.dtype == out.dtype and B.shape[0] == len(red_off)
    if x.dtype not in _KINDS:
        raise TypeError(f'convolution_nhwc: expected float32 or float64, got {x.dtype}')
    kind, igemm = _KINDS[x.dtype]
    c0, O = columns
    tables = [np.ascontiguousarray(t, np.int64) for t in (row_base, red_off, out_row)]
    if bias is not None:
        tables.append(np.ascontiguousarray(bias_row, np.int64))
        bias = np.ascontiguousarray(bias, x.dtype)

    def ptr(a, kind=kind):
        return ffi.from_buffer(kind, a)
    K = len(red_off)
    kernel = getattr(lib, igemm)
    kernel(ptr(x), ptr(tables[0], 'int64_t[]'), len(row_base), ptr(tables[1], 'int64_t[]'), K,
           kt or max(K, 1), ptr(B) + c0, B.shape[1], O, ptr(out), ptr(tables[2], 'int64_t[]'),
           int(accumulate), ffi.NULL if bias is None else ptr(bias),
           ffi.NULL if bias is None else ptr(tables[3], 'int64_t[]'), int(relu))


def _conv(x, W, stride, bias=None, sample_bias=None, relu=False):
    """Valid grouped convolution (no graph).

    Args:
        x: C-contiguous float32 (N, H, W, g*C).
        W: float32 (g, kh, kw, C, O).
        bias: float32 (g*O,) or None; sample_bias: float32 (N, g*O) or None.

    Returns:
        float32 (N, oh, ow, g*O).
    """
    g, kh, kw, c, o = W.shape
    n, h, w, _ = x.shape
    oh, ow = _output_size(h, kh, stride), _output_size(w, kw, stride)
    y = np.empty((n, oh, ow, g * o), x.dtype)
    pixels = _lattice(x.shape, n, oh, ow, 1, stride)
    taps = _lattice(x.shape, 1, kh, kw, c)
    out_row = np.arange(n * oh * ow, dtype=np.int64) * (g * o)
    if sample_bias is not None:
        bias = sample_bias + (0 if bias is None else bias)
        bias_row = np.repeat(np.arange(n, dtype=np.int64) * (g * o), oh * ow)
    else:
        bias_row = np.zeros(n * oh * ow, np.int64)
    for k in range(g):
        _igemm(x, pixels + k * c, taps, np.ascontiguousarray(W[k].reshape(kh * kw * c, o)),
               (0, o), y, out_row + k * o, bias=bias,
               bias_row=None if bias is None else bias_row + k * o, relu=relu)
    return y


def _conv_weight_grad(x, gy, g, kh, kw, stride):
    """The gradient of _conv's W from x (N, H, W, g*C) and gy (N, oh, ow, g*O), both
    C-contiguous: float32 (g, kh, kw, C, O)."""
    n, _, _, gc = x.shape
    _, oh, ow, go = gy.shape
    c, o = gc // g, go // g
    gw = np.empty((g, kh * kw * c, o), x.dtype)
    pixels = _lattice(x.shape, n, oh, ow, 1, stride)
    taps = _lattice(x.shape, 1, kh, kw, c)
    out_row = np.arange(kh * kw * c, dtype=np.int64) * o
    for k in range(g):
        _igemm(x, taps + k * c, pixels, gy.reshape(n * oh * ow, go), (k * o, o), gw,
               out_row + k * kh * kw * c * o, kt=_PIXEL_TILE)
    return gw.reshape(g, kh, kw, c, o)


def _conv_input_grad(gy, W, stride, h, w):
    """The transposed convolution: the gradient of _conv's x (N, h, w, g*C) from gy
    (N, oh, ow, g*O), C-contiguous, and W (g, kh, kw, C, O).

    Input pixel s*u + p receives gy[u - d] through tap p + s*d (d < m = ceil(kh / s), the taps
    past kh being zero): per parity (p, q) that is an unpadded (m x m) conv of gy zero-padded
    by m - 1 before and enough after, with the parity's taps flipped.
    """
    s = stride
    g, kh, kw, c, o = W.shape
    n, oh, ow, go = gy.shape
    mh, mw = -(-kh // s), -(-kw // s)
    if (mh * s, mw * s) != (kh, kw):
        W = np.pad(W, ((0, 0), (0, mh * s - kh), (0, mw * s - kw), (0, 0), (0, 0)))
    uh, uw = -(-h // s), -(-w // s)
    pad = np.zeros((n, uh + mh - 1, uw + mw - 1, go), gy.dtype)
    pad[:, mh - 1:mh - 1 + oh, mw - 1:mw - 1 + ow] = gy
    gx = np.empty((n, h, w, g * c), gy.dtype)
    windows = _lattice(pad.shape, 1, mh, mw, o)
    for p in range(s):
        for q in range(s):
            rows, cols = len(range(p, h, s)), len(range(q, w, s))
            starts = _lattice(pad.shape, n, rows, cols, 1)
            out_row = _lattice(gx.shape, n, rows, cols, 1, s) + (p * w + q) * g * c
            for k in range(g):
                # Window position j reads gy[u - (m - 1 - j)]: tap p + s * (m - 1 - j).
                taps = W[k, p::s, q::s][::-1, ::-1].transpose(0, 1, 3, 2)
                _igemm(pad, starts + k * o, windows, np.ascontiguousarray(taps).reshape(-1, c),
                       (0, c), gx, out_row + k * c)
    return gx


def _padded(x, pad):
    """x (N, H, W, C) zero-padded by `pad` on both sides of H and W, C-contiguous."""
    if pad:
        return np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    return np.ascontiguousarray(x)


class _ConvNode(function_node.FunctionNode):
    """Stride and zero padding of a convolution, and the three nodes of its family (the
    convolution, its input gradient, its weight gradient) applied with them: each node's
    gradients are the other two."""

    def __init__(self, stride, pad):
        self.stride, self.pad = stride, pad

    def _conv(self, x, W):
        return ConvolutionNHWC(self.stride, self.pad).apply((x, W))[0]

    def _input_grad(self, gy, W, x):
        return ConvInputGradNHWC(self.stride, self.pad, x.shape[1:3]).apply((gy, W))[0]

    def _weight_grad(self, x, gy, W):
        return ConvWeightGradNHWC(self.stride, self.pad, W.shape).apply((x, gy))[0]


class ConvolutionNHWC(_ConvNode):
    """y[n, i, j, G*Og + o] = sum_{a, b, c} xp[n, s*i + a, s*j + b, G*Cg + c] W[G, a, b, c, o]
    (+ b[G*Og + o]) (+ sb[n, G*Og + o]), xp being x zero-padded by `pad`; then max(y, 0) when
    `relu` (fused in the kernel). Inputs (x, W), (x, W, b) or (x, W, b, sb).

    `output`: y already computed for these very inputs (an earlier forward pass with the same
    parameters): forward returns it without computing, backward is unchanged.
    Differentiable to any order: the gradients are ConvInputGradNHWC and ConvWeightGradNHWC,
    whose own gradients are these three nodes again.
    """

    def __init__(self, stride, pad=0, relu=False, output=None):
        super().__init__(stride, pad)
        self.relu = relu
        self.output = output

    def forward(self, inputs):
        x, W = inputs[:2]
        self.retain_inputs((0, 1))
        if self.relu:
            self.retain_outputs((0,))
        g, kh, kw, c, o = W.shape
        n, h, w, _ = x.shape
        p, s = self.pad, self.stride
        shape = (n, _output_size(h + 2 * p, kh, s), _output_size(w + 2 * p, kw, s), g * o)
        if self.output is None:
            return _conv(_padded(x, p), W, s, inputs[2] if len(inputs) > 2 else None,
                         inputs[3] if len(inputs) > 3 else None, self.relu),
        y = self.output
        if y.shape != shape or y.dtype != x.dtype:
            raise ValueError(f'convolution_nhwc output: expected {x.dtype} {shape}, '
                             f'got {y.dtype} {y.shape}')
        return y,

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        if self.relu:
            gy, = MaskedScale(self.get_retained_outputs()[0].array > 0, 0.0).apply((gy,))
        grads = {0: lambda: self._input_grad(gy, W, x), 1: lambda: self._weight_grad(x, gy, W),
                 2: lambda: F.sum(gy, axis=(0, 1, 2)), 3: lambda: F.sum(gy, axis=(1, 2))}
        return tuple(grads[i]() for i in indexes)


class ConvInputGradNHWC(_ConvNode):
    """(gy, W) -> the gradient of ConvolutionNHWC's x (N, H, W, g*C) = `size`, a transposed
    convolution; linear in gy and in W."""

    def __init__(self, stride, pad, size):
        super().__init__(stride, pad)
        self.size = tuple(size)

    def forward(self, inputs):
        gy, W = inputs
        self.retain_inputs((0, 1))
        h, w = self.size
        p = self.pad
        full = _conv_input_grad(np.ascontiguousarray(gy), W, self.stride, h + 2 * p, w + 2 * p)
        return (np.ascontiguousarray(full[:, p:p + h, p:p + w]) if p else full),

    def backward(self, indexes, grad_outputs):
        gy, W = self.get_retained_inputs()
        ggx, = grad_outputs
        return tuple(self._conv(ggx, W) if i == 0 else self._weight_grad(ggx, gy, W)
                     for i in indexes)


class ConvWeightGradNHWC(_ConvNode):
    """(x, gy) -> the gradient of ConvolutionNHWC's W, of shape `shape` (g, kh, kw, C, O);
    linear in x and in gy."""

    def __init__(self, stride, pad, shape):
        super().__init__(stride, pad)
        self.shape = tuple(shape)

    def forward(self, inputs):
        x, gy = inputs
        self.retain_inputs((0, 1))
        g, kh, kw, _, _ = self.shape
        return _conv_weight_grad(_padded(x, self.pad), np.ascontiguousarray(gy), g, kh, kw,
                                 self.stride),

    def backward(self, indexes, grad_outputs):
        x, gy = self.get_retained_inputs()
        ggW, = grad_outputs
        return tuple(self._input_grad(gy, ggW, x) if i == 0 else self._conv(x, ggW)
                     for i in indexes)


def deconvolution_nhwc(x, W, b, stride, pad):
    """Transposed convolution of channels-last images: the adjoint of the one-group
    convolution_nhwc with weight W (from O to C channels), cropped by `pad` on every side,
    plus bias.

    Args:
        x: float32 (N, H, W, C).
        W: float32 (kh, kw, O, C).
        b: float32 (O,).

    Returns:
        float32 (N, stride * (H - 1) + kh - 2 * pad, stride * (W - 1) + kw - 2 * pad, O).
    """
    kh, kw = W.shape[:2]
    size = (stride * (x.shape[1] - 1) + kh - 2 * pad, stride * (x.shape[2] - 1) + kw - 2 * pad)
    y, = ConvInputGradNHWC(stride, pad, size).apply((x, F.expand_dims(W, 0)))
    return F.bias(y, b, axis=3)


def convolution_nhwc(x, W, b=None, stride=1, sample_bias=None, relu=False, output=None,
                     pad=0):
    """Grouped convolution of channels-last images, optionally + ReLU; differentiable to any
    order.

    Args:
        x: float32 (N, H, W, g*C).
        W: float32 (g, kh, kw, C, O).
        b: float32 (g*O,) or None.
        stride: the same in both directions.
        sample_bias: optional float32 (N, g*O) added at every position of sample n (needs b).
        relu: apply max(., 0) to the output (fused: no separate activation map).
        output: optional float32 array, the result of this very call computed earlier (same
            inputs and parameters): returned as the output without computing it; the
            gradients are the same as without it.
        pad: zeros added on both sides of H and W.

    Returns:
        float32 (N, (H + 2 pad - kh) // stride + 1, (W + 2 pad - kw) // stride + 1, g*O).
    """
    inputs = (x, W) + ((b,) if b is not None else ()) + (
        (sample_bias,) if sample_bias is not None else ())
    return ConvolutionNHWC(stride, pad, relu, output).apply(inputs)[0]


class ConvNHWC(chainer.Link):
    """Parameters of one valid NHWC conv layer: W (kh, kw, C, O) LeCun normal, b (O,) zero.

    Args:
        in_channels, out_channels, ksize, stride: as `L.Convolution2D` (no padding).
    """

    def __init__(self, in_channels, out_channels, ksize, stride=1):
        super().__init__()
        self.stride = stride
        with self.init_scope():
            # LeCun normal over the fan-in ksize^2 * C, as Chainer's NCHW layer draws it.
            fan_in = ksize * ksize * in_channels
            self.W = chainer.Parameter(initializers.Normal(np.sqrt(1.0 / fan_in)),
                                       (ksize, ksize, in_channels, out_channels))
            self.b = chainer.Parameter(0.0, (out_channels,))

    def forward(self, x, sample_bias=None):
        """x: (N, H, W, C) -> (N, H', W', O); `sample_bias` (N, O) as in `convolution_nhwc`."""
        return convolution_nhwc(x, self.W[None], self.b, self.stride, sample_bias)


def average_pooling_nhwc(x, k):
    """Average pooling of channels-last images over k x k cells: (N, H, W, C) ->
    (N, H / k, W / k, C)."""
    n, h, w, c = x.shape
    return F.mean(F.reshape(x, (n, h // k, k, w // k, k, c)), axis=(2, 4))


class ConvolutionNHWCLink(L.Convolution2D):
    """L.Convolution2D (weight (O, C, kh, kw), as Chainer's snapshots and link hooks know it)
    applied to channels-last maps (N, H, W, C) -> (N, H', W', O) with this module's kernels;
    `relu` fuses max(., 0) into the call."""

    def forward(self, x, relu=False):
        W = F.expand_dims(F.transpose(self.W, (2, 3, 1, 0)), 0)
        return convolution_nhwc(x, W, self.b, self.stride[0], relu=relu, pad=self.pad[0])
