"""PixelPCA: the feature space of unconditional painters of data without a classifier (faces),
and evaluate_snapshot's Frechet distance in it."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from chainer_spiral.config import load_config
from chainer_spiral.evaluation import evaluate_snapshot, quality, summary
from chainer_spiral.evaluation.pixel_pca import COMPONENTS, PixelPCA
from chainer_spiral.training import train

REPO = Path(__file__).resolve().parents[2]


def faces(n, seed=0, size=32):
    """float32 (n, 3, size, size): smooth random colour layouts in [0.2, 0.8]."""
    rng = np.random.RandomState(seed)
    small = rng.uniform(0.2, 0.8, (n, 4, 4, 3)).astype(np.float32)
    return np.stack([cv2.resize(s, (size, size), interpolation=cv2.INTER_LINEAR).transpose(2, 0, 1)
                     for s in small])


def test_features_are_the_top_components_of_the_averaged_pixels():
    images = faces(60)
    space = PixelPCA(images)
    feats = space.features(images)
    assert feats.shape == (60, COMPONENTS)
    np.testing.assert_allclose(feats.mean(axis=0), 0, atol=1e-9)     # centred on the fit set
    np.testing.assert_allclose(space.basis @ space.basis.T, np.eye(COMPONENTS), atol=1e-9)
    variances = feats.var(axis=0)
    assert (np.diff(variances) <= 1e-12).all()                         # largest first
    # 8 x 8 area averages: a 32 x 32 image of 4 x 4 blocks gives back each block's mean
    block = np.kron(np.arange(64, dtype=np.float32).reshape(8, 8) / 64, np.ones((4, 4)))
    pixels = space.pixels(np.repeat(block[None, None], 3, axis=1))
    np.testing.assert_allclose(pixels[0, :64], block[::4, ::4].ravel(), atol=1e-6)


def test_the_distance_is_zero_for_the_same_set_and_a_shift_costs_its_square():
    images, other = faces(80, seed=1), faces(80, seed=2)
    space = PixelPCA(faces(100, seed=3))
    def fd(a, b):
        return quality.frechet_distance(space.features(a), space.features(b))

    assert fd(images, images) == pytest.approx(0, abs=1e-6)
    # the features are linear in the pixels: a uniform shift d moves every feature by
    # d * (basis @ 1) and leaves the covariance, so FD = d^2 |basis @ 1|^2
    d = 0.1
    expected = d ** 2 * np.sum((space.basis @ np.ones(space.basis.shape[1])) ** 2)
    assert fd(images + d, images) == pytest.approx(expected, rel=1e-4)
    cal = quality.calibrate(space.features, images, other, images + d)
    assert cal['fd_untrained'] == pytest.approx(expected, rel=1e-4)
    assert 0 < cal['fd_floor'] < cal['fd_blank']


def test_an_unconditional_colour_painter_gets_a_calibrated_distance(tmp_path):
    folder = tmp_path / 'faces'
    folder.mkdir()
    for i, image in enumerate(faces(40, seed=4)):
        cv2.imwrite(str(folder / f'{i:02d}.png'),
                    np.round(image.transpose(1, 2, 0)[:, :, ::-1] * 255).astype(np.uint8))
    cfg = load_config(REPO / 'configs' / 'celeba.yaml', [
        'data.problem=folder', f'data.path={folder}', 'data.channels=3', 'data.test_last=null',
        'model.conditional=false', 'model.colour_prior=false', 'agent.reward_mode=wgangp',
        'env.imsize=16', 'env.pos_resolution=8', 'env.max_episode_steps=3', 'agent.rollout_n=4',
        'train.steps=24', 'train.n_save_interval=0', 'train.n_save_final_obs_interval=0'])
    snapshot = train(cfg, tmp_path / 'run', argv=['tiny'], progress=False)['snapshot']
    m = evaluate_snapshot(snapshot, n=12, seed=0)
    q = m['quality']
    assert q['feature_space'] == 'PixelPCA' and q['reference_size'] == 12
    assert 0 <= q['fd_floor'] < q['fd_blank'] and q['fd_untrained'] > q['fd_floor']
    assert q['fd_normalised'] == pytest.approx(
        (q['fd'] - q['fd_floor']) / (q['fd_untrained'] - q['fd_floor']))
    assert summary(m)['fd_normalised'] == q['fd_normalised']
    assert evaluate_snapshot(snapshot, n=12, seed=0)['quality'] == q      # calibration cached
    assert (Path(snapshot).parent / 'calibration.json').is_file()
