"""The SPIRAL generator: chainer_spiral's policy and value networks in one stateless link.

Policy: Encoder(hidden 256) -> LSTM 256 -> AutoregressiveDecoder.
Value:  Encoder(hidden 128) -> LSTM 128 -> Linear(1).
The two encoders have their own parameters, as in chainer_spiral, and run together as a
TwinEncoder (one first layer with both weight sets, grouped convolutions after it).

The recurrent state is passed explicitly, so acting (one step, batch B) and learning
(all T*B encodings in one call, the LSTM stepped over T) use the same functions.

`conditional`: the target image is concatenated to the canvas as extra channels.
`blind` (the paper's ablation): the policy's first layer has its canvas weights masked to zero,
so the policy never sees the canvas (it still sees the target when conditional, and its
previous actions); the value network still sees everything.

`coord_channels`: two constant channels, each pixel's column and row in [0, 1], are appended to
the encoders' input (CoordConv; DeepMind's SPIRAL agents have them).

`spatial_skip`: the grid heads' logits also get a map computed from the image at the grid's
resolution (models/spatial.py), so the position choice can point at what it sees.

`local_features`: the non-spatial heads (flag, size, pressure, colour) also read what the image
holds at the pen's and the chosen grid points (models/local.py), not only the LSTM's summary.

`colour_prior` (with local features, conditional, RGB, the paper's action space): the red,
green and blue heads' logits start peaked at the target's colour along the stroke
(models/decoder.py).

`control_prior` (with local features, the paper's action space): the control head's logits
start peaked at the midpoint of the pen and the end point (models/decoder.py).
"""
import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np

from chainer_spiral.models.decoder import AutoregressiveDecoder
from chainer_spiral.models.encoder import TwinEncoder
from chainer_spiral.models.inputs import network_images, step_inputs
from chainer_spiral.models.local import LocalFeatures
from chainer_spiral.models.spatial import SpatialSkip

POLICY_HIDDEN = 256
VALUE_HIDDEN = 128


class LSTMCore(chainer.Chain):
    """An LSTM whose input projection can run on many time steps at once.

    Initialised as chainer_spiral's L.LSTM: the forget gates' biases start at 1, the others at 0.
    """

    def __init__(self, in_size, hidden):
        super().__init__()
        self.hidden = hidden
        # F.lstm reads the 4H pre-activations as H groups of (a, i, f, o).
        bias = np.zeros((hidden, 4), np.float32)
        bias[:, 2] = 1.0
        with self.init_scope():
            self.upward = L.Linear(in_size, 4 * hidden, initial_bias=bias.reshape(-1))
            self.lateral = L.Linear(hidden, 4 * hidden, nobias=True)

    def step(self, gx, c, h):
        """gx: upward(x) (N, 4H); c, h: (N, H) -> (c, h) after one step."""
        return F.lstm(c, gx + self.lateral(h))


class Generator(chainer.Chain):
    """Policy + value (see the module docstring).

    Args:
        imsize: canvas side.
        channels: C, image channels (1 grayscale, 3 colour).
        spec: ActionSpec of the env's action space.
        conditional: see the module docstring.
        blind: see the module docstring.
        position_activation: 'sigmoid' or 'relu' in the position head (see decoder.GridHead).
        coord_channels, spatial_skip, local_features, colour_prior, control_prior: see the
            module docstring.
    """

    def __init__(self, imsize, channels, spec, conditional=False, blind=False,
                 position_activation='sigmoid', coord_channels=False, spatial_skip=False,
                 local_features=False, colour_prior=False, control_prior=False):
        super().__init__()
        self.imsize, self.channels, self.spec = imsize, channels, spec
        self.conditional, self.blind = conditional, blind
        if blind and spatial_skip:
            raise ValueError('spatial_skip: the skip sees the canvas, so a blind policy cannot '
                             'have it')
        in_channels = channels * (2 if conditional else 1) + (2 if coord_channels else 0)
        self.coords = None
        if coord_channels:
            ramp = np.linspace(0, 1, imsize, dtype=np.float32)
            self.coords = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None]), axis=-1)
        with self.init_scope():
            self.encoder = TwinEncoder(imsize, in_channels, len(spec.heads), POLICY_HIDDEN,
                                       VALUE_HIDDEN)
            self.pi_lstm = LSTMCore(POLICY_HIDDEN, POLICY_HIDDEN)
            self.v_lstm = LSTMCore(VALUE_HIDDEN, VALUE_HIDDEN)
            self.v_out = L.Linear(VALUE_HIDDEN, 1)
            local = LocalFeatures(imsize, in_channels, spec.R) if local_features else None
            # The target's red, green and blue among the local features: the pooled image
            # channels come first, the canvas's C, then the target's C.
            colour = tuple(range(channels, 2 * channels)) if colour_prior else None
            self.decoder = AutoregressiveDecoder(spec, POLICY_HIDDEN, position_activation,
                                                 0 if local is None else local.size, colour,
                                                 control_prior)
            if local is not None:
                self.local = local
            if spatial_skip:
                self.skip = SpatialSkip(imsize, in_channels, spec.R,
                                        sum(h.spatial for h in spec.heads))
        if not spatial_skip:
            self.skip = None
        if not local_features:
            self.local = None
        if colour_prior and not (local_features and conditional and channels == 3
                                 and spec.kind == 'paper'):
            raise ValueError("colour_prior: expected local_features, a conditional RGB policy "
                             "and the paper's action space")
        if control_prior and not (local_features and spec.kind == 'paper'):
            raise ValueError("control_prior: expected local_features and the paper's action "
                             "space")
        if blind and local_features:
            raise ValueError('local_features: they describe the canvas, so a blind policy '
                             'cannot have them')
        if blind:
            self.encoder.pi_first_mask = self._blind_mask(in_channels)

    def _blind_mask(self, in_channels):
        """1 on the policy's first-layer weights that read target (and coordinate) channels, 0 on
        canvas ones."""
        W = self.encoder.pi.first.W.array
        channel_of_input = np.arange(in_channels)
        if self.encoder.conv:  # (5, 5, C_in, O)
            keep = channel_of_input >= self.channels
            return keep.astype(np.float32)[None, None, :, None] * np.ones_like(W)
        # Linear (O, H*W*C_in) over channels-last flattening: input k is channel k % C_in.
        keep = (np.arange(W.shape[1]) % in_channels) >= self.channels
        return np.broadcast_to(keep.astype(np.float32)[None, :], W.shape).copy()

    def initial_state(self, batch):
        """Zero LSTM states: (c_pi, h_pi, c_v, h_v), float32 (B, 256) x2 and (B, 128) x2."""
        pi = np.zeros((batch, POLICY_HIDDEN), np.float32)
        v = np.zeros((batch, VALUE_HIDDEN), np.float32)
        return pi, pi.copy(), v, v.copy()

    def encode(self, images, feats):
        """Encoder outputs projected to LSTM gates, for any number of steps at once.

        Args:
            images: float32 (N, H, W, C (canvas) or 2C (canvas, then target)) in [0, 1],
                channels-last; the coordinate channels are appended here.
            feats: float32 (N, F) previous-action features (ActionSpec.features).

        Returns:
            (gx_pi (N, 4 * 256), gx_v (N, 4 * 128)).
        """
        return self.encode_with_maps(images, feats)[:2]

    def encode_with_maps(self, images, feats, maps=None):
        """`encode`, also returning the encoder's later feature maps (see
        TwinEncoder.encode_with_maps: given back, they are not recomputed).

        Returns:
            (gx_pi (N, 4 * 256), gx_v (N, 4 * 128), maps tuple of Variables).
        """
        z_pi, z_v, maps = self.encoder.encode_with_maps(self._with_coords(images), feats, maps)
        return self.pi_lstm.upward(z_pi), self.v_lstm.upward(z_v), maps

    def _with_coords(self, images):
        if self.coords is None:
            return images
        coords = np.broadcast_to(self.coords, (len(images),) + self.coords.shape)
        return np.concatenate((images, coords), axis=-1)

    def spatial_logits(self, images, pens):
        """The grid heads' spatial skip (`spatial_skip`), or None without it.

        Args:
            images: float32 (N, H, W, C or 2C) as `encode`'s.
            pens: int (N,) the pen's grid point before each step.

        Returns:
            (N, grid heads, R * R) Variable, or None.
        """
        if self.skip is None:
            return None
        return self.skip(self._with_coords(images), pens)

    def unroll(self, gx_pi, gx_v, T, B):
        """Both LSTMs over T steps of B episodes from the encoder outputs of all T * B steps.

        Args:
            gx_pi, gx_v: `encode`'s outputs (T * B, 1024) and (T * B, 512), time-major.

        Returns:
            (z (T * B, 256) for the decoder, value (T * B,)) Variables, time-major.
        """
        state = self.initial_state(B)
        gx_pi = F.separate(F.reshape(gx_pi, (T, B, -1)), axis=0)
        gx_v = F.separate(F.reshape(gx_v, (T, B, -1)), axis=0)
        zs, values = [], []
        for t in range(T):
            z, value, state = self.step(gx_pi[t], gx_v[t], state)
            zs.append(z)
            values.append(value)
        return F.concat(zs, axis=0), F.concat(values, axis=0)

    @property
    def heads_read_images(self):
        """Whether the decoder's heads read the step images (spatial skip, local features)."""
        return self.skip is not None or self.local is not None

    def head_inputs(self, images, pens):
        """The decoder's `skip` and `local` inputs of N steps: (`spatial_logits`, `local_maps`).

        Args:
            images: float32 (N, H, W, C or 2C) as `encode`'s; None when `heads_read_images` is
                false (the network images are not built for heads that do not read them).
            pens: int (N,) the pen's grid point before each step.
        """
        if not self.heads_read_images:
            return None, None
        return self.spatial_logits(images, pens), self.local_maps(images, pens)

    def local_maps(self, images, pens):
        """The non-spatial heads' local features (`local_features`), or None without them.

        Args:
            images: float32 (N, H, W, C or 2C) as `encode`'s.
            pens: int (N,) the pen's grid point before each step.

        Returns:
            models/local.LocalMaps, or None.
        """
        if self.local is None:
            return None
        return self.local(self._with_coords(images), pens)

    def log_probs(self, z, actions, skip=None, local=None):
        """The decoder's log-probability and entropy of given actions (teacher forcing).

        Args:
            z: (N, 256) LSTM outputs.
            actions: dict name -> int (N,).
            skip: `spatial_logits` of the N steps, or None.
            local: `local_maps` of the N steps, or None.

        Returns:
            (log_prob, entropy) Variables (N,).
        """
        _, log_prob, entropy = self.decoder(z, lambda head, log_p: actions[head.name], skip,
                                            local)
        return log_prob, entropy

    def evaluate(self, rollout, targets=None):
        """What A3C needs of a rollout under the current parameters, the plain way: every
        step encoded, both LSTMs unrolled and the decoder run with graph, in one piece.
        agents/fused.py computes the same gradients faster (SPIRAL's `agent.recompute`).

        Args:
            rollout: agents.acting.Rollout of T steps of B episodes.
            targets: float32 (B, C, H, W), the conditioning targets, or None.

        Returns:
            (log_prob, entropy, value) Variables (T * B,), time-major.
        """
        canvases, feats, tiled = step_inputs(self.spec, rollout, targets)
        images = network_images(canvases, tiled)
        gx_pi, gx_v = self.encode(images, feats)
        z, value = self.unroll(gx_pi, gx_v, rollout.T, rollout.B)
        pens = self.spec.previous_positions(rollout.actions).ravel()
        log_prob, entropy = self.log_probs(
            z, {name: a.reshape(-1) for name, a in rollout.actions.items()},
            *self.head_inputs(images, pens))
        return log_prob, entropy, value

    def step(self, gx_pi, gx_v, state):
        """One LSTM step of both networks.

        Args:
            gx_pi, gx_v: one step of `encode`'s outputs, (B, 1024) and (B, 512).
            state: (c_pi, h_pi, c_v, h_v).

        Returns:
            (z (B, 256) for the decoder, value (B,), new state).
        """
        c_pi, h_pi, c_v, h_v = state
        c_pi, h_pi = self.pi_lstm.step(gx_pi, c_pi, h_pi)
        c_v, h_v = self.v_lstm.step(gx_v, c_v, h_v)
        value = F.reshape(self.v_out(h_v), (-1,))
        return h_pi, value, (c_pi, h_pi, c_v, h_v)
