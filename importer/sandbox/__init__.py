"""A local WAWP-compatible API server with injectable faults, for tests and demos.

Standalone: it imports nothing from the rest of ``importer``, and only the CLI imports it.
"""

from .app import Faults, SandboxConfig, create_app
from .server import main

__all__ = ["Faults", "SandboxConfig", "create_app", "main"]
