"""The WhatsApp numbers one server imports to: a list from `--instances FILE`, or one.

An instances file is TOML, one ``[[instance]]`` table per number:

    [[instance]]
    name = "Sales"                  # what the page shows; a job keeps it
    instance_id = "ABC123"
    token_file = "sales.token"      # relative to this file's folder; read by the server only
    default_region = "EG"           # optional: else the region of the number itself
    rate = 20                       # optional: requests per second (else --rate)
    concurrency = 8                 # optional: requests in flight (else --concurrency)
    base_url = "https://api.wawp.net"  # optional (else --base-url / WAWP_BASE_URL)

Each number has its own turn queue, pacing, default region and record in the ledger (keyed by
base URL and instance ID, as the command's). Without a file the server has one number, from
the environment and flags as before. A token stays in the server: the page sees names,
instance IDs and base URLs only (`Instance.view`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import stat
import threading
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..entry import token_text
from ..errors import ConfigError, UsageError
from ..mappings import instance_key
from ..options import ImportOptions, check_base_url
from .job import Job, JobError
from .region import InstanceNumber, instance_number, valid_region

#: The keys of an ``[[instance]]`` table; the first three are required.
REQUIRED_KEYS = ("name", "instance_id", "token_file")
OPTIONAL_KEYS = ("default_region", "rate", "concurrency", "base_url")
MAX_NAME = 60


@dataclass(eq=False)
class Instance:
    """One number the server imports to: its name, its sending options (token included), and
    its own WhatsApp number once the API said it (its region is the default one)."""

    name: str
    options: ImportOptions
    number: InstanceNumber | None = None
    known: threading.Event = field(default_factory=threading.Event)
    asked: bool = False

    @property
    def key(self) -> str:
        """What imports to this number queue on (one at a time per instance), its remembered
        mappings are kept under, and a job records its number by."""
        return instance_key(self.options.base_url, self.options.instance_id)

    @property
    def can_import(self) -> bool:
        return bool(self.options.instance_id and self.options.access_token)

    def find_number(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        """Ask the API for the instance's own number (call it on a thread)."""
        try:
            if not self.options.default_region:
                self.number = instance_number(self.options, transport=transport)
        finally:
            self.known.set()

    def default_region(self) -> str | None:
        """The region a new job on this number starts with: its setting, else its number's."""
        if self.options.default_region:
            return self.options.default_region
        return self.number.region if self.number else None

    def region_source(self) -> str:
        """Where default_region() comes from, in words for the page."""
        if self.options.default_region:
            return "the server's setting"
        if self.number and self.number.region:
            return f"the instance's own number, +{self.number.chat_id.split('@')[0]}"
        return ""

    def view(self) -> dict[str, Any]:
        """What the page may know of this number (never its token)."""
        return {"name": self.name, "instance_id": self.options.instance_id,
                "base_url": self.options.base_url, "can_import": self.can_import,
                "default_region": self.default_region(), "region_source": self.region_source()}


class NumberNotConfigured(JobError):
    """The number a job was made for is not one this server imports to (any more)."""

    status = 409


class Instances:
    """The server's numbers, by name; the first is the default one."""

    def __init__(self, instances: Sequence[Instance]) -> None:
        if not instances:
            raise ValueError("a server has at least one instance")
        self.all = list(instances)
        self._by_name = {instance.name: instance for instance in self.all}

    @property
    def default(self) -> Instance:
        return self.all[0]

    @property
    def several(self) -> bool:
        return len(self.all) > 1

    def tokens(self) -> list[str]:
        return [instance.options.access_token for instance in self.all]

    def for_upload(self, name: str | None) -> Instance:
        """The number an upload names; with one number, that one. JobError says what to give."""
        if not name:
            if self.several:
                raise JobError("choose the number to import to: instance="
                               + " or ".join(repr(i.name) for i in self.all))
            return self.default
        found = self._by_name.get(name)
        if found is None:
            raise JobError(f"no number called {name!r} on this server; its numbers are "
                           + ", ".join(repr(i.name) for i in self.all))
        return found

    def of_job(self, job: Job) -> Instance | None:
        """The number `job` was made for; None when this server has no such number now.

        The instance the job was made for decides, when the job knows it (`instance_key`):
        found under its name, or under another one (renamed in the instances file, or the
        server's one number from the environment now named in a file); a name that now
        points to another instance is not the job's number. A job from before numbers were
        named has the server's number, if it has only one."""
        state = job.state
        by_name = (self._by_name.get(state.instance) if state.instance is not None
                   else None if self.several else self.default)
        if state.instance_key is None or (by_name is not None
                                          and by_name.key == state.instance_key):
            return by_name
        return next((i for i in self.all if i.key == state.instance_key), None)

    def why_not(self, job: Job) -> str:
        """Why `job` has no number here (of_job gave None), in the page's words."""
        now = self._by_name.get(job.state.instance or "")
        if now is not None and job.state.instance_key is not None:
            return (f"this job was made for number {job.state.instance!r} when it was "
                    f"another instance; {job.state.instance!r} is now instance "
                    f"{now.options.instance_id}: the job cannot send (start the server with "
                    "the job's instance in --instances to send it)")
        return not_configured(job.state.instance)

    def ask_numbers(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        """Ask each instance's own number, each on a thread (the server starts meanwhile)."""
        for instance in self.all:
            instance.asked = True
            threading.Thread(target=instance.find_number, args=(transport,),
                             name=f"instance-number-{instance.name}", daemon=True).start()


def not_configured(name: str | None) -> str:
    """Why a job whose number is gone cannot send, in the page's words."""
    return (f"this job's number {name!r} is no longer configured on this server: it cannot "
            "send (start the server with that number in --instances to send it)")


# -- the instances file ------------------------------------------------------------------------

def read_instances(path: Path, server: ImportOptions) -> tuple[list[Instance], list[str]]:
    """The numbers in the instances file at `path`, each with `server`'s options but for its
    own instance, token and the keys it sets; and warnings to print (a token file others can
    read). UsageError names the entry and the key of anything that cannot be used."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the instances file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"the instances file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"the instances file {path} is not valid TOML: {exc}") from None
    other = sorted(set(data) - {"instance"})
    if other:
        raise UsageError(f"{path}: unknown key {', '.join(other)} (the file holds [[instance]] "
                         "tables only)")
    tables = data.get("instance")
    if not isinstance(tables, list) or not tables:
        raise UsageError(f"{path}: no [[instance]] table: give one per number, with name, "
                         "instance_id and token_file")
    instances: list[Instance] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for index, table in enumerate(tables, start=1):
        where = f"{path}: [[instance]] number {index}"
        if not isinstance(table, Mapping):
            raise UsageError(f"{where} is not a table")
        if isinstance(table.get("name"), str) and table["name"].strip():
            where += f" ({table['name'].strip()!r})"
        instance, warning = _instance(table, where, path.parent, server)
        if instance.name in (i.name for i in instances):
            raise UsageError(f"{where}: name: another number is called {instance.name!r}; "
                             "each name must be different")
        if instance.key in seen:
            raise UsageError(f"{where}: instance_id: the same instance as {seen[instance.key]!r} "
                             "(one number, one entry)")
        seen[instance.key] = instance.name
        instances.append(instance)
        warnings += warning
    return instances, warnings


def _instance(table: Mapping[str, Any], where: str, folder: Path,
              server: ImportOptions) -> tuple[Instance, list[str]]:
    unknown = sorted(set(table) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise UsageError(f"{where}: unknown key {', '.join(unknown)} (known: "
                         f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)})")
    for key in REQUIRED_KEYS:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{where}: {key} is missing; it must be text"
                             if value is None else f"{where}: {key} must be non-empty text")
    name = table["name"].strip()
    if len(name) > MAX_NAME or not name.isprintable():
        raise UsageError(f"{where}: name must be at most {MAX_NAME} printable characters")
    changes: dict[str, Any] = {"instance_id": table["instance_id"].strip()}
    if "default_region" in table:
        region = table["default_region"]
        if not isinstance(region, str) or not valid_region(region.strip().upper()):
            raise UsageError(f"{where}: default_region {region!r} is not a country code "
                             "like EG or US")
        changes["default_region"] = region.strip().upper()
    if "rate" in table:
        rate = table["rate"]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not (
                math.isfinite(rate) and rate >= 0):
            raise UsageError(f"{where}: rate must be a number of requests per second, 0 or "
                             f"more (0: no limit), not {rate!r}")
        changes["rate"] = float(rate)
    if "concurrency" in table:
        concurrency = table["concurrency"]
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise UsageError(f"{where}: concurrency must be a whole number, 1 or more, not "
                             f"{concurrency!r}")
        changes["concurrency"] = concurrency
    if "base_url" in table:
        if not isinstance(table["base_url"], str):
            raise UsageError(f"{where}: base_url must be text, e.g. https://api.wawp.net")
        try:
            changes["base_url"] = check_base_url(
                table["base_url"].strip(), allow_insecure_http=server.allow_insecure_http)
        except ConfigError as exc:
            raise UsageError(f"{where}: base_url: {exc}") from None
    token_file = folder / Path(table["token_file"].strip()).expanduser()
    token, warnings = _read_token(token_file, where)
    options = dataclasses.replace(server, access_token=token, **changes)
    return Instance(name, options), warnings


def _read_token(path: Path, where: str) -> tuple[str, list[str]]:
    try:
        mode = path.stat().st_mode
        token = token_text(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"{where}: token_file: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{where}: token_file: {path} is not text: save it as UTF-8 holding "
                         "the token alone") from None
    if not token:
        raise UsageError(f"{where}: token_file: {path} is empty")
    # Windows has no POSIX modes: its ACLs decide who reads the file
    if os.name != "nt" and mode & (stat.S_IRGRP | stat.S_IROTH):
        return token, [f"warning: token file {path} is readable by other users; run: "
                       f"chmod 600 {path}"]
    return token, []


__all__ = ["Instance", "Instances", "NumberNotConfigured", "not_configured", "read_instances"]
