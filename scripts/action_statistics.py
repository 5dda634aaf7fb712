"""What a conditional painter does step by step: its distance to the held-out targets after each
step, and what each head of its action space chooses.

    .venv/bin/python scripts/action_statistics.py SNAPSHOT_OR_NAME [--n 32] [--seed 0]
        [--greedy] [--out F.json] [--resize K ...]

The targets are the first --n held-out images of the painter's dataset (as scripts/evaluate.py
draws them). Printed: the mean per-pixel squared error over the painter's channels in [0, 1]
after reset and after every step; then per head, at every step, the share of the drawings that
took that step's most common choice, and the number of distinct choices. A head whose share is
near 1 at every step has collapsed: the policy no longer explores it, whatever the target.

With --resize K (the paper's action space) the same drawings are replayed as programs with every
stroke from step K on at each size in turn, and their final distances printed beside the
drawings' own: whether the strokes a collapsed size head paints would do better at another size
where they are.
"""
import argparse
import json

import numpy as np


def step_statistics(agent, envs, targets, greedy=False):
    """The distances and the heads' choices of len(targets) drawings.

    Args:
        agent: a conditional SPIRAL agent.
        envs: the envs of a batch.
        targets: float32 (N, C, H, W) in [0, 1].
        greedy: take the most probable actions.

    Returns:
        dict: 'mse' float (T + 1,) after reset and every step; 'heads': name -> dict of
        'top_share' (T,), 'top_choice' (T,) and 'distinct' (T,) over the N drawings;
        'actions': name -> int lists (T, N), the drawings' choices.
    """
    from chainer_spiral.evaluation.evaluate import paint
    channels = targets.shape[1]
    errors, actions = [], {}
    start = 0
    for batch, rollout in paint(agent, envs, len(targets), targets, greedy, record=True):
        frames = rollout.frames[..., :channels].astype(np.float32) / 255  # (T+1, B, H, W, C)
        shown = targets[start:start + len(batch)].transpose(0, 2, 3, 1)[None]
        errors.append(np.mean(np.square(frames - shown), axis=(2, 3, 4)))
        for name, chosen in rollout.actions.items():
            actions.setdefault(name, []).append(np.asarray(chosen))
        start += len(batch)
    heads = {}
    actions = {name: np.concatenate(chosen, axis=1) for name, chosen in actions.items()}
    for name, chosen in actions.items():
        rows = [np.unique(step, return_counts=True) for step in chosen]
        heads[name] = {'top_share': [float(c.max() / c.sum()) for _, c in rows],
                       'top_choice': [int(u[c.argmax()]) for u, c in rows],
                       'distinct': [len(u) for u, _ in rows]}
    return {'mse': np.concatenate(errors, axis=1).mean(axis=1).tolist(), 'heads': heads,
            'actions': {name: chosen.tolist() for name, chosen in actions.items()}}


def resized_errors(envs, render_envs, actions, targets, starts):
    """Final distances of drawings replayed with the strokes from each step in `starts` on at
    each size.

    Args:
        envs: B envs of the painter's config (their grid reads the actions).
        render_envs: B envs to replay them on.
        actions: dict field -> int (T, B), the drawings' actions.
        targets: float32 (B, C, H, W) in [0, 1].
        starts: steps K.

    Returns:
        dict (K, size) -> float (B,) the per-pixel squared error of each replayed drawing, and
        (None, None) -> the same of the drawings replayed as painted.
    """
    from chainer_spiral.program.conversion import replay
    channels = targets.shape[1]
    shown = targets.transpose(0, 2, 3, 1)

    def errors(changed):
        frames, _ = replay(envs, changed, render_envs)
        finals = frames[:, -1, ..., :channels].astype(np.float32) / 255
        return np.mean(np.square(finals - shown), axis=(1, 2, 3))

    out = {(None, None): errors(actions)}
    for start in starts:
        for size in range(envs[0].action_space['size'].n):
            sizes = np.array(actions['size'])
            sizes[start:] = size
            out[start, size] = errors(dict(actions, size=sizes))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('snapshot', help='snapshot directory or shipped painter name')
    parser.add_argument('--n', type=int, default=32, help='held-out targets')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--greedy', action='store_true')
    parser.add_argument('--out', help='write the figures as JSON here')
    parser.add_argument('--resize', type=int, nargs='*', default=[], metavar='K',
                        help='replay the drawings with the strokes from step K on at each size')
    args = parser.parse_args(argv)

    from chainer_spiral.demo.session import check_snapshot_dir, seed_everything
    from chainer_spiral.runs.loading import load_agent, make_envs_from_config
    snapshot = check_snapshot_dir(args.snapshot)
    cfg, agent, dataset = load_agent(str(snapshot), with_dataset=True)
    if not cfg.model.conditional:
        parser.error(f'{snapshot}: expected a conditional painter')
    seed_everything(args.seed, agent, dataset)
    targets = np.stack([dataset.get_example(train=False) for _ in range(args.n)])
    stats = step_statistics(agent, make_envs_from_config(cfg, min(20, args.n)),
                            targets.astype(np.float32), args.greedy)
    print('mse after each step:', ' '.join(f'{m:.4f}' for m in stats['mse']))
    for name, head in stats['heads'].items():
        print(f'{name}: top share', ' '.join(f'{s:.2f}' for s in head['top_share']),
              '| top choice', ' '.join(map(str, head['top_choice'])),
              '| distinct', ' '.join(map(str, head['distinct'])))
    if args.resize:
        if cfg.env.action_space != 'paper':
            parser.error(f'--resize: expected a painter of the paper\'s action space, got '
                         f'{cfg.env.action_space}')
        drawn = {name: np.array(chosen) for name, chosen in stats['actions'].items()}
        resized = resized_errors(make_envs_from_config(cfg, args.n),
                                 make_envs_from_config(cfg, args.n), drawn,
                                 targets.astype(np.float32), args.resize)
        print(f'replayed as painted: {resized.pop((None, None)).mean():.4f}')
        for (start, size), mse in resized.items():
            print(f'every stroke from step {start} at size {size}: {mse.mean():.4f}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(stats, snapshot=str(snapshot), n=args.n, seed=args.seed,
                           greedy=args.greedy), f, indent=1)


if __name__ == '__main__':
    main()
