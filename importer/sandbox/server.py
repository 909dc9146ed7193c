"""Command line of the WAWP sandbox: ``python -m importer.sandbox`` / ``wawp-import sandbox``.

Binds the socket itself (so ``--port 0`` works and the real port is known), serves with
aiohttp's ``AppRunner`` and ``SockSite`` on the default asyncio loop, and stops cleanly on
SIGTERM or SIGINT (exit 0, ``--dump`` written).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import secrets
import shlex
import shutil
import signal
import socket
import string
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.log import access_logger

from .app import (
    BAD_BODIES,
    SESSION_STATUSES,
    STATE_KEY,
    Faults,
    SandboxConfig,
    SandboxState,
    create_app,
    registered_from_lines,
)

__all__ = ["main"]

# In-flight requests (a long --latency) must not hold up a SIGTERM for long; aiohttp waits
# up to this twice (graceful, then after cancelling).
SHUTDOWN_TIMEOUT = 1.0
#: Letters and digits only: a token_urlsafe starts with "-" one time in 64, and argparse
#: takes `--access-token -…` for a missing value followed by an option.
TOKEN_ALPHABET = string.ascii_letters + string.digits


def new_token() -> str:
    """A random token: 32 letters and digits (190 bits)."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(32))


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The sandbox's argument parser."""
    parser = argparse.ArgumentParser(
        prog="wawp-import sandbox",
        description="Run a local WAWP-compatible API server with optional injected faults.",
    )
    net = parser.add_argument_group("server")
    net.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    net.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    net.add_argument(
        "--allow-remote", action="store_true", help="allow a --host that is not a loopback address"
    )
    net.add_argument("--instance-id", help="instance ID to accept (default: a random sandbox-…)")
    token = net.add_mutually_exclusive_group()
    token.add_argument("--token", help="access token to accept (default: a random one)")
    token.add_argument("--token-file", type=Path, help="read the access token from this file")
    net.add_argument(
        "--session-status",
        default="WORKING",
        choices=SESSION_STATUSES,
        help="status reported by /v2/session/info (default: WORKING)",
    )
    net.add_argument(
        "--me-phone",
        default=SandboxConfig.me_phone,
        metavar="DIGITS",
        help="the instance's own number, in international form without +, as "
        "/v2/session/info reports it in me.id (default: %(default)s, a US number)",
    )
    net.add_argument(
        "--registered",
        type=Path,
        metavar="FILE",
        help="numbers on WhatsApp, one a line (replaces the built-in set)",
    )
    net.add_argument(
        "--register-all",
        action="store_true",
        help="check-exists says every well-formed number exists",
    )
    net.add_argument(
        "--check-exists-interval",
        type=_non_negative_float,
        default=1.0,
        metavar="SECONDS",
        help="minimum time between check-exists calls, else 429 (default: 1.0; 0 disables)",
    )
    net.add_argument(
        "--ready-file",
        type=Path,
        metavar="PATH",
        help="once listening, write {base_url, instance_id, token, pid} as JSON here",
    )
    net.add_argument(
        "--dump", type=Path, metavar="PATH", help="write the final state JSON here on exit"
    )
    net.add_argument("--access-log", action="store_true", help="log every request (costs CPU)")
    net.add_argument("--quiet", action="store_true", help="do not print the start-up banner")

    faults = parser.add_argument_group("faults (API endpoints only)")
    faults.add_argument("--latency", type=_non_negative_float, default=0.0, metavar="SECONDS")
    faults.add_argument(
        "--error-rate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="answer this fraction of requests with 500",
    )
    faults.add_argument(
        "--fail-first",
        type=_count,
        default=0,
        metavar="N",
        help="answer the first N requests with 500",
    )
    faults.add_argument(
        "--fail-each-contact",
        type=_count,
        default=0,
        metavar="K",
        help="answer each chat ID's first K PUTs with 500",
    )
    faults.add_argument(
        "--rate-429",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="answer this fraction of requests with 429",
    )
    faults.add_argument(
        "--first-429",
        type=_count,
        default=0,
        metavar="N",
        help="answer the first N requests with 429",
    )
    faults.add_argument(
        "--retry-after",
        type=_count,
        default=1,
        metavar="SECONDS",
        help="Retry-After header of fault 429s (default: 1)",
    )
    faults.add_argument(
        "--drop-rate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="close the connection without answering this fraction of requests",
    )
    faults.add_argument(
        "--drop-first",
        type=_count,
        default=0,
        metavar="N",
        help="close the connection without answering the first N requests",
    )
    faults.add_argument(
        "--unauthorized-after",
        type=_count,
        default=None,
        metavar="N",
        help="answer 401 to every request after the first N",
    )
    faults.add_argument(
        "--bad-request-chat-id",
        action="append",
        default=[],
        metavar="CHAT_ID",
        dest="bad_request_chat_ids",
        help="always answer 400 for this chat ID (repeatable)",
    )
    faults.add_argument(
        "--bad-body",
        choices=tuple(BAD_BODIES),
        default=None,
        help="answer 2xx with a body that is not the documented one, storing nothing (as a "
        "proxy or captive portal in front of the API would): "
        "html (a sign-in page, 200), ok-false (200 {\"ok\": false}), empty (200, no body), "
        "text (200 \"OK\"), no-content (204); every request unless --bad-body-first or "
        "--bad-body-rate says which",
    )
    faults.add_argument(
        "--bad-body-first",
        type=_count,
        default=0,
        metavar="N",
        help="give the first N requests the --bad-body answer (default kind: html), then "
        "answer normally",
    )
    faults.add_argument(
        "--bad-body-rate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="give this fraction of requests the --bad-body answer (default kind: html)",
    )
    faults.add_argument(
        "--trickle",
        type=_non_negative_float,
        default=0.0,
        metavar="SECONDS",
        help="send the body of every answer one byte at a time, SECONDS apart (a PUT's "
        "contact is stored before)",
    )
    faults.add_argument("--seed", type=int, default=None, help="seed of the fault RNG")
    return parser


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _config_from_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> SandboxConfig:
    if args.token_file is not None:
        try:
            token = args.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            parser.error(f"cannot read --token-file: {exc}")
        if not token:
            parser.error(f"--token-file {args.token_file} is empty")
    else:
        token = args.token or new_token()
    registered: frozenset[str] | None = None
    if args.registered is not None:
        try:
            with args.registered.open(encoding="utf-8-sig") as lines:
                registered = registered_from_lines(lines)
        except (OSError, ValueError) as exc:
            parser.error(f"--registered {args.registered}: {exc}")
    faults = Faults(
        latency=args.latency,
        error_rate=args.error_rate,
        fail_first=args.fail_first,
        fail_each_contact=args.fail_each_contact,
        rate_429=args.rate_429,
        first_429=args.first_429,
        retry_after=args.retry_after,
        drop_rate=args.drop_rate,
        drop_first=args.drop_first,
        unauthorized_after=args.unauthorized_after,
        bad_request_chat_ids=tuple(args.bad_request_chat_ids),
        bad_body=args.bad_body,
        bad_body_first=args.bad_body_first,
        bad_body_rate=args.bad_body_rate,
        trickle=args.trickle,
        seed=args.seed,
    )
    optional: dict[str, Any] = {} if registered is None else {"registered": registered}
    return SandboxConfig(
        instance_id=args.instance_id or f"sandbox-{secrets.token_hex(3)}",
        token=token,
        faults=faults,
        register_all=args.register_all,
        session_status=args.session_status,
        me_phone=args.me_phone,
        check_exists_interval=args.check_exists_interval,
        **optional,
    )


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        # Lets a restarted sandbox take the same port while old connections sit in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    # Readers poll for the file: they must never see it half written.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _banner(base_url: str, config: SandboxConfig, ledger: Path) -> str:
    # WAWP_LEDGER: the walkthrough's imports are recorded in a ledger of this sandbox's own,
    # removed when it stops (as its address book is), never in the user's ledger.
    exports = " ".join(
        f"{name}={shlex.quote(value)}"
        for name, value in (
            ("WAWP_BASE_URL", base_url),
            ("WAWP_INSTANCE_ID", config.instance_id),
            ("WAWP_ACCESS_TOKEN", config.token),
            ("WAWP_LEDGER", str(ledger)),
        )
    )
    return (
        f"WAWP sandbox listening on {base_url}\n"
        f"  instance ID:  {config.instance_id}\n"
        f"  access token: {config.token}\n"
        f"  state:        {base_url}/_sandbox/state\n"
        f"export {exports}\n"
    )


def install_stop_handlers(
    loop: asyncio.AbstractEventLoop, stop: asyncio.Event
) -> Callable[[], None]:
    """Set `stop` on SIGTERM or SIGINT; returns the function that removes the handlers.

    `loop.add_signal_handler` exists only on POSIX event loops (Windows' raises
    NotImplementedError): there `signal.signal` stands in, waking the loop thread-safely.
    """
    signums = [signal.SIGTERM, signal.SIGINT]
    try:
        for signum in signums:
            loop.add_signal_handler(signum, stop.set)
    except NotImplementedError:
        for signum in signums:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)

        def on_signal(signum: int, frame: object) -> None:
            loop.call_soon_threadsafe(stop.set)

        previous = {signum: signal.signal(signum, on_signal) for signum in signums}

        def restore() -> None:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

        return restore

    def remove() -> None:
        for signum in signums:
            loop.remove_signal_handler(signum)

    return remove


async def _serve(sock: socket.socket, config: SandboxConfig, args: argparse.Namespace) -> None:
    app = create_app(config)
    state: SandboxState = app[STATE_KEY]
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=access_logger if args.access_log else None,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    remove_handlers = install_stop_handlers(loop, stop)
    state_dir: Path | None = None
    try:
        site = web.SockSite(runner, sock, backlog=1024)
        await site.start()
        base_url = _base_url(sock)
        if args.ready_file is not None:
            _write_json_atomically(
                args.ready_file,
                {
                    "base_url": base_url,
                    "instance_id": config.instance_id,
                    "token": config.token,
                    "pid": os.getpid(),
                },
            )
        if not args.quiet:
            state_dir = Path(tempfile.mkdtemp(prefix="wawp-sandbox-"))
            sys.stdout.write(_banner(base_url, config, state_dir / "ledger.sqlite"))
            sys.stdout.flush()
        await stop.wait()
    finally:
        await runner.cleanup()
        remove_handlers()
        if state_dir is not None:
            shutil.rmtree(state_dir, ignore_errors=True)
        if args.dump is not None:
            _write_json_atomically(args.dump, state.snapshot())


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox until SIGTERM or SIGINT; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not _is_loopback(args.host) and not args.allow_remote:
        parser.error(
            f"--host {args.host} is not a loopback address; the sandbox accepts any client "
            "that knows its token, so pass --allow-remote if you really mean it"
        )
    if not args.me_phone.lstrip("+").isdigit():
        parser.error(f"--me-phone must be digits (e.g. 201001234567), got {args.me_phone!r}")
    args.me_phone = args.me_phone.lstrip("+")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    config = _config_from_args(args, parser)
    if args.access_log:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(
            f"wawp-import sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    asyncio.run(_serve(sock, config, args))
    return 0
