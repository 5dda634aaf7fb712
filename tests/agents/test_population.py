"""Population-based training (agents/population.py): the exploit step copies a member whole,
the explore step perturbs the learning rate and the entropy weight only, the members round-trip
through a snapshot, and a tiny population run is deterministic under a seed."""
import csv
import json

import numpy as np
import pytest

from chainer_spiral.agents.population import PERTURB, member_of
from chainer_spiral.config import load_config
from chainer_spiral.runs.snapshots import export_inference
from chainer_spiral.training import train
from tests.agents.test_spiral import assert_same_params, params, toy_agent, toy_envs


def population_agent(seed=0, size=2):
    return toy_agent(seed=seed, population=size, lr=1e-3, beta=0.01)


def learn(agent, member, n=2):
    """`n` updates of `member` on toy rollouts."""
    agent.use_member(member)
    for _ in range(n):
        agent.update(agent.collect(toy_envs(4)))


def adam_states(optimizer):
    return {name: {k: v.copy() for k, v in p.update_rule.state.items()}
            for name, p in optimizer.target.namedparams()}


def test_members_start_alike_but_for_the_perturbed_hyperparameters():
    agent = population_agent()
    p = agent.population
    assert p.size == 2 and p.generators[0] is agent.shared_generator
    assert_same_params(p.generators[0], p.generators[1])
    np.testing.assert_allclose(p.hyper[0], [1e-3, 0.01])
    ratio = p.hyper[1] / p.hyper[0]
    assert all(np.isclose(r, PERTURB) or np.isclose(r, 1 / PERTURB) for r in ratio)


def test_use_member_sets_its_generator_and_hyperparameters():
    agent = population_agent()
    learn(agent, 1)
    agent.use_member(1)
    assert agent.shared_generator is agent.population.generators[1]
    assert agent.gen_optimizer.alpha == pytest.approx(agent.population.hyper[1, 0])
    assert agent.loss.beta == pytest.approx(agent.population.hyper[1, 1])
    assert_same_params(agent.generator, agent.population.generators[1])
    with pytest.raises(AssertionError):   # member 0 did not learn
        assert_same_params(agent.population.generators[0], agent.population.generators[1])


def test_exploit_copies_the_best_member_and_explore_perturbs_lr_and_beta_only():
    agent = population_agent()
    p = agent.population
    learn(agent, 0)
    learn(agent, 1, n=3)
    p.scores[...] = [[-4.0, 2], [3.0, 3]]      # member 1 scored higher on average
    winner_params, winner_adam = params(p.generators[1]), adam_states(p.optimizers[1])
    winner_hyper = p.hyper[1].copy()
    critic = params(agent.shared_discriminator)
    event = p.exploit_explore()
    assert (event['winner'], event['loser']) == (1, 0)
    assert event['fitness'] == [-2.0, 1.0]
    assert_same_params(p.generators[0], p.generators[1])
    for name, value in params(p.generators[1]).items():
        np.testing.assert_array_equal(value, winner_params[name])
    for name, state in adam_states(p.optimizers[0]).items():
        for key, value in state.items():
            np.testing.assert_array_equal(value, winner_adam[name][key])
    assert p.optimizers[0].t == p.optimizers[1].t
    np.testing.assert_array_equal(p.hyper[1], winner_hyper)   # the winner keeps its own
    ratio = p.hyper[0] / winner_hyper
    assert all(np.isclose(r, PERTURB) or np.isclose(r, 1 / PERTURB) for r in ratio)
    for name, value in params(agent.shared_discriminator).items():
        np.testing.assert_array_equal(value, critic[name])
    # The other settings of the loser's optimizer and loss are the run's.
    agent.use_member(0)
    assert agent.gen_optimizer.beta1 == p.optimizers[1].beta1
    assert agent.loss.pi_loss_coef == 1.0 and agent.loss.v_loss_coef == 0.5
    assert np.all(p.scores == 0)


def test_no_step_until_every_member_has_updated():
    agent = population_agent()
    learn(agent, 0)
    before = params(agent.population.generators[1])
    assert agent.population.exploit_explore() is None
    for name, value in params(agent.population.generators[1]).items():
        np.testing.assert_array_equal(value, before[name])


def test_members_round_trip_through_a_snapshot_and_stay_out_of_an_export(tmp_path):
    agent = population_agent()
    learn(agent, 0)
    learn(agent, 1)
    agent.population.scores[1] = [5.0, 2]
    agent.save(str(tmp_path / 'snap'))
    (tmp_path / 'snap' / 'counters.json').write_text(
        json.dumps(dict(steps=1, updates=4, episodes=1, elapsed=0.0)))
    other = population_agent(seed=3)
    other.load(str(tmp_path / 'snap'))
    for m in range(2):
        assert_same_params(other.population.generators[m], agent.population.generators[m])
    np.testing.assert_array_equal(other.population.hyper, agent.population.hyper)
    np.testing.assert_array_equal(other.population.scores, agent.population.scores)
    export_inference(tmp_path / 'snap', tmp_path / 'export')
    assert not [p.name for p in (tmp_path / 'export').iterdir()
                if p.name.startswith('population')]


def test_one_process_takes_the_members_in_turn_and_two_keep_one_each():
    assert [member_of(0, n, 1, 2) for n in range(4)] == [0, 1, 0, 1]
    assert [member_of(w, n, 2, 2) for w in (0, 1) for n in range(2)] == [0, 0, 1, 1]


TINY = ['agent.population=2', 'train.steps=480', 'train.n_save_interval=10',
        'train.n_save_final_obs_interval=0', 'train.log_interval=10']


def tiny_run(outdir):
    summary = train(load_config('configs/toy.yaml', TINY), outdir, argv=['train.py', 'tiny'],
                    progress=False)
    return summary, list(csv.DictReader(open(outdir / 'population.csv')))


def test_a_tiny_population_run_is_deterministic_under_a_seed(tmp_path):
    first, rows = tiny_run(tmp_path / 'a')
    second, again = tiny_run(tmp_path / 'b')
    assert len(rows) == 3 and rows == again      # one a snapshot: 10, 20, 30 updates
    assert {int(r['loser']) for r in rows} <= {0, 1}
    assert any(r['loser'] != r['winner'] for r in rows)
    assert_same_params(first['agent'].shared_generator, second['agent'].shared_generator)
    for m in range(2):
        assert_same_params(first['agent'].population.generators[m],
                           second['agent'].population.generators[m])


def test_two_processes_keep_one_member_each_and_share_the_steps(tmp_path):
    cfg = load_config('configs/toy.yaml', TINY + ['train.processes=2'])
    summary = train(cfg, tmp_path / 'run', argv=['train.py', 'tiny'], progress=False)
    rows = list(csv.DictReader(open(tmp_path / 'run' / 'population.csv')))
    assert len(rows) >= 2      # both members updated between every two snapshots
    state = json.loads((summary['snapshot'] / 'population.json').read_text())
    hyper = np.array(state['hyper'])
    steps = np.log(hyper / [1e-3, 0.01]) / np.log(PERTURB)   # whole numbers of explore steps
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-9)


@pytest.mark.parametrize('override, message', [
    ('train.backend=ray', 'train.backend ray'),
    ('train.n_save_interval=0', 'train.n_save_interval > 0'),
    ('agent.reward_mode=l2', 'agent.reward_mode l2'),
])
def test_a_population_refuses_what_it_cannot_rank_or_share(override, message):
    from chainer_spiral.config import ConfigError
    with pytest.raises(ConfigError, match=f'agent.population: expected .*{message}'):
        load_config('configs/toy.yaml', ['agent.population=2', override])
