"""Trace the training images of a config's data into programs to use as demonstrations.

    python scripts/trace_demonstrations.py CONFIG.yaml OUT.json [--n N] [--set section.key=value ...]

Each image's ink is thinned to a skeleton and walked into pen strokes (datasets/tracing.py); the
strokes become the T steps of the config's 'spiral' action space on its grid
(agents/demonstrations.strokes_to_actions) and are written as programs (demo.py json's format),
which `agent.demonstrations` reads. No painter and no env step is involved, so a run cloning
them spends env steps only on playing them. Images whose ink leaves no stroke are left out. The
first N images of the training split are traced, so no held-out image is seen.
"""
import argparse
import json
import sys
from pathlib import Path

from chainer_spiral.agents.demonstrations import strokes_to_actions
from chainer_spiral.config import ConfigError, load_config
from chainer_spiral.datasets import DatasetError
from chainer_spiral.datasets.tracing import trace_strokes
from chainer_spiral.demo import json as programs_json
from chainer_spiral.demo.conversion import program_from_actions
from chainer_spiral.training.factory import make_dataset_from_config, make_env_from_config


def traced_programs(cfg, n=None):
    """(Programs of the first n training images of cfg's data traced, the images traced).

    Raises:
        ValueError: not the 'spiral' action space, or n outside [1, training images].
    """
    if cfg.env.action_space != 'spiral':
        raise ValueError(f"env.action_space: expected 'spiral', got {cfg.env.action_space!r}")
    images = make_dataset_from_config(cfg).images(True)
    n = len(images) if n is None else n
    if not 1 <= n <= len(images):
        raise ValueError(f'--n {n}: expected 1 to {len(images)} (the training images)')
    env = make_env_from_config(cfg)
    programs = []
    for image in images[:n]:
        strokes = trace_strokes(image.min(axis=0))
        if strokes:
            actions = strokes_to_actions(strokes, env.pos_resolution, env.max_episode_steps)
            programs.append(program_from_actions(env, actions))
    env.close()
    return programs, n


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', type=Path)
    parser.add_argument('out', type=Path, help='the programs file to write (.json)')
    parser.add_argument('--n', type=int, default=None,
                        help='trace the first N training images (default: all)')
    parser.add_argument('--set', action='append', default=[], metavar='section.key=value',
                        help='override a config value (repeatable), as train.py does')
    args = parser.parse_args(argv)
    if args.out.suffix != '.json':
        parser.error(f'{args.out}: expected a .json file name')
    try:
        programs, n = traced_programs(load_config(args.config, args.set), args.n)
    except (ConfigError, DatasetError, ValueError) as e:
        parser.error(str(e).splitlines()[0])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(programs_json.to_doc(programs)))
    print(f'{len(programs)} programs traced from {n} training images: {args.out}')


if __name__ == '__main__':
    sys.exit(main())
