"""One run per OUTDIR: a second run refuses at once, a dead run's lock is taken over, the lock
goes when the run ends."""
import json
import logging
import re
import socket
import subprocess
import sys

import pytest

from chainer_spiral.agents import SPIRAL
from chainer_spiral.runs.snapshots import list_snapshots
from chainer_spiral.training import TrainingError, train
from chainer_spiral.training.run_lock import LOCK_FILE, RunLock

from training_helpers import REPO, toy_config

HOLD = '''
import sys, time
from chainer_spiral.training.run_lock import RunLock
RunLock(sys.argv[1], ['train.py', 'configs/toy.yaml', sys.argv[1]]).acquire()
print('locked', flush=True)
time.sleep(120)
'''


@pytest.fixture
def held(tmp_path):
    """OUTDIR whose lock another live process holds; (outdir, that process)."""
    outdir = tmp_path / 'run'
    holder = subprocess.Popen([sys.executable, '-c', HOLD, str(outdir)], stdout=subprocess.PIPE,
                              text=True, cwd=REPO)
    try:
        assert holder.stdout.readline() == 'locked\n'
        yield outdir, holder
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_a_second_run_into_a_locked_outdir_refuses_at_once_and_writes_nothing(held):
    outdir, holder = held
    done = subprocess.run([sys.executable, str(REPO / 'train.py'), 'configs/toy.yaml',
                           str(outdir), '--no-progress'], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    line, = [l for l in done.stderr.splitlines() if l.startswith('error: ')]
    assert re.fullmatch(
        rf'error: {re.escape(str(outdir))}: expected no other run training into it, got pid '
        rf'{holder.pid} on host {re.escape(socket.gethostname())}, since [0-9-]+ [0-9:]+: '
        rf'train.py configs/toy.yaml {re.escape(str(outdir))} \(stop it, or train into '
        rf'another OUTDIR\)', line)
    assert [p.name for p in outdir.iterdir()] == [LOCK_FILE]     # no config.yaml, no records
    assert json.loads((outdir / LOCK_FILE).read_text())['pid'] == holder.pid


def test_the_lock_of_a_live_run_in_this_process_is_refused_too(tmp_path):
    with RunLock(tmp_path, ['first']):
        with pytest.raises(TrainingError, match=rf'pid \d+ on host .*: first \(stop it'):
            RunLock(tmp_path, ['second']).acquire()
    assert not (tmp_path / LOCK_FILE).exists()
    with RunLock(tmp_path, ['third']):
        assert json.loads((tmp_path / LOCK_FILE).read_text())['command'] == ['third']


def dead_pid():
    """The pid of a process that has exited."""
    proc = subprocess.Popen([sys.executable, '-c', 'pass'])
    proc.wait()
    return proc.pid


def test_a_lock_whose_process_is_dead_is_taken_over_and_its_snapshots_resume(tmp_path, caplog):
    outdir = tmp_path / 'run'
    train(toy_config('train.processes=1', 'train.steps=64'), outdir, progress=False)
    before = [p.name for p in list_snapshots(outdir)]
    stale = {'pid': dead_pid(), 'host': socket.gethostname(), 'command': ['train.py', 'killed'],
             'started': '2026-12-07 00:00:00'}
    (outdir / LOCK_FILE).write_text(json.dumps(stale) + '\n')
    with caplog.at_level(logging.WARNING, logger='chainer_spiral.training.run_lock'):
        summary = train(toy_config('train.processes=1', 'train.steps=128'), outdir,
                        progress=False, load=outdir)
    assert f'taking over the lock of a run that is no longer running (pid {stale["pid"]} ' \
        in caplog.text
    assert summary['counters'].steps == 128
    assert [p.name for p in list_snapshots(outdir)][:len(before)] == before
    assert not (outdir / LOCK_FILE).exists()


def test_the_lock_is_released_when_the_run_stops_on_a_fault_and_when_it_ends(tmp_path, monkeypatch):
    def fail(self, rollout):
        raise RuntimeError('injected failure')
    monkeypatch.setattr(SPIRAL, 'update', fail)
    with pytest.raises(TrainingError, match='injected failure'):
        train(toy_config('train.processes=1'), tmp_path, progress=False)
    assert not (tmp_path / LOCK_FILE).exists()
    monkeypatch.undo()
    train(toy_config('train.processes=1', 'train.steps=32'), tmp_path / 'next', progress=False)
    assert not (tmp_path / 'next' / LOCK_FILE).exists()
