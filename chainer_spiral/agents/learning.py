"""Learning: returns and the A3C loss of the generator, and its plain backward pass.

`plain_backward` is the update's readable form (Generator.evaluate, then `A3CLoss`);
agents/fused.py, beside it, computes the same gradients faster (SPIRAL's `agent.recompute`).
The per-step rewards the returns are made of come from agents/rewards.py.
"""
import chainer.functions as F
import numpy as np

from chainer_spiral.errors import NonFiniteLossError, check_finite  # noqa: F401


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
    way: one graph through Generator.evaluate. Same gradients as fused.fused_backward.

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
