"""MetricsWriter: one record -> a row of scores.txt and metrics.csv, and TensorBoard scalars.

A record is a flat dict ``{name: number}`` with the counters (``steps``, ``episodes``,
``updates``), the trainer's ``time/...`` figures and the agent's statistics (``train/...``).
scores.txt starts with ChainerRL's columns (steps, episodes, elapsed, then mean, median, stdev,
max, min of the scores, here the raw reward-mode scores of the update's B drawings:
``train/R`` ... ``train/R_min``), then the other figures; metrics.csv has the counters, then
every figure under its own name.
Quality records (the evaluations of snapshots during training) go to quality.csv and to
TensorBoard under ``quality/``; the steps of a population (agents/population.py), to
population.csv and ``population/``.
The columns are fixed by the first row a file gets; a resumed run appends to the existing files
with their columns.
"""
import csv
import math
from logging import getLogger
from pathlib import Path

logger = getLogger(__name__)

COUNTER_COLUMNS = ('steps', 'episodes', 'updates')
# scores.txt's first columns (chainerrl.experiments' scores.txt) and the figures they are.
CHAINERRL_COLUMNS = {'steps': 'steps', 'episodes': 'episodes', 'elapsed': 'time/elapsed',
                     'mean': 'train/R', 'median': 'train/R_median', 'stdev': 'train/R_std',
                     'max': 'train/R_max', 'min': 'train/R_min'}


class MetricsWriter:
    """Writes records to ``OUTDIR/scores.txt``, ``OUTDIR/metrics.csv`` and ``OUTDIR/tb/``.

    Args:
        outdir: the run directory.
        tensorboard: write TensorBoard event files (tensorboardX) too.
    """

    def __init__(self, outdir, tensorboard=True):
        outdir = Path(outdir)
        self._scores = _Table(outdir / 'scores.txt', '\t', tuple(CHAINERRL_COLUMNS))
        self._metrics = _Table(outdir / 'metrics.csv', ',')
        self._quality = _Table(outdir / 'quality.csv', ',')
        self._population = _Table(outdir / 'population.csv', ',')
        self._tb = None
        if tensorboard:
            from tensorboardX import SummaryWriter
            self._tb = SummaryWriter(str(outdir / 'tb'))

    def write(self, record):
        """Append one record (a dict with at least `steps`) everywhere."""
        row = {name: record.get(figure, '') for name, figure in CHAINERRL_COLUMNS.items()}
        row.update((k, v) for k, v in record.items() if k not in CHAINERRL_COLUMNS.values())
        self._scores.write(row)
        self._metrics.write(record)
        self._scalars(record)

    def write_quality(self, record):
        """Append one quality record (`steps`, `updates`, `time/elapsed` and the figures of
        evaluation.summary) to quality.csv and TensorBoard (``quality/<name>``)."""
        self._quality.write(record)
        self._scalars({k if k in COUNTER_COLUMNS or '/' in k else f'quality/{k}': v
                       for k, v in record.items() if k not in ('updates', 'time/elapsed')})

    def write_population(self, record):
        """Append one step of a population (the counters, loser, winner, each member's
        fitness_m, lr_m and beta_m) to population.csv and TensorBoard (``population/<name>``)."""
        self._population.write(record)
        self._scalars(dict(steps=record['steps'], **{f'population/{k}': v for k, v in
                                                     record.items() if k not in COUNTER_COLUMNS}))

    def _scalars(self, record):
        if self._tb is not None:
            for name, value in record.items():
                if name != 'steps' and _is_number(value):
                    self._tb.add_scalar(name, value, global_step=int(record['steps']))
            self._tb.flush()

    def close(self):
        for table in (self._scores, self._metrics, self._quality, self._population):
            table.close()
        if self._tb is not None:
            self._tb.close()
            self._tb = None


class _Table:
    """A delimited text file whose header is fixed by its first row: the `leading` columns,
    then the row's other keys in sorted order."""

    def __init__(self, path, delimiter, leading=COUNTER_COLUMNS):
        self.path = path
        self.delimiter = delimiter
        self.leading = leading
        self.columns = _existing_header(path, delimiter)
        self._file = None
        self._dropped = set()

    def write(self, record):
        if self._file is None:
            new = self.columns is None
            if new:
                self.columns = list(self.leading) + sorted(
                    k for k in record if k not in self.leading)
            self._file = open(self.path, 'a', newline='')
            self._writer = csv.writer(self._file, delimiter=self.delimiter, lineterminator='\n')
            if new:
                self._writer.writerow(self.columns)
        extra = set(record) - set(self.columns) - self._dropped
        if extra:
            logger.warning('%s: columns fixed by its header; not recording %s', self.path.name,
                           ', '.join(sorted(extra)))
            self._dropped |= extra
        self._writer.writerow([_format(record.get(c, '')) for c in self.columns])
        self._file.flush()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None


def _existing_header(path, delimiter):
    if not path.is_file() or path.stat().st_size == 0:
        return None
    with open(path, newline='') as f:
        return next(csv.reader(f, delimiter=delimiter))


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _format(value):
    if isinstance(value, float):
        return repr(value)
    return str(value)
