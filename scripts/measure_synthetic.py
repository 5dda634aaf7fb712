"""How fast behaviour cloning on synthetic targets teaches each head of a conditional painter.

    .venv/bin/python scripts/measure_synthetic.py CONFIG [--updates 40] [--every 20]
        [--set SECTION.KEY=VALUE ...]

A new agent of CONFIG clones random programs (agents/synthetic.py: `--updates` updates of the
config's B programs of T steps) and, every `--every` updates, prints each head's negative
log-likelihood in nats of a fixed set of B other random programs (their own finished canvases
as targets; the grid and colour heads over the steps that paint), beside the uniform policy's
(log of the head's size).
"""
import argparse
import time

import chainer
import numpy as np

from chainer_spiral.agents import synthetic
from chainer_spiral.agents.demonstrations import played
from chainer_spiral.config import load_config
from chainer_spiral.runs import loading


def per_head_nll(generator, rollout):
    """dict head name -> mean negative log-likelihood of the rollout's actions (the flag over
    every step, the other heads over the steps that paint)."""
    seen = {}
    decoder = generator.decoder

    def log_probs(z, actions, skip=None, local=None):
        def choose(head, log_p):
            a = actions[head.name]
            seen[head.name] = -log_p[np.arange(len(a)), a]
            return a
        _, log_prob, entropy = decoder(z, choose, skip, local)
        return log_prob, entropy

    generator.log_probs = log_probs  # the plain path's heads, each one's log-probabilities kept
    try:
        with chainer.no_backprop_mode():
            generator.evaluate(rollout, rollout.finals)
    finally:
        del generator.log_probs
    paints = rollout.actions[generator.spec.flag_field].reshape(-1) == 1
    return {name: float(nll.mean() if name == generator.spec.flag_field else nll[paints].mean())
            for name, nll in seen.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--updates', type=int, default=40)
    parser.add_argument('--every', type=int, default=20)
    parser.add_argument('--set', dest='overrides', action='append', default=[],
                        metavar='SECTION.KEY=VALUE')
    args = parser.parse_args(argv)
    cfg = load_config(args.config, args.overrides)
    dataset = loading.make_dataset_from_config(cfg)
    env = loading.make_env_from_config(cfg)
    agent = loading.build_agent_from_config(cfg, dataset, env)
    env.close()
    envs = loading.make_envs_from_config(cfg, cfg.agent.rollout_n)
    held_out = synthetic.random_actions(agent.spec, envs[0].max_episode_steps, len(envs),
                                        np.random.RandomState(cfg.seed + 1))
    rollout = played(envs, agent.spec, held_out, agent.generator.channels)
    print('uniform', {h.name: round(float(np.log(h.size)), 2) for h in agent.spec.heads})
    rng, start = np.random.RandomState(cfg.seed), time.time()
    for i in range(args.updates + 1):
        if i % args.every == 0 or i == args.updates:
            nll = per_head_nll(agent.generator, rollout)
            print(i, {k: round(v, 2) for k, v in nll.items()},
                  f'{time.time() - start:.0f} s', flush=True)
        if i < args.updates:
            synthetic.behaviour_cloning(agent, envs, rng)


if __name__ == '__main__':
    main()
