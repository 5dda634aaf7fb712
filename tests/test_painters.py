"""The shipped painters' names: the registry, and the commands that take a name for a path."""
import subprocess
import sys
from pathlib import Path

import pytest

from chainer_spiral import painters
from chainer_spiral.painters import PainterError, painter, resolve_snapshot

REPO = Path(__file__).resolve().parents[1]


def make_painter(root, name, steps=(100, 2000)):
    folder = root / name
    for step in steps:
        (folder / str(step)).mkdir(parents=True)
    (folder / 'MODEL_CARD.md').write_text(f'# {name}\n')
    (folder / 'config.yaml').write_text('seed: 0\n')
    return folder


def test_every_shipped_folder_is_a_painter():
    folders = {p.name for p in (REPO / 'trained_models').iterdir()
               if (p / 'MODEL_CARD.md').is_file()}
    assert folders and set(painters.painters()) == folders
    shipped = painter('mnist7')
    assert shipped.snapshot.parent == REPO / 'trained_models' / 'mnist7'
    assert (shipped.snapshot / 'generator.npz').is_file()


def test_newest_snapshot_and_environment_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(painters.MODELS_ENV, str(tmp_path))
    folder = make_painter(tmp_path, 'faces')
    (tmp_path / 'notes').mkdir()  # no card: not a painter
    assert list(painters.painters()) == ['faces']
    assert resolve_snapshot('faces') == folder / '2000'


def test_an_existing_path_wins_over_a_name(tmp_path, monkeypatch):
    monkeypatch.setenv(painters.MODELS_ENV, str(tmp_path / 'models'))
    make_painter(tmp_path / 'models', 'faces')
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'faces').mkdir()
    assert resolve_snapshot('faces') == Path('faces')


def test_unknown_names_list_the_known_ones(tmp_path, monkeypatch):
    monkeypatch.setenv(painters.MODELS_ENV, str(tmp_path))
    make_painter(tmp_path, 'faces')
    make_painter(tmp_path, 'digits')
    with pytest.raises(PainterError, match=r"^mnist: expected a shipped painter's name "
                                           r"\(digits, faces\), got an unknown name$"):
        painter('mnist')
    with pytest.raises(PainterError, match=r"^runs/x/100: expected a snapshot directory, a run "
                                           r"directory or a shipped painter's name \(digits, "
                                           r"faces\), got none of them$"):
        resolve_snapshot('runs/x/100')
    monkeypatch.setenv(painters.MODELS_ENV, str(tmp_path / 'none'))
    with pytest.raises(PainterError, match=f'none in {tmp_path / "none"}'):
        painter('faces')


def test_headline_figures():
    sampled = painter('mnist_conditional64').metrics()['sampled']
    assert painter('mnist_conditional64').headline() == [
        f'L2 gain {sampled["l2_gain"]:.3f}',
        f'{100 * sampled["target_class_share"]:.1f}% read as the target']
    assert any(f.startswith('normalised Frechet distance') for f in painter('mnist7').headline())


def test_demo_by_name(tmp_path):
    out = tmp_path / 'toy.json'
    result = subprocess.run([sys.executable, str(REPO / 'demo.py'), 'json', 'toy', str(out),
                             '--n', '2'], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 0


def test_train_init_unknown_name(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / 'train.py'), str(REPO / 'configs/toy.yaml'),
                             str(tmp_path / 'run'), '--init', 'nosuchpainter'],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: nosuchpainter: expected a snapshot directory, a run directory or a shipped "
        f"painter's name ({', '.join(painters.painters())}), got none of them"]


def test_shipped_painters_are_inference_only_and_light():
    for shipped in painters.painters().values():
        names = {p.name for p in shipped.snapshot.iterdir()}
        assert {'generator.npz', 'discriminator.npz', 'counters.json'} <= names, shipped.name
        assert not names & {'gen_optimizer.npz', 'dis_optimizer.npz'}, shipped.name
    tracked = subprocess.run(['git', 'ls-files', '-z', 'trained_models'], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout.split('\0')
    size = sum((REPO / f).stat().st_size for f in tracked if f and (REPO / f).is_file())
    assert size <= 100 * 2 ** 20, f'trained_models/ holds {size / 2 ** 20:.0f} MiB in the tree'


def test_resuming_a_shipped_painter_says_to_start_from_it(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / 'train.py'), str(REPO / 'configs/toy.yaml'),
                             str(tmp_path / 'run'), '--load', 'toy'],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].endswith(
        'got an inference-only one (no gen_optimizer.npz, dis_optimizer.npz); start a new run '
        'from its networks with --init')
