"""Coarse-to-fine paintings with a shipped conditional painter (mnist_conditional, 32 x 32): tiles
lower the L2 of a picture, every pass starts from the canvas so far, the program round-trips
through JSON with its per-step widths, a painting a pass at a time streams the painting's program,
and a colour painter paints colour pictures."""
import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest

from chainer_spiral.agents.acting import to_canvas
from chainer_spiral.config import load_config
from chainer_spiral.demo.coarse_to_fine import (Plan, PrimedEnv, paint_passes, paint_picture,
                                                paint_pictures)
from chainer_spiral.painters import resolve_snapshot
from chainer_spiral.program.json import from_doc, to_doc
from chainer_spiral.program.replay import replay_at_size
from chainer_spiral.runs.loading import build_agent_from_config, env_kwargs, load_agent

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def painter():
    cfg, agent, _ = load_agent(str(resolve_snapshot('mnist_conditional')), with_dataset=False)
    return cfg, agent


def four_digits():
    """A 64 x 64 picture of four printed digits, one per quadrant: uint8 (64, 64)."""
    picture = np.full((64, 64), 255, np.uint8)
    for (x, y), digit in zip([(8, 26), (40, 26), (8, 58), (40, 58)], '1742'):
        cv2.putText(picture, digit, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 3, cv2.LINE_AA)
    return picture


def l2(painting, picture):
    canvas = to_canvas(painting.image(picture.shape[1]), 1)[..., 0]
    return float(np.mean((canvas / 255 - picture / 255) ** 2))


def test_tiles_lower_the_l2_of_a_picture(painter):
    cfg, agent = painter
    picture = four_digits()
    agent.seed(0)
    whole = paint_picture(agent, cfg, picture, Plan(tiles=0))
    agent.seed(0)
    tiled = paint_picture(agent, cfg, picture, Plan(tiles=2, overlap=0))
    blank = float(np.mean((1 - picture / 255) ** 2))
    assert l2(tiled, picture) < l2(whole, picture) < blank
    assert len(tiled.passes) == 5 and tiled.program.imsize == 64
    for p in tiled.passes:  # a pass is kept only when it lowered its tile's L2
        assert p.kept == (p.l2_after < p.l2_before)
    kept = [p for p in tiled.passes if p.kept]
    assert len(kept) >= 2
    T = cfg.env.max_episode_steps
    assert [p.steps[1] - p.steps[0] for p in kept] == [T + 1] * len(kept)
    assert len(tiled.program.steps) == (T + 1) * len(kept)


def test_every_pass_starts_from_the_canvas_so_far(painter):
    cfg, agent = painter
    agent.seed(1)
    plan = Plan(tiles=3, overlap=4)
    painting = paint_picture(agent, cfg, four_digits(), plan)
    n = painting.program.imsize
    whole = replay_at_size(painting.program, n, painting.brush)
    env = PrimedEnv(**env_kwargs(cfg))
    assert painting.program.n_strokes > 0
    for tile in plan.grid(cfg.env.imsize).tiles():
        env.prime(painting.program, tile.box(n))
        np.testing.assert_array_equal(env.reset()['image'], tile.crop(whole.transpose(2, 0, 1))
                                      .transpose(1, 2, 0))


def test_the_program_round_trips_through_json_with_its_widths(painter):
    cfg, agent = painter
    agent.seed(2)
    painting = paint_picture(agent, cfg, four_digits(), Plan(tiles=2))
    program = painting.program
    assert len({round(program.width(s), 6) for s in program.steps}) == 2  # whole and tile widths
    again, = from_doc(to_doc([program]))
    assert again == program
    np.testing.assert_array_equal(replay_at_size(again, 128), replay_at_size(program, 128))


def test_keep_all_keeps_the_passes_that_raise_the_l2(painter):
    cfg, agent = painter
    blank = np.full((64, 64), 255, np.uint8)  # nothing to paint: every stroke raises the L2
    agent.seed(4)
    skipped = paint_picture(agent, cfg, blank, Plan(tiles=2))
    agent.seed(4)
    kept = paint_picture(agent, cfg, blank, Plan(tiles=2, keep_all=True))
    assert skipped.program.n_strokes == 0 and not any(p.kept for p in skipped.passes)
    assert all(p.kept for p in kept.passes) and kept.program.n_strokes > 0
    assert len(kept.passes) == len(skipped.passes) == 5


def test_the_passes_budget_and_the_aspect_ratio(painter):
    cfg, agent = painter
    agent.seed(3)
    wide = np.full((40, 80), 255, np.uint8)
    cv2.line(wide, (10, 30), (70, 10), 0, 4)
    painting, dark = paint_pictures(agent, cfg, [wide, 255 - wide], Plan(tiles=3, passes=4))
    assert len(painting.passes) == 4 and not painting.inverted and dark.inverted
    assert painting.box == (0.0, 0.25, 1.0, 0.75)
    assert painting.image(200).shape == (100, 200, 3)
    # tiles wholly in the padding (the top and bottom rows of 3 x 3) are never painted
    for p in painting.passes:
        assert p.box[1] < 0.75 and p.box[3] > 0.25



def streamed(passes):
    """Runs a ``paint_passes`` generator: (its passes, each kept pass's steps, its Painting)."""
    seen, steps = [], []
    while True:
        try:
            done, program = next(passes)
        except StopIteration as stop:
            return seen, steps, stop.value
        seen.append(done)
        if done.kept:
            first, end = done.steps
            assert first == len(steps)  # the passes come in the program's order
            steps += program.steps[first:end]


@pytest.mark.parametrize('plan', [Plan(tiles=2, passes=3), Plan(tiles=3, passes=6)])
def test_the_steps_streamed_pass_by_pass_are_the_paintings_program(painter, plan):
    cfg, agent = painter
    blank, generator = paint_passes(agent, cfg, four_digits(), plan,
                                    rng=np.random.RandomState(7))
    passes, steps, painting = streamed(generator)
    assert blank == dataclasses.replace(painting.program, steps=(), start=blank.start)
    assert tuple(passes) == painting.passes and len(passes) == plan.n_passes()
    assert tuple(steps) == painting.program.steps and painting.program.n_strokes > 0
    # paint_picture paints the same with the same random state; the agent's own is not used.
    state = agent.rng.get_state()[1].copy()
    again = paint_picture(agent, cfg, four_digits(), plan, rng=np.random.RandomState(7))
    assert again.program == painting.program and again.passes == painting.passes
    np.testing.assert_array_equal(agent.rng.get_state()[1], state)
    with pytest.raises(ValueError, match='tiles: expected an int >= 0, got -1'):
        paint_passes(agent, cfg, four_digits(), Plan(tiles=-1))  # refused before any pass

@pytest.mark.parametrize('action_space', ['spiral', 'paper'])
def test_a_colour_painter_paints_a_colour_picture(action_space):
    cfg = load_config(REPO / 'configs' / 'celeba.yaml',
                      ['model.conditional=true', 'env.imsize=16', 'env.pos_resolution=8',
                       'env.max_episode_steps=3', f'env.action_space={action_space}',
                       f'model.colour_prior={action_space == "paper"}',
                       f'model.control_prior={action_space == "paper"}'], check_paths=False)
    agent = build_agent_from_config(cfg, None)  # untrained: what matters is the path
    assert agent.generator.channels == 3
    picture = np.zeros((30, 20, 3), np.uint8)
    picture[..., 0] = 200  # a dark-bordered red photo: taken as it is
    agent.seed(0)
    painting = paint_picture(agent, cfg, picture, Plan(tiles=2, n_samples=2))
    assert not painting.inverted and painting.target.shape == (3, 30, 30)
    assert len(painting.passes) == 5
    assert painting.image(40).shape == (40, 26, 3)  # columns 7 to 33 of 40 (5/30 to 25/30)
    program = painting.program
    assert program.action_space == action_space and program.n_strokes > 0
    again, = from_doc(to_doc([program]))
    np.testing.assert_array_equal(replay_at_size(again, 40), replay_at_size(program, 40))
