"""Rewards, returns, A3C losses and the discriminator losses on fixed inputs."""
import chainer
import chainer.functions as F
import numpy as np
import pytest

from chainer_spiral.agents import learning, rewards
from chainer_spiral.config import section
from chainer_spiral.models import ActionSpec, Discriminator


class StubDiscriminator(chainer.Link):
    """D(x) = sum of the pixels of x minus 1 (plus the target's sum when conditional)."""

    def __init__(self, conditional=False):
        super().__init__()
        self.conditional = conditional

    def forward(self, x, target=None):
        y = F.sum(x, axis=(1, 2, 3)) - 1
        return y + F.sum(target, axis=(1, 2, 3)) if self.conditional else y


IMAGES = np.array([[[[0.0, 0.5], [1.0, 1.0]]], [[[1.0, 1.0], [1.0, 1.0]]]], np.float32)
TARGETS = np.array([[[[1.0, 1.0], [0.0, 1.0]]], [[[1.0, 1.0], [1.0, 1.0]]]], np.float32)


def test_wgangp_reward_is_the_discriminator_score():
    scores = rewards.WGANGP(StubDiscriminator()).scores(IMAGES, TARGETS)
    np.testing.assert_allclose(scores, [1.5, 3.0])


def test_conditional_discriminator_gets_the_target():
    scores = rewards.WGANGP(StubDiscriminator(True)).scores(IMAGES, TARGETS)
    np.testing.assert_allclose(scores, [4.5, 7.0])


def test_dcgan_reward_is_the_softplus_of_the_logit():
    scores = rewards.DCGAN(StubDiscriminator()).scores(IMAGES, TARGETS)
    np.testing.assert_allclose(scores, np.log1p(np.exp([1.5, 3.0])), rtol=1e-6)


def test_each_reward_mode_has_its_object():
    dis = StubDiscriminator()
    for mode, kind in [('wgangp', rewards.WGANGP), ('dcgan', rewards.DCGAN)]:
        reward = rewards.make_reward(section('agent', {'reward_mode': mode}), dis)
        assert type(reward) is kind and reward.learns and reward.discriminator is dis
    for mode, kind in [('l2', rewards.L2), ('psnr', rewards.PSNR)]:
        reward = rewards.make_reward(section('agent', {'reward_mode': mode}), dis)
        assert type(reward) is kind and not reward.learns


def test_l2_reward_is_the_negative_mse_to_the_target():
    scores = rewards.L2().scores(IMAGES, TARGETS)
    # Sample 0: squared errors 1, 0.25, 1, 0 over 4 pixels; sample 1: equal.
    np.testing.assert_allclose(scores, [-2.25 / 4, 0.0])


def test_psnr_reward_is_ten_log10_of_the_inverse_mse_capped_at_100_db():
    scores = rewards.PSNR().scores(IMAGES, TARGETS)
    np.testing.assert_allclose(scores, [10 * np.log10(4 / 2.25), 100.0], rtol=1e-6)


def test_psnr_temporal_credit_rewards_relative_decreases_alike():
    # Distances 0.4 -> 0.2 and 0.02 -> 0.01: both halve, so both steps earn 10 log10(2) dB.
    canvases = np.sqrt(np.array([0.4, 0.2, 0.02, 0.01], np.float32)).reshape(4, 1, 1, 1)
    scores = rewards.PSNR().scores(canvases, np.zeros_like(canvases)).reshape(2, 2).T
    r = rewards.step_rewards(np.zeros((1, 2), np.float32), 1.0, all_scores=scores)
    np.testing.assert_allclose(r, [[10 * np.log10(2)] * 2], rtol=1e-5)


SPEC = ActionSpec('spiral', 3)


def actions(positions, probs):
    return {'position': np.array(positions).T, 'prob': np.array(probs).T}


def test_penalties():
    # Episode 0: stays at 0 (t=0), draws to 4 (new stroke), draws to 4 (stays, continuing),
    # jumps to 8, draws to 2 (new stroke). Episode 1: never draws; moves every step.
    acts = actions([[0, 4, 4, 8, 2], [1, 2, 3, 4, 5]], [[0, 1, 1, 0, 1], [0, 0, 0, 0, 0]])
    r = rewards.auxiliary_rewards(SPEC, acts, empty_drawing_penalty=10.0, staying_penalty=1.0,
                                   new_stroke_penalty=0.5)
    np.testing.assert_allclose(r[:, 0], [-1.0, -0.5, -1.0, 0.0, -0.5])
    np.testing.assert_allclose(r[:, 1], [0, 0, 0, 0, -10.0])


def test_paper_penalties_use_end_and_flag():
    spec = ActionSpec('paper', 3)
    acts = {name: np.zeros((2, 1), np.int64) for name in spec.names}
    acts['end'][:, 0] = [0, 5]
    acts['flag'][:, 0] = [1, 1]
    r = rewards.auxiliary_rewards(spec, acts, 10.0, 1.0, 0.5)
    np.testing.assert_allclose(r[:, 0], [-1.5, 0.0])


def test_terminal_reward_goes_to_the_last_step():
    aux = np.array([[0.0, -1.0], [-10.0, 0.0]], np.float32)
    r = rewards.step_rewards(aux, lambda_R=2.0, final_scores=np.array([0.5, 3.0], np.float32))
    np.testing.assert_allclose(r, [[0.0, -1.0], [-9.0, 6.0]])


def test_temporal_credit_rewards_score_differences():
    scores = np.array([[0.0, 1.0], [0.5, 1.0], [2.0, -1.0]], np.float32)  # (T + 1, B)
    r = rewards.step_rewards(np.zeros((2, 2), np.float32), lambda_R=2.0, all_scores=scores)
    np.testing.assert_allclose(r, [[1.0, 0.0], [3.0, -4.0]])
    # They telescope to lambda_R * (final - blank).
    np.testing.assert_allclose(r.sum(axis=0), 2.0 * (scores[-1] - scores[0]))


def test_discounted_returns():
    r = np.array([[1.0], [0.0], [2.0]], np.float32)
    np.testing.assert_allclose(learning.discounted_returns(r, 0.5), [[1.5], [1.0], [2.0]])


def test_a3c_losses():
    log_prob = chainer.Variable(np.log(np.array([0.5, 0.25], np.float32)))
    entropy = chainer.Variable(np.array([1.0, 2.0], np.float32))
    value = chainer.Variable(np.array([1.0, 0.0], np.float32))
    returns = np.array([3.0, -1.0], np.float32)
    pi, v = learning.A3CLoss(beta=0.1, pi_loss_coef=2.0, v_loss_coef=0.5)(
        log_prob, entropy, value, returns)
    advantage = returns - value.array
    expected_pi = 2.0 * (-(log_prob.array * advantage).sum() - 0.1 * 3.0) / 2
    np.testing.assert_allclose(float(pi.array), expected_pi, rtol=1e-6)
    np.testing.assert_allclose(float(v.array), 0.5 * ((2.0 ** 2 + 1.0 ** 2) / 2) / 2, rtol=1e-6)
    # The advantage is a constant: the policy loss does not reach the value.
    value.cleargrad()
    pi.backward()
    assert value.grad is None or not value.grad.any()


def float64_discriminator(imsize=3):
    with chainer.using_config('dtype', np.float64):
        np.random.seed(3)
        dis = Discriminator(imsize, 1)
    return dis


def numeric_input_gradient(dis, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape[1:]):
        up, down = x.copy(), x.copy()
        up[(slice(None),) + index] += h
        down[(slice(None),) + index] -= h
        grad[(slice(None),) + index] = (dis(up).array - dis(down).array) / (2 * h)
    return grad


def test_gradient_penalty_matches_finite_differences():
    dis = float64_discriminator()
    rng = np.random.RandomState(0)
    real, fake = rng.rand(2, 4, 1, 3, 3)
    eps = rng.rand(4)
    gp, norms = rewards.gradient_penalty(dis, real, fake, None, eps)
    x_mid = eps[:, None, None, None] * real + (1 - eps[:, None, None, None]) * fake
    numeric = np.sqrt((numeric_input_gradient(dis, x_mid) ** 2).sum(axis=(1, 2, 3)))
    np.testing.assert_allclose(norms, numeric, rtol=1e-6)
    np.testing.assert_allclose(float(gp.array), np.mean((numeric - 1) ** 2), rtol=1e-6)


def test_gradient_penalty_parameter_gradient_matches_finite_differences():
    """The double backprop through chainer.grad gives d(penalty)/d(weight)."""
    dis = float64_discriminator()
    rng = np.random.RandomState(1)
    real, fake = rng.rand(2, 3, 1, 3, 3)
    eps = rng.rand(3)
    dis.cleargrads()
    gp, _ = rewards.gradient_penalty(dis, real, fake, None, eps)
    gp.backward()
    W = dis.convs[1].W
    for index in [(0, 0, 0, 0), (3, 5, 1, 2)]:
        old, h = W.array[index], 1e-6
        W.array[index] = old + h
        up = float(rewards.gradient_penalty(dis, real, fake, None, eps)[0].array)
        W.array[index] = old - h
        down = float(rewards.gradient_penalty(dis, real, fake, None, eps)[0].array)
        W.array[index] = old
        np.testing.assert_allclose(W.grad[index], (up - down) / (2 * h), rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize('mode', ['wgangp', 'dcgan'])
def test_chunked_discriminator_gradient_equals_the_whole_batch(mode):
    dis = float64_discriminator()
    rng = np.random.RandomState(2)
    real, fake = rng.rand(2, 5, 1, 3, 3)
    eps = rng.rand(5)
    reward = rewards.make_reward(section('agent', {'reward_mode': mode, 'gp_lambda': 10.0}), dis)
    grads, losses = [], []
    for chunk in (5, 2):
        dis.cleargrads()
        losses.append(reward.backward(real, fake, None, None, eps, chunk=chunk))
        grads.append([p.grad.copy() for p in dis.params()])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-9)
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)
    y_real, y_fake = dis(real).array, dis(fake).array
    if mode == 'dcgan':
        expected = np.mean(np.logaddexp(0, -y_real)) + np.mean(np.logaddexp(0, y_fake))
        assert losses[0][1] == 0 and np.isnan(losses[0][2])
    else:
        gp, norms = rewards.gradient_penalty(dis, real, fake, None, eps)
        expected = y_fake.mean() - y_real.mean() + 10.0 * float(gp.array)
        np.testing.assert_allclose(losses[0][2], norms.mean(), rtol=1e-9)
    np.testing.assert_allclose(losses[0][0], expected, rtol=1e-9)


def test_non_finite_discriminator_loss_raises():
    dis = float64_discriminator()
    real = np.full((2, 1, 3, 3), np.nan)
    with pytest.raises(learning.NonFiniteLossError, match='d_loss: expected a finite value'):
        rewards.WGANGP(dis).backward(real, real, None, None, np.ones(2))


def test_scores_of_many_canvases_are_computed_in_chunks_with_the_same_values():
    images = np.random.RandomState(4).rand(101, 1, 2, 2).astype(np.float32)
    scores = rewards.WGANGP(StubDiscriminator()).scores(images, images)
    np.testing.assert_allclose(scores, images.sum(axis=(1, 2, 3)) - 1, rtol=1e-6)
