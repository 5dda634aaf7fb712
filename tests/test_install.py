"""The set-up path: scripts/install.sh, the Makefile, CI and Docker all go through one script;
Pipfile / Pipfile.lock (pipenv) install the same pins."""
import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]


def _fake_bin(tmp_path, **scripts):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name, body in scripts.items():
        path = bin_dir / name.replace('_', '-')
        path.write_text('#!/bin/sh\n' + body + '\n')
        path.chmod(0o755)
    return bin_dir


def _run_install(tmp_path, bin_dir, *args):
    env = dict(os.environ, PATH=f'{bin_dir}:{os.environ["PATH"]}', VENV=str(tmp_path / 'venv'))
    return subprocess.run(['bash', str(REPO / 'scripts' / 'install.sh'), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_not_root_and_packages_missing_says_which_apt_command(tmp_path):
    bin_dir = _fake_bin(tmp_path, dpkg_query='exit 1', id='echo 1000')
    result = _run_install(tmp_path, bin_dir)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert 'sudo apt-get install -y libmypaint-1.5-1 libmypaint-dev' in lines[0]
    assert not (tmp_path / 'venv').exists()


def test_test_tools_are_asked_for_only_with_test_option(tmp_path):
    bin_dir = _fake_bin(tmp_path, dpkg_query='exit 1', id='echo 1000')
    assert 'chromium' not in _run_install(tmp_path, bin_dir).stderr
    assert 'chromium' in _run_install(tmp_path, bin_dir, '--test').stderr


def test_unknown_option_is_refused(tmp_path):
    result = _run_install(tmp_path, _fake_bin(tmp_path), '--bogus')
    assert result.returncode == 2 and "unknown option '--bogus'" in result.stderr


def test_wrong_python_is_refused_before_creating_a_venv(tmp_path):
    bin_dir = _fake_bin(tmp_path, dpkg_query="echo 'install ok installed'")
    env = dict(os.environ, PATH=f'{bin_dir}:{os.environ["PATH"]}', VENV=str(tmp_path / 'venv'),
               PYTHON='python2-does-not-exist')
    result = subprocess.run(['bash', str(REPO / 'scripts' / 'install.sh')], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and 'Python 3.11 is required' in result.stderr
    assert not (tmp_path / 'venv').exists()


def test_ci_docker_and_make_share_the_install_script():
    assert 'make test' in (REPO / '.ci' / 'run').read_text()
    makefile = (REPO / 'Makefile').read_text()
    assert re.search(r'^install:\n\tbash scripts/install.sh$', makefile, re.M)
    assert re.search(r'^install-test:\n\tbash scripts/install.sh --test$', makefile, re.M)
    assert re.search(r'^test: install-test$', makefile, re.M)
    assert re.search(r'^demo: install$', makefile, re.M)
    dockerfile = (REPO / 'docker' / 'Dockerfile').read_text()
    # The build stage installs through the script, the image keeps its runtime packages only.
    assert re.search(r'^    bash scripts/install.sh &&', dockerfile, re.M)
    assert re.search(r'^RUN bash scripts/install.sh --runtime\b', dockerfile, re.M)
    assert re.search(r'^CMD \["make", "-o", "install", "demo", ', dockerfile, re.M)


def test_runtime_option_asks_only_for_the_runtime_packages_and_makes_no_venv(tmp_path):
    bin_dir = _fake_bin(tmp_path, dpkg_query='exit 1', id='echo 1000')
    result = _run_install(tmp_path, bin_dir, '--runtime')
    assert result.returncode == 1
    assert result.stderr.strip().endswith('sudo apt-get install -y libmypaint-1.5-1 make')
    (tmp_path / 'installed').mkdir()
    bin_dir = _fake_bin(tmp_path / 'installed', dpkg_query="echo 'install ok installed'")
    assert _run_install(tmp_path, bin_dir, '--runtime').returncode == 0
    assert not (tmp_path / 'venv').exists()


def _constraints():
    """{canonical name: specifier} of constraints.txt."""
    pins = {}
    for line in (REPO / 'constraints.txt').read_text().splitlines():
        line = line.split('#')[0].strip()
        if line:
            name, spec = re.fullmatch(r'([A-Za-z0-9._-]+)\s*(\S.*)', line).groups()
            pins[canonicalize_name(name)] = spec
    return pins


def test_pipfile_and_its_lock_pin_what_constraints_txt_pins():
    pins = _constraints()
    pipfile = tomllib.loads((REPO / 'Pipfile').read_text())
    for section in ('packages', 'dev-packages'):
        for name, spec in pipfile[section].items():
            if name == 'chainer-spiral':
                continue
            expected = pins.get(canonicalize_name(name))
            assert spec == expected, \
                f'Pipfile [{section}] {name}: expected constraints.txt\'s {expected}, got {spec}'
    lock = json.loads((REPO / 'Pipfile.lock').read_text())
    for section in ('default', 'develop'):
        for name, entry in lock[section].items():
            if name == 'chainer-spiral':
                continue
            version = entry['version'].removeprefix('==')
            spec = pins.get(canonicalize_name(name))
            assert spec is not None and version in SpecifierSet(spec), \
                f'Pipfile.lock {section} {name}: expected a version in constraints.txt ({spec}), ' \
                f'got {version}'


def test_pipenv_builds_sdists_with_the_constraints():
    # pip >= 26.2 applies only build constraints in its isolated build environments, where
    # chainer's sdist needs setuptools<70; pipenv loads .env before each command.
    env = dict(line.split('=', 1) for line in (REPO / '.env').read_text().splitlines()
               if line and not line.startswith('#'))
    assert env == {'PIP_CONSTRAINT': 'constraints.txt', 'PIP_BUILD_CONSTRAINT': 'constraints.txt'}
