"""The canary filter of --limit: only contacts to send count; the rest wait for --resume."""

from __future__ import annotations

from importer.models import Contact, Prepared, Status
from importer.send.canary import Canary


def item(row: int, status: Status = Status.READY, detail: str = "") -> Prepared:
    contact = Contact(f"2010000000{row:02d}@c.us", f"P{row}", "")
    return Prepared(row, (), status, None if status is Status.INVALID else contact, detail)


def test_only_contacts_to_send_count_and_the_others_keep_their_status() -> None:
    canary = Canary(2)
    items = [item(2, Status.INVALID), item(3), item(4, Status.DUPLICATE),
             item(5, Status.UNCHANGED), item(6), item(7), item(8, Status.INVALID), item(9)]
    out = list(canary(items))
    assert [i.status for i in out] == [Status.INVALID, Status.READY, Status.DUPLICATE,
                                       Status.UNCHANGED, Status.READY, Status.NOT_ATTEMPTED,
                                       Status.INVALID, Status.NOT_ATTEMPTED]
    assert (canary.passed, canary.held) == (2, 2)
    assert out[5].contact == items[5].contact  # what would have been sent, kept for the results


def test_the_detail_says_how_to_send_the_rest_and_keeps_the_rows_own_notes() -> None:
    out = list(Canary(1)([item(2), item(3, detail="used 'Phone 2': 'Phone 1' is empty")]))
    assert out[1].detail == ("not sent: --limit 1 (a canary); run the same command with "
                             "--resume to send the rest; used 'Phone 2': 'Phone 1' is empty")
    dry = list(Canary(1, dry_run=True)([item(2), item(3)]))
    assert dry[1].detail == "not sent: --limit 1 (a canary)"


def test_no_limit_passes_the_stream_through_untouched() -> None:
    items = [item(2), item(3)]
    assert Canary(None)(items) is items
