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


def test_the_same_rows_go_to_scores_csv_and_tensorboard(tmp_path):
    writer = MetricsWriter(tmp_path)
    for record in RECORDS:
        writer.write(dict(record))
    writer.close()
    header = ['steps', 'episodes', 'updates', 'time/sps', 'train/d_loss']
    assert read_table(tmp_path / 'scores.txt', '\t') == [
        header, ['200', '20', '1', '50.0', '-0.5'], ['400', '40', '2', '60.0', 'nan']]
    assert read_table(tmp_path / 'metrics.csv', ',') == read_table(tmp_path / 'scores.txt', '\t')
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
