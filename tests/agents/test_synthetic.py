"""Synthetic targets: random programs of the action space, each painted and cloned with its own
finished canvas as the target (agents/synthetic.py, `agent.synthetic_updates`)."""
import logging
from pathlib import Path

import chainer
import numpy as np
import pytest

from chainer_spiral.agents import build_agent
from chainer_spiral.agents.demonstrations import played
from chainer_spiral.agents.synthetic import DRAW_SHARE, behaviour_cloning, random_actions
from chainer_spiral.config import ConfigError, load_config
from chainer_spiral.datasets import SpiralDataset
from chainer_spiral.envs import make_env
from chainer_spiral.models.action_spec import ActionSpec
from chainer_spiral.training import train

REPO = Path(__file__).resolve().parents[2]


def test_random_programs_use_every_choice_of_every_head_and_draw_at_the_set_share():
    spec = ActionSpec('paper', 4)
    actions = random_actions(spec, 40, 50, np.random.RandomState(0))
    assert set(actions) == set(spec.names)
    for head in spec.heads:
        a = actions[head.name]
        assert a.shape == (40, 50) and a.dtype == np.int64
        assert set(np.unique(a)) == set(range(head.size))
    assert abs(actions['flag'].mean() - DRAW_SHARE) < 0.03
    again = random_actions(spec, 40, 50, np.random.RandomState(0))
    assert all(np.array_equal(actions[k], again[k]) for k in actions)


def tiny(seed=0):
    """A conditional colour painter on 16 x 16, R 4, T 1, and its B = 8 envs."""
    envs = [make_env('mypaint', imsize=16, pos_resolution=4, action_space='paper',
                     max_episode_steps=1) for _ in range(8)]
    images = np.full((4, 3, 16, 16), 255, np.uint8)
    agent = build_agent(envs[0], SpiralDataset('white', images, images, seed=seed),
                        {'conditional': True, 'local_features': True, 'spatial_skip': True},
                        {'rollout_n': 8, 'lr': 3e-3}, seed=seed)
    return agent, envs


def held_out_nll(agent, envs, actions):
    """-mean log pi of fixed programs' actions, their finished canvases as targets."""
    rollout = played(envs, agent.spec, actions, agent.generator.channels)
    with chainer.no_backprop_mode():
        log_prob, _, _ = agent.generator.evaluate(rollout, rollout.finals)
    return -float(log_prob.array.mean())


def test_cloning_synthetic_targets_makes_unseen_programs_likelier_and_is_deterministic():
    agent, envs = tiny()
    unseen = random_actions(agent.spec, 1, 8, np.random.RandomState(99))
    before = held_out_nll(agent, envs, unseen)
    rng = np.random.RandomState(0)
    losses = [behaviour_cloning(agent, envs, rng) for _ in range(40)]
    after = held_out_nll(agent, envs, unseen)
    # Whether a step paints is plain in its target: the flag alone is worth about 0.5 nats.
    assert after < before - 0.3
    again, envs2 = tiny()
    rng2 = np.random.RandomState(0)
    assert [behaviour_cloning(again, envs2, rng2) for _ in range(3)] == losses[:3]


def toy(*extra):
    return load_config(REPO / 'configs' / 'toy.yaml', ['agent.rollout_n=8', 'train.steps=32',
                                                       'train.processes=1', *extra])


def test_a_new_run_starts_with_cloning_on_synthetic_targets(tmp_path, caplog):
    cfg = toy('model.conditional=true', 'agent.synthetic_updates=5')
    with caplog.at_level(logging.INFO):
        train(cfg, tmp_path / 'run', progress=False)
    assert 'behaviour cloning 5/5 on synthetic targets: loss' in caplog.text


@pytest.mark.parametrize('extra,message', [
    (['agent.synthetic_updates=5'], r'agent.synthetic_updates: expected model.conditional true'),
    (['model.conditional=true', 'agent.synthetic_updates=5', 'agent.demo_updates=5',
      'agent.demonstrations=configs/toy.yaml'],
     r'agent.synthetic_updates: expected 0 with agent.demo_updates > 0')])
def test_synthetic_updates_need_a_conditional_painter_and_no_other_warm_start(extra, message):
    with pytest.raises(ConfigError, match=message):
        toy(*extra)


def test_the_per_head_measure_adds_up_to_the_policys_log_likelihood():
    """scripts/measure_synthetic.py's per-head NLL: on programs that paint at every step the
    heads' figures add up to -mean log pi of the plain path."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'measure_synthetic', REPO / 'scripts' / 'measure_synthetic.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    agent, envs = tiny()
    actions = random_actions(agent.spec, 1, 8, np.random.RandomState(5))
    actions['flag'][:] = 1
    rollout = played(envs, agent.spec, actions, agent.generator.channels)
    nll = module.per_head_nll(agent.generator, rollout)
    assert set(nll) == set(agent.spec.names)
    with chainer.no_backprop_mode():
        log_prob, _, _ = agent.generator.evaluate(rollout, rollout.finals)
    assert sum(nll.values()) == pytest.approx(-float(log_prob.array.mean()), rel=1e-5)
