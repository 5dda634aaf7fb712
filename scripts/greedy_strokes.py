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

With --programs OUT.npz the search paints the training images instead (with --flip also their
mirror images), at the first --sizes range, and writes each drawing's actions with its target:
a teacher's programs, which `agent.demonstrations` clones as a conditional painter's warm start
(agents/demonstrations.py). Each image has its own random stream (the seed and its index), so
the file is the same for any --workers.
"""
import argparse
import multiprocessing

import numpy as np

from chainer_spiral.envs.base import PAPER_SIZES, paper_color
from chainer_spiral.envs.libmypaint import Brush, Canvas
from chainer_spiral.envs.mypaint_env import REFERENCE_IMSIZE, SIZE_SCALES

ACTION_NAMES = ('end', 'control') + tuple(PAPER_SIZES)  # the paper action space's heads


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
        (mse float (T + 1,) after reset and after every step, painted sizes: list of ints,
        actions: dict name -> int64 (T,) of the paper action space that paint the same canvas:
        each step the best candidate at full pressure, its flag 0 where it was a jump).
    """
    R, channels = renderer.R, target.shape[0]
    goal = target.reshape(channels, -1).T  # (P, C)
    # The target's mean colour in each grid cell (R * R, C), as the local features pool it.
    side = renderer.imsize // R
    cells = target.reshape(channels, R, side, R, side).mean(axis=(2, 4)).reshape(channels, -1).T
    canvas = np.ones_like(goal)
    mse, painted, pen = [float(np.mean(np.square(canvas - goal)))], [], 0
    bins = PAPER_SIZES['red'] - 1
    actions = {name: np.zeros(T, np.int64) for name in ACTION_NAMES}
    for t in range(T):
        best = (np.inf, None, None)  # (distance, canvas, action)
        for size in sizes:
            for _ in range(candidates):
                end = rng.randint(R * R)
                mid = (np.array(divmod(pen, R)) + np.array(divmod(end, R))) / 2
                row, col = np.clip(np.rint(mid + rng.normal(0, R / 8, 2)), 0, R - 1).astype(int)
                control = row * R + col
                rgb = np.rint(cells[[pen, control, end]].mean(axis=0) * bins).astype(int)
                after = composite(canvas, renderer.coverage(pen, control, end, size),
                                  paper_color(rgb))
                err = float(np.mean(np.square(after - goal)))
                if err < best[0]:
                    best = (err, after, dict(end=end, control=control, size=size, red=rgb[0],
                                             green=rgb[1], blue=rgb[2]))
        action = dict(best[2], flag=int(best[0] < mse[-1]), pressure=PAPER_SIZES['pressure'] - 1)
        if action['flag']:
            canvas = best[1]
            painted.append(action['size'])
        for name in ACTION_NAMES:
            actions[name][t] = action[name]
        pen = action['end']  # painted, or a jump there
        mse.append(float(np.mean(np.square(canvas - goal))))
    return np.array(mse), painted, actions


def teacher_programs(config, sets, sizes, candidates, flip=False, seed=0, workers=1):
    """The search's programs for every training image of a config's dataset.

    Args:
        config: the config file's path.
        sets: its --set overrides.
        sizes: the size indices searched.
        candidates: random strokes per size and step.
        flip: also paint each image's mirror image (left to right).
        seed: image i's search draws from RandomState([seed, i]).
        workers: processes.

    Returns:
        dict: each action name -> int64 (T, N), 'targets' uint8 (N, C, H, W), 'mse' float (N,)
        the drawings' final distances; N the training images (twice that with flip, the mirror
        images after the originals).
    """
    from chainer_spiral.config import load_config
    from chainer_spiral.runs.loading import make_dataset_from_config
    cfg = load_config(config, sets)
    images = make_dataset_from_config(cfg).images(train=True)
    if flip:
        images = np.concatenate((images, images[..., ::-1]))
    jobs = [(cfg.env.imsize, cfg.env.pos_resolution, cfg.env.brush, image, sizes, candidates,
             cfg.env.max_episode_steps, (seed, i)) for i, image in enumerate(images)]
    drawn = _in_parallel(jobs, workers)
    programs = {name: np.stack([a[name] for _, a in drawn], axis=1) for name in ACTION_NAMES}
    targets = np.rint(images * 255).astype(np.uint8)
    return dict(programs, targets=targets, mse=np.array([m for m, _ in drawn]))


def _in_parallel(jobs, workers):
    """[_teach(*job) for job in jobs] in forked processes, worker w taking jobs w, w + workers,
    ... (the function is not pickled: the script runs as a file, not a module)."""
    ctx = multiprocessing.get_context('fork')
    pipes, processes = [], []
    for w in range(workers):
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_teach_all, args=(jobs[w::workers], send))
        process.start()
        pipes.append(receive)
        processes.append(process)
    drawn = [None] * len(jobs)
    for w, receive in enumerate(pipes):
        drawn[w::workers] = receive.recv()
    for process in processes:
        process.join()
    return drawn


def _teach_all(jobs, send):
    """Send [(final distance, actions)] of each job's search, one renderer for all."""
    renderer = StrokeRenderer(*jobs[0][:3]) if jobs else None
    send.send([_teach(renderer, *job[3:]) for job in jobs])
    send.close()


def _teach(renderer, target, sizes, candidates, T, seed):
    """(final distance, actions) of one image's search."""
    mse, _, actions = search(renderer, target, sizes, candidates, T, np.random.RandomState(seed))
    return mse[-1], actions


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
    parser.add_argument('--programs', metavar='OUT.npz',
                        help="paint the training images at the first --sizes range and write "
                             "the programs with their targets (agent.demonstrations' teacher)")
    parser.add_argument('--flip', action='store_true',
                        help='with --programs: also the mirror images')
    parser.add_argument('--workers', type=int, default=1, help='with --programs: processes')
    args = parser.parse_args(argv)
    if args.programs:
        sizes = [int(d) for d in (args.sizes or ['0123'])[0]]
        teacher = teacher_programs(args.config, args.set, sizes, args.candidates, args.flip,
                                   args.seed, args.workers)
        np.savez_compressed(args.programs, **teacher)
        print(f"{len(teacher['mse'])} training images painted at sizes {sizes}: mean distance "
              f"{teacher['mse'].mean():.4f}; programs written to {args.programs}")
        return

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
            curve, chosen, _ = search(renderer, target, sizes, args.candidates, T, rng)
            curves.append(curve)
            painted += chosen
        curve = np.mean(curves, axis=0)
        shares = np.bincount(painted, minlength=len(SIZE_SCALES)) / max(len(painted), 1)
        print(f'{digits} | ' + ' | '.join(f'{curve[t]:.4f}' for t in shown) + ' | '
              + ' '.join(f'{s:.2f}' for s in shares), flush=True)


if __name__ == '__main__':
    main()
