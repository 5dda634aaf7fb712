"""Coarse-to-fine paintings: time of a tiled painting on one core, and memory on a huge input.

    .venv/bin/python scripts/bench_tiles.py [--painter NAME] [--tiles 4] [--size 256] [--repeats 3]
    .venv/bin/python scripts/bench_tiles.py --memory [--side 6000]

Time: a 256 x 256 painting (a synthetic picture of printed digits, so that passes are kept and
the canvas grows) with the whole picture then K x K tiles, T strokes each, through
``coarse_to_fine.paint_picture`` and the replay at --size; pin it to one core with
``taskset -c 0`` and ``OMP_NUM_THREADS=1``. Prints the best and median of --repeats runs, split
into painting and replay, and ends with ``seconds=<best>``.

Memory: ``demo.py reconstruct`` (``--tiles 3 --size 512``) in a fresh process on a --side x
--side input (a JPEG, an 8-bit PNG, a 16-bit PNG with alpha) and on a 64 x 64 PNG; each process
reports its peak resident memory (``VmHWM``), so the figures show what a huge input adds.
Results: docs/benchmarks.md, docs/many_strokes.md.
"""
import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report its parent's.
MEASURE = '''
import re, sys
from pathlib import Path
from chainer_spiral.demo.reconstruct import main
code = main(sys.argv[1:], prog='reconstruct')
hwm = re.search(r'VmHWM:\\s+(\\d+) kB', Path('/proc/self/status').read_text()).group(1)
print(f'peak_kib={hwm} exit={code}')
'''


def digits_picture(side):
    """Printed digits in a 3 x 3 grid, dark on white: uint8 (side, side)."""
    picture = np.full((side, side), 255, np.uint8)
    cell = side // 3
    for k in range(9):
        row, col = divmod(k, 3)
        cv2.putText(picture, str(k + 1), (col * cell + cell // 4, row * cell + 3 * cell // 4),
                    cv2.FONT_HERSHEY_SIMPLEX, cell / 40, 0, max(1, cell // 12), cv2.LINE_AA)
    return picture


def bench_time(args):
    from chainer_spiral.demo.coarse_to_fine import Plan, paint_picture
    from chainer_spiral.painters import resolve_snapshot
    from chainer_spiral.runs.loading import load_agent
    cfg, agent, _ = load_agent(str(resolve_snapshot(args.painter)), with_dataset=False)
    picture = digits_picture(args.size)
    plan = Plan(tiles=args.tiles, overlap=args.overlap)
    paint_picture(agent, cfg, picture, plan)  # warm-up: first calls allocate
    runs = []
    for seed in range(args.repeats):
        agent.seed(seed)
        start = time.perf_counter()
        painting = paint_picture(agent, cfg, picture, plan)
        painted = time.perf_counter()
        painting.image(args.size)
        runs.append((time.perf_counter() - start, painted - start, painting.n_strokes,
                     sum(p.kept for p in painting.passes), len(painting.passes)))
    for total, paint, strokes, kept, passes in runs:
        print(f'{total:.2f} s ({paint:.2f} s painting, {total - paint:.2f} s replay at '
              f'{args.size}): {strokes} strokes, {kept} of {passes} passes kept')
    totals = [r[0] for r in runs]
    print(f'{args.painter}, --tiles {args.tiles}, overlap {plan.grid(cfg.env.imsize).overlap} '
          f'px, {args.size} x {args.size}: best {min(totals):.2f} s, median '
          f'{np.median(totals):.2f} s over {args.repeats} runs')
    print(f'seconds={min(totals):.2f}')


def huge_inputs(folder, side):
    """The --memory inputs: name -> path."""
    rng = np.random.RandomState(0)
    small = cv2.resize(rng.randint(0, 256, (48, 48, 3)).astype(np.uint8), (side, side),
                       interpolation=cv2.INTER_CUBIC)
    paths = {'64px.png': folder / 'small.png'}
    cv2.imwrite(str(paths['64px.png']), cv2.resize(small, (64, 64)))
    paths[f'{side}px.jpg'] = folder / 'huge.jpg'
    cv2.imwrite(str(paths[f'{side}px.jpg']), small, [cv2.IMWRITE_JPEG_QUALITY, 90])
    paths[f'{side}px.png'] = folder / 'huge.png'
    cv2.imwrite(str(paths[f'{side}px.png']), small)
    paths[f'{side}px 16-bit RGBA.png'] = folder / 'huge16.png'
    alpha = np.full((side, side, 1), 65535, np.uint16)
    cv2.imwrite(str(paths[f'{side}px 16-bit RGBA.png']),
                np.concatenate([small.astype(np.uint16) * 257, alpha], axis=2))
    return paths


def bench_memory(args):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, path in huge_inputs(folder, args.side).items():
            start = time.perf_counter()
            result = subprocess.run(
                [sys.executable, '-c', MEASURE, args.painter, str(path), str(folder / 'out'),
                 '--tiles', '3', '--size', '512'], capture_output=True, text=True, cwd=REPO)
            line = result.stdout.strip().splitlines()[-1]
            kib = int(line.split()[0].split('=')[1])
            print(f'{name:>22s} ({path.stat().st_size / 1e6:6.1f} MB file): peak RSS '
                  f'{kib / 1024:7.1f} MiB, {time.perf_counter() - start:5.1f} s ({line})')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--painter', default='mnist_conditional',
                        help='a shipped painter\'s name or a snapshot directory')
    parser.add_argument('--tiles', type=int, default=4)
    parser.add_argument('--overlap', type=int, default=None)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--memory', action='store_true', help='measure memory instead')
    parser.add_argument('--side', type=int, default=6000, help='the huge inputs\' side')
    args = parser.parse_args()
    if args.memory:
        bench_memory(args)
    else:
        bench_time(args)


if __name__ == '__main__':
    main()
