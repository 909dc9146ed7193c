"""Running the web app for tests: in a thread (API tests) or as `wawp-import serve` (browser
tests), and a client that behaves like the page (CSRF token, same Origin)."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import uvicorn

from tests.support.cli import REPO, clean_env

STARTUP_TIMEOUT = 20.0
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
#: The phases a job does not leave by itself.
SETTLED = ("checked", "invalid", "done", "failed", "interrupted")


class AppServer:
    """An app on uvicorn in a thread of this process, on 127.0.0.1 and a free port."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on",
                                proxy_headers=False, timeout_graceful_shutdown=5, ws="none")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web app did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(30)


class ServeProcess:
    """`python -m importer serve ARGS` as a user starts it; the URL is read from its banner."""

    def __init__(self, *args: str | Path, env: dict[str, str], log: Path) -> None:
        self.args = [str(a) for a in args]
        self.env = env
        self.log_path = log
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "importer", "serve", "--port", "0", *self.args],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=clean_env(self.env), cwd=REPO)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            found = re.search(r"open (https?://\S+?)/? in a browser", self.log())
            if found:
                self.url = found.group(1)
                break
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"wawp-import serve did not start:\n{self.log()}")
            time.sleep(0.05)
        return self

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer ends it: nothing of it runs after this."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def stop(self) -> int | None:
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._process = None
        return process.returncode

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class PageClient(httpx.Client):
    """A client that does what the page does: it loads the page for its CSRF cookie and token,
    then sends the token and its own Origin with every change."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(base_url=base_url, timeout=30, **kwargs)
        page = self.get("/")
        page.raise_for_status()
        found = _CSRF.search(page.text)
        assert found, "the page carries no CSRF token"
        self.csrf = found.group(1)

    def change(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, "Origin": str(self.base_url).rstrip("/"),
                   **kwargs.pop("headers", {})}
        return self.request(method, path, headers=headers, **kwargs)

    def upload(self, content: bytes | Iterable[bytes], name: str) -> httpx.Response:
        return self.change("POST", "/api/jobs", params={"name": name}, content=content,
                           headers={"Content-Type": "application/octet-stream"})

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.get(f"/api/jobs/{job_id}")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def wait(self, job_id: str, phases: Iterable[str] = SETTLED, *,
             timeout: float = 30) -> dict[str, Any]:
        """The job once its phase is one of `phases`."""
        wanted = tuple(phases)
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["phase"] in wanted:
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} still {job['phase']} after {timeout} s: "
                                     f"{job['message']}")
            time.sleep(0.05)


def instances_file(folder: Path, numbers: Mapping[str, Any], **keys: Any) -> Path:
    """An instances file for `wawp-import serve --instances`: one [[instance]] per name in
    `numbers`, each a sandbox (its instance, base URL and a token file of its token) or a
    dict of the keys to write; `keys` are added to every sandbox's entry."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, number in numbers.items():
        if isinstance(number, Mapping):
            entry = dict(number)
        else:
            token_file = folder / f"{name.lower()}.token"
            token_file.write_text(number.token, encoding="utf-8")
            token_file.chmod(0o600)
            entry = {"instance_id": number.instance_id, "token_file": token_file.name,
                     "base_url": number.base_url, **keys}
        lines.append("[[instance]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in {"name": name, **entry}.items()]
        lines.append("")
    path = folder / "instances.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def upload_and_check(client: PageClient, path: Path, name: str | None = None) -> dict[str, Any]:
    response = client.upload(path.read_bytes(), name or path.name)
    assert response.status_code == 201, response.text
    return client.wait(response.json()["id"])


def import_and_wait(client: PageClient, job_id: str, *, timeout: float = 30) -> dict[str, Any]:
    response = client.change("POST", f"/api/jobs/{job_id}/import")
    assert response.status_code == 202, response.text
    return client.wait(job_id, ("done", "failed", "interrupted"), timeout=timeout)


def start_import(client: PageClient, job_id: str, *, until_done: int,
                 timeout: float = 20) -> None:
    """Start a job's import and return once `until_done` rows are done (or `timeout` passed)."""
    client.change("POST", f"/api/jobs/{job_id}/import")
    deadline = time.monotonic() + timeout
    while client.job(job_id)["progress"]["done"] < until_done and time.monotonic() < deadline:
        time.sleep(0.05)
