"""models/refine.py: a 32 x 32 (R 16) painter's weights moved to 64 x 64 (R 32) keep its action
distribution on a blank canvas up to the grid refinement, and `--init` takes such a snapshot."""
import json

import chainer
import numpy as np
import pytest

from chainer_spiral.agents import build_agent
from chainer_spiral.envs import make_env
from chainer_spiral.models import refine
from chainer_spiral.models.decoder import DeconvNHWC
from chainer_spiral.runs.snapshots import (MANIFEST_FILE, SnapshotError, init_from_snapshot,
                                          manifest)

MODEL = {'position_activation': 'relu'}


class Digits:
    """Stands in for a grayscale dataset of the given side."""
    channels = 1

    def __init__(self, imsize):
        self.imsize = imsize

    def get_example(self, train=True):
        return np.ones((1, self.imsize, self.imsize), np.float32)


def painter(imsize, seed=0):
    env = make_env('mypaint', imsize=imsize, pos_resolution=imsize // 2, max_episode_steps=2)
    return build_agent(env, Digits(imsize), MODEL, {'rollout_n': 2}, seed=seed)


def arrays(link):
    return {path.lstrip('/'): p.array.copy() for path, p in link.namedparams()}


def first_step(agent):
    """On a blank canvas before any action: (z (256,), position probabilities (R * R,), flag
    probabilities after the greedy position (2,))."""
    g, side = agent.generator, agent.generator.imsize
    images = np.ones((1, side, side, 1), np.float32)
    feats = np.zeros((1, len(g.spec.heads)), np.float32)
    seen = {}

    def choose(head, log_p):
        seen[head.name] = np.exp(log_p[0])
        return np.array([log_p[0].argmax()])
    with chainer.no_backprop_mode():
        gx_pi, gx_v = g.encode(images, feats)
        z, _ = g.unroll(gx_pi, gx_v, 1, 1)
        g.decoder(z, choose)
    return z.array[0], seen['position'], seen['prob']


def parents(p, R):
    """Probabilities over an R x R grid summed over each 2 x 2 block: (R / 2)^2."""
    return p.reshape(R // 2, 2, R // 2, 2).sum(axis=(1, 3)).ravel()


def peaked_small():
    """A 32 x 32 painter whose first position is far from uniform (its grid head's last conv
    scaled up)."""
    small = painter(32)
    head = small.generator.decoder.heads[0]
    head.last.W.array *= 2000
    small._share_local_parameters()
    return small


def test_the_refined_painter_keeps_the_blank_canvas_distribution_up_to_the_grid():
    small = peaked_small()
    large, fresh = painter(64, seed=1), painter(64, seed=1)
    large.set_networks({name: refine.refined(arrays(getattr(small, name)), getattr(large, name),
                                             refine.FLAT_MAPS[name])
                        for name in ('generator', 'discriminator')})
    z_small, p_small, flag_small = first_step(small)
    z_large, p_large, flag_large = first_step(large)
    np.testing.assert_allclose(z_large, z_small, rtol=1e-4, atol=1e-5)   # encoders and LSTMs
    assert p_small.max() > 0.5                                          # a peaked policy
    refined_tv = 0.5 * np.abs(parents(p_large, 32) - p_small).sum()
    fresh_tv = 0.5 * np.abs(parents(first_step(fresh)[1], 32) - p_small).sum()
    assert refined_tv < 0.1 and refined_tv < fresh_tv / 4, (refined_tv, fresh_tv)
    np.testing.assert_allclose(flag_large, flag_small, atol=0.05)


def test_a_spread_layer_reads_a_constant_map_as_before():
    rng = np.random.RandomState(0)
    for layout in ('hwc', 'chw'):
        W = rng.randn(3, 2 * 2 * 4).astype(np.float32)
        big = refine._spread(W, (3, 3 * 3 * 4), 4, layout, 'w')
        per_channel = rng.rand(4).astype(np.float32)
        small_map = (np.tile(per_channel, 4) if layout == 'hwc' else np.repeat(per_channel, 4))
        large_map = (np.tile(per_channel, 9) if layout == 'hwc' else np.repeat(per_channel, 9))
        np.testing.assert_allclose(big @ large_map, W @ small_map, rtol=1e-5)


def test_the_new_deconvolution_upsamples_to_the_nearest_cell():
    deconv = DeconvNHWC(8, 8)
    deconv.W.array[...] = refine._upsampling('decoder/heads/0/ups/3/W', (4, 4, 8, 8),
                                             {'decoder/heads/0/ups/2/W': None})
    x = np.random.RandomState(0).rand(2, 5, 5, 8).astype(np.float32)
    expected = x.repeat(2, axis=1).repeat(2, axis=2)
    np.testing.assert_allclose(deconv(x).array, expected, rtol=1e-6, atol=1e-6)


def test_init_refines_a_half_size_snapshot_and_refuses_any_other(tmp_path):
    small = peaked_small()
    small.save(str(tmp_path / 'small'))
    (tmp_path / 'small' / 'counters.json').write_text(
        '{"steps": 10, "updates": 1, "episodes": 2, "elapsed": 1.0}')
    (tmp_path / 'small' / MANIFEST_FILE).write_text(json.dumps(manifest(tmp_path / 'small')))
    large = painter(64)
    init_from_snapshot(large, tmp_path / 'small')
    np.testing.assert_allclose(first_step(large)[0], first_step(small)[0], rtol=1e-4, atol=1e-5)
    other = build_agent(make_env('mypaint', imsize=64, pos_resolution=32, max_episode_steps=2),
                        Digits(64), dict(MODEL, conditional=True), {'rollout_n': 2})
    with pytest.raises(SnapshotError, match="expected a snapshot of this config's agent"):
        init_from_snapshot(other, tmp_path / 'small')
