"""docs/errors.md: every file a user points the program at, broken in every way the table lists,
gives one line naming the file and what is wrong, exit status 2 for usage errors and 1 for the
rest, no traceback, and nothing on disk damaged. The table's ids and CASES are the same set."""
import gzip
import re
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from chainer_spiral.cli import train_main
from chainer_spiral.demo import main as demo_main
from chainer_spiral.evaluation.evaluate import CLASSIFIER_DIR

REPO = Path(__file__).resolve().parents[1]


def shipped_snapshot(tmp, name, data=None):
    """A copy of a shipped painter's run (config.yaml and its one snapshot), its data.path set to
    `data` when given (the shipped config's path is relative to trained_models/)."""
    run = tmp / name
    run.mkdir()
    step, = (p.name for p in (REPO / 'trained_models' / name).iterdir() if p.name.isdigit())
    config = yaml.safe_load((REPO / 'trained_models' / name / 'config.yaml').read_text())
    if data is not None:
        config['data']['path'] = str(data)
    (run / 'config.yaml').write_text(yaml.safe_dump(config))
    shutil.copytree(REPO / 'trained_models' / name / str(step), run / str(step))
    return run / str(step)


def toy_snapshot(tmp):
    return shipped_snapshot(tmp, 'toy')


def mnist_copy(tmp, shared, damage):
    """The shared MNIST files with the images file damaged by `damage(path)`."""
    folder = tmp / 'mnist'
    shutil.copytree(shared / 'mnist', folder)
    damage(folder / 't10k-images-idx3-ubyte.gz')
    return folder


def write(path, data):
    path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data)
    return path


def cut_in_half(path):
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])


def make_directory(path):
    path.unlink()
    path.mkdir()


def wrong_magic(path):
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[3] = 0x1c
    path.write_bytes(gzip.compress(bytes(raw)))


def toy_train(tmp, *extra):
    return ['train', 'configs/toy.yaml', str(tmp / 'out'), '--no-progress', *map(str, extra)]


def mnist_train(tmp, *sets):
    return ['train', 'configs/mnist.yaml', str(tmp / 'out'), '--no-progress',
            *[a for s in sets for a in ('--set', str(s))]]


# id -> (argv builder (tmp, shared data) -> [entry, args...], exit status, message regex)
CASES = {
    'config-missing': (lambda t, s: ['train', str(t / 'nope.yaml'), str(t / 'out')], 1,
                       r'nope\.yaml: cannot read the config file \(No such file or directory\)'),
    'config-directory': (lambda t, s: ['train', str(t), str(t / 'out')], 1,
                         r': cannot read the config file \(Is a directory\)'),
    'config-empty': (lambda t, s: ['train', str(write(t / 'c.yaml', '')), str(t / 'out')], 1,
                     r'c\.yaml: data\.problem: required key missing'),
    'config-invalid-yaml': (lambda t, s: ['train', str(write(t / 'c.yaml', 'seed: [1,\n')),
                                          str(t / 'out')], 1,
                            r'c\.yaml: invalid YAML at line 2: '),
    'config-binary': (lambda t, s: ['train', str(write(t / 'c.yaml', b'\x00\xff\xfe')),
                                    str(t / 'out')], 1,
                      r'c\.yaml: expected a YAML text file, got bytes that are not UTF-8'),
    'outdir-is-a-file': (lambda t, s: ['train', 'configs/toy.yaml',
                                       str(write(t / 'out', 'x')), '--no-progress'], 1,
                         r'out: expected a run directory, got a file'),
    'load-missing': (lambda t, s: toy_train(t, '--load', t / 'nothing'), 1,
                     r'nothing: expected a snapshot directory, a run directory or a shipped '
                     r'painter\'s name \(.*toy\), got none of them'),
    'load-empty-run': (lambda t, s: toy_train(t, '--load', _dir(t / 'run')), 1,
                       r'run: expected a snapshot directory \(with counters\.json\) or a run '
                       r'directory with snapshots, got neither'),
    'init-truncated-npz': (lambda t, s: toy_train(t, '--init', _truncated_npz(t)), 1,
                           r'4000: expected a snapshot of this config\'s agent, got one that does '
                           r'not load into it \(BadZipFile: '),
    'init-damaged-manifest-file': (lambda t, s: toy_train(t, '--init', _damaged_manifest(t)), 1,
                                   r'4000/generator\.npz: damaged: expected \d+ bytes, got \d+'),
    'init-counters-corrupt': (lambda t, s: toy_train(t, '--init', _counters(t, '{')), 1,
                              r'counters\.json: unreadable counters file'),
    'init-counters-keys': (lambda t, s: toy_train(t, '--init', _counters(t, '{}')), 1,
                           r'counters\.json: expected the keys steps, updates, episodes, '
                           r'elapsed'),
    'data-idx-empty': (lambda t, s: mnist_train(t, f'data.path={mnist_copy(t, s, _empty)}'), 1,
                       r't10k-images-idx3-ubyte\.gz: expected an IDX file, got an empty file'),
    'data-idx-truncated': (lambda t, s: mnist_train(
        t, f'data.path={mnist_copy(t, s, cut_in_half)}'), 1,
        r't10k-images-idx3-ubyte\.gz: not a complete gzip file'),
    'data-idx-magic': (lambda t, s: mnist_train(t, f'data.path={mnist_copy(t, s, wrong_magic)}'),
                       1, r't10k-images-idx3-ubyte\.gz: expected an IDX file of 1 to 4 '
                          r'dimensions, got 28'),
    'data-path-missing': (lambda t, s: mnist_train(t, f'data.path={t / "nope"}'), 1,
                          r'data\.path: no such file or folder: .*nope'),
    'data-kmnist-truncated': (lambda t, s: _train_on(t, 'kmnist', _copy(
        s / 'kmnist', t / 'k', lambda d: cut_in_half(d / 'kmnist-test-imgs.npz'))), 1,
        r'kmnist-test-imgs\.npz: not a readable npz file \(BadZipFile: '),
    'data-quickdraw-dtype': (lambda t, s: _train_on(t, 'quickdraw', _copy(
        s / 'quickdraw', t / 'q', lambda d: np.save(d / 'quickdraw_apple_first1000.npy',
                                                    np.zeros((10, 784)))), 'data.categories=[apple]'),
        1, r'quickdraw_apple_first1000\.npy: expected uint8 bitmaps \(N, 784\), got float64 '
           r'\(10, 784\)'),
    'data-quickdraw-empty': (lambda t, s: _train_on(t, 'quickdraw', _copy(
        s / 'quickdraw', t / 'q', lambda d: _empty(d / 'quickdraw_apple_first1000.npy')),
        'data.categories=[apple]'), 1,
        r'quickdraw_apple_first1000\.npy: not a readable npy file \(EOFError: '),
    'data-celeba-shape': (lambda t, s: _train_on(t, 'celeba', _grey_celeba(t)), 1,
                          r'c\.npz: images: expected uint8 RGB \(N, H, W, 3\), got uint8 '
                          r'\(4, 64, 64\)'),
    'data-folder-no-images': (lambda t, s: _train_on(t, 'folder', _dir(t / 'imgs')), 1,
                              r'folder: expected image files \(.*\) under .*imgs, found none'),
    'data-folder-corrupt-image': (lambda t, s: _train_on(
        t, 'folder', write(_dir(t / 'imgs') / 'b.png', b'\x89PNG junk').parent), 1,
        r'imgs/b\.png: not a readable image \(\d+ bytes\)'),
    'brush-empty': (lambda t, s: mnist_train(t, f'env.brush={write(t / "b.myb", "")}',
                                             f'data.path={s / "mnist"}'), 1,
                    r'b\.myb: expected a MyPaint brush \(JSON\), got invalid JSON'),
    'brush-version': (lambda t, s: mnist_train(
        t, f'env.brush={write(t / "b.myb", """{"version": 2, "settings": {}}""")}',
        f'data.path={s / "mnist"}'), 1,
        r'b\.myb: expected a MyPaint brush with "version": 3 and a "settings" object, got '
        r'version 2'),
    'brush-directory': (lambda t, s: mnist_train(t, f'env.brush={_dir(t / "b.myb")}',
                                                 f'data.path={s / "mnist"}'), 1,
                        r'env\.brush: no such brush file: .*b\.myb'),
    'demo-snapshot-missing': (lambda t, s: ['demo', 'static', str(t / 'nope'),
                                            str(t / 'x.png')], 2,
                              r'nope: expected a snapshot directory, a run directory or a shipped '
                              r'painter\'s name \(.*\), got none of them'),
    'demo-no-config': (lambda t, s: ['demo', 'static', str(_dir(t / 'run' / '10')),
                                     str(t / 'x.png')], 2,
                       r'run/config\.yaml: expected the run\'s config\.yaml beside the snapshot '
                       r'directory, got nothing'),
    'demo-imsize-off-grid': (lambda t, s: [
        'demo', 'static', str(shipped_snapshot(t, 'mnist_conditional', s / 'mnist')),
        str(t / 's.png'), '--imsize', '33'], 2, r'imsize 33: expected a mypaint canvas whose 32 px '
        r'and grid of 16 scale to a whole grid, got mypaint and a grid of 16\.5'),
    'demo-damaged-snapshot': (lambda t, s: ['demo', 'static', str(_damaged_manifest(t)),
                                            str(t / 'x.png')], 2,
                              r'4000/generator\.npz: damaged: expected \d+ bytes'),
    'demo-output-unwritable': (lambda t, s: ['demo', 'static', str(toy_snapshot(t)),
                                             str(write(t / 'f', 'x') / 'x.png')], 1,
                               r'f: cannot write the output \((File exists|Not a directory)\)'),
    'reconstruct-corrupt-image': (lambda t, s: ['demo', 'reconstruct', str(shipped_snapshot(t, 'mnist_conditional')),
                                                str(write(t / 'i.png', b'\x89PNG junk')),
                                                str(t / 'out')], 2,
                                  r'i\.png: not a readable image \(\d+ bytes\)'),
    'reconstruct-empty-folder': (lambda t, s: ['demo', 'reconstruct', str(toy_snapshot(t)),
                                               str(_dir(t / 'imgs')), str(t / 'out')], 2,
                                 r'imgs: expected image files .* in the folder, found none'),
    'evaluate-not-a-snapshot': (lambda t, s: ['evaluate', str(t)], 2,
                                r': expected a snapshot directory with counters\.json'),
    'evaluate-temperature-zero': (lambda t, s: ['evaluate', str(t), '--temperature', '0'], 2,
                                  r'--temperature: expected a positive number, got 0\.0 '
                                  r'\(--greedy takes the most probable actions\)'),
    'evaluate-repeats-conditional': (lambda t, s: [
        'evaluate', str(shipped_snapshot(t, 'mnist_conditional', s / 'mnist')), '--n', '4',
        '--repeats', '2'], 2, r'repeats: expected 1 or more \(1 for a conditional painter, whose '
        r'held-out targets are fixed\), got 2'),
    'evaluate-imsize-off-grid': (lambda t, s: [
        'evaluate', str(shipped_snapshot(t, 'mnist_conditional', s / 'mnist')), '--n', '4',
        '--imsize', '33'], 2, r'imsize 33: expected a mypaint canvas whose 32 px and grid of 16 '
        r'scale to a whole grid, got mypaint and a grid of 16\.5'),
    'evaluate-damaged-snapshot': (lambda t, s: ['evaluate', str(_damaged_manifest(t)), '--n', '4'],
                                  2, r'4000/generator\.npz: damaged: expected \d+ bytes'),
    'evaluate-classifier-damaged': (lambda t, s: [
        'evaluate', str(shipped_snapshot(t, 'mnist', s / 'mnist')), '--n', '4',
        '--classifier',
        _bad_classifier(t)], 2, r'c\.npz: expected a classifier of images'),
    'evaluate-run-empty': (lambda t, s: ['evaluate_run', str(t)], 2,
                           r': expected a run directory with snapshots, found none'),
    'plot-scores-empty-csv': (lambda t, s: ['plot_scores', str(_empty_csv(t)), str(t / 'x.png')],
                              2, r'metrics\.csv: expected a header and at least one row'),
    'plot-scores-missing-csv': (lambda t, s: ['plot_scores', str(t), str(t / 'x.png')], 2,
                                r'metrics\.csv: expected the run\'s metrics\.csv, got nothing'),
    'package-model-missing-step': (lambda t, s: ['package_model', str(t), '10', 'x'], 2,
                                   r'/10: expected a snapshot directory'),
    'show-dataset-config-missing': (lambda t, s: ['show_dataset', str(t / 'nope.yaml'),
                                                  str(t / 'x.png')], 2,
                                    r'nope\.yaml: cannot read the config file \(No such file or '
                                    r'directory\)'),
    'show-dataset-config-directory': (lambda t, s: ['show_dataset', str(_dir(t / 'c')),
                                                    str(t / 'x.png')], 2,
                                      r'/c: cannot read the config file \(Is a directory\)'),
    'show-dataset-npz-truncated': (lambda t, s: ['show_dataset', 'celeba', str(t / 'x.png'),
                                                 '--path', _cut(_grey_celeba(t))], 2,
                                   r'c\.npz: not a readable npz file \(BadZipFile: '),
    'show-dataset-npy-not-npz': (lambda t, s: ['show_dataset', 'celeba', str(t / 'x.png'),
                                               '--path', _npy(t / 'c.npy')], 2,
                                 r"c\.npy: expected an npz file with arrays \['images'\], got one "
                                 r'array uint8 \(4, 784\)'),
    'show-dataset-output-unwritable': (lambda t, s: [
        'show_dataset', 'toy', str(write(t / 'f', 'x') / 'x.png'), '--n', '2'], 1,
        r'f/x\.png: cannot write the output \(Not a directory\)'),
    'train-classifier-config-missing': (lambda t, s: ['train_classifier', str(t / 'nope.yaml')], 2,
                                        r'nope\.yaml: cannot read the config file \(No such file '
                                        r'or directory\)'),
    'train-classifier-npz-keys': (lambda t, s: ['train_classifier', _jikei_config(t)], 2,
                                  r"j\.npz: expected arrays \['img', 'tag'\], found \['img'\]"),
    'convert-jikei-root-missing': (lambda t, s: ['convert_jikei', str(t / 'nope'),
                                                 str(t / 'j.npz')], 2,
                                   r'nope: expected a folder of CODH book folders, got nothing'),
    'convert-jikei-corrupt-image': (lambda t, s: ['convert_jikei', _codh(t, b'junk'),
                                                  str(t / 'j.npz')], 2,
                                    r'U\+3042/a\.jpg: not a readable image'),
    'convert-jikei-tags-missing': (lambda t, s: ['convert_jikei', str(t), str(t / 'j.npz'),
                                                 '--tags', str(t / 'nope.txt')], 2,
                                   r'nope\.txt: cannot read the tags file \(No such file or '
                                   r'directory\)'),
    'convert-jikei-output-unwritable': (lambda t, s: [
        'convert_jikei', _codh(t, _jpeg()), str(write(t / 'f', 'x') / 'j.npz')],
        1, r'f/j\.npz: cannot write the output \(Not a directory\)'),
    'convert-quickdraw-empty': (lambda t, s: ['convert_quickdraw', str(write(t / 'q.npz', b'')),
                                              str(t / 'r.npz')], 2,
                                r'q\.npz: not a readable npz file \(EOFError: '),
    'convert-quickdraw-truncated': (lambda t, s: ['convert_quickdraw', _cut(_sketches(t)),
                                                  str(t / 'r.npz')], 2,
                                    r'q\.npz: not a readable npz file \(BadZipFile: '),
    'convert-quickdraw-npy-not-npz': (lambda t, s: ['convert_quickdraw', _npy(t / 'q.npy'),
                                                    str(t / 'r.npz')], 2,
                                      r"q\.npy: expected an npz file with arrays \['train', "
                                      r"'valid', 'test'\], got one array uint8 \(4, 784\)"),
    'convert-quickdraw-arrays-missing': (lambda t, s: ['convert_quickdraw',
                                                       _sketches(t, ('train', 'x')),
                                                       str(t / 'r.npz')], 2,
                                         r"q\.npz: expected arrays \['train', 'valid', 'test'\], "
                                         r"found \['train', 'x'\]"),
    'convert-quickdraw-shape': (lambda t, s: ['convert_quickdraw', _sketches(t, sketch=[0, 0]),
                                              str(t / 'r.npz')], 2,
                                r'q\.npz: train\[0\]: expected a stroke-3 array \(L, 3\), got '
                                r'shape \(2,\)'),
    'convert-quickdraw-output-unwritable': (lambda t, s: [
        'convert_quickdraw', _sketches(t), str(write(t / 'f', 'x') / 'r.npz'), '--imsize', '16',
        '--pos-resolution', '8'], 1, r'f/r\.npz: cannot write the output \(Not a directory\)'),
}


def _train_on(tmp, problem, path, *sets):
    """train.py on the mnist config with another problem's data at `path`."""
    return mnist_train(tmp, f'data.problem={problem}', f'data.path={path}', *sets)


def _copy(source, dest, damage):
    shutil.copytree(source, dest)
    damage(dest)
    return dest


def _grey_celeba(tmp):
    np.savez(tmp / 'c.npz', images=np.zeros((4, 64, 64), np.uint8))
    return tmp / 'c.npz'


def _dir(path):
    path.mkdir(parents=True)
    return path


def _empty(path):
    path.write_bytes(b'')


def _unchecked_toy(tmp):
    """The shipped toy snapshot without its manifest: loaded unchecked, as snapshots written
    before manifests existed are."""
    snapshot = toy_snapshot(tmp)
    (snapshot / 'manifest.json').unlink()
    return snapshot


def _truncated_npz(tmp):
    snapshot = _unchecked_toy(tmp)
    cut_in_half(snapshot / 'generator.npz')
    return snapshot


def _damaged_manifest(tmp):
    from chainer_spiral.runs.snapshots import MANIFEST_FILE, manifest
    import json
    snapshot = toy_snapshot(tmp)
    (snapshot / MANIFEST_FILE).write_text(json.dumps(manifest(snapshot)))
    cut_in_half(snapshot / 'generator.npz')
    return snapshot


def _counters(tmp, text):
    snapshot = _unchecked_toy(tmp)
    (snapshot / 'counters.json').write_text(text)
    return snapshot


def _bad_classifier(tmp):
    write(tmp / 'c.json', (CLASSIFIER_DIR / 'mnist64.json').read_text())
    return str(write(tmp / 'c.npz', b'garbage'))


def _empty_csv(tmp):
    write(_dir(tmp / 'run') / 'metrics.csv', '')
    return tmp / 'run'


def _cut(path):
    cut_in_half(Path(path))
    return str(path)


def _npy(path):
    np.save(path, np.zeros((4, 784), np.uint8))
    return str(path)


def _jikei_config(tmp):
    """A config of the jikei problem on an npz without its `tag` array."""
    np.savez(tmp / 'j.npz', img=np.zeros((4, 8, 8), np.uint8))
    return str(write(tmp / 'j.yaml', f'data:\n  problem: jikei\n  path: {tmp / "j.npz"}\n'))


def _jpeg():
    return cv2.imencode('.jpg', np.full((8, 6), 50, np.uint8))[1].tobytes()


def _codh(tmp, data):
    """A CODH tree of one book with one character crop of bytes `data`."""
    write(_dir(tmp / 'codh' / 'b1' / 'characters' / 'U+3042') / 'a.jpg', data)
    return str(tmp / 'codh')


def _sketches(tmp, splits=('train', 'valid', 'test'), sketch=((0, 0, 0), (5, 0, 1))):
    """A sketch-rnn npz: each of `splits` an object array of one stroke-3 `sketch`."""
    arrays = {}
    for split in splits:
        arrays[split] = np.empty(1, object)
        arrays[split][0] = np.array(sketch, np.int16)
    np.savez(tmp / 'q.npz', **arrays)
    return str(tmp / 'q.npz')


def run_entry(argv, monkeypatch, load_script):
    """Run an entry point in-process; returns its exit status."""
    monkeypatch.chdir(REPO)
    entry, args = argv[0], argv[1:]
    try:
        if entry == 'train':
            return train_main(args, prog='train.py')
        if entry == 'demo':
            return demo_main(args, prog='demo.py')
        # a script's argparse names itself after sys.argv[0], as when it is run from a shell
        monkeypatch.setattr(sys, 'argv', [f'{entry}.py', *args])
        return load_script(entry).main(args)
    except SystemExit as e:
        return e.code


def test_the_doc_lists_every_case():
    text = (REPO / 'docs' / 'errors.md').read_text()
    assert set(re.findall(r'^\| `([a-z0-9-]+)` \|', text, re.M)) == set(CASES)


@pytest.mark.parametrize('case', sorted(CASES))
def test_one_line_naming_the_file(case, tmp_path, shared_data, monkeypatch, capsys,
                                  load_script):
    build, status, message = CASES[case]
    argv = build(tmp_path, shared_data)
    before = {p: p.stat().st_size for p in tmp_path.rglob('*') if p.is_file()}
    code = run_entry(argv, monkeypatch, load_script)
    err = capsys.readouterr().err
    assert code == status, err
    assert 'Traceback' not in err
    last = err.strip().splitlines()[-1]
    assert re.search(message, last), last
    assert re.match(r'^(error: |\S+\.py: error: |\S+\.py reconstruct: error: )', last), last
    # Nothing that was on disk is damaged (sizes of the files the case made are unchanged).
    assert {p: p.stat().st_size for p in before if p.exists()} == before
