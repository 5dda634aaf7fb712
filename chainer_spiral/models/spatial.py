"""A spatial path to the grid heads: per-cell logits computed from the image where it is.

In chainer_spiral's policy a grid position is chosen from the LSTM's 256 numbers, deconvolved
back to R x R: where the target's ink is must pass through that bottleneck before the policy can
point at it. `model.spatial_skip` adds to each grid head's logits a map computed by a small
fully convolutional net on the same image at the grid's resolution (as the spatial action heads
of DeepMind's StarCraft II agents), so "put the pen where ink is missing" is a local rule:

    image (N, H, W, C) -> average pooled to (N, R, R, C), plus a one-hot channel at the pen's
    grid point -> 5x5 conv (16, ReLU) -> 5x5 conv (16, ReLU) -> 1x1 conv (one map per grid head)

(channels-last, on conv.py's kernels; the weights are Chainer's Convolution2D's).

The last layer starts at zero, so a new policy is the same as without the skip.
"""
import chainer
import chainer.functions as F
import numpy as np
from chainer import initializers

from chainer_spiral.models.conv import ConvolutionNHWCLink, average_pooling_nhwc

SKIP_CHANNELS = 16


class SpatialSkip(chainer.Chain):
    """images + pen grid points -> logits added to the grid heads (see the module docstring).

    Args:
        imsize: H = W of the images, a multiple of R.
        in_channels: C of the images (canvas, target, coordinate channels).
        R: grid side.
        n_maps: grid heads.
    """

    def __init__(self, imsize, in_channels, R, n_maps):
        super().__init__()
        if imsize % R:
            raise ValueError(f'spatial_skip: expected imsize a multiple of pos_resolution, '
                             f'got {imsize} and {R}')
        self.R, self.pool = R, imsize // R
        with self.init_scope():
            self.c1 = ConvolutionNHWCLink(in_channels + 1, SKIP_CHANNELS, 5, pad=2,
                                          initialW=initializers.HeNormal())
            self.c2 = ConvolutionNHWCLink(SKIP_CHANNELS, SKIP_CHANNELS, 5, pad=2,
                                          initialW=initializers.HeNormal())
            self.out = ConvolutionNHWCLink(SKIP_CHANNELS, n_maps, 1,
                                           initialW=initializers.Zero())

    def forward(self, images, pens):
        """images float32 (N, H, W, C) channels-last; pens int (N,) the pen's grid point before
        the step -> logits (N, n_maps, R * R), row-major like the grid heads."""
        n, R = len(images), self.R
        pen = np.zeros((n, R * R, 1), np.float32)
        pen[np.arange(n), np.asarray(pens), 0] = 1
        h = F.concat((average_pooling_nhwc(images, self.pool), pen.reshape(n, R, R, 1)), axis=3)
        h = self.c2(self.c1(h, relu=True), relu=True)
        return F.transpose(F.reshape(self.out(h), (n, R * R, -1)), (0, 2, 1))

