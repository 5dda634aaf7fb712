"""SPIRAL as a ChainerRL BatchAgent: chainerrl's evaluator drives a painter over a vector env."""
import numpy as np
import pytest
from chainerrl.envs import SerialVectorEnv
from chainerrl.experiments.evaluator import batch_run_evaluation_episodes

from chainer_spiral.agents import build_agent
from chainer_spiral.datasets import make_dataset
from chainer_spiral.envs import make_env

from test_spiral import BlankDataset, mypaint_envs


def canvases_of(envs):
    return np.stack([env.render() for env in envs])


@pytest.mark.parametrize('conditional', [False, True])
def test_chainerrl_evaluator_drives_the_painter_as_collect_does(conditional):
    envs = mypaint_envs(3, T=4)
    agent = build_agent(envs[0], BlankDataset(), {'conditional': conditional},
                        {'rollout_n': 3})
    agent.seed(5)
    returns = batch_run_evaluation_episodes(SerialVectorEnv(envs), agent, n_steps=None,
                                            n_episodes=3)
    assert len(returns) == 3  # MyPaintEnv's own reward is 0; SPIRAL's comes from its critic
    driven = canvases_of(envs)
    assert driven.min() < 128, 'nothing was painted'
    agent.seed(5)
    targets = np.stack([BlankDataset().get_example()] * 3) if conditional else None
    agent.collect(envs, targets=targets)
    np.testing.assert_array_equal(canvases_of(envs), driven)
    assert agent._actor is None


def test_batch_act_and_train_learns_from_each_finished_batch():
    envs = [make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=3) for _ in range(4)]
    agent = build_agent(envs[0], make_dataset('toy', 3, label=0), {}, {'rollout_n': 4})
    before = {n: p.array.copy() for n, p in agent.shared_generator.namedparams()}
    vector = SerialVectorEnv(envs)
    for episode in range(2):
        obs = vector.reset()
        for t in range(3):
            obs, rewards, dones, _ = vector.step(agent.batch_act_and_train(obs))
            agent.batch_observe_and_train(obs, rewards, dones, [False] * 4)
    assert agent.update_n == 2
    assert any((before[n] != p.array).any() for n, p in agent.shared_generator.namedparams())
    with pytest.raises(ValueError, match='expected the lockstep episodes to end together, got 1 '
                                         'of 4 ended'):
        obs = vector.reset()
        agent.batch_act(obs)
        agent.batch_observe(obs, [0] * 4, [True, False, False, False], [False] * 4)
