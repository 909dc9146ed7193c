"""Reading the API's 2xx answers: the documented success, and the others in a few words."""

from __future__ import annotations

import json

import pytest

from importer.send.answers import OK_BODIES, describe_body, is_json, is_ok_body


def says_ok(body: bytes) -> bool:
    """The definition, without the fast path: a JSON object whose "ok" is true."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("ok") is True


BODIES = [
    *sorted(OK_BODIES),
    b'{ "ok" : true }', b'{"ok": true, "id": 1}', b'{"id": 1, "ok": true}',
    b'\xef\xbb\xbf{"ok": true}',
    b'{"ok": false}', b'{"ok": "true"}', b'{"ok": 1}', b'{"ok": null}', b"{}", b"[]",
    b'[{"ok": true}]', b"true", b'"ok"', b"", b"  ", b"OK", b'{"ok": tru', b"<html></html>",
    b'{"Ok": true}', b"\xff\xfe{", b'{"ok": true}{"ok": true}',
]


@pytest.mark.parametrize("body", BODIES)
def test_the_fast_path_and_the_json_path_agree(body: bytes) -> None:
    assert is_ok_body(body) is says_ok(body)


@pytest.mark.parametrize("body", sorted(OK_BODIES))
def test_every_fast_path_body_is_the_documented_answer(body: bytes) -> None:
    assert json.loads(body) == {"ok": True}


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    (b"", "", "an empty body"),
    (b" \r\n", "application/json", "an empty body"),
    (b"<!DOCTYPE html><title>Sign in</title>", "", 'an HTML page titled "Sign in"'),
    (b"<html><head><TITLE>\n  Captive\n  portal </TITLE>", "",
     'an HTML page titled "Captive portal"'),
    (b"<p>hello</p>", "text/html; charset=utf-8", "an HTML page"),
    (b"<html>" + b"x" * 10_000, "", "an HTML page"),
    (b'{"ok": false}', "application/json", '{"ok": false}'),
    (b'{"ok":false,"error":"Bad"}', "", '{"ok": false, "error": "Bad"}'),
    (b"[]", "", "[]"),
    (b"OK", "text/plain", 'the text "OK"'),
    (b"Service\n  Unavailable", "", 'the text "Service Unavailable"'),
    (b"\x00\x01\x02\x03\x04\x05", "", "6 bytes that are not text"),
])
def test_what_came_back_in_a_few_words(body: bytes, content_type: str, expected: str) -> None:
    assert describe_body(body, content_type) == expected


def test_a_long_body_is_never_shown_whole() -> None:
    shown = describe_body(json.dumps({"message": "x" * 5000}).encode())
    assert len(shown) <= 80 and shown.endswith("…")
    shown = describe_body(b"y" * 5000)
    assert len(shown) <= 100 and shown.endswith('…"')


@pytest.mark.parametrize(("body", "expected"), [(b"{}", True), (b"null", True), (b"", False),
                                                (b"<html>", False), (b"OK", False)])
def test_is_json(body: bytes, expected: bool) -> None:
    assert is_json(body) is expected
