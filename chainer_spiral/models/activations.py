"""Activations on a boolean mask, differentiable to any order.

Chainer's F.leaky_relu selects with boolean indexing; here a boolean mask of x > 0 is kept
(1 byte per element) and every gradient, of any order, is `where` on it (the same values,
several times faster on the CPU). MaskedScale with slope 0 is ReLU's gradient (conv.py).
"""
import chainer
from chainer import function_node


class LeakyReLU(function_node.FunctionNode):
    """F.leaky_relu (y = x for x > 0, slope * x otherwise; 0 < slope < 1) with `where` on a
    boolean mask of x > 0, which the gradients of every order reuse (1 byte per element)."""

    def __init__(self, slope):
        self.slope = slope
        self.mask = None

    def forward(self, inputs):
        x, = inputs
        self.mask = x > 0
        return _masked_scale(x, self.mask, self.slope),

    def backward(self, indexes, grad_outputs):
        return MaskedScale(self.mask, self.slope).apply(grad_outputs)


class MaskedScale(function_node.FunctionNode):
    """g -> g where mask, slope * g elsewhere (0 <= slope): the gradient of LeakyReLU (and of
    ReLU, slope 0), its own adjoint."""

    def __init__(self, mask, slope):
        self.mask, self.slope = mask, slope

    def forward(self, inputs):
        return _masked_scale(inputs[0], self.mask, self.slope),

    def backward(self, indexes, grad_outputs):
        return MaskedScale(self.mask, self.slope).apply(grad_outputs)


def _masked_scale(x, mask, slope):
    if slope == 0:
        return x * mask
    xp = chainer.backend.get_array_module(x)
    return xp.where(mask, x, x * x.dtype.type(slope))


def leaky_relu(x, slope=0.2):
    """LeakyReLU of a Variable or array (see LeakyReLU); 0 < slope < 1."""
    return LeakyReLU(slope).apply((x,))[0]
