"""A channels-last (NHWC) valid convolution for the CPU, lean on copies and memory.

Chainer's CPU convolution works in NCHW: im2col, then `tensordot`, which transposes the
column buffer and the output (several large copies per call, and the column buffer of the
whole batch at once). Here the column buffer is a strided view of the NHWC input, copied once
per chunk of samples straight into the (rows, kh*kw*C) layout of one GEMM, and the GEMM
writes the NHWC output. Chunking bounds the transient memory.

Groups: the channels of x split into g groups with their own weights (the policy's and the
value's encoders run as one call with g = 2).

The input gradient of a stride-s conv whose kernel is a multiple of s is computed per output
parity as one small GEMM on a padded im2col of gy (no column-to-image scatter of a large
buffer). The backward pass is first order only: the generator never needs double backprop;
the discriminator, which does for its gradient penalty, uses Chainer's own convolutions.
"""
import chainer
import numpy as np
from chainer import function_node, initializers

# Largest column buffer built at once, in float32 elements (4 MiB).
_COLUMN_BUDGET = 1024 * 1024
# Column buffer and output of one forward chunk, in float32 elements (1 MiB: about L2).
_EPILOGUE_BUDGET = 256 * 1024


def _output_size(size, ksize, stride):
    return (size - ksize) // stride + 1


def _columns(x, kh, kw, stride, oh, ow):
    """(n, H, W, C) (any strides) -> float32 (n*oh*ow, kh*kw*C), one copy of a strided view."""
    n, _, _, c = x.shape
    sn, sh, sw, sc = x.strides
    view = np.lib.stride_tricks.as_strided(
        x, (n, oh, ow, kh, kw, c), (sn, stride * sh, stride * sw, sh, sw, sc), writeable=False)
    return np.ascontiguousarray(view).reshape(n * oh * ow, kh * kw * c)


def _chunks(n, elements_per_sample, budget=None):
    """n samples -> (start, stop) of nearly equal chunks within the budget of elements."""
    step = max(1, (budget or _COLUMN_BUDGET) // max(1, elements_per_sample))
    k = -(-n // step)
    bounds = [n * i // k for i in range(k + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def _input_grad(gy, w, stride, h, wd, gx):
    """gx (n, h, wd, C) = transposed convolution of gy (n, oh, ow, O) with w (kh, kw, C, O).

    Input pixel s*u + p receives gy[u - d] through tap p + s*d (d < kh / s): per parity (p, q)
    that is an unpadded (kh/s x kw/s) conv of gy zero-padded by kh/s - 1 before and enough
    after; the s*s parities share one GEMM.
    """
    s = stride
    kh, kw, c, o = w.shape
    n, oh, ow, _ = gy.shape
    if kh % s or kw % s:
        raise ValueError(f'convolution_nhwc: expected kernel multiple of stride, got {kh}x{kw}/{s}')
    mh, mw = kh // s, kw // s
    uh, uw = -(-h // s), -(-wd // s)
    # Window position j reads gy[u - (m - 1 - j)], i.e. tap p + s * (m - 1 - j): flip the taps,
    # and order the columns as (window j, window l, O) x (parity p, parity q, C).
    w_r = w.reshape(mh, s, mw, s, c, o)[::-1, :, ::-1]
    w_all = np.ascontiguousarray(w_r.transpose(0, 2, 5, 1, 3, 4)).reshape(mh * mw * o, s * s * c)
    for i0, i1 in _chunks(n, uh * uw * mh * mw * o):
        pad = np.zeros((i1 - i0, uh + mh - 1, uw + mw - 1, o), np.float32)
        pad[:, mh - 1:mh - 1 + oh, mw - 1:mw - 1 + ow] = gy[i0:i1]
        parts = (_columns(pad, mh, mw, 1, uh, uw) @ w_all).reshape(i1 - i0, uh, uw, s, s, c)
        for p in range(s):
            for q in range(s):
                rows, columns = len(range(p, h, s)), len(range(q, wd, s))
                gx[i0:i1, p::s, q::s] = parts[:, :rows, :columns, p, q]


class ConvolutionNHWC(function_node.FunctionNode):
    """y[n, i, j, G*Og + o] = sum_{a, b, c} x[n, s*i + a, s*j + b, G*Cg + c] W[G, a, b, c, o]
    + b[G*Og + o] (+ sb[n, G*Og + o]), then max(y, 0) when `relu` (in place: no second map).

    `output`: y already computed for these very inputs (an earlier forward pass with the same
    parameters): forward returns it without computing, backward is unchanged.
    """

    def __init__(self, stride, relu=False, output=None):
        self.stride = stride
        self.relu = relu
        self.output = output

    def forward(self, inputs):
        x, W, b = inputs[:3]
        self.retain_inputs((0, 1))
        g, kh, kw, c, o = W.shape
        n, h, w, _ = x.shape
        oh, ow = _output_size(h, kh, self.stride), _output_size(w, kw, self.stride)
        if self.output is not None:
            return self._given_output((n, oh, ow, g * o)),
        rows = oh * ow
        y = np.empty((n, rows, g * o), np.float32)
        sample_bias = inputs[3] if len(inputs) == 4 else None
        # Bias and ReLU chunk by chunk, while the chunk's output is still in cache.
        for i0, i1 in _chunks(n, rows * (kh * kw * c + g * o), _EPILOGUE_BUDGET):
            part = y[i0:i1]
            for k in range(g):
                cols = _columns(x[i0:i1, :, :, k * c:(k + 1) * c], kh, kw, self.stride, oh, ow)
                part.reshape(-1, g * o)[:, k * o:(k + 1) * o] = cols @ W[k].reshape(
                    kh * kw * c, o)
            part += b
            if sample_bias is not None:
                part += sample_bias[i0:i1, None, :]
            if self.relu:
                np.maximum(part, 0, out=part)
        if self.relu:
            self.retain_outputs((0,))
        return y.reshape(n, oh, ow, g * o),

    def _given_output(self, shape):
        y = self.output
        if y.shape != shape or y.dtype != np.float32:
            raise ValueError(f'convolution_nhwc output: expected float32 {shape}, '
                             f'got {y.dtype} {y.shape}')
        if self.relu:
            self.retain_outputs((0,))
        return y

    def backward(self, indexes, grad_outputs):
        x, W = (v.array for v in self.get_retained_inputs())
        gy = grad_outputs[0].array
        if self.relu:
            gy = gy * (self.get_retained_outputs()[0].array > 0)
        gy = np.ascontiguousarray(gy)
        g, kh, kw, c, o = W.shape
        n, oh, ow, _ = gy.shape
        rows = oh * ow
        gy2 = gy.reshape(n * rows, g * o)
        out = {}
        if 0 in indexes:
            gx = np.empty_like(x)
            for k in range(g):
                _input_grad(gy[..., k * o:(k + 1) * o], W[k], self.stride, x.shape[1],
                            x.shape[2], gx[..., k * c:(k + 1) * c])
            out[0] = gx
        if 1 in indexes:
            gw = np.zeros((g, kh * kw * c, o), np.float32)
            for i0, i1 in _chunks(n, rows * kh * kw * c):
                for k in range(g):
                    cols = _columns(x[i0:i1, :, :, k * c:(k + 1) * c], kh, kw, self.stride, oh, ow)
                    gw[k] += cols.T @ gy2[i0 * rows:i1 * rows, k * o:(k + 1) * o]
            out[1] = gw.reshape(W.shape)
        if 3 in indexes:  # the per-sample bias: sum over positions, then over samples for b
            out[3] = gy.sum(axis=(1, 2))
            out[2] = out[3].sum(axis=0)
        else:
            out[2] = gy2.sum(axis=0)
        return tuple(chainer.Variable(out[i]) for i in indexes)


class DeconvolutionNHWC(function_node.FunctionNode):
    """The adjoint of ConvolutionNHWC (one group), cropped by `pad` on every side, plus bias.

    With W (kh, kw, O, C) the weight of a conv from O to C channels, the deconvolution maps
    x (N, H, W, C) to y (N, s(H-1)+kh-2p, s(W-1)+kw-2p, O).
    """

    def __init__(self, stride, pad):
        self.stride, self.pad = stride, pad

    def forward(self, inputs):
        x, W, b = inputs
        self.retain_inputs((0, 1))
        kh, kw, o, _ = W.shape
        n, h, w, _ = x.shape
        full_h, full_w = self.stride * (h - 1) + kh, self.stride * (w - 1) + kw
        full = np.empty((n, full_h, full_w, o), np.float32)
        _input_grad(x, W, self.stride, full_h, full_w, full)
        p = self.pad
        y = full[:, p:full_h - p, p:full_w - p] + b
        return y,

    def backward(self, indexes, grad_outputs):
        x, W = (v.array for v in self.get_retained_inputs())
        kh, kw, o, c = W.shape
        n, h, w, _ = x.shape
        gy = grad_outputs[0].array
        p = self.pad
        full = np.zeros((n, gy.shape[1] + 2 * p, gy.shape[2] + 2 * p, o), np.float32)
        full[:, p:p + gy.shape[1], p:p + gy.shape[2]] = gy
        cols = _columns(full, kh, kw, self.stride, h, w)
        out = {0: lambda: (cols @ W.reshape(kh * kw * o, c)).reshape(x.shape),
               1: lambda: (cols.T @ x.reshape(n * h * w, c)).reshape(W.shape),
               2: lambda: gy.sum(axis=(0, 1, 2))}
        return tuple(chainer.Variable(out[i]()) for i in indexes)


def deconvolution_nhwc(x, W, b, stride, pad):
    """Transposed convolution of channels-last images (see DeconvolutionNHWC).

    Args:
        x: float32 (N, H, W, C).
        W: float32 (kh, kw, O, C); the kernel must be a multiple of the stride.
        b: float32 (O,).

    Returns:
        float32 (N, stride * (H - 1) + kh - 2 * pad, stride * (W - 1) + kw - 2 * pad, O).
    """
    return DeconvolutionNHWC(stride, pad).apply((x, W, b))[0]


def convolution_nhwc(x, W, b, stride=1, sample_bias=None, relu=False, output=None):
    """Valid (unpadded) grouped convolution of channels-last images, optionally + ReLU.

    Args:
        x: float32 (N, H, W, g*C).
        W: float32 (g, kh, kw, C, O).
        b: float32 (g*O,).
        stride: the same in both directions; with stride > 1 the kernel must be a multiple of it.
        sample_bias: optional float32 (N, g*O) added at every position of sample n.
        relu: apply max(., 0) to the output (fused: no separate activation map).
        output: optional float32 array, the result of this very call computed earlier (same
            inputs and parameters): returned as the output without computing it; the
            gradients are the same as without it.

    Returns:
        float32 (N, (H - kh) // stride + 1, (W - kw) // stride + 1, g*O).
    """
    inputs = (x, W, b) if sample_bias is None else (x, W, b, sample_bias)
    return ConvolutionNHWC(stride, relu, output).apply(inputs)[0]


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
