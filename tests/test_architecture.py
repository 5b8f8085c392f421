"""The shape of the code, checked: layers one way, no import cycles, one module touching httpx, small modules,
every imported distribution declared."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "recamera_mcp"
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, *, type_checking: bool = True) -> set[str]:
    """Modules ``name`` imports anywhere in its body: function-level imports count, and so do ``TYPE_CHECKING``
    blocks unless ``type_checking`` is False (a cycle held apart by either is still a cycle of the design).
    ``from pkg import sub`` counts as importing ``pkg.sub`` when that is a module."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node) and not type_checking:
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def internal_graph() -> dict[str, set[str]]:
    return {name: {m for m in imports_of(name) if m in MODULES and m != name} for name in MODULES}


def test_no_import_cycle_in_the_package():
    graph = internal_graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    for node in sorted(graph):
        if node not in state:
            walk(node)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_only_the_transport_imports_httpx_outside_the_simulator():
    users = {
        name
        for name in MODULES
        if not name.startswith("recamera_mcp.simulator")
        and any(m == "httpx" or m.startswith("httpx.") or m == "websockets" or m.startswith("websockets.")
                for m in imports_of(name, type_checking=False))
    }  # fmt: skip
    assert users == {"recamera_mcp.client._transport"}


def test_the_server_uses_only_the_clients_public_names():
    import recamera_mcp.client as client

    for name in MODULES:
        if not name.startswith("recamera_mcp.server"):
            continue
        for imported in imports_of(name):
            assert not imported.startswith("recamera_mcp.client."), f"{name} imports the private {imported}"
        tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "recamera_mcp.client":
                for alias in node.names:
                    assert alias.name in client.__all__, f"{name} imports {alias.name}, not an export of the client"


def test_the_simulator_and_the_client_do_not_know_the_server():
    for name in MODULES:
        if name.startswith(("recamera_mcp.client", "recamera_mcp.simulator", "recamera_mcp.discovery")):
            bad = {m for m in imports_of(name) if m.startswith(("recamera_mcp.server", "mcp"))}
            assert not bad, f"{name} imports {bad}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_600_lines(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by area (guideline {MAX_LINES})"


def test_every_imported_distribution_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_normal(r) for r in project["dependencies"]}
    test_extra = declared | {_normal(r) for r in project["optional-dependencies"]["test"]}
    providers = importlib.metadata.packages_distributions()
    stdlib = sys.stdlib_module_names
    missing: dict[str, str] = {}
    for name in MODULES:
        for imported in imports_of(name, type_checking=False):
            top = imported.split(".", 1)[0]
            if top in stdlib or top == "recamera_mcp" or top in ("gi",):  # gi: the system python's, for RTSP
                continue
            dists = {_normal(d) for d in providers.get(top, [top])}
            allowed = test_extra if name.endswith(".testing") else declared  # the pytest plugin needs the test extra
            if not dists & allowed:
                missing[top] = f"{name} imports {top} ({', '.join(sorted(dists))})"
    assert not missing, "\n".join(missing.values())


def _normal(requirement: str) -> str:
    name = requirement.split(";")[0]
    for sep in "<>=!~[ ":
        name = name.split(sep)[0]
    return name.strip().lower().replace("_", "-")
