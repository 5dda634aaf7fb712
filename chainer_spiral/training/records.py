"""What a run directory records of the run beside its snapshots.

``config.yaml`` (the resolved config, what `load_agent` and the demos read), ``command.txt``,
``git.txt`` (the package's revision and whether its checkout was dirty) and what ChainerRL's
`prepare_output_dir` writes (args.txt, environ.txt, git-head/status/log/diff.txt).
"""
import dataclasses
import json
import os
import shlex
import subprocess
from pathlib import Path

from chainer_spiral.config import dump_config
from chainer_spiral.runs.loading import CONFIG_FILE
from chainer_spiral.runs.snapshots import remove_stale_tmp
from chainer_spiral.training.errors import TrainingError


def prepare_outdir(outdir, cfg, argv):
    """Write config.yaml, command.txt, git.txt and what ChainerRL's prepare_output_dir records
    (`write_chainerrl_records`) into the run directory `outdir` (it exists: the run holds its
    lock), and remove the temporary snapshot directories a killed run left there.

    Raises:
        TrainingError: OUTDIR cannot be written.
    """
    try:
        _write_outdir(outdir, cfg, argv)
    except OSError as e:
        raise TrainingError(f'{outdir}: cannot write the run directory '
                            f'({e.strerror or e})') from None


def _write_outdir(outdir, cfg, argv):
    remove_stale_tmp(outdir)
    dump_config(cfg, outdir / CONFIG_FILE)
    (outdir / 'command.txt').write_text(' '.join(shlex.quote(str(a)) for a in argv) + '\n')
    (outdir / 'git.txt').write_text(git_description())
    write_chainerrl_records(outdir, cfg)


def write_chainerrl_records(outdir, cfg):
    """What chainerrl.experiments.prepare_output_dir writes beside command.txt: args.txt (here
    the resolved config as JSON), environ.txt (the environment variables as JSON) and, when the
    working directory is under git, git-head.txt, git-status.txt, git-log.txt and
    git-diff.txt (ChainerRL's commands, run there)."""
    from chainerrl.experiments.prepare_output_dir import is_under_git_control
    (outdir / 'args.txt').write_text(json.dumps(dataclasses.asdict(cfg), default=str))
    (outdir / 'environ.txt').write_text(json.dumps(dict(os.environ)))
    if is_under_git_control():
        for name, command in (('git-head.txt', ['rev-parse', 'HEAD']),
                              ('git-status.txt', ['status']), ('git-log.txt', ['log']),
                              ('git-diff.txt', ['diff'])):
            (outdir / name).write_bytes(subprocess.check_output(['git'] + command))


def git_description():
    """'revision: <sha>\\ndirty: <bool>\\n' of the package's checkout (or 'unknown')."""
    root = Path(__file__).resolve().parents[2]

    def git(*args):
        return subprocess.run(['git', '-C', str(root), *args], capture_output=True, text=True,
                              timeout=30)
    try:
        rev = git('rev-parse', 'HEAD')
        status = git('status', '--porcelain', '--untracked-files=no')
    except (OSError, subprocess.SubprocessError):
        return 'revision: unknown (git not available)\n'
    if rev.returncode != 0:
        return 'revision: unknown (not a git checkout)\n'
    dirty = bool(status.stdout.strip())
    return f'revision: {rev.stdout.strip()}\ndirty: {str(dirty).lower()}\n'
