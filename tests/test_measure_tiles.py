"""scripts/measure_tiles.py on a tiny untrained colour painter: it runs end to end on faces, so
that it measures the faces goal as soon as a colour painter ships."""
from pathlib import Path

import numpy as np

from chainer_spiral.config import load_config
from chainer_spiral.runs.loading import build_agent_from_config

REPO = Path(__file__).resolve().parents[1]


def test_measures_colour_paintings_of_faces(load_script, shared_data):
    script = load_script('measure_tiles')
    cfg = load_config(REPO / 'configs' / 'celeba.yaml',
                      ['model.conditional=true', 'env.imsize=16', 'env.pos_resolution=8',
                       'env.max_episode_steps=3', 'env.action_space=paper'], check_paths=False)
    agent = build_agent_from_config(cfg, None)
    faces = script.held_out_faces(shared_data / 'celeba' / script.FACES_FILE, 224, 2, 32)
    assert faces.shape == (2, 32, 32, 3)
    rows = script.measure(agent, cfg, list(faces), [0, 2], [32, 48])
    assert [r['tiles'] for r in rows] == [0, 2] and [r['passes'] for r in rows] == [1, 5]
    white, mean = script.baselines(list(faces), 32, 3)
    assert 0 < mean < white
    for row in rows:
        assert 0 < row['mse_32'] <= white + 1e-9 and 0 < row['mse_48']
        assert row['strokes'] <= 3 * row['passes']
    # the same seed paints the same whole-picture pass; the tiles only add strokes
    assert rows[1]['strokes'] >= rows[0]['strokes']
    assert np.isfinite([r['seconds'] for r in rows]).all()
