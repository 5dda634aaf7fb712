"""The SPIRAL agent: batched lockstep acting (acting.py), learning (learning.py), the agent."""
from chainer_spiral.agents.acting import Rollout, collect
from chainer_spiral.agents.spiral import SPIRAL, build_agent
from chainer_spiral.agents.timing import measure_update_cycles
from chainer_spiral.errors import NonFiniteLossError

__all__ = ['NonFiniteLossError', 'Rollout', 'SPIRAL', 'build_agent', 'collect',
           'measure_update_cycles']
