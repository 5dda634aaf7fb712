"""``json`` mode: the drawings as programs, one JSON file (the format of chainer_spiral.program.json)."""
import json
from logging import getLogger
from pathlib import Path

from chainer_spiral.program.json import to_doc

logger = getLogger(__name__)


def default_n(conditional):
    return 100


def render(episodes, out):
    """Writes the programs of ``episodes`` as one JSON file."""
    Path(out).write_text(json.dumps(to_doc(episodes.programs)))
    logger.info('wrote %s', out)
