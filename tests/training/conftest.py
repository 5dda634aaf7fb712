"""Fixtures of the training tests: a small toy config and a freshly built toy agent."""
import pytest

from chainer_spiral.runs import loading
from training_helpers import toy_config


@pytest.fixture
def toy_cfg():
    return toy_config()


@pytest.fixture
def toy_agent(toy_cfg):
    """(cfg, agent, envs) with the toy config, one update done (optimizer states non-zero)."""
    dataset = loading.make_dataset_from_config(toy_cfg)
    agent = loading.build_agent_from_config(toy_cfg, dataset)
    envs = loading.make_envs_from_config(toy_cfg, toy_cfg.agent.rollout_n)
    agent.update(agent.collect(envs))
    return toy_cfg, agent, envs
