"""scripts/ablate.py on the toy problem: runs every arm and seed, tabulates, plots, resumes."""
import csv
import json
import subprocess
import sys

from training_helpers import REPO


def ablate(outdir, *extra):
    return subprocess.run(
        [sys.executable, str(REPO / 'scripts' / 'ablate.py'), 'configs/toy.yaml', str(outdir),
         '--steps', '160', '--seeds', '0', '1', '--arm', 'base',
         '--arm', 'std', 'agent.reward_standardisation=batch', '--set', 'agent.rollout_n=8',
         '--set', 'train.n_save_interval=5', '--set', 'train.processes=1', '--eval-n', '16',
         '--parallel', '2', *extra], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_arms_and_seeds_are_run_tabulated_and_plotted(tmp_path):
    out = ablate(tmp_path)
    assert out.returncode == 0, out.stderr
    runs = ['base-s0', 'base-s1', 'std-s0', 'std-s1']
    for run in runs:
        assert (tmp_path / run / '160' / 'counters.json').is_file()
    cfg = (tmp_path / 'std-s1' / 'config.yaml').read_text()
    assert 'reward_standardisation: batch' in cfg and 'seed: 1' in cfg
    assert 'reward_standardisation: none' in (tmp_path / 'base-s0' / 'config.yaml').read_text()
    with open(tmp_path / 'ablation.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    # a quality row for every snapshot (80 and 160 env steps) of every run
    assert sorted((r['arm'], r['seed'], r['steps']) for r in rows) == sorted(
        (arm, seed, steps) for arm in ('base', 'std') for seed in ('0', '1')
        for steps in ('80', '160'))
    table = (tmp_path / 'ablation.md').read_text()
    assert '| **base** | mean of 2 |' in table and '| std | 1 | 160 |' in table
    assert table in out.stdout
    for name in ('ablation_steps.png', 'ablation_time.png'):
        assert (tmp_path / name).stat().st_size > 1000
    # Run again: every run is finished, nothing is trained twice.
    logs = {run: (tmp_path / f'{run}.log').read_text() for run in runs}
    again = ablate(tmp_path)
    assert again.returncode == 0, again.stderr
    assert {run: (tmp_path / f'{run}.log').read_text() for run in runs} == logs


def test_every_arm_is_also_normalised_with_the_first_arms_calibration(tmp_path, load_script):
    """An arm whose untrained policy differs (here: farther from the data) is put on the first
    arm's scale: the same Frechet distance, the same fd_normalised_common."""
    ablate = load_script('ablate')
    calibrations = {'base': {'fd_floor': 10.0, 'fd_untrained': 110.0},
                    'coords': {'fd_floor': 10.0, 'fd_untrained': 210.0}}
    for arm, calibration in calibrations.items():
        for seed in (0, 1):
            run = tmp_path / f'{arm}-s{seed}'
            run.mkdir()
            (run / 'calibration.json').write_text(json.dumps({f'n=16 seed={seed}': calibration}))
            fd = 60.0 + seed
            (run / 'quality.csv').write_text(
                'steps,time/elapsed,fd,fd_normalised\n'
                f'80,1.0,{fd},{(fd - 10) / (calibration["fd_untrained"] - 10)}\n')
    ablate.summarise(tmp_path, [('base', []), ('coords', ['model.coord_channels=true'])], [0, 1])
    with open(tmp_path / 'ablation.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    got = {(r['arm'], r['seed']): (float(r['fd_normalised']), float(r['fd_normalised_common']))
           for r in rows}
    assert got == {('base', '0'): (0.5, 0.5), ('base', '1'): (0.51, 0.51),
                   ('coords', '0'): (0.25, 0.5), ('coords', '1'): (0.255, 0.51)}
    assert [r['arm'] for r in rows] == ['base', 'base', 'coords', 'coords']
    assert '| fd_normalised | fd_normalised_common |' in (tmp_path / 'ablation.md').read_text()
