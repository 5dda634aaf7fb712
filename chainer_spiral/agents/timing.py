"""Timing of the agent's update cycle (collect + update), split into env, forward and update."""
import time
from unittest import mock


def measure_update_cycles(agent, envs, cycles=3, warmup=1):
    """Time `cycles` update cycles (after `warmup` untimed ones) of one process.

    The env time is measured by wrapping each env's `step` and `reset`; forward is the rest of
    `collect`; update is `agent.update`.

    Args:
        agent: SPIRAL.
        envs: the B envs of one rollout.
        cycles: timed cycles.
        warmup: untimed cycles first (allocations, caches).

    Returns:
        dict: steps_per_s (env steps per second), and env_s, forward_s, update_s, total_s
        (seconds per cycle), steps (env steps per cycle).
    """
    spent = {'env': 0.0}

    def timed(fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent['env'] += time.perf_counter() - t0
        return wrapper

    patches = [mock.patch.object(env, name, timed(getattr(env, name)))
               for env in envs for name in ('step', 'reset')]
    for p in patches:
        p.start()
    try:
        for _ in range(warmup):
            agent.update(agent.collect(envs))
        spent['env'] = 0.0
        collect_s = update_s = 0.0
        for _ in range(cycles):
            t0 = time.perf_counter()
            rollout = agent.collect(envs)
            t1 = time.perf_counter()
            agent.update(rollout)
            collect_s += t1 - t0
            update_s += time.perf_counter() - t1
    finally:
        for p in patches:
            p.stop()
    steps = len(envs) * envs[0].max_episode_steps
    total = (collect_s + update_s) / cycles
    return {'steps_per_s': steps / total, 'env_s': spent['env'] / cycles,
            'forward_s': (collect_s - spent['env']) / cycles, 'update_s': update_s / cycles,
            'total_s': total, 'steps': steps}
