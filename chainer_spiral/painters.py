"""The shipped painters: a name for each folder of ``trained_models/``.

Wherever a command takes a snapshot (``demo.py MODE SNAPSHOT``, ``demo.py reconstruct``,
``train.py --load/--init``), a shipped painter's name does as well: ``demo.py movie mnist7
out.mp4``. A painter is a folder with a ``MODEL_CARD.md``, the run's ``config.yaml`` and one
snapshot directory (named by its env steps). The folder searched is ``$CHAINER_SPIRAL_MODELS``
when set, else ``trained_models/`` of the repository this package sits in.
"""
import json
import os
from dataclasses import dataclass
from pathlib import Path

MODELS_ENV = 'CHAINER_SPIRAL_MODELS'
CARD_FILE = 'MODEL_CARD.md'
CONFIG_FILE = 'config.yaml'
METRICS_FILE = 'metrics.json'


class PainterError(ValueError):
    """A name that is neither a path nor a shipped painter (one line, listing the known ones)."""


@dataclass(frozen=True)
class Painter:
    """One shipped painter.

    Attributes:
        name: The folder's name, e.g. ``mnist7``.
        folder: The painter's folder (card, config, pictures).
        snapshot: Its snapshot directory (generator.npz, discriminator.npz, counters.json).
    """
    name: str
    folder: Path
    snapshot: Path

    def metrics(self):
        """The snapshot's ``metrics.json`` (evaluate.py's figures), or {} when it has none."""
        path = self.snapshot / METRICS_FILE
        return json.loads(path.read_text()) if path.is_file() else {}

    def headline(self):
        """The card's headline figures of sampled drawings, as short ``label: value`` strings."""
        sampled = self.metrics().get('sampled', {})
        quality = sampled.get('quality') or {}
        share = sampled.get('classifier', {}).get('painter_class_share')
        figures = []
        if 'l2_gain' in sampled:
            figures.append(f'L2 gain {sampled["l2_gain"]:.3f}')
        if sampled.get('target_class_share') is not None:
            figures.append(f'{100 * sampled["target_class_share"]:.1f}% read as the target')
        if share is not None:
            figures.append(f'{100 * share:.1f}% read as its class')
        if 'fd_normalised' in quality:
            figures.append(f'normalised Frechet distance {quality["fd_normalised"]:.3f}')
        if 'class_entropy' in quality and share is None:
            figures.append(f'class entropy {quality["class_entropy"]:.2f} nats')
        return figures


def models_dir():
    """The folder of shipped painters: ``$CHAINER_SPIRAL_MODELS``, else the repository's."""
    env = os.environ.get(MODELS_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / 'trained_models'


def painters():
    """Every shipped painter, by name (sorted)."""
    root = models_dir()
    if not root.is_dir():
        return {}
    found = {}
    for folder in sorted(root.iterdir()):
        if not (folder / CARD_FILE).is_file() or not (folder / CONFIG_FILE).is_file():
            continue
        snapshots = sorted((p for p in folder.iterdir() if p.is_dir() and p.name.isdigit()),
                           key=lambda p: int(p.name))
        if snapshots:
            found[folder.name] = Painter(folder.name, folder, snapshots[-1])
    return found


def painter(name):
    """The shipped painter called ``name``.

    Raises:
        PainterError: no such painter (the message lists the known names).
    """
    known = painters()
    if name not in known:
        raise PainterError(f'{name}: expected a shipped painter\'s name '
                           f'({_listing(known)}), got an unknown name')
    return known[name]


def resolve_snapshot(name_or_path):
    """A snapshot or run directory given as a path or as a shipped painter's name.

    An existing path is returned unchanged (so a folder ``mnist7`` in the working directory
    wins over the painter of that name); a bare name (no path separator) is looked up among the
    shipped painters and gives its snapshot directory.

    Raises:
        PainterError: neither an existing path nor a shipped painter's name.
    """
    path = Path(name_or_path)
    if path.exists():
        return path
    if len(path.parts) == 1:
        try:
            return painter(str(name_or_path)).snapshot
        except PainterError:
            pass
    raise PainterError(f'{name_or_path}: expected a snapshot directory, a run directory or a '
                       f'shipped painter\'s name ({_listing(painters())}), got none of them')


def _listing(known):
    return ', '.join(known) if known else f'none in {models_dir()}'
