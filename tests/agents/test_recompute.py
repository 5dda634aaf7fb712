"""The fused recompute (agents/fused.py) gives the plain update's gradients and statistics
(learning.plain_backward: Generator.evaluate's one graph, then A3CLoss), for every input the
networks take, with the acting pass reused or not; `agent.recompute` picks either."""
import numpy as np
import pytest

from chainer_spiral.agents import build_agent, fused, learning

from test_spiral import BlankDataset, mypaint_envs, params, recompute, toy_agent, toy_envs


def gradients(agent, backward, rollout, returns, reuse):
    agent.generator.cleargrads()
    stats = backward(agent.generator, rollout, rollout.targets, returns, agent.loss, reuse)
    grads = {n: p.grad.copy() for n, p in agent.generator.namedparams() if p.grad is not None}
    return stats, grads


def assert_equal_updates(agent, rollout):
    returns = np.random.RandomState(3).randn(rollout.T, rollout.B).astype(np.float32)
    plain = gradients(agent, learning.plain_backward, rollout, returns, None)
    assert any(np.abs(g).sum() > 0 for g in plain[1].values())
    for reuse in (True, False):
        stats, grads = gradients(agent, fused.fused_backward, rollout, returns, reuse)
        for key, value in plain[0].items():
            assert stats[key] == pytest.approx(value, rel=1e-4, abs=1e-6), key
        assert grads.keys() == plain[1].keys()
        for name, grad in plain[1].items():
            np.testing.assert_allclose(grads[name], grad, rtol=1e-3, atol=1e-6, err_msg=name)


def assert_acting_and_recomputes_agree(agent, envs, targets, trained):
    """A rollout's log-probabilities recomputed plainly, the fused and plain updates equal, and
    the generator's backward reaching the parameter `trained` (a chainer.Parameter)."""
    r = agent.collect(envs, targets=targets)
    lp, _, _ = recompute(agent, r, reuse=False)
    np.testing.assert_allclose(lp, r.log_probs, rtol=1e-5, atol=1e-5)
    assert_equal_updates(agent, r)
    agent.generator.cleargrads()
    agent.generator_backward(agent.generator, r, targets, np.ones((r.T, r.B), np.float32),
                             agent.loss, False)
    assert np.abs(trained.grad).sum() > 0


@pytest.mark.parametrize('model, agent', [
    ({}, {}),
    ({'position_activation': 'relu'}, {}),
])
def test_fused_equals_plain_on_the_toy(model, agent):
    agent = toy_agent(model=model, **agent)
    assert_equal_updates(agent, agent.collect(toy_envs(4, T=4)))


@pytest.mark.parametrize('action_space, model', [
    ('spiral', {}),
    ('paper', {}),
    ('spiral', {'conditional': True, 'coord_channels': True}),
])
def test_fused_equals_plain_on_the_brush_engine(action_space, model):
    envs = mypaint_envs(3, T=2, action_space=action_space)
    agent = build_agent(envs[0], BlankDataset(), model, {'rollout_n': 3})
    targets = None
    if model.get('conditional'):
        targets = np.random.RandomState(0).rand(3, 1, 64, 64).astype(np.float32)
    assert_equal_updates(agent, agent.collect(envs, targets=targets))


def test_the_recompute_option_picks_the_implementation_and_the_updates_agree():
    agents = {mode: toy_agent(recompute=mode) for mode in ('fused', 'plain')}
    assert agents['fused'].generator_backward is fused.fused_backward
    assert agents['plain'].generator_backward is learning.plain_backward
    for mode, agent in agents.items():
        agent.seed(5)
        for _ in range(3):
            agent.update(agent.collect(toy_envs(4)))
    fused_params, plain_params = (params(agents[m].shared_generator) for m in agents)
    for name, value in plain_params.items():
        np.testing.assert_allclose(fused_params[name], value, rtol=1e-3, atol=1e-5,
                                   err_msg=name)
