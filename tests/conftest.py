"""Shared test fixtures."""
import importlib.util
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / 'shared' / 'data'


@pytest.fixture(scope='session')
def shared_data():
    """The real dataset files that sit beside the repository (see ../shared/data/README.md)."""
    assert SHARED_DATA.is_dir(), f'expected the shared data folder at {SHARED_DATA}'
    return SHARED_DATA


@pytest.fixture(scope='session')
def load_script():
    """load_script(name): scripts/<name>.py imported as a module (the scripts are not a package)."""
    def load(name):
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / 'scripts' / f'{name}.py')
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
