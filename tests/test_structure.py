# Licensed under a 3-clause BSD style license - see LICENSE
"""
The shape of the code: data flows one way, with no import circle.

Every import of every module of pixbin and pixbin_glue counts, at module
level or inside a function, read from the source with `ast`.
"""

import ast
import importlib.util
from pathlib import Path

import pytest

PACKAGES = ('pixbin', 'pixbin_glue')


def modules():
    """{module name: path} of the two packages' sources (where Python imports them from)."""
    found = {}
    for package in PACKAGES:
        folder = Path(importlib.util.find_spec(package).origin).parent
        for path in sorted(folder.rglob('*.py')):
            parts = path.relative_to(folder.parent).with_suffix('').parts
            if parts[-1] == '__init__':
                parts = parts[:-1]
            found['.'.join(parts)] = path
    return found


def import_graph():
    """{module: set of the package modules it imports}."""
    mods = modules()
    graph = {}
    for name, path in mods.items():
        package = name if path.name == '__init__.py' else name.rpartition('.')[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split('.')
                    base = '.'.join(base[:len(base) - node.level + 1])
                    module = f'{base}.{node.module}' if node.module else base
                else:
                    module = node.module
                for alias in node.names:
                    full = f'{module}.{alias.name}'
                    targets.add(full if full in mods else module)
        edges = set()
        for target in targets:
            while target not in mods and '.' in target:
                target = target.rpartition('.')[0]
            if target in mods and target != name:
                edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph):
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_graph_is_read():
    graph = import_graph()
    assert 'pixbin.binmap' in graph['pixbin.core']
    assert 'pixbin.binning' in graph['pixbin.core']
    assert 'pixbin.binmap' in graph['pixbin.io.registry']
    # a circle, as it would be found
    assert cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c']]


def test_no_import_circle():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize('layer, above', [
    ('pixbin.binning', ('pixbin.core', 'pixbin.binmap', 'pixbin.io', 'pixbin.cli',
                        'pixbin.batch', 'pixbin_glue')),
    ('pixbin.binmap', ('pixbin.core', 'pixbin.io', 'pixbin.cli', 'pixbin.batch',
                       'pixbin_glue')),
])
def test_data_flows_one_way(layer, above):
    """The algorithms know nothing of BinMap or files; BinMap knows nothing of files."""
    graph = import_graph()
    inside = [m for m in graph if m == layer or m.startswith(layer + '.')]
    for module in inside:
        wrong = [t for t in graph[module] if any(t == a or t.startswith(a + '.') for a in above)]
        assert not wrong, f'{module} imports {wrong}'
