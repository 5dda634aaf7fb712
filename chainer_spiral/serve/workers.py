"""The painting workers: a bounded pool of threads off the event loop, and a bounded queue.

A painting admitted (``acquire``) holds one of ``queue`` places until it ends (``release``); one
more is answered 429. Its jobs (the first: the picture made a target; then one per step, or per
pass of a coarse-to-fine painting) go to the pool one at a time, least advanced painting first:
a job's priority is the number of steps its painting has acted (-1 before the first; T per pass
painted for a coarse-to-fine one), ties first come first served. So a new painting's first
stroke waits only for the jobs in progress and the other new paintings' first steps, not for the
paintings in progress to finish; those go on step by step, interleaved.
"""
import asyncio
import functools
import itertools
import queue
import threading
from concurrent.futures import Future

from chainer_spiral.serve.errors import RequestError

# Priorities: a painting's first job, and a download that takes a worker (an MP4, a PNG at a
# chosen size: after every painting's steps).
FIRST = -1
EXPORT = 1_000_000


class Workers:
    """Threads that run the paintings' jobs, and the places of the paintings in progress.

    Args:
        workers: threads that paint.
        queue_size: paintings in progress at once (admitted, stepping or waiting for a thread).
    """

    def __init__(self, workers, queue_size):
        assert workers >= 1 and queue_size >= 1, (workers, queue_size)
        self.queue = queue_size
        self.active = 0  # touched from the event loop only
        self._jobs = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads = [threading.Thread(target=self._work, name=f'painter-{i}', daemon=True)
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def acquire(self):
        """Takes a place in the queue, to ``release`` when the painting ends.

        Raises:
            RequestError: 429 when every place is taken.
        """
        if self.active >= self.queue:
            raise RequestError(429, f'busy: expected a free place among the {self.queue} '
                                    f'paintings in progress, got none; try again shortly')
        self.active += 1

    def release(self):
        assert self.active > 0
        self.active -= 1

    def submit(self, priority, fn, *args):
        """Queues ``fn(*args)``; returns its concurrent.futures.Future."""
        future = Future()
        self._jobs.put((priority, next(self._order), future, functools.partial(fn, *args)))
        return future

    async def run(self, priority, fn, *args):
        """``fn(*args)`` on a worker thread, awaited (cancelled, it is dropped if not begun)."""
        return await asyncio.wrap_future(self.submit(priority, fn, *args))

    def _work(self):
        while True:
            _, _, future, job = self._jobs.get()
            if job is None:
                return
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as e:  # handed to the awaiting request
                    future.set_exception(e)

    def close(self):
        """Stops the threads once the jobs queued before are done."""
        for _ in self._threads:
            self._jobs.put((float('inf'), next(self._order), None, None))
