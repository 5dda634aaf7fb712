"""scripts/package_model.py on a run written by the real trainer and measured by evaluate_run."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from chainer_spiral.config import load_config
from chainer_spiral.evaluation.evaluate import summarise
from chainer_spiral.runs.snapshots import verify_snapshot
from chainer_spiral.training import train

REPO = Path(__file__).resolve().parents[1]
TINY = ['agent.rollout_n=8', 'train.steps=64', 'train.n_save_interval=2',
        'train.n_save_final_obs_interval=0', 'train.log_interval=2', 'train.eval_interval=1',
        'train.eval_n=10']


def script(name, *args):
    out = subprocess.run([sys.executable, str(REPO / 'scripts' / name), *map(str, args)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_package_writes_a_card_from_the_measured_files(tmp_path):
    summary = train(load_config(REPO / 'configs' / 'toy.yaml', TINY), tmp_path / 'run',
                    argv=['train.py', 'tiny'], progress=False, evaluate=summarise)
    run = Path(summary['snapshot']).parent
    script('evaluate_run.py', run, '--n', 8)
    script('evaluate.py', run / '64', '--n', 8)   # a metrics.json in the run's snapshot
    notes = tmp_path / 'notes.md'
    notes.write_text('It draws lines.\n')
    script('package_model.py', run, 64, 'toyish', '--n', 8, '--notes', notes,
           '--into', tmp_path / 'models')
    dest = tmp_path / 'models' / 'toyish'
    for name in ('config.yaml', 'metrics.csv', 'evaluation.csv', 'evaluation_command.txt',
                 'quality.csv', 'command.txt', 'git.txt', 'many.png', 'curves.png',
                 '64/counters.json'):
        assert (dest / name).is_file(), name
    verify_snapshot(dest / '64')
    m = json.loads((dest / '64' / 'metrics.json').read_text())['sampled']
    assert m['env_steps'] == 64 and m['episodes'] == 8
    card = (dest / 'MODEL_CARD.md').read_text()
    assert 'Snapshot `64/`: 64 env steps, 4 updates' in card
    assert f"{m['strokes_per_drawing']:.2f} strokes per drawing" in card
    assert f"mean MSE {m['nearest_real']['mean_mse']:.4f}" in card
    assert f'`python scripts/evaluate_run.py {run} --n 8` (sampled actions' in card
    evaluation, quality = card.split('## Quality during training')
    rows = [line for line in evaluation.splitlines() if line.startswith('| ')]
    assert rows[0].startswith('| steps | strokes_per_drawing |')
    assert [r.split(' | ')[0] for r in rows[1:]] == ['| 32', '| 64']
    rows = [line for line in quality.splitlines() if line.startswith('| ')]
    assert rows[0].startswith('| steps | time/elapsed |')
    assert [r.split(' | ')[0] for r in rows[1:]] == ['| 32', '| 64']
    assert card.rstrip().endswith('It draws lines.')
    # Measuring the shipped painter again keeps its card's metrics.json; --out writes elsewhere.
    shipped = (dest / '64' / 'metrics.json').read_text()
    again = script('evaluate.py', dest / '64', '--n', 4, '--seed', 1)
    assert json.loads(again)['episodes'] == 4
    assert (dest / '64' / 'metrics.json').read_text() == shipped
    verify_snapshot(dest / '64')
    script('evaluate.py', dest / '64', '--n', 4, '--seed', 1, '--out', tmp_path / 'again.json')
    assert json.loads((tmp_path / 'again.json').read_text()) == json.loads(again)


def test_card_of_a_conditional_painter_gives_its_figures_by_label(load_script):
    package_model = load_script('package_model')
    shipped = REPO / 'trained_models' / 'mnist_conditional'
    step = next(p.name for p in shipped.iterdir() if p.name.isdigit())
    metrics = json.loads((shipped / step / 'metrics.json').read_text())
    sampled = dict(metrics['sampled'], by_label={
        '0': {'n': 3, 'l2_gain': 0.5, 'target_class_share': 1.0},
        '8': {'n': 2, 'l2_gain': 0.25, 'target_class_share': 0.5}})
    counters = json.loads((shipped / step / 'counters.json').read_text())
    card = package_model.model_card('cond', load_config(shipped / 'config.yaml'), step, counters,
                                    {'sampled': sampled}, shipped, None)
    assert '  By target label (classified as it / L2 gain): 0 100% / 0.50, 8 50% / 0.25.' in card
    assert f"L2 gain {sampled['l2_gain']:.3f}" in card


def test_card_numbers_every_leg_of_a_resumed_run(load_script):
    package_model = load_script('package_model')
    assert package_model.command_lines(['train.py c a']) == ['- Command: `train.py c a`']
    lines = package_model.command_lines(['train.py c a', 'train.py c b --init a/10'])
    assert lines[1:] == ['  1. `train.py c a`', '  2. `train.py c b --init a/10`']


def test_a_painter_that_started_from_demonstrations_loads_without_them(tmp_path):
    """The shipped config leaves the warm start out: the snapshot loads and draws once the
    demonstrations file is gone."""
    from chainer_spiral.program import json as programs_json
    from chainer_spiral.program.conversion import program_from_actions
    from chainer_spiral.envs import make_env
    from chainer_spiral.runs.loading import load_agent
    env = make_env('toy', imsize=3, pos_resolution=3, max_episode_steps=2)
    demos = tmp_path / 'demos.json'
    demos.write_text(json.dumps(programs_json.to_doc([program_from_actions(
        env, {'position': np.array([0, 2]), 'prob': np.array([0, 1])})])))
    cfg = load_config(REPO / 'configs' / 'toy.yaml', TINY + [
        f'agent.demonstrations={demos}', 'agent.demo_updates=2', 'train.eval_interval=0',
        'train.log_interval=100'])
    run = Path(train(cfg, tmp_path / 'run', progress=False)['snapshot']).parent
    script('package_model.py', run, 64, 'toyish', '--n', 8, '--into', tmp_path / 'models')
    demos.unlink()
    dest = tmp_path / 'models' / 'toyish'
    shipped, agent, _ = load_agent(str(dest / '64'))
    assert (shipped.agent.demonstrations, shipped.agent.demo_updates) == (None, 0)
    assert agent.collect([env]).finals.shape == (1, 1, 3, 3)


def test_a_colour_painters_card_tabulates_its_figures_beside_the_baselines():
    import importlib.util
    spec = importlib.util.spec_from_file_location('package_model',
                                                  REPO / 'scripts' / 'package_model.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from chainer_spiral.evaluation import colour
    targets = np.random.RandomState(0).rand(4, 3, 8, 8).astype(np.float32)
    empty = np.array([False, False, True, False])
    figures = {'sampled': colour.report(targets, targets, empty),
               'greedy': colour.report(np.ones_like(targets), targets, empty),
               'baselines': colour.baselines(targets)}
    rows = module.colour_lines(figures)
    assert f'  | this painter, sampled | 0.0000 | {colour.MAX_PSNR:.2f} | 25.0% |' in rows
    white = figures['baselines']['white']['mse']
    assert f'  | this painter, greedy | {white:.4f} |' in ' '.join(rows)
    assert any(r.startswith(f'  | baseline: white | {white:.4f} |') for r in rows)
    assert any(r.startswith('  | baseline: patches 8x8 |') for r in rows)
