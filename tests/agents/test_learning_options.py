"""The learning options of docs/results.md: each changes what it should, and standardised
rewards make the difference on a toy problem whose scores carry a large common offset."""
import numpy as np
import pytest

from chainer_spiral.agents import build_agent, learning, rewards
from chainer_spiral.datasets import make_dataset
from chainer_spiral.envs import make_env
from chainer_spiral.models.decoder import GridHead

from test_agent_toy_learning import AGENT, greedy_score, train


def test_batch_standardisation_gives_mean_0_and_unit_variance():
    scores = np.random.RandomState(0).normal(-30, 5, size=(10, 20)).astype(np.float32)
    out = rewards.ScoreStandardiser('batch')(scores)
    assert out.shape == scores.shape and out.dtype == np.float32
    assert out.mean() == pytest.approx(0, abs=1e-5) and out.std() == pytest.approx(1, abs=1e-4)
    assert rewards.ScoreStandardiser('none')(scores) is scores


def toy_agent(**agent):
    env = make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=3)
    return build_agent(env, make_dataset('toy', 3, label=0), {}, {'rollout_n': 4, **agent})


def test_generator_learning_rate_and_beta1_are_its_own():
    agent = toy_agent(lr=2.0e-4, beta1=0.5, gen_lr=5.0e-4, gen_beta1=0.9)
    assert (agent.gen_optimizer.alpha, agent.gen_optimizer.beta1) == (5.0e-4, 0.9)
    assert (agent.dis_optimizer.alpha, agent.dis_optimizer.beta1) == (2.0e-4, 0.5)
    same = toy_agent(lr=2.0e-4)
    assert same.gen_optimizer.alpha == same.dis_optimizer.alpha == 2.0e-4


def test_the_updates_of_the_standardised_agent_see_standardised_scores(monkeypatch):
    agent = toy_agent(reward_standardisation='batch', empty_drawing_penalty=0.0, rollout_n=8)
    seen = {}
    real = rewards.step_rewards

    def spy(aux, lambda_R, final_scores=None, all_scores=None):
        seen['scores'] = final_scores
        return real(aux, lambda_R, final_scores, all_scores)
    monkeypatch.setattr(rewards, 'step_rewards', spy)
    agent.update(agent.collect([make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=3)
                                for _ in range(8)]))
    assert seen['scores'].mean() == pytest.approx(0, abs=1e-5)
    assert seen['scores'].std() == pytest.approx(1, abs=1e-3)
    # The logged R stays the raw critic score, comparable with unstandardised runs.
    assert dict(agent.get_statistics())['train/R'] != pytest.approx(0, abs=1e-6)


def test_relu_position_head_is_he_initialised_and_not_saturating():
    sigmoid, relu = GridHead(256, 32, 'sigmoid'), GridHead(256, 32, 'relu')
    w_sigmoid, w_relu = sigmoid.ups[0].W.array, relu.ups[0].W.array
    assert w_relu.std() == pytest.approx(np.sqrt(2) * w_sigmoid.std(), rel=0.05)
    z = np.random.RandomState(3).normal(size=(16, 256)).astype(np.float32)
    # The sigmoid stack's logits barely depend on z: nearly uniform whatever the code.
    spread = {name: float(head(z).array.std(axis=0).mean())
              for name, head in (('sigmoid', sigmoid), ('relu', relu))}
    assert spread['relu'] > 5 * spread['sigmoid']


def test_lstm_forget_gate_biases_start_at_1():
    agent = toy_agent()
    for lstm in (agent.generator.pi_lstm, agent.generator.v_lstm):
        gates = lstm.upward.b.array.reshape(-1, 4)  # F.lstm's (a, i, f, o) groups
        assert np.all(gates[:, 2] == 1) and np.all(gates[:, [0, 1, 3]] == 0)


def offset_scores(monkeypatch, offset):
    """Scores with a large common offset, as the WGAN critic's drifting scores have."""
    real = rewards.L2.scores
    monkeypatch.setattr(rewards.L2, 'scores', lambda self, *a: real(self, *a) + offset)


@pytest.mark.parametrize('standardisation', ['none', 'batch'])
def test_standardised_rewards_learn_despite_an_offset_the_raw_ones_do_not(monkeypatch,
                                                                          standardisation):
    """The toy problem of test_agent_toy_learning, its l2 scores shifted by -3 (rewards by -30
    against a spread of 3.3 per wrong cell): within 60 updates the standardised agent draws the
    target; the raw one does not (the advantages' common offset drowns the signal)."""
    offset_scores(monkeypatch, -3.0)
    envs = [make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=4) for _ in range(20)]
    dataset = make_dataset('toy', 3, label=0)
    agent = build_agent(envs[0], dataset, {}, {**AGENT, 'reward_standardisation': standardisation},
                        seed=0)
    target = dataset.get_example()
    assert greedy_score(agent, envs, target) < 0.9
    score = train(agent, envs, target, updates=60)
    assert (score >= 0.9) == (standardisation == 'batch')


def mypaint_agent(model, n=3):
    from test_spiral import BlankDataset, mypaint_envs
    envs = mypaint_envs(n, T=2)
    return build_agent(envs[0], BlankDataset(), model, {'rollout_n': n}), envs


@pytest.mark.parametrize('model', [{'coord_channels': True},
                                   {'coord_channels': True, 'conditional': True,
                                    'blind': True}])
def test_input_options_keep_acting_and_recompute_equal(model):
    """The options change the networks' inputs; the learner's recompute still gives the acting
    pass's log-probabilities, and reusing the acting maps the recomputed gradients."""
    from test_spiral import recompute, reused_and_recomputed_gradients
    agent, envs = mypaint_agent(model)
    targets = np.random.RandomState(0).rand(3, 1, 64, 64).astype(np.float32)
    r = agent.collect(envs, targets=targets if model.get('conditional') else None)
    lp, _, v = recompute(agent, r, reuse=False)
    np.testing.assert_allclose(lp, r.log_probs, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(v, r.values, rtol=1e-5, atol=1e-5)
    if not model.get('conditional'):
        reused_and_recomputed_gradients(agent, r)


def test_coordinate_channels_reach_the_first_layer():
    agent, _ = mypaint_agent({'coord_channels': True})
    assert agent.generator.encoder.pi.first.W.shape[2] == 3  # canvas, x, y
    coords = agent.generator.coords
    assert coords.shape == (64, 64, 2)
    assert coords[0, -1, 0] == 1 and coords[-1, 0, 1] == 1 and coords[0, 0].sum() == 0
    blind, _ = mypaint_agent({'coord_channels': True, 'blind': True})
    mask = blind.generator.encoder.pi_first_mask
    assert mask[:, :, 0].sum() == 0 and mask[:, :, 1:].min() == 1  # coordinates stay visible


def test_the_cheaper_problem_imsize_32_with_the_brush_scaled():
    """env.imsize 32 and R 16: a conv encoder (28, 13, 5, 1 pixel maps), a three-deconvolution
    position head, and a brush half as wide as at 64."""
    from test_spiral import BlankDataset
    small = [make_env('mypaint', imsize=32, pos_resolution=16, max_episode_steps=3)
             for _ in range(2)]
    big = make_env('mypaint', imsize=64, pos_resolution=32, max_episode_steps=3)
    assert small[0].radius == pytest.approx(big.radius / 2)

    class Small(BlankDataset):
        imsize = 32

        def get_example(self, train=True):
            return super().get_example(train)[:, ::2, ::2]
    agent = build_agent(small[0], Small(), {'position_activation': 'relu'}, {'rollout_n': 2})
    head = agent.generator.decoder.heads[0]
    assert head.deconv and len(head.ups) == 3
    r = agent.collect(small)
    assert r.finals.shape == (2, 1, 32, 32) and r.actions['position'].max() < 256
    agent.update(r)
    assert np.isfinite(dict(agent.get_statistics())['train/pi_loss'])


def test_weight_decay_spares_the_biases():
    agent = toy_agent(weight_decay=0.5, lr=1.0e-3)
    before = {n: p.array.copy() for n, p in agent.shared_generator.namedparams()}
    agent.shared_generator.cleargrads()
    for p in agent.shared_generator.params():
        p.grad = np.zeros_like(p.array)
    agent.gen_optimizer.update()
    for name, p in agent.shared_generator.namedparams():
        moved = not np.array_equal(before[name], p.array)
        assert moved == (name.split('/')[-1] != 'b' and np.abs(before[name]).sum() > 0), name


def test_the_critic_warm_up_trains_the_discriminator_and_leaves_the_policy():
    """agent.critic_warmup_updates: after discriminator-only steps on the policy's drawings, the
    critic scores real patterns above them, and no generator parameter has moved."""
    envs = [make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=2) for _ in range(8)]
    agent = build_agent(envs[0], make_dataset('toy', 3), {},
                        dict(AGENT, reward_mode='wgangp', rollout_n=8, lr=1e-3), seed=0)
    before = {name: p.array.copy() for name, p in agent.shared_generator.namedparams()}
    critic = {name: p.array.copy() for name, p in agent.shared_discriminator.namedparams()}
    reals = agent._examples(64)
    fakes = np.concatenate([agent.collect(envs).finals for _ in range(8)])

    def gap():
        return agent.reward.scores(reals, reals).mean() - agent.reward.scores(fakes, fakes).mean()

    start = gap()
    stats = [agent.critic_step(envs) for _ in range(40)]
    assert gap() > start + 0.1 and stats[-1]['d_loss'] < stats[0]['d_loss']
    for name, p in agent.shared_generator.namedparams():
        np.testing.assert_array_equal(p.array, before[name], err_msg=name)
    assert any(not np.array_equal(p.array, critic[name])
               for name, p in agent.shared_discriminator.namedparams())
