"""What the discriminator sees of a real and a painted image: SPIRAL++'s complement pairs and
DiffAugment (`agent.complement_critic`, `agent.critic_augment`).

Complement pairs (Mellor et al. 2019, "Unsupervised Doodling and Painting with Improved
SPIRAL"): a conditional critic shown (canvas, target) can score a drawing by comparing the two
pixel by pixel, which says little about what a good painting of the target is. Shown instead one
half of the target and the complementary half of the image, it must judge whether the two halves
belong together: a pair is (image (1 - m), target m) for a half-plane mask m (left, right, top or
bottom half, 1 on the target's half), zeros elsewhere, as the image and condition channels of the
conditional discriminator. A real pair splits the target itself. Training draws one mask per
pair, the same for its real and its painted image; scoring a canvas averages the critic over the
four masks.

Augmentation (models/augment.py) transforms the images the critic learns from, never the
canvases it scores for the rewards; each pair's transform is drawn once and applied to its real
image, its painted image and their conditions.
"""
import numpy as np

from chainer_spiral.models.augment import DiffAugment

# The halves of the target the critic sees: left, right, top, bottom.
N_MASKS = 4


def half_masks(size, dtype=np.float32):
    """The N_MASKS half-plane masks of a size x size image: float (4, 1, size, size), 1 on the
    target's half (left, right, top, bottom; the first size // 2 columns or rows for left and
    top, the others for right and bottom)."""
    half = np.arange(size) < size // 2
    left = np.broadcast_to(half[None, :], (size, size))
    top = np.broadcast_to(half[:, None], (size, size))
    return np.stack([left, ~left, top, ~top])[:, None].astype(dtype)


def complement_pairs(images, targets, masks):
    """(image halves, target halves): images * (1 - masks), targets * masks, each (N, C, H, W)
    from images and targets (N, C, H, W) and masks (N, 1, H, W)."""
    return images * (1 - masks), targets * masks


class CriticInputs:
    """The discriminator's inputs (see the module docstring).

    Args:
        complement: use complement pairs (a conditional discriminator).
        augment: apply DiffAugment to the critic's training images.
    """

    def __init__(self, complement=False, augment=False):
        self.complement = complement
        self.augment = DiffAugment() if augment else None

    def training(self, rng, reals, fakes, real_cond, fake_cond):
        """The real and the painted batch as the critic learns from them.

        Args:
            rng: numpy RandomState of the masks and the augmentation (not drawn from when
                neither is on).
            reals, fakes: float32 (N, C, H, W) in [0, 1].
            real_cond, fake_cond: the conditions (N, C, H, W), or None (unconditional).

        Returns:
            (reals, fakes, real_cond, fake_cond), float32 arrays shaped as given.
        """
        n, size = len(reals), reals.shape[-1]
        if self.complement:
            masks = half_masks(size)[rng.randint(N_MASKS, size=n)]
            reals, real_cond = complement_pairs(reals, real_cond, masks)
            fakes, fake_cond = complement_pairs(fakes, fake_cond, masks)
        if self.augment is not None:
            params = self.augment.sample(rng, n, size)
            reals, fakes = (self.augment(x, params).array for x in (reals, fakes))
            if real_cond is not None:
                real_cond, fake_cond = (self.augment(x, params).array
                                        for x in (real_cond, fake_cond))
        return reals, fakes, real_cond, fake_cond

    def scoring(self, images, targets):
        """The inputs whose discriminator outputs are averaged into a canvas's score: a list of
        (images, conditions) (N, C, H, W) each (one entry; four with complement pairs)."""
        if not self.complement:
            return [(images, targets)]
        masks = half_masks(images.shape[-1])
        return [complement_pairs(images, targets, m[None]) for m in masks]
