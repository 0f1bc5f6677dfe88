"""orchestrate/ imports downwards only: no module imports one that (directly or not) imports it.
Circles made `meltano_cli`, `preflight`, `run_job`, `run_lock` and `slots` import each other, and
hid which module depends on which (docs/architecture.md gives the order)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "orchestrate"


def imports_of(path: Path) -> set[str]:
    """The orchestrate modules a module imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "orchestrate":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("orchestrate."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("orchestrate.")}
    return found - {path.stem}


def test_orchestrate_has_no_import_circle():
    graph = {path.stem: imports_of(path) for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert set().union(*graph.values()) <= set(graph), "an import of a module that does not exist"
    circles = []

    def visit(module: str, path: list[str]) -> None:
        for imported in sorted(graph[module]):
            if imported in path:
                circles.append(" -> ".join([*path[path.index(imported):], imported]))
            elif len(path) < len(graph):
                visit(imported, [*path, imported])

    for module in sorted(graph):
        visit(module, [module])
    assert not circles, "import circles in orchestrate/:\n" + "\n".join(sorted(set(circles))[:20])
