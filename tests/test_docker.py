"""The prebuilt demo image: docker/build.sh builds it, and `docker run` renders the same movie
as `make demo` renders from the checkout."""
import shutil
import subprocess
import sys
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
IMAGE = 'chainer-spiral'


def _docker_missing():
    """Why docker cannot run here, or None where a daemon answers."""
    if shutil.which('docker') is None:
        return 'needs docker: no docker client on PATH (Debian: apt-get install docker.io)'
    info = subprocess.run(['docker', 'info'], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        said = (info.stderr.strip().splitlines() or ['nothing'])[-1]
        return ('needs a docker daemon: `docker info` got no answer (start one: '
                f'dockerd > /tmp/dockerd.log 2>&1 &): {said}')
    return None


def _frames(path):
    """The movie's frames, (N, H, W, 3) uint8."""
    return np.stack([frame for frame in imageio.get_reader(path).iter_data()])


@pytest.mark.slow
def test_docker_run_renders_the_demo_movie(tmp_path):
    reason = _docker_missing()
    if reason:
        pytest.skip(reason)
    build = subprocess.run(['bash', str(REPO / 'docker' / 'build.sh')],
                           capture_output=True, text=True, timeout=3600)
    assert build.returncode == 0, build.stderr[-3000:]
    out = tmp_path / 'out'
    out.mkdir()
    run = subprocess.run(['docker', 'run', '--rm', '-v', f'{out}:/out', IMAGE],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    movie = _frames(out / 'result.mp4')

    # The checkout renders the same painter's movie; the image must show the same drawing.
    command = subprocess.run(['make', '-s', '-n', '-o', 'install', 'demo',
                              'VENV=' + str(Path(sys.executable).parents[1]),
                              f'DEMO_OUT={tmp_path / "here.mp4"}'],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
    here = subprocess.run(command.stdout.strip().splitlines()[-1].split(), cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert here.returncode == 0, here.stderr
    expected = _frames(tmp_path / 'here.mp4')
    assert movie.shape == expected.shape and movie.shape[0] > 1 and movie.shape[-1] == 3
    assert np.abs(movie.astype(np.int16) - expected).mean() < 1.0
