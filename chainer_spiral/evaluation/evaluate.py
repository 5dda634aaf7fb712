"""Measuring a snapshot: reconstruction figures (conditional), Frechet distance and classifier
scores (unconditional), strokes.

`evaluate_snapshot` draws `n` episodes with the snapshot's agent and returns the figures that
`scripts/evaluate.py` writes to ``SNAPSHOT_DIR/metrics.json`` and the model cards quote.
"""
import dataclasses
import functools
import json
import os
from logging import getLogger
from pathlib import Path

import numpy as np

from chainer_spiral.evaluation import colour, quality
from chainer_spiral.evaluation.classifier import (
    accuracy, confidence_report, load_classifier, save_classifier, train_classifier)
from chainer_spiral.evaluation.pixel_pca import PixelPCA
from chainer_spiral.evaluation.strokes import stroke_statistics

logger = getLogger(__name__)

BATCH = 20
# The classifier score needs data to learn from; smaller labelled sets (the toy's 8 patterns) are
# measured by their nearest real image only.
MIN_CLASSIFIER_TRAIN = 1000
CLASSIFIER_DIR = Path(__file__).resolve().parent / 'classifiers'  # shipped (package data)
# Beside a run's snapshots: the Frechet-distance calibrations computed for it (see `calibration`).
CALIBRATION_FILE = 'calibration.json'


def paint(agent, envs, n, targets=None, greedy=False, record=False, temperature=1.0):
    """Yields (envs of the batch, its rollout) for `n` episodes in lockstep batches of at most
    len(envs): how the evaluation and the demos draw.

    Args:
        agent: SPIRAL.
        envs: the B envs of a batch.
        n: number of episodes.
        targets: float32 (n, C, H, W) for a conditional agent, else None.
        greedy: take the most probable actions instead of sampling.
        record: keep the RGB frames (Rollout.frames).
        temperature: sample from softmax(log pi / temperature).
    """
    for start in range(0, n, len(envs)):
        batch = envs[:min(len(envs), n - start)]
        target = None if targets is None else targets[start:start + len(batch)]
        yield batch, agent.collect(batch, targets=target, greedy=greedy, record=record,
                                   temperature=temperature)


def draw(agent, envs, n, targets=None, greedy=False, temperature=1.0, render_envs=None):
    """The final canvases (n, C, H, W) and blank canvases (n, C, H, W) of n episodes, and their
    stroke statistics (dict of arrays (n,)). With `render_envs` (as many as `envs`, another
    canvas and grid) each drawing is replayed there as its program (`rerender`) and measured
    on that canvas."""
    stats, finals, blanks = {}, [], []
    for batch, rollout in paint(agent, envs, n, targets, greedy, temperature=temperature):
        flags = rollout.actions[agent.spec.flag_field]
        if render_envs is None:
            final = rollout.finals
            blank = rollout.canvases[0].transpose(0, 3, 1, 2).astype(np.float32) / 255
        else:
            final, blank = rerender(batch, rollout, render_envs, agent.generator.channels)
        for key, values in stroke_statistics(flags, final, blank).items():
            stats.setdefault(key, []).append(values)
        finals.append(final)
        blanks.append(blank)
    return (np.concatenate(finals), np.concatenate(blanks),
            {k: np.concatenate(v) for k, v in stats.items()})


def rerender(envs, rollout, render_envs, channels):
    """The drawings of a rollout in `envs` replayed as programs on `render_envs` (another
    canvas, its grid scaled with it: conversion.replay): their finals and blanks, float32
    (B, C, H', W') in [0, 1]."""
    from chainer_spiral.agents.acting import to_canvas
    from chainer_spiral.program.conversion import replay
    frames, _ = replay(envs, rollout.actions, render_envs)
    return tuple(np.stack([to_canvas(f, channels) for f in frames[:, i]]).transpose(0, 3, 1, 2)
                 .astype(np.float32) / np.float32(255) for i in (-1, 0))


def rendered_config(cfg, imsize):
    """`cfg` on an imsize x imsize canvas, the grid scaled with it.

    Raises:
        ValueError: a grid that does not scale to a whole number of cells.
    """
    R = cfg.env.pos_resolution * imsize / cfg.env.imsize
    if not R.is_integer() or cfg.env.kind != 'mypaint':
        raise ValueError(f'imsize {imsize}: expected a mypaint canvas whose {cfg.env.imsize} '
                         f'px and grid of {cfg.env.pos_resolution} scale to a whole grid, got '
                         f'{cfg.env.kind} and a grid of {R:g}')
    return dataclasses.replace(cfg, env=dataclasses.replace(cfg.env, imsize=imsize,
                                                            pos_resolution=int(R)))


def evaluate_snapshot(snapshot_dir, n=1000, seed=0, greedy=False, classifier_path=None,
                      temperature=1.0, repeats=1, imsize=None):
    """Draws `n` episodes with a snapshot's agent and measures them.

    Args:
        snapshot_dir: ``OUTDIR/<step>`` of a run (``OUTDIR/config.yaml`` describes it).
        n: number of episodes (conditional: the first n held-out images).
        seed: seeds the agent's sampling.
        greedy: take the most probable actions.
        classifier_path: npz of the classifier for unconditional models (default:
            ``classifiers/<problem><imsize>.npz`` beside this module, trained and saved
            there if missing).
        temperature: sample from softmax(log pi / temperature) (1: the policy itself).
        repeats: unconditional painters: draw `repeats` sets of n with the sampling seeds
            seed, seed + 1, ..., all against the reference set and calibration of `seed`, and
            report their normalised Frechet distances (`repeated_fd`): how much of a figure is
            the luck of one draw.
        imsize: measure on another canvas: the agent draws on its own, each drawing is
            replayed there as its program (the grid scaled with the canvas, `rerender`), and
            every figure is taken against the data, classifier and calibration of that canvas
            (the calibration kept in ``calibration_<imsize>.json``). None: the run's canvas.

    Returns:
        dict, JSON-serialisable.

    Raises:
        ValueError: repeats below 1, or above 1 for a conditional painter; an imsize the
            grid does not scale to.
    """
    from chainer_spiral.runs.loading import (
        load_agent, make_dataset_from_config, make_envs_from_config)
    from chainer_spiral.runs.snapshots import COUNTERS_FILE, read_counters

    cfg, agent, dataset = load_agent(str(snapshot_dir), with_dataset=True)
    if repeats < 1 or (repeats > 1 and cfg.model.conditional):
        raise ValueError(f'repeats: expected 1 or more (1 for a conditional painter, whose '
                         f'held-out targets are fixed), got {repeats}')
    agent.seed(seed)
    targets = None
    if cfg.model.conditional:
        held_out = dataset.images(train=False)
        n = min(n, len(held_out))
        targets = held_out[:n]
    envs = make_envs_from_config(cfg, min(BATCH, n))
    render_envs, calibration_file = None, CALIBRATION_FILE
    if imsize is not None:
        cfg = rendered_config(cfg, imsize)
        dataset = make_dataset_from_config(cfg)
        render_envs = make_envs_from_config(cfg, len(envs))
        calibration_file = f'calibration_{imsize}.json'
    finals, blanks, stats = draw(agent, envs, n, targets, greedy, temperature, render_envs)
    if targets is not None and imsize is not None:
        targets = dataset.images(train=False)[:n]
    counters = read_counters(Path(snapshot_dir) / COUNTERS_FILE)
    metrics = {
        'snapshot': str(snapshot_dir),
        'env_steps': counters['steps'],
        'updates': counters['updates'],
        'episodes': int(n),
        'seed': int(seed),
        'greedy': bool(greedy),
        'temperature': float(temperature),
        'imsize': int(cfg.env.imsize),
        'strokes_per_drawing': float(stats['strokes'].mean()),
        'drawn_step_fraction': float(stats['drawn_fraction'].mean()),
        'ink_coverage': float(stats['ink_coverage'].mean()),
        'empty_share': float(stats['empty'].mean()),
    }
    full = make_dataset_from_config(classifier_config(cfg))
    classifier = (problem_classifier(full, classifier_path, seed) or (None,))[0]
    if cfg.model.conditional:
        l2 = ((finals - targets) ** 2).mean(axis=(1, 2, 3))
        metrics['heldout_l2_std'] = float(l2.std())
        labels = dataset.labels(train=False)
        metrics.update(quality.reconstruction_metrics(
            finals, targets, blanks, classifier, None if labels is None else labels[:n]))
        if dataset.channels == 3:
            metrics['colour'] = colour_figures(agent, envs, targets, seed, greedy, temperature,
                                               render_envs, finals, stats['empty'],
                                               cfg.env.background)
    else:
        metrics['nearest_real'] = nearest_real(finals, full.images(True), full.labels(True))
        report = classifier_scores(full, finals, classifier_path, n, seed,
                                   painter_class(cfg, full))
        if report is not None:
            metrics['classifier'] = report
        if classifier is not None:
            reference, second = quality.reference_sets(dataset.images(True), n, seed)
            cal = calibration(cfg, dataset, functools.partial(quality.features, classifier),
                              n, seed, Path(snapshot_dir).parent / calibration_file)
            metrics['quality'] = {**cal, **quality.sample_metrics(
                classifier, finals[:len(reference)], reference, cal,
                painter_class(cfg, full))}
            if repeats > 1:
                metrics['quality'].update(repeated_fd(
                    agent, envs, classifier, reference, cal, metrics['quality']['fd_normalised'],
                    seed, repeats, greedy, temperature, render_envs))
        elif dataset.channels == 3:
            reals = dataset.images(True)
            space = PixelPCA(reals)
            reference, _ = quality.reference_sets(reals, n, seed)
            cal = calibration(cfg, dataset, space.features, n, seed,
                              Path(snapshot_dir).parent / calibration_file)
            fd = quality.frechet_distance(space.features(finals[:len(reference)]),
                                          space.features(reference))
            metrics['quality'] = {**cal, 'feature_space': PixelPCA.__name__, 'fd': fd,
                                  'fd_normalised': quality.normalised_fd(fd, cal)}
    return metrics


def colour_figures(agent, envs, targets, seed, greedy, temperature, render_envs, finals, empty,
                   background):
    """A colour conditional painter's figures (evaluation/colour.py), sampled and greedy, with
    the baselines on the same targets: the draw already made (`finals`, `empty`, taken with
    `greedy`) and the other one (sampling seed `seed`).

    Returns:
        dict: sampled and greedy (colour.report each), baselines (colour.baselines).
    """
    agent.seed(seed)
    other, _, stats = draw(agent, envs, len(targets), targets, not greedy, temperature,
                           render_envs)
    made, again = colour.report(finals, targets, empty), colour.report(other, targets,
                                                                       stats['empty'])
    return {'sampled': again if greedy else made, 'greedy': made if greedy else again,
            'baselines': colour.baselines(targets, background)}


def repeated_fd(agent, envs, classifier, reference, cal, first, seed, repeats, greedy=False,
                temperature=1.0, render_envs=None):
    """The normalised Frechet distances of `repeats` sets of len(reference) drawings, the first
    already measured (`first`, sampling seed `seed`), the others drawn with the sampling seeds
    seed + 1, ..., seed + repeats - 1, all against `reference` (N, C, H, W) and calibration `cal`
    (replayed on `render_envs` where given, as `draw`).

    Returns:
        dict: fd_normalised_repeats (list, `first` first), fd_normalised_mean and
        fd_normalised_std (population) over them.
    """
    real = quality.features(classifier, reference)
    values = [first]
    for r in range(1, repeats):
        agent.seed(seed + r)
        drawings, _, _ = draw(agent, envs, len(reference), None, greedy, temperature,
                              render_envs)
        fd = quality.frechet_distance(quality.features(classifier, drawings), real)
        values.append(quality.normalised_fd(fd, cal))
    return {'fd_normalised_repeats': values, 'fd_normalised_mean': float(np.mean(values)),
            'fd_normalised_std': float(np.std(values))}


def classifier_path_of(full, classifier_path=None):
    """The classifier file of a problem's data: `classifier_path`, or the shipped default."""
    return Path(classifier_path or CLASSIFIER_DIR / f'{full.name}{full.imsize}.npz')


def problem_classifier(full, classifier_path=None, seed=0):
    """(Classifier, its json metadata) of a problem's data `full` (classifier_config), trained
    and saved when missing, or None when the data has no labels or too few images to train on."""
    if full.labels(True) is None or full.n_train < MIN_CLASSIFIER_TRAIN:
        return None
    path = classifier_path_of(full, classifier_path)
    if not path.is_file():
        logger.info('training the %s classifier (saved to %s)', full.name, path)
        fit_classifier(full, path, seed)
    return load_classifier(path, (full.channels, full.imsize, full.imsize))


def calibration(cfg, dataset, embed, n, seed, cache_path=None):
    """quality.calibrate for the painter's data in the feature space `embed` (the problem's
    classifier's, or PixelPCA's): its training images as reference and floor
    (quality.reference_sets), the drawings of a freshly initialised agent of `cfg` (its seed) as
    the untrained ceiling. Kept in `cache_path` (json, one entry per n and seed) when given.

    Returns:
        dict: fd_floor, fd_blank, fd_untrained, reference_size.
    """
    from chainer_spiral.runs.loading import build_agent_from_config, make_envs_from_config
    key = f'n={n} seed={seed}'
    cache = {}
    if cache_path is not None and Path(cache_path).is_file():
        cache = json.loads(Path(cache_path).read_text())
        if key in cache:
            return cache[key]
    reference, second = quality.reference_sets(dataset.images(True), n, seed)
    agent = build_agent_from_config(cfg, dataset)
    agent.seed(seed)
    untrained, _, _ = draw(agent, make_envs_from_config(cfg, min(BATCH, len(reference))),
                           len(reference))
    cache[key] = {**quality.calibrate(embed, reference, second, untrained),
                  'reference_size': len(reference)}
    if cache_path is not None:
        tmp = Path(f'{cache_path}.tmp')
        tmp.write_text(json.dumps(cache, indent=1) + '\n')
        os.replace(tmp, cache_path)
    return cache[key]


def classifier_config(cfg):
    """The config of the data a problem's classifier learns from and the painter is compared
    with: every class of the problem (the `label` filter dropped; for QuickDraw every category in
    the folder, so a one-category painter is scored against the others)."""
    data = dataclasses.replace(cfg.data, label=None)
    if data.problem == 'quickdraw':
        data = dataclasses.replace(data, categories=None)
    return dataclasses.replace(cfg, data=data)


def nearest_real(samples, reals, labels=None, chunk=256):
    """How close each sample is to its nearest real training image.

    Args:
        samples: float32 (N, C, H, W).
        reals: float32 (M, C, H, W).
        labels: int (M,) of the real images, or None.
        chunk: samples per distance matrix.

    Returns:
        dict: `mean_mse` (mean over samples of the MSE to the nearest real image),
        `exact_share` (share of samples equal to a real image), and with labels `histogram`
        (count of the nearest image's label).
    """
    flat_reals = reals.reshape(len(reals), -1).astype(np.float64)
    real_sq = (flat_reals ** 2).sum(axis=1)
    best, index = [], []
    for i in range(0, len(samples), chunk):
        s = samples[i:i + chunk].reshape(-1, flat_reals.shape[1]).astype(np.float64)
        d = (s ** 2).sum(axis=1)[:, None] - 2 * s @ flat_reals.T + real_sq[None, :]
        index.append(d.argmin(axis=1))
        best.append(np.maximum(d.min(axis=1), 0.0) / flat_reals.shape[1])
    best, index = np.concatenate(best), np.concatenate(index)
    report = {'mean_mse': float(best.mean()), 'exact_share': float(np.mean(best < 1e-9))}
    if labels is not None:
        n_classes = int(labels.max()) + 1
        report['histogram'] = np.bincount(labels[index], minlength=n_classes).astype(int).tolist()
    return report


def painter_class(cfg, full):
    """The one class a painter was trained on (`data.label`, or QuickDraw's only category) as an
    index of the classifier data `full`, or None when it was trained on several."""
    if cfg.data.label is not None:
        return int(cfg.data.label)
    if cfg.data.problem == 'quickdraw' and len(cfg.data.categories or ()) == 1:
        return list(full.class_names).index(cfg.data.categories[0])
    return None


def classifier_scores(dataset, samples, classifier_path, n, seed, painter=None):
    """The classifier's confidence and class histogram on the samples and on real held-out images.

    Args:
        dataset: the problem's dataset with every label (the classifier's data).
        samples: float32 (N, C, H, W), the agent's final canvases.
        classifier_path: npz file, or None for the default of the problem.
        n: number of real held-out images to score as the ceiling.
        seed: seed of the classifier's training, when it has to be trained.
        painter: the class index the painter was trained on, or None (see painter_class).

    Returns:
        dict, or None when the dataset has no labels or too few images to train on. With
        `painter`, also `painter_class_share`: the share of the samples put in that class, and
        `real_class_share`: the same on the real held-out images of that class (the ceiling).
    """
    loaded = problem_classifier(dataset, classifier_path, seed)
    if loaded is None:
        logger.info('%s: no classifier score (labels: %s, %d training images)', dataset.name,
                    dataset.labels(True) is not None, dataset.n_train)
        return None
    model, meta = loaded
    real = dataset.images(train=False)[:n]
    report = {
        'classifier': str(classifier_path_of(dataset, classifier_path)),
        'classifier_test_accuracy': meta['test_accuracy'],
        'samples': confidence_report(model, samples),
        'real_heldout': confidence_report(model, real),
        'class_names': dataset.class_names,
    }
    if painter is not None:
        own = dataset.images(train=False)[dataset.labels(False) == painter][:n]
        report['painter_class'] = painter
        report['painter_class_share'] = report['samples']['histogram'][painter] / len(samples)
        report['real_class_share'] = confidence_report(model, own)['histogram'][painter] / len(own)
    return report


# The headline figures of a metrics dict (evaluate_snapshot), one column each in a run's
# evaluation.csv: name -> path of keys.
SUMMARY = {
    'strokes_per_drawing': ('strokes_per_drawing',),
    'drawn_step_fraction': ('drawn_step_fraction',),
    'ink_coverage': ('ink_coverage',),
    'empty_share': ('empty_share',),
    'heldout_l2': ('heldout_l2',),
    'colour_mse': ('colour', 'sampled', 'mse'),
    'colour_psnr': ('colour', 'sampled', 'psnr'),
    'colour_mse_greedy': ('colour', 'greedy', 'mse'),
    'blank_l2': ('blank_l2',),
    'l2_gain': ('l2_gain',),
    'ink_precision': ('ink_precision',),
    'ink_recall': ('ink_recall',),
    'target_class_share': ('target_class_share',),
    'fd': ('quality', 'fd'),
    'fd_normalised': ('quality', 'fd_normalised'),
    'fd_floor': ('quality', 'fd_floor'),
    'fd_untrained': ('quality', 'fd_untrained'),
    'precision': ('quality', 'precision'),
    'recall': ('quality', 'recall'),
    'class_entropy': ('quality', 'class_entropy'),
    'distinct': ('quality', 'distinct'),
    'nearest_real_mse': ('nearest_real', 'mean_mse'),
    'classifier_confidence': ('classifier', 'samples', 'mean_confidence'),
    'real_confidence': ('classifier', 'real_heldout', 'mean_confidence'),
    'painter_class_share': ('classifier', 'painter_class_share'),
    'real_class_share': ('classifier', 'real_class_share'),
}


def summary(metrics):
    """{name: float} of the SUMMARY figures present in `metrics` (evaluate_snapshot's dict)."""
    out = {}
    for name, keys in SUMMARY.items():
        value = metrics
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            out[name] = float(value)
    return out


def summarise(snapshot_dir, n, seed):
    """summary(evaluate_snapshot(snapshot_dir, n, seed)): what the trainer records of every
    ``train.eval_interval``-th snapshot in OUTDIR/quality.csv (``train.py`` passes it as the
    trainer's `evaluate`)."""
    return summary(evaluate_snapshot(snapshot_dir, n=n, seed=seed))


def evaluate_run(run_dir, n=200, seed=0, every=1):
    """The SUMMARY figures of every `every`-th snapshot of a run (and of the last), in order of
    env steps.

    Returns:
        list of dicts: `steps`, `updates`, then summary(evaluate_snapshot(snapshot, n, seed)).
    """
    from chainer_spiral.runs.snapshots import list_snapshots
    rows = []
    snapshots = list_snapshots(run_dir)
    for i, snapshot in enumerate(snapshots):
        if i % every and i != len(snapshots) - 1:
            continue
        m = evaluate_snapshot(snapshot, n=n, seed=seed)
        rows.append({'steps': m['env_steps'], 'updates': m['updates'], **summary(m)})
        logger.info('%s: %s', snapshot, rows[-1])
    return rows


def fit_classifier(dataset, path, seed=0, epochs=3):
    """Trains the problem's classifier on its training split and saves it with its test accuracy."""
    labels = dataset.labels(True)
    n_classes = int(max(labels.max(), dataset.labels(False).max())) + 1
    model = train_classifier(dataset.images(True), labels, n_classes, epochs=epochs, seed=seed)
    acc = accuracy(model, dataset.images(False), dataset.labels(False))
    logger.info('%s classifier: held-out accuracy %.4f', dataset.name, acc)
    save_classifier(model, path, {'problem': dataset.name, 'imsize': dataset.imsize,
                                  'epochs': epochs, 'seed': seed, 'test_accuracy': acc,
                                  'n_train': len(labels), 'class_names': dataset.class_names})
    return model, acc
