"""TrainingError: the one-line fault that stops a run, and what it says of the last snapshot."""
from chainer_spiral.runs.snapshots import list_snapshots


class TrainingError(RuntimeError):
    """Training stopped because of a fault (one-line message); the last snapshot is intact."""


def snapshot_note(outdir):
    """'the last snapshot, OUTDIR/N, is intact' (or 'no snapshot'), for a fault's message."""
    previous = list_snapshots(outdir)
    return f'the last snapshot, {previous[-1]}, is intact' if previous else 'no snapshot'
