"""``demo.py reconstruct SNAPSHOT_DIR IMAGE... OUT_DIR``: any image in, a stroke program out.

A conditional painter paints each input image (PNG, JPEG, ... of any size, or a folder of them).
The image becomes the model's input the way its training data did: grayscale or colour as the
dataset, the centred square resized with area interpolation (datasets.base.to_painter), binarised
when the run's data was; the painter expects dark strokes on a light background (``--invert`` for
light-on-dark images; a dark border without it is an error that suggests it).

For each input ``NAME`` (numbered ``000_NAME`` ... in the order given) OUT_DIR gets:
``NAME.png`` the final canvas, ``NAME.svg`` its strokes, ``NAME.json`` its program (the json
mode's format, replayable); and for all of them ``side_by_side.png`` (rows of input |
reconstruction) and ``l2.csv`` (the L2 of each result and of a blank canvas). With
``--n-samples K`` each input is painted K times and the lowest-L2 drawing kept.
"""
import argparse
import csv
import json
import logging
import sys
from pathlib import Path

import imageio.v2 as imageio
import numpy as np

from chainer_spiral.agents.acting import to_canvas
from chainer_spiral.datasets.base import DatasetError, binarize_images, read_image, to_painter
from chainer_spiral.demo.session import BATCH, DemoError, check_snapshot_dir, record, short_title
from chainer_spiral.demo.svg import to_svg
from chainer_spiral.errors import report_unwritable
from chainer_spiral.program import json as programs_json
from chainer_spiral.sheets import tile, to_rgb

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.gif', '.tif', '.tiff', '.webp')
# A border darker than this mean (of 255) means light strokes on a dark background.
DARK_BORDER = 128


def image_paths(inputs):
    """The image files of the inputs: files as given, folders' image files in name order.

    Raises:
        DemoError: a missing input, or a folder without image files.
    """
    paths = []
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(p for p in item.iterdir()
                           if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise DemoError(f'{item}: expected image files ({", ".join(IMAGE_SUFFIXES)}) in '
                                f'the folder, found none')
            paths += found
        elif item.is_file():
            paths.append(item)
        else:
            raise DemoError(f'{item}: no such image file or folder')
    return paths


def border_mean(image):
    """Mean value of the outermost pixels of a uint8 (H, W[, C]) image."""
    rows = np.concatenate((image[0], image[-1]), axis=0).reshape(-1)
    cols = np.concatenate((image[:, 0], image[:, -1]), axis=0).reshape(-1)
    return float(np.concatenate((rows, cols)).mean())


def load_target(path, cfg, channels, invert=False):
    """An image file as the painter's target: float32 (C, imsize, imsize) in [0, 1].

    Raises:
        DemoError: the file is not a readable image, or its border is dark without `invert`.
    """
    try:
        image = read_image(Path(path), color=channels == 3)
    except DatasetError as e:
        raise DemoError(str(e)) from None
    if not invert and border_mean(image) < DARK_BORDER:
        raise DemoError(f'{path}: its border is dark (mean {border_mean(image):.0f} of 255) but '
                        f'the painter draws dark strokes on light paper; for a light-on-dark '
                        f'image add --invert')
    target = to_painter(image[None], cfg.env.imsize, channels, ink_is_white=invert)
    if cfg.data.binarize:
        target = binarize_images(target, cfg.data.threshold)
    return target[0].astype(np.float32) / np.float32(255)


def model_canvases(finals, channels):
    """The painter's view of RGB final canvases: uint8 (N, H, W, 3) -> float32 (N, C, H, W)."""
    return np.stack([to_canvas(f, channels).transpose(2, 0, 1) for f in finals]).astype(
        np.float32) / np.float32(255)


def reconstruct(agent, envs, targets, n_samples=1, greedy=False, title=''):
    """Paint each target `n_samples` times and keep the lowest-L2 drawing.

    Args:
        agent: a conditional SPIRAL agent.
        envs: the envs of a batch.
        targets: float32 (N, C, H, W).

    Returns:
        (Episodes of the N kept drawings, their L2 (N,), the L2 of every sample (N, K)).
    """
    n, channels = len(targets), targets.shape[1]
    tiled = np.repeat(targets, n_samples, axis=0)
    episodes = record(agent, envs, len(tiled), greedy=greedy, title=title, targets=tiled)
    l2 = np.mean((model_canvases(episodes.finals, channels) - tiled) ** 2,
                 axis=(1, 2, 3)).reshape(n, n_samples)
    best = np.arange(n) * n_samples + l2.argmin(axis=1)
    kept = type(episodes)(episodes.frames[best], [episodes.programs[i] for i in best],
                          targets, title)
    return kept, l2.min(axis=1), l2


def write_outputs(out_dir, names, paths, episodes, l2, samples_l2, blank_l2):
    """Write every output of the module docstring into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, final, program in zip(names, episodes.finals, episodes.programs):
        imageio.imwrite(out_dir / f'{name}.png', final)
        (out_dir / f'{name}.svg').write_text(to_svg(program, name))
        (out_dir / f'{name}.json').write_text(json.dumps(programs_json.to_doc([program])))
    pairs = np.stack([np.stack([to_rgb(t) for t in episodes.targets]),
                      episodes.finals], axis=1)
    H, W = episodes.finals.shape[1:3]
    imageio.imwrite(out_dir / 'side_by_side.png', tile(pairs.reshape(-1, H, W, 3), 2))
    with open(out_dir / 'l2.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['name', 'input', 'l2', 'blank_l2', 'samples_l2'])
        for row in zip(names, paths, l2, blank_l2, samples_l2):
            writer.writerow([row[0], row[1], f'{row[2]:.6f}', f'{row[3]:.6f}',
                             ' '.join(f'{v:.6f}' for v in row[4])])


def build_parser(prog=None):
    parser = argparse.ArgumentParser(
        prog=prog, description='Paint images with a conditional SPIRAL painter: the canvas, the '
        'strokes (SVG) and the program (json) of each.')
    parser.add_argument('snapshot_dir', type=Path, help='a conditional snapshot directory or a shipped painter\'s name')
    parser.add_argument('images', type=Path, nargs='+', metavar='IMAGE',
                        help='image files or folders of them')
    parser.add_argument('out_dir', type=Path, help='the folder the outputs go to')
    parser.add_argument('--invert', action='store_true',
                        help='the images have light strokes on a dark background')
    parser.add_argument('--n-samples', type=int, default=1, metavar='K',
                        help='paint each image K times and keep the lowest-L2 drawing')
    parser.add_argument('--seed', type=int, default=0, help='seed of the action sampling')
    parser.add_argument('--greedy', action='store_true', help='the most likely actions')
    return parser


def main(argv=None, prog=None):
    """``demo.py reconstruct``; returns 0 (input errors exit with status 2 through argparse)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    if args.n_samples < 1:
        parser.error(f'--n-samples: expected a positive int, got {args.n_samples}')
    from chainer_spiral.runs.loading import load_agent, make_envs_from_config
    try:
        paths = image_paths(args.images)
        args.snapshot_dir = check_snapshot_dir(args.snapshot_dir)
        try:
            cfg, agent, _ = load_agent(str(args.snapshot_dir), with_dataset=False)
        except (OSError, ValueError) as e:
            raise DemoError(str(e).splitlines()[0]) from None
        if not cfg.model.conditional:
            raise DemoError(f'{args.snapshot_dir}: the painter is unconditional (model.'
                            f'conditional: false); reconstruct needs a conditional one')
        channels = agent.generator.channels
        targets = np.stack([load_target(p, cfg, channels, args.invert) for p in paths])
    except DemoError as e:
        parser.error(str(e))
    agent.seed(args.seed)
    envs = make_envs_from_config(cfg, min(BATCH, len(targets) * args.n_samples))
    episodes, l2, samples = reconstruct(agent, envs, targets, args.n_samples, args.greedy,
                                        short_title(args.snapshot_dir))
    names = [f'{i:03d}_{p.stem}' for i, p in enumerate(paths)]
    blank = model_canvases(episodes.frames[:, 0], channels)  # the canvas after reset
    blank_l2 = np.mean((blank - targets) ** 2, axis=(1, 2, 3))
    try:
        write_outputs(args.out_dir, names, paths, episodes, l2, samples, blank_l2)
    except OSError as e:
        return report_unwritable(parser.prog, e, args.out_dir)
    for name, value, blank in zip(names, l2, blank_l2):
        print(f'{name}: L2 {value:.4f} (blank canvas {blank:.4f})')
    print(f'reconstruct: wrote {len(names)} drawings to {args.out_dir}', file=sys.stderr)
    return 0
