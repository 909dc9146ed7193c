"""One import run: read → normalize → send → report.

`plan_import` opens the input and decides the mapping (nothing is sent, so the CLI can
show what was decided); `run_plan` does the work and returns the summary.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from .errors import ConfigError, PreflightError
from .models import Prepared, RowResult, Status, Summary
from .normalize import RowNormalizer
from .options import ImportOptions
from .read import ColumnMap, Table, map_columns, open_table
from .report.results import ResultsWriter
from .send.client import WawpClient
from .send.pacing import Pacer
from .send.runner import RunControl, send_all

ResultHook = Callable[[RowResult], None]


@dataclass(slots=True)
class Plan:
    """An opened input with its column mapping, ready to run."""

    options: ImportOptions
    table: Table
    columns: ColumnMap
    results_path: Path
    normalizer: RowNormalizer

    def prepared(self) -> Iterator[Prepared]:
        return self.normalizer.prepare_all(self.table.rows)


def check_base_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """The base URL, refused when it would send the token in clear text off this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"invalid base URL {url!r}: expected https://host")
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ConfigError(f"refusing to send the access token in clear text to {parts.hostname}: "
                          "use https, or --allow-insecure-http if you really mean it")
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plan_import(options: ImportOptions) -> Plan:
    """Open the input and map its columns; raises UsageError when it cannot be used."""
    normalizer_region = options.default_region
    if not options.dry_run:
        check_base_url(options.base_url, allow_insecure_http=options.allow_insecure_http)
        if not options.instance_id or not options.access_token:
            raise ConfigError("no WAWP instance ID or access token: set WAWP_INSTANCE_ID and "
                              "WAWP_ACCESS_TOKEN (or --token-file), or use --dry-run")
    table = open_table(options.input, sheet=options.sheet, encoding=options.encoding,
                       delimiter=options.delimiter, header_row=options.header_row)
    columns = map_columns(table.headers, phone=options.phone_column, name=options.name_column,
                          first_name=options.first_name_column,
                          last_name=options.last_name_column)
    normalizer = RowNormalizer(columns, default_region=normalizer_region)
    return Plan(options, table, columns, options.results_path(), normalizer)


def run_plan(plan: Plan, *, transport: httpx.AsyncBaseTransport | None = None,
             sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
             on_result: ResultHook | None = None, control: RunControl | None = None,
             clock: Callable[[], float] = time.monotonic) -> Summary:
    """Run the import; every input row ends as exactly one result line."""
    options = plan.options
    started = clock()
    summary = Summary(results_path=str(plan.results_path), dry_run=options.dry_run)
    control = control or RunControl()

    def record(result: RowResult) -> None:
        summary.results += 1
        summary.counts[result.status.value] = summary.counts.get(result.status.value, 0) + 1
        writer.write(result)
        if on_result is not None:
            on_result(result)

    with ResultsWriter(plan.results_path, plan.table.headers) as writer:
        if options.dry_run:
            for item in plan.prepared():
                record(RowResult.from_prepared(item))
        else:
            asyncio.run(_send(plan, record, transport=transport, sleep=sleep, control=control))
    summary.rows = summary.results
    summary.elapsed = clock() - started
    summary.aborted = control.stop_reason if control.aborted_by_api else ""
    summary.interrupted = control.interrupted
    return summary


async def _send(plan: Plan, record: ResultHook, *, transport: httpx.AsyncBaseTransport | None,
                sleep: Callable[[float], Awaitable[None]], control: RunControl) -> None:
    options = plan.options
    pacer = Pacer(options.rate, sleep=sleep)
    async with WawpClient(options.base_url, options.instance_id, options.access_token,
                          transport=transport, timeout=options.timeout,
                          max_attempts=options.max_attempts,
                          max_connections=options.concurrency, pacer=pacer,
                          sleep=sleep) as client:
        if not options.skip_preflight:
            info = await client.session_info()
            status = str(info.get("status", ""))
            if status != "WORKING":
                raise PreflightError(
                    f"the WhatsApp session of instance {options.instance_id} is {status or 'unknown'}"
                    ", not WORKING: open the WAWP dashboard and connect the number (scan the QR "
                    "code), then run again")
        async for result in send_all(plan.prepared(), client, concurrency=options.concurrency,
                                     control=control):
            record(result)


def run_import(options: ImportOptions, **kwargs: object) -> Summary:
    """Plan and run an import in one call (the Python API)."""
    return run_plan(plan_import(options), **kwargs)  # type: ignore[arg-type]


__all__ = ["Plan", "Status", "check_base_url", "plan_import", "run_import", "run_plan"]
