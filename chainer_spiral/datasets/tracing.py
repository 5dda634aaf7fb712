"""Pen strokes traced from images: demonstrations where a dataset has no pen trajectories.

MNIST ships pixels only. `trace_strokes` thins an image's ink to a one-pixel skeleton (Zhang and
Suen 1984) and walks the skeleton into polylines: each walk starts at an end of a branch (a
pixel with one neighbour), or anywhere on a closed loop once no end is left, and follows
unvisited neighbours, the four straight ones first, until none is left; a branch that meets a
visited pixel ends on it, so the strokes of a junction touch. Strokes shorter than `min_pixels`
(spurs of the thinning) are dropped; the rest come longest first, since
demonstrations.strokes_to_actions keeps the first T // 2. `scripts/trace_demonstrations.py`
writes the traced training images as programs, which `agent.demonstrations` reads.
"""
import numpy as np

# The 8 neighbours P2..P9 of Zhang and Suen, clockwise from north, as (row, col) offsets.
RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
# Walk order: the four straight neighbours, then the diagonals.
WALK = RING[0::2] + RING[1::2]


def skeleton(ink):
    """The Zhang-Suen thinning of a boolean image (H, W): bool (H, W), one pixel wide."""
    img = np.pad(np.asarray(ink, bool), 1).astype(np.uint8)
    changed = True
    while changed:
        changed = False
        for first in (True, False):
            p2, p3, p4, p5, p6, p7, p8, p9 = (np.roll(img, (-dr, -dc), (0, 1)) for dr, dc in RING)
            ring = (p2, p3, p4, p5, p6, p7, p8, p9, p2)
            neighbours = sum(ring[:8])
            crossings = sum((a == 0) & (b == 1) for a, b in zip(ring[:8], ring[1:]))
            if first:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            kill = (img == 1) & (neighbours >= 2) & (neighbours <= 6) & (crossings == 1) & side
            if kill.any():
                img[kill] = 0
                changed = True
    return img[1:-1, 1:-1].astype(bool)


def trace_strokes(image, threshold=0.5, min_pixels=3):
    """The pen strokes of an image's dark ink (pixels below `threshold`).

    Args:
        image: float (H, W) in [0, 1], ink dark on a light background.
        threshold: the ink's level.
        min_pixels: the fewest skeleton pixels a stroke keeps.

    Returns:
        list of float arrays (n_i, 2): (x, y) in [0, 1] at the pixels' centres, x to the right,
        y down; longest first; empty for an image without ink.
    """
    image = np.asarray(image)
    H, W = image.shape
    left = set(zip(*np.nonzero(skeleton(image < threshold))))
    pixels = frozenset(left)

    def around(p):
        return [(p[0] + dr, p[1] + dc) for dr, dc in WALK if (p[0] + dr, p[1] + dc) in pixels]

    strokes = []
    while left:
        ends = [p for p in left if len(around(p)) == 1]
        start = min(ends or left)
        path = [q for q in around(start) if q not in left][:1] + [start]
        left.discard(start)
        while True:
            ahead = [q for q in around(path[-1]) if q in left]
            if not ahead:
                met = [q for q in around(path[-1]) if q not in left and q not in path[-3:]]
                path += met[:1]
                break
            path.append(ahead[0])
            left.discard(ahead[0])
        if len(path) >= min_pixels:
            strokes.append(np.array([[(c + 0.5) / W, (r + 0.5) / H] for r, c in path]))
    return sorted(strokes, key=lambda s: -np.linalg.norm(np.diff(s, axis=0), axis=1).sum())
