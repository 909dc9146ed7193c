"""Named users of the web page: a users file of password hashes, and the sessions they sign in to.

The users file (`wawp-import serve --users FILE`) has one user a line, ``name:hash``, where
the hash is argon2id's PHC string as `hash_password` makes it (``wawp-import serve
--hash-password``); blank lines and lines starting with # are skipped. No password is kept
anywhere, in the file or in memory.

A user who signs in gets a session: a random token in an HttpOnly cookie, which is all the
browser keeps (never the password). Sessions live in the server's memory: a restart signs
everyone out.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
#: How long a session lasts after sign-in, in seconds.
SESSION_LIFETIME = 12 * 3600.0
#: Sessions kept at most (the oldest are forgotten first), so memory stays bounded.
MAX_SESSIONS = 10_000
MISSING_LIBRARY = ("named users need the argon2-cffi package: pip install "
                   "'wawp-importer[users]'")


def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ImportError:
        raise ConfigError(MISSING_LIBRARY) from None
    return PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash of `password`, for a line of the users file."""
    if not password:
        raise ConfigError("the password is empty")
    return str(_hasher().hash(password))


class Users:
    """The users of a users file: name → password hash."""

    def __init__(self, hashes: dict[str, str]) -> None:
        self._hashes = dict(hashes)
        self._hasher = _hasher()
        # Unknown names are checked against this, so the answer takes as long as for a
        # known one and does not tell which names exist.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(16))

    @classmethod
    def from_file(cls, path: Path) -> Users:
        """Read a users file; ConfigError names the line that is wrong."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the users file {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"the users file {path} is not UTF-8 text") from None
        hashes: dict[str, str] = {}
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            name, colon, hashed = line.partition(":")
            name, hashed = name.strip(), hashed.strip()
            where = f"users file {path}, line {number}"
            if not colon or not NAME.match(name):
                raise ConfigError(f"{where}: expected NAME:HASH, with a name of letters, digits "
                                  "and . _ @ - (at most 64)")
            if not hashed.startswith("$argon2"):
                raise ConfigError(f"{where}: the hash of {name!r} is not an argon2 hash; make "
                                  "one with: wawp-import serve --hash-password")
            if name in hashes:
                raise ConfigError(f"{where}: {name!r} is named twice")
            hashes[name] = hashed
        if not hashes:
            raise ConfigError(f"the users file {path} names no user")
        return cls(hashes)

    def __len__(self) -> int:
        return len(self._hashes)

    def check(self, name: str, password: str) -> bool:
        """Whether `password` is `name`'s (slow on purpose: call it off the event loop)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        hashed = self._hashes.get(name)
        try:
            matches = bool(self._hasher.verify(hashed or self._decoy, password))
        except (VerificationError, InvalidHashError):
            return False
        return matches and hashed is not None


class Sessions:
    """Signed-in users by session token, in memory; a token lasts SESSION_LIFETIME."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sessions: dict[str, tuple[str, float]] = {}  # oldest first
        self._lock = threading.Lock()

    def open(self, name: str) -> str:
        """A new session for `name`: its token."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = (name, self._clock() + SESSION_LIFETIME)
            while len(self._sessions) > MAX_SESSIONS:
                del self._sessions[next(iter(self._sessions))]
        return token

    def user(self, token: str) -> str | None:
        """The user of a session token, or None (unknown or expired)."""
        if not token:
            return None
        with self._lock:
            found = self._sessions.get(token)
            if found is None:
                return None
            name, until = found
            if self._clock() >= until:
                del self._sessions[token]
                return None
        return name

    def close(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)


__all__ = ["MISSING_LIBRARY", "Sessions", "Users", "hash_password"]
