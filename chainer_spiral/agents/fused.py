"""The fused recompute: the gradients of `Generator.evaluate`'s plain A3C update, faster.

The plain update (agents/learning.plain_backward) builds one graph of every step through the
encoder, both LSTMs and the decoder. This computes the same gradients (tests/agents/
test_recompute.py holds the two equal) with four speed-ups:

1. The encoder outputs of the T*B steps are leaf variables: taken from the acting pass when the
   parameters have not changed since (`reuse_encodings`), else from one forward without graph.
2. Both LSTMs step over T with batch B from the leaves; the decoder heads run on chunks of
   `_DECODER_CHUNK` steps, each backpropagated to its slice of the LSTM outputs before the next
   is built (the decoder's graph is the largest of the update); then the LSTMs backpropagate
   the collected gradient and the value loss at once, down to the leaves.
3. Steps with the same input (all B first steps of an unconditional rollout) share one encoder
   pass, which backpropagates their summed leaf gradients (`_distinct_inputs`).
4. The encoder re-runs with graph on chunks of those inputs (chunks bound the memory of the
   large early feature maps); when the parameters are unchanged since acting, the rollout's
   feature maps of the acting pass stand in for the outputs of the stride-2 convs, so only the
   first layer is recomputed.
"""
import chainer
import chainer.functions as F
import numpy as np

from chainer_spiral.errors import check_finite
from chainer_spiral.models.inputs import (distinct_rows, encoder_chunks, input_keys,
                                          network_images, step_inputs)

# Steps whose decoder graph is built at once.
_DECODER_CHUNK = 50


def fused_backward(generator, rollout, targets, returns, loss, reuse_encodings):
    """Accumulate in `generator` the gradients of `loss` on the rollout's actions.

    Args:
        generator: Generator.
        rollout: agents.acting.Rollout.
        targets: float32 (B, C, H, W) conditioning targets, or None.
        returns: float32 (T, B).
        loss: agents.learning.A3CLoss.
        reuse_encodings: the rollout's encoder outputs and maps are valid for the current
            parameters.

    Returns:
        dict of floats: pi_loss, v_loss, avg_value, avg_entropy.

    Raises:
        NonFiniteLossError: the value loss before any backward, a decoder chunk's policy loss
            before its own backward (gradients only reach `generator`, which its caller
            clears first).
    """
    canvases, feats, tiled = step_inputs(generator.spec, rollout, targets)

    def inputs(s):
        return network_images(canvases[s], None if tiled is None else tiled[s]), feats[s]
    n = rollout.T * rollout.B
    if reuse_encodings:
        leaves = [x.reshape(n, -1) for x in rollout.encodings]
    else:
        with chainer.no_backprop_mode(), chainer.using_config('train', False):
            parts = [generator.encode(*inputs(s)) for s in encoder_chunks(n, generator.imsize)]
        leaves = [np.concatenate([p[i].array for p in parts]) for i in range(2)]
    leaves = [chainer.Variable(x) for x in leaves]
    stats = _policy_backward(generator, rollout, leaves, returns, loss, inputs)
    rows, inverse = _distinct_inputs(canvases, feats, tiled)
    grads = []
    for leaf in leaves:
        g = np.zeros((len(rows),) + leaf.shape[1:], np.float32)
        np.add.at(g, inverse, leaf.grad)
        grads.append(g)
    maps = rollout.maps if reuse_encodings else None
    for s in encoder_chunks(len(rows), generator.imsize):
        idx = rows[s]
        if idx[-1] - idx[0] == len(idx) - 1:
            idx = slice(idx[0], idx[-1] + 1)
        g_pi, g_v, _ = generator.encode_with_maps(
            *inputs(idx), maps=None if maps is None else tuple(m[idx] for m in maps))
        (F.sum(g_pi * grads[0][s]) + F.sum(g_v * grads[1][s])).backward()
    return stats


def _distinct_inputs(canvases, feats, tiled):
    """The distinct encoder inputs among the T*B steps (`step_inputs`): distinct_rows."""
    return distinct_rows(input_keys(canvases, feats, tiled))


def _policy_backward(generator, rollout, leaves, returns, loss, inputs):
    """The losses from the encoder outputs `leaves`, backpropagated into the leaves and the
    LSTM, decoder, spatial skip and local features parameters (`inputs(slice)`: the steps'
    images and features); returns fused_backward's statistics."""
    n = rollout.T * rollout.B
    pens = generator.spec.previous_positions(rollout.actions).ravel()
    z, value = generator.unroll(leaves[0], leaves[1], rollout.T, rollout.B)
    returns = returns.reshape(-1)
    v_loss = loss.value_loss(value, returns)
    check_finite(v_loss=v_loss.array)
    advantage = loss.advantage(returns, value)
    actions = {name: a.reshape(-1) for name, a in rollout.actions.items()}
    gz = np.empty_like(z.array)
    pi_loss = entropy_sum = 0.0
    for i in range(0, n, _DECODER_CHUNK):
        s = slice(i, min(n, i + _DECODER_CHUNK))
        z_s = chainer.Variable(z.array[s])
        images = inputs(s)[0] if generator.heads_read_images else None
        log_prob, entropy = generator.log_probs(z_s, {k: a[s] for k, a in actions.items()},
                                                *generator.head_inputs(images, pens[s]))
        chunk_loss = loss.policy_loss(log_prob, entropy, advantage[s], n)
        check_finite(pi_loss=chunk_loss.array)
        chunk_loss.backward()
        gz[s] = z_s.grad
        pi_loss += float(chunk_loss.array)
        entropy_sum += float(entropy.array.sum())
    (F.sum(z * gz) + v_loss).backward()
    return {'pi_loss': pi_loss, 'v_loss': float(v_loss.array),
            'avg_value': float(value.array.mean()), 'avg_entropy': entropy_sum / n}
