"""Experiment configuration: YAML files loaded into validated dataclasses.

A config file has a top-level ``seed`` and five sections, ``env``, ``data``, ``model``, ``agent``
and ``train``; every key is a field of the section's dataclass below, documented beside it. Keys
left out take the field's default. Everything is checked at load time: unknown keys, types (PyYAML
reads ``1e-4`` as a *string*: write ``1.0e-4``), ranges, enums and files that must exist; a problem
raises `ConfigError` with a one-line message naming the file and the key::

    configs/mnist.yaml: agent.lr: expected float > 0, got '1e-4' (str)

Paths (``data.path``, ``data.cache_dir``, ``env.brush`` when it is a file) written relative in a
file are relative to the directory of that file; given with ``--set`` they are relative to the
current directory. `load_config` makes them absolute; `dump_config` writes them back relative to
the directory of the file it writes (or as ``~/...`` under the home directory), so a run directory
stays valid wherever the repository and its ``../shared/data`` are cloned.
"""
import dataclasses
import math
import os
import typing
from pathlib import Path

import yaml

from chainer_spiral.errors import read_text

SECTIONS = ('env', 'data', 'model', 'agent', 'train')
# Reward modes scored by the distance to the target (no discriminator).
DISTANCE_REWARDS = ('l2', 'psnr')

# The dataset problems (`data.problem`); chainer_spiral.datasets has a reader module for each.
PROBLEMS = ('mnist', 'emnist', 'kmnist', 'jikei', 'quickdraw', 'omniglot', 'celeba', 'folder',
            'toy')


class ConfigError(ValueError):
    """An invalid configuration (one-line message naming the file and the key)."""


def option(default=dataclasses.MISSING, doc='', *, choices=None, low=None, high=None,
           low_open=False, high_open=False, path=False):
    """A documented, validated dataclass field.

    Args:
        default: default value (MISSING: the key is required).
        doc: what the key means (shown in docs/configs.md and error messages).
        choices: allowed values (enum).
        low, high: bounds of a number (or of each element of a tuple of numbers).
        low_open, high_open: exclude the bound itself.
        path: the value is a filesystem path, resolved relative to the config file (given in
            Python, an os.PathLike is accepted too and becomes its str).
    """
    meta = dict(doc=doc, choices=choices, low=low, high=high, low_open=low_open,
                high_open=high_open, path=path)
    return dataclasses.field(default=default, metadata=meta)


RGB = typing.Tuple[float, float, float]


@dataclasses.dataclass
class EnvConfig:
    """The painting environment: `chainer_spiral.envs.make_env(kind, **other keys)`."""
    kind: str = option('mypaint', 'mypaint (libmypaint canvas) or toy (3x3 numpy canvas)',
                       choices=('mypaint', 'toy'))
    action_space: str = option('spiral', "spiral (chainer_spiral's position/prob/pressure/colour) "
                               "or paper (SPIRAL paper: quadratic Bezier, discrete size/colour)",
                               choices=('spiral', 'paper'))
    imsize: int = option(64, 'side of the square canvas in pixels (toy: 3)', low=3, high=1024)
    pos_resolution: int = option(32, 'R: pen positions form an R x R grid (toy: 3)', low=2,
                                 high=1024)
    brush: str = option('round', 'brush: a shipped brush name (round, broad, wide, pressure) or a '
                        'path to a .myb file', path=True)
    background: RGB = option((1.0, 1.0, 1.0), 'paper colour, RGB in [0, 1]', low=0, high=1)
    pressure: float = option(1.0, 'default pen pressure in [0, 1]', low=0, high=1)
    color: RGB = option((0.0, 0.0, 0.0), 'default ink colour, RGB in [0, 1]', low=0, high=1)
    max_episode_steps: int = option(10, 'T: strokes per episode (one action per step)', low=1,
                                    high=10000)


@dataclasses.dataclass
class DataConfig:
    """Target images: `chainer_spiral.datasets.make_dataset(problem, imsize, seed, **others)`
    checks its options as this section and hands it to the problem's reader."""
    problem: str = option(doc='which dataset', choices=PROBLEMS)
    path: typing.Optional[str] = option(None, 'file or folder holding the dataset files; null: '
                                        '$CHAINER_SPIRAL_DATA/<problem>, else ../shared/data/'
                                        '<problem> beside the repository when it exists, else '
                                        'cache_dir/<problem> (downloaded if download)',
                                        path=True)
    label: typing.Optional[int] = option(None, 'keep only images of this class; null: all', low=0)
    binarize: bool = option(False, 'threshold images to pure black and white')
    threshold: float = option(0.5, 'binarisation threshold in (0, 1)', low=0, high=1,
                              low_open=True, high_open=True)
    test_fraction: float = option(0.1, 'held-out share when the files give no official split',
                                  low=0, high=1, high_open=True)
    test_last: typing.Optional[int] = option(None, 'hold out the last N images of the files, in '
                                             'file order (overrides test_fraction and an '
                                             'official split); null: none', low=1)
    flip: bool = option(False, 'training draws (targets and real images) mirrored left to right '
                        'half of the time; held-out images never')
    crop: float = option(1.0, 'training draws are a random square of side in [crop, 1] times '
                         'the image, resized back; 1: whole images', low=0, high=1,
                         low_open=True)
    variant: typing.Optional[str] = option(None, 'dataset variant (e.g. EMNIST split: letters, '
                                           'digits, balanced, ...); null: the loader default')
    categories: typing.Optional[typing.Tuple[str, ...]] = option(
        None, 'QuickDraw categories to load (e.g. [apple, cat]); null: the loader default')
    channels: typing.Optional[int] = option(None, '1 (grayscale) or 3 (RGB); null: the dataset '
                                            'default', choices=(1, 3))
    download: bool = option(True, 'fetch missing official files into cache_dir')
    cache_dir: str = option('~/.cache/chainer_spiral', 'where downloaded files are kept',
                            path=True)


@dataclasses.dataclass
class ModelConfig:
    """Networks: passed to `chainer_spiral.agents.build_agent`."""
    conditional: bool = option(False, 'condition the policy and discriminator on a target image')
    blind: bool = option(False, 'the policy does not see the canvas (SPIRAL paper ablation)')
    spectral_norm: bool = option(False, 'spectral normalisation in the discriminator')
    position_activation: str = option(
        'sigmoid', "activation between the position head's deconvolutions: sigmoid "
        "(chainer_spiral) or relu (He-initialised; learns much faster, docs/results.md)",
        choices=('sigmoid', 'relu'))
    coord_channels: bool = option(False, "append each pixel's column and row as two input "
                                  'channels of the encoders (CoordConv)')
    spatial_skip: bool = option(False, "add to the grid heads' logits a map computed from the "
                                "image at the grid's resolution (models/spatial.py)")
    local_features: bool = option(False, 'the size, pressure, colour and flag heads also read '
                                  'the canvas and target at the pen\'s and the chosen grid '
                                  'points (models/local.py)')
    colour_prior: bool = option(False, "the red, green and blue heads' logits start peaked at "
                                "the target's colour along the stroke, -(k - 19 t)^2 / 2 for bin "
                                'k and t the target intensity averaged over the pen, end and '
                                'control points, times a learned scale per '
                                "head from 4 (models/decoder.py); the paper's action space, "
                                'conditional, with local_features')
    control_prior: bool = option(False, "the control head's logits start peaked at the midpoint "
                                 'of the pen and the end point, -d^2 / (2 (R / 8)^2) for a grid '
                                 'point d cells from it, times a learned scale from 1 '
                                 "(models/decoder.py); the paper's action space, with "
                                 'local_features')


@dataclasses.dataclass
class AgentConfig:
    """SPIRAL agent (A3C generator + GAN discriminator): passed to `build_agent`."""
    rollout_n: int = option(20, 'B: episodes run in lockstep per update, per process', low=1)
    gamma: float = option(0.99, 'discount factor', low=0, high=1)
    beta: float = option(0.001, 'entropy bonus weight', low=0)
    pi_loss_coef: float = option(1.0, 'weight of the policy loss', low=0)
    v_loss_coef: float = option(0.5, 'weight of the value loss', low=0)
    reward_mode: str = option('wgangp', 'reward of the final canvas: the wgangp critic, the dcgan '
                              "discriminator's softplus (chainer_spiral), l2 (negative L2 "
                              'distance to the target) or psnr (10 log10 of its inverse, dB)',
                              choices=('wgangp', 'dcgan') + DISTANCE_REWARDS)
    reward_standardisation: str = option(
        'none', 'standardise the reward-mode scores before lambda_R and the penalties apply: '
        'none, or batch (to mean 0 and standard deviation 1 over the rollout)',
        choices=('none', 'batch'))
    recompute: str = option(
        'fused', "how the update recomputes the policy: fused (agents/fused.py: reused acting "
        "passes, chunks, shared encoder passes; fast) or plain (Generator.evaluate's one graph; "
        'the readable form); the same gradients', choices=('fused', 'plain'))
    lambda_R: float = option(1.0, 'scale of the discriminator reward', low=0)
    gp_lambda: float = option(10.0, 'WGAN-GP gradient penalty weight', low=0)
    critic_augment: bool = option(False, 'DiffAugment (colour, translation, cutout) on the '
                                  'real and painted images the discriminator learns from, each '
                                  'pair transformed alike (agents/critic_inputs.py)')
    complement_critic: bool = option(False, "SPIRAL++'s complement discriminator (conditional): "
                                     'it sees one half of the target with the complementary '
                                     'half of the image (agents/critic_inputs.py)')
    empty_drawing_penalty: float = option(10.0, 'penalty for an episode that draws nothing',
                                          low=0)
    staying_penalty: float = option(0.0, 'penalty per step that leaves the pen where it was',
                                    low=0)
    new_stroke_penalty: float = option(0.0, 'penalty per stroke not continuing the last one',
                                       low=0)
    temporal_credit: bool = option(False, 'reward every step with the change of the '
                                   'discriminator score instead of the final score only')
    replay_buffer_size: int = option(0, 'past canvases kept for discriminator updates; 0: none',
                                     low=0)
    lr: float = option(1.0e-4, 'Adam learning rate (the discriminator; also the generator '
                       'unless gen_lr is set)', low=0, low_open=True)
    beta1: float = option(0.5, 'Adam beta1 (the discriminator; also the generator unless '
                          'gen_beta1 is set)', low=0, high=1, high_open=True)
    gen_lr: typing.Optional[float] = option(None, "the generator's Adam learning rate; null: lr",
                                            low=0, low_open=True)
    gen_beta1: typing.Optional[float] = option(None, "the generator's Adam beta1; null: beta1",
                                               low=0, high=1, high_open=True)
    weight_decay: float = option(0.0, 'weight decay of the weights, not the biases (ChainerRL\'s '
                                 'NonbiasWeightDecay, as chainer_spiral)', low=0)
    grad_clip: float = option(40.0, 'gradient norm clipping threshold', low=0, low_open=True)
    demonstrations: typing.Optional[str] = option(
        None, "pen trajectories the policy imitates before training: Omniglot's (an official "
        "strokes .zip) or programs (.json of demo.py json, scripts/paint_demonstrations.py "
        "or scripts/trace_demonstrations.py), 'spiral' action space; or a teacher's programs "
        "with their targets (.npz of scripts/greedy_strokes.py --programs), a conditional "
        "painter's; null: none", path=True)
    demo_updates: int = option(0, 'behaviour-cloning updates on the demonstrations before the '
                               'first training update of a new run', low=0)
    demo_spacing: str = option('arc', "the demonstrations' actions: arc (each stroke's draws "
                               'spaced evenly along it, T steps shared by length) or vertices '
                               "(a drawing's own points where they fit in T steps, as a "
                               "painter's programs do: their corners kept; else arc)",
                               choices=('arc', 'vertices'))
    synthetic_updates: int = option(0, 'behaviour-cloning updates on synthetic targets (random '
                                    "programs of the action space painted by the env's brush, "
                                    'each its own target: agents/synthetic.py) before the first '
                                    'training update of a new run; conditional painters; not '
                                    'with demo_updates', low=0)
    teacher_weight: float = option(0.0, "with a teacher's programs in demonstrations (.npz): "
                                   "every update's generator loss also holds teacher_weight x "
                                   'the mean negative log-probability of B of them, their '
                                   'targets the teacher\'s images (kickstarting: the teacher '
                                   'keeps pulling while the reward leads); 0: none', low=0)
    demo_lr_decay: bool = option(False, "the generator's learning rate falls linearly over the "
                                 "warm start's n cloning updates, from its value to 1/n of it "
                                 '(the last updates barely move the policy); training then '
                                 'starts at the full rate')
    population: int = option(1, "members of a population (SPIRAL++'s PBT, agents/population.py): "
                             'generators with their own Adam state, learning rate and entropy '
                             'weight sharing the discriminator; at every snapshot the one the '
                             'critic scored lowest since the last copies the best and perturbs '
                             'its learning rate and beta; 1: none', low=1, high=8)
    critic_warmup_updates: int = option(0, 'discriminator-only updates on the drawings of the '
                                        'policy a new run starts with (after --init or the '
                                        'demonstrations), before the policy learns', low=0)


@dataclasses.dataclass
class TrainConfig:
    """The trainer (`chainer_spiral.training`)."""
    processes: int = option(2, 'workers: processes sharing parameters and optimizer states (1: '
                            'train in the main process, for debugging), or Ray actors with '
                            'backend ray', low=1, high=512)
    steps: int = option(10_000_000, 'total environment steps (all processes) to train for', low=1)
    n_save_interval: int = option(100, 'updates (all processes) between snapshots; 0: only the '
                                  'final one', low=0)
    warm_start_save_interval: int = option(0, 'cloning updates (agent.demo_updates or '
                                           'synthetic_updates) between '
                                           'checkpoints in OUTDIR/warm_start, from which a new '
                                           'run in that OUTDIR goes on; 0: none', low=0)
    n_save_final_obs_interval: int = option(100, 'updates between PNG grids of final canvases '
                                            'vs real images in OUTDIR/finals; 0: none', low=0)
    log_interval: int = option(10, 'updates between metric rows (scores.txt, metrics.csv, '
                               'TensorBoard)', low=1)
    eval_interval: int = option(0, 'snapshots between quality evaluations during training '
                                '(OUTDIR/quality.csv, TensorBoard quality/*); 0: none', low=0)
    eval_n: int = option(200, 'drawings per quality evaluation during training', low=10)
    backend: str = option('processes', 'processes: workers on this machine sharing the parameters '
                          'in memory; ray: Ray actors on a cluster sending their gradients to one '
                          'learner actor (pip install -e .[ray]; docs/distributed.md)',
                          choices=('processes', 'ray'))
    max_policy_lag: typing.Optional[int] = option(
        None, 'backend ray: the learner drops a gradient computed with parameters more than this '
        'many updates old (the worker refreshes them and collects again); null: no bound, as '
        'with processes', low=0)


SECTION_CLASSES = {'env': EnvConfig, 'data': DataConfig, 'model': ModelConfig,
                   'agent': AgentConfig, 'train': TrainConfig}

# Keys removed because the experiments found no gain in them (docs/results.md, the ablation
# table), with the default they had: the config.yaml of a run written before still loads when
# it holds that default (its run used no such option); any other value is an error.
REMOVED_KEYS = {
    ('model', 'action_features'): 'index', ('model', 'noise_size'): 0,
    ('agent', 'l2_blur'): 0.0, ('agent', 'reward_window'): 1000,
    ('agent', 'advantage_normalisation'): False, ('agent', 'teacher'): None,
    ('agent', 'teacher_updates'): 0, ('agent', 'teacher_targets'): 'nearest',
    ('agent', 'teacher_interleave'): False,
}


def section(name, values):
    """One section's dataclass from a dataclass of it or a dict of some of its keys (the others
    take their defaults), each value validated as in a config file.

    Raises:
        ConfigError: ``<name>: unknown keys [...]`` or ``<name>.<key>: expected ...``.
    """
    cls = SECTION_CLASSES[name]
    if isinstance(values, cls):
        return values
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f'{name}: unknown keys {unknown}; expected {sorted(fields)}')
    return cls(**{k: check_value(fields[k], v, f'{name}.{k}') for k, v in values.items()})


@dataclasses.dataclass
class Config:
    """A whole experiment."""
    data: DataConfig
    seed: int = option(0, 'seed of every RNG (workers derive theirs from it)', low=0,
                       high=2 ** 31 - 1)
    env: EnvConfig = dataclasses.field(default_factory=EnvConfig)
    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    agent: AgentConfig = dataclasses.field(default_factory=AgentConfig)
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)

    def to_dict(self):
        """Plain dict (tuples as lists) in file order: seed, then the sections."""
        out = {'seed': self.seed}
        for name in SECTIONS:
            out[name] = {k: list(v) if isinstance(v, tuple) else v
                         for k, v in dataclasses.asdict(getattr(self, name)).items()}
        return out


# ---------------------------------------------------------------------------------------------
# Loading


def load_config(path, overrides=(), check_paths=True):
    """Read, override and validate a config file.

    Args:
        path: YAML file.
        overrides: strings ``section.key=value`` (``seed=value`` for the top level); the value is
            parsed as YAML and validated like the file's values.
        check_paths: check that ``data.path`` and a brush file exist (False when only the
            networks are needed, e.g. a demo without the dataset).

    Returns:
        Config with absolute paths.

    Raises:
        ConfigError: on any problem, naming the file (or the override) and the key.
    """
    path = Path(path)
    text = read_text(path, 'the config file', 'a YAML text file', ConfigError)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        where = getattr(e, 'problem_mark', None)
        line = f' at line {where.line + 1}' if where is not None else ''
        raise ConfigError(f'{path}: invalid YAML{line}: {getattr(e, "problem", e)}') from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f'{path}: expected a mapping of sections, got {_show(raw)}')
    entries = _flatten(raw, str(path))
    base = path.resolve().parent
    items = {key: (value, str(path), base) for key, value in entries.items()}
    for text in overrides:
        key, value = parse_override(text)
        items[key] = (value, f'--set {text}', Path.cwd())
    return _build(items, check_paths, str(path))


def config_from_dict(raw, source='<dict>', base_dir='.', check_paths=True):
    """Validate a dict shaped like a config file (relative paths relative to `base_dir`)."""
    if not isinstance(raw, dict):
        raise ConfigError(f'{source}: expected a mapping of sections, got {_show(raw)}')
    base = Path(base_dir).resolve()
    items = {key: (value, source, base) for key, value in _flatten(raw, source).items()}
    return _build(items, check_paths, source)


def parse_override(text):
    """``'agent.lr=3.0e-4'`` -> (('agent', 'lr'), 0.0003); ``'seed=1'`` -> ((None, 'seed'), 1)."""
    name, sep, value = text.partition('=')
    if not sep or not name:
        raise ConfigError(f'--set {text}: expected section.key=value')
    parts = name.strip().split('.')
    if len(parts) == 1 and parts[0] == 'seed':
        key = (None, 'seed')
    elif len(parts) == 2 and parts[0] in SECTION_CLASSES:
        key = (parts[0], parts[1])
    else:
        raise ConfigError(f'--set {text}: expected section.key=value with section one of '
                          f'{", ".join(SECTIONS)} (or seed=value), got {name!r}')
    try:
        return key, yaml.safe_load(value)
    except yaml.YAMLError:
        raise ConfigError(f'--set {text}: the value is not valid YAML') from None


def _flatten(raw, source):
    """{'seed': 0, 'agent': {'lr': ...}} -> {(None, 'seed'): 0, ('agent', 'lr'): ...}."""
    entries = {}
    for name, value in raw.items():
        if name == 'seed':
            entries[(None, 'seed')] = value
        elif name in SECTION_CLASSES:
            if value is None:
                continue
            if not isinstance(value, dict):
                raise ConfigError(f'{source}: {name}: expected a mapping of keys, '
                                  f'got {_show(value)}')
            entries.update({(name, str(k)): v for k, v in value.items()})
        else:
            raise ConfigError(f'{source}: {name}: unknown section (expected seed, '
                              f'{", ".join(SECTIONS)})')
    return entries


def _build(items, check_paths, source):
    """Validate every (section, key) -> (value, source, base dir) and build the Config.

    `source` names the config file, for problems with keys it left out.
    """
    sections = {name: {} for name in SECTIONS}
    seed = next(f for f in dataclasses.fields(Config) if f.name == 'seed').default
    for (section, key), (value, where, base) in items.items():
        cls = Config if section is None else SECTION_CLASSES[section]
        fields = {f.name: f for f in dataclasses.fields(cls)
                  if f.name not in SECTION_CLASSES}
        label = key if section is None else f'{section}.{key}'
        if (section, key) in REMOVED_KEYS:
            default = REMOVED_KEYS[section, key]
            if value == default and isinstance(value, bool) == isinstance(default, bool):
                continue
            raise ConfigError(f'{where}: {label}: removed (the experiments found no gain in it: '
                              f'docs/results.md); expected it left out, got {_show(value)}')
        if key not in fields:
            raise ConfigError(f'{where}: {label}: unknown key (expected one of '
                              f'{", ".join(fields)})')
        value = check_value(fields[key], value, f'{where}: {label}')
        if fields[key].metadata['path'] and value is not None:
            value = _resolve_path(key, value, base)
        if section is None:
            seed = value
        else:
            sections[section][key] = value
    missing = [f'data.{f.name}' for f in dataclasses.fields(DataConfig)
               if f.default is dataclasses.MISSING and f.name not in sections['data']]
    if missing:
        raise ConfigError(f'{source}: {missing[0]}: required key missing')
    for name in SECTIONS:
        for f in dataclasses.fields(SECTION_CLASSES[name]):
            if f.metadata['path'] and f.name not in sections[name] and f.default is not None:
                sections[name][f.name] = _resolve_path(f.name, f.default, Path.cwd())
    cfg = Config(seed=seed, **{name: SECTION_CLASSES[name](**sections[name])
                               for name in SECTIONS})
    _check_consistency(cfg, items, check_paths, source)
    return cfg


def _resolve_path(key, value, base):
    """Absolute path for a path-like value; a brush *name* (no slash, no .myb) stays as is."""
    if key == 'brush' and '/' not in value and not value.endswith('.myb'):
        return value
    expanded = os.path.expanduser(value)
    return os.path.normpath(expanded if os.path.isabs(expanded) else os.path.join(base, expanded))


def _check_consistency(cfg, items, check_paths, source):
    """Checks that involve several keys or the filesystem."""
    def fail(section, key, message):
        where = items.get((section, key), (None, source))[1]
        raise ConfigError(f'{where}: {section}.{key}: {message}')

    if cfg.env.kind == 'toy' and cfg.env.pos_resolution != cfg.env.imsize:
        fail('env', 'pos_resolution', f'expected env.imsize ({cfg.env.imsize}) with env.kind toy '
             f'(one grid point per cell), got {cfg.env.pos_resolution}')
    if cfg.data.problem == 'toy' and cfg.env.imsize != 3:
        fail('env', 'imsize', f'expected 3 with data.problem toy (3x3 patterns), '
             f'got {cfg.env.imsize}')
    if cfg.agent.demo_updates and cfg.agent.demonstrations is None:
        fail('agent', 'demo_updates', 'expected agent.demonstrations with demo_updates > 0')
    if cfg.agent.teacher_weight and not (cfg.agent.demonstrations or '').endswith('.npz'):
        fail('agent', 'teacher_weight', "expected agent.demonstrations with a teacher's "
             'programs (.npz) with teacher_weight > 0')
    if cfg.agent.teacher_weight and cfg.train.backend == 'ray':
        fail('agent', 'teacher_weight', "expected 0 with train.backend ray (the teacher's "
             "programs live in this machine's workers)")
    if (cfg.agent.demonstrations or '').endswith('.npz') and not cfg.model.conditional:
        fail('agent', 'demonstrations', "expected model.conditional true with a teacher's "
             'programs (.npz: each painted for its target)')
    if cfg.model.colour_prior and not (cfg.model.local_features and cfg.model.conditional
                                       and cfg.env.action_space == 'paper'):
        fail('model', 'colour_prior', "expected model.local_features, model.conditional and "
             "env.action_space paper (it reads the target's colour along the stroke)")
    if cfg.model.control_prior and not (cfg.model.local_features
                                        and cfg.env.action_space == 'paper'):
        fail('model', 'control_prior', "expected model.local_features and env.action_space "
             "paper (it reads the pen's grid point there)")
    if cfg.agent.synthetic_updates and cfg.agent.demo_updates:
        fail('agent', 'synthetic_updates', 'expected 0 with agent.demo_updates > 0 (one warm '
             'start)')
    if cfg.agent.synthetic_updates and not cfg.model.conditional:
        fail('agent', 'synthetic_updates', 'expected model.conditional true (each synthetic '
             'program is its own target)')
    if cfg.agent.complement_critic and not cfg.model.conditional:
        fail('agent', 'complement_critic', 'expected model.conditional true (the pairs split '
             'a target)')
    if cfg.agent.critic_warmup_updates and cfg.agent.reward_mode in DISTANCE_REWARDS:
        fail('agent', 'critic_warmup_updates', f'expected 0 with agent.reward_mode '
             f'{cfg.agent.reward_mode} (no discriminator)')
    if cfg.agent.population > 1 and cfg.train.backend == 'ray':
        fail('agent', 'population', 'expected 1 with train.backend ray (the members live in '
             "this machine's shared memory)")
    if cfg.agent.population > 1 and not cfg.train.n_save_interval:
        fail('agent', 'population', 'expected train.n_save_interval > 0 (the members are '
             'compared at every snapshot)')
    if cfg.agent.population > 1 and cfg.agent.reward_mode in DISTANCE_REWARDS:
        fail('agent', 'population', f'expected 1 with agent.reward_mode '
             f"{cfg.agent.reward_mode} (the members are ranked by the critic's score)")
    if cfg.env.pos_resolution > cfg.env.imsize:
        fail('env', 'pos_resolution', f'expected <= env.imsize ({cfg.env.imsize}), '
             f'got {cfg.env.pos_resolution}')
    if not check_paths:
        return
    if cfg.data.path is not None and not os.path.exists(cfg.data.path):
        fail('data', 'path', f'no such file or folder: {cfg.data.path}')
    if os.path.isabs(cfg.env.brush) and not os.path.isfile(cfg.env.brush):
        fail('env', 'brush', f'no such brush file: {cfg.env.brush}')
    if cfg.agent.demonstrations is not None and not os.path.isfile(cfg.agent.demonstrations):
        fail('agent', 'demonstrations', f'no such file: {cfg.agent.demonstrations}')


# ---------------------------------------------------------------------------------------------
# Value checks


def check_value(field, value, where):
    """Check `value` against the field's type and constraints; returns it normalised.

    Raises:
        ConfigError: ``<where>: expected <what>, got <value> (<type>)``.
    """
    meta = field.metadata
    hint = field.type
    if typing.get_origin(hint) is typing.Union:
        if value is None:
            return None
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if meta['path'] and isinstance(value, os.PathLike):
        value = os.fspath(value)
    ok, normalised = _convert(hint, value, meta)
    if not ok:
        message = f'{where}: expected {describe(field)}, got {_show(value)}'
        if isinstance(value, str) and _looks_like_float(value):
            message += ' (YAML 1.1 reads 1e-4 as a string: write 1.0e-4)'
        raise ConfigError(message)
    return normalised


def _convert(hint, value, meta):
    """(ok, normalised value) for a scalar or tuple type."""
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, (list, tuple)):
            return False, None
        element = args[0]
        if args[-1] is not Ellipsis and len(value) != len(args):
            return False, None
        if args[-1] is Ellipsis and len(value) == 0:
            return False, None
        converted = [_convert(element, v, meta) for v in value]
        if not all(ok for ok, _ in converted):
            return False, None
        return True, tuple(v for _, v in converted)
    if hint is bool:
        return isinstance(value, bool), value
    if hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        ok = ok and math.isfinite(value)
        value = float(value) if ok else value
    elif hint is str:
        ok = isinstance(value, str) and value != ''
    else:
        raise TypeError(f'unsupported config field type {hint}')
    if ok and meta['choices'] is not None:
        ok = value in meta['choices']
    if ok and hint in (int, float):
        ok = _in_range(value, meta)
    return ok, value


def _in_range(value, meta):
    low, high = meta['low'], meta['high']
    if low is not None and (value < low or (meta['low_open'] and value == low)):
        return False
    if high is not None and (value > high or (meta['high_open'] and value == high)):
        return False
    return True


def describe(field):
    """What a field accepts, in words: 'float > 0', 'int in [1, 512]', "one of 'toy', ..."."""
    meta = field.metadata
    hint = field.type
    nullable = typing.get_origin(hint) is typing.Union
    if nullable:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    suffix = ' or null' if nullable else ''
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        count = 'a non-empty list of' if args[-1] is Ellipsis else f'a list of {len(args)}'
        return f'{count} {_describe_scalar(args[0], meta, plural=True)}{suffix}'
    return _describe_scalar(hint, meta) + suffix


def _describe_scalar(hint, meta, plural=False):
    name = {bool: 'bool', int: 'int', float: 'float', str: 'str'}[hint]
    if plural:
        name += 's'
    if meta['choices'] is not None:
        return 'one of ' + ', '.join(repr(c) for c in meta['choices'])
    if hint is str:
        return f'non-empty {name}'
    low, high = meta['low'], meta['high']
    if low is not None and high is not None:
        left = '(' if meta['low_open'] else '['
        right = ')' if meta['high_open'] else ']'
        return f'{name} in {left}{low}, {high}{right}'
    if low is not None:
        return f'{name} {">" if meta["low_open"] else ">="} {low}'
    if high is not None:
        return f'{name} {"<" if meta["high_open"] else "<="} {high}'
    return name


def _show(value):
    return f'{value!r} ({type(value).__name__})'


def _looks_like_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Writing


def dump_config(cfg, path):
    """Write the resolved config as YAML; paths relative to the file's directory (or ~/...)."""
    path = Path(path)
    base = path.resolve().parent
    data = cfg.to_dict()
    for section in SECTIONS:
        for f in dataclasses.fields(SECTION_CLASSES[section]):
            value = data[section][f.name]
            if f.metadata['path'] and value is not None and os.path.isabs(value):
                data[section][f.name] = portable_path(value, base)
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False)
    tmp = path.with_name(path.name + '.tmp')
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class _Dumper(yaml.SafeDumper):
    """Block-style sections, flow-style lists (``color: [0.0, 0.0, 0.0]``)."""


_Dumper.add_representer(list, lambda dumper, data: dumper.represent_sequence(
    'tag:yaml.org,2002:seq', data, flow_style=True))


def portable_path(path, base):
    """`path` relative to `base`, or as ``~/...`` when it is under the home directory and `base`
    is not (e.g. the download cache seen from a run directory in /tmp)."""
    home = Path.home().resolve()
    path, base = Path(path), Path(base)
    if _is_within(path, home) and not _is_within(base, home):
        return '~/' + str(path.relative_to(home))
    return os.path.relpath(path, base)


def _is_within(path, parent):
    try:
        Path(path).relative_to(parent)
    except ValueError:
        return False
    return True


def field_docs():
    """[(section or None, key, type in words, default, doc)] for every key, in file order."""
    rows = []
    seed = next(f for f in dataclasses.fields(Config) if f.name == 'seed')
    rows.append((None, 'seed', describe(seed), seed.default, seed.metadata['doc']))
    for section in SECTIONS:
        for f in dataclasses.fields(SECTION_CLASSES[section]):
            default = None if f.default is dataclasses.MISSING else f.default
            rows.append((section, f.name, describe(f), default, f.metadata['doc']))
    return rows
