"""Colour reconstruction figures: per-pixel MSE over RGB and PSNR against the targets, and the
baselines every figure is printed beside.

MSE is the mean over the C x H x W values in [0, 1] of the squared difference, per drawing, then
averaged over drawings; PSNR is 10 log10(1 / MSE) dB per drawing (an exact copy counts as
MAX_PSNR), averaged over drawings. The baselines are paintings that need no agent:

- `white`: the blank canvas (white paper);
- `mean_colour`: each target's own mean colour everywhere;
- `patches_4x4`, `patches_8x8`: the target cut into k x k equal blocks (16 and 64 "strokes"),
  each painted its mean colour.
"""
import numpy as np

MAX_PSNR = 100.0
PATCH_GRIDS = (4, 8)


def per_image_mse(drawings, targets):
    """float (N, C, H, W) drawings and targets in [0, 1] -> float64 (N,) MSE of each."""
    if drawings.shape != targets.shape:
        raise ValueError(f'MSE: expected drawings and targets of one shape, got '
                         f'{drawings.shape} and {targets.shape}')
    diff = drawings.astype(np.float64) - targets.astype(np.float64)
    return np.mean(np.square(diff), axis=tuple(range(1, diff.ndim)))


def psnr(mse):
    """float (N,) MSE of images in [0, 1] -> float64 (N,) PSNR in dB, MAX_PSNR where exact."""
    mse = np.asarray(mse, np.float64)
    return np.minimum(MAX_PSNR, 10 * np.log10(1 / np.maximum(mse, 10 ** (-MAX_PSNR / 10))))


def figures(drawings, targets):
    """dict: mse (mean over drawings), mse_std, psnr (mean of the drawings' PSNR)."""
    mse = per_image_mse(drawings, targets)
    return {'mse': float(mse.mean()), 'mse_std': float(mse.std()),
            'psnr': float(psnr(mse).mean())}


def flat_patches(targets, k):
    """Each target of float (N, C, H, W) painted as k x k equal blocks of its mean colour there
    (H and W multiples of k)."""
    n, c, h, w = targets.shape
    if h % k or w % k:
        raise ValueError(f'flat patches: expected a side divisible by {k}, got {h} x {w}')
    blocks = targets.reshape(n, c, k, h // k, k, w // k).mean(axis=(3, 5), keepdims=True)
    return np.broadcast_to(blocks, (n, c, k, h // k, k, w // k)).reshape(targets.shape)


def baselines(targets, background=(1.0, 1.0, 1.0)):
    """The baselines' figures (see the module docstring) on float (N, C, H, W) targets.

    Returns:
        dict name -> figures(...): white, mean_colour, patches_4x4, patches_8x8.
    """
    paper = np.asarray(background, targets.dtype)[:targets.shape[1], None, None]
    paintings = {'white': np.broadcast_to(paper, targets.shape),
                 'mean_colour': flat_patches(targets, 1)}
    for k in PATCH_GRIDS:
        paintings[f'patches_{k}x{k}'] = flat_patches(targets, k)
    return {name: figures(p, targets) for name, p in paintings.items()}


def report(drawings, targets, empty):
    """One draw's figures: figures(...) and empty_share, the share of drawings without ink
    (`empty`: bool (N,), evaluation.strokes)."""
    return {**figures(drawings, targets), 'empty_share': float(np.mean(empty))}


def table(reports, base):
    """Text table of the reports ({name: report}) and the baselines (`baselines`), one row
    each: MSE, PSNR, empty share."""
    rows = ['                 MSE     PSNR dB  empty']
    for name, r in reports.items():
        rows.append(f'{name:<14} {r["mse"]:7.4f}  {r["psnr"]:7.2f}  {r["empty_share"]:5.1%}')
    for name, r in base.items():
        rows.append(f'{name:<14} {r["mse"]:7.4f}  {r["psnr"]:7.2f}      -')
    return '\n'.join(rows)
