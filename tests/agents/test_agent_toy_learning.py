"""The agent learns to draw on ToyEnv (PFRL's ABC test in spirit).

Task: ToyEnv (spiral interface, imsize 3, R 3, T = 4 steps), reward_mode l2 against the toy
dataset's pattern 0 (the top row), unconditional: the target never changes, so the policy
must learn to draw it without seeing it (chainer_spiral's toy setting with one pattern).

Score of an episode: 1 - MSE(final, target) / MSE(blank, target), with MSE(blank, target) =
3/9 (three black cells on white). 1 is a perfect drawing, 0 the blank canvas; one wrong cell
costs 1/3, so score >= 0.9 requires the exact row (the optimum, reward 0).
Evaluation: greedy actions on 4 episodes (deterministic), averaged.

Budget: at most 150 updates of rollout_n = 20 episodes (12,000 env steps), one process; it
typically succeeds within 40 updates (a few seconds), so the test is not marked slow.
"""
import numpy as np

from chainer_spiral.agents import build_agent
from chainer_spiral.datasets import make_dataset
from chainer_spiral.envs import make_env

AGENT = {'reward_mode': 'l2', 'rollout_n': 20, 'lr': 1.0e-3, 'lambda_R': 10.0, 'beta': 0.01}


def setup(seed=0):
    envs = [make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=4)
            for _ in range(AGENT['rollout_n'])]
    dataset = make_dataset('toy', 3, label=0)
    return build_agent(envs[0], dataset, {}, AGENT, seed=seed), envs, dataset.get_example()


def greedy_score(agent, envs, target):
    finals = agent.collect(envs[:4], greedy=True).finals
    mse = ((finals - target) ** 2).mean(axis=(1, 2, 3))
    return float((1 - mse / ((1 - target) ** 2).mean()).mean())


def train(agent, envs, target, updates, check_every=10):
    score = greedy_score(agent, envs, target)
    for i in range(1, updates + 1):
        agent.update(agent.collect(envs))
        if i % check_every == 0:
            score = greedy_score(agent, envs, target)
            if score >= 0.9:
                break
    return score


def test_agent_learns_to_draw_the_toy_target():
    agent, envs, target = setup()
    assert greedy_score(agent, envs, target) < 0.9
    assert train(agent, envs, target, updates=150) >= 0.9


def test_agent_learning_path_fast():
    """The same path for 3 updates: losses finite, parameters change, statistics present."""
    agent, envs, target = setup()
    before = {n: p.array.copy() for n, p in agent.shared_generator.namedparams()}
    score = train(agent, envs, target, updates=3, check_every=1)
    assert -2.0 <= score <= 1.0
    stats = dict(agent.get_statistics())
    assert np.isfinite([stats['train/pi_loss'], stats['train/v_loss'], stats['train/l2']]).all()
    assert stats['train/R'] <= 0
    assert any((before[n] != p.array).any() for n, p in agent.shared_generator.namedparams())
