"""Files that appear whole or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from importer.atomic import AtomicFile, write_atomically


def test_nothing_is_at_the_name_until_the_file_is_committed(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    f = AtomicFile(path)
    f.file.write("new\n")
    assert path.read_text() == "old\n"          # readers still see the old file whole
    f.commit()
    assert path.read_text() == "new\n"
    assert not f.partial.exists()


def test_a_failed_block_keeps_the_partial_file_or_removes_it(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), AtomicFile(path) as kept:
        kept.file.write("half")
        raise RuntimeError("disk gone")
    assert not path.exists() and kept.partial.read_text() == "half"
    with pytest.raises(RuntimeError), AtomicFile(path, keep_on_error=False) as dropped:
        raise RuntimeError("disk gone")
    assert not path.exists() and not dropped.partial.exists()


def test_files_are_owner_only_from_their_first_byte_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_atomically(tmp_path / "cache.json", "{}")
        f = AtomicFile(tmp_path / "results.csv")
        partial_mode = stat.S_IMODE(f.partial.stat().st_mode)  # before anything is written
        f.file.write("row,status\n")
        f.commit()
        shared = AtomicFile(tmp_path / "shared.txt", permissions=0o644)
        shared.commit()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "cache.json").stat().st_mode) == 0o600
    assert partial_mode == 0o600
    assert stat.S_IMODE((tmp_path / "results.csv").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "shared.txt").stat().st_mode) == 0o644  # when asked
