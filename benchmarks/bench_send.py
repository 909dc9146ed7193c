"""Sending throughput against the local sandbox, next to what the latency allows.

    .venv/bin/python benchmarks/bench_send.py                # the full run (several minutes)
    .venv/bin/python benchmarks/bench_send.py --quick        # fewer rows, no 200,000-row run

The sandbox answers every request after `--latency` seconds (50 ms by default, a fair
guess for a WhatsApp API across the internet), so with C requests in flight no client can
do better than C / latency rows per second: that is the "bound" column.

The sandbox stands in for a server on another machine, so on a machine with two CPUs or
more it is pinned to the last CPU and the measured clients to the others (`--no-pin` to
let the scheduler place them). Unpinned, the two processes take turns on the same CPUs and
the scheduler moves them between CPUs at every wake-up: on the 2-CPU virtual machines this
was written on, that alone cost a bare aiohttp client about 7 % of the bound at
concurrency 32.

The importer runs in a child process per measurement (`run_import`, the same path as the
CLI, reading and normalizing included), so each peak RSS is its own. The sequential
baseline sends the way the API's code sample does: one request, wait for its answer, the
next. "of bare" is the importer's rate over the bare aiohttp client's at the same
concurrency, measured just before it (`--bare-concurrency`, 32 and 128 by default).
With `--repeat N` each such pair (bare, then importer) is measured N times in turn, and the
median of the N ratios is printed after them: on a shared machine one pair can land on a
moment of load that the other did not see.

    .venv/bin/python benchmarks/bench_send.py --slow-rows 1 --memory-rows 0 \
        --concurrency 32 128 --repeat 5         # the issue's ratios, 5 pairs each

Only 127.0.0.1 is ever contacted. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]


# -- the child: one measured import -----------------------------------------------------------

def child(args: argparse.Namespace) -> None:
    """Run one import and print its figures as JSON (used by the parent, not by people)."""
    sys.path.insert(0, str(REPO))
    from importer import ImportOptions
    from importer.pipeline import plan_import, run_plan

    token = Path(args.token_file).read_text(encoding="utf-8").strip()
    options = ImportOptions(input=Path(args.input), results=Path(args.results),
                            default_region="EG", base_url=args.base_url,
                            instance_id=args.instance_id, access_token=token,
                            concurrency=args.concurrency[0], rate=0, force=True)
    plan = plan_import(options)
    # Loaded before the clock starts, as the bare client loads aiohttp before its own: the
    # ~0.2 s of loading it is not sending (the pipeline loads it on its first send).
    import importer.send.transport  # noqa: F401
    gc.freeze()  # as the CLI does before sending
    # The normalizing worker a sending run forks counts too (ended, so in RUSAGE_CHILDREN,
    # when run_plan returns): its CPU is CPU/row of the importer's as much as the sender's.
    cpu = time.process_time() + _children_cpu()
    started = time.perf_counter()
    summary = run_plan(plan)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() + _children_cpu() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": summary.results, "ok": summary.counts.get("ok", 0),
                      "elapsed": elapsed, "cpu": cpu, "rss_mb": rss_mb}))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sequential_child(args: argparse.Namespace) -> None:
    """The API sample's way: one PUT at a time, each waiting for its answer."""
    token = Path(args.token_file).read_text(encoding="utf-8").strip()
    with open(args.input, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    params = {"instance_id": args.instance_id, "access_token": token}
    started = time.perf_counter()
    ok = 0
    with httpx.Client(base_url=args.base_url, timeout=30) as client:
        for name, phone in rows:
            digits = "20" + phone.replace(" ", "")[1:]
            response = client.put(f"/v2/contacts/{digits}@c.us", params=params,
                                  json={"firstName": name, "lastName": ""})
            ok += response.status_code == 200
    elapsed = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": len(rows), "ok": ok, "elapsed": elapsed, "cpu": 0.0,
                      "rss_mb": rss_mb}))


def bare_child(args: argparse.Namespace) -> None:
    """The ceiling: bare aiohttp, `concurrency` PUTs in flight, no work at all per row.

    What this machine and the sandbox allow at that concurrency, whatever the client does;
    the importer's figure next to it shows what its own work per row costs.
    """
    import asyncio

    import aiohttp

    token = Path(args.token_file).read_text(encoding="utf-8").strip()
    with open(args.input, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    params = {"instance_id": args.instance_id, "access_token": token}
    concurrency = args.concurrency[0]

    async def run() -> int:
        ok = 0
        todo = iter(rows)
        async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=concurrency)) as session:
            async def worker() -> None:
                nonlocal ok
                for name, phone in todo:
                    digits = "20" + phone.replace(" ", "")[1:]
                    async with session.put(f"{args.base_url}/v2/contacts/{digits}@c.us",
                                           params=params,
                                           json={"firstName": name, "lastName": ""}) as r:
                        await r.read()
                        ok += r.status == 200

            await asyncio.gather(*(worker() for _ in range(concurrency)))
        return ok

    cpu = time.process_time()
    started = time.perf_counter()
    ok = asyncio.run(run())
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": len(rows), "ok": ok, "elapsed": elapsed, "cpu": cpu,
                      "rss_mb": rss_mb}))


# -- the parent: sandbox, inputs, table ----------------------------------------------------------

def write_input(path: Path, rows: int) -> Path:
    """`rows` distinct, valid Egyptian mobile numbers in national format."""
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Name", "Phone"])
        for i in range(rows):
            out.writerow([f"Person {i}", f"0100 {i // 10000:03d} {i % 10000:04d}"])
    return path


def pin(sandbox_pid: int) -> str:
    """The sandbox on the last CPU, this process (and so every client it starts) on the rest."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return "not pinned (one CPU)"
    os.sched_setaffinity(sandbox_pid, {cpus[-1]})
    os.sched_setaffinity(0, set(cpus[:-1]))
    return f"sandbox on CPU {cpus[-1]}, clients on CPU {','.join(map(str, cpus[:-1]))}"


class Sandbox:
    def __init__(self, latency: float, folder: Path) -> None:
        ready = folder / "ready.json"
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "importer.sandbox", "--port", "0", "--latency", str(latency),
             "--ready-file", str(ready), "--quiet"], env=env, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.05)
        info = json.loads(ready.read_text(encoding="utf-8"))
        self.base_url, self.instance_id = info["base_url"], info["instance_id"]
        self.token_file = folder / "token"
        self.token_file.write_text(info["token"], encoding="utf-8")
        self.admin = httpx.Client(base_url=self.base_url, timeout=30)

    def reset(self) -> None:
        self.admin.post("/_sandbox/reset").raise_for_status()

    def puts(self) -> int:
        return int(self.admin.get("/_sandbox/state").json()["puts"])

    def close(self) -> None:
        self.admin.close()
        self.process.terminate()
        self.process.wait(timeout=15)


def measure(sandbox: Sandbox, source: Path, folder: Path, concurrency: int | None,
            kind: str = "--child") -> dict[str, Any]:
    sandbox.reset()
    mode = ["--sequential-child"] if concurrency is None else [kind, "--concurrency",
                                                                str(concurrency)]
    command = [sys.executable, __file__, *mode, "--input", str(source),
               "--results", str(folder / "results.csv"), "--base-url", sandbox.base_url,
               "--instance-id", sandbox.instance_id, "--token-file", str(sandbox.token_file)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"measurement failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["puts"] = sandbox.puts()
    return figures


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--slow-rows", type=int, default=1_000,
                   help="rows for concurrency 1 and the sequential baseline (20/s at 50 ms)")
    p.add_argument("--memory-rows", type=int, default=200_000,
                   help="a second, longer run at --memory-concurrency; 0 to skip")
    p.add_argument("--memory-concurrency", type=int, default=128)
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 128])
    p.add_argument("--quick", action="store_true",
                   help="5,000 rows, 200 slow rows, no memory run")
    p.add_argument("--repeat", type=int, default=1,
                   help="measure each bare/importer pair this many times, alternated, and "
                        "print the median of the ratios")
    p.add_argument("--no-pin", action="store_true",
                   help="leave the sandbox and the clients wherever the scheduler puts them")
    # the child processes
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--sequential-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--bare-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--bare-concurrency", type=int, nargs="+", default=[32, 128],
                   help="concurrencies of the bare-aiohttp ceiling runs, each measured just "
                        "before the importer at the same concurrency (0 to skip)")
    for name in ("--input", "--results", "--base-url", "--instance-id", "--token-file"):
        p.add_argument(name, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args)
    if args.sequential_child:
        return sequential_child(args)
    if args.bare_child:
        return bare_child(args)
    if args.quick:
        args.rows, args.slow_rows, args.memory_rows = 5_000, 200, 0

    folder = Path(tempfile.mkdtemp(prefix="wawp-bench-"))
    sandbox = Sandbox(args.latency, folder)
    placement = "not pinned (--no-pin)" if args.no_pin else pin(sandbox.process.pid)
    inputs: dict[int, Path] = {}

    def source(rows: int) -> Path:
        if rows not in inputs:
            inputs[rows] = write_input(folder / f"in-{rows}.csv", rows)
        return inputs[rows]

    print(f"sandbox latency {args.latency * 1000:g} ms, {os.cpu_count()} CPUs, "
          f"python {sys.version.split()[0]}; importer at --rate 0; load average "
          f"{os.getloadavg()[0]:.2f} at start; {placement}")
    print(f"{'mode':<28}{'rows':>8}{'rows/s':>9}{'bound':>8}{'of bound':>10}"
          f"{'of bare':>9}{'CPU/row':>10}{'peak RSS':>10}")
    bare_rates: dict[int, float] = {}  # rows/s of the bare client, by concurrency
    ratios: dict[int, list[float]] = {}  # the importer's over the bare client's, by concurrency
    try:
        plan: list[tuple[str, int | None, int, str]] = [
            ("sequential (API sample)", None, args.slow_rows, "")]
        bare = [c for c in args.bare_concurrency if c > 0]
        # Each bare run goes just before the importer at its concurrency, so the two see the
        # same load on this shared machine; a bare run with no importer run beside it first.
        plan += [(f"bare aiohttp, {c} in flight", c, args.rows, "--bare-child")
                 for c in bare if c not in args.concurrency]
        for c in args.concurrency:
            for _ in range(max(1, args.repeat) if c in bare else 1):
                if c in bare:
                    plan.append((f"bare aiohttp, {c} in flight", c, args.rows, "--bare-child"))
                plan.append((f"--concurrency {c}", c, args.slow_rows if c == 1 else args.rows,
                             "--child"))
        if args.memory_rows:
            plan.append((f"--concurrency {args.memory_concurrency}", args.memory_concurrency,
                         args.memory_rows, "--child"))
        for label, concurrency, rows, kind in plan:
            figures = measure(sandbox, source(rows), folder, concurrency, kind)
            rate = figures["rows"] / figures["elapsed"]
            bound = (concurrency or 1) / args.latency
            cpu = f"{figures['cpu'] / figures['rows'] * 1000:.2f} ms" if figures["cpu"] else "-"
            of_bare = "-"
            if kind == "--bare-child" and concurrency is not None:
                bare_rates[concurrency] = rate
            elif kind == "--child" and concurrency in bare_rates and rows == args.rows:
                ratios.setdefault(concurrency, []).append(rate / bare_rates[concurrency])
                of_bare = f"{rate / bare_rates[concurrency]:.0%}"
            print(f"{label:<28}{figures['rows']:>8,}{rate:>9.0f}{bound:>8.0f}"
                  f"{rate / bound:>10.0%}{of_bare:>9}{cpu:>10}{figures['rss_mb']:>7.0f} MB",
                  flush=True)
            if figures["puts"] != figures["rows"] or figures["ok"] != figures["rows"]:
                print(f"  warning: {figures['ok']} ok, {figures['puts']} PUTs for "
                      f"{figures['rows']} rows", flush=True)
    finally:
        sandbox.close()
    for concurrency, found in ratios.items():
        if len(found) > 1:
            print(f"concurrency {concurrency}: median {statistics.median(found):.0%} of bare "
                  f"over {len(found)} pairs ({', '.join(f'{r:.0%}' for r in found)})")
    print(f"load average {os.getloadavg()[0]:.2f} at the end (other work on this machine "
          "slows every figure)")


if __name__ == "__main__":
    main()
