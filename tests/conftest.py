"""Shared test fixtures."""
import importlib.util
from pathlib import Path

import pytest

from chainer_spiral.datasets.files import DATA_ENV, SHARED_DATA, data_root

REPO_ROOT = Path(__file__).resolve().parents[1]
NO_DATA = (f'needs the real dataset files: set {DATA_ENV} to a folder like ../shared/data '
           f'(mnist/, kmnist/, omniglot/, quickdraw/, celeba/; docs/datasets.md) or put it at '
           f'{SHARED_DATA}')


@pytest.fixture(scope='session')
def shared_data():
    """The folder of real dataset files (datasets.files.data_root: ``$CHAINER_SPIRAL_DATA``, else
    ../shared/data beside the repository); a test that needs it skips where there is none."""
    root = data_root()
    if root is None:
        pytest.skip(NO_DATA)
    return root


def pytest_sessionfinish(session, exitstatus):
    """Where the real data exists (CI has it), a test skipped for the lack of it fails the run."""
    reporter = session.config.pluginmanager.get_plugin('terminalreporter')
    if data_root() is None or reporter is None:
        return
    skipped = [r for r in reporter.stats.get('skipped', []) if NO_DATA in str(r.longrepr)]
    if skipped:
        reporter.write_line(f'error: {len(skipped)} test(s) skipped for want of data that exists')
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope='session')
def load_script():
    """load_script(name): scripts/<name>.py imported as a module (the scripts are not a package)."""
    def load(name):
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / 'scripts' / f'{name}.py')
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
