"""`python -m importer.web` is `wawp-import serve`."""

import sys

from .serve import main

sys.exit(main())
