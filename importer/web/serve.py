"""`wawp-import serve`: flags and environment → the web app on uvicorn.

Like cli.py, this entry point is where the environment and the token file are read, and where
lines are printed; the app itself (app.py, jobs.py) is given every value.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import socket
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ..entry import (
    EXIT_USAGE,
    Console,
    Setting,
    add_settings,
    enable_logging,
    read_token,
    settings_from_args,
    update_log_redactor,
)
from ..errors import ImporterError, UsageError
from ..options import ImportOptions, settings_fields
from ..paths import LEDGER_ENV, default_ledger
from ..pipeline import check_base_url
from ..redact import Redactor
from .activity import LOG_FILE
from .files import DEFAULT_MAX_UPLOAD_BYTES
from .instances import Instance, read_instances
from .security import is_loopback
from .users import Users, hash_password

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_DATA_DIR = Path("wawp-data")
PASSWORD_ENV = "WAWP_WEB_PASSWORD"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wawp-import serve",
        description="A web page for importing spreadsheets: upload, check the mapping and the "
                    "preview, import with live progress, download the results. The WAWP "
                    "instance and token come from the environment or --token-file, as for "
                    "wawp-import; the token never reaches the browser.")
    g = p.add_argument_group("server")
    g.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}: this machine only; any "
                   "other address needs a password, and TLS or a proxy: see below)")
    g.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    g.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                   help="folder for uploads, settings and results, one folder per job "
                   f"(default ./{DEFAULT_DATA_DIR}); nothing but the ledger is written "
                   "outside it")
    g.add_argument("--ledger", type=Path, metavar="FILE",
                   help=f"the ledger's SQLite file, shared with wawp-import (default: "
                   f"${LEDGER_ENV}, else the user's data folder, e.g. "
                   "~/.local/share/wawp-importer/ledger.sqlite)")
    g.add_argument("--password-file", type=Path,
                   help=f"file holding the page's password (else env {PASSWORD_ENV})")
    g.add_argument("--password", help="the page's password (visible to other users of this "
                   "machine in ps: prefer --password-file)")
    g.add_argument("--users", type=Path, metavar="FILE",
                   help="named users instead of one password: a file of NAME:HASH lines, a "
                   "hash from --hash-password; the page asks for a name and password, and the "
                   "activity log names who did what (needs wawp-importer[users])")
    g.add_argument("--hash-password", action="store_true",
                   help="print the hash of a password read from standard input (asked twice "
                   "on a terminal), for a line NAME:HASH of the --users file, and exit")
    g.add_argument("--max-upload-mb", type=float, default=DEFAULT_MAX_UPLOAD_BYTES / 2**20,
                   help=f"largest file the page takes, in MB (default "
                   f"{DEFAULT_MAX_UPLOAD_BYTES // 2**20})")
    add_settings(p, server_settings("output"), group=g)

    g = p.add_argument_group("reached from other machines (any --host but loopback needs one)")
    g.add_argument("--certfile", type=Path, help="serve https with this TLS certificate (PEM, "
                   "with its chain); its key in --keyfile, or in the same file")
    g.add_argument("--keyfile", type=Path, help="the certificate's private key (PEM, without "
                   "a passphrase)")
    g.add_argument("--forwarded-allow-ips", metavar="ADDR[,ADDR...]",
                   help="behind a reverse proxy that terminates TLS (nginx, Caddy): trust its "
                   "X-Forwarded-Proto and X-Forwarded-For from these addresses or networks "
                   "only, e.g. 127.0.0.1; the page then needs a password")
    g.add_argument("--allow-clear-text", action="store_true",
                   help="serve another --host over plain http without a proxy: the password "
                   "and every uploaded number cross the network unencrypted")

    g = p.add_argument_group("sending (as for wawp-import; the page can change the region "
                             "per job)")
    g.add_argument("--instances", type=Path, metavar="FILE",
                   help="several WhatsApp numbers: a TOML file with one [[instance]] table "
                   "per number (name, instance_id, token_file; optional default_region, rate, "
                   "concurrency, base_url); the page then asks which number a file goes to. "
                   "Without it, one instance from the environment or the flags below")
    add_settings(p, server_settings("normalizing", "sending"), group=g)
    return p


def server_settings(*groups: str, schemas: tuple[type, ...] = ()) -> list[Setting]:
    """The settings of wawp-import that the server takes too (`Spec.server`), of `groups`
    (and of `schemas`, when named)."""
    return [(f, spec) for f, spec in settings_fields(*schemas)
            if spec.server and spec.group in groups]


def read_password(args: argparse.Namespace, env: dict[str, str], console: Console) -> str | None:
    """The page's password: --password, --password-file or the environment; None without."""
    if args.password:
        console.warn("warning: a password given on the command line is visible to other users "
                     f"(ps, shell history); prefer --password-file or {PASSWORD_ENV}")
        return args.password
    if args.password_file:
        try:
            password = args.password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"cannot read password file {args.password_file}: "
                             f"{exc.strerror}") from None
        if not password:
            raise UsageError(f"password file {args.password_file} is empty")
        return password
    return env.get(PASSWORD_ENV, "").strip() or None


def read_new_password(stdin: TextIO, console: Console) -> str:
    """The password --hash-password hashes: asked twice on a terminal, else stdin's first line."""
    if stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise UsageError("the two passwords differ")
    else:
        password = stdin.readline().rstrip("\r\n")
    if not password:
        raise UsageError("no password given: type it, or pipe it into --hash-password")
    return password


def read_users(args: argparse.Namespace, password: str | None) -> Users | None:
    """The users of --users, or None without it."""
    if args.users is None:
        return None
    if password:
        raise UsageError(f"--users and a password (--password, --password-file or "
                         f"{PASSWORD_ENV}) are two ways of signing in: give one")
    return Users.from_file(args.users)


def options_from_args(args: argparse.Namespace, env: dict[str, str], token: str) -> ImportOptions:
    """The sending options every job starts from (each job brings its input and settings)."""
    sending = settings_from_args(args, env, server_settings(
        "normalizing", "sending", schemas=(ImportOptions,)))
    check_base_url(sending["base_url"], allow_insecure_http=args.allow_insecure_http)
    return ImportOptions(
        input=Path(),
        access_token=token,
        **sending,
        # the user's ledger, the one the command uses: the page and `wawp-import` share one
        # record of what each address book holds
        ledger=(args.ledger or default_ledger(env)).expanduser().resolve(),
    )


def check_certificate(certfile: Path | None, keyfile: Path | None) -> None:
    """Refuse a certificate or key that TLS cannot use, before anything starts."""
    if certfile is None:
        if keyfile is not None:
            raise UsageError("--keyfile needs --certfile, the certificate it belongs to")
        return
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        # a key with a passphrase would make OpenSSL ask on the terminal: refused instead
        context.load_cert_chain(certfile, keyfile, password=lambda: b"")
    except ssl.SSLError as exc:
        raise UsageError(f"cannot serve https with {certfile}"
                         f"{f' and {keyfile}' if keyfile else ''}: {exc.reason or exc} (a PEM "
                         "certificate and its key without a passphrase are needed)") from None
    except OSError as exc:
        raise UsageError(f"cannot read {exc.filename or certfile}: {exc.strerror}") from None


def trusted_proxies(value: str | None) -> list[str]:
    """The addresses --forwarded-allow-ips names (never "*": only the proxy is trusted)."""
    proxies = [item.strip() for item in (value or "").split(",") if item.strip()]
    for item in proxies:
        try:
            ipaddress.ip_network(item)  # an address is a network of one
        except ValueError:
            raise UsageError(f"--forwarded-allow-ips: {item!r} is not an IP address or network; "
                             "give the address the reverse proxy connects from, e.g. "
                             "127.0.0.1") from None
    return proxies


def check_clear_text(host: str, *, tls: bool, proxied: bool, allowed: bool,
                     console: Console) -> None:
    """Refuse to serve beyond this machine in clear text unless that is said plainly."""
    if is_loopback(host) or tls or proxied:
        return
    if not allowed:
        raise UsageError(f"--host {host} would send the page's password and every uploaded "
                         "number across the network in clear text: give --certfile and "
                         "--keyfile (https), or --forwarded-allow-ips ADDR behind a reverse "
                         "proxy that terminates TLS, or --allow-clear-text if clear text is "
                         "really meant")
    console.warn("warning: --allow-clear-text: the page's password and every uploaded number "
                 "cross the network unencrypted; anyone on the way can read them")


def make_data_folder(folder: Path) -> None:
    """Create the data folder, owner-only whatever the umask (every job's file is inside:
    the XLSX results stream their rows beside themselves, not to a temporary folder)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
    except OSError as exc:
        raise UsageError(f"cannot create the data folder {folder}: {exc.strerror}") from None


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (bound here, so that port 0 is known before serving)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, *, tls: bool = False) -> str:
    host, port = sock.getsockname()[:2]
    scheme = "https" if tls else "http"
    return f"{scheme}://[{host}]:{port}/" if ":" in host else f"{scheme}://{host}:{port}/"


def server_instances(args: argparse.Namespace, options: ImportOptions,
                     console: Console) -> list[Instance] | None:
    """The numbers of --instances (their tokens read now: one that cannot be read stops the
    start), or None: the one instance of the environment and flags."""
    if args.instances is None:
        return None
    given = [flag for flag, value in (("--instance-id", args.instance_id),
                                      ("--token-file", args.token_file)) if value]
    if given:
        raise UsageError(f"--instances names every number with its own instance_id and "
                         f"token_file: leave out {' and '.join(given)}")
    instances, warnings = read_instances(args.instances.expanduser(), options)
    for warning in warnings:
        console.warn(warning)
    return instances


def banner(url: str, host: str, options: ImportOptions, data_dir: Path, *,
           proxies: Sequence[str] = (), users: Users | None = None,
           instances: Sequence[Instance] | None = None) -> list[str]:
    """What the server says when it starts: where to go, where imports go, who can reach it."""
    lines = [f"wawp-import serve: open {url} in a browser (Ctrl-C stops the server)"]
    if instances:
        lines.append(f"Imports go to {len(instances)} numbers (the page asks which): "
                     + "; ".join(f"{i.name} (instance {i.options.instance_id} at "
                                 f"{i.options.base_url})" for i in instances) + ".")
    elif options.instance_id and options.access_token:
        lines.append(f"Imports go to WAWP instance {options.instance_id} at {options.base_url}.")
    else:
        lines.append("No WAWP instance ID or access token: the page can check files but not "
                     "import them. Set WAWP_INSTANCE_ID and WAWP_ACCESS_TOKEN (or --token-file).")
    lines.append(f"Jobs are kept in {data_dir.resolve()}.")
    lines.append(f"Who did what is recorded in {data_dir.resolve() / LOG_FILE}.")
    if users is not None:
        lines.append(f"{len(users)} named user{'s' if len(users) != 1 else ''} sign in with "
                     "their name and password.")
    if options.ledger is not None:
        lines.append(f"What each address book holds is recorded in {options.ledger} (shared "
                     "with wawp-import).")
    how = ("sign in with their name and password" if users is not None else
           "give the password (HTTP basic auth, any user name)")
    if proxies:
        lines.append(f"Behind a reverse proxy: X-Forwarded-Proto and X-Forwarded-For are "
                     f"trusted from {', '.join(proxies)} only; anyone reaching the page must "
                     f"{how}.")
    elif not is_loopback(host):
        encrypted = ("Connections are encrypted (https)." if url.startswith("https:") else
                     "The connection is not encrypted: use it on a trusted network only.")
        lines.append(f"Listening on {host}, beyond this machine: anyone who can reach it must "
                     f"{how}. {encrypted}")
    return lines


def main(argv: Sequence[str] | None = None, *, env: dict[str, str] | None = None,
         out: TextIO | None = None, err: TextIO | None = None,
         stdin: TextIO | None = None) -> int:
    """Run the web app until Ctrl-C or SIGTERM; returns the exit code."""
    import uvicorn

    from .app import check_binding, create_app

    argv = list(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ if env is None else env)
    out, err = out or sys.stdout, err or sys.stderr
    console = Console(out, err, Redactor([env.get("WAWP_ACCESS_TOKEN", "")]))
    args = build_parser().parse_args(argv)
    args.access_token = None  # read_token's flag; serve has no --access-token
    if args.hash_password:
        try:
            console.say(hash_password(read_new_password(stdin or sys.stdin, console)))
        except ImporterError as exc:
            console.warn(f"error: {exc}")
            return EXIT_USAGE
        return 0
    disable_logging = lambda: None  # noqa: E731
    try:
        disable_logging = enable_logging(console.redact, err=err if args.verbose else None,
                                         log_file=args.log_file)
        token = read_token(args, env, console)
        console.redact = Redactor([token, env.get("WAWP_ACCESS_TOKEN", "")])
        update_log_redactor(console.redact)
        password = read_password(args, env, console)
        users = read_users(args, password)
        proxies = trusted_proxies(args.forwarded_allow_ips)
        check_binding(args.host, password, behind_proxy=bool(proxies), users=users is not None)
        check_certificate(args.certfile, args.keyfile)
        tls = args.certfile is not None
        check_clear_text(args.host, tls=tls, proxied=bool(proxies),
                         allowed=args.allow_clear_text, console=console)
        if args.max_upload_mb <= 0:
            raise UsageError("--max-upload-mb must be more than 0")
        options = options_from_args(args, env, token)
        instances = server_instances(args, options, console)
        if instances:
            console.redact = Redactor([token, env.get("WAWP_ACCESS_TOKEN", ""),
                                       *(i.options.access_token for i in instances)])
            update_log_redactor(console.redact)
        make_data_folder(args.data_dir)
        app = create_app(options, data_dir=args.data_dir, host=args.host, password=password,
                         max_upload_bytes=int(args.max_upload_mb * 2**20),
                         behind_proxy=bool(proxies), users=users, instances=instances)
        sock = bind(args.host, args.port)
    except ImporterError as exc:
        console.warn(f"error: {exc}")
        disable_logging()
        return EXIT_USAGE
    for line in banner(url_of(sock, tls=tls), args.host, options, args.data_dir,
                       proxies=proxies, users=users, instances=instances):
        console.say(line)
    config = uvicorn.Config(app, log_level="info" if args.verbose else "warning",
                            access_log=args.verbose, server_header=False,
                            # uvicorn's own TLS; the forwarded scheme and client from the
                            # named proxy only (None would read FORWARDED_ALLOW_IPS)
                            ssl_certfile=args.certfile, ssl_keyfile=args.keyfile,
                            proxy_headers=bool(proxies), forwarded_allow_ips=proxies or [],
                            lifespan="on", timeout_graceful_shutdown=5,
                            ws="none")  # the page polls; no websocket library is wanted
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again for the
    # handler it found: with this one in place that ends the process with 0, not a traceback.
    previous = {signum: signal.signal(signum, _stopped) for signum in STOP_SIGNALS}
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        disable_logging()
    return 0


def _stopped(signum: int, frame: object) -> None:
    """The handler uvicorn hands a stop signal back to once it has shut down: nothing to do."""


__all__ = ["build_parser", "main"]
