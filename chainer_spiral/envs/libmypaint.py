"""Canvas and Brush: a cffi binding to libmypaint (libmypaint-1.5.so.1, Debian's libmypaint 1.6).

Pixel conventions: pixel (row i, column j) covers [j, j + 1) x [i, i + 1) in canvas coordinates,
so its centre is (j + 0.5, i + 0.5); x grows to the right, y downwards. Colours are RGB floats in
[0, 1]; images are uint8 (H, W, 3).

The compiled extension (``_mypaint_cffi``, built by ``bash scripts/install.sh`` from
``_mypaint_build.py``) is loaded on first use, so ``chainer_spiral.envs`` (and ToyEnv) import
without libmypaint.
"""
import ctypes
import json
import math
import os
from logging import getLogger
from pathlib import Path

import numpy as np

from chainer_spiral.extensions import import_extension

logger = getLogger(__name__)

SONAME = 'libmypaint-1.5.so.1'
APT_PACKAGE = 'libmypaint-1.5-1'
EXTENSION = 'chainer_spiral.envs._mypaint_cffi'
BRUSH_DIR = Path(__file__).resolve().parent / 'brushes'  # the shipped brushes (package data)
# Largest gap in pixels between a Bezier curve and its chords (measured in docs/envs.md).
BEZIER_TOLERANCE = 0.25
# Settings that draw from the brush's random number generator (0 by default).
RANDOM_SETTINGS = ('radius_by_random', 'offset_by_random', 'tracking_noise')

_binding = None


class BrushError(ValueError):
    """A brush file that cannot be used (one line naming the file)."""


class LibMyPaintError(RuntimeError):
    """libmypaint or the compiled binding cannot be loaded."""


def load_binding(soname=SONAME, module=EXTENSION):
    """Loads the cffi extension, checking first that libmypaint itself is installed.

    Args:
        soname (str): shared library the extension links against.
        module (str): dotted name of the compiled cffi extension.

    Returns:
        The extension module (with ``ffi`` and ``lib``).

    Raises:
        LibMyPaintError: the library or the extension is missing.
    """
    try:
        ctypes.CDLL(soname)
    except OSError as err:
        raise LibMyPaintError(f'{soname}: libmypaint not found ({err}); install the Debian package '
                              f'{APT_PACKAGE} (bash scripts/install.sh does it)') from None
    return import_extension(module, LibMyPaintError)


def _get_binding():
    global _binding
    if _binding is None:
        _binding = load_binding(SONAME, EXTENSION)
    return _binding


def _unit_rgb(color, what):
    """Checks an RGB triple in [0, 1] and returns it as three Python floats."""
    try:
        r, g, b = (float(c) for c in color)
    except (TypeError, ValueError):
        raise ValueError(f'{what}: expected 3 floats in [0, 1], got {color!r}') from None
    if not (0.0 <= r <= 1.0 and 0.0 <= g <= 1.0 and 0.0 <= b <= 1.0):
        raise ValueError(f'{what}: expected 3 floats in [0, 1], got {color!r}')
    return r, g, b


def _check_pressure(pressure, what):
    if not 0.0 <= pressure <= 1.0:
        raise ValueError(f'{what}: expected a float in [0, 1], got {pressure!r}')


class Canvas:
    """An opaque, fixed-size libmypaint tiled surface (any size; 64x64 tiles inside).

    Args:
        width (int): W in pixels.
        height (int): H in pixels.
        background (tuple of float): RGB in [0, 1] that ``clear()`` paints.
    """

    def __init__(self, width, height, background=(1.0, 1.0, 1.0)):
        for name, value in (('width', width), ('height', height)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f'Canvas {name}: expected an int >= 1, got {value!r}')
        self.width, self.height = int(width), int(height)
        self.background = _unit_rgb(background, 'Canvas background')
        binding = _get_binding()
        self._ffi, self._lib = binding.ffi, binding.lib
        ptr = self._lib.spiral_canvas_new(self.width, self.height)
        if ptr == self._ffi.NULL:
            raise MemoryError(f'Canvas: libmypaint could not allocate a '
                              f'{self.width}x{self.height} surface')
        self._ptr = self._ffi.gc(ptr, self._lib.spiral_canvas_free)
        self.clear()

    def clear(self, color=None):
        """Paints the whole canvas with ``color`` (RGB in [0, 1]; default: the background)."""
        r, g, b = self.background if color is None else _unit_rgb(color, 'Canvas.clear color')
        self._lib.spiral_canvas_fill(self._ptr, r, g, b)

    def image(self, out=None):
        """The canvas as RGB.

        Args:
            out (numpy.ndarray or None): uint8 (H, W, 3) C-contiguous array to fill.

        Returns:
            numpy.ndarray: uint8 (H, W, 3), ``out`` when given, else a new array.
        """
        if out is None:
            out = np.empty((self.height, self.width, 3), dtype=np.uint8)
        elif (out.shape != (self.height, self.width, 3) or out.dtype != np.uint8
              or not out.flags.c_contiguous):
            raise ValueError(f'Canvas.image out: expected a C-contiguous uint8 array of shape '
                             f'{(self.height, self.width, 3)}, got {out.dtype} {out.shape}')
        self._lib.spiral_read_rgb(self._ptr, self._ffi.from_buffer(out))
        return out


def resolve_brush(brush):
    """Path of a brush given by name (a file stem in chainer_spiral/envs/brushes) or by path.

    Args:
        brush (str or os.PathLike): ``'round'``, ``'broad'``, ``'wide'``, ``'pressure'``, ... or a path to a ``.myb`` file.

    Returns:
        pathlib.Path
    """
    text = str(brush)
    if isinstance(brush, os.PathLike) or '/' in text or text.endswith('.myb'):
        return Path(brush)
    return BRUSH_DIR / f'{text}.myb'


def _read_brush_json(path, setting_id):
    """Reads and checks a .myb file.

    Args:
        path (pathlib.Path): the file.
        setting_id (callable): setting name -> libmypaint id, or -1 when unknown.

    Returns:
        tuple: (text, settings dict).
    """
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        names = sorted(p.stem for p in BRUSH_DIR.glob('*.myb'))
        raise BrushError(f'{path}: cannot read the brush file ({err}); '
                         f'brushes by name: {names}') from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise BrushError(f'{path}: expected a MyPaint brush (JSON), '
                         f'got invalid JSON: {err}') from None
    if (not isinstance(doc, dict) or doc.get('version') != 3
            or not isinstance(doc.get('settings'), dict)):
        got = doc.get('version') if isinstance(doc, dict) else type(doc).__name__
        raise BrushError(f'{path}: expected a MyPaint brush with "version": 3 and a "settings" '
                         f'object, got version {got!r}')
    for name, setting in doc['settings'].items():
        if setting_id(name) < 0:
            raise BrushError(f'{path}: unknown brush setting {name!r}')
        if not isinstance(setting, dict) or not isinstance(setting.get('base_value'), (int, float)):
            raise BrushError(f'{path}: setting {name!r}: expected {{"base_value": number, '
                             f'"inputs": {{...}}}}, got {setting!r}')
    return text, doc['settings']


def _uses_randomness(settings):
    """Whether a brush's settings draw from libmypaint's random number generator."""
    if any(settings.get(name, {}).get('base_value', 0.0) != 0.0 for name in RANDOM_SETTINGS):
        return True
    return any(isinstance(s.get('inputs'), dict) and s['inputs'].get('random')
               for s in settings.values())


class Brush:
    """A libmypaint brush loaded from a .myb file. One brush per canvas: it holds the pen.

    Args:
        brush (str or os.PathLike): a shipped brush name (``'round'``, ``'broad'``, ``'wide'``, ``'pressure'``) or
            a path.
    """

    def __init__(self, brush='round'):
        binding = _get_binding()
        self._ffi, self._lib = binding.ffi, binding.lib
        self.path = resolve_brush(brush)
        self._text, settings = _read_brush_json(self.path, self._setting_id)
        self.is_random = _uses_randomness(settings)
        self._radius_id = self._setting_id('radius_logarithmic')
        self._load()
        self.base_radius = self.radius
        logger.debug('loaded brush %s (radius %.3g px)', self.path, self.base_radius)

    def _load(self):
        ptr = self._lib.mypaint_brush_new()
        if ptr == self._ffi.NULL:
            raise MemoryError('Brush: libmypaint could not allocate a brush')
        self._ptr = self._ffi.gc(ptr, self._lib.mypaint_brush_unref)
        # A fresh brush has every setting 0; the file overrides the defaults it names.
        self._lib.mypaint_brush_from_defaults(self._ptr)
        if not self._lib.mypaint_brush_from_string(self._ptr, self._text.encode()):
            raise BrushError(f'{self.path}: libmypaint rejected the brush file')

    def restart(self):
        """Recreates the brush from its file, keeping the radius; the colour must be set again.

        libmypaint gives every new brush the same random number generator state and offers no
        way to reseed it, so a brush with randomness (``is_random``) repeats its strokes only
        when restarted, e.g. at every episode.
        """
        radius = self.radius
        self._load()
        self.radius = radius

    def _setting_id(self, cname):
        return self._lib.mypaint_brush_setting_from_cname(cname.encode())

    @property
    def radius(self):
        """Base radius in pixels (before pressure and other dynamics)."""
        return math.exp(self._lib.mypaint_brush_get_base_value(self._ptr, self._radius_id))

    @radius.setter
    def radius(self, pixels):
        if not pixels > 0:
            raise ValueError(f'Brush.radius: expected pixels > 0, got {pixels!r}')
        self._lib.mypaint_brush_set_base_value(self._ptr, self._radius_id, math.log(pixels))

    def set_color(self, color):
        """Sets the paint colour, RGB in [0, 1]."""
        self._lib.spiral_set_color(self._ptr, *_unit_rgb(color, 'Brush.set_color color'))

    def move_to(self, canvas, x, y):
        """Lifts the pen and puts it at (x, y) (pixels) without painting."""
        self._lib.spiral_move_to(self._ptr, canvas._ptr, x, y)

    def stroke_to(self, canvas, x, y, pressure=1.0):
        """Paints a straight stroke from the pen to (x, y) (pixels) at constant ``pressure``.

        Every stroke has a dab centred on both ends, so a stroke to the pen's own position
        paints a dot.
        """
        _check_pressure(pressure, 'Brush.stroke_to pressure')
        self._lib.spiral_stroke_to(self._ptr, canvas._ptr, x, y, pressure)

    def stroke_path(self, canvas, xy, pressure=1.0):
        """Paints a polyline from the pen through the points ``xy``, all in one surface update.

        Args:
            canvas (Canvas): where to paint.
            xy (numpy.ndarray): (N, 2) points (x, y) in pixels.
            pressure (float): in [0, 1], constant along the path.
        """
        xy = np.ascontiguousarray(xy, dtype=np.float32)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f'Brush.stroke_path xy: expected shape (N, 2), got {xy.shape}')
        _check_pressure(pressure, 'Brush.stroke_path pressure')
        self._lib.spiral_stroke_path(self._ptr, canvas._ptr, self._ffi.from_buffer('float[]', xy),
                                     len(xy), pressure)

    def stroke_bezier(self, canvas, control, end, pressure=1.0, tolerance=BEZIER_TOLERANCE):
        """Paints a quadratic Bezier curve from the pen through ``control`` to ``end`` (pixels).

        The curve is drawn as the fewest equal-parameter chords that stay within ``tolerance``
        pixels of it (at most 64).

        Returns:
            int: the number of chords (stroke_to calls) used.
        """
        _check_pressure(pressure, 'Brush.stroke_bezier pressure')
        return self._lib.spiral_stroke_bezier(self._ptr, canvas._ptr, control[0], control[1],
                                              end[0], end[1], pressure, tolerance)
