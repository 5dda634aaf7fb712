"""train.py and `chainer-spiral` as a user runs them: outputs, errors, kill -9, Ctrl-C, SIGTERM."""
import json
import re
import os
import signal
import subprocess
import sys
import time

import pytest

from chainer_spiral import cli
from chainer_spiral.runs.snapshots import latest_snapshot, list_snapshots
from chainer_spiral.training.run_lock import LOCK_FILE
from chainer_spiral.training.worker import child_pids

from training_helpers import REPO, TOY_FAST

PYTHON = sys.executable


def sets(*overrides):
    return [arg for o in overrides for arg in ('--set', o)]


def run_train(*args, timeout=120):
    return subprocess.run([PYTHON, str(REPO / 'train.py'), *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def start_train(*args):
    """train.py in its own process group (as a terminal would run it)."""
    return subprocess.Popen([PYTHON, str(REPO / 'train.py'), *map(str, args)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.1)


def test_train_py_on_the_toy_config(tmp_path):
    out = tmp_path / 'run'
    done = run_train('configs/toy.yaml', out, '--no-progress', *sets(*TOY_FAST))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f'done: 160 env steps, 10 updates, ')
    assert done.stdout.rstrip().endswith(f'snapshot {out / "160"}')
    assert [p.name for p in list_snapshots(out)] == ['64', '128', '160']
    assert json.loads((out / '160' / 'counters.json').read_text())['episodes'] == 80
    assert len((out / 'metrics.csv').read_text().splitlines()) == 1 + 5
    assert (out / 'finals' / '000000000128.png').is_file()
    assert list((out / 'tb').glob('events.out.tfevents.*'))
    assert 'configs/toy.yaml' in (out / 'command.txt').read_text()


def test_train_py_reports_a_config_error_in_one_line(tmp_path):
    done = run_train('configs/toy.yaml', tmp_path / 'run', '--set', 'agent.lr=1e-4')
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: --set agent.lr=1e-4: agent.lr: expected float > 0, got '1e-4' (str) "
        "(YAML 1.1 reads 1e-4 as a string: write 1.0e-4)"]
    assert not (tmp_path / 'run').exists()


def test_the_console_script_dispatches(tmp_path, capsys):
    assert cli.main(['paint']) == 2
    assert "expected a command 'train', 'demo' or 'serve', got 'paint'" in capsys.readouterr().err
    assert cli.main(['train', 'configs/toy.yaml', str(tmp_path / 'run'), '--no-progress',
                     *sets(*TOY_FAST, 'train.steps=32')]) == 0
    assert latest_snapshot(tmp_path / 'run').name == '32'
    with pytest.raises(SystemExit) as info:
        cli.main(['demo', '--help'])
    assert info.value.code == 0
    assert 'snapshot' in capsys.readouterr().out


def test_after_kill_9_of_the_whole_run_load_continues_from_the_last_snapshot(tmp_path):
    out = tmp_path / 'run'
    proc = start_train('configs/toy.yaml', out, '--no-progress',
                       *sets(*TOY_FAST, 'train.processes=2', 'train.steps=1000000'))
    try:
        wait_for(lambda: len(list_snapshots(out)) >= 2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    assert (out / LOCK_FILE).is_file()      # left behind, no longer held: taken over below
    last = latest_snapshot(out)
    steps = int(last.name)
    done = run_train('configs/toy.yaml', out, '--no-progress', '--load', last,
                     *sets(*TOY_FAST, 'train.processes=2', f'train.steps={steps + 64}'))
    assert done.returncode == 0, done.stderr
    assert f'taking over the lock of a run that is no longer running (pid {proc.pid} ' in \
        done.stderr
    assert not (out / LOCK_FILE).exists()
    final = json.loads((latest_snapshot(out) / 'counters.json').read_text())
    assert final['steps'] == steps + 64
    assert final['updates'] == json.loads((last / 'counters.json').read_text())['updates'] + 4
    assert not list(out.glob('.tmp-*'))


@pytest.mark.parametrize('sig, group', [(signal.SIGINT, True), (signal.SIGTERM, True),
                                        (signal.SIGTERM, False)],
                         ids=['ctrl-c', 'sigterm-to-the-group', 'sigterm-to-the-supervisor'])
def test_ctrl_c_and_sigterm_finish_the_updates_and_save_a_snapshot(tmp_path, sig, group):
    """A terminal's Ctrl-C sends SIGINT to the process group; a cluster scheduler sends SIGTERM
    to every process of the job, or to the main one."""
    out = tmp_path / 'run'
    proc = start_train('configs/toy.yaml', out, '--no-progress',
                       *sets(*TOY_FAST, 'train.processes=2', 'train.steps=1000000',
                             'train.n_save_interval=0'))
    try:
        wait_for(lambda: (out / 'metrics.csv').is_file())
        if group:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, stderr
    assert stdout.startswith('interrupted: ')
    assert not (out / LOCK_FILE).exists()
    snapshot = latest_snapshot(out)
    counters = json.loads((snapshot / 'counters.json').read_text())
    assert counters['steps'] == int(snapshot.name) == 16 * counters['updates'] > 0


def test_a_second_stop_signal_aborts_with_one_line(tmp_path):
    out = tmp_path / 'run'
    proc = start_train('configs/toy.yaml', out, '--no-progress',
                       *sets(*TOY_FAST, 'train.processes=2', 'train.steps=1000000',
                             'train.n_save_interval=1', 'train.eval_interval=1000',
                             'train.eval_n=10'))
    try:
        wait_for(lambda: len(list_snapshots(out)) >= 1)
        os.kill(proc.pid, signal.SIGTERM)
        time.sleep(1)  # the first is being handled: the final snapshot's evaluation runs
        os.kill(proc.pid, signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert stderr.strip().splitlines()[-1] == (
        f'aborted: the last complete snapshot in {out} is intact')
    assert 'Traceback' not in stderr
    snapshot = latest_snapshot(out)
    counters = json.loads((snapshot / 'counters.json').read_text())
    assert counters['steps'] == int(snapshot.name)


def test_workers_do_not_outlive_a_killed_supervisor(tmp_path):
    out = tmp_path / 'run'
    proc = start_train('configs/toy.yaml', out, '--no-progress',
                       *sets(*TOY_FAST, 'train.processes=2', 'train.steps=1000000'))
    try:
        wait_for(lambda: (out / 'metrics.csv').is_file())
        workers = child_pids(proc.pid)
        assert len(workers) == 2
        proc.kill()                            # the main process only
        proc.wait()
        wait_for(lambda: not any(os.path.exists(f'/proc/{pid}') for pid in workers),
                 timeout=10)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # whatever is left of the group
        except ProcessLookupError:
            pass
        proc.stdout.close()
        proc.stderr.close()


def test_a_damaged_snapshot_is_one_line_everywhere_and_load_of_the_run_skips_it(tmp_path):
    run = tmp_path / 'run'
    done = run_train('configs/toy.yaml', run, '--no-progress',
                     *sets(*TOY_FAST, 'train.processes=1', 'train.steps=128'))
    assert done.returncode == 0, done.stderr
    *_, good, damaged = list_snapshots(run)
    (damaged / 'generator.npz').write_bytes(b'truncated')
    commands = {
        'train': [str(REPO / 'train.py'), 'configs/toy.yaml', str(tmp_path / 'again'),
                  '--no-progress', '--load', str(damaged)],
        'demo': [str(REPO / 'demo.py'), 'static', str(damaged), str(tmp_path / 'x.png')],
        'evaluate': [str(REPO / 'scripts' / 'evaluate.py'), str(damaged), '--n', '4'],
    }
    for name, command in commands.items():
        out = subprocess.run([PYTHON, *command], cwd=REPO, capture_output=True, text=True,
                             timeout=120)
        assert out.returncode in (1, 2), (name, out.stderr)
        assert 'Traceback' not in out.stderr, name
        assert f'{damaged}/generator.npz: damaged: expected' in out.stderr.strip().splitlines()[-1]
    again = run_train('configs/toy.yaml', tmp_path / 'resumed', '--no-progress', '--load', run,
                      *sets(*TOY_FAST, 'train.processes=1', 'train.steps=160'))
    assert again.returncode == 0, again.stderr
    assert f'skipping {damaged}' in again.stderr
    resumed = json.loads((latest_snapshot(tmp_path / 'resumed') / 'counters.json').read_text())
    assert resumed['steps'] == 160
    assert resumed['updates'] == json.loads((good / 'counters.json').read_text())['updates'] + (
        160 - int(good.name)) // 16


def test_the_reported_tracebacks_are_one_line_errors(tmp_path, shared_data):
    """The three cases a new user met: a truncated generator.npz of a snapshot without a
    manifest, a brush file of another version, an MNIST file whose IDX magic is wrong."""
    run = tmp_path / 'run'
    assert run_train('configs/toy.yaml', run, '--no-progress',
                     *sets(*TOY_FAST, 'train.processes=1', 'train.steps=32')).returncode == 0
    snapshot = latest_snapshot(run)
    (snapshot / 'manifest.json').unlink()
    data = (snapshot / 'generator.npz').read_bytes()
    (snapshot / 'generator.npz').write_bytes(data[:len(data) // 2])
    brush = tmp_path / 'old.myb'
    brush.write_text('{"version": 2, "settings": {}}')
    mnist = tmp_path / 'mnist'
    mnist.mkdir()
    for name in ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'):
        (mnist / name).write_bytes((shared_data / 'mnist' / name).read_bytes())
    import gzip
    images = mnist / 't10k-images-idx3-ubyte.gz'
    raw = bytearray(gzip.decompress(images.read_bytes()))
    raw[3] = 0x1c  # the magic's dimension byte: 28 instead of 3
    images.write_bytes(gzip.compress(bytes(raw)))
    cases = [
        (['configs/toy.yaml', tmp_path / 'a', '--load', snapshot],
         rf'{snapshot}: expected a snapshot of this config\'s agent, got one that does not load '
         r'into it \(BadZipFile: .*\)'),
        (['configs/mnist.yaml', tmp_path / 'b', '--set', f'env.brush={brush}',
          '--set', f'data.path={shared_data / "mnist"}'],
         rf'{brush}: expected a MyPaint brush with "version": 3 and a "settings" object, got '
         r'version 2'),
        (['configs/mnist.yaml', tmp_path / 'c', '--set', f'data.path={mnist}'],
         rf'{images}: expected an IDX file of 1 to 4 dimensions, got 28 \(magic bytes 00 00 08 '
         r'1c\)'),
    ]
    for args, message in cases:
        out = run_train(*args, '--no-progress')
        assert out.returncode == 1, out.stderr
        assert 'Traceback' not in out.stderr
        assert re.fullmatch('error: ' + message, out.stderr.strip().splitlines()[-1]), out.stderr
