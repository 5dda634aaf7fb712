"""Env steps per second of one SPIRAL worker, and where the time goes.

Runs update cycles (collect rollout_n episodes in lockstep + one update) on MyPaintEnv in this
one process and prints env steps/s, the time split (env / forward / update) and the peak RSS.
Pin numpy/OpenBLAS to one thread to measure what one of several workers gets:

    OMP_NUM_THREADS=1 .venv/bin/python scripts/profile_agent.py
    OMP_NUM_THREADS=1 .venv/bin/python scripts/profile_agent.py --cprofile 25

Without --data the targets are synthetic (dark squares on white), which does not change the cost.
"""
import argparse
import cProfile
import pstats
import resource
import sys

import numpy as np

import chainer_spiral  # noqa: F401  (before chainerrl)
from chainer_spiral.agents import build_agent, measure_update_cycles
from chainer_spiral.config import AgentConfig
from chainer_spiral.datasets import SpiralDataset, make_dataset
from chainer_spiral.envs import make_env


def synthetic_dataset(imsize, channels, n=64, seed=0):
    rng = np.random.RandomState(seed)
    images = np.full((n, channels, imsize, imsize), 255, np.uint8)
    for image in images:
        x, y = rng.randint(0, imsize // 2, size=2)
        image[:, y:y + imsize // 4, x:x + imsize // 4] = 0
    return SpiralDataset('synthetic', images, images[:8].copy(), seed=seed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--imsize', type=int, default=64)
    parser.add_argument('--pos-resolution', type=int, default=32)
    parser.add_argument('--rollout-n', type=int, default=AgentConfig.rollout_n)
    parser.add_argument('--max-episode-steps', type=int, default=10)
    parser.add_argument('--action-space', default='spiral', choices=('spiral', 'paper'))
    parser.add_argument('--reward-mode', default='wgangp', choices=('wgangp', 'dcgan', 'l2'))
    parser.add_argument('--conditional', action='store_true')
    parser.add_argument('--channels', type=int, default=1, choices=(1, 3))
    parser.add_argument('--problem', default=None, help='a dataset problem (else synthetic)')
    parser.add_argument('--data', default=None, help='path of the problem\'s data')
    parser.add_argument('--cycles', type=int, default=5)
    parser.add_argument('--cprofile', type=int, default=0, metavar='N',
                        help='also profile one cycle and print the top N functions')
    args = parser.parse_args(argv)

    envs = [make_env('mypaint', imsize=args.imsize, pos_resolution=args.pos_resolution,
                     max_episode_steps=args.max_episode_steps, action_space=args.action_space)
            for _ in range(args.rollout_n)]
    if args.problem:
        dataset = make_dataset(args.problem, args.imsize, path=args.data)
    else:
        dataset = synthetic_dataset(args.imsize, args.channels)
    agent = build_agent(envs[0], dataset, {'conditional': args.conditional},
                        {'rollout_n': args.rollout_n, 'reward_mode': args.reward_mode})
    t = measure_update_cycles(agent, envs, cycles=args.cycles)
    print(f"env steps/s (one process): {t['steps_per_s']:.1f}")
    print(f"per cycle of {t['steps']} steps: total {t['total_s']:.3f} s = env {t['env_s']:.3f}"
          f" + forward {t['forward_s']:.3f} + update {t['update_s']:.3f}")
    print(f"per step: {1e3 * t['total_s'] / t['steps']:.2f} ms")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        agent.update(agent.collect(envs))
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats('tottime').print_stats(args.cprofile)


if __name__ == '__main__':
    main()
