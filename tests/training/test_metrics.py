"""MetricsWriter: scores.txt, metrics.csv and TensorBoard events from the same records."""
import csv

from chainer_spiral.training.metrics import MetricsWriter
from training_helpers import read_events


def read_table(path, delimiter):
    with open(path, newline='') as f:
        return list(csv.reader(f, delimiter=delimiter))


RECORDS = [
    {'steps': 200, 'episodes': 20, 'updates': 1, 'time/sps': 50.0, 'train/d_loss': -0.5},
    {'steps': 400, 'episodes': 40, 'updates': 2, 'time/sps': 60.0, 'train/d_loss': float('nan')},
]
SCORES = {'time/elapsed': 9.5, 'train/R': -1.0, 'train/R_median': -2.0, 'train/R_std': 0.5,
          'train/R_max': 3.0, 'train/R_min': -4.0}


def test_the_same_rows_go_to_scores_csv_and_tensorboard(tmp_path):
    writer = MetricsWriter(tmp_path)
    for record in RECORDS:
        writer.write(dict(record))
    writer.close()
    header = ['steps', 'episodes', 'updates', 'time/sps', 'train/d_loss']
    assert read_table(tmp_path / 'metrics.csv', ',') == [
        header, ['200', '20', '1', '50.0', '-0.5'], ['400', '40', '2', '60.0', 'nan']]
    scores = read_table(tmp_path / 'scores.txt', '\t')
    assert scores[0] == ['steps', 'episodes', 'elapsed', 'mean', 'median', 'stdev', 'max', 'min',
                         'time/sps', 'train/d_loss', 'updates']
    assert scores[1] == ['200', '20', '', '', '', '', '', '', '50.0', '-0.5', '1']
    events = read_events(tmp_path / 'tb')
    assert ('train/d_loss', 200, -0.5) in events
    assert ('time/sps', 400, 60.0) in events
    assert ('episodes', 400, 40.0) in events
    assert not any(tag == 'steps' for tag, _, _ in events)        # it is the x axis
    assert not any(tag == 'train/d_loss' and step == 400 for tag, step, _ in events)  # nan


def test_a_resumed_run_appends_under_the_existing_header(tmp_path):
    writer = MetricsWriter(tmp_path, tensorboard=False)
    writer.write(dict(RECORDS[0]))
    writer.close()
    writer = MetricsWriter(tmp_path, tensorboard=False)
    writer.write({'steps': 600, 'episodes': 60, 'updates': 3, 'time/sps': 70.0,
                  'train/new': 1.0})                 # a column the header lacks: dropped
    writer.close()
    rows = read_table(tmp_path / 'metrics.csv', ',')
    assert rows[0] == ['steps', 'episodes', 'updates', 'time/sps', 'train/d_loss']
    assert rows[1:] == [['200', '20', '1', '50.0', '-0.5'], ['600', '60', '3', '70.0', '']]


def test_scores_txt_has_chainerrls_columns_first(tmp_path):
    """steps, episodes, elapsed, mean, median, stdev, max, min (of the drawings' raw scores),
    then the other figures; metrics.csv keeps every figure under its own name."""
    writer = MetricsWriter(tmp_path, tensorboard=False)
    writer.write({**RECORDS[0], **SCORES})
    writer.close()
    header, row = read_table(tmp_path / 'scores.txt', '\t')
    assert header == ['steps', 'episodes', 'elapsed', 'mean', 'median', 'stdev', 'max', 'min',
                      'time/sps', 'train/d_loss', 'updates']
    assert row == ['200', '20', '9.5', '-1.0', '-2.0', '0.5', '3.0', '-4.0', '50.0', '-0.5', '1']
    header, row = read_table(tmp_path / 'metrics.csv', ',')
    assert dict(zip(header, row))['train/R_median'] == '-2.0' and 'mean' not in header
