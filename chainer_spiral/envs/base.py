"""PaintEnv: what MyPaintEnv and ToyEnv share (spaces, action checks, grid, episode bookkeeping).

Two action spaces on an R x R grid of pen positions (R = ``pos_resolution``):

- ``'spiral'`` (chainer_spiral): ``{'position': int [0, R*R), 'pressure': float32 (1,) in [0, 1],
  'color': float32 (3,) in [0, 1], 'prob': int {0, 1}}``; ``prob=1`` paints a straight stroke
  from the pen to ``position``, ``prob=0`` moves the pen there without painting.
- ``'paper'`` (SPIRAL, Ganin et al. 2018): ``{'flag': {0, 1}, 'end': [0, R*R),
  'control': [0, R*R), 'size': [0, 4), 'pressure': [0, 10), 'red': [0, 20), 'green': [0, 20),
  'blue': [0, 20)}``, all ints; ``flag=1`` paints a quadratic Bezier curve from the pen through
  ``control`` to ``end``, ``flag=0`` moves the pen to ``end``.

Grid point ``p`` is column ``p % R``, row ``p // R``; it sits at the centre of its cell:
``x = (p % R + 0.5) * imsize / R``, ``y = (p // R + 0.5) * imsize / R`` pixels.
"""
from logging import getLogger

import gym
import numpy as np
from gym import spaces
from gym.utils import seeding

logger = getLogger(__name__)

ACTION_SPACES = ('spiral', 'paper')
SPIRAL_KEYS = frozenset(('position', 'pressure', 'color', 'prob'))
PAPER_KEYS = frozenset(('flag', 'end', 'control', 'size', 'pressure', 'red', 'green', 'blue'))
# Number of choices of the paper's non-spatial components.
PAPER_SIZES = {'flag': 2, 'size': 4, 'pressure': 10, 'red': 20, 'green': 20, 'blue': 20}


def paper_pressure(level):
    """Pressure level in [0, 10) -> pressure (level + 1) / 10 in [0.1, 1]."""
    return (level + 1) / PAPER_SIZES['pressure']


def paper_color(bin_index):
    """Colour bin in [0, 20) -> intensity bin / 19 in [0, 1]."""
    return bin_index / (PAPER_SIZES['red'] - 1)


def _index(value, what, n):
    """``value`` as an int in [0, n), else ValueError naming ``what``."""
    if (type(value) is int or isinstance(value, np.integer)
            or (isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in 'iu')):
        index = int(value)
        if 0 <= index < n:
            return index
    raise ValueError(f'{what}: expected an int in [0, {n}), got {value!r}')


def _unit_floats(value, what, size):
    """``value`` as a new float32 (size,) array in [0, 1] (a scalar is accepted when size is 1)."""
    try:
        array = np.array(value, dtype=np.float32)
    except (TypeError, ValueError):
        array = None
    if array is not None and (array.shape == (size,) or (size == 1 and array.shape == ())):
        array = array.reshape(size)
        # NaN fails both comparisons.
        if all(0.0 <= v <= 1.0 for v in array.tolist()):
            return array
    raise ValueError(f'{what}: expected {size} finite float(s) in [0, 1] (shape ({size},)), '
                     f'got {value!r}')


def _check_keys(action, keys):
    if not isinstance(action, dict):
        raise ValueError(f'action: expected a dict with keys {sorted(keys)}, '
                         f'got {type(action).__name__}')
    if action.keys() != keys:
        missing, extra = sorted(keys - action.keys()), sorted(action.keys() - keys)
        raise ValueError(f'action: expected keys {sorted(keys)}, '
                         f'got missing {missing}, extra {extra}')


class PaintEnv(gym.Env):
    """Base class of the painting environments; subclasses paint.

    Subclasses implement ``_clear()``, ``_jump(p)``, ``_line(p, pressure, color)``,
    ``_bezier(control, end, size, pressure, color)`` (grid indices, pressure in [0, 1], colour
    RGB floats, ``size`` the paper's level) and ``_image() -> uint8 (H, W, 3)``; ``self._pen``
    holds the pen's grid index when they are called.

    Args:
        imsize (int): H = W of the canvas in pixels.
        pos_resolution (int): R, the pen moves on an R x R grid.
        action_space (str): 'spiral' or 'paper' (kept as ``action_space_kind``).
        max_episode_steps (int): T, ``done`` is True after T steps.
        pressure (float): default pressure in [0, 1] (observation after reset; the agent puts it
            in its 'spiral' actions).
        color (tuple of float): default RGB in [0, 1], like ``pressure``.
    """

    metadata = {'render.modes': ['rgb_array']}
    reward_range = (0.0, 0.0)

    def __init__(self, imsize, pos_resolution, action_space, max_episode_steps, pressure, color):
        name = type(self).__name__
        for key, value in (('imsize', imsize), ('pos_resolution', pos_resolution),
                           ('max_episode_steps', max_episode_steps)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f'{name} {key}: expected an int >= 1, got {value!r}')
        if action_space not in ACTION_SPACES:
            raise ValueError(f'{name} action_space: expected one of {ACTION_SPACES}, '
                             f'got {action_space!r}')
        self.imsize, self.pos_resolution = int(imsize), int(pos_resolution)
        self.max_episode_steps = int(max_episode_steps)
        self.action_space_kind = action_space
        _unit_floats(pressure, f'{name} pressure', 1)
        _unit_floats(color, f'{name} color', 3)
        self.pressure = float(np.asarray(pressure, np.float64).reshape(1)[0])
        self.color = tuple(np.asarray(color, np.float64).reshape(3).tolist())
        self.action_space, self.observation_space = self._spaces()
        self._reset_fields = self._default_fields()
        self._pen = 0
        self._t = 0
        self.seed()

    def _spaces(self):
        grid = self.pos_resolution ** 2
        if self.action_space_kind == 'spiral':
            fields = {'position': spaces.Discrete(grid),
                      'pressure': spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float32),
                      'color': spaces.Box(0.0, 1.0, shape=(3,), dtype=np.float32),
                      'prob': spaces.Discrete(2)}
        else:
            fields = {'end': spaces.Discrete(grid), 'control': spaces.Discrete(grid)}
            fields.update({k: spaces.Discrete(n) for k, n in PAPER_SIZES.items()})
        image = spaces.Box(0, 255, shape=(self.imsize, self.imsize, 3), dtype=np.uint8)
        return spaces.Dict(fields), spaces.Dict(dict(fields, image=image))

    def _default_fields(self):
        """The action fields of the observation after reset()."""
        if self.action_space_kind == 'spiral':
            return {'position': 0, 'pressure': np.full(1, self.pressure, np.float32),
                    'color': np.array(self.color, np.float32), 'prob': 0}
        levels = PAPER_SIZES['pressure']
        bins = PAPER_SIZES['red'] - 1
        fields = {'flag': 0, 'end': 0, 'control': 0, 'size': 1,
                  'pressure': min(max(int(round(self.pressure * levels)) - 1, 0), levels - 1)}
        fields.update({k: int(round(c * bins))
                       for k, c in zip(('red', 'green', 'blue'), self.color)})
        return fields

    def seed(self, seed=None):
        """Seeds ``np_random`` and ``action_space.sample()``; painting itself is deterministic."""
        self.np_random, seed = seeding.np_random(seed)
        self.action_space.seed(seed)
        return [seed]

    def _cell_centre(self, index, side):
        index = _index(index, 'grid index', self.pos_resolution ** 2)
        row, col = divmod(index, self.pos_resolution)
        return ((col + 0.5) * side / self.pos_resolution, (row + 0.5) * side / self.pos_resolution)

    def grid_to_unit(self, index):
        """Grid index -> (x, y) of the cell centre in [0, 1) (fractions of the canvas side)."""
        return self._cell_centre(index, 1.0)

    def grid_to_xy(self, index):
        """Grid index -> (x, y) of the cell centre in pixels (x right, y down)."""
        return self._cell_centre(index, self.imsize)

    def reset(self):
        """Clears the canvas and puts the pen at grid point 0.

        Returns:
            dict: the observation (image uint8 (H, W, 3) and the default action fields).
        """
        self._t = 0
        self._pen = 0
        self._clear()
        obs = {k: (v.copy() if isinstance(v, np.ndarray) else v)
               for k, v in self._reset_fields.items()}
        obs['image'] = self._image()
        return obs

    def step(self, action):
        """Paints one stroke (or moves the pen).

        Returns:
            tuple: (observation, 0.0, done, {}); the observation holds the image and the
            action's fields (ints, and float32 arrays for the 'spiral' pressure and colour).

        Raises:
            ValueError: an invalid action (the canvas is unchanged).
            RuntimeError: step() after the episode ended, before reset().
        """
        if self._t >= self.max_episode_steps:
            raise RuntimeError(f'{type(self).__name__}.step: the episode ended after '
                               f'{self.max_episode_steps} steps; call reset()')
        if self.action_space_kind == 'spiral':
            fields = self._spiral_step(action)
        else:
            fields = self._paper_step(action)
        self._t += 1
        fields['image'] = self._image()
        return fields, 0.0, self._t >= self.max_episode_steps, {}

    def _spiral_step(self, action):
        _check_keys(action, SPIRAL_KEYS)
        grid = self.pos_resolution ** 2
        fields = {'position': _index(action['position'], "action['position']", grid),
                  'pressure': _unit_floats(action['pressure'], "action['pressure']", 1),
                  'color': _unit_floats(action['color'], "action['color']", 3),
                  'prob': _index(action['prob'], "action['prob']", 2)}
        if fields['prob']:
            pressure = float(fields['pressure'][0])
            self._line(fields['position'], pressure, tuple(fields['color'].tolist()))
        else:
            self._jump(fields['position'])
        self._pen = fields['position']
        return fields

    def _paper_step(self, action):
        _check_keys(action, PAPER_KEYS)
        grid = self.pos_resolution ** 2
        fields = {'end': _index(action['end'], "action['end']", grid),
                  'control': _index(action['control'], "action['control']", grid)}
        fields.update({k: _index(action[k], f"action['{k}']", n) for k, n in PAPER_SIZES.items()})
        if fields['flag']:
            color = tuple(paper_color(fields[k]) for k in ('red', 'green', 'blue'))
            self._bezier(fields['control'], fields['end'], fields['size'],
                         paper_pressure(fields['pressure']), color)
        else:
            self._jump(fields['end'])
        self._pen = fields['end']
        return fields

    def render(self, mode='rgb_array'):
        """The canvas, uint8 (H, W, 3)."""
        if mode != 'rgb_array':
            raise ValueError(f"{type(self).__name__}.render mode: expected 'rgb_array', "
                             f'got {mode!r}')
        return self._image()

    def _clear(self):
        raise NotImplementedError

    def _jump(self, end):
        raise NotImplementedError

    def _line(self, end, pressure, color):
        raise NotImplementedError

    def _bezier(self, control, end, size, pressure, color):
        raise NotImplementedError

    def _image(self):
        raise NotImplementedError
