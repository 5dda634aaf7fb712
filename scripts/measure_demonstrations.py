"""Measure demonstrations as the drawings a student cloning them would imitate, on a run's canvas.

    python scripts/measure_demonstrations.py SNAPSHOT_DIR DEMOS [--n 1000] [--seed 0]
        [--spacing arc|vertices]

Each demonstration (an Omniglot strokes zip or a programs .json, as `agent.demonstrations`
reads them) becomes the T actions of the snapshot's run (`--spacing` as `agent.demo_spacing`)
and is played on its canvas; N of them, drawn at random (`--seed`), are measured as
`scripts/evaluate.py` measures an unconditional snapshot's drawings: normalised Frechet
distance on the run's scale (OUTDIR/calibration.json, computed there when missing), precision,
recall, class entropy and the classifier's share of each class. A student seldom draws better
than what it imitates, so this is a ceiling to check before cloning (docs/evaluation.md).
Prints the figures as JSON; writes nothing else.
"""
import argparse
import functools
import json
import logging
import sys
from pathlib import Path

import numpy as np

from chainer_spiral.agents.demonstrations import (SPACINGS, demonstration_batch, played,
                                                  read_demonstrations)
from chainer_spiral.datasets.base import DatasetError

BATCH = 50


def demonstration_drawings(cfg, agent, demos, spacing='arc'):
    """The final canvases float32 (len(demos), C, H, W) of demonstrations (lists of strokes)
    played as the run of `cfg` and `agent` would clone them."""
    from chainer_spiral.runs.loading import make_envs_from_config
    envs = make_envs_from_config(cfg, min(BATCH, len(demos)))
    finals = []
    for start in range(0, len(demos), len(envs)):
        batch = demos[start:start + len(envs)]
        actions = demonstration_batch(batch, agent.spec.R, cfg.env.max_episode_steps, spacing)
        finals.append(played(envs[:len(batch)], agent.spec, actions,
                             agent.generator.channels).finals)
    for env in envs:
        env.close()
    return np.concatenate(finals)


def measure_demonstrations(snapshot_dir, demos_path, n=1000, seed=0, spacing='arc'):
    """The unconditional figures (dict) of n demonstrations drawn at random (seed) from a file,
    played on the canvas of an unconditional snapshot's run and measured on its scale.

    Raises:
        DatasetError: an unreadable demonstrations file.
        ValueError: a conditional snapshot, a problem without a classifier, or n outside
            [4, the demonstrations].
    """
    from chainer_spiral.evaluation import quality
    from chainer_spiral.evaluation.evaluate import (
        CALIBRATION_FILE, calibration, classifier_config, problem_classifier)
    from chainer_spiral.runs.loading import load_agent, make_dataset_from_config
    cfg, agent, dataset = load_agent(str(snapshot_dir), with_dataset=True)
    if cfg.model.conditional:
        raise ValueError(f'{snapshot_dir}: expected an unconditional painter (its scale is that '
                         f'of unconditional drawings), got a conditional one')
    demos = read_demonstrations(demos_path)
    if not 4 <= n <= len(demos):
        raise ValueError(f'--n {n}: expected 4 to {len(demos)} (the demonstrations that paint)')
    full = make_dataset_from_config(classifier_config(cfg))
    classifier = (problem_classifier(full, None, seed) or (None,))[0]
    if classifier is None:
        raise ValueError(f'{cfg.data.problem}: expected a problem with a classifier, got one '
                         f'without labels or with too few images')
    picked = np.random.RandomState(seed).choice(len(demos), n, replace=False)
    drawings = demonstration_drawings(cfg, agent, [demos[i] for i in picked], spacing)
    reference, _ = quality.reference_sets(dataset.images(True), n, seed)
    cal = calibration(cfg, dataset, functools.partial(quality.features, classifier), n, seed,
                      Path(snapshot_dir).parent / CALIBRATION_FILE)
    figures = quality.sample_metrics(classifier, drawings, reference, cal)
    predicted = classifier.probabilities(drawings).argmax(axis=1)
    shares = np.bincount(predicted, minlength=classifier.n_classes) / n
    return {'demonstrations': str(demos_path), 'snapshot': str(snapshot_dir), 'n': n,
            'seed': seed, 'spacing': spacing, **{k: float(v) for k, v in figures.items()},
            'class_shares': [round(float(s), 4) for s in shares]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('snapshot_dir', type=Path, help="an unconditional snapshot: its run's "
                                                        'canvas, grid, steps and scale')
    parser.add_argument('demos', type=Path, help='demonstrations: strokes .zip or programs .json')
    parser.add_argument('--n', type=int, default=1000, help='demonstrations to measure')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the pick and of the reference set')
    parser.add_argument('--spacing', choices=SPACINGS, default='arc',
                        help="the demonstrations' actions, as agent.demo_spacing")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    try:
        figures = measure_demonstrations(args.snapshot_dir, args.demos, args.n, args.seed,
                                         args.spacing)
    except (DatasetError, OSError, ValueError) as e:
        parser.error(str(e).splitlines()[0])
    print(json.dumps(figures, indent=1))


if __name__ == '__main__':
    sys.exit(main())
