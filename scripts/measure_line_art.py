"""The conditional MNIST painters on digits in styles no training set holds.

    .venv/bin/python scripts/measure_line_art.py [--painters mnist_conditional mnist_conditional64 ...]
        [--n-mnist 200] [--arms as_is mnist_width pen_width] [--keep-all] [--judge S]
        [--seed 0] [--out FILE.json]

Three sets of pictures of the digits 0-9, each painted once by each painter (sampled actions,
the whole picture on the painter's canvas, ``coarse_to_fine.paint_pictures``):

- ``mnist``: the painter's own held-out digits (its dataset's test split, the first --n-mnist);
- ``printed``: the ten digits in 20 Debian typefaces (DejaVu, Liberation, FreeFont: thin, regular,
  bold, italic; ``apt-get install fonts-dejavu fonts-liberation fonts-freefont-ttf``) on a
  128 x 128 picture, the glyph 70% of its height (MNIST's digits fill 20 of 28 pixels);
- ``sketch``: the ten digits in OpenCV's six Hershey pen fonts drawn with a 2 px and a 6 px pen
  on a 256 x 256 picture.

Each drawing is classified by the MNIST classifier of the painter's canvas size
(``evaluation/classifiers/mnist<imsize>.npz``; ``--judge S``: the drawing replayed at S pixels,
the classifier of S, so that two painters meet one judge); the table gives the share classified as the
target's digit (and the classifier's reading of the targets themselves, as the painter sees
them: the ceiling), the L2 gain over a blank canvas, and the stroke width of the pictures
relative to their side (2 x ink area / ink perimeter).

By default a drawing is kept only where it lowers the L2 of its target, as ``reconstruct``
paints (else the blank canvas is classified); ``--keep-all`` keeps every drawing: the painter's
own. The controlled experiment (``--arms``) repaints the printed and sketched digits after a
change of their stroke width only (``pictures.redraw_strokes``): ``mnist_width`` skeletonises
each glyph (Zhang-Suen) and redraws the skeleton at MNIST's median relative width (measured on
the held-out digits; what ``reconstruct --stroke-width`` does), ``pen_width`` at the painters'
own pen (the round brush's diameter over the canvas side). Results:
docs/many_strokes.md.
"""
import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from chainer_spiral.demo.pictures import redraw_strokes, stroke_width

FONT_DIR = Path('/usr/share/fonts/truetype')
FONTS = {  # file -> weight group
    'dejavu/DejaVuSans-ExtraLight.ttf': 'thin', 'freefont/FreeMono.ttf': 'thin',
    'liberation/LiberationMono-Regular.ttf': 'thin',
    'dejavu/DejaVuSans.ttf': 'regular', 'dejavu/DejaVuSerif.ttf': 'regular',
    'dejavu/DejaVuSansMono.ttf': 'regular', 'liberation/LiberationSans-Regular.ttf': 'regular',
    'liberation/LiberationSerif-Regular.ttf': 'regular', 'freefont/FreeSans.ttf': 'regular',
    'freefont/FreeSerif.ttf': 'regular',
    'dejavu/DejaVuSans-Bold.ttf': 'bold', 'dejavu/DejaVuSerif-Bold.ttf': 'bold',
    'dejavu/DejaVuSansMono-Bold.ttf': 'bold', 'liberation/LiberationSans-Bold.ttf': 'bold',
    'liberation/LiberationSerif-Bold.ttf': 'bold', 'freefont/FreeSansBold.ttf': 'bold',
    'freefont/FreeMonoBold.ttf': 'bold',
    'dejavu/DejaVuSans-Oblique.ttf': 'italic', 'liberation/LiberationSerif-Italic.ttf': 'italic',
    'freefont/FreeSerifItalic.ttf': 'italic',
}
HERSHEY = ('SIMPLEX', 'DUPLEX', 'COMPLEX', 'TRIPLEX', 'SCRIPT_SIMPLEX', 'SCRIPT_COMPLEX')
GLYPH_HEIGHT = 0.7


def fit(glyph, side):
    """A dark-on-white glyph (any size) scaled to GLYPH_HEIGHT of a side x side picture,
    centred: uint8 (side, side)."""
    ys, xs = np.nonzero(glyph < 128)
    glyph = glyph[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = glyph.shape
    k = side * GLYPH_HEIGHT / h
    size = (max(1, round(w * k)), max(1, round(h * k)))
    glyph = cv2.resize(glyph, size, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    out = np.full((side, side), 255, np.uint8)
    h, w = glyph.shape
    top, left = (side - h) // 2, (side - w) // 2
    out[top:top + h, left:left + w] = glyph
    return out


def printed(side=128):
    """(pictures, labels, styles) of the printed digits."""
    from PIL import Image, ImageDraw, ImageFont
    missing = [name for name in FONTS if not (FONT_DIR / name).is_file()]
    if missing:
        raise SystemExit(f'{FONT_DIR / missing[0]}: expected the typeface, found none (apt-get '
                         f'install fonts-dejavu fonts-liberation fonts-freefont-ttf)')
    pictures, labels, styles = [], [], []
    for name, weight in FONTS.items():
        font = ImageFont.truetype(str(FONT_DIR / name), size=2 * side)
        for digit in range(10):
            image = Image.new('L', (3 * side, 3 * side), 255)
            ImageDraw.Draw(image).text((side // 2, side // 4), str(digit), font=font, fill=0)
            pictures.append(fit(np.asarray(image), side))
            labels.append(digit)
            styles.append(weight)
    return pictures, labels, styles


def sketched(side=256):
    """(pictures, labels, styles) of the Hershey pen digits, drawn at their size with the pen."""
    pictures, labels, styles = [], [], []
    for name in HERSHEY:
        font = getattr(cv2, f'FONT_HERSHEY_{name}')
        for pen in (2, 6):
            for digit in range(10):
                (_, height), _ = cv2.getTextSize(str(digit), font, 1.0, 1)
                scale = GLYPH_HEIGHT * side / height
                (w, h), _ = cv2.getTextSize(str(digit), font, scale, pen)
                canvas = np.full((side, side), 255, np.uint8)
                cv2.putText(canvas, str(digit), ((side - w) // 2, (side + h) // 2), font, scale,
                            0, pen, cv2.LINE_AA)
                pictures.append(canvas)
                labels.append(digit)
                styles.append(f'{pen} px pen')
    return pictures, labels, styles


def mnist_set(cfg, n):
    """The painter's held-out digits as dark-on-white pictures at its canvas size."""
    from chainer_spiral.runs.loading import make_dataset_from_config
    dataset = make_dataset_from_config(cfg)
    images = dataset.images(train=False)[:n, 0]
    pictures = [np.round(image * 255).astype(np.uint8) for image in images]
    return pictures, [int(v) for v in dataset.labels(train=False)[:n]], ['mnist'] * len(images)


def measure(agent, cfg, classifier, pictures, labels, seed, keep_all, judge):
    """Paints the pictures; returns per picture (painting right, target right, l2 gain), the
    drawings replayed and the targets made at `judge` pixels for the classifier."""
    from chainer_spiral.agents.acting import to_canvas
    from chainer_spiral.demo.coarse_to_fine import Plan, paint_pictures
    from chainer_spiral.demo.pictures import work_target
    agent.seed(seed)
    paintings = paint_pictures(agent, cfg, pictures, Plan(keep_all=keep_all),
                               invert=[False] * len(pictures))
    drawn = np.stack([to_canvas(p.image(judge), 1).transpose(2, 0, 1) for p in paintings])
    drawn = drawn.astype(np.float32)
    targets = np.stack([work_target(p, judge, 1)[0] for p in pictures]).astype(np.float32)
    drawn, targets = drawn / 255, targets / 255
    labels = np.asarray(labels)
    right = classifier.probabilities(drawn).argmax(axis=1) == labels
    ceiling = classifier.probabilities(targets).argmax(axis=1) == labels
    l2 = ((drawn - targets) ** 2).mean(axis=(1, 2, 3))
    blank = ((1 - targets) ** 2).mean(axis=(1, 2, 3))
    return right, ceiling, 1 - l2 / blank


def pen_fraction(cfg):
    """The painter's pen diameter over its canvas side."""
    from chainer_spiral.envs.mypaint_env import MyPaintEnv
    env = MyPaintEnv(imsize=cfg.env.imsize, pos_resolution=cfg.env.pos_resolution,
                     brush=cfg.env.brush)
    return 2 * env.radius / cfg.env.imsize


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--painters', nargs='+', default=['mnist_conditional',
                                                          'mnist_conditional64',
                                                          'mnist_conditional64_traced'])
    parser.add_argument('--n-mnist', type=int, default=200)
    parser.add_argument('--arms', nargs='+', default=['as_is', 'mnist_width', 'pen_width'])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--judge', type=int, default=None, metavar='S',
                        help='classify the drawings replayed at S px with the mnist<S> classifier '
                             '(default: the painter\'s own canvas)')
    parser.add_argument('--keep-all', action='store_true',
                        help='keep every pass, also one that raises the L2 (the painter\'s '
                             'drawing as it is); default: as reconstruct paints')
    parser.add_argument('--out', type=Path, default=None, help='also write the rows as JSON')
    args = parser.parse_args()
    from chainer_spiral.evaluation.classifier import load_classifier
    from chainer_spiral.evaluation.evaluate import CLASSIFIER_DIR
    from chainer_spiral.painters import resolve_snapshot
    from chainer_spiral.runs.loading import load_agent
    styled = {'printed': printed(), 'sketch': sketched()}
    rows = []
    for name in args.painters:
        cfg, agent, _ = load_agent(str(resolve_snapshot(name)), with_dataset=False)
        imsize, judge = cfg.env.imsize, args.judge or cfg.env.imsize
        classifier, _ = load_classifier(CLASSIFIER_DIR / f'mnist{judge}.npz', (1, judge, judge))
        mnist = mnist_set(cfg, args.n_mnist)
        mnist_width = np.median([stroke_width(p) for p in mnist[0]]) / imsize
        widths = {'mnist_width': mnist_width, 'pen_width': pen_fraction(cfg)}
        print(f'{name}: {imsize} px, MNIST stroke width {mnist_width:.3f} of the side, the pen '
              f'{widths["pen_width"]:.3f}')
        sets = [('mnist', 'as_is', mnist)]
        for set_name, (pictures, labels, styles) in styled.items():
            for arm in args.arms:
                if arm != 'as_is':
                    side = len(pictures[0])
                    pictures = [redraw_strokes(p, widths[arm] * side) for p in pictures]
                sets.append((set_name, arm, (pictures, labels, styles)))
                pictures = styled[set_name][0]
        for set_name, arm, (pictures, labels, styles) in sets:
            start = time.perf_counter()
            right, ceiling, gain = measure(agent, cfg, classifier, pictures, labels, args.seed,
                                           args.keep_all, judge)
            relative = np.array([stroke_width(p) / len(p) for p in pictures])
            styles = np.asarray(styles)
            for style in ['all'] + sorted(set(styles) - {'mnist'}):
                keep = np.ones(len(styles), bool) if style == 'all' else styles == style
                rows.append({'painter': name, 'set': set_name, 'arm': arm, 'style': style,
                             'n': int(keep.sum()), 'read_as_target': float(right[keep].mean()),
                             'target_read': float(ceiling[keep].mean()),
                             'l2_gain': float(gain[keep].mean()),
                             'stroke_width': float(np.median(relative[keep]))})
                r = rows[-1]
                print(f'{name:20s} {set_name:8s} {arm:12s} {style:10s} n {r["n"]:4d}: '
                      f'{100 * r["read_as_target"]:5.1f}% read as the target (targets '
                      f'{100 * r["target_read"]:5.1f}%), L2 gain {r["l2_gain"]:.3f}, stroke '
                      f'width {r["stroke_width"]:.3f} ({time.perf_counter() - start:.0f} s)')
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == '__main__':
    main()
