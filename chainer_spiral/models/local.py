"""What the image holds where a stroke goes, for the heads that choose its size, pressure and
colour (`model.local_features`).

In chainer_spiral's decoder the non-spatial heads (the draw flag; the paper's size, pressure,
red, green, blue) read only the running code z: the LSTM's summary of the whole image, and each
chosen grid point as one embedded scalar. A stroke's colour should come from what the target
holds where the stroke goes, which that summary barely keeps. With local features, the image
is described at the grid's resolution,

    image (N, H, W, C) -> average pooled to (N, R, R, C) -> [pooled, ReLU(5x5 conv, 16)]

(C + 16 numbers per grid cell: the canvas's and the target's mean colours there and a learned
description of their neighbourhood), and each non-spatial head reads, beside z, those numbers at
the pen's grid point before the step and at each grid point chosen so far in the step (the
paper's end and control points; chainer_spiral's position).
"""
import chainer
import chainer.functions as F
import numpy as np
from chainer import initializers

from chainer_spiral.models.conv import ConvolutionNHWCLink, average_pooling_nhwc

LOCAL_CHANNELS = 16


class LocalMaps:
    """Per-cell features of N images, gathered at grid points.

    Args:
        cells: Variable (N * R * R, K), the features of cell p of image i at row i * R * R + p.
        n: N.
        pens: int (N,) the pen's grid point before the step (kept as `pens`).
    """

    def __init__(self, cells, n, pens):
        self.cells, self.n = cells, n
        self.per_image = cells.shape[0] // n
        self.pens = np.asarray(pens, np.int64)
        self.start = self.at(pens)

    def at(self, points):
        """int (N,) grid points -> Variable (N, K), image i's features at points[i]."""
        rows = np.arange(self.n) * self.per_image + np.asarray(points, np.int64)
        return F.get_item(self.cells, rows)


class LocalFeatures(chainer.Chain):
    """images -> LocalMaps (see the module docstring).

    Args:
        imsize: H = W of the images, a multiple of R.
        in_channels: C of the images (canvas, target, coordinate channels).
        R: grid side.
    """

    def __init__(self, imsize, in_channels, R):
        super().__init__()
        if imsize % R:
            raise ValueError(f'local_features: expected imsize a multiple of pos_resolution, '
                             f'got {imsize} and {R}')
        self.R, self.pool = R, imsize // R
        self.size = in_channels + LOCAL_CHANNELS
        with self.init_scope():
            self.conv = ConvolutionNHWCLink(in_channels, LOCAL_CHANNELS, 5, pad=2,
                                            initialW=initializers.HeNormal())

    def forward(self, images, pens):
        """images float32 (N, H, W, C) channels-last; pens int (N,) the pen's grid point before
        the step -> LocalMaps of K = C + 16 features per cell."""
        n = len(images)
        x = average_pooling_nhwc(images, self.pool)
        h = F.concat((x, self.conv(x, relu=True)), axis=3)
        cells = F.reshape(h, (n * self.R * self.R, self.size))
        return LocalMaps(cells, n, pens)
