"""The painting workers: a bounded pool of threads off the event loop, and a bounded queue.

A painting admitted (``acquire``) holds one of ``queue`` places until it ends (``release``); one
more is answered 429. Its steps go to the pool one job at a time (``run``), so the pool's FIFO interleaves the
paintings in progress step by step: each one's first stroke comes after at most one step of each
of the others, not after their whole drawings.
"""
import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from chainer_spiral.serve.errors import RequestError


class Workers:
    """Args:
        workers: threads that paint.
        queue: paintings in progress at once (admitted, stepping or waiting for a thread).
    """

    def __init__(self, workers, queue):
        assert workers >= 1 and queue >= 1, (workers, queue)
        self.queue = queue
        self.active = 0  # touched from the event loop only
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix='painter')

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

    async def run(self, fn, *args):
        """``fn(*args)`` on a worker thread, awaited."""
        return await asyncio.get_running_loop().run_in_executor(
            self.pool, functools.partial(fn, *args))

    def close(self):
        self.pool.shutdown(wait=False, cancel_futures=True)
