"""Synthetic targets: random programs painted by the env's own brush, each its own target.

A conditional painter can learn what a stroke does before it sees a real image: draw a random
program (T uniformly random actions of the action space, each a draw with probability
`DRAW_SHARE`, else a jump), paint it, and clone its actions with its finished canvas as the
target (agents/demonstrations.clone_actions). The targets need no data and come with the
program that paints them, so the cloning is exact: the policy learns to put a stroke of the
target's colour, size and pressure where the target holds one that the canvas lacks. SPIRAL's
RL then starts from that policy (`agent.synthetic_updates`; docs/colour.md).
"""
import numpy as np

from chainer_spiral.agents.demonstrations import clone_actions

DRAW_SHARE = 0.8  # the share of a random program's steps that paint (the rest jump)


def random_actions(spec, T, B, rng):
    """The actions of B random programs of T steps.

    Args:
        spec: models.action_spec.ActionSpec.
        T: steps per program.
        B: programs.
        rng: numpy RandomState.

    Returns:
        dict name -> int64 (T, B): each head's index uniform over its choices, except the draw
        flag, 1 with probability DRAW_SHARE.
    """
    actions = {}
    for head in spec.heads:
        if head.name == spec.flag_field:
            actions[head.name] = (rng.random_sample((T, B)) < DRAW_SHARE).astype(np.int64)
        else:
            actions[head.name] = rng.randint(head.size, size=(T, B)).astype(np.int64)
    return actions


def behaviour_cloning(agent, envs, rng):
    """One behaviour-cloning step of a conditional agent on len(envs) random programs of the
    envs' T steps, each program's finished canvas its target.

    Returns:
        float: the loss, -mean log-probability of the programs' actions.
    """
    actions = random_actions(agent.spec, envs[0].max_episode_steps, len(envs), rng)
    return clone_actions(agent, envs, actions)
