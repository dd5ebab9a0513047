# Licensed under a 3-clause BSD style license - see LICENSE
"""
``.. pixbin-command::``: run a ``pixbin`` command while the docs build and show its output.

The command runs in-process (``pixbin.cli.main``) in the working folder of the
matplotlib plot directive (``plot_working_directory``), so it sees the files
that the plot blocks of the page wrote before it.  A command that fails
(non-zero exit code) is a build warning, so ``sphinx-build -W`` fails.

Example::

    .. pixbin-command:: pixbin info galaxy_bins.fits
"""

import contextlib
import io
import os
import shlex

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


class PixbinCommand(SphinxDirective):
    """Run ``pixbin ARGS`` and show the command and what it printed."""

    has_content = False
    required_arguments = 1
    final_argument_whitespace = True

    def run(self):
        from pixbin.cli import main
        command = ' '.join(self.arguments[0].split())
        argv = shlex.split(command)
        if argv[0] != 'pixbin':
            raise self.error(f'pixbin-command: the command must start with "pixbin", got '
                             f'{command!r}')
        folder = self.config.plot_working_directory or self.env.srcdir
        out = io.StringIO()
        cwd = os.getcwd()
        import matplotlib.pyplot as plt
        figures = set(plt.get_fignums())
        try:
            os.chdir(folder)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                try:
                    code = main(argv[1:])
                except SystemExit as exc:        # argparse errors and --help
                    code = exc.code or 0
        finally:
            os.chdir(cwd)
            for number in set(plt.get_fignums()) - figures:   # e.g. pixbin demo's figure
                plt.close(number)
        text = out.getvalue().rstrip()
        if code:
            logger.warning(f'pixbin-command: {command!r} exited with {code}:\n{text}',
                           location=(self.env.docname, self.lineno))
        shown = f'$ {command}\n{text}' if text else f'$ {command}'
        block = nodes.literal_block(shown, shown)
        block['language'] = 'console'
        return [block]


def setup(app):
    app.add_directive('pixbin-command', PixbinCommand)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
