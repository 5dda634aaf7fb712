"""``demo.py reconstruct SNAPSHOT_OR_NAME IMAGE... OUT_DIR``: any picture in, a painting out.

A conditional painter paints each input (PNG, JPEG, WebP, BMP, TIFF, GIF of any size and aspect
ratio, 8 or 16 bits, transparency composited on white; or a folder of them) coarse to fine
(``coarse_to_fine``): the whole picture, then ``--tiles K`` x K tiles on top, each pass
``--strokes`` T strokes (the painter's own T by default), ``--passes`` P in all. A grayscale
painter paints a light-on-dark picture inverted (detected from its border; ``--invert`` /
``--no-invert`` decide instead), and ``--stroke-width F`` redraws line art with strokes F of its
longer side wide first (``pictures.with_stroke_width``); a colour painter paints photos as they
are. Pictures are read at
bounded memory (``pictures.read_picture``).

The painting is one program of every stroke in canvas units, replayed through libmypaint at
``--size`` S (the longer side of the output; default: the work canvas, the painter's pixels per
tile), never resized. For each input ``NAME`` (numbered ``000_NAME``, ... in the order given)
OUT_DIR gets ``NAME.png`` (the painting, the picture's aspect ratio), ``NAME.svg`` (its strokes,
vector), ``NAME.json`` (its program, the json mode's format, plus ``crop``: the picture's box
of the square canvas, ``passes``: each kept pass's box and steps, ``brush``), with
``--keep-passes`` ``passes/NAME/pass_NN.png`` (the painting after each kept pass), with
``--movie`` ``NAME.mp4`` (``painting_movie``); and for all inputs ``side_by_side.png`` (rows of
target | painting) and ``l2.csv`` (the L2 at S of each painting and of a blank canvas, passes,
strokes). A picture that cannot be read is reported in one line and skipped; the others are
painted (exit status 1 when any was skipped).
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
from chainer_spiral.demo import painting_movie
from chainer_spiral.demo.coarse_to_fine import Plan, paint_pictures
from chainer_spiral.demo.pictures import (PictureError, is_light_on_dark, read_picture,
                                          with_stroke_width, work_target)
from chainer_spiral.demo.session import DemoError, check_snapshot_dir
from chainer_spiral.demo.svg import to_svg
from chainer_spiral.errors import report_unwritable
from chainer_spiral.program.json import to_doc
from chainer_spiral.program.replay import MAX_SIZE, crop
from chainer_spiral.sheets import tile

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif', '.tif', '.tiff')
# Pictures read and painted together (their passes batched): bounds the memory of a folder.
CHUNK = 16
MIN_SIZE = 8


def image_paths(inputs):
    """The image files of the inputs: files as given, folders' image files in name order.

    Returns:
        (paths, problems): the files, and one line for each input that gives none (missing,
        or a folder without image files).
    """
    paths, problems = [], []
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(p for p in item.iterdir()
                           if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                problems.append(f'{item}: expected image files ({", ".join(IMAGE_SUFFIXES)}) in '
                                f'the folder, found none')
            paths += found
        elif item.is_file():
            paths.append(item)
        else:
            problems.append(f'{item}: no such image file or folder')
    return paths, problems


def painter_l2(image, target, channels):
    """The L2 of an RGB painting uint8 (H, W, 3) to a target uint8 (C, H, W), as the painter
    sees both (C channels in [0, 1])."""
    canvas = to_canvas(image, channels).transpose(2, 0, 1).astype(np.float64) / 255
    return float(np.mean((canvas - target.astype(np.float64) / 255) ** 2))


def output_target(picture, painting, size, channels, paper):
    """The picture at the output's size as the painter sees it: uint8 (C, H, W)."""
    square, _ = work_target(picture, size, channels, painting.inverted, paper)
    return crop(square.transpose(1, 2, 0), painting.box).transpose(2, 0, 1)


def program_doc(painting):
    """The JSON document of a painting: the json mode's, plus crop, passes and brush."""
    doc = to_doc([painting.program])
    doc['crop'] = [float(v) for v in painting.box]
    doc['passes'] = [{'box': [float(v) for v in p.box], 'steps': list(p.steps)}
                     for p in painting.passes if p.kept]
    doc['brush'] = painting.brush
    return doc


def write_painting(out_dir, name, painting, size, keep_passes, movie):
    """Writes NAME.png, .svg, .json (and the passes, the movie) of one painting.

    Returns:
        uint8 (H, W, 3), the painting at `size`.
    """
    image = painting.image(size)
    imageio.imwrite(out_dir / f'{name}.png', image)
    (out_dir / f'{name}.svg').write_text(to_svg(painting.program, name, painting.box, size))
    (out_dir / f'{name}.json').write_text(json.dumps(program_doc(painting)))
    if keep_passes:
        folder = out_dir / 'passes' / name
        folder.mkdir(parents=True, exist_ok=True)
        kept = [i for i, p in enumerate(painting.passes) if p.kept]
        for n, i in enumerate(kept):
            imageio.imwrite(folder / f'pass_{n:02d}.png', painting.image(size, upto=i + 1))
    if movie:
        painting_movie.render(painting, out_dir / f'{name}.mp4', size)
    return image


def side_by_side(pairs, size):
    """Rows of target | painting, each in an S x S cell (centred): uint8 sheet."""
    cells = np.full((len(pairs), 2, size, size, 3), 255, np.uint8)
    for i, pair in enumerate(pairs):
        for j, image in enumerate(pair):
            h, w = image.shape[:2]
            top, left = (size - h) // 2, (size - w) // 2
            cells[i, j, top:top + h, left:left + w] = image
    return tile(cells.reshape(-1, size, size, 3), 2)


def build_parser(prog=None):
    parser = argparse.ArgumentParser(
        prog=prog, description='Paint pictures with a conditional SPIRAL painter, coarse to '
        'fine: the painting (PNG at any size), its strokes (SVG) and its program (JSON).')
    parser.add_argument('snapshot_dir', type=Path,
                        help='a conditional snapshot directory or a shipped painter\'s name')
    parser.add_argument('images', type=Path, nargs='+', metavar='IMAGE',
                        help='image files or folders of them')
    parser.add_argument('out_dir', type=Path, help='the folder the outputs go to')
    parser.add_argument('--tiles', type=int, default=0, metavar='K',
                        help='after the whole picture, paint K x K tiles on top (default 0)')
    parser.add_argument('--overlap', type=int, default=None, metavar='PX',
                        help='pixels of the painter\'s canvas that neighbouring tiles share '
                             '(default: an eighth of its canvas)')
    parser.add_argument('--passes', type=int, default=None, metavar='P',
                        help='passes in all, the whole picture\'s included (default 1 + K x K; '
                             'fewer paint the worst tiles only, more paint them again)')
    parser.add_argument('--strokes', type=int, default=None, metavar='T',
                        help='steps per pass (default: the painter\'s own)')
    parser.add_argument('--size', type=int, default=None, metavar='S',
                        help='the painting\'s longer side in pixels, replayed through libmypaint '
                             f'({MIN_SIZE} to {MAX_SIZE}; default: the painter\'s pixels per '
                             'tile)')
    parser.add_argument('--invert', action=argparse.BooleanOptionalAction, default=None,
                        help='paint the pictures\' negative (--no-invert: never; default: a '
                             'grayscale painter inverts pictures whose border is dark)')
    parser.add_argument('--stroke-width', type=float, default=None, metavar='F',
                        help='line art: redraw the strokes F of the picture\'s longer side wide '
                             'before painting (the MNIST painters\' digits: 0.08)')
    parser.add_argument('--n-samples', type=int, default=1, metavar='K',
                        help='paint each pass K times and keep the lowest-L2 one')
    parser.add_argument('--keep-passes', action='store_true',
                        help='write the painting after each pass to OUT_DIR/passes/NAME/')
    parser.add_argument('--movie', action='store_true',
                        help='write NAME.mp4, the painting stroke by stroke, pass by pass')
    parser.add_argument('--seed', type=int, default=0, help='seed of the action sampling')
    parser.add_argument('--greedy', action='store_true', help='the most likely actions')
    return parser


def check_args(parser, args):
    """Range checks of the numeric options (argparse's error on the first that fails)."""
    for flag, value, low in (('--tiles', args.tiles, 0), ('--passes', args.passes, 1),
                             ('--strokes', args.strokes, 1), ('--n-samples', args.n_samples, 1),
                             ('--overlap', args.overlap, 0)):
        if value is not None and value < low:
            parser.error(f'{flag}: expected an int >= {low}, got {value}')
    if args.size is not None and not MIN_SIZE <= args.size <= MAX_SIZE:
        parser.error(f'--size: expected an int in [{MIN_SIZE}, {MAX_SIZE}], got {args.size}')
    if args.stroke_width is not None and not 0 < args.stroke_width < 1:
        parser.error(f'--stroke-width: expected a fraction of the picture in (0, 1), got '
                     f'{args.stroke_width}')


def load_painter(parser, snapshot):
    """(cfg, agent) of a conditional snapshot or shipped painter (argparse's error if not)."""
    from chainer_spiral.runs.loading import load_agent
    try:
        snapshot = check_snapshot_dir(snapshot)
        try:
            cfg, agent, _ = load_agent(str(snapshot), with_dataset=False)
        except (OSError, ValueError) as e:
            raise DemoError(str(e).splitlines()[0]) from None
        if not cfg.model.conditional:
            raise DemoError(f'{snapshot}: the painter is unconditional (model.conditional: '
                            f'false); reconstruct needs a conditional one')
    except DemoError as e:
        parser.error(str(e))
    return cfg, agent


def main(argv=None, prog=None):
    """``demo.py reconstruct``; returns 0, 1 when a picture was skipped (input errors exit with
    status 2 through argparse)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    check_args(parser, args)
    paths, problems = image_paths(args.images)
    if not paths:
        parser.error(f'no picture painted: {problems[-1]}')
    cfg, agent = load_painter(parser, args.snapshot_dir)
    if args.stroke_width is not None and agent.generator.channels != 1:
        parser.error('--stroke-width: expected a grayscale (line art) painter, got a colour one')
    plan = Plan(args.tiles, args.overlap, args.passes, args.strokes, args.n_samples,
                args.greedy)
    try:
        side = plan.grid(cfg.env.imsize).side
    except ValueError as e:
        parser.error(str(e))
    size = args.size or side
    for problem in problems:
        print(f'{parser.prog}: skipped {problem}', file=sys.stderr)
    agent.seed(args.seed)
    try:
        rows, pairs, skipped = paint_all(args, cfg, agent, plan, paths, size, parser.prog)
    except OSError as e:
        return report_unwritable(parser.prog, e, args.out_dir)
    skipped = problems + skipped
    if not rows:
        parser.error(f'no picture painted: {skipped[-1]}')
    try:
        imageio.imwrite(args.out_dir / 'side_by_side.png', side_by_side(pairs, size))
        write_l2(args.out_dir / 'l2.csv', rows)
    except OSError as e:
        return report_unwritable(parser.prog, e, args.out_dir)
    print(f'reconstruct: wrote {len(rows)} paintings to {args.out_dir}'
          + (f' ({len(skipped)} inputs skipped)' if skipped else ''), file=sys.stderr)
    return 1 if skipped else 0


def paint_all(args, cfg, agent, plan, paths, size, prog):
    """Reads, paints and writes the pictures CHUNK at a time.

    Returns:
        (l2.csv rows, (target, painting) pairs at the output size, the skipped pictures' lines).
    """
    channels, side = agent.generator.channels, plan.grid(cfg.env.imsize).side
    rows, pairs, skipped = [], [], []
    for start in range(0, len(paths), CHUNK):
        chunk, pictures = [], []
        for index, path in enumerate(paths[start:start + CHUNK], start):
            try:
                pictures.append(read_picture(path, channels == 3, max(side, size)))
            except PictureError as e:
                print(f'{prog}: skipped {e}', file=sys.stderr)
                skipped.append(str(e))
                continue
            chunk.append((f'{index:03d}_{path.stem}', path))
        if not pictures:
            continue
        invert = None if args.invert is None else [args.invert] * len(pictures)
        if args.stroke_width is not None:
            pictures, invert = redrawn(pictures, invert, args.stroke_width)
        paintings = paint_pictures(agent, cfg, pictures, plan, invert)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        for (name, path), picture, painting in zip(chunk, pictures, paintings):
            image = write_painting(args.out_dir, name, painting, size, args.keep_passes,
                                   args.movie)
            target = output_target(picture, painting, size, channels, cfg.env.background)
            blank = np.empty_like(image)
            blank[...] = np.round(np.asarray(painting.program.background) * 255)
            row = {'name': name, 'input': str(path),
                   'l2': painter_l2(image, target, channels),
                   'blank_l2': painter_l2(blank, target, channels),
                   'passes': sum(p.kept for p in painting.passes),
                   'strokes': painting.n_strokes}
            rows.append(row)
            pairs.append((np.ascontiguousarray(crop_rgb(target)), image))
            print(f'{name}: L2 {row["l2"]:.4f} (blank canvas {row["blank_l2"]:.4f}), '
                  f'{row["strokes"]} strokes in {row["passes"]} of {len(painting.passes)} '
                  f'passes')
    return rows, pairs, skipped


def redrawn(pictures, invert, fraction):
    """Line art redrawn with strokes `fraction` of its longer side wide, dark on light: the
    pictures and their invert flags (all False now)."""
    if invert is None:
        invert = [is_light_on_dark(p) for p in pictures]
    return ([with_stroke_width(255 - p if flip else p, fraction)
             for p, flip in zip(pictures, invert)], [False] * len(pictures))


def crop_rgb(target):
    """uint8 (C, H, W) -> (H, W, 3)."""
    image = target.transpose(1, 2, 0)
    return np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image


def write_l2(path, rows):
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['name', 'input', 'l2', 'blank_l2', 'passes', 'strokes'])
        for row in rows:
            writer.writerow([row['name'], row['input'], f'{row["l2"]:.6f}',
                             f'{row["blank_l2"]:.6f}', row['passes'], row['strokes']])
