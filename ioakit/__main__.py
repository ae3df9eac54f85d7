"""``python -m ioakit``: the command line."""

import sys

from ioakit.cli import main

sys.exit(main())
