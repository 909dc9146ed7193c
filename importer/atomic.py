"""Files that appear whole or not at all: written to `<name>.partial`, then renamed.

A reader (Excel, a second run, a script watching the folder) never sees half a file: until
`commit()` the content lives beside its name, and `os.replace` swaps it in in one step.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self


def partial_path(path: Path) -> Path:
    """Where `path` is written until it is complete."""
    return path.with_name(path.name + ".partial")


class AtomicFile:
    """`path`, written through `<path>.partial`; `commit()` renames it into place.

    `file` is the open partial file (text, or binary with `encoding=None`). Created with
    `permissions` (before the umask; owner-only unless the caller asks otherwise, since
    every file the importer writes holds numbers or names), so it is never readable by
    others, not even for a moment. As a context manager it commits when the block succeeds and keeps
    the partial file when it fails (`keep_on_error=False` removes it). OSError is raised as
    it comes: each caller words it for its own file.
    """

    def __init__(self, path: Path, *, encoding: str | None = "utf-8",
                 newline: str | None = None, permissions: int = 0o600,
                 keep_on_error: bool = True) -> None:
        self.path = path
        self.partial = partial_path(path)
        self.keep_on_error = keep_on_error
        fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, permissions)
        try:
            self.file: IO[Any] = (os.fdopen(fd, "wb") if encoding is None
                                  else os.fdopen(fd, "w", encoding=encoding, newline=newline))
        except BaseException:  # whatever stops the opening (even Ctrl-C): no fd left open
            os.close(fd)
            raise

    def commit(self) -> None:
        """Close the partial file and put it in place of `path`."""
        self.file.close()
        os.replace(self.partial, self.path)

    def abandon(self, *, keep: bool | None = None) -> None:
        """Close the partial file; remove it unless `keep` (default: `keep_on_error`)."""
        self.file.close()
        if not (self.keep_on_error if keep is None else keep):
            self.partial.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abandon()


def write_atomically(path: Path, text: str, *, permissions: int = 0o600) -> None:
    """Write `text` (UTF-8) to `path`, whole or not at all; OSError as it comes."""
    with AtomicFile(path, permissions=permissions, keep_on_error=False) as f:
        f.file.write(text)


__all__ = ["AtomicFile", "partial_path", "write_atomically"]
