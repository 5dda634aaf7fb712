"""What the discriminator sees (agents/critic_inputs.py, models/augment.py): DiffAugment transforms
each real and painted image alike and is differentiable; complement pairs split the right halves;
the agent learns with both."""
import chainer
import numpy as np
import pytest
from chainer import gradient_check

from chainer_spiral.agents import build_agent
from chainer_spiral.agents.critic_inputs import CriticInputs, complement_pairs, half_masks
from chainer_spiral.models.augment import AugmentParams, DiffAugment, cutout, translate

from test_local_features import ColourDataset
from test_spiral import mypaint_envs


def test_each_pair_is_transformed_alike():
    """Reals equal to fakes (and conditions) stay equal to each other, pair by pair, while the
    transforms change them and differ between pairs; the same seed draws the same transforms."""
    rng = np.random.RandomState(0)
    images = rng.rand(6, 3, 16, 16).astype(np.float32)
    outs = []
    for _ in range(2):
        outs.append(CriticInputs(augment=True).training(
            np.random.RandomState(4), images, images.copy(), images.copy(), images.copy()))
    reals, fakes, real_cond, fake_cond = outs[0]
    np.testing.assert_array_equal(reals, fakes)
    np.testing.assert_array_equal(real_cond, fake_cond)
    np.testing.assert_array_equal(reals, real_cond)
    for a, b in zip(outs[0], outs[1]):
        np.testing.assert_array_equal(a, b)
    assert np.abs(reals - images).mean() > 0.05
    same = images[:1].repeat(6, axis=0)
    out, _, _, _ = CriticInputs(augment=True).training(np.random.RandomState(4), same, same,
                                                      None, None)
    assert len({x.tobytes() for x in out}) == 6


def test_translation_moves_real_and_painted_dots_by_the_same_shift():
    real = np.zeros((2, 1, 8, 8), np.float32)
    fake = np.zeros_like(real)
    real[:, 0, 3, 3] = 1
    fake[:, 0, 5, 2] = 1
    shift = np.array([[1, -2], [-3, 0]])
    moved_real, moved_fake = (translate(x, shift).array for x in (real, fake))
    assert moved_real[0, 0, 4, 1] == 1 and moved_fake[0, 0, 6, 0] == 1
    assert moved_real[1, 0, 0, 3] == 1 and moved_fake[1, 0, 2, 2] == 1
    assert moved_real.sum() == moved_fake.sum() == 2
    shifted_out = translate(real, np.array([[0, 5], [0, 0]])).array
    assert shifted_out[0].sum() == 0  # the dot left the image, zeros came in


def test_cutout_clears_its_square_at_the_border_too():
    x = np.ones((2, 1, 6, 6), np.float32)
    out = cutout(x, np.array([[1, 2], [-2, 4]]), 3).array
    assert (out[0, 0, 1:4, 2:5] == 0).all() and out[0].sum() == 36 - 9
    assert (out[1, 0, 0:1, 4:6] == 0).all() and out[1].sum() == 36 - 2


def test_the_augmentation_is_differentiable():
    rng = np.random.RandomState(1)
    x = rng.rand(3, 3, 8, 8)
    params = DiffAugment().sample(rng, 3, 8)
    gy = rng.randn(3, 3, 8, 8)
    gradient_check.check_backward(lambda v: DiffAugment()(v, params), x, gy, dtype=np.float64,
                                  atol=1e-4, rtol=1e-4)
    ggx = rng.randn(3, 3, 8, 8)
    gradient_check.check_double_backward(lambda v: DiffAugment()(v, params) ** 2, x, gy, ggx,
                                         dtype=np.float64, atol=1e-4, rtol=1e-4)


def test_colour_only_on_grey_keeps_the_image_grey():
    params = AugmentParams(np.array([0.1]), np.array([1.7]), np.array([1.2]),
                           np.zeros((1, 2), int), np.full((1, 2), -100))
    x = np.random.RandomState(0).rand(1, 1, 4, 4).repeat(3, axis=1).astype(np.float32)
    out = DiffAugment()(x, params).array
    np.testing.assert_allclose(out[:, 0], out[:, 1], atol=1e-6)
    mean = (x + 0.1).mean()
    np.testing.assert_allclose(out, (x + 0.1 - mean) * 1.2 + mean, atol=1e-6)


def test_the_masks_are_the_four_halves():
    left, right, top, bottom = half_masks(4)[:, 0]
    assert (left[:, :2] == 1).all() and (left[:, 2:] == 0).all()
    np.testing.assert_array_equal(right, 1 - left)
    np.testing.assert_array_equal(top, left.T)
    np.testing.assert_array_equal(bottom, 1 - top)


def test_complement_pairs_take_the_image_and_the_target_from_opposite_halves():
    canvas = np.full((2, 3, 4, 4), 0.2, np.float32)
    target = np.full((2, 3, 4, 4), 0.8, np.float32)
    masks = half_masks(4)[[0, 2]]  # the target's left half; its top half
    image_half, target_half = complement_pairs(canvas, target, masks)
    assert (image_half[0, :, :, 2:] == 0.2).all() and (image_half[0, :, :, :2] == 0).all()
    assert (target_half[0, :, :, :2] == 0.8).all() and (target_half[0, :, :, 2:] == 0).all()
    assert (image_half[1, :, 2:] == 0.2).all() and (image_half[1, :, :2] == 0).all()
    assert (target_half[1, :, :2] == 0.8).all() and (target_half[1, :, 2:] == 0).all()


def test_training_pairs_split_real_and_painted_with_the_same_mask():
    rng = np.random.RandomState(0)
    target = rng.rand(8, 3, 4, 4).astype(np.float32)
    canvas = rng.rand(8, 3, 4, 4).astype(np.float32)
    reals, fakes, real_cond, fake_cond = CriticInputs(complement=True).training(
        np.random.RandomState(2), target, canvas, target, target)
    np.testing.assert_array_equal(real_cond, fake_cond)
    np.testing.assert_array_equal(reals + real_cond, target)  # a real pair splits the target
    np.testing.assert_array_equal((fakes == 0), (reals == 0))
    np.testing.assert_array_equal(fakes + fake_cond, np.where(reals == 0, target, canvas))
    scored = CriticInputs(complement=True).scoring(canvas, target)
    assert len(scored) == 4
    for (image_half, target_half), mask in zip(scored, half_masks(4)):
        np.testing.assert_array_equal(image_half, canvas * (1 - mask))
        np.testing.assert_array_equal(target_half, target * mask)


@pytest.mark.parametrize('agent_cfg', [{'critic_augment': True},
                                       {'complement_critic': True, 'critic_augment': True}])
def test_the_agent_updates_its_critic_through_them(agent_cfg):
    envs = mypaint_envs(2, T=2, action_space='paper')
    agent = build_agent(envs[0], ColourDataset(), {'conditional': True},
                        dict(agent_cfg, rollout_n=2))
    before = agent.discriminator.convs[0].W.array.copy()
    agent.update(agent.collect(envs))
    stats = dict(agent.get_statistics())
    assert np.isfinite(stats['train/d_loss']) and np.isfinite(stats['train/gp'])
    assert not np.array_equal(agent.discriminator.convs[0].W.array, before)
    with chainer.no_backprop_mode():
        scores = agent.reward.scores(np.ones((2, 3, 64, 64), np.float32),
                                     np.zeros((2, 3, 64, 64), np.float32))
    assert scores.shape == (2,) and np.isfinite(scores).all()
