"""Keep the access token out of everything a person or a file will see."""

from __future__ import annotations

import re
from collections.abc import Iterable

# httpx and aiohttp put the whole URL, query string included, into errors and logs.
_TOKEN_PARAM = re.compile(r"(access_token(?:=|%3D|\"?\s*:\s*\"?))[^&\s'\"#,}]+", re.IGNORECASE)
MASK = "***"


class Redactor:
    """Replaces every known secret, and any `access_token=` value, with ***."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Very short secrets would mask ordinary text; a real token is long.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = _TOKEN_PARAM.sub(lambda m: m.group(1) + MASK, text)
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with `access_token` values and the given secrets masked."""
    return Redactor(secrets)(text)
