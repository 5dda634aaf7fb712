"""Chainer links of SPIRAL: the generator (policy + value) and the discriminator."""
from chainer_spiral.models.action_spec import ActionSpec, Head, spec_from_env
from chainer_spiral.models.conv import ConvNHWC, convolution_nhwc, deconvolution_nhwc
from chainer_spiral.models.decoder import AutoregressiveDecoder
from chainer_spiral.models.discriminator import Discriminator
from chainer_spiral.models.encoder import Encoder, TwinEncoder
from chainer_spiral.models.generator import Generator

__all__ = ['ActionSpec', 'AutoregressiveDecoder', 'ConvNHWC', 'Discriminator', 'Encoder',
           'Generator', 'Head', 'TwinEncoder', 'convolution_nhwc', 'deconvolution_nhwc',
           'spec_from_env']
