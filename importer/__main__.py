"""`python -m importer` is the `wawp-import` command."""

import sys

from .cli import main

sys.exit(main())
