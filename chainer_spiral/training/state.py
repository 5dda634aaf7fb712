"""SharedState: the global counters and the update gate shared by the worker processes.

Every field is a `multiprocessing.RawValue` guarded by one lock, so the counters move together:
a worker adds its env steps, episodes and one update in a single critical section, after its
update has been applied. A snapshot therefore always sees counters that match the parameters.

The gate lets the supervisor stop the world for a snapshot without serialising the updates: a
worker must `begin_update` (refused while a snapshot is pending) before it writes to the shared
parameters and optimizer states, and `end_update` afterwards; the worker whose update completes a
multiple of `save_interval` raises the `pause` flag under the lock, so no update starts after it
until the supervisor has waited for `active == 0`, saved, and called `resume`.
"""
import time

from chainer_spiral.runs.snapshots import Counters


class SharedState:
    """Counters, claims and the update gate, in shared memory (create before forking).

    Args:
        ctx: a multiprocessing context.
        start: Counters to resume from.
        total_steps: env steps to train for; workers stop claiming work at this count.
        save_interval: updates between snapshots (0: no periodic snapshot).
    """

    def __init__(self, ctx, start, total_steps, save_interval):
        self.lock = ctx.Lock()
        self._steps = ctx.RawValue('q', start.steps)
        self._updates = ctx.RawValue('q', start.updates)
        self._episodes = ctx.RawValue('q', start.episodes)
        # Env steps handed out to rollouts, so that all workers together stop at total_steps.
        self._claimed = ctx.RawValue('q', start.steps)
        self._active = ctx.RawValue('i', 0)
        self._pause = ctx.RawValue('b', 0)
        self._stop = ctx.RawValue('b', 0)
        self.total_steps = total_steps
        self.save_interval = save_interval

    def counters(self):
        """Counters now (consistent: read under the lock)."""
        with self.lock:
            return self._read()

    def _read(self):
        return Counters(self._steps.value, self._updates.value, self._episodes.value)

    @property
    def steps(self):
        """Env steps now (a lock-free read, for progress display)."""
        return self._steps.value

    def claim(self, steps):
        """Reserve `steps` env steps for the next rollout; False once training is over."""
        with self.lock:
            if self._stop.value or self._claimed.value >= self.total_steps:
                return False
            self._claimed.value += steps
            return True

    def release(self, steps):
        """Give back claimed env steps that no update will count (the Ray backend: a rollout
        lost with its worker, or a gradient the learner dropped as too old)."""
        with self.lock:
            self._claimed.value -= steps

    def advance(self, counters):
        """Move the counters to `counters` when they are ahead (the Ray backend: the learner
        counts the updates it applies; its replies may reach the driver out of order)."""
        with self.lock:
            if counters.updates > self._updates.value:
                self._steps.value = counters.steps
                self._updates.value = counters.updates
                self._episodes.value = counters.episodes

    def begin_update(self, poll=0.005):
        """Wait until no snapshot is pending, then enter the update section.

        Returns:
            The number of updates so far (the Adam step count to use), or None when stopping.
        """
        while True:
            with self.lock:
                if self._stop.value:
                    return None
                if not self._pause.value:
                    self._active.value += 1
                    return self._updates.value
            time.sleep(poll)

    def end_update(self, steps, episodes):
        """Leave the update section and count a completed update.

        Returns:
            Counters after this update.
        """
        with self.lock:
            self._active.value -= 1
            self._steps.value += steps
            self._updates.value += 1
            self._episodes.value += episodes
            if self.save_interval and self._updates.value % self.save_interval == 0:
                self._pause.value = 1
            return self._read()

    def abort_update(self):
        """Leave the update section after a failed update (nothing is counted)."""
        with self.lock:
            self._active.value -= 1

    @property
    def snapshot_pending(self):
        return bool(self._pause.value)

    @property
    def quiescent(self):
        """No update is in progress (lock-free read: a dead worker may hold the lock)."""
        return self._active.value == 0

    def resume(self):
        """Clear the snapshot flag; updates may start again."""
        with self.lock:
            self._pause.value = 0

    def request_stop(self):
        """Workers finish their current update and exit."""
        self._stop.value = 1

    @property
    def stopping(self):
        return bool(self._stop.value)
