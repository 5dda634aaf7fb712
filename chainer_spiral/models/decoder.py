"""chainer_spiral's autoregressive action decoder, generalised to any list of heads.

Each head turns the running code z (N, Z) into logits; a chosen action a_i (sampled while
acting, the stored one while learning) updates the code before the next head:
    z <- sigmoid(Linear(concat(z, sigmoid(Linear(1, 16)(a_i normalised)))))
as chainer_spiral conditioned the draw/jump flag on the sampled position.

Grid heads (R x R logits) upsample z reshaped to a 2x2 map of 64 channels through 4x4
stride-2 deconvolutions (pad 1) with sigmoid activations (64, 32, 16, 8, 8, ... channels) and
a 3x3 conv (pad 1) to one channel, when R is a power of two >= 4 and Z = 256 (R = 32: four
deconvolutions, as in chainer_spiral); otherwise (e.g. ToyEnv's R = 3) a linear layer from z to
R^2 logits. The maps are channels-last and use the NHWC kernels of conv.py.

`position_activation='relu'` puts ReLUs between the deconvolutions instead, with He-initialised
weights: the sigmoid stack saturates and learns slowly (docs/results.md).

With `local_size` K > 0 (`model.local_features`, models/local.py) each non-spatial head reads
concat(z, features at the pen's grid point, features at each grid point chosen before it),
K numbers per point, instead of z alone.

With `colour` (`model.colour_prior`: the indices of the target's red, green and blue among the K
local features) the heads named red, green and blue add to their logits

    a_c * -(k - (n - 1) t_c)^2 / 2,   k = 0 .. n - 1,

where t_c in [0, 1] is the target's channel c averaged over the grid cells of the stroke's
three points (the pen, the end and the control point: the grid heads' choices) and a_c a learned
scale from COLOUR_PRIOR_SCALE: a new policy paints, within about a bin, the target's colour
along its stroke. Adam moves a weight by about its learning rate per update, so a linear head
would need thousands of updates to make its logits this sharp in a feature in [0, 1].

With `control_prior` (`model.control_prior`: with local features, which carry the pen's grid
point, and the paper's action space) the control head adds to its logits

    b * -|g - m|^2 / (2 (R / 8)^2)   for each grid point g (in cells),

with m the midpoint of the pen's grid point and the end point chosen in the step and b a
learned scale from CONTROL_PRIOR_SCALE: a new policy bends its strokes little, so that the
colour prior's third point lies on the stroke.
"""
import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np
from chainer import initializers

from chainer_spiral.models.conv import ConvNHWC, deconvolution_nhwc

ACTION_EMBED = 16
COLOUR_HEADS = ('red', 'green', 'blue')
# The colour prior's initial scale: the target's bin 2 nats above its neighbours, so that a new
# policy samples within a bin of it (about 0.05 in intensity) most of the time.
COLOUR_PRIOR_SCALE = 4.0
# The control prior's initial scale: a control point R / 8 cells from the midpoint is half a nat
# less likely than the midpoint.
CONTROL_PRIOR_SCALE = 1.0
ACTIVATIONS = {'sigmoid': F.sigmoid, 'relu': F.relu}
# Weight scale times sqrt(1 / fan-in) of each activation's initialisation: LeCun, He.
_INIT_GAIN = {'sigmoid': 1.0, 'relu': np.sqrt(2.0)}


def _deconv_layers(R):
    """Deconvolutions from 2x2 to RxR, or 0 when the deconv head does not apply."""
    n, size = 0, 2
    while size < R:
        size, n = size * 2, n + 1
    return n if size == R and n >= 1 else 0


class DeconvNHWC(chainer.Link):
    """Parameters of a 4x4 stride-2 pad-1 deconvolution: W (4, 4, O, C), b (O,)."""

    def __init__(self, in_channels, out_channels, gain=1.0):
        super().__init__()
        with self.init_scope():
            # LeCun (gain 1) or He (gain sqrt 2) normal with the fan-in Chainer's
            # Deconvolution2D uses (out * kh * kw).
            self.W = chainer.Parameter(initializers.Normal(gain / np.sqrt(out_channels * 16)),
                                       (4, 4, out_channels, in_channels))
            self.b = chainer.Parameter(0.0, (out_channels,))

    def forward(self, x):
        """x (N, H, W, C) -> (N, 2H, 2W, O)."""
        return deconvolution_nhwc(x, self.W, self.b, stride=2, pad=1)


class GridHead(chainer.Chain):
    """z (N, Z) -> logits (N, R*R), row-major (grid point p is column p % R, row p // R).

    Args:
        activation: between the deconvolutions, 'sigmoid' or 'relu' (a key of ACTIVATIONS).
    """

    def __init__(self, z_size, R, activation='sigmoid'):
        super().__init__()
        self.R = R
        self.activation = ACTIVATIONS[activation]
        n = _deconv_layers(R) if z_size == 256 else 0
        self.deconv = n > 0
        with self.init_scope():
            if self.deconv:
                channels = [64] + [max(64 >> (i + 1), 8) for i in range(n)]
                self.ups = chainer.ChainList(*[
                    DeconvNHWC(channels[i], channels[i + 1], _INIT_GAIN[activation])
                    for i in range(n)])
                self.last = ConvNHWC(channels[-1], 1, 3)
            else:
                self.last = L.Linear(z_size, R * R)

    def forward(self, z):
        if not self.deconv:
            return self.last(z)
        h = F.reshape(z, (z.shape[0], 2, 2, 64))
        for up in self.ups:
            h = self.activation(up(h))
        h = F.pad(h, ((0, 0), (1, 1), (1, 1), (0, 0)), 'constant')
        return F.reshape(self.last(h), (z.shape[0], self.R * self.R))


class AutoregressiveDecoder(chainer.Chain):
    """The policy's heads (see the module docstring).

    Args:
        spec: ActionSpec (its heads, in sampling order).
        z_size: Z, the LSTM output size.
        position_activation: the grid heads' activation (see GridHead).
        local_size: K, the local features per grid point the non-spatial heads read (0: none).
        colour: the indices of the target's red, green and blue among the K features (the
            colour prior), or None.
        control_prior: the control head's logits favour the midpoint of the pen and the end.
    """

    def __init__(self, spec, z_size, position_activation='sigmoid', local_size=0, colour=None,
                 control_prior=False):
        super().__init__()
        self.spec = spec
        self.colour = None if colour is None else dict(zip(COLOUR_HEADS, colour))
        self.control_prior = control_prior
        # Each grid point's column and row (R * R,), which the control prior measures from.
        self._grid_xy = np.divmod(np.arange(spec.R * spec.R), spec.R)[::-1]
        with self.init_scope():
            if colour is not None:
                self.colour_scale = chainer.Parameter(
                    np.full(len(COLOUR_HEADS), COLOUR_PRIOR_SCALE, np.float32))
            if control_prior:
                self.control_scale = chainer.Parameter(
                    np.full(1, CONTROL_PRIOR_SCALE, np.float32))
            self.heads = chainer.ChainList(*[
                GridHead(z_size, spec.R, position_activation) if h.spatial
                else L.Linear(z_size + local_size * self._points_before(i), h.size)
                for i, h in enumerate(spec.heads)])
            self.embeds = chainer.ChainList(*[L.Linear(1, ACTION_EMBED)
                                              for _ in spec.heads[:-1]])
            self.mixers = chainer.ChainList(*[L.Linear(z_size + ACTION_EMBED, z_size)
                                              for _ in spec.heads[:-1]])

    def _points_before(self, i):
        """Grid points whose local features head i reads: the pen's, then the grid heads'
        before it."""
        return 1 + sum(h.spatial for h in self.spec.heads[:i])

    def forward(self, z, choose, skip=None, local=None):
        """Run the heads in order.

        Args:
            z: (N, Z) LSTM output.
            choose: `choose(head, log_p) -> int array (N,)` with log_p the head's
                log-probabilities, numpy float32 (N, head.size).
            skip: (N, grid heads, R * R) logits added to the grid heads' in order
                (models/spatial.py), or None.
            local: models/local.LocalMaps of the N steps, read by the non-spatial heads at
                the pen's and the chosen grid points, or None.

        Returns:
            (actions, log_prob, entropy): dict name -> int array (N,); the summed
            log-probability of the chosen actions (N,); the summed entropies of the heads (N,)
            (each head's at the code its predecessors' chosen actions produced).
        """
        actions, log_prob, entropy = {}, 0, 0
        last, grid = len(self.spec.heads) - 1, 0
        points = [] if local is None else [local.start]
        for i, head in enumerate(self.spec.heads):
            logits = self.heads[i](z if head.spatial or local is None
                                   else F.concat([z] + points, axis=1))
            if skip is not None and head.spatial:
                logits, grid = logits + skip[:, grid], grid + 1
            if self.colour is not None and head.name in self.colour:
                logits = logits + self._colour_prior(head, points[:3])
            if self.control_prior and head.name == 'control':
                logits = logits + self._control_prior(local.pens, actions['end'])
            log_p = F.log_softmax(logits)
            a = choose(head, log_p.array)
            actions[head.name] = a
            if local is not None and head.spatial:
                points.append(local.at(a))
            log_prob = log_prob + F.select_item(log_p, a)
            entropy = entropy - F.sum(F.exp(log_p) * log_p, axis=1)
            if i < last:
                a_in = self.spec.normalise(head, a)[:, None]
                e = F.sigmoid(self.embeds[i](a_in))
                z = F.sigmoid(self.mixers[i](F.concat((z, e), axis=1)))
        return actions, log_prob, entropy

    def _control_prior(self, pens, ends):
        """The control prior's logits (N, R * R) from the pen's and the end's grid points
        int (N,)."""
        R = self.spec.R
        x, y = self._grid_xy
        mid_x = (pens % R + ends % R) / 2
        mid_y = (pens // R + ends // R) / 2
        d2 = np.square(x[None, :] - mid_x[:, None]) + np.square(y[None, :] - mid_y[:, None])
        prior = (-0.5 * d2 / (R / 8) ** 2).astype(np.float32)
        return F.broadcast_to(self.control_scale, prior.shape) * prior

    def _colour_prior(self, head, points):
        """The colour prior's logits (N, n) of a colour head from the local features (N, K) at
        the stroke's three points (the pen, the end and the control point)."""
        c = COLOUR_HEADS.index(head.name)
        t = sum(p[:, self.colour[head.name]] for p in points) / len(points)
        bins = np.arange(head.size, dtype=np.float32)
        prior = -0.5 * (bins[None, :] - (head.size - 1) * F.broadcast_to(
            t[:, None], (len(t), head.size))) ** 2
        return F.broadcast_to(self.colour_scale[c], prior.shape) * prior
