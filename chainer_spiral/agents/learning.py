"""Learning: rewards per step, returns, the A3C generator loss recomputed in one pass (the
reward modes' scores and discriminator losses are in rewards.py).

Recompute (see docs/agent.md): the acting graph is not kept. The learner
1. takes the encoder outputs of all T*B steps (from the acting pass when the parameters are
   unchanged, else one forward without graph) as leaf variables,
2. steps both LSTMs over T with batch B and runs the decoder heads on chunks of the T*B steps
   (log-probabilities of the stored actions), builds the losses and backpropagates to the
   leaves,
3. re-runs the encoder with graph on chunks of the distinct inputs among the steps and
   backpropagates the leaves' gradients into its parameters (chunks bound the memory of the
   large early feature maps).
   When the parameters are unchanged since acting, the rollout's feature maps of the acting
   pass stand in for the outputs of the stride-2 convs: only the first layer is recomputed.
"""
import chainer
import chainer.functions as F
import numpy as np

from chainer_spiral.agents.acting import (distinct_rows, encoder_chunks, input_keys,
                                          network_images)

# Steps whose decoder graph is built at once in the update.
_DECODER_CHUNK = 50


class NonFiniteLossError(FloatingPointError):
    """A loss or gradient is NaN or infinite; raised before any parameter is updated."""


def check_finite(**values):
    """Raise NonFiniteLossError naming the first non-finite value (floats or arrays)."""
    for name, value in values.items():
        if not np.all(np.isfinite(value)):
            raise NonFiniteLossError(f'{name}: expected a finite value, got {value!r}')


# ---------------------------------------------------------------- rewards per step

class ScoreStandardiser:
    """Standardises reward-mode scores: (s - mean) / std over the statistics' window.

    'batch': the window is the scores given in one call; 'running': the last `window` scores
    seen (the given ones included). 'none' returns the scores unchanged.
    """

    def __init__(self, mode, window=1000):
        if mode not in ('none', 'batch', 'running'):
            raise ValueError(f"reward standardisation: expected 'none', 'batch' or 'running', "
                             f"got {mode!r}")
        self.mode, self.window = mode, window
        self.history = np.zeros(0, np.float32)

    def __call__(self, scores):
        """float32 array of any shape -> standardised float32 array of that shape."""
        if self.mode == 'none':
            return scores
        flat = np.asarray(scores, np.float32).reshape(-1)
        if self.mode == 'running':
            self.history = np.concatenate((self.history, flat))[-self.window:]
            flat = self.history
        mean, std = flat.mean(), flat.std()
        return ((scores - mean) / (std + 1e-8)).astype(np.float32)


def normalised(advantage):
    """Advantages (N,) shifted and scaled to mean 0, standard deviation 1."""
    return ((advantage - advantage.mean()) / (advantage.std() + 1e-8)).astype(np.float32)


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

def previous_features(spec, actions):
    """float32 (T, B, F): zeros at t = 0, then the features of the action of step t - 1."""
    feats = spec.features(actions)
    return np.concatenate((np.zeros_like(feats[:1]), feats[:-1]))


def _encoder_inputs(generator, spec, rollout, targets):
    """Flat (T*B) encoder inputs: a function of a sample slice -> (images, feats)."""
    T, B = rollout.T, rollout.B
    canvases = rollout.canvases[:T].reshape((T * B,) + rollout.canvases.shape[2:])
    feats = previous_features(spec, rollout.actions).reshape(T * B, -1)
    tiled = None if targets is None else np.broadcast_to(targets, (T,) + targets.shape).reshape(
        (T * B,) + targets.shape[1:])

    def inputs(s):
        return network_images(canvases[s], None if tiled is None else tiled[s]), feats[s]
    return inputs, encoder_chunks(T * B, generator.imsize)


def _distinct_inputs(spec, rollout, targets):
    """The distinct encoder inputs among the T*B steps (all B first steps of an unconditional
    rollout see the blank canvas and zero features): acting.distinct_rows of them."""
    T, B = rollout.T, rollout.B
    n = T * B
    tiled = None if targets is None else np.broadcast_to(targets, (T,) + targets.shape)
    return distinct_rows(input_keys(rollout.canvases[:T].reshape(n, -1),
                                    previous_features(spec, rollout.actions).reshape(n, -1),
                                    None if tiled is None else tiled.reshape(n, -1)))


def recompute_policy(generator, spec, rollout, encodings):
    """LSTMs over T and decoder heads over T*B from encoder outputs.

    Args:
        encodings: (gx_pi (T*B, 1024), gx_v (T*B, 512)) Variables.

    Returns:
        (log_prob, entropy, value), Variables (T*B,) in time-major order.
    """
    z, value = recurrent_pass(generator, rollout, encodings)
    log_prob, entropy = decoder_log_probs(generator, rollout.actions, z, slice(None))
    return log_prob, entropy, value


def recurrent_pass(generator, rollout, encodings):
    """Both LSTMs over T with batch B: (z (T*B, 256), value (T*B,)) Variables, time-major."""
    T, B = rollout.T, rollout.B
    state = generator.initial_state(B)
    gx_pi = F.separate(F.reshape(encodings[0], (T, B, -1)), axis=0)
    gx_v = F.separate(F.reshape(encodings[1], (T, B, -1)), axis=0)
    zs, values = [], []
    for t in range(T):
        z, value, state = generator.step(gx_pi[t], gx_v[t], state, rollout.noise)
        zs.append(z)
        values.append(value)
    return F.concat(zs, axis=0), F.concat(values, axis=0)


def decoder_log_probs(generator, actions, z, s):
    """Decoder heads with the stored actions (teacher forcing) on the samples `s`.

    Args:
        actions: dict name -> int (T, B).
        z: (N, 256) the LSTM outputs of the samples s of the T*B time-major steps.
        s: a slice of range(T*B).

    Returns:
        (log_prob, entropy), Variables (N,).
    """
    flat = {name: a.reshape(-1)[s] for name, a in actions.items()}
    _, log_prob, entropy = generator.decoder(z, lambda head, log_p: flat[head.name])
    return log_prob, entropy


def a3c_losses(log_prob, entropy, value, returns, beta, pi_loss_coef, v_loss_coef,
               advantage_normalisation=False):
    """chainer_spiral's A3C losses, averaged over the T*B steps.

    pi_loss = pi_loss_coef * mean(-log_prob * A - beta * entropy), A = G - V
    v_loss = v_loss_coef * mean((V - G)^2 / 2)
    (the advantage does not backpropagate into V).

    Args:
        log_prob, entropy, value: Variables (N,).
        returns: float32 (N,).
        advantage_normalisation: A is normalised over the N steps (`normalised`).
    """
    n = len(returns)
    advantage = returns - value.array
    assert advantage.shape == (n,)
    if advantage_normalisation:
        advantage = normalised(advantage)
    return (policy_loss(log_prob, entropy, advantage, beta, pi_loss_coef, n),
            value_loss(value, returns, v_loss_coef))


def policy_loss(log_prob, entropy, advantage, beta, pi_loss_coef, n):
    """The policy part of a3c_losses on some of its n steps (their share of the mean).

    Args:
        log_prob, entropy: Variables (M,), M <= n.
        advantage: float32 (M,), G - V (a constant).
    """
    return (-F.sum(log_prob * advantage) - beta * F.sum(entropy)) * (pi_loss_coef / n)


def value_loss(value, returns, v_loss_coef):
    """The value part of a3c_losses: v_loss_coef * mean((V - G)^2 / 2)."""
    return F.sum(F.square(value - returns)) * (v_loss_coef / (2 * len(returns)))


def generator_pass(generator, spec, rollout, targets, returns, coefs, reuse_encodings):
    """Build the generator losses and accumulate their gradients in `generator`.

    Args:
        targets: float32 (B, C, H, W) conditioning targets, or None.
        returns: float32 (T, B).
        coefs: dict with beta, pi_loss_coef, v_loss_coef, advantage_normalisation.
        reuse_encodings: the rollout's encoder outputs are valid for the current parameters.

    Returns:
        dict of floats: pi_loss, v_loss, avg_value, avg_entropy.

    Raises:
        NonFiniteLossError: the value loss before any backward, a decoder chunk's policy loss
            before its own backward (gradients only reach the local generator, which
            `SPIRAL.update` clears first).
    """
    inputs, chunks = _encoder_inputs(generator, spec, rollout, targets)
    maps = rollout.maps if reuse_encodings else None
    if reuse_encodings:
        leaves = [x.reshape(rollout.T * rollout.B, -1) for x in rollout.encodings]
    else:
        with chainer.no_backprop_mode(), chainer.using_config('train', False):
            parts = [generator.encode(*inputs(s)) for s in chunks]
        leaves = [np.concatenate([p[i].array for p in parts]) for i in range(2)]
    leaves = [chainer.Variable(x) for x in leaves]
    stats = _policy_backward(generator, spec, rollout, leaves, returns, coefs)
    # Steps with the same input share one encoder pass, backpropagating their summed gradient.
    rows, inverse = _distinct_inputs(spec, rollout, targets)
    grads = []
    for leaf in leaves:
        g = np.zeros((len(rows),) + leaf.shape[1:], np.float32)
        np.add.at(g, inverse, leaf.grad)
        grads.append(g)
    for s in encoder_chunks(len(rows), generator.imsize):
        idx = rows[s]
        if idx[-1] - idx[0] == len(idx) - 1:
            idx = slice(idx[0], idx[-1] + 1)
        g_pi, g_v, _ = generator.encode_with_maps(
            *inputs(idx), maps=None if maps is None else tuple(m[idx] for m in maps))
        (F.sum(g_pi * grads[0][s]) + F.sum(g_v * grads[1][s])).backward()
    return stats


def _policy_backward(generator, spec, rollout, leaves, returns, coefs):
    """The losses from the encoder outputs `leaves`, backpropagated into the leaves and the
    LSTM and decoder parameters; returns generator_pass's statistics.

    The decoder runs on chunks of `_DECODER_CHUNK` steps, each backpropagated to its slice of
    the LSTM outputs before the next is built (its graph is the largest of the update); then
    the LSTMs backpropagate the collected gradient and the value loss at once.
    """
    n = rollout.T * rollout.B
    z, value = recurrent_pass(generator, rollout, leaves)
    returns = returns.reshape(-1)
    v_loss = value_loss(value, returns, coefs['v_loss_coef'])
    check_finite(v_loss=v_loss.array)
    advantage = returns - value.array
    if coefs['advantage_normalisation']:
        advantage = normalised(advantage)
    gz = np.empty_like(z.array)
    pi_loss = entropy_sum = 0.0
    for i in range(0, n, _DECODER_CHUNK):
        s = slice(i, min(n, i + _DECODER_CHUNK))
        z_s = chainer.Variable(z.array[s])
        log_prob, entropy = decoder_log_probs(generator, rollout.actions, z_s, s)
        loss = policy_loss(log_prob, entropy, advantage[s], coefs['beta'],
                           coefs['pi_loss_coef'], n)
        check_finite(pi_loss=loss.array)
        loss.backward()
        gz[s] = z_s.grad
        pi_loss += float(loss.array)
        entropy_sum += float(entropy.array.sum())
    (F.sum(z * gz) + v_loss).backward()
    return {'pi_loss': pi_loss, 'v_loss': float(v_loss.array),
            'avg_value': float(value.array.mean()), 'avg_entropy': entropy_sum / n}
