"""Stroke statistics of painted episodes: how the agent uses its strokes and its ink."""
import numpy as np

# A pixel counts as ink when its mean over channels is darker than this (paper is 1, ink 0).
INK_THRESHOLD = 0.5


def stroke_counts(flags):
    """Strokes per episode: maximal runs of consecutive drawing steps (the pen stays down).

    Args:
        flags: int (T, B), 1 where the step draws, 0 where it jumps.

    Returns:
        int (B,).
    """
    flags = np.asarray(flags, bool)
    starts = flags.copy()
    starts[1:] &= ~flags[:-1]
    return starts.sum(axis=0)


def stroke_statistics(flags, finals, blanks):
    """Per-episode figures, to be averaged over many episodes.

    Args:
        flags: int (T, B), the draw/jump flag of every step.
        finals: float32 (B, C, H, W) in [0, 1], the final canvases.
        blanks: float32 (B, C, H, W), the canvases before the first step.

    Returns:
        dict of float arrays (B,): `strokes`, `drawn_fraction` (share of steps that draw),
        `ink_coverage` (share of ink pixels), `empty` (1.0 where the final canvas equals the blank).
    """
    assert finals.shape == blanks.shape and flags.shape[1] == finals.shape[0], (
        flags.shape, finals.shape, blanks.shape)
    B = finals.shape[0]
    return {
        'strokes': stroke_counts(flags).astype(np.float64),
        'drawn_fraction': np.asarray(flags, bool).mean(axis=0).astype(np.float64),
        'ink_coverage': (finals.mean(axis=1) < INK_THRESHOLD).reshape(B, -1).mean(axis=1),
        'empty': np.all(finals == blanks, axis=(1, 2, 3)).astype(np.float64),
    }
