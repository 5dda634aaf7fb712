"""Helpers shared by the training tests (imported as a top-level module: pytest puts this
folder on sys.path)."""
import struct
from pathlib import Path

import numpy as np

from chainer_spiral.config import load_config
from chainer_spiral.datasets.toy import toy_patterns
from chainer_spiral.runs.loading import load_agent, make_envs_from_config
from chainer_spiral.runs.snapshots import list_snapshots, optimizers_of
from chainer_spiral.training import train

REPO = Path(__file__).resolve().parents[2]

# A toy run that takes a second or two: B x T = 8 x 2 = 16 env steps per update.
TOY_FAST = ['agent.rollout_n=8', 'train.log_interval=2', 'train.n_save_interval=4',
            'train.n_save_final_obs_interval=4', 'train.steps=160']


def toy_config(*overrides):
    return load_config(REPO / 'configs' / 'toy.yaml', TOY_FAST + list(overrides))


LINES = toy_patterns()[:, 0] < 0.5          # (8, 3, 3) ink masks of the toy dataset's lines


def line_rate(finals):
    """Share of final canvases, float32 (B, 1, 3, 3), that are exactly one of the 8 lines."""
    ink = finals[:, 0] < 0.5
    return float(np.mean([(ink[i] == LINES).all(axis=(1, 2)).any() for i in range(len(ink))]))


def greedy_line_rate(snapshot, n=16):
    cfg, agent, _ = load_agent(snapshot)
    return line_rate(agent.collect(make_envs_from_config(cfg, n), greedy=True).finals)


def train_toy(outdir, steps, *overrides):
    """Train configs/toy.yaml for `steps` env steps; {snapshot step: greedy line rate}."""
    cfg = load_config(REPO / 'configs' / 'toy.yaml', [f'train.steps={steps}', *overrides])
    train(cfg, outdir, progress=False)
    return {int(p.name): greedy_line_rate(p) for p in list_snapshots(outdir)}


def optimizer_arrays(agent):
    """{'gen_optimizer/<param>/<m|v>': array, ...} and the step counts."""
    out = {}
    for name, optimizer in optimizers_of(agent).items():
        out[f'{name}/t'] = np.array(optimizer.t)
        for pname, param in optimizer.target.namedparams():
            out[f'{name}{pname}/t'] = np.array(param.update_rule.t)
            for key, value in param.update_rule.state.items():
                out[f'{name}{pname}/{key}'] = np.array(value)
    return out


def parameters(agent):
    return {f'{attr}{name}': np.array(p.array) for attr in ('generator', 'discriminator',
                                                           'shared_generator')
            for name, p in getattr(agent, attr).namedparams()}


def assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def read_events(tb_dir):
    """[(tag, step, value)] of every scalar in the TensorBoard event files of a folder."""
    from tensorboardX.proto import event_pb2
    scalars = []
    for path in sorted(tb_dir.glob('events.out.tfevents.*')):
        data = path.read_bytes()
        offset = 0
        while offset < len(data):
            (length,) = struct.unpack('<Q', data[offset:offset + 8])
            event = event_pb2.Event.FromString(data[offset + 12:offset + 12 + length])
            offset += 12 + length + 4
            for value in event.summary.value:
                scalars.append((value.tag, event.step, value.simple_value))
    return scalars
