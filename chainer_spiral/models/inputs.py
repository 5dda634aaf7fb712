"""The networks' inputs from stored rollouts: images, chunks of samples, distinct inputs.

Shared by acting (agents/acting.py) and the fused recompute (agents/fused.py).
"""
import numpy as np

# First-layer activations (both encoders' 64 channels) of one encoder chunk, in float32
# elements (6 MiB): bounds the transient memory of the largest feature maps.
ENCODER_CHUNK_BUDGET = 1536 * 1024


def step_inputs(spec, rollout, targets):
    """The encoder inputs of a rollout's T*B steps, time-major.

    Args:
        spec: ActionSpec.
        rollout: agents.acting.Rollout.
        targets: float32 (B, C, H, W), or None.

    Returns:
        (canvases uint8 (T*B, H, W, C), previous-action features float32 (T*B, F), targets
        tiled over the steps float32 (T*B, C, H, W) or None).
    """
    T, B = rollout.T, rollout.B
    canvases = rollout.canvases[:T].reshape((T * B,) + rollout.canvases.shape[2:])
    feats = spec.previous_features(rollout.actions).reshape(T * B, -1)
    tiled = None if targets is None else np.broadcast_to(
        targets, (T,) + targets.shape).reshape((T * B,) + targets.shape[1:])
    return canvases, feats, tiled


def network_images(canvases, targets):
    """Network input from stored canvases.

    Args:
        canvases: uint8 (N, H, W, C).
        targets: float32 (N, C, H, W) or None.

    Returns:
        float32 (N, H, W, C or 2C) in [0, 1], channels-last.
    """
    x = canvases.astype(np.float32)
    x *= np.float32(1.0 / 255.0)
    if targets is None:
        return x
    return np.concatenate((x, targets.transpose(0, 2, 3, 1)), axis=3)


def encoder_chunks(n, imsize):
    """n samples -> slices of nearly equal chunks whose first-layer maps fit the budget."""
    step = max(1, ENCODER_CHUNK_BUDGET // (imsize * imsize * 64))
    k = -(-n // step)
    bounds = [n * i // k for i in range(k + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def distinct_rows(keys):
    """The distinct rows of a 2-D array, in order of first appearance.

    Args:
        keys: (N, K) array.

    Returns:
        (rows, inverse): int arrays; rows[k] is the first row equal to the k-th distinct one
        (increasing), and row i equals row rows[inverse[i]].
    """
    keys = np.ascontiguousarray(keys)
    index, rows, inverse = {}, [], np.empty(len(keys), np.int64)
    for i in range(len(keys)):
        inverse[i] = index.setdefault(keys[i].tobytes(), len(rows))
        if inverse[i] == len(rows):
            rows.append(i)
    return np.array(rows, np.int64), inverse


def input_keys(canvases, feats, targets):
    """Byte rows (N, K) identifying encoder inputs: uint8 canvases (N, ...), float32 feats
    (N, F), float32 targets (N, ...) or None."""
    n = len(canvases)
    parts = [canvases.reshape(n, -1), np.ascontiguousarray(feats).reshape(n, -1).view(np.uint8)]
    if targets is not None:
        parts.append(np.ascontiguousarray(targets).reshape(n, -1).view(np.uint8))
    return np.concatenate(parts, axis=1)
