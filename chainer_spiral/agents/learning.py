"""Learning: per-step rewards, returns, and the A3C loss of the generator.

`plain_backward` is the update's readable form (Generator.evaluate, then `A3CLoss`);
models/fused.py computes the same gradients faster (SPIRAL's `agent.recompute`).
"""
import chainer.functions as F
import numpy as np

from chainer_spiral.errors import NonFiniteLossError, check_finite  # noqa: F401


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


def discounted_returns(rewards, gamma):
    """G_t = r_t + gamma * G_{t+1}, G_T = 0: rewards (T, B) -> float32 (T, B)."""
    G = np.zeros_like(rewards)
    acc = np.zeros(rewards.shape[1], np.float32)
    for t in reversed(range(len(rewards))):
        acc = rewards[t] + np.float32(gamma) * acc
        G[t] = acc
    return G


# ---------------------------------------------------------------- generator

class A3CLoss:
    """chainer_spiral's A3C losses, averaged over the N = T*B steps:

    pi_loss = pi_loss_coef * mean(-log_prob * A - beta * entropy), A = G - V
    v_loss = v_loss_coef * mean((V - G)^2 / 2)

    (the advantage does not backpropagate into V). Its parts serve the fused recompute, which
    builds the policy loss chunk by chunk.
    """

    def __init__(self, beta, pi_loss_coef, v_loss_coef):
        self.beta, self.pi_loss_coef, self.v_loss_coef = beta, pi_loss_coef, v_loss_coef

    def __call__(self, log_prob, entropy, value, returns):
        """(pi_loss, v_loss) Variables of Variables (N,) log_prob, entropy, value and float32
        returns (N,)."""
        n = len(returns)
        return (self.policy_loss(log_prob, entropy, self.advantage(returns, value), n),
                self.value_loss(value, returns))

    def advantage(self, returns, value):
        """float32 (N,): G - V, a constant."""
        advantage = returns - value.array
        assert advantage.shape == returns.shape
        return advantage

    def policy_loss(self, log_prob, entropy, advantage, n):
        """The policy loss of M <= n of the n steps (their share of the mean): Variables (M,)
        log_prob, entropy and float32 advantage (M,)."""
        return (-F.sum(log_prob * advantage) - self.beta * F.sum(entropy)) * (
            self.pi_loss_coef / n)

    def value_loss(self, value, returns):
        """v_loss_coef * mean((V - G)^2 / 2)."""
        return F.sum(F.square(value - returns)) * (self.v_loss_coef / (2 * len(returns)))


def plain_backward(generator, rollout, targets, returns, loss, reuse_encodings=None):
    """Accumulate in `generator` the gradients of `loss` on the rollout's actions, the plain
    way: one graph through Generator.evaluate. Same gradients as models.fused.fused_backward.

    Args:
        generator: Generator.
        rollout: acting.Rollout.
        targets: float32 (B, C, H, W) conditioning targets, or None.
        returns: float32 (T, B).
        loss: A3CLoss.
        reuse_encodings: ignored (fused_backward's).

    Returns:
        dict of floats: pi_loss, v_loss, avg_value, avg_entropy.

    Raises:
        NonFiniteLossError: a loss is not finite (before any backward).
    """
    log_prob, entropy, value = generator.evaluate(rollout, targets)
    pi_loss, v_loss = loss(log_prob, entropy, value, returns.reshape(-1))
    check_finite(v_loss=v_loss.array, pi_loss=pi_loss.array)
    (pi_loss + v_loss).backward()
    return {'pi_loss': float(pi_loss.array), 'v_loss': float(v_loss.array),
            'avg_value': float(value.array.mean()), 'avg_entropy': float(entropy.array.mean())}
