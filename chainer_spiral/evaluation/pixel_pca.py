"""A feature space for unconditional painters of data with no classifier (CelebA faces): the
principal components of the images at 8 x 8 pixels, fitted on the training images.

A face painter's drawings are compared with real faces by the Frechet distance between Gaussians
fitted to these features (quality.frechet_distance), calibrated as the classifier's distance is
(quality.calibrate with `PixelPCA.features`): the floor is two disjoint sets of real images, the
ceilings white canvases and the untrained policy's drawings, normalised as
(FD - floor) / (untrained - floor). At 8 x 8 the features see a picture's layout of colours
(where the face, hair and background are, their tones), not its detail: a painter near 0 paints
faces' colour layouts as real ones vary, not faces a person would recognise.
"""
import cv2
import numpy as np

SIDE = 8          # the images are averaged down to SIDE x SIDE pixels
COMPONENTS = 16   # principal components kept


class PixelPCA:
    """The top principal components of images averaged down to SIDE x SIDE.

    Args:
        images: float32 (N, C, H, W) in [0, 1], the training images that fix the basis.
        side: pixels per side after averaging.
        components: principal components kept (at most N - 1 and C * side * side).
    """

    def __init__(self, images, side=SIDE, components=COMPONENTS):
        self.side = side
        flat = self.pixels(images)
        self.mean = flat.mean(axis=0)
        _, _, vt = np.linalg.svd(flat - self.mean, full_matrices=False)
        self.basis = vt[:min(components, len(flat) - 1, flat.shape[1])]

    def pixels(self, images):
        """float (N, C, H, W) -> float64 (N, C * side * side), each image area-averaged."""
        small = [cv2.resize(np.ascontiguousarray(image.transpose(1, 2, 0), np.float32),
                            (self.side, self.side), interpolation=cv2.INTER_AREA)
                 for image in images]
        return np.stack([s.reshape(self.side, self.side, -1).transpose(2, 0, 1).ravel()
                         for s in small]).astype(np.float64)

    def features(self, images):
        """float (N, C, H, W) -> float64 (N, components)."""
        return (self.pixels(images) - self.mean) @ self.basis.T
