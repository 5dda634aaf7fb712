"""Train the classifier that scores a problem's unconditional painters (scripts/evaluate.py).

    python scripts/train_classifier.py CONFIG [--epochs 3] [--seed 0]

Reads the config's dataset with every class (`classifier_config`: the `data.label` filter is
dropped; QuickDraw reads every category in its folder), trains on its training split, measures the held-out accuracy and writes
chainer_spiral/evaluation/classifiers/<problem><imsize>.npz and .json.
"""
import argparse
import logging
import sys

from chainer_spiral.config import load_config
from chainer_spiral.errors import report_unwritable
from chainer_spiral.evaluation import fit_classifier
from chainer_spiral.evaluation.evaluate import CLASSIFIER_DIR, classifier_config
from chainer_spiral.runs.loading import make_dataset_from_config


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f'--epochs: expected a positive int, got {args.epochs}')
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    try:
        dataset = make_dataset_from_config(classifier_config(load_config(args.config)))
    except (OSError, ValueError) as e:
        parser.error(str(e).splitlines()[0])
    if dataset.labels(True) is None:
        parser.error(f'{args.config}: the {dataset.name} dataset has no labels to classify')
    path = CLASSIFIER_DIR / f'{dataset.name}{dataset.imsize}.npz'
    try:
        _, acc = fit_classifier(dataset, path, seed=args.seed, epochs=args.epochs)
    except OSError as e:
        return report_unwritable(parser.prog, e, path)
    print(f'{path}: held-out accuracy {acc:.4f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
