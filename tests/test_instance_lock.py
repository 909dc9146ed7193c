"""The per-instance lock: its key, its file, waiting, --no-wait and a stop while waiting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from importer.errors import InstanceBusy, StoppedWaiting
from importer.report.instance_lock import (
    InstanceLock,
    LockHolder,
    instance_key,
    instance_lock_path,
    read_holder,
)


@pytest.mark.parametrize("url", ["https://api.wawp.net", "HTTPS://API.WAWP.NET/",
                                 "https://api.wawp.net:443", "https://Api.Wawp.net:443/"])
def test_the_key_is_the_same_for_every_spelling_of_one_address(url: str) -> None:
    assert instance_key("inst", url) == instance_key("inst", "https://api.wawp.net")


@pytest.mark.parametrize("url", ["http://api.wawp.net", "https://api.wawp.net:8443",
                                 "https://other.wawp.net", "https://api.wawp.net/v1"])
def test_another_address_is_another_key(url: str) -> None:
    assert instance_key("inst", url) != instance_key("inst", "https://api.wawp.net")


def test_the_file_name_holds_neither_the_instance_nor_the_address(tmp_path: Path) -> None:
    path = instance_lock_path(tmp_path, "my-instance", "https://api.wawp.net")
    assert "my-instance" not in path.name and "wawp" not in path.name
    assert path != instance_lock_path(tmp_path, "other", "https://api.wawp.net")


def lock(tmp_path: Path, **kwargs: object) -> InstanceLock:
    return InstanceLock("inst", "https://api.wawp.net", folder=tmp_path / "locks",
                        **kwargs)  # type: ignore[arg-type]


def test_the_holder_is_named_in_the_file_and_the_file_goes_with_the_lock(tmp_path: Path) -> None:
    with lock(tmp_path, clock=lambda: 1234.0) as held:
        assert read_holder(held.path) == LockHolder(os.getpid(), 1234.0)
    assert not held.path.exists()


def test_no_wait_refuses_at_once_naming_the_holder(tmp_path: Path) -> None:
    with lock(tmp_path, clock=lambda: 0.0):
        with pytest.raises(InstanceBusy, match=rf"instance inst \(pid {os.getpid()}, "
                                               r"started \d\d:\d\d\).*--no-wait"):
            lock(tmp_path, no_wait=True).acquire()


def test_a_waiting_run_hears_the_holder_then_takes_the_lock_once_it_is_free(
        tmp_path: Path) -> None:
    first = lock(tmp_path, clock=lambda: 5.0)
    first.acquire()
    heard: list[LockHolder | None] = []
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            first.release()

    with lock(tmp_path, on_wait=heard.append, pause=pause, clock=lambda: 9.0) as second:
        assert read_holder(second.path) == LockHolder(os.getpid(), 9.0)
    assert heard == [LockHolder(os.getpid(), 5.0), None]
    assert len(pauses) == 3


def test_a_stop_while_waiting_ends_the_wait(tmp_path: Path) -> None:
    stop = []
    with lock(tmp_path):
        waiting = lock(tmp_path, stopped=lambda: bool(stop), pause=lambda s: stop.append(s))
        with pytest.raises(StoppedWaiting, match="nothing was sent"):
            waiting.acquire()
