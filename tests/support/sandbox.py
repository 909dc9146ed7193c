"""Run the WAWP sandbox as a real subprocess on 127.0.0.1, for tests.

    with SandboxProcess("--latency", "0.01") as sandbox:
        httpx.put(f"{sandbox.base_url}/v2/contacts/...", params=sandbox.auth_params(), ...)
        sandbox.configure(fail_first=2)
        assert sandbox.state()["puts"] == 1

``stop()`` then ``start()`` brings the server back on the same port with the same
instance ID and token, which is how a test simulates a server restart.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


class SandboxError(RuntimeError):
    """The sandbox process did not start or answer as expected."""


class SandboxProcess:
    """A ``python -m importer.sandbox`` subprocess and a small client for its admin endpoints."""

    def __init__(
        self,
        *args: str,
        port: int = 0,
        instance_id: str | None = None,
        token: str | None = None,
        dump: Path | None = None,
        startup_timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        """``args`` are extra command-line flags (faults, ``--session-status``…)."""
        self.args = list(args)
        self.port = port
        self.instance_id = instance_id or ""
        self.token = token or ""
        self.dump = dump
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self.pid: int | None = None
        self.returncode: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir = Path(tempfile.mkdtemp(prefix="wawp-sandbox-"))
        self._log = self._workdir / "server.log"
        # Kept across stop()/start() so the log covers every run; removed with the object.
        weakref.finalize(self, shutil.rmtree, self._workdir, ignore_errors=True)
        self._client: httpx.Client | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the server and wait until it listens; returns self."""
        if self.running:
            raise SandboxError("sandbox already running")
        ready = self._workdir / "ready.json"
        ready.unlink(missing_ok=True)
        command = [
            sys.executable,
            "-m",
            "importer.sandbox",
            "--port",
            str(self.port),
            "--ready-file",
            str(ready),
            "--quiet",
        ]
        if self.instance_id:
            command += ["--instance-id", self.instance_id]
        if self.token:
            token_file = self._workdir / "token"
            token_file.write_text(self.token, encoding="utf-8")
            command += ["--token-file", str(token_file)]
        if self.dump is not None:
            command += ["--dump", str(self.dump)]
        command += self.args
        env = dict(os.environ)
        # Works from any working directory, installed or not.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        self.returncode = None
        deadline = time.monotonic() + self.startup_timeout
        while not ready.exists():
            if self._process.poll() is not None:
                self.returncode = self._process.returncode
                raise SandboxError(
                    f"sandbox exited with {self.returncode} before it was ready:\n{self.log()}"
                )
            if time.monotonic() > deadline:
                self._kill()
                raise SandboxError(
                    f"sandbox not ready after {self.startup_timeout} s:\n{self.log()}"
                )
            time.sleep(0.02)
        info = json.loads(ready.read_text(encoding="utf-8"))
        self.base_url = info["base_url"]
        self.instance_id = info["instance_id"]
        self.token = info["token"]
        self.pid = info["pid"]
        # Pinned so that stop() + start() comes back at the same address.
        self.port = int(self.base_url.rsplit(":", 1)[1])
        self._client = httpx.Client(base_url=self.base_url, timeout=10.0)
        return self

    def stop(self) -> int:
        """SIGTERM the server and wait for it; returns its exit code."""
        if self._client is not None:
            self._client.close()
            self._client = None
        process = self._process
        if process is None:
            return self.returncode if self.returncode is not None else 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._kill()
                raise SandboxError(f"sandbox ignored SIGTERM for {STOP_TIMEOUT} s") from None
        self.returncode = process.returncode
        self._process = None
        return self.returncode

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> Self:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        try:
            return self._log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    # -- what tests use -----------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The environment variables that point the importer at this sandbox."""
        return {
            "WAWP_BASE_URL": self.base_url,
            "WAWP_INSTANCE_ID": self.instance_id,
            "WAWP_ACCESS_TOKEN": self.token,
        }

    def auth_params(self) -> dict[str, str]:
        """The ``instance_id`` and ``access_token`` query parameters."""
        return {"instance_id": self.instance_id, "access_token": self.token}

    def state(self) -> dict[str, Any]:
        """``GET /_sandbox/state``: contacts, counters and current faults."""
        return self._admin("GET", "/_sandbox/state")

    def configure(self, *, replace: bool = False, **faults: Any) -> dict[str, Any]:
        """Change faults at run time; with ``replace`` the ones not given are switched off."""
        params = {"replace": "1"} if replace else None
        return self._admin("POST", "/_sandbox/faults", json=faults, params=params)["faults"]

    def reset(self) -> None:
        """Clear contacts and counters and restore the start-up faults."""
        self._admin("POST", "/_sandbox/reset")

    def _admin(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        if self._client is None:
            raise SandboxError("sandbox not started")
        response = self._client.request(method, path, **kwargs)
        if response.status_code != 200:
            raise SandboxError(f"{method} {path}: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        return result
