"""Acting: B episodes in lockstep, one batched network call per step.

The rollout keeps what the learner needs to rebuild the graph (the uint8 canvases the policy saw
and the actions), not the graph itself: the learner recomputes it (Generator.evaluate, or
agents/fused.py). It also keeps the encoder outputs of the acting pass and the encoder's later
feature maps, which the learner reuses when the parameters have not changed since (see
`Rollout.version`).
"""
from dataclasses import dataclass
from typing import Optional

import chainer
import cv2
import numpy as np

from chainer_spiral.models.inputs import (distinct_rows, encoder_chunks, input_keys,
                                          network_images)


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
            when they were not kept or once the learner has used them (they hold only for
            `version`'s parameters).
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


def choose_actions(rng, greedy, temperature=1.0):
    """The `choose(head, log_p)` of AutoregressiveDecoder: argmax, or inverse-CDF sampling of
    softmax(log_p / temperature) (1: the policy itself; above 1 flatter, below 1 sharper)."""
    def choose(head, log_p):
        if greedy:
            return log_p.argmax(axis=1)
        logits = log_p.astype(np.float64)
        if temperature != 1.0:
            logits = (logits - logits.max(axis=1, keepdims=True)) / temperature
        cdf = np.cumsum(np.exp(logits), axis=1)
        u = rng.random_sample(len(log_p)) * cdf[:, -1]
        return np.minimum((cdf < u[:, None]).sum(axis=1), log_p.shape[1] - 1)
    return choose


class LockstepActor:
    """B lockstep episodes acted one step at a time: what `collect` runs, and what SPIRAL's
    ChainerRL batch API (batch_act, batch_observe, ...) steps through.

    Args:
        generator: Generator.
        spec: ActionSpec of the envs.
        rng: numpy RandomState of the sampling.
        B: episodes.
        targets: float32 (B, C, H, W) when the generator is conditional, else None.
        greedy: take the most probable action of each head.
        version: stored in the Rollout (see Rollout.version).
        temperature: sample from softmax(log pi / temperature); the log-probabilities recorded
            stay the policy's.
        maps_for: T, to keep the encoder's feature maps of T steps for the learner; None keeps
            none (the learner then recomputes them).
    """

    def __init__(self, generator, spec, rng, B, targets=None, greedy=False, version=0,
                 maps_for=None, temperature=1.0):
        self.generator, self.spec, self.rng, self.B = generator, spec, rng, B
        self.targets, self.version = targets, version
        self.choose = choose_actions(rng, greedy, temperature)
        self.state = generator.initial_state(B)
        self.feats = np.zeros((B, len(spec.heads)), np.float32)
        self.pens = np.zeros(B, np.int64)
        self.maps = None if maps_for is None else tuple(
            np.empty((maps_for * B,) + shape, np.float32)
            for shape in generator.encoder.map_shapes)
        self.canvases, self.gx_pi, self.gx_v, self.stats = [], [], [], []
        self.actions = {name: [] for name in spec.names}

    @property
    def t(self):
        """Steps acted so far."""
        return len(self.gx_pi)

    def act(self, canvases, forced=None):
        """The actions of one step.

        Args:
            canvases: uint8 (B, H, W, C), the canvases the step sees (network input).
            forced: dict name -> int (B,): take these actions instead of choosing (a
                demonstration); the log-probabilities recorded are the policy's of them.

        Returns:
            dict name -> int64 (B,).
        """
        choose = self.choose if forced is None else (
            lambda head, log_p: np.asarray(forced[head.name]))
        with chainer.no_backprop_mode(), chainer.using_config('train', False):
            g_pi, g_v = encode_step(self.generator, canvases, self.targets, self.feats,
                                    self.maps or (), self.t * self.B)
            z, value, self.state = self.generator.step(g_pi, g_v, self.state)
            images = (network_images(canvases, self.targets)
                      if self.generator.heads_read_images else None)
            acts, log_prob, entropy = self.generator.decoder(
                z, choose, *self.generator.head_inputs(images, self.pens))
        self.canvases.append(canvases)
        self.gx_pi.append(g_pi)
        self.gx_v.append(g_v)
        self.stats.append((log_prob.array, entropy.array, value.array))
        for name, a in acts.items():
            self.actions[name].append(np.asarray(a, np.int64))
        self.feats = self.spec.features(acts)
        self.pens = np.asarray(acts[self.spec.position_field], np.int64)
        return acts

    def rollout(self, final, frames=None):
        """The Rollout of the steps acted, given the final canvases uint8 (B, H, W, C)."""
        canvases = np.stack(self.canvases + [final])
        log_probs, entropies, values = (np.stack(x).astype(np.float32)
                                        for x in zip(*self.stats))
        finals = final.transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255.0)
        return Rollout({k: np.stack(v) for k, v in self.actions.items()}, canvases, finals,
                       self.targets, log_probs, entropies, values,
                       (np.stack(self.gx_pi), np.stack(self.gx_v)), self.version, frames,
                       self.maps)


def collect(generator, spec, envs, rng, channels, targets=None, greedy=False, record=False,
            version=0, forced=None, temperature=1.0):
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
        temperature: sample from softmax(log pi / temperature) (evaluation only: training
            samples the policy itself, 1).

    Returns:
        Rollout.
    """
    B, T = len(envs), envs[0].max_episode_steps
    actor = LockstepActor(generator, spec, rng, B, targets, greedy, version, maps_for=T,
                          temperature=temperature)
    images = [env.reset()['image'] for env in envs]
    frames = [images] if record else None
    for t in range(T):
        acts = actor.act(np.stack([to_canvas(im, channels) for im in images]),
                         None if forced is None else {k: a[t] for k, a in forced.items()})
        images = [env.step(spec.to_env(acts, b))[0]['image'] for b, env in enumerate(envs)]
        if record:
            frames.append(images)
    return actor.rollout(np.stack([to_canvas(im, channels) for im in images]),
                         np.asarray(frames, np.uint8) if record else None)
