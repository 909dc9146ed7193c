"""The files of the web app on disk: owner-only permissions, safe names, sizes in words."""

from __future__ import annotations

import os
import re
from pathlib import Path

#: Extensions kept on an upload: the reader trusts content over names, but a kept extension
#: lets it say when the name lied. Anything else is stored without one.
KNOWN_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".tab", ".psv", ".dat", ".xlsx", ".xlsm",
                            ".xlsb", ".xls", ".ods", ".vcf"})
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_UNSAFE_NAME = re.compile(r"[^\w.\-]+")
_MAX_NAME_CHARS = 100


def private(path: Path) -> None:
    """Owner-only, whatever the umask: job folders hold numbers and names (0700/0600)."""
    try:
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    except OSError:
        pass  # gone already (a partial file moved into place)


def private_tree(folder: Path) -> None:
    """`folder` and everything in it, owner-only."""
    private(folder)
    for path in folder.rglob("*"):
        private(path)


def safe_file_name(name: str) -> str:
    """An uploaded file's name made safe to store: no folders, no odd characters, an extension
    the reader knows or none. Letters of any script are kept, so people recognise it."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    suffix = Path(base).suffix.lower()
    stem = base[: -len(suffix)] if suffix else base
    stem = _UNSAFE_NAME.sub("_", stem).strip("._-")[:_MAX_NAME_CHARS] or "upload"
    return stem + (suffix if suffix in KNOWN_SUFFIXES else "")


def too_large(name: str, size: int | None, limit: int) -> str:
    """Why an upload of `size` bytes (None: not known yet) is refused, and what to do."""
    what = f"{name} is {format_size(size)}" if size is not None else f"{name} is bigger than that"
    return (f"{what}; this server takes files up to {format_size(limit)}. Split the file, or "
            "ask whoever runs this server to allow larger files.")


def format_size(size: int) -> str:
    """A byte count as a person reads it: 512 bytes, 3.2 KB, 48.0 MB."""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB"):
        value /= 1024
        if value < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} GB"




__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "KNOWN_SUFFIXES", "format_size", "private", "private_tree",
           "safe_file_name", "too_large"]
