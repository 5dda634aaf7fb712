"""Population-based training at the size two cores allow (SPIRAL++, Mellor et al. 2019, trains a
population of agents that share one discriminator, with PBT on their hyperparameters).

``agent.population: P`` (P >= 2) gives the agent P members. Each is a generator (policy and
value) with its own Adam state and its own two hyperparameters: the generator's learning rate
and the entropy weight beta. The discriminator is shared by all, so its score ranks them on one
scale. Member 0 is the agent's own generator: a snapshot's generator.npz, what evaluation, the
demos and ``--init`` read. The others are saved beside it (``population_<m>_*.npz`` and
``population.json``); an inference export leaves them out.

Every rollout is drawn and learnt from by one member (`member_of`). At every snapshot, with the
updates stopped (training/supervisor.py), `exploit_explore` has the member whose final canvases
the critic scored lowest on average since the last one copy the best member's generator, Adam
state and hyperparameters (exploit), then multiply each of the two hyperparameters by `PERTURB`
or 1 / `PERTURB`, a coin each (explore). Nothing else changes: not the discriminator, not the
other members, not any other hyperparameter.
"""
import contextlib
import copy
import json
import os

import chainer
import numpy as np
from chainerrl.misc import async_

# The factor of an explore step (PBT's usual 0.8 / 1.25).
PERTURB = 1.25
HYPERPARAMETERS = ('lr', 'beta')
STATE_FILE = 'population.json'
FILE_PREFIX = 'population'


def member_of(worker, rollout, processes, size):
    """The member that draws and learns from a worker's `rollout`-th rollout (0-based).

    One process takes the members in turn; P processes (or a multiple) keep one member each.
    """
    return (worker + rollout * processes) % size


class Population:
    """P generators with their optimizers and hyperparameters; member 0 is `generator`.

    Args:
        generator: the agent's shared Generator (member 0).
        optimizer: its optimizer (chainer Adam, set up on `generator`).
        make_optimizer: ``make_optimizer(link) -> optimizer`` set up like `optimizer`.
        size: P >= 2.
        lr, beta: the configured learning rate and entropy weight; members 1.. start with
            them perturbed (an explore step each), member 0 with them as they are.
        seed: seed of the explore steps' coins.
    """

    def __init__(self, generator, optimizer, make_optimizer, size, lr, beta, seed=0):
        if size < 2:
            raise ValueError(f'population size: expected >= 2, got {size}')
        self.generators = [generator]
        self.optimizers = [optimizer]
        for _ in range(size - 1):
            link = copy.deepcopy(generator)
            self.generators.append(link)
            self.optimizers.append(make_optimizer(link))
        self.rng = np.random.RandomState(seed)
        # float64 (P, 2): lr, beta of each member; (P, 2): sum and count of final scores since
        # the last exploit step. Plain arrays until `share` puts them in shared memory.
        self.hyper = np.tile(np.array([lr, beta], np.float64), (size, 1))
        for m in range(1, size):
            self.hyper[m] *= self._coins()
        self.scores = np.zeros((size, 2), np.float64)
        self.lock = None

    @property
    def size(self):
        return len(self.generators)

    def _coins(self):
        return np.where(self.rng.uniform(size=len(HYPERPARAMETERS)) < 0.5, 1 / PERTURB, PERTURB)

    def share(self, ctx):
        """Put every member's parameters and Adam state, the hyperparameters and the scores in
        shared memory (before the workers fork; member 0's are the agent's, already shared)."""
        for link, optimizer in zip(self.generators[1:], self.optimizers[1:]):
            async_.share_params_as_shared_arrays(link)
            async_.share_states_as_shared_arrays(optimizer)
        for name in ('hyper', 'scores'):
            array = getattr(self, name)
            shared = np.frombuffer(ctx.RawArray('d', array.size), np.float64).reshape(array.shape)
            shared[...] = array
            setattr(self, name, shared)
        self.lock = ctx.Lock()

    def record(self, member, score):
        """Add one update's mean final score (the critic's, before standardisation)."""
        with self.lock or contextlib.nullcontext():
            self.scores[member] += (score, 1.0)

    def fitness(self):
        """float64 (P,): each member's mean final score since the last exploit step (nan for a
        member with no update since)."""
        with self.lock or contextlib.nullcontext():
            total, n = self.scores[:, 0].copy(), self.scores[:, 1].copy()
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)

    def exploit_explore(self):
        """The lowest-scoring member copies the best one, then perturbs lr and beta.

        Call with no update in progress. Returns a dict (loser, winner, fitness, hyper after)
        or None where some member has not updated since the last step (nothing changes).
        """
        fitness = self.fitness()
        if np.isnan(fitness).any():
            return None
        winner, loser = int(np.argmax(fitness)), int(np.argmin(fitness))
        if winner != loser:
            copy_member(self.generators[winner], self.optimizers[winner],
                        self.generators[loser], self.optimizers[loser])
            self.hyper[loser] = self.hyper[winner] * self._coins()
        self.scores[...] = 0
        return dict(loser=loser, winner=winner, fitness=fitness.tolist(),
                    hyper=self.hyper.tolist())

    # -- files

    def save(self, dirname):
        """Members 1.. and the population's state into the snapshot directory `dirname`."""
        for m in range(1, self.size):
            chainer.serializers.save_npz(self._path(dirname, m, 'generator'), self.generators[m])
            chainer.serializers.save_npz(self._path(dirname, m, 'gen_optimizer'),
                                         self.optimizers[m])
        state = dict(size=self.size, hyperparameters=list(HYPERPARAMETERS),
                     hyper=self.hyper.tolist(), scores=self.scores.tolist(),
                     rng=_rng_state(self.rng))
        with open(os.path.join(dirname, STATE_FILE), 'w') as f:
            json.dump(state, f, indent=2)
            f.write('\n')

    def load(self, dirname):
        """What `save` wrote; a snapshot without it (of a run with no population) gives every
        member member 0's networks and Adam state, the hyperparameters as they are."""
        path = os.path.join(dirname, STATE_FILE)
        if not os.path.isfile(path):
            self.spread_member_zero()
            return
        with open(path) as f:
            state = json.load(f)
        if state['size'] != self.size:
            raise ValueError(f'{path}: expected a population of {self.size}, got '
                             f'{state["size"]}')
        for m in range(1, self.size):
            chainer.serializers.load_npz(self._path(dirname, m, 'generator'), self.generators[m])
            chainer.serializers.load_npz(self._path(dirname, m, 'gen_optimizer'),
                                         self.optimizers[m])
        self.hyper[...] = state['hyper']
        self.scores[...] = state['scores']
        self.rng.set_state(_rng_from(state['rng']))

    def spread_member_zero(self):
        """Every member takes member 0's networks (and Adam state): the start of a population
        from one painter (``--init``, or a snapshot of a run with no population)."""
        for m in range(1, self.size):
            copy_member(self.generators[0], self.optimizers[0], self.generators[m],
                        self.optimizers[m])

    @staticmethod
    def _path(dirname, member, name):
        return os.path.join(dirname, f'{FILE_PREFIX}_{member}_{name}.npz')


def copy_member(source, source_optimizer, target, target_optimizer):
    """Copy a generator's parameters and its Adam state into another's, in place (shared arrays
    stay shared)."""
    targets = dict(target.namedparams())
    for name, param in source.namedparams():
        targets[name].array[...] = param.array
        async_.ensure_initialized_update_rule(param)
        async_.ensure_initialized_update_rule(targets[name])
        state = targets[name].update_rule.state
        for key, value in param.update_rule.state.items():
            state[key][...] = value
    target_optimizer.t = source_optimizer.t


def _rng_state(rng):
    kind, keys, pos, has_gauss, gauss = rng.get_state()
    return [kind, keys.tolist(), int(pos), int(has_gauss), float(gauss)]


def _rng_from(state):
    kind, keys, pos, has_gauss, gauss = state
    return kind, np.array(keys, np.uint32), pos, has_gauss, gauss
