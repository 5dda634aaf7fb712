"""Environment steps per second on one core: MyPaintEnv at 64x64, random actions, the image read
after every step (it is part of each observation), reset every max_episode_steps steps.

    .venv/bin/python scripts/bench_env.py [--steps N] [--repeats K]

Prints one line per interface (best of K runs) and ends with ``env_steps_per_sec=<number>`` for
the chainer_spiral ('spiral') interface. Results: docs/benchmarks.md.
"""
import argparse
import time

import numpy as np

from chainer_spiral.envs import MyPaintEnv


def random_actions(env, n, seed):
    """n actions sampled from the env's action space (drawn before timing)."""
    env.action_space.seed(seed)
    return [env.action_space.sample() for _ in range(n)]


def steps_per_second(env, actions):
    """Runs the actions, resetting after each episode; returns steps per second."""
    env.reset()
    start = time.perf_counter()
    for action in actions:
        _, _, done, _ = env.step(action)
        if done:
            env.reset()
    return len(actions) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=20000, help='steps per timed run')
    parser.add_argument('--repeats', type=int, default=5, help='timed runs; the best is reported')
    parser.add_argument('--imsize', type=int, default=64)
    parser.add_argument('--pos-resolution', type=int, default=32)
    args = parser.parse_args()
    results = {}
    for kind, brush in (('spiral', 'round'), ('paper', 'pressure')):
        env = MyPaintEnv(imsize=args.imsize, pos_resolution=args.pos_resolution, action_space=kind,
                         brush=brush)
        actions = random_actions(env, args.steps, seed=0)
        runs = [steps_per_second(env, actions) for _ in range(args.repeats)]
        results[kind] = max(runs)
        print(f"{kind:6s} (brush {brush!r}): best {results[kind]:,.0f} steps/s, "
              f"median {np.median(runs):,.0f} over {args.repeats} runs of {args.steps} steps")
    print(f"env_steps_per_sec={results['spiral']:.0f}")


if __name__ == '__main__':
    main()
