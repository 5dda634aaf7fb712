import dataclasses

import pytest

from chainer_spiral.datasets import DatasetError, make_dataset


@dataclasses.dataclass
class Data:
    """The config's data: section with its defaults."""
    problem: str = 'toy'
    path: str = None
    label: int = None
    binarize: bool = False
    threshold: float = 0.5
    test_fraction: float = 0.1
    variant: str = None
    categories: list = None
    channels: int = None
    download: bool = True
    cache_dir: str = '~/.cache/chainer_spiral'


def test_accepts_the_whole_config_section():
    ds = make_dataset(imsize=3, seed=0, **dataclasses.asdict(Data(label=2)))
    assert ds.n_train == 1 and ds.get_example().shape == (1, 3, 3)


@pytest.mark.parametrize('kwargs, message', [
    (dict(problem='svhn'), "problem: expected one of mnist, .*, got 'svhn'"),
    (dict(imsize=0), 'imsize: expected int >= 1, got 0'),
    (dict(imsize=3.0), r'imsize: expected int >= 1, got 3.0 \(float\)'),
    (dict(label=-1), 'label: expected null or int >= 0, got -1'),
    (dict(label=True), r'label: expected null or int >= 0, got True \(bool\)'),
    (dict(binarize='yes'), "binarize: expected bool, got 'yes'"),
    (dict(threshold=1.0), 'threshold: expected float in \\(0, 1\\), got 1.0'),
    (dict(test_fraction=1.0), r'test_fraction: expected float in \[0, 1\), got 1.0'),
    (dict(download='no'), "download: expected bool, got 'no'"),
    (dict(problem='quickdraw', categories='cat', imsize=28), 'categories: expected null or a'),
    (dict(problem='folder', channels=2, imsize=28), 'channels: expected null, 1 or 3, got 2'),
])
def test_invalid_options_are_one_line_errors(kwargs, message):
    options = dict(problem='toy', imsize=3) | kwargs
    with pytest.raises(DatasetError, match=message) as info:
        make_dataset(**options)
    assert str(info.value).startswith('data: ') and '\n' not in str(info.value)


def test_unknown_option_is_rejected():
    with pytest.raises(TypeError, match='colour'):
        make_dataset('toy', 3, colour=True)
