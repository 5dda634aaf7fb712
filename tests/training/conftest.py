"""Fixtures of the training tests: small configs and a freshly built toy agent."""
from pathlib import Path

import pytest

from chainer_spiral.config import load_config
from chainer_spiral.training import factory

REPO = Path(__file__).resolve().parents[2]

# A toy run that takes a second or two: B x T = 8 x 2 = 16 env steps per update.
TOY_FAST = ['agent.rollout_n=8', 'train.log_interval=2', 'train.n_save_interval=4',
            'train.n_save_final_obs_interval=4', 'train.steps=160']


def toy_config(*overrides):
    return load_config(REPO / 'configs' / 'toy.yaml', TOY_FAST + list(overrides))


@pytest.fixture
def toy_cfg():
    return toy_config()


@pytest.fixture
def toy_agent(toy_cfg):
    """(cfg, agent, envs) with the toy config, one update done (optimizer states non-zero)."""
    dataset = factory.make_dataset_from_config(toy_cfg)
    agent = factory.build_agent_from_config(toy_cfg, dataset)
    envs = factory.make_envs_from_config(toy_cfg, toy_cfg.agent.rollout_n)
    agent.update(agent.collect(envs))
    return toy_cfg, agent, envs
