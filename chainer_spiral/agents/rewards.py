"""Rewards: the reward mode's scores, their standardisation, the penalties, the per-step rewards.

One object per reward mode (`agent.reward_mode`) scores canvases without a graph (`scores`);
those with a discriminator also accumulate its loss's gradient (`backward`). `make_reward`
picks the object once, from the config:

- WGANGP: the critic's score D(x); loss mean D(fake) - mean D(real) + gp_lambda * penalty.
- DCGAN: softplus of D's logit (chainer_spiral's: flat at 0 where D is sure a canvas is fake);
  loss mean softplus(-D(real)) + mean softplus(D(fake)).
- L2: -MSE to the target; no discriminator.
- PSNR: 10 log10(1 / MSE) to the target, in dB; no discriminator.

What the discriminator sees of the canvases (complement pairs, augmentation) is the reward's
`inputs` (agents/critic_inputs.py).

The scores become per-step rewards: standardised (`ScoreStandardiser`,
`agent.reward_standardisation`), scaled by lambda_R, at the last step or as differences of
every step's score (temporal credit, `step_rewards`), plus the penalties (`auxiliary_rewards`).
"""
import chainer
import chainer.functions as F
import numpy as np

from chainer_spiral.agents.critic_inputs import CriticInputs
from chainer_spiral.errors import check_finite

# Canvases scored by the discriminator at once.
_SCORE_CHUNK = 40


class L2:
    """-MSE between each canvas and its target (no discriminator: `learns` is False)."""

    learns = False

    def scores(self, images, targets):
        """float32 (N, C, H, W) canvases and targets in [0, 1] -> float32 (N,)."""
        return -np.mean(np.square(images - targets), axis=(1, 2, 3))


class PSNR(L2):
    """10 log10(1 / MSE) between each canvas and its target, in dB (at most 100).

    With temporal credit a step's reward is its relative decrease of the distance, so a late
    stroke that takes a face from 0.055 to 0.050 counts as much as an early one from 0.35 to
    0.32, where -MSE's differences make it six times smaller.
    """

    def scores(self, images, targets):
        """float32 (N, C, H, W) canvases and targets in [0, 1] -> float32 (N,)."""
        mse = -super().scores(images, targets)
        return (-10 * np.log10(np.maximum(mse, 1e-10))).astype(np.float32)


class Discriminated:
    """A reward read off a discriminator, which learns (`learns`) from real and fake canvases.
    Subclasses give the reward of D's outputs (`reward_of_logits`) and the loss of one chunk
    (`loss`); `has_penalty` says whether that loss has a gradient penalty.

    Args:
        discriminator: Discriminator (the worker's local copy).
        inputs: CriticInputs, what the discriminator sees (None: the canvases as they are).
    """

    learns = True
    has_penalty = False

    def __init__(self, discriminator, inputs=None):
        self.discriminator = discriminator
        self.inputs = CriticInputs() if inputs is None else inputs

    def scores(self, images, targets):
        """float32 (N, C, H, W) canvases in [0, 1] and their targets (the discriminator's
        condition when conditional) -> float32 (N,), no graph."""
        out = []
        # Chunks bound the memory of scoring many canvases (temporal credit: (T + 1) * B).
        for i in range(0, len(images), _SCORE_CHUNK):
            s = slice(i, i + _SCORE_CHUNK)
            cond = targets[s] if self.discriminator.conditional else None
            with chainer.no_backprop_mode(), chainer.using_config('train', False):
                out.append(np.mean([self.discriminator(x, c).array
                                    for x, c in self.inputs.scoring(images[s], cond)], axis=0))
        return self.reward_of_logits(np.concatenate(out))

    def backward(self, real, fake, real_cond, fake_cond, eps, chunk=10):
        """Accumulate the gradient of the discriminator's loss on a real and a fake batch.

        Every term is a mean over samples, so the loss is computed and backpropagated in chunks
        of `chunk` pairs (the sum of the chunks' losses, each scaled by its share, is the loss):
        the graph of one chunk is alive at a time. Spectral normalisation's power iteration runs
        on the first chunk only (later chunks run with train=False), once per update as without
        chunks.

        Args:
            real, fake: float32 (N, C, H, W).
            real_cond, fake_cond: conditions (N, C, H, W) or None.
            eps: float32 (N,) interpolation weights of the penalty (WGANGP's).

        Returns:
            (loss, penalty (0 without one), mean gradient norm (nan without a penalty)), floats.

        Raises:
            NonFiniteLossError: a chunk's loss is not finite (before its backward).
        """
        n = len(real)
        totals = np.zeros(3)
        for k, i in enumerate(range(0, n, chunk)):
            s = slice(i, min(n, i + chunk))
            with chainer.using_config('train', chainer.config.train and k == 0):
                y = self.discriminator(
                    np.concatenate((real[s], fake[s])),
                    None if real_cond is None else np.concatenate((real_cond[s], fake_cond[s])))
                y_real, y_fake = F.split_axis(y, [s.stop - s.start], axis=0)
                loss, gp, norms = self.loss(y_real, y_fake, real[s], fake[s],
                                            None if real_cond is None else real_cond[s], eps[s])
                check_finite(d_loss=loss.array)
                (loss * ((s.stop - s.start) / n)).backward()
            totals += np.array([float(loss.array), gp, norms.sum() / (s.stop - s.start)]) * (
                (s.stop - s.start) / n)
        return totals[0], totals[1], totals[2] if self.has_penalty else float('nan')


class WGANGP(Discriminated):
    """The WGAN-GP critic's score D(x); its loss has a gradient penalty.

    Args:
        discriminator: Discriminator (the worker's local copy).
        gp_lambda: weight of the gradient penalty.
        inputs: as Discriminated's.
    """

    has_penalty = True

    def __init__(self, discriminator, gp_lambda=10.0, inputs=None):
        super().__init__(discriminator, inputs)
        self.gp_lambda = gp_lambda

    def reward_of_logits(self, y):
        """float32 (N,) discriminator outputs -> rewards (N,)."""
        return y

    def loss(self, y_real, y_fake, real, fake, real_cond, eps):
        """(loss Variable (), penalty float, gradient norms (N,)) of one chunk's outputs."""
        # The penalty's interpolates keep the condition of the real pair (the fake's target).
        gp, norms = gradient_penalty(self.discriminator, real, fake, real_cond, eps)
        return F.mean(y_fake) - F.mean(y_real) + self.gp_lambda * gp, float(gp.array), norms


class DCGAN(Discriminated):
    """chainer_spiral's DCGAN discriminator: softplus of its logit as the reward."""

    def reward_of_logits(self, y):
        return np.logaddexp(0.0, y).astype(np.float32)

    def loss(self, y_real, y_fake, real, fake, real_cond, eps):
        return F.mean(F.softplus(-y_real)) + F.mean(F.softplus(y_fake)), 0.0, np.zeros(1)


def gradient_penalty(discriminator, real, fake, condition, eps):
    """WGAN-GP penalty mean((|grad_x D(x_mid)|_2 - 1)^2) at x_mid = eps real + (1 - eps) fake.

    Differentiable in D's parameters (double backprop through `chainer.grad`). The gradient
    is taken with respect to the image only, not the condition.

    Args:
        real, fake: float32 (N, C, H, W).
        condition: float32 (N, C, H, W) or None.
        eps: float32 (N,) in [0, 1].

    Returns:
        (penalty Variable (), gradient norms float32 (N,)).
    """
    e = eps.reshape(-1, 1, 1, 1).astype(real.dtype)
    x_mid = chainer.Variable(e * real + (1 - e) * fake)
    y = discriminator(x_mid, condition)
    g, = chainer.grad([F.sum(y)], [x_mid], enable_double_backprop=True)
    # The small constant keeps sqrt differentiable where the gradient vanishes.
    norm = F.sqrt(F.sum(F.square(g), axis=(1, 2, 3)) + 1e-12)
    return F.mean(F.square(norm - 1)), norm.array


def make_reward(cfg, discriminator):
    """The reward object of an AgentConfig's `reward_mode` over a (local) discriminator."""
    if cfg.reward_mode == 'l2':
        return L2()
    if cfg.reward_mode == 'psnr':
        return PSNR()
    inputs = CriticInputs(cfg.complement_critic, cfg.critic_augment)
    if cfg.reward_mode == 'wgangp':
        return WGANGP(discriminator, cfg.gp_lambda, inputs)
    return DCGAN(discriminator, inputs)


# ---------------------------------------------------------------- rewards per step

class ScoreStandardiser:
    """Standardises reward-mode scores: 'batch': (s - mean) / std over the scores given in one
    call (a rollout's); 'none' returns the scores unchanged."""

    def __init__(self, mode):
        if mode not in ('none', 'batch'):
            raise ValueError(f"reward standardisation: expected 'none' or 'batch', got {mode!r}")
        self.mode = mode

    def __call__(self, scores):
        """float32 array of any shape -> standardised float32 array of that shape."""
        if self.mode == 'none':
            return scores
        flat = np.asarray(scores, np.float32).reshape(-1)
        mean, std = flat.mean(), flat.std()
        return ((scores - mean) / (std + 1e-8)).astype(np.float32)


def auxiliary_rewards(spec, actions, empty_drawing_penalty, staying_penalty, new_stroke_penalty):
    """Per-step penalties.

    - staying: the pen does not move in step t (target grid point = pen position, which
      starts at grid point 0);
    - new stroke: step t draws and the step before did not (or t = 0: the pen starts lifted);
    - empty drawing: no step of the episode draws (charged at the last step).

    Args:
        spec: ActionSpec.
        actions: dict name -> int (T, B).

    Returns:
        float32 (T, B), zero or negative.
    """
    pos, flag = actions[spec.position_field], actions[spec.flag_field] == 1
    T, B = pos.shape
    prev_pos = np.concatenate((np.zeros((1, B), pos.dtype), pos[:-1]))
    prev_flag = np.concatenate((np.zeros((1, B), bool), flag[:-1]))
    r = -staying_penalty * (pos == prev_pos) - new_stroke_penalty * (flag & ~prev_flag)
    r[-1] -= empty_drawing_penalty * ~flag.any(axis=0)
    return r.astype(np.float32)


def step_rewards(aux, lambda_R, final_scores=None, all_scores=None):
    """Per-step rewards.

    Args:
        aux: float32 (T, B) auxiliary rewards.
        lambda_R: scale of the reward-mode scores.
        final_scores: (B,) score of the final canvases: the terminal reward (at step T - 1).
        all_scores: (T + 1, B) scores of every canvas instead (temporal credit assignment,
            SPIRAL++): r_t = lambda_R * (s_{t+1} - s_t).

    Returns:
        float32 (T, B).
    """
    r = aux.copy()
    if all_scores is not None:
        r += lambda_R * np.diff(all_scores, axis=0)
    else:
        r[-1] += lambda_R * final_scores
    return r
