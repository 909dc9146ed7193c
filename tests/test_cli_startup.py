"""`wawp-import --help`, `--version` and a usage error load only what the parser needs: not
the pipeline, the readers or the libraries behind them (their import is most of the 300 ms the
command used to take before printing its help). Speed itself is measured by
benchmarks/bench_help.py, never asserted here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import importer

HEAVY = ("httpx", "aiohttp", "phonenumbers", "openpyxl", "python_calamine", "pandas",
         "importer.pipeline", "importer.read", "importer.send")

PROBE = """
import contextlib, io, json, sys
import importer.cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        importer.cli.main(sys.argv[1:])
    except SystemExit:
        pass
heavy = json.loads(sys.stdin.read())
print(json.dumps(sorted({m for m in sys.modules for h in heavy
                         if m == h or m.startswith(h + ".")})))
"""


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["--no-such-flag"], []],
                         ids=["help", "version", "usage-error", "no-input"])
def test_the_parser_alone_loads_no_heavy_module(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], input=json.dumps(HEAVY),
                          capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == []


def test_importing_the_package_loads_no_heavy_module() -> None:
    probe = "import json, sys, importer; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe],
                          capture_output=True, text=True, timeout=60, check=True)
    loaded = set(json.loads(done.stdout))
    assert not {m for m in loaded for h in HEAVY if m == h or m.startswith(h + ".")}


def test_all_is_sorted_and_every_public_name_resolves() -> None:
    assert importer.__all__ == sorted(importer.__all__)
    assert set(importer.__all__) == {*importer._PUBLIC, "__version__"}
    for name in importer.__all__:
        assert getattr(importer, name) is not None, name
    assert set(importer.__all__) <= set(dir(importer))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        importer.no_such_name  # noqa: B018
