"""`make demo`: start the sandbox, import samples/contacts.xlsx into it, show what happened."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "out" / "demo"


def start_sandbox(workdir: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    ready = workdir / "ready.json"
    server = subprocess.Popen(
        [sys.executable, "-m", "importer", "sandbox", "--port", "0", "--quiet",
         "--ready-file", str(ready), "--latency", "0.02"],
        stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not ready.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            sys.exit("the sandbox did not start")
        time.sleep(0.05)
    return server, json.loads(ready.read_text(encoding="utf-8"))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / "contacts.xlsx"
    shutil.copy(REPO / "samples" / "contacts.xlsx", source)
    with tempfile.TemporaryDirectory(prefix="wawp-demo-") as tmp:
        server, info = start_sandbox(Path(tmp))
        try:
            print(f"Sandbox: {info['base_url']} (instance {info['instance_id']})\n", flush=True)
            # The demo's ledger lives and dies with its sandbox: the user's own ledger never
            # hears of the demo's contacts.
            env = dict(os.environ, WAWP_BASE_URL=info["base_url"],
                       WAWP_INSTANCE_ID=info["instance_id"], WAWP_ACCESS_TOKEN=info["token"],
                       WAWP_LEDGER=str(Path(tmp) / "ledger.sqlite"))
            command = [sys.executable, "-m", "importer", str(source), "--default-region", "EG",
                       "--rate", "0", "--concurrency", "16"]
            print("$ wawp-import out/demo/contacts.xlsx --default-region EG --rate 0 "
                  "--concurrency 16", flush=True)
            code = subprocess.call(command, env=env, stdin=subprocess.DEVNULL)
            import httpx

            state = httpx.get(f"{info['base_url']}/_sandbox/state").json()
            print(f"\nThe sandbox's address book now holds {len(state['contacts'])} contacts "
                  f"({state['puts']} PUT requests received).")
            print(f"Results, one line per spreadsheet row: {OUT / 'contacts.results.csv'}")
            print(f"(exit code {code}: 1 means some rows need attention — the sample has "
                  "bad rows on purpose)")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
