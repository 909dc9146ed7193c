"""The shape of the package: imports flow one way, and the sandbox stands apart.

Entry points (`cli`, `web`) → `pipeline` → `read` / `normalize` / `send` / `report` →
`models` / `errors` / `options`. An import circle means two modules that cannot be understood
(or changed) one without the other; this walks every import statement, deferred and
type-only ones included, and names the circle it finds.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "importer"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(name: str, path: Path) -> set[str]:
    """The package's modules that `name` imports (a submodule itself, not its package,
    for `from . import submodule`: a package is always imported before its submodules)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                sub = f"{origin}.{alias.name}"
                if sub in MODULES:
                    found.add(sub)
                elif origin in MODULES:
                    found.add(origin)
    found.discard(name)
    return found


#: Imports that go against the flow on purpose, each deferred into the one function that needs
#: it, with the reason. Keep this short: every entry is a place where two layers know each other.
ALLOWED: set[tuple[str, str]] = set()

GRAPH = {name: {target for target in imported(name, path) if (name, target) not in ALLOWED}
         for name, path in MODULES.items()}


def circles() -> list[list[str]]:
    """Every import circle, each as the path that closes it."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for nxt in sorted(GRAPH[node]):
            visit(nxt, path + [node])
        done.add(node)

    for start in sorted(GRAPH):
        visit(start, [])
    return found


def test_the_walker_sees_a_circle_when_there_is_one() -> None:
    GRAPH["importer.models"].add("importer.pipeline")
    try:
        assert any("importer.models" in c and "importer.pipeline" in c for c in circles())
    finally:
        GRAPH["importer.models"].discard("importer.pipeline")


def test_every_allowed_exception_still_exists() -> None:
    """An entry of ALLOWED whose import is gone must leave the list with it."""
    for source, target in ALLOWED:
        assert target in imported(source, MODULES[source]), (source, target)


def test_there_is_no_import_circle() -> None:
    assert circles() == [], "\n".join(" -> ".join(c) for c in circles())


def test_the_sandbox_imports_nothing_of_the_importer_and_is_not_imported() -> None:
    sandbox = {n for n in MODULES if n.startswith("importer.sandbox")}
    for name in sandbox:
        assert GRAPH[name] <= sandbox, f"{name} imports {GRAPH[name] - sandbox}"
    for name in MODULES.keys() - sandbox:
        assert not GRAPH[name] & sandbox, f"{name} imports the sandbox"


LAYERS = {
    # a module may import its own layer's or any lower layer's modules, never a higher one
    "importer.models": 0, "importer.errors": 0, "importer.options": 0, "importer.redact": 0,
    "importer.atomic": 0, "importer.result_format": 0, "importer.config": 0,
    "importer.paths": 0, "importer.problems": 0, "importer.notes": 0,
    "importer.read": 1, "importer.normalize": 1, "importer.send": 1, "importer.report": 1,
    "importer.fixes": 1,
    "importer.pipeline": 2, "importer.stages": 2, "importer.mappings": 2,
    "importer.cli": 3, "importer.entry": 3, "importer.web": 3, "importer": 3,
    "importer.__main__": 3,
}


def layer(name: str) -> int | None:
    while name:
        if name in LAYERS:
            return LAYERS[name]
        name = name.rpartition(".")[0]
    return None


def test_imports_flow_down_from_the_entry_points() -> None:
    upward = [f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets
              if layer(a) is not None and layer(b) is not None and layer(b) > layer(a)
              and not b.startswith("importer.sandbox")]
    assert upward == []


# -- no blind except ---------------------------------------------------------------------------

#: Methods of a module's `log = logging.getLogger(__name__)` that count as a log line.
LOG_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})
BROAD = frozenset({"Exception", "BaseException"})


def _is_broad(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in BROAD for t in types)


def _raises_logs_or_hands_on(handler: ast.ExceptHandler) -> bool:
    """The body raises, writes a log line, or hands the exception itself to a call (a
    runner's `self.fail(exc)`, which raises it in the caller)."""
    for node in ast.walk(ast.Module(body=handler.body, type_ignores=[])):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr in LOG_METHODS
                    and isinstance(func.value, ast.Name) and func.value.id == "log"):
                return True
            if handler.name and any(isinstance(a, ast.Name) and a.id == handler.name
                                    for a in node.args):
                return True
    return False


def _does_nothing(handler: ast.ExceptHandler) -> bool:
    """The body only goes on (`pass`, `continue`, `break`, `...`): the error leaves no trace."""
    return all(isinstance(s, ast.Pass | ast.Continue | ast.Break)
               or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
               for s in handler.body)


def _commented(handler: ast.ExceptHandler, lines: list[str]) -> bool:
    """A comment on the `except` line or in the body's first line says why."""
    last = handler.body[0].lineno if handler.body else handler.lineno
    return any("#" in line for line in lines[handler.lineno - 1:last])


def blind_excepts(source: str, name: str = "<source>") -> list[str]:
    """The `except` handlers of `source` that break the house rule.

    Every handler raises, logs, turns the error into data or is commented as deliberate:
    - one that catches Exception/BaseException (or everything) raises, logs (with the
      traceback where it is a bug) or hands the exception on, and its comment says why;
    - one whose body only passes/continues says in a comment why nothing is lost.
    """
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ExceptHandler):
            continue
        where = f"{name}:{node.lineno}: {lines[node.lineno - 1].strip()}"
        if _is_broad(node) and not (_raises_logs_or_hands_on(node) and _commented(node, lines)):
            found.append(where + "  (broad: raise or log, and say why)")
        elif _does_nothing(node) and not (_raises_logs_or_hands_on(node)
                                          or _commented(node, lines)):
            found.append(where + "  (swallowed: log it, or say why nothing is lost)")
    return found


def test_no_except_swallows_an_error_blindly() -> None:
    found = [hit for name, path in sorted(MODULES.items())
             for hit in blind_excepts(path.read_text(encoding="utf-8"), name)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(("source", "blind"), [
    ("try:\n    f()\nexcept ValueError:\n    pass\n", True),
    ("try:\n    f()\nexcept ValueError:\n    pass  # an empty cell is not a number\n", False),
    ("try:\n    f()\nexcept ValueError:\n    return None\n", False),  # the error as data
    ("try:\n    f()\nexcept Exception:\n    return None\n", True),
    ("try:\n    f()\nexcept Exception:  # a bug\n    return None\n", True),
    ("try:\n    f()\nexcept Exception as e:  # a bug\n    log.error('x', exc_info=e)\n", False),
    ("try:\n    f()\nexcept Exception as e:\n    log.error('x', exc_info=e)\n", True),
    ("try:\n    f()\nexcept:  # cleanup\n    g()\n    raise\n", False),
    ("try:\n    f()\nexcept (OSError, BaseException):  # hand on\n    self.fail(e)\n", True),
])
def test_the_except_scan_tells_blind_from_deliberate(source: str, blind: bool) -> None:
    source = "def w():\n" + "".join("    " + line + "\n" for line in source.splitlines())
    assert bool(blind_excepts(source)) is blind
