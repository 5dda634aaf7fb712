"""scripts/keep_checkpoint.py: a run's newest snapshot kept with its records, every leg's command,
and a run resumed from it goes on."""
import importlib.util
from pathlib import Path

from chainer_spiral.config import load_config
from chainer_spiral.runs.snapshots import read_counters
from chainer_spiral.training import train

REPO = Path(__file__).resolve().parents[1]
TINY = ['agent.rollout_n=8', 'train.n_save_interval=2', 'train.n_save_final_obs_interval=2',
        'train.log_interval=2']


def keep_checkpoint():
    spec = importlib.util.spec_from_file_location('keep_checkpoint',
                                                  REPO / 'scripts' / 'keep_checkpoint.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_newest_snapshot_is_kept_with_every_legs_command_and_resumes(tmp_path):
    keep = keep_checkpoint().keep
    run, into = tmp_path / 'run', tmp_path / 'checkpoints'
    train(load_config(REPO / 'configs' / 'toy.yaml', TINY + ['train.steps=64']), run,
          argv=['train.py', 'first', 'leg'], progress=False)
    kept = keep(run, 'toy_run', into=into)
    assert sorted(p.name for p in kept.iterdir() if p.is_dir()) == ['64']
    assert (kept / '64' / 'gen_optimizer.npz').is_file()             # a full checkpoint
    assert (kept / 'finals_last.png').is_file() and (kept / 'metrics.csv').is_file()
    assert load_config(kept / 'config.yaml', check_paths=False).data.path is None
    assert (kept / 'command.txt').read_text() == 'train.py first leg\n'
    train(load_config(REPO / 'configs' / 'toy.yaml', TINY + ['train.steps=96']), run,
          load=kept / '64', argv=['train.py', 'second', 'leg'], progress=False)
    kept = keep(run, 'toy_run', into=into)
    assert sorted(p.name for p in kept.iterdir() if p.is_dir()) == ['96']
    assert (kept / 'command.txt').read_text() == 'train.py first leg\ntrain.py second leg\n'
    assert read_counters(kept / '96' / 'counters.json')['steps'] == 96


def test_networks_only_keeps_what_init_starts_from(tmp_path):
    keep = keep_checkpoint().keep
    run = tmp_path / 'run'
    train(load_config(REPO / 'configs' / 'toy.yaml', TINY + ['train.steps=32']), run,
          argv=['train.py', 'a'], progress=False)
    kept = keep(run, 'toy_nets', into=tmp_path / 'checkpoints', networks_only=True)
    assert sorted(p.name for p in (kept / '32').iterdir()) == [
        'counters.json', 'discriminator.npz', 'generator.npz', 'manifest.json']
    summary = train(load_config(REPO / 'configs' / 'toy.yaml', TINY + ['train.steps=16']),
                    tmp_path / 'next', init=kept / '32', progress=False)
    assert read_counters(Path(summary['snapshot']) / 'counters.json')['steps'] == 16
