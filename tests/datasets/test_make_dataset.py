import dataclasses

import pytest

from chainer_spiral.config import DataConfig
from chainer_spiral.datasets import DatasetError, make_dataset


def test_accepts_the_whole_config_section():
    ds = make_dataset(imsize=3, seed=0, **dataclasses.asdict(DataConfig(problem='toy', label=2)))
    assert ds.n_train == 1 and ds.get_example().shape == (1, 3, 3)


def test_takes_the_validated_section_as_it_is():
    ds = make_dataset(DataConfig(problem='toy', label=2), 3)
    assert ds.n_train == 1 and ds.get_example().shape == (1, 3, 3)
    with pytest.raises(DatasetError, match=r'^data\.problem: expected one of'):
        make_dataset(DataConfig(problem='toy'), 3, label=2)  # a section, or a name and options


@pytest.mark.parametrize('kwargs, message', [
    (dict(problem='svhn'), "data.problem: expected one of 'mnist', .*, got 'svhn'"),
    (dict(imsize=0), 'data: imsize: expected int >= 1, got 0'),
    (dict(imsize=3.0), r'data: imsize: expected int >= 1, got 3.0 \(float\)'),
    (dict(seed='1'), r"data: seed: expected int, got '1' \(str\)"),
    (dict(label=-1), 'data.label: expected int >= 0 or null, got -1'),
    (dict(label=True), r'data.label: expected int >= 0 or null, got True \(bool\)'),
    (dict(binarize='yes'), "data.binarize: expected bool, got 'yes'"),
    (dict(threshold=1.0), 'data.threshold: expected float in \\(0, 1\\), got 1.0'),
    (dict(test_fraction=1.0), r'data.test_fraction: expected float in \[0, 1\), got 1.0'),
    (dict(download='no'), "data.download: expected bool, got 'no'"),
    (dict(problem='quickdraw', categories='cat', imsize=28),
     "data.categories: expected a non-empty list of non-empty strs or null, got 'cat'"),
    (dict(problem='quickdraw', categories=[], imsize=28), 'data.categories: expected a non-empty'),
    (dict(problem='quickdraw', categories=['cat', 1], imsize=28),
     'data.categories: expected a non-empty list'),
    (dict(problem='folder', channels=2, imsize=28),
     'data.channels: expected one of 1, 3 or null, got 2'),
    (dict(path=''), "data.path: expected non-empty str or null, got ''"),
])
def test_invalid_options_are_one_line_errors(kwargs, message):
    """The checks of the config's data: section, in its wording."""
    options = dict(problem='toy', imsize=3) | kwargs
    with pytest.raises(DatasetError, match=message) as info:
        make_dataset(**options)
    assert str(info.value).startswith('data') and '\n' not in str(info.value)


def test_unknown_option_is_rejected():
    with pytest.raises(DatasetError, match=r"^data: unknown keys \['colour'\]; expected \[.*\]$"):
        make_dataset('toy', 3, colour=True)

