# Licensed under a 3-clause BSD style license - see LICENSE
"""
Every public function and class has an Examples section with code to run.

The public names are those of the ``__all__`` of the user-facing modules of
pixbin and of the glue plugin (its frontends included, when installed); the
examples themselves run as doctests (``--doctest-plus``, see pyproject.toml).
"""

import importlib
import inspect

import pytest

# module -> what it needs besides pixbin (None: nothing)
NAMESPACES = {
    'pixbin': None,
    'pixbin.batch': None,
    'pixbin.binning': None,
    'pixbin.cli': None,
    'pixbin.datasets': None,
    'pixbin.exceptions': None,
    'pixbin.io': None,
    'pixbin.io.filters': None,
    'pixbin.metrics': None,
    'pixbin.plotting': None,
    'pixbin_glue': ('glue', 'glue_astronomy'),
    'pixbin_glue.viewers': ('glue', 'glue_astronomy'),
    'pixbin_glue.qt': ('glue', 'glue_astronomy', 'glue_qt'),
    'pixbin_glue.qt.viewers': ('glue', 'glue_astronomy', 'glue_qt'),
    'pixbin_glue.qt.dialog': ('glue', 'glue_astronomy', 'glue_qt'),
    'pixbin_glue.jupyter': ('glue', 'glue_astronomy', 'glue_jupyter'),
    'pixbin_glue.jupyter.viewers': ('glue', 'glue_astronomy', 'glue_jupyter', 'ipympl'),
}


def examples_section(obj):
    """The text of the numpydoc Examples section of ``obj``'s own docstring, or None."""
    lines = inspect.cleandoc(obj.__doc__ or '').splitlines()   # a class needs its own
    # numpydoc section headers: a title underlined with dashes
    headers = [i for i in range(len(lines) - 1)
               if lines[i].strip() and len(lines[i + 1].strip()) >= 3
               and set(lines[i + 1].strip()) == {'-'}]
    for k, i in enumerate(headers):
        if lines[i].strip() == 'Examples':
            end = headers[k + 1] if k + 1 < len(headers) else len(lines)
            return '\n'.join(lines[i + 2:end])
    return None


def public_objects(module_name):
    """``{qualified name: object}`` of the functions and classes in the module's ``__all__``."""
    module = importlib.import_module(module_name)
    found = {}
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            found[f'{module_name}.{name}'] = obj
    return found


@pytest.mark.parametrize('module_name', sorted(NAMESPACES))
def test_public_functions_and_classes_have_examples(module_name):
    for requirement in NAMESPACES[module_name] or ():
        pytest.importorskip(requirement)
    objects = public_objects(module_name)
    assert objects, f'{module_name} has no public function or class'
    missing = sorted(name for name, obj in objects.items()
                     if '>>> ' not in (examples_section(obj) or ''))
    assert missing == [], f'public names without an Examples section with code: {missing}'


def test_examples_section_is_found_only_in_an_own_numpydoc_section():
    def documented():
        """
        Do it.

        Examples
        --------
        >>> 1 + 1
        2

        Notes
        -----
        None.
        """

    def mentioned():
        """Examples are elsewhere (no section)."""

    class Base:
        """
        Examples
        --------
        >>> Base()  # doctest: +SKIP
        """

    class Child(Base):
        pass

    assert examples_section(documented) == '>>> 1 + 1\n2\n'
    assert examples_section(mentioned) is None
    assert examples_section(Child) is None            # inherited docstrings do not count
