"""Package one snapshot of a training run as a shipped model in trained_models/NAME/.

    python scripts/package_model.py RUN_DIR STEP NAME [--n 1000] [--greedy-too] [--notes FILE]
                                    [--into trained_models] [--half]

Copies the run's resolved config (paths rewritten relative to the new folder; a demonstrations
warm start, which ran before the run's first update, left out), the snapshot `RUN_DIR/STEP/`
without its optimizer states (inference-only: it draws and starts new runs with --init; with
`--half` its weights in float16, half the bytes, and the card's figures measured on them), the
run's metrics.csv and command line; evaluates the snapshot (scripts/evaluate.py's figures, written
to STEP/metrics.json); renders `demo.py many` to many.png; draws the curves to curves.png (when
the run logged any); copies RUN_DIR/evaluation.csv and its command (scripts/evaluate_run.py) when
there is one and tabulates it; and writes MODEL_CARD.md from those
files. Every figure in the card is read from a file the run or the evaluation wrote. `--notes`
adds a hand-written section (what it can and cannot draw yet).
"""
import argparse
import csv
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from chainer_spiral.config import dump_config, load_config
from chainer_spiral.evaluation import evaluate_snapshot
from chainer_spiral.runs.loading import CONFIG_FILE
from chainer_spiral.runs.snapshots import export_inference, write_manifest

REPO = Path(__file__).resolve().parents[1]


def machine():
    """One line naming the CPU, the core count and the OS."""
    cpu = 'unknown CPU'
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return f'{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, ' \
           f'Python {platform.python_version()}'


def package(run_dir, step, name, n, greedy_too, notes, into=REPO / 'trained_models',
            half=False):
    run_dir, dest = Path(run_dir), Path(into) / name
    snapshot = run_dir / str(step)
    counters = json.loads((snapshot / 'counters.json').read_text())
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    cfg = load_config(run_dir / CONFIG_FILE, check_paths=False)
    if cfg.agent.demonstrations is not None:
        # The warm start ran once, before the run's first update (command.txt has it); resuming
        # never repeats it, and the shipped painter must load without its demonstrations file.
        cfg = dataclasses.replace(cfg, agent=dataclasses.replace(
            cfg.agent, demonstrations=None, demo_updates=0))
    dump_config(cfg, dest / CONFIG_FILE)
    export_inference(snapshot, dest / str(step), half=half)
    for extra in ('metrics.csv', 'evaluation.csv', 'evaluation_command.txt', 'quality.csv',
                  'calibration.json', 'command.txt', 'git.txt'):
        if (run_dir / extra).is_file():
            shutil.copy(run_dir / extra, dest / extra)
    metrics = {'sampled': evaluate_snapshot(dest / str(step), n=n)}
    if greedy_too:
        metrics['greedy'] = evaluate_snapshot(dest / str(step), n=n, greedy=True)
    for m in metrics.values():
        m['snapshot'] = f'trained_models/{name}/{step}'
    (dest / str(step) / 'metrics.json').write_text(json.dumps(metrics, indent=2) + '\n')
    write_manifest(dest / str(step))
    subprocess.run([sys.executable, str(REPO / 'demo.py'), 'many', str(dest / str(step)),
                    str(dest / 'many.png')], check=True)
    if (dest / 'metrics.csv').is_file():  # none where the run logged no update
        subprocess.run([sys.executable, str(REPO / 'scripts' / 'plot_scores.py'), str(dest),
                        str(dest / 'curves.png')], check=True)
    card = model_card(name, cfg, step, counters, metrics, run_dir, notes,
                      evaluation_table(dest) + quality_table(dest))
    (dest / 'MODEL_CARD.md').write_text(card)
    print(card)


def evaluation_table(folder):
    """The card's section on `folder`/evaluation.csv (scripts/evaluate_run.py): the command that
    wrote it and its rows as a markdown table; [] without one."""
    path = Path(folder) / 'evaluation.csv'
    if not path.is_file():
        return []
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    command = Path(folder) / 'evaluation_command.txt'
    command = command.read_text().strip() if command.is_file() else 'python scripts/evaluate_run.py'
    columns = [c for c in rows[0] if c != 'updates']
    lines = ['', '## How the figures moved with training', '',
             f'`{command}` (sampled actions; `evaluation.csv`):', '',
             '| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
    for row in rows:
        lines.append('| ' + ' | '.join(row[c] if c == 'steps' or not row[c]
                                      else f'{float(row[c]):.4g}' for c in columns) + ' |')
    return lines


def quality_table(folder):
    """The card's section on `folder`/quality.csv (the trainer's evaluations during training,
    train.eval_interval); [] without one."""
    path = Path(folder) / 'quality.csv'
    if not path.is_file():
        return []
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    wanted = ('fd_normalised', 'precision', 'recall', 'class_entropy', 'distinct',
              'painter_class_share', 'l2_gain', 'ink_recall', 'target_class_share',
              'colour_mse', 'colour_mse_greedy', 'colour_psnr')
    columns = ['steps', 'time/elapsed'] + [c for c in wanted if rows and c in rows[0]]
    lines = ['', '## Quality during training', '',
             '`quality.csv`, written by the trainer during the run (`train.eval_interval`; '
             '`train.eval_n` sampled drawings of each evaluated snapshot):', '',
             '| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
    for row in rows:
        lines.append('| ' + ' | '.join(row[c] if c == 'steps' or not row[c]
                                      else f'{float(row[c]):.4g}' for c in columns) + ' |')
    return lines


def model_card(name, cfg, step, counters, metrics, run_dir, notes, evaluation=()):
    legs = (run_dir / 'command.txt').read_text().strip().splitlines()
    git = (run_dir / 'git.txt').read_text().strip().replace('\n', ', ')
    lines = [
        f'# {name}', '',
        f'Problem `{cfg.data.problem}`' + subset_of(cfg.data)
        + f", {'conditional' if cfg.model.conditional else 'unconditional'}, "
        f'reward `{cfg.agent.reward_mode}`, action space `{cfg.env.action_space}`, '
        f'{cfg.env.imsize}x{cfg.env.imsize} canvas, R {cfg.env.pos_resolution}, '
        f'T {cfg.env.max_episode_steps}, B {cfg.agent.rollout_n}, {cfg.train.processes} process(es).',
        '', '## Training', '',
        f'- Config: `config.yaml` (the run\'s resolved config).',
        *command_lines(legs),
        f'- Code: {git}',
        f'- Snapshot `{step}/`: {counters["steps"]} env steps, {counters["updates"]} updates, '
        f'{counters["episodes"]} episodes, {counters["elapsed"] / 60:.1f} min of training '
        f'({counters["steps"] / max(counters["elapsed"], 1e-9):.0f} env steps/s).',
        f'- Machine: {machine()}.',
        (f'- Curves: `metrics.csv`, drawn by `python scripts/plot_scores.py trained_models/{name} '
         'curves.png`: ![curves](curves.png)' if (run_dir / 'metrics.csv').is_file()
         else '- Curves: none (the run logged no update).'),
        '', '## Metrics', '',
        f'`python scripts/evaluate.py trained_models/{name}/{step}` (figures also in '
        f'`{step}/metrics.json`):', '',
    ]
    for mode, m in metrics.items():
        lines.append(f'- {mode} actions, {m["episodes"]} drawings: '
                     f'{m["strokes_per_drawing"]:.2f} strokes per drawing, '
                     f'{m["drawn_step_fraction"]:.1%} of steps draw, '
                     f'ink on {m["ink_coverage"]:.1%} of the pixels, '
                     f'{m["empty_share"]:.1%} empty drawings.')
        if 'heldout_l2' in m:
            lines.append(f'  Held-out L2 (MSE per pixel): {m["heldout_l2"]:.4f} '
                         f'(std {m["heldout_l2_std"]:.4f}); a blank canvas scores '
                         f'{m["blank_l2"]:.4f}: L2 gain {m["l2_gain"]:.3f}. Ink precision '
                         f'{m["ink_precision"]:.3f}, ink recall {m["ink_recall"]:.3f}'
                         + (f'; classified as their target\'s label: '
                            f'{m["target_class_share"]:.1%}' if 'target_class_share' in m
                            else '') + '.')
        if 'colour' in m and mode == next(k for k, v in metrics.items() if 'colour' in v):
            lines += colour_lines(m['colour'])  # once: the table holds sampled and greedy
        if 'by_label' in m:
            lines.append('  By target label (classified as it / L2 gain): ' + ', '.join(
                f'{label} {v["target_class_share"]:.0%} / {v["l2_gain"]:.2f}'
                for label, v in m['by_label'].items()) + '.')
        if 'quality' in m:
            q = m['quality']
            lines.append(f'  Frechet distance to {q["reference_size"]} real images of its data '
                         f'(classifier features, docs/evaluation.md): {q["fd"]:.1f}; real images '
                         f'{q["fd_floor"]:.1f}, blank canvases {q["fd_blank"]:.1f}, the untrained '
                         f'policy {q["fd_untrained"]:.1f}; normalised {q["fd_normalised"]:.3f}. '
                         f'Precision {q["precision"]:.3f}, recall {q["recall"]:.3f}, class '
                         f'entropy {q["class_entropy"]:.2f} nats, {q["distinct"]} distinct of the '
                         f'first 100 drawings.')
        if 'nearest_real' in m:
            nr = m['nearest_real']
            lines.append(f'  Nearest real training image: mean MSE {nr["mean_mse"]:.4f}, '
                         f'exact copies {nr["exact_share"]:.1%}'
                         + (f', nearest image\'s label histogram {nr["histogram"]}'
                            if 'histogram' in nr else '') + '.')
        if 'classifier' in m:
            c = m['classifier']
            lines.append(f'  Classifier (held-out accuracy {c["classifier_test_accuracy"]:.3f}): '
                         f'mean confidence {c["samples"]["mean_confidence"]:.3f} on the drawings '
                         f'vs {c["real_heldout"]["mean_confidence"]:.3f} on real held-out images; '
                         f'class histogram {c["samples"]["histogram"]} '
                         f'(real: {c["real_heldout"]["histogram"]}).')
            if 'painter_class' in c:
                own = c['class_names'][c['painter_class']] if c['class_names'] else c['painter_class']
                lines.append(f'  Put in its own class ({own}): {c["painter_class_share"]:.1%} of '
                             f'the drawings vs {c["real_class_share"]:.1%} of real held-out '
                             f'{own} images.')
    lines += list(evaluation)
    lines += ['', '## Samples', '', '`python demo.py many '
              f'trained_models/{name}/{step} many.png`:', '', '![samples](many.png)', '']
    if notes:
        lines += ['## What it can and cannot draw yet', '', Path(notes).read_text().strip(), '']
    return '\n'.join(lines)


def command_lines(legs):
    """The card's command line, or one numbered line a leg where `command.txt` holds several
    (a run resumed or started with --init from another: every leg, its env steps in the total)."""
    if len(legs) == 1:
        return [f'- Command: `{legs[0]}`']
    return [f'- Commands, every leg of the run in order (`command.txt`):'] + [
        f'  {i}. `{leg}`' for i, leg in enumerate(legs, 1)]


def colour_lines(figures):
    """A colour conditional painter's held-out figures (evaluation/colour.py) beside the
    baselines, as markdown table lines."""
    rows = ['', '  | painting | MSE over RGB | PSNR dB | empty |', '  |---|---|---|---|']
    for draw in ('sampled', 'greedy'):
        r = figures[draw]
        rows.append(f'  | this painter, {draw} | {r["mse"]:.4f} | {r["psnr"]:.2f} | '
                    f'{r["empty_share"]:.1%} |')
    for name, r in figures['baselines'].items():
        rows.append(f'  | baseline: {name.replace("_", " ")} | {r["mse"]:.4f} | {r["psnr"]:.2f} '
                    f'| - |')
    return rows + ['']


def subset_of(data):
    """' (label 7)', ' (category fish)' or '': the part of the problem a painter was trained on."""
    if data.label is not None:
        return f' (label {data.label})'
    if data.problem == 'quickdraw' and data.categories and len(data.categories) == 1:
        return f' (category {data.categories[0]})'
    return ''


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('run_dir', type=Path)
    parser.add_argument('step', type=int)
    parser.add_argument('name')
    parser.add_argument('--n', type=int, default=1000, help='drawings to evaluate')
    parser.add_argument('--greedy-too', action='store_true', help='also evaluate greedy actions')
    parser.add_argument('--notes', type=Path, help='a markdown file: what it can and cannot draw')
    parser.add_argument('--into', type=Path, default=REPO / 'trained_models',
                        help='the folder of shipped models (default trained_models/)')
    parser.add_argument('--half', action='store_true',
                        help="store the networks' weights in float16 (half the bytes)")
    args = parser.parse_args(argv)
    if not (args.run_dir / str(args.step) / 'counters.json').is_file():
        parser.error(f'{args.run_dir / str(args.step)}: expected a snapshot directory')
    package(args.run_dir, args.step, args.name, args.n, args.greedy_too, args.notes, args.into,
            args.half)


if __name__ == '__main__':
    sys.exit(main())
