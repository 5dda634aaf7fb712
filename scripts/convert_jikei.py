"""Build the Jikei (Kuzushiji character) npz that the `jikei` dataset reads.

Input: CODH's character-shape dataset (http://codh.rois.ac.jp/char-shape/book/), one folder per
book: ROOT/<book id>/characters/U+XXXX/*.jpg (dark ink on light paper). Each crop is fitted,
aspect kept, into `margin` of an imsize square of white paper, binarised, and stored as 0/1
(1 = paper), as chainer_spiral's converter does. The lightest and darkest `--cut` shares of
the images (by ink density) are dropped: they are mostly blank or blotted crops.

Output: npz with `img` uint8 (N, imsize, imsize) in {0, 1} and `tag` (N,) 'U+XXXX' strings.

    python scripts/convert_jikei.py ROOT OUT.npz [--imsize 64] [--tags tags.txt] [--books ID ...]
"""
import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from chainer_spiral.errors import read_text, report_unwritable


def fit(gray, imsize, margin):
    """Fit a uint8 (H, W) crop into the centre of a white imsize square, aspect kept.

    Returns:
        uint8 (imsize, imsize).
    """
    h, w = gray.shape
    scale = imsize * margin / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    gray = cv2.resize(gray, (new_w, new_h), interpolation=interpolation)
    canvas = np.full((imsize, imsize), 255, np.uint8)
    top, left = (imsize - new_h) // 2, (imsize - new_w) // 2
    canvas[top:top + new_h, left:left + new_w] = gray
    return canvas


def convert_image(path, imsize, margin, threshold):
    """One character crop -> uint8 (imsize, imsize) in {0, 1}, 1 = paper."""
    gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise ValueError(f'{path}: not a readable image')
    return (fit(gray, imsize, margin) > threshold).astype(np.uint8)


def character_folders(root, books, tags):
    """(tag, folder) of every selected character folder, sorted by book then tag."""
    book_dirs = [root / b for b in books] if books else sorted(p.parent for p in
                                                               root.glob('*/characters'))
    found = []
    for book in book_dirs:
        characters = book / 'characters'
        if not characters.is_dir():
            raise ValueError(f'{book}: expected a characters/ folder (CODH layout)')
        for folder in sorted(characters.glob('U+*')):
            if folder.is_dir() and (tags is None or folder.name in tags):
                found.append((folder.name, folder))
    return found


def cut_by_density(images, tags, low, high):
    """Drop the `low` share of images with the least paper and the `high` share with the most."""
    order = np.argsort(images.mean(axis=(1, 2)), kind='stable')
    n = len(order)
    keep = np.sort(order[int(n * low):n - int(n * high)])
    return images[keep], tags[keep]


def read_tags(path):
    """Tag list file, one code point a line ('3042' or 'U+3042')."""
    text = read_text(path, 'the tags file', 'a text file of code points')
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return {line if line.startswith('U+') else 'U+' + line for line in lines}


def convert(root, imsize=64, margin=0.8, threshold=128, books=None, tags=None, cut=(0.05, 0.05)):
    """Convert a CODH folder tree.

    Returns:
        (img uint8 (N, imsize, imsize) in {0, 1}, tag str (N,)).
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f'{root}: expected a folder of CODH book folders, got '
                         f'{"a file" if root.exists() else "nothing"}')
    images, names = [], []
    for tag, folder in character_folders(root, books, tags):
        for path in sorted(folder.glob('*.jpg')):
            images.append(convert_image(path, imsize, margin, threshold))
            names.append(tag)
    if not images:
        raise ValueError(f'{root}: no character images found (<book>/characters/U+XXXX/*.jpg)')
    return cut_by_density(np.stack(images), np.array(names), *cut)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('root', help='folder of CODH book folders')
    parser.add_argument('out', help='output .npz')
    parser.add_argument('--imsize', type=int, default=64)
    parser.add_argument('--margin', type=float, default=0.8, help='share of the square filled')
    parser.add_argument('--threshold', type=int, default=128, help='gray level: above is paper')
    parser.add_argument('--tags', help='file of code points to keep (default: all)')
    parser.add_argument('--books', nargs='+', help='book ids to convert (default: all)')
    parser.add_argument('--cut', type=float, nargs=2, default=(0.05, 0.05), metavar=('LOW', 'HIGH'),
                        help='shares dropped at both ends of the ink density order')
    args = parser.parse_args(argv)
    try:
        tags = None if args.tags is None else read_tags(args.tags)
        img, tag = convert(args.root, args.imsize, args.margin, args.threshold, args.books, tags,
                           args.cut)
    except (ValueError, OSError) as e:
        parser.error(str(e).splitlines()[0])
    try:
        np.savez_compressed(args.out, img=img, tag=tag)
    except OSError as e:
        return report_unwritable(parser.prog, e, args.out)
    print(f'{args.out}: {len(img)} images of {len(set(tag))} characters '
          f'at {args.imsize}x{args.imsize}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
