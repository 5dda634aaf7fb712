"""What every demo mode renders: N recorded episodes as frames plus their programs."""
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from chainer_spiral.program import Program


@dataclass
class Episodes:
    """N recorded episodes of T steps.

    Attributes:
        frames: uint8 (N, T+1, H, W, 3), the canvas after reset and after every step.
        programs: N ``Program`` s, the strokes of each episode.
        targets: float32 (N, C, H, W) in [0, 1], the conditioning images, or None when
            the model is unconditional.
        title: A caption for figures (the snapshot directory).
    """

    frames: np.ndarray
    programs: Sequence[Program]
    targets: Optional[np.ndarray] = None
    title: str = ''

    def __post_init__(self):
        assert self.frames.ndim == 5 and self.frames.shape[-1] == 3, self.frames.shape
        assert self.frames.dtype == np.uint8, self.frames.dtype
        assert len(self.programs) == len(self.frames), (len(self.programs), self.frames.shape)
        if self.targets is not None:
            assert self.targets.ndim == 4, self.targets.shape
            assert len(self.targets) == len(self.frames), (self.targets.shape, self.frames.shape)

    def __len__(self):
        return len(self.frames)

    @property
    def finals(self):
        """uint8 (N, H, W, 3), the final canvases."""
        return self.frames[:, -1]

    @property
    def conditional(self):
        return self.targets is not None
