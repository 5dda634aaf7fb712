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
    """
    max_bytes: int = 8 * 2 ** 20
    max_pixels: int = 4096 * 4096
    workers: int = 2
    queue: int = 8
    kept: int = 64
