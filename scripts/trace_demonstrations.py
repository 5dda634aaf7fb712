"""Trace the training images of a config's data into programs to use as demonstrations.

    python scripts/trace_demonstrations.py CONFIG.yaml OUT.json [--n N] [--measure] [--heldout]
        [--set section.key=value ...]

Each image's ink is thinned to a skeleton and walked into pen strokes (datasets/tracing.py); the
strokes become the T steps of the config's 'spiral' action space on its grid
(agents/demonstrations.strokes_to_actions) and are written as programs (demo.py json's format),
which `agent.demonstrations` reads. No painter and no env step is involved, so a run cloning
them spends env steps only on playing them. Images whose ink leaves no stroke are left out. The
first N images of the training split are traced, so no held-out image is seen.

`--measure` plays the programs on the config's canvas (N * T env steps, measurement only) and
prints the conditional figures of evaluate.py against the traced images: what a painter that
imitated the tracer perfectly would score. `--heldout` traces the held-out split instead, to
measure the tracer where the painters are measured (never as demonstrations).
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

from chainer_spiral.agents.acting import to_canvas
from chainer_spiral.agents.demonstrations import strokes_to_actions
from chainer_spiral.config import ConfigError, load_config
from chainer_spiral.datasets import DatasetError
from chainer_spiral.datasets.tracing import trace_strokes
from chainer_spiral.program import json as programs_json
from chainer_spiral.program.conversion import program_from_actions
from chainer_spiral.runs.loading import make_dataset_from_config, make_env_from_config


def traced_programs(cfg, n=None, train=True):
    """The first n images of cfg's data traced (the training split, or the held-out one).

    Returns:
        (programs, the images traced float32 (n, C, H, W), their labels (n,) or None, the
        indices of the images that gave a program).

    Raises:
        ValueError: not the 'spiral' action space, or n outside [1, the split's images].
    """
    if cfg.env.action_space != 'spiral':
        raise ValueError(f"env.action_space: expected 'spiral', got {cfg.env.action_space!r}")
    data = make_dataset_from_config(cfg)
    images, labels = data.images(train), data.labels(train)
    n = len(images) if n is None else n
    if not 1 <= n <= len(images):
        raise ValueError(f'--n {n}: expected 1 to {len(images)} (the images of the split)')
    env = make_env_from_config(cfg)
    programs, kept = [], []
    for i, image in enumerate(images[:n]):
        strokes = trace_strokes(image.min(axis=0))
        if strokes:
            actions = strokes_to_actions(strokes, env.pos_resolution, env.max_episode_steps)
            programs.append(program_from_actions(env, actions))
            kept.append(i)
    env.close()
    return programs, images[:n], None if labels is None else labels[:n], kept


def measure(cfg, programs, images, labels, kept):
    """evaluate.py's conditional figures of the programs played on cfg's canvas against
    `images` (an image without a program counts as a blank canvas): dict."""
    from chainer_spiral.program.conversion import env_actions
    from chainer_spiral.evaluation.evaluate import classifier_config, problem_classifier
    from chainer_spiral.evaluation.quality import reconstruction_metrics
    env = make_env_from_config(cfg)
    drawings = np.ones_like(images)
    for i, program in zip(kept, programs):
        env.reset()
        for action in env_actions(program, env):
            obs, _, _, _ = env.step(action)
        drawings[i] = to_canvas(obs['image'], images.shape[1]).transpose(2, 0, 1) / 255.0
    env.close()
    full = make_dataset_from_config(classifier_config(cfg))
    classifier = (problem_classifier(full) or (None,))[0]
    return reconstruction_metrics(drawings, images, np.ones_like(images), classifier, labels)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', type=Path)
    parser.add_argument('out', type=Path, help='the programs file to write (.json)')
    parser.add_argument('--n', type=int, default=None,
                        help='trace the first N training images (default: all)')
    parser.add_argument('--measure', action='store_true',
                        help="play the programs and print evaluate.py's conditional figures")
    parser.add_argument('--heldout', action='store_true',
                        help='trace the held-out split (to measure the tracer)')
    parser.add_argument('--set', action='append', default=[], metavar='section.key=value',
                        help='override a config value (repeatable), as train.py does')
    args = parser.parse_args(argv)
    if args.out.suffix != '.json':
        parser.error(f'{args.out}: expected a .json file name')
    try:
        cfg = load_config(args.config, args.set)
        programs, images, labels, kept = traced_programs(cfg, args.n, not args.heldout)
    except (ConfigError, DatasetError, ValueError) as e:
        parser.error(str(e).splitlines()[0])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(programs_json.to_doc(programs)))
    split = 'held-out' if args.heldout else 'training'
    print(f'{len(programs)} programs traced from {len(images)} {split} images: {args.out}')
    if args.measure:
        figures = measure(cfg, programs, images, labels, kept)
        figures.pop('by_label', None)
        print(json.dumps(figures))


if __name__ == '__main__':
    sys.exit(main())
