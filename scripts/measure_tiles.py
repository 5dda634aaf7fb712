"""MSE against the number of strokes of coarse-to-fine paintings: held-out faces, or any pictures.

    .venv/bin/python scripts/measure_tiles.py PAINTER [--tiles 0 2 3 4] [--sizes 128 256]
        [--faces NPZ --first 224 --n 32 --upsample 128 | --pictures DIR | --digit-grids N]
        [--overlap PX] [--seed 0] [--out F.json]

PAINTER is a conditional painter (a snapshot directory or a shipped painter's name); the faces
goal needs a colour one (a grayscale painter is measured on the pictures' luminance). By default
the pictures are the 32 held-out CelebA faces of the colour painter (``celeba64_first256.npz``
of the data root, indices 224-255, that no training run may see), each upsampled bicubically to
--upsample pixels; ``--pictures DIR`` takes a folder's pictures instead, ``--digit-grids N`` N
pictures of 2 x 2 held-out MNIST digits (for the line-art painters).
Each picture is painted with ``--tiles K`` for every K given (the whole picture, then K x K
tiles, T strokes a pass: K 0, 2, 3, 4 are 20, 100, 200 and 340 strokes at T 20), and the painting
is replayed at each --sizes S and compared with the picture at S (bicubic above its own size):
the per-pixel mean squared error over the painter's channels in [0, 1], averaged over the
pictures, beside a white canvas and each picture's mean colour. The goal of
docs/many_strokes.md: MSE <= 0.010 at 128 px with --tiles 3 (200 strokes at T 20).
"""
import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

FACES_FILE = 'celeba64_first256.npz'


def held_out_faces(path, first, n, side):
    """Faces ``first`` .. ``first + n - 1`` of the npz, upsampled bicubically: uint8 (N, side,
    side, 3)."""
    with np.load(path) as data:
        faces = data['images'][first:first + n]
    return np.stack([cv2.resize(f, (side, side), interpolation=cv2.INTER_CUBIC) for f in faces])


def digit_grids(n, side, seed=0):
    """n pictures of 2 x 2 held-out MNIST digits (the split no MNIST painter trained on), dark
    on white, upsampled bicubically from 56 to `side` pixels: uint8 (n, side, side)."""
    from chainer_spiral.datasets import make_dataset
    digits = make_dataset('mnist', 28, seed=seed).images(train=False)
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        four = digits[rng.choice(len(digits), 4, replace=False), 0]
        grid = np.block([[four[0], four[1]], [four[2], four[3]]])
        picture = np.round(255 * grid).astype(np.uint8)  # the dataset is dark on white
        out.append(cv2.resize(picture, (side, side), interpolation=cv2.INTER_CUBIC))
    return np.stack(out)


def folder_pictures(folder, color):
    """Every picture of a folder (name order), read as the painter reads them."""
    from chainer_spiral.demo.pictures import read_picture
    from chainer_spiral.demo.reconstruct import image_paths
    paths, _ = image_paths([folder])
    return [read_picture(p, color) for p in paths]


def measure(agent, cfg, pictures, tiles, sizes, seed=0, overlap=None):
    """Paints every picture with each --tiles K and measures it at each size.

    Returns:
        list of dicts: tiles, passes, strokes (mean per picture), seconds (per picture), and
        ``mse_<S>`` for each size.
    """
    from chainer_spiral.demo.coarse_to_fine import Plan, paint_pictures
    from chainer_spiral.demo.reconstruct import output_target, painter_l2
    channels = agent.generator.channels
    rows = []
    for k in tiles:
        agent.seed(seed)
        start = time.perf_counter()
        paintings = paint_pictures(agent, cfg, pictures, Plan(tiles=k, overlap=overlap),
                                   invert=[False] * len(pictures))
        row = {'tiles': k, 'passes': 1 + k * k,
               'strokes': float(np.mean([p.n_strokes for p in paintings])),
               'seconds': (time.perf_counter() - start) / len(pictures)}
        for size in sizes:
            row[f'mse_{size}'] = float(np.mean([
                painter_l2(p.image(size), output_target(q, p, size, channels,
                                                        cfg.env.background), channels)
                for p, q in zip(paintings, pictures)]))
        rows.append(row)
    return rows


def baselines(pictures, size, channels):
    """MSE at `size` of a white canvas and of each picture's mean colour."""
    from chainer_spiral.demo.pictures import work_target
    white, mean = [], []
    for picture in pictures:
        target = work_target(picture, size, channels)[0].astype(np.float64) / 255
        white.append(np.mean((1 - target) ** 2))
        mean.append(np.mean((target - target.mean(axis=(1, 2), keepdims=True)) ** 2))
    return float(np.mean(white)), float(np.mean(mean))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('painter', help='a conditional snapshot directory or a painter\'s name')
    parser.add_argument('--tiles', type=int, nargs='+', default=[0, 2, 3, 4])
    parser.add_argument('--sizes', type=int, nargs='+', default=[128, 256])
    parser.add_argument('--faces', type=Path, default=None,
                        help=f'the faces npz (default: <data root>/celeba/{FACES_FILE})')
    parser.add_argument('--first', type=int, default=224)
    parser.add_argument('--n', type=int, default=32)
    parser.add_argument('--upsample', type=int, default=128)
    parser.add_argument('--pictures', type=Path, default=None,
                        help='a folder of pictures instead of the faces')
    parser.add_argument('--digit-grids', type=int, default=None, metavar='N',
                        help='N pictures of 2 x 2 held-out MNIST digits instead of the faces')
    parser.add_argument('--overlap', type=int, default=None,
                        help='pixels of the painter\'s canvas that tiles share (default: an '
                             'eighth of it)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', type=Path, default=None, help='also write the rows as JSON')
    args = parser.parse_args()
    from chainer_spiral.painters import resolve_snapshot
    from chainer_spiral.runs.loading import load_agent
    cfg, agent, _ = load_agent(str(resolve_snapshot(args.painter)), with_dataset=False)
    channels = agent.generator.channels
    if args.pictures is not None:
        pictures = folder_pictures(args.pictures, channels == 3)
    elif args.digit_grids is not None:
        pictures = list(digit_grids(args.digit_grids, args.upsample, args.seed))
    else:
        from chainer_spiral.datasets.files import data_root
        faces = args.faces or (data_root() or Path('.')) / 'celeba' / FACES_FILE
        pictures = list(held_out_faces(faces, args.first, args.n, args.upsample))
    print(f'{args.painter}: {cfg.env.imsize} px, {channels} channel(s), T '
          f'{cfg.env.max_episode_steps}; {len(pictures)} pictures')
    for size in args.sizes:
        white, mean = baselines(pictures, size, channels)
        print(f'at {size} px: white canvas {white:.4f}, each picture\'s mean colour {mean:.4f}')
    rows = measure(agent, cfg, pictures, args.tiles, args.sizes, args.seed, args.overlap)
    for row in rows:
        figures = ', '.join(f'MSE at {s} px {row[f"mse_{s}"]:.4f}' for s in args.sizes)
        print(f'--tiles {row["tiles"]}: {row["passes"]} passes, {row["strokes"]:.1f} strokes: '
              f'{figures} ({row["seconds"]:.1f} s a picture)')
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == '__main__':
    main()
