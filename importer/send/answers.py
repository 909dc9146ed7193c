"""Reading the API's 2xx answers: which one is the documented success, and what else came.

WAWP documents one success for an upsert: HTTP 200 with the JSON object `{"ok": true}`.
A 200 can also come from something that is not WAWP (a proxy's or captive portal's page,
a load balancer's empty answer), so any other 2xx answer is not a success: the caller
retries it and, if it persists, fails the row saying what came back.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["describe_body", "is_json", "is_ok_body", "parse_json_object"]

#: The bytes WAWP (and the sandbox) answer, compared before anything is parsed: this check
#: runs for every row.
OK_BODIES = frozenset({b'{"ok": true}', b'{"ok":true}', b'{"ok": true}\n', b'{"ok":true}\n'})
SHOWN_CHARS = 80
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_HTML_START = (b"<!doctype", b"<html", b"<head", b"<body", b"<?xml", b"<!--")


def is_ok_body(body: bytes) -> bool:
    """Whether `body` is the JSON object with `"ok": true` (other keys allowed, any spacing)."""
    if body in OK_BODIES:
        return True
    parsed = parse_json_object(body)
    return parsed is not None and parsed.get("ok") is True


def parse_json_object(body: bytes) -> dict[str, Any] | None:
    """`body` as a JSON object, or None when it is not one (not JSON, or an array…)."""
    try:
        parsed = json.loads(body)
    except ValueError:  # UnicodeDecodeError is a ValueError
        return None
    return parsed if isinstance(parsed, dict) else None


def is_json(body: bytes) -> bool:
    """Whether `body` is JSON at all: then the API itself most likely answered."""
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def describe_body(body: bytes, content_type: str = "") -> str:
    """What an answer's body is, in a few words and never whole.

    'an empty body', 'an HTML page titled "Sign in"', '{"ok": false}', 'the text "OK"'.
    """
    stripped = body.strip()
    if not stripped:
        return "an empty body"
    lowered = stripped[:16].lower()
    if "html" in content_type.lower() or lowered.startswith(_HTML_START):
        title = _TITLE.search(stripped[:4096])
        name = _short(" ".join(_text(title.group(1)).split())) if title else ""
        return f'an HTML page titled "{name}"' if name else "an HTML page"
    try:
        parsed = json.loads(stripped)
    except ValueError:
        pass  # not JSON: text, or bytes
    else:
        return _short(json.dumps(parsed, ensure_ascii=False))
    text = _text(stripped)
    if sum(not (c.isprintable() or c.isspace()) for c in text) > len(text) // 10:
        return f"{len(body)} bytes that are not text"
    return f'the text "{_short(" ".join(text.split()))}"'


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _short(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"
