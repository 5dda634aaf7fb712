"""The observation encoder of chainer_spiral's policy and value networks.

Conv variant (imsize >= 26; chainer_spiral's design at imsize 64): a 5x5 conv (32 channels)
on the image, ReLU, plus a ReLU embedding of the previous action broadcast over the feature
map; three 4x4 stride-2 convs (32 channels, ReLU); a linear layer to `hidden` (ReLU).
At imsize 64 the maps are 60, 29, 13 and 5 pixels wide (5 * 5 * 32 = 800 features).

MLP variant (smaller images, e.g. ToyEnv's 3x3; chainer_spiral had a separate toy model):
a linear layer (64) on the flattened image, ReLU, plus the action embedding, then the linear
layer to `hidden` (ReLU).

Images are channels-last (N, H, W, C) float32 in [0, 1]. The policy's and the value's
encoders (separate parameters, as in chainer_spiral) run together in `TwinEncoder`: their first
layers read the same input, so they run as one layer with both weight sets side by side, and
the later convolutions run as one grouped convolution (group 0 policy, group 1 value).
"""
import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np
from chainer import initializers

from chainer_spiral.models.conv import ConvNHWC, convolution_nhwc

MIN_CONV_IMSIZE = 26
CONV_CHANNELS = 32
MLP_WIDTH = 64


def conv_map_sizes(imsize):
    """Sides of the maps after each stride-2 conv: valid 5x5, then three valid 4x4 stride 2."""
    sizes = [imsize - 4]
    for _ in range(3):
        sizes.append((sizes[-1] - 4) // 2 + 1)
    return sizes[1:]


def conv_feature_size(imsize):
    """Side of the last conv map."""
    return conv_map_sizes(imsize)[-1]


class FieldEmbedding(chainer.Chain):
    """One Linear(1, width / n_fields) per action field, run as one masked Linear.

    chainer_spiral embedded each previous-action scalar with its own Linear(1, 16); this is
    the same function with a block-diagonal weight, so all fields cost one matmul.

    Args:
        n_fields: action fields (one scalar each).
        width: output features, divisible by n_fields.
    """

    def __init__(self, n_fields, width):
        super().__init__()
        if width % n_fields:
            raise ValueError(f'FieldEmbedding: expected width divisible by n_fields, '
                             f'got width {width} and {n_fields} fields')
        k = width // n_fields
        with self.init_scope():
            # Each Linear(1, k) of Chainer draws LeCun normal with fan-in 1: N(0, 1).
            self.linear = L.Linear(n_fields, width, initialW=initializers.Normal(1.0))
        self._mask = np.zeros((width, n_fields), np.float32)
        for i in range(n_fields):
            self._mask[i * k:(i + 1) * k, i] = 1

    def forward(self, feats):
        """feats: (N, n_fields) -> (N, width)."""
        return F.linear(feats, self.linear.W * self._mask, self.linear.b)


class Encoder(chainer.Chain):
    """Image + previous action -> `hidden` features (see the module docstring).

    Args:
        imsize: image side H = W.
        in_channels: image channels (canvas, plus target channels when conditional).
        hidden: output features.
        n_fields: previous-action fields (ActionSpec.heads).
    """

    def __init__(self, imsize, in_channels, hidden, n_fields):
        super().__init__()
        self.conv = imsize >= MIN_CONV_IMSIZE
        width = CONV_CHANNELS if self.conv else MLP_WIDTH
        with self.init_scope():
            if self.conv:
                self.first = ConvNHWC(in_channels, width, 5)
                self.c2 = ConvNHWC(width, width, 4, stride=2)
                self.c3 = ConvNHWC(width, width, 4, stride=2)
                self.c4 = ConvNHWC(width, width, 4, stride=2)
                flat = conv_feature_size(imsize) ** 2 * width
            else:
                self.first = L.Linear(imsize * imsize * in_channels, width)
                flat = width
            self.embed = FieldEmbedding(n_fields, width)
            self.out = L.Linear(flat, hidden)

    def tail(self, h):
        """The layers after the (conv or MLP) feature extractor: (N, flat) -> (N, hidden)."""
        return F.relu(self.out(h))


class TwinEncoder(chainer.Chain):
    """The policy's and the value's encoders, run as one network.

    Args:
        imsize: image side H = W.
        in_channels: image channels (canvas, plus target channels when conditional).
        n_fields: previous-action fields (ActionSpec.heads).
        pi_hidden, v_hidden: output features of the two encoders.
        pi_first_mask: optional 0/1 array of the policy's first-layer weight shape (blind).
    """

    def __init__(self, imsize, in_channels, n_fields, pi_hidden, v_hidden,
                 pi_first_mask=None):
        super().__init__()
        with self.init_scope():
            self.pi = Encoder(imsize, in_channels, pi_hidden, n_fields)
            self.v = Encoder(imsize, in_channels, v_hidden, n_fields)
        self.conv = self.pi.conv
        self.pi_first_mask = pi_first_mask
        # Per-sample shapes of the maps that encode_with_maps returns.
        self.map_shapes = ([(n, n, 2 * CONV_CHANNELS) for n in conv_map_sizes(imsize)]
                           if self.conv else [])

    def forward(self, x, feats):
        """Encode images and previous actions.

        Args:
            x: float32 (N, H, W, C_in).
            feats: float32 (N, F).

        Returns:
            (z_pi (N, pi_hidden), z_v (N, v_hidden)).
        """
        return self.encode_with_maps(x, feats)[:2]

    def encode_with_maps(self, x, feats, maps=None):
        """`forward`, also returning the conv variant's later feature maps.

        The maps (post-ReLU outputs of the three stride-2 convs, both encoders' channels side
        by side) are what backpropagation through those convs needs besides the first layer.
        Given back as `maps` for the same inputs and parameters, they are not recomputed: only
        the cheap first layer runs, and the gradients are the same as without them.

        Args:
            x: float32 (N, H, W, C_in).
            feats: float32 (N, F).
            maps: None, or the arrays this method returned for these inputs and parameters.

        Returns:
            (z_pi (N, pi_hidden), z_v (N, v_hidden), maps): maps is a tuple of Variables
            (N, H2, W2, 64), (N, H3, W3, 64), (N, H4, W4, 64) (29, 13 and 5 pixels at
            imsize 64), or () for the MLP variant.
        """
        pi, v = self.pi, self.v
        W_pi = pi.first.W if self.pi_first_mask is None else pi.first.W * self.pi_first_mask
        e = F.relu(F.concat((pi.embed(feats), v.embed(feats)), axis=1))
        if self.conv:
            given = (None,) * 3 if maps is None else maps
            W1 = F.expand_dims(F.concat((W_pi, v.first.W), axis=3), 0)
            h = convolution_nhwc(x, W1, F.concat((pi.first.b, v.first.b), axis=0), relu=True)
            # conv2(h + e broadcast) = conv2(h) + (sum over taps of W2)^T e, exactly, for an
            # unpadded conv: the broadcast map is never built.
            e_pi, e_v = F.split_axis(e, 2, axis=1)
            sample_bias = F.concat((F.matmul(e_pi, F.sum(pi.c2.W, axis=(0, 1))),
                                    F.matmul(e_v, F.sum(v.c2.W, axis=(0, 1)))), axis=1)
            h2 = self._grouped(pi.c2, v.c2, h, sample_bias, output=given[0])
            h3 = self._grouped(pi.c3, v.c3, h2, output=given[1])
            h = self._grouped(pi.c4, v.c4, h3, output=given[2])
            maps = (h2, h3, h)
        else:
            flat = F.reshape(x, (x.shape[0], -1))
            h = F.relu(F.linear(flat, F.concat((W_pi, v.first.W), axis=0),
                                F.concat((pi.first.b, v.first.b), axis=0))) + e
            maps = ()
        h_pi, h_v = F.split_axis(h, 2, axis=h.ndim - 1)
        n = x.shape[0]
        return pi.tail(F.reshape(h_pi, (n, -1))), v.tail(F.reshape(h_v, (n, -1))), maps

    @staticmethod
    def _grouped(a, b, h, sample_bias=None, output=None):
        """ReLU(conv) of two layers of the same shape as one grouped convolution."""
        W = F.stack((a.W, b.W))
        return convolution_nhwc(h, W, F.concat((a.b, b.b), axis=0), a.stride, sample_bias,
                                relu=True, output=output)
