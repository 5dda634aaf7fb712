"""How close drawings are to real images, in a classifier's feature space and in pixels.

Unconditional painters are compared with real images of their data through the penultimate
layer (128 ReLU features) of the problem's classifier (classifier.py):

- `frechet_distance`: the Frechet distance between Gaussians fitted to two feature sets (FID's
  formula on our own small classifier);
- `precision_recall`: k-NN precision (share of drawings inside the real images' k-NN balls) and
  recall (share of real images inside the drawings' balls), Kynkaanniemi et al. 2019;
- `class_entropy`: the entropy of the classifier's histogram of drawn classes (nats);
- `distinct_count`: drawings that differ from every other kept drawing by more than a pixel MSE.

A Frechet distance depends on the problem, the classifier and the sample size, so it is reported
beside its calibration (`calibrate`): the floor, two disjoint sets of real images; the ceilings,
blank canvases and the drawings of the untrained policy; and normalised as
(FD - floor) / (untrained - floor): 0 draws like the data, 1 like the untrained policy.

Conditional painters (`reconstruction_metrics`) are measured in pixels against their targets.
"""
import numpy as np

# Ink: pixels darker than this (images in [0, 1], white paper).
INK_THRESHOLD = 0.5
# Two drawings are the same drawing below this mean squared pixel difference (docs/evaluation.md).
DISTINCT_MSE = 0.01


def features(classifier, images, batch=256):
    """The classifier's penultimate-layer activations: float32 (N, C, H, W) -> float64 (N, 128)."""
    import chainer
    out = []
    with chainer.no_backprop_mode(), chainer.using_config('train', False):
        for i in range(0, len(images), batch):
            out.append(classifier.features(images[i:i + batch]).array)
    return np.concatenate(out).astype(np.float64)


def gaussian(feats):
    """(mean (D,), covariance (D, D)) of features (N, D)."""
    return feats.mean(axis=0), np.cov(feats, rowvar=False)


def _sqrtm_psd(c):
    w, v = np.linalg.eigh(c)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(a, b):
    """|mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2)) between feature sets (N, D), (M, D).

    tr((C_a C_b)^(1/2)) is computed as tr((C_a^(1/2) C_b C_a^(1/2))^(1/2)), a symmetric matrix's
    square root, so the result is real and >= 0 up to rounding.
    """
    (mu_a, c_a), (mu_b, c_b) = gaussian(a), gaussian(b)
    root_a = _sqrtm_psd(c_a)
    middle = np.linalg.eigvalsh(root_a @ c_b @ root_a)
    cross = np.sqrt(np.clip(middle, 0, None)).sum()
    return float(max(np.sum((mu_a - mu_b) ** 2) + np.trace(c_a) + np.trace(c_b) - 2 * cross,
                     0.0))


def squared_distances(a, b):
    """Squared Euclidean distances between the rows of a (M, D) and b (N, D): (M, N)."""
    return np.maximum((a ** 2).sum(1)[:, None] - 2 * a @ b.T + (b ** 2).sum(1)[None, :], 0.0)


def precision_recall(real, fake, k=3):
    """k-NN precision and recall of feature sets real (N, D) and fake (M, D).

    Each set's manifold is the union of balls around its points with the distance to their k-th
    nearest neighbour in the same set as radius. Precision: share of fake points in the real
    manifold; recall: share of real points in the fake manifold.

    Returns:
        (precision, recall), floats in [0, 1].
    """
    def radii(x):
        d = squared_distances(x, x)
        return np.sort(d, axis=1)[:, min(k, len(x) - 1)]  # column 0 is the point itself

    cross = squared_distances(fake, real)  # (M, N)
    precision = np.mean((cross <= radii(real)[None, :]).any(axis=1))
    recall = np.mean((cross.T <= radii(fake)[None, :]).any(axis=1))
    return float(precision), float(recall)


def class_entropy(histogram):
    """Entropy (nats) of a class histogram (counts)."""
    p = np.asarray(histogram, np.float64)
    p = p[p > 0] / p.sum()
    return float(-(p * np.log(p)).sum()) + 0.0  # + 0.0: one class gives 0.0, not -0.0


def distinct_count(images, threshold=DISTINCT_MSE):
    """Drawings kept by a greedy pass that keeps an image when its mean squared pixel difference
    to every image kept before it exceeds `threshold`.

    Args:
        images: float32 (N, C, H, W) in [0, 1].
    """
    flat = images.reshape(len(images), -1).astype(np.float64)
    kept = []
    for x in flat:
        if all(np.mean((x - y) ** 2) > threshold for y in kept):
            kept.append(x)
    return len(kept)


def reference_sets(images, n, seed=0):
    """Two disjoint sets of real images drawn without replacement with a fixed seed: the
    reference the drawings are compared with, and a second real set for the floor.

    Args:
        images: float32 (M, C, H, W) real images.
        n: wanted size; the sets get min(n, M // 2) images each.

    Returns:
        (reference, second), float32 (n', C, H, W) each.
    """
    n = min(n, len(images) // 2)
    order = np.random.RandomState(seed).permutation(len(images))
    return images[order[:n]], images[order[n:2 * n]]


def calibrate(embed, reference, second_real, untrained):
    """The floor and the ceilings of the Frechet distance to `reference`.

    Args:
        embed: images (N, C, H, W) -> features (N, D): `functools.partial(features,
            classifier)`, or PixelPCA.features for data without a classifier.
        reference, second_real: disjoint real images (N, C, H, W) (reference_sets).
        untrained: drawings of the untrained policy (N, C, H, W).

    Returns:
        dict: fd_floor (second_real), fd_blank (white canvases), fd_untrained.
    """
    ref = embed(reference)
    blank = np.ones_like(reference)
    return {'fd_floor': frechet_distance(embed(second_real), ref),
            'fd_blank': frechet_distance(embed(blank), ref),
            'fd_untrained': frechet_distance(embed(untrained), ref)}


def normalised_fd(fd, calibration):
    """(fd - floor) / (untrained - floor): 0 at the real images' floor, 1 at the untrained
    policy; nan when the untrained policy is not above the floor (too few images to tell)."""
    floor, span = calibration['fd_floor'], calibration['fd_untrained'] - calibration['fd_floor']
    return (fd - floor) / span if span > 0 else float('nan')


def sample_metrics(classifier, drawings, reference, calibration, painter=None):
    """The unconditional figures of drawings against the reference images.

    Args:
        classifier: Classifier.
        drawings, reference: float32 (N, C, H, W).
        calibration: `calibrate`'s dict for this reference.
        painter: the class a one-class painter was trained on, or None.

    Returns:
        dict: fd, fd_normalised, precision, recall, class_entropy, distinct (among the first 100
        drawings), and with `painter` painter_class_share.
    """
    fake, real = features(classifier, drawings), features(classifier, reference)
    fd = frechet_distance(fake, real)
    precision, recall = precision_recall(real, fake)
    predicted = classifier.probabilities(drawings).argmax(axis=1)
    histogram = np.bincount(predicted, minlength=classifier.n_classes)
    out = {'fd': fd, 'fd_normalised': normalised_fd(fd, calibration), 'precision': precision,
           'recall': recall, 'class_entropy': class_entropy(histogram),
           'distinct': distinct_count(drawings[:100])}
    if painter is not None:
        out['painter_class_share'] = float(np.mean(predicted == painter))
    return out


def reconstruction_metrics(drawings, targets, blanks, classifier=None, labels=None):
    """The conditional figures of drawings against their targets.

    Args:
        drawings, targets, blanks: float32 (N, C, H, W) in [0, 1] (blanks: the empty canvases).
        classifier, labels: the problem's classifier and the targets' labels (N,), or None.

    Returns:
        dict: heldout_l2, blank_l2, l2_gain (1 - heldout_l2 / blank_l2), ink_precision (share
        of drawn ink on target ink), ink_recall (share of target ink drawn), and with a
        classifier target_class_share (share of drawings classified as their target's label)
        and by_label ({label: {n, l2_gain, target_class_share}} over the targets of each label:
        which of them the painter cannot draw yet).
    """
    l2 = float(np.mean((drawings - targets) ** 2))
    blank_l2 = float(np.mean((blanks - targets) ** 2))
    drawn, wanted = drawings.min(axis=1) < INK_THRESHOLD, targets.min(axis=1) < INK_THRESHOLD
    both = np.logical_and(drawn, wanted).sum()
    out = {'heldout_l2': l2, 'blank_l2': blank_l2, 'l2_gain': 1 - l2 / blank_l2,
           'ink_precision': float(both / max(drawn.sum(), 1)),
           'ink_recall': float(both / max(wanted.sum(), 1))}
    if classifier is not None and labels is not None:
        labels = np.asarray(labels)
        predicted = classifier.probabilities(drawings).argmax(axis=1)
        out['target_class_share'] = float(np.mean(predicted == labels))
        out['by_label'] = {}
        for label in np.unique(labels):
            mine = labels == label
            gain = 1 - (np.mean((drawings[mine] - targets[mine]) ** 2)
                        / np.mean((blanks[mine] - targets[mine]) ** 2))
            out['by_label'][str(label)] = {
                'n': int(mine.sum()), 'l2_gain': float(gain),
                'target_class_share': float(np.mean(predicted[mine] == label))}
    return out
