"""The discrete action heads of each action space, and the conversion to env actions.

`spiral` (chainer_spiral's interface): position on the R x R grid, then the draw/jump flag `prob`.
`paper` (the SPIRAL paper): end point, control point (both R x R), then flag, brush size,
pressure, red, green, blue. Heads are sampled autoregressively in this order; the grid heads
come first, as chainer_spiral samples the position before the flag.
"""
from collections import namedtuple

import numpy as np

from chainer_spiral.envs.base import PAPER_SIZES

Head = namedtuple('Head', ['name', 'size', 'spatial'])
Head.__doc__ = """One categorical action component of `size` choices (`spatial`: the R x R grid)."""


class ActionSpec:
    """The heads of one action space on an R x R grid.

    Args:
        kind: 'spiral' or 'paper'.
        pos_resolution: R.
        pressure: the constant pressure put in every 'spiral' action.
        color: the constant RGB colour put in every 'spiral' action.
    """

    def __init__(self, kind, pos_resolution, pressure=1.0, color=(0.0, 0.0, 0.0)):
        if kind not in ('spiral', 'paper'):
            raise ValueError(f"action space: expected 'spiral' or 'paper', got {kind!r}")
        self.kind = kind
        self.R = int(pos_resolution)
        grid = self.R * self.R
        if kind == 'spiral':
            self.heads = (Head('position', grid, True), Head('prob', 2, False))
            self.position_field, self.flag_field = 'position', 'prob'
        else:
            self.heads = ((Head('end', grid, True), Head('control', grid, True))
                          + tuple(Head(k, n, False) for k, n in PAPER_SIZES.items()))
            self.position_field, self.flag_field = 'end', 'flag'
        self.pressure = np.full((1,), pressure, np.float32)
        self.color = np.asarray(color, np.float32).reshape(3)

    @property
    def names(self):
        return tuple(h.name for h in self.heads)

    def normalise(self, head, a):
        """Action indices -> float32 scalars fed back to the networks.

        Grid indices are divided by R^2 (chainer_spiral divided by imsize^2, see
        docs/reference_fixes.md), the other components by their largest index.
        """
        scale = head.size if head.spatial else max(head.size - 1, 1)
        return np.asarray(a, np.float32) / np.float32(scale)

    def features(self, actions):
        """The previous-action input of the networks.

        Args:
            actions: dict name -> int array (...,). Before the first step the networks get
                zeros, what the env reports after reset (pen at grid point 0, not drawing).

        Returns:
            float32 (..., F), F = len(heads): per head its normalised index.
        """
        return np.stack([self.normalise(h, np.asarray(actions[h.name])) for h in self.heads],
                        axis=-1)

    def previous_features(self, actions):
        """What the networks read at each step of episodes: actions dict name -> int (T, B) ->
        float32 (T, B, F), zeros at t = 0, then the `features` of the action of step t - 1."""
        feats = self.features(actions)
        return np.concatenate((np.zeros_like(feats[:1]), feats[:-1]))

    def previous_positions(self, actions):
        """The pen's grid point before each step: actions dict name -> int (T, B) -> int64
        (T, B), 0 at t = 0 (where the env puts the pen), then the position of step t - 1."""
        pos = np.asarray(actions[self.position_field], np.int64)
        return np.concatenate((np.zeros_like(pos[:1]), pos[:-1]))

    def to_env(self, actions, b):
        """The env action of episode b from batched int arrays (B,)."""
        out = {h.name: int(actions[h.name][b]) for h in self.heads}
        if self.kind == 'spiral':
            out['pressure'] = self.pressure.copy()
            out['color'] = self.color.copy()
        return out


def spec_from_env(env):
    """The ActionSpec of an env (MyPaintEnv or ToyEnv): its `action_space_kind`,
    `pos_resolution`, `pressure` and `color`."""
    kind = env.action_space_kind
    return ActionSpec(kind, env.pos_resolution, getattr(env, 'pressure', 1.0),
                      getattr(env, 'color', (0.0, 0.0, 0.0)))
