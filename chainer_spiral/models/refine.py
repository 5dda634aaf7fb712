"""A painter's weights moved to a canvas twice as fine (and its grid, or not): a curriculum from
32 x 32 (R 16) to 64 x 64 (R 32) by the weights, not by cloning programs.

The networks of such painters differ in two kinds of parameter (the second only where the grid
is refined too); everything else has the same shape and is copied:

- The linear layer after a conv stack (each encoder's `out`, the discriminator's `out`) reads a
  larger last map (encoders: 1 x 1 -> 5 x 5 cells of 32 channels; discriminator: 2 x 2 -> 3 x 3
  of 64). Each large cell takes the weights of the small cell that covers it (cell i of n covers
  cells i * n_small // n_large), divided by the number of large cells that share that small
  cell: on a map that is constant in space, as every map of a blank canvas is, the layer's output
  is the same as before.
- A grid head has one more 4x4 stride-2 deconvolution (2 x 2 -> R x R takes log2(R) - 1 of
  them): the new one, last before the head's 3x3 conv, copies each cell of its input to the 2 x 2
  cells it becomes (nearest-neighbour upsampling: taps (1, 2) of each axis, one per channel; bias
  0). The maps it reads come out of a ReLU (>= 0), so the ReLU after it changes nothing; the 3x3
  conv then reads the finer map with its weights as they were, so the logits of a cell's four
  children follow the parent's without being equal to it: the action distribution is kept "up to
  the grid refinement" (tests/models/test_refine.py measures how closely).
"""
import re

import numpy as np

from chainer_spiral.models.encoder import CONV_CHANNELS
from chainer_spiral.models.discriminator import LAYERS

# Per network: the linear layers that read a flattened last map -> (channels, layout), the
# layout the map is flattened in ('hwc': channels-last, 'chw': channels-first).
FLAT_MAPS = {
    'generator': {'encoder/pi/out/W': (CONV_CHANNELS, 'hwc'),
                  'encoder/v/out/W': (CONV_CHANNELS, 'hwc')},
    'discriminator': {'out/W': (LAYERS[-1][0], 'chw')},
}
_NEW_DECONV = re.compile(r'decoder/heads/\d+/ups/(\d+)/[Wb]$')


def refined(small, link, flat_maps):
    """The parameters of `link` (the network for the finer canvas) from `small`'s.

    Args:
        small: dict parameter name (as in Chainer's npz, without the leading '/') -> array, of
            the same network for the canvas and grid of half the side.
        link: the chainer.Link to fill (its parameters give the shapes).
        flat_maps: FLAT_MAPS of the network.

    Returns:
        dict parameter name -> float32 array, one per parameter of `link`.

    Raises:
        ValueError: one line naming the first parameter that is neither the same shape, nor a
            flattened map twice as large in side (within rounding), nor a grid head's extra
            deconvolution.
    """
    out = {}
    for path, param in link.namedparams():
        name = path.lstrip('/')
        shape = param.array.shape
        if name in small and small[name].shape == shape:
            out[name] = np.asarray(small[name], np.float32)
        elif name in small and name in flat_maps:
            out[name] = _spread(small[name], shape, *flat_maps[name], name)
        elif name not in small and _NEW_DECONV.search(name):
            out[name] = _upsampling(name, shape, small)
        else:
            got = small[name].shape if name in small else 'none'
            raise ValueError(f'{name}: expected {shape} or a refinable parameter, got {got}')
    return out


def _spread(W, shape, channels, layout, name):
    """A linear layer's weight (out, s * s * C) spread over a larger map (out, S * S * C)."""
    side_small = _side(W.shape[1], channels, name)
    side_large = _side(shape[1], channels, name)
    if W.shape[0] != shape[0] or side_large <= side_small:
        raise ValueError(f'{name}: expected a map larger than {side_small} x {side_small} with '
                         f'{W.shape[0]} outputs, got {shape}')
    cover = np.arange(side_large) * side_small // side_large   # small cell of each large one
    count = np.bincount(cover, minlength=side_small)
    per_cell = count[cover][:, None] * count[cover][None, :]   # large cells sharing the cell
    if layout == 'hwc':
        small = W.reshape(W.shape[0], side_small, side_small, channels)
        large = small[:, cover][:, :, cover] / per_cell[None, :, :, None]
    else:
        small = W.reshape(W.shape[0], channels, side_small, side_small)
        large = small[:, :, cover][:, :, :, cover] / per_cell[None, None]
    return large.reshape(shape).astype(np.float32)


def _side(features, channels, name):
    side = int(round(np.sqrt(features / channels)))
    if side * side * channels != features:
        raise ValueError(f'{name}: expected a square map of {channels} channels, got {features} '
                         f'features')
    return side


def _upsampling(name, shape, small):
    """The grid head's extra deconvolution: nearest-neighbour upsampling (W (4, 4, C, C)) or
    its zero bias; it must be the deconvolution right after the small head's last one."""
    index = int(_NEW_DECONV.search(name).group(1))
    before = re.sub(r'ups/\d+/', f'ups/{index - 1}/', name)
    if index == 0 or before not in small:
        raise ValueError(f'{name}: expected the deconvolution after the last of a grid head, '
                         f'got no deconvolution {index - 1} before it')
    if name.endswith('/b'):
        return np.zeros(shape, np.float32)
    if shape[:2] != (4, 4) or shape[2] != shape[3]:
        raise ValueError(f'{name}: expected a 4x4 deconvolution from C to C channels, got {shape}')
    taps = np.array([0.0, 1.0, 1.0, 0.0], np.float32)
    return (taps[:, None, None, None] * taps[None, :, None, None]
            * np.eye(shape[2], dtype=np.float32)[None, None]).astype(np.float32)
