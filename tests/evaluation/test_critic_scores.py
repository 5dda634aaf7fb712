"""scripts/critic_scores.py: a conditional critic's scores of painters' drawings."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / 'trained_models' / 'mnist_conditional' / '200000'
PRESET = REPO / 'trained_models' / 'mnist_conditional_l2' / '512800'


def test_the_critic_ranks_targets_drawings_and_blanks(load_script, shared_data):
    figures = load_script('critic_scores').critic_scores(SHIPPED, [SHIPPED, PRESET], n=20)
    assert list(figures) == ['own painter', str(SHIPPED), str(PRESET), 'targets', 'blank']
    own, same = figures['own painter'], figures[str(SHIPPED)]
    # its own painter again, the same sampling seed: the same drawings and scores
    assert same == {**own, 'above_own_share': 0.0}
    other = figures[str(PRESET)]
    assert other['score_mean'] != own['score_mean'] and 0 < other['above_own_share'] < 1
    assert figures['targets']['l2_gain'] == 1 and figures['blank']['l2_gain'] == 0
    assert (figures['targets']['score_mean'] > own['score_mean']
            > figures['blank']['score_mean'])


def test_a_painter_of_another_problem_is_one_line(tmp_path, shared_data):
    kmnist = REPO / 'trained_models' / 'kmnist_conditional'
    snapshot = max((p for p in kmnist.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    out = subprocess.run([sys.executable, str(REPO / 'scripts' / 'critic_scores.py'),
                          str(SHIPPED), str(snapshot), '--n', '4'],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1].endswith(
        f'{snapshot}: expected a conditional painter of mnist, got a kmnist painter')


@pytest.mark.parametrize('args, message', [
    (['--n', '0'], '--n: expected a positive int, got 0'),
    ([], ': expected a snapshot directory with counters.json'),
])
def test_bad_arguments_are_one_line(tmp_path, args, message):
    critic = str(SHIPPED) if args else str(tmp_path)
    out = subprocess.run([sys.executable, str(REPO / 'scripts' / 'critic_scores.py'), critic]
                         + args, capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and message in out.stderr.strip().splitlines()[-1]
