"""Keep a run's newest snapshot in trained_models/checkpoints/NAME, so that the run goes on in a
later sitting (`train.py CONFIG OUTDIR --load trained_models/checkpoints/NAME/STEPS`).

    python scripts/keep_checkpoint.py RUN_DIR NAME [--step STEPS] [--networks-only] [--into DIR]

Copies the snapshot (networks and optimizer states, which `--load` resumes exactly; with
`--networks-only` the networks alone, a third of the size, which a new run starts from with
`--init`: its Adam moments start again at zero and its counters at 0, so command.txt's legs keep
the count of env steps), the run's resolved config (data paths left to the data root), its
records (metrics.csv, quality.csv, calibration.json, scores.txt, git.txt) and its newest PNG of
finished drawings as finals_last.png. command.txt keeps every leg: the kept folder's earlier
commands, then the run's, one a line. A folder already there is replaced.
"""
import argparse
import dataclasses
import shutil
import sys
from pathlib import Path

from chainer_spiral.config import dump_config, load_config
from chainer_spiral.runs.loading import CONFIG_FILE
from chainer_spiral.runs.snapshots import export_inference, resolve_load

REPO = Path(__file__).resolve().parents[1]
RECORDS = ('metrics.csv', 'quality.csv', 'calibration.json', 'scores.txt', 'git.txt')


def keep(run_dir, name, step=None, into=REPO / 'trained_models' / 'checkpoints',
         networks_only=False):
    """Copy RUN_DIR's snapshot `step` (default: its newest good one) to `into`/NAME, without its
    optimizer states when `networks_only`; returns the new folder."""
    run_dir = Path(run_dir)
    snapshot = resolve_load(run_dir / str(step) if step is not None else run_dir)
    dest = Path(into) / name
    legs = []
    if (dest / 'command.txt').is_file():
        legs = (dest / 'command.txt').read_text().splitlines()
    command = (run_dir / 'command.txt').read_text().strip()
    if command not in legs:
        legs.append(command)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    if networks_only:
        export_inference(snapshot, dest / snapshot.name)
    else:
        shutil.copytree(snapshot, dest / snapshot.name)
    cfg = load_config(run_dir / CONFIG_FILE, check_paths=False)
    dump_config(dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, path=None)),
                dest / CONFIG_FILE)
    for record in RECORDS:
        if (run_dir / record).is_file():
            shutil.copy(run_dir / record, dest / record)
    finals = sorted((run_dir / 'finals').glob('*.png'))
    if finals:
        shutil.copy(finals[-1], dest / 'finals_last.png')
    (dest / 'command.txt').write_text('\n'.join(legs) + '\n')
    return dest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('run_dir', type=Path)
    parser.add_argument('name')
    parser.add_argument('--step', type=int, help='snapshot to keep (default: the newest)')
    parser.add_argument('--networks-only', action='store_true',
                        help='without the optimizer states (a new run starts from it with --init)')
    parser.add_argument('--into', type=Path, default=REPO / 'trained_models' / 'checkpoints')
    args = parser.parse_args(argv)
    dest = keep(args.run_dir, args.name, args.step, args.into, args.networks_only)
    print(dest)
    return 0


if __name__ == '__main__':
    sys.exit(main())
