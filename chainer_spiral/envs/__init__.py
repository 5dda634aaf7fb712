"""Painting environments: MyPaintEnv (libmypaint brush engine), ToyEnv (tiny numpy canvas).

See docs/envs.md for the grid mapping, the brushes and the pixel conventions.
"""
from chainer_spiral.envs.libmypaint import Brush, BrushError, Canvas, LibMyPaintError
from chainer_spiral.envs.mypaint_env import MyPaintEnv
from chainer_spiral.envs.toy_env import ToyEnv

ENV_KINDS = ('mypaint', 'toy')
# MyPaintEnv-only arguments that make_env('toy', ...) accepts and ignores, so one env
# configuration serves both kinds.
MYPAINT_ONLY = ('brush', 'background')


def make_env(kind, **kwargs):
    """Builds an environment.

    Args:
        kind (str): 'mypaint' (MyPaintEnv) or 'toy' (ToyEnv; ``brush`` and ``background`` are
            ignored).
        **kwargs: the environment's constructor arguments.

    Returns:
        MyPaintEnv or ToyEnv
    """
    if kind == 'mypaint':
        return MyPaintEnv(**kwargs)
    if kind == 'toy':
        return ToyEnv(**{k: v for k, v in kwargs.items() if k not in MYPAINT_ONLY})
    raise ValueError(f'make_env kind: expected one of {ENV_KINDS}, got {kind!r}')


__all__ = ['Brush', 'BrushError', 'Canvas', 'LibMyPaintError', 'MyPaintEnv', 'ToyEnv', 'make_env']
