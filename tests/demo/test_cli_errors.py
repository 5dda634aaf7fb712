"""demo.py's input errors: one line on stderr, exit status 2, no traceback."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_demo(*args):
    return subprocess.run([sys.executable, str(REPO / 'demo.py'), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def error_line(result):
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('demo.py: error: '), result.stderr
    return last


def test_unknown_mode(tmp_path):
    assert "argument mode: invalid choice: 'film'" in error_line(run_demo('film', tmp_path, 'x'))


def test_missing_snapshot(tmp_path):
    line = error_line(run_demo('static', tmp_path / 'run' / '100', tmp_path / 'x.png'))
    assert line.startswith(f'demo.py: error: {tmp_path / "run" / "100"}: expected a snapshot '
                           f'directory, a run directory or a shipped painter\'s name (')
    assert 'mnist7' in line and line.endswith('got none of them')


def test_missing_config(tmp_path):
    (tmp_path / 'run' / '100').mkdir(parents=True)
    line = error_line(run_demo('json', tmp_path / 'run' / '100', tmp_path / 'x.json'))
    assert f'{tmp_path / "run" / "config.yaml"}: expected the run\'s config.yaml' in line


@pytest.mark.parametrize('n', ['0', '-3'])
def test_bad_n(tmp_path, n):
    line = error_line(run_demo('json', tmp_path, tmp_path / 'x.json', '--n', n))
    assert line.endswith(f'--n: expected a positive int, got {n}')
