"""What the server accepts and holds (docs/serve.md, "Limits")."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What the server accepts and holds.

    Attributes:
        max_bytes: The largest upload, in bytes (413 above it, read no further).
        max_pixels: The largest picture, width x height (413 above it, not decoded).
        workers: Threads that paint (each step of each painting is one job for them).
        queue: Paintings (and movie renderings) in progress at once; one more is answered 429.
        kept: Finished drawings kept for download (the oldest is dropped first).
        max_tiles: The most tiles per side of a coarse-to-fine painting (``?tiles=K``: the
            whole picture, then K x K tiles; 1 + K x K passes).
        max_size: The largest side of a PNG download at a chosen size (``?size=S``).
    """
    max_bytes: int = 8 * 2 ** 20
    max_pixels: int = 4096 * 4096
    workers: int = 2
    queue: int = 8
    kept: int = 64
    max_tiles: int = 4
    max_size: int = 2048
