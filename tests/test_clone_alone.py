"""A clone with no data beside it: data tests skip saying how to provide the data, and a config
that needs data stops on the data in one line, not on a path of this machine."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXTENSIONS = ('chainer_spiral/envs/_mypaint_cffi.abi3.so', 'chainer_spiral/models/_conv_cffi.abi3.so')


def clone_alone(dest):
    """Copy the repository's tracked files of the package, its configs and tests (as they are in
    the work tree) and its built extensions into `dest`/repo, which has no ../shared beside it.
    Returns the copy."""
    paths = ('chainer_spiral', 'configs', 'tests', 'train.py', 'setup.cfg')
    listed = subprocess.run(['git', 'ls-files', '-z', '--', *paths], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout.split('\0')
    repo = dest / 'repo'
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, repo / name)
    for name in EXTENSIONS:
        shutil.copy2(REPO / name, repo / name)
    return repo


def alone_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'CHAINER_SPIRAL_DATA'}
    return dict(env, HOME=str(tmp_path / 'home'), PYTHONDONTWRITEBYTECODE='1')


def run(repo, tmp_path, *args):
    return subprocess.run([sys.executable, *args], cwd=repo, env=alone_env(tmp_path),
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope='module')
def alone(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('alone')
    return clone_alone(tmp), tmp


def test_data_tests_skip_with_how_to_provide_the_data(alone):
    repo, tmp = alone
    result = run(repo, tmp, '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider',
                 'tests/datasets/test_mnist.py', 'tests/datasets/test_toy.py')
    assert result.returncode == 0, result.stdout[-3000:]
    assert 'skipped' in result.stdout and 'passed' in result.stdout
    assert 'needs the real dataset files: set CHAINER_SPIRAL_DATA' in result.stdout


def test_a_config_that_needs_data_stops_on_the_data(alone):
    repo, tmp = alone
    result = run(repo, tmp, 'train.py', 'configs/mnist.yaml', str(tmp / 'run'), '--no-progress',
                 '--set', 'data.download=false')
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('error: mnist: expected the file ') and 'shared' not in last
    assert str(tmp / 'home' / '.cache' / 'chainer_spiral' / 'mnist') in last


def test_the_data_variable_is_followed(alone, tmp_path):
    repo, tmp = alone
    data = tmp_path / 'data'
    (data / 'mnist').mkdir(parents=True)
    code = ('from chainer_spiral.config import load_config; '
            'from chainer_spiral.datasets.files import data_path; '
            'print(data_path(load_config("configs/mnist.yaml").data))')
    env = dict(alone_env(tmp), CHAINER_SPIRAL_DATA=str(data))
    out = subprocess.run([sys.executable, '-c', code], cwd=repo, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.strip() == str(data / 'mnist')
    out = run(repo, tmp, '-c', code).stdout
    assert out.strip() == str(tmp / 'home' / '.cache' / 'chainer_spiral' / 'mnist')


@pytest.mark.slow
def test_the_default_suite_passes_in_a_clone_alone(tmp_path):
    """A git clone of the committed repository (some tests read `git ls-files`) with the built
    extensions, and no ../shared beside it."""
    repo = tmp_path / 'repo'
    subprocess.run(['git', 'clone', '-q', str(REPO), str(repo)], check=True, timeout=600)
    for name in EXTENSIONS:
        shutil.copy2(REPO / name, repo / name)
    result = run(repo, tmp_path, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-x',
                 '--deselect', 'tests/test_clone_alone.py')
    assert result.returncode == 0, result.stdout[-5000:]
