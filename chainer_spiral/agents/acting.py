"""Acting: B episodes in lockstep, one batched network call per step.

The rollout keeps what the learner needs to rebuild the graph (the uint8 canvases the policy saw
and the actions), not the graph itself: the learner recomputes it in one pass (learning.py).
It also keeps the encoder outputs of the acting pass and the encoder's later feature maps,
which the learner reuses when the parameters have not changed since (see `Rollout.version`).
"""
from dataclasses import dataclass
from typing import Optional

import chainer
import cv2
import numpy as np

# First-layer activations (both encoders' 64 channels) of one encoder chunk, in float32
# elements (6 MiB): bounds the transient memory of the largest feature maps.
ENCODER_CHUNK_BUDGET = 1536 * 1024


@dataclass
class Rollout:
    """B episodes of T steps.

    Attributes:
        actions: dict name -> int64 (T, B), the sampled (or greedy) actions.
        canvases: uint8 (T + 1, B, H, W, C), the canvas before each step, then the final one
            (C = 1: luminance of the RGB canvas; C = 3: RGB).
        finals: float32 (B, C, H, W) in [0, 1], the final canvases.
        targets: float32 (B, C, H, W), the conditioning targets, or None (unconditional).
        log_probs: float32 (T, B), log-probabilities of the actions at acting time.
        entropies: float32 (T, B), policy entropies at acting time.
        values: float32 (T, B), value estimates at acting time.
        encodings: (gx_pi (T, B, 1024), gx_v (T, B, 512)), encoder outputs of the acting pass.
        version: the agent's parameter version when acting.
        frames: uint8 (T + 1, B, H, W, 3), the rendered RGB canvases, with record=True.
        maps: the encoder's later feature maps of the acting pass (Generator.encode_with_maps),
            float32 arrays (T * B, ...) in time-major order (() for the MLP encoder), or None
            once the learner has used them (they hold only for `version`'s parameters).
        noise: float32 (B, noise_size), the episodes' noise input, or None (no noise).
    """
    actions: dict
    canvases: np.ndarray
    finals: np.ndarray
    targets: Optional[np.ndarray]
    log_probs: np.ndarray
    entropies: np.ndarray
    values: np.ndarray
    encodings: tuple
    version: int
    frames: Optional[np.ndarray] = None
    maps: Optional[tuple] = None
    noise: Optional[np.ndarray] = None

    @property
    def T(self):
        return self.canvases.shape[0] - 1

    @property
    def B(self):
        return self.canvases.shape[1]


def to_canvas(image, channels):
    """RGB uint8 (H, W, 3) -> uint8 (H, W, C): luminance (ITU-R 601, like cv2) or RGB."""
    if channels == 3:
        return image
    return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)[:, :, None]


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


def encode_step(generator, canvases, targets, feats, maps, offset):
    """One acting step's encoder outputs (no graph): distinct inputs only (all B first steps
    of an unconditional rollout are the same), in chunks of samples.

    Args:
        generator: Generator.
        canvases: uint8 (B, H, W, C).
        targets: float32 (B, C, H, W) or None.
        feats: float32 (B, F).
        maps: the rollout's map arrays (T * B, ...), filled at rows offset..offset + B.
        offset: row of this step's first sample in `maps`.

    Returns:
        (gx_pi (B, 1024), gx_v (B, 512)) arrays.
    """
    rows, inverse = distinct_rows(input_keys(canvases, feats, targets))
    images = network_images(canvases[rows], None if targets is None else targets[rows])
    feats = feats[rows]
    g_pi, g_v, kept = [], [], [[] for _ in maps]
    for s in encoder_chunks(len(rows), generator.imsize):
        a, b, step_maps = generator.encode_with_maps(images[s], feats[s])
        g_pi.append(a.array)
        g_v.append(b.array)
        for parts, m in zip(kept, step_maps):
            parts.append(m.array)
    for out, parts in zip(maps, kept):
        out[offset:offset + len(inverse)] = np.concatenate(parts)[inverse]
    return np.concatenate(g_pi)[inverse], np.concatenate(g_v)[inverse]


def choose_actions(rng, greedy):
    """The `choose(head, log_p)` of AutoregressiveDecoder: argmax, or inverse-CDF sampling."""
    def choose(head, log_p):
        if greedy:
            return log_p.argmax(axis=1)
        cdf = np.cumsum(np.exp(log_p.astype(np.float64)), axis=1)
        u = rng.random_sample(len(log_p)) * cdf[:, -1]
        return np.minimum((cdf < u[:, None]).sum(axis=1), log_p.shape[1] - 1)
    return choose


def collect(generator, spec, envs, rng, channels, targets=None, greedy=False, record=False,
            version=0, forced=None):
    """Run len(envs) = B episodes of T = envs[0].max_episode_steps steps in lockstep.

    Args:
        generator: Generator.
        spec: ActionSpec of the envs.
        envs: B envs with the MyPaintEnv/ToyEnv contract.
        rng: numpy RandomState of the sampling.
        channels: C of the network's canvas input.
        targets: float32 (B, C, H, W) when the generator is conditional, else None.
        greedy: take the most probable action of each head.
        record: keep the rendered RGB frames.
        version: stored in the Rollout (see Rollout.version).
        forced: dict name -> int (T, B): take these actions instead of choosing (a
            demonstration); the rollout's log-probabilities are the policy's of them.

    Returns:
        Rollout.
    """
    B, T = len(envs), envs[0].max_episode_steps
    first = [env.reset()['image'] for env in envs]
    H, W = first[0].shape[:2]
    canvases = np.empty((T + 1, B, H, W, channels), np.uint8)
    canvases[0] = [to_canvas(im, channels) for im in first]
    frames = np.empty((T + 1, B, H, W, 3), np.uint8) if record else None
    if record:
        frames[0] = first
    actions = {name: np.empty((T, B), np.int64) for name in spec.names}
    stats = np.empty((3, T, B), np.float32)
    gx_pi, gx_v = [], []
    maps = tuple(np.empty((T * B,) + shape, np.float32) for shape in generator.encoder.map_shapes)
    state = generator.initial_state(B)
    feats = np.zeros((B, sum(spec.field_dims)), np.float32)
    noise = generator.initial_noise(rng, B)
    choose = choose_actions(rng, greedy)
    for t in range(T):
        if forced is not None:
            choose = (lambda t: lambda head, log_p: np.asarray(forced[head.name][t]))(t)
        with chainer.no_backprop_mode(), chainer.using_config('train', False):
            g_pi, g_v = encode_step(generator, canvases[t], targets, feats, maps, t * B)
            z, value, state = generator.step(g_pi, g_v, state, noise)
            acts, log_prob, entropy = generator.decoder(z, choose)
        gx_pi.append(g_pi)
        gx_v.append(g_v)
        stats[:, t] = log_prob.array, entropy.array, value.array
        for name, a in acts.items():
            actions[name][t] = a
        images = [env.step(spec.to_env(acts, b))[0]['image'] for b, env in enumerate(envs)]
        canvases[t + 1] = [to_canvas(im, channels) for im in images]
        if record:
            frames[t + 1] = images
        feats = spec.features(acts)
    finals = canvases[T].transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255.0)
    return Rollout(actions, canvases, finals, targets, stats[0], stats[1], stats[2],
                   (np.stack(gx_pi), np.stack(gx_v)), version, frames, maps, noise)
