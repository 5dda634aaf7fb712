"""The warm start of a new run, in the main process before the workers start.

- `warm_start`: `agent.demo_updates` behaviour-cloning updates on `agent.demonstrations`
  (agents/demonstrations.py: pen trajectories, or a teacher's programs with their targets),
  or `agent.synthetic_updates` on random programs, each its own target (agents/synthetic.py),
  checkpointed to ``OUTDIR/warm_start/`` every
  `train.warm_start_save_interval` updates: a new run started again in that OUTDIR goes on from
  the newest checkpoint, exactly.
- `kickstart`: the teacher whose cloning loss every update adds (`agent.teacher_weight`).
- `warm_critic`: `agent.critic_warmup_updates` discriminator-only updates, so that a policy that
  already draws meets a critic that can tell its drawings from real images.
"""
import dataclasses
import json
from logging import getLogger

import numpy as np

from chainer_spiral.runs import loading
from chainer_spiral.runs.snapshots import load_warm_start, save_warm_start
from chainer_spiral.training.errors import TrainingError

logger = getLogger(__name__)


def warm_start(cfg, agent, outdir=None):
    """`agent.demo_updates` behaviour-cloning updates on `agent.demonstrations`
    (agents/demonstrations.py), or `agent.synthetic_updates` on synthetic targets
    (agents/synthetic.py): a new run only, in the main process before the workers start.

    With an `outdir` and `train.warm_start_save_interval` k, every k-th update and the last one
    checkpoint the warm start to ``outdir/warm_start/<updates done>/`` (the networks, optimizer
    states and both random states; snapshots.save_warm_start); a new run in an `outdir`
    holding one goes on from it: the same parameters as a warm start never interrupted.

    Raises:
        DatasetError: the demonstrations file is unreadable.
        TrainingError: a checkpoint of another config's warm start.
    """
    from chainer_spiral.agents import demonstrations, synthetic
    a = cfg.agent
    rng = np.random.RandomState(cfg.seed)
    if a.synthetic_updates:
        n, what = a.synthetic_updates, 'synthetic targets'

        def clone():
            return synthetic.behaviour_cloning(agent, envs, rng)
    elif a.demonstrations.endswith('.npz'):
        teacher = played_teacher(cfg, agent)
        n, what = a.demo_updates, f"{len(teacher.targets)} teacher's programs"

        def clone():
            return demonstrations.teacher_cloning(agent, teacher, rng, a.rollout_n)
    else:
        demos = demonstrations.read_demonstrations(a.demonstrations)
        n, what = a.demo_updates, f'{len(demos)} demonstrations'

        def clone():
            return demonstrations.behaviour_cloning(agent, envs, demos, rng, a.demo_spacing)
    envs = loading.make_envs_from_config(cfg, a.rollout_n)
    lr = agent.gen_optimizer.alpha
    interval = cfg.train.warm_start_save_interval if outdir is not None else 0
    first = resume_warm_start(cfg, agent, outdir, rng) if outdir is not None else 0
    for i in range(first, n):
        if a.demo_lr_decay:
            agent.gen_optimizer.alpha = lr * (n - i) / n
        loss = clone()
        if i == 0 or (i + 1) % 10 == 0 or i + 1 == n:
            logger.info('behaviour cloning %d/%d on %s: loss %.4f (lr %.3g)',
                        i + 1, n, what, loss, agent.gen_optimizer.alpha)
        if interval and ((i + 1) % interval == 0 or i + 1 == n):
            save_warm_start(agent, outdir, warm_start_state(cfg, i + 1, rng, agent))
    agent.gen_optimizer.alpha = lr
    for env in envs:
        env.close()


def played_teacher(cfg, agent):
    """`agent.demonstrations`' teacher's programs, checked against the run and played once
    (agents/demonstrations.Teacher).

    Raises:
        DatasetError: an unreadable file, or programs of another run.
    """
    from chainer_spiral.agents import demonstrations
    shape = (agent.generator.channels, cfg.env.imsize, cfg.env.imsize)
    programs = demonstrations.read_teacher(cfg.agent.demonstrations, agent.spec,
                                           cfg.env.max_episode_steps, shape)
    envs = loading.make_envs_from_config(cfg, cfg.agent.rollout_n)
    teacher = demonstrations.Teacher.played(programs, envs, agent.spec, agent.generator.channels)
    for env in envs:
        env.close()
    return teacher


def kickstart(cfg, agent):
    """Give the agent its teacher (`agent.teacher_weight`): the teacher's programs played once
    in the main process, before the workers start (they share the canvases)."""
    agent.teacher = played_teacher(cfg, agent)
    logger.info("kickstarting: %d teacher's programs, weight %g", len(agent.teacher.targets),
                cfg.agent.teacher_weight)


def warm_start_state(cfg, done, rng, agent):
    """What a warm-start checkpoint records beside the agent (JSON-able): the updates done, the
    config that fixes the warm start, and the random states of its sampler and of the agent."""
    def random_state(r):
        name, keys, pos, has_gauss, gauss = r.get_state()
        return [name, keys.tolist(), int(pos), int(has_gauss), float(gauss)]
    return {'done': done, 'config': warm_start_config(cfg), 'sampler': random_state(rng),
            'agent': random_state(agent.rng)}


def warm_start_config(cfg):
    """The keys that fix a warm start (the seed and the agent section) as JSON values."""
    return json.loads(json.dumps({'seed': cfg.seed, 'agent': dataclasses.asdict(cfg.agent)}))


def resume_warm_start(cfg, agent, outdir, rng):
    """Load the newest warm-start checkpoint of `outdir` into the agent and both random states;
    returns the updates it had done (0: none to resume).

    Raises:
        TrainingError: a checkpoint of another config's warm start.
    """
    found = load_warm_start(agent, outdir)
    if found is None:
        return 0
    path, state = found
    saved, now = state.get('config', {}), warm_start_config(cfg)
    if saved != now:
        keys = sorted({*saved.get('agent', {}), *now['agent']})
        diff = (['seed'] if saved.get('seed') != now['seed'] else []) + [
            f'agent.{k}' for k in keys if saved.get('agent', {}).get(k) != now['agent'].get(k)]
        raise TrainingError(f'{path}: expected a warm start of this config, got one with another '
                            f'{", ".join(diff)} (start the run in a new OUTDIR)')
    for r, (name, keys, pos, has_gauss, gauss) in ((rng, state['sampler']),
                                                    (agent.rng, state['agent'])):
        r.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, gauss))
    logger.info('resuming the warm start from %s after %d updates', path, state['done'])
    return state['done']


def warm_critic(cfg, agent):
    """`agent.critic_warmup_updates` discriminator-only updates on the drawings of the policy a
    new run starts with, in the main process before the workers start: a policy that already
    draws (from --init or the demonstrations) first meets a critic that can tell its drawings
    from real images, not a random one."""
    envs = loading.make_envs_from_config(cfg, cfg.agent.rollout_n)
    n = cfg.agent.critic_warmup_updates
    for i in range(n):
        stats = agent.critic_step(envs)
        if i == 0 or (i + 1) % 10 == 0 or i + 1 == n:
            logger.info('critic warm-up %d/%d: d_loss %.4f', i + 1, n, stats['d_loss'])
    for env in envs:
        env.close()
