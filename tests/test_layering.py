"""Imports run one way: every module of chainer_spiral/ sits on a rung of the ladder and imports
only its own rung or lower ones, and no modules (nor the package's folders) import each other in
a loop.

The ladder (docs/architecture.md): the core (config, errors, the envs, the models, the datasets);
the program (a drawing as data); the agents; the runs (loading a run: config + snapshot ->
agent); training, evaluation, the demos and the server; the command lines. Every import counts,
the ones inside functions too. A new module must be placed on the ladder here.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'chainer_spiral'

# Lowest first: a module imports its own rung or a lower one. Each entry names a module or a
# package (every module under it); the longest entry that holds a module places it.
LADDER = [
    ('core', ['chainer_spiral', 'chainer_spiral.compat', 'chainer_spiral.config',
              'chainer_spiral.errors', 'chainer_spiral.extensions', 'chainer_spiral.sheets',
              'chainer_spiral.envs', 'chainer_spiral.models', 'chainer_spiral.datasets']),
    ('program', ['chainer_spiral.program']),
    ('agents', ['chainer_spiral.agents']),
    ('runs', ['chainer_spiral.runs', 'chainer_spiral.painters']),
    ('uses', ['chainer_spiral.training', 'chainer_spiral.evaluation', 'chainer_spiral.demo',
              'chainer_spiral.serve']),
    ('command lines', ['chainer_spiral.cli']),
]


def module_name(path):
    """chainer_spiral/a/b.py -> chainer_spiral.a.b; chainer_spiral/a/__init__.py -> ..a."""
    parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def modules():
    """{module name: path} of every .py file of the package."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob('*.py'))}


def imported(name, path, known):
    """The package's modules that the module `name` (at `path`) imports anywhere in its code:
    `from x import y` counts as x.y where that is a module, else as x."""
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.split('.')[:len(package.split('.')) - node.level + 1]
                base = '.'.join(anchor + ([base] if base else []))
            targets = [f'{base}.{alias.name}' if f'{base}.{alias.name}' in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:   # `import a.b.c` of a package: its module
                target = target.rpartition('.')[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph():
    known = modules()
    return {name: imported(name, path, known) for name, path in known.items()}


def rung(name):
    """(index, rung name) of a module: the longest LADDER entry that holds it."""
    holders = [(len(entry), i, rung_name) for i, (rung_name, entries) in enumerate(LADDER)
               for entry in entries if name == entry or name.startswith(entry + '.')]
    if not holders:
        return None
    _, i, rung_name = max(holders)
    return i, rung_name


def room(name):
    """The folder (top-level package) or top-level file a module belongs to, as the package's
    floor plan shows it: chainer_spiral.training.trainer -> chainer_spiral.training."""
    return '.'.join(name.split('.')[:2])


def cycles(graph):
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope='module')
def graph():
    return import_graph()


def test_every_module_is_on_the_ladder(graph):
    unplaced = [name for name in graph if rung(name) is None]
    assert not unplaced, f'expected every module on a rung of LADDER, got none for {unplaced}'


def test_no_module_imports_a_higher_rung(graph):
    upward = [f'{a} ({rung(a)[1]}) imports {b} ({rung(b)[1]})'
              for a, targets in sorted(graph.items()) for b in sorted(targets)
              if rung(a) and rung(b) and rung(b)[0] > rung(a)[0]]
    assert not upward, 'expected imports to run down the ladder, got:\n' + '\n'.join(upward)


def test_no_modules_import_each_other_in_a_loop(graph):
    assert cycles(graph) == []


def test_no_folders_import_each_other_in_a_loop(graph):
    rooms = {}
    for a, targets in graph.items():
        rooms.setdefault(room(a), set()).update(room(b) for b in targets if room(b) != room(a))
    assert cycles(rooms) == []


def test_the_checks_see_imports_inside_functions_and_relative_ones(tmp_path):
    source = tmp_path / 'example.py'
    source.write_text('from . import acting\n\ndef f():\n    from chainer_spiral.demo import '
                      'json\n    import chainer_spiral.training.trainer\n')
    known = {'chainer_spiral.agents.acting', 'chainer_spiral.demo', 'chainer_spiral.demo.json',
             'chainer_spiral.training.trainer', 'chainer_spiral.agents.example'}
    found = imported('chainer_spiral.agents.example', source, known)
    assert found == {'chainer_spiral.agents.acting', 'chainer_spiral.demo.json',
                     'chainer_spiral.training.trainer'}
    assert cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c']]
