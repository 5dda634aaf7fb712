"""How far a brush and a range of its sizes can go: a greedy stroke search on held-out targets.

    .venv/bin/python scripts/greedy_strokes.py CONFIG [--set KEY=VALUE ...] [--n 32]
        [--candidates 300] [--sizes 0123 --sizes 3 ...] [--seed 0]

No policy: for each of the first --n held-out images of the config's dataset, T strokes
(`env.max_episode_steps`) of the paper's action space are chosen one at a time. At each step
--candidates random strokes per allowed size start at the pen (the end point uniform on the
R x R grid, the control point drawn around the midpoint of the pen and the end, as
`model.control_prior` starts it), each in the colour bins nearest the target's colour averaged
at its three grid cells (the pen, the end and the control point: what `model.colour_prior`
reads); the one that lowers the distance to the target most is painted, and if none lowers it
the step is a jump to that stroke's end. The pen starts at grid point 0, as in the env.
Printed per size range: the mean per-pixel squared error over the channels in [0, 1] after
steps 1, 2, 4, 8, ..., T, and the share of each size among the painted strokes.

It measures a painter's ceiling under its brush, the position grid and the colour prior: a
policy that keeps choosing the widest size cannot beat the search restricted to that size.

A stroke of one colour c over canvas x gives x (1 - a) + c a, with a its coverage (libmypaint's
normal blending, dab after dab of one colour), so each candidate is rendered once, in black on
white, and composited for every colour; `composite` is checked against the env's own canvas in
tests/test_greedy_strokes.py.
"""
import argparse

import numpy as np

from chainer_spiral.envs.base import PAPER_SIZES, paper_color
from chainer_spiral.envs.libmypaint import Brush, Canvas
from chainer_spiral.envs.mypaint_env import REFERENCE_IMSIZE, SIZE_SCALES


class StrokeRenderer:
    """The coverage of the paper's strokes on an imsize x imsize canvas.

    Args:
        imsize: H = W in pixels.
        R: grid side.
        brush: a shipped brush name or a .myb path (the env's `brush`).
    """

    def __init__(self, imsize, R, brush):
        self.imsize, self.R = imsize, R
        self._brush = Brush(brush)
        self._brush.set_color((0.0, 0.0, 0.0))
        self._radius = self._brush.base_radius * imsize / REFERENCE_IMSIZE
        self._canvas = Canvas(imsize, imsize)

    def xy(self, point):
        """Grid point -> (x, y) of its cell's centre in pixels (the env's grid_to_xy)."""
        row, col = divmod(int(point), self.R)
        return (col + 0.5) * self.imsize / self.R, (row + 0.5) * self.imsize / self.R

    def coverage(self, pen, control, end, size):
        """float32 (H * W,) in [0, 1]: how much of each pixel a stroke from grid point `pen`
        through `control` to `end` at size index `size` (full pressure) covers."""
        self._brush.radius = self._radius * SIZE_SCALES[size]
        self._canvas.clear()
        self._brush.move_to(self._canvas, *self.xy(pen))
        self._brush.stroke_bezier(self._canvas, self.xy(control), self.xy(end), 1.0)
        image = self._canvas.image()[..., 0].astype(np.float32)
        return (1 - image / 255).reshape(-1)


def composite(canvas, coverage, colour):
    """canvas float32 (P, C), coverage (P,), colour (C,) -> the canvas after the stroke."""
    a = coverage[:, None]
    return canvas * (1 - a) + colour[None, :] * a


def search(renderer, target, sizes, candidates, T, rng):
    """Greedy strokes for one target.

    Args:
        renderer: StrokeRenderer.
        target: float32 (C, H, W) in [0, 1].
        sizes: the size indices candidates are drawn at.
        candidates: random strokes per size and step.
        T: steps.
        rng: numpy RandomState.

    Returns:
        (mse float (T + 1,) after reset and after every step, painted sizes: list of ints).
    """
    R, channels = renderer.R, target.shape[0]
    goal = target.reshape(channels, -1).T  # (P, C)
    # The target's mean colour in each grid cell (R * R, C), as the local features pool it.
    side = renderer.imsize // R
    cells = target.reshape(channels, R, side, R, side).mean(axis=(2, 4)).reshape(channels, -1).T
    canvas = np.ones_like(goal)
    mse, painted, pen = [float(np.mean(np.square(canvas - goal)))], [], 0
    bins = PAPER_SIZES['red'] - 1
    for _ in range(T):
        best = (np.inf, None, None, None)  # (distance, canvas, size, end)
        for size in sizes:
            for _ in range(candidates):
                end = rng.randint(R * R)
                mid = (np.array(divmod(pen, R)) + np.array(divmod(end, R))) / 2
                row, col = np.clip(np.rint(mid + rng.normal(0, R / 8, 2)), 0, R - 1).astype(int)
                control = row * R + col
                colour = paper_color(np.rint(cells[[pen, control, end]].mean(axis=0) * bins))
                after = composite(canvas, renderer.coverage(pen, control, end, size), colour)
                err = float(np.mean(np.square(after - goal)))
                if err < best[0]:
                    best = (err, after, size, end)
        if best[0] < mse[-1]:
            canvas = best[1]
            painted.append(best[2])
        pen = best[3]  # painted, or a jump there
        mse.append(float(np.mean(np.square(canvas - goal))))
    return np.array(mse), painted


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a config file (its env, data and T)')
    parser.add_argument('--set', action='append', default=[], metavar='KEY=VALUE',
                        help='override a config key')
    parser.add_argument('--n', type=int, default=32, help='held-out targets (the first n)')
    parser.add_argument('--candidates', type=int, default=300,
                        help='random strokes per size and step')
    parser.add_argument('--sizes', action='append', metavar='DIGITS',
                        help='size indices searched together, e.g. 0123 or 3 (repeatable; '
                             'default: 0123 and each size alone)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)

    from chainer_spiral.config import load_config
    from chainer_spiral.runs.loading import make_dataset_from_config
    cfg = load_config(args.config, args.set)
    if cfg.env.action_space != 'paper':
        parser.error(f'{args.config}: expected env.action_space paper, got {cfg.env.action_space}')
    targets = make_dataset_from_config(cfg).images(train=False)[:args.n]
    renderer = StrokeRenderer(cfg.env.imsize, cfg.env.pos_resolution, cfg.env.brush)
    ranges = args.sizes or ['0123'] + [str(s) for s in range(len(SIZE_SCALES))]
    T = cfg.env.max_episode_steps
    shown = [t for t in (1, 2, 4, 8, 16, 32, 64) if t < T] + [T]
    print(f'{len(targets)} held-out targets, {cfg.env.imsize} px, R {cfg.env.pos_resolution}, '
          f'brush {cfg.env.brush}, T {T}, {args.candidates} candidates per size and step')
    print('sizes | ' + ' | '.join(f'after {t}' for t in shown) + ' | painted sizes (0 1 2 3)')
    for digits in ranges:
        sizes = [int(d) for d in digits]
        rng = np.random.RandomState(args.seed)
        curves, painted = [], []
        for target in targets:
            curve, chosen = search(renderer, target, sizes, args.candidates, T, rng)
            curves.append(curve)
            painted += chosen
        curve = np.mean(curves, axis=0)
        shares = np.bincount(painted, minlength=len(SIZE_SCALES)) / max(len(painted), 1)
        print(f'{digits} | ' + ' | '.join(f'{curve[t]:.4f}' for t in shown) + ' | '
              + ' '.join(f'{s:.2f}' for s in shares), flush=True)


if __name__ == '__main__':
    main()
