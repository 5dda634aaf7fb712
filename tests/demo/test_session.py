"""Recording episodes through the agent's collect() contract, with a stand-in agent."""
from types import SimpleNamespace

import numpy as np

from chainer_spiral.program.conversion import env_actions
from chainer_spiral.demo.session import record
from chainer_spiral.envs import MyPaintEnv, ToyEnv


class RandomAgent:
    """SPIRAL.collect's contract: lockstep episodes, actions (T, B), frames (T+1, B, ...)."""

    def __init__(self, seed=0):
        self.rng = np.random.RandomState(seed)
        self.calls = []

    def collect(self, envs, targets=None, greedy=False, record=False, temperature=1.0):
        self.calls.append((len(envs), None if targets is None else targets.shape))
        heads = {k: s.n for k, s in envs[0].action_space.spaces.items() if hasattr(s, 'n')}
        T = envs[0].max_episode_steps
        actions = {k: self.rng.randint(0, n, (T, len(envs))) for k, n in heads.items()}
        frames = [[env.reset()['image'] for env in envs]]
        for t in range(T):
            row = []
            for b, env in enumerate(envs):
                action = {k: int(v[t, b]) for k, v in actions.items()}
                if 'prob' in action:
                    action.update(pressure=np.ones(1, np.float32),
                                  color=np.zeros(3, np.float32))
                row.append(env.step(action)[0]['image'])
            frames.append(row)
        return SimpleNamespace(actions=actions, frames=np.array(frames, np.uint8))


class Dataset:
    def __init__(self):
        self.rng = np.random.RandomState(0)

    def get_example(self, train=True):
        assert not train, 'the demo draws its targets from the test split'
        return self.rng.rand(1, 3, 3).astype(np.float32)


def test_record_batches_and_programs_match_frames():
    envs = [ToyEnv(max_episode_steps=4) for _ in range(3)]
    agent = RandomAgent()
    episodes = record(agent, envs, 7, dataset=Dataset(), title='run/100')
    assert agent.calls == [(3, (3, 1, 3, 3)), (3, (3, 1, 3, 3)), (1, (1, 1, 3, 3))]
    assert episodes.frames.shape == (7, 5, 3, 3, 3) and episodes.targets.shape == (7, 1, 3, 3)
    assert len(episodes.programs) == 7 and episodes.title == 'run/100'
    env = envs[0]
    for program, frames in zip(episodes.programs, episodes.frames):
        np.testing.assert_array_equal(env.reset()['image'], frames[0])
        for t, action in enumerate(env_actions(program, env)):
            np.testing.assert_array_equal(env.step(action)[0]['image'], frames[t + 1])


def test_record_unconditional_mypaint_paper():
    envs = [MyPaintEnv(imsize=16, pos_resolution=4, action_space='paper', max_episode_steps=3)
            for _ in range(2)]
    episodes = record(RandomAgent(1), envs, 2)
    assert episodes.targets is None and episodes.frames.shape == (2, 4, 16, 16, 3)
    assert all(p.action_space == 'paper' and len(p.steps) == 3 for p in episodes.programs)
