"""chainer_spiral's discriminator: six LeakyReLU convolutions and a linear output.

Layers (NCHW): 3x3/1 (16), 3x3/2 (32), 2x2/2 (48), 2x2/2 (48), 2x2/2 (64), 2x2/2 (64), all
padded by 1, LeakyReLU(0.2); Linear(1). At imsize 64 the maps are 64, 32, 17, 9, 5, 3 wide.
The same stack runs on any imsize >= 1 (ToyEnv's 3x3 gives 3, 2, 2, 2, 2, 2).
When conditional, the target is concatenated as extra input channels.
The parameters are Chainer's Convolution2D links (NCHW weights; spectral normalisation hooks
them as usual), but the maps run channels-last through conv.py's kernels, which the WGAN-GP
penalty can differentiate twice.
The LeakyReLU is activations.leaky_relu (Chainer's, on a boolean mask: see there).
"""
import chainer
import chainer.functions as F
import chainer.links as L
from chainer.link_hooks import SpectralNormalization

from chainer_spiral.models.activations import leaky_relu
from chainer_spiral.models.conv import ConvolutionNHWCLink

# (out_channels, ksize, stride); every conv pads by 1.
LAYERS = ((16, 3, 1), (32, 3, 2), (48, 2, 2), (48, 2, 2), (64, 2, 2), (64, 2, 2))


def _map_size(imsize):
    size = imsize
    for _, k, s in LAYERS:
        size = (size + 2 - k) // s + 1
    return size


class Discriminator(chainer.Chain):
    """Image (and target) -> unbounded score (see the module docstring).

    Args:
        imsize: image side.
        channels: C of one image.
        conditional: the target is a second input, concatenated on channels.
        spectral_norm: spectral normalisation on every layer
            (`chainer.link_hooks.SpectralNormalization`).
    """

    def __init__(self, imsize, channels, conditional=False, spectral_norm=False):
        super().__init__()
        self.conditional = conditional
        in_channels = channels * (2 if conditional else 1)
        with self.init_scope():
            convs = []
            for out_channels, k, s in LAYERS:
                convs.append(ConvolutionNHWCLink(in_channels, out_channels, ksize=k, stride=s,
                                                  pad=1))
                in_channels = out_channels
            self.convs = chainer.ChainList(*convs)
            self.out = L.Linear(_map_size(imsize) ** 2 * in_channels, 1)
        if spectral_norm:
            for link in list(self.convs) + [self.out]:
                link.add_hook(SpectralNormalization())

    def forward(self, x, target=None):
        """x: (N, C, H, W) in [0, 1]; target: (N, C, H, W) when conditional -> scores (N,)."""
        if self.conditional:
            if target is None:
                raise ValueError('Discriminator: expected a target image (conditional), got None')
            x = F.concat((x, target), axis=1)
        h = F.transpose(x, (0, 2, 3, 1))
        for conv in self.convs:
            h = leaky_relu(conv(h), slope=0.2)
        # Flattened in NCHW order, as the Linear layer's weight was trained.
        return F.reshape(self.out(F.transpose(h, (0, 3, 1, 2))), (-1,))
