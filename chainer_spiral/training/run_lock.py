"""RunLock: one training run per OUTDIR.

A run holds ``OUTDIR/train.lock`` (an exclusive `flock`) from its start to its end; the file
names it: pid, host, command line and start time. A second run into the same OUTDIR finds the
lock held and stops at once, before it writes anything, naming the first. The lock is released
when the run ends (normally, on a fault, on Ctrl-C or SIGTERM), and the kernel releases it when
the process dies (SIGKILL, a crash): the next run into that OUTDIR takes the stale lock over,
and everything the dead run wrote stays (its snapshots: ``--load OUTDIR`` resumes it).
"""
import errno
import fcntl
import json
import os
import socket
import time
from logging import getLogger
from pathlib import Path

from chainer_spiral.training.errors import TrainingError

logger = getLogger(__name__)

LOCK_FILE = 'train.lock'


class RunLock:
    """The lock of a run directory, as a context manager (`acquire` on entry, `release` on exit).

    Args:
        outdir: the run directory (created if missing).
        argv: the command line of this run, recorded in the lock file.
    """

    def __init__(self, outdir, argv):
        self.outdir = Path(outdir)
        self.path = self.outdir / LOCK_FILE
        self.argv = [str(a) for a in argv]
        self.fd = None

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()

    def acquire(self):
        """Create OUTDIR if needed and take its lock.

        Raises:
            TrainingError: OUTDIR is a file or cannot be created, or another live run holds
                its lock (the message names it).
        """
        if self.outdir.exists() and not self.outdir.is_dir():
            raise TrainingError(f'{self.outdir}: expected a run directory, got a file')
        try:
            self.outdir.mkdir(parents=True, exist_ok=True)
            while self.fd is None:
                self.fd = self._lock_file()
        except OSError as e:
            raise TrainingError(f'{self.outdir}: cannot create the run directory\'s lock '
                                f'({e.strerror or e})') from None
        previous = _read(self.fd)
        if previous:
            logger.warning('%s: taking over the lock of a run that is no longer running (%s)',
                           self.path, describe(previous))
        record = {'pid': os.getpid(), 'host': socket.gethostname(), 'command': self.argv,
                  'started': time.strftime('%Y-%m-%d %H:%M:%S')}
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, (json.dumps(record) + '\n').encode(), 0)
        os.fsync(self.fd)

    def _lock_file(self):
        """The locked file descriptor of the lock file, or None when the file was replaced
        while we waited for it (try again).

        Raises:
            TrainingError: another process holds the lock.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = _read(fd)
            os.close(fd)
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            raise TrainingError(f'{self.outdir}: expected no other run training into it, got '
                                f'{describe(holder)} (stop it, or train into another OUTDIR)'
                                ) from None
        # The holder removes the file before it unlocks: a lock taken on a removed file is void.
        try:
            same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
        return None

    def release(self):
        """Remove the lock file and unlock (idempotent)."""
        if self.fd is None:
            return
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None


def _read(fd):
    """The lock record in the open lock file (a dict; {} when empty or unreadable)."""
    try:
        record = json.loads(os.pread(fd, 1 << 16, 0).decode() or '{}')
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def describe(record):
    """'pid 123 on host h, since 2026-12-07 10:00:00: train.py configs/x.yaml runs/x'."""
    if not record:
        return 'a run that did not say which'
    command = ' '.join(record.get('command') or ['?'])
    return (f'pid {record.get("pid", "?")} on host {record.get("host", "?")}, since '
            f'{record.get("started", "?")}: {command}')
