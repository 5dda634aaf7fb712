"""The NHWC convolution kernels against Chainer's own NCHW functions (values and gradients)."""
import importlib.util
import platform

import cffi
import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np
import pytest

from chainer_spiral.models import conv
from chainer_spiral.models.conv import (ConvNHWC, ConvolutionNHWCLink, average_pooling_nhwc,
                                        convolution_nhwc, deconvolution_nhwc)


def nchw(x):
    return F.transpose(x, (0, 3, 1, 2))


def nhwc(x):
    return F.transpose(x, (0, 2, 3, 1))


def grads_match(ours, reference, out_ours, out_ref, rng):
    g = rng.randn(*out_ours.shape).astype(np.float32)
    F.sum(out_ours * g).backward()
    F.sum(out_ref * g).backward()
    for a, b in zip(ours, reference):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('n, size, c, o, k, stride, groups', [
    (3, 12, 2, 5, 4, 2, 2),   # stride-2 4x4, even input
    (2, 9, 1, 4, 5, 1, 1),    # the 5x5 first layer
    (2, 13, 3, 2, 4, 2, 1),   # odd input: some input rows get fewer taps
    (2, 29, 3, 2, 4, 2, 2),
    (1, 7, 2, 3, 2, 2, 1),
    (2, 30, 32, 32, 4, 2, 2),  # the encoder's stride-2 layers (16-column tiles)
    (1, 24, 1, 64, 5, 1, 1),   # its first layer: 400 output pixels, two weight-gradient tiles
    (2, 11, 3, 24, 3, 1, 1),   # 16 + 8 columns
])
def test_convolution_matches_chainer(n, size, c, o, k, stride, groups):
    rng = np.random.RandomState(0)
    arrays = (rng.randn(n, size, size, groups * c), rng.randn(groups, k, k, c, o),
              rng.randn(groups * o), rng.randn(n, groups * o))
    ours = [chainer.Variable(a.astype(np.float32)) for a in arrays]
    ref = [chainer.Variable(a.astype(np.float32)) for a in arrays]
    y = convolution_nhwc(*ours[:3], stride=stride, sample_bias=ours[3])
    x, W, b, sb = ref
    parts = [F.convolution_2d(nchw(x[:, :, :, g * c:(g + 1) * c]),
                              F.transpose(W[g], (3, 2, 0, 1)), stride=stride)
             for g in range(groups)]
    y_ref = nhwc(F.concat(parts, axis=1))
    y_ref = y_ref + F.broadcast_to(F.reshape(sb, (n, 1, 1, -1)), y_ref.shape)
    y_ref = y_ref + F.broadcast_to(b, y_ref.shape)
    assert y.shape == y_ref.shape == (n, (size - k) // stride + 1, (size - k) // stride + 1,
                                      groups * o)
    np.testing.assert_allclose(y.array, y_ref.array, rtol=1e-4, atol=1e-4)
    grads_match(ours, ref, y, y_ref, rng)


@pytest.mark.parametrize('O, kt, accumulate, bias, relu, dtype', [
    (37, None, False, False, False, np.float32),  # two 16-column tiles and 5 single columns
    (29, 7, True, True, True, np.float32),        # 16 + 8 + 5 columns, reduction in tiles of 7
    (8, 3, False, True, False, np.float32),
    (15, 6, True, True, True, np.float64),        # 8 + 4 + 3 columns
])
def test_implicit_gemm_matches_numpy(O, kt, accumulate, bias, relu, dtype):
    rng = np.random.RandomState(4)
    x = rng.randn(500).astype(dtype)
    R, K = 13, 20  # 13 rows: two full 6-row tiles and one of a single row
    row_base, red_off = rng.randint(0, 250, R), rng.randint(0, 250, K)
    B = rng.randn(K, O + 3).astype(dtype)
    out = rng.randn(R * 50).astype(dtype)
    out_row = rng.permutation(R) * 50 + 2
    b = rng.randn(100).astype(dtype)
    bias_row = rng.randint(0, 60, R)
    expected = out.copy()
    value = x[row_base[:, None] + red_off] @ B[:, 1:O + 1]
    cells = out_row[:, None] + np.arange(O)
    value += expected[cells] if accumulate else 0
    value += b[bias_row[:, None] + np.arange(O)] if bias else 0
    expected[cells] = np.maximum(value, 0) if relu else value
    conv._igemm(x, row_base, red_off, B, (1, O), out, out_row, kt=kt, accumulate=accumulate,
                bias=b if bias else None, bias_row=bias_row, relu=relu)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('n, size, c, o', [(3, 2, 5, 4), (2, 4, 3, 2), (2, 16, 8, 8)])
def test_deconvolution_matches_chainer(n, size, c, o):
    rng = np.random.RandomState(2)
    arrays = (rng.randn(n, size, size, c), rng.randn(4, 4, o, c), rng.randn(o))
    ours = [chainer.Variable(a.astype(np.float32)) for a in arrays]
    ref = [chainer.Variable(a.astype(np.float32)) for a in arrays]
    y = deconvolution_nhwc(*ours, stride=2, pad=1)
    x, W, b = ref
    y_ref = nhwc(F.deconvolution_2d(nchw(x), F.transpose(W, (3, 2, 0, 1)), b, stride=2, pad=1))
    assert y.shape == (n, 2 * size, 2 * size, o)
    np.testing.assert_allclose(y.array, y_ref.array, rtol=1e-4, atol=1e-4)
    grads_match(ours, ref, y, y_ref, rng)


@pytest.mark.skipif(platform.machine() != 'x86_64', reason='the AVX2 clone exists on x86-64 only')
def test_baseline_build_gives_the_results_of_the_avx2_one(tmp_path, monkeypatch):
    """The kernel's build for CPUs without AVX2 (the other target clone: this machine runs the
    AVX2 one) computes the same convolution and gradients."""
    from chainer_spiral.models import _conv_build as build
    ffi = cffi.FFI()
    ffi.cdef(build.CDEF)
    ffi.set_source('_conv_baseline', build.SOURCE,
                   extra_compile_args=build.COMPILE_ARGS + ['-DSPIRAL_CLONES=', '-march=x86-64'])
    path = ffi.compile(tmpdir=str(tmp_path))
    spec = importlib.util.spec_from_file_location('_conv_baseline', path)
    baseline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(baseline)
    rng = np.random.RandomState(7)
    arrays = [a.astype(np.float32) for a in (rng.randn(3, 14, 14, 64), rng.randn(2, 4, 4, 32, 29),
                                             rng.randn(58), rng.randn(3, 58))]
    results = []
    for kernel in (conv._get_kernel(), baseline):
        monkeypatch.setattr(conv, '_kernel', kernel)
        variables = [chainer.Variable(a) for a in arrays]
        y = convolution_nhwc(*variables[:3], stride=2, sample_bias=variables[3], relu=True)
        F.sum(y * y).backward()
        results.append([y.array] + [v.grad for v in variables])
    for a, b in zip(*results):  # FMA or not: float32 rounding differs, relative to the scale
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * np.abs(a).max())


def test_missing_kernel_extension_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(conv, '_kernel', None)
    monkeypatch.setattr(conv, 'EXTENSION', 'chainer_spiral.models._no_such_kernel')
    x = np.zeros((1, 4, 4, 1), np.float32)
    with pytest.raises(ImportError, match=r'_no_such_kernel: the cffi extension is not built '
                                          r'.*run `bash scripts/install.sh`'):
        convolution_nhwc(x, np.zeros((1, 2, 2, 1, 8), np.float32))


def test_conv_link_initialisation_scale():
    np.random.seed(0)
    link = ConvNHWC(32, 32, 4, stride=2)
    assert link.W.shape == (4, 4, 32, 32) and link.b.shape == (32,)
    # LeCun normal: std sqrt(1 / fan_in), fan_in = 4 * 4 * 32.
    assert abs(link.W.array.std() - np.sqrt(1 / 512)) < 0.003
    assert not link.b.array.any()


@pytest.mark.parametrize('size, c, o, k, stride, pad', [
    (64, 1, 16, 3, 1, 1),  # the discriminator's layers at imsize 64
    (64, 16, 32, 3, 2, 1),  # kernel not a multiple of the stride
    (32, 32, 48, 2, 2, 1),
    (9, 3, 5, 3, 2, 1),
    (8, 2, 3, 3, 2, 0),
])
def test_padded_convolution_matches_chainer(size, c, o, k, stride, pad):
    rng = np.random.RandomState(5)
    arrays = (rng.randn(2, size, size, c), rng.randn(1, k, k, c, o), rng.randn(o))
    ours = [chainer.Variable(a.astype(np.float32)) for a in arrays]
    ref = [chainer.Variable(a.astype(np.float32)) for a in arrays]
    y = convolution_nhwc(*ours, stride=stride, pad=pad)
    x, W, b = ref
    y_ref = nhwc(F.convolution_2d(nchw(x), F.transpose(W[0], (3, 2, 0, 1)), b, stride=stride,
                                  pad=pad))
    assert y.shape == y_ref.shape
    np.testing.assert_allclose(y.array, y_ref.array, rtol=1e-4, atol=1e-4)
    grads_match(ours, ref, y, y_ref, rng)


def test_second_order_gradients_match_chainer():
    """The gradient penalty's double backprop: d/dW and d/dx of |dL/dx|^2 through two convs."""
    rng = np.random.RandomState(6)
    arrays = (rng.randn(2, 9, 9, 2), rng.randn(1, 3, 3, 2, 4), rng.randn(1, 2, 2, 4, 3))
    results = []
    for nhwc_kernels in (True, False):
        x, W1, W2 = [chainer.Variable(a.astype(np.float32)) for a in arrays]
        if nhwc_kernels:
            h = F.tanh(convolution_nhwc(x, W1, stride=2, pad=1))
            y = convolution_nhwc(h, W2, stride=2, pad=1)
        else:
            h = F.tanh(F.convolution_2d(nchw(x), F.transpose(W1[0], (3, 2, 0, 1)), stride=2,
                                        pad=1))
            y = nhwc(F.convolution_2d(h, F.transpose(W2[0], (3, 2, 0, 1)), stride=2, pad=1))
        gx, = chainer.grad([F.sum(F.square(y))], [x], enable_double_backprop=True)
        F.sum(F.square(gx)).backward()
        results.append([gx.array, x.grad, W1.grad, W2.grad])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_fused_relu_equals_relu_of_the_convolution():
    rng = np.random.RandomState(3)
    arrays = (rng.randn(2, 10, 10, 4), rng.randn(2, 4, 4, 2, 3), rng.randn(6))
    ours = [chainer.Variable(a.astype(np.float32)) for a in arrays]
    ref = [chainer.Variable(a.astype(np.float32)) for a in arrays]
    y = convolution_nhwc(*ours, stride=2, relu=True)
    y_ref = F.relu(convolution_nhwc(*ref, stride=2))
    assert (y.array == 0).any() and (y.array > 0).any()
    np.testing.assert_array_equal(y.array, y_ref.array)
    grads_match(ours, ref, y, y_ref, rng)


def test_given_output_is_returned_and_gives_the_same_gradients():
    rng = np.random.RandomState(4)
    arrays = (rng.randn(2, 10, 10, 4), rng.randn(2, 4, 4, 2, 3), rng.randn(6), rng.randn(2, 6))
    ours = [chainer.Variable(a.astype(np.float32)) for a in arrays]
    ref = [chainer.Variable(a.astype(np.float32)) for a in arrays]
    y_ref = convolution_nhwc(*ref[:3], stride=2, sample_bias=ref[3], relu=True)
    kept = y_ref.array.copy()
    y = convolution_nhwc(*ours[:3], stride=2, sample_bias=ours[3], relu=True, output=kept)
    assert y.array is kept
    grads_match(ours, ref, y, y_ref, rng)


def test_given_output_of_the_wrong_shape_is_an_error():
    x = np.zeros((1, 10, 10, 1), np.float32)
    W, b = np.ones((1, 4, 4, 1, 1), np.float32), np.zeros(1, np.float32)
    with pytest.raises(ValueError, match=r'expected float32 \(1, 4, 4, 1\), got float32'):
        convolution_nhwc(x, W, b, 2, output=np.zeros((1, 3, 4, 1), np.float32))


def _nchw_reference(link, x, relu):
    """What Chainer's own NCHW link computes on channels-last x, back in channels-last."""
    h = L.Convolution2D.forward(link, x.transpose(0, 3, 1, 2))
    h = F.relu(h) if relu else h
    return h.array.transpose(0, 2, 3, 1)


@pytest.mark.parametrize('ksize,pad,relu', [(5, 2, True), (1, 0, False), (3, 1, False)])
def test_the_nhwc_link_computes_what_chainers_nchw_link_does(ksize, pad, relu):
    rng = np.random.RandomState(0)
    link = ConvolutionNHWCLink(6, 4, ksize, pad=pad)
    link.b.array[...] = rng.randn(4)
    x = rng.rand(3, 8, 8, 6).astype(np.float32)
    y = link(x, relu=relu)
    np.testing.assert_allclose(y.array, _nchw_reference(link, x, relu), rtol=1e-4, atol=1e-5)
    # and its gradients: the weight's, through the same loss
    gy = rng.randn(*y.shape).astype(np.float32)
    link.cleargrads()
    F.sum(y * gy).backward()
    ours = link.W.grad.copy()
    link.cleargrads()
    h = L.Convolution2D.forward(link, x.transpose(0, 3, 1, 2))
    F.sum((F.relu(h) if relu else h) * gy.transpose(0, 3, 1, 2)).backward()
    np.testing.assert_allclose(ours, link.W.grad, rtol=1e-4, atol=1e-4)


def test_average_pooling_nhwc_is_chainers_average_pooling():
    x = np.random.RandomState(1).rand(2, 8, 12, 3).astype(np.float32)
    ours = average_pooling_nhwc(x, 4).array
    theirs = F.average_pooling_2d(x.transpose(0, 3, 1, 2), 4).array.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
