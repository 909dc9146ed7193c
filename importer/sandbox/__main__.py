"""``python -m importer.sandbox``: run the WAWP sandbox server."""

import sys

from .server import main

sys.exit(main())
