"""chainer-spiral: SPIRAL (Ganin et al., ICML 2018) on ChainerRL and libmypaint."""
from chainer_spiral import compat  # noqa: F401  (must run before chainerrl is imported)

__version__ = '0.1.0'
