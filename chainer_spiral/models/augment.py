"""Differentiable augmentation of the images a discriminator sees (DiffAugment: Zhao et al. 2020,
"Differentiable Augmentation for Data-Efficient GAN Training").

A critic trained on a few hundred real images memorises them; shown each real and painted image
through the same random transforms, it has to judge what the transforms keep. The three of
DiffAugment's policy, in its order, on float (N, C, H, W) images in [0, 1]:

- colour: brightness x + b, b ~ U(-0.25, 0.25) (DiffAugment's U(-0.5, 0.5) on images in
  [-1, 1]); saturation (x - mean over C) * s + mean over C, s ~ U(0, 2); contrast
  (x - mean over C, H, W) * c + that mean, c ~ U(0.5, 1.5);
- translation by whole pixels, up to 1/8 of the side each way, zeros shifted in;
- cutout: a square of half the side, at a uniform position (clipped at the borders), set to 0.

Each transform is affine in the image for given parameters, so it commutes with the WGAN-GP
penalty's interpolation between a real and a painted image transformed alike. The parameters
are drawn once per pair (`sample`) and given to every image of the pair (`__call__`): real and
painted, and a conditional critic's target, which must stay aligned with its image.
"""
from typing import NamedTuple

import chainer
import chainer.functions as F
import numpy as np

TRANSLATION = 0.125
CUTOUT = 0.5


class AugmentParams(NamedTuple):
    """One draw of the transforms for N images (or pairs)."""
    brightness: np.ndarray   # float (N,)
    saturation: np.ndarray   # float (N,)
    contrast: np.ndarray     # float (N,)
    shift: np.ndarray        # int (N, 2): rows down, columns right
    cutout: np.ndarray       # int (N, 2): the square's top row and left column (may be < 0)


class DiffAugment:
    """DiffAugment's colour, translation and cutout (see the module docstring)."""

    def sample(self, rng, n, size):
        """AugmentParams of n pairs of size x size images from numpy RandomState `rng`."""
        reach = int(size * TRANSLATION + 0.5)
        side = int(size * CUTOUT + 0.5)
        return AugmentParams(
            brightness=rng.uniform(-0.25, 0.25, n), saturation=rng.uniform(0, 2, n),
            contrast=rng.uniform(0.5, 1.5, n),
            shift=rng.randint(-reach, reach + 1, (n, 2)),
            cutout=rng.randint(0, size + (1 - side % 2), (n, 2)) - side // 2)

    def __call__(self, x, params):
        """x (N, C, H, W) array or Variable, H = W -> the transformed Variable (N, C, H, W)."""
        return cutout(translate(colour(x, params), params.shift), params.cutout,
                      int(x.shape[2] * CUTOUT + 0.5))


def _per_image(values, x):
    return F.broadcast_to(np.asarray(values, x.dtype).reshape(-1, 1, 1, 1), x.shape)


def colour(x, params):
    """x (N, C, H, W) array or Variable -> Variable: brightness, saturation, contrast (see the module docstring)."""
    x = chainer.as_variable(x)
    x = x + _per_image(params.brightness, x)
    grey = F.broadcast_to(F.mean(x, axis=1, keepdims=True), x.shape)
    x = (x - grey) * _per_image(params.saturation, x) + grey
    mean = F.broadcast_to(F.mean(x, axis=(1, 2, 3), keepdims=True), x.shape)
    return (x - mean) * _per_image(params.contrast, x) + mean


def translate(x, shift):
    """x (N, C, H, W) array or Variable -> Variable: each image shifted by shift[i] = (rows down, columns right) whole pixels, zeros shifted
    in: out[i, :, r, c] = x[i, :, r - dr, c - dc]."""
    n, c, h, w = x.shape
    rows = np.arange(h)[None, :] - shift[:, :1]                     # (N, H) source rows
    cols = np.arange(w)[None, :] - shift[:, 1:]                     # (N, W) source columns
    valid = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
    source = ((np.arange(n)[:, None, None] * h + np.clip(rows, 0, h - 1)[:, :, None]) * w
              + np.clip(cols, 0, w - 1)[:, None, :])                # (N, H, W) flat pixels
    pixels = F.reshape(F.transpose(x, (0, 2, 3, 1)), (n * h * w, c))
    moved = F.transpose(F.reshape(F.get_item(pixels, source.ravel()), (n, h, w, c)),
                        (0, 3, 1, 2))
    return moved * np.broadcast_to(valid[:, None].astype(x.dtype), x.shape)


def cutout(x, corners, side):
    """x (N, C, H, W) array or Variable -> Variable: each image with the side x side square at corners[i] = (top, left) set to 0."""
    x = chainer.as_variable(x)
    n, c, h, w = x.shape
    inside_rows = (np.arange(h)[None, :] >= corners[:, :1]) & (
        np.arange(h)[None, :] < corners[:, :1] + side)
    inside_cols = (np.arange(w)[None, :] >= corners[:, 1:]) & (
        np.arange(w)[None, :] < corners[:, 1:] + side)
    keep = ~(inside_rows[:, :, None] & inside_cols[:, None, :])
    return x * np.broadcast_to(keep[:, None].astype(x.dtype), x.shape)
