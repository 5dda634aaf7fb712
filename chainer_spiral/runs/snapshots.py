"""Snapshots: ``OUTDIR/<global env step>/`` with the agent's files and ``counters.json``.

A snapshot holds what `SPIRAL.save` writes (generator, discriminator and both optimizers, through
ChainerRL's AttributeSavingMixin) plus ``counters.json`` (env steps, updates, episodes, training
time). It is written into a hidden temporary directory beside its final place, every file and the
directory are fsync'ed, and only then is it renamed into place: a crash or an error mid-write never
leaves a partial snapshot under a numeric name.

``manifest.json``, written last, records every other file's size and sha256; loading checks them
and names the damaged file (snapshots written before manifests existed load unchecked).
`resolve_load` turns ``--load RUN_DIR`` into the run's newest snapshot that verifies;
`init_from_snapshot` reads only the networks (``--init``: fine-tuning another run's painter, and
every demo or evaluation). `export_inference` writes a snapshot without the optimizer states: what
a shipped painter holds (a third of the bytes); it draws and starts new runs but cannot be resumed.
`save_warm_start` and `load_warm_start` keep a new run's warm start (behaviour cloning;
before its first env step) in ``OUTDIR/warm_start/<updates done>/``, written the same way.
"""
import dataclasses
import hashlib
import json
import os
import shutil
import zipfile
from logging import getLogger
from pathlib import Path

import chainer
import numpy as np

from chainer_spiral.agents.population import FILE_PREFIX as POPULATION_PREFIX
from chainer_spiral.models import refine

logger = getLogger(__name__)

COUNTERS_FILE = 'counters.json'
MANIFEST_FILE = 'manifest.json'
TMP_PREFIX = '.tmp-snapshot-'
WARM_START_DIR = 'warm_start'
WARM_START_FILE = 'warm_start.json'
NETWORK_FILES = ('generator.npz', 'discriminator.npz')
OPTIMIZER_FILES = ('gen_optimizer.npz', 'dis_optimizer.npz')


class SnapshotError(ValueError):
    """A snapshot directory is missing or incomplete (one-line message)."""


@dataclasses.dataclass
class Counters:
    """Global progress (all processes): what ``counters.json`` records beside the agent."""
    steps: int = 0
    updates: int = 0
    episodes: int = 0

    def as_dict(self):
        return dataclasses.asdict(self)


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
    final = Path(outdir) / str(counters.steps)
    if final.exists():
        logger.info('snapshot %s already exists', final)
        return final
    set_optimizer_steps(agent, counters.updates)
    info = dict(counters.as_dict(), elapsed=float(elapsed))
    return write_snapshot(agent, final, {COUNTERS_FILE: info})


def write_snapshot(agent, final, records):
    """Atomically write the agent (its parameters and optimizer states as they are) and JSON
    `records` ({file name: JSON-able value}) to the new directory `final`, with its manifest.

    Returns:
        `final`.
    """
    parent = final.parent
    tmp = parent / f'{TMP_PREFIX}{final.name}-{os.getpid()}'
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        agent.save(str(tmp))
        for name, value in records.items():
            (tmp / name).write_text(json.dumps(value, indent=2) + '\n')
        write_manifest(tmp)
        _fsync_tree(tmp)
        os.rename(tmp, final)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info('saved snapshot %s', final)
    return final


def save_warm_start(agent, outdir, state):
    """Atomically write a checkpoint of a new run's warm start (before its first env step) to
    ``outdir/warm_start/<state['done']>``: the agent as `write_snapshot` writes it (optimizer
    step counts as they are), zero counters and `state` (JSON-able, with the key 'done': the
    warm-start updates done) in warm_start.json; then delete the older checkpoints.

    Returns:
        Path of the checkpoint (unchanged when it exists).
    """
    parent = Path(outdir) / WARM_START_DIR
    final = parent / str(state['done'])
    if not final.exists():
        parent.mkdir(parents=True, exist_ok=True)
        initialise_optimizer_states(agent)
        write_snapshot(agent, final, {COUNTERS_FILE: dict(Counters().as_dict(), elapsed=0.0),
                                      WARM_START_FILE: state})
    for old in list_snapshots(parent)[:-1]:
        shutil.rmtree(old)
    return final


def load_warm_start(agent, outdir):
    """Load the newest warm-start checkpoint of ``outdir`` that verifies into `agent`.

    Returns:
        (Path of the checkpoint, its warm_start.json state), or None when there is none.

    Raises:
        SnapshotError: a checkpoint that does not load into the agent.
    """
    parent = Path(outdir) / WARM_START_DIR
    if not parent.is_dir():
        return None
    remove_stale_tmp(parent)
    good = _newest_good(parent)
    if good is None:
        return None
    _read_into(agent.load, good)
    try:
        state = json.loads((good / WARM_START_FILE).read_text())
    except (OSError, ValueError) as e:
        raise SnapshotError(f'{good / WARM_START_FILE}: unreadable warm-start state '
                            f'({type(e).__name__})') from None
    return good, state


def load_snapshot(agent, snapshot_dir):
    """Load a snapshot into `agent` (before its parameters are shared).

    Returns:
        (Counters, elapsed seconds).

    Raises:
        SnapshotError: the directory is not a complete snapshot.
    """
    present = {name for name in NETWORK_FILES + OPTIMIZER_FILES
               if (Path(snapshot_dir) / name).is_file()}
    missing = [name for name in OPTIMIZER_FILES if name not in present]
    if missing and present >= set(NETWORK_FILES):
        raise SnapshotError(f'{snapshot_dir}: expected a snapshot with optimizer states to resume, '
                            f'got an inference-only one (no {", ".join(missing)}); start a new '
                            f'run from its networks with --init')
    info = _read_into(agent.load, snapshot_dir)
    counters = Counters(info['steps'], info['updates'], info['episodes'])
    set_optimizer_steps(agent, counters.updates)
    return counters, info['elapsed']


def init_from_snapshot(agent, snapshot_dir):
    """Load a snapshot's generator and discriminator into `agent`, not its optimizer states: a
    new run that fine-tunes another run's painter (``train.py --init``), or a painter that draws.
    The networks of a painter on a canvas of half the side (its grid the same or half) are
    refined to this one's (models/refine.py: a 32 x 32, R 16 painter into a 64 x 64, R 32 run).

    Returns:
        The snapshot's Counters (a new run does not take them over).

    Raises:
        SnapshotError: the directory is not a complete snapshot of this config's networks, nor of
            the same networks on half the canvas.
    """
    try:
        info = _read_into(agent.load_networks, snapshot_dir)
    except SnapshotError as error:
        try:
            info = _read_into(lambda d: _load_refined(agent, d), snapshot_dir)
        except SnapshotError:
            raise error from None
        logger.info('%s: the networks of a painter on half the canvas, refined to this one '
                    '(models/refine.py)', snapshot_dir)
    return Counters(info['steps'], info['updates'], info['episodes'])


def _load_refined(agent, dirname):
    """Set the agent's networks refined from a snapshot of the same networks on half the canvas
    (models/refine.py); ValueError where they are not."""
    arrays = {}
    for name in ('generator', 'discriminator'):
        with np.load(os.path.join(dirname, name + '.npz')) as f:
            small = {k: f[k] for k in f.files}
        arrays[name] = refine.refined(small, getattr(agent, name), refine.FLAT_MAPS[name])
    agent.set_networks(arrays)


def export_inference(snapshot_dir, dest, half=False):
    """Write `snapshot_dir` without its optimizer states into the new directory `dest`.

    The networks, counters.json and any other record (metrics.json) are copied, not a
    population's other members; a fresh manifest covers them. With `half` the networks'
    float32 arrays are stored as float16 (half the bytes; a network loading them casts them
    back, each parameter within float16's rounding, 2^-11 of its size). Returns `dest`.

    Raises:
        SnapshotError: `snapshot_dir` does not verify, lacks a network, or `dest` exists.
    """
    snapshot_dir, dest = Path(snapshot_dir), Path(dest)
    verify_snapshot(snapshot_dir)
    for name in NETWORK_FILES + (COUNTERS_FILE,):
        if not (snapshot_dir / name).is_file():
            raise SnapshotError(f'{snapshot_dir}: expected {name} in the snapshot, got none')
    if dest.exists():
        raise SnapshotError(f'{dest}: expected a new directory, got an existing one')
    dest.mkdir(parents=True)
    for path in snapshot_dir.iterdir():
        if path.is_file() and path.name not in OPTIMIZER_FILES + (MANIFEST_FILE,) \
                and not path.name.startswith(POPULATION_PREFIX):
            shutil.copy2(path, dest / path.name)
    if half:
        for name in NETWORK_FILES:
            with np.load(snapshot_dir / name) as f:
                arrays = {k: f[k].astype(np.float16) if f[k].dtype == np.float32 else f[k]
                          for k in f.files}
            np.savez_compressed(dest / name, **arrays)
    write_manifest(dest)
    return dest


def write_manifest(snapshot_dir):
    """(Re)write a snapshot's manifest over the files it holds now (after a record such as
    metrics.json was written into an exported snapshot)."""
    path = Path(snapshot_dir) / MANIFEST_FILE
    path.write_text(json.dumps(manifest(snapshot_dir), indent=2) + '\n')


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
    if not snapshots and (path / WARM_START_DIR).is_dir():
        raise SnapshotError(f'{path}: expected a run with snapshots, got one whose warm start '
                            f'was interrupted (run it again without --load: it goes on from '
                            f'{path / WARM_START_DIR})')
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


def initialise_optimizer_states(agent):
    """Give each parameter's update rule that has not updated yet the state its first update
    would create (Adam: zero moments): chainer saves a rule without a state as nothing and
    cannot load it back (the discriminator's, after a warm start that trains the generator)."""
    for optimizer in optimizers_of(agent).values():
        for param in optimizer.target.params():
            if param.update_rule is not None and param.update_rule.state is None:
                param.update_rule._init_states(param)


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
