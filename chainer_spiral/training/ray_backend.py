"""The Ray backend (``train.backend: ray``): the A3C workers as Ray actors on a cluster.

Actors (docs/distributed.md):

- one `Learner`: holds the parameters and both optimizers (a SPIRAL agent built from the config,
  whose local models serve as gradient buffers) and applies each worker's gradients as they
  arrive with the agent's own `apply_gradients`: asynchronous A3C, as the shared-memory workers.
  It counts the updates it applies, publishes each new version of the parameters with one
  `ray.put`, and keeps the state after every update that completes a snapshot interval until the
  driver takes it.
- ``train.processes`` `RemoteWorker` actors: the process worker's loop (training/worker.py: its
  own envs and seeds, `collect`, the agent's `compute_gradients`), one step per call, with the
  learner in place of the shared memory: the gradients go to the learner, the parameters it
  replies with are loaded before the next rollout.

The driver (`RayBackend`, in the main process beside the Supervisor) hands out the work, one
step per claim of B x T env steps, restarts a worker actor that dies, writes what the workers
report, and saves the snapshots from the learner's states through the Supervisor: the same
files as the processes backend, so a run resumes in either backend.

``--ray-address HOST:PORT`` is checked before anything is built: where nothing answers at that
address the run stops at once with one line (Ray itself would retry for many minutes).

Policy lag: the updates the learner applied between the parameters a worker collected with and
its own update. ``train.max_policy_lag`` bounds it: the learner drops an older gradient (it is
not counted), the worker loads the newest parameters and collects again.
"""
import collections
import contextlib
import itertools
import os
import signal
import socket
import typing
from logging import getLogger

import chainer
import numpy as np
import ray
from chainerrl.misc import async_
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from chainer_spiral.runs import loading
from chainer_spiral.runs.snapshots import Counters, optimizers_of, set_optimizer_steps
from chainer_spiral.training.backend import POLL_SECONDS, Backend
from chainer_spiral.training.errors import TrainingError, snapshot_note
from chainer_spiral.training.worker import Worker, describe_error, limit_blas_threads

logger = getLogger(__name__)

# A worker index whose actor dies this many times in a row without finishing a step stops the
# run: a fault that follows the worker (a node without the dataset, memory too small) rather
# than a lost node.
MAX_DEATHS_IN_A_ROW = 3
NETWORKS = ('generator', 'discriminator')
# Seconds to wait for a TCP connection to ``--ray-address HOST:PORT`` before giving up on it.
CONNECT_SECONDS = 10.0


def check_reachable(address, timeout=CONNECT_SECONDS):
    """Something must accept a TCP connection at a ``HOST:PORT`` (or ``ray://HOST:PORT``)
    address: Ray retries an address where nothing answers for many minutes, printing
    warnings. 'auto' and None (a local cluster) are not checked.

    Raises:
        TrainingError: no answer there within `timeout` seconds, or not a HOST:PORT.
    """
    if address is None or address == 'auto':
        return
    host, _, port = address.split('://')[-1].rpartition(':')
    if not host or not port.isdigit():
        raise TrainingError(f'--ray-address {address}: expected auto or HOST:PORT of a Ray '
                            f'cluster\'s head, got no port')
    try:
        socket.create_connection((host.strip('[]'), int(port)), timeout=timeout).close()
    except OSError as e:
        reason = (f'no answer within {timeout:g} s' if isinstance(e, socket.timeout)
                  else e.strerror or str(e))
        raise TrainingError(f'--ray-address {address}: no Ray cluster answers there ({reason}); '
                            f'start one with `ray start --head` or check the address') from None


@contextlib.contextmanager
def connect(address):
    """Join the Ray cluster at `address` ('auto': the one this machine belongs to), or start a
    local one (None), for the duration. A process already connected (tests) stays connected.

    Raises:
        TrainingError: no cluster at `address`.
    """
    if ray.is_initialized():
        yield
        return
    # ray.init installs a SIGTERM handler of its own; the Supervisor's must stay.
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        context = ray.init(address=address or 'local')
    except (ConnectionError, ValueError, RuntimeError) as e:
        raise TrainingError(f'--ray-address {address}: cannot join a Ray cluster there '
                            f'({_first_line(e)})') from None
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    logger.info('Ray cluster %s: %s CPUs; dashboard %s', context.address_info['gcs_address'],
                ray.cluster_resources().get('CPU', 0), context.dashboard_url or '(none)')
    try:
        yield
    finally:
        ray.shutdown()


# ---------------------------------------------------------------------------------------------
# What moves between the actors


def export_state(agent):
    """Copies of the shared parameters and both optimizers' states (Adam moments, step counts):
    {attribute: {key: array}}, chainer's serialisation of `agent.shared_attributes`."""
    for optimizer in optimizers_of(agent).values():
        # As the processes backend's sharing does (chainerrl.misc.async_), so that a fresh
        # optimizer's state has its (zero) moments to export.
        for param in optimizer.target.params():
            async_.ensure_initialized_update_rule(param)
    state = {}
    for name in agent.shared_attributes:
        serializer = chainer.serializers.DictionarySerializer()
        serializer.save(getattr(agent, name))
        state[name] = {key: np.array(value) for key, value in serializer.target.items()}
    return state


def import_state(agent, state):
    """Load what `export_state` returned into the agent's shared models and optimizers."""
    for name in agent.shared_attributes:
        # Copies: what ray.get returns is read-only, and the optimizers keep these arrays.
        arrays = {key: np.array(value) for key, value in state[name].items()}
        chainer.serializers.NpzDeserializer(arrays).load(getattr(agent, name))


def gradients_of(agent):
    """{network: {parameter name: gradient or None}} of the agent's local models."""
    return {net: {name: p.grad for name, p in getattr(agent, net).namedparams()}
            for net in NETWORKS}


def load_gradients(agent, gradients):
    """Set the gradients of the agent's local models to `gradients_of` another agent's."""
    for net in NETWORKS:
        for name, param in getattr(agent, net).namedparams():
            param.grad = gradients[net][name]


def parameters_of(agent):
    """{network: {parameter name: array}} of the agent's shared models."""
    return {net: {name: p.array for name, p in getattr(agent, f'shared_{net}').namedparams()}
            for net in NETWORKS}


def load_parameters(agent, parameters):
    """Write `parameters_of` another agent into this agent's shared models, then sync the
    local ones from them, as a process worker does after its update."""
    for net in NETWORKS:
        for name, param in getattr(agent, f'shared_{net}').namedparams():
            param.array[...] = parameters[net][name]
    agent.sync_parameters()


def nbytes(tree):
    """Bytes of the arrays of a {network: {name: array or None}}."""
    return sum(a.nbytes for arrays in tree.values() for a in arrays.values() if a is not None)


class Reply(typing.NamedTuple):
    """The learner's answer to a worker's gradients."""
    applied: bool           # False: dropped (too old, or void after the worker was lost)
    counters: Counters      # after this update
    lag: int                # updates between the worker's parameters and this update
    dropped: int            # gradients dropped as too old so far
    updates: int            # the version of `parameters`
    parameters: ray.ObjectRef  # the newest parameters_of(learner)


class StepReport(typing.NamedTuple):
    """A worker step's result, for the driver."""
    applied: bool
    counters: Counters
    messages: list          # [(kind, payload)]: 'record' and 'finals', as a process worker sends


# ---------------------------------------------------------------------------------------------
# Actors


class Learner:
    """Holds the parameters and both optimizers; applies each worker's gradients as they arrive.

    Args:
        cfg: Config.
        state: `export_state` of the driver's agent (fresh, resumed or warm-started).
        start: Counters to count on from.
    """

    def __init__(self, cfg, state, start):
        limit_blas_threads(1)
        self.agent = loading.build_agent_from_config(cfg, None)
        import_state(self.agent, state)
        self.counters = start
        self.max_lag = cfg.train.max_policy_lag
        self.save_interval = cfg.train.n_save_interval
        self.saved = []             # [(Counters, export_state)] not yet taken by the driver
        self.last_claim = {}        # worker index -> the claim of its last applied update
        self.fence = {}             # worker index -> its claims up to this one are void
        self.stats = dict(dropped=0, lag_sum=0, applied=0, gradient_bytes=0, parameter_bytes=0)
        self._publish()

    def _publish(self):
        parameters = parameters_of(self.agent)
        self.parameter_bytes = nbytes(parameters)
        self.parameters_ref = ray.put(parameters)

    def parameters(self):
        """(updates, ObjectRef of the parameters after them)."""
        self.stats['parameter_bytes'] += self.parameter_bytes
        return self.counters.updates, self.parameters_ref

    def apply(self, index, claim, gradients, base, steps, episodes):
        """Apply one worker's gradients, or drop them, and count the update.

        Args:
            index: the worker's index.
            claim: the driver's number of this rollout.
            gradients: `gradients_of` the worker's agent.
            base: the updates of the parameters the worker collected and computed with.
            steps, episodes: what the update counts (B x T env steps, B episodes).

        Returns:
            Reply.
        """
        lag = self.counters.updates - base
        void = claim <= self.fence.get(index, -1)
        if void:
            return self._reply(False, lag)
        if self.max_lag is not None and lag > self.max_lag:
            self.stats['dropped'] += 1
            return self._reply(False, lag)
        load_gradients(self.agent, gradients)
        set_optimizer_steps(self.agent, self.counters.updates)
        self.agent.apply_gradients()
        self.counters = Counters(self.counters.steps + steps, self.counters.updates + 1,
                                 self.counters.episodes + episodes)
        self.last_claim[index] = claim
        self.stats['applied'] += 1
        self.stats['lag_sum'] += lag
        self.stats['gradient_bytes'] += nbytes(gradients)
        self._publish()
        if self.save_interval and self.counters.updates % self.save_interval == 0:
            self.saved.append((self.counters, export_state(self.agent)))
        return self._reply(True, lag)

    def _reply(self, applied, lag):
        updates, parameters = self.parameters()
        return Reply(applied, self.counters, lag, self.stats['dropped'], updates, parameters)

    def settle(self, index, claim):
        """Worker `index` died with `claim` in flight: was that update applied? From now on
        its gradients, should they still arrive, are void.

        Returns:
            (applied, Counters now).
        """
        self.fence[index] = claim
        return self.last_claim.get(index) == claim, self.counters

    def take_snapshots(self):
        """The states saved at the snapshot intervals since the last call: [(Counters, state)]."""
        saved, self.saved = self.saved, []
        return saved

    def state(self):
        """(Counters, export_state) now."""
        return self.counters, export_state(self.agent)

    def statistics(self):
        """Updates applied and dropped, their mean policy lag, and the bytes moved."""
        stats = dict(self.stats)
        stats['policy_lag'] = stats.pop('lag_sum') / max(stats['applied'], 1)
        return stats


class ListSink:
    """Keeps a worker's messages until the step's report takes them to the driver."""

    def __init__(self):
        self.messages = []

    def send(self, kind, payload):
        self.messages.append((kind, payload))

    def tick(self):
        pass

    def take(self):
        messages, self.messages = self.messages, []
        return messages


class RemoteWorker(Worker):
    """A process worker's loop, one step per call, with the learner actor for shared memory.

    Builds its own dataset, envs and agent from the config (on whichever node it runs), seeds
    them as process worker `index` would be, and starts from the learner's newest parameters.

    Args:
        index: worker index.
        cfg: Config.
        learner: handle of the Learner actor.
        start_updates: global updates when this worker starts (its seeds; a restarted worker
            does not replay its predecessor's random stream).
    """

    def __init__(self, index, cfg, learner, start_updates):
        limit_blas_threads(1)
        dataset = loading.make_dataset_from_config(cfg)
        env = loading.make_env_from_config(cfg)
        agent = loading.build_agent_from_config(cfg, dataset, env)
        env.close()
        super().__init__(index, cfg, agent, dataset, None, ListSink(), start_updates)
        self.learner = learner
        self.claim = self.reply = None
        self._load(*ray.get(learner.parameters.remote()))

    def run_step(self, claim):
        """Collect a rollout, compute the gradients, have the learner apply them.

        Returns:
            StepReport.
        """
        self.claim = claim
        self.step()
        return StepReport(self.reply.applied, self.reply.counters, self.sink.take())

    def _update(self, rollout, steps, episodes):
        """The learner applies the gradients; Counters after it, or None if it dropped them."""
        pending = self.agent.compute_gradients(rollout)
        self.reply = ray.get(self.learner.apply.remote(
            self.index, self.claim, gradients_of(self.agent), self.updates, steps, episodes))
        self._load(self.reply.updates, self.reply.parameters)
        if not self.reply.applied:
            return None
        self.agent.record_update(pending)
        return self.reply.counters

    def _load(self, updates, parameters):
        load_parameters(self.agent, ray.get(parameters))
        self.updates = updates

    def _record(self, counters):
        record = super()._record(counters)
        record['train/policy_lag'] = float(self.reply.lag)
        record['train/dropped_updates'] = float(self.reply.dropped)
        return record


# ---------------------------------------------------------------------------------------------
# The driver


class RayBackend(Backend):
    """The driver's side: hands out the work, restarts lost workers, turns reports into files.

    Args:
        address: the Ray cluster to join ('auto': the one this machine belongs to,
            'HOST:PORT': its head, checked at once: `check_reachable`), or None to start a
            local one.

    Raises:
        TrainingError: nothing answers at `address`.
    """

    def __init__(self, address=None):
        check_reachable(address)
        self.address = address

    def run(self, supervisor):
        """Train until the claims run out (or a stop is requested); the Supervisor's agent is
        then in the learner's final state and the SharedState holds its counters.

        Args:
            supervisor: the trainer's Supervisor: its config, agent (the state to start from),
                SharedState (claims and counters, here updated from the learner's replies),
                outputs and snapshots.

        Returns:
            dict: 'restarts' (worker actors restarted) and the learner's `statistics`.
        """
        self.sup = supervisor
        self.cfg = supervisor.cfg
        self.state = supervisor.state
        self.rollout_steps = self.cfg.agent.rollout_n * self.cfg.env.max_episode_steps
        self.claims = itertools.count()
        self.inflight = {}          # ObjectRef of a step -> (worker index, claim)
        self.workers = {}           # worker index -> actor handle
        self.deaths = collections.Counter()  # worker index -> deaths since its last step
        self.restarts = 0
        self.next_save = self._next_save(supervisor.start.updates)
        self.learner = None
        with connect(self.address):
            supervisor.open_outputs()
            return self._train()

    def _train(self):
        self._check_resources()
        try:
            self.learner = self._new_learner()
            for index in range(self.cfg.train.processes):
                self._start(index)
            while self.inflight:
                ready, _ = ray.wait(list(self.inflight), num_returns=1, timeout=POLL_SECONDS)
                for ref in ready:
                    self._finish(ref)
                if self.state.counters().updates >= self.next_save:
                    self._save_snapshots()
                self.sup.refresh()
            self._save_snapshots()
            counters, state = self._call_learner('state')
            import_state(self.sup.agent, state)
            self.state.advance(counters)
            return dict(restarts=self.restarts, **self._call_learner('statistics'))
        finally:
            for actor in list(self.workers.values()) + [self.learner]:
                if actor is not None:
                    ray.kill(actor)

    def _check_resources(self):
        cpus = ray.cluster_resources().get('CPU', 0)
        if cpus < self.cfg.train.processes:
            raise TrainingError(f'train.processes: expected at most the Ray cluster\'s {cpus:g} '
                                f'CPUs (one per worker actor), got {self.cfg.train.processes}')

    def _new_learner(self):
        # Beside the driver (soft): the learner's node going down stops the run anyway.
        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=True)
        actor = ray.remote(Learner).options(
            name=f'spiral-learner-{_token()}', num_cpus=0, max_restarts=0,
            scheduling_strategy=here)
        return actor.remote(self.cfg, export_state(self.sup.agent), self.sup.start)

    def _new_worker(self, index):
        actor = ray.remote(RemoteWorker).options(
            name=f'spiral-worker-{index}-{_token()}', num_cpus=1, max_restarts=0)
        return actor.remote(index, self.cfg, self.learner, self.state.counters().updates)

    # -- steps

    def _start(self, index):
        """Give worker `index` its next step, or collect its summary when the work is done."""
        if not self.state.claim(self.rollout_steps):
            self._retire(index)
            return
        if index not in self.workers:
            self.workers[index] = self._new_worker(index)
        claim = next(self.claims)
        self.inflight[self.workers[index].run_step.remote(claim)] = (index, claim)

    def _finish(self, ref):
        index, claim = self.inflight.pop(ref)
        try:
            report = ray.get(ref)
        except ray.exceptions.RayTaskError as e:    # it raised (or its learner call did)
            self._call_learner('statistics')         # a dead learner is the fault to report
            raise TrainingError(_describe_task_error(index, e)) from None
        except ray.exceptions.RayActorError as e:   # the worker actor died, or its node
            self._lost(index, claim, e)
            return
        self.deaths[index] = 0
        if report.applied:
            self.state.advance(report.counters)
        else:
            self.state.release(self.rollout_steps)
        for kind, payload in report.messages:
            self.sup.handle(kind, index, payload)
        self._start(index)

    def _lost(self, index, claim, error):
        """A worker actor died with `claim` in flight: count its update if the learner applied
        it, give the claim back otherwise, and start a new actor for the rest of the work."""
        applied, counters = self._call_learner('settle', index, claim)
        if applied:
            self.state.advance(counters)
        else:
            self.state.release(self.rollout_steps)
        ray.kill(self.workers.pop(index))   # in case it is only unreachable
        self.deaths[index] += 1
        reason = '; '.join(line.strip() for line in str(error).splitlines() if line.strip())
        if error.actor_init_failed:
            raise TrainingError(f'worker {index}: its actor failed to start: '
                                f'{_last_line(error)}')
        if self.deaths[index] >= MAX_DEATHS_IN_A_ROW:
            raise TrainingError(f'worker {index}: its actor died {self.deaths[index]} times in '
                                f'a row without finishing a step (last: {reason})')
        lost = 'its update was applied' if applied else \
            f'its rollout of {self.rollout_steps} env steps is lost'
        logger.warning('worker %d died (%s): %s; restarting it', index, reason, lost)
        self.restarts += 1
        self._start(index)

    def _retire(self, index):
        actor = self.workers.get(index)
        if actor is None:
            return
        try:
            self.sup.summaries[index] = ray.get(actor.summary.remote())
        except ray.exceptions.RayActorError:
            logger.warning('worker %d died after its last step: no summary of it', index)

    # -- the learner

    def _call_learner(self, method, *args):
        """ray.get of a learner method; its death is the run's end.

        Raises:
            TrainingError: the learner actor died.
        """
        try:
            return ray.get(getattr(self.learner, method).remote(*args))
        except ray.exceptions.RayActorError as e:
            raise TrainingError(f'the learner actor died ({_first_line(e)}); stopped, '
                                f'{snapshot_note(self.sup.outdir)}') from None

    def _save_snapshots(self):
        """Save the learner's states at the snapshot intervals reached so far."""
        for counters, state in self._call_learner('take_snapshots'):
            import_state(self.sup.agent, state)
            self.sup.save_periodic(counters)
        self.next_save = self._next_save(self.state.counters().updates)

    def _next_save(self, updates):
        interval = self.cfg.train.n_save_interval
        return (updates // interval + 1) * interval if interval else float('inf')


def _describe_task_error(index, error):
    """'worker <i>: <error>' for a RayTaskError, or 'the learner: <error>' when the worker's call
    to the learner raised it: the original exception, unwrapped from the actor calls."""
    who, cause = f'worker {index}', error
    while isinstance(cause, ray.exceptions.RayTaskError) and cause.cause is not None:
        if cause.function_name.startswith('Learner.'):
            who = 'the learner'
        cause = cause.cause
    return f'{who}: {describe_error(cause)}'


def _first_line(error):
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _last_line(error):
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def _token():
    """A short random suffix: actor names stay unique across restarts and runs."""
    return os.urandom(4).hex()
