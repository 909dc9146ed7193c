"""`--limit N`, a canary: the first N contacts that would be sent go, every later one is
`not_attempted`, and `--resume` sends the rest.

Only contacts handed to the API count: invalid, duplicate, unchanged rows and rows an
earlier run already sent keep their own status and cost nothing, so the filter comes after
every other reason not to send a row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from ..models import Prepared, Status
from ..problems import WORDS, Code, problem


class Canary:
    """Lets the first `limit` contacts to send through; `held` counts those it held back."""

    def __init__(self, limit: int | None = None, *, dry_run: bool = False) -> None:
        self.limit = limit
        self.dry_run = dry_run
        self.passed = 0
        self.held = 0

    def __call__(self, items: Iterable[Prepared]) -> Iterable[Prepared]:
        """`items`, with every contact to send past the first `limit` made NOT_ATTEMPTED."""
        if self.limit is None:
            return items
        return self._limited(items, self.limit)

    def _limited(self, items: Iterable[Prepared], limit: int) -> Iterator[Prepared]:
        found = problem(Code.CANARY_LIMIT, limit=limit, dry_run=self.dry_run)
        reason = WORDS.detail(found)
        for item in items:
            if item.status is Status.READY and item.contact is not None:
                if self.passed >= limit:
                    self.held += 1
                    detail = f"{reason}; {item.detail}" if item.detail else reason
                    yield dataclasses.replace(item, status=Status.NOT_ATTEMPTED, detail=detail,
                                              previous=None, problem=found)
                    continue
                self.passed += 1
            yield item
