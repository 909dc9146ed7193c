"""Phone text → WhatsApp chat ID (`<E.164 digits>@c.us`), or the reason it cannot be one."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException

from ..errors import ConfigError

CHAT_ID = re.compile(r"^(\d{7,15})@c\.us$")


@dataclass(frozen=True, slots=True)
class PhoneResult:
    """A chat ID, or None with the reason in `detail`."""

    chat_id: str | None
    detail: str = ""


def check_region(region: str | None) -> str | None:
    """The region code in upper case; unknown codes raise ConfigError."""
    if region is None:
        return None
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"unknown region code {region!r}: use an ISO 3166 code such as EG, GB, US")
    return code


class PhoneNormalizer:
    """Parses phone cells for one default region."""

    def __init__(self, default_region: str | None = None) -> None:
        self.region = check_region(default_region)

    def normalize(self, text: str) -> PhoneResult:
        text = text.strip()
        if not text:
            return PhoneResult(None, "no phone number")
        formed = CHAT_ID.match(text)
        if formed:
            text = "+" + formed.group(1)
        try:
            number = phonenumbers.parse(text, self.region)
        except NumberParseException as exc:
            return PhoneResult(None, f"not a phone number: {exc._msg}")
        if not phonenumbers.is_valid_number(number):
            where = self.region or "any region"
            return PhoneResult(None, f"not a valid number for {where}")
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return PhoneResult(e164[1:] + "@c.us")
