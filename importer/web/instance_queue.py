"""Imports to one WAWP instance take turns: a second one waits, told which job goes first."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Cancelled(Exception):
    """The import was stopped while it waited for its turn."""


class InstanceQueue:
    """One import at a time per WAWP instance; the others wait in the order they came."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queues: dict[str, list[str]] = {}

    @contextmanager
    def turn(self, key: str, job_id: str, *, on_wait: Callable[[str], None],
             cancelled: Callable[[], bool]) -> Iterator[None]:
        """Hold the instance `key` for `job_id`; `on_wait(holder)` is told who goes first."""
        with self._cond:
            queue = self._queues.setdefault(key, [])
            queue.append(job_id)
            try:
                told = None
                while queue[0] != job_id:
                    if cancelled():
                        raise Cancelled
                    if told != queue[0]:
                        told = queue[0]
                        on_wait(told)
                    self._cond.wait(timeout=0.2)  # wakes to notice a stop while waiting
            except BaseException:  # a stop while waiting leaves the queue too, re-raised
                queue.remove(job_id)
                self._cond.notify_all()
                raise
        try:
            yield
        finally:
            with self._cond:
                queue.remove(job_id)
                self._cond.notify_all()


__all__ = ["Cancelled", "InstanceQueue"]
