"""The page's default region: where it comes from, and whether a file's numbers fit it.

A national number ("0100 123 4567", "(201) 555-0123") means nothing without a region, and a
wrong region can still make it "valid": a US "(201) 555-0123" read as Egyptian is a Cairo
landline. So the page never leaves the region implicit: a job starts with a real value,
the server's --default-region or else the region of the instance's own WhatsApp number
(`GET /v2/session/info` → `me.id`), and the check warns when the file looks foreign to it
(`normalize.region_fit` judges; the words are the page's own).

`instance_number` asks through the pipeline's `fetch_session_info`, as the CLI does, with
a shorter patience: it runs once in the background when the server starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
import phonenumbers

from ..errors import ImporterError
from ..normalize.region_fit import (
    CANDIDATE_REGIONS,
    SAMPLE_SIZE,
    Fit,
    RegionFit,
    fit,
    judge_region,
    region_name,
    resolve_region,
)
from ..options import ImportOptions
from ..pipeline import fetch_session_info, instance_chat_id


@dataclass(frozen=True, slots=True)
class InstanceNumber:
    """The WhatsApp number an instance is connected as, and the region it belongs to."""

    chat_id: str
    region: str | None


def instance_number(options: ImportOptions, *,
                    transport: httpx.AsyncBaseTransport | None = None) -> InstanceNumber | None:
    """The instance's own number (`GET /v2/session/info` → `me.id`), or None when there is no
    instance, the API cannot be asked, or the session has no number yet (QR not scanned).

    Runs its own event loop: call it from a thread, not from a running loop.
    """
    if not options.instance_id or not options.access_token:
        return None
    quick = dataclasses.replace(options, timeout=min(options.timeout, 10.0),
                                max_attempts=min(options.max_attempts, 2))
    try:
        info = fetch_session_info(quick, transport=transport)
    except ImporterError:  # includes a refused token: the import will say so in full
        return None
    chat_id = instance_chat_id(info)
    if not chat_id:
        return None
    return InstanceNumber(chat_id, resolve_region(None, chat_id=chat_id).region)


# -- does the file fit the region? (judged in normalize/region_fit.py, worded here) -----------

def region_warning(cells: Iterable[str], region: str | None) -> str | None:
    """A warning in words when the phone cells look foreign to `region`, naming the region
    that fits them better; None when they fit (or are too few, or all international)."""
    return describe_region_fit(judge_region(cells, region))


def describe_region_fit(judged: RegionFit | None) -> str | None:
    """`judge_region`'s finding in the page's words (the check passes the plan's own, made
    in the region the numbers were read in); None when the numbers fit it."""
    if judged is None or not judged.looks_foreign:
        return None
    best = judged.better
    current = judged.current
    if current is None:
        guess = (f"; they look like numbers from {_name(best.region)} ({best.region})"
                 if best else "")
        return (f"No region is set, so the {judged.numbers} numbers written without a country "
                f"code cannot be read{guess}. Choose the region above.")
    if best is None:
        better = ""
    else:
        better = (f" They look like numbers from {_name(best.region)}: {best.valid} of "
                  f"{best.numbers} are valid there, {best.mobiles} of them mobiles. Change the "
                  f"region to {best.region} if that is where they are from.")
    if judged.mostly_invalid:
        what = (f"{current.invalid} of the {current.numbers} numbers written without a country "
                f"code are not valid numbers there")
    else:
        what = (f"{current.landlines} of the {current.valid} numbers valid there read as "
                "landlines, which are rarely on WhatsApp")
    return f"This file may not be from {_name(current.region)} ({current.region}): {what}.{better}"


_name = region_name


def valid_region(code: str) -> bool:
    """Whether `code` is a region phonenumbers knows (ISO 3166 alpha-2, upper case)."""
    return code in phonenumbers.SUPPORTED_REGIONS


__all__ = ["CANDIDATE_REGIONS", "SAMPLE_SIZE", "Fit", "InstanceNumber", "describe_region_fit",
           "fit", "instance_number", "region_warning", "valid_region"]
