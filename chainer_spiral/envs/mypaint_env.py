"""MyPaintEnv: painting with the libmypaint brush engine, one stroke per step."""
from logging import getLogger

from chainer_spiral.envs.base import PaintEnv
from chainer_spiral.envs.libmypaint import Brush, Canvas

logger = getLogger(__name__)

# The paper's 4 brush sizes, as multiples of the brush file's radius.
SIZE_SCALES = (0.5, 1.0, 1.5, 2.0)
# Brush radii are given for a 64 x 64 canvas and scale with imsize.
REFERENCE_IMSIZE = 64


class MyPaintEnv(PaintEnv):
    """Paints strokes with a libmypaint brush on an imsize x imsize canvas.

    Observation space:
        ``Dict(image=Box(0, 255, (H, W, 3), uint8), <the action's fields>)``: the canvas after
        the step and the action just taken. After ``reset()`` the fields are: position / end /
        control 0, prob / flag 0, pressure and colour the constructor's defaults (the 'paper'
        levels nearest to them), size 1.

    Action space:
        ``action_space='spiral'``: ``Dict(position=Discrete(R*R), pressure=Box(0, 1, (1,)),
        color=Box(0, 1, (3,)), prob=Discrete(2))``.
        ``action_space='paper'``: ``Dict(flag=Discrete(2), end=Discrete(R*R),
        control=Discrete(R*R), size=Discrete(4), pressure=Discrete(10), red=Discrete(20),
        green=Discrete(20), blue=Discrete(20))``.

    Dynamics:
        The pen starts each episode at grid point 0 (no paint). Grid point p is the centre of
        cell (row p // R, column p % R): ``grid_to_xy(p)`` in pixels. 'spiral': ``prob=1``
        paints a straight stroke from the pen to ``position`` with the given pressure and
        colour; ``prob=0`` moves the pen there. 'paper': ``flag=1`` paints a quadratic Bezier
        curve from the pen through ``control`` to ``end`` with radius ``SIZE_SCALES[size]`` x
        the brush's radius, pressure ``(pressure + 1) / 10`` and colour ``bin / 19`` per
        channel; ``flag=0`` moves the pen to ``end``. Every stroke has a dab on both ends (a
        stroke to the pen's own position paints a dot). The brush radius (from the .myb file,
        meant for 64 x 64) is scaled by imsize / 64. Reward is always 0, ``done`` after
        ``max_episode_steps`` steps, info ``{}``. An invalid action raises ValueError naming
        the field and leaves the canvas unchanged.

    Args:
        imsize (int): H = W in pixels.
        pos_resolution (int): R.
        action_space (str): 'spiral' or 'paper' (the attribute is ``action_space_kind``;
            ``action_space`` is the gym space).
        brush (str or os.PathLike): shipped brush name ('round', 'broad', 'wide', 'pressure') or a
            path to a .myb file.
        background (tuple of float): canvas RGB in [0, 1].
        max_episode_steps (int): T.
        pressure (float): default pressure in [0, 1].
        color (tuple of float): default RGB in [0, 1].
    """

    def __init__(self, imsize=64, pos_resolution=32, action_space='spiral', brush='round',
                 background=(1.0, 1.0, 1.0), max_episode_steps=10, pressure=1.0,
                 color=(0.0, 0.0, 0.0)):
        super().__init__(imsize, pos_resolution, action_space, max_episode_steps, pressure, color)
        self.brush = brush
        self._canvas = Canvas(self.imsize, self.imsize, background)
        self.background = self._canvas.background
        self._brush = Brush(brush)
        self.radius = self._brush.base_radius * self.imsize / REFERENCE_IMSIZE
        self._brush.radius = self.radius
        self._grid_xy = [self.grid_to_xy(p) for p in range(self.pos_resolution ** 2)]
        self._color = None
        self._size = 1
        self.reset()

    def _set_color(self, color):
        # Colour conversion and three brush settings: skipped while the colour stays the same.
        if color != self._color:
            self._brush.set_color(color)
            self._color = color

    def _clear(self):
        if self._brush.is_random:
            # Same random dabs in every episode (~0.2 ms per reset, only for such brushes).
            self._brush.restart()
            self._color = None
        self._canvas.clear()
        self._jump(0)

    def _jump(self, end):
        self._brush.move_to(self._canvas, *self._grid_xy[end])

    def _line(self, end, pressure, color):
        self._set_color(color)
        self._brush.stroke_to(self._canvas, *self._grid_xy[end], pressure)

    def _bezier(self, control, end, size, pressure, color):
        self._set_color(color)
        if size != self._size:
            self._brush.radius = self.radius * SIZE_SCALES[size]
            self._size = size
        self._brush.stroke_bezier(self._canvas, self._grid_xy[control], self._grid_xy[end],
                                  pressure)

    def _image(self):
        return self._canvas.image()
