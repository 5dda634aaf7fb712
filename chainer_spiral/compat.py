"""Compatibility shims applied before chainerrl is imported.

chainerrl 0.8.0 (``chainerrl/recurrent.py``) still refers to ``collections.Iterable``,
which moved to ``collections.abc`` and was removed from ``collections`` in Python 3.10.
"""
import collections
import collections.abc

if not hasattr(collections, 'Iterable'):
    collections.Iterable = collections.abc.Iterable
