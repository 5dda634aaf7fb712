"""Pixel helpers shared by the env tests (imported as a sibling module by pytest's rootdir path)."""
import numpy as np


def ink(image):
    """bool (H, W): pixels that are not white."""
    return (image != 255).any(axis=-1)


def box(shape, rows, cols):
    """bool (H, W) that is True on rows[0]..rows[1] x cols[0]..cols[1] (inclusive)."""
    mask = np.zeros(shape, dtype=bool)
    mask[rows[0]:rows[1] + 1, cols[0]:cols[1] + 1] = True
    return mask
