"""Config loading: every validation path, overrides, paths, and the shipped configs."""
import dataclasses
import os
import re
from pathlib import Path

import pytest
import yaml

from chainer_spiral.config import (SECTION_CLASSES, SECTIONS, Config, ConfigError,
                                   config_from_dict, dump_config, field_docs, load_config)

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted((REPO / 'configs').glob('*.yaml'))


def write(tmp_path, text, name='c.yaml'):
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path, overrides=(), **kwargs):
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides, **kwargs)
    message = str(info.value)
    assert '\n' not in message
    return message


MINIMAL = 'data: {problem: mnist}\n'


def test_minimal_config_takes_the_defaults(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL))
    assert cfg.seed == 0
    assert cfg.env.imsize == 64 and cfg.env.pos_resolution == 32
    assert cfg.env.background == (1.0, 1.0, 1.0)
    assert cfg.agent.lr == 1.0e-4 and cfg.agent.rollout_n == 20
    assert cfg.data.path is None
    assert cfg.data.cache_dir == os.path.expanduser('~/.cache/chainer_spiral')


def test_int_is_accepted_for_float_and_converted(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL + 'agent: {gp_lambda: 10}\n'))
    assert cfg.agent.gp_lambda == 10.0 and isinstance(cfg.agent.gp_lambda, float)


@pytest.mark.parametrize('text, expected', [
    ('agent: {lr: 1e-4}',
     "agent.lr: expected float > 0, got '1e-4' (str) (YAML 1.1 reads 1e-4 as a string: "
     "write 1.0e-4)"),
    ('agent: {lr: 0.0}', 'agent.lr: expected float > 0, got 0.0 (float)'),
    ('agent: {gamma: 1.5}', 'agent.gamma: expected float in [0, 1], got 1.5 (float)'),
    ('agent: {rollout_n: 0}', 'agent.rollout_n: expected int >= 1, got 0 (int)'),
    ('agent: {rollout_n: 2.0}', 'agent.rollout_n: expected int >= 1, got 2.0 (float)'),
    ('agent: {rollout_n: true}', 'agent.rollout_n: expected int >= 1, got True (bool)'),
    ("agent: {rollout_n: '20'}", "agent.rollout_n: expected int >= 1, got '20' (str)"),
    ('agent: {reward_mode: gan}',
     "agent.reward_mode: expected one of 'wgangp', 'dcgan', 'l2', 'psnr', got 'gan' (str)"),
    ('agent: {temporal_credit: 1}', 'agent.temporal_credit: expected bool, got 1 (int)'),
    ('agent: {beta1: 1.0}', 'agent.beta1: expected float in [0, 1), got 1.0 (float)'),
    ('agent: {lr: .nan}', 'agent.lr: expected float > 0, got nan (float)'),
    ('data: {problem: mnist, threshold: 1.0}',
     'data.threshold: expected float in (0, 1), got 1.0 (float)'),
    ('data: {problem: mnist, channels: 2}',
     'data.channels: expected one of 1, 3 or null, got 2 (int)'),
    ('data: {problem: mnist, categories: []}',
     'data.categories: expected a non-empty list of non-empty strs or null, got [] (list)'),
    ('data: {problem: imagenet}', "data.problem: expected one of 'mnist',"),
    ('data: {problem: null}', "data.problem: expected one of"),
    ('env: {kind: canvas}', "env.kind: expected one of 'mypaint', 'toy', got 'canvas' (str)"),
    ('env: {background: [1, 1]}',
     'env.background: expected a list of 3 floats in [0, 1], got [1, 1] (list)'),
    ('env: {color: [0, 0, 2]}',
     'env.color: expected a list of 3 floats in [0, 1], got [0, 0, 2] (list)'),
    ("env: {brush: ''}", "env.brush: expected non-empty str, got '' (str)"),
    ('env: {max_episode_steps: null}',
     'env.max_episode_steps: expected int in [1, 10000], got None (NoneType)'),
    ('train: {processes: 0}', 'train.processes: expected int in [1, 512], got 0 (int)'),
    ('seed: -1', 'seed: expected int in [0, 2147483647], got -1 (int)'),
    ('agent: {learning_rate: 0.1}', 'agent.learning_rate: unknown key (expected one of '
     'rollout_n, gamma,'),
    ('optimizer: {lr: 0.1}', 'optimizer: unknown section (expected seed, env, data, model, '
     'agent, train)'),
    ('agent: [1, 2]', 'agent: expected a mapping of keys, got [1, 2] (list)'),
])
def test_invalid_values_name_file_key_expectation_and_value(tmp_path, text, expected):
    body = text + '\n' + ('' if 'problem' in text else MINIMAL)
    path = write(tmp_path, body)
    message = error_of(path)
    assert message.startswith(f'{path}: {expected}'), message


@pytest.mark.parametrize('key, value, shown', [
    ('model.noise_size', '8', '8 (int)'),
    ('model.action_features', 'xy', "'xy' (str)"),
    ('agent.advantage_normalisation', 'true', 'True (bool)'),
    ('agent.l2_blur', '3.0', '3.0 (float)'),
    ('agent.teacher_updates', '200', '200 (int)'),
])
def test_a_removed_option_is_a_one_line_error_naming_it(tmp_path, key, value, shown):
    """The options the experiments found no gain in are gone: set in a file or with --set, each
    is an error naming the key."""
    section, name = key.split('.')
    path = write(tmp_path, f'{section}: {{{name}: {value}}}\n' + MINIMAL)
    assert error_of(path) == (f'{path}: {key}: removed (the experiments found no gain in it: '
                              f'docs/results.md); expected it left out, got {shown}')
    assert error_of(write(tmp_path, MINIMAL, 'm.yaml'), [f'{key}={value}']).startswith(
        f'--set {key}={value}: {key}: removed')


def test_an_older_runs_config_with_the_removed_options_at_their_defaults_loads(tmp_path):
    old = MINIMAL + ('model: {action_features: index, noise_size: 0}\n'
                     'agent: {l2_blur: 0.0, reward_window: 1000, advantage_normalisation: false, '
                     'teacher: null, teacher_updates: 0, teacher_targets: nearest, '
                     'teacher_interleave: false, lr: 5.0e-4}\n')
    cfg = load_config(write(tmp_path, old))
    assert cfg == load_config(write(tmp_path, MINIMAL + 'agent: {lr: 5.0e-4}\n', 'new.yaml'))


def test_missing_required_problem(tmp_path):
    path = write(tmp_path, 'agent: {lr: 1.0e-4}\n')
    assert error_of(path) == f'{path}: data.problem: required key missing'


def test_file_level_errors(tmp_path):
    missing = tmp_path / 'nope.yaml'
    assert error_of(missing).startswith(f'{missing}: cannot read the config file')
    bad = write(tmp_path, 'agent: {lr: [1,\n', 'bad.yaml')
    assert re.match(rf'{re.escape(str(bad))}: invalid YAML at line \d+', error_of(bad))
    listing = write(tmp_path, '- 1\n- 2\n', 'list.yaml')
    assert error_of(listing) == f'{listing}: expected a mapping of sections, got [1, 2] (list)'


def test_cross_key_checks(tmp_path):
    path = write(tmp_path, MINIMAL + 'env: {imsize: 16, pos_resolution: 32}\n')
    assert error_of(path) == f'{path}: env.pos_resolution: expected <= env.imsize (16), got 32'
    path = write(tmp_path, 'data: {problem: toy}\nenv: {kind: toy, imsize: 3, pos_resolution: 2}')
    assert error_of(path) == (f'{path}: env.pos_resolution: expected env.imsize (3) with env.kind'
                              ' toy (one grid point per cell), got 2')
    path = write(tmp_path, 'data: {problem: toy}\n')
    assert error_of(path) == (f'{path}: env.imsize: expected 3 with data.problem toy '
                              '(3x3 patterns), got 64')


def test_missing_data_path_and_brush_file(tmp_path):
    path = write(tmp_path, 'data: {problem: mnist, path: data/mnist}\n')
    assert error_of(path) == (f'{path}: data.path: no such file or folder: '
                              f'{tmp_path / "data" / "mnist"}')
    # without the file check (a demo that does not need the data) it loads
    assert load_config(path, check_paths=False).data.path == str(tmp_path / 'data' / 'mnist')
    path = write(tmp_path, MINIMAL + 'env: {brush: brushes/fat.myb}\n')
    assert error_of(path) == (f'{path}: env.brush: no such brush file: '
                              f'{tmp_path / "brushes" / "fat.myb"}')


def test_relative_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    (tmp_path / 'data' / 'mnist').mkdir(parents=True)
    (tmp_path / 'configs').mkdir()
    path = write(tmp_path / 'configs', 'data: {problem: mnist, path: ../data/mnist}\n')
    monkeypatch.chdir('/')
    cfg = load_config(path)
    assert cfg.data.path == str(tmp_path / 'data' / 'mnist')
    assert cfg.env.brush == 'round'     # a brush name is not a path


def test_overrides_are_parsed_as_yaml_and_validated(tmp_path, monkeypatch):
    path = write(tmp_path, MINIMAL)
    cfg = load_config(path, ['agent.lr=3.0e-4', 'seed=7', 'env.color=[0.5, 0, 1]',
                             'data.label=null', 'model.conditional=true'])
    assert cfg.agent.lr == 3.0e-4 and cfg.seed == 7 and cfg.env.color == (0.5, 0.0, 1.0)
    assert cfg.model.conditional is True
    assert error_of(path, ['agent.lr=1e-4']).startswith(
        "--set agent.lr=1e-4: agent.lr: expected float > 0, got '1e-4' (str)")
    assert error_of(path, ['agent.lr']) == '--set agent.lr: expected section.key=value'
    assert error_of(path, ['optim.lr=1']).startswith(
        "--set optim.lr=1: expected section.key=value with section one of env, data, model, "
        "agent, train (or seed=value), got 'optim.lr'")
    assert error_of(path, ['agent.foo=1']).startswith('--set agent.foo=1: agent.foo: unknown key')
    assert error_of(path, ['agent.lr=[1']) == '--set agent.lr=[1: the value is not valid YAML'
    # an override path is relative to the current directory
    (tmp_path / 'here').mkdir()
    monkeypatch.chdir(tmp_path)
    assert load_config(path, ['data.path=here']).data.path == str(tmp_path / 'here')


def test_dump_then_load_round_trip_keeps_every_value(tmp_path, shared_data):
    src = write(tmp_path, f'seed: 3\ndata: {{problem: mnist, path: {shared_data / "mnist"}}}\n'
                          'env: {color: [0.2, 0.4, 0.6]}\nagent: {lr: 2.0e-4}\n')
    cfg = load_config(src, ['train.processes=1'])
    run = tmp_path / 'runs' / 'a'
    run.mkdir(parents=True)
    dump_config(cfg, run / 'config.yaml')
    assert load_config(run / 'config.yaml') == cfg
    written = yaml.safe_load((run / 'config.yaml').read_text())
    assert list(written) == ['seed'] + list(SECTIONS)
    assert not os.path.isabs(written['data']['path'])   # portable: relative to the run dir
    assert written['data']['cache_dir'].startswith('~/') or not os.path.isabs(
        written['data']['cache_dir'])


def test_every_key_is_documented():
    rows = field_docs()
    assert len(rows) == 1 + sum(len(dataclasses.fields(c)) for c in SECTION_CLASSES.values())
    for section, key, accepted, _, doc in rows:
        assert doc and accepted, (section, key)


@pytest.mark.parametrize('path', SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_configs_load_and_carry_only_what_differs_from_the_defaults(path):
    """Keys left out take their defaults, so a shipped config lists only the keys it changes,
    each with a comment: none at its default value."""
    cfg = load_config(path)
    assert isinstance(cfg, Config)
    raw = yaml.safe_load(path.read_text())
    assert set(raw) <= {'seed', *SECTIONS} and raw.get('seed', 1) != 0, path.name
    for section in set(raw) - {'seed'}:
        fields = {f.name: f for f in dataclasses.fields(SECTION_CLASSES[section])}
        assert set(raw[section]) <= set(fields), (path.name, section)
        for key, value in raw[section].items():
            default = fields[key].default
            assert value != (list(default) if isinstance(default, tuple) else default), (
                f'{path.name}: {section}.{key} is its default {value!r}')
    for line in path.read_text().splitlines():
        if re.match(r'^\s+\w+:\s*\S', line):
            assert '#' in line, f'{path.name}: uncommented key line {line!r}'


def test_shipped_configs_cover_the_problems_and_defaults():
    names = {p.stem for p in SHIPPED}
    assert {'toy', 'mnist', 'mnist_conditional', 'emnist', 'kmnist', 'quickdraw', 'omniglot',
            'celeba', 'paper'} <= names
    mnist = load_config(REPO / 'configs' / 'mnist.yaml')
    assert (mnist.env.imsize, mnist.env.pos_resolution, mnist.env.max_episode_steps) == (64, 32, 10)
    assert (mnist.agent.rollout_n, mnist.agent.gamma, mnist.agent.beta) == (20, 0.99, 0.001)
    assert (mnist.agent.gp_lambda, mnist.agent.lr, mnist.agent.empty_drawing_penalty) == (
        10.0, 1.0e-4, 10.0)
    assert mnist.train.processes == 2
    assert load_config(REPO / 'configs' / 'paper.yaml').env.action_space == 'paper'
    assert load_config(REPO / 'configs' / 'mnist_conditional.yaml').model.conditional


def test_docs_list_every_key_with_its_default():
    text = (REPO / 'docs' / 'configs.md').read_text()
    for section, key, accepted, _, _ in field_docs():
        assert re.search(rf'^\| `{key}` \| {re.escape(accepted)} \|', text, re.M), (section, key)
    for path in SHIPPED:
        assert f'`{path.name}`' in text


def test_a_dict_validates_like_a_file(tmp_path):
    (tmp_path / 'mnist').mkdir()
    cfg = config_from_dict({'data': {'problem': 'mnist', 'path': 'mnist'}}, 'tiny run', tmp_path)
    assert cfg.data.path == str(tmp_path / 'mnist')
    with pytest.raises(ConfigError, match=r'^tiny run: agent.gamma: expected float in \[0, 1\], '
                                          r'got 2 \(int\)$'):
        config_from_dict({'data': {'problem': 'toy'}, 'agent': {'gamma': 2}}, 'tiny run')
