"""``python -m ioakit``: the command line (``ioakit.cli.entry``: ``main``, then a prompt exit)."""

from ioakit.cli import entry

entry()
