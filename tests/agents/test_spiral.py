"""The SPIRAL agent: rollouts, recompute, save/load, NaN guard, variants, seeds, statistics."""
import chainer
import numpy as np
import pytest

from chainer_spiral.agents import NonFiniteLossError, SPIRAL, build_agent, fused, learning
from chainer_spiral.agents.spiral import STATISTICS
from chainer_spiral.config import AgentConfig
from chainer_spiral.datasets import make_dataset
from chainer_spiral.envs import make_env
from chainer_spiral.models.inputs import step_inputs


def toy_envs(n, T=3, action_space='spiral'):
    return [make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=T,
                     action_space=action_space) for _ in range(n)]


def mypaint_envs(n, T=2, action_space='spiral'):
    return [make_env('mypaint', imsize=64, pos_resolution=32, max_episode_steps=T,
                     action_space=action_space) for _ in range(n)]


class BlankDataset:
    """Stands in for a 64x64 dataset: white images with one dark square."""
    channels, imsize = 1, 64

    def get_example(self, train=True):
        image = np.ones((1, 64, 64), np.float32)
        image[:, 20:40, 20:40] = 0
        return image


def toy_agent(seed=0, model=None, **agent):
    return build_agent(toy_envs(1)[0], make_dataset('toy', 3, label=0), model or {},
                       {'rollout_n': 4, **agent}, seed=seed)


def params(link):
    return {name: p.array.copy() for name, p in link.namedparams()}


def assert_same_params(a, b):
    pa, pb = params(a), params(b)
    assert pa.keys() == pb.keys()
    for name in pa:
        np.testing.assert_array_equal(pa[name], pb[name], err_msg=name)


def test_rollout_shapes_and_contents():
    agent = toy_agent()
    envs = toy_envs(4, T=3)
    r = agent.collect(envs, record=True)
    assert r.T == 3 and r.B == 4
    assert set(r.actions) == {'position', 'prob'}
    assert all(a.shape == (3, 4) and a.dtype == np.int64 for a in r.actions.values())
    assert r.canvases.shape == (4, 4, 3, 3, 1) and r.canvases.dtype == np.uint8
    assert r.frames.shape == (4, 4, 3, 3, 3) and r.frames.dtype == np.uint8
    assert r.finals.shape == (4, 1, 3, 3) and r.finals.dtype == np.float32
    np.testing.assert_array_equal(r.finals[:, 0] * 255, r.canvases[-1, :, :, :, 0])
    np.testing.assert_array_equal(r.frames[-1][..., 0], r.canvases[-1][..., 0])
    assert (r.canvases[0] == 255).all()
    assert r.targets is None  # unconditional
    assert r.log_probs.shape == r.entropies.shape == r.values.shape == (3, 4)
    # The final canvases are what the envs show.
    for b, env in enumerate(envs):
        np.testing.assert_array_equal(env.render('rgb_array'), r.frames[-1, b])


def recompute(agent, rollout, reuse):
    """(log_prob, entropy, value) (T, B) of the rollout's actions: from the acting pass's
    encodings (reuse), else Generator.evaluate."""
    T, B = rollout.T, rollout.B
    with chainer.no_backprop_mode():
        if reuse:
            z, v = agent.generator.unroll(*(x.reshape(T * B, -1) for x in rollout.encodings),
                                          T, B)
            lp, ent = agent.generator.log_probs(
                z, {k: a.reshape(-1) for k, a in rollout.actions.items()})
        else:
            lp, ent, v = agent.generator.evaluate(rollout, rollout.targets)
    return lp.array.reshape(T, B), ent.array.reshape(T, B), v.array.reshape(T, B)


def episode(rollout, b):
    """The sub-rollout of episode b alone (B = 1)."""
    sl = slice(b, b + 1)
    return type(rollout)({k: a[:, sl] for k, a in rollout.actions.items()},
                         rollout.canvases[:, sl], rollout.finals[sl],
                         None if rollout.targets is None else rollout.targets[sl],
                         rollout.log_probs[:, sl], rollout.entropies[:, sl],
                         rollout.values[:, sl], tuple(e[:, sl] for e in rollout.encodings),
                         rollout.version)


@pytest.mark.parametrize('make_envs, kind', [(toy_envs, 'spiral'), (mypaint_envs, 'spiral'),
                                             (mypaint_envs, 'paper')])
def test_update_time_log_probs_equal_acting_and_one_by_one(make_envs, kind):
    envs = make_envs(3, action_space=kind)
    dataset = make_dataset('toy', 3, label=0) if envs[0].imsize == 3 else BlankDataset()
    agent = build_agent(envs[0], dataset, {}, {'rollout_n': 3})
    r = agent.collect(envs)
    for reuse in (True, False):
        lp, ent, v = recompute(agent, r, reuse)
        np.testing.assert_allclose(lp, r.log_probs, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(ent, r.entropies, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(v, r.values, rtol=1e-5, atol=1e-5)
    for b in range(3):
        lp, _, _ = recompute(agent, episode(r, b), reuse=False)
        np.testing.assert_allclose(lp[:, 0], r.log_probs[:, b], rtol=1e-5, atol=1e-5)


def reused_and_recomputed_gradients(agent, r):
    """Generator gradients of one rollout with the acting pass reused, then recomputed;
    asserts they are equal and returns the first."""
    returns = np.random.RandomState(0).randn(r.T, r.B).astype(np.float32)
    grads = []
    for reuse in (True, False):
        agent.generator.cleargrads()
        fused.fused_backward(agent.generator, r, None, returns, agent.loss, reuse)
        grads.append({n: p.grad.copy() for n, p in agent.generator.namedparams()})
    for name in grads[0]:
        np.testing.assert_allclose(grads[0][name], grads[1][name], rtol=1e-4, atol=1e-6,
                                   err_msg=name)
    return grads[0]


def test_reused_and_recomputed_encodings_give_the_same_gradients():
    agent = toy_agent()
    grads = reused_and_recomputed_gradients(agent, agent.collect(toy_envs(4)))
    assert any(np.abs(g).sum() > 0 for g in grads.values())


def test_acting_maps_give_the_recompute_gradients_and_are_freed_by_update():
    envs = mypaint_envs(3, T=2)
    agent = build_agent(envs[0], BlankDataset(), {}, {'rollout_n': 3})
    r = agent.collect(envs)
    assert [m.shape for m in r.maps] == [(6, 29, 29, 64), (6, 13, 13, 64), (6, 5, 5, 64)]
    grads = reused_and_recomputed_gradients(agent, r)
    assert np.abs(grads['/encoder/pi/first/W']).sum() > 0
    agent.update(r)
    assert r.maps is None


def test_distinct_rows():
    from chainer_spiral.models.inputs import distinct_rows
    keys = np.array([[1, 2], [3, 4], [1, 2], [5, 6], [3, 4]], np.uint8)
    rows, inverse = distinct_rows(keys)
    assert list(rows) == [0, 1, 3] and list(inverse) == [0, 1, 0, 2, 1]


@pytest.mark.parametrize('conditional', [False, True])
def test_steps_with_the_same_input_share_one_encoder_pass(monkeypatch, conditional):
    envs = mypaint_envs(3, T=2)
    agent = build_agent(envs[0], BlankDataset(), {'conditional': conditional}, {'rollout_n': 3})
    targets = np.random.RandomState(0).rand(3, 1, 64, 64).astype(np.float32)
    r = agent.collect(envs, targets=targets if conditional else None)
    canvases, feats, tiled = step_inputs(agent.spec, r, r.targets)
    rows, inverse = fused._distinct_inputs(canvases, feats, tiled)
    canvases = canvases.reshape(6, -1)
    for i in range(6):  # every step has its representative's input
        j = rows[inverse[i]]
        assert j <= i and (canvases[i] == canvases[j]).all() and (feats[i] == feats[j]).all()
    # The first steps (blank canvas, zero features) are one input unless the targets differ.
    assert list(inverse[:3]) == ([0, 1, 2] if conditional else [0, 0, 0])
    returns = np.random.RandomState(1).randn(r.T, r.B).astype(np.float32)
    grads = []
    for shared in (True, False):
        if not shared:
            monkeypatch.setattr(fused, '_distinct_inputs',
                                lambda canvases, feats, tiled: (np.arange(6), np.arange(6)))
        agent.generator.cleargrads()
        fused.fused_backward(agent.generator, r, r.targets, returns, agent.loss, True)
        grads.append({n: p.grad.copy() for n, p in agent.generator.namedparams()})
    for name in grads[0]:
        np.testing.assert_allclose(grads[0][name], grads[1][name], rtol=1e-4, atol=1e-6,
                                   err_msg=name)


def test_decoder_chunks_give_the_same_gradients_and_statistics(monkeypatch):
    agent = toy_agent()
    r = agent.collect(toy_envs(4, T=5))
    returns = np.random.RandomState(1).randn(r.T, r.B).astype(np.float32)
    runs = []
    for chunk in (1000, 7):  # one chunk; chunks of 7 of the 20 steps
        monkeypatch.setattr(fused, '_DECODER_CHUNK', chunk)
        agent.generator.cleargrads()
        stats = fused.fused_backward(agent.generator, r, None, returns, agent.loss, True)
        runs.append((stats, {n: p.grad.copy() for n, p in agent.generator.namedparams()}))
    # Chunks sum in another order in float32: a loss near 0 (pi_loss) also needs an absolute
    # tolerance (it failed on rtol alone on an Intel Xeon, by 4e-8).
    for key, value in runs[0][0].items():
        np.testing.assert_allclose(runs[1][0][key], value, rtol=1e-5, atol=1e-6, err_msg=key)
    for name, grad in runs[0][1].items():
        np.testing.assert_allclose(runs[1][1][name], grad, rtol=1e-5, atol=1e-7, err_msg=name)


@pytest.mark.parametrize('mode', ['wgangp', 'dcgan', 'l2'])
def test_update_changes_the_shared_parameters_and_reports_statistics(mode):
    agent = toy_agent(reward_mode=mode, temporal_credit=mode == 'dcgan',
                      replay_buffer_size=8 if mode == 'wgangp' else 0)
    gen_before, dis_before = params(agent.shared_generator), params(agent.shared_discriminator)
    agent.update(agent.collect(toy_envs(4)))
    assert any((gen_before[n] != p).any() for n, p in params(agent.shared_generator).items())
    dis_changed = any((dis_before[n] != p).any()
                      for n, p in params(agent.shared_discriminator).items())
    assert dis_changed == (mode != 'l2')
    assert_same_params(agent.generator, agent.shared_generator)  # synced back
    stats = dict(agent.get_statistics())
    assert list(stats) == [f'train/{name}' for name in STATISTICS]
    for name in ('avg_value', 'avg_entropy', 'l2', 'pi_loss', 'v_loss', 'R', 'reward_min',
                 'reward_mean', 'reward_max', 'reward_std'):
        assert np.isfinite(stats[f'train/{name}']), name
    assert np.isfinite(stats['train/d_loss']) == (mode != 'l2')
    assert np.isfinite(stats['train/d_grad_norm']) == (mode == 'wgangp')


def test_l2_statistics_and_rewards_match_the_rollout():
    agent = toy_agent(reward_mode='l2', lambda_R=2.0, empty_drawing_penalty=0.0)
    r = agent.collect(toy_envs(4))
    agent.update(r)
    target = make_dataset('toy', 3, label=0).get_example()
    mse = ((r.finals - target) ** 2).mean(axis=(1, 2, 3))
    stats = dict(agent.get_statistics())
    np.testing.assert_allclose(stats['train/l2'], mse.mean(), rtol=1e-5)
    np.testing.assert_allclose(stats['train/R'], -mse.mean(), rtol=1e-5)
    # Only the last step is rewarded: 2 * -mse there, 0 elsewhere.
    np.testing.assert_allclose(stats['train/reward_min'], min(0.0, 2 * -mse.max()), rtol=1e-5)


@pytest.mark.parametrize('mode', ['l2', 'wgangp'])
def test_non_finite_loss_raises_before_any_update(mode):
    agent = toy_agent(reward_mode=mode)
    r = agent.collect(toy_envs(4))
    r.finals[0, 0, 0, 0] = np.nan
    gen_before, dis_before = params(agent.shared_generator), params(agent.shared_discriminator)
    with pytest.raises(NonFiniteLossError, match='expected a finite value'):
        agent.update(r)
    for before, link in ((gen_before, agent.shared_generator),
                         (dis_before, agent.shared_discriminator)):
        for name, p in params(link).items():
            np.testing.assert_array_equal(p, before[name])
    assert agent.gen_optimizer.t == 0 and agent.dis_optimizer.t == 0


def test_save_load_round_trip(tmp_path):
    agent = toy_agent(seed=0)
    agent.update(agent.collect(toy_envs(4)))
    agent.save(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {
        'generator.npz', 'discriminator.npz', 'gen_optimizer.npz', 'dis_optimizer.npz'}
    other = toy_agent(seed=1)
    other.load(tmp_path)
    for a, b in ((agent.shared_generator, other.shared_generator),
                 (agent.shared_generator, other.generator),
                 (agent.shared_discriminator, other.shared_discriminator)):
        assert_same_params(a, b)
    assert other.gen_optimizer.t == agent.gen_optimizer.t == 1
    greedy = [x.collect(toy_envs(2), greedy=True).actions for x in (agent, other)]
    for name in greedy[0]:
        np.testing.assert_array_equal(greedy[0][name], greedy[1][name])


@pytest.mark.parametrize('temperature', [1.0, 0.5, 2.0])
def test_sampling_at_a_temperature_draws_from_the_tempered_softmax(temperature):
    from chainer_spiral.agents.acting import choose_actions
    p = np.array([0.6, 0.3, 0.1])
    log_p = np.log(np.tile(p, (40000, 1))).astype(np.float32)
    drawn = choose_actions(np.random.RandomState(0), False, temperature)(None, log_p)
    tempered = p ** (1 / temperature) / (p ** (1 / temperature)).sum()
    np.testing.assert_allclose(np.bincount(drawn, minlength=3) / len(drawn), tempered, atol=0.01)
    greedy = choose_actions(np.random.RandomState(0), True, temperature)(None, log_p)
    assert (greedy == 0).all()


def test_same_seed_same_rollout_and_reseeding():
    a, b = toy_agent(seed=5), toy_agent(seed=5)
    ra, rb = a.collect(toy_envs(4)), b.collect(toy_envs(4))
    for name in ra.actions:
        np.testing.assert_array_equal(ra.actions[name], rb.actions[name])
    a.seed(7)
    first = a.collect(toy_envs(4)).actions
    a.seed(7)
    again = a.collect(toy_envs(4)).actions
    assert all((first[n] == again[n]).all() for n in first)
    c = toy_agent(seed=6)
    assert any((ra.actions[n] != c.collect(toy_envs(4)).actions[n]).any() for n in ra.actions)


def test_paper_action_space_samples_valid_actions_and_learns():
    envs = toy_envs(4, action_space='paper')
    agent = build_agent(envs[0], make_dataset('toy', 3, label=0), {}, {'rollout_n': 4})
    r = agent.collect(envs)
    for head in agent.spec.heads:
        a = r.actions[head.name]
        assert a.shape == (3, 4) and ((0 <= a) & (a < head.size)).all()
    before = params(agent.shared_generator)
    agent.update(r)
    assert any((before[n] != p).any() for n, p in params(agent.shared_generator).items())


def test_paper_action_space_on_mypaint():
    envs = mypaint_envs(2, action_space='paper')
    agent = build_agent(envs[0], BlankDataset(), {'spectral_norm': True}, {'rollout_n': 2})
    agent.update(agent.collect(envs))
    assert np.isfinite(dict(agent.get_statistics())['train/d_loss'])


@pytest.mark.parametrize('model', [{'conditional': True}, {'blind': True},
                                   {'conditional': True, 'blind': True}])
def test_conditional_and_blind_variants_run(model):
    agent = toy_agent(model=model)
    r = agent.collect(toy_envs(4))
    if model.get('conditional'):
        assert r.targets.shape == (4, 1, 3, 3)
    agent.update(r)
    assert np.isfinite(dict(agent.get_statistics())['train/pi_loss'])


class ColourToyDataset:
    """A 3-channel 3x3 target: a red top row."""
    channels, imsize = 3, 3

    def get_example(self, train=True):
        image = np.ones((3, 3, 3), np.float32)
        image[1:, 0, :] = 0
        return image


def test_colour_canvases_are_rgb():
    envs = toy_envs(2)
    agent = build_agent(envs[0], ColourToyDataset(), {'conditional': True},
                        {'rollout_n': 2, 'reward_mode': 'l2'})
    r = agent.collect(envs, record=True)
    assert r.canvases.shape == (4, 2, 3, 3, 3) and r.finals.shape == (2, 3, 3, 3)
    np.testing.assert_array_equal(r.canvases, r.frames)
    agent.update(r)
    assert np.isfinite(dict(agent.get_statistics())['train/l2'])


def test_grayscale_canvases_are_the_luminance():
    agent = toy_agent()
    r = agent.collect(toy_envs(2), record=True)
    luminance = r.frames.astype(np.float64) @ [0.299, 0.587, 0.114]
    np.testing.assert_allclose(r.canvases[..., 0], luminance, atol=1)


def test_conditional_collect_uses_given_targets():
    agent = toy_agent(model={'conditional': True})
    targets = np.zeros((2, 1, 3, 3), np.float32)
    r = agent.collect(toy_envs(2), targets=targets)
    np.testing.assert_array_equal(r.targets, targets)


def test_build_agent_checks_keys_and_sizes():
    env = toy_envs(1)[0]
    with pytest.raises(ValueError, match=r"agent: unknown keys \['lr_typo'\]"):
        build_agent(env, make_dataset('toy', 3), {}, {'lr_typo': 1.0})
    with pytest.raises(ValueError, match='dataset imsize: expected the env imsize 3, got 64'):
        build_agent(env, BlankDataset(), {}, {})
    with pytest.raises(ValueError, match="agent.reward_mode: expected one of"):
        build_agent(env, make_dataset('toy', 3), {}, {'reward_mode': 'gan'})
    agent = build_agent(env, make_dataset('toy', 3), {}, AgentConfig())
    assert isinstance(agent, SPIRAL)
    assert agent.gen_optimizer.alpha == 1.0e-4 and agent.gen_optimizer.beta1 == 0.5


def test_shared_objects_round_trip_through_chainerrl_async():
    from chainerrl.experiments.train_agent_async import (extract_shared_objects_from_agent,
                                                         set_shared_objects)
    agent = toy_agent()
    shared = extract_shared_objects_from_agent(agent)
    assert set(shared) == set(SPIRAL.shared_attributes)
    set_shared_objects(agent, shared)
    agent.update(agent.collect(toy_envs(4)))
    assert agent.gen_optimizer.t == 1


def test_per_step_api_points_to_collect_and_update():
    agent = toy_agent()
    with pytest.raises(NotImplementedError, match='use collect'):
        agent.act({})
    with pytest.raises(NotImplementedError, match='use update'):
        agent.stop_episode_and_train({}, 0.0)


def test_replay_buffer_ring_and_sampling():
    from chainer_spiral.agents.spiral import ReplayBuffer
    buf = ReplayBuffer(3)
    images = np.arange(4, dtype=np.float32).reshape(4, 1, 1, 1)
    buf.add(images, None)
    assert buf.n == 3
    np.testing.assert_array_equal(np.sort(buf.images[:, 0, 0, 0]), [1, 2, 3])  # 0 overwritten
    new = np.full((2, 1, 1, 1), 9, np.float32)
    drawn, targets = buf.sample(np.random.RandomState(0), 200, new, None)
    assert set(drawn[:, 0, 0, 0]) == {1, 2, 3, 9}
    np.testing.assert_array_equal(drawn, targets)  # unconditional: the pair is (x, x)


def test_replay_buffer_grows_only_after_successful_updates():
    agent = toy_agent(reward_mode='wgangp', replay_buffer_size=6)
    agent.update(agent.collect(toy_envs(4)))
    assert agent.replay.n == 4
    r = agent.collect(toy_envs(4))
    r.finals[0, 0, 0, 0] = np.nan
    with pytest.raises(NonFiniteLossError):
        agent.update(r)
    assert agent.replay.n == 4 and np.isfinite(agent.replay.images[:4]).all()
