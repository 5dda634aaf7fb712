"""Score painters' drawings with a conditional run's critic: is its reward aligned with quality?

    python scripts/critic_scores.py CRITIC_SNAPSHOT [PAINTER_SNAPSHOT ...] [--n 200] [--seed 0]

The critic (the discriminator of CRITIC_SNAPSHOT) scores, against the first N held-out targets:
the drawings of its own run's painter, the drawings of every other conditional painter given
(replayed as programs on the critic's canvas where theirs differs, as
`scripts/evaluate.py --imsize` does), the targets themselves and blank canvases. Printed as JSON, one
entry per row: the mean and standard deviation of the scores, the L2 gain, and for each other
painter the share of targets on which the critic scores its drawing above its own painter's.
A painter that draws better (L2 gain, `scripts/evaluate.py`) and scores higher is one the
critic's policy could learn to be; the gap is then exploration, not the reward.
"""
import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np


def painter_drawings(snapshot_dir, critic_cfg, n, seed, loaded=None):
    """The finals and blanks (n, C, H, W) of a conditional painter on its first n held-out
    targets, on the critic's H x W canvas (replayed there when the painter's own differs).
    `loaded`: the snapshot's (cfg, agent, dataset) where already loaded.

    Raises:
        ValueError: not a conditional painter of the critic's problem, or a canvas its grid
            does not scale to.
    """
    from chainer_spiral.evaluation.evaluate import BATCH, draw, rendered_config
    from chainer_spiral.runs.loading import load_agent, make_envs_from_config
    cfg, agent, dataset = loaded or load_agent(str(snapshot_dir))
    if not cfg.model.conditional or cfg.data.problem != critic_cfg.data.problem:
        raise ValueError(f'{snapshot_dir}: expected a conditional painter of '
                         f'{critic_cfg.data.problem}, got '
                         f'{"a" if cfg.model.conditional else "an unconditional"} '
                         f'{cfg.data.problem} painter')
    agent.seed(seed)
    targets = dataset.images(train=False)[:n]
    envs = make_envs_from_config(cfg, min(BATCH, len(targets)))
    imsize = critic_cfg.env.imsize
    render = (None if cfg.env.imsize == imsize else
              make_envs_from_config(rendered_config(cfg, imsize), len(envs)))
    finals, blanks, _ = draw(agent, envs, len(targets), targets, render_envs=render)
    return finals, blanks


def critic_scores(critic_snapshot, painters=(), n=200, seed=0):
    """The figures printed by the script (see the module docstring): dict row -> dict."""
    from chainer_spiral.runs.loading import load_agent
    loaded = load_agent(str(critic_snapshot))
    cfg, agent, dataset = loaded
    if not cfg.model.conditional:
        raise ValueError(f'{critic_snapshot}: expected a conditional critic, got an '
                         f'unconditional run')
    targets = dataset.images(train=False)[:n]
    own, blanks = painter_drawings(critic_snapshot, cfg, n, seed, loaded)
    rows = {'own painter': own}
    for painter in painters:
        rows[str(painter)] = painter_drawings(painter, cfg, n, seed)[0]
    rows.update({'targets': targets, 'blank': blanks})
    blank_l2 = float(np.mean((blanks - targets) ** 2))
    scores = {name: agent.reward.scores(x.astype(np.float32), targets)
              for name, x in rows.items()}
    out = {}
    for name, x in rows.items():
        out[name] = {'score_mean': float(scores[name].mean()),
                     'score_std': float(scores[name].std()),
                     'l2_gain': 1 - float(np.mean((x - targets) ** 2)) / blank_l2}
        if name not in ('own painter', 'targets', 'blank'):
            out[name]['above_own_share'] = float(np.mean(scores[name] > scores['own painter']))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('critic', type=Path, help='a conditional snapshot: its critic scores')
    parser.add_argument('painters', type=Path, nargs='*',
                        help='other conditional snapshots whose drawings it scores')
    parser.add_argument('--n', type=int, default=200, help='held-out targets (default 200)')
    parser.add_argument('--seed', type=int, default=0, help="seed of the painters' sampling")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    if args.n < 1:
        parser.error(f'--n: expected a positive int, got {args.n}')
    for snapshot in [args.critic] + args.painters:
        if not (snapshot / 'counters.json').is_file():
            parser.error(f'{snapshot}: expected a snapshot directory with counters.json')
    try:
        figures = critic_scores(args.critic, args.painters, args.n, args.seed)
    except (OSError, ValueError) as e:
        parser.error(str(e).splitlines()[0])
    print(json.dumps(figures, indent=2))


if __name__ == '__main__':
    sys.exit(main())
