"""The SPIRAL agent (Ganin et al. 2018) in chainer_spiral's A3C form.

Each worker holds local copies of the shared generator (policy + value) and discriminator.
`collect` runs B = rollout_n episodes in lockstep with the local generator; `update` computes
the rewards, the generator gradients (local), copies them to the shared generator, steps its
optimizer, then does the same for one discriminator step, and finally copies the shared
parameters back into the local models, as chainerrl's A3C does.

It is also a ChainerRL BatchAgent over a batch of lockstep envs (`batch_act`,
`batch_act_and_train`, `batch_observe`, `batch_observe_and_train`), so that ChainerRL's
evaluation utilities (chainerrl.experiments.evaluator) can drive a painter: the batch's episodes
must start and end together, as they do with a fixed number of steps; `batch_act_and_train`
learns from each finished batch of episodes with `update`. The per-step single-env calls (`act`,
`act_and_train`, `stop_episode_and_train`) do not fit lockstep batches and raise
NotImplementedError.
"""
import copy
import os
import typing
from logging import getLogger

import chainer
import numpy as np
from chainer import optimizer_hooks
from chainerrl import agent
from chainerrl.misc import async_, copy_param
from chainerrl.optimizers import NonbiasWeightDecay

from chainer_spiral.agents import learning, rewards
from chainer_spiral.agents.acting import LockstepActor, collect, to_canvas
from chainer_spiral.agents.fused import fused_backward
from chainer_spiral.agents.population import Population
from chainer_spiral.config import section
from chainer_spiral.models import Discriminator, Generator, spec_from_env

logger = getLogger(__name__)

# R: the mean raw reward-mode score of the update's B final canvases; R_median ... R_min: the
# other figures of those B scores (scores.txt's ChainerRL columns).
STATISTICS = ('avg_value', 'avg_entropy', 'l2', 'pi_loss', 'v_loss', 'R', 'R_median', 'R_std',
              'R_max', 'R_min', 'reward_min', 'reward_mean', 'reward_max', 'reward_std',
              'd_loss', 'gp', 'd_grad_norm', 'teacher_loss')


class ReplayBuffer:
    """A ring buffer of past fake pairs (final canvas, target) for the discriminator."""

    def __init__(self, size):
        self.size, self.n, self.next = size, 0, 0
        self.images = self.targets = None

    def add(self, images, targets):
        if self.images is None:
            self.images = np.empty((self.size,) + images.shape[1:], np.float32)
            self.targets = np.empty_like(self.images)
        for i in range(len(images)):
            self.images[self.next] = images[i]
            self.targets[self.next] = images[i] if targets is None else targets[i]
            self.next = (self.next + 1) % self.size
            self.n = min(self.n + 1, self.size)

    def sample(self, rng, n, images, targets):
        """n pairs drawn uniformly with replacement from the buffer and the given new pairs.

        Args:
            images, targets: the newest pairs (B, C, H, W) (targets None: unconditional),
                not yet added (they are added once the update has succeeded).

        Returns:
            (images, targets), (n, C, H, W) each.
        """
        pool_images = images if self.n == 0 else np.concatenate((self.images[:self.n], images))
        targets = images if targets is None else targets
        pool_targets = targets if self.n == 0 else np.concatenate((self.targets[:self.n],
                                                                   targets))
        idx = rng.randint(len(pool_images), size=n)
        return pool_images[idx], pool_targets[idx]


class PendingUpdate(typing.NamedTuple):
    """An update whose gradients are computed but not yet applied (`SPIRAL.compute_gradients`)."""
    finals: np.ndarray            # float32 (B, C, H, W): the replay buffer's new fakes
    targets: typing.Optional[np.ndarray]  # float32 (B, C, H, W) or None (unconditional)
    stats: dict                   # the update's statistics (STATISTICS names)


class SPIRAL(agent.AttributeSavingMixin, agent.AsyncAgent):
    """SPIRAL: one worker's view of the shared generator and discriminator.

    Args:
        generator: Generator (the shared one; the agent makes a local copy).
        discriminator: Discriminator (shared).
        gen_optimizer: optimizer set up on `generator`.
        dis_optimizer: optimizer set up on `discriminator`.
        dataset: SpiralDataset of the real images.
        spec: ActionSpec of the env.
        conditional: the generator and the discriminator see a target image.
        cfg: AgentConfig (the `agent:` config keys, docs/configs.md); the optimizers' keys are
            used by `build_agent`.
        seed: seed of the agent's own RandomState (action sampling, penalty interpolation,
            replay sampling).
        process_idx: index of this worker.
    """

    saved_attributes = ('generator', 'discriminator', 'gen_optimizer', 'dis_optimizer')
    shared_attributes = ('shared_generator', 'shared_discriminator', 'gen_optimizer',
                         'dis_optimizer')
    process_idx = None
    population = None  # a Population (agents/population.py) with agent.population >= 2
    teacher = None     # a demonstrations.Teacher with agent.teacher_weight > 0
    member = 0         # the population member that draws and learns now

    def __init__(self, generator, discriminator, gen_optimizer, dis_optimizer, dataset, spec,
                 conditional, cfg, seed=0, process_idx=0):
        self.shared_generator, self.shared_discriminator = generator, discriminator
        self.generator = copy.deepcopy(generator)
        self.discriminator = copy.deepcopy(discriminator)
        async_.assert_params_not_shared(self.shared_generator, self.generator)
        self.gen_optimizer, self.dis_optimizer = gen_optimizer, dis_optimizer
        self.dataset, self.spec = dataset, spec
        self.conditional = conditional
        self.reward = rewards.make_reward(cfg, self.discriminator)
        self.rollout_n, self.gamma, self.lambda_R = cfg.rollout_n, cfg.gamma, cfg.lambda_R
        self.loss = learning.A3CLoss(cfg.beta, cfg.pi_loss_coef, cfg.v_loss_coef)
        self.generator_backward = (fused_backward if cfg.recompute == 'fused'
                                   else learning.plain_backward)
        self.penalties = dict(empty_drawing_penalty=cfg.empty_drawing_penalty,
                              staying_penalty=cfg.staying_penalty,
                              new_stroke_penalty=cfg.new_stroke_penalty)
        self.temporal_credit = cfg.temporal_credit
        self.teacher_weight = cfg.teacher_weight
        self.standardise = rewards.ScoreStandardiser(cfg.reward_standardisation)
        self.replay = (ReplayBuffer(cfg.replay_buffer_size) if cfg.replay_buffer_size > 0
                       else None)
        self.process_idx = process_idx
        self.rng = np.random.RandomState(seed)
        self.version = 0  # bumped whenever the local parameters change
        self.update_n = 0
        self.stats = {name: float('nan') for name in STATISTICS}
        self._actor = None  # the episodes of the ChainerRL batch API in progress

    # ------------------------------------------------------------ parameters

    def seed(self, seed):
        """Reseed the agent's RandomState (same seed, same parameters -> same rollouts)."""
        self.rng = np.random.RandomState(seed)

    def sync_parameters(self):
        """Copy the shared parameters into the local models."""
        copy_param.copy_param(target_link=self.generator, source_link=self.shared_generator)
        copy_param.copy_param(target_link=self.discriminator,
                              source_link=self.shared_discriminator)
        self.version += 1

    def use_member(self, member):
        """Draw and learn as population member `member` from now on: its shared generator, its
        Adam state, learning rate and entropy weight; the local generator synced to it when the
        member changes (each update syncs it to the member that learnt)."""
        changed = member != self.member
        self._select(member)
        if changed:
            copy_param.copy_param(target_link=self.generator, source_link=self.shared_generator)
            self.version += 1

    def _select(self, member):
        p = self.population
        self.member = member
        self.shared_generator, self.gen_optimizer = p.generators[member], p.optimizers[member]
        self.gen_optimizer.hyperparam.alpha = float(p.hyper[member, 0])
        self.loss.beta = float(p.hyper[member, 1])

    def save(self, dirname):
        """Write generator.npz, discriminator.npz, gen_optimizer.npz, dis_optimizer.npz
        (the shared parameters, through freshly synced local copies); with a population,
        member 0 there and the others beside it."""
        if self.population is not None:
            self._select(0)
        self.sync_parameters()
        super().save(dirname)
        if self.population is not None:
            self.population.save(dirname)

    def load(self, dirname):
        """Read what `save` wrote into the local and the shared models."""
        if self.population is not None:
            self._select(0)
        super().load(dirname)
        self._share_local_parameters()
        if self.population is not None:
            self.population.load(dirname)

    def load_networks(self, dirname):
        """Read the generator and the discriminator that `save` wrote, not the optimizer states:
        the start of a new run from another run's painter (fine-tuning)."""
        for name in ('generator', 'discriminator'):
            chainer.serializers.load_npz(os.path.join(dirname, name + '.npz'),
                                         getattr(self, name))
        self._share_local_parameters()

    def set_networks(self, arrays):
        """Set the generator's and the discriminator's parameters, not the optimizer states.

        Args:
            arrays: dict 'generator' / 'discriminator' -> dict parameter name (without the
                leading '/') -> array of the parameter's shape.
        """
        for name, values in arrays.items():
            for path, param in getattr(self, name).namedparams():
                param.array[...] = values[path.lstrip('/')]
        self._share_local_parameters()

    def _share_local_parameters(self):
        """Copy the local networks into the shared ones (with a population: every member
        starts from them, Adam states included)."""
        if self.population is not None:
            self._select(0)
        copy_param.copy_param(target_link=self.shared_generator, source_link=self.generator)
        copy_param.copy_param(target_link=self.shared_discriminator,
                              source_link=self.discriminator)
        self.version += 1
        if self.population is not None:
            self.population.spread_member_zero()

    # ------------------------------------------------------------ acting

    def collect(self, envs, targets=None, greedy=False, record=False, temperature=1.0):
        """Run len(envs) episodes in lockstep with the local generator (see acting.collect).

        Args:
            envs: B envs.
            targets: float32 (B, C, H, W) for a conditional generator; None draws them from
                the dataset's training images. Ignored when unconditional.
            greedy: most probable actions.
            record: keep the RGB frames.
            temperature: sample from softmax(log pi / temperature).

        Returns:
            Rollout.
        """
        if self.conditional and targets is None:
            targets = self._examples(len(envs), train=True)
        if not self.conditional:
            targets = None
        return collect(self.generator, self.spec, envs, self.rng, self.generator.channels,
                       targets=targets, greedy=greedy, record=record, version=self.version,
                       temperature=temperature)

    def _examples(self, n, train=True):
        return np.stack([self.dataset.get_example(train=train) for _ in range(n)])

    # ------------------------------------------------------------ learning

    def update(self, rollout):
        """One generator step and one discriminator step from a rollout (see module docstring).

        The stages are separate calls so that a learner elsewhere can apply the gradients a
        worker computed (training/ray_backend.py): compute, apply, sync, record.

        Raises:
            NonFiniteLossError: a loss or gradient is not finite (no parameter was updated).
        """
        pending = self.compute_gradients(rollout)
        self.apply_gradients()
        self.sync_parameters()
        self.record_update(pending)

    def compute_gradients(self, rollout):
        """Rewards, returns and the gradients of the A3C losses and of the discriminator's loss,
        left in the local generator and discriminator; no parameter changes.

        Returns:
            PendingUpdate: what `record_update` needs once the gradients are applied.

        Raises:
            NonFiniteLossError: a loss or gradient is not finite.
        """
        B = rollout.B
        reals = rollout.targets if self.conditional else self._examples(B)
        rewards, final_scores = self._rewards(rollout, reals)
        returns = learning.discounted_returns(rewards, self.gamma)

        self.generator.cleargrads()
        g_stats = self.generator_backward(self.generator, rollout, rollout.targets, returns,
                                          self.loss, rollout.version == self.version)
        rollout.maps = None  # valid for the current parameters only: free them now
        if self.teacher is not None:
            g_stats['teacher_loss'] = self.teacher.backward(self.generator, self.rng, B,
                                                            self.teacher_weight)
        self.discriminator.cleargrads()
        d_stats = self._discriminator_backward(rollout, reals)
        learning.check_finite(generator_gradients=_grad_sum(self.generator),
                              discriminator_gradients=_grad_sum(self.discriminator))
        l2 = float(np.mean(np.square(rollout.finals - reals)))
        stats = dict(g_stats, **d_stats, l2=l2, R=float(final_scores.mean()),
                     R_median=float(np.median(final_scores)), R_std=float(final_scores.std()),
                     R_max=float(final_scores.max()), R_min=float(final_scores.min()),
                     reward_min=float(rewards.min()), reward_mean=float(rewards.mean()),
                     reward_max=float(rewards.max()), reward_std=float(rewards.std()))
        return PendingUpdate(rollout.finals, rollout.targets, stats)

    def critic_step(self, envs):
        """One discriminator update on B = len(envs) drawings of the current policy, the policy
        left as it is: a warm start of a fresh critic for a policy that already draws
        (`agent.critic_warmup_updates`).

        Returns:
            dict: the discriminator's statistics (d_loss, gp, d_grad_norm).

        Raises:
            NonFiniteLossError: the discriminator's loss or gradient is not finite.
        """
        targets = self._examples(len(envs)) if self.conditional else None
        rollout = self.collect(envs, targets=targets)
        reals = rollout.targets if self.conditional else self._examples(rollout.B)
        self.discriminator.cleargrads()
        stats = self._discriminator_backward(rollout, reals)
        learning.check_finite(discriminator_gradients=_grad_sum(self.discriminator))
        self._apply(self.discriminator, self.shared_discriminator, self.dis_optimizer)
        self.sync_parameters()
        return stats

    def apply_gradients(self):
        """Step the shared generator's optimizer (and the discriminator's, when the reward
        learns) with the gradients of the local models."""
        self._apply(self.generator, self.shared_generator, self.gen_optimizer)
        if self.reward.learns:
            self._apply(self.discriminator, self.shared_discriminator, self.dis_optimizer)

    def record_update(self, pending):
        """After the gradients of `pending` were applied: replay buffer, statistics."""
        if self.reward.learns and self.replay is not None:
            self.replay.add(pending.finals, pending.targets)
        if self.population is not None:
            self.population.record(self.member, pending.stats['R'])
        self.update_n += 1
        self.stats.update(pending.stats)
        logger.debug('process %s update %d: %s', self.process_idx, self.update_n, self.stats)

    def _rewards(self, rollout, reals):
        """(rewards (T, B), final reward-mode scores (B,), before any standardisation)."""
        aux = rewards.auxiliary_rewards(self.spec, rollout.actions, **self.penalties)
        if not self.temporal_credit:
            scores = self.reward.scores(rollout.finals, reals)
            return rewards.step_rewards(aux, self.lambda_R,
                                        final_scores=self.standardise(scores)), scores
        T, B = rollout.T, rollout.B
        images = rollout.canvases.transpose(0, 1, 4, 2, 3).reshape(
            ((T + 1) * B,) + rollout.finals.shape[1:]).astype(np.float32) / np.float32(255)
        tiled = np.broadcast_to(reals, (T + 1,) + reals.shape).reshape(images.shape)
        scores = self.reward.scores(images, tiled).reshape(T + 1, B)
        return (rewards.step_rewards(aux, self.lambda_R, all_scores=self.standardise(scores)),
                scores[-1])

    def _discriminator_backward(self, rollout, reals):
        """Accumulate the discriminator's gradients (none for 'l2'); returns its stats."""
        if not self.reward.learns:
            return {'d_loss': float('nan'), 'gp': float('nan'), 'd_grad_norm': float('nan')}
        fakes, fake_cond = rollout.finals, rollout.targets
        if self.replay is not None:
            fakes, fake_cond = self.replay.sample(self.rng, rollout.B, fakes, fake_cond)
            if not self.conditional:
                fake_cond = None
        # Conditional: the real pairs are (target, target) for the fakes' own targets.
        real_cond = fake_cond if self.conditional else None
        if self.conditional:
            reals = fake_cond
        eps = self.rng.uniform(0, 1, size=len(reals)).astype(np.float32)
        reals, fakes, real_cond, fake_cond = self.reward.inputs.training(
            self.rng, reals, fakes, real_cond, fake_cond)
        loss, gp, grad_norm = self.reward.backward(reals, fakes, real_cond, fake_cond, eps)
        return {'d_loss': loss, 'gp': gp, 'd_grad_norm': grad_norm}

    @staticmethod
    def _apply(local, shared, optimizer):
        shared.cleargrads()
        copy_param.copy_grad(target_link=shared, source_link=local)
        optimizer.update()

    def get_statistics(self):
        """The last update's values: [('train/<name>', float)], nan where not applicable
        (d_loss, gp, d_grad_norm in l2 mode; gp and d_grad_norm with dcgan; all before the
        first update)."""
        return [(f'train/{name}', self.stats[name]) for name in STATISTICS]

    # ------------------------------------------------------------ ChainerRL batch API

    act_deterministically = False  # batch_act takes the most probable actions when True

    def batch_act(self, batch_obs):
        """Actions of a batch of lockstep episodes for their observations (evaluation).

        Args:
            batch_obs: B env observations (dicts with the RGB 'image').

        Returns:
            list of B env action dicts.
        """
        return self._batch_step(batch_obs, greedy=self.act_deterministically)

    def batch_act_and_train(self, batch_obs):
        """`batch_act` with sampled actions, recording the episodes for `update`."""
        return self._batch_step(batch_obs, greedy=False)

    def batch_observe(self, batch_obs, batch_reward, batch_done, batch_reset):
        """End the batch's episodes when every one of them is done or reset."""
        self._batch_end(batch_obs, batch_done, batch_reset, train=False)

    def batch_observe_and_train(self, batch_obs, batch_reward, batch_done, batch_reset):
        """`batch_observe`; a finished batch of episodes is learned from (`update`)."""
        self._batch_end(batch_obs, batch_done, batch_reset, train=True)

    def _batch_step(self, batch_obs, greedy):
        canvases = np.stack([to_canvas(o['image'], self.generator.channels) for o in batch_obs])
        if self._actor is None:
            targets = self._examples(len(batch_obs)) if self.conditional else None
            self._actor = LockstepActor(self.generator, self.spec, self.rng, len(batch_obs),
                                        targets, greedy, self.version)
        acts = self._actor.act(canvases)
        return [self.spec.to_env(acts, b) for b in range(len(batch_obs))]

    def _batch_end(self, batch_obs, batch_done, batch_reset, train):
        ended = np.logical_or(batch_done, batch_reset)
        if self._actor is None or not ended.any():
            return
        if not ended.all():
            raise ValueError(f'SPIRAL batch API: expected the lockstep episodes to end '
                             f'together, got {int(ended.sum())} of {len(ended)} ended')
        actor, self._actor = self._actor, None
        if train:
            final = np.stack([to_canvas(o['image'], self.generator.channels)
                              for o in batch_obs])
            self.update(actor.rollout(final))

    # ------------------------------------------------------------ ChainerRL per-step API

    def act(self, obs):
        raise NotImplementedError('SPIRAL acts on batches of lockstep episodes: use collect()')

    def act_and_train(self, obs, reward):
        raise NotImplementedError('SPIRAL acts on batches of lockstep episodes: use collect()')

    def stop_episode_and_train(self, state, reward, done=False):
        raise NotImplementedError('SPIRAL learns from whole rollouts: use update()')

    def stop_episode(self):
        """Nothing to do: the recurrent state lives inside collect()."""


def _grad_sum(link):
    return sum(float(np.sum(p.grad)) for p in link.params() if p.grad is not None)


def _optimizer(link, lr, beta1, grad_clip, weight_decay):
    opt = chainer.optimizers.Adam(alpha=lr, beta1=beta1)
    opt.setup(link)
    opt.add_hook(optimizer_hooks.GradientClipping(grad_clip))
    if weight_decay > 0:  # on weights, not biases, as chainer_spiral (ChainerRL's hook)
        opt.add_hook(NonbiasWeightDecay(weight_decay))
    return opt


def build_agent(env, dataset, model, agent, seed=0, process_idx=0):
    """The SPIRAL agent of an env and a dataset.

    Args:
        env: MyPaintEnv or ToyEnv (gives imsize, pos_resolution, the action space and, for the
            'spiral' interface, the constant pressure and colour).
        dataset: SpiralDataset (gives the channels C).
        model: ModelConfig, or a dict of some of its keys (the others take their defaults).
        agent: AgentConfig, or a dict of some of its keys.
        seed: seed of the parameters' initialisation and of the agent's RandomState.
        process_idx: index of the worker.

    Returns:
        SPIRAL.

    Raises:
        ConfigError: an unknown key or an invalid value in `model` or `agent`.
    """
    model, cfg = section('model', model), section('agent', agent)
    spec = spec_from_env(env)
    if dataset.imsize != env.imsize:
        raise ValueError(f'dataset imsize: expected the env imsize {env.imsize}, '
                         f'got {dataset.imsize}')
    state = np.random.get_state()
    np.random.seed(seed)  # Chainer's initializers draw from numpy's global RNG
    try:
        gen = Generator(env.imsize, dataset.channels, spec, model.conditional, model.blind,
                        model.position_activation, model.coord_channels, model.spatial_skip,
                        model.local_features, model.colour_prior, model.control_prior)
        dis = Discriminator(env.imsize, dataset.channels, model.conditional, model.spectral_norm)
    finally:
        np.random.set_state(state)
    gen_lr = cfg.lr if cfg.gen_lr is None else cfg.gen_lr
    gen_beta1 = cfg.beta1 if cfg.gen_beta1 is None else cfg.gen_beta1
    gen_opt = _optimizer(gen, gen_lr, gen_beta1, cfg.grad_clip, cfg.weight_decay)
    dis_opt = _optimizer(dis, cfg.lr, cfg.beta1, cfg.grad_clip, cfg.weight_decay)
    spiral = SPIRAL(gen, dis, gen_opt, dis_opt, dataset, spec, model.conditional, cfg, seed=seed,
                    process_idx=process_idx)
    if cfg.population > 1:
        spiral.population = Population(
            gen, gen_opt, lambda link: _optimizer(link, gen_lr, gen_beta1, cfg.grad_clip,
                                                  cfg.weight_decay),
            cfg.population, gen_lr, cfg.beta, seed=seed)
    return spiral
