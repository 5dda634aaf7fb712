"""Snapshots: ``OUTDIR/<global env step>/`` with the agent's files and ``counters.json``.

A snapshot holds what `SPIRAL.save` writes (generator, discriminator and both optimizers, through
ChainerRL's AttributeSavingMixin) plus ``counters.json`` (env steps, updates, episodes, training
time). It is written into a hidden temporary directory beside its final place, every file and the
directory are fsync'ed, and only then is it renamed into place: a crash or an error mid-write never
leaves a partial snapshot under a numeric name.

``manifest.json``, written last, records every other file's size and sha256; loading checks them
and names the damaged file (snapshots written before manifests existed load unchecked).
`resolve_load` turns ``--load RUN_DIR`` into the run's newest snapshot that verifies;
`init_from_snapshot` reads only the networks (``--init``: fine-tuning another run's painter).
"""
import hashlib
import json
import os
import shutil
import zipfile
from logging import getLogger
from pathlib import Path

import chainer

from chainer_spiral.training.state import Counters

logger = getLogger(__name__)

COUNTERS_FILE = 'counters.json'
MANIFEST_FILE = 'manifest.json'
TMP_PREFIX = '.tmp-snapshot-'


class SnapshotError(ValueError):
    """A snapshot directory is missing or incomplete (one-line message)."""


def save_snapshot(agent, outdir, counters, elapsed):
    """Atomically write the agent and the counters to ``outdir/<counters.steps>``.

    Args:
        agent: the SPIRAL agent (its shared parameters and optimizer states).
        outdir: the run directory.
        counters: Counters matching the agent's state.
        elapsed: training time so far in seconds (carried over by a resumed run).

    Returns:
        Path of the snapshot (unchanged when a snapshot of that step already exists).
    """
    outdir = Path(outdir)
    final = outdir / str(counters.steps)
    if final.exists():
        logger.info('snapshot %s already exists', final)
        return final
    tmp = outdir / f'{TMP_PREFIX}{counters.steps}-{os.getpid()}'
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        set_optimizer_steps(agent, counters.updates)
        agent.save(str(tmp))
        info = dict(counters.as_dict(), elapsed=float(elapsed))
        (tmp / COUNTERS_FILE).write_text(json.dumps(info, indent=2) + '\n')
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest(tmp), indent=2) + '\n')
        _fsync_tree(tmp)
        os.rename(tmp, final)
        _fsync_dir(outdir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info('saved snapshot %s', final)
    return final


def load_snapshot(agent, snapshot_dir):
    """Load a snapshot into `agent` (before its parameters are shared).

    Returns:
        (Counters, elapsed seconds).

    Raises:
        SnapshotError: the directory is not a complete snapshot.
    """
    info = _read_into(agent.load, snapshot_dir)
    counters = Counters(info['steps'], info['updates'], info['episodes'])
    set_optimizer_steps(agent, counters.updates)
    return counters, info['elapsed']


def init_from_snapshot(agent, snapshot_dir):
    """Load a snapshot's generator and discriminator into `agent`, not its counters or optimizer
    states: a new run that fine-tunes another run's painter (``train.py --init``).

    Raises:
        SnapshotError: the directory is not a complete snapshot of this config's networks.
    """
    _read_into(agent.load_networks, snapshot_dir)


def _read_into(load, snapshot_dir):
    """Check `snapshot_dir`, call ``load(snapshot_dir)``; returns its counters.json."""
    snapshot_dir = Path(snapshot_dir)
    counters_path = snapshot_dir / COUNTERS_FILE
    if not snapshot_dir.is_dir():
        raise SnapshotError(f'{snapshot_dir}: expected a snapshot directory, got no directory')
    if not counters_path.is_file():
        raise SnapshotError(f'{snapshot_dir}: expected a snapshot directory with {COUNTERS_FILE},'
                            ' got none')
    verify_snapshot(snapshot_dir)
    info = read_counters(counters_path)
    try:
        load(str(snapshot_dir))
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SnapshotError(f'{snapshot_dir}: expected a snapshot of this config\'s agent, got '
                            f'one that does not load into it ({type(e).__name__}: {first})'
                            ) from None
    return info


def manifest(snapshot_dir):
    """{file name: {'size': bytes, 'sha256': hex}} of the files of a snapshot directory."""
    out = {}
    for path in sorted(Path(snapshot_dir).iterdir()):
        if path.is_file() and path.name != MANIFEST_FILE:
            out[path.name] = {'size': path.stat().st_size, 'sha256': _sha256(path)}
    return out


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def verify_snapshot(snapshot_dir):
    """Check a snapshot's files against its manifest (none: nothing to check).

    Raises:
        SnapshotError: naming the first missing or damaged file.
    """
    path = Path(snapshot_dir) / MANIFEST_FILE
    if not path.is_file():
        return
    try:
        expected = json.loads(path.read_text())
        entries = [(name, int(e['size']), str(e['sha256'])) for name, e in expected.items()]
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:
        raise SnapshotError(f'{path}: damaged manifest ({type(e).__name__})') from None
    for name, size, sha in entries:
        file = Path(snapshot_dir) / name
        if not file.is_file():
            raise SnapshotError(f'{file}: missing from the snapshot (its manifest lists it)')
        got = file.stat().st_size
        if got != size:
            raise SnapshotError(f'{file}: damaged: expected {size} bytes, got {got}')
        if _sha256(file) != sha:
            raise SnapshotError(f'{file}: damaged: its sha256 differs from the manifest\'s')


def resolve_load(path):
    """The snapshot ``--load PATH`` means.

    A snapshot directory (it has counters.json) must verify; a run directory gives its newest
    snapshot that verifies, logging the damaged newer ones it skips.

    Raises:
        SnapshotError: a damaged snapshot (naming the run's newest good one, if any), or a run
            directory without a good snapshot.
    """
    path = Path(path)
    if (path / COUNTERS_FILE).is_file():
        try:
            verify_snapshot(path)
        except SnapshotError as e:
            good = _newest_good(path.parent)
            hint = f'; the newest good snapshot of the run is {good}' if good else ''
            raise SnapshotError(f'{e}{hint}') from None
        return path
    snapshots = list_snapshots(path)
    if not snapshots:
        raise SnapshotError(f'{path}: expected a snapshot directory (with {COUNTERS_FILE}) or a '
                            f'run directory with snapshots, got neither')
    good = _newest_good(path)
    if good is None:
        raise SnapshotError(f'{path}: every snapshot of the run is damaged')
    return good


def _newest_good(run_dir):
    for snapshot in reversed(list_snapshots(run_dir)):
        try:
            verify_snapshot(snapshot)
            return snapshot
        except SnapshotError as e:
            logger.warning('skipping %s: %s', snapshot, e)
    return None


def read_counters(path):
    """The dict in a ``counters.json``, checked."""
    try:
        info = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise SnapshotError(f'{path}: unreadable counters file ({e})') from None
    keys = ('steps', 'updates', 'episodes', 'elapsed')
    if not isinstance(info, dict) or any(k not in info for k in keys):
        raise SnapshotError(f'{path}: expected the keys {", ".join(keys)}, got {info!r}')
    return info


def list_snapshots(outdir):
    """Snapshot directories of a run, sorted by env step (temporary directories excluded)."""
    outdir = Path(outdir)
    if not outdir.is_dir():
        return []
    found = [p for p in outdir.iterdir()
             if p.is_dir() and p.name.isdigit() and (p / COUNTERS_FILE).is_file()]
    return sorted(found, key=lambda p: int(p.name))


def latest_snapshot(outdir):
    """The snapshot with the most env steps, or None."""
    found = list_snapshots(outdir)
    return found[-1] if found else None


def remove_stale_tmp(outdir):
    """Delete temporary snapshot directories left by a killed run."""
    for p in Path(outdir).glob(TMP_PREFIX + '*'):
        logger.info('removing incomplete snapshot %s', p)
        shutil.rmtree(p, ignore_errors=True)


def optimizers_of(agent):
    """The chainer optimizers among the agent's shared attributes, by attribute name."""
    return {name: getattr(agent, name) for name in agent.shared_attributes
            if isinstance(getattr(agent, name), chainer.Optimizer)}


def set_optimizer_steps(agent, t):
    """Set the step count `t` of every optimizer and of each parameter's update rule.

    Adam's bias correction reads the update rule's `t`, which every process counts on its own;
    the workers share the moment estimates, so the shared update count is the step count that
    matches them (it is also what a snapshot stores, so a resumed run continues with it).
    """
    for optimizer in optimizers_of(agent).values():
        optimizer.t = t
        for param in optimizer.target.params():
            if param.update_rule is not None:
                param.update_rule.t = t


def _fsync_tree(root):
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            with open(os.path.join(dirpath, name), 'rb') as f:
                os.fsync(f.fileno())
        _fsync_dir(dirpath)


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
