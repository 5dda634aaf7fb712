"""Shared test fixtures."""
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / 'shared' / 'data'


@pytest.fixture(scope='session')
def shared_data():
    """The real dataset files that sit beside the repository (see ../shared/data/README.md)."""
    assert SHARED_DATA.is_dir(), f'expected the shared data folder at {SHARED_DATA}'
    return SHARED_DATA
